/**
 * Turning predictions into class labels: the rule every label-based metric (accuracy, precision,
 * confusion matrix, ...) applies to its `pred` argument.
 */
import { check, TensorError } from '@tessera/tensor-core';
import { allIntegers, checkFinite, checkLabels, checkProbabilities, shapeOf, type HostArray } from './input.js';

/**
 * Options shared by the metrics that compare predicted and true class labels.
 *
 * @example
 * ```ts
 * await accuracy([0.2, 0.7, 0.9], [0, 1, 0], { threshold: 0.6 }); // predicts [0, 1, 1]: 2/3
 * ```
 */
export interface LabelOptions {
  /**
   * Number of classes. When set, labels must lie in `[0, numClasses)` and scores must have
   * `numClasses` columns. When unset, the classes are the sorted labels present in the target or
   * the prediction (or the score columns), as scikit-learn's `unique_labels`.
   */
  numClasses?: number;
  /**
   * 1D predictions with non-integer values are probabilities of class 1: `p > threshold` is class 1.
   * Default 0.5 for a float Tensor (model output); plain arrays are class labels, and a non-integer
   * in them is an error unless `threshold` is given (as scikit-learn refuses "continuous" labels).
   */
  threshold?: number;
}

/** @internal Checks `threshold` and returns it (default 0.5). */
export function thresholdOf(options: LabelOptions, op: string): number | undefined {
  return options.threshold === undefined ? undefined : check.number(op, 'threshold', options.threshold);
}

/** @internal Checks `numClasses` (undefined, or an integer >= 2). */
export function numClassesOf(options: LabelOptions, op: string): number | undefined {
  return options.numClasses === undefined ? undefined : check.int(op, 'numClasses', options.numClasses, { min: 2 });
}

const PROBABILITY_HINT = ' (1D predictions with non-integer values are read as probabilities of class 1)';

/**
 * @internal The predicted labels: argmax of `[N, C]` scores (the first maximum on ties, like
 * `numpy.argmax`), `[N]` integers as they are, or `[N]` probabilities thresholded with `p > threshold`.
 * `limit` bounds the labels (undefined: only non-negative).
 */
export function predictedLabels(pred: HostArray, op: string, limit: number | undefined, threshold: number | undefined, hint = ''): Float64Array {
  checkFinite(pred, op, 'pred');
  if (pred.rank === 2) {
    const { rows, cols, values } = pred;
    if (limit !== undefined && cols !== limit) {
      throw new TensorError('SHAPE_MISMATCH', op, `pred has ${cols} score columns (shape ${shapeOf(pred)}) but there are ${limit} classes${hint}`);
    }
    const labels = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let best = 0;
      for (let c = 1; c < cols; c++) if (values[r * cols + c]! > values[r * cols + best]!) best = c;
      labels[r] = best;
    }
    return labels;
  }
  if (allIntegers(pred)) {
    checkLabels(pred, op, 'pred', limit, hint);
    return pred.values;
  }
  if (threshold === undefined && !pred.scores) {
    // A plain array is labels: 0.5 is not a class, and truncating or thresholding it silently would
    // turn a mistake into a score (issue 14).
    const i = pred.values.findIndex((v) => !Number.isInteger(v));
    throw new TensorError(
      'INVALID_ARGUMENT',
      op,
      `pred[${i}] = ${pred.values[i]} is not a class index (a non-negative integer); to read 1D predictions as probabilities of class 1, pass a float Tensor or set { threshold }`,
    );
  }
  checkProbabilities(pred, op, 'pred', PROBABILITY_HINT);
  if (limit !== undefined && limit !== 2) {
    throw new TensorError('INVALID_ARGUMENT', op, `pred holds probabilities of class 1 (non-integer values), which describe 2 classes, but there are ${limit} classes`);
  }
  const labels = new Float64Array(pred.rows);
  const cut = threshold ?? 0.5;
  for (let i = 0; i < pred.rows; i++) labels[i] = pred.values[i]! > cut ? 1 : 0;
  return labels;
}
