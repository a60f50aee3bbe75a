/**
 * The shared vocabulary of the training loop: the model it trains, the data it reads, the logs it
 * writes and the callback interface.
 */
import type { Backend, Tensor, Variable } from '@tessera/tensor-core';
import type { Metric } from '@tessera/metrics';

/**
 * What `fit`, `evaluate` and `predict` need of a model: any `Module` of `@tessera/layers` with one
 * tensor in and one tensor out satisfies it (`Sequential`, a `Module` subclass, an imported ONNX
 * model). Declared structurally so that the training loop does not depend on how a model is built.
 *
 * @example
 * ```ts
 * const model: TrainableModel = new Sequential([new Linear({ inFeatures: 4, outFeatures: 2 })]);
 * ```
 */
export interface TrainableModel {
  /** Training (true) or evaluation mode (false). */
  readonly training: boolean;
  /** The computation: a batch in, a batch of predictions out (a new tensor the caller owns). */
  forward(x: Tensor): Tensor;
  /** Sets training mode on the model and its submodules. */
  train(mode?: boolean): unknown;
  /** Evaluation mode. */
  eval(): unknown;
  /** Every parameter (frozen ones included; those have `requiresGrad = false`). */
  parameters(): Variable[];
  /** Copies of the parameters and buffers by dotted name (the caller owns them). */
  stateDict(): Map<string, Tensor>;
  /** Copies the values of `dict` into the model's parameters and buffers. */
  loadStateDict(dict: Map<string, Tensor>): unknown;
  /** Writes the state dict as safetensors to `path` (Node) and returns the bytes. */
  save?(path?: string): Promise<Uint8Array>;
}

/**
 * A loss function: predictions and targets in, a scalar out (`crossEntropy`, `mseLoss`, or your
 * own, written with tensor-core ops).
 *
 * @example
 * ```ts
 * const loss: LossFn = (prediction, target) => prediction.sub(target).square().mean();
 * ```
 */
export type LossFn = (prediction: Tensor, target: Tensor) => Tensor;

/**
 * One batch: inputs and targets. Data loaders may yield `[x, y]` pairs (a `DataLoader` over a
 * `TensorDataset` yields `Tensor[]` of length 2) or `{ x, y }` objects.
 * @example
 * ```ts
 * const batch: Batch = { x: images, y: labels };
 * ```
 */
export type Batch = { readonly x: Tensor; readonly y: Tensor } | readonly [Tensor, Tensor] | readonly Tensor[];

/**
 * A random-access dataset of `[x, y]` samples (as `@tessera/data-augment`'s `Dataset` and
 * `TensorDataset`): `fit` batches it itself (seeded shuffle, `batchSize`).
 * @example
 * ```ts
 * const ds: SampleDataset = new TensorDataset(x, y);
 * ```
 */
export interface SampleDataset {
  readonly length: number;
  get(index: number): Batch | Promise<Batch>;
}

/**
 * Anything `fit`, `evaluate` and `predict` can read:
 *
 * - `{ x, y }`: two tensors whose first axis is the sample axis (the fast path: batches are
 *   gathered on the backend, shuffled with the seed);
 * - a batch iterable: a `DataLoader` of `@tessera/data-augment`, an array of batches, or any
 *   (async) iterable of `[x, y]` / `{ x, y }` batches, read once per epoch. Batches a loader
 *   yields are disposed after use unless the loader says it owns them (`ownsBatches: true`);
 *   batches of a plain array are never disposed.
 * - a random-access dataset (`length` and `get(i)` returning a sample `[x, y]`).
 *
 * @example
 * ```ts
 * await fit(model, { data: { x: images, y: labels }, epochs: 3, batchSize: 32, ... });
 * await fit(model, { data: new DataLoader(dataset, { batchSize: 32, shuffle: true, seed: 0 }), ... });
 * ```
 */
export type DataSource =
  | { readonly x: Tensor; readonly y: Tensor }
  | Iterable<Batch>
  | AsyncIterable<Batch>
  | SampleDataset;

/**
 * Anything {@link predict} can read: inputs alone (a tensor, or `{ x }`, with `y` optional and
 * ignored), or any {@link DataSource} (its targets are ignored).
 * @example
 * ```ts
 * const a: PredictData = images;
 * const b: PredictData = { x: images };
 * ```
 */
export type PredictData = Tensor | { readonly x: Tensor; readonly y?: Tensor } | DataSource;

/** Epoch or batch logs: `loss`, metrics (`accuracy`), validation values (`val_loss`, `val_accuracy`), `lr`. */
export type Logs = Record<string, number>;

/**
 * A metric as `fit` and `evaluate` accept it: a name (`'accuracy'`, `'mse'`, `'mae'`, ...) or any
 * streaming {@link Metric} of `@tessera/metrics` (or your own object implementing it).
 * @example
 * ```ts
 * const metrics: MetricSpec[] = ['accuracy', new F1Score({ average: 'macro' })];
 * ```
 */
export type MetricSpec = string | Metric;

/**
 * What callbacks see of a running `fit`: the model, the optimizer, the plan, and the flag that
 * stops training at the end of the current batch or epoch (Keras's `model.stop_training`).
 *
 * @example
 * ```ts
 * const stopAtNinetyPercent: Callback = {
 *   onEpochEnd(epoch, logs, context) { if ((logs.accuracy ?? 0) > 0.9) context.stopTraining = true; },
 * };
 * ```
 */
export interface TrainingContext {
  readonly model: TrainableModel;
  /** The optimizer `fit` was given (use `paramGroups` to read or write learning rates). */
  readonly optimizer: FitOptimizer;
  /** Number of epochs requested. */
  readonly epochs: number;
  /** Batches per epoch, when the data knows its length. */
  readonly stepsPerEpoch: number | undefined;
  /** Training samples per epoch, when known. */
  readonly samplesPerEpoch: number | undefined;
  readonly batchSize: number;
  /** Whether validation runs at the end of each epoch. */
  readonly hasValidation: boolean;
  /** Metric names in the logs (`['accuracy']`). */
  readonly metricNames: readonly string[];
  /** Set to true to stop training after the current batch. */
  stopTraining: boolean;
}

/**
 * The optimizer interface `fit` uses: `@tessera/optim`'s optimizers.
 * @example
 * ```ts
 * const opt: FitOptimizer = new Adam(model.parameters(), { lr: 1e-3 });
 * ```
 */
export interface FitOptimizer {
  step(grads: ReadonlyMap<Tensor, Tensor>, options?: { allowUnknown?: boolean }): void;
  readonly paramGroups: ReadonlyArray<{ lr: number; readonly params: readonly Variable[] }>;
  /**
   * Moves the optimizer state to `backend`. `fit` calls it when the model's parameters are on
   * another backend than at the last step (a callback moved the model).
   */
  to?(backend: Backend): Promise<unknown>;
}

/**
 * A training callback, as Keras's: every hook is optional and may be async. Hooks run in the order
 * the callbacks were given. To stop training, set `context.stopTraining = true`.
 *
 * Epoch numbers are 0-based; `step` is the batch index within the epoch (0-based).
 *
 * @example
 * ```ts
 * const printer: Callback = {
 *   onEpochEnd(epoch, logs) { console.log(epoch, logs.loss, logs.val_loss); },
 * };
 * await fit(model, { ..., callbacks: [printer] });
 * ```
 */
export interface Callback {
  onTrainBegin?(context: TrainingContext): void | Promise<void>;
  /** After the last epoch (or after a callback stopped training), with the last epoch's logs. */
  onTrainEnd?(logs: Logs, context: TrainingContext): void | Promise<void>;
  /** When `fit` throws (NaN loss, a bad batch): release what `onTrainBegin` acquired. */
  onTrainError?(error: unknown, context: TrainingContext): void | Promise<void>;
  onEpochBegin?(epoch: number, context: TrainingContext): void | Promise<void>;
  /** After training and validation of `epoch`: `loss`, metrics, `val_*`, `lr`. */
  onEpochEnd?(epoch: number, logs: Logs, context: TrainingContext): void | Promise<void>;
  /**
   * After each optimizer step. `logs.loss` is the running mean of the epoch's loss so far (as
   * far as it has been read, see `lossReadInterval`), `logs.batch_loss` the latest read value,
   * `logs.size` the batch size; training metrics are in the epoch logs only.
   */
  onBatchEnd?(step: number, logs: Logs, context: TrainingContext): void | Promise<void>;
}
