/**
 * Noise, blur and erasing: gaussianNoise (seeded `randn`), gaussianBlur (a separable depthwise
 * convolution with reflect padding, as torchvision) and randomErasing (cutout).
 */
import { checkOptions, TensorError, arange, conv2d, fmtShape, pad, randn, reshape, tensor, where } from '@tessera/tensor-core';
import { keyedUniform, resolveGenerator, type RandomSource } from '../random.js';
import { checkImages, checkLayout, checkProbability, checkRange, defineTransform, fillValue, inNchw, roundHalfEven, type ImageTransform, type LayoutOptions } from './layout.js';
import { perSample } from './sample.js';

/** Options of {@link gaussianNoise}. */
export interface GaussianNoiseOptions extends LayoutOptions, RandomSource {
  /** Mean of the noise (default 0). */
  readonly mean?: number;
  /** Standard deviation of the noise (default 0.1). */
  readonly sigma?: number;
  /** Clamp the result to `[0, 1]` (default true). */
  readonly clip?: boolean;
}

/**
 * Adds Gaussian noise to every pixel, as torchvision `GaussianNoise`: `x + mean + sigma * z`,
 * clamped to `[0, 1]` unless `clip: false`. The noise comes from tensor-core's counter-based
 * `randn`, so it is the same on every backend.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a negative sigma; as {@link resize}.
 * @example
 * ```ts
 * gaussianNoise({ sigma: 0.05, seed: 6 })(images);
 * ```
 */
export function gaussianNoise(options: GaussianNoiseOptions = {}): ImageTransform {
  const op = 'gaussianNoise';
  checkOptions(op, options, ['mean', 'sigma', 'clip', 'layout', 'seed', 'generator']);
  const layout = checkLayout(op, options.layout);
  const mean = options.mean ?? 0;
  const sigma = options.sigma ?? 0.1;
  if (!Number.isFinite(mean)) throw new TensorError('INVALID_ARGUMENT', op, `mean must be finite, got ${mean}`);
  if (!Number.isFinite(sigma) || sigma < 0) throw new TensorError('INVALID_ARGUMENT', op, `sigma must be a non-negative number, got ${sigma}`);
  const clip = options.clip ?? true;
  const gen = resolveGenerator(op, options);
  return defineTransform(op, (images) => {
    const dims = checkImages(op, images, layout);
    const seed = gen.nextSeed();
    return inNchw(images, layout, dims, (x) => {
      const y = x.add(randn(x.shape, { seed, mean, std: sigma }));
      return clip ? y.clamp(0, 1) : y;
    });
  });
}

/** Options of {@link gaussianBlur}. */
export interface GaussianBlurOptions extends LayoutOptions, RandomSource {
  /** Standard deviation range, drawn per sample (default `[0.1, 2]`); one number for a fixed sigma. */
  readonly sigma?: number | readonly [number, number];
}

/** torchvision's 1-D Gaussian kernel: `exp(-x^2 / (2 sigma^2))` on `x = -(k-1)/2 .. (k-1)/2`, normalised. */
export function gaussianKernel1d(size: number, sigma: number): Float32Array {
  const half = (size - 1) / 2;
  const k = new Float64Array(size);
  let total = 0;
  for (let i = 0; i < size; i++) {
    const x = (i - half) / sigma;
    k[i] = Math.exp(-0.5 * x * x);
    total += k[i]!;
  }
  return Float32Array.from(k, (v) => v / total);
}

/**
 * Blurs each sample with a Gaussian of `kernelSize` (odd; one number or `[height, width]`) and a
 * sigma drawn per sample, as torchvision `GaussianBlur`: reflect padding, then a depthwise
 * convolution (run as two 1-D passes).
 *
 * @throws TensorError `INVALID_ARGUMENT` for an even or non-positive kernel size or a
 *   non-positive sigma; `SHAPE_MISMATCH` when the kernel is too large for reflect padding
 *   (`kernelSize / 2 >= H or W`); as {@link resize}.
 * @example
 * ```ts
 * gaussianBlur(5, { sigma: [0.1, 2], seed: 7 })(images);
 * ```
 */
export function gaussianBlur(kernelSize: number | readonly [number, number], options: GaussianBlurOptions = {}): ImageTransform {
  const op = 'gaussianBlur';
  checkOptions(op, options, ['sigma', 'layout', 'seed', 'generator']);
  const layout = checkLayout(op, options.layout);
  const sizes = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : Array.isArray(kernelSize) && kernelSize.length === 2 ? [...kernelSize] : undefined;
  if (!sizes || !sizes.every((k) => Number.isInteger(k) && k > 0 && k % 2 === 1)) {
    throw new TensorError('INVALID_ARGUMENT', op, `kernelSize must be a positive odd integer or [height, width] of them, got ${JSON.stringify(kernelSize)}`);
  }
  const [kh, kw] = sizes as [number, number];
  const [s0, s1] = typeof options.sigma === 'number' ? [options.sigma, options.sigma] : checkRange(op, 'sigma', options.sigma ?? [0.1, 2]);
  if (!(s0 > 0) || !Number.isFinite(s1)) throw new TensorError('INVALID_ARGUMENT', op, `sigma must be positive, got ${JSON.stringify(options.sigma)}`);
  const gen = resolveGenerator(op, options);
  return defineTransform(op, (images) => {
    const dims = checkImages(op, images, layout);
    const ph = (kh - 1) / 2;
    const pw = (kw - 1) / 2;
    if (ph >= dims.h || pw >= dims.w) {
      throw new TensorError('SHAPE_MISMATCH', op, `kernel [${kh}, ${kw}] is too large for images of size [${dims.h}, ${dims.w}]: reflect padding needs kernelSize / 2 < size (input shape ${fmtShape(images.shape)})`);
    }
    const key = gen.nextSeed();
    const { n, c, h, w } = dims;
    // One kernel per (sample, channel): the batch folds into the channels of a depthwise conv.
    const vertical = new Float32Array(n * c * kh);
    const horizontal = new Float32Array(n * c * kw);
    for (let i = 0; i < n; i++) {
      const sigma = s0 + (s1 - s0) * keyedUniform(key, i);
      const ky = gaussianKernel1d(kh, sigma);
      const kx = gaussianKernel1d(kw, sigma);
      for (let ch = 0; ch < c; ch++) {
        vertical.set(ky, (i * c + ch) * kh);
        horizontal.set(kx, (i * c + ch) * kw);
      }
    }
    return inNchw(images, layout, dims, (x) => {
      const padded = reshape(pad(x, [[0, 0], [0, 0], [ph, ph], [pw, pw]], { mode: 'reflect' }), [1, n * c, h + 2 * ph, w + 2 * pw]);
      const rows = conv2d(padded, tensor(vertical, [n * c, 1, kh, 1]), { groups: n * c });
      const out = conv2d(rows, tensor(horizontal, [n * c, 1, 1, kw]), { groups: n * c });
      return reshape(out, [n, c, h, w]);
    });
  });
}

/** Options of {@link randomErasing}. */
export interface RandomErasingOptions extends LayoutOptions, RandomSource {
  /** Probability that a sample gets a rectangle erased (default 0.5). */
  readonly p?: number;
  /** Range of the erased area as a fraction of the image (default `[0.02, 0.33]`). */
  readonly scale?: readonly [number, number];
  /** Range of the rectangle's aspect ratio (default `[0.3, 3.3]`, log-uniform). */
  readonly ratio?: readonly [number, number];
  /** Erased value: a number, one per channel, or `'random'` (standard normal noise). Default 0. */
  readonly value?: number | readonly number[] | 'random';
}

/**
 * Erases a random rectangle of each chosen sample (cutout), as torchvision `RandomErasing`: up to
 * 10 tries to find a rectangle of the drawn area and aspect ratio that fits, else no erasing.
 *
 * @throws TensorError `INVALID_ARGUMENT` for bad p, scale, ratio or value; `SHAPE_MISMATCH` for
 *   a per-channel value of the wrong length; as {@link resize}.
 * @example
 * ```ts
 * randomErasing({ p: 1, scale: [0.1, 0.2], seed: 8 })(images);
 * ```
 */
export function randomErasing(options: RandomErasingOptions = {}): ImageTransform {
  const op = 'randomErasing';
  checkOptions(op, options, ['p', 'scale', 'ratio', 'value', 'layout', 'seed', 'generator']);
  const layout = checkLayout(op, options.layout);
  const p = checkProbability(op, options.p ?? 0.5);
  const [s0, s1] = checkRange(op, 'scale', options.scale ?? [0.02, 0.33], { min: 0, max: 1 });
  const [r0, r1] = checkRange(op, 'ratio', options.ratio ?? [0.3, 3.3], { min: 0 });
  if (r0 <= 0) throw new TensorError('INVALID_ARGUMENT', op, `ratio must be positive, got ${JSON.stringify(options.ratio)}`);
  const value = options.value ?? 0;
  if (value !== 'random' && typeof value !== 'number' && !Array.isArray(value)) {
    throw new TensorError('INVALID_ARGUMENT', op, `value must be a number, an array of numbers or 'random', got ${JSON.stringify(value)}`);
  }
  const gen = resolveGenerator(op, options);
  return defineTransform(op, (images) => {
    const dims = checkImages(op, images, layout);
    const { n, h, w } = dims;
    const key = gen.nextSeed();
    const noiseSeed = gen.nextSeed();
    const top = new Array<number>(n).fill(0);
    const bottom = new Array<number>(n).fill(0);
    const left = new Array<number>(n).fill(0);
    const right = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      const base = i * 41;
      if (keyedUniform(key, base) >= p) continue;
      for (let attempt = 0; attempt < 10; attempt++) {
        const u = (k: number): number => keyedUniform(key, base + 1 + attempt * 4 + k);
        const area = h * w * (s0 + (s1 - s0) * u(0));
        const aspect = Math.exp(Math.log(r0) + (Math.log(r1) - Math.log(r0)) * u(1));
        const eh = roundHalfEven(Math.sqrt(area * aspect));
        const ew = roundHalfEven(Math.sqrt(area / aspect));
        if (!(eh < h && ew < w) || eh === 0 || ew === 0) continue;
        top[i] = Math.floor(u(2) * (h - eh + 1));
        left[i] = Math.floor(u(3) * (w - ew + 1));
        bottom[i] = top[i]! + eh;
        right[i] = left[i]! + ew;
        break;
      }
    }
    return inNchw(images, layout, dims, (x) => {
      const rows = reshape(arange(0, h, 1, { dtype: 'float32' }), [1, 1, h, 1]);
      const cols = reshape(arange(0, w, 1, { dtype: 'float32' }), [1, 1, 1, w]);
      const inRows = rows.greaterEqual(perSample(top)).logicalAnd(rows.less(perSample(bottom)));
      const inCols = cols.greaterEqual(perSample(left)).logicalAnd(cols.less(perSample(right)));
      const mask = inRows.logicalAnd(inCols);
      const fill = value === 'random' ? randn(x.shape, { seed: noiseSeed }) : fillValue(op, value, dims.c);
      return where(mask, fill, x);
    });
  });
}
