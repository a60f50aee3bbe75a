/**
 * `@tessera/train`: `fit`, `evaluate` and `predict` for Tessera models, and the callbacks of a
 * Keras-style training loop (early stopping, progress bar, checkpoints, learning-rate schedules,
 * CSV logs, history plots). The loop manages memory scopes itself: code that calls `fit` never
 * needs `tidy`.
 *
 * @example
 * ```ts
 * import { fit, evaluate, earlyStopping } from '@tessera/train';
 * const history = await fit(model, {
 *   data: { x: trainImages, y: trainLabels }, validation: { x: testImages, y: testLabels },
 *   epochs: 10, batchSize: 32, optimizer: new Adam(model.parameters(), { lr: 1e-3 }),
 *   loss: crossEntropy, metrics: ['accuracy'],
 *   callbacks: [earlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true })],
 * });
 * const { loss, accuracy } = await evaluate(model, { x: testImages, y: testLabels });
 * await history.plot('curves.svg');
 * ```
 */
export { DEFAULT_FIT_SEED, fit, type FitOptions } from './fit.js';
export { evaluate, predict, type EvaluateOptions, type PredictOptions } from './evaluate.js';
export { permutation } from './data.js';
export type {
  Batch,
  Callback,
  DataSource,
  FitOptimizer,
  Logs,
  LossFn,
  MetricSpec,
  PredictData,
  SampleDataset,
  TrainableModel,
  TrainingContext,
} from './types.js';
export { History, type PlotOptions } from './callbacks/history.js';
export { earlyStopping, type EarlyStopping, type EarlyStoppingOptions } from './callbacks/early-stopping.js';
export { progressBar, ProgressBar, type ProgressBarOptions, type ProgressInfo } from './callbacks/progress-bar.js';
export { modelCheckpoint, type ModelCheckpoint, type ModelCheckpointOptions } from './callbacks/model-checkpoint.js';
export { learningRateScheduler, type LearningRateSchedule, type LearningRateSchedulerOptions, type Steppable } from './callbacks/lr-scheduler.js';
export type { Drawing, Shape as DrawingShape } from './plot/chart.js';
export { csvLogger, type CsvLogger, type CsvLoggerOptions } from './callbacks/csv-logger.js';
