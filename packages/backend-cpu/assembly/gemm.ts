// SGEMM: C += A·B on float32, cache-blocked in the style of BLIS, with a 4×8 micro-tile held in
// eight f32x4 accumulators (V8 spills beyond about eight live v128 values; 6×8 and 8×8 tiles
// measured 40% slower). A is packed into row panels of 4 and B into column panels of 8, so the
// micro-kernel reads both operands sequentially; transposed operands are just other strides,
// absorbed by the packing. Convolutions reuse the driver with B packed straight from the image
// (implicit GEMM, see conv.ts), so no im2col matrix is ever materialized for the forward pass or
// the filter gradient.
//
// Pointers are byte offsets into the imported memory; sizes and strides are in elements.

export const MR: i32 = 4;
export const NR: i32 = 8;
/** Rows of A per packed block (A block: MC × KC floats, 128 KiB, lives in L2). */
export const MC: i32 = 128;
/** Depth of a packed block. A micro-panel of B (NR × KC floats, 8 KiB) stays in L1. */
export const KC: i32 = 256;
/** Columns of B per packed panel (KC × NC floats, 1 MiB, lives in L2). */
export const NC: i32 = 1024;

/** Bytes of the workspace a GEMM needs: packed A, packed B and one edge tile. */
export function gemmWorkspaceBytes(): i32 {
  return (MC * KC + KC * NC + MR * NR) * 4;
}

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    // Fused on hardware with FMA (one rounding), unfused elsewhere: both are within float32
    // tolerance of the exact product-sum.
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(c, f32x4.mul(a, b));
  }
}

/**
 * The micro-kernel: C[0:4, 0:8] += Ap · Bp over `kc` steps. `ldc` is in bytes. Inlined into
 * {@link macroKernel} so the accumulators stay in registers across the whole `kc` loop.
 */
// @ts-ignore: decorator
@inline function microKernel(ap: usize, bp: usize, kc: i32, c: usize, ldc: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    ap += 16;
    bp += 32;
  }
  v128.store(c, f32x4.add(v128.load(c), c00));
  v128.store(c, f32x4.add(v128.load(c, 16), c01), 16);
  c += ldc;
  v128.store(c, f32x4.add(v128.load(c), c10));
  v128.store(c, f32x4.add(v128.load(c, 16), c11), 16);
  c += ldc;
  v128.store(c, f32x4.add(v128.load(c), c20));
  v128.store(c, f32x4.add(v128.load(c, 16), c21), 16);
  c += ldc;
  v128.store(c, f32x4.add(v128.load(c), c30));
  v128.store(c, f32x4.add(v128.load(c, 16), c31), 16);
}

/**
 * Multiplies a packed `mc × kc` block of A by a packed `kc × nc` panel of B into C (row stride
 * `ldc` elements). A separate, never-inlined function: V8 runs a function's first call in its
 * baseline tier and only later calls in optimized code, and the driver calls this one many times.
 */
// @ts-ignore: decorator
@noinline export function macroKernel(mc: i32, nc: i32, kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, tile: usize): void {
  const ldcBytes = <usize>ldc << 2;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const bpj = bp + (<usize>(jr * kc) << 2);
    for (let ir = 0; ir < mc; ir += MR) {
      const mr = min(MR, mc - ir);
      const api = ap + (<usize>(ir * kc) << 2);
      const cij = c + (<usize>(ir * ldc + jr) << 2);
      if (mr == MR && nr == NR) {
        microKernel(api, bpj, kc, cij, ldcBytes);
      } else {
        // Edge tile: the zero-padded panels give a full 4×8 product; add only its valid part.
        memory.fill(tile, 0, MR * NR * 4);
        microKernel(api, bpj, kc, tile, NR * 4);
        for (let r = 0; r < mr; r++) {
          for (let q = 0; q < nr; q++) {
            const cp = cij + (<usize>(r * ldc + q) << 2);
            store<f32>(cp, load<f32>(cp) + load<f32>(tile + (<usize>(r * NR + q) << 2)));
          }
        }
      }
    }
  }
}

/** Packs an `mc × kc` block of A (`A(i, p) = a[i*ars + p*acs]`) as zero-padded row panels of 4. */
export function packA(a: usize, ars: i32, acs: i32, mc: i32, kc: i32, dst: usize): void {
  let q = dst;
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const r0 = a + (<usize>(ir * ars) << 2);
    if (rows == MR && ars == 1) {
      // Transposed A: the four rows of a panel are adjacent.
      const step = <usize>acs << 2;
      let s = r0;
      for (let p = 0; p < kc; p++) {
        v128.store(q, v128.load(s));
        s += step;
        q += 16;
      }
    } else if (rows == MR) {
      const rs = <usize>ars << 2;
      const step = <usize>acs << 2;
      let s = r0;
      for (let p = 0; p < kc; p++) {
        store<f32>(q, load<f32>(s));
        store<f32>(q, load<f32>(s + rs), 4);
        store<f32>(q, load<f32>(s + 2 * rs), 8);
        store<f32>(q, load<f32>(s + 3 * rs), 12);
        s += step;
        q += 16;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR; r++) {
          store<f32>(q + (<usize>r << 2), r < rows ? load<f32>(r0 + (<usize>(r * ars + p * acs) << 2)) : 0);
        }
        q += 16;
      }
    }
  }
}

/** Packs a `kc × nc` panel of B (`B(p, j) = b[p*brs + j*bcs]`) as zero-padded column panels of 8. */
export function packB(b: usize, brs: i32, bcs: i32, kc: i32, nc: i32, dst: usize): void {
  let q = dst;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const c0 = b + (<usize>(jr * bcs) << 2);
    if (cols == NR && bcs == 1) {
      const step = <usize>brs << 2;
      let s = c0;
      for (let p = 0; p < kc; p++) {
        v128.store(q, v128.load(s));
        v128.store(q, v128.load(s, 16), 16);
        s += step;
        q += 32;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let j = 0; j < NR; j++) {
          store<f32>(q + (<usize>j << 2), j < cols ? load<f32>(c0 + (<usize>(j * bcs + p * brs) << 2)) : 0);
        }
        q += 32;
      }
    }
  }
}

/**
 * `C += A·B` for an `m × k` matrix A and a `k × n` matrix B given by strides (elements):
 * `A(i, p) = a[i*ars + p*acs]`, `B(p, j) = b[p*brs + j*bcs]`, `C(i, j) = c[i*ldc + j]`.
 * `ws` points at {@link gemmWorkspaceBytes} bytes.
 */
export function sgemm(
  m: i32, n: i32, k: i32,
  a: usize, ars: i32, acs: i32,
  b: usize, brs: i32, bcs: i32,
  c: usize, ldc: i32,
  ws: usize,
): void {
  if (m == 0 || n == 0 || k == 0) return;
  const ap = ws;
  const bp = ap + (<usize>(MC * KC) << 2);
  const tile = bp + (<usize>(KC * NC) << 2);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB(b + (<usize>(pc * brs + jc * bcs) << 2), brs, bcs, kc, nc, bp);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(a + (<usize>(ic * ars + pc * acs) << 2), ars, acs, mc, kc, ap);
        macroKernel(mc, nc, kc, ap, bp, c + (<usize>(ic * ldc + jc) << 2), ldc, tile);
      }
    }
  }
}

/**
 * A batch of GEMMs with the same sizes: operand `t` of batch `i` starts `i * step` elements after
 * the first (a step of 0 broadcasts). `C` is overwritten (zeroed first).
 */
export function sgemmBatched(
  batch: i32, m: i32, n: i32, k: i32,
  a: usize, ars: i32, acs: i32, aStep: i32,
  b: usize, brs: i32, bcs: i32, bStep: i32,
  c: usize, ws: usize,
): void {
  memory.fill(c, 0, <usize>(batch * m * n) << 2);
  for (let i = 0; i < batch; i++) {
    sgemm(
      m, n, k,
      a + (<usize>(i * aStep) << 2), ars, acs,
      b + (<usize>(i * bStep) << 2), brs, bcs,
      c + (<usize>(i * m * n) << 2), n, ws,
    );
  }
}
