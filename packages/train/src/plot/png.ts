/**
 * Renders a {@link Drawing} to a PNG: an anti-aliased RGB raster (coverage from the distance to
 * each line segment), text in a built-in 5x7 bitmap font (capitals), compressed with the
 * platform's `CompressionStream('deflate')` (Node >= 18 and browsers) or stored uncompressed.
 */
import type { Drawing, Shape } from './chart.js';

// 5x7 glyphs, one string of 7 rows of 5 bits each. Lower case is drawn as upper case.
const GLYPHS: Record<string, string> = {
  A: '01110100011000111111100011000110001', B: '11110100011000111110100011000111110', C: '01110100011000010000100001000101110',
  D: '11110100011000110001100011000111110', E: '11111100001000011110100001000011111', F: '11111100001000011110100001000010000',
  G: '01110100011000010111100011000101111', H: '10001100011000111111100011000110001', I: '01110001000010000100001000010001110',
  J: '00111000100001000010000101001001100', K: '10001100101010011000101001001010001', L: '10000100001000010000100001000011111',
  M: '10001110111010110101100011000110001', N: '10001100011100110101100111000110001', O: '01110100011000110001100011000101110',
  P: '11110100011000111110100001000010000', Q: '01110100011000110001101011001001101', R: '11110100011000111110101001001010001',
  S: '01111100001000001110000010000111110', T: '11111001000010000100001000010000100', U: '10001100011000110001100011000101110',
  V: '10001100011000110001100010101000100', W: '10001100011000110101101011010101010', X: '10001100010101000100010101000110001',
  Y: '10001100011000101010001000010000100', Z: '11111000010001000100010001000011111', '0': '01110100011001110101110011000101110',
  '1': '00100011000010000100001000010001110', '2': '01110100010000100010001000100011111', '3': '11111000100010000010000011000101110',
  '4': '00010001100101010010111110001000010', '5': '11111100001111000001000011000101110', '6': '00110010001000011110100011000101110',
  '7': '11111000010001000100010000100001000', '8': '01110100011000101110100011000101110', '9': '01110100011000101111000010001001100',
  '.': '00000000000000000000000000110001100', '-': '00000000000000011111000000000000000', _: '00000000000000000000000000000011111',
  ':': '00000011000110000000011000110000000', '/': '00000000010001000100010001000000000', '+': '00000001000010011111001000010000000',
  '(': '00010001000100001000010000010000010', ')': '01000001000001000010000100010001000', ',': '00000000000000000000011000010001000',
  '%': '11000110010001000100010001001100011', ' ': '00000000000000000000000000000000000',
};
const UNKNOWN = '11111100011000110001100011000111111';

function parseColor(c: string): [number, number, number] {
  const h = c.replace('#', '');
  return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
}

/** An RGB raster with alpha blending. */
class Raster {
  readonly pixels: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = new Uint8Array(width * height * 3).fill(255);
  }

  blend(x: number, y: number, [r, g, b]: readonly number[], alpha: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || alpha <= 0) return;
    const a = Math.min(1, alpha);
    const i = (y * this.width + x) * 3;
    const p = this.pixels;
    p[i] = p[i]! + (r! - p[i]!) * a;
    p[i + 1] = p[i + 1]! + (g! - p[i + 1]!) * a;
    p[i + 2] = p[i + 2]! + (b! - p[i + 2]!) * a;
  }

  fillRect(x: number, y: number, w: number, h: number, color: readonly number[]): void {
    for (let yy = Math.max(0, Math.round(y)); yy < Math.min(this.height, Math.round(y + h)); yy++) {
      for (let xx = Math.max(0, Math.round(x)); xx < Math.min(this.width, Math.round(x + w)); xx++) this.blend(xx, yy, color, 1);
    }
  }

  /** A segment of `width` pixels, anti-aliased by the distance of each pixel centre to it. */
  segment(x1: number, y1: number, x2: number, y2: number, width: number, color: readonly number[]): void {
    const half = width / 2;
    const x0 = Math.floor(Math.min(x1, x2) - half - 1);
    const xMax = Math.ceil(Math.max(x1, x2) + half + 1);
    const y0 = Math.floor(Math.min(y1, y2) - half - 1);
    const yMax = Math.ceil(Math.max(y1, y2) + half + 1);
    const dx = x2 - x1;
    const dy = y2 - y1;
    const len2 = dx * dx + dy * dy;
    for (let y = y0; y <= yMax; y++) {
      for (let x = x0; x <= xMax; x++) {
        const cx = x + 0.5;
        const cy = y + 0.5;
        const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((cx - x1) * dx + (cy - y1) * dy) / len2));
        const d = Math.hypot(cx - (x1 + t * dx), cy - (y1 + t * dy));
        this.blend(x, y, color, half + 0.5 - d);
      }
    }
  }

  disc(cx: number, cy: number, r: number, color: readonly number[]): void {
    for (let y = Math.floor(cy - r - 1); y <= Math.ceil(cy + r + 1); y++) {
      for (let x = Math.floor(cx - r - 1); x <= Math.ceil(cx + r + 1); x++) {
        this.blend(x, y, color, r + 0.5 - Math.hypot(x + 0.5 - cx, y + 0.5 - cy));
      }
    }
  }

  text(x: number, baseline: number, text: string, size: number, anchor: 'start' | 'middle' | 'end', color: readonly number[]): void {
    const scale = Math.max(1, Math.round(size / 9));
    const advance = 6 * scale;
    const width = text.length * advance - scale;
    let left = Math.round(anchor === 'start' ? x : anchor === 'middle' ? x - width / 2 : x - width);
    const top = Math.round(baseline - 7 * scale);
    for (const ch of text) {
      const glyph = GLYPHS[ch.toUpperCase()] ?? UNKNOWN;
      for (let row = 0; row < 7; row++) {
        for (let col = 0; col < 5; col++) {
          if (glyph[row * 5 + col] === '1') this.fillRect(left + col * scale, top + row * scale, scale, scale, color);
        }
      }
      left += advance;
    }
  }
}

function draw(raster: Raster, s: Shape): void {
  switch (s.kind) {
    case 'rect':
      raster.fillRect(s.x, s.y, s.width, s.height, parseColor(s.fill));
      return;
    case 'line':
      raster.segment(s.x1, s.y1, s.x2, s.y2, s.width, parseColor(s.stroke));
      return;
    case 'polyline': {
      const c = parseColor(s.stroke);
      for (let i = 1; i < s.points.length; i++) {
        const [a, b] = [s.points[i - 1]!, s.points[i]!];
        raster.segment(a[0], a[1], b[0], b[1], s.width, c);
      }
      return;
    }
    case 'circle':
      raster.disc(s.x, s.y, s.r, parseColor(s.fill));
      return;
    case 'text':
      raster.text(s.x, s.y, s.text, s.size, s.anchor, parseColor(s.fill));
      return;
  }
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length; i++) {
    a = (a + bytes[i]!) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** zlib stream of `raw` with stored (uncompressed) blocks: valid everywhere, just larger. */
function zlibStored(raw: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(raw.length / 65535));
  const out = new Uint8Array(2 + raw.length + blocks * 5 + 4);
  out[0] = 0x78;
  out[1] = 0x01;
  let o = 2;
  for (let b = 0; b < blocks; b++) {
    const start = b * 65535;
    const len = Math.min(65535, raw.length - start);
    out[o++] = b === blocks - 1 ? 1 : 0;
    out[o++] = len & 0xff;
    out[o++] = len >>> 8;
    out[o++] = ~len & 0xff;
    out[o++] = (~len >>> 8) & 0xff;
    out.set(raw.subarray(start, start + len), o);
    o += len;
  }
  const ad = adler32(raw);
  out[o++] = ad >>> 24;
  out[o++] = (ad >>> 16) & 0xff;
  out[o++] = (ad >>> 8) & 0xff;
  out[o++] = ad & 0xff;
  return out;
}

async function zlib(raw: Uint8Array): Promise<Uint8Array> {
  const CS = (globalThis as { CompressionStream?: new (format: string) => TransformStream<Uint8Array, Uint8Array> }).CompressionStream;
  if (!CS) return zlibStored(raw);
  const stream = new Blob([raw as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CS('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** The PNG file (8-bit RGB) of `drawing`. */
export async function toPng(drawing: Drawing): Promise<Uint8Array> {
  const raster = new Raster(drawing.width, drawing.height);
  for (const s of drawing.shapes) draw(raster, s);
  const { width, height, pixels } = raster;
  const raw = new Uint8Array(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    raw[y * (1 + width * 3)] = 0; // filter: none
    raw.set(pixels.subarray(y * width * 3, (y + 1) * width * 3), y * (1 + width * 3) + 1);
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', await zlib(raw)),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
