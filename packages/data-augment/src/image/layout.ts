/**
 * What every image transform shares: the transform type, input validation (rank, dtype, layout,
 * channels) and the NHWC ↔ NCHW plumbing. Transforms compute in NCHW; channels-last input is
 * permuted in and out.
 */
import { Tensor, TensorError, check, fmtShape, permute, safeJson, tidy, unsqueeze, squeeze, tensor, type Checks } from '@tessera/tensor-core';

/** Memory layout of an image batch: channels first (PyTorch) or channels last (TensorFlow). */
export type Layout = 'NCHW' | 'NHWC';

const LAYOUTS: readonly Layout[] = ['NCHW', 'NHWC'];

/** Options every image transform takes. */
export interface LayoutOptions {
  /**
   * `'NCHW'` (default): `[N, C, H, W]` batches or `[C, H, W]` images. `'NHWC'`: `[N, H, W, C]`
   * or `[H, W, C]`.
   */
  readonly layout?: Layout;
}

/**
 * An image transform: a function from a float32 batch to a new batch (the input is not
 * disposed). Random transforms keep a call counter, so calling one twice gives two different
 * (but reproducible) results.
 */
export interface ImageTransform {
  (images: Tensor): Tensor;
  /** The transform's name, for messages (`'randomCrop'`, `'compose'`, ...). */
  readonly transformName: string;
}

/** Wraps `fn` as an {@link ImageTransform} called `name`. */
export function defineTransform(name: string, fn: (images: Tensor) => Tensor): ImageTransform {
  const t = ((images: Tensor) => fn(images)) as ImageTransform & { transformName: string };
  Object.defineProperty(t, 'transformName', { value: name, enumerable: true });
  Object.defineProperty(t, 'name', { value: name });
  return t;
}

/** Checks `layout`: `'NCHW'` (default) or `'NHWC'`; recorded into `at` when it is the call's collector. */
export function checkLayout(at: string | Checks, layout: unknown): Layout {
  return check.into(at, (checks) => checks.oneOf('layout', layout ?? 'NCHW', LAYOUTS));
}

/** Dimensions of a validated image batch, in NCHW terms. */
export interface ImageDims {
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  /** Whether the input was a single image (rank 3). */
  readonly unbatched: boolean;
}

/**
 * Validates an image batch for `op`: a float32 tensor of rank 4 (or 3 for one image) with
 * non-empty spatial axes, and, where `channels` is given, a channel count among them.
 */
export function checkImages(op: string, x: unknown, layout: Layout, channels?: readonly number[]): ImageDims {
  if (!(x instanceof Tensor)) {
    throw new TensorError('INVALID_ARGUMENT', op, `images must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  }
  if (x.isDisposed) throw new TensorError('TENSOR_DISPOSED', op, `images ${x.toString()} was disposed`);
  const expected = layout === 'NCHW' ? '[N, C, H, W] (or [C, H, W])' : '[N, H, W, C] (or [H, W, C])';
  if (x.rank !== 3 && x.rank !== 4) {
    throw new TensorError('SHAPE_MISMATCH', op, `images must be rank 4 ${expected} for layout ${layout}, got rank ${x.rank} shape ${fmtShape(x.shape)}`);
  }
  if (x.dtype !== 'float32') {
    throw new TensorError('DTYPE_MISMATCH', op, `images must be float32 (values in [0, 1]), got ${x.dtype} with shape ${fmtShape(x.shape)}`);
  }
  const s = x.rank === 4 ? x.shape : [1, ...x.shape];
  const [n, c, h, w] = layout === 'NCHW' ? [s[0]!, s[1]!, s[2]!, s[3]!] : [s[0]!, s[3]!, s[1]!, s[2]!];
  if (h === 0 || w === 0) throw new TensorError('SHAPE_MISMATCH', op, `images must have non-empty height and width, got shape ${fmtShape(x.shape)} (layout ${layout})`);
  if (channels && !channels.includes(c)) {
    const other = layout === 'NCHW' ? 'NHWC' : 'NCHW';
    throw new TensorError(
      'SHAPE_MISMATCH',
      op,
      `expects ${channels.join(' or ')} channels, got C=${c} from shape ${fmtShape(x.shape)} read as layout ${layout}; if the data is ${other}, pass layout: '${other}'`,
    );
  }
  return { n, c, h, w, unbatched: x.rank === 3 };
}

/**
 * Runs `fn` on `x` as an NCHW batch inside `tidy`, converting from and back to the caller's
 * layout and rank. `fn` may return a different spatial size.
 */
export function inNchw(x: Tensor, layout: Layout, dims: ImageDims, fn: (x4: Tensor) => Tensor): Tensor {
  return tidy(() => {
    let x4 = dims.unbatched ? unsqueeze(x, 0) : x;
    if (layout === 'NHWC') x4 = permute(x4, [0, 3, 1, 2]);
    let y = fn(x4);
    if (layout === 'NHWC') y = permute(y, [0, 2, 3, 1]);
    if (dims.unbatched) y = squeeze(y, 0);
    // Always hand back a fresh tensor, never the caller's.
    return y === x ? y.reshape([...y.shape]) : y;
  });
}

/** Validates a `[min, max]` range or a symmetric `value` → `[center - value, center + value]`; recorded into `at` when it is the call's collector. */
export function checkRange(
  at: string | Checks,
  name: string,
  value: number | readonly [number, number],
  options: { center?: number; min?: number; max?: number } = {},
): [number, number] {
  const { center = 0, min = -Infinity, max = Infinity } = options;
  return check.into(at, (checks): [number, number] => {
    if (typeof value === 'number') {
      if (!Number.isFinite(value) || value < 0) checks.fail('INVALID_ARGUMENT', `${name} must be a non-negative number or a [min, max] pair, got ${value}`, name, value);
      return [Math.max(min, center - value), Math.min(max, center + value)];
    }
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      if (value[0] > value[1]) checks.fail('INVALID_ARGUMENT', `${name} must be [min, max] with min <= max, got ${safeJson(value)}`, name, value);
      else if (value[0] < min || value[1] > max) checks.fail('INVALID_ARGUMENT', `${name} must lie within [${min}, ${max}], got ${safeJson(value)}`, name, value);
      return [value[0], value[1]];
    }
    checks.fail('INVALID_ARGUMENT', `${name} must be a number or a [min, max] pair, got ${safeJson(value)}`, name, value);
    return [center, center];
  });
}

/** Validates a probability in `[0, 1]`; recorded into `at` when it is the call's collector. */
export function checkProbability(at: string | Checks, p: unknown, name = 'p'): number {
  return check.into(at, (checks) => checks.number(name, p, { min: 0, max: 1 }));
}

/** A fill value (one number, or one per channel) as a number or a `[1, C, 1, 1]` tensor. */
export function fillValue(op: string, fill: number | readonly number[], channels: number): number | Tensor {
  if (typeof fill === 'number') {
    if (!Number.isFinite(fill)) throw new TensorError('INVALID_ARGUMENT', op, `fill must be finite, got ${fill}`);
    return fill;
  }
  if (!Array.isArray(fill) || !fill.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new TensorError('INVALID_ARGUMENT', op, `fill must be a number or an array of numbers, got ${JSON.stringify(fill)}`);
  }
  if (fill.length === 1) return fill[0]!;
  if (fill.length !== channels) {
    throw new TensorError('SHAPE_MISMATCH', op, `fill has ${fill.length} values but the images have ${channels} channels`);
  }
  return tensor(Float32Array.from(fill), [1, channels, 1, 1]);
}

/** A positive integer size, or a pair `[h, w]`, as `[h, w]`; recorded into `at` when it is the call's collector. */
export function checkSize(at: string | Checks, name: string, size: unknown): [number, number] {
  return check.into(at, (checks): [number, number] => {
    const ok = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;
    if (ok(size)) return [size, size];
    if (Array.isArray(size) && size.length === 2 && ok(size[0]) && ok(size[1])) return [size[0], size[1]];
    checks.fail('INVALID_ARGUMENT', `${name} must be a positive integer or [height, width] of positive integers, got ${safeJson(size)}`, name, size);
    return [1, 1];
  });
}

/** Python's `round` (half to even), as torchvision uses for crop offsets. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
