/**
 * Reading a {@link DataSource} as a sequence of batches: tensors are gathered on their backend
 * with a seeded permutation, loaders and iterables are read as they come, random-access datasets
 * are batched here.
 */
import { Tensor, TensorError, fmtShape, gather, slice, stack, tensor, tidy, type Backend } from '@tessera/tensor-core';
import { DataLoader, Dataset } from '@tessera/data-augment';
import type { Batch, DataSource, SampleDataset } from './types.js';
import { describe } from './validate.js';

/** One batch, loaded on demand and released after the step. */
export interface LoadedBatch {
  readonly x: Tensor;
  readonly y: Tensor;
  /** Number of samples. */
  readonly size: number;
  /** Frees what this batch owns (gathered tensors; loader batches unless the loader owns them). */
  release(): void;
}

/** A data source prepared for one run of `fit`, `evaluate` or `predict`. */
export interface BatchSource {
  /** Samples per pass, when known. */
  readonly numSamples: number | undefined;
  /** Batches per pass, when known. */
  readonly numBatches: number | undefined;
  /** The batches of one pass (`epoch` seeds the shuffle). */
  batches(epoch: number): AsyncIterable<LoadedBatch>;
}

/** Options of {@link batchSource}. */
export interface BatchSourceOptions {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  /** Name of the caller for messages (`'fit'`, `'evaluate'`). */
  readonly op: string;
  /** Name of the option holding the source (`'data'`, `'validation'`). */
  readonly what: string;
  /** Whether targets are needed (false for `predict`). */
  readonly needsTargets?: boolean;
}

/** mulberry32: a small seeded PRNG for host-side permutations. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seeded permutation of `0..n-1` (Fisher–Yates with a mulberry32 stream): the order `fit`
 * shuffles `{ x, y }` data in. The same `n` and `seed` give the same order everywhere.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a negative or fractional `n` or a non-integer seed.
 * @example
 * ```ts
 * permutation(5, 42); // Int32Array [ ...0..4 in a fixed order ]
 * ```
 */
export function permutation(n: number, seed: number): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw new TensorError('INVALID_ARGUMENT', 'permutation', `n must be a non-negative integer, got ${describe(n)}`);
  if (!Number.isInteger(seed)) throw new TensorError('INVALID_ARGUMENT', 'permutation', `seed must be an integer, got ${describe(seed)}`);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const random = prng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  return perm;
}

/** Whether `value` is `{ x: Tensor, y: Tensor }` (or `{ x }` when targets are optional). */
export function isTensorPair(value: unknown): value is { x: Tensor; y: Tensor } {
  return typeof value === 'object' && value !== null && (value as { x?: unknown }).x instanceof Tensor && !isIterable(value) && !isAsyncIterable(value);
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Record<symbol, unknown>)[Symbol.iterator] === 'function';
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function';
}

function isSampleDataset(value: unknown): value is SampleDataset {
  return typeof value === 'object' && value !== null && typeof (value as SampleDataset).get === 'function' && typeof (value as SampleDataset).length === 'number';
}

/** Splits a batch into `[x, y]`, checking what it is. */
export function unpackBatch(batch: unknown, op: string, where: string, needsTargets: boolean): [Tensor, Tensor | undefined] {
  let x: unknown;
  let y: unknown;
  if (Array.isArray(batch)) [x, y] = batch as unknown[];
  else if (batch instanceof Tensor) x = batch;
  else if (typeof batch === 'object' && batch !== null) ({ x, y } = batch as { x?: unknown; y?: unknown });
  if (!(x instanceof Tensor) || (needsTargets && !(y instanceof Tensor))) {
    throw new TensorError('INVALID_ARGUMENT', op, `${where} must be [x, y] or { x, y } with two Tensors, got ${describe(batch)}`);
  }
  if (x.isDisposed) throw new TensorError('TENSOR_DISPOSED', op, `${where}: x (shape ${fmtShape(x.shape)}) is disposed`);
  if (y instanceof Tensor && y.isDisposed) throw new TensorError('TENSOR_DISPOSED', op, `${where}: y (shape ${fmtShape(y.shape)}) is disposed`);
  if (y instanceof Tensor && x.rank > 0 && y.rank > 0 && x.shape[0] !== y.shape[0]) {
    throw new TensorError('SHAPE_MISMATCH', op, `${where}: x has ${x.shape[0]} samples (shape ${fmtShape(x.shape)}) but y has ${y.shape[0]} (shape ${fmtShape(y.shape)})`);
  }
  return [x, y instanceof Tensor ? y : undefined];
}

/**
 * Prepares `source` for batching.
 * @throws TensorError `INVALID_ARGUMENT` for something that is not a data source,
 *   `SHAPE_MISMATCH` when x and y disagree on the number of samples, `TENSOR_DISPOSED`.
 */
export function batchSource(source: DataSource | undefined, options: BatchSourceOptions): BatchSource {
  const { op, what } = options;
  const needsTargets = options.needsTargets ?? true;
  if (source instanceof Tensor) {
    if (needsTargets) {
      throw new TensorError('INVALID_ARGUMENT', op, `${what} is a single Tensor; pass { x, y } (inputs and targets)`);
    }
    return tensorSource(source, undefined, options);
  }
  if (isTensorPair(source) || (!needsTargets && typeof source === 'object' && source !== null && (source as { x?: unknown }).x instanceof Tensor)) {
    const { x, y } = source as { x: Tensor; y?: unknown };
    if (needsTargets && !(y instanceof Tensor)) {
      throw new TensorError('INVALID_ARGUMENT', op, `${what}.y must be a Tensor of targets, got ${describe(y)}`);
    }
    return tensorSource(x, y instanceof Tensor ? y : undefined, options);
  }
  if (source instanceof Dataset) {
    // data-augment's loader batches a TensorDataset with one gather per tensor.
    if (source.length === 0) throw new TensorError('INVALID_ARGUMENT', op, `${what} has no samples (length 0)`);
    const loader = new DataLoader(source as Dataset<unknown>, { batchSize: options.batchSize, shuffle: options.shuffle, seed: options.seed, prefetch: 0 });
    return iterableSource(loader as AsyncIterable<unknown>, options, needsTargets);
  }
  // A random-access dataset is also iterable (over samples): test for it first.
  if (isSampleDataset(source) && !Array.isArray(source)) return datasetSource(source, options, needsTargets);
  if (isAsyncIterable(source) || isIterable(source)) return iterableSource(source as Iterable<unknown> | AsyncIterable<unknown>, options, needsTargets);
  if (typeof source === 'object' && source !== null && 'x' in source && !((source as { x?: unknown }).x instanceof Tensor)) {
    throw new TensorError('INVALID_ARGUMENT', op, `${what}.x must be a Tensor of inputs, got ${describe((source as { x?: unknown }).x)}`);
  }
  throw new TensorError(
    'INVALID_ARGUMENT',
    op,
    needsTargets
      ? `${what} must be { x, y } tensors, a DataLoader or iterable of [x, y] batches, or a Dataset with length and get(i); got ${describe(source)}`
      : `${what} must be a Tensor of inputs, { x } (y optional), a DataLoader or iterable of batches, or a Dataset with length and get(i); got ${describe(source)}`,
  );
}

function tensorSource(x: Tensor, y: Tensor | undefined, options: BatchSourceOptions): BatchSource {
  const { op, what, batchSize, shuffle, seed } = options;
  if (x.isDisposed) throw new TensorError('TENSOR_DISPOSED', op, `${what}.x (shape ${fmtShape(x.shape)}) is disposed`);
  if (y?.isDisposed) throw new TensorError('TENSOR_DISPOSED', op, `${what}.y (shape ${fmtShape(y.shape)}) is disposed`);
  if (x.rank === 0) throw new TensorError('SHAPE_MISMATCH', op, `${what}.x must have a sample axis first, got a scalar`);
  const n = x.shape[0]!;
  if (y !== undefined && (y.rank === 0 || y.shape[0] !== n)) {
    throw new TensorError('SHAPE_MISMATCH', op, `${what}.x has ${n} samples (shape ${fmtShape(x.shape)}) but ${what}.y has ${y.rank === 0 ? 'none (a scalar)' : y.shape[0]} (shape ${fmtShape(y.shape)})`);
  }
  if (n === 0) throw new TensorError('INVALID_ARGUMENT', op, `${what} has no samples (x shape ${fmtShape(x.shape)})`);
  const numBatches = Math.ceil(n / batchSize);
  return {
    numSamples: n,
    numBatches,
    async *batches(epoch: number): AsyncIterable<LoadedBatch> {
      const perm = shuffle ? permutation(n, (seed + Math.imul(epoch, 0x9e3779b1)) >>> 0) : undefined;
      for (let b = 0; b < numBatches; b++) {
        const start = b * batchSize;
        const size = Math.min(batchSize, n - start);
        const [bx, by] = tidy(() => {
          if (perm) {
            const index = tensor(perm.subarray(start, start + size), [size], { dtype: 'int32' });
            return [gather(x, index, 0), y ? gather(y, index, 0) : undefined];
          }
          if (size === n) return [x.clone(), y?.clone()];
          return [sliceRows(x, start, size), y ? sliceRows(y, start, size) : undefined];
        });
        yield {
          x: bx!,
          y: by as Tensor,
          size,
          release: () => {
            bx!.dispose();
            by?.dispose();
          },
        };
      }
    },
  };
}

function sliceRows(t: Tensor, start: number, size: number): Tensor {
  return slice(t, [start], [start + size], undefined, [0]);
}

function iterableSource(source: Iterable<unknown> | AsyncIterable<unknown>, options: BatchSourceOptions, needsTargets: boolean): BatchSource {
  const { op, what } = options;
  // An array of batches belongs to the caller; a loader's batches belong to us unless it says otherwise.
  const owned = !Array.isArray(source) && (source as { ownsBatches?: unknown }).ownsBatches !== true;
  const length = (source as { length?: unknown }).length;
  const numBatches = typeof length === 'number' && Number.isInteger(length) ? length : undefined;
  const datasetLength = (source as { dataset?: { length?: unknown } }).dataset?.length;
  const numSamples = Array.isArray(source) ? undefined : typeof datasetLength === 'number' ? datasetLength : undefined;
  return {
    numSamples,
    numBatches,
    async *batches(): AsyncIterable<LoadedBatch> {
      let index = 0;
      for await (const batch of source as AsyncIterable<unknown>) {
        const [x, y] = unpackBatch(batch, op, `${what} batch ${index}`, needsTargets);
        index++;
        yield {
          x,
          y: y as Tensor,
          size: x.rank === 0 ? 1 : x.shape[0]!,
          release: () => {
            if (!owned) return;
            x.dispose();
            y?.dispose();
          },
        };
      }
      if (index === 0) throw new TensorError('INVALID_ARGUMENT', op, `${what} yielded no batches`);
    },
  };
}

function datasetSource(dataset: SampleDataset, options: BatchSourceOptions, needsTargets: boolean): BatchSource {
  const { op, what, batchSize, shuffle, seed } = options;
  const n = dataset.length;
  if (!Number.isInteger(n) || n <= 0) throw new TensorError('INVALID_ARGUMENT', op, `${what} has no samples (length ${n})`);
  const numBatches = Math.ceil(n / batchSize);
  return {
    numSamples: n,
    numBatches,
    async *batches(epoch: number): AsyncIterable<LoadedBatch> {
      const perm = shuffle ? permutation(n, (seed + Math.imul(epoch, 0x9e3779b1)) >>> 0) : undefined;
      for (let b = 0; b < numBatches; b++) {
        const start = b * batchSize;
        const size = Math.min(batchSize, n - start);
        const xs: Tensor[] = [];
        const ys: Tensor[] = [];
        try {
          for (let i = start; i < start + size; i++) {
            const sample = await dataset.get(perm ? perm[i]! : i);
            const [x, y] = unpackBatch(sample, op, `${what}.get(${perm ? perm[i]! : i})`, needsTargets);
            xs.push(x);
            if (y) ys.push(y);
          }
          const bx = stack(xs, 0);
          const by = ys.length ? stack(ys, 0) : undefined;
          yield {
            x: bx,
            y: by as Tensor,
            size,
            release: () => {
              bx.dispose();
              by?.dispose();
            },
          };
        } finally {
          // Samples from get() are new tensors (a slice or a transform's output): free them.
          for (const t of [...xs, ...ys]) t.dispose();
        }
      }
    },
  };
}

/**
 * The backend of the model's parameters (the first one's), or undefined for a model without any:
 * where `fit`, `evaluate` and `predict` run its batches.
 */
export function modelBackend(model: { parameters(): readonly Tensor[] }): Backend | undefined {
  return model.parameters()[0]?.backend;
}

/**
 * `batch` on `backend`: the same batch when it is there already, else a copy whose `release`
 * frees the copies and releases the original. Data stays where the user put it (a dataset on the
 * CPU, say) while the model moves, even in the middle of `fit` (a callback that calls
 * `model.to(gpu)`): each batch follows the model.
 */
export async function batchOn(batch: LoadedBatch, backend: Backend | undefined): Promise<LoadedBatch> {
  if (backend === undefined || (batch.x.backend === backend && (batch.y === undefined || batch.y.backend === backend))) return batch;
  let x: Tensor | undefined;
  let y: Tensor | undefined;
  try {
    x = await batch.x.to(backend);
    y = batch.y === undefined ? undefined : await batch.y.to(backend);
  } catch (e) {
    if (x !== batch.x) x?.dispose();
    batch.release();
    throw e;
  }
  const movedX = x;
  const movedY = y;
  return {
    x: movedX,
    y: movedY as Tensor,
    size: batch.size,
    release: () => {
      if (movedX !== batch.x) movedX.dispose();
      if (movedY !== undefined && movedY !== batch.y) movedY.dispose();
      batch.release();
    },
  };
}

/** Splits `{ x, y }` into training and validation parts: the last `fraction` of the samples, as Keras. */
export function splitTensors(x: Tensor, y: Tensor, fraction: number, op: string): { train: { x: Tensor; y: Tensor }; validation: { x: Tensor; y: Tensor } } {
  const n = x.shape[0] ?? 0;
  const nVal = Math.floor(n * fraction);
  if (nVal < 1 || nVal >= n) {
    throw new TensorError('INVALID_ARGUMENT', op, `validationSplit ${fraction} of ${n} samples leaves ${nVal} for validation and ${n - nVal} for training; both need at least one`);
  }
  const nTrain = n - nVal;
  return {
    train: { x: sliceRows(x, 0, nTrain), y: sliceRows(y, 0, nTrain) },
    validation: { x: sliceRows(x, nTrain, nVal), y: sliceRows(y, nTrain, nVal) },
  };
}

export type { Batch };
