// Setup for code blocks marked ```ts setup=onnx-model: `model.onnx` in the working folder (a small
// MLP exported with an input named `input`), and an input batch `x` for it.
import { writeFile } from 'node:fs/promises';
import { randn, setBackend } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { Linear, ReLU, Sequential } from '@tessera/layers';
import { exportOnnx } from '@tessera/transfer-learning';

await setBackend(cpu());
export const x = randn([2, 4], { seed: 3 });
const net = new Sequential(new Linear({ inFeatures: 4, outFeatures: 8, seed: 1 }), new ReLU(), new Linear({ inFeatures: 8, outFeatures: 3, seed: 2 }));
await writeFile('model.onnx', await exportOnnx(net, { inputs: x, inputNames: ['input'], outputNames: ['output'] }));
