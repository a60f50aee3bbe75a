/**
 * SVG → PNG in Node.js with resvg (`@resvg/resvg-js`: a well-kept Rust SVG renderer with proper
 * text shaping, prebuilt per platform as npm optional packages, no download at install time).
 * Loaded on first use; chosen by `#svg-raster` (package.json `imports`) under the `node`
 * condition only, so browser bundles never see it.
 */
import { TensorError } from '@tessera/tensor-core';
import type { RasterRequest } from './raster-types.js';

type Resvg = typeof import('@resvg/resvg-js');

let resvg: Promise<Resvg> | undefined;
/** Font configurations known to render text (a probe per `fontFiles` list). */
const fontsChecked = new Set<string>();

async function load(op: string): Promise<Resvg> {
  // A computed specifier: bundlers must not follow it even if this file reached a bundle.
  const specifier = '@resvg/resvg-js';
  resvg ??= import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<Resvg>;
  try {
    return await resvg;
  } catch (e) {
    resvg = undefined;
    throw new TensorError('UNSUPPORTED', op, `PNG output needs @resvg/resvg-js, which could not be loaded on this platform (${process.platform}-${process.arch}): ${(e as Error).message}. Write .svg instead`);
  }
}

/** The PNG bytes of `request.svg`. */
export async function rasterize(request: RasterRequest): Promise<Uint8Array> {
  const { Resvg } = await load(request.op);
  const font = { loadSystemFonts: request.systemFonts, fontFiles: [...request.fontFiles], defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' };
  const key = `${request.systemFonts}\n${request.fontFiles.join('\n')}`;
  if (!fontsChecked.has(key)) {
    // resvg drops text it has no font for, silently: check once that a font exists.
    const probe = new Resvg('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><text x="2" y="15" font-size="12" font-family="sans-serif">A</text></svg>', { font });
    if (probe.getBBox() === undefined) {
      throw new TensorError(
        'UNSUPPORTED',
        request.op,
        `no font found to draw the text of the PNG (fontFiles: ${request.fontFiles.length ? request.fontFiles.join(', ') : 'none'}; system fonts: ${request.systemFonts ? 'none found' : 'off'}); install one (Debian: apt-get install fonts-dejavu-core), pass fontFiles with a .ttf or .otf file, or write .svg`,
      );
    }
    fontsChecked.add(key);
  }
  const rendered = new Resvg(request.svg, { font, fitTo: { mode: 'zoom', value: request.scale }, background: 'white' }).render();
  return new Uint8Array(rendered.asPng());
}
