import * as tc from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { Sequential, Linear, ReLU, crossEntropy } from '@tessera/layers';
import { Adam } from '@tessera/optim';
import { fit } from '@tessera/train';
await tc.setBackend(cpu());
const batch = Number(process.env.B ?? 32), steps = 32;
const n = batch * steps;
const xs = new Float32Array(n * 784).map((_, i) => Math.sin(i * 12.9898) * 0.5);
const x = tc.tensor(xs, [n, 784], { dtype: 'float32' });
const y = tc.tensor(Int32Array.from({ length: n }, (_, i) => (i * 7 + 3) % 10), [n], { dtype: 'int32' });
const model = new Sequential(new Linear({ inFeatures: 784, outFeatures: 128, seed: 1 }), new ReLU(), new Linear({ inFeatures: 128, outFeatures: 64, seed: 2 }), new ReLU(), new Linear({ inFeatures: 64, outFeatures: 10, seed: 3 }));
const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
for (let e = 0; e < Number(process.env.E ?? 40); e++) {
  const t0 = performance.now();
  await fit(model, { data: { x, y }, epochs: 1, batchSize: batch, optimizer, loss: crossEntropy, seed: e, verbose: 0 });
  if (e % 10 === 0) console.log('epoch ms', (performance.now() - t0).toFixed(1), 'per step', ((performance.now() - t0) / steps).toFixed(3));
}
