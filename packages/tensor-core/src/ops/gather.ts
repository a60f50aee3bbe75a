/**
 * Indexing: `gather` (torch.gather on same-rank non-negative int32 indices; `{ axis }`) and
 * `scatterAdd` (`{ axis }`, indices and updates of one shape); numpy-style gather (take),
 * indexSelect, takeAlongAxis and oneHot are built on them.
 */
import type { DType } from '../dtype.js';
import { fromValues, runKernel } from '../engine.js';
import { defineOp, type AnyOpSpec } from '../op-spec.js';
import { zeros } from './creation.js';
import { onnxNodes } from './onnx-util.js';
import { TensorError, fmtShape } from '../errors.js';
import { checkOptions } from '../options.js';
import { checkValues } from '../checks.js';
import { normalizeAxis, shapesEqual, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { disposeAll, requireDtype, requireInt, requireTensor } from './util.js';
import { expand } from './expand.js';
import { reshape, unsqueeze } from './reshape.js';
import { slice } from './slice.js';
import { indexRangeCheck, normalizeIndices } from './movement-util.js';

function requireIndices(op: string, indices: unknown, what = 'indices'): asserts indices is Tensor {
  requireTensor(op, indices, what);
  requireDtype(op, indices, ['int32'], what);
}

function gatherAlong(op: string, x: Tensor, indices: Tensor, axis: number): Tensor {
  const a = normalizeAxis(axis, x.rank, op);
  const n = x.shape[a]!;
  const pre = x.shape.slice(0, a);
  const post = x.shape.slice(a + 1);
  const outShape = [...pre, ...indices.shape, ...post];
  const { t: idx, temp } = normalizeIndices(op, indices, n);
  const temps: Tensor[] = temp ? [idx] : [];
  try {
    // numpy take as torch.gather: x viewed as [P, n, Q], indices [M] expanded to [P, M, Q].
    const p = sizeOf(pre);
    const q = sizeOf(post);
    const m = indices.size;
    const x3 = reshape(x, [p, n, q]);
    temps.push(x3);
    const i3 = reshape(idx, [1, m, 1]);
    temps.push(i3);
    const iFull = expand(i3, [p, m, q]);
    temps.push(iFull);
    const out3 = gatherKernel(x3, iFull, 1);
    temps.push(out3);
    return reshape(out3, outShape);
  } finally {
    disposeAll(temps);
  }
}

function gatherKernel(x: Tensor, indices: Tensor, axis: number): Tensor {
  return runKernel(gatherSpec, [x, indices], { axis }, [{ shape: [...indices.shape], dtype: x.dtype }], (backend, [xi, ii], [out]) => {
    backend.gather(xi!, ii!, axis, out!);
  })[0]!;
}

/**
 * numpy `take` / ONNX `Gather`: picks entries of `x` along `axis` at `indices` (int32, any shape,
 * negative values count from the end). `out.shape = x.shape[:axis] + indices.shape +
 * x.shape[axis+1:]`.
 *
 * On backends without synchronous reads the range check is skipped (out-of-range indices then
 * read an unspecified element); negative indices are still normalised.
 *
 * @throws TensorError `DTYPE_MISMATCH` unless `indices` is int32; `INDEX_OUT_OF_RANGE` naming the
 *   first bad index; `AXIS_OUT_OF_RANGE`.
 * @example
 * ```ts
 * gather(tensor([[1, 2], [3, 4], [5, 6]]), tensor([2, -3], undefined, { dtype: 'int32' })); // [[5, 6], [1, 2]]
 * ```
 */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  requireTensor('gather', x);
  requireIndices('gather', indices);
  if (x.rank === 0) throw new TensorError('INVALID_ARGUMENT', 'gather', 'cannot gather from a scalar (rank 0) tensor');
  return gatherAlong('gather', x, indices, axis);
}

/**
 * PyTorch `index_select`: {@link gather} with a 1-D index; the result keeps `x`'s rank.
 *
 * @throws TensorError `SHAPE_MISMATCH` unless `index` is 1-D; otherwise as {@link gather}.
 * @example
 * ```ts
 * indexSelect(tensor([[1, 2], [3, 4]]), 1, tensor([1], undefined, { dtype: 'int32' })); // [[2], [4]]
 * ```
 */
export function indexSelect(x: Tensor, axis: number, index: Tensor): Tensor {
  requireTensor('indexSelect', x);
  requireIndices('indexSelect', index, 'index');
  if (index.rank !== 1) {
    throw new TensorError('SHAPE_MISMATCH', 'indexSelect', `index must be 1-D, got shape ${fmtShape(index.shape)}`);
  }
  if (x.rank === 0) throw new TensorError('INVALID_ARGUMENT', 'indexSelect', 'cannot select from a scalar (rank 0) tensor');
  return gatherAlong('indexSelect', x, index, axis);
}

function checkAlongAxis(op: string, x: Tensor, indices: Tensor, a: number, what: string): void {
  if (indices.rank !== x.rank) {
    throw new TensorError('SHAPE_MISMATCH', op, `${what} must have the rank of x: x.shape=${fmtShape(x.shape)}, ${what}.shape=${fmtShape(indices.shape)}`);
  }
  indices.shape.forEach((d, i) => {
    if (i !== a && d > x.shape[i]!) {
      throw new TensorError('SHAPE_MISMATCH', op, `${what}.shape=${fmtShape(indices.shape)} exceeds x.shape=${fmtShape(x.shape)} on axis ${i} (${d} > ${x.shape[i]!}); only axis ${a} may differ`);
    }
  });
}

/**
 * PyTorch `gather` (numpy `take_along_axis`): `out[i][j][k] = x[i][indices[i][j][k]][k]` for
 * `axis = 1`. `indices` is int32 with the rank of `x` and no larger than `x` on the other axes;
 * `out.shape = indices.shape`. Negative indices count from the end.
 *
 * @throws TensorError `DTYPE_MISMATCH`; `SHAPE_MISMATCH`; `INDEX_OUT_OF_RANGE` (synchronous
 *   backends; see {@link gather}); `AXIS_OUT_OF_RANGE`.
 * @example
 * ```ts
 * takeAlongAxis(tensor([[1, 2], [3, 4]]), tensor([[1], [0]], undefined, { dtype: 'int32' }), 1); // [[2], [3]]
 * ```
 */
export function takeAlongAxis(x: Tensor, indices: Tensor, axis: number): Tensor {
  requireTensor('takeAlongAxis', x);
  requireIndices('takeAlongAxis', indices);
  if (x.rank === 0) throw new TensorError('INVALID_ARGUMENT', 'takeAlongAxis', 'cannot gather from a scalar (rank 0) tensor');
  const a = normalizeAxis(axis, x.rank, 'takeAlongAxis');
  checkAlongAxis('takeAlongAxis', x, indices, a, 'indices');
  const { t: idx, temp } = normalizeIndices('takeAlongAxis', indices, x.shape[a]!);
  try {
    return gatherKernel(x, idx, a);
  } finally {
    if (temp) idx.dispose();
  }
}

/**
 * PyTorch `scatter_add`: a copy of `x` where, along `axis`, `updates[i][j][k]` is added into
 * `out[i][indices[i][j][k]][k]` (for `axis = 1`). `indices` is int32 with the rank of `x`, no
 * larger than `updates` on any axis nor than `x` off `axis`; only the part of `updates` that
 * `indices` covers is used. Repeated indices accumulate. Negative indices count from the end.
 *
 * @throws TensorError `DTYPE_MISMATCH` (int32 indices, `updates` of `x`'s dtype);
 *   `SHAPE_MISMATCH`; `INDEX_OUT_OF_RANGE` (synchronous backends); `AXIS_OUT_OF_RANGE`.
 * @example
 * ```ts
 * scatterAdd(zeros([3]), tensor([0, 2, 0], undefined, { dtype: 'int32' }), tensor([1, 2, 3]), 0); // [4, 0, 2]
 * ```
 */
export function scatterAdd(x: Tensor, indices: Tensor, updates: Tensor, axis: number): Tensor {
  requireTensor('scatterAdd', x);
  requireIndices('scatterAdd', indices);
  requireTensor('scatterAdd', updates, 'updates');
  if (updates.dtype !== x.dtype) {
    throw new TensorError('DTYPE_MISMATCH', 'scatterAdd', `updates has dtype ${updates.dtype}, x has ${x.dtype}; they must match`);
  }
  if (x.dtype === 'bool') throw new TensorError('DTYPE_MISMATCH', 'scatterAdd', 'x must be a numeric tensor, got dtype bool');
  if (x.rank === 0) throw new TensorError('INVALID_ARGUMENT', 'scatterAdd', 'cannot scatter into a scalar (rank 0) tensor');
  const a = normalizeAxis(axis, x.rank, 'scatterAdd');
  checkAlongAxis('scatterAdd', x, indices, a, 'indices');
  if (updates.rank !== indices.rank || indices.shape.some((d, i) => d > updates.shape[i]!)) {
    throw new TensorError('SHAPE_MISMATCH', 'scatterAdd', `updates.shape=${fmtShape(updates.shape)} must have the rank of indices and be at least indices.shape=${fmtShape(indices.shape)} on every axis`);
  }
  const { t: idx, temp } = normalizeIndices('scatterAdd', indices, x.shape[a]!);
  const temps: Tensor[] = temp ? [idx] : [];
  try {
    // The kernel sees updates shaped like indices.
    let u = updates;
    if (!shapesEqual(updates.shape, indices.shape)) {
      u = slice(updates, indices.shape.map(() => 0), [...indices.shape]);
      temps.push(u);
    }
    return runKernel(scatterAddSpec, [x, idx, u], { axis: a }, [{ shape: [...x.shape], dtype: x.dtype }], (backend, [xi, ii, ui], [out]) => {
      if (sizeOf(ii!.shape) === 0) backend.cast(xi!, out!); // nothing to add: a copy
      else backend.scatterAdd(xi!, ii!, ui!, a, out!);
    })[0]!;
  } finally {
    disposeAll(temps);
  }
}

/** Options of {@link oneHot}. */
export interface OneHotOptions {
  /** dtype of the result (default `int32`). */
  readonly dtype?: DType;
}

/**
 * One-hot encoding: `out[..., c] = indices[...] == c`, shape `indices.shape + [numClasses]`.
 *
 * @throws TensorError `DTYPE_MISMATCH` unless `indices` is int32; `INVALID_ARGUMENT` unless
 *   `numClasses` is a positive integer; `INDEX_OUT_OF_RANGE` for an index outside
 *   `[0, numClasses)` (checked on synchronous backends; elsewhere such rows are all zeros).
 * @example
 * ```ts
 * oneHot(tensor([0, 2], undefined, { dtype: 'int32' }), 3); // [[1, 0, 0], [0, 0, 1]]
 * ```
 */
export function oneHot(indices: Tensor, numClasses: number, options: OneHotOptions = {}): Tensor {
  checkOptions('oneHot', options, ['dtype']);
  requireIndices('oneHot', indices);
  requireInt('oneHot', 'numClasses', numClasses, 1);
  const dtype = options.dtype ?? 'int32';
  checkValues([indices], indexRangeCheck('oneHot', 0, numClasses, indices.shape));
  const classes = new Int32Array(numClasses);
  for (let c = 0; c < numClasses; c++) classes[c] = c;
  const temps: Tensor[] = [];
  try {
    const range = fromValues(classes, [numClasses], 'int32', indices.backend);
    temps.push(range);
    const column = unsqueeze(indices, -1);
    temps.push(column);
    const hot = column.equal(range);
    if (dtype === 'bool') return hot;
    temps.push(hot);
    return hot.cast(dtype);
  } finally {
    disposeAll(temps);
  }
}

// ---------------------------------------------------------------- op table

/** Attributes of `gather` and `scatterAdd`. */
export interface GatherAttrs {
  readonly axis: number;
}

/** PyTorch's gather (takeAlongAxis); numpy-style gather and indexSelect are built on it. */
const gatherSpec = defineOp<GatherAttrs>({
  name: 'gather',
  family: 'gather',
  summary: '`out[i][j] = x[indices[i][j]][j]` along `axis` (PyTorch\'s `gather`, same-rank int32 indices).',
  kind: 'kernel',
  backendKernel: 'gather',
  // Takes along an axis with an index of the input's rank: ONNX's GatherElements.
  onnx: onnxNodes(['GatherElements'], (ctx) => void ctx.graph.node('GatherElements', [ctx.inputs[0]!, ctx.inputs[1]!], ctx.outputs, { axis: ctx.attrs.axis })),
  gradient: {
    saves: { inputs: [1] },
    rule: (dy, { inputs, inputShapes: [shape], inputDtypes: [dtype], attrs: { axis } }) => [
      zeros(shape!, { dtype: dtype!, backend: dy.backend }).scatterAdd(inputs[1]!, dy, axis),
      undefined,
    ],
  },
});

const scatterAddSpec = defineOp<GatherAttrs>({
  name: 'scatterAdd',
  family: 'gather',
  summary: '`x` with `updates` added at `indices` along `axis` (PyTorch\'s `scatter_add`).',
  kind: 'kernel',
  backendKernel: 'scatterAdd',
  onnx: onnxNodes(['ScatterElements'], (ctx) => {
    if (ctx.opset < 16) ctx.unsupported(`ScatterElements with reduction='add' needs opset 16 or later (exporting opset ${ctx.opset})`);
    ctx.graph.node('ScatterElements', [ctx.inputs[0]!, ctx.inputs[1]!, ctx.inputs[2]!], ctx.outputs, { axis: ctx.attrs.axis, reduction: 'add' });
  }),
  gradient: {
    saves: (needs) => ({ inputs: needs[2] ? [1] : [] }),
    savesNote: 'indices (input 1) when the updates need a gradient',
    rule: (dy, { inputs, attrs: { axis }, needs }) => [dy, undefined, needs[2] ? takeAlongAxis(dy, inputs[1]!, axis) : undefined],
  },
});

/** @internal The gather family's entries of the op table. */
export const gatherSpecs: readonly AnyOpSpec[] = [gatherSpec, scatterAddSpec];
