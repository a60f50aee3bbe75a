// The conformance suite on a two-thread CPU backend: the shared-memory WebAssembly build over a
// `shared: true` memory, with a worker pool for large matmuls and convolutions.
import { runConformance } from './index.js';
import { cpu } from '@tessera/backend-cpu';

runConformance(() => cpu({ wasm: 'simd', threads: 2 }));
