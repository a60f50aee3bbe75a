/**
 * Seeded dataset splits: `randomSplit` (PyTorch `random_split`, by lengths or fractions) and
 * `trainValTestSplit`, both optionally stratified by label.
 */
import { checkOptions, Tensor, TensorError } from '@tessera/tensor-core';
import type { Dataset } from './dataset.js';
import { permutation, resolveGenerator, type RandomSource } from './random.js';

/** Labels to stratify by: one per item (numbers or strings), an int32 tensor, or a function of the item. */
export type StratifyBy<T> = readonly (number | string)[] | Int32Array | Tensor | ((item: T, index: number) => number | string);

/** Options of {@link randomSplit}. */
export interface SplitOptions<T> extends RandomSource {
  /** Keep each label's share the same in every split. */
  readonly stratify?: StratifyBy<T>;
}

const EPS = 1e-6;

/** Sizes of the splits of `n` items: lengths summing to `n`, or fractions summing to 1. */
function splitSizes(op: string, n: number, sizes: readonly number[], names?: readonly string[]): number[] {
  if (!Array.isArray(sizes) || sizes.length === 0 || !sizes.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
    throw new TensorError('INVALID_ARGUMENT', op, `sizes must be non-negative lengths or fractions, got ${JSON.stringify(sizes)}`);
  }
  const label = (i: number): string => (names ? `${names[i]}=${sizes[i]}` : String(sizes[i]));
  const total = sizes.reduce((a, b) => a + b, 0);
  const fractional = sizes.some((v) => !Number.isInteger(v)) || (Math.abs(total - 1) < EPS && n !== 1);
  if (fractional) {
    if (Math.abs(total - 1) > EPS) {
      throw new TensorError('INVALID_ARGUMENT', op, `fractions must sum to 1, got ${sizes.map((_, i) => label(i)).join(' + ')} = ${+total.toFixed(6)}`);
    }
    // PyTorch: floor each share, then hand the remainder out one by one from the first split.
    const counts = sizes.map((f) => Math.floor(n * f));
    let rest = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; rest > 0; i = (i + 1) % counts.length, rest--) counts[i]!++;
    return counts;
  }
  if (total !== n) {
    throw new TensorError('INVALID_ARGUMENT', op, `lengths must sum to the dataset length ${n}, got ${sizes.map((_, i) => label(i)).join(' + ')} = ${total}`);
  }
  return [...sizes];
}

function labelsOf<T>(op: string, dataset: Dataset<T>, stratify: StratifyBy<T>): (number | string)[] {
  let labels: (number | string)[];
  if (typeof stratify === 'function') labels = Array.from({ length: dataset.length }, (_, i) => stratify(dataset.get(i), i));
  else if (stratify instanceof Tensor) {
    if (stratify.rank !== 1) throw new TensorError('SHAPE_MISMATCH', op, `stratify labels must be 1-D, got shape [${stratify.shape.join(',')}]`);
    labels = Array.from(stratify.dataSync());
  } else if (Array.isArray(stratify) || stratify instanceof Int32Array) labels = Array.from(stratify as ArrayLike<number | string>);
  else throw new TensorError('INVALID_ARGUMENT', op, `stratify must be labels (array, Int32Array, 1-D Tensor) or a function, got ${typeof stratify}`);
  if (labels.length !== dataset.length) {
    throw new TensorError('SHAPE_MISMATCH', op, `stratify has ${labels.length} labels but the dataset has ${dataset.length} items`);
  }
  return labels;
}

function splitIndices<T>(op: string, dataset: Dataset<T>, sizes: readonly number[], options: SplitOptions<T>, names?: readonly string[]): Int32Array[] {
  const n = dataset.length;
  const counts = splitSizes(op, n, sizes, names);
  const gen = resolveGenerator(op, options);
  const key = gen.nextSeed();
  if (options.stratify === undefined) {
    const order = permutation(n, key);
    const out: Int32Array[] = [];
    let start = 0;
    for (const c of counts) {
      out.push(order.slice(start, start + c));
      start += c;
    }
    return out;
  }
  const labels = labelsOf(op, dataset, options.stratify);
  const fractions = counts.map((c) => (n === 0 ? 0 : c / n));
  const groups = new Map<number | string, number[]>();
  labels.forEach((l, i) => {
    const g = groups.get(l);
    if (g) g.push(i);
    else groups.set(l, [i]);
  });
  const parts: number[][] = counts.map(() => []);
  let g = 0;
  for (const members of [...groups.values()]) {
    const order = permutation(members.length, (key + 0x9e3779b9 * ++g) >>> 0);
    // Each class is split by the same fractions (largest remainders go first).
    const share = splitSizes(op, members.length, fractions);
    let start = 0;
    share.forEach((c, k) => {
      for (let j = start; j < start + c; j++) parts[k]!.push(members[order[j]!]!);
      start += c;
    });
  }
  // Shuffle within each split so classes are interleaved.
  return parts.map((p, k) => {
    const order = permutation(p.length, (key ^ (0x85ebca6b * (k + 1))) >>> 0);
    return Int32Array.from(order, (j) => p[j]!);
  });
}

/**
 * Splits a dataset into non-overlapping random subsets (PyTorch `random_split`): `sizes` are
 * lengths summing to the dataset length, or fractions summing to 1 (remainders go to the first
 * splits). Seeded; with `stratify`, every label is split in the same proportions.
 *
 * @throws TensorError `INVALID_ARGUMENT` for fractions that do not sum to 1 or lengths that do
 *   not sum to the length (the message lists them); `SHAPE_MISMATCH` for a label count that
 *   differs from the dataset length.
 * @example
 * ```ts
 * const [train, test] = randomSplit(dataset, [0.8, 0.2], { seed: 42 });
 * ```
 */
export function randomSplit<T>(dataset: Dataset<T>, sizes: readonly number[], options: SplitOptions<T> = {}): Dataset<T>[] {
  checkOptions('randomSplit', options, ['stratify', 'seed', 'generator']);
  return splitIndices('randomSplit', dataset, sizes, options).map((idx) => dataset.subset(idx));
}

/** Options of {@link trainValTestSplit}. */
export interface TrainValTestOptions<T> extends SplitOptions<T> {
  /** Fraction for training (default 0.8). */
  readonly train?: number;
  /** Fraction for validation (default 0.1). */
  readonly val?: number;
  /** Fraction for testing (default 0.1). */
  readonly test?: number;
}

/**
 * Splits a dataset into train, validation and test subsets by fractions that sum to 1 (default
 * 0.8 / 0.1 / 0.1), seeded and optionally stratified.
 *
 * @throws TensorError `INVALID_ARGUMENT` when the fractions do not sum to 1, naming them; as
 *   {@link randomSplit}.
 * @example
 * ```ts
 * const { train, val, test } = trainValTestSplit(dataset, { train: 0.7, val: 0.15, test: 0.15, seed: 1, stratify: labels });
 * ```
 */
export function trainValTestSplit<T>(dataset: Dataset<T>, options: TrainValTestOptions<T> = {}): { train: Dataset<T>; val: Dataset<T>; test: Dataset<T> } {
  checkOptions('trainValTestSplit', options, ['train', 'val', 'test', 'stratify', 'seed', 'generator']);
  const fractions = [options.train ?? 0.8, options.val ?? 0.1, options.test ?? 0.1];
  if (Math.abs(fractions.reduce((a, b) => a + b, 0) - 1) > EPS || !fractions.every((f) => Number.isFinite(f) && f >= 0)) {
    throw new TensorError('INVALID_ARGUMENT', 'trainValTestSplit', `train + val + test must be non-negative fractions summing to 1, got train=${fractions[0]} + val=${fractions[1]} + test=${fractions[2]} = ${+fractions.reduce((a, b) => a + b, 0).toFixed(6)}`);
  }
  const [train, val, test] = splitIndices('trainValTestSplit', dataset, fractions, options, ['train', 'val', 'test']).map((idx) => dataset.subset(idx)) as [Dataset<T>, Dataset<T>, Dataset<T>];
  return { train, val, test };
}
