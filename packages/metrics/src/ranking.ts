/**
 * Ranking metrics over scores: ROC curve and AUC-ROC, precision-recall curve and average precision.
 * The curves follow scikit-learn's `_binary_clf_curve`: samples sorted by decreasing score, one
 * point per distinct score, so tied scores collapse into one threshold and count exactly half in
 * the AUC.
 */
import { checkOptions, TensorError } from '@tessera/tensor-core';
import { GrowableBuffer, checkFinite, checkLabels, checkNonEmpty, checkRank1, checkSameLength, readInput, shapeOf, type HostArray, type MetricInput } from './input.js';
import { ACCUMULATE, BaseMetric, RESULT, checkMergeable, noData, oneShot } from './metric.js';
import { renderPrecisionRecallCurve, renderRocCurve, withPlot, type CurvePlotOptions, type Plottable } from './plot.js';

/**
 * How one-vs-rest scores are combined over classes for `[N, C]` scores, as scikit-learn's
 * `average` with `multi_class='ovr'`: `'macro'` (default) the unweighted mean over classes,
 * `'weighted'` weighted by support, `'micro'` one curve over all (sample, class) pairs, `'none'`
 * one value per class. Ignored for binary `[N]` scores.
 */
export type RankingAverage = 'macro' | 'weighted' | 'micro' | 'none';

/** What a ranking metric averaged with `A` returns: one number, or one per class for `'none'`. */
export type RankingResult<A extends RankingAverage> = A extends 'none' ? number[] : number;

/**
 * Options of `auroc`, `averagePrecision` and their classes.
 *
 * @example
 * ```ts
 * await auroc(probabilities, labels, { average: 'weighted' });
 * ```
 */
export interface RankingOptions<A extends RankingAverage = RankingAverage> {
  /** Default `'macro'`. */
  average?: A;
}

/**
 * Options of `rocCurve`.
 *
 * @example
 * ```ts
 * await rocCurve(scores, labels, { dropIntermediate: false });
 * ```
 */
export interface RocCurveOptions {
  /**
   * Drop thresholds whose point lies on a straight segment between its neighbours (they never change
   * the plotted curve or the AUC), as scikit-learn's `drop_intermediate`. Default true.
   */
  dropIntermediate?: boolean;
}

/**
 * A ROC curve: false and true positive rates for decreasing thresholds. `thresholds[0]` is
 * `max(score) + 1` (no sample predicted positive), as scikit-learn 1.2 (scikit-learn >= 1.3 uses
 * `Infinity` there).
 *
 * @example
 * ```ts
 * const { fpr, tpr, thresholds } = await rocCurve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]);
 * ```
 */
export interface RocCurve {
  fpr: number[];
  tpr: number[];
  thresholds: number[];
}

/**
 * A precision-recall curve for increasing thresholds, ending with the point (recall 0,
 * precision 1) that has no threshold, as scikit-learn.
 *
 * @example
 * ```ts
 * const { precision, recall, thresholds } = await precisionRecallCurve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]);
 * ```
 */
export interface PrecisionRecallCurve {
  precision: number[];
  recall: number[];
  thresholds: number[];
}

interface ClfCurve {
  fps: number[];
  tps: number[];
  thresholds: number[];
}

/**
 * False and true positive counts at each distinct score, from the highest score down
 * (scikit-learn's `_binary_clf_curve` without sample weights). `score(i)` and `positive(i)` read
 * sample i, so one column of an `[N, C]` matrix needs no copy.
 */
function clfCurve(n: number, score: (i: number) => number, positive: (i: number) => boolean): ClfCurve {
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) scores[i] = score(i);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[b]! - scores[a]!);
  const fps: number[] = [];
  const tps: number[] = [];
  const thresholds: number[] = [];
  let tp = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    if (positive(i)) tp += 1;
    const s = scores[i]!;
    if (k === n - 1 || scores[order[k + 1]!] !== s) {
      tps.push(tp);
      fps.push(k + 1 - tp);
      thresholds.push(s);
    }
  }
  return { fps, tps, thresholds };
}

function rocFromCurve(curve: ClfCurve, dropIntermediate: boolean): RocCurve {
  let { fps, tps, thresholds } = curve;
  if (dropIntermediate && fps.length > 2) {
    // Keep the ends and every corner: where either count's second difference is non-zero.
    const keep: number[] = [];
    for (let i = 0; i < fps.length; i++) {
      const corner = i === 0 || i === fps.length - 1 || fps[i + 1]! - 2 * fps[i]! + fps[i - 1]! !== 0 || tps[i + 1]! - 2 * tps[i]! + tps[i - 1]! !== 0;
      if (corner) keep.push(i);
    }
    fps = keep.map((i) => fps[i]!);
    tps = keep.map((i) => tps[i]!);
    thresholds = keep.map((i) => thresholds[i]!);
  }
  fps = [0, ...fps];
  tps = [0, ...tps];
  thresholds = [thresholds[0]! + 1, ...thresholds];
  const lastF = fps[fps.length - 1]!;
  const lastT = tps[tps.length - 1]!;
  // No negatives (or no positives): the rate is undefined; scikit-learn warns and returns NaN.
  const fpr = fps.map((f) => (lastF > 0 ? f / lastF : NaN));
  const tpr = tps.map((t) => (lastT > 0 ? t / lastT : NaN));
  return { fpr, tpr, thresholds };
}

function prFromCurve(curve: ClfCurve): PrecisionRecallCurve {
  const { fps, tps, thresholds } = curve;
  const lastT = tps[tps.length - 1]!;
  const precision = tps.map((t, i) => (t + fps[i]! === 0 ? 0 : t / (t + fps[i]!)));
  // No positive sample: scikit-learn sets recall to 1 at every threshold (and warns).
  const recall = tps.map((t) => (lastT === 0 ? 1 : t / lastT));
  return { precision: [...precision.reverse(), 1], recall: [...recall.reverse(), 0], thresholds: [...thresholds].reverse() };
}

/** The step-wise (not interpolated) area under the PR curve: Σ (R[i] - R[i+1]) · P[i]. */
function apFromCurve(curve: ClfCurve): number {
  const { precision, recall } = prFromCurve(curve);
  let area = 0;
  for (let i = 0; i < precision.length - 1; i++) area -= (recall[i + 1]! - recall[i]!) * precision[i]!;
  return area;
}

/**
 * The area under a curve by the trapezoidal rule, as scikit-learn's `auc`: `x` must be monotonic
 * (increasing or decreasing).
 *
 * Synchronous: it takes the plain arrays that `rocCurve` and `precisionRecallCurve` return.
 *
 * @throws TensorError `SHAPE_MISMATCH` when `x` and `y` differ in length; `INVALID_ARGUMENT` with
 *   fewer than 2 points or a non-monotonic `x`.
 * @example
 * ```ts
 * const { fpr, tpr } = await rocCurve(scores, labels);
 * auc(fpr, tpr); // equals await auroc(scores, labels)
 * auc([0, 1, 2], [0, 1, 0]); // 1
 * ```
 */
export function auc(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new TensorError('SHAPE_MISMATCH', 'auc', `x has ${x.length} points but y has ${y.length}`);
  if (x.length < 2) throw new TensorError('INVALID_ARGUMENT', 'auc', `at least 2 points are needed to compute an area, got ${x.length}`);
  let increasing = true;
  let decreasing = true;
  for (let i = 1; i < x.length; i++) {
    const d = x[i]! - x[i - 1]!;
    if (d < 0) increasing = false;
    if (d > 0) decreasing = false;
  }
  if (!increasing && !decreasing) throw new TensorError('INVALID_ARGUMENT', 'auc', 'x is neither increasing nor decreasing');
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!)) / 2;
  return increasing ? area : -area;
}

/** @internal Checks binary `[N]` scores and `{0, 1}` targets. */
function readBinary(scores: HostArray, target: HostArray, op: string): void {
  checkNonEmpty(scores, op, 'pred');
  checkNonEmpty(target, op, 'target');
  checkRank1(scores, op, 'pred', 'binary scores (for [N, C] scores use auroc or averagePrecision, or pass one column)');
  checkRank1(target, op, 'target', 'class indices');
  checkSameLength(scores, target, op);
  checkFinite(scores, op, 'pred');
  checkLabels(target, op, 'target', 2, '; binary curves need targets 0 or 1');
}

/**
 * The ROC curve of binary scores. scikit-learn: `roc_curve(target, scores, drop_intermediate=...)`.
 * When `target` has a single class, the rate it cannot define is all NaN (scikit-learn warns).
 * The result also carries `toSvg(options)` and `plot(path, options)` (non-enumerable); see
 * `rocCurveSvg`.
 *
 * @param pred Scores `[N]`: probabilities, logits or any real value; higher means class 1.
 * @param target Labels `[N]`, 0 or 1.
 * @throws TensorError `SHAPE_MISMATCH` for lengths that differ or scores not of shape `[N]`;
 *   `INVALID_ARGUMENT` for empty input, non-finite scores or labels other than 0 and 1.
 * @example
 * ```ts
 * const { fpr, tpr, thresholds } = await rocCurve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]);
 * // fpr [0, 0, 0.5, 0.5, 1], tpr [0, 0.5, 0.5, 1, 1], thresholds [1.8, 0.8, 0.4, 0.35, 0.1]
 * const roc = await rocCurve(scores, labels);
 * await roc.plot('roc.svg');        // Node: writes the curve, AUC in the legend
 * ```
 */
export async function rocCurve(pred: MetricInput, target: MetricInput, options: RocCurveOptions = {}): Promise<RocCurve & Plottable<CurvePlotOptions>> {
  checkOptions('rocCurve', options, ['dropIntermediate']);
  const [s, t] = await Promise.all([readInput(pred, 'rocCurve', 'pred'), readInput(target, 'rocCurve', 'target')]);
  readBinary(s, t, 'rocCurve');
  const curve = rocFromCurve(
    clfCurve(s.rows, (i) => s.values[i]!, (i) => t.values[i] === 1),
    options.dropIntermediate ?? true,
  );
  return withPlot(curve, renderRocCurve, 'rocCurve');
}

/**
 * The precision-recall curve of binary scores. scikit-learn: `precision_recall_curve(target, scores)`.
 * With no positive sample recall is 1 at every threshold, as scikit-learn. The result also carries
 * `toSvg(options)` and `plot(path, options)` (non-enumerable); see `precisionRecallCurveSvg`.
 *
 * @throws TensorError as `rocCurve`.
 * @example
 * ```ts
 * const { precision, recall, thresholds } = await precisionRecallCurve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]);
 * // precision [0.5, 0.667, 0.5, 1, 1], recall [1, 1, 0.5, 0.5, 0], thresholds [0.1, 0.35, 0.4, 0.8]
 * ```
 */
export async function precisionRecallCurve(pred: MetricInput, target: MetricInput): Promise<PrecisionRecallCurve & Plottable<CurvePlotOptions>> {
  const [s, t] = await Promise.all([readInput(pred, 'precisionRecallCurve', 'pred'), readInput(target, 'precisionRecallCurve', 'target')]);
  readBinary(s, t, 'precisionRecallCurve');
  return withPlot(prFromCurve(clfCurve(s.rows, (i) => s.values[i]!, (i) => t.values[i] === 1)), renderPrecisionRecallCurve, 'precisionRecallCurve');
}

const RANKING_AVERAGES: readonly RankingAverage[] = ['macro', 'weighted', 'micro', 'none'];

type Kind = 'auroc' | 'averagePrecision';

/** The shared state of `AUROC` and `AveragePrecision`: every score and target seen (merge concatenates). */
abstract class RankingMetric<A extends RankingAverage> extends BaseMetric<RankingResult<A>> {
  readonly #kind: Kind;
  readonly #average: RankingAverage;
  #scores = new GrowableBuffer();
  #targets = new GrowableBuffer();
  /** Score columns: 1 for binary `[N]` scores; undefined before the first batch. */
  #cols: number | undefined;

  constructor(kind: Kind, options: RankingOptions<A>, op: string) {
    super();
    checkOptions(op, options, ['average']);
    this.#kind = kind;
    const average = options.average ?? 'macro';
    if (!RANKING_AVERAGES.includes(average)) {
      throw new TensorError('INVALID_ARGUMENT', op, `average must be one of ${RANKING_AVERAGES.map((a) => `'${a}'`).join(', ')}, got ${String(average)}`);
    }
    this.#average = average;
  }

  /** @internal */
  [ACCUMULATE](pred: HostArray, target: HostArray, op: string): void {
    checkNonEmpty(pred, op, 'pred');
    checkNonEmpty(target, op, 'target');
    checkRank1(target, op, 'target', 'class indices');
    checkSameLength(pred, target, op);
    checkFinite(pred, op, 'pred');
    const cols = pred.rank === 1 ? 1 : pred.cols;
    if (this.#cols !== undefined && cols !== this.#cols) {
      throw new TensorError('SHAPE_MISMATCH', op, `pred has shape ${shapeOf(pred)} but earlier batches had ${this.#cols === 1 ? 'shape [N]' : `${this.#cols} columns`}`);
    }
    if (cols === 1) checkLabels(target, op, 'target', 2, '; [N] scores are binary: targets must be 0 or 1');
    else checkLabels(target, op, 'target', cols, ` (pred has ${cols} score columns)`);
    if (this.#kind === 'auroc' && cols > 1) {
      // As scikit-learn: one-vs-rest AUC needs probabilities (np.allclose(row sum, 1)).
      for (let r = 0; r < pred.rows; r++) {
        let s = 0;
        for (let c = 0; c < cols; c++) s += pred.values[r * cols + c]!;
        if (!(Math.abs(s - 1) <= 1e-8 + 1e-5 * Math.abs(s))) {
          throw new TensorError('INVALID_ARGUMENT', op, `row ${r} of pred sums to ${s}; multiclass AUROC needs probabilities that sum to 1 over classes (apply softmax)`);
        }
      }
    }
    this.#cols = cols;
    this.#scores.push(pred.values);
    this.#targets.push(target.values);
  }

  /** @internal */
  [RESULT](op: string): RankingResult<A> {
    const cols = this.#cols;
    if (cols === undefined) noData(op);
    const scores = this.#scores.view();
    const targets = this.#targets.view();
    const n = targets.length;
    const fromCurve = (curve: ClfCurve, what: string): number => {
      if (this.#kind === 'averagePrecision') return apFromCurve(curve);
      const last = curve.tps.length - 1;
      if (curve.tps[last] === 0 || curve.fps[last] === 0) {
        throw new TensorError('INVALID_ARGUMENT', op, `only one class present in target${what}; ROC AUC is undefined then (scikit-learn raises ValueError)`);
      }
      const roc = rocFromCurve(curve, true);
      return auc(roc.fpr, roc.tpr);
    };
    if (cols === 1) {
      return fromCurve(clfCurve(n, (i) => scores[i]!, (i) => targets[i] === 1), '') as RankingResult<A>;
    }
    const support = new Array<number>(cols).fill(0);
    for (let i = 0; i < n; i++) support[targets[i]!]! += 1;
    if (this.#kind === 'auroc') {
      const missing = support.findIndex((s) => s === 0);
      if (missing >= 0) {
        throw new TensorError('INVALID_ARGUMENT', op, `class ${missing} never appears in target, so its one-vs-rest ROC AUC is undefined (scikit-learn raises ValueError); target must contain all ${cols} classes`);
      }
    }
    if (this.#average === 'micro') {
      // One curve over all N·C (sample, class) pairs of the one-hot target.
      return fromCurve(clfCurve(n * cols, (k) => scores[k]!, (k) => targets[Math.floor(k / cols)] === k % cols), '') as RankingResult<A>;
    }
    const perClass = support.map((_, c) =>
      fromCurve(clfCurve(n, (i) => scores[i * cols + c]!, (i) => targets[i] === c), ` for class ${c}`),
    );
    if (this.#average === 'none') return perClass as RankingResult<A>;
    let total = 0;
    let weightSum = 0;
    perClass.forEach((v, c) => {
      const w = this.#average === 'weighted' ? support[c]! : 1;
      total += w * v;
      weightSum += w;
    });
    return (total / weightSum) as RankingResult<A>;
  }

  reset(): void {
    this.#scores.clear();
    this.#targets.clear();
    this.#cols = undefined;
  }

  merge(other: this): this {
    checkMergeable(this, other, this.label, { average: this.#average }, other instanceof RankingMetric ? { average: other.#average } : {});
    if (other.#cols === undefined) return this;
    if (this.#cols !== undefined && this.#cols !== other.#cols) {
      throw new TensorError('SHAPE_MISMATCH', `${this.label}.merge`, `this metric has seen ${this.#cols} score columns but the other ${other.#cols}`);
    }
    this.#cols = other.#cols;
    this.#scores.push(other.#scores.view());
    this.#targets.push(other.#targets.view());
    return this;
  }
}

/**
 * Streaming area under the ROC curve. Keeps every score (memory O(N)); `merge` concatenates.
 * scikit-learn: `roc_auc_score` (`multi_class='ovr'` for `[N, C]` scores).
 *
 * `compute()` throws `INVALID_ARGUMENT` when a class the AUC needs is missing from the targets:
 * a single class for binary scores, any class for `[N, C]` scores (scikit-learn raises ValueError).
 *
 * @example
 * ```ts
 * const m = new AUROC();
 * await m.update([0.1, 0.4], [0, 0]);
 * await m.update([0.35, 0.8], [1, 1]);
 * m.compute(); // 0.75
 * ```
 */
export class AUROC<A extends RankingAverage = 'macro'> extends RankingMetric<A> {
  readonly name: string = 'auroc';
  protected readonly label: string = 'AUROC';
  constructor(options: RankingOptions<A> = {}) {
    super('auroc', options, 'AUROC');
  }
}

/**
 * Streaming average precision (step-wise area under the precision-recall curve, not interpolated).
 * Keeps every score; `merge` concatenates. scikit-learn: `average_precision_score` (one-vs-rest
 * for `[N, C]` scores, as on `label_binarize(target)`); a class with no positive sample scores 0.
 *
 * @example
 * ```ts
 * const m = new AveragePrecision();
 * await m.update([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]);
 * m.compute(); // 0.833
 * ```
 */
export class AveragePrecision<A extends RankingAverage = 'macro'> extends RankingMetric<A> {
  readonly name: string = 'averagePrecision';
  protected readonly label: string = 'AveragePrecision';
  constructor(options: RankingOptions<A> = {}) {
    super('averagePrecision', options, 'AveragePrecision');
  }
}

class RankingFn<A extends RankingAverage> extends RankingMetric<A> {
  readonly name: string;
  protected readonly label: string;
  constructor(kind: Kind, options: RankingOptions<A>) {
    super(kind, options, kind);
    this.name = kind;
    this.label = kind;
  }
}

/**
 * Area under the ROC curve; ties in the scores count one half, exactly.
 * scikit-learn: `roc_auc_score(target, scores, multi_class='ovr', average=...)`.
 *
 * @param pred Binary scores `[N]` (higher means class 1), or class probabilities `[N, C]` whose rows
 *   sum to 1 (one-vs-rest).
 * @param target Class indices `[N]`: 0/1 for `[N]` scores, `[0, C)` for `[N, C]`.
 * @throws TensorError `SHAPE_MISMATCH` when the lengths differ; `INVALID_ARGUMENT` for empty input,
 *   non-finite scores, labels out of range, rows that do not sum to 1, or a target missing a class
 *   (AUC undefined; scikit-learn raises ValueError).
 * @example
 * ```ts
 * await auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]); // 0.75
 * await auroc([[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8]], [0, 1, 2], { average: 'weighted' }); // 1
 * ```
 */
export async function auroc<A extends RankingAverage = 'macro'>(pred: MetricInput, target: MetricInput, options: RankingOptions<A> = {}): Promise<RankingResult<A>> {
  return oneShot(new RankingFn<A>('auroc', options), pred, target, 'auroc');
}

/**
 * Average precision, AP = Σ (R_n - R_{n-1}) · P_n over thresholds (step-wise, not interpolated).
 * scikit-learn: `average_precision_score` (on `label_binarize(target)` for `[N, C]` scores).
 * A class with no positive sample scores 0 (recall is set to 1, as scikit-learn).
 *
 * @throws TensorError as `auroc`, except that rows need not sum to 1 and classes may be missing.
 * @example
 * ```ts
 * await averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]); // 0.833
 * ```
 */
export async function averagePrecision<A extends RankingAverage = 'macro'>(pred: MetricInput, target: MetricInput, options: RankingOptions<A> = {}): Promise<RankingResult<A>> {
  return oneShot(new RankingFn<A>('averagePrecision', options), pred, target, 'averagePrecision');
}
