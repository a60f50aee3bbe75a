/**
 * layerNorm (observed as `layerNorm` `{ normalizedShape, eps }`, without the affine part, which is
 * an ordinary `mul`/`add` after it) and batchNorm (inputs `x, mean, variance` then `weight` and
 * `bias` when given; `{ eps, weight, bias }`): fused kernels with composite fallbacks.
 */
import { asOneOp, runOp } from '../engine.js';
import { defineOp, type AnyOpSpec } from '../op-spec.js';
import { onnxNodes, scalarLike } from './onnx-util.js';
import { TensorError, fmtShape, safeJson } from '../errors.js';
import { checkOptions, optionKeys } from '../options.js';
import { shapesEqual, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { reshape } from './reshape.js';
import { requireFloat, requireTensor, withTemps } from './util.js';
import { requireSameDtype } from './nn-util.js';

/** Options of {@link layerNorm}. */
export interface LayerNormOptions {
  /** Scale, shaped like `normalizedShape`. */
  readonly weight?: Tensor;
  /** Shift, shaped like `normalizedShape`. */
  readonly bias?: Tensor;
  /** Added to the variance (default 1e-5). */
  readonly eps?: number;
}

/**
 * Layer normalization over the trailing axes `normalizedShape`:
 * `(x - mean) / sqrt(var + eps) * weight + bias`, with the biased variance (PyTorch).
 *
 * @throws TensorError `SHAPE_MISMATCH` when `normalizedShape` is not the trailing shape of `x`
 *   or `weight`/`bias` are not shaped like it; `DTYPE_MISMATCH` for non-float or mixed dtypes;
 *   `INVALID_ARGUMENT` for a non-positive `eps`.
 * @example
 * ```ts
 * layerNorm(tensor([[1, 3]]), [2], { eps: 0 }); // [[-1, 1]]
 * ```
 */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], options: LayerNormOptions = {}): Tensor {
  checkOptions('layerNorm', options, optionKeys<LayerNormOptions>({ weight: true, bias: true, eps: true }));
  requireTensor('layerNorm', x);
  requireFloat('layerNorm', x);
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new TensorError('INVALID_ARGUMENT', 'layerNorm', `normalizedShape must be a non-empty list of positive integers, got ${safeJson(normalizedShape)}`);
  }
  if (shape.length > x.rank || !shapesEqual(x.shape.slice(x.rank - shape.length), shape)) {
    throw new TensorError('SHAPE_MISMATCH', 'layerNorm', `normalizedShape ${fmtShape(shape)} must equal the trailing dimensions of x.shape=${fmtShape(x.shape)}`);
  }
  const eps = options.eps ?? 1e-5;
  if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) {
    throw new TensorError('INVALID_ARGUMENT', 'layerNorm', `eps must be a positive finite number, got ${String(eps)}`);
  }
  for (const [name, p] of [['weight', options.weight], ['bias', options.bias]] as const) {
    if (p === undefined) continue;
    requireTensor('layerNorm', p, name);
    requireSameDtype('layerNorm', p, x, name, 'x');
    if (!shapesEqual(p.shape, shape)) {
      throw new TensorError('SHAPE_MISMATCH', 'layerNorm', `${name}.shape=${fmtShape(p.shape)} must equal normalizedShape ${fmtShape(shape)}`);
    }
  }
  const normSize = sizeOf(shape);
  const axes = shape.map((_, i) => x.rank - shape.length + i);
  const attrs = { normalizedShape: [...shape], eps };
  const spec = [{ shape: [...x.shape], dtype: x.dtype }];
  let y: Tensor;
  if (x.size === 0 || x.backend.layerNorm) {
    y = runOp(layerNormSpec, [x], attrs)[0]!;
  } else {
    y = asOneOp(layerNormSpec, [x], attrs, () => [
      withTemps((temps) => {
        const mean = x.mean(axes, true);
        temps.push(mean);
        const centered = x.sub(mean);
        temps.push(centered);
        const sq = centered.square();
        temps.push(sq);
        const variance = sq.mean(axes, true);
        temps.push(variance);
        const shifted = variance.add(eps);
        temps.push(shifted);
        const inv = shifted.rsqrt();
        temps.push(inv);
        return centered.mul(inv);
      }),
    ])[0]!;
  }
  if (options.weight) {
    const scaled = y.mul(options.weight);
    y.dispose();
    y = scaled;
  }
  if (options.bias) {
    const shifted = y.add(options.bias);
    y.dispose();
    y = shifted;
  }
  return y;
}

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  /** Per-channel scale `[C]`. */
  readonly weight?: Tensor;
  /** Per-channel shift `[C]`. */
  readonly bias?: Tensor;
  /** Added to the variance (default 1e-5). */
  readonly eps?: number;
}

/**
 * Batch normalization of `x` `[N, C, ...]` with given per-channel statistics `mean` and
 * `variance` (`[C]`): `(x - mean) / sqrt(variance + eps) * weight + bias` along axis 1. The
 * statistics are the running ones in evaluation, or the batch's (computed from `x` with
 * differentiable ops) in training; the layers keep the running averages.
 *
 * @throws TensorError `SHAPE_MISMATCH` when `x` has rank below 2 or `mean`, `variance`,
 *   `weight`, `bias` are not `[C]`; `DTYPE_MISMATCH` for non-float or mixed dtypes;
 *   `INVALID_ARGUMENT` for a non-positive `eps`.
 * @example
 * ```ts
 * batchNorm(tensor([[1, 2], [3, 6]]), tensor([2, 4]), tensor([1, 4]), { eps: 0.001 }); // ≈ [[-1, -1], [1, 1]]
 * ```
 */
export function batchNorm(x: Tensor, mean: Tensor, variance: Tensor, options: BatchNormOptions = {}): Tensor {
  checkOptions('batchNorm', options, optionKeys<BatchNormOptions>({ weight: true, bias: true, eps: true }));
  const op = 'batchNorm';
  requireTensor(op, x);
  requireFloat(op, x);
  if (x.rank < 2) throw new TensorError('SHAPE_MISMATCH', op, `input must be [N, C, ...] (rank 2 or more), got shape ${fmtShape(x.shape)}`);
  const c = x.shape[1]!;
  const eps = options.eps ?? 1e-5;
  if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) {
    throw new TensorError('INVALID_ARGUMENT', op, `eps must be a positive finite number, got ${String(eps)}`);
  }
  const stats: Array<[string, Tensor | undefined]> = [['mean', mean], ['variance', variance], ['weight', options.weight], ['bias', options.bias]];
  for (const [name, p] of stats) {
    if (p === undefined && (name === 'weight' || name === 'bias')) continue;
    requireTensor(op, p, name);
    requireSameDtype(op, p, x, name, 'x');
    if (p.rank !== 1 || p.shape[0] !== c) {
      throw new TensorError('SHAPE_MISMATCH', op, `${name}.shape=${fmtShape(p.shape)} must be [${c}], the channels (axis 1) of x.shape=${fmtShape(x.shape)}`);
    }
  }
  const { weight, bias } = options;
  const inputs = [x, mean, variance, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const attrs = { eps, weight: weight !== undefined, bias: bias !== undefined };
  const spec = [{ shape: [...x.shape], dtype: x.dtype }];
  if (x.size === 0 || x.backend.batchNorm) {
    return runOp(batchNormSpec, inputs, attrs)[0]!;
  }
  return asOneOp(batchNormSpec, inputs, attrs, () => [
    withTemps((temps) => {
      const statShape = x.shape.map((d, i) => (i === 1 ? d : 1));
      const view = (t: Tensor): Tensor => {
        const r = reshape(t, statShape);
        temps.push(r);
        return r;
      };
      const centered = x.sub(view(mean));
      temps.push(centered);
      const shifted = view(variance).add(eps);
      temps.push(shifted);
      const inv = shifted.rsqrt();
      temps.push(inv);
      let y = centered.mul(inv);
      if (weight) {
        temps.push(y);
        y = y.mul(view(weight));
      }
      if (bias) {
        temps.push(y);
        y = y.add(view(bias));
      }
      return y;
    }),
  ])[0]!;
}

// ---------------------------------------------------------------- op table

/** Attributes of `layerNorm` (the affine part is an ordinary `mul`/`add` after it). */
export interface LayerNormAttrs {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
}

/** Attributes of `batchNorm`: inputs are `x, mean, variance`, then `weight` and `bias` when these flags say so. */
export interface BatchNormAttrs {
  readonly eps: number;
  readonly weight: boolean;
  readonly bias: boolean;
}

const layerNormSpec = defineOp<LayerNormAttrs>({
  name: 'layerNorm',
  family: 'norms',
  summary: 'Normalises the trailing `normalizedShape` axes to zero mean and unit variance.',
  kind: 'fused',
  backendKernel: 'layerNorm',
  onnx: onnxNodes(['LayerNormalization', 'ReduceMean', 'Sub', 'Mul', 'Add', 'Sqrt', 'Div'], (ctx) => {
    const { normalizedShape: normalized, eps } = ctx.attrs;
    const dt = ctx.inputDtypes[0]!;
    const x = ctx.inputs[0]!;
    if (ctx.opset >= 17) {
      const scale = ctx.graph.filled(1, dt, normalized);
      ctx.graph.node('LayerNormalization', [x, scale], ctx.outputs, { axis: -normalized.length, epsilon: { float: eps } });
      return;
    }
    const rank = ctx.inputShapes[0]!.length;
    const axes = normalized.map((_, i) => rank - normalized.length + i);
    const mean = (input: string): string => ctx.graph.node('ReduceMean', [input], 1, { axes, keepdims: 1 })[0]!;
    const [centered] = ctx.graph.node('Sub', [x, mean(x)]);
    const [sq] = ctx.graph.node('Mul', [centered!, centered!]);
    const [shifted] = ctx.graph.node('Add', [mean(sq!), scalarLike(ctx, eps, dt)]);
    const [std] = ctx.graph.node('Sqrt', [shifted!]);
    ctx.graph.node('Div', [centered!, std!], ctx.outputs);
  }),
  infer: ([x]) => [{ shape: x!.shape, dtype: x!.dtype }],
  kernel: (b, [x], [o], { normalizedShape, eps }) => b.layerNorm!(x!, sizeOf(normalizedShape), eps, o!),
  gradient: {
    saves: { inputs: [0], outputs: [0] },
    // y = (x − mean)·rstd, so dx = rstd·(dy − mean(dy) − y·mean(dy·y)).
    rule: (dy, { inputs: [x], outputs: [y], attrs: { normalizedShape, eps } }) => {
      const n = normalizedShape.length;
      const axes = Array.from({ length: n }, (_, i) => x!.rank - n + i);
      const centered = x!.sub(x!.mean(axes, true));
      const rstd = centered.square().mean(axes, true).add(eps).rsqrt();
      return [rstd.mul(dy.sub(dy.mean(axes, true)).sub(y!.mul(dy.mul(y!).mean(axes, true))))];
    },
  },
});

const batchNormSpec = defineOp<BatchNormAttrs>({
  name: 'batchNorm',
  family: 'norms',
  summary: '`(x − mean)·(variance + eps)^−½·weight + bias` per channel (axis 1).',
  kind: 'fused',
  backendKernel: 'batchNorm',
  onnx: onnxNodes(['BatchNormalization'], (ctx) => {
    const [x, mean, variance] = ctx.inputs as [string, string, string];
    const c = ctx.inputShapes[1]![0]!;
    const dt = ctx.inputDtypes[0]!;
    let next = 3;
    const weight = ctx.attrs.weight ? ctx.inputs[next++]! : ctx.graph.filled(1, dt, [c]);
    const bias = ctx.attrs.bias ? ctx.inputs[next++]! : ctx.graph.filled(0, dt, [c]);
    ctx.graph.node('BatchNormalization', [x, weight, bias, mean, variance], ctx.outputs, { epsilon: { float: ctx.attrs.eps } });
  }),
  infer: ([x]) => [{ shape: x!.shape, dtype: x!.dtype }],
  kernel: (b, infos, [out], { eps, weight, bias }) => {
    const [x, mean, variance] = infos;
    b.batchNorm!(x!, mean!, variance!, weight ? infos[3] : undefined, bias ? infos[weight ? 4 : 3] : undefined, eps, out!);
  },
  gradient: {
    // x, mean and the weight feed xhat (variance and weight gradients) and the weight scales dx;
    // the variance always enters through rstd; the bias is never read.
    savesNote: 'variance and weight; x and mean too when the variance or weight gradient is needed',
    saves: (needs, { weight }) => {
      const xhat = needs[2] === true || (weight && needs[3] === true);
      return { inputs: [...(xhat ? [0, 1] : []), 2, ...(weight ? [3] : [])] };
    },
    // y = (x − mean)·rstd·w + b per channel (axis 1), rstd = (var + eps)^−½, xhat = (x − mean)·rstd:
    // dx = dy·w·rstd, dmean = −Σ dy·w·rstd, dvar = −½ Σ dy·w·xhat·rstd², dw = Σ dy·xhat, db = Σ dy.
    rule: (dy, { inputs, inputShapes, attrs, needs }) => {
      const shape = inputShapes[0]!;
      const variance = inputs[2]!;
      const w = attrs.weight ? inputs[3] : undefined;
      const statShape = shape.map((d, i) => (i === 1 ? d : 1));
      const axes = shape.map((_, i) => i).filter((i) => i !== 1);
      const rstd = variance.add(attrs.eps).rsqrt();
      const rstdB = rstd.reshape(statShape);
      const dyw = w ? dy.mul(w.reshape(statShape)) : dy;
      const needXhat = needs[2] || (w !== undefined && needs[3]);
      const xhat = needXhat ? inputs[0]!.sub(inputs[1]!.reshape(statShape)).mul(rstdB) : undefined;
      const grads: (Tensor | undefined)[] = [
        needs[0] ? dyw.mul(rstdB) : undefined,
        needs[1] ? dyw.sum(axes).mul(rstd).neg() : undefined,
        needs[2] ? dyw.mul(xhat!).sum(axes).mul(rstd.square()).mul(-0.5) : undefined,
      ];
      if (w) grads.push(needs[3] ? dy.mul(xhat!).sum(axes) : undefined);
      if (attrs.bias) grads.push(needs[grads.length] ? dy.sum(axes) : undefined);
      return grads;
    },
  },
});

/** @internal The norms family's entries of the op table. */
export const normsSpecs: readonly AnyOpSpec[] = [layerNormSpec, batchNormSpec];
