/**
 * `createMetric`: streaming metrics from Keras-like names, for training loops
 * (`fit(model, { metrics: ['accuracy', 'f1'] })`). Each name builds a fresh metric with defaults
 * that work on raw model outputs: `[N, C]` logits or `[N]` probabilities with class-index targets
 * for classification, real values for regression.
 */
import { TensorError } from '@tessera/tensor-core';
import { Accuracy } from './accuracy.js';
import { CohenKappa, F1Score, MatthewsCorrCoef, Precision, Recall, autoAveragedScore } from './confusion.js';
import type { HostArray } from './input.js';
import { LogLoss } from './log-loss.js';
import { ACCUMULATE, RESULT, type Metric } from './metric.js';
import { AUROC, AveragePrecision } from './ranking.js';
import { MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError, R2Score, RootMeanSquaredError } from './regression.js';

// Precision, recall and F1 with the average chosen by the class count: scikit-learn's default
// 'binary' throws for more than 2 classes, and 'macro' of a 2-class problem is not what
// 'precision' means to a Keras user (the score of class 1).

class AutoPrecision extends Precision<'macro'> {
  constructor() {
    super({ average: 'macro' });
  }
  override [RESULT](op: string): number {
    return autoAveragedScore(this.nonEmptyCounts(op), this.settings);
  }
}

class AutoRecall extends Recall<'macro'> {
  constructor() {
    super({ average: 'macro' });
  }
  override [RESULT](op: string): number {
    return autoAveragedScore(this.nonEmptyCounts(op), this.settings);
  }
}

class AutoF1Score extends F1Score<'macro'> {
  constructor() {
    super({ average: 'macro' });
  }
  override [RESULT](op: string): number {
    return autoAveragedScore(this.nonEmptyCounts(op), this.settings);
  }
}

/** Accuracy counting a hit when the true class is among the `k` highest scores, logged as `top{k}Accuracy`. */
class TopKAccuracy extends Accuracy {
  override readonly name: string;
  constructor(k: number) {
    super({ topK: k });
    this.name = `top${k}Accuracy`;
  }
}

/**
 * `[N, C]` rows that are not already probabilities (a value outside [0, 1], or a row sum not 1
 * within scikit-learn's `np.allclose` tolerance) are logits: the whole batch goes through a
 * softmax. Non-finite values are left for the metric to report.
 */
function probabilitiesOf(pred: HostArray): HostArray {
  if (pred.rank !== 2) return pred;
  const { rows, cols, values } = pred;
  let probabilities = true;
  for (let r = 0; r < rows && probabilities; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const v = values[r * cols + c]!;
      if (!Number.isFinite(v)) return pred;
      if (v < 0 || v > 1) probabilities = false;
      s += v;
    }
    if (!(Math.abs(s - 1) <= 1e-8 + 1e-5 * Math.abs(s))) probabilities = false;
  }
  if (probabilities) return pred;
  const out = new Float64Array(values.length);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, values[r * cols + c]!);
    let s = 0;
    for (let c = 0; c < cols; c++) s += out[r * cols + c] = Math.exp(values[r * cols + c]! - max);
    for (let c = 0; c < cols; c++) out[r * cols + c]! /= s;
  }
  return { ...pred, values: out };
}

class LogitsAUROC extends AUROC<'macro'> {
  override [ACCUMULATE](pred: HostArray, target: HostArray, op: string): void {
    super[ACCUMULATE](probabilitiesOf(pred), target, op);
  }
}

class LogitsLogLoss extends LogLoss {
  override [ACCUMULATE](pred: HostArray, target: HostArray, op: string): void {
    super[ACCUMULATE](probabilitiesOf(pred), target, op);
  }
}

interface Entry {
  readonly make: () => Metric;
  readonly aliases: readonly string[];
}

/** Every name `createMetric` knows, keyed by the metric's `name` (its log key). */
const ENTRIES: Readonly<Record<string, Entry>> = {
  accuracy: { make: () => new Accuracy(), aliases: ['acc'] },
  top5Accuracy: { make: () => new TopKAccuracy(5), aliases: ['topKAccuracy'] },
  precision: { make: () => new AutoPrecision(), aliases: [] },
  recall: { make: () => new AutoRecall(), aliases: [] },
  f1: { make: () => new AutoF1Score(), aliases: ['f1Score'] },
  mcc: { make: () => new MatthewsCorrCoef(), aliases: ['matthewsCorrCoef'] },
  cohenKappa: { make: () => new CohenKappa(), aliases: [] },
  auroc: { make: () => new LogitsAUROC(), aliases: ['auc'] },
  averagePrecision: { make: () => new AveragePrecision(), aliases: ['ap'] },
  logLoss: { make: () => new LogitsLogLoss(), aliases: [] },
  mse: { make: () => new MeanSquaredError(), aliases: ['meanSquaredError'] },
  rmse: { make: () => new RootMeanSquaredError(), aliases: ['rootMeanSquaredError'] },
  mae: { make: () => new MeanAbsoluteError(), aliases: ['meanAbsoluteError'] },
  mape: { make: () => new MeanAbsolutePercentageError(), aliases: ['meanAbsolutePercentageError'] },
  r2: { make: () => new R2Score(), aliases: ['r2Score'] },
};

const LOOKUP: ReadonlyMap<string, Entry> = new Map(Object.entries(ENTRIES).flatMap(([name, entry]) => [[name, entry] as const, ...entry.aliases.map((a) => [a, entry] as const)]));

/**
 * Every name `createMetric` accepts: each metric's `name` (the key it is logged under) followed by
 * its aliases, plus the pattern `top{k}Accuracy` (`'top3Accuracy'`).
 */
export const metricNames: readonly string[] = [...LOOKUP.keys()];

function isMetric(value: unknown): value is Metric {
  const m = value as Partial<Metric> | null;
  return typeof value === 'object' && value !== null && typeof m!.name === 'string' && typeof m!.update === 'function' && typeof m!.compute === 'function' && typeof m!.reset === 'function' && typeof m!.merge === 'function';
}

/**
 * A streaming metric from a Keras-like name, or `spec` itself when it is already a `Metric` (use
 * an instance to choose options: `new F1Score({ average: 'weighted' })`). Each call with a name
 * returns a fresh metric whose `name` is the canonical log key (`'acc'` → `'accuracy'`,
 * `'auc'` → `'auroc'`); prefixes such as `val_` are the training loop's job.
 *
 * Defaults for raw model outputs (targets are class indices `[N]`):
 * - `accuracy`, `precision`, `recall`, `f1`, `mcc`, `cohenKappa`: `[N, C]` scores or logits →
 *   argmax; `[N]` probabilities of class 1 → `p > 0.5`; `[N]` labels as they are.
 *   `precision`, `recall` and `f1` report the score of class 1 when there are 2 classes and the
 *   macro mean over classes otherwise.
 * - `top5Accuracy` (`top{k}Accuracy`): needs `[N, C]` scores.
 * - `auroc` and `logLoss`: `[N, C]` rows that are not probabilities (logits) go through a softmax
 *   first; `[N]` scores are binary (AUROC ranks any real score, log loss needs probabilities).
 * - `mse`, `rmse`, `mae`, `mape`, `r2`: `pred` and `target` of the same shape.
 *
 * @throws TensorError `INVALID_ARGUMENT` for an unknown name (the message lists the known ones)
 *   or a value that is neither a string nor a `Metric`.
 * @example
 * ```ts
 * const metrics = ['accuracy', 'f1', 'auc'].map(createMetric);
 * for (const { logits, labels } of batches) for (const m of metrics) await m.update(logits, labels);
 * for (const m of metrics) console.log(m.name, m.compute()); // accuracy 0.91, f1 0.88, auroc 0.97
 * ```
 */
export function createMetric(spec: string | Metric): Metric {
  if (typeof spec === 'string') {
    const entry = LOOKUP.get(spec);
    if (entry) return entry.make();
    const topK = /^top([1-9]\d*)Accuracy$/.exec(spec);
    if (topK) return new TopKAccuracy(Number(topK[1]));
    throw new TensorError('INVALID_ARGUMENT', 'createMetric', `unknown metric '${spec}'; known names: ${metricNames.join(', ')}, top{k}Accuracy (or pass a Metric object)`);
  }
  if (isMetric(spec)) return spec;
  const got = spec === null ? 'null' : Array.isArray(spec) ? 'an array' : typeof spec === 'object' ? 'an object without name, update, compute, reset and merge' : typeof spec;
  throw new TensorError('INVALID_ARGUMENT', 'createMetric', `expected a metric name or a Metric (name, update, compute, reset, merge), got ${got}`);
}
