import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend, tensor, permute } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { adjustColor, colorJitter, grayscale, hsvToRgb, normalize, rgbToHsv } from '../index.js';
import { expectClose, literal } from '../test-utils/images.js';
import { expectTensorError } from '../test-utils/errors.js';
import reference from '../fixtures/torch-reference.json' with { type: 'json' };

beforeAll(async () => {
  await setBackend(cpu());
});

describe('grayscale', () => {
  it('uses the weights 0.2989, 0.587, 0.114', () => {
    expectClose(grayscale()(tensor([[[[1]], [[0]], [[0]]], [[[0]], [[1]], [[0]]], [[[0]], [[0]], [[1]]]])), [0.2989, 0.587, 0.114], 1e-7);
    expectClose(grayscale()(literal([2, 3, 5, 6])), reference['grayscale']);
  });
  it('three output channels, NHWC, one-channel pass-through', () => {
    const y = grayscale({ numOutputChannels: 3 })(literal([2, 3, 5, 6]));
    expect(y.shape).toEqual([2, 3, 5, 6]);
    const nhwc = grayscale({ layout: 'NHWC' })(permute(literal([2, 3, 5, 6]), [0, 2, 3, 1]));
    expect(nhwc.shape).toEqual([2, 5, 6, 1]);
    expectClose(nhwc, reference['grayscale']);
    expect(grayscale()(tensor([[[[0.5]]]])).arraySync()).toEqual([[[[0.5]]]]);
  });
  it('names the layout when the channel count is wrong', async () => {
    await expectTensorError(() => grayscale()(literal([2, 5, 6, 3])), 'SHAPE_MISMATCH', /expects 1 or 3 channels, got C=5 from shape \[2,5,6,3\] read as layout NCHW; if the data is NHWC, pass layout: 'NHWC'/);
    await expectTensorError(() => grayscale({ numOutputChannels: 2 as never }), 'INVALID_ARGUMENT', /numOutputChannels must be 1 or 3/);
  });
});

describe('colour adjustments match torchvision', () => {
  const x = (): ReturnType<typeof literal> => literal([2, 3, 5, 6]);
  it('brightness, contrast, saturation', () => {
    expectClose(adjustColor(x(), { brightness: 1.4 }), reference['brightness1.4']);
    expectClose(adjustColor(x(), { contrast: 1.5 }), reference['contrast1.5']);
    expectClose(adjustColor(x(), { saturation: 0.3 }), reference['saturation0.3']);
  });
  it('hue through HSV', () => {
    expectClose(adjustColor(x(), { hue: 0.2 }), reference['hue0.2']);
    expectClose(adjustColor(x(), { hue: -0.45 }), reference['hue-0.45']);
    expectClose(hsvToRgb(rgbToHsv(x())), x().dataSync());
    // Pure red is hue 0, full saturation and value.
    expectClose(rgbToHsv(tensor([[[[1]], [[0]], [[0]]]])), [0, 1, 1], 0);
  });
  it('factors of 1 and hue 0 change nothing', () => {
    expectClose(adjustColor(x(), { brightness: 1, contrast: 1, saturation: 1, hue: 0 }), x().dataSync(), 0);
  });
  it('rejects bad factors', async () => {
    await expectTensorError(() => adjustColor(x(), { hue: 0.7 }), 'INVALID_ARGUMENT', /hue must be in \[-0.5, 0.5\], got 0.7/);
    await expectTensorError(() => adjustColor(x(), { brightness: -1 }), 'INVALID_ARGUMENT', /brightness must be a non-negative number, got -1/);
  });
});

describe('colorJitter', () => {
  it('shape, range, determinism and per-sample factors', () => {
    const x = literal([6, 3, 5, 6]);
    const jitter = (): ReturnType<typeof colorJitter> => colorJitter({ brightness: 0.5, contrast: 0.5, saturation: 0.5, hue: 0.2, seed: 3 });
    const a = jitter()(x);
    expect(a.shape).toEqual([6, 3, 5, 6]);
    const values = a.dataSync();
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThanOrEqual(1);
    expect(Array.from(jitter()(x).dataSync())).toEqual(Array.from(values));
    // Identical input samples get different factors.
    const same = literal([1, 3, 5, 6]).tile([2, 1, 1, 1]);
    const [s0, s1] = (jitter()(same).arraySync() as number[][][][]).map((s) => s.flat(2));
    expect(s0).not.toEqual(s1);
  });
  it('a point range is the fixed adjustment', () => {
    expectClose(colorJitter({ brightness: [1.4, 1.4], seed: 1 })(literal([2, 3, 5, 6])), reference['brightness1.4']);
  });
  it('brightness alone scales by factors within the range', () => {
    const y = colorJitter({ brightness: [0.5, 0.8], seed: 2 })(tensor(new Float32Array(30).fill(0.5), [10, 3, 1, 1])).dataSync();
    for (const v of y) {
      expect(v).toBeGreaterThanOrEqual(0.25 - 1e-6);
      expect(v).toBeLessThanOrEqual(0.4 + 1e-6);
    }
  });
  it('one-channel images take brightness and contrast only', () => {
    expectClose(colorJitter({ saturation: 0.9, hue: 0.4, seed: 1 })(tensor([[[[0.3]]]])), [Math.fround(0.3)], 0);
  });
  it('rejects bad ranges, channels and dtype', async () => {
    await expectTensorError(() => colorJitter({ brightness: -0.1 }), 'INVALID_ARGUMENT', /brightness must be a non-negative number/);
    await expectTensorError(() => colorJitter({ hue: 0.6 }), 'INVALID_ARGUMENT', /hue must lie within \[-0.5, 0.5\]/);
    await expectTensorError(() => colorJitter({ contrast: [2, 1] }), 'INVALID_ARGUMENT', /contrast must be \[min, max\] with min <= max/);
    await expectTensorError(() => colorJitter({ brightness: 0.2 })(literal([1, 4, 2, 2])), 'SHAPE_MISMATCH', /C=4/);
    await expectTensorError(() => colorJitter({ brightness: 0.2 })(tensor([[[[1]]]], undefined, { dtype: 'int32' })), 'DTYPE_MISMATCH', /float32/);
  });
});

describe('normalize', () => {
  it('(x - mean) / std per channel', () => {
    const y = normalize({ mean: [0.5, 0], std: [0.5, 2] })(tensor([[[[1]], [[4]]]]));
    expect(y.arraySync()).toEqual([[[[1]], [[2]]]]);
    expect(normalize({ mean: 1, std: 2, layout: 'NHWC' })(tensor([[[[3, 5]]]])).arraySync()).toEqual([[[[1, 2]]]]);
  });
  it('rejects mismatched channels and zero std', async () => {
    await expectTensorError(() => normalize({ mean: [0, 0], std: [1, 1] })(literal([1, 3, 2, 2])), 'SHAPE_MISMATCH', /mean has 2 values but the images have 3 channels/);
    await expectTensorError(() => normalize({ mean: [0], std: [0] }), 'INVALID_ARGUMENT', /std must be non-zero/);
    await expectTensorError(() => normalize({ mean: 'a' as never, std: 1 }), 'INVALID_ARGUMENT', /mean must be a finite number/);
  });
});
