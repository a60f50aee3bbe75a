/**
 * scikit-learn's small classic datasets (`make_moons`, `make_circles`, `make_blobs`) and the
 * two-spirals set, generated on the host and seeded: the same options give the same numbers on
 * every run and every machine. Without noise and shuffling, moons, circles and blobs equal
 * scikit-learn's output.
 */
import { TensorError, checkOptions, randomBits, randomValueAt, tensor, uniformAt } from '@tessera/tensor-core';
import { LabeledDataset } from './labeled.js';

/** Options shared by every toy set. */
export interface ToyOptions {
  /** Number of samples (default 100). */
  readonly nSamples?: number;
  /** Shuffle the samples (default true); unshuffled, they come class by class. */
  readonly shuffle?: boolean;
  /** Seed of the noise and of the shuffle (default 0). */
  readonly seed?: number;
}

/**
 * Options of {@link makeMoons}.
 * @example
 * ```ts
 * makeMoons({ nSamples: 200, noise: 0.1, seed: 1 });
 * ```
 */
export interface MoonsOptions extends ToyOptions {
  /** Standard deviation of the Gaussian noise added to each coordinate (default 0). */
  readonly noise?: number;
}

/**
 * Options of {@link makeCircles}.
 * @example
 * ```ts
 * makeCircles({ nSamples: 200, noise: 0.05, factor: 0.5 });
 * ```
 */
export interface CirclesOptions extends MoonsOptions {
  /** Radius of the inner circle relative to the outer one, in [0, 1) (default 0.8). */
  readonly factor?: number;
}

/**
 * Options of {@link makeBlobs}.
 * @example
 * ```ts
 * makeBlobs({ nSamples: 300, centers: [[0, 0], [4, 4], [-4, 4]], clusterStd: 0.5 });
 * ```
 */
export interface BlobsOptions extends ToyOptions {
  /**
   * The blob centres (one row of `nFeatures` numbers each), or how many to draw uniformly in
   * `centerBox` (default 3).
   */
  readonly centers?: number | readonly (readonly number[])[];
  /** Features per sample when `centers` is a number (default 2). */
  readonly nFeatures?: number;
  /** Standard deviation of each blob: one for all, or one per centre (default 1). */
  readonly clusterStd?: number | readonly number[];
  /** Bounds of random centres (default [-10, 10]). */
  readonly centerBox?: readonly [number, number];
}

/**
 * Options of {@link makeSpirals}.
 * @example
 * ```ts
 * makeSpirals({ nSamples: 300, classes: 3, noise: 0.02 });
 * ```
 */
export interface SpiralsOptions extends MoonsOptions {
  /** Number of arms, one class each (default 2). */
  readonly classes?: number;
  /** Turns of each arm around the centre (default 1). */
  readonly turns?: number;
}

const TOY_KEYS = ['nSamples', 'shuffle', 'seed'] as const;

/**
 * Two interleaving half circles (scikit-learn's `make_moons`): class 0 the upper moon, centred on
 * the origin, class 1 the lower one, shifted to `(1, 0.5)`. A classic for showing that a linear
 * model fails where a small MLP succeeds.
 *
 * @returns `x` `[nSamples, 2]` float32, `y` `[nSamples]` int32 (`⌊n/2⌋` of class 0).
 * @throws TensorError `INVALID_ARGUMENT` for a bad option value, `UNKNOWN_OPTION`.
 * @example
 * ```ts
 * const moons = makeMoons({ nSamples: 200, noise: 0.1 });
 * await fit(model, { data: moons, epochs: 50, optimizer, loss: crossEntropy });
 * ```
 */
export function makeMoons(options: MoonsOptions = {}): LabeledDataset {
  const op = 'makeMoons';
  const o = checkOptions(op, options, [...TOY_KEYS, 'noise']);
  const common = toyCommon(op, o, 2);
  const noise = nonNegative(op, 'noise', o.noise ?? 0);
  const nOut = Math.floor(common.n / 2);
  const nIn = common.n - nOut;
  const points: number[] = [];
  const labels: number[] = [];
  linspace(0, Math.PI, nOut, true).forEach((t) => {
    points.push(Math.cos(t), Math.sin(t));
    labels.push(0);
  });
  linspace(0, Math.PI, nIn, true).forEach((t) => {
    points.push(1 - Math.cos(t), 1 - Math.sin(t) - 0.5);
    labels.push(1);
  });
  return finish(points, labels, 2, 2, noise, common);
}

/**
 * A small circle inside a large one (scikit-learn's `make_circles`): class 0 on the unit circle,
 * class 1 on the circle of radius `factor`.
 *
 * @returns `x` `[nSamples, 2]` float32, `y` `[nSamples]` int32 (`⌊n/2⌋` of class 0).
 * @throws TensorError `INVALID_ARGUMENT` for a bad option value (`factor` outside [0, 1)),
 *   `UNKNOWN_OPTION`.
 * @example
 * ```ts
 * const circles = makeCircles({ nSamples: 200, noise: 0.05, factor: 0.5 });
 * ```
 */
export function makeCircles(options: CirclesOptions = {}): LabeledDataset {
  const op = 'makeCircles';
  const o = checkOptions(op, options, [...TOY_KEYS, 'noise', 'factor']);
  const common = toyCommon(op, o, 2);
  const noise = nonNegative(op, 'noise', o.noise ?? 0);
  const factor = o.factor ?? 0.8;
  if (typeof factor !== 'number' || !(factor >= 0 && factor < 1)) throw new TensorError('INVALID_ARGUMENT', op, `factor must be a number in [0, 1), got ${String(factor)}`);
  const nOut = Math.floor(common.n / 2);
  const nIn = common.n - nOut;
  const points: number[] = [];
  const labels: number[] = [];
  linspace(0, 2 * Math.PI, nOut, false).forEach((t) => {
    points.push(Math.cos(t), Math.sin(t));
    labels.push(0);
  });
  linspace(0, 2 * Math.PI, nIn, false).forEach((t) => {
    points.push(factor * Math.cos(t), factor * Math.sin(t));
    labels.push(1);
  });
  return finish(points, labels, 2, 2, noise, common);
}

/**
 * Gaussian blobs (scikit-learn's `make_blobs`): `nSamples` split as evenly as possible between
 * the centres (the first ones get one more), each sample its centre plus Gaussian noise of the
 * blob's `clusterStd`; the label is the centre's index.
 *
 * @returns `x` `[nSamples, nFeatures]` float32, `y` `[nSamples]` int32.
 * @throws TensorError `INVALID_ARGUMENT` for bad centres (ragged rows, non-finite values), a
 *   `clusterStd` list of the wrong length or a negative one, a bad `centerBox`; `UNKNOWN_OPTION`.
 * @example
 * ```ts
 * const blobs = makeBlobs({ nSamples: 300, centers: 4, clusterStd: 0.8, seed: 3 });
 * blobs.numClasses; // 4
 * ```
 */
export function makeBlobs(options: BlobsOptions = {}): LabeledDataset {
  const op = 'makeBlobs';
  const o = checkOptions(op, options, [...TOY_KEYS, 'centers', 'nFeatures', 'clusterStd', 'centerBox']);
  const given = o.centers ?? 3;
  let centers: number[][];
  if (typeof given === 'number') {
    const k = positiveInteger(op, 'centers', given);
    const nFeatures = positiveInteger(op, 'nFeatures', o.nFeatures ?? 2);
    const box = o.centerBox ?? [-10, 10];
    if (!Array.isArray(box) || box.length !== 2 || !box.every(Number.isFinite) || !(box[0] < box[1])) {
      throw new TensorError('INVALID_ARGUMENT', op, `centerBox must be [low, high] with low < high, got ${JSON.stringify(box)}`);
    }
    const seed = randomBits(seedOf(op, o.seed), 3);
    centers = Array.from({ length: k }, (_, c) => Array.from({ length: nFeatures }, (_, f) => box[0] + (box[1] - box[0]) * uniformAt(seed, c * nFeatures + f)));
  } else {
    if (!Array.isArray(given) || given.length === 0) throw new TensorError('INVALID_ARGUMENT', op, `centers must be a positive integer or a non-empty array of points, got ${JSON.stringify(given)}`);
    const width = Array.isArray(given[0]) ? given[0].length : 0;
    given.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== width || width === 0 || !row.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw new TensorError('INVALID_ARGUMENT', op, `centers[${i}] must be ${width || 'a non-empty list of'} finite numbers like centers[0], got ${JSON.stringify(row)}`);
      }
    });
    if (o.nFeatures !== undefined && o.nFeatures !== width) throw new TensorError('INVALID_ARGUMENT', op, `nFeatures is ${String(o.nFeatures)} but the centres have ${width} features`);
    centers = given.map((row) => [...row]);
  }
  const k = centers.length;
  const nFeatures = centers[0]!.length;
  const std = o.clusterStd ?? 1;
  const stds = typeof std === 'number' ? centers.map(() => std) : Array.isArray(std) ? [...std] : [];
  if (stds.length !== k) throw new TensorError('INVALID_ARGUMENT', op, `clusterStd must be a number or one per centre (${k}), got ${JSON.stringify(std)}`);
  stds.forEach((s, i) => nonNegative(op, typeof std === 'number' ? 'clusterStd' : `clusterStd[${i}]`, s));
  const common = toyCommon(op, o, k);
  const noiseSeed = randomBits(common.seed, 1);
  const points: number[] = [];
  const labels: number[] = [];
  let index = 0;
  for (let c = 0; c < k; c++) {
    const count = Math.floor(common.n / k) + (c < common.n % k ? 1 : 0);
    for (let s = 0; s < count; s++) {
      for (let f = 0; f < nFeatures; f++) points.push(centers[c]![f]! + stds[c]! * normal(noiseSeed, index * nFeatures + f));
      labels.push(c);
      index++;
    }
  }
  return finish(points, labels, nFeatures, k, 0, common);
}

/**
 * Interleaved spiral arms, one class each (the two-spirals problem, generalised to `classes`
 * arms): point `i` of an arm of `m` points lies at radius `r = i / (m - 1)` and angle
 * `2π (turns · r + c / classes)` for arm `c`, plus Gaussian noise of std `noise` on each
 * coordinate. Hard for linear models, easy for a small MLP.
 *
 * @returns `x` `[nSamples, 2]` float32, `y` `[nSamples]` int32.
 * @throws TensorError `INVALID_ARGUMENT` for a bad option value, `UNKNOWN_OPTION`.
 * @example
 * ```ts
 * const spirals = makeSpirals({ nSamples: 400, classes: 2, noise: 0.02 });
 * ```
 */
export function makeSpirals(options: SpiralsOptions = {}): LabeledDataset {
  const op = 'makeSpirals';
  const o = checkOptions(op, options, [...TOY_KEYS, 'noise', 'classes', 'turns']);
  const classes = positiveInteger(op, 'classes', o.classes ?? 2);
  const common = toyCommon(op, o, classes);
  const noise = nonNegative(op, 'noise', o.noise ?? 0);
  const turns = o.turns ?? 1;
  if (typeof turns !== 'number' || !(turns > 0 && Number.isFinite(turns))) throw new TensorError('INVALID_ARGUMENT', op, `turns must be a positive number, got ${String(turns)}`);
  const points: number[] = [];
  const labels: number[] = [];
  for (let c = 0; c < classes; c++) {
    const m = Math.floor(common.n / classes) + (c < common.n % classes ? 1 : 0);
    linspace(0, 1, m, true).forEach((r) => {
      const angle = 2 * Math.PI * (turns * r + c / classes);
      points.push(r * Math.cos(angle), r * Math.sin(angle));
      labels.push(c);
    });
  }
  return finish(points, labels, 2, classes, noise, common);
}

// ------------------------------------------------------------------------------------------------

interface Common {
  readonly n: number;
  readonly shuffle: boolean;
  readonly seed: number;
}

function toyCommon(op: string, o: ToyOptions, minSamples: number): Common {
  const n = positiveInteger(op, 'nSamples', o.nSamples ?? 100);
  if (n < minSamples) throw new TensorError('INVALID_ARGUMENT', op, `nSamples must be at least ${minSamples} (one per class), got ${n}`);
  const shuffle = o.shuffle ?? true;
  if (typeof shuffle !== 'boolean') throw new TensorError('INVALID_ARGUMENT', op, `shuffle must be a boolean, got ${String(shuffle)}`);
  return { n, shuffle, seed: seedOf(op, o.seed) };
}

function seedOf(op: string, seed: unknown): number {
  const s = seed ?? 0;
  if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s >= 2 ** 32) throw new TensorError('INVALID_ARGUMENT', op, `seed must be an integer in [0, 2^32), got ${String(s)}`);
  return s;
}

function positiveInteger(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new TensorError('INVALID_ARGUMENT', op, `${name} must be a positive integer, got ${String(value)}`);
  return value;
}

function nonNegative(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) throw new TensorError('INVALID_ARGUMENT', op, `${name} must be a finite number >= 0, got ${String(value)}`);
  return value;
}

/** numpy's `linspace(start, stop, count, endpoint)`. */
function linspace(start: number, stop: number, count: number, endpoint: boolean): number[] {
  const steps = endpoint ? count - 1 : count;
  if (count === 1) return [start];
  return Array.from({ length: count }, (_, i) => start + ((stop - start) * i) / steps);
}

/** Standard normal number `i` of the stream `seed` (tensor-core's counter-based generator). */
function normal(seed: number, i: number): number {
  return randomValueAt({ kind: 'normal', mean: 0, std: 1 }, seed, i);
}

/** Adds noise, shuffles, and builds the dataset. */
function finish(points: number[], labels: number[], width: number, numClasses: number, noise: number, common: Common): LabeledDataset {
  const n = labels.length;
  if (noise > 0) {
    const seed = randomBits(common.seed, 1);
    for (let i = 0; i < points.length; i++) points[i]! += noise * normal(seed, i);
  }
  const order = common.shuffle ? permutation(n, randomBits(common.seed, 2)) : undefined;
  const xs = new Float32Array(n * width);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const from = order ? order[i]! : i;
    for (let f = 0; f < width; f++) xs[i * width + f] = points[from * width + f]!;
    ys[i] = labels[from]!;
  }
  const x = tensor(xs, [n, width]);
  const y = tensor(ys, [n], { dtype: 'int32' });
  return new LabeledDataset(x, y, numClasses);
}

/** A seeded Fisher–Yates permutation of `0 .. n-1`. */
export function permutation(n: number, seed: number): Int32Array {
  const out = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniformAt(seed, i) * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}
