// The WebAssembly kernels of @tessera/backend-cpu, compiled by scripts/build-wasm.mjs into a
// plain-SIMD and a relaxed-SIMD (FMA) build. The module imports its memory ("env", "memory"):
// the backend's allocator (src/wasm/heap.ts) owns it and hands the kernels byte offsets.
// No AssemblyScript runtime: the kernels only load and store through raw pointers.
export { gemmWorkspaceBytes, sgemm, sgemmBatched } from './gemm';
export { conv2dForward, conv2dBackpropFilter, conv2dBackpropInput } from './conv';
export { binaryF32, compareF32, unaryF32, sumRowsF32, maxMinRowsF32, where32, transpose32 } from './elementwise';
export { maxPool2dF32, maxPool2dBackwardF32 } from './pool';
export { adamF32 } from './optim';
