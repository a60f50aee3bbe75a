import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend, tensor, permute, memory, tidy, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import {
  affine,
  centerCrop,
  randomAffine,
  randomCrop,
  randomHorizontalFlip,
  randomResizedCrop,
  randomRotation,
  randomVerticalFlip,
  resize,
  rotate,
} from '../index.js';
import { expectClose, literal } from '../test-utils/images.js';
import { expectTensorError } from '../test-utils/errors.js';
import reference from '../fixtures/torch-reference.json' with { type: 'json' };

beforeAll(async () => {
  await setBackend(cpu());
});

/** A 1x1x3x4 image with distinct values 0..11 (row-major). */
const grid3x4 = (): Tensor => tensor(Float32Array.from({ length: 12 }, (_, i) => i), [1, 1, 3, 4]);

describe('resize', () => {
  it('matches torch interpolate (bilinear, half-pixel)', () => {
    const y = resize([3, 8])(literal([2, 3, 5, 6]));
    expect(y.shape).toEqual([2, 3, 3, 8]);
    expectClose(y, reference['resize3x8']);
  });
  it('one number sets the smaller edge and keeps the aspect ratio', () => {
    expect(resize(4)(literal([1, 3, 8, 12])).shape).toEqual([1, 3, 4, 6]);
    expect(resize(4)(literal([1, 3, 12, 8])).shape).toEqual([1, 3, 6, 4]);
  });
  it('nearest on a literal', () => {
    expect(resize([1, 4], { interpolation: 'nearest' })(tensor([[[[1, 2]]]])).arraySync()).toEqual([[[[1, 1, 2, 2]]]]);
  });
  it('NHWC and unbatched input', () => {
    const x = literal([2, 3, 5, 6]);
    const nhwc = resize([3, 8], { layout: 'NHWC' })(permute(x, [0, 2, 3, 1]));
    expect(nhwc.shape).toEqual([2, 3, 8, 3]);
    expectClose(permute(nhwc, [0, 3, 1, 2]), reference['resize3x8']);
    expect(resize([3, 8])(literal([3, 5, 6])).shape).toEqual([3, 3, 8]);
  });
  it('rejects bad input', async () => {
    await expectTensorError(() => resize(0), 'INVALID_ARGUMENT', /size must be a positive integer.*got 0/);
    await expectTensorError(() => resize([2, 2])(literal([2, 2])), 'SHAPE_MISMATCH', /resize: images must be rank 4.*got rank 2 shape \[2,2\]/);
    await expectTensorError(() => resize([2, 2])(tensor([[[[1]]]], undefined, { dtype: 'int32' })), 'DTYPE_MISMATCH', /must be float32.*got int32/);
    await expectTensorError(() => resize([2, 2], { layout: 'HWC' as never }), 'INVALID_ARGUMENT', /layout must be one of 'NCHW', 'NHWC', got "HWC"/);
    await expectTensorError(() => resize([2, 2], { interpolation: 'cubic' as never }), 'INVALID_ARGUMENT', /interpolation must be.*"cubic"/);
  });
});

describe('centerCrop', () => {
  it('takes the centre with torchvision offsets', () => {
    expect(centerCrop([1, 2])(grid3x4()).arraySync()).toEqual([[[[5, 6]]]]);
    // (4 - 1) / 2 = 1.5 rounds half to even: 2.
    expect(centerCrop([3, 1])(grid3x4()).arraySync()).toEqual([[[[2], [6], [10]]]]);
    expect(centerCrop(1, { layout: 'NHWC' })(tensor([[[[1], [2], [3]], [[4], [5], [6]], [[7], [8], [9]]]])).arraySync()).toEqual([[[[5]]]]);
  });
  it('throws for a crop larger than the image', async () => {
    await expectTensorError(() => centerCrop([4, 4])(grid3x4()), 'SHAPE_MISMATCH', /crop size \[4, 4\] is larger than the image \[3, 4\]/);
  });
});

describe('randomCrop', () => {
  it('crops windows of the (padded) image, per sample', () => {
    const x = tensor(Float32Array.from({ length: 2 * 12 }, (_, i) => i % 12), [2, 1, 3, 4]);
    const y = randomCrop([2, 2], { seed: 1 })(x);
    expect(y.shape).toEqual([2, 1, 2, 2]);
    for (const [a, b, c, d] of (y.arraySync() as number[][][][]).map((s) => s[0]!.flat())) {
      // A 2x2 window of the 3x4 grid: right neighbour +1, lower neighbour +4.
      expect([b! - a!, c! - a!, d! - a!]).toEqual([1, 4, 5]);
    }
  });
  it('pads with fill, edge or reflect before cropping', () => {
    const x = tensor([[[[1, 2], [3, 4]]]]);
    expect(randomCrop(4, { padding: 1, fill: 9, seed: 0 })(x).arraySync()).toEqual([[[[9, 9, 9, 9], [9, 1, 2, 9], [9, 3, 4, 9], [9, 9, 9, 9]]]]);
    expect(randomCrop(4, { padding: 1, paddingMode: 'edge', seed: 0 })(x).arraySync()).toEqual([[[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]]);
    expect(randomCrop([2, 4], { padding: [1, 0], paddingMode: 'reflect', seed: 0 })(x).arraySync()).toEqual([[[[2, 1, 2, 1], [4, 3, 4, 3]]]]);
    expect(randomCrop([2, 4], { padIfNeeded: true, seed: 0 })(x).shape).toEqual([1, 1, 2, 4]);
  });
  it('is deterministic under a seed and varies between calls', () => {
    const x = literal([8, 3, 8, 8]);
    const a = randomCrop(5, { seed: 3 });
    const b = randomCrop(5, { seed: 3 });
    const first = a(x).dataSync();
    expect(Array.from(b(x).dataSync())).toEqual(Array.from(first));
    expect(Array.from(a(x).dataSync())).not.toEqual(Array.from(first));
  });
  it('throws for a crop larger than the padded image', async () => {
    await expectTensorError(() => randomCrop(6, { padding: 1 })(literal([1, 1, 3, 3])), 'SHAPE_MISMATCH', /crop size \[6, 6\] is larger than the padded image \[5, 5\]/);
    await expectTensorError(() => randomCrop(2, { padding: -1 as never }), 'INVALID_ARGUMENT', /padding must be/);
    await expectTensorError(() => randomCrop(2, { paddingMode: 'symmetric' as never }), 'INVALID_ARGUMENT', /paddingMode must be/);
  });
});

describe('randomResizedCrop', () => {
  it('with the full area and ratio of the image it is a plain resize', () => {
    const x = literal([2, 3, 5, 6]);
    const y = randomResizedCrop([3, 8], { scale: [1, 1], ratio: [6 / 5, 6 / 5], seed: 1 })(x);
    expectClose(y, reference['resize3x8']);
  });
  it('shape, range and determinism', () => {
    const x = literal([4, 3, 16, 16]);
    const a = randomResizedCrop(8, { seed: 5 })(x);
    const b = randomResizedCrop(8, { seed: 5 })(x);
    expect(a.shape).toEqual([4, 3, 8, 8]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Math.min(...a.dataSync())).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a.dataSync())).toBeLessThanOrEqual(1);
  });
  it('rejects bad scale and ratio', async () => {
    await expectTensorError(() => randomResizedCrop(8, { scale: [0.5, 0.1] }), 'INVALID_ARGUMENT', /scale must be \[min, max\] with min <= max, got \[0.5,0.1\]/);
    await expectTensorError(() => randomResizedCrop(8, { ratio: [0, 1] }), 'INVALID_ARGUMENT', /ratio must be positive/);
  });
});

describe('flips', () => {
  it('p = 1 mirrors every sample', () => {
    expect(randomHorizontalFlip({ p: 1 })(tensor([[[[1, 2, 3]]]])).arraySync()).toEqual([[[[3, 2, 1]]]]);
    expect(randomVerticalFlip({ p: 1 })(tensor([[[[1], [2]]]])).arraySync()).toEqual([[[[2], [1]]]]);
    expect(randomHorizontalFlip({ p: 1, layout: 'NHWC' })(tensor([[[[1, 10], [2, 20]]]])).arraySync()).toEqual([[[[2, 20], [1, 10]]]]);
    expect(randomHorizontalFlip({ p: 0 })(tensor([[[[1, 2, 3]]]])).arraySync()).toEqual([[[[1, 2, 3]]]]);
  });
  it('flips about half of the samples, the same ones under the same seed', () => {
    const x = tensor(Float32Array.from({ length: 400 }, (_, i) => i % 2), [200, 1, 1, 2]);
    const y = randomHorizontalFlip({ seed: 11 })(x).dataSync();
    const flipped = Array.from({ length: 200 }, (_, i) => y[2 * i]! === 1).filter(Boolean).length;
    expect(flipped).toBeGreaterThan(70);
    expect(flipped).toBeLessThan(130);
    expect(Array.from(randomHorizontalFlip({ seed: 11 })(x).dataSync())).toEqual(Array.from(y));
  });
  it('rejects a bad p', async () => {
    await expectTensorError(() => randomHorizontalFlip({ p: 2 }), 'INVALID_ARGUMENT', /p must be a finite number in \[0, 1\], got number 2/);
  });
});

describe('rotation and affine', () => {
  it('rotate by 90 degrees is an exact quarter turn (counter-clockwise)', () => {
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
    expectClose(rotate(x, 90), [[[[3, 6, 9], [2, 5, 8], [1, 4, 7]]]], 1e-5);
    expectClose(rotate(x, 90, { interpolation: 'nearest' }), [[[[3, 6, 9], [2, 5, 8], [1, 4, 7]]]], 0);
    expectClose(rotate(x, 0), x.dataSync(), 0);
  });
  it('matches torchvision rotate (bilinear, fill 0 and 0.5; nearest)', () => {
    const x = literal([1, 2, 5, 4]);
    expectClose(rotate(x, 30), reference['rotate30']);
    expectClose(rotate(x, 30, { fill: 0.5 }), reference['rotate30fill']);
    expectClose(rotate(x, 45, { interpolation: 'nearest', fill: 0.25 }), reference['rotate45nearest']);
  });
  it('matches torchvision affine (rotation, translation, scale, shear)', () => {
    expectClose(affine(literal([1, 2, 5, 4]), { angle: 20, translate: [1, -1], scale: 1.2, shear: [10, 5] }), reference['affine']);
  });
  it('translation moves pixels and fills the rest', () => {
    expectClose(affine(tensor([[[[1, 2, 3]]]]), { translate: [1, 0] }, { fill: 7 }), [[[[7, 1, 2]]]], 1e-6);
  });
  it('randomRotation: shape, determinism, per-sample angles in range', () => {
    const x = literal([6, 3, 9, 9]);
    const a = randomRotation([-30, 30], { seed: 2 })(x);
    expect(a.shape).toEqual([6, 3, 9, 9]);
    expect(Array.from(randomRotation([-30, 30], { seed: 2 })(x).dataSync())).toEqual(Array.from(a.dataSync()));
    // A degenerate range is a fixed rotation.
    expectClose(randomRotation([30, 30], { seed: 9 })(literal([1, 2, 5, 4])), reference['rotate30']);
  });
  it('randomAffine: degenerate ranges reproduce affine', () => {
    const y = randomAffine({ degrees: [20, 20], scale: [1.2, 1.2], shear: [10, 10, 5, 5], seed: 1 })(literal([1, 2, 5, 4]));
    expectClose(y, affine(literal([1, 2, 5, 4]), { angle: 20, scale: 1.2, shear: [10, 5] }).dataSync());
    const z = randomAffine({ degrees: 10, translate: [0.2, 0.2], scale: [0.8, 1.2], shear: 5, seed: 4 })(literal([3, 3, 8, 8]));
    expect(z.shape).toEqual([3, 3, 8, 8]);
  });
  it('rejects bad parameters', async () => {
    await expectTensorError(() => rotate(literal([1, 1, 2, 2]), Number.NaN), 'INVALID_ARGUMENT', /angle must be a finite number/);
    await expectTensorError(() => randomRotation(-5), 'INVALID_ARGUMENT', /degrees must be a non-negative number.*got -5/);
    await expectTensorError(() => randomAffine({ translate: [2, 0] }), 'INVALID_ARGUMENT', /translate must be \[x, y\] fractions/);
    await expectTensorError(() => affine(literal([1, 1, 2, 2]), { scale: 0 }), 'INVALID_ARGUMENT', /scale must be positive, got 0/);
    await expectTensorError(() => rotate(literal([1, 3, 2, 2]), 10, { fill: [1, 2] }), 'SHAPE_MISMATCH', /fill has 2 values but the images have 3 channels/);
    await expectTensorError(() => randomRotation(5, { center: [1] as never }), 'INVALID_ARGUMENT', /center must be \[x, y\]/);
  });
  it('does not leak', () => {
    const x = literal([2, 3, 6, 6]);
    const before = memory().tensors;
    tidy(() => {
      randomAffine({ degrees: 10, translate: [0.1, 0.1], seed: 1 })(x);
    });
    expect(memory().tensors).toBe(before);
  });
});
