/**
 * Geometric transforms: resize, crops, flips, rotation and affine maps. Deterministic ones follow
 * torchvision.transforms.v2 exactly (up to float32 rounding); random ones draw their parameters
 * per sample (torchvision draws one set per call: see docs/data.md).
 */
import { check, checkOptions, safeJson, Tensor, TensorError, arange, fmtShape, flip, pad, reshape, resize as resizeOp, slice, tensor, where, type Checks, type PadOptions } from '@tessera/tensor-core';
import { keyedUniform, resolveGenerator, type RandomSource } from '../random.js';
import {
  checkImages,
  checkLayout,
  checkProbability,
  checkRange,
  checkSize,
  defineTransform,
  fillValue,
  inNchw,
  roundHalfEven,
  type ImageTransform,
  type LayoutOptions,
} from './layout.js';
import { affineSample, gatherCols, gatherPixels, gatherRows, inverseAffineMatrix, perSampleMask, type Interpolation } from './sample.js';

// ------------------------------------------------------------------------------------- resize

/** Options of {@link resize}. */
export interface ResizeOptions extends LayoutOptions {
  /** `'bilinear'` (default, as torchvision) or `'nearest'`. */
  readonly interpolation?: Interpolation;
}

function resizeTarget(op: string, size: number | readonly [number, number], h: number, w: number): [number, number] {
  if (typeof size === 'number') {
    checkSize(op, 'size', size);
    // torchvision: the smaller edge becomes `size`, the other keeps the aspect ratio.
    return h <= w ? [size, Math.floor((size * w) / h)] : [Math.floor((size * h) / w), size];
  }
  return checkSize(op, 'size', size);
}

/**
 * Resizes images to `size`: `[height, width]`, or one number for the smaller edge (the other
 * keeps the aspect ratio), as torchvision `Resize` with `antialias=False` (half-pixel centres).
 *
 * @throws TensorError `SHAPE_MISMATCH` / `DTYPE_MISMATCH` for input that is not a float32
 *   rank-3/4 image tensor; `INVALID_ARGUMENT` for a bad size, layout or interpolation.
 * @example
 * ```ts
 * const small = resize([16, 16])(images); // [N, C, 16, 16]
 * ```
 */
export function resize(size: number | readonly [number, number], options: ResizeOptions = {}): ImageTransform {
  const op = 'resize';
  const checks = check.all(op);
  checks.options(options, ['interpolation', 'layout']);
  const layout = checkLayout(checks, options?.layout);
  const mode = checkInterpolation(checks, options?.interpolation);
  if (typeof size === 'number') checkSize(checks, 'size', size);
  else checkSize(checks, 'size', size);
  checks.done();
  return defineTransform(op, (images) => {
    const dims = checkImages(op, images, layout);
    const target = resizeTarget(op, size, dims.h, dims.w);
    return inNchw(images, layout, dims, (x) => resizeOp(x, target, { mode }));
  });
}

const INTERPOLATIONS: readonly Interpolation[] = ['bilinear', 'nearest'];

function checkInterpolation(at: string | Checks, mode: unknown): Interpolation {
  return check.into(at, (checks) => checks.oneOf('interpolation', mode ?? 'bilinear', INTERPOLATIONS));
}

// ------------------------------------------------------------------------------------- crops

function checkCropFits(op: string, crop: readonly [number, number], h: number, w: number, shape: readonly number[], what = 'image'): void {
  if (crop[0] > h || crop[1] > w) {
    throw new TensorError('SHAPE_MISMATCH', op, `crop size [${crop[0]}, ${crop[1]}] is larger than the ${what} [${h}, ${w}] (input shape ${fmtShape(shape)})`);
  }
}

/**
 * Crops the centre `size` (`[height, width]` or one number) of every image, with torchvision's
 * offsets `round((H - h) / 2)` (half to even).
 *
 * Deviation: torchvision pads a crop larger than the image; this throws.
 * @throws TensorError `SHAPE_MISMATCH` for a crop larger than the image, and as {@link resize}.
 * @example
 * ```ts
 * centerCrop(24)(images); // [N, C, 24, 24]
 * ```
 */
export function centerCrop(size: number | readonly [number, number], options: LayoutOptions = {}): ImageTransform {
  const op = 'centerCrop';
  checkOptions(op, options, ['layout']);
  const layout = checkLayout(op, options.layout);
  const [ch, cw] = checkSize(op, 'size', size);
  return defineTransform(op, (images) => {
    const dims = checkImages(op, images, layout);
    checkCropFits(op, [ch, cw], dims.h, dims.w, images.shape);
    const top = roundHalfEven((dims.h - ch) / 2);
    const left = roundHalfEven((dims.w - cw) / 2);
    return inNchw(images, layout, dims, (x) => slice(x, [top, left], [top + ch, left + cw], undefined, [2, 3]));
  });
}

/** Padding mode of {@link randomCrop}: torchvision's names. */
export type PaddingMode = 'constant' | 'edge' | 'reflect';

/** Options of {@link randomCrop}. */
export interface RandomCropOptions extends LayoutOptions, RandomSource {
  /** Padding before cropping: all sides, `[leftRight, topBottom]` or `[left, top, right, bottom]` (default 0). */
  readonly padding?: number | readonly [number, number] | readonly [number, number, number, number];
  /** Pad images smaller than the crop (by the difference, on both sides) instead of throwing. */
  readonly padIfNeeded?: boolean;
  /** Value of constant padding (default 0). */
  readonly fill?: number;
  /** `'constant'` (default), `'edge'` or `'reflect'`. */
  readonly paddingMode?: PaddingMode;
}

function checkPadding(at: string | Checks, padding: unknown): [number, number, number, number] {
  const ok = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (padding === undefined) return [0, 0, 0, 0];
  if (ok(padding)) return [padding, padding, padding, padding];
  if (Array.isArray(padding) && padding.every(ok)) {
    const p = padding as number[];
    if (p.length === 2) return [p[0]!, p[1]!, p[0]!, p[1]!];
    if (p.length === 4) return [p[0]!, p[1]!, p[2]!, p[3]!];
  }
  return check.into(at, (checks): [number, number, number, number] => {
    checks.fail('INVALID_ARGUMENT', `padding must be a non-negative integer, [leftRight, topBottom] or [left, top, right, bottom], got ${safeJson(padding)}`, 'padding', padding);
    return [0, 0, 0, 0];
  });
}

function padImages(x: Tensor, [left, top, right, bottom]: readonly number[], mode: PaddingMode, fill: number): Tensor {
  if (left === 0 && top === 0 && right === 0 && bottom === 0) return x;
  const options: PadOptions = mode === 'edge' ? { mode: 'replicate' } : mode === 'reflect' ? { mode: 'reflect' } : { mode: 'constant', value: fill };
  return pad(x, [[0, 0], [0, 0], [top!, bottom!], [left!, right!]], options);
}

/**
 * Crops a random `size` window from every image (a different window per sample), after optional
 * padding, as torchvision `RandomCrop`.
 *
 * @throws TensorError `SHAPE_MISMATCH` for a crop larger than the padded image (unless
 *   `padIfNeeded`); `INVALID_ARGUMENT` for bad sizes, padding or mode; as {@link resize}.
 * @example
 * ```ts
 * const crop = randomCrop(32, { padding: 4, seed: 1 }); // CIFAR-style
 * const out = crop(images); // [N, 3, 32, 32]
 * ```
 */
export function randomCrop(size: number | readonly [number, number], options: RandomCropOptions = {}): ImageTransform {
  const op = 'randomCrop';
  const checks = check.all(op);
  checks.options(options, ['padding', 'padIfNeeded', 'fill', 'paddingMode', 'layout', 'seed', 'generator']);
  const layout = checkLayout(checks, options?.layout);
  const [ch, cw] = checkSize(checks, 'size', size);
  const padding = checkPadding(checks, options?.padding);
  const mode = options?.paddingMode ?? 'constant';
  if (mode !== 'constant' && mode !== 'edge' && mode !== 'reflect') {
    checks.fail('INVALID_ARGUMENT', `paddingMode must be 'constant', 'edge' or 'reflect', got ${safeJson(mode)}`, 'paddingMode', mode);
  }
  const fill = options?.fill ?? 0;
  if (typeof fill !== 'number' || !Number.isFinite(fill)) checks.fail('INVALID_ARGUMENT', `fill must be a finite number, got ${String(fill)}`, 'fill', fill);
  const gen = resolveGenerator(checks, options);
  checks.done();
  return defineTransform(op, (images) => {
    const dims = checkImages(op, images, layout);
    const pads = [...padding];
    let h = dims.h + pads[1]! + pads[3]!;
    let w = dims.w + pads[0]! + pads[2]!;
    if (options.padIfNeeded && h < ch) {
      pads[1]! += ch - h;
      pads[3]! += ch - h;
      h += 2 * (ch - h);
    }
    if (options.padIfNeeded && w < cw) {
      pads[0]! += cw - w;
      pads[2]! += cw - w;
      w += 2 * (cw - w);
    }
    checkCropFits(op, [ch, cw], h, w, images.shape, padding.some((p) => p > 0) ? 'padded image' : 'image');
    const key = gen.nextSeed();
    const offsets = new Int32Array(dims.n);
    for (let i = 0; i < dims.n; i++) {
      const top = Math.floor(keyedUniform(key, 2 * i) * (h - ch + 1));
      const left = Math.floor(keyedUniform(key, 2 * i + 1) * (w - cw + 1));
      offsets[i] = top * w + left;
    }
    return inNchw(images, layout, dims, (x) => {
      const padded = padImages(x, pads, mode, fill);
      // Flat source index of each output pixel: base (r * W + c) plus the sample's offset.
      const base = arange(0, ch, 1, { dtype: 'int32' }).mul(w).reshape([1, ch, 1]).add(arange(0, cw, 1, { dtype: 'int32' }).reshape([1, 1, cw]));
      const flat = base.add(tensor(offsets, [dims.n, 1, 1], { dtype: 'int32' })).reshape([dims.n, ch * cw]);
      return reshape(gatherPixels(padded, flat), [dims.n, dims.c, ch, cw]);
    });
  });
}

/** Options of {@link randomResizedCrop}. */
export interface RandomResizedCropOptions extends LayoutOptions, RandomSource {
  /** Range of the crop's area as a fraction of the image (default `[0.08, 1]`). */
  readonly scale?: readonly [number, number];
  /** Range of the crop's aspect ratio width/height (default `[3/4, 4/3]`, sampled log-uniformly). */
  readonly ratio?: readonly [number, number];
}

/** PyTorch's bilinear taps (half-pixel, clamped) of a crop `[start, start + len)` resized to `out`. */
function cropTaps(start: number, len: number, out: number, i0: Int32Array, i1: Int32Array, l1: Float32Array, offset: number): void {
  const scale = len / out;
  for (let o = 0; o < out; o++) {
    const src = Math.max(0, scale * (o + 0.5) - 0.5);
    const lo = Math.min(Math.floor(src), len - 1);
    i0[offset + o] = start + lo;
    i1[offset + o] = start + (lo < len - 1 ? lo + 1 : lo);
    l1[offset + o] = src - lo;
  }
}

/**
 * Crops a random area and aspect ratio of each image and resizes it to `size`, as torchvision
 * `RandomResizedCrop` (10 tries, then a centre crop), with bilinear resizing without antialias.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a bad size, scale or ratio; as {@link resize}.
 * @example
 * ```ts
 * randomResizedCrop(224, { scale: [0.5, 1], seed: 3 })(images); // [N, C, 224, 224]
 * ```
 */
export function randomResizedCrop(size: number | readonly [number, number], options: RandomResizedCropOptions = {}): ImageTransform {
  const op = 'randomResizedCrop';
  const checks = check.all(op);
  checks.options(options, ['scale', 'ratio', 'layout', 'seed', 'generator']);
  const layout = checkLayout(checks, options?.layout);
  const [oh, ow] = checkSize(checks, 'size', size);
  const [s0, s1] = checkRange(checks, 'scale', options?.scale ?? [0.08, 1], { min: 0 });
  const [r0, r1] = checkRange(checks, 'ratio', options?.ratio ?? [3 / 4, 4 / 3], { min: 0 });
  if (s1 <= 0 || r0 <= 0) checks.fail('INVALID_ARGUMENT', `scale and ratio must be positive, got scale ${safeJson(options?.scale)} and ratio ${safeJson(options?.ratio)}`, 'scale');
  const gen = resolveGenerator(checks, options);
  checks.done();
  return defineTransform(op, (images) => {
    const dims = checkImages(op, images, layout);
    const { n, h, w } = dims;
    const key = gen.nextSeed();
    const y0 = new Int32Array(n * oh);
    const y1 = new Int32Array(n * oh);
    const ly = new Float32Array(n * oh);
    const x0 = new Int32Array(n * ow);
    const x1 = new Int32Array(n * ow);
    const lx = new Float32Array(n * ow);
    const area = h * w;
    for (let i = 0; i < n; i++) {
      let box: [number, number, number, number] | undefined;
      for (let attempt = 0; attempt < 10 && !box; attempt++) {
        const u = (k: number): number => keyedUniform(key, (i * 10 + attempt) * 4 + k);
        const target = area * (s0 + (s1 - s0) * u(0));
        const aspect = Math.exp(Math.log(r0) + (Math.log(r1) - Math.log(r0)) * u(1));
        const cw = roundHalfEven(Math.sqrt(target * aspect));
        const ch = roundHalfEven(Math.sqrt(target / aspect));
        if (cw > 0 && cw <= w && ch > 0 && ch <= h) box = [Math.floor(u(2) * (h - ch + 1)), Math.floor(u(3) * (w - cw + 1)), ch, cw];
      }
      if (!box) {
        // torchvision's fallback: the largest centred crop within the ratio range.
        const inRatio = w / h;
        let cw = w;
        let ch = h;
        if (inRatio < r0) ch = roundHalfEven(w / r0);
        else if (inRatio > r1) cw = roundHalfEven(h * r1);
        box = [Math.floor((h - ch) / 2), Math.floor((w - cw) / 2), ch, cw];
      }
      cropTaps(box[0], box[2], oh, y0, y1, ly, i * oh);
      cropTaps(box[1], box[3], ow, x0, x1, lx, i * ow);
    }
    return inNchw(images, layout, dims, (x) => {
      const lerp = (a: Tensor, b: Tensor, t: Tensor): Tensor => a.add(b.sub(a).mul(t));
      const rows = lerp(gatherRows(x, tensor(y0, [n, oh])), gatherRows(x, tensor(y1, [n, oh])), tensor(ly, [n, 1, oh, 1]));
      return lerp(gatherCols(rows, tensor(x0, [n, ow])), gatherCols(rows, tensor(x1, [n, ow])), tensor(lx, [n, 1, 1, ow]));
    });
  });
}

// ------------------------------------------------------------------------------------- flips

/** Options of the random flips. */
export interface RandomFlipOptions extends LayoutOptions, RandomSource {
  /** Probability that a sample is flipped (default 0.5). */
  readonly p?: number;
}

function randomFlip(op: string, axis: 2 | 3, options: RandomFlipOptions): ImageTransform {
  const checks = check.all(op);
  checks.options(options, ['p', 'layout', 'seed', 'generator']);
  const layout = checkLayout(checks, options?.layout);
  const p = checkProbability(checks, options?.p ?? 0.5);
  const gen = resolveGenerator(checks, options);
  checks.done();
  return defineTransform(op, (images) => {
    const dims = checkImages(op, images, layout);
    const key = gen.nextSeed();
    const chosen = Array.from({ length: dims.n }, (_, i) => keyedUniform(key, i) < p);
    return inNchw(images, layout, dims, (x) => {
      if (chosen.every((c) => !c)) return x;
      const flipped = flip(x, axis);
      return chosen.every((c) => c) ? flipped : where(perSampleMask(chosen), flipped, x);
    });
  });
}

/**
 * Mirrors each sample left–right with probability `p` (default 0.5).
 * @throws TensorError as {@link resize}; `INVALID_ARGUMENT` for `p` outside `[0, 1]`.
 * @example
 * ```ts
 * randomHorizontalFlip({ seed: 0 })(images);
 * ```
 */
export function randomHorizontalFlip(options: RandomFlipOptions = {}): ImageTransform {
  return randomFlip('randomHorizontalFlip', 3, options);
}

/**
 * Mirrors each sample top–bottom with probability `p` (default 0.5).
 * @throws TensorError as {@link randomHorizontalFlip}.
 * @example
 * ```ts
 * randomVerticalFlip({ p: 0.2, seed: 0 })(images);
 * ```
 */
export function randomVerticalFlip(options: RandomFlipOptions = {}): ImageTransform {
  return randomFlip('randomVerticalFlip', 2, options);
}

// ------------------------------------------------------------------------------------- rotation, affine

/** Options shared by rotation and affine maps. */
export interface WarpOptions extends LayoutOptions {
  /** `'bilinear'` (default here; torchvision defaults to nearest) or `'nearest'`. */
  readonly interpolation?: Interpolation;
  /** Value of pixels that come from outside the image: a number or one per channel (default 0). */
  readonly fill?: number | readonly number[];
  /** Centre of rotation in pixel coordinates `[x, y]` (default: the image centre). */
  readonly center?: readonly [number, number];
}

/** Affine parameters of {@link affine}. */
export interface AffineParams {
  /** Rotation in degrees, clockwise (torchvision `affine`). */
  readonly angle?: number;
  /** Translation `[x, y]` in pixels. */
  readonly translate?: readonly [number, number];
  /** Scale factor (default 1). */
  readonly scale?: number;
  /** Shear in degrees, `[x, y]` or one number for x. */
  readonly shear?: number | readonly [number, number];
}

function warpSetup(op: string, options: WarpOptions): { layout: ReturnType<typeof checkLayout>; mode: Interpolation } {
  const layout = checkLayout(op, options.layout);
  const mode = checkInterpolation(op, options.interpolation);
  if (options.center !== undefined && !(Array.isArray(options.center) && options.center.length === 2 && options.center.every(Number.isFinite))) {
    throw new TensorError('INVALID_ARGUMENT', op, `center must be [x, y] in pixels, got ${JSON.stringify(options.center)}`);
  }
  return { layout, mode };
}

function centerOf(center: readonly [number, number] | undefined, h: number, w: number): [number, number] {
  // torchvision: pixel coordinates shifted so that (0, 0) is the image centre.
  return center ? [center[0] - w * 0.5, center[1] - h * 0.5] : [0, 0];
}

function warp(op: string, images: Tensor, options: WarpOptions, matrixOf: (i: number, h: number, w: number) => readonly number[]): Tensor {
  const { layout, mode } = warpSetup(op, options);
  const dims = checkImages(op, images, layout);
  const matrices = new Float64Array(dims.n * 6);
  for (let i = 0; i < dims.n; i++) matrices.set(matrixOf(i, dims.h, dims.w), i * 6);
  return inNchw(images, layout, dims, (x) => affineSample(x, matrices, mode, fillValue(op, options.fill ?? 0, dims.c)));
}

/**
 * Rotates every image by `angle` degrees counter-clockwise about its centre (torchvision
 * `rotate` with `expand=False`); pixels from outside take `fill`.
 *
 * @throws TensorError as {@link resize}; `INVALID_ARGUMENT` for a non-finite angle.
 * @example
 * ```ts
 * rotate(images, 90); // a quarter turn
 * ```
 */
export function rotate(images: Tensor, angle: number, options: WarpOptions = {}): Tensor {
  const op = 'rotate';
  checkOptions(op, options, ['interpolation', 'fill', 'center', 'layout']);
  if (typeof angle !== 'number' || !Number.isFinite(angle)) throw new TensorError('INVALID_ARGUMENT', op, `angle must be a finite number of degrees, got ${String(angle)}`);
  return warp(op, images, options, (_, h, w) => inverseAffineMatrix(centerOf(options.center, h, w), -angle, [0, 0], 1, [0, 0]));
}

function checkAffine(op: string, params: AffineParams): { angle: number; translate: [number, number]; scale: number; shear: [number, number] } {
  const angle = params.angle ?? 0;
  const translate = params.translate ?? [0, 0];
  const scale = params.scale ?? 1;
  const shearIn = params.shear ?? 0;
  const shear: [number, number] = typeof shearIn === 'number' ? [shearIn, 0] : [shearIn[0], shearIn[1]];
  if (!Number.isFinite(angle)) throw new TensorError('INVALID_ARGUMENT', op, `angle must be finite, got ${angle}`);
  if (!(Array.isArray(translate) && translate.length === 2 && translate.every(Number.isFinite))) throw new TensorError('INVALID_ARGUMENT', op, `translate must be [x, y], got ${JSON.stringify(translate)}`);
  if (!(scale > 0) || !Number.isFinite(scale)) throw new TensorError('INVALID_ARGUMENT', op, `scale must be positive, got ${scale}`);
  if (!shear.every(Number.isFinite)) throw new TensorError('INVALID_ARGUMENT', op, `shear must be finite, got ${JSON.stringify(shearIn)}`);
  return { angle, translate: [translate[0], translate[1]], scale, shear };
}

/**
 * Applies one affine map to every image, as torchvision `affine`: rotation `angle` (degrees,
 * clockwise), then scale and shear about the centre, then translation.
 *
 * @throws TensorError as {@link rotate}; `INVALID_ARGUMENT` for a non-positive scale.
 * @example
 * ```ts
 * affine(images, { translate: [2, 0] }); // shift right by 2 pixels
 * ```
 */
export function affine(images: Tensor, params: AffineParams, options: WarpOptions = {}): Tensor {
  const op = 'affine';
  checkOptions(op, options, ['interpolation', 'fill', 'center', 'layout']);
  const p = checkAffine(op, params);
  return warp(op, images, options, (_, h, w) => inverseAffineMatrix(centerOf(options.center, h, w), p.angle, p.translate, p.scale, p.shear));
}

/** Options of {@link randomRotation}. */
export interface RandomRotationOptions extends WarpOptions, RandomSource {}

/**
 * Rotates each sample by an angle drawn uniformly from `degrees` (`[min, max]`, or `d` for
 * `[-d, d]`), counter-clockwise, as torchvision `RandomRotation` (bilinear by default here).
 *
 * @throws TensorError `INVALID_ARGUMENT` for bad degrees, fill or center; as {@link resize}.
 * @example
 * ```ts
 * randomRotation(15, { seed: 2, fill: 0 })(images);
 * ```
 */
export function randomRotation(degrees: number | readonly [number, number], options: RandomRotationOptions = {}): ImageTransform {
  const op = 'randomRotation';
  checkOptions(op, options, ['interpolation', 'fill', 'center', 'layout', 'seed', 'generator']);
  const [d0, d1] = checkRange(op, 'degrees', degrees);
  warpSetup(op, options);
  const gen = resolveGenerator(op, options);
  return defineTransform(op, (images) => {
    const key = gen.nextSeed();
    return warp(op, images, options, (i, h, w) => {
      const angle = d0 + (d1 - d0) * keyedUniform(key, i);
      return inverseAffineMatrix(centerOf(options.center, h, w), -angle, [0, 0], 1, [0, 0]);
    });
  });
}

/** Options of {@link randomAffine}. */
export interface RandomAffineOptions extends WarpOptions, RandomSource {
  /** Rotation range in degrees (`d` for `[-d, d]`; default 0). */
  readonly degrees?: number | readonly [number, number];
  /** Maximum translation as fractions `[x, y]` of the width and height. */
  readonly translate?: readonly [number, number];
  /** Scale range `[min, max]`. */
  readonly scale?: readonly [number, number];
  /** Shear range in degrees: `s` for x in `[-s, s]`, `[min, max]` for x, or `[xMin, xMax, yMin, yMax]`. */
  readonly shear?: number | readonly [number, number] | readonly [number, number, number, number];
}

/**
 * A random affine map per sample, as torchvision `RandomAffine`: angle, translation (rounded to
 * whole pixels), scale and shear drawn uniformly from their ranges.
 *
 * @throws TensorError `INVALID_ARGUMENT` for bad ranges; as {@link resize}.
 * @example
 * ```ts
 * randomAffine({ degrees: 10, translate: [0.1, 0.1], scale: [0.9, 1.1], shear: 5, seed: 4 })(images);
 * ```
 */
export function randomAffine(options: RandomAffineOptions = {}): ImageTransform {
  const op = 'randomAffine';
  checkOptions(op, options, ['degrees', 'translate', 'scale', 'shear', 'interpolation', 'fill', 'center', 'layout', 'seed', 'generator']);
  const [a0, a1] = checkRange(op, 'degrees', options.degrees ?? 0);
  const translate = options.translate;
  if (translate !== undefined && !(Array.isArray(translate) && translate.length === 2 && translate.every((t) => Number.isFinite(t) && t >= 0 && t <= 1))) {
    throw new TensorError('INVALID_ARGUMENT', op, `translate must be [x, y] fractions in [0, 1], got ${JSON.stringify(translate)}`);
  }
  const [sc0, sc1] = options.scale === undefined ? [1, 1] : checkRange(op, 'scale', options.scale, { min: 0 });
  if (sc0 <= 0) throw new TensorError('INVALID_ARGUMENT', op, `scale must be positive, got ${JSON.stringify(options.scale)}`);
  let shear: [number, number, number, number] = [0, 0, 0, 0];
  const s = options.shear;
  if (typeof s === 'number') shear = [...checkRange(op, 'shear', s), 0, 0];
  else if (Array.isArray(s) && s.length === 2) shear = [...checkRange(op, 'shear', [s[0]!, s[1]!]), 0, 0];
  else if (Array.isArray(s) && s.length === 4) shear = [...checkRange(op, 'shear', [s[0]!, s[1]!]), ...checkRange(op, 'shear', [s[2]!, s[3]!])];
  else if (s !== undefined) throw new TensorError('INVALID_ARGUMENT', op, `shear must be a number, [min, max] or [xMin, xMax, yMin, yMax], got ${JSON.stringify(s)}`);
  warpSetup(op, options);
  const gen = resolveGenerator(op, options);
  return defineTransform(op, (images) => {
    const key = gen.nextSeed();
    return warp(op, images, options, (i, h, w) => {
      const u = (k: number): number => keyedUniform(key, i * 6 + k);
      const angle = a0 + (a1 - a0) * u(0);
      const tx = translate ? roundHalfEven((2 * u(1) - 1) * translate[0] * w) : 0;
      const ty = translate ? roundHalfEven((2 * u(2) - 1) * translate[1] * h) : 0;
      const scale = sc0 + (sc1 - sc0) * u(3);
      const shx = shear[0] + (shear[1] - shear[0]) * u(4);
      const shy = shear[2] + (shear[3] - shear[2]) * u(5);
      return inverseAffineMatrix(centerOf(options.center, h, w), angle, [tx, ty], scale, [shx, shy]);
    });
  });
}
