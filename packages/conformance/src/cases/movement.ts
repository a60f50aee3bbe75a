/**
 * Conformance cases: movement ops (views, transpose, slice, concat, pad, gather/scatter and the
 * composites built on them). Expected values are literal, written from the numpy / PyTorch
 * definitions. Every case runs inside a leak check: each tensor a case creates goes through
 * `use`, is disposed at the end, and the live tensor count must return to where it started, so
 * an op that leaks an internal temporary (also on its error paths) fails here.
 */
import { expect } from 'vitest';
import {
  arange,
  broadcastTo,
  chunk,
  concat,
  expand,
  flatten,
  flip,
  gather,
  indexSelect,
  oneHot,
  pad,
  permute,
  repeat,
  reshape,
  scalar,
  scatterAdd,
  setBackend,
  slice,
  split,
  squeeze,
  stack,
  takeAlongAxis,
  tensor,
  tile,
  transpose,
  unsqueeze,
  zeros,
  type Backend,
  type Tensor,
} from '@tessera/tensor-core';
import { expectTensor, expectTensorError, leakFree } from '../helpers.js';
import type { ConformanceContext } from '../index.js';



const int = (values: Parameters<typeof tensor>[0], shape?: readonly number[]): Tensor => tensor(values, shape, { dtype: 'int32' });
/** 0, 1, 2, ... as float32 of `shape`. */
const iota = (shape: readonly number[]): Tensor => {
  const flat = arange(shape.reduce((a, b) => a * b, 1), undefined, 1, { dtype: 'float32' });
  const out = reshape(flat, shape);
  flat.dispose();
  return out;
};

/** The backend without synchronous reads: index value checks are skipped there. */
function asyncOnly(backend: Backend): Backend {
  return Object.create(backend, {
    name: { value: `${backend.name}-async-reads` },
    capabilities: { value: { ...backend.capabilities, syncRead: false } },
    readSync: { value: undefined },
  }) as Backend;
}

/** Conformance cases: movement. */
/** Index values are checked only where the backend reads synchronously, so those error cases run only there. */
export function movementCases(ctx: ConformanceContext): void {
  // ---------------------------------------------------------------- views
  leakFree('reshape: infers one -1, keeps row-major order, scalars and empties', async (use) => {
    const x = use(iota([2, 3]));
    await expectTensor(use(reshape(x, [3, -1])), [[0, 1], [2, 3], [4, 5]]);
    await expectTensor(use(x.reshape([6])), [0, 1, 2, 3, 4, 5]);
    await expectTensor(use(reshape(use(scalar(7)), [1, 1])), [[7]]);
    await expectTensor(use(reshape(use(tensor([5])), [])), 5);
    await expectTensor(use(reshape(use(zeros([2, 0])), [0, 5])), [], { shape: [0, 5] });
    await expectTensor(use(reshape(use(int([1, 2, 3, 4])), [2, 2])), [[1, 2], [3, 4]], { dtype: 'int32' });
    await expectTensor(use(reshape(use(tensor([true, false])), [2, 1])), [[true], [false]], { dtype: 'bool' });
  });
  leakFree('reshape: errors', (use) => {
    const x = use(iota([2, 3]));
    expectTensorError(() => reshape(x, [4, 2]), 'SHAPE_MISMATCH', /reshape: .*\[2,3\].*\[4,2\]/);
    expectTensorError(() => reshape(x, [-1, -1]), 'INVALID_ARGUMENT', /only one dimension can be -1/);
    expectTensorError(() => reshape(x, [4, -1]), 'SHAPE_MISMATCH', /\[4,-1\]/);
    expectTensorError(() => reshape(x, [2, -3]), 'INVALID_ARGUMENT', /non-negative/);
    expectTensorError(() => reshape(x, [1.5, 4]), 'INVALID_ARGUMENT');
    expectTensorError(() => reshape(use(zeros([0, 3])), [0, -1]), 'SHAPE_MISMATCH');
  });
  leakFree('flatten, squeeze, unsqueeze', async (use) => {
    const x = use(zeros([2, 3, 4]));
    expect(use(flatten(x)).shape).toEqual([24]);
    expect(use(flatten(x, 1)).shape).toEqual([2, 12]);
    expect(use(flatten(x, 0, 1)).shape).toEqual([6, 4]);
    expect(use(flatten(x, -2, -1)).shape).toEqual([2, 12]);
    expect(use(x.flatten(1, 1)).shape).toEqual([2, 3, 4]);
    expect(use(flatten(use(scalar(3)))).shape).toEqual([1]);
    const y = use(zeros([1, 3, 1, 2]));
    expect(use(squeeze(y)).shape).toEqual([3, 2]);
    expect(use(squeeze(y, 0)).shape).toEqual([3, 1, 2]);
    expect(use(squeeze(y, [0, -2])).shape).toEqual([3, 2]);
    expect(use(squeeze(y, 1)).shape).toEqual([1, 3, 1, 2]); // PyTorch: a non-1 axis is left in place
    expect(use(squeeze(use(scalar(1)))).shape).toEqual([]);
    expect(use(unsqueeze(use(zeros([3])), 0)).shape).toEqual([1, 3]);
    expect(use(unsqueeze(use(zeros([3])), 1)).shape).toEqual([3, 1]);
    expect(use(unsqueeze(use(zeros([3])), -1)).shape).toEqual([3, 1]);
    expect(use(unsqueeze(use(zeros([3])), -2)).shape).toEqual([1, 3]);
    await expectTensor(use(unsqueeze(use(scalar(2)), 0)), [2]);
    await expectTensor(use(squeeze(use(tensor([[1], [2]])), 1)), [1, 2]);
    expectTensorError(() => flatten(x, 2, 1), 'INVALID_ARGUMENT', /flatten: startDim/);
    expectTensorError(() => flatten(x, 3), 'AXIS_OUT_OF_RANGE', /flatten: axis 3/);
    expectTensorError(() => squeeze(y, 4), 'AXIS_OUT_OF_RANGE', /squeeze/);
    expectTensorError(() => squeeze(y, [0, 0]), 'INVALID_ARGUMENT', /repeated/);
    expectTensorError(() => unsqueeze(use(zeros([3])), 2), 'AXIS_OUT_OF_RANGE', /unsqueeze/);
    expectTensorError(() => unsqueeze(use(zeros([3])), -3), 'AXIS_OUT_OF_RANGE');
  });

  // ---------------------------------------------------------------- expand
  leakFree('expand and broadcastTo materialise broadcasts of every dtype', async (use) => {
    await expectTensor(use(expand(use(tensor([[1], [2]])), [-1, 3])), [[1, 1, 1], [2, 2, 2]]);
    await expectTensor(use(expand(use(tensor([1, 2])), [2, 2])), [[1, 2], [1, 2]]);
    await expectTensor(use(expand(use(scalar(4)), [2, 1])), [[4], [4]]);
    await expectTensor(use(expand(use(int([[7]])), [2, 1, 3])), [[[7, 7, 7]], [[7, 7, 7]]], { dtype: 'int32' });
    await expectTensor(use(expand(use(tensor([true, false])), [2, 2])), [[true, false], [true, false]], { dtype: 'bool' });
    await expectTensor(use(expand(use(zeros([1, 3])), [0, 3])), [], { shape: [0, 3] });
    await expectTensor(use(expand(use(tensor([1, 2])), [2])), [1, 2]);
    await expectTensor(use(broadcastTo(use(tensor([[1], [2]])), [2, 2])), [[1, 1], [2, 2]]);
    await expectTensor(use(use(tensor([3])).broadcastTo([1, 2])), [[3, 3]]);
    // The result of a transpose feeds an expand.
    const t = use(transpose(use(tensor([[1, 2]]))));
    await expectTensor(use(expand(t, [2, 2])), [[1, 1], [2, 2]]);
    const x = use(tensor([[1, 2, 3]]));
    expectTensorError(() => expand(x, [2, 2]), 'SHAPE_MISMATCH', /expand: .*\[1,3\].*\[2,2\]/);
    expectTensorError(() => expand(x, [3]), 'SHAPE_MISMATCH', /fewer axes/);
    expectTensorError(() => expand(x, [-1, 1, 3]), 'INVALID_ARGUMENT', /-1/);
    expectTensorError(() => broadcastTo(x, [2, 2]), 'SHAPE_MISMATCH', /broadcastTo/);
    expectTensorError(() => broadcastTo(x, [3]), 'SHAPE_MISMATCH', /broadcastTo/);
    expectTensorError(() => broadcastTo(x, [-1, 3]), 'INVALID_ARGUMENT');
  });

  // ---------------------------------------------------------------- transpose / permute
  leakFree('transpose and permute', async (use) => {
    const x = use(iota([2, 3]));
    await expectTensor(use(transpose(x)), [[0, 3], [1, 4], [2, 5]]);
    await expectTensor(use(x.T), [[0, 3], [1, 4], [2, 5]]);
    const y = use(iota([2, 3, 4]));
    const t = use(transpose(y));
    expect(t.shape).toEqual([4, 3, 2]);
    await expectTensor(use(slice(t, [1, 2], [2, 3])), [[[9, 21]]]);
    await expectTensor(use(slice(use(transpose(y, 0, 2)), [0, 0, 0], [2, 1, 2])), [[[0, 12]], [[1, 13]]]);
    const p = use(permute(y, [1, -1, 0]));
    expect(p.shape).toEqual([3, 4, 2]);
    await expectTensor(use(reshape(p, [24])), [0, 12, 1, 13, 2, 14, 3, 15, 4, 16, 5, 17, 6, 18, 7, 19, 8, 20, 9, 21, 10, 22, 11, 23]);
    await expectTensor(use(transpose(use(int([[1, 2]])), 0, 1)), [[1], [2]], { dtype: 'int32' });
    await expectTensor(use(transpose(use(tensor([[true, false]])))), [[true], [false]], { dtype: 'bool' });
    await expectTensor(use(transpose(use(tensor([1, 2])))), [1, 2]);
    await expectTensor(use(transpose(use(scalar(5)))), 5);
    await expectTensor(use(transpose(use(zeros([0, 2])))), [], { shape: [2, 0] });
    // Moving only size-1 axes keeps the order.
    await expectTensor(use(permute(use(tensor([[[1, 2, 3]]])), [0, 2, 1])), [[[1], [2], [3]]]);
    // Transposes compose.
    await expectTensor(use(transpose(use(transpose(x)))), [[0, 1, 2], [3, 4, 5]]);
    expectTensorError(() => transpose(y, 0), 'INVALID_ARGUMENT', /transpose/);
    expectTensorError(() => transpose(y, 0, 3), 'AXIS_OUT_OF_RANGE', /transpose: axis 3/);
    expectTensorError(() => permute(y, [0, 1]), 'INVALID_ARGUMENT', /permute/);
    expectTensorError(() => permute(y, [0, 1, 1]), 'INVALID_ARGUMENT', /permutation/);
    expectTensorError(() => permute(y, [0, 1, 3]), 'AXIS_OUT_OF_RANGE');
  });

  // ---------------------------------------------------------------- slice
  leakFree('slice: Python semantics (negatives, clamping, steps, axes)', async (use) => {
    const v = use(iota([5]));
    await expectTensor(use(slice(v, [1], [-1])), [1, 2, 3]);
    await expectTensor(use(slice(v, [-2])), [3, 4]);
    await expectTensor(use(slice(v, [-100], [100])), [0, 1, 2, 3, 4]);
    await expectTensor(use(slice(v, [0], [Infinity], [2])), [0, 2, 4]);
    await expectTensor(use(slice(v, [1], [4], [2])), [1, 3]);
    await expectTensor(use(slice(v, [-1], undefined, [-1])), [4, 3, 2, 1, 0]);
    await expectTensor(use(slice(v, [-1], undefined, [-2])), [4, 2, 0]);
    await expectTensor(use(slice(v, [3], [0], [-1])), [3, 2, 1]);
    await expectTensor(use(slice(v, [10], [-10], [-2])), [4, 2, 0]);
    await expectTensor(use(slice(v, [3], [1])), [], { shape: [0] });
    await expectTensor(use(slice(v, [1], [3], [-1])), [], { shape: [0] });
    await expectTensor(use(slice(v, [5])), [], { shape: [0] });
    const m = use(iota([3, 4]));
    await expectTensor(use(slice(m, [1])), [[4, 5, 6, 7], [8, 9, 10, 11]]);
    await expectTensor(use(slice(m, [1], [3], [1], [1])), [[1, 2], [5, 6], [9, 10]]);
    await expectTensor(use(slice(m, [0, -1], [2, 0], [1, -2])), [[3, 1], [7, 5]]);
    await expectTensor(use(m.slice([2, 1], [3, 4], [1, 2], [-1, 0])), [[6]]);
    await expectTensor(use(slice(m, [], [])), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]);
    await expectTensor(use(slice(use(int([1, 2, 3])), [1])), [2, 3], { dtype: 'int32' });
    await expectTensor(use(slice(use(tensor([true, false, true])), [0], [3], [2])), [true, true], { dtype: 'bool' });
    // A slice of a transpose.
    await expectTensor(use(slice(use(transpose(m)), [1, 0], [3, 2])), [[1, 5], [2, 6]]);
    expectTensorError(() => slice(v, [0], [1], [0]), 'INVALID_ARGUMENT', /step must not be zero/);
    expectTensorError(() => slice(v, [0, 0]), 'INVALID_ARGUMENT', /2 starts given for a tensor of rank 1/);
    expectTensorError(() => slice(v, [0], [1, 2]), 'INVALID_ARGUMENT', /ends must have one entry per start/);
    expectTensorError(() => slice(m, [0], [1], [1], [2]), 'AXIS_OUT_OF_RANGE', /slice/);
    expectTensorError(() => slice(m, [0, 0], [1, 1], [1, 1], [0, -2]), 'INVALID_ARGUMENT', /repeat/);
    expectTensorError(() => slice(v, [0.5]), 'INVALID_ARGUMENT', /starts/);
  });

  // ---------------------------------------------------------------- split / chunk
  leakFree('split and chunk', async (use) => {
    const v = use(iota([5]));
    const parts = use(split(v, 2));
    expect(parts.map((t) => t.shape[0]!)).toEqual([2, 2, 1]);
    await expectTensor(parts[2]!, [4]);
    const listed = use(split(v, [1, 0, 4]));
    await expectTensor(listed[0]!, [0]);
    await expectTensor(listed[1]!, [], { shape: [0] });
    await expectTensor(listed[2]!, [1, 2, 3, 4]);
    const m = use(iota([2, 3]));
    const cols = use(m.split(1, -1));
    expect(cols.length).toEqual(3);
    await expectTensor(cols[1]!, [[1], [4]]);
    const c = use(chunk(v, 3));
    expect(c.map((t) => t.shape[0]!)).toEqual([2, 2, 1]);
    const c2 = use(chunk(use(iota([6])), 4)); // ceil(6/4)=2 → 3 chunks (PyTorch)
    expect(c2.map((t) => t.shape[0]!)).toEqual([2, 2, 2]);
    const c3 = use(m.chunk(2, 1));
    await expectTensor(c3[0]!, [[0, 1], [3, 4]]);
    await expectTensor(c3[1]!, [[2], [5]]);
    expect(use(split(v, 10)).length).toEqual(1);
    expectTensorError(() => split(v, [2, 2]), 'INVALID_ARGUMENT', /split: sizes \[2,2\] sum to 4, but axis 0 has size 5/);
    expectTensorError(() => split(v, 0), 'INVALID_ARGUMENT', /split size/);
    expectTensorError(() => split(v, [6, -1]), 'INVALID_ARGUMENT');
    expectTensorError(() => split(v, 1, 1), 'AXIS_OUT_OF_RANGE');
    expectTensorError(() => split(use(scalar(1)), 1), 'INVALID_ARGUMENT', /scalar/);
    expectTensorError(() => chunk(v, 0), 'INVALID_ARGUMENT', /chunks/);
  });

  // ---------------------------------------------------------------- concat / stack
  leakFree('concat and stack', async (use) => {
    const a = use(tensor([[1, 2]]));
    const b = use(tensor([[3, 4], [5, 6]]));
    await expectTensor(use(concat([a, b])), [[1, 2], [3, 4], [5, 6]]);
    await expectTensor(use(concat([use(transpose(a)), use(transpose(b))], 1)), [[1, 3, 5], [2, 4, 6]]);
    await expectTensor(use(concat([a, use(zeros([0, 2])), a], -2)), [[1, 2], [1, 2]]);
    await expectTensor(use(concat([use(zeros([0, 2]))])), [], { shape: [0, 2] });
    await expectTensor(use(concat([a])), [[1, 2]]);
    await expectTensor(use(concat([use(int([1])), use(int([2, 3]))])), [1, 2, 3], { dtype: 'int32' });
    await expectTensor(use(concat([use(tensor([true])), use(tensor([false]))])), [true, false], { dtype: 'bool' });
    await expectTensor(use(stack([use(tensor([1, 2])), use(tensor([3, 4]))])), [[1, 2], [3, 4]]);
    await expectTensor(use(stack([use(tensor([1, 2])), use(tensor([3, 4]))], 1)), [[1, 3], [2, 4]]);
    await expectTensor(use(stack([use(tensor([1, 2])), use(tensor([3, 4]))], -1)), [[1, 3], [2, 4]]);
    await expectTensor(use(stack([use(scalar(1)), use(scalar(2))])), [1, 2]);
    expectTensorError(() => concat([]), 'INVALID_ARGUMENT', /concat: needs a non-empty array/);
    expectTensorError(() => concat([a, use(tensor([1, 2]))]), 'SHAPE_MISMATCH', /concat: tensors\[1\] has shape \[2\]/);
    expectTensorError(() => concat([a, use(tensor([[1, 2, 3]]))]), 'SHAPE_MISMATCH', /\[1,3\]/);
    expectTensorError(() => concat([a, use(int([[1, 2]]))]), 'DTYPE_MISMATCH', /int32/);
    expectTensorError(() => concat([a, b], 2), 'AXIS_OUT_OF_RANGE');
    expectTensorError(() => concat([use(scalar(1))]), 'INVALID_ARGUMENT', /scalar/);
    expectTensorError(() => stack([]), 'INVALID_ARGUMENT', /stack/);
    expectTensorError(() => stack([a, b]), 'SHAPE_MISMATCH', /stack: tensors\[1\]/);
    expectTensorError(() => stack([a, use(int([[1, 2]]))]), 'DTYPE_MISMATCH');
    expectTensorError(() => stack([a], 3), 'AXIS_OUT_OF_RANGE');
  });

  // ---------------------------------------------------------------- pad
  leakFree('pad: constant, reflect, replicate, negative crops', async (use) => {
    const v = use(tensor([1, 2, 3]));
    await expectTensor(use(pad(v, [[1, 2]])), [0, 1, 2, 3, 0, 0]);
    await expectTensor(use(pad(v, [[1, 0]], { value: -1.5 })), [-1.5, 1, 2, 3]);
    await expectTensor(use(pad(v, [[2, 1]], { mode: 'reflect' })), [3, 2, 1, 2, 3, 2]);
    await expectTensor(use(pad(v, [[2, 2]], { mode: 'replicate' })), [1, 1, 1, 2, 3, 3, 3]);
    await expectTensor(use(pad(v, [[-1, 1]])), [2, 3, 0]);
    await expectTensor(use(pad(v, [[0, -2]])), [1]);
    await expectTensor(use(pad(v, [[0, 0]])), [1, 2, 3]);
    const m = use(tensor([[1, 2], [3, 4]]));
    await expectTensor(use(pad(m, [[1, 0], [0, 1]], { value: 9 })), [[9, 9, 9], [1, 2, 9], [3, 4, 9]]);
    await expectTensor(use(m.pad([[1, 1], [1, 1]], { mode: 'reflect' })), [[4, 3, 4, 3], [2, 1, 2, 1], [4, 3, 4, 3], [2, 1, 2, 1]]);
    await expectTensor(use(pad(m, [[0, 1], [1, 0]], { mode: 'replicate' })), [[1, 1, 2], [3, 3, 4], [3, 3, 4]]);
    await expectTensor(use(pad(use(transpose(m)), [[0, 0], [1, 0]])), [[0, 1, 3], [0, 2, 4]]);
    await expectTensor(use(pad(use(int([5])), [[1, 1]], { value: 7 })), [7, 5, 7], { dtype: 'int32' });
    await expectTensor(use(pad(use(tensor([true])), [[1, 0]])), [false, true], { dtype: 'bool' });
    await expectTensor(use(pad(use(zeros([0])), [[1, 2]], { value: 3 })), [3, 3, 3]);
    await expectTensor(use(pad(use(scalar(4)), [])), 4);
    await expectTensor(use(pad(v, [[1, 0]], { value: -Infinity })), [-Infinity, 1, 2, 3]);
    expectTensorError(() => pad(m, [[1, 1]]), 'INVALID_ARGUMENT', /pad: pads must hold one \[before, after\] pair per axis \(2/);
    expectTensorError(() => pad(v, [[3, 0]], { mode: 'reflect' }), 'INVALID_ARGUMENT', /reflect padding of axis 0 must be at most size - 1 = 2/);
    expectTensorError(() => pad(v, [[-1, 0]], { mode: 'replicate' }), 'INVALID_ARGUMENT', /negative pads/);
    expectTensorError(() => pad(use(zeros([0])), [[1, 0]], { mode: 'replicate' }), 'INVALID_ARGUMENT', /non-empty/);
    expectTensorError(() => pad(v, [[-2, -2]]), 'INVALID_ARGUMENT', /remove more/);
    expectTensorError(() => pad(v, [[0.5, 0]]), 'INVALID_ARGUMENT', /integer pair/);
    expectTensorError(() => pad(v, [[0, 0]], { mode: 'circular' as 'constant' }), 'INVALID_ARGUMENT', /mode/);
  });

  // ---------------------------------------------------------------- flip / tile / repeat
  leakFree('flip, tile, repeat', async (use) => {
    const m = use(tensor([[1, 2, 3], [4, 5, 6]]));
    await expectTensor(use(flip(m, 1)), [[3, 2, 1], [6, 5, 4]]);
    await expectTensor(use(flip(m, [0, 1])), [[6, 5, 4], [3, 2, 1]]);
    await expectTensor(use(m.flip(-2)), [[4, 5, 6], [1, 2, 3]]);
    await expectTensor(use(flip(use(zeros([0, 2])), 0)), [], { shape: [0, 2] });
    await expectTensor(use(flip(use(int([1, 2])), 0)), [2, 1], { dtype: 'int32' });
    await expectTensor(use(flip(use(transpose(m)), 0)), [[3, 6], [2, 5], [1, 4]]);
    await expectTensor(use(tile(use(tensor([1, 2])), [2])), [1, 2, 1, 2]);
    await expectTensor(use(tile(use(tensor([1, 2])), [2, 1])), [[1, 2], [1, 2]]);
    await expectTensor(use(tile(use(tensor([[1, 2], [3, 4]])), [2])), [[1, 2, 1, 2], [3, 4, 3, 4]]);
    await expectTensor(use(tile(use(tensor([[1], [2]])), [1, 3])), [[1, 1, 1], [2, 2, 2]]);
    await expectTensor(use(tile(use(tensor([1, 2])), [0])), [], { shape: [0] });
    await expectTensor(use(tile(use(scalar(3)), [2])), [3, 3]);
    await expectTensor(use(tile(use(tensor([true, false])), [2])), [true, false, true, false], { dtype: 'bool' });
    await expectTensor(use(repeat(use(tensor([1, 2])), 2)), [1, 1, 2, 2]);
    await expectTensor(use(repeat(use(tensor([[1, 2], [3, 4]])), 2)), [1, 1, 2, 2, 3, 3, 4, 4]);
    await expectTensor(use(repeat(use(tensor([[1, 2], [3, 4]])), 2, 1)), [[1, 1, 2, 2], [3, 3, 4, 4]]);
    await expectTensor(use(m.repeat(2, 0)), [[1, 2, 3], [1, 2, 3], [4, 5, 6], [4, 5, 6]]);
    await expectTensor(use(repeat(use(int([7])), 0)), [], { shape: [0] });
    await expectTensor(use(repeat(use(scalar(5)), 3)), [5, 5, 5]);
    expectTensorError(() => flip(m, 2), 'AXIS_OUT_OF_RANGE', /flip/);
    expectTensorError(() => flip(m, [0, 0]), 'INVALID_ARGUMENT', /repeated/);
    expectTensorError(() => tile(m, [-1]), 'INVALID_ARGUMENT', /tile: reps/);
    expectTensorError(() => tile(m, [1.5]), 'INVALID_ARGUMENT');
    expectTensorError(() => repeat(m, -1), 'INVALID_ARGUMENT', /repeat: repeats/);
    expectTensorError(() => repeat(m, 2, 2), 'AXIS_OUT_OF_RANGE', /repeat/);
  });

  // ---------------------------------------------------------------- gather family
  leakFree('gather (numpy take): any index shape, negative indices, axes', async (use) => {
    const m = use(tensor([[1, 2], [3, 4], [5, 6]]));
    await expectTensor(use(gather(m, use(int([2, -3])))), [[5, 6], [1, 2]]);
    await expectTensor(use(gather(m, use(int([[0, 1], [1, 1]])), 0)), [[[1, 2], [3, 4]], [[3, 4], [3, 4]]]);
    await expectTensor(use(m.gather(use(int([1, 0, 1])), 1)), [[2, 1, 2], [4, 3, 4], [6, 5, 6]]);
    await expectTensor(use(gather(m, use(int([[-1]])), -1)), [[[2]], [[4]], [[6]]]);
    await expectTensor(use(gather(m, use(int(1)), 0)), [3, 4]);
    await expectTensor(use(gather(m, use(int([], [0])))), [], { shape: [0, 2] });
    await expectTensor(use(gather(use(int([10, 20, 30])), use(int([2, 2])))), [30, 30], { dtype: 'int32' });
    await expectTensor(use(gather(use(tensor([true, false])), use(int([1, 0])))), [false, true], { dtype: 'bool' });
    await expectTensor(use(gather(use(transpose(m)), use(int([2])), 1)), [[5], [6]]);
    if (ctx.backend().capabilities.syncRead) expectTensorError(() => gather(m, use(int([3]))), 'INDEX_OUT_OF_RANGE', /gather: index 3 is out of range for an axis of size 3/);
    if (ctx.backend().capabilities.syncRead) expectTensorError(() => gather(m, use(int([0, -4]))), 'INDEX_OUT_OF_RANGE', /index -4/);
    expectTensorError(() => gather(m, use(tensor([0]))), 'DTYPE_MISMATCH', /int32/);
    expectTensorError(() => gather(m, use(int([0])), 2), 'AXIS_OUT_OF_RANGE');
    if (ctx.backend().capabilities.syncRead) expectTensorError(() => gather(use(zeros([0, 2])), use(int([0]))), 'INDEX_OUT_OF_RANGE', /size 0/);
    expectTensorError(() => gather(use(scalar(1)), use(int([0]))), 'INVALID_ARGUMENT', /scalar/);
  });
  leakFree('indexSelect and takeAlongAxis (torch.gather)', async (use) => {
    const m = use(tensor([[1, 2], [3, 4]]));
    await expectTensor(use(indexSelect(m, 1, use(int([1])))), [[2], [4]]);
    await expectTensor(use(m.indexSelect(0, use(int([1, 1, 0])))), [[3, 4], [3, 4], [1, 2]]);
    await expectTensor(use(takeAlongAxis(m, use(int([[1], [0]])), 1)), [[2], [3]]);
    await expectTensor(use(takeAlongAxis(m, use(int([[1, 0, 0], [0, 0, -1]])), 1)), [[2, 1, 1], [3, 3, 4]]);
    await expectTensor(use(m.takeAlongAxis(use(int([[1, 0]])), 0)), [[3, 2]]);
    await expectTensor(use(takeAlongAxis(m, use(int([], [2, 0])), 1)), [], { shape: [2, 0] });
    expectTensorError(() => indexSelect(m, 0, use(int([[0]]))), 'SHAPE_MISMATCH', /indexSelect: index must be 1-D/);
    if (ctx.backend().capabilities.syncRead) expectTensorError(() => indexSelect(m, 0, use(int([2]))), 'INDEX_OUT_OF_RANGE', /indexSelect: index 2/);
    expectTensorError(() => indexSelect(m, 0, use(tensor([0]))), 'DTYPE_MISMATCH');
    expectTensorError(() => takeAlongAxis(m, use(int([0, 1])), 1), 'SHAPE_MISMATCH', /rank/);
    expectTensorError(() => takeAlongAxis(m, use(int([[0], [0], [0]])), 1), 'SHAPE_MISMATCH', /axis 0/);
    if (ctx.backend().capabilities.syncRead) expectTensorError(() => takeAlongAxis(m, use(int([[5]])), 1), 'INDEX_OUT_OF_RANGE', /takeAlongAxis: index 5/);
    expectTensorError(() => takeAlongAxis(m, use(int([[0]])), 2), 'AXIS_OUT_OF_RANGE');
  });
  leakFree('scatterAdd (torch.scatter_add)', async (use) => {
    await expectTensor(use(scatterAdd(use(zeros([3])), use(int([0, 2, 0])), use(tensor([1, 2, 3])), 0)), [4, 0, 2]);
    const x = use(tensor([[1, 1, 1], [2, 2, 2]]));
    const idx = use(int([[2, 0], [1, 1]]));
    const upd = use(tensor([[10, 20, 99], [30, 40, 99]])); // larger than indices: the extra column is unused
    await expectTensor(use(scatterAdd(x, idx, upd, 1)), [[21, 1, 11], [2, 72, 2]]);
    await expectTensor(use(x.scatterAdd(use(int([[1, 0, -1]])), use(tensor([[5, 6, 7]])), 0)), [[1, 7, 1], [7, 2, 9]]);
    await expectTensor(use(scatterAdd(use(int([0, 0])), use(int([1, 1])), use(int([3, 4])), 0)), [0, 7], { dtype: 'int32' });
    await expectTensor(use(scatterAdd(x, use(int([], [2, 0])), use(zeros([2, 0])), 1)), [[1, 1, 1], [2, 2, 2]]);
    expectTensorError(() => scatterAdd(x, idx, use(int([[1, 2], [3, 4]])), 1), 'DTYPE_MISMATCH', /updates has dtype int32/);
    expectTensorError(() => scatterAdd(x, use(tensor([[0]])), use(tensor([[1]])), 1), 'DTYPE_MISMATCH', /int32/);
    expectTensorError(() => scatterAdd(x, idx, use(tensor([[1], [2]])), 1), 'SHAPE_MISMATCH', /updates.shape=\[2,1\]/);
    expectTensorError(() => scatterAdd(x, use(int([0])), use(tensor([1])), 1), 'SHAPE_MISMATCH', /rank/);
    if (ctx.backend().capabilities.syncRead) expectTensorError(() => scatterAdd(x, use(int([[3]])), use(tensor([[1]])), 1), 'INDEX_OUT_OF_RANGE', /scatterAdd: index 3/);
    expectTensorError(() => scatterAdd(x, idx, upd, 2), 'AXIS_OUT_OF_RANGE');
    expectTensorError(() => scatterAdd(use(tensor([true])), use(int([0])), use(tensor([true])), 0), 'DTYPE_MISMATCH', /bool/);
  });
  leakFree('oneHot', async (use) => {
    await expectTensor(use(oneHot(use(int([0, 2])), 3)), [[1, 0, 0], [0, 0, 1]], { dtype: 'int32' });
    await expectTensor(use(use(int([[1], [0]])).oneHot(2, { dtype: 'float32' })), [[[0, 1]], [[1, 0]]], { dtype: 'float32' });
    await expectTensor(use(oneHot(use(int(1)), 2, { dtype: 'bool' })), [false, true], { dtype: 'bool' });
    await expectTensor(use(oneHot(use(int([], [0])), 4)), [], { shape: [0, 4] });
    if (ctx.backend().capabilities.syncRead) expectTensorError(() => oneHot(use(int([3])), 3), 'INDEX_OUT_OF_RANGE', /oneHot: index 3 is out of range for 3 classes/);
    if (ctx.backend().capabilities.syncRead) expectTensorError(() => oneHot(use(int([-1])), 3), 'INDEX_OUT_OF_RANGE', /index -1/);
    expectTensorError(() => oneHot(use(tensor([0])), 3), 'DTYPE_MISMATCH');
    expectTensorError(() => oneHot(use(int([0])), 0), 'INVALID_ARGUMENT', /numClasses/);
  });
  leakFree('gather on a backend without synchronous reads still normalises negative indices', async (use) => {
    const original = ctx.backend();
    await setBackend(asyncOnly(original));
    try {
      const m = use(tensor([[1, 2], [3, 4], [5, 6]]));
      await expectTensor(use(gather(m, use(int([-1, 0])))), [[5, 6], [1, 2]]);
      await expectTensor(use(takeAlongAxis(m, use(int([[-1], [0], [-2]])), 1)), [[2], [3], [5]]);
      await expectTensor(use(scatterAdd(use(zeros([2])), use(int([-1, -1])), use(tensor([1, 2])), 0)), [0, 3]);
    } finally {
      await setBackend(original);
    }
  });
  leakFree('disposed inputs are refused', (use) => {
    const x = use(tensor([1, 2]));
    const gone = tensor([1, 2]);
    gone.dispose();
    expectTensorError(() => reshape(gone, [2]), 'TENSOR_DISPOSED', /reshape/);
    expectTensorError(() => concat([x, gone]), 'TENSOR_DISPOSED', /concat/);
    expectTensorError(() => gather(x, gone), 'TENSOR_DISPOSED');
  });
}
