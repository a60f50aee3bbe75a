/**
 * `@tessera/metrics`: functional and streaming metrics that match scikit-learn.
 *
 * Every function that reads predictions and targets is async (tensors are read with
 * `await t.data()`) and takes `(pred, target, options)`: note the order, the reverse of
 * scikit-learn's `(y_true, y_pred)`. Values are computed on the host in float64.
 *
 * @example
 * ```ts
 * import { accuracy, confusionMatrix, createMetric, F1Score } from '@tessera/metrics';
 * await accuracy(logits, labels);            // logits [N, C] → argmax
 * const f1 = new F1Score({ average: 'macro' });
 * await f1.update(logits, labels);
 * console.log(f1.name, f1.compute());        // 'f1' 0.87
 * await (await confusionMatrix(logits, labels)).plot('cm.svg'); // SVG heat map (Node)
 * const metrics = ['accuracy', 'auc'].map(createMetric);         // for training loops
 * ```
 */
export type { MetricInput } from './input.js';
export type { Metric } from './metric.js';
export type { LabelOptions } from './labels.js';
export { Accuracy, accuracy, type AccuracyOptions } from './accuracy.js';
export {
  ConfusionMatrix,
  Precision,
  Recall,
  FBeta,
  F1Score,
  MatthewsCorrCoef,
  CohenKappa,
  confusionMatrix,
  precision,
  recall,
  fbeta,
  f1Score,
  matthewsCorrCoef,
  cohenKappa,
  type Average,
  type AverageResult,
  type PrecisionRecallOptions,
  type FBetaOptions,
  type ConfusionMatrixOptions,
  type CohenKappaOptions,
  type ConfusionMatrixResult,
} from './confusion.js';
export {
  AUROC,
  AveragePrecision,
  auroc,
  averagePrecision,
  rocCurve,
  precisionRecallCurve,
  auc,
  type RankingAverage,
  type RankingResult,
  type RankingOptions,
  type RocCurveOptions,
  type RocCurve,
  type PrecisionRecallCurve,
} from './ranking.js';
export { LogLoss, logLoss, type LogLossOptions } from './log-loss.js';
export {
  MeanSquaredError,
  RootMeanSquaredError,
  MeanAbsoluteError,
  MeanAbsolutePercentageError,
  R2Score,
  meanSquaredError,
  rootMeanSquaredError,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  r2Score,
  type R2Options,
} from './regression.js';
export { svgToPng, type SvgToPngOptions } from './svg-to-png.js';
export {
  confusionMatrixSvg,
  rocCurveSvg,
  precisionRecallCurveSvg,
  type Plottable,
  type ConfusionMatrixPlotOptions,
  type CurvePlotOptions,
  type RocCurveData,
  type PrecisionRecallCurveData,
} from './plot.js';
export { createMetric, metricNames } from './create-metric.js';
