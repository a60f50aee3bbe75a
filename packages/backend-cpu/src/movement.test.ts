import { describe, expect, it } from 'vitest';
import type { PadMode } from '@tessera/tensor-core';
import { backend, empty, read, tensor } from './test-utils/helpers.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('transpose', () => {
  it('permutes axes', () => {
    const x = tensor([2, 3], range(6));
    const out = empty([3, 2]);
    backend.transpose(x, [1, 0], out);
    expect(read(out)).toEqual([0, 3, 1, 4, 2, 5]);
    const y = tensor([2, 3, 4], range(24));
    const out3 = empty([4, 2, 3]);
    backend.transpose(y, [2, 0, 1], out3);
    const expected: number[] = [];
    for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expected.push(i * 12 + j * 4 + k);
    expect(read(out3)).toEqual(expected);
  });

  it('copies scalars and empties', () => {
    const out = empty([]);
    backend.transpose(tensor([], [7]), [], out);
    expect(read(out)).toEqual([7]);
    const e = empty([3, 0]);
    backend.transpose(tensor([0, 3], []), [1, 0], e);
    expect(read(e)).toEqual([]);
  });
});

describe('slice', () => {
  it('takes strided and negative-step slices', () => {
    const x = tensor([3, 4], range(12));
    const out = empty([2, 2]);
    backend.slice(x, [0, 1], [2, 2], out);
    expect(read(out)).toEqual([1, 3, 9, 11]);
    const rev = empty([3, 4]);
    backend.slice(x, [2, 3], [-1, -1], rev);
    expect(read(rev)).toEqual(range(12).reverse());
    const mid = empty([1, 2]);
    backend.slice(x, [1, 3], [1, -2], mid);
    expect(read(mid)).toEqual([7, 5]);
  });
});

describe('concat', () => {
  it('joins along an inner and the outer axis', () => {
    const a = tensor([2, 2], [1, 2, 3, 4]);
    const b = tensor([2, 1], [5, 6]);
    const out = empty([2, 3]);
    backend.concat([a, b], 1, out);
    expect(read(out)).toEqual([1, 2, 5, 3, 4, 6]);
    const out0 = empty([3, 2]);
    backend.concat([a, tensor([1, 2], [7, 8]), tensor([0, 2], [])], 0, out0);
    expect(read(out0)).toEqual([1, 2, 3, 4, 7, 8]);
  });
});

describe('pad', () => {
  const x = tensor([2, 3], [1, 2, 3, 4, 5, 6]);
  const cases: [PadMode, number[]][] = [
    ['constant', [9, 9, 9, 9, 9, 9, 9, 1, 2, 3, 9, 9, 9, 4, 5, 6, 9, 9, 9, 9, 9, 9, 9, 9]],
    ['reflect', [5, 4, 5, 6, 5, 4, 2, 1, 2, 3, 2, 1, 5, 4, 5, 6, 5, 4, 2, 1, 2, 3, 2, 1]],
    ['replicate', [1, 1, 2, 3, 3, 3, 1, 1, 2, 3, 3, 3, 4, 4, 5, 6, 6, 6, 4, 4, 5, 6, 6, 6]],
  ];
  for (const [mode, expected] of cases) {
    it(mode, () => {
      const out = empty([4, 6]);
      backend.pad(x, [[1, 1], [1, 2]], mode, 9, out);
      expect(read(out)).toEqual(expected);
    });
  }

  it('pads a 1-D int32 tensor', () => {
    const out = empty([5], 'int32');
    backend.pad(tensor([3], [1, 2, 3], 'int32'), [[2, 0]], 'reflect', 0, out);
    expect(read(out)).toEqual([3, 2, 1, 2, 3]);
  });
});

describe('gather and scatterAdd', () => {
  it('gathers along an axis as PyTorch', () => {
    const x = tensor([2, 3], [1, 2, 3, 4, 5, 6]);
    const out = empty([2, 2]);
    backend.gather(x, tensor([2, 2], [2, 0, 1, 1], 'int32'), 1, out);
    expect(read(out)).toEqual([3, 1, 5, 5]);
    const out0 = empty([1, 3]);
    backend.gather(x, tensor([1, 3], [1, 0, 1], 'int32'), 0, out0);
    expect(read(out0)).toEqual([4, 2, 6]);
  });

  it('gathers whole rows (expanded indices), mixed rows, negative indices and a narrower index', () => {
    const xs = Array.from({ length: 24 }, (_, i) => i * 10);
    const x = tensor([2, 3, 4], xs);
    // out[a][b][c] = x[a][idx[a][b][c]][c], written out on the host.
    const naive = (idxShape: number[], idx: number[]): number[] =>
      idx.map((j, i) => {
        const c = i % idxShape[2]!;
        const a = Math.floor(i / (idxShape[1]! * idxShape[2]!));
        return xs[a * 12 + (j < 0 ? j + 3 : j) * 4 + c]!;
      });
    // Rows of one index (block copies), a mixed row, and -1 for the last row.
    const full = [2, 2, 2, 2, -1, 0, 1, 2, 0, 0, 0, 0, 1, 1, 1, 1, 2, -3, 0, -1];
    const idx = [...full, ...full.map((j) => (j === 2 ? 1 : j))];
    const out = empty([2, 5, 4]);
    backend.gather(x, tensor([2, 5, 4], idx, 'int32'), 1, out);
    expect(read(out)).toEqual(naive([2, 5, 4], idx));
    // Narrower than x on the last axis: the general path.
    const narrow = [2, -1, 0, 1, 1, 1, 0, 2, 2, -2, 1, 0];
    const outNarrow = empty([2, 2, 3]);
    backend.gather(x, tensor([2, 2, 3], narrow, 'int32'), 1, outNarrow);
    const expected = narrow.map((j, i) => xs[Math.floor(i / 6) * 12 + (j < 0 ? j + 3 : j) * 4 + (i % 3)]!);
    expect(read(outNarrow)).toEqual(expected);
  });

  it('scatter-adds with repeated indices and larger updates', () => {
    const x = tensor([2, 3], [1, 1, 1, 1, 1, 1]);
    const idx = tensor([2, 2], [0, 0, 2, 1], 'int32');
    const updates = tensor([2, 3], [10, 20, 99, 30, 40, 99]);
    const out = empty([2, 3]);
    backend.scatterAdd(x, idx, updates, 1, out);
    expect(read(out)).toEqual([31, 1, 1, 1, 41, 31]);
    const out0 = empty([2, 3]);
    backend.scatterAdd(x, tensor([1, 3], [1, 1, 0], 'int32'), updates, 0, out0);
    expect(read(out0)).toEqual([1, 1, 100, 11, 21, 1]);
  });
});
