/**
 * Accuracy and top-k accuracy.
 */
import { checkOptions, TensorError } from '@tessera/tensor-core';
import { checkFinite, checkIntegerOption, checkLabels, checkNonEmpty, checkRank1, checkSameLength, shapeOf, type HostArray, type MetricInput } from './input.js';
import { numClassesOf, predictedLabels, thresholdOf, type LabelOptions } from './labels.js';
import { ACCUMULATE, BaseMetric, RESULT, checkMergeable, noData, oneShot } from './metric.js';

/**
 * Options of `accuracy` and `Accuracy`.
 *
 * @example
 * ```ts
 * await accuracy(scores, labels, { topK: 5 });
 * ```
 */
export interface AccuracyOptions extends LabelOptions {
  /**
   * Count a sample as correct when its true class is among the `topK` highest scores (needs
   * `[N, C]` scores when > 1). Default 1. Ties rank the lower class index first, as `argmax` does.
   */
  topK?: number;
}

/**
 * Streaming accuracy: the fraction of samples whose predicted class is the true class (or, with
 * `topK`, among the top k scores). scikit-learn: `accuracy_score`, `top_k_accuracy_score`.
 *
 * @example
 * ```ts
 * const m = new Accuracy({ topK: 2 });
 * await m.update([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7]], [1, 0]);
 * m.compute(); // 0.5
 * ```
 */
export class Accuracy extends BaseMetric<number> {
  readonly name: string = 'accuracy';
  protected readonly label: string = 'Accuracy';
  readonly #topK: number;
  readonly #numClasses: number | undefined;
  readonly #threshold: number | undefined;
  #correct = 0;
  #total = 0;

  constructor(options: AccuracyOptions = {}) {
    super();
    checkOptions('Accuracy', options, ['topK', 'numClasses', 'threshold']);
    this.#topK = options.topK ?? 1;
    checkIntegerOption(this.#topK, 'Accuracy', 'topK', 1);
    this.#numClasses = numClassesOf(options, 'Accuracy');
    this.#threshold = thresholdOf(options, 'Accuracy');
  }

  /** @internal */
  [ACCUMULATE](pred: HostArray, target: HostArray, op: string): void {
    checkNonEmpty(pred, op, 'pred');
    checkNonEmpty(target, op, 'target');
    checkRank1(target, op, 'target', 'class indices');
    checkSameLength(pred, target, op);
    const limit = this.#numClasses ?? (pred.rank === 2 ? pred.cols : undefined);
    checkLabels(target, op, 'target', limit);
    if (this.#topK === 1) {
      const labels = predictedLabels(pred, op, limit, this.#threshold);
      for (let i = 0; i < labels.length; i++) if (labels[i] === target.values[i]) this.#correct += 1;
    } else {
      if (pred.rank !== 2) {
        throw new TensorError('SHAPE_MISMATCH', op, `topK = ${this.#topK} needs scores of shape [N, C], got pred of shape ${shapeOf(pred)}`);
      }
      if (limit !== pred.cols) {
        throw new TensorError('SHAPE_MISMATCH', op, `pred has ${pred.cols} score columns (shape ${shapeOf(pred)}) but numClasses is ${String(limit)}`);
      }
      checkFinite(pred, op, 'pred');
      const { cols, values } = pred;
      for (let r = 0; r < pred.rows; r++) {
        const t = target.values[r]!;
        const mine = values[r * cols + t]!;
        // Classes ranked ahead of the true one: higher scores, and equal scores at lower indices.
        let ahead = 0;
        for (let c = 0; c < cols; c++) {
          const s = values[r * cols + c]!;
          if (s > mine || (s === mine && c < t)) ahead += 1;
        }
        if (ahead < this.#topK) this.#correct += 1;
      }
    }
    this.#total += target.rows;
  }

  /** @internal */
  [RESULT](op: string): number {
    if (this.#total === 0) noData(op);
    return this.#correct / this.#total;
  }

  reset(): void {
    this.#correct = 0;
    this.#total = 0;
  }

  merge(other: this): this {
    checkMergeable(this, other, this.label, this.#keys(), other instanceof Accuracy ? other.#keys() : {});
    this.#correct += other.#correct;
    this.#total += other.#total;
    return this;
  }

  #keys(): Record<string, unknown> {
    return { topK: this.#topK, numClasses: this.#numClasses, threshold: this.#threshold };
  }
}

/**
 * Accuracy: the fraction of samples whose predicted class equals `target`.
 * scikit-learn: `accuracy_score(target, pred)`; with `topK` > 1, `top_k_accuracy_score` (which
 * differs only on exact score ties: it ranks the higher class index first).
 *
 * `pred` may be labels `[N]`, probabilities of class 1 `[N]` (thresholded) or scores `[N, C]`
 * (argmax, or top-k); `target` holds class indices `[N]`.
 *
 * @throws TensorError `SHAPE_MISMATCH` when the lengths differ or `topK` > 1 without `[N, C]`
 *   scores; `INVALID_ARGUMENT` for empty input, labels that are not class indices or out of
 *   range, probabilities outside [0, 1], or a `topK` that is not a positive integer.
 * @example
 * ```ts
 * await accuracy([0, 1, 2, 2], [0, 1, 1, 2]);                         // 0.75
 * await accuracy([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3]], [2, 2], { topK: 2 }); // 1
 * ```
 */
export async function accuracy(pred: MetricInput, target: MetricInput, options: AccuracyOptions = {}): Promise<number> {
  return oneShot(new Accuracy(options), pred, target, 'accuracy');
}
