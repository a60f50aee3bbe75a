/**
 * `@tessera/explain/node`: attribution pictures as files. PNG through `pngjs` (pure JavaScript),
 * imported lazily so that nothing loads it until a function here is called.
 *
 * @example
 * ```ts
 * import { savePng, pngDataUrl } from '@tessera/explain/node';
 * const overlays = await attributionOverlays(images, await saliency(model, images, { target: labels }));
 * await savePng('saliency-0.png', overlays[0]);
 * ```
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeValue, TensorError } from '@tessera/tensor-core';
import { svgGrid, type RgbaImage, type SvgGridOptions } from './picture.js';

type PngModule = typeof import('pngjs');

// A CommonJS package: Node's ESM loader exposes it as `default` (and sometimes named exports).
async function loadPng(): Promise<PngModule['PNG']> {
  const mod = (await import('pngjs')) as PngModule & { default?: PngModule };
  return mod.PNG ?? mod.default!.PNG;
}

function requireImage(op: string, image: unknown): RgbaImage {
  const img = image as RgbaImage | null;
  if (
    typeof img !== 'object' || img === null || !Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width <= 0 || img.height <= 0 ||
    !((img.data as unknown) instanceof Uint8ClampedArray || (img.data as unknown) instanceof Uint8Array) || img.data.length !== img.width * img.height * 4
  ) {
    throw new TensorError('INVALID_ARGUMENT', op, `image must be { width, height, data } with width × height × 4 RGBA bytes, got ${describeValue(image)}`);
  }
  return img;
}

/**
 * Encodes an RGBA image as PNG bytes.
 * @throws TensorError `INVALID_ARGUMENT` for an image whose data does not have `width × height × 4` bytes.
 * @example
 * ```ts
 * const bytes = await encodePng(overlays[0]);
 * ```
 */
export async function encodePng(image: RgbaImage): Promise<Uint8Array> {
  const img = requireImage('encodePng', image);
  const PNG = await loadPng();
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return new Uint8Array(PNG.sync.write(png));
}

/**
 * A `data:image/png;base64,...` URL of an RGBA image, for an {@link svgGrid} cell or an `<img>`.
 * @example
 * ```ts
 * const cell = { href: await pngDataUrl(overlay), width: overlay.width, height: overlay.height };
 * ```
 */
export async function pngDataUrl(image: RgbaImage): Promise<string> {
  const bytes = await encodePng(image);
  return `data:image/png;base64,${Buffer.from(bytes).toString('base64')}`;
}

async function write(file: string, bytes: Uint8Array | string): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, bytes);
}

/**
 * Writes an RGBA image to `file` as PNG (creating the folder).
 * @throws TensorError `INVALID_ARGUMENT` for a bad image; file-system errors pass through.
 * @example
 * ```ts
 * await savePng('out/overlay.png', overlays[0]);
 * ```
 */
export async function savePng(file: string, image: RgbaImage): Promise<void> {
  await write(file, await encodePng(image));
}

/**
 * Writes a grid of RGBA images as one SVG file with embedded PNGs: `rows[i].images[j]` is the
 * cell of row i, column j.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a bad image or options.
 * @example
 * ```ts
 * await saveSvgGrid('grid.svg', digits.map((d, i) => ({ label: String(labels[i]), images: [inputs[i], sal[i], ig[i], cam[i]] })),
 *   { columnTitles: ['digit', 'saliency', 'IG', 'Grad-CAM'] });
 * ```
 */
export async function saveSvgGrid(file: string, rows: readonly { label?: string; images: readonly RgbaImage[] }[], options: SvgGridOptions = {}): Promise<void> {
  const cellRows = await Promise.all(
    rows.map(async (row) => ({
      ...(row.label === undefined ? {} : { label: row.label }),
      cells: await Promise.all(row.images.map(async (img) => ({ href: await pngDataUrl(img), width: img.width, height: img.height }))),
    })),
  );
  await write(file, svgGrid(cellRows, options));
}
