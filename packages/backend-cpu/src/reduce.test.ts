import { describe, expect, it } from 'vitest';
import type { DType, ReduceOp } from '@tessera/tensor-core';
import { backend, empty, read, tensor } from './test-utils/helpers.js';

function red(op: ReduceOp, values: number[], r: number, dtype: DType = 'float32', outDtype?: DType): number[] {
  const out = empty([values.length / r], outDtype ?? (op.startsWith('arg') ? 'int32' : dtype));
  backend.reduce(op, tensor([values.length / r, r], values, dtype), r, out);
  return read(out);
}

describe('reduce', () => {
  it('sums, multiplies, and finds extremes per row', () => {
    const x = [1, 5, -2, 4, 4, 0];
    expect(red('sum', x, 3)).toEqual([4, 8]);
    expect(red('prod', x, 3)).toEqual([-10, 0]);
    expect(red('max', x, 3)).toEqual([5, 4]);
    expect(red('min', x, 3)).toEqual([-2, 0]);
    expect(red('argmax', x, 3)).toEqual([1, 0]);
    expect(red('argmin', x, 3)).toEqual([2, 2]);
    expect(red('sum', x, 6)).toEqual([12]);
  });

  it('takes the first occurrence on ties and lets NaN win', () => {
    expect(red('argmax', [3, 7, 7, 1], 4)).toEqual([1]);
    expect(red('argmin', [3, 1, 7, 1], 4)).toEqual([1]);
    expect(red('argmax', [3, NaN, 7, NaN], 4)).toEqual([1]);
    expect(red('argmax', [NaN, 9], 2)).toEqual([0]);
    expect(red('max', [3, NaN, 7], 3)).toEqual([NaN]);
    expect(red('min', [3, NaN, -7], 3)).toEqual([NaN]);
  });

  it('wraps int32 sums and products', () => {
    expect(red('sum', [2 ** 31 - 1, 1, 5], 3, 'int32')).toEqual([-(2 ** 31) + 5]);
    expect(red('prod', [65536, 65536, 3], 3, 'int32')).toEqual([0]);
    expect(red('max', [-5, -2, -9], 3, 'int32')).toEqual([-2]);
  });

  it('reduces bool with any and all', () => {
    expect(red('any', [0, 0, 1, 0, 0, 0], 3, 'bool')).toEqual([1, 0]);
    expect(red('all', [1, 1, 1, 1, 0, 1], 3, 'bool')).toEqual([1, 0]);
  });

  it('reduces empty rows to the identity', () => {
    const out = empty([2]);
    backend.reduce('sum', tensor([2, 0], []), 0, out);
    expect(read(out)).toEqual([0, 0]);
    backend.reduce('prod', tensor([2, 0], []), 0, out);
    expect(read(out)).toEqual([1, 1]);
  });

  it('accumulates float32 sums in float64', () => {
    const n = 1 << 20;
    const x = new Array<number>(n).fill(0.1);
    expect(red('sum', x, n)[0]).toBeCloseTo(n * Math.fround(0.1), 1);
  });
});

describe('cumsum', () => {
  const x = tensor([2, 3], [1, 2, 3, 4, 5, 6]);
  const cases: [number, boolean, boolean, number[]][] = [
    [1, false, false, [1, 3, 6, 4, 9, 15]],
    [1, true, false, [0, 1, 3, 0, 4, 9]],
    [1, false, true, [6, 5, 3, 15, 11, 6]],
    [1, true, true, [5, 3, 0, 11, 6, 0]],
    [0, false, false, [1, 2, 3, 5, 7, 9]],
    [0, true, true, [4, 5, 6, 0, 0, 0]],
  ];
  for (const [axis, exclusive, reverse, expected] of cases) {
    it(`axis ${axis} exclusive=${exclusive} reverse=${reverse}`, () => {
      const out = empty([2, 3]);
      backend.cumsum(x, axis, exclusive, reverse, out);
      expect(read(out)).toEqual(expected);
    });
  }

  it('wraps int32 and handles empty', () => {
    const out = empty([2], 'int32');
    backend.cumsum(tensor([2], [2 ** 31 - 1, 1], 'int32'), 0, false, false, out);
    expect(read(out)).toEqual([2 ** 31 - 1, -(2 ** 31)]);
    const e = empty([0, 3]);
    backend.cumsum(tensor([0, 3], []), 1, false, false, e);
    expect(read(e)).toEqual([]);
  });
});

describe('topk', () => {
  it('returns sorted values with the lower index first on ties', () => {
    const x = tensor([2, 5], [1, 3, 3, 2, 5, 4, NaN, 0, 4, -1]);
    const values = empty([2, 3]);
    const indices = empty([2, 3], 'int32');
    backend.topk(x, 3, true, values, indices);
    expect(read(values)).toEqual([5, 3, 3, NaN, 4, 4]);
    expect(read(indices)).toEqual([4, 1, 2, 1, 0, 3]);
    backend.topk(x, 3, false, values, indices);
    expect(read(values)).toEqual([1, 2, 3, -1, 0, 4]);
    expect(read(indices)).toEqual([0, 3, 1, 4, 2, 0]);
  });
});
