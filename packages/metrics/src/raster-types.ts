/** What `svgToPng` hands to the rasteriser behind `#svg-raster` (resvg in Node.js, nothing elsewhere). */
export interface RasterRequest {
  readonly svg: string;
  /** Output pixels per SVG pixel. */
  readonly scale: number;
  /** Font files (TrueType/OpenType) to use besides the system's. */
  readonly fontFiles: readonly string[];
  /** Whether the system's fonts are used too. */
  readonly systemFonts: boolean;
  /** The public function's name, for messages. */
  readonly op: string;
}
