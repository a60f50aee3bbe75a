/**
 * Binary cross-entropy, from probabilities (`binaryCrossEntropy`, PyTorch `F.binary_cross_entropy`)
 * and from logits (`binaryCrossEntropyWithLogits`, PyTorch
 * `F.binary_cross_entropy_with_logits`, the numerically stable one to train with).
 */
import { check, checkValues, isPlainObject, Tensor, TensorError, fmtShape, tidy, where } from '@tessera/tensor-core';
import type { LossOptions } from './regression.js';
import { checkLossInputs, checkWeight, reduce, type Reduction } from './common.js';

/** Options of {@link binaryCrossEntropy}. */
export interface BinaryCrossEntropyOptions extends LossOptions {
  /** Rescales each element's loss; float, broadcastable to the input's shape. */
  readonly weight?: Tensor;
}

/** Options of {@link binaryCrossEntropyWithLogits}. */
export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /**
   * Weight of the positive term, broadcastable to the input (usually `[C]` for `[N, C]`
   * multi-label input): `posWeight = negatives / positives` balances a rare positive class.
   */
  readonly posWeight?: Tensor;
}

function prepare(op: string, prediction: unknown, target: unknown, options: unknown): { reduction: Reduction; weight: Tensor | undefined } {
  const checks = check.all(op);
  const reduction = checkLossInputs(checks, options, op === 'binaryCrossEntropy' ? ['weight', 'reduction'] : ['weight', 'reduction', 'posWeight'], prediction, target, "; cast it with target.cast('float32')");
  const o = (isPlainObject(options) ? options : {}) as BinaryCrossEntropyWithLogitsOptions;
  const shape = prediction instanceof Tensor && !prediction.isDisposed ? prediction.shape : undefined;
  checkWeight(checks, 'weight', o.weight, shape);
  if (op === 'binaryCrossEntropyWithLogits') checkWeight(checks, 'posWeight', o.posWeight, shape);
  checks.done();
  return { reduction, weight: o.weight };
}

/**
 * `max(log(x), −100)` with a finite gradient everywhere: PyTorch clamps the log at −100 so that
 * a probability of exactly 0 or 1 gives a finite loss. The where-guard keeps `log(0)` out of the
 * graph, so the gradient at 0 is 0 instead of NaN. Call inside `tidy`.
 */
function clampedLog(x: Tensor): Tensor {
  const positive = x.greater(0);
  return where(positive, where(positive, x, 1).log(), -100).clamp(-100);
}

/**
 * Binary cross-entropy of probabilities (PyTorch `F.binary_cross_entropy`):
 * `−w·(y·log(x) + (1 − y)·log(1 − x))`, each log clamped to `>= −100` as PyTorch does, so
 * probabilities of exactly 0 or 1 give a finite loss (up to 100 per element). Prefer
 * {@link binaryCrossEntropyWithLogits} for training: it is stable for any logit.
 *
 * @param prediction Probabilities in `[0, 1]`, any shape (float).
 * @param target Targets in `[0, 1]` (float), same shape.
 * @returns A scalar, or a tensor shaped like `prediction` with `reduction: 'none'`.
 * @throws TensorError `SHAPE_MISMATCH` when the shapes differ or `weight` does not broadcast;
 *   `DTYPE_MISMATCH` for non-float tensors; `INVALID_ARGUMENT` for an input value outside
 *   `[0, 1]` (checked on backends with synchronous reads, as PyTorch does) or an unknown
 *   reduction; `TENSOR_DISPOSED`.
 * @example
 * ```ts
 * binaryCrossEntropy(tensor([0.9, 0.2]), tensor([1, 0])); // (−log 0.9 − log 0.8) / 2
 * ```
 */
export function binaryCrossEntropy(prediction: Tensor, target: Tensor, options: BinaryCrossEntropyOptions = {}): Tensor {
  const op = 'binaryCrossEntropy';
  const { reduction, weight } = prepare(op, prediction, target, options);
  // Checked on the host now, or on the device and reported at the next read (asynchronous backends).
  checkValues([prediction], {
    op,
    code: 'INVALID_ARGUMENT',
    host: ([values]) => {
      for (let i = 0; i < values!.length; i++) {
        const v = values![i]!;
        if (!(v >= 0 && v <= 1)) {
          throw new TensorError('INVALID_ARGUMENT', op, `input must hold probabilities in [0, 1], found ${v} at flat index ${i} (input.shape=${fmtShape(prediction.shape)}); for logits use binaryCrossEntropyWithLogits`);
        }
      }
    },
    // NaN fails both comparisons, so it is flagged as on the host.
    device: ([values]) => tidy(() => values!.greaterEqual(0).logicalAnd(values!.lessEqual(1)).logicalNot()),
  });
  return tidy(() => {
    const positive = target.mul(clampedLog(prediction));
    const negative = target.neg().add(1).mul(clampedLog(prediction.neg().add(1)));
    let loss = positive.add(negative).neg();
    if (weight !== undefined) loss = loss.mul(weight);
    return reduce(loss, reduction);
  });
}

/**
 * Binary cross-entropy of logits (PyTorch `F.binary_cross_entropy_with_logits`), computed
 * stably as `w·((1 − y)·x + (1 + (p − 1)·y)·softplus(−x))`, which equals
 * `−w·(p·y·log σ(x) + (1 − y)·log(1 − σ(x)))` without overflow for any logit `x`.
 *
 * @param prediction Logits, any shape (float).
 * @param target Targets in `[0, 1]` (float), same shape.
 * @returns A scalar, or a tensor shaped like `prediction` with `reduction: 'none'`.
 * @throws TensorError `SHAPE_MISMATCH` when the shapes differ or `weight` / `posWeight` do not
 *   broadcast; `DTYPE_MISMATCH` for non-float tensors; `INVALID_ARGUMENT` for an unknown
 *   reduction; `TENSOR_DISPOSED`.
 * @example
 * ```ts
 * const logits = tensor([[1.5, -0.3], [0.2, 2.0]]);
 * const labels = tensor([[1, 0], [0, 1]]);
 * binaryCrossEntropyWithLogits(logits, labels, { posWeight: tensor([3, 1]) });
 * ```
 */
export function binaryCrossEntropyWithLogits(prediction: Tensor, target: Tensor, options: BinaryCrossEntropyWithLogitsOptions = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  const { reduction, weight } = prepare(op, prediction, target, options);
  const posWeight = options.posWeight;
  return tidy(() => {
    const softplusNeg = prediction.neg().softplus(); // −log σ(x), stable
    const logWeight = posWeight === undefined ? undefined : posWeight.sub(1).mul(target).add(1);
    let loss = target.neg().add(1).mul(prediction).add(logWeight === undefined ? softplusNeg : logWeight.mul(softplusNeg));
    if (weight !== undefined) loss = loss.mul(weight);
    return reduce(loss, reduction);
  });
}
