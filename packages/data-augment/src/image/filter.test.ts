import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend, tensor, zeros, ones } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { gaussianBlur, gaussianKernel1d, gaussianNoise, randomErasing } from '../index.js';
import { expectClose, literal } from '../test-utils/images.js';
import { expectTensorError } from '../test-utils/errors.js';
import reference from '../fixtures/torch-reference.json' with { type: 'json' };

beforeAll(async () => {
  await setBackend(cpu());
});

describe('gaussianNoise', () => {
  it('adds seeded N(mean, sigma) noise, clipped', () => {
    const x = tensor(new Float32Array(20000).fill(0.5), [2, 1, 100, 100]);
    const y = Array.from(gaussianNoise({ sigma: 0.1, seed: 1 })(x).dataSync());
    const mean = y.reduce((a, b) => a + b, 0) / y.length;
    const sd = Math.sqrt(y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(sd).toBeCloseTo(0.1, 2);
    expect(Array.from(gaussianNoise({ sigma: 0.1, seed: 1 })(x).dataSync())).toEqual(y);
    const clipped = gaussianNoise({ sigma: 5, seed: 2 })(x).dataSync();
    expect(Math.min(...clipped)).toBe(0);
    expect(Math.max(...clipped)).toBe(1);
    expect(Math.max(...gaussianNoise({ sigma: 5, seed: 2, clip: false })(x).dataSync())).toBeGreaterThan(1);
  });
  it('sigma 0 and mean shift on a literal', () => {
    expectClose(gaussianNoise({ sigma: 0, mean: 0.25, clip: false, seed: 0 })(tensor([[[[0.5, 1]]]])), [0.75, 1.25], 1e-7);
  });
  it('rejects a negative sigma', async () => {
    await expectTensorError(() => gaussianNoise({ sigma: -1 }), 'INVALID_ARGUMENT', /sigma must be a non-negative number, got -1/);
  });
});

describe('gaussianBlur', () => {
  it('kernel values', () => {
    expectClose(gaussianKernel1d(3, 1), [0.27406862, 0.45186276, 0.27406862], 1e-7);
  });
  it('matches torchvision (reflect padding, depthwise)', () => {
    expectClose(gaussianBlur(3, { sigma: 1 })(literal([2, 3, 5, 6])), reference['blur3s1']);
    expectClose(gaussianBlur(5, { sigma: [0.7, 0.7] })(literal([2, 3, 5, 6])), reference['blur5s0.7']);
  });
  it('keeps a constant image and is deterministic with random sigma', () => {
    expectClose(gaussianBlur(3, { seed: 1 })(ones([2, 3, 4, 4])), new Array(96).fill(1), 1e-6);
    const x = literal([3, 3, 8, 8]);
    expect(Array.from(gaussianBlur(5, { seed: 4 })(x).dataSync())).toEqual(Array.from(gaussianBlur(5, { seed: 4 })(x).dataSync()));
  });
  it('rejects even kernels and kernels too large for the image', async () => {
    await expectTensorError(() => gaussianBlur(4), 'INVALID_ARGUMENT', /kernelSize must be a positive odd integer.*got 4/);
    await expectTensorError(() => gaussianBlur(3, { sigma: 0 }), 'INVALID_ARGUMENT', /sigma must be positive/);
    await expectTensorError(() => gaussianBlur(7)(literal([1, 1, 3, 3])), 'SHAPE_MISMATCH', /kernel \[7, 7\] is too large for images of size \[3, 3\]/);
  });
});

describe('randomErasing', () => {
  it('erases one rectangle per chosen sample with the value', () => {
    const x = ones([8, 3, 10, 10]);
    const y = randomErasing({ p: 1, scale: [0.1, 0.2], value: 0, seed: 3 })(x).arraySync() as number[][][][];
    for (const sample of y) {
      const zeros = sample[0]!.flat().filter((v) => v === 0).length;
      expect(zeros).toBeGreaterThanOrEqual(5);
      expect(zeros).toBeLessThanOrEqual(30);
      // Every channel is erased in the same place.
      expect(sample[1]).toEqual(sample[0]);
      // The erased pixels form a rectangle: the zero rows all have the same zero columns.
      const rows = sample[0]!.filter((r) => r.includes(0)).map((r) => r.map((v) => v === 0).join());
      expect(new Set(rows).size).toBe(1);
    }
  });
  it('p = 0 keeps the batch; per-channel and random values', () => {
    const x = ones([2, 3, 6, 6]);
    expectClose(randomErasing({ p: 0 })(x), new Array(216).fill(1), 0);
    const y = randomErasing({ p: 1, scale: [0.3, 0.3], ratio: [1, 1], value: [0.1, 0.2, 0.3], seed: 1 })(x).arraySync() as number[][][][];
    expect(new Set(y[0]![1]!.flat())).toEqual(new Set([1, 0.2].map(Math.fround)));
    const r = randomErasing({ p: 1, value: 'random', seed: 2 })(zeros([1, 1, 8, 8])).dataSync();
    expect(r.some((v) => v !== 0)).toBe(true);
    expect(Array.from(randomErasing({ p: 1, value: 'random', seed: 2 })(zeros([1, 1, 8, 8])).dataSync())).toEqual(Array.from(r));
  });
  it('rejects bad options', async () => {
    await expectTensorError(() => randomErasing({ scale: [0.5, 2] }), 'INVALID_ARGUMENT', /scale must lie within \[0, 1\]/);
    await expectTensorError(() => randomErasing({ value: 'noise' as never }), 'INVALID_ARGUMENT', /value must be a number, an array of numbers or 'random'/);
    await expectTensorError(() => randomErasing({ p: 1, value: [1, 2] })(ones([1, 3, 4, 4])), 'SHAPE_MISMATCH', /fill has 2 values but the images have 3 channels/);
  });
});
