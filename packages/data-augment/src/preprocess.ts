/**
 * Preprocessing that learns on the training split and applies to the others (scikit-learn's
 * fit / transform): StandardScaler, MinMaxScaler, LabelEncoder (with one-hot output), and
 * cleaning of rows with missing values (drop with a report, or impute).
 */
import { checkOptions, Tensor, TensorError, fmtShape, keep, oneHot, tensor, tidy } from '@tessera/tensor-core';

/** Feature rows: a float `[N, F]` tensor, or nested arrays where `null`, `undefined` and NaN are missing. */
export type Rows = Tensor | readonly (readonly (number | null | undefined)[])[];

function toMatrix(op: string, x: Rows): { values: Float64Array; n: number; f: number } {
  if (x instanceof Tensor) {
    if (x.rank !== 2) throw new TensorError('SHAPE_MISMATCH', op, `x must be [N, features], got shape ${fmtShape(x.shape)}`);
    if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new TensorError('DTYPE_MISMATCH', op, `x must be float32, got ${x.dtype}`);
    return { values: Float64Array.from(x.dataSync()), n: x.shape[0]!, f: x.shape[1]! };
  }
  if (!Array.isArray(x)) throw new TensorError('INVALID_ARGUMENT', op, `x must be a Tensor or an array of rows, got ${typeof x}`);
  const n = x.length;
  const f = n > 0 ? (x[0] as unknown[]).length : 0;
  const values = new Float64Array(n * f);
  x.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== f) {
      throw new TensorError('SHAPE_MISMATCH', op, `row ${i} has ${Array.isArray(row) ? row.length : 'no'} values, expected ${f} (as row 0)`);
    }
    row.forEach((v, j) => {
      if (v !== null && v !== undefined && typeof v !== 'number') throw new TensorError('INVALID_ARGUMENT', op, `row ${i}, column ${j} is ${typeof v}, expected a number or null`);
      values[i * f + j] = v === null || v === undefined ? NaN : v;
    });
  });
  return { values, n, f };
}

function checkFeatures(op: string, x: Tensor, features: number): void {
  if (!(x instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', op, `x must be a Tensor, got ${typeof x}`);
  if (x.rank !== 2 || x.shape[1] !== features) {
    throw new TensorError('SHAPE_MISMATCH', op, `x must be [N, ${features}] (the scaler was fitted on ${features} features), got shape ${fmtShape(x.shape)}`);
  }
  if (x.dtype !== 'float32') throw new TensorError('DTYPE_MISMATCH', op, `x must be float32, got ${x.dtype}`);
}

/** A fitted per-feature affine map `(x - shift) / scale`. */
abstract class AffineScaler {
  protected shift: Tensor | undefined;
  protected scale: Tensor | undefined;
  #features = 0;

  protected abstract learn(values: Float64Array, n: number, f: number): { shift: Float64Array; scale: Float64Array };

  /**
   * Learns the parameters from `x` `[N, F]` (NaN entries are ignored).
   * @throws TensorError `INVALID_ARGUMENT` for an infinite value (named by row and column).
   */
  fit(x: Tensor): this {
    const op = `${this.constructor.name}.fit`;
    const { values, n, f } = toMatrix(op, x);
    if (n === 0) throw new TensorError('INVALID_ARGUMENT', op, 'cannot fit on zero rows');
    // An infinite value would make the column's scale infinite and every transformed value NaN
    // (scikit-learn raises "Input contains infinity"); NaN stays the marker of a missing value.
    const inf = values.findIndex((v) => v === Infinity || v === -Infinity);
    if (inf >= 0) {
      throw new TensorError('INVALID_ARGUMENT', op, `x[${Math.floor(inf / f)}, ${inf % f}] is ${values[inf]}; scalers need finite values (NaN marks a missing one)`);
    }
    const { shift, scale } = this.learn(values, n, f);
    this.dispose();
    this.shift = keep(tensor(Float32Array.from(shift), [1, f]));
    this.scale = keep(tensor(Float32Array.from(scale), [1, f]));
    this.#features = f;
    return this;
  }

  #fitted(op: string): [Tensor, Tensor] {
    if (!this.shift || !this.scale) throw new TensorError('INVALID_ARGUMENT', op, 'call fit() on the training data first');
    return [this.shift, this.scale];
  }

  /** Applies the learned map to `x` `[N, F]` (a new tensor). */
  transform(x: Tensor): Tensor {
    const op = `${this.constructor.name}.transform`;
    const [shift, scale] = this.#fitted(op);
    checkFeatures(op, x, this.#features);
    return tidy(() => x.sub(shift).div(scale));
  }

  /** Undoes {@link transform}. */
  inverseTransform(x: Tensor): Tensor {
    const op = `${this.constructor.name}.inverseTransform`;
    const [shift, scale] = this.#fitted(op);
    checkFeatures(op, x, this.#features);
    return tidy(() => x.mul(scale).add(shift));
  }

  /** `fit(x)` then `transform(x)`. */
  fitTransform(x: Tensor): Tensor {
    return this.fit(x).transform(x);
  }

  /** The learned parameters as plain numbers (for saving). */
  get parameters(): { shift: number[]; scale: number[] } | undefined {
    if (!this.shift || !this.scale) return undefined;
    return { shift: Array.from(this.shift.dataSync()), scale: Array.from(this.scale.dataSync()) };
  }

  /** Frees the learned parameters. */
  dispose(): void {
    this.shift?.dispose();
    this.scale?.dispose();
    this.shift = undefined;
    this.scale = undefined;
  }
}

/**
 * Standardises features to zero mean and unit variance (scikit-learn `StandardScaler`: the
 * population standard deviation; a constant feature gets scale 1).
 *
 * @throws TensorError `INVALID_ARGUMENT` for transform before fit; `SHAPE_MISMATCH` for a
 *   feature count that differs from the fitted one; `DTYPE_MISMATCH` for non-float input.
 * @example
 * ```ts
 * const scaler = new StandardScaler().fit(xTrain);
 * const xTestScaled = scaler.transform(xTest);
 * ```
 */
export class StandardScaler extends AffineScaler {
  protected learn(values: Float64Array, n: number, f: number): { shift: Float64Array; scale: Float64Array } {
    const shift = new Float64Array(f);
    const scale = new Float64Array(f);
    for (let j = 0; j < f; j++) {
      let count = 0;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const v = values[i * f + j]!;
        if (!Number.isNaN(v)) {
          sum += v;
          count++;
        }
      }
      const mean = count ? sum / count : 0;
      let sq = 0;
      for (let i = 0; i < n; i++) {
        const v = values[i * f + j]!;
        if (!Number.isNaN(v)) sq += (v - mean) ** 2;
      }
      const std = count ? Math.sqrt(sq / count) : 0;
      shift[j] = mean;
      scale[j] = std > 0 ? std : 1;
    }
    return { shift, scale };
  }

  /** Learned means. */
  get mean(): number[] | undefined {
    return this.parameters?.shift;
  }
  /** Learned standard deviations (1 for constant features). */
  get std(): number[] | undefined {
    return this.parameters?.scale;
  }
}

/** Options of {@link MinMaxScaler}. */
export interface MinMaxScalerOptions {
  /** Target range (default `[0, 1]`). */
  readonly featureRange?: readonly [number, number];
}

/**
 * Scales each feature to `featureRange` by its training min and max (scikit-learn
 * `MinMaxScaler`; a constant feature maps to the range's low end).
 *
 * @throws TensorError as {@link StandardScaler}; `INVALID_ARGUMENT` for a range with min >= max.
 * @example
 * ```ts
 * const scaled = new MinMaxScaler({ featureRange: [-1, 1] }).fitTransform(x);
 * ```
 */
export class MinMaxScaler extends AffineScaler {
  readonly featureRange: readonly [number, number];

  constructor(options: MinMaxScalerOptions = {}) {
    super();
    checkOptions('MinMaxScaler', options, ['featureRange']);
    const r = options.featureRange ?? [0, 1];
    if (!Array.isArray(r) || r.length !== 2 || !r.every(Number.isFinite) || !(r[0] < r[1])) {
      throw new TensorError('INVALID_ARGUMENT', 'MinMaxScaler', `featureRange must be [min, max] with min < max, got ${JSON.stringify(options.featureRange)}`);
    }
    this.featureRange = [r[0], r[1]];
  }

  protected learn(values: Float64Array, n: number, f: number): { shift: Float64Array; scale: Float64Array } {
    const [lo, hi] = this.featureRange;
    const shift = new Float64Array(f);
    const scale = new Float64Array(f);
    for (let j = 0; j < f; j++) {
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < n; i++) {
        const v = values[i * f + j]!;
        if (Number.isNaN(v)) continue;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (min === Infinity) [min, max] = [0, 0];
      const range = max - min > 0 ? max - min : 1;
      // x' = lo + (x - min) * (hi - lo) / range = (x - shift) / scale
      scale[j] = range / (hi - lo);
      shift[j] = min - lo * scale[j]!;
    }
    return { shift, scale };
  }
}

/**
 * Maps labels (strings or numbers) to class indices `0..K-1` in sorted order (scikit-learn
 * `LabelEncoder`), and to one-hot rows.
 *
 * @throws TensorError `INVALID_ARGUMENT` for an unseen label (named) or use before fit.
 * @example
 * ```ts
 * const enc = new LabelEncoder().fit(['cat', 'dog', 'cat']);
 * enc.transform(['dog']); // int32 [1]
 * enc.oneHot(['dog']); // float32 [[0, 1]]
 * enc.inverseTransform([0]); // ['cat']
 * ```
 */
export class LabelEncoder<L extends string | number = string | number> {
  #classes: L[] | undefined;
  #index = new Map<L, number>();

  /** Learns the set of classes. */
  fit(labels: readonly L[]): this {
    if (!Array.isArray(labels) || labels.length === 0) throw new TensorError('INVALID_ARGUMENT', 'LabelEncoder.fit', 'labels must be a non-empty array');
    const bad = labels.find((l) => typeof l !== 'string' && typeof l !== 'number');
    if (bad !== undefined) throw new TensorError('INVALID_ARGUMENT', 'LabelEncoder.fit', `labels must be strings or numbers, got ${typeof bad}`);
    const classes = [...new Set(labels)].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
    this.#classes = classes;
    this.#index = new Map(classes.map((c, i) => [c, i]));
    return this;
  }

  /** The classes in index order. */
  get classes(): readonly L[] {
    if (!this.#classes) throw new TensorError('INVALID_ARGUMENT', 'LabelEncoder.classes', 'call fit() first');
    return this.#classes;
  }

  /** Class indices of `labels` as an int32 `[N]` tensor. */
  transform(labels: readonly L[]): Tensor {
    const classes = this.classes;
    const out = new Int32Array(labels.length);
    labels.forEach((l, i) => {
      const k = this.#index.get(l);
      if (k === undefined) throw new TensorError('INVALID_ARGUMENT', 'LabelEncoder.transform', `label ${JSON.stringify(l)} at position ${i} was not seen in fit (known: ${classes.slice(0, 10).map((c) => JSON.stringify(c)).join(', ')}${classes.length > 10 ? ', ...' : ''})`);
      out[i] = k;
    });
    return tensor(out, [labels.length], { dtype: 'int32' });
  }

  /** `fit(labels)` then `transform(labels)`. */
  fitTransform(labels: readonly L[]): Tensor {
    return this.fit(labels).transform(labels);
  }

  /** One-hot float32 rows `[N, K]`. */
  oneHot(labels: readonly L[]): Tensor {
    const idx = this.transform(labels);
    try {
      return oneHot(idx, this.classes.length, { dtype: 'float32' });
    } finally {
      idx.dispose();
    }
  }

  /** The labels of class indices (an array, an Int32Array or an int32 tensor). */
  inverseTransform(indices: readonly number[] | Int32Array | Tensor): L[] {
    const classes = this.classes;
    const list = indices instanceof Tensor ? Array.from(indices.dataSync()) : Array.from(indices);
    return list.map((k, i) => {
      const c = classes[k];
      if (!Number.isInteger(k) || c === undefined) throw new TensorError('INDEX_OUT_OF_RANGE', 'LabelEncoder.inverseTransform', `index ${k} at position ${i} is not a class index (0 to ${classes.length - 1})`);
      return c;
    });
  }
}

// ------------------------------------------------------------------------------------- cleaning

/** What {@link dropMissing} removed. */
export interface MissingReport {
  /** Rows before cleaning. */
  readonly rows: number;
  /** Rows kept. */
  readonly kept: number;
  /** Indices of the dropped rows (in the input). */
  readonly droppedRows: readonly number[];
  /** Missing values per column. */
  readonly missingPerColumn: readonly number[];
}

/**
 * Drops the rows of `x` that have a missing value (NaN, or `null` / `undefined` in arrays), and
 * the same rows of `labels`, with a report of what was dropped.
 *
 * @throws TensorError `SHAPE_MISMATCH` for ragged rows or labels of another length;
 *   `INVALID_ARGUMENT` for non-numeric values.
 * @example
 * ```ts
 * const { x, report } = dropMissing([[1, 2], [null, 3], [4, NaN]]);
 * report.droppedRows; // [1, 2]
 * ```
 */
export function dropMissing(x: Rows, labels?: Tensor | readonly (number | string)[]): { x: Tensor; labels?: Tensor | (number | string)[]; report: MissingReport } {
  const op = 'dropMissing';
  const { values, n, f } = toMatrix(op, x);
  const labelCount = labels instanceof Tensor ? labels.shape[0] : labels?.length;
  if (labels !== undefined && labelCount !== n) throw new TensorError('SHAPE_MISMATCH', op, `labels has ${String(labelCount)} entries but x has ${n} rows`);
  const missingPerColumn = new Array<number>(f).fill(0);
  const keptRows: number[] = [];
  const droppedRows: number[] = [];
  for (let i = 0; i < n; i++) {
    let missing = false;
    for (let j = 0; j < f; j++) {
      if (Number.isNaN(values[i * f + j]!)) {
        missingPerColumn[j]!++;
        missing = true;
      }
    }
    (missing ? droppedRows : keptRows).push(i);
  }
  const out = new Float32Array(keptRows.length * f);
  keptRows.forEach((r, i) => out.set(values.subarray(r * f, r * f + f), i * f));
  const report: MissingReport = { rows: n, kept: keptRows.length, droppedRows, missingPerColumn };
  const result: { x: Tensor; labels?: Tensor | (number | string)[]; report: MissingReport } = { x: tensor(out, [keptRows.length, f]), report };
  if (labels instanceof Tensor) {
    const rows = tensor(Int32Array.from(keptRows), [keptRows.length], { dtype: 'int32' });
    result.labels = labels.indexSelect(0, rows);
    rows.dispose();
  } else if (labels) result.labels = keptRows.map((r) => labels[r]!);
  return result;
}

/** Options of {@link SimpleImputer}. */
export interface ImputerOptions {
  /** `'mean'` (default), `'median'`, `'mostFrequent'` or `'constant'`. */
  readonly strategy?: 'mean' | 'median' | 'mostFrequent' | 'constant';
  /** The value of the `'constant'` strategy (default 0). */
  readonly fillValue?: number;
}

/**
 * Fills missing values (NaN, `null`, `undefined`) with a per-column statistic learned on the
 * training data (scikit-learn `SimpleImputer`). `lastReport` says how many values each
 * `transform` filled.
 *
 * @throws TensorError `INVALID_ARGUMENT` for an unknown strategy, transform before fit, or a
 *   column with no values to learn from; `SHAPE_MISMATCH` for a different column count.
 * @example
 * ```ts
 * const imputer = new SimpleImputer({ strategy: 'median' }).fit(trainRows);
 * const clean = imputer.transform(testRows); // float32 [N, F]
 * ```
 */
export class SimpleImputer {
  readonly strategy: NonNullable<ImputerOptions['strategy']>;
  readonly fillValue: number;
  #statistics: number[] | undefined;
  /** Values filled per column by the last `transform`. */
  lastReport: { imputedPerColumn: number[]; imputedRows: number } | undefined;

  constructor(options: ImputerOptions = {}) {
    checkOptions('SimpleImputer', options, ['strategy', 'fillValue']);
    const strategy = options.strategy ?? 'mean';
    if (!['mean', 'median', 'mostFrequent', 'constant'].includes(strategy)) {
      throw new TensorError('INVALID_ARGUMENT', 'SimpleImputer', `strategy must be 'mean', 'median', 'mostFrequent' or 'constant', got ${JSON.stringify(strategy)}`);
    }
    this.strategy = strategy;
    this.fillValue = options.fillValue ?? 0;
  }

  /** The learned fill value of each column. */
  get statistics(): readonly number[] | undefined {
    return this.#statistics;
  }

  /** Learns one fill value per column from the non-missing entries of `x`. */
  fit(x: Rows): this {
    const op = 'SimpleImputer.fit';
    const { values, n, f } = toMatrix(op, x);
    const stats: number[] = [];
    for (let j = 0; j < f; j++) {
      const column: number[] = [];
      for (let i = 0; i < n; i++) if (!Number.isNaN(values[i * f + j]!)) column.push(values[i * f + j]!);
      if (this.strategy === 'constant') {
        stats.push(this.fillValue);
        continue;
      }
      if (column.length === 0) throw new TensorError('INVALID_ARGUMENT', op, `column ${j} has no values to learn a ${this.strategy} from`);
      column.sort((a, b) => a - b);
      if (this.strategy === 'mean') stats.push(column.reduce((a, b) => a + b, 0) / column.length);
      else if (this.strategy === 'median') {
        const m = column.length >> 1;
        stats.push(column.length % 2 ? column[m]! : (column[m - 1]! + column[m]!) / 2);
      } else {
        // Most frequent; ties go to the smallest value, as scikit-learn.
        let best = column[0]!;
        let bestCount = 0;
        for (let i = 0; i < column.length; ) {
          let k = i;
          while (k < column.length && column[k] === column[i]) k++;
          if (k - i > bestCount) {
            bestCount = k - i;
            best = column[i]!;
          }
          i = k;
        }
        stats.push(best);
      }
    }
    this.#statistics = stats;
    return this;
  }

  /** `x` with missing values filled, as float32 `[N, F]`. */
  transform(x: Rows): Tensor {
    const op = 'SimpleImputer.transform';
    const stats = this.#statistics;
    if (!stats) throw new TensorError('INVALID_ARGUMENT', op, 'call fit() on the training data first');
    const { values, n, f } = toMatrix(op, x);
    if (f !== stats.length) throw new TensorError('SHAPE_MISMATCH', op, `x has ${f} columns but the imputer was fitted on ${stats.length}`);
    const imputedPerColumn = new Array<number>(f).fill(0);
    const rows = new Set<number>();
    const out = new Float32Array(n * f);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < f; j++) {
        const v = values[i * f + j]!;
        if (Number.isNaN(v)) {
          out[i * f + j] = stats[j]!;
          imputedPerColumn[j]!++;
          rows.add(i);
        } else out[i * f + j] = v;
      }
    }
    this.lastReport = { imputedPerColumn, imputedRows: rows.size };
    return tensor(out, [n, f]);
  }

  /** `fit(x)` then `transform(x)`. */
  fitTransform(x: Rows): Tensor {
    return this.fit(x).transform(x);
  }
}
