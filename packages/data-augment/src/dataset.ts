/**
 * Datasets: indexed (`Dataset`, `TensorDataset`: a length and `get(i)`, like PyTorch's map-style
 * datasets) and streamed (`IterableDataset`, from an async generator). Both map, filter and
 * concatenate.
 */
import { Tensor, TensorError, fmtShape, indexSelect, tensor } from '@tessera/tensor-core';

/**
 * A dataset with a length and random access. Items are produced by `get(i)`; `map` is lazy,
 * `filter` evaluates its predicate once over the items, `concat` chains datasets.
 *
 * @example
 * ```ts
 * const ds = Dataset.fromArray([1, 2, 3, 4]).map((v) => v * 10).filter((v) => v > 10);
 * ds.length; // 3
 * ds.get(0); // 20
 * ```
 */
export class Dataset<T> implements Iterable<T> {
  readonly #length: number;
  readonly #get: (index: number) => T;

  /** A dataset of `length` items given by `get`. */
  constructor(length: number, get: (index: number) => T) {
    if (!Number.isInteger(length) || length < 0) throw new TensorError('INVALID_ARGUMENT', 'Dataset', `length must be a non-negative integer, got ${String(length)}`);
    if (typeof get !== 'function') throw new TensorError('INVALID_ARGUMENT', 'Dataset', `get must be a function, got ${typeof get}`);
    this.#length = length;
    this.#get = get;
  }

  /** A dataset over the items of an array (not copied). */
  static fromArray<T>(items: readonly T[]): Dataset<T> {
    if (!Array.isArray(items)) throw new TensorError('INVALID_ARGUMENT', 'Dataset.fromArray', `items must be an array, got ${typeof items}`);
    return new Dataset(items.length, (i) => items[i]!);
  }

  /** A {@link TensorDataset} over tensors that share their first dimension. */
  static fromTensors(...tensors: Tensor[]): TensorDataset {
    return new TensorDataset(...tensors);
  }

  /** A streamed dataset from a function returning an async (or sync) iterable, e.g. an async generator. */
  static fromGenerator<T>(source: () => AsyncIterable<T> | Iterable<T>): IterableDataset<T> {
    return new IterableDataset(source);
  }

  /** Number of items. */
  get length(): number {
    return this.#length;
  }

  /**
   * Item `index` (negative counts from the end).
   * @throws TensorError `INDEX_OUT_OF_RANGE` outside `[-length, length)`.
   */
  get(index: number): T {
    return this.#get(this.checkIndex('get', index));
  }

  /** `index` normalised to `[0, length)`. */
  protected checkIndex(op: string, index: number): number {
    if (!Number.isInteger(index) || index < -this.#length || index >= this.#length) {
      throw new TensorError('INDEX_OUT_OF_RANGE', `Dataset.${op}`, `index ${String(index)} is out of range for a dataset of length ${this.#length}`);
    }
    return index < 0 ? index + this.#length : index;
  }

  /** A lazy view that applies `fn` to each item when it is read. */
  map<U>(fn: (item: T, index: number) => U): Dataset<U> {
    if (typeof fn !== 'function') throw new TensorError('INVALID_ARGUMENT', 'Dataset.map', `fn must be a function, got ${typeof fn}`);
    return new Dataset(this.length, (i) => fn(this.#get(i), i));
  }

  /** The items for which `predicate` holds (evaluated now, once per item). */
  filter(predicate: (item: T, index: number) => boolean): Dataset<T> {
    if (typeof predicate !== 'function') throw new TensorError('INVALID_ARGUMENT', 'Dataset.filter', `predicate must be a function, got ${typeof predicate}`);
    const kept: number[] = [];
    for (let i = 0; i < this.length; i++) if (predicate(this.#get(i), i)) kept.push(i);
    return this.subset(kept);
  }

  /** The items at `indices` (in that order). */
  subset(indices: ArrayLike<number>): Dataset<T> {
    const list = Int32Array.from(indices as ArrayLike<number>, (i) => this.checkIndex('subset', i));
    return new Dataset(list.length, (i) => this.#get(list[i]!));
  }

  /** This dataset followed by `others`. */
  concat(...others: Dataset<T>[]): Dataset<T> {
    const parts: Dataset<T>[] = [this, ...others];
    if (!others.every((d) => d instanceof Dataset)) throw new TensorError('INVALID_ARGUMENT', 'Dataset.concat', 'can only concatenate Datasets (use IterableDataset.concat for streams)');
    const starts: number[] = [];
    let total = 0;
    for (const d of parts) {
      starts.push(total);
      total += d.length;
    }
    return new Dataset(total, (i) => {
      let k = parts.length - 1;
      while (starts[k]! > i) k--;
      return parts[k]!.get(i - starts[k]!);
    });
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.length; i++) yield this.#get(i);
  }

  /** All items as an array. */
  toArray(): T[] {
    return [...this];
  }
}

/**
 * A dataset over tensors that share their first dimension (PyTorch `TensorDataset`): item `i` is
 * the tuple of row `i` of each tensor (new tensors the caller owns). The tensors are not copied
 * or disposed; `DataLoader` batches a `TensorDataset` with one gather per tensor.
 *
 * @throws TensorError `SHAPE_MISMATCH` when the first dimensions differ; `INVALID_ARGUMENT` for
 *   no tensors or a scalar.
 * @example
 * ```ts
 * const ds = new TensorDataset(tensor([[1, 2], [3, 4]]), tensor([0, 1], undefined, { dtype: 'int32' }));
 * const [x, y] = ds.get(1); // [3, 4], 1
 * ```
 */
export class TensorDataset extends Dataset<Tensor[]> {
  readonly tensors: readonly Tensor[];
  /** Row of the underlying tensors for each item (identity when undefined). */
  readonly rows: Int32Array | undefined;

  constructor(...args: Tensor[] | [readonly Tensor[], Int32Array | undefined]) {
    const [tensors, rows] = Array.isArray(args[0]) ? (args as [readonly Tensor[], Int32Array | undefined]) : [args as Tensor[], undefined];
    if (tensors.length === 0) throw new TensorError('INVALID_ARGUMENT', 'TensorDataset', 'needs at least one tensor');
    for (const t of tensors) {
      if (!(t instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', 'TensorDataset', `every argument must be a Tensor, got ${typeof t}`);
      if (t.rank === 0) throw new TensorError('INVALID_ARGUMENT', 'TensorDataset', 'tensors must have a first (sample) dimension, got a scalar');
    }
    const n = tensors[0]!.shape[0]!;
    const bad = tensors.find((t) => t.shape[0] !== n);
    if (bad) {
      throw new TensorError('SHAPE_MISMATCH', 'TensorDataset', `all tensors must have the same first dimension: ${tensors.map((t) => fmtShape(t.shape)).join(', ')}`);
    }
    const length = rows ? rows.length : n;
    super(length, (i) => {
      const row = tensor(new Int32Array([rows ? rows[i]! : i]), [1], { dtype: 'int32' });
      try {
        return tensors.map((t) => {
          const picked = indexSelect(t, 0, row);
          const item = picked.reshape(t.shape.slice(1));
          picked.dispose();
          return item;
        });
      } finally {
        row.dispose();
      }
    });
    this.tensors = tensors;
    this.rows = rows;
  }

  /** The underlying rows of items `indices`. */
  rowsOf(indices: ArrayLike<number>): Int32Array {
    return Int32Array.from(indices as ArrayLike<number>, (i) => {
      const k = this.checkIndex('rowsOf', i);
      return this.rows ? this.rows[k]! : k;
    });
  }

  /** The items for which `predicate` holds; the item tensors it sees are disposed after it returns. */
  override filter(predicate: (item: Tensor[], index: number) => boolean): TensorDataset {
    if (typeof predicate !== 'function') throw new TensorError('INVALID_ARGUMENT', 'Dataset.filter', `predicate must be a function, got ${typeof predicate}`);
    const kept: number[] = [];
    for (let i = 0; i < this.length; i++) {
      const item = this.get(i);
      try {
        if (predicate(item, i)) kept.push(i);
      } finally {
        for (const t of item) t.dispose();
      }
    }
    return this.subset(kept);
  }

  /** The items at `indices`, still a `TensorDataset` over the same tensors. */
  override subset(indices: ArrayLike<number>): TensorDataset {
    return new TensorDataset(this.tensors, this.rowsOf(indices));
  }
}

/**
 * A streamed dataset: `source()` returns a fresh (async) iterable each time it is read, e.g. an
 * async generator reading a file. No length and no random access; map, filter and concat are
 * lazy.
 *
 * @example
 * ```ts
 * const stream = Dataset.fromGenerator(async function* () { for (let i = 0; i < 3; i++) yield i; });
 * for await (const v of stream.map((v) => v * 2)) console.log(v); // 0 2 4
 * ```
 */
export class IterableDataset<T> implements AsyncIterable<T> {
  readonly #source: () => AsyncIterable<T> | Iterable<T>;

  constructor(source: () => AsyncIterable<T> | Iterable<T>) {
    if (typeof source !== 'function') throw new TensorError('INVALID_ARGUMENT', 'IterableDataset', `source must be a function returning an (async) iterable, got ${typeof source}`);
    this.#source = source;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    const it = this.#source();
    if (it === null || typeof it !== 'object' || (!(Symbol.asyncIterator in it) && !(Symbol.iterator in it))) {
      throw new TensorError('INVALID_ARGUMENT', 'IterableDataset', `source() must return an iterable or async iterable, got ${it === null ? 'null' : typeof it}`);
    }
    yield* it;
  }

  /** Applies `fn` (which may be async) to each item as it streams. */
  map<U>(fn: (item: T) => U | Promise<U>): IterableDataset<Awaited<U>> {
    const self = this;
    return new IterableDataset(async function* () {
      for await (const item of self) yield await fn(item);
    });
  }

  /** Keeps the items for which `predicate` holds. */
  filter(predicate: (item: T) => boolean | Promise<boolean>): IterableDataset<T> {
    const self = this;
    return new IterableDataset(async function* () {
      for await (const item of self) if (await predicate(item)) yield item;
    });
  }

  /** This stream followed by `others`. */
  concat(...others: (IterableDataset<T> | Dataset<T>)[]): IterableDataset<T> {
    const parts = [this, ...others];
    return new IterableDataset(async function* () {
      for (const p of parts) {
        if (p instanceof Dataset) yield* p;
        else for await (const item of p) yield item;
      }
    });
  }

  /** Reads the whole stream into an indexed {@link Dataset}. */
  async collect(): Promise<Dataset<T>> {
    const items: T[] = [];
    for await (const item of this) items.push(item);
    return Dataset.fromArray(items);
  }
}
