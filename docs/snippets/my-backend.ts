// Setup for code blocks marked ```ts setup=my-backend: the backend factory of docs/backends.md's
// first example (the CPU backend's kernels under another name).
import { BACKEND_SPEC_VERSION, type Backend } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';

export function myBackend(): Backend {
  return { ...cpu(), name: 'my-backend', specVersion: BACKEND_SPEC_VERSION };
}
