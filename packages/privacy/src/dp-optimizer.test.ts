import { beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '@tessera/backend-cpu';
import { Linear } from '@tessera/layers';
import { Adam, SGD } from '@tessera/optim';
import { TensorError, dispose, memory, randn, setBackend, tensor, type Tensor } from '@tessera/tensor-core';
import { RdpAccountant } from './accountant.js';
import { DPOptimizer } from './dp-optimizer.js';
import { perSampleGradients } from './per-sample-grads.js';
import { PoissonSampler } from './poisson-sampler.js';

beforeAll(async () => {
  await setBackend(cpu());
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (TensorError.is(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
}

async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

describe('DPOptimizer', () => {
  it('clips each example to maxGradNorm over all parameters, sums, and divides by expectedBatchSize', async () => {
    const model = new Linear({ inFeatures: 3, outFeatures: 2, seed: 0 });
    // Rows of very different size, so some examples are clipped and some are not.
    const x = tensor([[0.01, 0.02, -0.01], [3, -2, 1], [0.1, 0, 0.05], [-4, 5, 2]]);
    const y = tensor([[1, 0], [0, 1], [0.5, 0.5], [1, 1]]);
    const before = memory().tensors;
    const psg = perSampleGradients(model, (xb, yb) => model.forward(xb).sub(yb).square().sum(1), [x, y]);
    const w0 = await values(model.weight);
    const b0 = await values(model.bias!);
    const gw = await values(psg.grads.get(model.weight)!);
    const gb = await values(psg.grads.get(model.bias!)!);
    const dp = new DPOptimizer(new SGD(model.parameters(), { lr: 1 }), { noiseMultiplier: 0, maxGradNorm: 1.7, expectedBatchSize: 5, seed: 0 });
    dp.step(psg);

    // The reference, in float64 on the host.
    const sumW = new Array<number>(6).fill(0);
    const sumB = new Array<number>(2).fill(0);
    const factors: number[] = [];
    for (let b = 0; b < 4; b++) {
      const w = gw.slice(b * 6, b * 6 + 6);
      const bias = gb.slice(b * 2, b * 2 + 2);
      const norm = Math.hypot(...w, ...bias);
      const factor = Math.min(1, 1.7 / (norm + 1e-6));
      factors.push(factor);
      w.forEach((v, i) => (sumW[i]! += factor * v));
      bias.forEach((v, i) => (sumB[i]! += factor * v));
    }
    expect(factors.some((f) => f < 1) && factors.some((f) => f === 1), String(factors)).toBe(true);
    const w1 = await values(model.weight);
    const b1 = await values(model.bias!);
    w1.forEach((v, i) => expect(v).toBeCloseTo(w0[i]! - sumW[i]! / 5, 5));
    b1.forEach((v, i) => expect(v).toBeCloseTo(b0[i]! - sumB[i]! / 5, 5));
    expect(dp.steps).toBe(1);
    dispose([[...psg.grads.values()], psg.losses]);
    dp.dispose();
    expect(memory().tensors).toBe(before);
    dispose([x, y]);
    model.dispose();
  });

  it('adds seeded Gaussian noise of std noiseMultiplier·maxGradNorm to the sum (an empty batch is noise only)', async () => {
    const run = async (seed: number, steps: number): Promise<number[]> => {
      const model = new Linear({ inFeatures: 100, outFeatures: 50, bias: false, seed: 0 });
      const start = await values(model.weight);
      const dp = new DPOptimizer(new SGD(model.parameters(), { lr: 1 }), { noiseMultiplier: 1.5, maxGradNorm: 2, expectedBatchSize: 4, seed });
      for (let i = 0; i < steps; i++) dp.step(null);
      const end = await values(model.weight);
      dp.dispose();
      model.dispose();
      return end.map((v, i) => v - start[i]!);
    };
    const delta = await run(7, 1);
    const mean = delta.reduce((a, b) => a + b, 0) / delta.length;
    const std = Math.sqrt(delta.reduce((a, b) => a + (b - mean) ** 2, 0) / delta.length);
    // update = −(noise of std 1.5·2) / 4; 5,000 draws estimate the std to about 1%.
    expect(std).toBeGreaterThan(0.75 * 0.96);
    expect(std).toBeLessThan(0.75 * 1.04);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(await run(7, 1)).toEqual(delta);
    expect(await run(8, 1)).not.toEqual(delta);
    // Two steps draw two different noises (a sum of two, std 0.75·√2).
    const two = await run(7, 2);
    const std2 = Math.sqrt(two.reduce((a, b) => a + b * b, 0) / two.length);
    expect(std2 / std).toBeCloseTo(Math.SQRT2, 1);
  });

  it('records every step in the accountant at q = expectedBatchSize / datasetSize', () => {
    const model = new Linear({ inFeatures: 2, outFeatures: 1, seed: 0 });
    const dp = new DPOptimizer(new Adam(model.parameters(), { lr: 0.01 }), { noiseMultiplier: 1.1, maxGradNorm: 1, expectedBatchSize: 10, datasetSize: 1000, seed: 0 });
    for (let i = 0; i < 3; i++) dp.step(null);
    const reference = new RdpAccountant();
    reference.step({ noiseMultiplier: 1.1, sampleRate: 0.01, steps: 3 });
    expect(dp.sampleRate).toBe(0.01);
    expect(dp.accountant!.steps).toBe(3);
    expect(dp.getEpsilon(1e-5)).toBe(reference.getEpsilon(1e-5));
    expect(dp.getEpsilon(1e-5, { conversion: 'improved' })).toBe(reference.getEpsilon(1e-5, { conversion: 'improved' }));
    dp.dispose();
    model.dispose();
  });

  it('rejects bad options and gradients with coded errors', () => {
    const model = new Linear({ inFeatures: 3, outFeatures: 2, seed: 0 });
    const sgd = new SGD(model.parameters(), { lr: 0.1 });
    const ok = { noiseMultiplier: 1, maxGradNorm: 1, expectedBatchSize: 4, seed: 0 };
    expect(codeOf(() => new DPOptimizer({} as SGD, ok))).toMatch(/^INVALID_ARGUMENT: .*expected an optimizer/);
    expect(codeOf(() => new DPOptimizer(sgd, undefined as never))).toMatch(/options .* are required/);
    expect(codeOf(() => new DPOptimizer(sgd, { ...ok, noise: 1 } as never))).toMatch(/unknown option 'noise'.*; valid options: noiseMultiplier, maxGradNorm/);
    expect(codeOf(() => new DPOptimizer(sgd, { ...ok, noiseMultiplier: -1 }))).toMatch(/noiseMultiplier must be a finite number >= 0, got number -1/);
    expect(codeOf(() => new DPOptimizer(sgd, { ...ok, maxGradNorm: 0 }))).toMatch(/maxGradNorm must be a finite number > 0, got number 0/);
    expect(codeOf(() => new DPOptimizer(sgd, { ...ok, expectedBatchSize: 2.5 }))).toMatch(/expectedBatchSize must be an integer >= 1/);
    expect(codeOf(() => new DPOptimizer(sgd, { ...ok, seed: -1 }))).toMatch(/seed must be an integer >= 0/);
    expect(codeOf(() => new DPOptimizer(sgd, { ...ok, seed: 2 ** 32 }))).toMatch(/seed must be an integer in \[0, 2\^32\)/);
    expect(codeOf(() => new DPOptimizer(sgd, { ...ok, datasetSize: 2 }))).toMatch(/datasetSize \(2\) must be at least expectedBatchSize \(4\)/);
    expect(codeOf(() => new DPOptimizer(sgd, { ...ok, accountant: {} as RdpAccountant, datasetSize: 10 }))).toMatch(/accountant must be an RdpAccountant/);
    expect(codeOf(() => new DPOptimizer(sgd, { ...ok, accountant: new RdpAccountant() }))).toMatch(/an accountant needs datasetSize/);

    const dp = new DPOptimizer(sgd, ok);
    expect(codeOf(() => dp.getEpsilon(1e-5))).toMatch(/^INVALID_ARGUMENT: .*no accountant/);
    const gw = randn([4, 2, 3], { seed: 0 });
    const gb = randn([4, 2], { seed: 1 });
    const stranger = randn([2], { seed: 2 });
    expect(codeOf(() => dp.step(undefined as never))).toMatch(/^INVALID_ARGUMENT: .*expected per-sample gradients/);
    expect(codeOf(() => dp.step(new Map([[model.weight as Tensor, gw]])))).toMatch(/^INVALID_ARGUMENT: .*parameter 'bias' \(shape \[2\]\) has no per-sample gradient/);
    expect(codeOf(() => dp.step(new Map<Tensor, Tensor>([[model.weight, gw], [model.bias!, gb], [stranger, gb]])))).toMatch(/not a trainable parameter of the wrapped optimizer/);
    expect(codeOf(() => dp.step(new Map<Tensor, Tensor>([[model.weight, gb], [model.bias!, gb]])))).toMatch(/^SHAPE_MISMATCH: .*'weight' \(shape \[2,3\]\) must be \[B, 2, 3\], got \[4,2\]/);
    const gb3 = randn([3, 2], { seed: 3 });
    expect(codeOf(() => dp.step(new Map<Tensor, Tensor>([[model.weight, gw], [model.bias!, gb3]])))).toMatch(/^SHAPE_MISMATCH: .*disagree on B: .* has 4, .* has 3/);
    gb3.dispose();
    expect(codeOf(() => dp.step(new Map<Tensor, Tensor>([[model.weight, gw], [model.bias!, gb3]])))).toMatch(/^TENSOR_DISPOSED/);
    expect(dp.steps).toBe(0);
    dispose([gw, gb, stranger]);
    dp.dispose();
    model.dispose();
  });
});

describe('PoissonSampler', () => {
  it('includes each example independently with probability q, reproducibly', () => {
    const sampler = new PoissonSampler({ datasetSize: 2000, expectedBatchSize: 50, seed: 3 });
    expect(sampler.sampleRate).toBe(0.025);
    expect(sampler.stepsPerEpoch).toBe(40);
    const counts = new Array<number>(2000).fill(0);
    const sizes: number[] = [];
    for (let epoch = 0; epoch < 5; epoch++) {
      for (const indices of sampler.epoch(epoch)) {
        sizes.push(indices.length);
        for (const i of indices) counts[i]!++;
        for (let k = 1; k < indices.length; k++) expect(indices[k]!).toBeGreaterThan(indices[k - 1]!);
      }
    }
    // 200 batches: mean size 50 ± 0.5 (1 standard error), sizes vary as Binomial(2000, 0.025) (std 7).
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    expect(Math.abs(mean - 50)).toBeLessThan(2);
    const std = Math.sqrt(sizes.reduce((a, b) => a + (b - mean) ** 2, 0) / sizes.length);
    expect(std).toBeGreaterThan(5);
    expect(std).toBeLessThan(9);
    // Every example is drawn about 200·q = 5 times; none is systematically favoured.
    expect(Math.max(...counts)).toBeLessThan(20);
    expect(sampler.batch(2, 7)).toEqual(new PoissonSampler({ datasetSize: 2000, sampleRate: 0.025, seed: 3 }).batch(2, 7));
    expect(sampler.batch(2, 7)).not.toEqual(sampler.batch(2, 8));
    expect(sampler.batch(2, 7)).not.toEqual(sampler.batch(3, 7));
  });

  it('rejects bad options with INVALID_ARGUMENT', () => {
    expect(codeOf(() => new PoissonSampler({ datasetSize: 0, sampleRate: 0.1, seed: 0 }))).toMatch(/^INVALID_ARGUMENT: .*datasetSize must be an integer >= 1/);
    expect(codeOf(() => new PoissonSampler({ datasetSize: 10, seed: 0 }))).toMatch(/exactly one of sampleRate and expectedBatchSize, got neither/);
    expect(codeOf(() => new PoissonSampler({ datasetSize: 10, sampleRate: 0.1, expectedBatchSize: 1, seed: 0 }))).toMatch(/got both/);
    expect(codeOf(() => new PoissonSampler({ datasetSize: 10, sampleRate: 0, seed: 0 }))).toMatch(/sampleRate must be a finite number in \(0, 1\]/);
    expect(codeOf(() => new PoissonSampler({ datasetSize: 10, expectedBatchSize: 11, seed: 0 }))).toMatch(/expectedBatchSize must be a finite number in \(0, 10\]/);
    expect(codeOf(() => new PoissonSampler({ datasetSize: 10, sampleRate: 0.1, seed: 1.5 }))).toMatch(/seed must be an integer/);
    expect(codeOf(() => new PoissonSampler({ datasetSize: 10, sampleRate: 0.1, seed: 0, shuffle: true } as never))).toMatch(/unknown option 'shuffle'/);
    const sampler = new PoissonSampler({ datasetSize: 10, sampleRate: 0.1, seed: 0 });
    expect(codeOf(() => sampler.batch(-1, 0))).toMatch(/epoch must be an integer >= 0/);
    expect(codeOf(() => [...sampler.epoch(0.5)])).toMatch(/epoch must be an integer >= 0/);
  });
});
