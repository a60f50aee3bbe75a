// The conformance suite on the CPU backend's relaxed-SIMD WebAssembly build (f32x4.relaxed_madd).
// Node 20 validates relaxed SIMD only behind a V8 flag (Node 22+ ships it); set it before the
// backend is created.
import { setFlagsFromString } from 'node:v8';
import { runConformance } from './index.js';
import { cpu } from '@tessera/backend-cpu';

setFlagsFromString('--experimental-wasm-relaxed-simd');
runConformance(() => cpu({ wasm: 'relaxed' }));
