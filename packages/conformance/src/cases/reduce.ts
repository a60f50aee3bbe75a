/**
 * Conformance cases: reductions (`sum`, `mean`, `prod`, `max`, `min`, `argmax`, `argmin`, `var`,
 * `std`, `logSumExp`, `any`, `all`), `cumsum` and `topk`.
 *
 * tensor-core moves the reduced axes last before calling a backend's `reduce` kernel, so every
 * multi-axis and non-trailing-axis case here also checks the backend's `transpose`. Values are
 * worked out by hand, except var/std/logSumExp of a fixed matrix (`REDUCE` in
 * `src/fixtures/reference.ts`, from PyTorch).
 */
import { it, expect } from 'vitest';
import {
  all, any, arange, full, argmax, argmin, cumsum, dispose, logSumExp, max, mean, min, prod, std, sum, tensor, tidy, topk,
  variance, zeros, type NestedArray, type Tensor,
} from '@tessera/tensor-core';
import type { ConformanceContext } from '../index.js';
import { expectNoLeaks, expectTensor, expectTensorError, expectOp, expectOpError } from '../helpers.js';
import { REDUCE } from '../fixtures/reference.js';




const i32 = (values: NestedArray): Tensor => tensor(values, undefined, { dtype: 'int32' });
const f32 = (values: NestedArray): Tensor => tensor(values, undefined, { dtype: 'float32' });
/** [[1, 2, 3], [4, 5, 6]] */
const m23 = (): Tensor => f32([[1, 2, 3], [4, 5, 6]]);
/** x[i, j, k] = 12i + 4j + k, shape [2, 3, 4]. */
const cube = (): Tensor => arange(24, undefined, 1, { dtype: 'float32' }).reshape([2, 3, 4]);
const matrix = (): Tensor => f32(REDUCE.matrix.map((row) => [...row]));

/** Conformance cases: reduce. */
export function reduceCases(_ctx: ConformanceContext): void {
  it('a float32 sum of 1e7 elements stays within 1e-6 relative (compensated or pairwise on every backend)', async () => {
    // float32(0.1) · 1e7 in exact arithmetic; a naive running float32 sum drifts by ~1e-4.
    const exact = Math.fround(0.1) * 1e7;
    const s = tidy(() => sum(full([1e7], 0.1)));
    const got = (await s.data())[0]!;
    s.dispose();
    expect(Math.abs(got - exact) / exact).toBeLessThanOrEqual(1e-6);
  });

  // ------------------------------------------------------------------ sum and friends over axes

  it('sum over all axes, one axis, a negative axis, with and without keepDims', async () => {
    await expectOp(() => sum(m23()), 21, { shape: [], dtype: 'float32' });
    await expectOp(() => sum(m23(), 0), [5, 7, 9]);
    await expectOp(() => sum(m23(), 1), [6, 15]);
    await expectOp(() => sum(m23(), -1), [6, 15]);
    await expectOp(() => sum(m23(), -2), [5, 7, 9]);
    await expectOp(() => sum(m23(), 0, true), [[5, 7, 9]]);
    await expectOp(() => sum(m23(), 1, true), [[6], [15]]);
    await expectOp(() => sum(m23(), undefined, true), [[21]]);
    await expectOp(() => sum(m23(), [0, 1]), 21, { shape: [] });
    await expectOp(() => sum(m23(), []), [[1, 2, 3], [4, 5, 6]]);
    await expectOp(() => m23().sum(1), [6, 15]);
  });

  it('sum over several axes of a [2, 3, 4] tensor, in any order, negative axes included', async () => {
    // sum over i and k of 12i + 4j + k = 60 + 32j.
    await expectOp(() => sum(cube(), [0, 2]), [60, 92, 124]);
    await expectOp(() => sum(cube(), [2, 0]), [60, 92, 124]);
    await expectOp(() => sum(cube(), [-1, 0]), [60, 92, 124]);
    await expectOp(() => sum(cube(), [0, 2], true), [[[60], [92], [124]]]);
    // sum over j and k of 12i + 4j + k = 144i + 66.
    await expectOp(() => sum(cube(), [1, 2]), [66, 210]);
    // sum over i of 12i + 4j + k = 12 + 8j + 2k.
    await expectOp(() => sum(cube(), 0), [[12, 14, 16, 18], [20, 22, 24, 26], [28, 30, 32, 34]]);
    // sum over j: 36i + 12 + 3k.
    await expectOp(() => sum(cube(), 1), [[12, 15, 18, 21], [48, 51, 54, 57]]);
    await expectOp(() => sum(cube(), 1, true), [[[12, 15, 18, 21]], [[48, 51, 54, 57]]]);
    await expectOp(() => sum(cube()), 276, { shape: [] });
  });

  it('sum of a transposed input (non-contiguous source) and of a rank-0 tensor', async () => {
    await expectOp(() => sum(m23().transpose(), 1), [5, 7, 9]);
    await expectOp(() => sum(m23().T, 0), [6, 15]);
    await expectOp(() => sum(f32(4)), 4, { shape: [] });
    await expectOp(() => sum(f32(4), 0), 4, { shape: [] });
  });

  it('sum keeps int32, sums bool as int32, and propagates NaN and infinities', async () => {
    await expectOp(() => sum(i32([[1, -2], [3, 4]]), 1), [-1, 7], { dtype: 'int32' });
    await expectOp(() => sum(tensor([[true, true, false], [false, false, false]]), 1), [2, 0], { dtype: 'int32' });
    await expectOp(() => sum(tensor([true, true, true])), 3, { shape: [], dtype: 'int32' });
    await expectOp(() => sum(f32([1, NaN, 2])), NaN, { shape: [] });
    await expectOp(() => sum(f32([Infinity, 1])), Infinity, { shape: [] });
    await expectOp(() => sum(f32([Infinity, -Infinity])), NaN, { shape: [] });
  });

  it('mean: all, axes, keepDims; int32 and bool give float32', async () => {
    await expectOp(() => mean(f32([[1, 2], [3, 4]])), 2.5, { shape: [], dtype: 'float32' });
    await expectOp(() => mean(f32([[1, 2], [3, 4]]), 0), [2, 3]);
    await expectOp(() => mean(f32([[1, 2], [3, 4]]), -1, true), [[1.5], [3.5]]);
    await expectOp(() => mean(cube(), [0, 2]), [7.5, 11.5, 15.5]);
    await expectOp(() => mean(i32([1, 2]), 0), 1.5, { shape: [], dtype: 'float32' });
    await expectOp(() => mean(tensor([true, false, false, false])), 0.25, { shape: [], dtype: 'float32' });
    await expectOp(() => mean(matrix(), 1), [...REDUCE.mean1]);
  });

  it('prod: all, axes, int32, zeros and NaN', async () => {
    await expectOp(() => prod(m23()), 720, { shape: [] });
    await expectOp(() => prod(m23(), 1), [6, 120]);
    await expectOp(() => prod(m23(), 0, true), [[4, 10, 18]]);
    await expectOp(() => prod(i32([[2, -3], [4, 0]]), 1), [-6, 0], { dtype: 'int32' });
    await expectOp(() => prod(tensor([true, true])), 1, { shape: [], dtype: 'int32' });
    await expectOp(() => prod(f32([2, NaN])), NaN, { shape: [] });
    await expectOp(() => prod(cube(), [0, 1]), [0, 13 * 5 * 9 * 17 * 21 * 1, 14 * 2 * 6 * 10 * 18 * 22, 15 * 3 * 7 * 11 * 19 * 23]);
  });

  it('max and min: axes, keepDims, int32, infinities; NaN propagates', async () => {
    const x = (): Tensor => f32([[3, -1, 7], [-5, 2, 0]]);
    await expectOp(() => max(x()), 7, { shape: [] });
    await expectOp(() => min(x()), -5, { shape: [] });
    await expectOp(() => max(x(), 0), [3, 2, 7]);
    await expectOp(() => min(x(), 1, true), [[-1], [-5]]);
    await expectOp(() => max(cube(), [0, 2]), [15, 19, 23]);
    await expectOp(() => min(cube(), [1, 2]), [0, 12]);
    await expectOp(() => max(i32([4, -9, 2])), 4, { shape: [], dtype: 'int32' });
    await expectOp(() => min(i32([[4, -9, 2]]), 1), [-9], { dtype: 'int32' });
    await expectOp(() => max(f32([-Infinity, -Infinity])), -Infinity, { shape: [] });
    await expectOp(() => min(f32([Infinity, 1e30])), 1e30, { shape: [] });
    await expectOp(() => max(f32([1, NaN, 3])), NaN, { shape: [] });
    await expectOp(() => min(f32([NaN, 1, 3])), NaN, { shape: [] });
    await expectOp(() => max(f32([[1, NaN], [3, 4]]), 1), [NaN, 4]);
    await expectOp(() => min(f32([[1, 2], [3, NaN]]), 0), [1, NaN]);
    await expectOp(() => max(tensor([false, true])), 1, { shape: [] });
  });

  // ------------------------------------------------------------------ empty reductions

  it('reductions over empty axes: sum = 0, prod = 1, any = false, all = true, mean = NaN', async () => {
    await expectOp(() => sum(zeros([0])), 0, { shape: [] });
    await expectOp(() => sum(zeros([2, 0]), 1), [0, 0]);
    await expectOp(() => sum(zeros([0, 3]), 0), [0, 0, 0]);
    await expectOp(() => sum(zeros([0, 3]), 1), [], { shape: [0] });
    await expectOp(() => sum(zeros([0, 3]), 0, true), [[0, 0, 0]]);
    await expectOp(() => sum(zeros([0], { dtype: 'int32' })), 0, { shape: [], dtype: 'int32' });
    await expectOp(() => prod(zeros([0])), 1, { shape: [] });
    await expectOp(() => prod(zeros([2, 0]), 1), [1, 1]);
    await expectOp(() => any(zeros([0], { dtype: 'bool' })), false, { shape: [], dtype: 'bool' });
    await expectOp(() => all(zeros([0], { dtype: 'bool' })), true, { shape: [], dtype: 'bool' });
    await expectOp(() => all(zeros([2, 0]), 1), [true, true], { dtype: 'bool' });
    await expectOp(() => mean(zeros([0])), NaN, { shape: [] });
    // Reducing a non-empty axis of an empty tensor is fine: the result is empty.
    await expectOp(() => max(zeros([0, 3]), 1), [], { shape: [0] });
    await expectOp(() => argmax(zeros([0, 3]), 1), [], { shape: [0], dtype: 'int32' });
  });

  it('max, min, argmax, argmin over an empty axis throw INVALID_ARGUMENT (no identity)', () => {
    expectOpError(() => max(zeros([0])), 'INVALID_ARGUMENT', /zero-length axis.*shape \[0\]/);
    expectOpError(() => min(zeros([2, 0]), 1), 'INVALID_ARGUMENT', /zero-length/);
    expectOpError(() => max(zeros([0, 3]), 0), 'INVALID_ARGUMENT', /no identity/);
    expectOpError(() => argmax(zeros([0])), 'INVALID_ARGUMENT', /zero-length/);
    expectOpError(() => argmin(zeros([3, 0]), 1), 'INVALID_ARGUMENT', /zero-length/);
  });

  // ------------------------------------------------------------------ argmax / argmin

  it('argmax and argmin return int32 indices, first occurrence on ties', async () => {
    await expectOp(() => argmax(f32([3, 1, 3])), 0, { shape: [], dtype: 'int32' });
    await expectOp(() => argmin(f32([1, 0, 0])), 1, { shape: [], dtype: 'int32' });
    await expectOp(() => argmax(f32([2, 2, 2, 2])), 0, { shape: [] });
    await expectOp(() => argmin(f32([5, 5, 5])), 0, { shape: [] });
    await expectOp(() => argmax(f32([-Infinity, -Infinity, -1])), 2, { shape: [] });
    await expectOp(() => argmin(i32([4, -2, 7, -2])), 1, { shape: [], dtype: 'int32' });
    await expectOp(() => argmax(tensor([false, true, true])), 1, { shape: [], dtype: 'int32' });
  });

  it('argmax and argmin along axes, negative axes, keepDims, and over the flattened tensor', async () => {
    const x = (): Tensor => f32([[1, 9, 9], [8, 2, 8], [0, 0, -1]]);
    await expectOp(() => argmax(x(), 0), [1, 0, 0], { dtype: 'int32' });
    await expectOp(() => argmax(x(), 1), [1, 0, 0], { dtype: 'int32' });
    await expectOp(() => argmin(x(), 0), [2, 2, 2], { dtype: 'int32' });
    await expectOp(() => argmin(x(), -1), [0, 1, 2], { dtype: 'int32' });
    await expectOp(() => argmax(x(), 1, true), [[1], [0], [0]], { dtype: 'int32' });
    await expectOp(() => argmax(x()), 1, { shape: [], dtype: 'int32' });
    await expectOp(() => argmin(x()), 8, { shape: [], dtype: 'int32' });
    await expectOp(() => argmax(x(), undefined, true), [[1]], { dtype: 'int32' });
    // On the [2, 3, 4] cube the maximum along axis 1 is always j = 2.
    await expectOp(() => argmax(cube(), 1), [[2, 2, 2, 2], [2, 2, 2, 2]], { dtype: 'int32' });
    await expectOp(() => argmin(cube(), 0, true), [[[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]], { dtype: 'int32' });
    await expectOp(() => argmax(m23().T, 1), [1, 1, 1], { dtype: 'int32' });
  });

  // ------------------------------------------------------------------ var / std

  it('var and std with correction 1 (default) and 0, over axes and all', async () => {
    // [1, 2, 3, 4]: mean 2.5, sum of squared deviations 5.
    await expectOp(() => variance(f32([1, 2, 3, 4])), 5 / 3, { shape: [] });
    await expectOp(() => variance(f32([1, 2, 3, 4]), undefined, { correction: 0 }), 1.25, { shape: [] });
    await expectOp(() => std(f32([1, 2, 3, 4])), Math.sqrt(5 / 3), { shape: [] });
    await expectOp(() => std(f32([1, 2, 3, 4]), 0, { correction: 0 }), Math.sqrt(1.25), { shape: [] });
    // [[1, 2], [3, 5]] along axis 0: columns [1, 3] and [2, 5].
    await expectOp(() => variance(f32([[1, 2], [3, 5]]), 0), [2, 4.5]);
    await expectOp(() => variance(f32([[1, 2], [3, 5]]), 0, { keepDims: true }), [[2, 4.5]]);
    await expectOp(() => f32([[1, 2], [3, 5]]).var(1, { correction: 0, keepDims: true }), [[0.25], [1]]);
    await expectOp(() => variance(matrix(), 1), [...REDUCE.var1]);
    await expectOp(() => variance(matrix(), 0, { correction: 0 }), [...REDUCE.var0]);
    await expectOp(() => variance(matrix()), REDUCE.varAll, { shape: [] });
    await expectOp(() => std(matrix(), -1), [...REDUCE.std1]);
    await expectOp(() => std(matrix(), 0, { correction: 0 }), [...REDUCE.std0]);
    await expectOp(() => variance(cube(), [0, 2], { correction: 0 }), [37.25, 37.25, 37.25]);
  });

  it('var: int32 input gives float32; one element with correction 1 is NaN; constants give 0', async () => {
    await expectOp(() => variance(i32([1, 3])), 2, { shape: [], dtype: 'float32' });
    await expectOp(() => variance(f32([7])), NaN, { shape: [] });
    await expectOp(() => variance(f32([7]), undefined, { correction: 0 }), 0, { shape: [] });
    await expectOp(() => std(f32([[2, 2, 2]]), 1), [0]);
  });

  it('var errors: negative or fractional correction', () => {
    expectOpError(() => variance(f32([1, 2]), undefined, { correction: -1 }), 'INVALID_ARGUMENT', /correction/);
    expectOpError(() => std(f32([1, 2]), undefined, { correction: 0.5 }), 'INVALID_ARGUMENT', /correction/);
  });

  // ------------------------------------------------------------------ logSumExp

  it('logSumExp over axes, all axes and keepDims matches PyTorch', async () => {
    await expectOp(() => logSumExp(f32([[0, 0], [1, 2]]), 1), [Math.LN2, 2 + Math.log1p(Math.exp(-1))]);
    await expectOp(() => logSumExp(matrix(), 1), [...REDUCE.logSumExp1]);
    await expectOp(() => logSumExp(matrix(), 0), [...REDUCE.logSumExp0]);
    await expectOp(() => logSumExp(matrix()), REDUCE.logSumExpAll, { shape: [] });
    await expectOp(() => logSumExp(matrix(), [0, 1], true), [[REDUCE.logSumExpAll]]);
    await expectOp(() => logSumExp(matrix(), -1, true), REDUCE.logSumExp1.map((v) => [v]));
    await expectOp(() => logSumExp(i32([0, 0])), Math.LN2, { shape: [], dtype: 'float32' });
  });

  it('logSumExp of -Infinity rows is -Infinity; large values do not overflow; +Infinity and NaN propagate', async () => {
    const rows = [[-Infinity, -Infinity], [-Infinity, 0], [1000, 1000], [-1000, -1000], [Infinity, 1], [NaN, 1]];
    await expectOp(() => logSumExp(f32(rows), 1), [...REDUCE.logSumExpSpecial]);
    await expectOp(() => logSumExp(f32([88, 88, 88])), 88 + Math.log(3), { shape: [] });
  });

  // ------------------------------------------------------------------ any / all

  it('any and all over axes; non-bool inputs count nonzero (NaN included) as true', async () => {
    const x = (): Tensor => tensor([[true, false], [false, false]]);
    await expectOp(() => any(x()), true, { shape: [], dtype: 'bool' });
    await expectOp(() => all(x()), false, { shape: [], dtype: 'bool' });
    await expectOp(() => any(x(), 1), [true, false], { dtype: 'bool' });
    await expectOp(() => all(x(), 0), [false, false], { dtype: 'bool' });
    await expectOp(() => any(x(), 0, true), [[true, false]], { dtype: 'bool' });
    await expectOp(() => all(tensor([[true, true], [true, false]]), -1), [true, false], { dtype: 'bool' });
    await expectOp(() => any(i32([0, 0, 3])), true, { shape: [], dtype: 'bool' });
    await expectOp(() => all(f32([1, NaN, -2])), true, { shape: [], dtype: 'bool' });
    await expectOp(() => all(f32([1, 0, -2])), false, { shape: [], dtype: 'bool' });
    await expectOp(() => any(cube().greater(22), [0, 2]), [false, false, true], { dtype: 'bool' });
  });

  // ------------------------------------------------------------------ cumsum

  it('cumsum: inclusive, exclusive, reverse and both', async () => {
    const x = (): Tensor => f32([1, 2, 3, 4]);
    await expectOp(() => cumsum(x(), 0), [1, 3, 6, 10]);
    await expectOp(() => cumsum(x(), 0, { exclusive: true }), [0, 1, 3, 6]);
    await expectOp(() => cumsum(x(), 0, { reverse: true }), [10, 9, 7, 4]);
    await expectOp(() => cumsum(x(), -1, { exclusive: true, reverse: true }), [9, 7, 4, 0]);
  });

  it('cumsum along each axis of a matrix and of a [2, 3, 4] tensor', async () => {
    await expectOp(() => cumsum(m23(), 0), [[1, 2, 3], [5, 7, 9]]);
    await expectOp(() => cumsum(m23(), 1), [[1, 3, 6], [4, 9, 15]]);
    await expectOp(() => cumsum(m23(), -1, { reverse: true }), [[6, 5, 3], [15, 11, 6]]);
    await expectOp(() => cumsum(m23(), 0, { exclusive: true }), [[0, 0, 0], [1, 2, 3]]);
    await expectOp(() => cumsum(m23().T, 1), [[1, 5], [2, 7], [3, 9]]);
    // Along axis 1 of the cube: running sums of 12i + 4j + k over j.
    const expected = [0, 1].map((i) => [0, 1, 2].map((j) => [0, 1, 2, 3].map((k) => {
      let s = 0;
      for (let jj = 0; jj <= j; jj++) s += 12 * i + 4 * jj + k;
      return s;
    })));
    await expectOp(() => cumsum(cube(), 1), expected);
  });

  it('cumsum keeps int32, accumulates bool as int32, handles empty axes and NaN', async () => {
    await expectOp(() => cumsum(i32([5, -2, 7]), 0), [5, 3, 10], { dtype: 'int32' });
    await expectOp(() => cumsum(tensor([true, false, true, true]), 0), [1, 1, 2, 3], { dtype: 'int32' });
    await expectOp(() => cumsum(zeros([0, 3]), 0), [], { shape: [0, 3] });
    await expectOp(() => cumsum(zeros([2, 0]), 1, { exclusive: true }), [[], []], { shape: [2, 0] });
    await expectOp(() => cumsum(f32([1, NaN, 2]), 0), [1, NaN, NaN]);
    await expectOp(() => cumsum(f32([1, NaN, 2]), 0, { reverse: true }), [NaN, NaN, 2]);
  });

  // ------------------------------------------------------------------ topk

  it('topk: largest and smallest, sorted, ties keep the lower index first', async () => {
    const pick = (x: () => Tensor, k: number, largest: boolean) => async (values: number[], indices: number[]) => {
      const r = tidy(() => topk(x(), k, { largest }));
      try {
        await expectTensor(r.values, values);
        await expectTensor(r.indices, indices, { dtype: 'int32' });
      } finally {
        dispose(r);
      }
    };
    const five = (): Tensor => f32([1, 5, 3, 5, 2]);
    await pick(five, 2, true)([5, 5], [1, 3]);
    await pick(five, 3, true)([5, 5, 3], [1, 3, 2]);
    await pick(five, 2, false)([1, 2], [0, 4]);
    await pick(five, 5, false)([1, 2, 3, 5, 5], [0, 4, 2, 1, 3]);
    await pick(five, 0, true)([], []);
    await pick(() => f32([-Infinity, 0, Infinity]), 1, true)([Infinity], [2]);
    await pick(() => i32([9, 1, 9, 0]), 2, true)([9, 9], [0, 2]);
  });

  it('topk along an axis of a matrix (default last axis, axis 0, negative axis)', async () => {
    const x = (): Tensor => f32([[1, 6], [4, 2], [3, 5]]);
    const check = async (r: { values: Tensor; indices: Tensor }, values: NestedArray, indices: NestedArray): Promise<void> => {
      try {
        await expectTensor(r.values, values);
        await expectTensor(r.indices, indices, { dtype: 'int32' });
      } finally {
        dispose(r);
      }
    };
    await check(tidy(() => topk(x(), 1)), [[6], [4], [5]], [[1], [0], [1]]);
    await check(tidy(() => topk(x(), 2, { axis: 0 })), [[4, 6], [3, 5]], [[1, 0], [2, 2]]);
    await check(tidy(() => topk(x(), 2, { axis: -2, largest: false })), [[1, 2], [3, 5]], [[0, 1], [2, 2]]);
    await check(tidy(() => x().topk(2, { axis: 1, largest: false })), [[1, 6], [2, 4], [3, 5]], [[0, 1], [1, 0], [0, 1]]);
  });

  it('topk with k = 0 gives empty tensors of the right shape', async () => {
    const r = tidy(() => topk(f32([[1, 2, 3]]), 0));
    expect(r.values.shape).toEqual([1, 0]);
    expect(r.indices.shape).toEqual([1, 0]);
    expect(r.indices.dtype).toBe('int32');
    dispose(r);
    const c = tidy(() => topk(f32([[1, 6], [4, 2], [3, 5]]), 0, { axis: 0 }));
    expect(c.values.shape).toEqual([0, 2]);
    dispose(c);
  });

  it('topk errors: k out of range or fractional, scalar input, bad axis', () => {
    expectOpError(() => topk(f32([1, 2, 3]), 4), 'INVALID_ARGUMENT', /k must be an integer in \[0, 3\].*got 4/);
    expectOpError(() => topk(f32([1, 2, 3]), -1), 'INVALID_ARGUMENT', /k must be/);
    expectOpError(() => topk(f32([1, 2, 3]), 1.5), 'INVALID_ARGUMENT', /k must be/);
    expectOpError(() => topk(f32([[1, 2, 3]]), 2, { axis: 0 }), 'INVALID_ARGUMENT', /\[0, 1\]/);
    expectOpError(() => topk(f32(3), 1), 'SHAPE_MISMATCH', /scalar/);
    expectOpError(() => topk(f32([1, 2]), 1, { axis: 1 }), 'AXIS_OUT_OF_RANGE', /axis 1/);
  });

  // ------------------------------------------------------------------ axis errors

  it('axes out of range throw AXIS_OUT_OF_RANGE; repeated axes throw INVALID_ARGUMENT', () => {
    const x = (): Tensor => zeros([2, 3]);
    expectOpError(() => sum(x(), 2), 'AXIS_OUT_OF_RANGE', /axis 2 is out of range for a tensor of rank 2/);
    expectOpError(() => sum(x(), -3), 'AXIS_OUT_OF_RANGE', /axis -3/);
    expectOpError(() => mean(x(), [0, 5]), 'AXIS_OUT_OF_RANGE', /axis 5/);
    expectOpError(() => max(x(), 0.5), 'AXIS_OUT_OF_RANGE');
    expectOpError(() => prod(x(), [0, 0]), 'INVALID_ARGUMENT', /axis 0 is repeated/);
    expectOpError(() => sum(x(), [1, -1]), 'INVALID_ARGUMENT', /repeated/);
    expectOpError(() => min(x(), [0, -2], true), 'INVALID_ARGUMENT', /repeated/);
    expectOpError(() => argmax(x(), 2), 'AXIS_OUT_OF_RANGE');
    expectOpError(() => argmin(x(), -3), 'AXIS_OUT_OF_RANGE');
    expectOpError(() => variance(x(), 3), 'AXIS_OUT_OF_RANGE');
    expectOpError(() => std(x(), [0, 0]), 'INVALID_ARGUMENT', /repeated/);
    expectOpError(() => logSumExp(x(), 2), 'AXIS_OUT_OF_RANGE');
    expectOpError(() => any(x(), [1, 1]), 'INVALID_ARGUMENT');
    expectOpError(() => all(x(), -5), 'AXIS_OUT_OF_RANGE');
    expectOpError(() => cumsum(x(), 2), 'AXIS_OUT_OF_RANGE');
    expectOpError(() => cumsum(x(), -3), 'AXIS_OUT_OF_RANGE');
    expectOpError(() => sum(zeros([]), 1), 'AXIS_OUT_OF_RANGE');
  });

  it('reductions of a disposed tensor throw TENSOR_DISPOSED naming the tensor id', () => {
    const x = f32([1, 2]);
    x.dispose();
    const id = new RegExp(`id=${x.id}\\b`);
    for (const op of [sum, mean, prod, max, min, any, all, logSumExp] as const) {
      expectTensorError(() => op(x), 'TENSOR_DISPOSED', id);
    }
    expectTensorError(() => argmax(x), 'TENSOR_DISPOSED', id);
    expectTensorError(() => argmin(x, 0), 'TENSOR_DISPOSED', id);
    expectTensorError(() => variance(x), 'TENSOR_DISPOSED', id);
    expectTensorError(() => std(x), 'TENSOR_DISPOSED', id);
    expectTensorError(() => cumsum(x, 0), 'TENSOR_DISPOSED', id);
    expectTensorError(() => topk(x, 1), 'TENSOR_DISPOSED', id);
  });

  // ------------------------------------------------------------------ leaks

  for (const [name, op] of Object.entries(LEAK_CASES)) {
    it(`no leaks: ${name}`, async () => {
      const inputs = makeLeakInputs();
      try {
        await expectNoLeaks(() => dispose(op(inputs)));
      } finally {
        dispose(inputs);
      }
    });
  }

  // A reduction that casts or coerces its input before a check fails must free the temporary.
  for (const [name, op] of Object.entries(FAILING_CASES)) {
    it(`no leaks when it throws: ${name}`, async () => {
      const inputs = makeLeakInputs();
      try {
        await expectNoLeaks(() => {
          expect(() => op(inputs)).toThrow();
        });
      } finally {
        dispose(inputs);
      }
    });
  }
}

interface LeakInputs {
  readonly f: Tensor;
  readonly n: Tensor;
  readonly b: Tensor;
  readonly empty: Tensor;
  readonly cube: Tensor;
}

function makeLeakInputs(): LeakInputs {
  return {
    f: f32([[1, -2, 3], [4, 5, -6]]),
    n: i32([[1, -2, 3], [4, 5, -6]]),
    b: tensor([[true, false, true], [false, false, true]]),
    empty: zeros([0, 3]),
    cube: cube(),
  };
}

/** Reductions whose temporaries (casts, permutes, composite intermediates) must all be freed. */
const LEAK_CASES: Record<string, (x: LeakInputs) => Tensor | { values: Tensor; indices: Tensor }> = {
  'sum(all)': (x) => sum(x.f),
  'sum(axis 0, keepDims)': (x) => sum(x.f, 0, true),
  'sum(bool)': (x) => sum(x.b, 1),
  'sum(cube, [0, 2])': (x) => sum(x.cube, [0, 2]),
  'sum(empty)': (x) => sum(x.empty, 0),
  'mean(int32)': (x) => mean(x.n, 0),
  'mean(cube, [2, 0])': (x) => mean(x.cube, [2, 0]),
  'prod(bool)': (x) => prod(x.b),
  'max(axis 0)': (x) => max(x.f, 0),
  'min(bool)': (x) => min(x.b, 1),
  'argmax(all, keepDims)': (x) => argmax(x.f, undefined, true),
  'argmax(axis 0)': (x) => argmax(x.f, 0),
  'argmin(bool, axis 1)': (x) => argmin(x.b, 1),
  'var(int32)': (x) => variance(x.n, 1),
  'var(cube, [0, 2], keepDims)': (x) => variance(x.cube, [0, 2], { keepDims: true }),
  'std(all)': (x) => std(x.f),
  'logSumExp(axis 1)': (x) => logSumExp(x.f, 1),
  'logSumExp(int32, keepDims)': (x) => logSumExp(x.n, 0, true),
  'any(float32)': (x) => any(x.f, 1),
  'all(bool)': (x) => all(x.b),
  'cumsum(bool)': (x) => cumsum(x.b, 1),
  'cumsum(axis 0, exclusive, reverse)': (x) => cumsum(x.f, 0, { exclusive: true, reverse: true }),
  'topk(last axis)': (x) => topk(x.f, 2),
  'topk(axis 0, smallest)': (x) => topk(x.f, 1, { axis: 0, largest: false }),
  'topk(bool)': (x) => topk(x.b, 1),
  'topk(k = 0)': (x) => topk(x.cube, 0, { axis: 1 }),
};

/** Calls that fail after tensor-core may have made a temporary (a cast of bool or int32, a permute). */
const FAILING_CASES: Record<string, (x: LeakInputs) => unknown> = {
  'sum(bool, axis 3)': (x) => sum(x.b, 3),
  'prod(bool, [0, 0])': (x) => prod(x.b, [0, 0]),
  'max(empty, 0)': (x) => max(x.empty, 0),
  'max(bool, 0.5)': (x) => max(x.b, 0.5),
  'argmax(bool, 5)': (x) => argmax(x.b, 5),
  'topk(bool, k 9)': (x) => topk(x.b, 9),
  'topk(bool, axis 4)': (x) => topk(x.b, 1, { axis: 4 }),
  'var(int32, correction -1)': (x) => variance(x.n, 0, { correction: -1 }),
  'var(int32, axis 7)': (x) => variance(x.n, 7),
  'logSumExp(int32, [0, 0])': (x) => logSumExp(x.n, [0, 0]),
  'mean(int32, 7)': (x) => mean(x.n, 7),
  'any(float32, 3)': (x) => any(x.f, 3),
  'cumsum(bool, 2)': (x) => cumsum(x.b, 2),
};
