/**
 * Matrix multiplication: a cache-blocked GEMM in the style of BLIS / GotoBLAS.
 *
 * `C += A·B` is split into `kc × nc` panels of B and `mc × kc` blocks of A. Each is packed into
 * a Float64Array (so the inner loop reads contiguous doubles with no float32 conversion, and
 * transposes are absorbed by the packing), then a 4×4 register-blocked micro-kernel walks the
 * shared dimension keeping sixteen accumulators in locals. conv2d and its backward kernels reuse
 * {@link gemm} through im2col.
 */
import type { TensorInfo } from '@tessera/tensor-core';
import { dataOf } from '../storage.js';

/** Block sizes of the GEMM (elements). */
export interface GemmTiles {
  /** Rows of A per packed block (rounded up to a multiple of 4). */
  readonly mc: number;
  /** Depth of a packed block: the shared dimension per pass. */
  readonly kc: number;
  /** Columns of B per packed panel (rounded up to a multiple of 4). */
  readonly nc: number;
}

export const DEFAULT_TILES: GemmTiles = { mc: 64, kc: 256, nc: 512 };

const MR = 4;
const NR = 4;

type Float = Float32Array | Float64Array;

/** Packing buffers, reused between calls (one per backend instance). */
export class GemmWorkspace {
  readonly mc: number;
  readonly kc: number;
  readonly nc: number;
  readonly ap: Float64Array;
  readonly bp: Float64Array;
  /** Scratch for edge tiles of the micro-kernel. */
  readonly tile: Float64Array = new Float64Array(MR * NR);

  private scratchBuffer = new Float64Array(0);

  /** A scratch buffer of at least `size` elements (im2col columns), reused between calls. */
  scratch(size: number): Float64Array {
    if (this.scratchBuffer.length < size) this.scratchBuffer = new Float64Array(size);
    return this.scratchBuffer;
  }

  /**
   * @param tiles Block sizes.
   * @param maxColumnElements Largest im2col chunk, in elements (convolutions build their column
   *   matrix a slice of output positions at a time so that it stays near the cache).
   */
  constructor(
    tiles: GemmTiles = DEFAULT_TILES,
    readonly maxColumnElements: number = 1 << 20,
  ) {
    this.mc = Math.max(MR, Math.ceil(tiles.mc / MR) * MR);
    this.kc = Math.max(1, Math.floor(tiles.kc));
    this.nc = Math.max(NR, Math.ceil(tiles.nc / NR) * NR);
    this.ap = new Float64Array(this.mc * this.kc);
    this.bp = new Float64Array(this.kc * this.nc);
  }
}

/**
 * `C += A·B` for an `m × k` matrix A and a `k × n` matrix B given by strides: `A(i, p)` is
 * `a[aOff + i*ars + p*acs]`, `B(p, j)` is `b[bOff + p*brs + j*bcs]`, and `C(i, j)` is
 * `c[cOff + i*ldc + j]`. Transposed operands are just other strides.
 */
export function gemm(
  m: number,
  n: number,
  k: number,
  a: Float,
  aOff: number,
  ars: number,
  acs: number,
  b: Float,
  bOff: number,
  brs: number,
  bcs: number,
  c: Float,
  cOff: number,
  ldc: number,
  ws: GemmWorkspace,
): void {
  if (m === 0 || n === 0 || k === 0) return;
  const { ap, bp, tile } = ws;
  for (let jc = 0; jc < n; jc += ws.nc) {
    const nc = Math.min(ws.nc, n - jc);
    for (let pc = 0; pc < k; pc += ws.kc) {
      const kc = Math.min(ws.kc, k - pc);
      packB(b, bOff + pc * brs + jc * bcs, brs, bcs, kc, nc, bp);
      for (let ic = 0; ic < m; ic += ws.mc) {
        const mc = Math.min(ws.mc, m - ic);
        packA(a, aOff + ic * ars + pc * acs, ars, acs, mc, kc, ap);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = Math.min(MR, mc - ir);
            const co = cOff + (ic + ir) * ldc + jc + jr;
            if (mr === MR && nr === NR) micro4x4(ap, ir * kc, bp, jr * kc, kc, c, co, ldc);
            else {
              // Edge tile: the zero-padded panels give a full 4×4 product; add only its valid part.
              tile.fill(0);
              micro4x4(ap, ir * kc, bp, jr * kc, kc, tile, 0, NR);
              for (let r = 0; r < mr; r++) for (let q = 0; q < nr; q++) c[co + r * ldc + q] = c[co + r * ldc + q]! + tile[r * NR + q]!;
            }
          }
        }
      }
    }
  }
}

/** Packs an `mc × kc` block of A as row panels of 4: `ap[(i/4)*kc*4 + p*4 + i%4]`, zero-padded. */
function packA(a: Float, off: number, ars: number, acs: number, mc: number, kc: number, ap: Float64Array): void {
  let q = 0;
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = Math.min(MR, mc - ir);
    const r0 = off + ir * ars;
    if (rows === MR) {
      const r1 = r0 + ars;
      const r2 = r1 + ars;
      const r3 = r2 + ars;
      for (let p = 0, pa = 0; p < kc; p++, pa += acs) {
        ap[q] = a[r0 + pa]!;
        ap[q + 1] = a[r1 + pa]!;
        ap[q + 2] = a[r2 + pa]!;
        ap[q + 3] = a[r3 + pa]!;
        q += 4;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR; r++) ap[q + r] = r < rows ? a[r0 + r * ars + p * acs]! : 0;
        q += 4;
      }
    }
  }
}

/** Packs a `kc × nc` panel of B as column panels of 4: `bp[(j/4)*kc*4 + p*4 + j%4]`, zero-padded. */
function packB(b: Float, off: number, brs: number, bcs: number, kc: number, nc: number, bp: Float64Array): void {
  let q = 0;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = Math.min(NR, nc - jr);
    const c0 = off + jr * bcs;
    if (cols === NR) {
      const c1 = c0 + bcs;
      const c2 = c1 + bcs;
      const c3 = c2 + bcs;
      for (let p = 0, pb = 0; p < kc; p++, pb += brs) {
        bp[q] = b[c0 + pb]!;
        bp[q + 1] = b[c1 + pb]!;
        bp[q + 2] = b[c2 + pb]!;
        bp[q + 3] = b[c3 + pb]!;
        q += 4;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let j = 0; j < NR; j++) bp[q + j] = j < cols ? b[c0 + j * bcs + p * brs]! : 0;
        q += 4;
      }
    }
  }
}

/** The 4×4 micro-kernel: `C[0:4, 0:4] += Ap · Bp` over `kc` steps, sixteen accumulators in locals. */
function micro4x4(ap: Float64Array, ao: number, bp: Float64Array, bo: number, kc: number, c: Float, co: number, ldc: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = ap[ao]!, a1 = ap[ao + 1]!, a2 = ap[ao + 2]!, a3 = ap[ao + 3]!;
    const b0 = bp[bo]!, b1 = bp[bo + 1]!, b2 = bp[bo + 2]!, b3 = bp[bo + 3]!;
    ao += 4;
    bo += 4;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  c[co] = c[co]! + c00; c[co + 1] = c[co + 1]! + c01; c[co + 2] = c[co + 2]! + c02; c[co + 3] = c[co + 3]! + c03; co += ldc;
  c[co] = c[co]! + c10; c[co + 1] = c[co + 1]! + c11; c[co + 2] = c[co + 2]! + c12; c[co + 3] = c[co + 3]! + c13; co += ldc;
  c[co] = c[co]! + c20; c[co + 1] = c[co + 1]! + c21; c[co + 2] = c[co + 2]! + c22; c[co + 3] = c[co + 3]! + c23; co += ldc;
  c[co] = c[co]! + c30; c[co + 1] = c[co + 1]! + c31; c[co + 2] = c[co + 2]! + c32; c[co + 3] = c[co + 3]! + c33;
}

/** int32 (and bool) matmul: a plain loop with wrap-around, as Int32Array arithmetic. */
function intGemm(
  m: number, n: number, k: number,
  a: ArrayLike<number>, aOff: number, ars: number, acs: number,
  b: ArrayLike<number>, bOff: number, brs: number, bcs: number,
  c: { [i: number]: number }, cOff: number,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s = (s + Math.imul(a[aOff + i * ars + p * acs]!, b[bOff + p * brs + j * bcs]!)) | 0;
      c[cOff + i * n + j] = s;
    }
  }
}

/** The `matmul` kernel: batched, with transpose flags and batch-1 broadcasting (see `Backend`). */
export function matmul(
  aInfo: TensorInfo,
  bInfo: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  outInfo: TensorInfo,
  ws: GemmWorkspace,
): void {
  const [ba = 1, ar = 0, ac = 0] = aInfo.shape;
  const [bb = 1, br = 0, bc = 0] = bInfo.shape;
  const batch = outInfo.shape[0] ?? 1;
  const m = transposeA ? ac : ar;
  const k = transposeA ? ar : ac;
  const n = transposeB ? br : bc;
  const a = dataOf(aInfo);
  const b = dataOf(bInfo);
  const o = dataOf(outInfo);
  // A stored [m, k] has strides (k, 1); stored [k, m] (transposed) has (1, m). Same for B.
  const ars = transposeA ? 1 : k;
  const acs = transposeA ? m : 1;
  const brs = transposeB ? 1 : n;
  const bcs = transposeB ? k : 1;
  const aStep = ba === 1 ? 0 : m * k;
  const bStep = bb === 1 ? 0 : k * n;
  if (!(o instanceof Float32Array || o instanceof Float64Array)) {
    for (let i = 0; i < batch; i++) intGemm(m, n, k, a, i * aStep, ars, acs, b, i * bStep, brs, bcs, o, i * m * n);
    return;
  }
  o.fill(0);
  const fa = a as Float;
  const fb = b as Float;
  if (bb === 1 && !transposeA && batch > 1) {
    // One shared B: the batch of A rows is one tall matrix, and B is packed once.
    gemm(batch * m, n, k, fa, 0, ars, acs, fb, 0, brs, bcs, o, 0, n, ws);
    return;
  }
  for (let i = 0; i < batch; i++) gemm(m, n, k, fa, i * aStep, ars, acs, fb, i * bStep, brs, bcs, o, i * m * n, n, ws);
}
