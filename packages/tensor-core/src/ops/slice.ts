/** slice (observed as `slice` `{ begin, step }`, per axis, normalised), split and chunk. */
import { TensorError, fmtShape, safeJson } from '../errors.js';
import { normalizeAxes, normalizeAxis, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { disposeAll, requireInt, requireTensor } from './util.js';
import { requireIntList } from './movement-util.js';
import { runKernel, viewOf } from '../engine.js';
import { defineOp, type AnyOpSpec, type SavedOp } from '../op-spec.js';
import { pad } from './pad.js';
import { int64, onnxNodes } from './onnx-util.js';

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

function sliceKernel(x: Tensor, begin: number[], step: number[], shape: number[]): Tensor {
  if (shapesEqual(shape, x.shape) && step.every((s, i) => s === 1 || x.shape[i]! <= 1) && begin.every((b) => b === 0)) {
    return viewOf('reshape', x, shape, { shape });
  }
  // Normalise the attributes of axes of size <= 1 so the kernel always sees step 1 there.
  const st = step.map((s, i) => (shape[i]! <= 1 ? 1 : s));
  return runKernel(sliceSpec, [x], { begin, step: st }, [{ shape, dtype: x.dtype }], (backend, [xi], [out]) => {
    backend.slice(xi!, begin, st, out!);
  })[0]!;
}

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

// ---------------------------------------------------------------- op table

/** Attributes of `slice`: per axis, the first index and the step (normalised; the output shape gives the count). */
export interface SliceAttrs {
  readonly begin: readonly number[];
  readonly step: readonly number[];
}

/**
 * The adjoint of `slice(x, begin, step)`: zeros of `shape` with `dy[i]` at `begin + i·step`.
 * Negative steps are reversed first; a step `s > 1` interleaves `s − 1` zeros after each element
 * (a pad on a new axis, then a reshape); a final constant pad (negative amounts crop) puts the
 * result in place.
 */
function unslice(dy: Tensor, shape: readonly number[], begin: readonly number[], step: readonly number[]): Tensor {
  let g = dy;
  const start = [...begin];
  for (let axis = 0; axis < g.rank; axis++) {
    const m = g.shape[axis]!;
    let s = step[axis]!;
    if (m === 0) continue;
    if (s < 0) {
      g = slice(g, [-1], [-Infinity], [-1], [axis]);
      start[axis] = begin[axis]! + (m - 1) * s;
      s = -s;
    }
    if (s > 1) {
      const spread = g.unsqueeze(axis + 1);
      const pads = spread.shape.map((_, i) => (i === axis + 1 ? [0, s - 1] : [0, 0]) as [number, number]);
      const padded = pad(spread, pads);
      g = padded.reshape([...g.shape.slice(0, axis), m * s, ...g.shape.slice(axis + 1)]);
    }
  }
  if (g.size === 0) return pad(g, g.shape.map((d, i) => [0, shape[i]! - d] as [number, number]));
  return pad(g, shape.map((n, i) => [start[i]!, n - start[i]! - g.shape[i]!] as [number, number]));
}

const sliceSpec = defineOp<SliceAttrs>({
  name: 'slice',
  family: 'slice',
  summary: 'A strided window of `x` (`begin`, `step` per axis).',
  kind: 'kernel',
  backendKernel: 'slice',
  onnx: onnxNodes(['Slice'], (ctx) => {
    const { begin, step } = ctx.attrs;
    const inShape = ctx.inputShapes[0]!;
    const outShape = ctx.outputShapes[0]!;
    const axes: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    const steps: number[] = [];
    const FAR = 2 ** 53 - 1;
    begin.forEach((b, axis) => {
      const s = step[axis]!;
      const size = outShape[axis]!;
      if (ctx.outputDynamic[0]![axis]) {
        if (!(b === 0 && s === 1 && ctx.inputDynamic[0]![axis])) ctx.unsupported(`a slice of axis ${axis}, which follows a dynamic axis, that does not keep it whole`);
        axes.push(axis);
        starts.push(0);
        ends.push(FAR);
        steps.push(1);
        return;
      }
      if (b === 0 && s === 1 && size === inShape[axis]) return; // the whole axis
      const end = b + size * s;
      axes.push(axis);
      starts.push(b);
      // A negative step that runs past the first element needs an end before index 0, which a negative index cannot say.
      ends.push(end < 0 ? -FAR : end);
      steps.push(s);
    });
    if (axes.length === 0) {
      ctx.graph.node('Identity', [ctx.inputs[0]!], ctx.outputs);
      return;
    }
    ctx.graph.node('Slice', [ctx.inputs[0]!, int64(ctx, starts), int64(ctx, ends), int64(ctx, axes), int64(ctx, steps)], ctx.outputs);
  }),
  gradient: { saves: {}, rule: (dy, op: SavedOp<SliceAttrs>) => [unslice(dy, op.inputShapes[0]!, op.attrs.begin, op.attrs.step)] },
});

/** @internal The slice family's entries of the op table. */
export const sliceSpecs: readonly AnyOpSpec[] = [sliceSpec];
