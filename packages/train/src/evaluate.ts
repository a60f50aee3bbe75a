/** `evaluate` and `predict`: inference over a dataset in evaluation mode, recording nothing. */
import { Tensor, TensorError, concat, fmtShape, tidy } from '@tessera/tensor-core';
import { noGrad } from '@tessera/autograd';
import { batchOn, batchSource, modelBackend, type BatchSource } from './data.js';
import { computeMetrics, resetMetrics, resolveMetrics, updateMetrics, type TrackedMetric } from './metrics.js';
import type { DataSource, Logs, LossFn, MetricSpec, PredictData, TrainableModel } from './types.js';
import { describe, integer, rejectUnknown, requireModel, requireObject } from './validate.js';

/** What `fit` remembers about a model so that `evaluate(model, data)` needs no options (Keras's `compile`). */
interface Compiled {
  readonly loss: LossFn;
  readonly metrics: readonly MetricSpec[] | undefined;
  readonly batchSize: number;
}

const compiled = new WeakMap<object, Compiled>();

/** @internal Called by `fit`. */
export function remember(model: TrainableModel, info: Compiled): void {
  compiled.set(model, info);
}

/**
 * Options of {@link evaluate}.
 * @example
 * ```ts
 * await evaluate(model, test, { loss: crossEntropy, metrics: ['accuracy'], batchSize: 256 });
 * ```
 */
export interface EvaluateOptions {
  /** The loss (default: the one the last `fit` of this model used; none: no `loss` key). */
  readonly loss?: LossFn;
  /** Metrics (default: those of the last `fit` of this model). */
  readonly metrics?: readonly MetricSpec[];
  /** Samples per batch (default: the `fit` batch size, else 32). */
  readonly batchSize?: number;
}

/** Reads the prediction's loss on the host, checking it is a scalar. */
export function checkScalarLoss(loss: unknown, op: string): asserts loss is Tensor {
  if (!(loss instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', op, `the loss function must return a Tensor, got ${describe(loss)}`);
  if (loss.size !== 1) {
    throw new TensorError('SHAPE_MISMATCH', op, `the loss function must return a scalar, got shape ${fmtShape(loss.shape)} (use reduction 'mean')`);
  }
}

/**
 * @internal The evaluation loop shared by `evaluate` and `fit`'s validation: the model in eval
 * mode (restored afterwards), under `noGrad`, each batch in its own scope. The loss is the mean
 * over samples (batch losses weighted by batch size).
 */
export async function runEvaluation(
  model: TrainableModel,
  source: BatchSource,
  loss: LossFn | undefined,
  metrics: readonly TrackedMetric[],
  op: string,
  prefix = '',
): Promise<Logs> {
  const wasTraining = model.training;
  model.eval();
  resetMetrics(metrics);
  let lossSum = 0;
  let count = 0;
  try {
    const backend = modelBackend(model);
    for await (const loaded of source.batches(0)) {
      const batch = await batchOn(loaded, backend);
      let outputs: Tensor[] = [];
      try {
        outputs = noGrad(() =>
          tidy(() => {
            const prediction = model.forward(batch.x);
            if (!(prediction instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', op, `model.forward must return a Tensor, got ${describe(prediction)}`);
            if (!loss) return [prediction];
            const value = loss(prediction, batch.y);
            checkScalarLoss(value, op);
            return [prediction, value];
          }),
        );
        const [prediction, value] = outputs as [Tensor, Tensor | undefined];
        if (value) lossSum += ((await value.data())[0] as number) * batch.size;
        count += batch.size;
        await updateMetrics(metrics, prediction, batch.y);
      } finally {
        for (const t of outputs) t.dispose();
        batch.release();
      }
    }
  } finally {
    model.train(wasTraining);
  }
  const logs: Logs = {};
  if (loss) logs[`${prefix}loss`] = lossSum / count;
  Object.assign(logs, computeMetrics(metrics, prefix));
  resetMetrics(metrics);
  return logs;
}

/**
 * The loss and metrics of `model` on `data`, in evaluation mode (Dropout off, BatchNorm running
 * statistics) without recording gradients. With no options it uses the loss, metrics and batch
 * size of the last `fit` of this model, as Keras's `evaluate` after `compile`. The loss is the
 * mean over samples.
 *
 * @returns `{ loss, accuracy, ... }`: the loss (when there is one) and one key per metric.
 * @throws TensorError `INVALID_ARGUMENT` for a bad model, data source or option, or when there
 *   is neither a loss nor a metric; `SHAPE_MISMATCH` when the loss is not a scalar or x and y
 *   disagree on the number of samples.
 * @example
 * ```ts
 * await fit(model, { data: train, epochs: 5, optimizer, loss: crossEntropy, metrics: ['accuracy'] });
 * const { loss, accuracy } = await evaluate(model, test);
 * ```
 */
export async function evaluate(model: TrainableModel, data: DataSource, options: EvaluateOptions = {}): Promise<Logs> {
  const op = 'evaluate';
  requireModel(op, model);
  requireObject(op, 'options', options);
  rejectUnknown(op, options as Record<string, unknown>, ['loss', 'metrics', 'batchSize']);
  const remembered = compiled.get(model);
  const loss = options.loss ?? remembered?.loss;
  if (loss !== undefined && typeof loss !== 'function') throw new TensorError('INVALID_ARGUMENT', op, `loss must be a function (prediction, target) => scalar, got ${describe(loss)}`);
  const metrics = resolveMetrics(options.metrics ?? remembered?.metrics, op);
  if (!loss && metrics.length === 0) {
    throw new TensorError('INVALID_ARGUMENT', op, 'nothing to compute: pass { loss } and/or { metrics }, or train the model with fit first');
  }
  const batchSize = integer(op, 'batchSize', options.batchSize ?? remembered?.batchSize ?? 32, 1);
  const source = batchSource(data, { batchSize, shuffle: false, seed: 0, op, what: 'data' });
  return runEvaluation(model, source, loss, metrics, op);
}

/**
 * Options of {@link predict}.
 * @example
 * ```ts
 * predict(model, images, { batchSize: 512 });
 * ```
 */
export interface PredictOptions {
  /** Samples per batch (default 32). */
  readonly batchSize?: number;
}

/**
 * The model's outputs for every sample of `data`, concatenated along the first axis, in
 * evaluation mode without recording gradients. `data` is a tensor of inputs, `{ x }` (or
 * `{ x, y }`: `y` is ignored), a loader or an iterable of batches, on any backend (each batch is
 * moved to the model's). The result, on the model's backend, belongs to the caller.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a bad model, data or option.
 * @example
 * ```ts
 * const logits = await predict(model, testImages, { batchSize: 256 });
 * const labels = logits.argmax(1);
 * ```
 */
export async function predict(model: TrainableModel, data: PredictData, options: PredictOptions = {}): Promise<Tensor> {
  const op = 'predict';
  requireModel(op, model);
  requireObject(op, 'options', options);
  rejectUnknown(op, options as Record<string, unknown>, ['batchSize']);
  const batchSize = integer(op, 'batchSize', options.batchSize ?? 32, 1);
  const source = batchSource(data as DataSource, { batchSize, shuffle: false, seed: 0, op, what: 'data', needsTargets: false });
  const wasTraining = model.training;
  model.eval();
  const parts: Tensor[] = [];
  try {
    const backend = modelBackend(model);
    for await (const loaded of source.batches(0)) {
      const batch = await batchOn(loaded, backend);
      try {
        const out = noGrad(() => tidy(() => model.forward(batch.x)));
        if (!(out instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', op, `model.forward must return a Tensor, got ${describe(out)}`);
        parts.push(out);
      } finally {
        batch.release();
      }
    }
    if (parts.length === 1) return parts.pop()!;
    return concat(parts, 0);
  } finally {
    model.train(wasTraining);
    for (const t of parts) t.dispose();
  }
}

