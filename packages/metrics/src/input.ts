/**
 * Reading metric inputs onto the host as float64, and the checks every metric shares. Metrics are
 * O(N) scans, so they run on the host in float64 whatever backend produced the tensor.
 */
import { check, TensorError, type Tensor } from '@tessera/tensor-core';

/**
 * What a metric accepts for predictions and targets: a `Tensor` (any backend, any dtype), a plain
 * array or typed array of numbers (shape `[N]`), or an array of rows (shape `[N, C]`).
 *
 * A `[N, 1]` input is read as `[N]`. Inputs of rank 0 or above 2 are rejected.
 *
 * @example
 * ```ts
 * const labels: MetricInput = [0, 2, 1];
 * const scores: MetricInput = [[0.1, 0.9], [0.8, 0.2]];
 * const onDevice: MetricInput = tensor([0.3, 0.7]);
 * ```
 */
export type MetricInput = Tensor | ArrayLike<number> | ReadonlyArray<ArrayLike<number>>;

/** @internal Values on the host: `[rows]` when `rank` is 1, `[rows, cols]` row-major when 2. */
export interface HostArray {
  readonly values: Float64Array;
  readonly rank: 1 | 2;
  readonly rows: number;
  /** 1 for rank-1 arrays. */
  readonly cols: number;
  /** Read from a float Tensor (model scores or probabilities), not from labels the caller typed. */
  readonly scores?: boolean;
}

/** @internal Formats a host array's shape as `[N]` or `[N,C]`. */
export function shapeOf(x: HostArray): string {
  return x.rank === 1 ? `[${x.rows}]` : `[${x.rows},${x.cols}]`;
}

/** @internal Names the element at flat index `i`: `pred[3]` or `pred[3,1]`. */
export function at(x: HostArray, name: string, i: number): string {
  return x.rank === 1 ? `${name}[${i}]` : `${name}[${Math.floor(i / x.cols)},${i % x.cols}]`;
}

function isTensor(value: unknown): value is Tensor {
  // Duck-typed so that a Tensor from a duplicate install of tensor-core is still recognised.
  return typeof value === 'object' && value !== null && Array.isArray((value as Tensor).shape) && typeof (value as Tensor).data === 'function';
}

function fromShape(values: Float64Array, shape: readonly number[], op: string, name: string): HostArray {
  if (shape.length === 1) return { values, rank: 1, rows: shape[0]!, cols: 1 };
  if (shape.length === 2) {
    const [rows, cols] = shape as [number, number];
    return cols === 1 ? { values, rank: 1, rows, cols: 1 } : { values, rank: 2, rows, cols };
  }
  throw new TensorError('SHAPE_MISMATCH', op, `${name} must have shape [N] or [N, C], got [${shape.join(',')}]`);
}

/**
 * @internal Reads `input` onto the host as float64. Checks the shape and that every element is a
 * number; range checks belong to each metric.
 */
export async function readInput(input: MetricInput, op: string, name: string): Promise<HostArray> {
  if (isTensor(input)) {
    if (input.shape.length !== 1 && input.shape.length !== 2) fromShape(new Float64Array(0), input.shape, op, name);
    const data = await input.data();
    const host = fromShape(Float64Array.from(data as ArrayLike<number>), input.shape, op, name);
    return input.dtype === 'float32' || input.dtype === 'float64' ? { ...host, scores: true } : host;
  }
  if (input === null || typeof input !== 'object' || typeof (input as ArrayLike<unknown>).length !== 'number') {
    throw new TensorError('INVALID_ARGUMENT', op, `${name} must be a Tensor, an array of numbers or an array of rows, got ${input === null ? 'null' : typeof input}`);
  }
  const rows = input.length;
  const first: unknown = rows > 0 ? input[0] : undefined;
  if (rows > 0 && typeof first === 'object' && first !== null) {
    const table = input as ReadonlyArray<ArrayLike<unknown>>;
    const cols = (first as ArrayLike<unknown>).length;
    const values = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      const row = table[r];
      if (row === null || typeof row !== 'object' || row.length !== cols) {
        throw new TensorError('SHAPE_MISMATCH', op, `${name} is ragged: row 0 has ${cols} values but row ${r} has ${row === null || typeof row !== 'object' ? `a ${typeof row}` : row.length}`);
      }
      for (let c = 0; c < cols; c++) {
        const v = row[c];
        if (typeof v !== 'number') throw new TensorError('INVALID_ARGUMENT', op, `${name}[${r},${c}] must be a number, got ${typeof v}`);
        values[r * cols + c] = v;
      }
    }
    return fromShape(values, [rows, cols], op, name);
  }
  const list = input as ArrayLike<unknown>;
  const values = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = list[i];
    if (typeof v !== 'number') throw new TensorError('INVALID_ARGUMENT', op, `${name}[${i}] must be a number, got ${typeof v}`);
    values[i] = v;
  }
  return { values, rank: 1, rows, cols: 1 };
}

/** @internal Throws unless the input has at least one sample. */
export function checkNonEmpty(x: HostArray, op: string, name: string): void {
  if (x.rows === 0 || x.values.length === 0) {
    throw new TensorError('INVALID_ARGUMENT', op, `${name} is empty (shape ${shapeOf(x)}); metrics need at least one sample`);
  }
}

/** @internal Throws unless `pred` and `target` hold the same number of samples. */
export function checkSameLength(pred: HostArray, target: HostArray, op: string, predName = 'pred', targetName = 'target'): void {
  if (pred.rows !== target.rows) {
    throw new TensorError('SHAPE_MISMATCH', op, `${predName} has ${pred.rows} samples (shape ${shapeOf(pred)}) but ${targetName} has ${target.rows} (shape ${shapeOf(target)})`);
  }
}

/** @internal Throws unless the input is rank 1. */
export function checkRank1(x: HostArray, op: string, name: string, what: string): void {
  if (x.rank !== 1) throw new TensorError('SHAPE_MISMATCH', op, `${name} must be ${what} of shape [N], got shape ${shapeOf(x)}`);
}

/** @internal Throws on the first NaN or infinite value. */
export function checkFinite(x: HostArray, op: string, name: string): void {
  const v = x.values;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i]!)) throw new TensorError('INVALID_ARGUMENT', op, `${at(x, name, i)} is ${v[i]}; values must be finite`);
  }
}

/** @internal Throws unless every value is an integer class index in `[0, numClasses)` (or `>= 0` when `numClasses` is undefined). */
export function checkLabels(x: HostArray, op: string, name: string, numClasses?: number, hint = ''): void {
  const v = x.values;
  for (let i = 0; i < v.length; i++) {
    const label = v[i]!;
    if (!Number.isInteger(label) || label < 0) {
      throw new TensorError('INVALID_ARGUMENT', op, `${at(x, name, i)} = ${label} is not a class index (a non-negative integer)${hint}`);
    }
    if (numClasses !== undefined && label >= numClasses) {
      throw new TensorError('INVALID_ARGUMENT', op, `${at(x, name, i)} = ${label} is out of range for ${numClasses} classes (labels must be in [0, ${numClasses - 1}])${hint}`);
    }
  }
}

/** @internal Throws unless every value is a probability in [0, 1]. */
export function checkProbabilities(x: HostArray, op: string, name: string, hint = ''): void {
  const v = x.values;
  for (let i = 0; i < v.length; i++) {
    const p = v[i]!;
    if (!(p >= 0 && p <= 1)) throw new TensorError('INVALID_ARGUMENT', op, `${at(x, name, i)} = ${p} is not a probability in [0, 1]${hint}`);
  }
}

/** @internal Throws unless `value` is an integer >= `min`. */
export function checkIntegerOption(value: number, op: string, name: string, min: number): void {
  check.int(op, name, value, { min });
}

/** @internal Whether every value is an integer. */
export function allIntegers(x: HostArray): boolean {
  const v = x.values;
  for (let i = 0; i < v.length; i++) if (!Number.isInteger(v[i]!)) return false;
  return true;
}

/** @internal A growable float64 buffer for metrics that keep every sample (AUROC, average precision). */
export class GrowableBuffer {
  #data = new Float64Array(64);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(values: Float64Array): void {
    const needed = this.#length + values.length;
    if (needed > this.#data.length) {
      const grown = new Float64Array(Math.max(needed, this.#data.length * 2));
      grown.set(this.#data.subarray(0, this.#length));
      this.#data = grown;
    }
    this.#data.set(values, this.#length);
    this.#length = needed;
  }

  view(): Float64Array {
    return this.#data.subarray(0, this.#length);
  }

  clear(): void {
    this.#data = new Float64Array(64);
    this.#length = 0;
  }
}
