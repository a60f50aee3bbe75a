// The conformance suite on the TypeScript-only CPU backend: typed arrays on the JavaScript heap,
// the fallback where WebAssembly SIMD is missing, and the reference for the other variants.
import { runConformance } from './index.js';
import { cpu } from '@tessera/backend-cpu';

runConformance(() => cpu({ wasm: false }));
