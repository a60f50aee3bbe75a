/**
 * Regression losses: mean squared error, mean absolute error, Huber and smooth L1, with
 * PyTorch's formulas, defaults and reductions (`torch.nn.functional.mse_loss`, `l1_loss`,
 * `huber_loss`, `smooth_l1_loss`). Unlike PyTorch, prediction and target must have the same
 * shape: PyTorch broadcasts them with a warning, which hides the classic `[N, 1]` vs `[N]` bug.
 */
import { check, tidy, where, type Checks, type Tensor } from '@tessera/tensor-core';
import { checkLossInputs, reduce, type Reduction } from './common.js';

/** Options shared by the losses. */
export interface LossOptions {
  /** `'mean'` (default) of the per-element losses, their `'sum'`, or `'none'` (one loss per element). */
  readonly reduction?: Reduction;
}

/** Options of {@link huberLoss}. */
export interface HuberLossOptions extends LossOptions {
  /** Where the loss changes from quadratic to linear (default 1; must be > 0). */
  readonly delta?: number;
}

/** Options of {@link smoothL1Loss}. */
export interface SmoothL1LossOptions extends LossOptions {
  /** Where the loss changes from quadratic to linear (default 1; must be >= 0; 0 gives the L1 loss). */
  readonly beta?: number;
}

/**
 * Checks shared by the elementwise regression losses, with a loss's own options (`more`), all
 * reported together; returns the reduction.
 */
function prepare(op: string, prediction: unknown, target: unknown, options: unknown, more?: (checks: Checks) => void): Reduction {
  const checks = check.all(op);
  const keys = op === 'huberLoss' ? ['reduction', 'delta'] : op === 'smoothL1Loss' ? ['reduction', 'beta'] : ['reduction'];
  const reduction = checkLossInputs(checks, options, keys, prediction, target, "; cast it with target.cast('float32')");
  more?.(checks);
  checks.done();
  return reduction;
}

/**
 * Mean squared error, `mean((input − target)²)` (PyTorch `F.mse_loss`).
 *
 * @param prediction Float tensor of any shape.
 * @param target Float tensor of the same shape.
 * @returns A scalar, or a tensor shaped like `prediction` with `reduction: 'none'`.
 * @throws TensorError `SHAPE_MISMATCH` when the shapes differ (both are named);
 *   `DTYPE_MISMATCH` for a non-float input or target; `INVALID_ARGUMENT` for an unknown
 *   reduction; `TENSOR_DISPOSED`.
 * @example
 * ```ts
 * mseLoss(tensor([1, 2, 3]), tensor([1, 2, 5])); // 4/3
 * ```
 */
export function mseLoss(prediction: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const reduction = prepare('mseLoss', prediction, target, options);
  return tidy(() => reduce(prediction.sub(target).square(), reduction));
}

/**
 * Mean absolute error, `mean(|input − target|)` (PyTorch `F.l1_loss`). The gradient at a zero
 * difference is 0, as in PyTorch.
 *
 * @param prediction Float tensor of any shape.
 * @param target Float tensor of the same shape.
 * @returns A scalar, or a tensor shaped like `prediction` with `reduction: 'none'`.
 * @throws TensorError as {@link mseLoss}.
 * @example
 * ```ts
 * l1Loss(tensor([1, 2, 3]), tensor([1, 2, 5])); // 2/3
 * ```
 */
export function l1Loss(prediction: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const reduction = prepare('l1Loss', prediction, target, options);
  return tidy(() => reduce(prediction.sub(target).abs(), reduction));
}

/**
 * Huber loss (PyTorch `F.huber_loss`): with `d = input − target`,
 * `0.5·d²` where `|d| < delta`, else `delta·(|d| − 0.5·delta)`.
 *
 * @param prediction Float tensor of any shape.
 * @param target Float tensor of the same shape.
 * @returns A scalar, or a tensor shaped like `prediction` with `reduction: 'none'`.
 * @throws TensorError as {@link mseLoss}; `INVALID_ARGUMENT` unless `delta` is a finite number > 0.
 * @example
 * ```ts
 * huberLoss(tensor([0, 0]), tensor([0.5, 3]), { delta: 1 }); // mean(0.125, 2.5) = 1.3125
 * ```
 */
export function huberLoss(prediction: Tensor, target: Tensor, options: HuberLossOptions = {}): Tensor {
  let delta = 1;
  const reduction = prepare('huberLoss', prediction, target, options, (checks) => {
    delta = checks.number('delta', options.delta ?? 1, { min: 0, minExclusive: true });
  });
  return tidy(() => {
    const diff = prediction.sub(target);
    const size = diff.abs();
    return reduce(where(size.less(delta), diff.square().mul(0.5), size.sub(0.5 * delta).mul(delta)), reduction);
  });
}

/**
 * Smooth L1 loss (PyTorch `F.smooth_l1_loss`): with `d = input − target`,
 * `0.5·d²/beta` where `|d| < beta`, else `|d| − 0.5·beta`. Equals `huberLoss / beta` with
 * `delta = beta`; `beta = 0` gives the L1 loss.
 *
 * @param prediction Float tensor of any shape.
 * @param target Float tensor of the same shape.
 * @returns A scalar, or a tensor shaped like `prediction` with `reduction: 'none'`.
 * @throws TensorError as {@link mseLoss}; `INVALID_ARGUMENT` unless `beta` is a finite number >= 0.
 * @example
 * ```ts
 * smoothL1Loss(tensor([0, 0]), tensor([0.5, 3]), { beta: 1 }); // mean(0.125, 2.5) = 1.3125
 * ```
 */
export function smoothL1Loss(prediction: Tensor, target: Tensor, options: SmoothL1LossOptions = {}): Tensor {
  let beta = 1;
  const reduction = prepare('smoothL1Loss', prediction, target, options, (checks) => {
    beta = checks.number('beta', options.beta ?? 1, { min: 0 });
  });
  return tidy(() => {
    const size = prediction.sub(target).abs();
    // beta = 0 would divide by zero in the quadratic branch; PyTorch also falls back to L1 there.
    if (beta === 0) return reduce(size, reduction);
    return reduce(where(size.less(beta), size.square().mul(0.5 / beta), size.sub(0.5 * beta)), reduction);
  });
}
