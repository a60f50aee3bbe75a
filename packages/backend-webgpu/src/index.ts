/**
 * `@tessera/backend-webgpu`: the WebGPU backend of Tessera. WGSL kernels specialised per shape and
 * dtype, a pooled buffer allocator, batched command submission and asynchronous readback.
 *
 * @example
 * ```ts
 * import { setBackend } from '@tessera/tensor-core';
 * import { webgpu } from '@tessera/backend-webgpu';
 * const backend = await setBackend(webgpu());
 * console.log(backend.name, backend.capabilities.dtypes);
 * ```
 */
export { webgpu } from './webgpu.js';
export type { WebGpuBackend, WebGpuCapabilities, WebGpuMemory, WebGpuOptions } from './webgpu.js';
export type { WebGpuStats } from './runtime.js';
export type { PoolStats } from './pool.js';
export type { GemmTile } from './kernels/gemm.js';
export type { WebGpuErrorCode } from './errors.js';
