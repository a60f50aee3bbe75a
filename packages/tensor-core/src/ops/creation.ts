/**
 * Creation: from values, constant fills, ranges, identity, and seeded random tensors from the
 * counter-based generator (same seed, same numbers on every backend).
 */
import type { Backend, RandomDistribution, TensorInfo } from '../backend.js';
import { DTYPES, toTypedArray, type DType } from '../dtype.js';
import { fromValues, getBackend, assertLive, allocateStorage, makeTensor, requireAllocatable } from '../engine.js';
import { TensorError, fmtShape } from '../errors.js';
import { checkOptions, optionKeys } from '../options.js';
import { checkShape, sizeOf } from '../shape.js';
import { Tensor, type NestedArray } from '../tensor.js';
import { describeValue, requireFinite, requireInt } from './util.js';

/** Options shared by the creation functions. */
export interface CreationOptions {
  /** Element type; inferred from the values for `tensor` (float32 for numbers, bool for booleans). */
  readonly dtype?: DType;
  /** Backend to create on (default: the active one). */
  readonly backend?: Backend;
  /** Marks the tensor as needing gradients (read by `@tessera/autograd`). */
  readonly requiresGrad?: boolean;
}

/** Options of the random creation functions. */
export interface RandomOptions extends CreationOptions {
  /** Seed: an integer in `[0, 2^32)`. Required: the same seed gives the same numbers on every backend. */
  readonly seed: number;
}

const CREATION_KEYS = optionKeys<CreationOptions>({ dtype: true, backend: true, requiresGrad: true });
const RANDOM_KEYS = [...CREATION_KEYS, 'seed'];

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * @throws TensorError `INVALID_ARGUMENT` for a value an int32 tensor cannot hold (outside
 *   [-2^31, 2^31 - 1], NaN or infinite): creation never wraps silently (issue 14:
 *   `tensor([1e10], [1], { dtype: 'int32' })` gave 1410065408). Fractions truncate toward zero, as a cast does.
 */
function checkInt32Values(op: string, values: ArrayLike<number | boolean>): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (typeof v === 'boolean') continue;
    if (!(v >= INT32_MIN && v < INT32_MAX + 1)) {
      throw new TensorError('INVALID_ARGUMENT', op, `value ${v} at flat index ${i} does not fit int32 ([-2147483648, 2147483647]); use float32 or float64`);
    }
  }
}

function checkDtype(op: string, dtype: DType | undefined): void {
  if (dtype !== undefined && !DTYPES.includes(dtype)) {
    throw new TensorError('INVALID_ARGUMENT', op, `unknown dtype ${String(dtype)} (expected one of ${DTYPES.join(', ')})`);
  }
}

/** Allocates a tensor of `shape` on the options' backend and lets one kernel fill it (skipped when empty). */
function filledBy(op: string, shape: readonly number[], dtype: DType, options: CreationOptions | undefined, fill: (backend: Backend, out: TensorInfo) => void): Tensor {
  const backend = options?.backend ?? getBackend();
  const storage = allocateStorage(backend, sizeOf(shape), dtype, op);
  if (sizeOf(shape) > 0) fill(backend, { handle: storage.handle, shape, dtype });
  return finish(makeTensor(storage, shape, dtype), options);
}

function finish(t: Tensor, options: CreationOptions | undefined): Tensor {
  if (options?.requiresGrad) t.requiresGrad = true;
  return t;
}

function inferShape(values: unknown, op: string): number[] {
  const shape: number[] = [];
  let v = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

function flattenChecked(values: unknown, shape: readonly number[], op: string): (number | boolean)[] {
  const out: (number | boolean)[] = [];
  const walk = (v: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (Array.isArray(v)) throw new TensorError('SHAPE_MISMATCH', op, `ragged nested array: element at ${path} is an array, expected a number (inferred shape ${fmtShape(shape)})`);
      if (typeof v !== 'number' && typeof v !== 'boolean') throw new TensorError('INVALID_ARGUMENT', op, `element at ${path} is ${v === null ? 'null' : typeof v}, expected a number or boolean`);
      out.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new TensorError('SHAPE_MISMATCH', op, `ragged nested array: element at ${path} has ${Array.isArray(v) ? `length ${v.length}` : 'no length'}, expected ${shape[depth]} (inferred shape ${fmtShape(shape)})`);
    }
    for (let i = 0; i < v.length; i++) walk(v[i], depth + 1, `${path}[${i}]`);
  };
  walk(values, 0, 'values');
  return out;
}

/**
 * A tensor from nested arrays, a flat array or typed array with a `shape`, or a scalar.
 *
 * @throws TensorError `SHAPE_MISMATCH` for ragged nested arrays or data whose length does not
 * match `shape`; `INVALID_ARGUMENT` for non-numeric elements or an unknown dtype.
 * @example
 * ```ts
 * tensor([[1, 2], [3, 4]]);                  // float32 [2, 2]
 * tensor([1, 2, 3, 4], [2, 2], { dtype: 'int32' });
 * tensor(new Float32Array(6), [2, 3]);
 * ```
 */
export function tensor(
  values: NestedArray | ArrayLike<number> | Float32Array | Float64Array | Int32Array | Uint8Array,
  shape?: readonly number[],
  options: CreationOptions = {},
): Tensor {
  checkOptions('tensor', options, CREATION_KEYS);
  checkDtype('tensor', options.dtype);
  let flat: ArrayLike<number | boolean>;
  let inferred: number[];
  let isBool = false;
  if (ArrayBuffer.isView(values)) {
    flat = values as ArrayLike<number>;
    inferred = [flat.length];
  } else if (typeof values === 'number' || typeof values === 'boolean') {
    flat = [values];
    inferred = [];
    isBool = typeof values === 'boolean';
  } else if (Array.isArray(values)) {
    inferred = inferShape(values, 'tensor');
    const items = flattenChecked(values, inferred, 'tensor');
    isBool = items.length > 0 && items.every((v) => typeof v === 'boolean');
    flat = items;
  } else {
    throw new TensorError('INVALID_ARGUMENT', 'tensor', `values must be a number, boolean, nested array or typed array, got ${values === null ? 'null' : typeof values}`);
  }
  const finalShape = shape ?? inferred;
  checkShape(finalShape, 'tensor');
  if (sizeOf(finalShape) !== flat.length) {
    throw new TensorError('SHAPE_MISMATCH', 'tensor', `data has ${flat.length} values but shape ${fmtShape(finalShape)} needs ${sizeOf(finalShape)}`);
  }
  let dtype: DType = options.dtype ?? (isBool ? 'bool' : values instanceof Int32Array ? 'int32' : values instanceof Float64Array ? 'float64' : values instanceof Uint8Array ? 'bool' : 'float32');
  if (options.dtype === undefined && values instanceof Float64Array && !(options.backend ?? getBackend()).capabilities.dtypes.includes('float64')) dtype = 'float32';
  if (dtype === 'int32' && !(values instanceof Int32Array)) checkInt32Values('tensor', flat);
  return finish(fromValues(toTypedArray(flat, dtype), finalShape, dtype, options.backend ?? getBackend()), options);
}

/** A rank-0 tensor. */
export function scalar(value: number | boolean, options: CreationOptions = {}): Tensor {
  return tensor(value, [], options);
}

/**
 * A tensor of `shape` filled with `value` (dtype inferred: bool for booleans, else float32).
 * @example `full([2, 2], 7)`
 */
export function full(shape: readonly number[], value: number | boolean, options: CreationOptions = {}): Tensor {
  checkOptions('full', options, CREATION_KEYS);
  checkShape(shape, 'full');
  checkDtype('full', options.dtype);
  const dtype = options.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  if (typeof value !== 'number' && typeof value !== 'boolean') {
    throw new TensorError('INVALID_ARGUMENT', 'full', `value must be a number or a boolean, got ${describeValue(value)}`);
  }
  if (dtype === 'int32') checkInt32Values('full', [value]);
  const v = dtype === 'bool' ? (value ? 1 : 0) : dtype === 'int32' ? Math.trunc(Number(value)) : Number(value);
  return filledBy('full', shape, dtype, options, (backend, out) => backend.fill(out, v));
}

/** Zeros of `shape` (float32 by default). */
export function zeros(shape: readonly number[], options: CreationOptions = {}): Tensor {
  return full(shape, 0, options);
}

/** Ones of `shape`. */
export function ones(shape: readonly number[], options: CreationOptions = {}): Tensor {
  return full(shape, 1, options);
}

function likeOptions(x: Tensor, options: CreationOptions): CreationOptions {
  assertLive(x, 'like');
  return { dtype: x.dtype, backend: x.backend, ...options };
}

/** Zeros with `x`'s shape, dtype and backend. */
export function zerosLike(x: Tensor, options: CreationOptions = {}): Tensor {
  return full(x.shape, 0, likeOptions(x, options));
}

/** Ones with `x`'s shape, dtype and backend. */
export function onesLike(x: Tensor, options: CreationOptions = {}): Tensor {
  return full(x.shape, 1, likeOptions(x, options));
}

/** `value` everywhere, with `x`'s shape, dtype and backend. */
export function fullLike(x: Tensor, value: number | boolean, options: CreationOptions = {}): Tensor {
  return full(x.shape, value, likeOptions(x, options));
}

function rangeTensor(op: string, n: number, start: number, step: number, options: CreationOptions, dtype: DType): Tensor {
  return filledBy(op, [n], dtype, options, (backend, out) => backend.range(out, start, step));
}

/**
 * `[start, start + step, ...)` up to `end` (exclusive), as numpy. With one argument, `[0, end)`.
 * dtype: int32 when all arguments are integers, else float32.
 * @throws TensorError `INVALID_ARGUMENT` for a zero or non-finite step.
 * @example `arange(5)` → `[0, 1, 2, 3, 4]`; `arange(1, 2, 0.25)` → `[1, 1.25, 1.5, 1.75]`
 */
export function arange(start: number, end?: number, step = 1, options: CreationOptions = {}): Tensor {
  checkOptions('arange', options, CREATION_KEYS);
  if (end === undefined) {
    end = start;
    start = 0;
  }
  requireFinite('arange', 'start', start);
  requireFinite('arange', 'end', end);
  requireFinite('arange', 'step', step);
  if (step === 0) throw new TensorError('INVALID_ARGUMENT', 'arange', 'step must not be zero');
  checkDtype('arange', options.dtype);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = options.dtype ?? (Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step) ? 'int32' : 'float32');
  return rangeTensor('arange', n, start, step, options, dtype);
}

/**
 * `count` evenly spaced values from `start` to `end` inclusive.
 * @throws TensorError `INVALID_ARGUMENT` for a negative or non-integer count.
 */
export function linspace(start: number, end: number, count: number, options: CreationOptions = {}): Tensor {
  checkOptions('linspace', options, CREATION_KEYS);
  requireFinite('linspace', 'start', start);
  requireFinite('linspace', 'end', end);
  requireInt('linspace', 'count', count, 0);
  const step = count > 1 ? (end - start) / (count - 1) : 0;
  return rangeTensor('linspace', count, start, step, options, options.dtype ?? 'float32');
}

/**
 * The `n × m` identity (ones on the diagonal).
 * @example `eye(3)`
 */
export function eye(n: number, m: number = n, options: CreationOptions = {}): Tensor {
  checkOptions('eye', options, CREATION_KEYS);
  requireInt('eye', 'n', n, 0);
  requireInt('eye', 'm', m, 0);
  const dtype = options.dtype ?? 'float32';
  requireAllocatable(options.backend ?? getBackend(), n * m, dtype, 'eye');
  const values = toTypedArray(new Array<number>(n * m).fill(0), dtype);
  for (let i = 0; i < Math.min(n, m); i++) values[i * m + i] = 1;
  return finish(fromValues(values, [n, m], dtype, options.backend ?? getBackend()), options);
}

function checkSeed(op: string, seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new TensorError('INVALID_ARGUMENT', op, `seed must be an integer in [0, 2^32), got ${String(seed)}`);
  }
  return seed;
}

function randomTensor(op: string, shape: readonly number[], distribution: RandomDistribution, options: RandomOptions | undefined, dtype: DType): Tensor {
  checkShape(shape, op);
  checkDtype(op, options?.dtype);
  const seed = checkSeed(op, options?.seed);
  return filledBy(op, shape, dtype, options, (backend, out) => backend.random(out, distribution, seed));
}

/**
 * Uniform random values in `[low, high)` (default `[0, 1)`).
 * @throws TensorError `INVALID_ARGUMENT` for a missing or bad seed, or `low > high`.
 * @example `rand([2, 3], { seed: 42 })`
 */
export function rand(shape: readonly number[], options: RandomOptions & { low?: number; high?: number }): Tensor {
  checkOptions('rand', options, [...RANDOM_KEYS, 'low', 'high']);
  const low = options?.low ?? 0;
  const high = options?.high ?? 1;
  requireFinite('rand', 'low', low);
  requireFinite('rand', 'high', high);
  if (low > high) throw new TensorError('INVALID_ARGUMENT', 'rand', `low (${low}) must not exceed high (${high})`);
  return randomTensor('rand', shape, { kind: 'uniform', low, high }, options, options?.dtype ?? 'float32');
}

/**
 * Normal random values (default mean 0, std 1).
 * @example `randn([64, 128], { seed: 1 })`
 */
export function randn(shape: readonly number[], options: RandomOptions & { mean?: number; std?: number }): Tensor {
  checkOptions('randn', options, [...RANDOM_KEYS, 'mean', 'std']);
  const mean = options?.mean ?? 0;
  const std = options?.std ?? 1;
  requireFinite('randn', 'mean', mean);
  requireFinite('randn', 'std', std);
  if (std < 0) throw new TensorError('INVALID_ARGUMENT', 'randn', `std must be non-negative, got ${std}`);
  return randomTensor('randn', shape, { kind: 'normal', mean, std }, options, options?.dtype ?? 'float32');
}

/**
 * Random integers in `[low, high)` (int32 by default).
 * @throws TensorError `INVALID_ARGUMENT` unless `low < high` are integers.
 */
export function randint(low: number, high: number, shape: readonly number[], options: RandomOptions): Tensor {
  checkOptions('randint', options, RANDOM_KEYS);
  requireInt('randint', 'low', low);
  requireInt('randint', 'high', high);
  if (low >= high) throw new TensorError('INVALID_ARGUMENT', 'randint', `low (${low}) must be less than high (${high})`);
  // The kernels draw in 32-bit integer arithmetic: bounds outside int32 or a span over 2^31 would wrap.
  if (low < INT32_MIN || high > INT32_MAX + 1 || high - low > 2 ** 31) {
    throw new TensorError('INVALID_ARGUMENT', 'randint', `low and high must lie in [-2^31, 2^31] with high - low <= 2^31, got low=${low}, high=${high}`);
  }
  return randomTensor('randint', shape, { kind: 'randint', low, high }, options, options?.dtype ?? 'int32');
}

/**
 * 1 with probability `p`, else 0 (float32 by default). With a tensor `p`, one draw per element.
 * @throws TensorError `INVALID_ARGUMENT` unless `0 <= p <= 1`.
 */
export function bernoulli(p: number, shape: readonly number[], options: RandomOptions): Tensor {
  checkOptions('bernoulli', options, RANDOM_KEYS);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new TensorError('INVALID_ARGUMENT', 'bernoulli', `p must be in [0, 1], got ${String(p)}`);
  return randomTensor('bernoulli', shape, { kind: 'bernoulli', p }, options, options?.dtype ?? 'float32');
}

/** Uniform random values with `x`'s shape, dtype and backend. */
export function randLike(x: Tensor, options: RandomOptions): Tensor {
  checkOptions('randLike', options, [...RANDOM_KEYS, 'low', 'high']);
  assertLive(x, 'randLike');
  return rand(x.shape, { dtype: x.dtype, backend: x.backend, ...options });
}

/** Normal random values with `x`'s shape, dtype and backend. */
export function randnLike(x: Tensor, options: RandomOptions): Tensor {
  checkOptions('randnLike', options, [...RANDOM_KEYS, 'mean', 'std']);
  assertLive(x, 'randnLike');
  return randn(x.shape, { dtype: x.dtype, backend: x.backend, ...options });
}

