/**
 * layerNorm (observed as `layerNorm` `{ normalizedShape, eps }`, without the affine part, which is
 * an ordinary `mul`/`add` after it) and batchNorm (inputs `x, mean, variance` then `weight` and
 * `bias` when given; `{ eps, weight, bias }`): fused kernels with composite fallbacks.
 */
import { asOneOp, runKernel } from '../engine.js';
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
    y = runKernel('layerNorm', [x], attrs, spec, (backend, [xi], [o]) => backend.layerNorm!(xi!, normSize, eps, o!))[0]!;
  } else {
    y = asOneOp('layerNorm', [x], attrs, () => [
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
    return runKernel('batchNorm', inputs, attrs, spec, (backend, infos, [out]) => {
      const [xi, mi, vi] = infos;
      const wi = weight ? infos[3] : undefined;
      const bi = bias ? infos[weight ? 4 : 3] : undefined;
      backend.batchNorm!(xi!, mi!, vi!, wi, bi, eps, out!);
    })[0]!;
  }
  return asOneOp('batchNorm', inputs, attrs, () => [
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
