/**
 * `DataLoader`: batches a dataset, with a seeded shuffle that changes every epoch, `dropLast`,
 * a custom `collate`, and async prefetch of the next batches while the current one is used.
 */
import { checkOptions, optionKeys, Tensor, TensorError, indexSelect, stack, tensor } from '@tessera/tensor-core';
import { Dataset, IterableDataset, TensorDataset } from './dataset.js';
import { Generator, permutation, resolveGenerator, type RandomSource } from './random.js';

/** What the default collate makes of a list of items of type `T`. */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number
    ? Tensor
    : T extends readonly unknown[]
      ? { [K in keyof T]: Collated<T[K]> }
      : T extends Record<string, unknown>
        ? { [K in keyof T]: Collated<T[K]> }
        : T[];

/** Options of {@link DataLoader}. */
export interface DataLoaderOptions<T, B> extends RandomSource {
  /** Items per batch (default 1). */
  readonly batchSize?: number;
  /** Reshuffle the order every epoch (default false). Seeded: see `seed` / `generator`. */
  readonly shuffle?: boolean;
  /** Drop the last batch when it is smaller than `batchSize` (default false). */
  readonly dropLast?: boolean;
  /** Batches prepared ahead while the current one is in use (default 1; 0 turns prefetch off). */
  readonly prefetch?: number;
  /** Turns a list of items into a batch (default {@link defaultCollate}). */
  readonly collate?: (items: T[]) => B | Promise<B>;
}

/**
 * The default collate (PyTorch's): tensors are stacked along a new first axis, numbers become a
 * float32 tensor, arrays and plain objects are collated position by position / key by key, and
 * anything else is returned as a list. The input tensors are disposed after stacking (they are
 * the items a dataset produced for this batch).
 *
 * @throws TensorError `SHAPE_MISMATCH` when tensors of one field differ in shape.
 * @example
 * ```ts
 * defaultCollate([[tensor([1, 2]), 0], [tensor([3, 4]), 1]]); // [Tensor [2, 2], Tensor [2]]
 * ```
 */
export function defaultCollate<T>(items: T[]): Collated<T> {
  return collateValues(items as unknown[], 'batch') as Collated<T>;
}

function collateValues(values: unknown[], path: string): unknown {
  const first = values[0];
  if (first instanceof Tensor) {
    const tensors = values as Tensor[];
    const bad = tensors.find((t) => !(t instanceof Tensor) || t.shape.join() !== first.shape.join());
    if (bad) {
      throw new TensorError('SHAPE_MISMATCH', 'defaultCollate', `${path}: cannot stack tensors of different shapes [${first.shape.join(',')}] and [${bad instanceof Tensor ? bad.shape.join(',') : typeof bad}]; pass a collate function`);
    }
    const out = stack(tensors, 0);
    for (const t of tensors) t.dispose();
    return out;
  }
  if (typeof first === 'number') return tensor(Float32Array.from(values as number[]), [values.length]);
  if (Array.isArray(first)) return first.map((_, k) => collateValues(values.map((v) => (v as unknown[])[k]), `${path}[${k}]`));
  if (first !== null && typeof first === 'object' && Object.getPrototypeOf(first) === Object.prototype) {
    return Object.fromEntries(Object.keys(first).map((key) => [key, collateValues(values.map((v) => (v as Record<string, unknown>)[key]), `${path}.${key}`)]));
  }
  return values;
}

/**
 * Iterates a dataset in batches: `for await (const batch of loader)`. Each pass is one epoch; with
 * `shuffle`, epoch `e` uses a permutation drawn from the loader's generator, so a seeded loader
 * gives the same sequence of epochs in every run. Batches belong to the caller (dispose them or
 * work inside `tidy`); prefetched batches not yet handed out are disposed when the loop ends early.
 *
 * A `TensorDataset` is batched with one gather per tensor instead of per-item slices.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a bad batch size or prefetch, or `shuffle` on a
 *   streamed dataset.
 * @example
 * ```ts
 * const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 32, shuffle: true, seed: 1 });
 * for await (const [xb, yb] of loader) {
 *   // ... train on xb, yb
 *   xb.dispose(); yb.dispose();
 * }
 * ```
 */
export class DataLoader<T, B = Collated<T>> implements AsyncIterable<B> {
  readonly dataset: Dataset<T> | IterableDataset<T>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly prefetch: number;
  readonly #collate: (items: T[]) => B | Promise<B>;
  readonly #generator: Generator;
  #epoch = 0;

  constructor(dataset: Dataset<T> | IterableDataset<T>, options: DataLoaderOptions<T, B> = {}) {
    const op = 'DataLoader';
    checkOptions(op, options, optionKeys<DataLoaderOptions<T, B>>({ batchSize: true, shuffle: true, dropLast: true, prefetch: true, collate: true, seed: true, generator: true }));
    if (!(dataset instanceof Dataset) && !(dataset instanceof IterableDataset)) {
      throw new TensorError('INVALID_ARGUMENT', op, `dataset must be a Dataset or IterableDataset, got ${dataset === null ? 'null' : typeof dataset}`);
    }
    const batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new TensorError('INVALID_ARGUMENT', op, `batchSize must be a positive integer, got ${String(batchSize)}`);
    const prefetch = options.prefetch ?? 1;
    if (!Number.isInteger(prefetch) || prefetch < 0) throw new TensorError('INVALID_ARGUMENT', op, `prefetch must be a non-negative integer, got ${String(prefetch)}`);
    if (options.collate !== undefined && typeof options.collate !== 'function') throw new TensorError('INVALID_ARGUMENT', op, `collate must be a function, got ${typeof options.collate}`);
    if (options.shuffle && dataset instanceof IterableDataset) {
      throw new TensorError('INVALID_ARGUMENT', op, 'shuffle needs an indexed Dataset; collect() the stream first or shuffle at the source');
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.prefetch = prefetch;
    this.#collate = options.collate ?? ((items: T[]) => defaultCollate(items) as B);
    this.#generator = resolveGenerator(op, options);
    this.#customCollate = options.collate !== undefined;
  }

  readonly #customCollate: boolean;

  /** Batches per epoch (undefined for a streamed dataset). */
  get length(): number | undefined {
    if (!(this.dataset instanceof Dataset)) return undefined;
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** Epochs started so far. */
  get epoch(): number {
    return this.#epoch;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    this.#epoch++;
    if (this.dataset instanceof IterableDataset) {
      yield* this.#streamBatches(this.dataset);
      return;
    }
    const dataset = this.dataset;
    const n = dataset.length;
    const order = this.shuffle ? permutation(n, this.#generator.nextSeed()) : Int32Array.from({ length: n }, (_, i) => i);
    const count = this.length!;
    const make = async (b: number): Promise<B> => {
      const indices = order.subarray(b * this.batchSize, Math.min(n, (b + 1) * this.batchSize));
      if (dataset instanceof TensorDataset && !this.#customCollate) {
        const rows = tensor(dataset.rowsOf(indices), [indices.length], { dtype: 'int32' });
        try {
          return dataset.tensors.map((t) => indexSelect(t, 0, rows)) as B;
        } finally {
          rows.dispose();
        }
      }
      const items = Array.from(indices, (i) => dataset.get(i));
      return this.#collate(await Promise.all(items));
    };
    yield* this.#prefetched(count, make);
  }

  /** Yields `make(0..count-1)`, keeping up to `prefetch` batches in flight ahead of the consumer. */
  async *#prefetched(count: number, make: (b: number) => Promise<B>): AsyncGenerator<B> {
    const pending: Promise<B>[] = [];
    let next = 0;
    try {
      while (next < count || pending.length > 0) {
        if (pending.length === 0) pending.push(make(next++));
        const batch = await pending.shift()!;
        // Start the next batches before handing this one out.
        while (next < count && pending.length < this.prefetch) pending.push(make(next++));
        yield batch;
      }
    } finally {
      // The consumer stopped early: free what was prepared for it.
      for (const p of pending) {
        try {
          disposeTensors(await p);
        } catch {
          /* the batch failed to build; nothing to free */
        }
      }
    }
  }

  async *#streamBatches(stream: IterableDataset<T>): AsyncGenerator<B> {
    let items: T[] = [];
    for await (const item of stream) {
      items.push(item);
      if (items.length === this.batchSize) {
        const batch = items;
        items = [];
        yield await this.#collate(batch);
      }
    }
    if (items.length > 0 && !this.dropLast) yield await this.#collate(items);
  }
}

function disposeTensors(value: unknown): void {
  if (value instanceof Tensor) value.dispose();
  else if (Array.isArray(value)) value.forEach(disposeTensors);
  else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) Object.values(value).forEach(disposeTensors);
}
