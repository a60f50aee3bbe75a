/**
 * Attribution maps as pictures: heat maps laid over the input images, as RGBA pixels (a canvas's
 * `ImageData` in a browser; `@tessera/explain/node` writes them as PNG files and SVG grids).
 * Normalisation follows Captum's `visualization.visualize_image_attr`: channels are summed, and
 * values are divided by the value at which the sorted absolute values reach `100 − outlierPercent`
 * percent of their total, then clipped to [−1, 1], so a few extreme pixels do not wash out the rest.
 */
import { describeValue, check, Tensor, TensorError, fmtShape } from '@tessera/tensor-core';

/** An image as 8-bit RGBA pixels, row-major (the layout of a canvas `ImageData`). */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  /** `width × height × 4` bytes. */
  readonly data: Uint8ClampedArray;
}

/** Which attributions a heat map shows. */
export type AttributionSign = 'all' | 'positive' | 'absolute';

/** Options of {@link attributionOverlays} and {@link attributionHeatmaps}. */
export interface OverlayOptions {
  /**
   * `'absolute'` (default): magnitude, on a black-red-yellow-white ramp; `'positive'`: only
   * positive evidence on the same ramp; `'all'`: signed, blue (negative) to red (positive).
   */
  readonly sign?: AttributionSign;
  /** Percent of the attribution mass treated as outliers and clipped (default 2, as Captum). */
  readonly outlierPercent?: number;
  /** Opacity of the heat map at full strength (default 0.7); weaker values are more transparent. */
  readonly opacity?: number;
}

const KEYS = ['sign', 'outlierPercent', 'opacity'] as const;

/**
 * Captum's `_cumulative_sum_threshold`: the value at which the sorted values reach `percent`% of
 * their sum (the scale of a heat map, so that the top `100 − percent`% of the mass saturates).
 *
 * @example
 * ```ts
 * cumulativeSumThreshold([94, 1, 3, 2], 98); // 94
 * ```
 */
export function cumulativeSumThreshold(values: ArrayLike<number>, percent: number): number {
  const sorted = Float64Array.from(values).sort();
  let total = 0;
  for (const v of sorted) total += v;
  const limit = total * 0.01 * percent;
  let sum = 0;
  for (const v of sorted) {
    sum += v;
    if (sum >= limit) return v;
  }
  return sorted[sorted.length - 1] ?? 0;
}

/** Per-pixel attribution in [-1, 1] (or [0, 1]) of one example: channels summed, normalised, clipped. */
export function normalizeAttribution(values: ArrayLike<number>, channels: number, pixels: number, sign: AttributionSign, outlierPercent: number): Float64Array {
  const combined = new Float64Array(pixels);
  for (let c = 0; c < channels; c++) for (let p = 0; p < pixels; p++) combined[p]! += values[c * pixels + p]!;
  const shown = combined.map((v) => (sign === 'absolute' ? Math.abs(v) : sign === 'positive' ? Math.max(v, 0) : v));
  const threshold = cumulativeSumThreshold(shown.map(Math.abs), 100 - outlierPercent);
  // An all-zero map stays zero instead of dividing by zero.
  const scale = threshold > 0 ? 1 / threshold : 0;
  return shown.map((v) => Math.max(-1, Math.min(1, v * scale)));
}

/** The heat colour of a normalised value: signed blue–red, or the black-red-yellow-white ramp. */
function heatColor(v: number, sign: AttributionSign): [number, number, number] {
  if (sign === 'all') return v >= 0 ? [220, 40, 30] : [30, 90, 220];
  // A "hot" ramp: red rises first, then green, then blue.
  const t = Math.abs(v);
  return [Math.min(1, t * 2.5) * 255, Math.min(1, Math.max(0, t * 2.5 - 1)) * 255, Math.min(1, Math.max(0, t * 2.5 - 1.5)) * 255];
}

function parse(op: string, options: OverlayOptions): { sign: AttributionSign; outlierPercent: number; opacity: number } {
  const checks = check.all(op);
  const o = checks.options(options, KEYS, { required: true });
  const parsed = {
    sign: checks.oneOf('sign', o.sign ?? 'absolute', ['all', 'positive', 'absolute'] as const),
    outlierPercent: checks.number('outlierPercent', o.outlierPercent ?? 2, { min: 0, max: 100 }),
    opacity: checks.number('opacity', o.opacity ?? 0.7, { min: 0, max: 1 }),
  };
  checks.done();
  return parsed;
}

function requireImages(op: string, name: string, t: unknown): Tensor {
  if (!(t instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', op, `${name} must be a Tensor [N, C, H, W], got ${describeValue(t)}`);
  if (t.isDisposed) throw new TensorError('TENSOR_DISPOSED', op, `${name} (tensor id=${t.id}) was disposed`);
  if (t.rank !== 4) throw new TensorError('SHAPE_MISMATCH', op, `${name} must be [N, C, H, W], got shape ${fmtShape(t.shape)}`);
  return t;
}

/**
 * Heat maps of attributions `[N, C, H, W]` alone (no image below), one RGBA image per example.
 *
 * @throws TensorError `SHAPE_MISMATCH` unless the attributions are rank 4; `INVALID_ARGUMENT` for
 *   bad options.
 * @example
 * ```ts
 * const [first] = await attributionHeatmaps(await saliency(model, images, { target: labels }));
 * ```
 */
export async function attributionHeatmaps(attributions: Tensor, options: OverlayOptions = {}): Promise<RgbaImage[]> {
  const op = 'attributionHeatmaps';
  const { sign, outlierPercent } = parse(op, options);
  const a = requireImages(op, 'attributions', attributions);
  const [n, c, h, w] = a.shape as [number, number, number, number];
  const values = await a.data();
  const pixels = h * w;
  return Array.from({ length: n }, (_, i) => {
    const norm = normalizeAttribution(values.subarray(i * c * pixels, (i + 1) * c * pixels), c, pixels, sign, outlierPercent);
    const data = new Uint8ClampedArray(pixels * 4);
    norm.forEach((v, p) => {
      const [r, g, b] = sign === 'all' ? blend([255, 255, 255], heatColor(v, sign), Math.abs(v)) : heatColor(v, sign);
      data.set([r, g, b, 255], p * 4);
    });
    return { width: w, height: h, data };
  });
}

function blend(under: readonly number[], over: readonly number[], alpha: number): [number, number, number] {
  return [0, 1, 2].map((k) => under[k]! * (1 - alpha) + over[k]! * alpha) as [number, number, number];
}

/**
 * Heat maps of `attributions` `[N, Ca, H, W]` laid over `images` `[N, C, H, W]` (C = 1 grey or 3
 * RGB; each image is min–max scaled for display), one RGBA image per example: the picture of
 * what the model looks at. A Grad-CAM map `[N, 1, H, W]` works as well as a saliency map.
 *
 * @throws TensorError `SHAPE_MISMATCH` when the tensors are not rank 4, disagree on N, H or W, or
 *   the images have neither 1 nor 3 channels; `INVALID_ARGUMENT` for bad options.
 * @example
 * ```ts
 * const maps = await integratedGradients(model, images, { target: labels });
 * const overlays = await attributionOverlays(images, maps.attributions, { sign: 'all' });
 * ctx.putImageData(new ImageData(overlays[0].data, overlays[0].width), 0, 0); // in a browser
 * ```
 */
export async function attributionOverlays(images: Tensor, attributions: Tensor, options: OverlayOptions = {}): Promise<RgbaImage[]> {
  const op = 'attributionOverlays';
  const { sign, outlierPercent, opacity } = parse(op, options);
  const img = requireImages(op, 'images', images);
  const a = requireImages(op, 'attributions', attributions);
  const [n, c, h, w] = img.shape as [number, number, number, number];
  requireGreyOrRgb(op, img);
  if (a.shape[0] !== n || a.shape[2] !== h || a.shape[3] !== w) {
    throw new TensorError('SHAPE_MISMATCH', op, `attributions ${fmtShape(a.shape)} must match the images ${fmtShape(img.shape)} in N, H and W`);
  }
  const ca = a.shape[1]!;
  const [pixelValues, attrValues] = await Promise.all([img.data(), a.data()]);
  const pixels = h * w;
  return Array.from({ length: n }, (_, i) => {
    const own = pixelValues.subarray(i * c * pixels, (i + 1) * c * pixels);
    const { lo, range } = valueRange(own);
    const norm = normalizeAttribution(attrValues.subarray(i * ca * pixels, (i + 1) * ca * pixels), ca, pixels, sign, outlierPercent);
    const data = new Uint8ClampedArray(pixels * 4);
    for (let p = 0; p < pixels; p++) {
      // The image in dim grey tones (so that the colours read over bright strokes), the heat colour over it.
      const base = [0, 1, 2].map((k) => ((own[(c === 3 ? k : 0) * pixels + p]! - lo) / range) * 120);
      const [r, g, b] = blend(base, heatColor(norm[p]!, sign), opacity * Math.abs(norm[p]!));
      data.set([r, g, b, 255], p * 4);
    }
    return { width: w, height: h, data };
  });
}

/** Options of {@link svgGrid}. */
export interface SvgGridOptions {
  /** Pixels per image pixel (default 4; images are drawn pixelated). */
  readonly scale?: number;
  /** Titles above the columns. */
  readonly columnTitles?: readonly string[];
  /** Gap between cells in pixels (default 4). */
  readonly gap?: number;
}

/** One row of an {@link svgGrid}: a label at its left and its cells. */
export interface SvgGridRow {
  readonly label?: string;
  /** Each cell's picture as a `data:` URL or a link (e.g. a PNG data URL from `@tessera/explain/node`'s `pngDataUrl`). */
  readonly cells: readonly { readonly href: string; readonly width: number; readonly height: number }[];
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!);
}

/**
 * A grid of pictures as an SVG document (rows with labels, columns with titles), e.g. digits and
 * their saliency, Integrated Gradients and Grad-CAM maps side by side.
 *
 * @throws TensorError `INVALID_ARGUMENT` for unknown options or a non-positive scale.
 * @example
 * ```ts
 * const svg = svgGrid([{ label: '7', cells: [{ href: pngUrl, width: 28, height: 28 }] }], { columnTitles: ['saliency'] });
 * ```
 */
export function svgGrid(gridRows: readonly SvgGridRow[], options: SvgGridOptions = {}): string {
  const op = 'svgGrid';
  check.options(op, options, ['scale', 'columnTitles', 'gap'], { required: true });
  const rows: readonly SvgGridRow[] = gridRows;
  if (!Array.isArray(gridRows)) throw new TensorError('INVALID_ARGUMENT', op, `rows must be an array of { label, cells }, got ${describeValue(gridRows)}`);
  const checks = check.all(op);
  const scale = checks.number('scale', options?.scale ?? 4, { min: 0, minExclusive: true });
  const gap = checks.number('gap', options?.gap ?? 4, { min: 0 });
  checks.done();
  const titles = options.columnTitles ?? [];
  const columns = Math.max(titles.length, ...rows.map((r) => r.cells.length));
  const cellW = Math.max(1, ...rows.flatMap((r) => r.cells.map((c) => c.width))) * scale;
  const cellH = Math.max(1, ...rows.flatMap((r) => r.cells.map((c) => c.height))) * scale;
  const labelW = rows.some((r) => r.label !== undefined) ? 60 : 0;
  const titleH = titles.length > 0 ? 24 : 0;
  const width = labelW + columns * (cellW + gap) + gap;
  const height = titleH + rows.length * (cellH + gap) + gap;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  titles.forEach((t, j) => parts.push(`<text x="${labelW + gap + j * (cellW + gap) + cellW / 2}" y="16" text-anchor="middle">${escapeXml(t)}</text>`));
  rows.forEach((row, i) => {
    const y = titleH + gap + i * (cellH + gap);
    if (row.label !== undefined) parts.push(`<text x="${labelW - 6}" y="${y + cellH / 2 + 4}" text-anchor="end">${escapeXml(row.label)}</text>`);
    row.cells.forEach((cell, j) => {
      const x = labelW + gap + j * (cellW + gap);
      parts.push(`<image x="${x}" y="${y}" width="${cell.width * scale}" height="${cell.height * scale}" style="image-rendering:pixelated" href="${escapeXml(cell.href)}"/>`);
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * Images `[N, C, H, W]` (C = 1 or 3) as RGBA pixels, each min–max scaled: the plain inputs
 * beside their heat maps.
 *
 * @throws TensorError `SHAPE_MISMATCH` unless the images are rank 4 with 1 or 3 channels.
 * @example
 * ```ts
 * const digits = await imagesToRgba(images);
 * ```
 */
export async function imagesToRgba(images: Tensor): Promise<RgbaImage[]> {
  const op = 'imagesToRgba';
  const img = requireImages(op, 'images', images);
  const [n, c, h, w] = img.shape as [number, number, number, number];
  requireGreyOrRgb(op, img);
  const values = await img.data();
  const pixels = h * w;
  return Array.from({ length: n }, (_, i) => {
    const own = values.subarray(i * c * pixels, (i + 1) * c * pixels);
    const { lo, range } = valueRange(own);
    const data = new Uint8ClampedArray(pixels * 4);
    for (let p = 0; p < pixels; p++) {
      for (let k = 0; k < 3; k++) data[p * 4 + k] = ((own[(c === 3 ? k : 0) * pixels + p]! - lo) / range) * 255;
      data[p * 4 + 3] = 255;
    }
    return { width: w, height: h, data };
  });
}

/** Throws unless `img` (NCHW) has 1 (grey) or 3 (RGB) channels. */
function requireGreyOrRgb(op: string, img: Tensor): void {
  const c = img.shape[1];
  if (c !== 1 && c !== 3) throw new TensorError('SHAPE_MISMATCH', op, `images must have 1 (grey) or 3 (RGB) channels, got shape ${fmtShape(img.shape)}`);
}

/** The smallest value of `values` and its span to the largest (1 for a constant image, so it maps to 0). */
function valueRange(values: ArrayLike<number>): { lo: number; range: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]!);
    hi = Math.max(hi, values[i]!);
  }
  return { lo, range: hi > lo ? hi - lo : 1 };
}
