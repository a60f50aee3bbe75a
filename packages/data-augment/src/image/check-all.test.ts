/** Augment transforms report every bad option of one call in one TensorError (issue 11). */
import { describe, expect, it } from 'vitest';
import { colorJitter, randomCrop, randomHorizontalFlip, randomResizedCrop, resize } from '../index.js';

/** The error `run` throws, as a rejection to match against (`details` element by element). */
const rejection = (run: () => unknown) => expect(Promise.resolve().then(run)).rejects;

describe('every failure at once', () => {
  it('colorJitter lists a misspelt key, a negative spread, a bad layout and a bad seed', async () => {
    await rejection(() => colorJitter({ brightness: -1, hue: 0.7, layout: 'HWC', seed: -1, contrats: 0.2 } as never)).toMatchObject({
      code: 'UNKNOWN_OPTION',
      details: [{ name: 'options' }, { name: 'layout' }, { name: 'brightness' }, { name: 'hue' }, { name: 'seed' }],
      message: expect.stringMatching(/^colorJitter: unknown option 'contrats' \(did you mean 'contrast'\?\).*; and 4 more problems: layout must be one of 'NCHW', 'NHWC', got "HWC"; brightness must be a non-negative number/),
    });
  });

  it('the crops, flips and resize report each bad value', async () => {
    await rejection(() => randomCrop(0, { padding: -1, paddingMode: 'wrap', fill: Number.NaN } as never)).toMatchObject({ details: [{ name: 'size' }, { name: 'padding' }, { name: 'paddingMode' }, { name: 'fill' }] });
    await rejection(() => randomResizedCrop([2, 0], { scale: [1, 0.5], seed: 1, generator: 3 } as never)).toMatchObject({ details: [{ name: 'size' }, { name: 'scale' }, { name: 'seed' }] });
    await rejection(() => randomHorizontalFlip({ p: 2, layout: 'CHW' } as never)).toMatchObject({ details: [{ name: 'layout' }, { name: 'p' }] });
    await rejection(() => resize(0, { interpolation: 'cubic' } as never)).toMatchObject({ code: 'INVALID_ARGUMENT', details: [{ name: 'interpolation' }, { name: 'size' }] });
  });
});
