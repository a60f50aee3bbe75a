/**
 * Regression metrics: MSE, RMSE, MAE, MAPE and R². One state (per output column: count, mean and
 * squared deviation of the target, sums of squared, absolute and relative errors) serves them all;
 * the target's mean and deviation merge with Chan's parallel formula, so R² streams without the
 * cancellation of Σy² - (Σy)²/n.
 */
import { checkOptions, TensorError } from '@tessera/tensor-core';
import { checkFinite, checkNonEmpty, shapeOf, type HostArray, type MetricInput } from './input.js';
import { ACCUMULATE, BaseMetric, RESULT, checkMergeable, noData, oneShot } from './metric.js';

/**
 * Options of `r2Score` and `R2Score`.
 *
 * @example
 * ```ts
 * await r2Score([1, 1, 1], [1, 1, 1], { forceFinite: false }); // NaN
 * ```
 */
export interface R2Options {
  /**
   * With a constant target (zero variance), return 1 for a perfect prediction and 0 otherwise
   * instead of NaN or -Infinity, as scikit-learn's `force_finite`. Default true.
   */
  forceFinite?: boolean;
}

/** The smallest denominator of MAPE: float64 machine epsilon, as scikit-learn. */
const MAPE_EPSILON = Number.EPSILON;

class RegressionState {
  count = 0;
  cols: number | undefined;
  mean = new Float64Array(0);
  m2 = new Float64Array(0);
  squared = new Float64Array(0);
  absolute = new Float64Array(0);
  relative = new Float64Array(0);

  add(pred: HostArray, target: HostArray, op: string): void {
    checkNonEmpty(pred, op, 'pred');
    checkNonEmpty(target, op, 'target');
    if (pred.rank !== target.rank || pred.rows !== target.rows || pred.cols !== target.cols) {
      throw new TensorError('SHAPE_MISMATCH', op, `pred has shape ${shapeOf(pred)} but target has shape ${shapeOf(target)}; they must match`);
    }
    if (this.cols !== undefined && target.cols !== this.cols) {
      throw new TensorError('SHAPE_MISMATCH', op, `target has shape ${shapeOf(target)} but earlier batches had ${this.cols === 1 ? 'shape [N]' : `${this.cols} output columns`}`);
    }
    checkFinite(pred, op, 'pred');
    checkFinite(target, op, 'target');
    const { rows, cols } = target;
    const batch = RegressionState.empty(cols);
    batch.count = rows;
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += target.values[r * cols + c]!;
      const mean = sum / rows;
      let m2 = 0;
      let squared = 0;
      let absolute = 0;
      let relative = 0;
      for (let r = 0; r < rows; r++) {
        const y = target.values[r * cols + c]!;
        const error = pred.values[r * cols + c]! - y;
        m2 += (y - mean) ** 2;
        squared += error * error;
        absolute += Math.abs(error);
        relative += Math.abs(error) / Math.max(Math.abs(y), MAPE_EPSILON);
      }
      batch.mean[c] = mean;
      batch.m2[c] = m2;
      batch.squared[c] = squared;
      batch.absolute[c] = absolute;
      batch.relative[c] = relative;
    }
    this.merge(batch);
  }

  static empty(cols: number): RegressionState {
    const state = new RegressionState();
    state.cols = cols;
    state.mean = new Float64Array(cols);
    state.m2 = new Float64Array(cols);
    state.squared = new Float64Array(cols);
    state.absolute = new Float64Array(cols);
    state.relative = new Float64Array(cols);
    return state;
  }

  merge(other: RegressionState): void {
    if (other.cols === undefined || other.count === 0) return;
    if (this.cols === undefined || this.count === 0) {
      this.count = other.count;
      this.cols = other.cols;
      this.mean = other.mean.slice();
      this.m2 = other.m2.slice();
      this.squared = other.squared.slice();
      this.absolute = other.absolute.slice();
      this.relative = other.relative.slice();
      return;
    }
    const n = this.count + other.count;
    for (let c = 0; c < this.cols; c++) {
      // Chan et al.: combine two (count, mean, M2) summaries exactly.
      const delta = other.mean[c]! - this.mean[c]!;
      this.m2[c] = this.m2[c]! + other.m2[c]! + (delta * delta * this.count * other.count) / n;
      this.mean[c] = this.mean[c]! + (delta * other.count) / n;
      this.squared[c]! += other.squared[c]!;
      this.absolute[c]! += other.absolute[c]!;
      this.relative[c]! += other.relative[c]!;
    }
    this.count = n;
  }

  clear(): void {
    Object.assign(this, new RegressionState());
  }
}

type Kind = 'mse' | 'rmse' | 'mae' | 'mape' | 'r2';

abstract class RegressionMetric extends BaseMetric<number> {
  readonly #kind: Kind;
  readonly #forceFinite: boolean;
  #state = new RegressionState();

  constructor(kind: Kind, forceFinite = true) {
    super();
    this.#kind = kind;
    this.#forceFinite = forceFinite;
  }

  /** @internal */
  [ACCUMULATE](pred: HostArray, target: HostArray, op: string): void {
    this.#state.add(pred, target, op);
  }

  /** @internal */
  [RESULT](op: string): number {
    const state = this.#state;
    if (state.cols === undefined || state.count === 0) noData(op);
    const n = state.count;
    // Several outputs: the uniform mean of the per-output values, as scikit-learn's default
    // multioutput='uniform_average' (so RMSE is the mean of per-output RMSEs).
    let total = 0;
    for (let c = 0; c < state.cols; c++) total += this.#perOutput(state, c, n);
    return total / state.cols;
  }

  #perOutput(state: RegressionState, c: number, n: number): number {
    switch (this.#kind) {
      case 'mse':
        return state.squared[c]! / n;
      case 'rmse':
        return Math.sqrt(state.squared[c]! / n);
      case 'mae':
        return state.absolute[c]! / n;
      case 'mape':
        return state.relative[c]! / n;
      case 'r2': {
        // scikit-learn warns and returns NaN below two samples.
        if (n < 2) return NaN;
        const numerator = state.squared[c]!;
        const denominator = state.m2[c]!;
        if (!this.#forceFinite) return 1 - numerator / denominator;
        if (numerator === 0) return 1;
        return denominator === 0 ? 0 : 1 - numerator / denominator;
      }
    }
  }

  reset(): void {
    this.#state.clear();
  }

  merge(other: this): this {
    checkMergeable(this, other, this.label, { forceFinite: this.#forceFinite }, other instanceof RegressionMetric ? { forceFinite: other.#forceFinite } : {});
    const mine = this.#state;
    const theirs = other.#state;
    if (mine.cols !== undefined && theirs.cols !== undefined && mine.cols !== theirs.cols) {
      throw new TensorError('SHAPE_MISMATCH', `${this.label}.merge`, `this metric has seen ${mine.cols} output columns but the other ${theirs.cols}`);
    }
    mine.merge(theirs);
    return this;
  }
}

/**
 * Streaming mean squared error. scikit-learn: `mean_squared_error`.
 *
 * @example
 * ```ts
 * const m = new MeanSquaredError();
 * await m.update([2.5, 0, 2, 8], [3, -0.5, 2, 7]);
 * m.compute(); // 0.375
 * ```
 */
export class MeanSquaredError extends RegressionMetric {
  readonly name: string = 'mse';
  protected readonly label: string = 'MeanSquaredError';
  constructor() {
    super('mse');
  }
}

/**
 * Streaming root mean squared error. scikit-learn: `mean_squared_error(squared=False)`.
 *
 * @example
 * ```ts
 * const m = new RootMeanSquaredError();
 * await m.update([2.5, 0, 2, 8], [3, -0.5, 2, 7]);
 * m.compute(); // 0.612
 * ```
 */
export class RootMeanSquaredError extends RegressionMetric {
  readonly name: string = 'rmse';
  protected readonly label: string = 'RootMeanSquaredError';
  constructor() {
    super('rmse');
  }
}

/**
 * Streaming mean absolute error. scikit-learn: `mean_absolute_error`.
 *
 * @example
 * ```ts
 * const m = new MeanAbsoluteError();
 * await m.update([2.5, 0, 2, 8], [3, -0.5, 2, 7]);
 * m.compute(); // 0.5
 * ```
 */
export class MeanAbsoluteError extends RegressionMetric {
  readonly name: string = 'mae';
  protected readonly label: string = 'MeanAbsoluteError';
  constructor() {
    super('mae');
  }
}

/**
 * Streaming mean absolute percentage error, |pred - target| / max(|target|, eps) with eps the
 * float64 machine epsilon: a fraction, not a percentage, and huge (not Infinity) when a target is 0,
 * as scikit-learn's `mean_absolute_percentage_error`.
 *
 * @example
 * ```ts
 * const m = new MeanAbsolutePercentageError();
 * await m.update([2.5, 0, 2, 8], [3, -0.5, 2, 7]);
 * m.compute(); // 0.327
 * ```
 */
export class MeanAbsolutePercentageError extends RegressionMetric {
  readonly name: string = 'mape';
  protected readonly label: string = 'MeanAbsolutePercentageError';
  constructor() {
    super('mape');
  }
}

/**
 * Streaming coefficient of determination R². scikit-learn: `r2_score`: NaN with fewer than 2
 * samples; with a constant target 1 (perfect) or 0 under `forceFinite` (default), NaN or
 * -Infinity without it.
 *
 * @example
 * ```ts
 * const m = new R2Score();
 * await m.update([2.5, 0, 2, 8], [3, -0.5, 2, 7]);
 * m.compute(); // 0.949
 * ```
 */
export class R2Score extends RegressionMetric {
  readonly name: string = 'r2';
  protected readonly label: string = 'R2Score';
  constructor(options: R2Options = {}) {
    checkOptions('R2Score', options, ['forceFinite']);
    const forceFinite = options.forceFinite ?? true;
    if (typeof forceFinite !== 'boolean') throw new TensorError('INVALID_ARGUMENT', 'R2Score', `forceFinite must be a boolean, got ${String(forceFinite)}`);
    super('r2', forceFinite);
  }
}

class RegressionFn extends RegressionMetric {
  readonly name: string;
  protected readonly label: string;
  constructor(kind: Kind, op: string, forceFinite?: boolean) {
    super(kind, forceFinite);
    this.name = kind;
    this.label = op;
  }
}

/**
 * Mean squared error. scikit-learn: `mean_squared_error(target, pred)`. `pred` and `target` have
 * the same shape, `[N]` or `[N, D]` (D outputs, averaged uniformly).
 *
 * @throws TensorError `SHAPE_MISMATCH` when the shapes differ; `INVALID_ARGUMENT` for empty input
 *   or NaN/Infinity values.
 * @example
 * ```ts
 * await meanSquaredError([2.5, 0, 2, 8], [3, -0.5, 2, 7]); // 0.375
 * ```
 */
export async function meanSquaredError(pred: MetricInput, target: MetricInput): Promise<number> {
  return oneShot(new RegressionFn('mse', 'meanSquaredError'), pred, target, 'meanSquaredError');
}

/**
 * Root mean squared error. scikit-learn: `mean_squared_error(target, pred, squared=False)` (the
 * mean of per-output RMSEs for `[N, D]`). Inputs and errors as `meanSquaredError`.
 *
 * @example
 * ```ts
 * await rootMeanSquaredError([2.5, 0, 2, 8], [3, -0.5, 2, 7]); // 0.612
 * ```
 */
export async function rootMeanSquaredError(pred: MetricInput, target: MetricInput): Promise<number> {
  return oneShot(new RegressionFn('rmse', 'rootMeanSquaredError'), pred, target, 'rootMeanSquaredError');
}

/**
 * Mean absolute error. scikit-learn: `mean_absolute_error(target, pred)`. Inputs and errors as
 * `meanSquaredError`.
 *
 * @example
 * ```ts
 * await meanAbsoluteError([2.5, 0, 2, 8], [3, -0.5, 2, 7]); // 0.5
 * ```
 */
export async function meanAbsoluteError(pred: MetricInput, target: MetricInput): Promise<number> {
  return oneShot(new RegressionFn('mae', 'meanAbsoluteError'), pred, target, 'meanAbsoluteError');
}

/**
 * Mean absolute percentage error (a fraction). scikit-learn:
 * `mean_absolute_percentage_error(target, pred)`; a zero target divides by float64 epsilon.
 * Inputs and errors as `meanSquaredError`.
 *
 * @example
 * ```ts
 * await meanAbsolutePercentageError([1.2, 0.1, 2.4, 8], [1, 0, 2.4, 7]); // 1.13e14 (a target is 0)
 * ```
 */
export async function meanAbsolutePercentageError(pred: MetricInput, target: MetricInput): Promise<number> {
  return oneShot(new RegressionFn('mape', 'meanAbsolutePercentageError'), pred, target, 'meanAbsolutePercentageError');
}

/**
 * Coefficient of determination R². scikit-learn: `r2_score(target, pred, force_finite=...)`. Inputs
 * and errors as `meanSquaredError`; also `INVALID_ARGUMENT` for a non-boolean `forceFinite`.
 *
 * @example
 * ```ts
 * await r2Score([2.5, 0, 2, 8], [3, -0.5, 2, 7]);              // 0.949
 * await r2Score([1, 2, 3], [2, 2, 2]);                         // 0 (constant target, imperfect)
 * await r2Score([1, 2, 3], [2, 2, 2], { forceFinite: false }); // -Infinity
 * ```
 */
export async function r2Score(pred: MetricInput, target: MetricInput, options: R2Options = {}): Promise<number> {
  checkOptions('r2Score', options, ['forceFinite']);
  const forceFinite = options.forceFinite ?? true;
  if (typeof forceFinite !== 'boolean') throw new TensorError('INVALID_ARGUMENT', 'r2Score', `forceFinite must be a boolean, got ${String(forceFinite)}`);
  return oneShot(new RegressionFn('r2', 'r2Score', forceFinite), pred, target, 'r2Score');
}
