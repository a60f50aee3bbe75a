/**
 * Movement ops: reshape and friends (free views), transpose, slice, concat, pad, gather and
 * scatter (copies through one kernel each), and composites built from them (split, flip, tile,
 * repeat, stack, oneHot).
 *
 * Observed op names (what autograd sees): `reshape` (a view; attrs `{ shape }`), `expand`
 * (`{ shape }`), `transpose` (`{ perm }`), `slice` (`{ begin, step }`, per axis, normalised),
 * `concat` (`{ axis }`), `pad` (`{ pads, mode, value }`), `gather` (torch.gather on same-rank
 * non-negative int32 indices; `{ axis }`), `scatterAdd` (`{ axis }`, indices and updates of one
 * shape). Every other function here is a composite of those (oneHot uses `equal` and `cast`).
 */
import type { PadMode } from '../backend.js';
import type { DType } from '../dtype.js';
import { fromValues, runKernel, tidy, viewOf } from '../engine.js';
import { TensorError, fmtShape, safeJson } from '../errors.js';
import { checkOptions, optionKeys } from '../options.js';
import { checkValues, type ValueCheck } from '../checks.js';
import { broadcastShapes, normalizeAxes, normalizeAxis, shapesEqual, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { disposeAll, requireDtype, requireInt, requireTensor, scalarTensor } from './util.js';

// ------------------------------------------------------------------------------------- helpers


function requireIntList(op: string, name: string, values: readonly number[], min = -Infinity): void {
  if (!Array.isArray(values)) {
    throw new TensorError('INVALID_ARGUMENT', op, `${name} must be an array of integers, got ${safeJson(values)}`);
  }
  for (const v of values) {
    if (!Number.isInteger(v) || v < min) {
      throw new TensorError(
        'INVALID_ARGUMENT',
        op,
        `${name} must hold integers${min > -Infinity ? ` >= ${min}` : ''}, got ${safeJson(values)}`,
      );
    }
  }
}

/** Whether the host can read `t` now (sync backends), for value checks on indices. */
function canReadSync(t: Tensor): boolean {
  return t.backend.capabilities.syncRead && t.backend.readSync !== undefined;
}

/**
 * Normalises negative indices (`i < 0` → `i + n`) and checks the range `[-n, n)`. On backends
 * that read synchronously the values are checked on the host (`INDEX_OUT_OF_RANGE` names the
 * first bad index); on asynchronous backends the check is skipped (a read would stall the
 * pipeline) and negatives are normalised with `mod`. Returns the tensor to use and whether it is
 * a temporary.
 */
function normalizeIndices(op: string, indices: Tensor, n: number): { t: Tensor; temp: boolean } {
  if (indices.size === 0) return { t: indices, temp: false };
  if (n === 0) {
    throw new TensorError('INDEX_OUT_OF_RANGE', op, `the indexed axis has size 0, so every index is out of range (indices shape ${fmtShape(indices.shape)})`);
  }
  if (canReadSync(indices)) {
    const values = indices.dataSync() as Int32Array;
    const negative = checkIndexRange(op, values, -n, n, indices.shape);
    if (!negative) return { t: indices, temp: false };
    const fixed = new Int32Array(values.length);
    for (let i = 0; i < values.length; i++) fixed[i] = values[i]! < 0 ? values[i]! + n : values[i]!;
    return { t: fromValues(fixed, indices.shape, 'int32', indices.backend), temp: true };
  }
  // Asynchronous backends: the range is checked on the device and reported at the next read;
  // Python-style mod maps [-n, n) onto [0, n).
  checkValues([indices], indexRangeCheck(op, -n, n, indices.shape));
  return { t: indices.mod(n), temp: true };
}

/**
 * Throws `INDEX_OUT_OF_RANGE` for the first value outside `[low, high)`; returns whether any
 * value is negative. The same message on every backend (the device check re-runs it).
 */
function checkIndexRange(op: string, values: ArrayLike<number>, low: number, high: number, shape: readonly number[]): boolean {
  let negative = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < low || v >= high) {
      const what = op === 'oneHot' ? `${high} classes` : `an axis of size ${high}`;
      throw new TensorError('INDEX_OUT_OF_RANGE', op, `index ${v} is out of range for ${what} (valid: ${low} to ${high - 1}); at flat position ${i} of indices shape ${fmtShape(shape)}`);
    }
    if (v < 0) negative = true;
  }
  return negative;
}

/** {@link checkIndexRange} as a value check that also runs on the device. */
function indexRangeCheck(op: string, low: number, high: number, shape: readonly number[]): ValueCheck {
  return {
    op,
    code: 'INDEX_OUT_OF_RANGE',
    host: ([values]) => void checkIndexRange(op, values!, low, high, shape),
    device: ([t]) => tidy(() => t!.less(low).logicalOr(t!.greaterEqual(high))),
  };
}

/** Resolves a shape with at most one -1 against `size` elements. */
function inferShape(op: string, shape: readonly number[], size: number, inputShape: readonly number[]): number[] {
  if (!Array.isArray(shape)) {
    throw new TensorError('INVALID_ARGUMENT', op, `shape must be an array of integers, got ${safeJson(shape)}`);
  }
  let unknown = -1;
  let known = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (d === -1) {
      if (unknown >= 0) throw new TensorError('INVALID_ARGUMENT', op, `only one dimension can be -1, got shape ${fmtShape(shape)}`);
      unknown = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new TensorError('INVALID_ARGUMENT', op, `shape must hold non-negative integers (or one -1), got ${fmtShape(shape)}`);
    } else {
      known *= d;
    }
  }
  const out = [...shape];
  if (unknown >= 0) {
    if (known === 0 || size % known !== 0) {
      throw new TensorError('SHAPE_MISMATCH', op, `cannot reshape a tensor of shape ${fmtShape(inputShape)} (${size} elements) into ${fmtShape(shape)}`);
    }
    out[unknown] = size / known;
  } else if (known !== size) {
    throw new TensorError('SHAPE_MISMATCH', op, `cannot reshape a tensor of shape ${fmtShape(inputShape)} (${size} elements) into ${fmtShape(shape)} (${known} elements)`);
  }
  return out;
}

// ------------------------------------------------------------------------------------- views

/**
 * A view of `x` with another shape and the same elements in row-major order (free: no copy).
 * One dimension may be `-1`; it is inferred.
 *
 * @throws TensorError `SHAPE_MISMATCH` when the element counts differ; `INVALID_ARGUMENT` for two
 *   `-1`s or a negative dimension.
 * @example
 * ```ts
 * reshape(arange(6), [2, -1]).shape; // [2, 3]
 * ```
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  requireTensor('reshape', x);
  const out = inferShape('reshape', shape, x.size, x.shape);
  return viewOf('reshape', x, out, { shape: out });
}

/**
 * Flattens axes `startDim..endDim` (inclusive) into one. A scalar becomes shape `[1]`.
 *
 * @throws TensorError `AXIS_OUT_OF_RANGE`; `INVALID_ARGUMENT` when `startDim > endDim`.
 * @example
 * ```ts
 * flatten(zeros([2, 3, 4]), 1).shape; // [2, 12]
 * ```
 */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  requireTensor('flatten', x);
  if (x.rank === 0) {
    normalizeAxis(startDim, 1, 'flatten');
    normalizeAxis(endDim, 1, 'flatten');
    return viewOf('reshape', x, [1], { shape: [1] });
  }
  const start = normalizeAxis(startDim, x.rank, 'flatten');
  const end = normalizeAxis(endDim, x.rank, 'flatten');
  if (start > end) {
    throw new TensorError('INVALID_ARGUMENT', 'flatten', `startDim (${startDim}) must not come after endDim (${endDim}) for rank ${x.rank}`);
  }
  const shape = [...x.shape.slice(0, start), sizeOf(x.shape.slice(start, end + 1)), ...x.shape.slice(end + 1)];
  return viewOf('reshape', x, shape, { shape });
}

/**
 * Removes size-1 axes: all of them, or those in `axes`. As in PyTorch, a listed axis whose size
 * is not 1 is left in place.
 *
 * @throws TensorError `AXIS_OUT_OF_RANGE`.
 * @example
 * ```ts
 * squeeze(zeros([1, 3, 1])).shape; // [3]
 * squeeze(zeros([1, 3, 1]), 0).shape; // [3, 1]
 * ```
 */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  requireTensor('squeeze', x);
  const drop = new Set(axes === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes(axes, x.rank, 'squeeze'));
  const shape = x.shape.filter((d, i) => !(drop.has(i) && d === 1));
  return viewOf('reshape', x, shape, { shape });
}

/**
 * Inserts a size-1 axis at `axis` (in `[-rank-1, rank]`).
 *
 * @throws TensorError `AXIS_OUT_OF_RANGE`.
 * @example
 * ```ts
 * unsqueeze(zeros([3]), 0).shape; // [1, 3]
 * unsqueeze(zeros([3]), -1).shape; // [3, 1]
 * ```
 */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  requireTensor('unsqueeze', x);
  const a = normalizeAxis(axis, x.rank + 1, 'unsqueeze');
  const shape = [...x.shape.slice(0, a), 1, ...x.shape.slice(a)];
  return viewOf('reshape', x, shape, { shape });
}

// ------------------------------------------------------------------------------------- expand

function expandTo(x: Tensor, shape: number[]): Tensor {
  if (shapesEqual(shape, x.shape)) return viewOf('reshape', x, shape, { shape });
  // Materialise the broadcast with `where(true, x, x)`: the one kernel that broadcasts any dtype.
  const condition = scalarTensor(true, 'bool', x.backend);
  try {
    return runKernel('expand', [x], { shape }, [{ shape, dtype: x.dtype }], (backend, [xi], [out]) => {
      const c = { handle: condition.storage.handle, shape: condition.shape, dtype: condition.dtype };
      backend.where(c, xi!, xi!, out!);
    })[0]!;
  } finally {
    condition.dispose();
  }
}

/**
 * Broadcasts `x` to `shape` (PyTorch `expand`): size-1 axes repeat, new axes are prepended, and
 * `-1` keeps the existing size. The result is a copy (storage is always contiguous).
 *
 * @throws TensorError `SHAPE_MISMATCH` when an axis of size > 1 would change or the target has
 *   fewer axes; `INVALID_ARGUMENT` for a `-1` on a new leading axis.
 * @example
 * ```ts
 * expand(tensor([[1], [2]]), [-1, 3]); // [[1, 1, 1], [2, 2, 2]]
 * ```
 */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  requireTensor('expand', x);
  if (!Array.isArray(shape)) throw new TensorError('INVALID_ARGUMENT', 'expand', `shape must be an array, got ${safeJson(shape)}`);
  if (shape.length < x.rank) {
    throw new TensorError('SHAPE_MISMATCH', 'expand', `target shape ${fmtShape(shape)} has fewer axes than the input shape ${fmtShape(x.shape)}`);
  }
  const offset = shape.length - x.rank;
  const out = shape.map((d, i) => {
    const current = i >= offset ? x.shape[i - offset]! : undefined;
    if (d === -1) {
      if (current === undefined) {
        throw new TensorError('INVALID_ARGUMENT', 'expand', `-1 is not allowed for a new leading axis (axis ${i} of ${fmtShape(shape)})`);
      }
      return current;
    }
    if (!Number.isInteger(d) || d < 0) {
      throw new TensorError('INVALID_ARGUMENT', 'expand', `shape must hold non-negative integers or -1, got ${fmtShape(shape)}`);
    }
    if (current !== undefined && current !== d && current !== 1) {
      throw new TensorError('SHAPE_MISMATCH', 'expand', `cannot expand shape ${fmtShape(x.shape)} to ${fmtShape(shape)} (axis ${i}: ${current} vs ${d})`);
    }
    return d;
  });
  return expandTo(x, out);
}

/**
 * numpy `broadcast_to`: broadcasts `x` to exactly `shape` (a copy).
 *
 * @throws TensorError `SHAPE_MISMATCH` when `x` does not broadcast to `shape`.
 * @example
 * ```ts
 * broadcastTo(tensor([1, 2]), [2, 2]); // [[1, 2], [1, 2]]
 * ```
 */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  requireTensor('broadcastTo', x);
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new TensorError('INVALID_ARGUMENT', 'broadcastTo', `shape must be a list of non-negative integers, got ${safeJson(shape)}`);
  }
  const b = broadcastShapes(x.shape, shape, 'broadcastTo');
  if (!shapesEqual(b, shape)) {
    throw new TensorError('SHAPE_MISMATCH', 'broadcastTo', `cannot broadcast shape ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  }
  return expandTo(x, [...shape]);
}

// ------------------------------------------------------------------------------------- transpose

function transposeKernel(x: Tensor, perm: number[]): Tensor {
  if (perm.every((p, i) => p === i)) return viewOf('reshape', x, x.shape, { shape: [...x.shape] });
  const shape = perm.map((p) => x.shape[p]!);
  // A permutation that moves only size-1 axes keeps the row-major order: a free view.
  const moved = perm.filter((p) => x.shape[p] !== 1);
  if (moved.every((p, i) => i === 0 || p > moved[i - 1]!)) return viewOf('reshape', x, shape, { shape });
  return runKernel('transpose', [x], { perm }, [{ shape, dtype: x.dtype }], (backend, [xi], [out]) => {
    backend.transpose(xi!, perm, out!);
  })[0]!;
}

/**
 * Transposes `x`. With no axes it reverses all of them (numpy `.T`); with two it swaps them
 * (PyTorch `transpose`). Copies unless only size-1 axes move.
 *
 * @throws TensorError `AXIS_OUT_OF_RANGE`; `INVALID_ARGUMENT` when only one axis is given.
 * @example
 * ```ts
 * transpose(zeros([2, 3, 4])).shape; // [4, 3, 2]
 * transpose(zeros([2, 3, 4]), 0, 2).shape; // [4, 3, 2]
 * ```
 */
export function transpose(x: Tensor, dim0?: number, dim1?: number): Tensor {
  requireTensor('transpose', x);
  if ((dim0 === undefined) !== (dim1 === undefined)) {
    throw new TensorError('INVALID_ARGUMENT', 'transpose', `give both axes to swap or none to reverse all, got dim0=${String(dim0)}, dim1=${String(dim1)}`);
  }
  const perm = Array.from({ length: x.rank }, (_, i) => i);
  if (dim0 === undefined || dim1 === undefined) {
    perm.reverse();
  } else {
    const a = normalizeAxis(dim0, x.rank, 'transpose');
    const b = normalizeAxis(dim1, x.rank, 'transpose');
    perm[a] = b;
    perm[b] = a;
  }
  return transposeKernel(x, perm);
}

/**
 * Reorders the axes of `x`: `out.shape[i] = x.shape[dims[i]]`. Negative axes count from the end.
 *
 * @throws TensorError `INVALID_ARGUMENT` unless `dims` is a permutation of the axes;
 *   `AXIS_OUT_OF_RANGE`.
 * @example
 * ```ts
 * permute(zeros([2, 3, 4]), [2, 0, 1]).shape; // [4, 2, 3]
 * ```
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  requireTensor('permute', x);
  if (!Array.isArray(dims) || dims.length !== x.rank) {
    throw new TensorError('INVALID_ARGUMENT', 'permute', `dims must list each of the ${x.rank} axes once, got ${safeJson(dims)} for shape ${fmtShape(x.shape)}`);
  }
  const perm = dims.map((d) => normalizeAxis(d, x.rank, 'permute'));
  if (new Set(perm).size !== perm.length) {
    throw new TensorError('INVALID_ARGUMENT', 'permute', `dims must be a permutation of the axes, got ${fmtShape(dims)} (repeated axis)`);
  }
  return transposeKernel(x, perm);
}

// ------------------------------------------------------------------------------------- slice

/** Python slice normalisation of one axis; returns the begin, step and size. */
function sliceAxis(n: number, start: number, end: number | undefined, step: number): { begin: number; size: number } {
  if (step > 0) {
    let b = start < 0 ? start + n : start;
    b = Math.min(Math.max(b, 0), n);
    let e = end === undefined ? n : end < 0 ? end + n : end;
    e = Math.min(Math.max(e, 0), n);
    const size = Math.max(0, Math.ceil((e - b) / step));
    return { begin: size > 0 ? b : 0, size };
  }
  let b = start < 0 ? start + n : start;
  b = Math.min(Math.max(b, -1), n - 1);
  let e = end === undefined ? -1 : end < 0 ? end + n : end;
  e = Math.min(Math.max(e, -1), n - 1);
  const size = Math.max(0, Math.ceil((b - e) / -step));
  return { begin: size > 0 ? b : 0, size };
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && (Number.isInteger(v) || v === Infinity || v === -Infinity);
}

/**
 * Slices `x` like Python / ONNX `Slice`: along each axis in `axes` (default `0..starts.length-1`)
 * it takes `start, start+step, ...` up to but excluding `end`. Negative starts and ends count
 * from the end and out-of-range values clamp (so `Infinity` or a huge number means "to the end").
 * `ends` defaults to the end of the axis in the step direction; `steps` default to 1 and may be
 * negative, never zero. Axes not named are kept whole.
 *
 * @throws TensorError `INVALID_ARGUMENT` for mismatched list lengths, non-integers or a zero
 *   step; `AXIS_OUT_OF_RANGE`.
 * @example
 * ```ts
 * slice(tensor([0, 1, 2, 3, 4]), [1], [-1]); // [1, 2, 3]
 * slice(tensor([0, 1, 2, 3, 4]), [-1], undefined, [-2]); // [4, 2, 0]
 * ```
 */
export function slice(
  x: Tensor,
  starts: readonly number[],
  ends?: readonly number[],
  steps?: readonly number[],
  axes?: readonly number[],
): Tensor {
  requireTensor('slice', x);
  if (!Array.isArray(starts) || !starts.every(isIndex)) {
    throw new TensorError('INVALID_ARGUMENT', 'slice', `starts must be an array of integers, got ${safeJson(starts)}`);
  }
  const k = starts.length;
  for (const [name, list] of [['ends', ends], ['steps', steps], ['axes', axes]] as const) {
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length !== k) {
      throw new TensorError('INVALID_ARGUMENT', 'slice', `${name} must have one entry per start (${k}), got ${safeJson(list)}`);
    }
    if (!list.every(name === 'ends' ? isIndex : Number.isInteger)) {
      throw new TensorError('INVALID_ARGUMENT', 'slice', `${name} must hold integers, got ${safeJson(list)}`);
    }
  }
  if (axes === undefined && k > x.rank) {
    throw new TensorError('INVALID_ARGUMENT', 'slice', `${k} starts given for a tensor of rank ${x.rank} (shape ${fmtShape(x.shape)})`);
  }
  const axisList = axes === undefined ? starts.map((_, i) => i) : axes.map((a) => normalizeAxis(a, x.rank, 'slice'));
  if (new Set(axisList).size !== axisList.length) {
    throw new TensorError('INVALID_ARGUMENT', 'slice', `axes must not repeat, got ${safeJson(axes)}`);
  }
  const begin = new Array<number>(x.rank).fill(0);
  const step = new Array<number>(x.rank).fill(1);
  const shape = [...x.shape];
  for (let i = 0; i < k; i++) {
    const axis = axisList[i]!;
    const s = steps?.[i] ?? 1;
    if (s === 0) throw new TensorError('INVALID_ARGUMENT', 'slice', `step must not be zero (axis ${axis})`);
    const r = sliceAxis(x.shape[axis]!, starts[i]!, ends?.[i], s);
    begin[axis] = r.begin;
    step[axis] = s;
    shape[axis] = r.size;
  }
  return sliceKernel(x, begin, step, shape);
}

function sliceKernel(x: Tensor, begin: number[], step: number[], shape: number[]): Tensor {
  if (shapesEqual(shape, x.shape) && step.every((s, i) => s === 1 || x.shape[i]! <= 1) && begin.every((b) => b === 0)) {
    return viewOf('reshape', x, shape, { shape });
  }
  // Normalise the attributes of axes of size <= 1 so the kernel always sees step 1 there.
  const st = step.map((s, i) => (shape[i]! <= 1 ? 1 : s));
  return runKernel('slice', [x], { begin, step: st }, [{ shape, dtype: x.dtype }], (backend, [xi], [out]) => {
    backend.slice(xi!, begin, st, out!);
  })[0]!;
}

/**
 * Splits `x` along `axis` (PyTorch `split`): a number is the size of each chunk (the last may be
 * smaller); an array lists the sizes, which must sum to the axis size.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a non-positive chunk size or sizes that do not sum
 *   to the axis; `AXIS_OUT_OF_RANGE`.
 * @example
 * ```ts
 * split(arange(5), 2).map((t) => t.shape); // [[2], [2], [1]]
 * split(arange(5), [1, 4]).map((t) => t.shape); // [[1], [4]]
 * ```
 */
export function split(x: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] {
  requireTensor('split', x);
  if (x.rank === 0) throw new TensorError('INVALID_ARGUMENT', 'split', 'cannot split a scalar (rank 0) tensor');
  const a = normalizeAxis(axis, x.rank, 'split');
  const n = x.shape[a]!;
  let list: number[];
  if (typeof sizes === 'number') {
    requireInt('split', 'split size', sizes, 1);
    list = [];
    for (let s = 0; s < n; s += sizes) list.push(Math.min(sizes, n - s));
    if (list.length === 0) list.push(0);
  } else {
    requireIntList('split', 'sizes', sizes, 0);
    const total = sizes.reduce((p, q) => p + q, 0);
    if (total !== n) {
      throw new TensorError('INVALID_ARGUMENT', 'split', `sizes ${fmtShape(sizes)} sum to ${total}, but axis ${a} has size ${n} (shape ${fmtShape(x.shape)})`);
    }
    list = [...sizes];
  }
  const out: Tensor[] = [];
  let offset = 0;
  try {
    for (const size of list) {
      out.push(slice(x, [offset], [offset + size], [1], [a]));
      offset += size;
    }
  } catch (e) {
    disposeAll(out);
    throw e;
  }
  return out;
}

/**
 * Splits `x` into `chunks` pieces of `ceil(size / chunks)` along `axis` (PyTorch `chunk`; there
 * may be fewer pieces than asked).
 *
 * @throws TensorError `INVALID_ARGUMENT` unless `chunks` is a positive integer; `AXIS_OUT_OF_RANGE`.
 * @example
 * ```ts
 * chunk(arange(5), 3).map((t) => t.shape); // [[2], [2], [1]]
 * ```
 */
export function chunk(x: Tensor, chunks: number, axis = 0): Tensor[] {
  requireTensor('chunk', x);
  requireInt('chunk', 'chunks', chunks, 1);
  if (x.rank === 0) throw new TensorError('INVALID_ARGUMENT', 'chunk', 'cannot chunk a scalar (rank 0) tensor');
  const a = normalizeAxis(axis, x.rank, 'chunk');
  const n = x.shape[a]!;
  return split(x, Math.max(1, Math.ceil(n / chunks)), a);
}

// ------------------------------------------------------------------------------------- concat

/**
 * Joins tensors along an existing axis. All must share rank, dtype and every other dimension.
 *
 * @throws TensorError `INVALID_ARGUMENT` for an empty list or scalars; `SHAPE_MISMATCH`;
 *   `DTYPE_MISMATCH`; `AXIS_OUT_OF_RANGE`.
 * @example
 * ```ts
 * concat([tensor([[1, 2]]), tensor([[3, 4]])], 0); // [[1, 2], [3, 4]]
 * ```
 */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new TensorError('INVALID_ARGUMENT', 'concat', 'needs a non-empty array of tensors');
  }
  tensors.forEach((t, i) => requireTensor('concat', t, `tensors[${i}]`));
  const first = tensors[0]!;
  if (first.rank === 0) throw new TensorError('INVALID_ARGUMENT', 'concat', 'scalars (rank 0) cannot be concatenated; use stack');
  const a = normalizeAxis(axis, first.rank, 'concat');
  const shape = [...first.shape];
  shape[a] = 0;
  tensors.forEach((t, i) => {
    if (t.dtype !== first.dtype) {
      throw new TensorError('DTYPE_MISMATCH', 'concat', `tensors[${i}] has dtype ${t.dtype}, tensors[0] has ${first.dtype}; cast first`);
    }
    if (t.rank !== first.rank || t.shape.some((d: number, j: number) => j !== a && d !== first.shape[j])) {
      throw new TensorError('SHAPE_MISMATCH', 'concat', `tensors[${i}] has shape ${fmtShape(t.shape)}, tensors[0] has ${fmtShape(first.shape)}; all axes but ${a} must match`);
    }
    shape[a] += t.shape[a]!;
  });
  return runKernel('concat', tensors, { axis: a }, [{ shape, dtype: first.dtype }], (backend, ins, [out]) => {
    // Kernels never see empty inputs.
    backend.concat(ins.filter((t) => sizeOf(t.shape) > 0), a, out!);
  })[0]!;
}

/**
 * Joins tensors of one shape along a new axis (in `[-rank-1, rank]`).
 *
 * @throws TensorError as {@link concat}; `SHAPE_MISMATCH` when shapes differ.
 * @example
 * ```ts
 * stack([tensor([1, 2]), tensor([3, 4])], 1); // [[1, 3], [2, 4]]
 * ```
 */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new TensorError('INVALID_ARGUMENT', 'stack', 'needs a non-empty array of tensors');
  }
  tensors.forEach((t, i) => requireTensor('stack', t, `tensors[${i}]`));
  const first = tensors[0]!;
  tensors.forEach((t, i) => {
    if (!shapesEqual(t.shape, first.shape)) {
      throw new TensorError('SHAPE_MISMATCH', 'stack', `tensors[${i}] has shape ${fmtShape(t.shape)}, tensors[0] has ${fmtShape(first.shape)}; stack needs equal shapes`);
    }
    if (t.dtype !== first.dtype) {
      throw new TensorError('DTYPE_MISMATCH', 'stack', `tensors[${i}] has dtype ${t.dtype}, tensors[0] has ${first.dtype}; cast first`);
    }
  });
  const a = normalizeAxis(axis, first.rank + 1, 'stack');
  const views = tensors.map((t) => unsqueeze(t, a));
  try {
    return concat(views, a);
  } finally {
    disposeAll(views);
  }
}

// ------------------------------------------------------------------------------------- pad

/** Options of {@link pad}. */
export interface PadOptions {
  /** `constant` (default) fills with `value`; `reflect` mirrors without the edge; `replicate` repeats the edge. */
  readonly mode?: PadMode;
  /** Fill value of `constant` mode (default 0). */
  readonly value?: number;
}

/**
 * Pads `x` with `pads[i] = [before, after]` elements on axis `i` (one pair per axis). In
 * `constant` mode negative amounts crop. `reflect` needs `before, after <= size - 1` and
 * `replicate` a non-empty axis wherever it pads.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a wrong number of pairs, non-integers, negative
 *   amounts outside constant mode, an unknown mode, or reflect/replicate amounts too large.
 * @example
 * ```ts
 * pad(tensor([1, 2, 3]), [[1, 2]]); // [0, 1, 2, 3, 0, 0]
 * pad(tensor([1, 2, 3]), [[2, 1]], { mode: 'reflect' }); // [3, 2, 1, 2, 3, 2]
 * ```
 */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], options: PadOptions = {}): Tensor {
  checkOptions('pad', options, optionKeys<PadOptions>({ mode: true, value: true }));
  requireTensor('pad', x);
  const mode = options.mode ?? 'constant';
  const value = options.value ?? 0;
  if (mode !== 'constant' && mode !== 'reflect' && mode !== 'replicate') {
    throw new TensorError('INVALID_ARGUMENT', 'pad', `mode must be 'constant', 'reflect' or 'replicate', got ${safeJson(mode)}`);
  }
  if (typeof value !== 'number') throw new TensorError('INVALID_ARGUMENT', 'pad', `value must be a number, got ${typeof value}`);
  if (!Array.isArray(pads) || pads.length !== x.rank) {
    throw new TensorError('INVALID_ARGUMENT', 'pad', `pads must hold one [before, after] pair per axis (${x.rank} for shape ${fmtShape(x.shape)}), got ${safeJson(pads)}`);
  }
  for (const p of pads) {
    if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => Number.isInteger(v))) {
      throw new TensorError('INVALID_ARGUMENT', 'pad', `each pad must be an integer pair [before, after], got ${safeJson(pads)}`);
    }
  }
  const negative = pads.some(([b, a]) => b < 0 || a < 0);
  if (negative && mode !== 'constant') {
    throw new TensorError('INVALID_ARGUMENT', 'pad', `negative pads are only allowed in constant mode, got ${safeJson(pads)} with mode '${mode}'`);
  }
  pads.forEach(([b, a], i) => {
    const n = x.shape[i]!;
    if (mode === 'reflect' && (b > n - 1 || a > n - 1)) {
      throw new TensorError('INVALID_ARGUMENT', 'pad', `reflect padding of axis ${i} must be at most size - 1 = ${n - 1}, got [${b}, ${a}] (shape ${fmtShape(x.shape)})`);
    }
    if (mode === 'replicate' && n === 0 && (b > 0 || a > 0)) {
      throw new TensorError('INVALID_ARGUMENT', 'pad', `replicate padding of axis ${i} needs a non-empty axis (shape ${fmtShape(x.shape)})`);
    }
    if (-b - a > n) {
      throw new TensorError('INVALID_ARGUMENT', 'pad', `negative pads [${b}, ${a}] remove more than the ${n} elements of axis ${i}`);
    }
  });
  let input = x;
  if (negative) {
    input = slice(x, pads.map(([b]) => Math.max(0, -b)), pads.map(([, a], i) => x.shape[i]! - Math.max(0, -a)), undefined, pads.map((_, i) => i));
  }
  const positive = pads.map(([b, a]) => [Math.max(0, b), Math.max(0, a)] as [number, number]);
  if (positive.every(([b, a]) => b === 0 && a === 0)) {
    return input === x ? viewOf('reshape', x, x.shape, { shape: [...x.shape] }) : input;
  }
  try {
    const shape = input.shape.map((d, i) => d + positive[i]![0] + positive[i]![1]);
    return runKernel('pad', [input], { pads: positive, mode, value }, [{ shape, dtype: input.dtype }], (backend, [xi], [out]) => {
      // Kernels never see an empty input: constant padding of nothing is a fill.
      if (sizeOf(xi!.shape) === 0) backend.fill(out!, value);
      else backend.pad(xi!, positive, mode, value, out!);
    })[0]!;
  } finally {
    if (input !== x) input.dispose();
  }
}

// ------------------------------------------------------------------------------------- composites

/**
 * Reverses the order of elements along `axes`.
 *
 * @throws TensorError `AXIS_OUT_OF_RANGE`; `INVALID_ARGUMENT` for a repeated axis.
 * @example
 * ```ts
 * flip(tensor([[1, 2], [3, 4]]), 1); // [[2, 1], [4, 3]]
 * ```
 */
export function flip(x: Tensor, axes: number | readonly number[]): Tensor {
  requireTensor('flip', x);
  const list = normalizeAxes(axes, x.rank, 'flip');
  const begin = new Array<number>(x.rank).fill(0);
  const step = new Array<number>(x.rank).fill(1);
  for (const a of list) {
    begin[a] = Math.max(0, x.shape[a]! - 1);
    step[a] = -1;
  }
  return sliceKernel(x, begin, step, [...x.shape]);
}

/**
 * numpy `tile`: repeats the whole of `x` `reps[i]` times along axis `i`. When `reps` is shorter
 * than the rank, it is padded with leading 1s; when longer, `x` gains leading axes.
 *
 * @throws TensorError `INVALID_ARGUMENT` unless `reps` holds non-negative integers.
 * @example
 * ```ts
 * tile(tensor([1, 2]), [2]); // [1, 2, 1, 2]
 * tile(tensor([1, 2]), [2, 1]); // [[1, 2], [1, 2]]
 * ```
 */
export function tile(x: Tensor, reps: readonly number[]): Tensor {
  requireTensor('tile', x);
  requireIntList('tile', 'reps', reps, 0);
  const rank = Math.max(x.rank, reps.length);
  const shape = [...new Array<number>(rank - x.rank).fill(1), ...x.shape];
  const r = [...new Array<number>(rank - reps.length).fill(1), ...reps];
  // [d0, d1] → [1, d0, 1, d1] → expand to [r0, d0, r1, d1] → [r0*d0, r1*d1].
  const interleaved = shape.flatMap((d) => [1, d]);
  const target = shape.flatMap((d, i) => [r[i]!, d]);
  const view = reshape(x, interleaved);
  try {
    const expanded = expand(view, target);
    try {
      return reshape(expanded, shape.map((d, i) => d * r[i]!));
    } finally {
      expanded.dispose();
    }
  } finally {
    view.dispose();
  }
}

/**
 * numpy `repeat` (PyTorch `repeat_interleave`): repeats each element `repeats` times along
 * `axis`; without an axis, `x` is flattened first.
 *
 * @throws TensorError `INVALID_ARGUMENT` unless `repeats` is a non-negative integer;
 *   `AXIS_OUT_OF_RANGE`.
 * @example
 * ```ts
 * repeat(tensor([1, 2]), 2); // [1, 1, 2, 2]
 * repeat(tensor([[1, 2], [3, 4]]), 2, 1); // [[1, 1, 2, 2], [3, 3, 4, 4]]
 * ```
 */
export function repeat(x: Tensor, repeats: number, axis?: number): Tensor {
  requireTensor('repeat', x);
  requireInt('repeat', 'repeats', repeats, 0);
  if (axis === undefined) {
    const flat = reshape(x, [x.size]);
    try {
      return repeat(flat, repeats, 0);
    } finally {
      flat.dispose();
    }
  }
  const a = normalizeAxis(axis, x.rank, 'repeat');
  const inserted = [...x.shape.slice(0, a + 1), 1, ...x.shape.slice(a + 1)];
  const target = [...x.shape.slice(0, a + 1), repeats, ...x.shape.slice(a + 1)];
  const view = reshape(x, inserted);
  try {
    const expanded = expand(view, target);
    try {
      const shape = [...x.shape];
      shape[a] = shape[a]! * repeats;
      return reshape(expanded, shape);
    } finally {
      expanded.dispose();
    }
  } finally {
    view.dispose();
  }
}

// ------------------------------------------------------------------------------------- indexing

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
  return runKernel('gather', [x, indices], { axis }, [{ shape: [...indices.shape], dtype: x.dtype }], (backend, [xi, ii], [out]) => {
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
    return runKernel('scatterAdd', [x, idx, u], { axis: a }, [{ shape: [...x.shape], dtype: x.dtype }], (backend, [xi, ii, ui], [out]) => {
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
