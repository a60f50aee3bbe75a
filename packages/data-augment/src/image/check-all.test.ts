/** Augment transforms report every bad option of one call in one TensorError (issue 11). */
import { describe, expect, it } from 'vitest';
import { TensorError } from '@tessera/tensor-core';
import { colorJitter, randomCrop, randomHorizontalFlip, randomResizedCrop, resize } from '../index.js';

function caught(run: () => unknown): TensorError {
  try {
    run();
  } catch (e) {
    if (TensorError.is(e)) return e;
    throw e;
  }
  throw new Error('expected a TensorError');
}

describe('every failure at once', () => {
  it('colorJitter lists a misspelt key, a negative spread, a bad layout and a bad seed', () => {
    const e = caught(() => colorJitter({ brightness: -1, hue: 0.7, layout: 'HWC', seed: -1, contrats: 0.2 } as never));
    expect(e.code).toBe('UNKNOWN_OPTION');
    expect(e.details.map((d) => d.name)).toEqual(['options', 'layout', 'brightness', 'hue', 'seed']);
    expect(e.message).toMatch(/^colorJitter: unknown option 'contrats' \(did you mean 'contrast'\?\).*; and 4 more problems: layout must be one of 'NCHW', 'NHWC', got "HWC"; brightness must be a non-negative number/);
  });

  it('the crops, flips and resize report each bad value', () => {
    expect(caught(() => randomCrop(0, { padding: -1, paddingMode: 'wrap', fill: Number.NaN } as never)).details.map((d) => d.name)).toEqual(['size', 'padding', 'paddingMode', 'fill']);
    expect(caught(() => randomResizedCrop([2, 0], { scale: [1, 0.5], seed: 1, generator: 3 } as never)).details.map((d) => d.name)).toEqual(['size', 'scale', 'seed']);
    expect(caught(() => randomHorizontalFlip({ p: 2, layout: 'CHW' } as never)).details.map((d) => d.name)).toEqual(['layout', 'p']);
    const r = caught(() => resize(0, { interpolation: 'cubic' } as never));
    expect(r.code).toBe('INVALID_ARGUMENT');
    expect(r.details.map((d) => d.name)).toEqual(['interpolation', 'size']);
  });
});
