/**
 * Pooling: `maxPool2d`, `avgPool2d` (`{ params }`) and their backward kernels; adaptiveAvgPool2d
 * is a composite.
 */
import type { Pool2dParams } from '../backend.js';
import { toTypedArray } from '../dtype.js';
import { fromValues, runKernel } from '../engine.js';
import { defineOp, type AnyOpSpec, type OnnxMapping } from '../op-spec.js';
import { onnxNodes, pads2d, requireBatched } from './onnx-util.js';
import { TensorError, fmtShape, safeJson } from '../errors.js';
import { checkOptions, optionKeys } from '../options.js';
import { shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { requireFloat, requireTensor, withTemps } from './util.js';
import { matmul } from './matmul.js';
import { batched, convOutSize, fourPads, pair, requireSameDtype } from './nn-util.js';

/** Options of {@link maxPool2d}. */
export interface MaxPool2dOptions {
  /** Window size, a number or `[h, w]`. */
  readonly kernelSize: number | readonly [number, number];
  /** Step (default: the kernel size). */
  readonly stride?: number | readonly [number, number];
  /** Implicit `-Infinity` padding on each side, at most half the (dilated) kernel (default 0). */
  readonly padding?: number | readonly [number, number];
  /** Spacing of the window taps (default 1). */
  readonly dilation?: number | readonly [number, number];
  /** Round the output size up instead of down (default false), as PyTorch. */
  readonly ceilMode?: boolean;
}

/** Options of {@link avgPool2d}. */
export interface AvgPool2dOptions {
  /** Window size, a number or `[h, w]`. */
  readonly kernelSize: number | readonly [number, number];
  /** Step (default: the kernel size). */
  readonly stride?: number | readonly [number, number];
  /** Implicit zero padding on each side, at most half the kernel (default 0). */
  readonly padding?: number | readonly [number, number];
  /** Whether padded cells count in the divisor (default true), as PyTorch. */
  readonly countIncludePad?: boolean;
  /** Round the output size up instead of down (default false), as PyTorch. */
  readonly ceilMode?: boolean;
}

interface ResolvedPool {
  readonly params: Pool2dParams;
  readonly outShape: number[];
  /** Per-axis amount the ceil mode added at the bottom/right (0 when none). */
  readonly extra: [number, number];
}

const MAX_POOL_KEYS = optionKeys<MaxPool2dOptions>({ kernelSize: true, stride: true, padding: true, dilation: true, ceilMode: true });
const AVG_POOL_KEYS = optionKeys<AvgPool2dOptions>({ kernelSize: true, stride: true, padding: true, countIncludePad: true, ceilMode: true });

function poolOutSize(n: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = n + 2 * p - d * (k - 1) - 1;
  if (span < 0) return 0;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // PyTorch: the last window must start inside the input or the left padding.
  if (ceil && (out - 1) * s >= n + p) out--;
  return out;
}

function resolvePool(
  op: string,
  x: Tensor,
  options: { kernelSize: number | readonly number[]; stride?: number | readonly number[]; padding?: number | readonly number[]; dilation?: number | readonly number[]; ceilMode?: boolean },
  countIncludePad: boolean,
): ResolvedPool {
  if (typeof options !== 'object' || options === null) throw new TensorError('INVALID_ARGUMENT', op, 'options with a kernelSize are required');
  checkOptions(op, options, op === 'maxPool2d' ? MAX_POOL_KEYS : AVG_POOL_KEYS);
  const kernel = pair(op, 'kernelSize', options.kernelSize, NaN, 1);
  const stride = pair(op, 'stride', options.stride ?? kernel, 1, 1);
  const padding = pair(op, 'padding', options.padding, 0, 0);
  const dilation = pair(op, 'dilation', options.dilation, 1, 1);
  const ceil = options.ceilMode ?? false;
  for (let i = 0; i < 2; i++) {
    const eff = op === 'maxPool2d' ? dilation[i]! * (kernel[i]! - 1) + 1 : kernel[i]!;
    if (2 * padding[i]! > eff) {
      throw new TensorError('INVALID_ARGUMENT', op, `padding ${fmtShape(padding)} must be at most half the ${op === 'maxPool2d' ? 'dilated ' : ''}kernel size ${fmtShape(kernel)}`);
    }
  }
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const outH = poolOutSize(h, kernel[0], stride[0], padding[0], dilation[0], ceil);
  const outW = poolOutSize(w, kernel[1], stride[1], padding[1], dilation[1], ceil);
  if (outH < 1 || outW < 1) {
    throw new TensorError('SHAPE_MISMATCH', op, `the output would be empty (${outH}x${outW}): x.shape=${fmtShape(x.shape)}, kernelSize=${fmtShape(kernel)}, stride=${fmtShape(stride)}, padding=${fmtShape(padding)}`);
  }
  // Ceil mode as extra bottom/right padding: the floor formula then yields the ceil size.
  const extraH = Math.max(0, (outH - 1) * stride[0] + dilation[0] * (kernel[0] - 1) + 1 - (h + 2 * padding[0]));
  const extraW = Math.max(0, (outW - 1) * stride[1] + dilation[1] * (kernel[1] - 1) + 1 - (w + 2 * padding[1]));
  const params: Pool2dParams = {
    kernelSize: kernel,
    stride,
    padding: [padding[0], padding[0] + extraH, padding[1], padding[1] + extraW],
    dilation,
    countIncludePad,
  };
  return { params, outShape: [n, c, outH, outW], extra: [extraH, extraW] };
}

/** Checks a resolved Pool2dParams record; returns the pooled shape of `xShape`. */
function checkPoolParams(op: string, xShape: readonly number[], params: Pool2dParams): number[] {
  if (typeof params !== 'object' || params === null) throw new TensorError('INVALID_ARGUMENT', op, `params must be a Pool2dParams object, got ${String(params)}`);
  const k = pair(op, 'kernelSize', params.kernelSize, NaN, 1);
  const s = pair(op, 'stride', params.stride, NaN, 1);
  const d = pair(op, 'dilation', params.dilation, 1, 1);
  if (!Array.isArray(params.padding) || params.padding.length !== 4) {
    throw new TensorError('INVALID_ARGUMENT', op, `params.padding must be [top, bottom, left, right], got ${safeJson(params.padding)}`);
  }
  const p = fourPads(op, params.padding);
  const [n, c, h, w] = xShape as [number, number, number, number];
  const outH = convOutSize(h, k[0], s[0], p[0], p[1], d[0]);
  const outW = convOutSize(w, k[1], s[1], p[2], p[3], d[1]);
  if (outH < 1 || outW < 1) {
    throw new TensorError('SHAPE_MISMATCH', op, `x.shape=${fmtShape(xShape)} pools to an empty output with these params`);
  }
  return [n, c, outH, outW];
}

/**
 * 2-D max pooling of `x` `[N, C, H, W]` (or unbatched `[C, H, W]`); padded cells never win.
 * Output `[N, C, outH, outW]` with `outH = floor((H + 2*padding - dilation*(k-1) - 1) / stride) + 1`
 * (ceil with `ceilMode`, dropping a last window that would start in the padding).
 *
 * @throws TensorError `SHAPE_MISMATCH` for wrong ranks or an empty output; `INVALID_ARGUMENT`
 *   for non-positive sizes or padding over half the kernel; `DTYPE_MISMATCH` for bool input.
 * @example
 * ```ts
 * maxPool2d(tensor([[[[1, 2], [3, 4]]]]), { kernelSize: 2 }); // [[[[4]]]]
 * ```
 */
export function maxPool2d(x: Tensor, options: MaxPool2dOptions): Tensor {
  requireTensor('maxPool2d', x);
  if (x.dtype === 'bool') throw new TensorError('DTYPE_MISMATCH', 'maxPool2d', 'input must be numeric, got dtype bool');
  return batched('maxPool2d', x, (x4) => {
    const { params, outShape } = resolvePool('maxPool2d', x4, options, false);
    return runKernel(maxPool2dSpec, [x4], { params }, [{ shape: outShape, dtype: x.dtype }], (backend, [xi], [o]) => backend.maxPool2d(xi!, params, o!))[0]!;
  });
}

/**
 * Gradient of max pooling: routes each `dy` cell to the first maximal cell of its window in `x`
 * (as PyTorch); the result is shaped like `x` `[N, C, H, W]`. `params` is the resolved record
 * of the `maxPool2d` op.
 *
 * @throws TensorError `SHAPE_MISMATCH` when `dy` is not the pooled shape of `x`;
 *   `INVALID_ARGUMENT` for bad params; `DTYPE_MISMATCH`.
 * @example
 * ```ts
 * const params = { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0, 0, 0], dilation: [1, 1], countIncludePad: false } as const;
 * maxPool2dBackward(ones([1, 1, 1, 1]), tensor([[[[1, 2], [3, 4]]]]), params); // [[[[0, 0], [0, 1]]]]
 * ```
 */
export function maxPool2dBackward(dy: Tensor, x: Tensor, params: Pool2dParams): Tensor {
  const op = 'maxPool2dBackward';
  requireTensor(op, dy, 'dy');
  requireTensor(op, x);
  requireFloat(op, dy);
  requireSameDtype(op, dy, x, 'dy', 'x');
  if (x.rank !== 4 || dy.rank !== 4) throw new TensorError('SHAPE_MISMATCH', op, `x and dy must be rank 4, got x.shape=${fmtShape(x.shape)}, dy.shape=${fmtShape(dy.shape)}`);
  const expected = checkPoolParams(op, x.shape, params);
  if (!shapesEqual(expected, dy.shape)) {
    throw new TensorError('SHAPE_MISMATCH', op, `dy.shape=${fmtShape(dy.shape)} must be the pooled shape ${fmtShape(expected)} of x.shape=${fmtShape(x.shape)}`);
  }
  return runKernel(maxPool2dBackwardSpec, [dy, x], { params }, [{ shape: [...x.shape], dtype: x.dtype }], (backend, [di, xi], [o]) => backend.maxPool2dBackward(di!, xi!, params, o!))[0]!;
}

/**
 * 2-D average pooling of `x` `[N, C, H, W]` (or unbatched `[C, H, W]`), float input. With
 * `countIncludePad` (default) the divisor counts padded cells, except, as in PyTorch, the cells
 * of a ceil-mode window that hang past the padding.
 *
 * @throws TensorError as {@link maxPool2d}; `DTYPE_MISMATCH` for non-float input.
 * @example
 * ```ts
 * avgPool2d(tensor([[[[1, 2], [3, 4]]]]), { kernelSize: 2 }); // [[[[2.5]]]]
 * ```
 */
export function avgPool2d(x: Tensor, options: AvgPool2dOptions): Tensor {
  requireTensor('avgPool2d', x);
  requireFloat('avgPool2d', x);
  if (options !== null && typeof options === 'object' && (options as { dilation?: unknown }).dilation !== undefined) {
    throw new TensorError('INVALID_ARGUMENT', 'avgPool2d', 'avgPool2d has no dilation (as PyTorch)');
  }
  const countIncludePad = options?.countIncludePad ?? true;
  return batched('avgPool2d', x, (x4) => {
    const { params, outShape, extra } = resolvePool('avgPool2d', x4, options, countIncludePad);
    const y = runKernel(avgPool2dSpec, [x4], { params }, [{ shape: outShape, dtype: x.dtype }], (backend, [xi], [o]) => backend.avgPool2d(xi!, params, o!))[0]!;
    if (!countIncludePad || (extra[0] === 0 && extra[1] === 0)) return y;
    // The kernel divided by the full window; PyTorch divides ceil-mode edge windows by the part
    // inside the (symmetric) padding only. Rescale those cells.
    const [, , outH, outW] = outShape as [number, number, number, number];
    const [h, w] = [x4.shape[2]!, x4.shape[3]!];
    const count = (i: number, k: number, s: number, p: number, n: number): number => Math.min(i * s - p + k, n + p) - (i * s - p);
    const [kh, kw] = params.kernelSize;
    const factors = new Array<number>(outH * outW);
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) {
        factors[i * outW + j] = (kh * kw) / (count(i, kh, params.stride[0], params.padding[0], h) * count(j, kw, params.stride[1], params.padding[2], w));
      }
    }
    return withTemps((temps) => {
      temps.push(y);
      const f = fromValues(toTypedArray(factors, x.dtype), [outH, outW], x.dtype, x.backend);
      temps.push(f);
      return y.mul(f);
    });
  });
}

/**
 * Gradient of average pooling: spreads each `dy` cell evenly over its window; the result has
 * `xShape` `[N, C, H, W]`. `params` is the resolved record of the `avgPool2d` op.
 *
 * @throws TensorError `SHAPE_MISMATCH` when `dy` is not the pooled shape of `xShape`;
 *   `INVALID_ARGUMENT` for bad params; `DTYPE_MISMATCH`.
 * @example
 * ```ts
 * const params = { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0, 0, 0], dilation: [1, 1], countIncludePad: true } as const;
 * avgPool2dBackward(ones([1, 1, 1, 1]), [1, 1, 2, 2], params); // [[[[0.25, 0.25], [0.25, 0.25]]]]
 * ```
 */
export function avgPool2dBackward(dy: Tensor, xShape: readonly number[], params: Pool2dParams): Tensor {
  const op = 'avgPool2dBackward';
  requireTensor(op, dy, 'dy');
  requireFloat(op, dy);
  if (dy.rank !== 4) throw new TensorError('SHAPE_MISMATCH', op, `dy must be rank 4, got shape ${fmtShape(dy.shape)}`);
  if (!Array.isArray(xShape) || xShape.length !== 4 || !xShape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TensorError('INVALID_ARGUMENT', op, `xShape must be [N, C, H, W] of non-negative integers, got ${safeJson(xShape)}`);
  }
  const expected = checkPoolParams(op, xShape, params);
  if (!shapesEqual(expected, dy.shape)) {
    throw new TensorError('SHAPE_MISMATCH', op, `dy.shape=${fmtShape(dy.shape)} must be the pooled shape ${fmtShape(expected)} of xShape=${fmtShape(xShape)}`);
  }
  return runKernel(avgPool2dBackwardSpec, [dy], { params, xShape: [...xShape] }, [{ shape: [...xShape], dtype: dy.dtype }], (backend, [di], [o]) => backend.avgPool2dBackward(di!, params, o!))[0]!;
}

/**
 * Adaptive average pooling to `outputSize` (`[outH, outW]` or one number for both) of `x`
 * `[N, C, H, W]` (or unbatched), with PyTorch's bins: bin `i` covers rows
 * `floor(i*H/outH)` to `ceil((i+1)*H/outH)` (exclusive). Uses avgPool2d when the sizes divide,
 * otherwise two matmuls with averaging matrices (rows then columns).
 *
 * @throws TensorError `INVALID_ARGUMENT` for non-positive sizes; `SHAPE_MISMATCH` for wrong
 *   ranks or empty spatial axes; `DTYPE_MISMATCH` for non-float input.
 * @example
 * ```ts
 * adaptiveAvgPool2d(tensor([[[[1, 2, 3]]]]), [1, 2]); // [[[[1.5, 2.5]]]]
 * ```
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly [number, number]): Tensor {
  const op = 'adaptiveAvgPool2d';
  requireTensor(op, x);
  requireFloat(op, x);
  const [oh, ow] = pair(op, 'outputSize', outputSize, NaN, 1);
  return batched(op, x, (x4) => {
    const [, , h, w] = x4.shape as [number, number, number, number];
    if (h < 1 || w < 1) throw new TensorError('SHAPE_MISMATCH', op, `spatial axes must be non-empty, got x.shape=${fmtShape(x.shape)}`);
    if (h % oh === 0 && w % ow === 0) {
      return avgPool2d(x4, { kernelSize: [h / oh, w / ow] });
    }
    const bins = (n: number, out: number, transposed: boolean): Tensor => {
      const values = new Array<number>(n * out).fill(0);
      for (let i = 0; i < out; i++) {
        const start = Math.floor((i * n) / out);
        const end = Math.ceil(((i + 1) * n) / out);
        for (let j = start; j < end; j++) values[transposed ? j * out + i : i * n + j] = 1 / (end - start);
      }
      return fromValues(toTypedArray(values, x.dtype), transposed ? [n, out] : [out, n], x.dtype, x.backend);
    };
    return withTemps((temps) => {
      const rows = bins(h, oh, false);
      temps.push(rows);
      const cols = bins(w, ow, true);
      temps.push(cols);
      const pooledRows = matmul(rows, x4);
      temps.push(pooledRows);
      return matmul(pooledRows, cols);
    });
  });
}

// ---------------------------------------------------------------- op table

/** Attributes of the pooling ops. */
export interface Pool2dAttrs {
  readonly params: Pool2dParams;
}

/** Attributes of `avgPool2dBackward`. */
export interface AvgPool2dBackwardAttrs {
  readonly params: Pool2dParams;
  readonly xShape: readonly number[];
}

function onnxPool(opType: 'MaxPool' | 'AveragePool'): OnnxMapping<Pool2dAttrs> {
  return onnxNodes([opType], (ctx) => {
    requireBatched(ctx, opType);
    const p = ctx.attrs.params;
    const [, , h, w] = ctx.inputShapes[0]!;
    const [, , oh, ow] = ctx.outputShapes[0]!;
    // Tessera records the output size, not the rounding: ceil_mode is whatever reproduces it.
    const floorSize = (size: number, k: number, s: number, pb: number, pe: number, d: number): number => Math.floor((size + pb + pe - d * (k - 1) - 1) / s) + 1;
    const ceil = floorSize(h!, p.kernelSize[0], p.stride[0], p.padding[0], p.padding[1], p.dilation[0]) !== oh || floorSize(w!, p.kernelSize[1], p.stride[1], p.padding[2], p.padding[3], p.dilation[1]) !== ow;
    const dilated = p.dilation[0] !== 1 || p.dilation[1] !== 1;
    if (opType === 'AveragePool' && dilated && ctx.opset < 19) ctx.unsupported(`dilated average pooling needs opset 19 or later (exporting opset ${ctx.opset})`);
    ctx.graph.node(opType, [ctx.inputs[0]!], ctx.outputs, {
      kernel_shape: p.kernelSize,
      strides: p.stride,
      pads: pads2d(p.padding),
      ...(dilated ? { dilations: p.dilation } : {}),
      ...(ceil ? { ceil_mode: 1 } : {}),
      ...(opType === 'AveragePool' ? { count_include_pad: p.countIncludePad ? 1 : 0 } : {}),
    });
  });
}

// maxPool2d routes the gradient to the first maximal cell of each window (PyTorch).
const maxPool2dSpec = defineOp<Pool2dAttrs>({
  name: 'maxPool2d',
  family: 'pool',
  summary: 'Maximum over each window of `x` `[N, C, H, W]`.',
  kind: 'kernel',
  backendKernel: 'maxPool2d',
  onnx: onnxPool('MaxPool'),
  gradient: { saves: { inputs: [0] }, rule: (dy, { inputs: [x], attrs: { params } }) => [maxPool2dBackward(dy, x!, params)] },
});

const avgPool2dSpec = defineOp<Pool2dAttrs>({
  name: 'avgPool2d',
  family: 'pool',
  summary: 'Mean over each window of `x` `[N, C, H, W]`.',
  kind: 'kernel',
  backendKernel: 'avgPool2d',
  onnx: onnxPool('AveragePool'),
  gradient: { saves: {}, rule: (dy, { inputShapes: [shape], attrs: { params } }) => [avgPool2dBackward(dy, shape!, params)] },
});

// Not differentiable again (second order): maxPool2dBackward.
const maxPool2dBackwardSpec = defineOp<Pool2dAttrs>({
  name: 'maxPool2dBackward',
  family: 'pool',
  summary: 'The gradient of maxPool2d: `dy` routed to the first maximum of each window.',
  kind: 'kernel',
  backendKernel: 'maxPool2dBackward',
  gradient: 'none',
});

// avgPool2dBackward is avgPool2d's adjoint, differentiable with symmetric padding (no ceil mode).
const avgPool2dBackwardSpec = defineOp<AvgPool2dBackwardAttrs>({
  name: 'avgPool2dBackward',
  family: 'pool',
  summary: 'The gradient of avgPool2d: `dy` spread evenly over each window.',
  kind: 'kernel',
  backendKernel: 'avgPool2dBackward',
  gradient: {
    saves: {},
    rule: (g, { attrs: { params: p } }) => {
      if (p.padding[0] !== p.padding[1] || p.padding[2] !== p.padding[3] || p.dilation[0] !== 1 || p.dilation[1] !== 1) {
        throw new TensorError('GRADIENT_ERROR', 'avgPool2dBackward', 'second-order gradients of avgPool2d need symmetric padding (no ceilMode) and no dilation');
      }
      return [avgPool2d(g, { kernelSize: [...p.kernelSize], stride: [...p.stride], padding: [p.padding[0], p.padding[2]], countIncludePad: p.countIncludePad })];
    },
  },
});

/** @internal The pool family's entries of the op table. */
export const poolSpecs: readonly AnyOpSpec[] = [maxPool2dSpec, avgPool2dSpec, maxPool2dBackwardSpec, avgPool2dBackwardSpec];
