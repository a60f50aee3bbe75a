/** Resolving metric names to streaming metrics, and feeding them batches. */
import { TensorError, argmax, tidy, type Tensor } from '@tessera/tensor-core';
import {
  Accuracy,
  AUROC,
  AveragePrecision,
  CohenKappa,
  F1Score,
  FBeta,
  LogLoss,
  MatthewsCorrCoef,
  Precision,
  Recall,
  createMetric,
  metricNames,
  type Metric,
} from '@tessera/metrics';
import type { MetricSpec } from './types.js';
import { describe } from './validate.js';

/** A metric with the key it is logged under and whether it takes class labels. */
export interface TrackedMetric {
  readonly key: string;
  readonly metric: Metric;
  /** Classification metrics get one-hot targets converted to class indices. */
  readonly classification: boolean;
}

const CLASSIFICATION = [Accuracy, Precision, Recall, F1Score, FBeta, AUROC, AveragePrecision, MatthewsCorrCoef, CohenKappa, LogLoss] as const;

/**
 * Builds streaming metrics from names and instances (instances are used as they are: `fit`
 * resets them between training and validation).
 * @throws TensorError `INVALID_ARGUMENT` for an unknown name, a value that is not a metric, or
 *   two metrics logged under the same name.
 */
export function resolveMetrics(specs: readonly MetricSpec[] | undefined, op: string): TrackedMetric[] {
  if (specs === undefined) return [];
  if (!Array.isArray(specs)) throw new TensorError('INVALID_ARGUMENT', op, `metrics must be an array of names or Metric objects, got ${describe(specs)}`);
  const out: TrackedMetric[] = [];
  for (const [i, spec] of specs.entries()) {
    let metric: Metric;
    let key: string;
    if (typeof spec === 'string') {
      // The names and their defaults are @tessera/metrics' (`createMetric`), so `fit` and users agree.
      if (!metricNames.includes(spec)) {
        throw new TensorError('INVALID_ARGUMENT', op, `unknown metric '${spec}' (known: ${metricNames.join(', ')}; or pass a Metric object)`);
      }
      metric = createMetric(spec);
      key = metric.name;
    } else if (isMetric(spec)) {
      metric = spec;
      key = spec.name;
    } else {
      throw new TensorError('INVALID_ARGUMENT', op, `metrics[${i}] must be a metric name or a Metric (name, update, compute, reset), got ${describe(spec)}`);
    }
    if (key === 'loss' || out.some((m) => m.key === key)) {
      throw new TensorError('INVALID_ARGUMENT', op, `two metrics would be logged as '${key}'; give your Metric another name`);
    }
    out.push({ key, metric, classification: CLASSIFICATION.some((c) => metric instanceof c) });
  }
  return out;
}

function isMetric(value: unknown): value is Metric {
  const m = value as Partial<Metric> | null;
  return typeof value === 'object' && value !== null && typeof m!.name === 'string' && typeof m!.update === 'function' && typeof m!.compute === 'function' && typeof m!.reset === 'function';
}

/**
 * Adds one batch to every metric. One-hot (or probability) targets of the prediction's shape are
 * turned into class indices for classification metrics, as Keras's `'accuracy'` does.
 */
export async function updateMetrics(metrics: readonly TrackedMetric[], prediction: Tensor, target: Tensor): Promise<void> {
  if (metrics.length === 0) return;
  let labels: Tensor | undefined;
  const needsLabels = metrics.some((m) => m.classification) && target.rank === 2 && prediction.rank === 2 && target.shape[1] === prediction.shape[1] && target.shape[1]! > 1;
  if (needsLabels) labels = tidy(() => argmax(target, 1));
  try {
    for (const m of metrics) await m.metric.update(prediction, m.classification && labels ? labels : target);
  } finally {
    labels?.dispose();
  }
}

/** The value of every metric (numbers only: a metric returning an object is skipped). */
export function computeMetrics(metrics: readonly TrackedMetric[], prefix = ''): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of metrics) {
    const v: unknown = m.metric.compute();
    if (typeof v === 'number') out[prefix + m.key] = v;
  }
  return out;
}

/** Forgets every batch. */
export function resetMetrics(metrics: readonly TrackedMetric[]): void {
  for (const m of metrics) m.metric.reset();
}
