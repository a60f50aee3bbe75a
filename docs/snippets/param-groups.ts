// Setup for code blocks marked ```ts setup=param-groups: the parts of a model that get different
// learning rates (a backbone, a head and a layer added later), on the CPU backend.
import { setBackend } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { Linear, ReLU, Sequential } from '@tessera/layers';

await setBackend(cpu());
export const backbone = new Sequential(new Linear({ inFeatures: 8, outFeatures: 16, seed: 1 }), new ReLU());
export const head = new Linear({ inFeatures: 16, outFeatures: 2, seed: 2 });
export const newLayer = new Linear({ inFeatures: 2, outFeatures: 2, seed: 3 });
