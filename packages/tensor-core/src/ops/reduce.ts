/**
 * Reductions over any axes (`keepDims` as numpy), `cumsum` and `topk`. tensor-core moves the
 * reduced axes innermost before it calls a backend's `reduce` kernel, so kernels only ever
 * reduce the last `reduceSize` contiguous elements.
 */
import type { ReduceOp } from '../backend.js';
import { isFloat, type DType } from '../dtype.js';
import { runKernel, runOp, assertLive, unobserved } from '../engine.js';
import { defineOp, type AnyOpSpec, type GradRule, type OnnxMapping, type OpSpec, type SavedOp } from '../op-spec.js';
import { int64, onnxDataType, onnxNodes, reshapeTarget } from './onnx-util.js';
import { checkValues } from '../checks.js';
import { TensorError, fmtShape } from '../errors.js';
import { checkOptions, optionKeys } from '../options.js';
import { normalizeAxes, normalizeAxis, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { zeros } from './creation.js';
import { broadcastTo } from './expand.js';
import { cast, where, isFinite as isFiniteOp, log, exp, sqrt } from './elementwise.js';
import { permute } from './transpose.js';
import { reshape } from './reshape.js';
import { disposeAll, requireInt, withTemps } from './util.js';

/** Axes to reduce: one, several, or all (undefined). */
export type Axes = number | readonly number[] | undefined;

function reduceOp(op: ReduceOp, name: string, x: Tensor, axes: Axes, keepDims: boolean, outDtype: DType): Tensor {
  assertLive(x, name);
  const rank = x.rank;
  // A scalar accepts axis 0/−1 (as PyTorch) and reduces nothing.
  const reduced = rank === 0 ? (normalizeAxes(axes, 1, name), []) : normalizeAxes(axes, rank, name);
  const kept = Array.from({ length: rank }, (_, i) => i).filter((i) => !reduced.includes(i));
  const reduceSize = sizeOf(reduced.map((a) => x.shape[a]!));
  if (reduceSize === 0 && op !== 'sum' && op !== 'prod' && op !== 'any' && op !== 'all') {
    throw new TensorError('INVALID_ARGUMENT', name, `cannot reduce over a zero-length axis (shape ${fmtShape(x.shape)}, axes ${fmtShape(reduced)}): the result has no identity`);
  }
  const outShape = keepDims ? x.shape.map((d, i) => (reduced.includes(i) ? 1 : d)) : kept.map((i) => x.shape[i]!);
  const perm = [...kept, ...reduced];
  const inOrder = perm.every((p, i) => p === i);
  const moved = inOrder ? x : permute(x, perm);
  const [out] = runKernel(REDUCE_SPECS[op], [moved], { axes: reduced, keepDims }, [{ shape: outShape, dtype: outDtype }], (b, [xi], [o]) =>
    b.reduce(op, xi!, reduceSize, o!),
  );
  if (moved !== x) moved.dispose();
  return out!;
}

/** Validates `axes` before any temporary is made, so a bad axis leaks nothing. */
function checkAxes(x: Tensor, axes: Axes, name: string): void {
  assertLive(x, name);
  normalizeAxes(axes, Math.max(x.rank, 1), name);
}

function asNumeric(x: Tensor, name: string): Tensor {
  assertLive(x, name);
  return x.dtype === 'bool' ? cast(x, 'int32') : x;
}

function numericReduce(op: ReduceOp, name: string, x: Tensor, axes: Axes, keepDims: boolean): Tensor {
  checkAxes(x, axes, name);
  if (x.dtype === 'int32' && (op === 'sum' || op === 'prod')) checkInt32Overflow(name, x, (f) => reduceOp(op, name, f, axes, keepDims, f.dtype));
  const t = asNumeric(x, name);
  const out = reduceOp(op, name, t, axes, keepDims, t.dtype);
  if (t !== x) t.dispose();
  return out;
}

const INT32_LIMIT = 2 ** 31;

/**
 * An int32 sum, product or cumulative sum must not wrap (issue 14: three times 2^30 summed to
 * -2^30). The same reduction runs in float (float64 where the backend has it: exact; float32 on
 * WebGPU: within float32 rounding of the limit) and any result outside int32 is an
 * `INVALID_ARGUMENT` error, at once or at the next read (see `checkValues`).
 */
function checkInt32Overflow(op: string, x: Tensor, reduce: (f: Tensor) => Tensor): void {
  if (x.size === 0) return;
  const floatDtype: DType = x.backend.capabilities.dtypes.includes('float64') ? 'float64' : 'float32';
  const exact = unobserved(() => withTemps((temps) => {
    const f = cast(x, floatDtype);
    temps.push(f);
    return reduce(f);
  }));
  try {
    checkValues([exact], {
      op,
      code: 'INVALID_ARGUMENT',
      host: ([values]) => {
        const i = values!.findIndex((v) => !(Math.abs(v) < INT32_LIMIT) && !(v === -INT32_LIMIT));
        if (i >= 0) {
          throw new TensorError('INVALID_ARGUMENT', op, `the int32 result overflows: ${values![i]} at flat index ${i} is outside [-2147483648, 2147483647]; cast the input to float32 or float64 first`);
        }
      },
      device: ([v]) => withTemps((temps) => {
        const big = v!.abs().greaterEqual(INT32_LIMIT);
        temps.push(big);
        const low = v!.equal(-INT32_LIMIT);
        temps.push(low);
        return big.logicalAnd(low.logicalNot());
      }),
    });
  } finally {
    exact.dispose();
  }
}

/**
 * Sum over `axes` (all when omitted). bool sums as int32.
 * @throws TensorError `AXIS_OUT_OF_RANGE` for a bad axis.
 * @example `tensor([[1, 2], [3, 4]]).sum(1)` → `[3, 7]`
 */
export function sum(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return numericReduce('sum', 'sum', x, axes, keepDims);
}

/** Product over `axes`. */
export function prod(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return numericReduce('prod', 'prod', x, axes, keepDims);
}

/**
 * Maximum over `axes` (NaN propagates). Gradients flow to the maximal elements, split evenly
 * among ties (as PyTorch's `amax`).
 * @throws TensorError `INVALID_ARGUMENT` over a zero-length axis.
 */
export function max(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return numericReduce('max', 'max', x, axes, keepDims);
}

/** Minimum over `axes`. */
export function min(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return numericReduce('min', 'min', x, axes, keepDims);
}

/**
 * Mean over `axes`; integer inputs give float32.
 * @example `tensor([1, 2, 3, 4]).mean()` → `2.5`
 */
export function mean(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  checkAxes(x, axes, 'mean');
  const f = isFloat(x.dtype) ? x : cast(x, 'float32');
  const reduced = x.rank === 0 ? [] : normalizeAxes(axes, x.rank, 'mean');
  const count = sizeOf(reduced.map((a) => x.shape[a]!));
  const s = sum(f, reduced, keepDims);
  const out = s.div(count);
  s.dispose();
  if (f !== x) f.dispose();
  return out;
}

function argReduce(op: 'argmax' | 'argmin', x: Tensor, axis: number | undefined, keepDims: boolean): Tensor {
  checkAxes(x, axis, op);
  const t = asNumeric(x, op);
  let out: Tensor;
  if (axis === undefined) {
    const flat = reshape(t, [t.size]);
    out = reduceOp(op, op, flat, [0], false, 'int32');
    flat.dispose();
    if (keepDims) {
      const r = reshape(out, t.shape.map(() => 1));
      out.dispose();
      out = r;
    }
  } else {
    out = reduceOp(op, op, t, [normalizeAxis(axis, t.rank, op)], keepDims, 'int32');
  }
  if (t !== x) t.dispose();
  return out;
}

/** Index (int32) of the maximum along `axis` (of the flattened tensor when omitted); first occurrence on ties. */
export function argmax(x: Tensor, axis?: number, keepDims = false): Tensor {
  return argReduce('argmax', x, axis, keepDims);
}

/** Index of the minimum along `axis`; first occurrence on ties. */
export function argmin(x: Tensor, axis?: number, keepDims = false): Tensor {
  return argReduce('argmin', x, axis, keepDims);
}

/** Options of {@link variance} and {@link std}. */
export interface VarianceOptions {
  /** Subtracted from the count in the divisor: 1 (the default, as PyTorch) is the unbiased estimate, 0 the population variance. */
  readonly correction?: number;
  readonly keepDims?: boolean;
}

/**
 * Variance over `axes`: `sum((x − mean)²) / (N − correction)`. (`var` is a reserved word in
 * JavaScript; the method is `t.var()`.)
 */
export function variance(x: Tensor, axes?: Axes, options: VarianceOptions = {}): Tensor {
  checkOptions('var', options, optionKeys<VarianceOptions>({ correction: true, keepDims: true }));
  checkAxes(x, axes, 'var');
  const correction = options.correction ?? 1;
  requireInt('var', 'correction', correction, 0);
  const f = isFloat(x.dtype) ? x : cast(x, 'float32');
  const reduced = x.rank === 0 ? [] : normalizeAxes(axes, x.rank, 'var');
  const count = sizeOf(reduced.map((a) => x.shape[a]!));
  const m = mean(f, reduced, true);
  const d = f.sub(m);
  const sq = d.mul(d);
  const s = sum(sq, reduced, options.keepDims ?? false);
  const out = s.div(Math.max(count - correction, 0));
  disposeAll([m, d, sq, s]);
  if (f !== x) f.dispose();
  return out;
}

/** Standard deviation: `sqrt(var)`. */
export function std(x: Tensor, axes?: Axes, options: VarianceOptions = {}): Tensor {
  const v = variance(x, axes, options);
  const out = sqrt(v);
  v.dispose();
  return out;
}

/** `log(sum(exp(x)))` over `axes`, computed stably (shifted by the maximum). */
export function logSumExp(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  checkAxes(x, axes, 'logSumExp');
  const f = isFloat(x.dtype) ? x : cast(x, 'float32');
  const reduced = x.rank === 0 ? [] : normalizeAxes(axes, x.rank, 'logSumExp');
  const m = max(f, reduced, true);
  // An all −∞ (or +∞) slice would give NaN from ∞ − ∞; shift by 0 there instead.
  const finite = isFiniteOp(m);
  const shift = where(finite, m, 0);
  const d = f.sub(shift);
  const e = exp(d);
  const s = sum(e, reduced, true);
  const l = log(s);
  const withShift = l.add(shift);
  const out = keepDims ? withShift : reshape(withShift, withShift.shape.filter((_, i) => !reduced.includes(i)));
  disposeAll([m, finite, shift, d, e, s, l]);
  if (out !== withShift) withShift.dispose();
  if (f !== x) f.dispose();
  return out;
}

function boolReduce(op: 'any' | 'all', x: Tensor, axes: Axes, keepDims: boolean): Tensor {
  checkAxes(x, axes, op);
  const b = x.dtype === 'bool' ? x : cast(x, 'bool');
  const out = reduceOp(op, op, b, axes, keepDims, 'bool');
  if (b !== x) b.dispose();
  return out;
}

/** Whether any element over `axes` is nonzero (bool). */
export function any(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return boolReduce('any', x, axes, keepDims);
}

/** Whether every element over `axes` is nonzero (bool). */
export function all(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return boolReduce('all', x, axes, keepDims);
}

/** Options of {@link cumsum}. */
export interface CumsumOptions {
  /** Exclude the current element (the first output is 0). */
  readonly exclusive?: boolean;
  /** Accumulate from the end of the axis. */
  readonly reverse?: boolean;
}

/**
 * Cumulative sum along `axis`. bool and int32 accumulate in int32.
 * @example `cumsum(tensor([1, 2, 3]), 0)` → `[1, 3, 6]`
 */
export function cumsum(x: Tensor, axis: number, options: CumsumOptions = {}): Tensor {
  checkOptions('cumsum', options, optionKeys<CumsumOptions>({ exclusive: true, reverse: true }));
  assertLive(x, 'cumsum');
  const a = normalizeAxis(axis, x.rank, 'cumsum');
  const t = asNumeric(x, 'cumsum');
  const exclusive = options.exclusive ?? false;
  const reverse = options.reverse ?? false;
  if (x.dtype === 'int32') checkInt32Overflow('cumsum', x, (f) => cumsum(f, a, { exclusive, reverse }));
  const [out] = runOp(cumsumSpec, [t], { axis: a, exclusive, reverse });
  if (t !== x) t.dispose();
  return out!;
}

/** Options of {@link topk}. */
export interface TopkOptions {
  /** Axis to search (default −1). */
  readonly axis?: number;
  /** Largest (default) or smallest values. */
  readonly largest?: boolean;
}

/**
 * The `k` largest (or smallest) values along an axis, sorted, and their int32 indices.
 * @throws TensorError `INVALID_ARGUMENT` when `k` is not in `[0, size of the axis]`.
 * @example `topk(tensor([1, 5, 3]), 2)` → `{ values: [5, 3], indices: [1, 2] }`
 */
export function topk(x: Tensor, k: number, options: TopkOptions = {}): { values: Tensor; indices: Tensor } {
  checkOptions('topk', options, optionKeys<TopkOptions>({ axis: true, largest: true }));
  assertLive(x, 'topk');
  if (x.rank === 0) throw new TensorError('SHAPE_MISMATCH', 'topk', 'input must have at least one axis, got a scalar');
  const axis = normalizeAxis(options.axis ?? -1, x.rank, 'topk');
  const n = x.shape[axis]!;
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new TensorError('INVALID_ARGUMENT', 'topk', `k must be an integer in [0, ${n}] for axis ${axis} of shape ${fmtShape(x.shape)}, got ${k}`);
  }
  const t = asNumeric(x, 'topk');
  const largest = options.largest ?? true;
  const last = t.rank - 1;
  const perm = Array.from({ length: t.rank }, (_, i) => i);
  perm[axis] = last;
  perm[last] = axis;
  const moved = axis === last ? t : permute(t, perm);
  const [values, indices] = runOp(topkSpec, [moved], { k, largest });
  let result = { values: values!, indices: indices! };
  if (moved !== t) {
    moved.dispose();
    result = { values: permute(values!, perm), indices: permute(indices!, perm) };
    values!.dispose();
    indices!.dispose();
  }
  if (t !== x) t.dispose();
  return result;
}



// ---------------------------------------------------------------- op table

/** Attributes of a reduction: the reduced axes (of the caller's input; the recorded input has them moved last) and keepDims. */
export interface ReduceAttrs {
  readonly axes: readonly number[];
  readonly keepDims: boolean;
}

/**
 * A reduction is recorded on its input with the reduced axes already moved last (the permute is
 * recorded as its own op), so `x` is `[...kept, ...reduced]` and the reduced axes are the last
 * `attrs.axes.length`. `keptShape` is `[...kept, 1, ..., 1]`, which broadcasts against `x`
 * whatever `keepDims` was.
 */
function reduced(op: SavedOp<ReduceAttrs>): { shape: readonly number[]; keptShape: number[]; axes: number[] } {
  const shape = op.inputShapes[0]!;
  const r = op.attrs.axes.length;
  const k = shape.length - r;
  return { shape, keptShape: [...shape.slice(0, k), ...new Array<number>(r).fill(1)], axes: Array.from({ length: r }, (_, i) => k + i) };
}

/**
 * Rule of max and min: the gradient goes to the elements equal to the result, split evenly
 * among ties (PyTorch's `amax`/`amin`): for `max([1, 3, 3])` it is `[0, 0.5, 0.5]`.
 */
const extremum: GradRule<ReduceAttrs> = (dy, op) => {
  const { keptShape, axes } = reduced(op);
  const x = op.inputs[0]!;
  const mask = x.equal(op.outputs[0]!.reshape(keptShape)).cast(x.dtype);
  const count = mask.sum(axes, true);
  return [dy.reshape(keptShape).div(count).mul(mask)];
};

/** Reductions run on an input whose reduced axes were moved last (`attrs.axes` name the original axes): reduce the trailing ones, then restore keepDims' shape. */
function onnxReduction(opType: string, axesAsInputFrom: number): OnnxMapping<ReduceAttrs> {
  return onnxNodes([opType, 'Reshape'], (ctx) => {
    const rank = ctx.inputShapes[0]!.length;
    const n = ctx.attrs.axes.length;
    const axes = Array.from({ length: n }, (_, i) => rank - n + i);
    const keepDims = ctx.attrs.keepDims === true;
    const out = keepDims && n > 0 ? [ctx.graph.fresh(opType)] : ctx.outputs;
    if (n === 0) {
      ctx.graph.node('Identity', [ctx.inputs[0]!], out);
    } else if (ctx.opset >= axesAsInputFrom) {
      ctx.graph.node(opType, [ctx.inputs[0]!, int64(ctx, axes)], out, { keepdims: 0 });
    } else {
      ctx.graph.node(opType, [ctx.inputs[0]!], out, { axes, keepdims: 0 });
    }
    if (keepDims && n > 0) ctx.graph.node('Reshape', [out[0]!, reshapeTarget(ctx, ctx.outputShapes[0]!, ctx.outputDynamic[0]!)], ctx.outputs);
  });
}

function onnxArgReduction(opType: string): OnnxMapping<ReduceAttrs> {
  return onnxNodes([opType, 'Cast'], (ctx) => {
    const rank = ctx.inputShapes[0]!.length;
    const n = ctx.attrs.axes.length;
    let x = ctx.inputs[0]!;
    if (n !== 1) {
      // Flattened argmax: the kept axes stay, the reduced ones become one trailing axis.
      const shape = ctx.inputShapes[0]!;
      const keptShape = shape.slice(0, rank - n);
      x = ctx.graph.node('Reshape', [x, reshapeTarget(ctx, [...keptShape, shape.slice(rank - n).reduce((a, b) => a * b, 1)], [...ctx.inputDynamic[0]!.slice(0, rank - n), false])])[0]!;
    }
    const keptRank = rank - n;
    const [idx] = ctx.graph.node(opType, [x], 1, { axis: keptRank, keepdims: 0, select_last_index: 0 });
    const keepDims = ctx.attrs.keepDims === true;
    const cast = keepDims ? [ctx.graph.fresh('Cast')] : ctx.outputs;
    ctx.graph.node('Cast', [idx!], cast, { to: onnxDataType('int32') });
    if (keepDims) ctx.graph.node('Reshape', [cast[0]!, reshapeTarget(ctx, ctx.outputShapes[0]!, ctx.outputDynamic[0]!)], ctx.outputs);
  });
}

function reduceSpec(op: ReduceOp, summary: string, gradient: OpSpec<ReduceAttrs>['gradient'], onnx?: OnnxMapping<ReduceAttrs>): OpSpec<ReduceAttrs> {
  return defineOp<ReduceAttrs>({ name: op, family: 'reduce', summary, kind: 'kernel', backendKernel: 'reduce', gradient, ...(onnx ? { onnx } : {}) });
}

const REDUCE_SPECS: Readonly<Record<ReduceOp, OpSpec<ReduceAttrs>>> = {
  sum: reduceSpec('sum', 'Sum over the trailing (moved) axes.', {
    saves: {},
    rule: (dy, op) => {
      const { shape, keptShape } = reduced(op);
      return [broadcastTo(dy.reshape(keptShape), shape)];
    },
  }, onnxReduction('ReduceSum', 13)),
  // The product of the others: y / x without zeros; with one zero in a slice only that element
  // gets a gradient (the product of the rest); with two or more, none does.
  prod: reduceSpec('prod', 'Product over the trailing (moved) axes.', {
    saves: { inputs: [0] },
    rule: (dy, op) => {
      const { keptShape, axes } = reduced(op);
      const x = op.inputs[0]!;
      const isZero = x.equal(0);
      const nonzero = where(isZero, 1, x);
      const prodNonzero = nonzero.prod(axes, true);
      const zeros = isZero.cast(x.dtype).sum(axes, true);
      const noZero = prodNonzero.div(nonzero);
      const oneZero = where(isZero.logicalAnd(zeros.equal(1)), prodNonzero.broadcastTo(x.shape), 0);
      return [dy.reshape(keptShape).mul(where(zeros.equal(0), noZero, oneZero))];
    },
  }, onnxReduction('ReduceProd', 18)),
  max: reduceSpec('max', 'Maximum over the trailing (moved) axes.', { saves: { inputs: [0], outputs: [0] }, rule: extremum }, onnxReduction('ReduceMax', 18)),
  min: reduceSpec('min', 'Minimum over the trailing (moved) axes.', { saves: { inputs: [0], outputs: [0] }, rule: extremum }, onnxReduction('ReduceMin', 18)),
  argmax: reduceSpec('argmax', 'Index of the maximum (first on ties).', 'none', onnxArgReduction('ArgMax')),
  argmin: reduceSpec('argmin', 'Index of the minimum (first on ties).', 'none', onnxArgReduction('ArgMin')),
  any: reduceSpec('any', 'Logical or over the trailing axes.', 'none'),
  all: reduceSpec('all', 'Logical and over the trailing axes.', 'none'),
};

/** Attributes of `cumsum`. */
export interface CumsumAttrs {
  readonly axis: number;
  readonly exclusive: boolean;
  readonly reverse: boolean;
}

const cumsumSpec = defineOp<CumsumAttrs>({
  name: 'cumsum',
  family: 'reduce',
  summary: 'Cumulative sum along an axis (inclusive or exclusive, either direction).',
  kind: 'kernel',
  backendKernel: 'cumsum',
  infer: ([x]) => [{ shape: x!.shape, dtype: x!.dtype }],
  kernel: (b, [x], [o], { axis, exclusive, reverse }) => b.cumsum(x!, axis, exclusive, reverse, o!),
  onnx: onnxNodes(['CumSum'], (ctx) => {
    ctx.graph.node('CumSum', [ctx.inputs[0]!, int64(ctx, [ctx.attrs.axis], [])], ctx.outputs, { exclusive: ctx.attrs.exclusive ? 1 : 0, reverse: ctx.attrs.reverse ? 1 : 0 });
  }),
  // The adjoint of a cumulative sum is the cumulative sum in the other direction.
  gradient: { saves: {}, rule: (dy, { attrs }) => [cumsum(dy, attrs.axis, { exclusive: attrs.exclusive, reverse: !attrs.reverse })] },
});

/** Attributes of `topk`. */
export interface TopkAttrs {
  readonly k: number;
  readonly largest: boolean;
}

const topkSpec = defineOp<TopkAttrs>({
  name: 'topk',
  family: 'reduce',
  summary: 'The `k` largest (or smallest) values along the last axis, sorted, and their int32 indices.',
  kind: 'kernel',
  backendKernel: 'topk',
  infer: ([x], { k }) => {
    const shape = [...x!.shape.slice(0, -1), k];
    return [{ shape, dtype: x!.dtype }, { shape, dtype: 'int32' }];
  },
  kernel: (b, [x], [v, i], { k, largest }) => b.topk(x!, k, largest, v!, i!),
  // Values go back to where they were taken from (the axis is last here, as recorded).
  gradient: {
    saves: { outputs: [1] },
    rule: (dy, { inputShapes: [shape], inputDtypes: [dtype], outputs }) => [zeros(shape!, { dtype: dtype!, backend: dy.backend }).scatterAdd(outputs[1]!, dy, shape!.length - 1)],
  },
});

/** @internal The reduce family's entries of the op table. */
export const reduceSpecs: readonly AnyOpSpec[] = [...Object.values(REDUCE_SPECS), cumsumSpec, topkSpec];
