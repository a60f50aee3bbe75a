/** Gradient clipping: clipGradNorm and clipGradValue. */
import { describeTensor, describeValue, check, checkOptions, Tensor, TensorError, clamp, div, isFloat, scalar, stack, tidy } from '@tessera/tensor-core';

/**
 * Options of {@link clipGradNorm}.
 * @example
 * ```ts
 * const { grads: clipped, totalNorm } = clipGradNorm(grads, 1, { normType: Infinity });
 * ```
 */
export interface ClipGradNormOptions {
  /** The p of the p-norm: any positive number, or `Infinity` for the max-norm. Default `2`. */
  normType?: number;
}

/**
 * What {@link clipGradNorm} returns.
 * @example
 * ```ts
 * const { grads: clipped, totalNorm }: ClipGradNormResult = clipGradNorm(grads, 1);
 * console.log(await totalNorm.item());
 * ```
 */
export interface ClipGradNormResult {
  /** The clipped gradients, keyed like the input (new tensors the caller owns). */
  grads: Map<Tensor, Tensor>;
  /**
   * The total norm of the gradients before clipping: a float32 scalar tensor the caller owns
   * (read it with `await totalNorm.item()`). A tensor rather than a number so that clipping
   * never waits for an asynchronous backend.
   */
  totalNorm: Tensor;
}

function checkGrads(op: string, grads: ReadonlyMap<Tensor, Tensor>): void {
  if (!(grads instanceof Map)) throw new TensorError('INVALID_ARGUMENT', op, `grads must be a Map from parameter to gradient, got ${describeValue(grads)}`);
  for (const [key, g] of grads) {
    if (!(g instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', op, `the gradient of ${describeValue(key)} must be a Tensor, got ${describeValue(g)}`);
    if (g.isDisposed) throw new TensorError('TENSOR_DISPOSED', op, `the gradient ${describeTensor(g)} was disposed`);
    if (!isFloat(g.dtype)) throw new TensorError('DTYPE_MISMATCH', op, `gradients must be float tensors, got ${describeTensor(g)}`);
  }
}

function pNorm(x: Tensor, p: number): Tensor {
  if (p === Infinity) return x.abs().max();
  if (p === 2) return x.square().sum().sqrt();
  if (p === 1) return x.abs().sum();
  return x.abs().pow(p).sum().pow(1 / p);
}

/**
 * Rescales all gradients together so that their total p-norm is at most `maxNorm`, like
 * `torch.nn.utils.clip_grad_norm_`: `total = ‖(‖g₁‖ₚ, ‖g₂‖ₚ, …)‖ₚ`, every gradient is multiplied
 * by `min(1, maxNorm / (total + 1e-6))`.
 *
 * Ownership: returns new tensors and disposes nothing; the caller disposes the input map, the
 * returned map and `totalNorm`.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a negative or non-finite `maxNorm`, a `normType` that
 * is not a positive number or `Infinity`, or `grads` that is not a Map of tensors;
 * `DTYPE_MISMATCH` for a non-float gradient; `TENSOR_DISPOSED` for a disposed one.
 * @example
 * ```ts
 * const grads = backward(loss);
 * const { grads: clipped, totalNorm } = clipGradNorm(grads, 1.0);
 * opt.step(clipped);
 * console.log(await totalNorm.item());
 * dispose([grads, clipped, totalNorm]);
 * ```
 */
export function clipGradNorm(grads: ReadonlyMap<Tensor, Tensor>, maxNorm: number, options: ClipGradNormOptions = {}): ClipGradNormResult {
  const op = 'clipGradNorm';
  checkOptions(op, options, ['normType']);
  check.number(op, 'maxNorm', maxNorm, { min: 0 });
  const normType = options.normType ?? 2;
  if (typeof normType !== 'number' || !(normType > 0)) {
    throw new TensorError('INVALID_ARGUMENT', op, `normType must be a positive number or Infinity, got ${describeValue(normType)}`);
  }
  checkGrads(op, grads);
  if (grads.size === 0) return { grads: new Map(), totalNorm: scalar(0) };
  const keys = [...grads.keys()];
  const [totalNorm, ...clipped] = tidy(() => {
    const norms = [...grads.values()].map((g) => pNorm(g, normType).cast('float32'));
    const total = pNorm(stack(norms), normType);
    const coefficient = clamp(div(maxNorm, total.add(1e-6)), undefined, 1);
    return [total, ...[...grads.values()].map((g) => g.mul(coefficient.cast(g.dtype)))];
  });
  return { grads: new Map(keys.map((key, i) => [key, clipped[i]!])), totalNorm: totalNorm! };
}

/**
 * Clamps every gradient element to `[-clipValue, clipValue]`, like
 * `torch.nn.utils.clip_grad_value_`.
 *
 * Ownership: returns a new map of new tensors and disposes nothing.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a negative or non-finite `clipValue` or `grads` that
 * is not a Map of tensors; `DTYPE_MISMATCH` for a non-float gradient; `TENSOR_DISPOSED` for a
 * disposed one.
 * @example
 * ```ts
 * const clipped = clipGradValue(grads, 0.5);
 * opt.step(clipped);
 * dispose([grads, clipped]);
 * ```
 */
export function clipGradValue(grads: ReadonlyMap<Tensor, Tensor>, clipValue: number): Map<Tensor, Tensor> {
  const op = 'clipGradValue';
  check.number(op, 'clipValue', clipValue, { min: 0 });
  checkGrads(op, grads);
  const clipped = new Map<Tensor, Tensor>();
  for (const [key, g] of grads) clipped.set(key, clamp(g, -clipValue, clipValue));
  return clipped;
}
