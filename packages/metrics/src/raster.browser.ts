/**
 * `svgToPng` where there is no Node.js (browsers, workers): no rasteriser is bundled (resvg is a
 * native Node addon). A page shows the SVG itself, or draws it on a canvas to get a PNG. Chosen
 * by the `#svg-raster` import of `@tessera/metrics` under every condition but `node`.
 */
import { TensorError } from '@tessera/tensor-core';
import type { RasterRequest } from './raster-types.js';

/** @throws TensorError `UNSUPPORTED` always. */
export async function rasterize(request: RasterRequest): Promise<Uint8Array> {
  throw new TensorError(
    'UNSUPPORTED',
    request.op,
    'PNG output needs Node.js (it uses @resvg/resvg-js); in a browser use the SVG (toSvg()) directly, or draw it on a canvas and call canvas.toBlob()',
  );
}
