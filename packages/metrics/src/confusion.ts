/**
 * The confusion-matrix family: one implementation of the counts (`ConfusionMatrixMetric`) shared by
 * `ConfusionMatrix`, `Precision`, `Recall`, `FBeta`, `F1Score`, `MatthewsCorrCoef` and `CohenKappa`,
 * and their functional forms.
 */
import { checkOptions, TensorError } from '@tessera/tensor-core';
import { checkLabels, checkNonEmpty, checkRank1, checkSameLength, type HostArray, type MetricInput } from './input.js';
import { numClassesOf, predictedLabels, thresholdOf, type LabelOptions } from './labels.js';
import { ACCUMULATE, BaseMetric, RESULT, checkMergeable, noData, oneShot } from './metric.js';
import { renderConfusionMatrix, withPlot, type ConfusionMatrixPlotOptions, type Plottable } from './plot.js';

/**
 * A confusion matrix (`matrix[t][p]`: samples of true class t predicted as p) that can draw itself:
 * `toSvg(options)` and `plot(path, options)` (non-enumerable; the value is otherwise a plain
 * `number[][]`). See `confusionMatrixSvg`.
 */
export type ConfusionMatrixResult = number[][] & Plottable<ConfusionMatrixPlotOptions>;

/**
 * How per-class scores are combined, as scikit-learn's `average`:
 * - `'binary'` (default): the score of class `posLabel` (1); labels must be 0 or 1.
 * - `'micro'`: from the counts summed over classes (equals accuracy for single-label data).
 * - `'macro'`: the unweighted mean over classes.
 * - `'weighted'`: the mean over classes weighted by support (true count).
 * - `'none'`: one score per class: `0..numClasses-1`, or the sorted labels present (scikit-learn's `average=None`).
 *
 * `'micro'`, `'macro'` and `'weighted'` use the classes present in the target or the prediction, as
 * scikit-learn does when `labels` is not given: a class that never appears anywhere is left out;
 * `'none'` reports it with the `zeroDivision` value.
 */
export type Average = 'binary' | 'micro' | 'macro' | 'weighted' | 'none';

/** What a metric averaged with `A` returns: one number, or one per class for `'none'`. */
export type AverageResult<A extends Average> = A extends 'none' ? number[] : number;

/**
 * Options of `precision`, `recall`, `fbeta`, `f1Score` and their classes.
 *
 * @example
 * ```ts
 * await precision([0, 2, 1], [0, 1, 1], { average: 'macro', zeroDivision: 1 });
 * ```
 */
export interface PrecisionRecallOptions<A extends Average = Average> extends LabelOptions {
  /** Default `'binary'`, as scikit-learn. */
  average?: A;
  /**
   * The value of a ratio whose denominator is 0 (no predicted, or no true, samples of a class):
   * 0 (default; scikit-learn's `'warn'` also returns 0), 1, or NaN. NaN scores are left out of
   * the `'macro'` and `'weighted'` means, as scikit-learn >= 1.3 does with `zero_division=np.nan`.
   */
  zeroDivision?: number;
  /** The positive class for `average: 'binary'`: 0 or 1. Default 1. */
  posLabel?: number;
}

/** Options of `fbeta` and `FBeta`. */
export interface FBetaOptions<A extends Average = Average> extends PrecisionRecallOptions<A> {
  /** Weight of recall: F-beta = (1 + beta²)·P·R / (beta²·P + R). Must be >= 0. */
  beta: number;
}

/** Options of `confusionMatrix` and `ConfusionMatrix`. */
export interface ConfusionMatrixOptions extends LabelOptions {
  /**
   * Divide each row (`'true'`), column (`'pred'`) or the whole matrix (`'all'`) by its sum, as
   * scikit-learn's `normalize`; rows or columns that sum to 0 stay 0. Default: counts.
   */
  normalize?: 'true' | 'pred' | 'all';
}

/** Options of `cohenKappa` and `CohenKappa`. */
export interface CohenKappaOptions extends LabelOptions {
  /**
   * Disagreement weights, as scikit-learn's `weights`: none (every disagreement costs 1), `'linear'`
   * (|i - j|) or `'quadratic'` ((i - j)²), with `i`, `j` the class indices.
   */
  weights?: 'linear' | 'quadratic';
}

/**
 * @internal Confusion counts over `labels`: `counts[t * size + p]` samples of true class
 * `labels[t]` predicted as `labels[p]`. The classes are `0..fixed-1` with `numClasses`, else the
 * sorted labels seen in the target or the prediction, as scikit-learn's `confusion_matrix`: a
 * label of 20000 adds one class, not 20000 (issue 14).
 */
export class ConfusionCounts {
  /** The classes, ascending. */
  labels: number[];
  size: number;
  counts: Float64Array;
  total = 0;
  #index = new Map<number, number>();

  constructor(readonly fixed: number | undefined) {
    this.labels = [];
    this.size = 0;
    this.counts = new Float64Array(0);
    if (fixed !== undefined) this.grow(fixed);
  }

  /** Makes sure the classes `0..size-1` are present (score columns name them). */
  grow(size: number): void {
    this.#include(Array.from({ length: size }, (_, i) => i));
  }

  /** Adds the classes among `values` not seen yet, keeping the counts of the others. */
  #include(values: Iterable<number>): void {
    let fresh: Set<number> | undefined;
    for (const v of values) {
      if (!this.#index.has(v)) (fresh ??= new Set()).add(v);
    }
    if (fresh === undefined) return;
    const labels = [...this.labels, ...fresh].sort((a, b) => a - b);
    const size = labels.length;
    const index = new Map(labels.map((label, i) => [label, i]));
    const next = new Float64Array(size * size);
    for (let t = 0; t < this.size; t++) {
      for (let p = 0; p < this.size; p++) next[index.get(this.labels[t]!)! * size + index.get(this.labels[p]!)!] = this.counts[t * this.size + p]!;
    }
    this.labels = labels;
    this.size = size;
    this.counts = next;
    this.#index = index;
  }

  add(trueLabels: Float64Array, predLabels: Float64Array): void {
    this.#include(trueLabels);
    this.#include(predLabels);
    const index = this.#index;
    for (let i = 0; i < trueLabels.length; i++) this.counts[index.get(trueLabels[i]!)! * this.size + index.get(predLabels[i]!)!]! += 1;
    this.total += trueLabels.length;
  }

  merge(other: ConfusionCounts): void {
    this.#include(other.labels);
    const index = this.#index;
    for (let t = 0; t < other.size; t++) {
      const row = index.get(other.labels[t]!)! * this.size;
      for (let p = 0; p < other.size; p++) this.counts[row + index.get(other.labels[p]!)!]! += other.counts[t * other.size + p]!;
    }
    this.total += other.total;
  }

  clear(): void {
    this.labels = [];
    this.size = 0;
    this.counts = new Float64Array(0);
    this.#index = new Map();
    this.total = 0;
    if (this.fixed !== undefined) this.grow(this.fixed);
  }

  /** Per class: true positives, predicted count (column sum), true count (row sum). */
  stats(): { tp: number[]; predSum: number[]; trueSum: number[] } {
    const n = this.size;
    const tp: number[] = [];
    const predSum: number[] = new Array<number>(n).fill(0);
    const trueSum: number[] = new Array<number>(n).fill(0);
    for (let t = 0; t < n; t++) {
      tp.push(this.counts[t * n + t]!);
      for (let p = 0; p < n; p++) {
        const c = this.counts[t * n + p]!;
        trueSum[t]! += c;
        predSum[p]! += c;
      }
    }
    return { tp, predSum, trueSum };
  }

  rows(): number[][] {
    const out: number[][] = [];
    for (let t = 0; t < this.size; t++) out.push(Array.from(this.counts.subarray(t * this.size, (t + 1) * this.size)));
    return out;
  }
}

const BINARY_HINT = "; average 'binary' needs labels 0 and 1, use average 'macro', 'micro', 'weighted' or 'none' for more classes";

/**
 * @internal The one implementation behind every metric computed from a confusion matrix: it
 * validates the labels and accumulates the counts; subclasses only turn the counts into a value.
 */
export abstract class ConfusionMatrixMetric<R> extends BaseMetric<R> {
  /** @internal */
  protected readonly counts: ConfusionCounts;
  /** @internal */
  protected readonly threshold: number | undefined;
  /** @internal */
  protected readonly hint: string;

  /** @internal */
  constructor(options: LabelOptions, op: string, binary = false) {
    super();
    const numClasses = numClassesOf(options, op);
    if (binary && numClasses !== undefined && numClasses !== 2) {
      throw new TensorError('INVALID_ARGUMENT', op, `average 'binary' needs 2 classes, got numClasses = ${numClasses}; use average 'macro', 'micro', 'weighted' or 'none'`);
    }
    this.threshold = thresholdOf(options, op);
    this.counts = new ConfusionCounts(binary ? 2 : numClasses);
    this.hint = binary ? BINARY_HINT : '';
  }

  /** @internal The options that must agree for `merge`. */
  protected abstract mergeKeys(): Record<string, unknown>;

  /** @internal */
  [ACCUMULATE](pred: HostArray, target: HostArray, op: string): void {
    checkNonEmpty(pred, op, 'pred');
    checkNonEmpty(target, op, 'target');
    checkRank1(target, op, 'target', 'class indices');
    checkSameLength(pred, target, op);
    const limit = this.counts.fixed ?? (pred.rank === 2 ? pred.cols : undefined);
    checkLabels(target, op, 'target', limit, this.hint);
    const labels = predictedLabels(pred, op, limit, this.threshold, this.hint);
    if (pred.rank === 2) this.counts.grow(pred.cols);
    this.counts.add(target.values, labels);
  }

  /** @internal The counts, or the no-data error. */
  protected nonEmptyCounts(op: string): ConfusionCounts {
    if (this.counts.total === 0) noData(op);
    return this.counts;
  }

  reset(): void {
    this.counts.clear();
  }

  merge(other: this): this {
    checkMergeable(this, other, this.label, { ...this.mergeKeys(), numClasses: this.counts.fixed, threshold: this.threshold }, other instanceof ConfusionMatrixMetric ? { ...other.mergeKeys(), numClasses: other.counts.fixed, threshold: other.threshold } : {});
    this.counts.merge(other.counts);
    return this;
  }
}

/** @internal `n / d`, or `zeroDivision` when `d` is 0. */
function divide(n: number, d: number, zeroDivision: number): number {
  return d === 0 ? zeroDivision : n / d;
}

/**
 * The mean of the non-NaN `values` (weighted when `weights` is given), as scikit-learn's
 * `_nanaverage`: NaN when every value is NaN; unweighted when the weights sum to 0.
 */
function nanAverage(values: number[], weights?: number[]): number {
  let sum = 0;
  let weightSum = 0;
  let plainSum = 0;
  let count = 0;
  values.forEach((v, i) => {
    if (Number.isNaN(v)) return;
    const w = weights ? weights[i]! : 1;
    sum += w * v;
    weightSum += w;
    plainSum += v;
    count += 1;
  });
  if (count === 0) return NaN;
  return weightSum === 0 ? plainSum / count : sum / weightSum;
}

type Score = 'precision' | 'recall' | 'fbeta';

/** @internal */
export interface ScoreSettings {
  score: Score;
  average: Average;
  zeroDivision: number;
  posLabel: number;
  beta: number;
}

function scoreOf(settings: ScoreSettings, tp: number, predSum: number, trueSum: number): number {
  const { score, zeroDivision } = settings;
  const beta2 = settings.beta * settings.beta;
  if (score === 'precision') return divide(tp, predSum, zeroDivision);
  if (score === 'recall') return divide(tp, trueSum, zeroDivision);
  // F-beta from the counts: (1 + b²)·tp / ((1 + b²)·tp + b²·fn + fp). It equals the formula on
  // precision and recall, and is 0 (not zeroDivision) when only one of them is undefined, as scikit-learn.
  const fn = trueSum - tp;
  const fp = predSum - tp;
  return divide((1 + beta2) * tp, (1 + beta2) * tp + beta2 * fn + fp, zeroDivision);
}

/** @internal Precision, recall or F-beta from the counts, averaged as `settings.average` says. */
function averagedScore(counts: ConfusionCounts, settings: ScoreSettings): number | number[] {
  const { tp, predSum, trueSum } = counts.stats();
  const perClass = tp.map((t, c) => scoreOf(settings, t, predSum[c]!, trueSum[c]!));
  switch (settings.average) {
    case 'none':
      return perClass;
    case 'binary':
      return perClass[settings.posLabel]!;
    case 'micro':
      return scoreOf(settings, sum(tp), sum(predSum), sum(trueSum));
    case 'macro':
    case 'weighted': {
      const present = tp.map((_, c) => trueSum[c]! > 0 || predSum[c]! > 0);
      const values = perClass.filter((_, c) => present[c]);
      const weights = settings.average === 'weighted' ? trueSum.filter((_, c) => present[c]) : undefined;
      return nanAverage(values, weights);
    }
  }
}

/**
 * @internal `createMetric`'s precision, recall and F1: the score of class 1 when at most 2 classes
 * were seen, the macro mean otherwise (scikit-learn's default 'binary' throws for more classes).
 */
export function autoAveragedScore(counts: ConfusionCounts, settings: ScoreSettings): number {
  if (counts.size > 2) return averagedScore(counts, { ...settings, average: 'macro' }) as number;
  const binary = new ConfusionCounts(undefined);
  binary.merge(counts);
  binary.grow(2);
  return averagedScore(binary, { ...settings, average: 'binary', posLabel: 1 }) as number;
}

function sum(values: number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

const AVERAGES: readonly Average[] = ['binary', 'micro', 'macro', 'weighted', 'none'];

function scoreSettings(score: Score, options: PrecisionRecallOptions & { beta?: number }, op: string): ScoreSettings {
  checkOptions(op, options, [...(score === 'fbeta' ? ['beta'] : []), 'average', 'zeroDivision', 'posLabel', 'numClasses', 'threshold']);
  const average = options.average ?? 'binary';
  if (!AVERAGES.includes(average)) {
    throw new TensorError('INVALID_ARGUMENT', op, `average must be one of ${AVERAGES.map((a) => `'${a}'`).join(', ')}, got ${String(average)}`);
  }
  const zeroDivision = options.zeroDivision ?? 0;
  if (!(zeroDivision === 0 || zeroDivision === 1 || Number.isNaN(zeroDivision))) {
    throw new TensorError('INVALID_ARGUMENT', op, `zeroDivision must be 0, 1 or NaN, got ${String(zeroDivision)}`);
  }
  const posLabel = options.posLabel ?? 1;
  if (posLabel !== 0 && posLabel !== 1) throw new TensorError('INVALID_ARGUMENT', op, `posLabel must be 0 or 1, got ${String(posLabel)}`);
  if (options.posLabel !== undefined && average !== 'binary') {
    throw new TensorError('INVALID_ARGUMENT', op, `posLabel only applies to average 'binary', got average '${average}'`);
  }
  const beta = score === 'fbeta' ? options.beta : 1;
  if (typeof beta !== 'number' || !(beta >= 0) || !Number.isFinite(beta)) {
    throw new TensorError('INVALID_ARGUMENT', op, `beta must be a finite number >= 0, got ${String(beta)}`);
  }
  return { score, average, zeroDivision, posLabel, beta };
}

abstract class ScoreMetric<A extends Average> extends ConfusionMatrixMetric<AverageResult<A>> {
  /** @internal */
  protected readonly settings: ScoreSettings;

  constructor(score: Score, options: PrecisionRecallOptions<A> & { beta?: number }, label: string) {
    const settings = scoreSettings(score, options, label);
    super(options, label, settings.average === 'binary');
    this.settings = settings;
  }

  /** @internal */
  protected mergeKeys(): Record<string, unknown> {
    return { ...this.settings };
  }

  /** @internal */
  [RESULT](op: string): AverageResult<A> {
    return averagedScore(this.nonEmptyCounts(op), this.settings) as AverageResult<A>;
  }
}

/**
 * Streaming precision: tp / (tp + fp). scikit-learn: `precision_score`.
 *
 * @example
 * ```ts
 * const m = new Precision({ average: 'macro' });
 * await m.update([0, 1, 2, 2], [0, 1, 1, 2]);
 * m.compute(); // (1 + 1 + 0.5) / 3
 * ```
 */
export class Precision<A extends Average = 'binary'> extends ScoreMetric<A> {
  readonly name: string = 'precision';
  protected readonly label: string = 'Precision';
  constructor(options: PrecisionRecallOptions<A> = {}) {
    super('precision', options, 'Precision');
  }
}

/**
 * Streaming recall (sensitivity): tp / (tp + fn). scikit-learn: `recall_score`.
 *
 * @example
 * ```ts
 * const m = new Recall({ average: 'none' });
 * await m.update([0, 1, 1], [0, 1, 0]);
 * m.compute(); // [0.5, 1]
 * ```
 */
export class Recall<A extends Average = 'binary'> extends ScoreMetric<A> {
  readonly name: string = 'recall';
  protected readonly label: string = 'Recall';
  constructor(options: PrecisionRecallOptions<A> = {}) {
    super('recall', options, 'Recall');
  }
}

/**
 * Streaming F-beta score. scikit-learn: `fbeta_score`.
 *
 * @example
 * ```ts
 * const m = new FBeta({ beta: 2 });
 * await m.update([1, 0, 1, 1], [1, 1, 0, 1]);
 * m.compute(); // 5·2 / (5·2 + 4·1 + 1) = 0.667
 * ```
 */
export class FBeta<A extends Average = 'binary'> extends ScoreMetric<A> {
  readonly name: string = 'fbeta';
  protected readonly label: string = 'FBeta';
  constructor(options: FBetaOptions<A>) {
    super('fbeta', options, 'FBeta');
  }
}

/**
 * Streaming F1 score, the harmonic mean of precision and recall. scikit-learn: `f1_score`.
 *
 * @example
 * ```ts
 * const m = new F1Score({ average: 'weighted' });
 * await m.update(logits, labels); // logits [N, C] → argmax
 * m.compute();
 * ```
 */
export class F1Score<A extends Average = 'binary'> extends ScoreMetric<A> {
  readonly name: string = 'f1';
  protected readonly label: string = 'F1Score';
  constructor(options: PrecisionRecallOptions<A> = {}) {
    super('fbeta', { ...checkOptions('F1Score', options, ['average', 'zeroDivision', 'posLabel', 'numClasses', 'threshold']), beta: 1 }, 'F1Score');
  }
}

/**
 * Streaming confusion matrix: `compute()[t][p]` counts the samples of true class `t` predicted as
 * `p` (rows are true classes, as scikit-learn's `confusion_matrix`).
 *
 * @example
 * ```ts
 * const m = new ConfusionMatrix({ numClasses: 3 });
 * await m.update([0, 2, 1], [0, 1, 1]);
 * m.compute(); // [[1, 0, 0], [0, 1, 1], [0, 0, 0]]
 * ```
 */
export class ConfusionMatrix extends ConfusionMatrixMetric<ConfusionMatrixResult> {
  readonly name: string = 'confusionMatrix';
  protected readonly label: string = 'ConfusionMatrix';
  readonly #normalize: ConfusionMatrixOptions['normalize'];

  constructor(options: ConfusionMatrixOptions = {}) {
    super(checkOptions('ConfusionMatrix', options, ['normalize', 'numClasses', 'threshold']) as ConfusionMatrixOptions, 'ConfusionMatrix');
    const normalize = options.normalize;
    if (normalize !== undefined && normalize !== 'true' && normalize !== 'pred' && normalize !== 'all') {
      throw new TensorError('INVALID_ARGUMENT', 'ConfusionMatrix', `normalize must be 'true', 'pred' or 'all', got ${String(normalize)}`);
    }
    this.#normalize = normalize;
  }

  /** @internal */
  protected mergeKeys(): Record<string, unknown> {
    return { normalize: this.#normalize };
  }

  /** @internal */
  [RESULT](op: string): ConfusionMatrixResult {
    return withPlot(this.#matrix(op), renderConfusionMatrix, 'confusionMatrix');
  }

  #matrix(op: string): number[][] {
    const rows = this.nonEmptyCounts(op).rows();
    const n = rows.length;
    if (this.#normalize === 'true') return rows.map((row) => row.map((v) => divide(v, sum(row), 0)));
    if (this.#normalize === 'pred') {
      const colSums = Array.from({ length: n }, (_, p) => sum(rows.map((row) => row[p]!)));
      return rows.map((row) => row.map((v, p) => divide(v, colSums[p]!, 0)));
    }
    if (this.#normalize === 'all') {
      const total = sum(rows.map(sum));
      return rows.map((row) => row.map((v) => v / total));
    }
    return rows;
  }
}

/**
 * Streaming Matthews correlation coefficient (multiclass R_K statistic); 0 when it is undefined
 * (a constant prediction or target), as scikit-learn's `matthews_corrcoef`.
 *
 * @example
 * ```ts
 * const m = new MatthewsCorrCoef();
 * await m.update([1, 0, 1, 1], [1, 1, 1, 0]);
 * m.compute(); // -0.333
 * ```
 */
export class MatthewsCorrCoef extends ConfusionMatrixMetric<number> {
  readonly name: string = 'mcc';
  protected readonly label: string = 'MatthewsCorrCoef';

  constructor(options: LabelOptions = {}) {
    super(checkOptions('MatthewsCorrCoef', options, ['numClasses', 'threshold']), 'MatthewsCorrCoef');
  }

  /** @internal */
  protected mergeKeys(): Record<string, unknown> {
    return {};
  }

  /** @internal */
  [RESULT](op: string): number {
    const { tp, predSum, trueSum } = this.nonEmptyCounts(op).stats();
    const correct = sum(tp);
    const n = sum(predSum);
    let dotTP = 0;
    let dotPP = 0;
    let dotTT = 0;
    trueSum.forEach((t, c) => {
      const p = predSum[c]!;
      dotTP += t * p;
      dotPP += p * p;
      dotTT += t * t;
    });
    const covTP = correct * n - dotTP;
    const covPP = n * n - dotPP;
    const covTT = n * n - dotTT;
    return covPP * covTT === 0 ? 0 : covTP / Math.sqrt(covTT * covPP);
  }
}

/**
 * Streaming Cohen's kappa, agreement between prediction and target corrected for chance. NaN when
 * the expected disagreement is 0 (both sides constant on one class), as scikit-learn's
 * `cohen_kappa_score` (which returns nan with a warning).
 *
 * @example
 * ```ts
 * const m = new CohenKappa({ weights: 'quadratic' });
 * await m.update([0, 1, 2, 2], [0, 1, 1, 2]);
 * m.compute();
 * ```
 */
export class CohenKappa extends ConfusionMatrixMetric<number> {
  readonly name: string = 'cohenKappa';
  protected readonly label: string = 'CohenKappa';
  readonly #weights: CohenKappaOptions['weights'];

  constructor(options: CohenKappaOptions = {}) {
    super(checkOptions('CohenKappa', options, ['weights', 'numClasses', 'threshold']) as CohenKappaOptions, 'CohenKappa');
    const weights = options.weights;
    if (weights !== undefined && weights !== 'linear' && weights !== 'quadratic') {
      throw new TensorError('INVALID_ARGUMENT', 'CohenKappa', `weights must be 'linear' or 'quadratic' (or omitted), got ${String(weights)}`);
    }
    this.#weights = weights;
  }

  /** @internal */
  protected mergeKeys(): Record<string, unknown> {
    return { weights: this.#weights };
  }

  /** @internal */
  [RESULT](op: string): number {
    const counts = this.nonEmptyCounts(op);
    const { predSum, trueSum } = counts.stats();
    const n = counts.size;
    const total = sum(trueSum);
    let observed = 0;
    let expected = 0;
    for (let t = 0; t < n; t++) {
      for (let p = 0; p < n; p++) {
        const w = this.#weights === undefined ? (t === p ? 0 : 1) : this.#weights === 'linear' ? Math.abs(t - p) : (t - p) ** 2;
        observed += w * counts.counts[t * n + p]!;
        expected += (w * trueSum[t]! * predSum[p]!) / total;
      }
    }
    // 0 / 0 is NaN, as in scikit-learn.
    return 1 - observed / expected;
  }
}

/**
 * Precision, tp / (tp + fp). scikit-learn: `precision_score(target, pred)`.
 *
 * `pred` may be labels `[N]`, probabilities of class 1 `[N]` (a float Tensor, or any array with `threshold`; thresholded at 0.5 by default) or scores `[N, C]`
 * (argmax); `target` holds class indices `[N]`.
 *
 * @throws TensorError `SHAPE_MISMATCH` when `pred` and `target` differ in length;
 *   `INVALID_ARGUMENT` for empty input, labels that are not class indices or out of range,
 *   probabilities outside [0, 1], labels other than 0/1 with `average: 'binary'`, or bad options.
 * @example
 * ```ts
 * await precision([1, 0, 1, 1], [1, 0, 0, 1]);                          // 2/3
 * await precision([[0.9, 0.1], [0.2, 0.8]], [0, 0], { average: 'macro' }); // 0.5 (class 1: 0/1)
 * ```
 */
export async function precision<A extends Average = 'binary'>(pred: MetricInput, target: MetricInput, options: PrecisionRecallOptions<A> = {}): Promise<AverageResult<A>> {
  return oneShot(new ScoreFn<A>('precision', options, 'precision'), pred, target, 'precision');
}

/**
 * Recall, tp / (tp + fn). scikit-learn: `recall_score(target, pred)`. Inputs and errors as `precision`.
 *
 * @example
 * ```ts
 * await recall([1, 0, 1, 1], [1, 1, 0, 1]);                    // 2/3
 * await recall([0, 2, 2], [0, 1, 2], { average: 'none' });      // [1, 0, 1]
 * ```
 */
export async function recall<A extends Average = 'binary'>(pred: MetricInput, target: MetricInput, options: PrecisionRecallOptions<A> = {}): Promise<AverageResult<A>> {
  return oneShot(new ScoreFn<A>('recall', options, 'recall'), pred, target, 'recall');
}

/**
 * F-beta score. scikit-learn: `fbeta_score(target, pred, beta=...)`. Inputs and errors as
 * `precision`; also throws `INVALID_ARGUMENT` when `beta` is negative or not finite.
 *
 * @example
 * ```ts
 * await fbeta([1, 0, 1, 1], [1, 1, 0, 1], { beta: 0.5 });
 * ```
 */
export async function fbeta<A extends Average = 'binary'>(pred: MetricInput, target: MetricInput, options: FBetaOptions<A>): Promise<AverageResult<A>> {
  return oneShot(new ScoreFn<A>('fbeta', options, 'fbeta'), pred, target, 'fbeta');
}

/**
 * F1 score. scikit-learn: `f1_score(target, pred)`. Inputs and errors as `precision`.
 *
 * @example
 * ```ts
 * await f1Score([1, 0, 1, 1], [1, 1, 0, 1]);                         // 2/3
 * await f1Score(logits, labels, { average: 'macro', numClasses: 10 });
 * ```
 */
export async function f1Score<A extends Average = 'binary'>(pred: MetricInput, target: MetricInput, options: PrecisionRecallOptions<A> = {}): Promise<AverageResult<A>> {
  return oneShot(new ScoreFn<A>('fbeta', { ...checkOptions('f1Score', options, ['average', 'zeroDivision', 'posLabel', 'numClasses', 'threshold']), beta: 1 }, 'f1Score'), pred, target, 'f1Score');
}

/**
 * The confusion matrix, rows = true class, columns = predicted class. scikit-learn:
 * `confusion_matrix(target, pred, labels=range(numClasses))`. Without `numClasses` the rows and
 * columns are the sorted labels present in the target or the prediction (or the score columns),
 * as `confusion_matrix(target, pred)`: `confusionMatrix([20000, 0], [0, 1])` is 3 × 3.
 *
 * The result is a plain `number[][]` that also carries `toSvg(options)` and `plot(path, options)`
 * (non-enumerable) to draw a heat map; see `confusionMatrixSvg` for the options.
 *
 * @throws TensorError as `precision`, and `INVALID_ARGUMENT` for an unknown `normalize`.
 * @example
 * ```ts
 * await confusionMatrix([0, 1, 1], [0, 0, 1]);                       // [[1, 1], [0, 1]]
 * await confusionMatrix([0, 1, 1], [0, 0, 1], { normalize: 'true' }); // [[0.5, 0.5], [0, 1]]
 * const cm = await confusionMatrix(logits, labels);
 * await cm.plot('confusion.svg', { labels: ['cat', 'dog', 'bird'] }); // Node: writes the heat map
 * ```
 */
export async function confusionMatrix(pred: MetricInput, target: MetricInput, options: ConfusionMatrixOptions = {}): Promise<ConfusionMatrixResult> {
  return oneShot(new ConfusionMatrix(options), pred, target, 'confusionMatrix');
}

/**
 * Matthews correlation coefficient. scikit-learn: `matthews_corrcoef(target, pred)`; 0 when
 * undefined. Inputs and errors as `precision`.
 *
 * @example
 * ```ts
 * await matthewsCorrCoef([1, 0, 1, 1], [1, 1, 1, 0]); // -0.333
 * ```
 */
export async function matthewsCorrCoef(pred: MetricInput, target: MetricInput, options: LabelOptions = {}): Promise<number> {
  return oneShot(new MatthewsCorrCoef(options), pred, target, 'matthewsCorrCoef');
}

/**
 * Cohen's kappa. scikit-learn: `cohen_kappa_score(target, pred, weights=...)`; NaN when both sides
 * are one constant class. Inputs and errors as `precision`.
 *
 * @example
 * ```ts
 * await cohenKappa([0, 1, 2, 2], [0, 1, 1, 2], { weights: 'linear' });
 * ```
 */
export async function cohenKappa(pred: MetricInput, target: MetricInput, options: CohenKappaOptions = {}): Promise<number> {
  return oneShot(new CohenKappa(options), pred, target, 'cohenKappa');
}

/** The class behind the functional forms, so that their errors name the function. */
class ScoreFn<A extends Average> extends ScoreMetric<A> {
  readonly name: string;
  protected readonly label: string;
  constructor(score: Score, options: PrecisionRecallOptions<A> & { beta?: number }, op: string) {
    super(score, options, op);
    this.name = op;
    this.label = op;
  }
}
