/**
 * Input data shared by every framework: the same seeded numbers go into Tessera and TensorFlow.js,
 * so the outputs of one benchmark can be compared between them (a guard against measuring
 * different work).
 */

/** mulberry32: a small seeded 32-bit PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` standard-normal float32 values (Box–Muller), times `scale`. */
export function normalArray(n: number, seed: number, scale = 1): Float32Array {
  const r = prng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(r(), 1e-12);
    const v = r();
    const m = Math.sqrt(-2 * Math.log(u)) * scale;
    out[i] = m * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = m * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** Permutes a row-major array of `shape` by `perm` (out axis i = in axis perm[i]). */
export function permuteArray(x: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i]!;
  }
  const strides = perm.map((p) => inStrides[p]!);
  const out = new Float32Array(x.length);
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = x[src]!;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      src += strides[d]!;
      if (idx[d]! < outShape[d]!) break;
      src -= strides[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/** NCHW → NHWC data. */
export const nchwToNhwc = (x: Float32Array, [n, c, h, w]: readonly number[]): Float32Array =>
  permuteArray(x, [n!, c!, h!, w!], [0, 2, 3, 1]);
/** NHWC → NCHW data. */
export const nhwcToNchw = (x: Float32Array, [n, h, w, c]: readonly number[]): Float32Array =>
  permuteArray(x, [n!, h!, w!, c!], [0, 3, 1, 2]);
/** OIHW → HWIO filter data. */
export const oihwToHwio = (x: Float32Array, [o, i, h, w]: readonly number[]): Float32Array =>
  permuteArray(x, [o!, i!, h!, w!], [2, 3, 1, 0]);

/** Flattens an output (a typed array or a list of them) into one array of numbers. */
export function flattenOutput(out: unknown): Float64Array {
  const parts: ArrayLike<number>[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (ArrayBuffer.isView(v)) parts.push(v as unknown as ArrayLike<number>);
    else if (typeof v === 'number') parts.push([v]);
  };
  walk(out);
  const total = parts.reduce((a, p) => a + p.length, 0);
  const flat = new Float64Array(total);
  let o = 0;
  for (const p of parts) for (let i = 0; i < p.length; i++) flat[o++] = p[i]!;
  return flat;
}

/**
 * Largest absolute difference divided by max(1, largest |reference|): a scale-free error for
 * float32 results of different summation orders.
 */
export function relativeError(reference: Float64Array, other: Float64Array): number {
  if (reference.length !== other.length) return Infinity;
  let maxDiff = 0;
  let maxRef = 1;
  for (let i = 0; i < reference.length; i++) {
    const d = Math.abs(reference[i]! - other[i]!);
    if (!(d <= maxDiff)) maxDiff = d; // NaN propagates
    const r = Math.abs(reference[i]!);
    if (r > maxRef) maxRef = r;
  }
  return maxDiff / maxRef;
}
