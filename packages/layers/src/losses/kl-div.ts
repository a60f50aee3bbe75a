/**
 * Kullback-Leibler divergence (PyTorch `F.kl_div`), with the input given as log-probabilities.
 */
import { check, tidy, where, type Tensor } from '@tessera/tensor-core';
import { reduce } from './common.js';

/** Reductions of {@link klDiv}: `'batchmean'` divides the sum by the batch size (the first axis). */
export type KlDivReduction = 'batchmean' | 'mean' | 'sum' | 'none';

/** Options of {@link klDiv}. */
export interface KlDivOptions {
  /**
   * `'batchmean'` (default): the sum divided by `input.shape[0]`, the true KL divergence per
   * sample. `'mean'` averages over every element (PyTorch's default, which is not the KL
   * divergence); `'sum'`; `'none'`.
   */
  readonly reduction?: KlDivReduction;
  /** Whether `target` holds log-probabilities too (default false: probabilities). */
  readonly logTarget?: boolean;
}

const KL_REDUCTIONS: readonly KlDivReduction[] = ['batchmean', 'mean', 'sum', 'none'];

/**
 * KL divergence `KL(target ‖ exp(input))` elementwise (PyTorch `F.kl_div`):
 * `target·(log(target) − input)`, with `0·log 0 = 0`; with `logTarget`,
 * `exp(target)·(target − input)`. Note the argument order: `input` is the model's
 * log-probabilities (`logSoftmax`), `target` the reference distribution.
 *
 * Deviation from PyTorch: the default reduction is `'batchmean'` (the mathematically correct
 * one, which PyTorch recommends but cannot make its default); pass `reduction: 'mean'` for
 * PyTorch's default.
 *
 * @param prediction Log-probabilities, any shape with a batch axis first for `'batchmean'` (float).
 * @param target Probabilities (or log-probabilities with `logTarget`), same shape (float).
 * @returns A scalar, or a tensor shaped like `prediction` with `reduction: 'none'`.
 * @throws TensorError `SHAPE_MISMATCH` when the shapes differ; `DTYPE_MISMATCH` for non-float
 *   tensors; `INVALID_ARGUMENT` for an unknown reduction or a non-boolean `logTarget`;
 *   `TENSOR_DISPOSED`.
 * @example
 * ```ts
 * const logq = tensor([[0.2, 0.8]]).log();
 * klDiv(logq, tensor([[0.5, 0.5]])); // 0.5·log(0.5/0.2) + 0.5·log(0.5/0.8)
 * ```
 */
export function klDiv(prediction: Tensor, target: Tensor, options: KlDivOptions = {}): Tensor {
  const op = 'klDiv';
  const checks = check.all(op);
  const o = checks.options(options, ['reduction', 'logTarget']);
  const input = checks.tensor('input', prediction);
  const labels = checks.tensor('target', target);
  if (input !== undefined) checks.dtype('input', input, 'float');
  if (labels !== undefined) checks.dtype('target', labels, 'float');
  if (input !== undefined && labels !== undefined) checks.sameShape(['input', 'target'], input, labels);
  const reduction = checks.oneOf<KlDivReduction>('reduction', o.reduction ?? 'batchmean', KL_REDUCTIONS);
  const logTarget = checks.boolean('logTarget', o.logTarget ?? false);
  checks.done();
  return tidy(() => {
    let loss: Tensor;
    if (logTarget) {
      loss = target.exp().mul(target.sub(prediction));
    } else {
      // xlogy(t, t) − t·input, with 0·log 0 = 0; the guard keeps log(0) out of the gradient.
      const zero = target.equal(0);
      const xlogx = where(zero, 0, target.mul(where(zero, 1, target).log()));
      loss = xlogx.sub(target.mul(prediction));
    }
    if (reduction === 'batchmean') {
      return prediction.rank === 0 ? loss.sum() : loss.sum().div(prediction.shape[0]!);
    }
    return reduce(loss, reduction);
  });
}
