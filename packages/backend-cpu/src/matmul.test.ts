import { describe, expect, it } from 'vitest';
import type { DType } from '@tessera/tensor-core';
import { cpu } from './index.js';
import { backend, empty, expectClose, randomValues, read, tensor } from './test-utils/helpers.js';

/** Naive batched matmul on plain arrays, in float64. */
function reference(
  a: number[], b: number[], batch: number, ba: number, bb: number,
  m: number, k: number, n: number, ta: boolean, tb: boolean,
): number[] {
  const out = new Array<number>(batch * m * n).fill(0);
  for (let z = 0; z < batch; z++) {
    const ao = (ba === 1 ? 0 : z) * m * k;
    const bo = (bb === 1 ? 0 : z) * k * n;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = ta ? a[ao + p * m + i]! : a[ao + i * k + p]!;
          const bv = tb ? b[bo + j * k + p]! : b[bo + p * n + j]!;
          s += av * bv;
        }
        out[z * m * n + i * n + j] = s;
      }
  }
  return out;
}

function check(batch: number, ba: number, bb: number, m: number, k: number, n: number, ta: boolean, tb: boolean, dtype: DType = 'float32', b0 = backend): void {
  const int = dtype === 'int32';
  const av = randomValues(ba * m * k, m * 7 + k).map((v) => (int ? Math.round(v * 10) : v));
  const bv = randomValues(bb * k * n, n * 13 + k).map((v) => (int ? Math.round(v * 10) : v));
  const a = tensor(ta ? [ba, k, m] : [ba, m, k], av, dtype);
  const b = tensor(tb ? [bb, n, k] : [bb, k, n], bv, dtype);
  const out = empty([batch, m, n], dtype);
  b0.matmul(a, b, ta, tb, out);
  const tol = dtype === 'float64' ? 1e-12 : 1e-5;
  expectClose(read(out), reference(av, bv, batch, ba, bb, m, k, n, ta, tb), tol, tol);
}

describe('matmul', () => {
  it('multiplies 2x2 literals', () => {
    const a = tensor([1, 2, 2], [1, 2, 3, 4]);
    const out = empty([1, 2, 2]);
    backend.matmul(a, a, false, false, out);
    expect(read(out)).toEqual([7, 10, 15, 22]);
  });

  for (const [m, k, n] of [[1, 1, 1], [7, 13, 5], [65, 130, 67], [4, 4, 4], [3, 1, 9]] as const) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        it(`${m}x${k}x${n} transposeA=${ta} transposeB=${tb}`, () => check(1, 1, 1, m, k, n, ta, tb));
      }
    }
  }

  it('broadcasts a batch of 1 on either side', () => {
    check(3, 3, 1, 5, 6, 7, false, false);
    check(3, 1, 3, 5, 6, 7, false, false);
    check(3, 3, 1, 5, 6, 7, true, true);
    check(2, 1, 2, 9, 3, 4, true, false);
    check(4, 4, 4, 6, 5, 3, false, true);
  });

  it('crosses block boundaries with small tiles', () => {
    const small = cpu({ matmulTiles: { mc: 8, kc: 5, nc: 12 } });
    for (const ta of [false, true]) for (const tb of [false, true]) check(2, 2, 1, 21, 17, 30, ta, tb, 'float32', small);
  });

  it('is exact to float64 precision for float64', () => {
    check(2, 2, 2, 33, 70, 19, false, true, 'float64');
  });

  it('wraps int32 products and sums', () => {
    const a = tensor([1, 1, 2], [65536, 3], 'int32');
    const b = tensor([1, 2, 1], [65536, 4], 'int32');
    const out = empty([1, 1, 1], 'int32');
    backend.matmul(a, b, false, false, out);
    // 65536² = 2³² wraps to 0.
    expect(read(out)).toEqual([12]);
    check(2, 1, 2, 5, 4, 3, true, false, 'int32');
  });

  it('handles empty operands (K = 0 gives zeros, M = 0 gives nothing)', () => {
    const a = tensor([1, 2, 0], []);
    const b = tensor([1, 0, 3], []);
    const out = empty([1, 2, 3]);
    backend.fill(out, 5);
    backend.matmul(a, b, false, false, out);
    expect(read(out)).toEqual([0, 0, 0, 0, 0, 0]);
    const out2 = empty([1, 0, 3]);
    backend.matmul(tensor([1, 0, 2], []), tensor([1, 2, 3], [1, 2, 3, 4, 5, 6]), false, false, out2);
    expect(read(out2)).toEqual([]);
  });
});
