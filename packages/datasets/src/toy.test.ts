/**
 * The toy sets: scikit-learn's output without noise or shuffling (literal values printed by
 * `/usr/bin/python3` with scikit-learn 1.2.1, the commands beside each case), seeded noise and
 * shuffles, noise statistics, use with DataLoader, and every bad option.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { TensorError, memory, setBackend, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { DataLoader, Dataset } from '@tessera/data-augment';
import { LabeledDataset, makeBlobs, makeCircles, makeMoons, makeSpirals } from './index.js';

beforeAll(async () => {
  await setBackend(cpu());
});

async function values(ds: LabeledDataset): Promise<{ x: number[][]; y: number[] }> {
  const width = ds.x.shape[1]!;
  const flat = Array.from(await ds.x.data());
  const x = Array.from({ length: ds.length }, (_, i) => flat.slice(i * width, (i + 1) * width));
  return { x, y: Array.from(await ds.y.data()) };
}

function expectClose(actual: number[][], expected: number[][], tolerance = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - expected[i]![j]!), `[${i}][${j}] ${v} vs ${expected[i]![j]}`).toBeLessThan(tolerance)));
}

function expectError(fn: () => unknown, code: string, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(TensorError);
  expect((caught as TensorError).code).toBe(code);
  expect((caught as Error).message).toMatch(message);
}

describe('scikit-learn equivalence (no noise, no shuffle)', () => {
  it('makeMoons = make_moons(n_samples=5, shuffle=False)', async () => {
    const ds = makeMoons({ nSamples: 5, shuffle: false });
    const { x, y } = await values(ds);
    expectClose(x, [[1, 0], [-1, 1.2246468525851679e-16], [0, 0.5], [1, -0.5], [2, 0.5]]);
    expect(y).toEqual([0, 0, 1, 1, 1]);
    expect(ds.numClasses).toBe(2);
    ds.dispose();
  });

  it('makeCircles = make_circles(n_samples=6, shuffle=False, factor=0.3)', async () => {
    const ds = makeCircles({ nSamples: 6, shuffle: false, factor: 0.3 });
    const { x, y } = await values(ds);
    expectClose(x, [[1, 0], [-0.5, 0.8660253882408142], [-0.5, -0.8660253882408142], [0.3, 0], [-0.15, 0.25980761647224426], [-0.15, -0.25980761647224426]]);
    expect(y).toEqual([0, 0, 0, 1, 1, 1]);
    ds.dispose();
  });

  it('makeBlobs = make_blobs(n_samples=8, centers=[[1,2],[-3,0.5],[4,4]], cluster_std=0, shuffle=False)', async () => {
    const ds = makeBlobs({ nSamples: 8, centers: [[1, 2], [-3, 0.5], [4, 4]], clusterStd: 0, shuffle: false });
    const { x, y } = await values(ds);
    expectClose(x, [[1, 2], [1, 2], [1, 2], [-3, 0.5], [-3, 0.5], [-3, 0.5], [4, 4], [4, 4]]);
    expect(y).toEqual([0, 0, 0, 1, 1, 1, 2, 2]);
    expect(ds.numClasses).toBe(3);
    ds.dispose();
  });
});

describe('seeded noise and shuffles', () => {
  it('gives the same samples for the same seed, others for another, and shuffles pairs together', async () => {
    const a = await values(makeMoons({ nSamples: 50, noise: 0.1, seed: 4 }));
    const b = await values(makeMoons({ nSamples: 50, noise: 0.1, seed: 4 }));
    const c = await values(makeMoons({ nSamples: 50, noise: 0.1, seed: 5 }));
    expect(a).toEqual(b);
    expect(a.x).not.toEqual(c.x);
    // Shuffled: the labels are mixed, 25 of each; without noise each point stays on its own moon.
    const clean = await values(makeMoons({ nSamples: 50, seed: 4 }));
    expect(clean.y.slice(0, 25)).not.toEqual(new Array(25).fill(0));
    expect(clean.y.filter((l) => l === 0)).toHaveLength(25);
    clean.x.forEach(([px, py], i) => {
      const onOuter = Math.abs(Math.hypot(px!, py!) - 1) < 1e-5 && py! >= -1e-6;
      const onInner = Math.abs(Math.hypot(px! - 1, py! - 0.5) - 1) < 1e-5 && py! <= 0.5 + 1e-6;
      expect(clean.y[i] === 0 ? onOuter : onInner, `point ${i}`).toBe(true);
    });
  });

  it('adds Gaussian noise of the requested standard deviation', async () => {
    const n = 4000;
    const clean = await values(makeCircles({ nSamples: n, shuffle: false }));
    const noisy = await values(makeCircles({ nSamples: n, shuffle: false, noise: 0.2, seed: 1 }));
    const deltas = noisy.x.flatMap((row, i) => row.map((v, j) => v - clean.x[i]![j]!));
    const mean = deltas.reduce((s, d) => s + d, 0) / deltas.length;
    const std = Math.sqrt(deltas.reduce((s, d) => s + (d - mean) ** 2, 0) / deltas.length);
    // 8000 draws: the standard error of the mean is 0.2/√8000 ≈ 0.0022, of the std ≈ 0.0016.
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(std - 0.2)).toBeLessThan(0.01);
  });

  it('draws random blob centres in centerBox, and blobs of the given std around them', async () => {
    const ds = makeBlobs({ nSamples: 3000, centers: 3, nFeatures: 3, clusterStd: [0.5, 1, 2], centerBox: [-5, 5], seed: 2, shuffle: false });
    expect(ds.x.shape).toEqual([3000, 3]);
    const { x, y } = await values(ds);
    for (let c = 0; c < 3; c++) {
      const rows = x.filter((_, i) => y[i] === c);
      expect(rows).toHaveLength(1000);
      const centre = [0, 1, 2].map((f) => rows.reduce((s, r) => s + r[f]!, 0) / rows.length);
      centre.forEach((v) => expect(Math.abs(v)).toBeLessThan(5.2));
      const std = Math.sqrt(rows.reduce((s, r) => s + (r[0]! - centre[0]!) ** 2, 0) / rows.length);
      expect(Math.abs(std - [0.5, 1, 2][c]!)).toBeLessThan(0.12);
    }
    ds.dispose();
  });

  it('makeSpirals puts each arm on its spiral', async () => {
    const ds = makeSpirals({ nSamples: 9, classes: 3, shuffle: false });
    const { x, y } = await values(ds);
    expect(y).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    // Arm c, point i of 3: radius i/2, angle 2π(r + c/3).
    const expected = y.map((c, k) => {
      const r = (k % 3) / 2;
      const angle = 2 * Math.PI * (r + c / 3);
      return [r * Math.cos(angle), r * Math.sin(angle)];
    });
    expectClose(x, expected);
    ds.dispose();
  });
});

describe('LabeledDataset', () => {
  it('is a Dataset of [x, y] samples that DataLoader batches, and dispose frees both tensors', async () => {
    const before = memory().tensors;
    const ds = makeMoons({ nSamples: 10 });
    expect(ds).toBeInstanceOf(Dataset);
    expect(ds.x.dtype).toBe('float32');
    expect(ds.y.dtype).toBe('int32');
    const [sx, sy] = ds.get(3) as Tensor[];
    expect(sx!.shape).toEqual([2]);
    expect(Array.from(await sx!.data())).toEqual(Array.from(await ds.x.data()).slice(6, 8));
    expect((await sy!.data())[0]).toBe((await ds.y.data())[3]);
    sx!.dispose();
    sy!.dispose();
    let seen = 0;
    for await (const batch of new DataLoader(ds, { batchSize: 4 })) {
      const [bx, by] = batch as Tensor[];
      seen += bx!.shape[0]!;
      bx!.dispose();
      by!.dispose();
    }
    expect(seen).toBe(10);
    ds.dispose();
    expect(memory().tensors).toBe(before);
  });
});

describe('errors', () => {
  it('rejects unknown options and bad values, naming them', () => {
    expectError(() => makeMoons({ n_samples: 10 } as never), 'UNKNOWN_OPTION', /^makeMoons: unknown option 'n_samples' \(did you mean 'nSamples'\?\); valid options: nSamples, shuffle, seed, noise/);
    expectError(() => makeMoons({ nSamples: 1 }), 'INVALID_ARGUMENT', /nSamples must be at least 2 \(one per class\), got 1/);
    expectError(() => makeMoons({ nSamples: 2.5 }), 'INVALID_ARGUMENT', /nSamples must be a positive integer, got 2.5/);
    expectError(() => makeMoons({ noise: -0.1 }), 'INVALID_ARGUMENT', /noise must be a finite number >= 0, got -0.1/);
    expectError(() => makeMoons({ noise: NaN }), 'INVALID_ARGUMENT', /noise must be a finite number >= 0, got NaN/);
    expectError(() => makeMoons({ seed: -1 }), 'INVALID_ARGUMENT', /seed must be an integer in \[0, 2\^32\), got -1/);
    expectError(() => makeMoons({ shuffle: 'yes' as never }), 'INVALID_ARGUMENT', /shuffle must be a boolean, got yes/);
    expectError(() => makeCircles({ factor: 1 }), 'INVALID_ARGUMENT', /^makeCircles: factor must be a number in \[0, 1\), got 1/);
    expectError(() => makeBlobs({ centers: 0 }), 'INVALID_ARGUMENT', /centers must be a positive integer, got 0/);
    expectError(() => makeBlobs({ centers: [] }), 'INVALID_ARGUMENT', /centers must be a positive integer or a non-empty array of points, got \[\]/);
    expectError(() => makeBlobs({ centers: [[0, 0], [1]] }), 'INVALID_ARGUMENT', /centers\[1\] must be 2 finite numbers like centers\[0\], got \[1\]/);
    expectError(() => makeBlobs({ centers: [[0, Infinity]] }), 'INVALID_ARGUMENT', /centers\[0\] must be 2 finite numbers/);
    expectError(() => makeBlobs({ centers: [[0, 0]], nFeatures: 3 }), 'INVALID_ARGUMENT', /nFeatures is 3 but the centres have 2 features/);
    expectError(() => makeBlobs({ centers: 2, clusterStd: [1] }), 'INVALID_ARGUMENT', /clusterStd must be a number or one per centre \(2\), got \[1\]/);
    expectError(() => makeBlobs({ centers: 2, clusterStd: [1, -1] }), 'INVALID_ARGUMENT', /clusterStd\[1\] must be a finite number >= 0, got -1/);
    expectError(() => makeBlobs({ centerBox: [3, 1] }), 'INVALID_ARGUMENT', /centerBox must be \[low, high\] with low < high, got \[3,1\]/);
    expectError(() => makeBlobs({ nSamples: 2, centers: 3 }), 'INVALID_ARGUMENT', /nSamples must be at least 3 \(one per class\), got 2/);
    expectError(() => makeSpirals({ classes: 0 }), 'INVALID_ARGUMENT', /^makeSpirals: classes must be a positive integer, got 0/);
    expectError(() => makeSpirals({ turns: 0 }), 'INVALID_ARGUMENT', /turns must be a positive number, got 0/);
    expectError(() => makeSpirals(null as never), 'INVALID_ARGUMENT', /options must be a plain object, got null/);
  });
});
