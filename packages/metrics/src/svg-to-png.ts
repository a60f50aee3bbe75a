/**
 * `svgToPng`: any SVG of Tessera (plots of metrics, `History` curves of train) as PNG bytes, drawn
 * by resvg in Node.js. Browsers render the SVG themselves.
 */
import { TensorError, checkOptions } from '@tessera/tensor-core';
import { rasterize } from '#svg-raster';

/**
 * Options of {@link svgToPng}.
 * @example
 * ```ts
 * await svgToPng(svg, { scale: 1, fontFiles: ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'] });
 * ```
 */
export interface SvgToPngOptions {
  /** Output pixels per SVG pixel, in (0, 8] (default 2: sharp on high-density screens and in documents). */
  readonly scale?: number;
  /** TrueType/OpenType font files to draw text with, besides the system's fonts. */
  readonly fontFiles?: readonly string[];
  /**
   * Whether the system's fonts are used too (default true). Turn off, with `fontFiles`, for the
   * same pixels on every machine.
   */
  readonly systemFonts?: boolean;
}

/**
 * Renders an SVG document to PNG bytes with resvg (`@resvg/resvg-js`, loaded on first use): real
 * fonts, anti-aliased shapes, a white background. Node.js only; in a browser it throws, use the
 * SVG (or a canvas) there.
 *
 * @throws TensorError `INVALID_ARGUMENT` for an input that is not an SVG document or a bad scale;
 *   `UNKNOWN_OPTION`; `UNSUPPORTED` outside Node.js, when resvg has no build for the platform, or
 *   when no font can be found (resvg would silently drop the text).
 * @example
 * ```ts
 * const cm = await confusionMatrix(logits, labels);
 * const png = await svgToPng(cm.toSvg({ labels: ['cat', 'dog'] }));
 * await writeFile('confusion.png', png);
 * ```
 */
export async function svgToPng(svg: string, options: SvgToPngOptions = {}): Promise<Uint8Array> {
  return renderPng(svg, options, 'svgToPng');
}

/** @internal {@link svgToPng} with the caller's name in messages. */
export async function renderPng(svg: string, options: SvgToPngOptions, op: string): Promise<Uint8Array> {
  const o = checkOptions(op, options, ['scale', 'fontFiles', 'systemFonts']);
  if (typeof svg !== 'string' || !/^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/.test(svg)) {
    throw new TensorError('INVALID_ARGUMENT', op, `svg must be an SVG document string (starting with <svg), got ${typeof svg === 'string' ? `'${svg.slice(0, 20)}${svg.length > 20 ? '…' : ''}'` : typeof svg}`);
  }
  const scale = o.scale ?? 2;
  if (typeof scale !== 'number' || !(scale > 0 && scale <= 8)) throw new TensorError('INVALID_ARGUMENT', op, `scale must be a number in (0, 8], got ${String(scale)}`);
  const fontFiles = o.fontFiles ?? [];
  if (!Array.isArray(fontFiles) || fontFiles.some((f) => typeof f !== 'string' || f === '')) {
    throw new TensorError('INVALID_ARGUMENT', op, `fontFiles must be an array of font file paths, got ${JSON.stringify(fontFiles)}`);
  }
  const systemFonts = o.systemFonts ?? true;
  if (typeof systemFonts !== 'boolean') throw new TensorError('INVALID_ARGUMENT', op, `systemFonts must be a boolean, got ${String(systemFonts)}`);
  return rasterize({ svg, scale, fontFiles, systemFonts, op });
}
