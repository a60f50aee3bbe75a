import { beforeAll, describe, expect, it } from 'vitest';
import { dispose, matmul, setBackend, tidy, variable, zeros, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { ConvTranspose2d, Conv2d, Embedding, Linear, deriveSeed, init, manualSeed, nextSeed } from './index.js';
import { expectClose, expectTensorError } from './test-utils/helpers.js';

beforeAll(async () => {
  await setBackend(cpu());
});

function stats(t: Tensor): { mean: number; std: number; min: number; max: number } {
  const v = t.dataSync();
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    sum += x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = sum / v.length;
  let sq = 0;
  for (const x of v) sq += (x - mean) ** 2;
  return { mean, std: Math.sqrt(sq / v.length), min, max };
}

describe('gains and fans (PyTorch values)', () => {
  it('calculateGain', async () => {
    expect(init.calculateGain('linear')).toBe(1);
    expect(init.calculateGain('conv2d')).toBe(1);
    expect(init.calculateGain('sigmoid')).toBe(1);
    expect(init.calculateGain('tanh')).toBeCloseTo(5 / 3, 12);
    expect(init.calculateGain('relu')).toBeCloseTo(Math.SQRT2, 12);
    expect(init.calculateGain('leakyRelu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 12);
    expect(init.calculateGain('leakyRelu', 0.2)).toBeCloseTo(1.3867504905630728, 12);
    expect(init.calculateGain('leakyRelu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 12);
    expect(init.calculateGain('selu')).toBe(0.75);
    await expectTensorError(() => init.calculateGain('swish' as init.Nonlinearity), 'INVALID_ARGUMENT', /unknown nonlinearity "swish"/);
    await expectTensorError(() => init.calculateGain('leakyRelu', NaN), 'INVALID_ARGUMENT', /negative slope must be a finite number/);
  });

  it('calculateFans', async () => {
    expect(init.calculateFans([16, 3, 5, 5])).toEqual({ fanIn: 75, fanOut: 400 });
    expect(init.calculateFans([10, 20])).toEqual({ fanIn: 20, fanOut: 10 });
    expect(init.calculateFans([4, 2, 3])).toEqual({ fanIn: 6, fanOut: 12 });
    await expectTensorError(() => init.calculateFans([5]), 'INVALID_ARGUMENT', /rank >= 2, got \[5\]/);
    await expectTensorError(() => init.calculateFans([2, -1]), 'INVALID_ARGUMENT', /shape must be an array of non-negative integers/);
  });
});

describe('distributions', () => {
  // 40,000 draws: the sample mean has std sigma/200 and the sample std about sigma/280, so 4%
  // of sigma is over 5 standard errors.
  const shape = [200, 200];

  it('constant, zeros, ones', async () => {
    expect(Array.from(init.constant([2], 0.5).dataSync())).toEqual([0.5, 0.5]);
    expect(Array.from(init.zeros([2]).dataSync())).toEqual([0, 0]);
    expect(Array.from(init.ones([1, 2]).dataSync())).toEqual([1, 1]);
    await expectTensorError(() => init.constant([2], NaN), 'INVALID_ARGUMENT', /value must be a number/);
    await expectTensorError(() => init.zeros('x' as unknown as number[]), 'INVALID_ARGUMENT', /shape must be an array/);
  });

  it('uniform and normal', async () => {
    const u = stats(init.uniform(shape, { low: -2, high: 4, seed: 1 }));
    expect(u.min).toBeGreaterThanOrEqual(-2);
    expect(u.max).toBeLessThan(4);
    expect(u.mean).toBeCloseTo(1, 1);
    expect(Math.abs(u.std - 6 / Math.sqrt(12))).toBeLessThan(0.04 * 6 / Math.sqrt(12));
    const n = stats(init.normal(shape, { mean: 3, std: 0.5, seed: 2 }));
    expect(Math.abs(n.mean - 3)).toBeLessThan(0.04 * 0.5);
    expect(Math.abs(n.std - 0.5)).toBeLessThan(0.04 * 0.5);
    await expectTensorError(() => init.uniform([2], { low: 1, high: 0 }), 'INVALID_ARGUMENT', /low \(1\) must not exceed high \(0\)/);
    await expectTensorError(() => init.uniform([2], { low: Infinity }), 'INVALID_ARGUMENT', /low must be a finite number/);
    await expectTensorError(() => init.normal([2], { std: -1 }), 'INVALID_ARGUMENT', /std must be non-negative/);
    await expectTensorError(() => init.normal([2], { seed: -1 }), 'INVALID_ARGUMENT', /seed must be an integer in \[0, 2\^32\)/);
  });

  it('xavier uniform and normal', () => {
    const [fanOut, fanIn] = shape as [number, number];
    const std = 1.5 * Math.sqrt(2 / (fanIn + fanOut));
    const u = stats(init.xavierUniform(shape, { gain: 1.5, seed: 3 }));
    expect(u.max).toBeLessThanOrEqual(std * Math.sqrt(3));
    expect(u.min).toBeGreaterThanOrEqual(-std * Math.sqrt(3));
    expect(Math.abs(u.std - std)).toBeLessThan(0.04 * std);
    const n = stats(init.xavierNormal(shape, { gain: 1.5, seed: 4 }));
    expect(Math.abs(n.mean)).toBeLessThan(0.04 * std);
    expect(Math.abs(n.std - std)).toBeLessThan(0.04 * std);
  });

  it('kaiming uniform and normal, fanIn and fanOut', async () => {
    const conv = [50, 16, 5, 10];
    const fanIn = 16 * 50;
    const fanOut = 50 * 50;
    const u = stats(init.kaimingUniform(conv, { nonlinearity: 'relu', seed: 5 }));
    const stdIn = Math.SQRT2 / Math.sqrt(fanIn);
    expect(u.max).toBeLessThanOrEqual(stdIn * Math.sqrt(3));
    expect(Math.abs(u.std - stdIn)).toBeLessThan(0.04 * stdIn);
    const n = stats(init.kaimingNormal(conv, { mode: 'fanOut', nonlinearity: 'relu', seed: 6 }));
    const stdOut = Math.SQRT2 / Math.sqrt(fanOut);
    expect(Math.abs(n.std - stdOut)).toBeLessThan(0.04 * stdOut);
    // PyTorch's defaults: a = 0, leakyRelu -> gain sqrt(2).
    const d = stats(init.kaimingNormal(conv, { seed: 7 }));
    expect(Math.abs(d.std - stdIn)).toBeLessThan(0.04 * stdIn);
    await expectTensorError(() => init.kaimingUniform(conv, { mode: 'fanAvg' as init.FanMode }), 'INVALID_ARGUMENT', /mode must be 'fanIn' or 'fanOut'/);
    expect(init.kaimingUniform([3, 0]).shape).toEqual([3, 0]); // empty: a no-op, as PyTorch
    await expectTensorError(() => init.kaimingNormal([3]), 'INVALID_ARGUMENT', /rank >= 2/);
    await expectTensorError(() => init.kaimingNormal([3, 3], { a: NaN }), 'INVALID_ARGUMENT', /a must be a finite number/);
  });

  it('orthogonal: orthonormal rows or columns, times the gain, deterministic', async () => {
    for (const s of [[6, 4], [4, 6], [5, 5], [3, 2, 2]]) {
      const q = init.orthogonal(s, { gain: 2, seed: 8 });
      const rows = s[0]!;
      const cols = q.size / rows;
      const product = tidy(() => {
        const m = q.reshape([rows, cols]);
        return rows >= cols ? matmul(m.T, m) : matmul(m, m.T);
      });
      const k = Math.min(rows, cols);
      const eye = Array.from({ length: k * k }, (_, i) => (i % (k + 1) === 0 ? 4 : 0));
      expectClose(product.dataSync(), eye, `orthogonal ${JSON.stringify(s)}`, 1e-5);
      dispose([q, product]);
    }
    const a = init.orthogonal([4, 4], { seed: 1 });
    const b = init.orthogonal([4, 4], { seed: 1 });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    await expectTensorError(() => init.orthogonal([4]), 'INVALID_ARGUMENT', /2 or more dimensions/);
    await expectTensorError(() => init.orthogonal([2, 2], { gain: Infinity }), 'INVALID_ARGUMENT', /gain must be a finite number/);
    dispose([a, b]);
  });

  it('fills a Variable in place (keeping its identity, dtype and backend)', () => {
    const z = zeros([20, 30]);
    const v = variable(z);
    z.dispose();
    expect(init.xavierUniform(v, { seed: 1 })).toBe(v);
    expect(stats(v).std).toBeGreaterThan(0.1);
    init.zeros(v);
    expect(stats(v).max).toBe(0);
    init.orthogonal(v, { seed: 2 });
    expect(stats(v).std).toBeGreaterThan(0.05);
    v.dispose();
  });
});

describe('seeds and default initializations', () => {
  it('manualSeed makes layer creation reproducible; explicit seeds are independent of it', () => {
    manualSeed(42);
    const a = new Linear({ inFeatures: 5, outFeatures: 3 });
    manualSeed(42);
    const b = new Linear({ inFeatures: 5, outFeatures: 3 });
    const c = new Linear({ inFeatures: 5, outFeatures: 3 });
    expect(Array.from(a.weight.dataSync())).toEqual(Array.from(b.weight.dataSync()));
    expect(Array.from(a.weight.dataSync())).not.toEqual(Array.from(c.weight.dataSync()));
    expect(Array.from(a.weight.dataSync())).not.toEqual(Array.from(a.bias!.dataSync()).slice(0, 3));
    const s1 = new Linear({ inFeatures: 5, outFeatures: 3, seed: 7 });
    manualSeed(1);
    nextSeed();
    const s2 = new Linear({ inFeatures: 5, outFeatures: 3, seed: 7 });
    expect(Array.from(s1.weight.dataSync())).toEqual(Array.from(s2.weight.dataSync()));
    expect(deriveSeed(7, 0)).not.toBe(deriveSeed(7, 1));
    for (const m of [a, b, c, s1, s2]) m.dispose();
  });

  it('manualSeed rejects bad seeds', async () => {
    await expectTensorError(() => manualSeed(1.5), 'INVALID_ARGUMENT', /manualSeed: seed must be an integer/);
    await expectTensorError(() => new Linear({ inFeatures: 1, outFeatures: 1, seed: -3 }), 'INVALID_ARGUMENT', /Linear: seed must be an integer/);
  });

  it("Linear and Conv2d defaults: U(±1/√fanIn) for weight and bias (PyTorch's kaiming_uniform a=√5)", () => {
    const fc = new Linear({ inFeatures: 400, outFeatures: 100, seed: 1 });
    const bound = 1 / Math.sqrt(400);
    const w = stats(fc.weight);
    expect(w.max).toBeLessThanOrEqual(bound);
    expect(w.min).toBeGreaterThanOrEqual(-bound);
    expect(Math.abs(w.std - bound / Math.sqrt(3))).toBeLessThan(0.04 * bound);
    const b = stats(fc.bias!);
    expect(b.max).toBeLessThanOrEqual(bound);
    expect(b.max).toBeGreaterThan(bound * 0.8);
    const conv = new Conv2d({ inChannels: 8, outChannels: 64, kernelSize: 5, groups: 2, seed: 2 });
    const convBound = 1 / Math.sqrt((8 / 2) * 25);
    const cw = stats(conv.weight);
    expect(cw.max).toBeLessThanOrEqual(convBound);
    expect(cw.max).toBeGreaterThan(convBound * 0.95);
    expect(stats(conv.bias!).max).toBeLessThanOrEqual(convBound);
    // ConvTranspose2d: PyTorch's fan-in of [inC, outC/groups, kH, kW] is outC/groups·kH·kW.
    const up = new ConvTranspose2d({ inChannels: 64, outChannels: 4, kernelSize: 3, seed: 3 });
    const upBound = 1 / Math.sqrt(4 * 9);
    expect(stats(up.weight).max).toBeLessThanOrEqual(upBound);
    expect(stats(up.weight).max).toBeGreaterThan(upBound * 0.95);
    // Embedding: N(0, 1) with the padding row zeroed.
    const emb = new Embedding({ numEmbeddings: 100, embeddingDim: 100, paddingIdx: -1, seed: 4 });
    expect(emb.paddingIdx).toBe(99);
    const e = stats(emb.weight);
    expect(Math.abs(e.std - 1)).toBeLessThan(0.04);
    expect(Array.from(emb.weight.dataSync().slice(99 * 100))).toEqual(new Array(100).fill(0));
    for (const m of [fc, conv, up, emb]) m.dispose();
  });
});
