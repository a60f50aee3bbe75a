/** `fit`: the training loop, Keras style. */
import { check, Tensor, TensorError, dispose, scalar, stack, tidy, type Backend, type Variable } from '@tessera/tensor-core';
import { backward, enableAutograd, noGrad, releaseUnusedRecords } from '@tessera/autograd';
import { clipGradNorm } from '@tessera/optim';
import { History } from './callbacks/history.js';
import { ProgressBar, progressBar } from './callbacks/progress-bar.js';
import { batchOn, batchSource, isTensorPair, modelBackend, splitTensors, type BatchSource } from './data.js';
import { checkScalarLoss, remember, runEvaluation } from './evaluate.js';
import { computeMetrics, resetMetrics, resolveMetrics, updateMetrics } from './metrics.js';
import type { Callback, DataSource, FitOptimizer, Logs, LossFn, MetricSpec, TrainableModel, TrainingContext } from './types.js';
import { boolean, describe, integer, number, rejectUnknown, requireModel, requireObject } from './validate.js';

/**
 * Options of {@link fit}.
 * @example
 * ```ts
 * const options: FitOptions = { data: train, epochs: 10, batchSize: 32, optimizer, loss: crossEntropy };
 * ```
 */
export interface FitOptions {
  /** Training data: `{ x, y }` tensors, a `DataLoader` (or any iterable of batches), or a `Dataset`. */
  readonly data: DataSource;
  /** Validation data, evaluated at the end of every epoch (logged as `val_loss`, `val_<metric>`). */
  readonly validation?: DataSource;
  /**
   * With `{ x, y }` data and no `validation`: the fraction of samples (the last ones, before
   * shuffling, as Keras) held out for validation.
   */
  readonly validationSplit?: number;
  /** Number of epochs (passes over the data). */
  readonly epochs: number;
  /** Samples per batch for tensor data and datasets (default 32; a DataLoader batches itself). */
  readonly batchSize?: number;
  /** Batch size for validation (default: `batchSize`). */
  readonly validationBatchSize?: number;
  /** The optimizer, built over the model's parameters: `new Adam(model.parameters(), { lr: 1e-3 })`. */
  readonly optimizer: FitOptimizer;
  /** The loss: `(prediction, target) => scalar` (`crossEntropy`, `mseLoss`, ...). */
  readonly loss: LossFn;
  /** Metrics, by name (`'accuracy'`, `'mse'`, ...) or as `Metric` objects; logged per epoch. */
  readonly metrics?: readonly MetricSpec[];
  /**
   * Whether training metrics are computed (default true). Each needs the batch's predictions on
   * the host; turn it off to keep every read of the training loop down to the loss.
   */
  readonly trainMetrics?: boolean;
  /** Callbacks, called in order. A `History` is always recorded and returned. */
  readonly callbacks?: readonly Callback[];
  /** Reshuffle tensor data and datasets every epoch (default true). */
  readonly shuffle?: boolean;
  /**
   * Seed of the shuffle (default {@link DEFAULT_FIT_SEED}, 0): two runs with the same options,
   * the same model and the same data give the same batches, so the same history. Dropout masks
   * and augmentation are seeded too, by `manualSeed` of `@tessera/layers` and
   * `@tessera/data-augment` (or a `seed` on the layer or transform), so a program that builds its
   * model and data in the same order trains identically on every run. Pass another seed for
   * another shuffle (several runs of an experiment).
   */
  readonly seed?: number;
  /** The first epoch (to resume a run; default 0). */
  readonly initialEpoch?: number;
  /**
   * 0: silent; 1 (default): a progress bar (a live bar in a terminal, one line per epoch
   * elsewhere); 2: one line per epoch. Ignored when `callbacks` has a `ProgressBar`.
   */
  readonly verbose?: 0 | 1 | 2;
  /**
   * Read the loss every this many steps (default 1). Reads are what make an asynchronous
   * backend (WebGPU) wait: raise it there (e.g. 20) and the loop reads a batch of losses at once.
   * With 1 the loss and the gradients are checked before the optimizer step; with more, the state
   * at the last finite read is kept and restored (see `onNonFinite`): a NaN never reaches the
   * weights on any backend.
   */
  readonly lossReadInterval?: number;
  /** Clip the gradients' global L2 norm to this value before each step. */
  readonly clipGradNorm?: number;
  /**
   * What a NaN or infinite loss or gradient does (checked on every backend, for every
   * `lossReadInterval`): `'raise'` (default) throws a `TensorError`, `'stop'` ends training
   * quietly, as Keras's `TerminateOnNaN`. Either way the step that produced it is never applied:
   * with `lossReadInterval` 1 the check runs before the optimizer step; with a larger interval
   * the model and the optimizer state are restored to the last read that was finite (a copy of
   * them is kept from one read to the next).
   */
  readonly onNonFinite?: 'raise' | 'stop';
  /**
   * Yield to the event loop at least this often, in milliseconds (default 50), so that a
   * browser page stays responsive and timers (progress bars) run.
   */
  readonly yieldEvery?: number;
}

const KNOWN = [
  'data',
  'validation',
  'validationSplit',
  'epochs',
  'batchSize',
  'validationBatchSize',
  'optimizer',
  'loss',
  'metrics',
  'trainMetrics',
  'callbacks',
  'shuffle',
  'seed',
  'initialEpoch',
  'verbose',
  'lossReadInterval',
  'clipGradNorm',
  'onNonFinite',
  'yieldEvery',
] as const;

/**
 * The shuffle seed `fit` uses when given none: a fixed number, so that training is reproducible by
 * default, as everything else in Tessera (layers and augmentation draw from seeded streams).
 * @example
 * ```ts
 * await fit(model, { ...options, seed: DEFAULT_FIT_SEED }); // the same as leaving seed out
 * ```
 */
export const DEFAULT_FIT_SEED = 0;

const nextTick: () => Promise<void> =
  typeof setImmediate === 'function' ? () => new Promise((resolve) => setImmediate(resolve)) : () => new Promise((resolve) => setTimeout(resolve, 0));

/** A loss read from the device later: the step it belongs to and its batch size. */
interface PendingLoss {
  /** `[loss, Σ gradient sums]`: the second is non-finite when any gradient element is. */
  readonly value: Tensor;
  readonly step: number;
  readonly size: number;
}

/**
 * Trains `model` on `data` for `epochs` epochs, as Keras's `model.fit`: shuffled batches, one
 * optimizer step per batch, validation and callbacks after every epoch. Returns the
 * {@link History} of epoch logs (`loss`, metrics, `val_loss`, `val_<metric>`, `lr`).
 *
 * Memory is managed here: each step runs in its own `tidy` scope (forward, loss, `backward`,
 * optimizer step), so a caller never needs `tidy` and memory stays flat over any number of
 * steps. Validation runs in evaluation mode under `noGrad`; the model is left in the mode it was
 * in before `fit`.
 *
 * Each step computes gradients of the parameters that require them (`model.parameters()` with
 * `requiresGrad`; frozen ones are left alone) and hands them to `optimizer.step`.
 *
 * @returns The {@link History}; `fit` also remembers the loss, metrics and batch size so that
 *   `evaluate(model, data)` needs no options.
 * @throws TensorError `INVALID_ARGUMENT` for bad options, data or model, or when the loss
 *   becomes NaN or infinite (the message names the epoch and the batch; on CPU the weights are
 *   those before that batch); `SHAPE_MISMATCH` for a non-scalar loss or x/y of different lengths;
 *   errors of the model, loss, optimizer and callbacks pass through, after every callback's
 *   `onTrainError`.
 * @example
 * ```ts
 * const model = new Sequential([
 *   new Linear({ inFeatures: 784, outFeatures: 128 }), new ReLU(),
 *   new Linear({ inFeatures: 128, outFeatures: 64 }), new ReLU(),
 *   new Linear({ inFeatures: 64, outFeatures: 10 }),
 * ]);
 * const history = await fit(model, {
 *   data: train, validation: test, epochs: 10, batchSize: 32,
 *   optimizer: new Adam(model.parameters(), { lr: 1e-3 }), loss: crossEntropy, metrics: ['accuracy'],
 *   callbacks: [earlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true })],
 * });
 * const { loss, accuracy } = await evaluate(model, test);
 * ```
 */
export async function fit(model: TrainableModel, options: FitOptions): Promise<History> {
  const op = 'fit';
  enableAutograd();
  // Every bad option of the call is reported in one error (tensor-core's checking kit).
  const checks = check.all(op);
  requireModel(checks, model);
  requireObject(checks, 'options', options);
  const o: Partial<FitOptions> = typeof options === 'object' && options !== null ? options : {};
  rejectUnknown(checks, o as Record<string, unknown>, KNOWN);
  const epochs = integer(checks, 'epochs', o.epochs, 1);
  const initialEpoch = integer(checks, 'initialEpoch', o.initialEpoch ?? 0, 0, Math.max(epochs - 1, 0));
  const batchSize = integer(checks, 'batchSize', o.batchSize ?? 32, 1);
  const validationBatchSize = integer(checks, 'validationBatchSize', o.validationBatchSize ?? batchSize, 1);
  const shuffle = boolean(checks, 'shuffle', o.shuffle ?? true);
  const seed = integer(checks, 'seed', o.seed ?? DEFAULT_FIT_SEED, 0, 2 ** 32 - 1);
  const verbose = checks.oneOf('verbose', o.verbose ?? 1, [0, 1, 2] as const);
  const lossReadInterval = integer(checks, 'lossReadInterval', o.lossReadInterval ?? 1, 1);
  const maxNorm = o.clipGradNorm === undefined ? undefined : number(checks, 'clipGradNorm', o.clipGradNorm, 0, Infinity, true);
  const onNonFinite = o.onNonFinite ?? 'raise';
  if (onNonFinite !== 'raise' && onNonFinite !== 'stop') checks.fail('INVALID_ARGUMENT', `onNonFinite must be 'raise' or 'stop', got ${describe(onNonFinite)}`, 'onNonFinite', onNonFinite);
  const yieldEvery = number(checks, 'yieldEvery', o.yieldEvery ?? 50, 0);
  const trainMetrics = boolean(checks, 'trainMetrics', o.trainMetrics ?? true);
  const lossFn = checks.function<FitOptions['loss']>('loss', o.loss, 'a function (prediction, target) => scalar Tensor');
  const optimizer = o.optimizer as FitOptions['optimizer'];
  if (typeof optimizer !== 'object' || optimizer === null || typeof optimizer.step !== 'function' || !Array.isArray(optimizer.paramGroups)) {
    checks.fail('INVALID_ARGUMENT', `optimizer must be an optimizer of @tessera/optim (new Adam(model.parameters(), { lr })), got ${describe(optimizer)}`, 'optimizer', optimizer);
  }
  const callbacks = o.callbacks ?? [];
  if (!Array.isArray(callbacks)) checks.fail('INVALID_ARGUMENT', `callbacks must be an array, got ${describe(callbacks)}`, 'callbacks', callbacks);
  else {
    callbacks.forEach((c, i) => {
      if (typeof c !== 'object' || c === null) checks.fail('INVALID_ARGUMENT', `callbacks[${i}] must be a callback object, got ${describe(c)}`, `callbacks[${i}]`, c);
    });
  }
  checks.done();
  const metrics = resolveMetrics(options.metrics, op);

  const params: Variable[] = model.parameters();
  const trainable = params.filter((p) => p.requiresGrad);
  if (trainable.length === 0) {
    throw new TensorError('INVALID_ARGUMENT', op, `the model has no trainable parameters (${params.length} parameters, all frozen); unfreeze some or use evaluate`);
  }
  const inOptimizer = new Set<Tensor>(optimizer.paramGroups.flatMap((g) => g.params));
  if (!trainable.some((p) => inOptimizer.has(p))) {
    throw new TensorError('INVALID_ARGUMENT', op, "the optimizer holds none of the model's trainable parameters; build it with model.parameters()");
  }

  // Data.
  let data = options.data;
  let validation = options.validation;
  let owned: Tensor[] = [];
  if (options.validationSplit !== undefined) {
    const fraction = number(op, 'validationSplit', options.validationSplit, 0, 1, true, true);
    if (validation !== undefined) throw new TensorError('INVALID_ARGUMENT', op, 'pass either validation or validationSplit, not both');
    if (!isTensorPair(data)) throw new TensorError('INVALID_ARGUMENT', op, 'validationSplit needs { x, y } tensor data; split a Dataset or DataLoader yourself and pass validation');
    const parts = splitTensors(data.x, data.y, fraction, op);
    owned = [parts.train.x, parts.train.y, parts.validation.x, parts.validation.y];
    data = parts.train;
    validation = parts.validation;
  }
  try {
    const train = batchSource(data, { batchSize, shuffle, seed, op, what: 'data' });
    const val = validation === undefined ? undefined : batchSource(validation, { batchSize: validationBatchSize, shuffle: false, seed: 0, op, what: 'validation' });
    remember(model, { loss: lossFn, metrics: options.metrics, batchSize });

    const history = new History();
    const all: Callback[] = [history, ...callbacks];
    if (verbose > 0 && !callbacks.some((c) => c instanceof ProgressBar)) all.push(progressBar({ mode: verbose === 2 ? 'epoch' : 'auto' }));
    const context: TrainingContext = {
      model,
      optimizer,
      epochs,
      stepsPerEpoch: train.numBatches,
      samplesPerEpoch: train.numSamples,
      batchSize,
      hasValidation: val !== undefined,
      metricNames: metrics.map((m) => m.key),
      stopTraining: false,
    };
    const wasTraining = model.training;
    try {
      await runLoop({ model, optimizer, lossFn, metrics: trainMetrics ? metrics : [], allMetrics: metrics, train, val, trainable, maxNorm, lossReadInterval, onNonFinite, yieldEvery, epochs, initialEpoch, callbacks: all, context });
    } catch (error) {
      // A forward pass that never reached backward (a NaN, a throwing loss) left tape records.
      releaseUnusedRecords();
      for (const c of all) {
        try {
          await c.onTrainError?.(error, context);
        } catch {
          // The original error matters more than a failure while cleaning up.
        }
      }
      throw error;
    } finally {
      model.train(wasTraining);
    }
    return history;
  } finally {
    for (const t of owned) t.dispose();
  }
}

interface LoopArgs {
  readonly model: TrainableModel;
  readonly optimizer: FitOptimizer;
  readonly lossFn: LossFn;
  /** Metrics computed on training batches (empty with `trainMetrics: false`). */
  readonly metrics: ReturnType<typeof resolveMetrics>;
  /** Metrics computed on validation data. */
  readonly allMetrics: ReturnType<typeof resolveMetrics>;
  readonly train: BatchSource;
  readonly val: BatchSource | undefined;
  readonly trainable: readonly Variable[];
  readonly maxNorm: number | undefined;
  readonly lossReadInterval: number;
  readonly onNonFinite: 'raise' | 'stop';
  readonly yieldEvery: number;
  readonly epochs: number;
  readonly initialEpoch: number;
  readonly callbacks: readonly Callback[];
  readonly context: TrainingContext;
}

function nonFinite(value: number, epoch: number, step: number, args: LoopArgs, what = 'loss', restored = ''): TensorError {
  const steps = args.train.numBatches;
  return new TensorError(
    'INVALID_ARGUMENT',
    'fit',
    `${what} is ${value} at epoch ${epoch + 1} of ${args.epochs}, batch ${step + 1}${steps === undefined ? '' : ` of ${steps}`}: training stopped${restored}. ` +
      'Lower the learning rate, clip gradients (clipGradNorm), or check the data and the loss for NaN or infinite values.',
  );
}

/** The non-finite loss or gradient of a step, before (`values` = [loss, gradient sum]) it is applied. */
function checkStep(values: ArrayLike<number>, offset: number, epoch: number, step: number, args: LoopArgs, restored = ''): TensorError | undefined {
  const loss = values[offset]!;
  if (!Number.isFinite(loss)) return nonFinite(loss, epoch, step, args, 'loss', restored);
  const grads = values[offset + 1]!;
  if (!Number.isFinite(grads)) return nonFinite(grads, epoch, step, args, 'the sum of the gradients', restored);
  return undefined;
}

/** Raised inside the loop when `onNonFinite` is `'stop'`: ends training without an error. */
class StopTraining extends Error {}

/** Copies of the model's and the optimizer's state at the last finite read (`lossReadInterval` > 1). */
interface Snapshot {
  readonly model: Map<string, Tensor>;
  readonly optimizer: unknown;
}

type StatefulOptimizer = FitOptimizer & { stateDict(): unknown; loadStateDict(sd: unknown): void };

function hasState(optimizer: FitOptimizer): optimizer is StatefulOptimizer {
  const o = optimizer as Partial<StatefulOptimizer>;
  return typeof o.stateDict === 'function' && typeof o.loadStateDict === 'function';
}

function takeSnapshot(model: TrainableModel, optimizer: FitOptimizer): Snapshot {
  return { model: model.stateDict(), optimizer: hasState(optimizer) ? optimizer.stateDict() : undefined };
}

function restoreSnapshot(snapshot: Snapshot, model: TrainableModel, optimizer: FitOptimizer): void {
  model.loadStateDict(snapshot.model);
  if (snapshot.optimizer !== undefined && hasState(optimizer)) optimizer.loadStateDict(snapshot.optimizer);
}

function disposeSnapshot(snapshot: Snapshot | undefined): void {
  if (snapshot === undefined) return;
  dispose(snapshot.model);
  dispose(snapshot.optimizer);
}

/** `Σ sum(g)` over the gradients, a scalar that is NaN or infinite when any gradient element is. */
function gradientSum(grads: ReadonlyMap<Tensor, Tensor>): Tensor {
  const sums = [...grads.values()].map((g) => g.sum().cast('float32'));
  return sums.length === 0 ? scalar(0) : sums.length === 1 ? sums[0]! : stack(sums).sum();
}

async function runLoop(args: LoopArgs): Promise<void> {
  const { model, optimizer, lossFn, metrics, train, val, trainable, maxNorm, lossReadInterval, yieldEvery, callbacks, context } = args;
  let wrt = [...trainable];
  let lastLogs: Logs = {};
  /** Where the optimizer state was last moved to (undefined before the first step). */
  let optimizerBackend: Backend | undefined;
  // With a read every step the check precedes the optimizer step; with fewer reads, the state at
  // the last finite read is kept to fall back to.
  let snapshot: Snapshot | undefined = lossReadInterval > 1 ? takeSnapshot(model, optimizer) : undefined;
  try {
    await loopEpochs();
  } catch (e) {
    if (!(e instanceof StopTraining)) throw e;
    context.stopTraining = true;
  } finally {
    disposeSnapshot(snapshot);
  }
  for (const c of callbacks) await c.onTrainEnd?.(lastLogs, context);

  function fail(error: TensorError): never {
    if (args.onNonFinite === 'stop') throw new StopTraining(error.message);
    throw error;
  }

  async function loopEpochs(): Promise<void> {
    for (const c of callbacks) await c.onTrainBegin?.(context);
    let lastYield = performance.now();

    for (let epoch = args.initialEpoch; epoch < args.epochs; epoch++) {
      model.train(true);
      resetMetrics(metrics);
      for (const c of callbacks) await c.onEpochBegin?.(epoch, context);
      // A callback may freeze or unfreeze parameters (gradual unfreezing): gradients are taken
      // with respect to what trains now, not what trained when fit began.
      wrt = model.parameters().filter((p) => p.requiresGrad);
      if (wrt.length === 0) {
        throw new TensorError('INVALID_ARGUMENT', 'fit', `no trainable parameters at the start of epoch ${epoch + 1}: a callback froze every parameter`);
      }
      let lossSum = 0;
      let lossCount = 0;
      let lastLoss = NaN;
      let pending: PendingLoss[] = [];
      let step = 0;

      /** Reads the pending losses (one read for all of them) and checks them. */
      const flush = async (): Promise<void> => {
        if (pending.length === 0) return;
        const batch = pending;
        pending = [];
        let values: ArrayLike<number>;
        try {
          if (batch.length === 1) values = (await batch[0]!.value.data()) as ArrayLike<number>;
          else {
            const all = noGrad(() => tidy(() => stack(batch.map((p) => p.value), 0)));
            try {
              values = (await all.data()) as ArrayLike<number>;
            } finally {
              all.dispose();
            }
          }
        } finally {
          for (const p of batch) p.value.dispose();
        }
        for (let i = 0; i < batch.length; i++) {
          const error = checkStep(values, 2 * i, epoch, batch[i]!.step, args, snapshot === undefined ? '' : '; the model and the optimizer were restored to their state at the last finite read');
          if (error !== undefined) {
            if (snapshot !== undefined) restoreSnapshot(snapshot, model, optimizer);
            fail(error);
          }
        }
        batch.forEach((p, i) => {
          const v = values[2 * i]!;
          lossSum += v * p.size;
          lossCount += p.size;
          lastLoss = v;
        });
        if (snapshot !== undefined) {
          disposeSnapshot(snapshot);
          snapshot = takeSnapshot(model, optimizer);
        }
      };

      try {
        for await (const loaded of train.batches(epoch)) {
          // A callback may have moved the model (model.to(gpu)) since the last step: the optimizer
          // state and the batch follow it.
          const backend = modelBackend(model);
          if (backend !== undefined && backend !== optimizerBackend) {
            await flush();
            await optimizer.to?.(backend);
            optimizerBackend = backend;
            if (snapshot !== undefined) {
              disposeSnapshot(snapshot);
              snapshot = takeSnapshot(model, optimizer);
            }
          }
          const batch = await batchOn(loaded, backend);
          let prediction: Tensor | undefined;
          try {
            const currentStep = step;
            let gradKeys: Tensor[] = [];
            const out = tidy(() => {
              const pred = model.forward(batch.x);
              if (!(pred instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', 'fit', `model.forward must return a Tensor, got ${describe(pred)}`);
              const loss = lossFn(pred, batch.y);
              checkScalarLoss(loss, 'fit');
              if (lossReadInterval === 1 && loss.backend.capabilities.syncRead) {
                // Cheap on a synchronous backend, and it spares the backward pass of a NaN loss.
                const v = loss.dataSync()[0] as number;
                if (!Number.isFinite(v)) fail(nonFinite(v, epoch, currentStep, args));
              }
              const grads = backward(loss, { wrt });
              // Not recorded: a record made after backward would outlive the step.
              const value = noGrad(() => stack([loss.reshape([]).cast('float32'), gradientSum(grads)]));
              gradKeys = [...grads.keys()];
              const gradValues = [...grads.values()];
              return metrics.length > 0 ? { check: value, grads: gradValues, pred } : { check: value, grads: gradValues };
            });
            prediction = out.pred;
            const grads = new Map(gradKeys.map((k, i) => [k, out.grads[i]!]));
            try {
              if (lossReadInterval === 1) {
                // One read per step anyway: check the loss and the gradients before applying them.
                const values = (await out.check.data()) as ArrayLike<number>;
                const error = checkStep(values, 0, epoch, currentStep, args);
                if (error !== undefined) fail(error);
              }
              tidy(() => {
                const clipped = maxNorm === undefined ? grads : clipGradNorm(grads, maxNorm).grads;
                optimizer.step(clipped, { allowUnknown: true });
              });
            } catch (e) {
              out.check.dispose();
              throw e;
            } finally {
              dispose(out.grads);
            }
            pending.push({ value: out.check, step, size: batch.size });
            if (prediction) await updateMetrics(metrics, prediction, batch.y);
          } finally {
            prediction?.dispose();
            batch.release();
          }
          if (pending.length >= lossReadInterval) await flush();
          const batchLogs: Logs = { loss: lossCount > 0 ? lossSum / lossCount : NaN, batch_loss: lastLoss, size: batch.size };
          if (metrics.length > 0) Object.assign(batchLogs, computeMetrics(metrics));
          for (const c of callbacks) await c.onBatchEnd?.(step, batchLogs, context);
          step++;
          if (context.stopTraining) break;
          if (performance.now() - lastYield >= yieldEvery) {
            await nextTick();
            lastYield = performance.now();
          }
        }
        await flush();
      } finally {
        for (const p of pending) p.value.dispose();
      }

      const logs: Logs = { loss: lossSum / lossCount };
      Object.assign(logs, computeMetrics(metrics));
      resetMetrics(metrics);
      if (val) Object.assign(logs, await runEvaluation(model, val, lossFn, args.allMetrics, 'fit', 'val_'));
      const lr = optimizer.paramGroups[0]?.lr;
      if (lr !== undefined) logs.lr = lr;
      lastLogs = logs;
      for (const c of callbacks) await c.onEpochEnd?.(epoch, logs, context);
      if (context.stopTraining) break;
    }
  }
}
