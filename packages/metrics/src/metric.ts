/**
 * `Metric`: the streaming interface every metric class implements, and the one-shot helper the
 * functional forms use, so that `precision(p, t)` and `new Precision().update(p, t)` run the same
 * code.
 */
import { TensorError } from '@tessera/tensor-core';
import { readInput, type HostArray, type MetricInput } from './input.js';

/** @internal Adds one batch of host values to a metric's state. */
export const ACCUMULATE: unique symbol = Symbol('accumulate');
/** @internal Computes the value from a metric's state; errors name `op`. */
export const RESULT: unique symbol = Symbol('result');

/**
 * A streaming metric: feed batches with `update`, read the value with `compute`, start over with
 * `reset`, and combine partial results (from workers or data shards) with `merge`. Every metric
 * class implements it; a training loop takes any `Metric`, so a user can write their own.
 *
 * `update` is async because it reads tensors (`await t.data()`); the state lives on the host in
 * float64, so `compute`, `reset` and `merge` are synchronous.
 *
 * @example
 * ```ts
 * const metrics: Metric[] = [new Accuracy(), new F1Score({ average: 'macro' })];
 * for (const { logits, labels } of batches) {
 *   for (const m of metrics) await m.update(logits, labels);
 * }
 * for (const m of metrics) console.log(m.name, m.compute()); // 'accuracy' 0.91, 'f1' 0.88
 * ```
 */
export interface Metric<R = number> {
  /** A short name for logs and history keys: `'accuracy'`, `'f1'`, `'auroc'`, ... */
  readonly name: string;
  /**
   * Adds one batch.
   * @param pred Predictions: labels, probabilities or scores, depending on the metric.
   * @param target Targets: class indices or real values, depending on the metric.
   * @throws TensorError `SHAPE_MISMATCH` when the lengths or shapes disagree,
   *   `INVALID_ARGUMENT` for values out of range or an empty batch.
   */
  update(pred: MetricInput, target: MetricInput): Promise<void>;
  /**
   * The metric over every batch seen since construction or the last `reset()`.
   * @throws TensorError `INVALID_ARGUMENT` when no batch was added, or when the metric is undefined
   *   for the data (see each metric).
   */
  compute(): R;
  /** Forgets every batch. */
  reset(): void;
  /**
   * Adds the state of `other` (a metric of the same class and options) into this one and returns
   * this one; `other` is unchanged.
   * @throws TensorError `INVALID_ARGUMENT` when `other` is another kind of metric or has other options.
   */
  merge(other: this): this;
}

/**
 * @internal The implementation shared by every metric class: `update` reads the inputs onto the
 * host and hands them to `[ACCUMULATE]`; `compute` calls `[RESULT]`.
 */
export abstract class BaseMetric<R = number> implements Metric<R> {
  abstract readonly name: string;
  /** The class name used in error messages (`'Precision.update'`). */
  protected abstract readonly label: string;

  async update(pred: MetricInput, target: MetricInput): Promise<void> {
    const op = `${this.label}.update`;
    const [p, t] = await Promise.all([readInput(pred, op, 'pred'), readInput(target, op, 'target')]);
    this[ACCUMULATE](p, t, op);
  }

  compute(): R {
    return this[RESULT](`${this.label}.compute`);
  }

  abstract reset(): void;
  abstract merge(other: this): this;

  /** @internal */
  abstract [ACCUMULATE](pred: HostArray, target: HostArray, op: string): void;
  /** @internal */
  abstract [RESULT](op: string): R;
}

/** @internal Runs a fresh metric over one batch: the body of every functional form. */
export async function oneShot<R>(metric: BaseMetric<R>, pred: MetricInput, target: MetricInput, op: string): Promise<R> {
  const [p, t] = await Promise.all([readInput(pred, op, 'pred'), readInput(target, op, 'target')]);
  metric[ACCUMULATE](p, t, op);
  return metric[RESULT](op);
}

/** @internal Throws unless `other` is of the same class as `self` and has the same options. */
export function checkMergeable(self: object, other: unknown, label: string, options: Record<string, unknown>, otherOptions: Record<string, unknown>): void {
  const op = `${label}.merge`;
  if (typeof other !== 'object' || other === null || other.constructor !== self.constructor) {
    const got = typeof other === 'object' && other !== null ? other.constructor.name : typeof other;
    throw new TensorError('INVALID_ARGUMENT', op, `can only merge another ${label}, got ${got}`);
  }
  for (const key of Object.keys(options)) {
    const a = options[key];
    const b = otherOptions[key];
    if (!Object.is(a, b)) throw new TensorError('INVALID_ARGUMENT', op, `options differ: ${key} is ${String(a)} here but ${String(b)} in the other metric`);
  }
}

/** @internal Throws the error every metric raises when compute() runs before any update(). */
export function noData(op: string): never {
  throw new TensorError('INVALID_ARGUMENT', op, 'no samples: call update() with at least one batch first');
}
