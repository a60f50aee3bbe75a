/**
 * Between pixels and tensors, without Node APIs: RGBA bytes ↔ `[C, H, W]` float32 in `[0, 1]`,
 * browser `ImageData` / `ImageBitmap` input, and the image grid behind `saveImageGrid`.
 */
import { checkOptions, optionKeys, Tensor, TensorError, concat, fmtShape, full, pad, permute, reshape, tensor, tidy } from '@tessera/tensor-core';
import { checkImages, checkLayout, type LayoutOptions } from './layout.js';

/** Options of the decoders. */
export interface DecodeOptions extends LayoutOptions {
  /** Channels of the result: 1 (luma), 3 (RGB, default) or 4 (RGBA). */
  readonly channels?: 1 | 3 | 4;
}

/** Width, height and RGBA bytes (row-major, 4 bytes a pixel), as `ImageData`. */
export interface RgbaPixels {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/**
 * RGBA bytes → a float32 image `[C, H, W]` (or `[H, W, C]` with `layout: 'NHWC'`) in `[0, 1]`.
 * One channel is torchvision's luma of RGB.
 *
 * @throws TensorError `INVALID_ARGUMENT` for bad sizes, a byte count that is not `4 * W * H` or
 *   a channel count other than 1, 3, 4.
 * @example
 * ```ts
 * fromPixels({ width: 1, height: 1, data: new Uint8Array([255, 0, 0, 255]) }); // [[[1]], [[0]], [[0]]]
 * ```
 */
export function fromPixels(pixels: RgbaPixels, options: DecodeOptions = {}): Tensor {
  const op = 'fromPixels';
  checkOptions(op, options, ['channels', 'layout']);
  const layout = checkLayout(op, options.layout);
  const channels = options.channels ?? 3;
  if (channels !== 1 && channels !== 3 && channels !== 4) throw new TensorError('INVALID_ARGUMENT', op, `channels must be 1, 3 or 4, got ${String(channels)}`);
  const { width, height, data } = pixels ?? ({} as RgbaPixels);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new TensorError('INVALID_ARGUMENT', op, `width and height must be positive integers, got ${String(width)} x ${String(height)}`);
  }
  if (!data || data.length !== width * height * 4) {
    throw new TensorError('INVALID_ARGUMENT', op, `data must hold 4 bytes (RGBA) per pixel: ${width * height * 4} for ${width} x ${height}, got ${data ? data.length : 'none'}`);
  }
  const plane = width * height;
  const out = new Float32Array(plane * channels);
  for (let i = 0; i < plane; i++) {
    const r = data[4 * i]! / 255;
    const g = data[4 * i + 1]! / 255;
    const b = data[4 * i + 2]! / 255;
    if (channels === 1) {
      out[i] = 0.2989 * r + 0.587 * g + 0.114 * b;
      continue;
    }
    const values = channels === 4 ? [r, g, b, data[4 * i + 3]! / 255] : [r, g, b];
    for (let c = 0; c < channels; c++) {
      if (layout === 'NCHW') out[c * plane + i] = values[c]!;
      else out[i * channels + c] = values[c]!;
    }
  }
  return layout === 'NCHW' ? tensor(out, [channels, height, width]) : tensor(out, [height, width, channels]);
}

/** What `fromImageData` accepts: `ImageData`, an `ImageBitmap`, or anything with RGBA bytes. */
export type ImageSource = RgbaPixels | ImageBitmap;

/**
 * A browser `ImageData` or `ImageBitmap` (drawn through an `OffscreenCanvas`) as a float32 image
 * `[C, H, W]` in `[0, 1]`.
 *
 * @throws TensorError `UNSUPPORTED` for an `ImageBitmap` where `OffscreenCanvas` is missing; as
 *   {@link fromPixels}.
 * @example
 * ```ts
 * const image = fromImageData(ctx.getImageData(0, 0, 32, 32)); // [3, 32, 32]
 * ```
 */
export function fromImageData(source: ImageSource, options: DecodeOptions = {}): Tensor {
  checkOptions('fromImageData', options, ['channels', 'layout']);
  if (source && 'data' in source) return fromPixels(source, options);
  const bitmap = source as ImageBitmap;
  if (typeof OffscreenCanvas === 'undefined') {
    throw new TensorError('UNSUPPORTED', 'fromImageData', 'reading an ImageBitmap needs OffscreenCanvas (a browser or worker); pass ImageData or RGBA bytes instead');
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d');
  if (!context) throw new TensorError('UNSUPPORTED', 'fromImageData', 'OffscreenCanvas has no 2d context here');
  context.drawImage(bitmap, 0, 0);
  return fromPixels(context.getImageData(0, 0, bitmap.width, bitmap.height), options);
}

/**
 * A float image `[C, H, W]` (C = 1, 3 or 4) as RGBA bytes, values clamped to `[0, 1]` and
 * rounded; gray repeats into R, G, B; alpha is 255 unless given.
 *
 * @throws TensorError `SHAPE_MISMATCH` unless the image is rank 3 with 1, 3 or 4 channels.
 * @example
 * ```ts
 * const { width, height, data } = await toPixels(image);
 * ctx.putImageData(new ImageData(data, width, height), 0, 0);
 * ```
 */
export async function toPixels(image: Tensor, options: LayoutOptions = {}): Promise<{ width: number; height: number; data: Uint8ClampedArray }> {
  const op = 'toPixels';
  checkOptions(op, options, ['layout']);
  const layout = checkLayout(op, options.layout);
  if (!(image instanceof Tensor) || image.rank !== 3) {
    throw new TensorError('SHAPE_MISMATCH', op, `image must be one [C, H, W] image (use makeImageGrid for a batch), got ${image instanceof Tensor ? fmtShape(image.shape) : typeof image}`);
  }
  const dims = checkImages(op, image, layout, [1, 3, 4]);
  const chw = layout === 'NHWC' ? permute(image, [2, 0, 1]) : image;
  const values = await chw.data();
  if (chw !== image) chw.dispose();
  const { c, h, w } = dims;
  const plane = h * w;
  const data = new Uint8ClampedArray(plane * 4);
  const byte = (v: number): number => Math.round(Math.min(1, Math.max(0, Number.isNaN(v) ? 0 : v)) * 255);
  for (let i = 0; i < plane; i++) {
    const r = values[i]!;
    data[4 * i] = byte(r);
    data[4 * i + 1] = byte(c === 1 ? r : values[plane + i]!);
    data[4 * i + 2] = byte(c === 1 ? r : values[2 * plane + i]!);
    data[4 * i + 3] = c === 4 ? byte(values[3 * plane + i]!) : 255;
  }
  return { width: w, height: h, data };
}

/** Options of {@link makeImageGrid}. */
export interface ImageGridOptions extends LayoutOptions {
  /** Images per row (default 8). */
  readonly nrow?: number;
  /** Pixels between and around the images (default 2). */
  readonly padding?: number;
  /** Value of the padding (default 0: black). */
  readonly padValue?: number;
  /** Rescale the whole batch to `[0, 1]` by its min and max first (default false). */
  readonly normalize?: boolean;
}

/**
 * Tiles a batch into one image `[C, rows * (H + padding) + padding, nrow * (W + padding) +
 * padding]`, as torchvision `make_grid`.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a bad nrow or padding; as the image transforms.
 * @example
 * ```ts
 * const grid = makeImageGrid(images, { nrow: 4 }); // [C, gridH, gridW]
 * ```
 */
export function makeImageGrid(batch: Tensor, options: ImageGridOptions = {}): Tensor {
  const op = 'makeImageGrid';
  checkOptions(op, options, optionKeys<ImageGridOptions>({ nrow: true, padding: true, padValue: true, normalize: true, layout: true }));
  const layout = checkLayout(op, options.layout);
  const dims = checkImages(op, batch, layout);
  const nrowIn = options.nrow ?? 8;
  const padding = options.padding ?? 2;
  const padValue = options.padValue ?? 0;
  if (!Number.isInteger(nrowIn) || nrowIn < 1) throw new TensorError('INVALID_ARGUMENT', op, `nrow must be a positive integer, got ${String(nrowIn)}`);
  if (!Number.isInteger(padding) || padding < 0) throw new TensorError('INVALID_ARGUMENT', op, `padding must be a non-negative integer, got ${String(padding)}`);
  if (!Number.isFinite(padValue)) throw new TensorError('INVALID_ARGUMENT', op, `padValue must be finite, got ${String(padValue)}`);
  const { n, c, h, w } = dims;
  const nrow = Math.min(nrowIn, n);
  const rows = Math.ceil(n / nrow);
  return tidy(() => {
    let x = dims.unbatched ? reshape(batch, [1, ...batch.shape]) : batch;
    if (layout === 'NHWC') x = permute(x, [0, 3, 1, 2]);
    if (options.normalize) {
      const lo = x.min();
      const hi = x.max();
      x = x.sub(lo).div(hi.sub(lo).maximum(1e-5));
    }
    if (rows * nrow > n) x = concat([x, full([rows * nrow - n, c, h, w], padValue)], 0);
    const cell = pad(x, [[0, 0], [0, 0], [padding, 0], [padding, 0]], { value: padValue });
    const tiled = reshape(permute(reshape(cell, [rows, nrow, c, h + padding, w + padding]), [2, 0, 3, 1, 4]), [c, rows * (h + padding), nrow * (w + padding)]);
    return pad(tiled, [[0, 0], [0, padding], [0, padding]], { value: padValue });
  });
}
