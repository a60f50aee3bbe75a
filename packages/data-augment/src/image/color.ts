/**
 * Colour transforms on float images in `[0, 1]`: grayscale, colour jitter (brightness, contrast,
 * saturation, hue through RGB ↔ HSV as torchvision), and normalisation. All tensor ops.
 */
import { check, checkOptions, Tensor, TensorError, concat, floor, mod, reshape, split, tensor, where } from '@tessera/tensor-core';
import { keyedUniform, permutation, resolveGenerator, type RandomSource } from '../random.js';
import { checkImages, checkLayout, checkRange, defineTransform, inNchw, type ImageTransform, type LayoutOptions } from './layout.js';
import { perSample } from './sample.js';

/** torchvision's luma weights (ITU-R 601-2 as PIL, `0.2989` rather than `0.299`). */
export const GRAY_WEIGHTS = [0.2989, 0.587, 0.114] as const;

/** `[N, 3, H, W]` → `[N, 1, H, W]` luma. */
function luma(x: Tensor): Tensor {
  return x.mul(tensor(Float32Array.from(GRAY_WEIGHTS), [1, 3, 1, 1])).sum(1, true);
}

/** `clamp(ratio * a + (1 - ratio) * b, 0, 1)` (torchvision `_blend`). */
function blend(a: Tensor, b: Tensor, ratio: Tensor): Tensor {
  // b + ratio * (a - b): three passes over the batch instead of five.
  return a.sub(b).mul(ratio).add(b).clamp(0, 1);
}

/** Options of {@link grayscale}. */
export interface GrayscaleOptions extends LayoutOptions {
  /** 1 (default) or 3 (the gray value repeated). */
  readonly numOutputChannels?: 1 | 3;
}

/**
 * Converts RGB images to grayscale with torchvision's weights `0.2989 R + 0.587 G + 0.114 B`.
 * One-channel input passes through (repeated to 3 channels if asked).
 *
 * @throws TensorError `SHAPE_MISMATCH` unless the images have 1 or 3 channels (a hint names the
 *   other layout); `DTYPE_MISMATCH` for non-float32 input; `INVALID_ARGUMENT` for a bad option.
 * @example
 * ```ts
 * grayscale()(rgb); // [N, 1, H, W]
 * ```
 */
export function grayscale(options: GrayscaleOptions = {}): ImageTransform {
  const op = 'grayscale';
  checkOptions(op, options, ['numOutputChannels', 'layout']);
  const layout = checkLayout(op, options.layout);
  const out = options.numOutputChannels ?? 1;
  if (out !== 1 && out !== 3) throw new TensorError('INVALID_ARGUMENT', op, `numOutputChannels must be 1 or 3, got ${String(out)}`);
  return defineTransform(op, (images) => {
    const dims = checkImages(op, images, layout, [1, 3]);
    return inNchw(images, layout, dims, (x) => {
      const g = dims.c === 3 ? luma(x) : x;
      return out === 3 ? concat([g, g, g], 1) : g;
    });
  });
}

// ------------------------------------------------------------------------------------- jitter

/** `[N, 3, H, W]` RGB → HSV (torchvision `_rgb_to_hsv`), each in `[0, 1]`. */
export function rgbToHsv(x: Tensor): Tensor {
  const [r, g, b] = split(x, 1, 1) as [Tensor, Tensor, Tensor];
  const maxc = x.max(1, true);
  const minc = x.min(1, true);
  const eqc = maxc.equal(minc);
  const range = maxc.sub(minc);
  const s = range.div(where(eqc, 1, maxc));
  const divisor = where(eqc, 1, range);
  const rc = maxc.sub(r).div(divisor);
  const gc = maxc.sub(g).div(divisor);
  const bc = maxc.sub(b).div(divisor);
  const maxIsR = maxc.equal(r);
  const maxIsG = maxc.equal(g).logicalAnd(maxIsR.logicalNot());
  const hr = bc.sub(gc);
  const hg = rc.add(2).sub(bc);
  const hb = gc.add(4).sub(rc);
  const h = where(maxIsR, hr, where(maxIsG, hg, hb));
  return concat([mod(h.div(6).add(1), 1), s, maxc], 1);
}

/** `[N, 3, H, W]` HSV → RGB (torchvision `_hsv_to_rgb`). */
export function hsvToRgb(x: Tensor): Tensor {
  const [h, s, v] = split(x, 1, 1) as [Tensor, Tensor, Tensor];
  const h6 = h.mul(6);
  const i = floor(h6);
  const f = h6.sub(i);
  const sector = mod(i, 6);
  const p = s.neg().add(1).mul(v).clamp(0, 1);
  const q = s.mul(f).neg().add(1).mul(v).clamp(0, 1);
  const t = s.mul(f.neg().add(1)).neg().add(1).mul(v).clamp(0, 1);
  // Sector → (r, g, b) picks among v, p, q, t (torchvision's select table).
  const pick = (table: readonly Tensor[]): Tensor => {
    let out = table[5]!;
    for (let k = 4; k >= 0; k--) out = where(sector.equal(k), table[k]!, out);
    return out;
  };
  return concat([pick([v, q, p, p, t, v]), pick([t, v, v, q, p, p]), pick([p, p, t, v, v, q])], 1);
}

/** Options of {@link colorJitter}: each a non-negative spread or an explicit `[min, max]`. */
export interface ColorJitterOptions extends LayoutOptions, RandomSource {
  /** Brightness factor range: `b` for `[max(0, 1 - b), 1 + b]`. */
  readonly brightness?: number | readonly [number, number];
  /** Contrast factor range, as brightness. */
  readonly contrast?: number | readonly [number, number];
  /** Saturation factor range, as brightness. */
  readonly saturation?: number | readonly [number, number];
  /** Hue shift range in turns: `h` for `[-h, h]`, within `[-0.5, 0.5]`. */
  readonly hue?: number | readonly [number, number];
}

/**
 * Randomly changes brightness, contrast, saturation and hue, as torchvision `ColorJitter`: the
 * four adjustments run in a random order (one order per call), each sample with its own factors.
 * Saturation and hue leave one-channel images unchanged.
 *
 * @throws TensorError `SHAPE_MISMATCH` unless the images have 1 or 3 channels; `INVALID_ARGUMENT`
 *   for negative spreads or a hue outside `[-0.5, 0.5]`; `DTYPE_MISMATCH` for non-float32 input.
 * @example
 * ```ts
 * colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, seed: 5 })(images);
 * ```
 */
export function colorJitter(options: ColorJitterOptions = {}): ImageTransform {
  const op = 'colorJitter';
  const checks = check.all(op);
  const o = checks.options(options, ['brightness', 'contrast', 'saturation', 'hue', 'layout', 'seed', 'generator']);
  const layout = checkLayout(checks, o.layout);
  const factor = (name: 'brightness' | 'contrast' | 'saturation'): [number, number] | undefined => {
    const v = o[name];
    if (v === undefined) return undefined;
    const r = checkRange(checks, name, v, { center: 1, min: 0 });
    return r[0] === 1 && r[1] === 1 ? undefined : r;
  };
  const ranges = [factor('brightness'), factor('contrast'), factor('saturation'), undefined as [number, number] | undefined];
  if (o.hue !== undefined) {
    if (typeof o.hue === 'number' && !(o.hue >= 0 && o.hue <= 0.5)) {
      checks.fail('INVALID_ARGUMENT', `hue must lie within [-0.5, 0.5]: a spread in [0, 0.5] or a [min, max] pair, got ${o.hue}`, 'hue', o.hue);
    } else {
      const r = checkRange(checks, 'hue', o.hue, { min: -0.5, max: 0.5 });
      ranges[3] = r[0] === 0 && r[1] === 0 ? undefined : r;
    }
  }
  const gen = resolveGenerator(checks, o);
  checks.done();
  return defineTransform(op, (images) => {
    const dims = checkImages(op, images, layout, [1, 3]);
    const key = gen.nextSeed();
    const order = permutation(4, key);
    const factors = ranges.map((r, k) => (r ? Array.from({ length: dims.n }, (_, i) => r[0] + (r[1] - r[0]) * keyedUniform(key, 4 + i * 4 + k)) : undefined));
    return inNchw(images, layout, dims, (x) => applyColor(x, dims.c, order, factors));
  });
}

/**
 * Applies the adjustments `order` (0 brightness, 1 contrast, 2 saturation, 3 hue) with per-sample
 * `factors[k]` (undefined = skip) to NCHW `x`.
 */
function applyColor(x: Tensor, channels: number, order: ArrayLike<number>, factors: readonly (readonly number[] | undefined)[]): Tensor {
  let y = x;
  for (let o = 0; o < order.length; o++) {
    const k = order[o]!;
    const f = factors[k];
    if (!f) continue;
    const ratio = perSample(f);
    if (k === 0) y = y.mul(ratio).clamp(0, 1);
    else if (k === 1) y = blend(y, (channels === 3 ? luma(y) : y).mean([1, 2, 3], true), ratio);
    else if (k === 2 && channels === 3) y = blend(y, luma(y), ratio);
    else if (k === 3 && channels === 3) {
      const hsv = split(rgbToHsv(y), 1, 1) as [Tensor, Tensor, Tensor];
      y = hsvToRgb(concat([mod(hsv[0].add(ratio), 1), hsv[1], hsv[2]], 1));
    }
  }
  return y;
}

/** Options of {@link adjustColor}: fixed factors (1 and 0 hue = unchanged). */
export interface AdjustColorOptions extends LayoutOptions {
  readonly brightness?: number;
  readonly contrast?: number;
  readonly saturation?: number;
  readonly hue?: number;
}

/**
 * Applies fixed brightness, contrast, saturation and hue factors in that order (torchvision's
 * `adjust_brightness`, `adjust_contrast`, `adjust_saturation`, `adjust_hue`).
 *
 * @throws TensorError as {@link colorJitter}.
 * @example
 * ```ts
 * adjustColor(images, { brightness: 1.2, hue: 0.05 });
 * ```
 */
export function adjustColor(images: Tensor, options: AdjustColorOptions): Tensor {
  const op = 'adjustColor';
  checkOptions(op, options, ['brightness', 'contrast', 'saturation', 'hue', 'layout']);
  const layout = checkLayout(op, options?.layout);
  const factors = (['brightness', 'contrast', 'saturation', 'hue'] as const).map((name) => {
    const v = options[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || (name !== 'hue' && v < 0)) {
      throw new TensorError('INVALID_ARGUMENT', op, `${name} must be a ${name === 'hue' ? 'finite' : 'non-negative'} number, got ${String(v)}`);
    }
    if (name === 'hue' && Math.abs(v) > 0.5) throw new TensorError('INVALID_ARGUMENT', op, `hue must be in [-0.5, 0.5], got ${v}`);
    return v === (name === 'hue' ? 0 : 1) ? undefined : v;
  });
  const dims = checkImages(op, images, layout, [1, 3]);
  const perSampleFactors = factors.map((f) => (f === undefined ? undefined : new Array<number>(dims.n).fill(f)));
  return inNchw(images, layout, dims, (x) => applyColor(x, dims.c, [0, 1, 2, 3], perSampleFactors));
}

// ------------------------------------------------------------------------------------- normalize

/** Options of {@link normalize}. */
export interface NormalizeOptions extends LayoutOptions {
  /** Per-channel mean (or one value for all channels). */
  readonly mean: number | readonly number[];
  /** Per-channel standard deviation, non-zero. */
  readonly std: number | readonly number[];
}

/**
 * `(x - mean[c]) / std[c]` per channel, as torchvision `Normalize`.
 *
 * @throws TensorError `SHAPE_MISMATCH` when mean/std do not have one value per channel;
 *   `INVALID_ARGUMENT` for a zero or non-finite std; as {@link resize}.
 * @example
 * ```ts
 * normalize({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] })(images);
 * ```
 */
export function normalize(options: NormalizeOptions): ImageTransform {
  const op = 'normalize';
  checkOptions(op, options, ['mean', 'std', 'layout']);
  const layout = checkLayout(op, options?.layout);
  const list = (name: 'mean' | 'std'): number[] => {
    const v = options?.[name];
    const arr = typeof v === 'number' ? [v] : Array.isArray(v) ? [...v] : undefined;
    if (!arr || arr.length === 0 || !arr.every((e) => typeof e === 'number' && Number.isFinite(e))) {
      throw new TensorError('INVALID_ARGUMENT', op, `${name} must be a finite number or an array of them, got ${JSON.stringify(v)}`);
    }
    return arr;
  };
  const mean = list('mean');
  const std = list('std');
  if (std.some((s) => s === 0)) throw new TensorError('INVALID_ARGUMENT', op, `std must be non-zero, got ${JSON.stringify(std)}`);
  return defineTransform(op, (images) => {
    const dims = checkImages(op, images, layout);
    for (const [name, arr] of [['mean', mean], ['std', std]] as const) {
      if (arr.length !== 1 && arr.length !== dims.c) {
        throw new TensorError('SHAPE_MISMATCH', op, `${name} has ${arr.length} values but the images have ${dims.c} channels (shape ${JSON.stringify(images.shape)}, layout ${layout})`);
      }
    }
    return inNchw(images, layout, dims, (x) => {
      const column = (arr: number[]): Tensor => reshape(tensor(Float32Array.from(arr.length === 1 ? new Array<number>(dims.c).fill(arr[0]!) : arr)), [1, dims.c, 1, 1]);
      return x.sub(column(mean)).div(column(std));
    });
  });
}

