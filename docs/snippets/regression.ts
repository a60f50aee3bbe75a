// Setup for code blocks marked ```ts setup=regression: a small regression MLP (4 features to 1
// value) and 64 rows of data, on the CPU backend.
import { randn, setBackend } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { Linear, ReLU, Sequential } from '@tessera/layers';

await setBackend(cpu());
export const model = new Sequential(new Linear({ inFeatures: 4, outFeatures: 16, seed: 1 }), new ReLU(), new Linear({ inFeatures: 16, outFeatures: 1, seed: 2 }));
export const x = randn([64, 4], { seed: 3 });
export const y = x.sum(1, true);
