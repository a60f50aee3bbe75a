/**
 * `svgToPng` (resvg in Node.js): PNG bytes of the right size, text drawn with real fonts (and
 * refused rather than dropped when there is none), options checked; the browser build refuses.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { svgToPng } from './index.js';
import { rasterize as browserRasterize } from './raster.browser.js';
import { expectTensorError } from './test-utils/errors.js';

const DEJAVU = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

const svg = (text: string): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" font-family="Helvetica, Arial, sans-serif"><rect width="120" height="40" fill="#fff"/><text x="6" y="26" font-size="16">${text}</text></svg>`;

function size(png: Uint8Array): [number, number] {
  const view = new DataView(png.buffer, png.byteOffset);
  return [view.getUint32(16), view.getUint32(20)];
}

describe('svgToPng', () => {
  it('renders at the requested scale, drawing the text', async () => {
    const png = await svgToPng(svg('Epoch 1/3'));
    expect(Array.from(png.subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(size(png)).toEqual([240, 80]);
    expect(size(await svgToPng(svg('Epoch 1/3'), { scale: 0.5 }))).toEqual([60, 20]);
    // Text changes the pixels: it is drawn, not dropped.
    const blank = await svgToPng(svg(''));
    expect(Array.from(blank)).not.toEqual(Array.from(png));
    expect(Array.from(await svgToPng(`<?xml version="1.0"?>\n${svg('Epoch 1/3')}`))).toEqual(Array.from(png));
  });

  it.runIf(existsSync(DEJAVU))('draws with the given font files alone, the same bytes every time', async () => {
    const a = await svgToPng(svg('loss 0.25'), { systemFonts: false, fontFiles: [DEJAVU] });
    const b = await svgToPng(svg('loss 0.25'), { systemFonts: false, fontFiles: [DEJAVU] });
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('refuses to drop the text when no font can be found', async () => {
    await expectTensorError(() => svgToPng(svg('x'), { systemFonts: false }), 'UNSUPPORTED', /^svgToPng: no font found to draw the text of the PNG \(fontFiles: none; system fonts: off\); install one/);
    await expectTensorError(() => svgToPng(svg('x'), { systemFonts: false, fontFiles: ['/nonexistent/font.ttf'] }), 'UNSUPPORTED', /fontFiles: \/nonexistent\/font\.ttf/);
  });

  it('rejects what is not an SVG and bad options', async () => {
    await expectTensorError(() => svgToPng('<html></html>'), 'INVALID_ARGUMENT', /^svgToPng: svg must be an SVG document string \(starting with <svg\), got '<html><\/html>'/);
    await expectTensorError(() => svgToPng(42 as never), 'INVALID_ARGUMENT', /got number/);
    await expectTensorError(() => svgToPng(svg('a'), { scale: 0 }), 'INVALID_ARGUMENT', /scale must be a number in \(0, 8\], got 0/);
    await expectTensorError(() => svgToPng(svg('a'), { scale: 9 }), 'INVALID_ARGUMENT', /got 9/);
    await expectTensorError(() => svgToPng(svg('a'), { fontFiles: 'a.ttf' as never }), 'INVALID_ARGUMENT', /fontFiles must be an array of font file paths, got "a.ttf"/);
    await expectTensorError(() => svgToPng(svg('a'), { systemFonts: 'no' as never }), 'INVALID_ARGUMENT', /systemFonts must be a boolean, got no/);
    await expectTensorError(() => svgToPng(svg('a'), { dpi: 300 } as never), 'UNKNOWN_OPTION', /unknown option 'dpi'; valid options: scale, fontFiles, systemFonts/);
  });

  it('is refused in the browser build, which bundles no rasteriser', async () => {
    await expectTensorError(() => browserRasterize({ svg: svg('a'), scale: 1, fontFiles: [], systemFonts: true, op: 'svgToPng' }), 'UNSUPPORTED', /^svgToPng: PNG output needs Node\.js .*canvas\.toBlob/);
  });
});
