/**
 * The fine-tuning API on WebGPU (Dawn on SwiftShader in CI): a model with frozen BatchNorm
 * statistics trains one step on the GPU and matches the same step on the CPU backend, and feature
 * extraction runs there. Skipped with the reason when no adapter exists, unless
 * TESSERA_REQUIRE_WEBGPU=1.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { randn, setBackend, tensor, tidy, type Backend, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { webgpu } from '@tessera/backend-webgpu';
import { backward, enableAutograd } from '@tessera/autograd';
import { BatchNorm2d, Conv2d, Flatten, Linear, ReLU, Sequential, manualSeed } from '@tessera/layers';
import { SGD } from '@tessera/optim';
import { discriminativeGroups, extractFeatures, freeze } from './index.js';

// These tests run forward passes on requiresGrad parameters before their first autograd call.
enableAutograd();

let gpu: (Backend & { dispose(): void }) | undefined;
let reason = '';
try {
  gpu = await webgpu();
} catch (e) {
  reason = (e as Error).message;
}
afterAll(() => gpu?.dispose());

function model(): Sequential {
  manualSeed(11);
  return new Sequential({
    backbone: new Sequential(new Conv2d({ inChannels: 1, outChannels: 3, kernelSize: 3, padding: 1 }), new BatchNorm2d({ numFeatures: 3 }), new ReLU()),
    head: new Sequential(new Flatten(), new Linear({ inFeatures: 3 * 16, outFeatures: 2 })),
  });
}

/** One fine-tuning step (frozen BN statistics, discriminative rates) on `backend`; returns every parameter and the features. */
async function step(backend: Backend): Promise<{ params: number[][]; stats: number[][]; features: number[] }> {
  await setBackend(backend);
  const m = model();
  // Non-trivial statistics, as a pretrained model has.
  const warm = randn([6, 1, 4, 4], { seed: 1 });
  tidy(() => m.forward(warm));
  warm.dispose();
  freeze(m, 'backbone.0');
  const opt = new SGD(discriminativeGroups(m, [{ select: 'backbone', lr: 0.01 }, { select: 'head', lr: 0.1 }]), { lr: 0.1 });
  const x = randn([4, 1, 4, 4], { seed: 2 });
  const y = tensor([0, 1, 1, 0], [4], { dtype: 'int32' });
  m.train();
  const wrt = m.parameters().filter((p) => p.requiresGrad);
  const grads = backward(tidy(() => m.forward(x).logSoftmax(1).mul(y.oneHot(2)).sum().neg()), { wrt });
  opt.step(grads, { allowUnknown: true });
  for (const g of grads.values()) g.dispose();
  const features = await extractFeatures(m.at(0), x, { batchSize: 3 });
  const read = async (ts: Tensor[]): Promise<number[][]> => Promise.all(ts.map(async (t) => Array.from((await t.data()) as Float32Array)));
  const out = { params: await read(m.parameters()), stats: await read(m.buffers().filter((b) => b.dtype === 'float32')), features: Array.from((await features.data()) as Float32Array) };
  for (const t of [features, x, y]) t.dispose();
  opt.dispose();
  m.dispose();
  return out;
}

const suite = gpu ? describe : describe.skip;
if (!gpu && process.env['TESSERA_REQUIRE_WEBGPU'] === '1') throw new Error(`TESSERA_REQUIRE_WEBGPU=1 but no WebGPU backend: ${reason}`);
if (!gpu) console.warn(`[tessera] skipping fine-tuning on WebGPU: ${reason}`);

suite(`fine-tuning on WebGPU${gpu ? '' : ` (skipped: ${reason})`}`, () => {
  it('takes the same step as the CPU with frozen BN statistics and discriminative rates, and extracts the same features', async () => {
    const want = await step(cpu());
    const got = await step(gpu!);
    const close = (a: number[], b: number[], what: string): void => a.forEach((v, i) => expect(Math.abs(v - b[i]!), `${what}[${i}]: webgpu ${v}, cpu ${b[i]}`).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(b[i]!))));
    got.params.forEach((p, i) => close(p, want.params[i]!, `param ${i}`));
    got.stats.forEach((p, i) => close(p, want.stats[i]!, `buffer ${i}`));
    close(got.features, want.features, 'features');
  });
});
