/**
 * `@tessera/data-augment/node`: image files in Node. PNG through `pngjs` and JPEG through
 * `jpeg-js` (both pure JavaScript), imported lazily so that nothing loads them until a function
 * here is called.
 *
 * @example
 * ```ts
 * import { readImage, saveImageGrid } from '@tessera/data-augment/node';
 * const image = await readImage('cat.jpg'); // [3, H, W] float32 in [0, 1]
 * await saveImageGrid('batch.png', images, { nrow: 8 });
 * ```
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { checkOptions, Tensor, TensorError, stack, tidy } from '@tessera/tensor-core';
import { fromPixels, makeImageGrid, toPixels, type DecodeOptions, type ImageGridOptions, type RgbaPixels } from './image/pixels.js';
import type { LayoutOptions } from './image/layout.js';

export type { DecodeOptions, ImageGridOptions } from './image/pixels.js';

/** The format of image bytes, from their signature. */
export function imageFormat(bytes: Uint8Array): 'png' | 'jpeg' | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

type PngModule = typeof import('pngjs');
type JpegModule = typeof import('jpeg-js');

// CommonJS packages: Node's ESM loader exposes them as `default` (and sometimes named exports).
async function loadPng(): Promise<PngModule['PNG']> {
  const mod = (await import('pngjs')) as PngModule & { default?: PngModule };
  return (mod.PNG ?? mod.default!.PNG);
}

async function loadJpeg(): Promise<JpegModule['decode']> {
  const mod = (await import('jpeg-js')) as JpegModule & { default?: JpegModule };
  return (mod.decode ?? mod.default!.decode);
}

async function decodePixels(op: string, bytes: Uint8Array, where: string): Promise<RgbaPixels> {
  const format = imageFormat(bytes);
  try {
    if (format === 'png') {
      const PNG = await loadPng();
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: png.data };
    }
    if (format === 'jpeg') {
      const decode = await loadJpeg();
      const jpeg = decode(bytes, { useTArray: true, formatAsRGBA: true });
      return { width: jpeg.width, height: jpeg.height, data: jpeg.data };
    }
  } catch (e) {
    throw new TensorError('INVALID_ARGUMENT', op, `could not decode ${format?.toUpperCase()} ${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new TensorError('INVALID_ARGUMENT', op, `${where} is neither PNG nor JPEG (first bytes: ${head || 'none'})`);
}

/**
 * Decodes PNG or JPEG bytes (detected from the signature) to a float32 image `[C, H, W]` in
 * `[0, 1]` (3 channels by default; `channels: 1` gives luma, 4 keeps alpha).
 *
 * @throws TensorError `INVALID_ARGUMENT` for bytes that are neither PNG nor JPEG, or corrupt.
 * @example
 * ```ts
 * const image = await decodeImage(new Uint8Array(await (await fetch(url)).arrayBuffer()));
 * ```
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<Tensor> {
  checkOptions('decodeImage', options, ['channels', 'layout']);
  if (!(bytes instanceof Uint8Array)) throw new TensorError('INVALID_ARGUMENT', 'decodeImage', `bytes must be a Uint8Array, got ${typeof bytes}`);
  return fromPixels(await decodePixels('decodeImage', bytes, 'the bytes'), options);
}

/**
 * Reads a PNG or JPEG file as a float32 image `[C, H, W]` in `[0, 1]`.
 * @throws TensorError as {@link decodeImage}; the file system's error for a missing file.
 * @example
 * ```ts
 * const image = await readImage('photo.jpg', { channels: 3 });
 * ```
 */
export async function readImage(file: string, options: DecodeOptions = {}): Promise<Tensor> {
  checkOptions('readImage', options, ['channels', 'layout']);
  const bytes = new Uint8Array(await readFile(file));
  return fromPixels(await decodePixels('readImage', bytes, `file ${file}`), options);
}

/**
 * Reads several same-sized images into one batch `[N, C, H, W]`.
 * @throws TensorError `SHAPE_MISMATCH` naming the first file whose size differs; as {@link readImage}.
 * @example
 * ```ts
 * const batch = await readImages(['a.png', 'b.png']);
 * ```
 */
export async function readImages(files: readonly string[], options: DecodeOptions = {}): Promise<Tensor> {
  checkOptions('readImages', options, ['channels', 'layout']);
  if (!Array.isArray(files) || files.length === 0) throw new TensorError('INVALID_ARGUMENT', 'readImages', 'files must be a non-empty array of paths');
  const images: Tensor[] = [];
  try {
    for (const f of files) {
      const image = await readImage(f, options);
      images.push(image);
      const first = images[0]!;
      if (image.shape.join() !== first.shape.join()) {
        throw new TensorError('SHAPE_MISMATCH', 'readImages', `${f} has shape [${image.shape.join(',')}] but ${files[0]} has [${first.shape.join(',')}]; resize them first`);
      }
    }
    return stack(images, 0);
  } finally {
    for (const t of images) t.dispose();
  }
}

/**
 * Encodes one float image `[C, H, W]` (values clamped to `[0, 1]`) as PNG bytes.
 * @throws TensorError as `toPixels`.
 * @example
 * ```ts
 * const bytes = await encodePng(image);
 * ```
 */
export async function encodePng(image: Tensor, options: LayoutOptions = {}): Promise<Uint8Array> {
  checkOptions('encodePng', options, ['layout']);
  const { width, height, data } = await toPixels(image, options);
  const PNG = await loadPng();
  const png = new PNG({ width, height });
  png.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(PNG.sync.write(png));
}

/**
 * Writes one float image `[C, H, W]` as a PNG file (folders are created).
 * @example
 * ```ts
 * await saveImage('out/cat.png', image);
 * ```
 */
export async function saveImage(file: string, image: Tensor, options: LayoutOptions = {}): Promise<void> {
  checkOptions('saveImage', options, ['layout']);
  const bytes = await encodePng(image, options);
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, bytes);
}

/**
 * Writes a batch `[N, C, H, W]` as one PNG grid (torchvision `save_image`), so you can look at
 * what an augmentation does. Values are clamped to `[0, 1]` unless `normalize: true`.
 *
 * @throws TensorError as `makeImageGrid`.
 * @example
 * ```ts
 * await saveImageGrid('augmented.png', augment(images), { nrow: 8, padding: 2 });
 * ```
 */
export async function saveImageGrid(file: string, batch: Tensor, options: ImageGridOptions = {}): Promise<void> {
  checkOptions('saveImageGrid', options, ['nrow', 'padding', 'padValue', 'normalize', 'layout']);
  const grid = tidy(() => makeImageGrid(batch, options));
  try {
    await saveImage(file, grid);
  } finally {
    grid.dispose();
  }
}
