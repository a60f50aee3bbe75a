/**
 * Classification losses over a class axis: `crossEntropy` (from logits) and `nllLoss` (from
 * log-probabilities), with PyTorch's exact semantics: class weights, `ignoreIndex`, label
 * smoothing and the weighted mean (divided by the summed weights of the targets that count).
 */
import { check, checkValues, TensorError, fmtShape, isFloat, shapesEqual, takeAlongAxis, tidy, where, type Tensor } from '@tessera/tensor-core';
import type { LossOptions } from './regression.js';
import { REDUCTIONS, type Reduction } from './common.js';

/** Options of {@link nllLoss}. */
export interface NllLossOptions extends LossOptions {
  /**
   * A weight per class, float `[C]`. Each element's loss is multiplied by the weight of its
   * target class, and `'mean'` divides by the sum of those weights (not by the element count).
   */
  readonly weight?: Tensor;
  /** A target value that contributes neither loss nor gradient, nor a count to `'mean'` (default -100). */
  readonly ignoreIndex?: number;
}

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions extends NllLossOptions {
  /**
   * Label smoothing in `[0, 1]` (default 0): the target becomes `(1 − ε)·target + ε/C`, a mix
   * with the uniform distribution over the `C` classes.
   */
  readonly labelSmoothing?: number;
}

interface Parsed {
  readonly classAxis: number;
  readonly classes: number;
  readonly reduction: Reduction;
  readonly weight: Tensor | undefined;
  readonly ignoreIndex: number;
}

/**
 * Validates the input, the weight, the shared options and that the target is a live tensor, all
 * reported together; `labelSmoothing` too for crossEntropy.
 */
function parseCommon(op: string, input: unknown, target: unknown, options: unknown): Parsed & { smoothing: number } {
  const checks = check.all(op);
  const keys = op === 'crossEntropy' ? ['weight', 'ignoreIndex', 'reduction', 'labelSmoothing'] : ['weight', 'ignoreIndex', 'reduction'];
  const o = checks.options(options as CrossEntropyOptions | undefined, keys);
  const x = checks.tensor('input', input);
  if (x !== undefined && checks.dtype('input', x, 'float') && x.rank === 0) {
    checks.fail('SHAPE_MISMATCH', `input must be [C], [N, C] or [N, C, d1, ...], got a scalar (shape ${fmtShape(x.shape)})`, 'input');
  }
  const classAxis = x !== undefined && x.rank === 1 ? 0 : 1;
  const classes = x?.shape[classAxis] ?? 0;
  const reduction = checks.oneOf('reduction', o.reduction ?? 'mean', REDUCTIONS);
  const ignoreIndex = checks.int('ignoreIndex', o.ignoreIndex ?? -100);
  const smoothing = op === 'crossEntropy' ? checks.number('labelSmoothing', o.labelSmoothing ?? 0, { min: 0, max: 1 }) : 0;
  const weight = o.weight === undefined ? undefined : checks.tensor('weight', o.weight);
  if (weight !== undefined && checks.dtype('weight', weight, 'float') && x !== undefined && x.rank > 0 && (weight.rank !== 1 || weight.shape[0] !== classes)) {
    checks.fail('SHAPE_MISMATCH', `weight must have shape [C] = [${classes}] (C from input.shape=${fmtShape(x.shape)}), got weight.shape=${fmtShape(weight.shape)}`, 'weight');
  }
  checks.tensor('target', target);
  checks.done();
  return { classAxis, classes, reduction, weight, ignoreIndex, smoothing };
}

/** The shape class-index targets must have: the input's without the class axis. */
function indexShape(input: Tensor, classAxis: number): number[] {
  return input.shape.filter((_, i) => i !== classAxis);
}

/** Validates class-index targets: int32, the input's shape without the class axis, labels in range. */
function checkIndexTarget(op: string, input: Tensor, target: Tensor, p: Parsed): void {
  const expected = indexShape(input, p.classAxis);
  if (!shapesEqual(target.shape, expected)) {
    throw new TensorError(
      'SHAPE_MISMATCH',
      op,
      `class-index target must have the shape of input without the class axis (${p.classAxis}): input.shape=${fmtShape(input.shape)} needs target.shape=${fmtShape(expected)}, got target.shape=${fmtShape(target.shape)}`,
    );
  }
  // Checked on the host now, or on the device and reported at the next read (asynchronous backends).
  checkValues([target], {
    op,
    code: 'INDEX_OUT_OF_RANGE',
    host: ([labels]) => {
      for (let i = 0; i < labels!.length; i++) {
        const label = labels![i]!;
        if (label === p.ignoreIndex || (label >= 0 && label < p.classes)) continue;
        throw new TensorError(
          'INDEX_OUT_OF_RANGE',
          op,
          `target label ${label} at ${fmtShape(unravel(i, target.shape))} is out of range for ${p.classes} classes (valid: 0 to ${p.classes - 1}, or ignoreIndex=${p.ignoreIndex}); target.shape=${fmtShape(target.shape)}`,
        );
      }
    },
    device: ([labels]) => tidy(() => labels!.less(0).logicalOr(labels!.greaterEqual(p.classes)).logicalAnd(labels!.notEqual(p.ignoreIndex))),
  });
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(0);
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = flat % shape[i]!;
    flat = Math.floor(flat / shape[i]!);
  }
  return out;
}

/** `weight` reshaped to broadcast along the class axis of a rank-`rank` tensor. */
function weightAlongClasses(weight: Tensor, rank: number, classAxis: number): Tensor {
  return weight.reshape(Array.from({ length: rank }, (_, i) => (i === classAxis ? weight.shape[0]! : 1)));
}

/**
 * The loss of log-probabilities `logp` against class indices, with PyTorch's smoothing rule:
 * `(1 − ε)·nll + (ε/C)·Σ_c −w_c·logp_c`, both normalised by the summed target weights under
 * `'mean'`. Call inside `tidy`.
 */
function classIndexLoss(logp: Tensor, target: Tensor, p: Parsed, smoothing: number): Tensor {
  const ignored = target.equal(p.ignoreIndex);
  const safe = where(ignored, 0, target); // a valid index where ignored; masked out below
  const picked = takeAlongAxis(logp, safe.unsqueeze(p.classAxis), p.classAxis).squeeze(p.classAxis);
  const counted = ignored.logicalNot().cast(logp.dtype);
  const targetWeight = p.weight === undefined ? counted : p.weight.gather(safe, 0).cast(logp.dtype).mul(counted);
  let loss = where(ignored, 0, picked.mul(targetWeight).neg());
  if (smoothing > 0) {
    const weighted = p.weight === undefined ? logp : logp.mul(weightAlongClasses(p.weight, logp.rank, p.classAxis));
    const smooth = where(ignored, 0, weighted.sum(p.classAxis).neg());
    loss = loss.mul(1 - smoothing).add(smooth.mul(smoothing / p.classes));
  }
  if (p.reduction === 'none') return loss;
  if (p.reduction === 'sum') return loss.sum();
  return loss.sum().div(targetWeight.sum());
}

/**
 * Cross-entropy between logits and class indices or class probabilities (PyTorch
 * `F.cross_entropy`): `logSoftmax` over the class axis followed by the negative log-likelihood.
 *
 * - Class indices (int32 `target`, shape `[N]` / `[N, d1, ...]` / `[]`): the loss of element `i`
 *   is `−w[y_i]·log softmax(x_i)[y_i]`; elements whose target equals `ignoreIndex` count for
 *   nothing; `'mean'` divides the sum by `Σ w[y_i]` over the counted elements (the count when
 *   no weight is given; NaN when every target is ignored, as in PyTorch). With label smoothing
 *   ε the loss is `(1 − ε)·nll + (ε/C)·Σ_c −w_c·log softmax(x_i)_c`, normalised the same way.
 * - Class probabilities (float `target` shaped like `input`): `−Σ_c w_c·t_c·log softmax(x)_c`
 *   per element, with `t` smoothed to `(1 − ε)·t + ε/C`; `'mean'` divides by the number of
 *   elements (`N·d1·…`), not by the weights. `ignoreIndex` does not apply.
 *
 * @param prediction Logits `[C]`, `[N, C]` or `[N, C, d1, ...]` (float; the class axis is 1, or 0 for `[C]`).
 * @param target Class indices (int32) or probabilities (float, same shape as `prediction`).
 * @returns A scalar, or the per-element losses (shape `[N, d1, ...]`) with `reduction: 'none'`.
 * @throws TensorError `SHAPE_MISMATCH` for a target or weight of the wrong shape (both shapes are
 *   named); `DTYPE_MISMATCH` for a non-float input or weight or a bool target;
 *   `INDEX_OUT_OF_RANGE` for a label outside `[0, C)` that is not `ignoreIndex` (checked on
 *   backends with synchronous reads); `INVALID_ARGUMENT` for an unknown reduction, a
 *   `labelSmoothing` outside `[0, 1]` or a non-integer `ignoreIndex`; `TENSOR_DISPOSED`.
 * @example
 * ```ts
 * const logits = tensor([[2, 0, 0], [0, 0, 3]]);
 * const labels = tensor([0, 2], undefined, { dtype: 'int32' });
 * crossEntropy(logits, labels);                           // scalar
 * crossEntropy(logits, labels, { labelSmoothing: 0.1 });
 * crossEntropy(logits, labels, { reduction: 'none' });    // [2]
 * ```
 */
export function crossEntropy(prediction: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  const p = parseCommon(op, prediction, target, options);
  const smoothing = p.smoothing;
  if (isFloat(target.dtype)) {
    if (!shapesEqual(target.shape, prediction.shape)) {
      const looksLikeIndices = shapesEqual(target.shape, indexShape(prediction, p.classAxis));
      throw new TensorError(
        'SHAPE_MISMATCH',
        op,
        `probability target must have the shape of input: input.shape=${fmtShape(prediction.shape)}, target.shape=${fmtShape(target.shape)}${
          looksLikeIndices ? `; for class indices pass an int32 target (target.cast('int32'))` : ''
        }`,
      );
    }
    return tidy(() => probabilityLoss(prediction.logSoftmax(p.classAxis), target, p, smoothing));
  }
  if (target.dtype !== 'int32') {
    throw new TensorError('DTYPE_MISMATCH', op, `target must be int32 class indices or float probabilities, got dtype ${target.dtype} (shape ${fmtShape(target.shape)})`);
  }
  checkIndexTarget(op, prediction, target, p);
  return tidy(() => classIndexLoss(prediction.logSoftmax(p.classAxis), target, p, smoothing));
}

/** PyTorch's `cross_entropy_loss_prob_target`. Call inside `tidy`. */
function probabilityLoss(logp: Tensor, target: Tensor, p: Parsed, smoothing: number): Tensor {
  let t = target;
  if (smoothing > 0) t = t.mul(1 - smoothing).add(smoothing / p.classes);
  let product = logp.mul(t);
  if (p.weight !== undefined) product = product.mul(weightAlongClasses(p.weight, logp.rank, p.classAxis));
  if (p.reduction === 'none') return product.sum(p.classAxis).neg();
  if (p.reduction === 'sum') return product.sum().neg();
  return product.sum().neg().div(logp.size / p.classes);
}

/**
 * Negative log-likelihood of log-probabilities at class indices (PyTorch `F.nll_loss`): the loss
 * of element `i` is `−w[y_i]·input[i, y_i]`, with `ignoreIndex` and the weighted mean as in
 * {@link crossEntropy}. Feed it `logSoftmax(logits, 1)`; `crossEntropy` does both in one call.
 *
 * @param prediction Log-probabilities `[C]`, `[N, C]` or `[N, C, d1, ...]` (float).
 * @param target Class indices, int32 `[]`, `[N]` or `[N, d1, ...]`.
 * @returns A scalar, or the per-element losses with `reduction: 'none'`.
 * @throws TensorError `SHAPE_MISMATCH`, `DTYPE_MISMATCH` (a target that is not int32),
 *   `INDEX_OUT_OF_RANGE`, `INVALID_ARGUMENT`, `TENSOR_DISPOSED`, as {@link crossEntropy}.
 * @example
 * ```ts
 * const logp = tensor([[-0.1, -2.4], [-1.6, -0.2]]);
 * nllLoss(logp, tensor([0, 1], undefined, { dtype: 'int32' })); // (0.1 + 0.2) / 2 = 0.15
 * ```
 */
export function nllLoss(prediction: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const op = 'nllLoss';
  const p = parseCommon(op, prediction, target, options);
  if (target.dtype !== 'int32') {
    throw new TensorError('DTYPE_MISMATCH', op, `target must be int32 class indices, got dtype ${target.dtype} (shape ${fmtShape(target.shape)})`);
  }
  checkIndexTarget(op, prediction, target, p);
  return tidy(() => classIndexLoss(prediction, target, p, 0));
}
