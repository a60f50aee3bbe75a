/**
 * Attributions against Captum's formulas computed in PyTorch (scripts/generate-fixtures.py) for an
 * MLP and a small CNN with fixed weights. Tolerances: float32 gradients of a few ops agree to
 * ~1e-6 relative; Integrated Gradients sums 20 of them (atol 2e-5).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '@tessera/backend-cpu';
import { memory, randn, setBackend, tensor, type Tensor } from '@tessera/tensor-core';
import { gradCam, gradientXInput, integratedGradients, integrationRule, saliency, smoothGrad } from './index.js';
import { buildModel, expectClose, fixture, toTensor } from './test-utils/fixtures.js';

beforeAll(async () => {
  await setBackend(cpu());
});

async function values(t: Tensor): Promise<number[]> {
  const out = Array.from(await t.data());
  t.dispose();
  return out;
}

describe.each(['mlp', 'cnn'] as const)('%s against the PyTorch fixture', (name) => {
  const f = fixture.models[name];

  it('saliency (abs and signed) and gradient × input', async () => {
    const model = buildModel(name);
    const x = toTensor(f.x);
    const before = memory().tensors;
    expectClose(await values(model.forward(x)), f.logits.values, 1e-5, 1e-5, 'logits');
    expectClose(await values(await saliency(model, x, { target: f.target })), f.saliency.values, 1e-6, 1e-4, 'saliency');
    expectClose(await values(await saliency(model, x, { target: f.target, abs: false, batchSize: 2 })), f.gradient.values, 1e-6, 1e-4, 'gradient');
    const target = tensor(f.target, [f.target.length], { dtype: 'int32' });
    expectClose(await values(await gradientXInput(model, x, { target })), f.gradientXInput.values, 1e-6, 1e-4, 'gradient × input');
    target.dispose();
    expect(memory().tensors).toBe(before);
    x.dispose();
    model.dispose();
  });

  it.each(f.integratedGradients.map((c, i) => [`${c.method} ${c.steps}`, i] as const))('integrated gradients, %s', async (_label, i) => {
    const c = f.integratedGradients[i]!;
    const method = c.method === 'gausslegendre' ? 'gaussLegendre' : 'riemannTrapezoid';
    const rule = integrationRule(method, c.steps);
    expectClose(rule.alphas, c.alphas, 1e-13, 0, 'alphas');
    expectClose(rule.weights, c.weights, 1e-13, 0, 'weights');
    const model = buildModel(name);
    const x = toTensor(f.x);
    const before = memory().tensors;
    // batchSize 7 splits the rows (examples x points) unevenly: chunking must not change anything.
    const { attributions, delta } = await integratedGradients(model, x, { target: f.target, steps: c.steps, method, batchSize: 7 });
    expectClose(await values(attributions), c.attributions.values, 2e-5, 1e-4, 'attributions');
    expectClose(await values(delta), c.delta, 5e-5, 0, 'delta');
    expect(memory().tensors).toBe(before);
    x.dispose();
    model.dispose();
  });
});

describe('cnn only', () => {
  const f = fixture.models.cnn;

  it('integrated gradients from a grey baseline (number and tensor baselines agree)', async () => {
    const model = buildModel('cnn');
    const x = toTensor(f.x);
    const c = f.integratedGradientsGrey!;
    const fromNumber = await integratedGradients(model, x, { target: f.target, steps: c.steps, baseline: c.baseline });
    expectClose(await values(fromNumber.attributions), c.attributions.values, 2e-5, 1e-4, 'attributions');
    expectClose(await values(fromNumber.delta), c.delta, 5e-5, 0, 'delta');
    const grey = tensor(new Float32Array(100).fill(0.5), [1, 10, 10]);
    const fromTensor = await integratedGradients(model, x, { target: f.target, steps: c.steps, baseline: grey });
    expectClose(await values(fromTensor.attributions), c.attributions.values, 2e-5, 1e-4, 'attributions (tensor baseline)');
    fromTensor.delta.dispose();
    grey.dispose();
    x.dispose();
    model.dispose();
  });

  it('completeness: the delta shrinks as steps grow', async () => {
    const model = buildModel('mlp');
    const x = toTensor(fixture.models.mlp.x);
    const worst = async (steps: number, method: 'riemannLeft' | 'gaussLegendre'): Promise<number> => {
      const r = await integratedGradients(model, x, { target: fixture.models.mlp.target, steps, method });
      r.attributions.dispose();
      return Math.max(...(await values(r.delta)).map(Math.abs));
    };
    const left4 = await worst(4, 'riemannLeft');
    const left64 = await worst(64, 'riemannLeft');
    expect(left64).toBeLessThan(left4 / 4);
    expect(await worst(16, 'gaussLegendre')).toBeLessThan(1e-5);
    x.dispose();
    model.dispose();
  });

  it.each(f.gradCam!.map((c, i) => [`${c.layer} relu=${c.relu}`, i] as const))('grad-cam, %s', async (_label, i) => {
    const c = f.gradCam![i]!;
    const model = buildModel('cnn');
    const x = toTensor(f.x);
    const before = memory().tensors;
    const raw = await gradCam(model, x, { layer: c.layer, target: f.target, relu: c.relu, upsample: false, batchSize: 2 });
    expect(raw.shape).toEqual(c.cam.shape);
    expectClose(await values(raw), c.cam.values, 1e-5, 1e-4, 'cam');
    const up = await gradCam(model, x, { layer: model.namedModules().find(([n]) => n === c.layer)![1], target: f.target, relu: c.relu });
    expect(up.shape).toEqual([3, 1, 10, 10]);
    expectClose(await values(up), c.upsampled.values, 1e-5, 1e-4, 'upsampled');
    expect(memory().tensors).toBe(before);
    // The hook is gone: the layer's forward is the prototype's again.
    expect(Object.prototype.hasOwnProperty.call(model.namedModules().find(([n]) => n === c.layer)![1], 'forward')).toBe(false);
    x.dispose();
    model.dispose();
  });

  it('restores each module\'s mode', async () => {
    const model = buildModel('cnn');
    const x = toTensor(f.x);
    model.train();
    (model.namedModules().find(([n]) => n === 'conv1')![1]).eval();
    const modes = model.modules().map((m) => m.training);
    (await saliency(model, x, { target: 0 })).dispose();
    expect(model.modules().map((m) => m.training)).toEqual(modes);
    x.dispose();
    model.dispose();
  });
});

describe('SmoothGrad', () => {
  const f = fixture.models.mlp;

  it('averages the gradients at seeded noisy copies, independent of the batch size', async () => {
    const model = buildModel('mlp');
    const x = toTensor(f.x);
    const a = await values(await smoothGrad(model, x, { target: f.target, samples: 6, stdev: 0.2, seed: 3 }));
    const b = await values(await smoothGrad(model, x, { target: f.target, samples: 6, stdev: 0.2, seed: 3, batchSize: 4 }));
    expectClose(b, a, 1e-6, 1e-5, 'batch sizes 32 and 4');
    const other = await values(await smoothGrad(model, x, { target: f.target, samples: 6, stdev: 0.2, seed: 4 }));
    expect(other).not.toEqual(a);
    // Zero noise: the mean of identical gradients is the gradient; abs gives the saliency.
    expectClose(await values(await smoothGrad(model, x, { target: f.target, samples: 3, stdev: 0 })), f.gradient.values, 1e-6, 1e-4, 'stdev 0');
    expectClose(await values(await smoothGrad(model, x, { target: f.target, samples: 2, stdev: 0, abs: true })), f.saliency.values, 1e-6, 1e-4, 'stdev 0, abs');
    expectClose(await values(await smoothGrad(model, x, { target: f.target, samples: 2, stdev: 0, multiplyByInputs: true })), f.gradientXInput.values, 1e-6, 1e-4, 'stdev 0, × input');
    x.dispose();
    model.dispose();
  });

  it('equals the mean of saliency maps at the noisy points', async () => {
    // A linear model has a constant gradient, so use the tanh MLP: compare with an explicit average
    // over the same noise draws, reconstructed from one sample per call.
    const model = buildModel('mlp');
    const x = toTensor(f.x);
    const samples = 4;
    const mean = await values(await smoothGrad(model, x, { target: f.target, samples, stdev: 0.3, seed: 9 }));
    const each: number[][] = [];
    for (let s = 0; s < samples; s++) {
      // With samples = s + 1, the sum of the first s + 1 draws is (s + 1) * mean: difference the running sums.
      each.push((await values(await smoothGrad(model, x, { target: f.target, samples: s + 1, stdev: 0.3, seed: 9 }))).map((v) => v * (s + 1)));
    }
    const perSample = each.map((sum, s) => sum.map((v, i) => v - (s > 0 ? each[s - 1]![i]! : 0)));
    const noisePoint = (s: number): number[] => perSample[s]!;
    // Each per-sample gradient is a real gradient: it differs from the clean one and from the others.
    expect(noisePoint(0)).not.toEqual(noisePoint(1));
    expectClose(mean, perSample[0]!.map((_, i) => perSample.reduce((acc, p) => acc + p[i]!, 0) / samples), 1e-5, 1e-4, 'mean of samples');
    x.dispose();
    model.dispose();
  });
});

describe('gradient of a random model by finite differences', () => {
  it('saliency (signed) matches central differences of the target output', async () => {
    const model = buildModel('mlp');
    const x = randn([2, 6], { seed: 5 });
    const g = await values(await saliency(model, x, { target: [1, 0], abs: false }));
    const base = Array.from(await x.data());
    const h = 1e-2;
    for (const i of [0, 3, 7, 11]) {
      const row = Math.floor(i / 6);
      const f = async (delta: number): Promise<number> => {
        const moved = base.slice();
        moved[i]! += delta;
        const xi = tensor(moved, [2, 6]);
        const out = model.forward(xi);
        const v = (await out.data())[row * 3 + [1, 0][row]!]!;
        xi.dispose();
        out.dispose();
        return v;
      };
      expect(g[i]!).toBeCloseTo(((await f(h)) - (await f(-h))) / (2 * h), 3);
    }
    x.dispose();
    model.dispose();
  });
});
