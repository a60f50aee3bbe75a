/**
 * Log loss (cross-entropy of predicted probabilities), as scikit-learn 1.2's `log_loss`.
 */
import { checkOptions, TensorError } from '@tessera/tensor-core';
import { checkLabels, checkNonEmpty, checkProbabilities, checkRank1, checkSameLength, shapeOf, type HostArray, type MetricInput } from './input.js';
import { ACCUMULATE, BaseMetric, RESULT, checkMergeable, noData, oneShot } from './metric.js';

/**
 * Options of `logLoss` and `LogLoss`.
 *
 * @example
 * ```ts
 * await logLoss([0.9, 0.2], [1, 0], { eps: 1e-7 });
 * ```
 */
export interface LogLossOptions {
  /**
   * Probabilities are clipped to `[eps, 1 - eps]` so that a confident mistake costs a large finite
   * loss instead of Infinity. Default `Number.EPSILON` (2.2e-16): scikit-learn's `eps='auto'` for
   * float64 input, since metrics compute in float64 (scikit-learn would use float32's 1.2e-7 for
   * float32 arrays).
   */
  eps?: number;
}

/**
 * Streaming log loss: the mean of -log(p[true class]). scikit-learn: `log_loss`.
 *
 * @example
 * ```ts
 * const m = new LogLoss();
 * await m.update([[0.1, 0.9], [0.9, 0.1]], [1, 0]);
 * m.compute(); // -log(0.9) = 0.105
 * ```
 */
export class LogLoss extends BaseMetric<number> {
  readonly name: string = 'logLoss';
  protected readonly label: string = 'LogLoss';
  readonly #eps: number;
  #sum = 0;
  #count = 0;
  /** Columns of the probabilities: 1 for `[N]` probabilities of class 1. */
  #cols: number | undefined;

  constructor(options: LogLossOptions = {}) {
    super();
    checkOptions('LogLoss', options, ['eps']);
    const eps = options.eps ?? Number.EPSILON;
    if (typeof eps !== 'number' || !(eps >= 0 && eps < 0.5)) {
      throw new TensorError('INVALID_ARGUMENT', 'LogLoss', `eps must be a number in [0, 0.5), got ${String(eps)}`);
    }
    this.#eps = eps;
  }

  /** @internal */
  [ACCUMULATE](pred: HostArray, target: HostArray, op: string): void {
    checkNonEmpty(pred, op, 'pred');
    checkNonEmpty(target, op, 'target');
    checkRank1(target, op, 'target', 'class indices');
    checkSameLength(pred, target, op);
    const cols = pred.rank === 1 ? 1 : pred.cols;
    if (this.#cols !== undefined && cols !== this.#cols) {
      throw new TensorError('SHAPE_MISMATCH', op, `pred has shape ${shapeOf(pred)} but earlier batches had ${this.#cols === 1 ? 'shape [N]' : `${this.#cols} columns`}`);
    }
    checkProbabilities(pred, op, 'pred');
    checkLabels(target, op, 'target', cols === 1 ? 2 : cols, cols === 1 ? '; [N] probabilities are of class 1: targets must be 0 or 1' : ` (pred has ${cols} columns)`);
    const eps = this.#eps;
    const clip = (p: number): number => Math.min(Math.max(p, eps), 1 - eps);
    const { values } = pred;
    let batch = 0;
    for (let r = 0; r < target.rows; r++) {
      const t = target.values[r]!;
      if (cols === 1) {
        // As scikit-learn: clip p, then the row is [1 - p, p].
        const p = clip(values[r]!);
        batch -= Math.log(t === 1 ? p : 1 - p);
      } else {
        // As scikit-learn 1.2: clip, then renormalize the row to sum to 1.
        let rowSum = 0;
        for (let c = 0; c < cols; c++) rowSum += clip(values[r * cols + c]!);
        batch -= Math.log(clip(values[r * cols + t]!) / rowSum);
      }
    }
    this.#cols = cols;
    this.#sum += batch;
    this.#count += target.rows;
  }

  /** @internal */
  [RESULT](op: string): number {
    if (this.#count === 0) noData(op);
    return this.#sum / this.#count;
  }

  reset(): void {
    this.#sum = 0;
    this.#count = 0;
    this.#cols = undefined;
  }

  merge(other: this): this {
    checkMergeable(this, other, this.label, { eps: this.#eps }, other instanceof LogLoss ? { eps: other.#eps } : {});
    if (this.#cols !== undefined && other.#cols !== undefined && this.#cols !== other.#cols) {
      throw new TensorError('SHAPE_MISMATCH', `${this.label}.merge`, `this metric has seen ${this.#cols} probability columns but the other ${other.#cols}`);
    }
    this.#cols ??= other.#cols;
    this.#sum += other.#sum;
    this.#count += other.#count;
    return this;
  }
}

/**
 * Log loss: mean of -log(p[true class]), with probabilities clipped to `[eps, 1 - eps]` and rows
 * renormalized to sum to 1, as scikit-learn 1.2's `log_loss(target, pred, labels=range(C))`.
 *
 * @param pred Probabilities of class 1 `[N]`, or class probabilities `[N, C]`.
 * @param target Class indices `[N]`: 0/1 for `[N]` probabilities, `[0, C)` for `[N, C]`. The number
 *   of classes comes from `pred`, so a class may be missing from `target`.
 * @throws TensorError `SHAPE_MISMATCH` when the lengths differ; `INVALID_ARGUMENT` for empty input,
 *   probabilities outside [0, 1] (logits: apply softmax or sigmoid first), labels out of range or a
 *   bad `eps`.
 * @example
 * ```ts
 * await logLoss([[0.1, 0.9], [0.9, 0.1], [0.8, 0.2], [0.35, 0.65]], [1, 0, 0, 1]); // 0.216
 * ```
 */
export async function logLoss(pred: MetricInput, target: MetricInput, options: LogLossOptions = {}): Promise<number> {
  return oneShot(new LogLoss(options), pred, target, 'logLoss');
}
