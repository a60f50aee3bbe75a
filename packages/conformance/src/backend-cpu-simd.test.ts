// The conformance suite on the CPU backend's plain-SIMD WebAssembly build (no FMA).
import { runConformance } from './index.js';
import { cpu } from '@tessera/backend-cpu';

runConformance(() => cpu({ wasm: 'simd' }));
