// 2-D convolution (NCHW input, OIHW weights) and its two gradients on float32, as GEMMs whose
// patch operand is packed straight from the image (implicit GEMM): per image and group,
//
//   forward:         y_g  = W_g · P          (P: the patch matrix, [C/g·kH·kW, outH·outW])
//   weight gradient: dW_g += dy_g · Pᵀ
//   input gradient:  col  = W_gᵀ · dy_g, then col2im adds the patches back into dx
//
// P is never built: its B panels are packed from x on the fly (packPatches / packPatchesT), so a
// one-channel layer (K = 9) costs one pass over the input per panel instead of an im2col copy.
// Only the input gradient writes a column chunk, in a scratch buffer the caller provides.

import { KC, MC, NC, NR, macroKernel, packA, sgemm } from './gemm';

// Geometry of the current convolution, set by each exported entry point.
let gC: i32 = 0, gH: i32 = 0, gW: i32 = 0;
let gKh: i32 = 0, gKw: i32 = 0, gOh: i32 = 0, gOw: i32 = 0;
let gSh: i32 = 0, gSw: i32 = 0, gPt: i32 = 0, gPl: i32 = 0, gDh: i32 = 0, gDw: i32 = 0;

function setGeometry(h: i32, w: i32, kh: i32, kw: i32, oh: i32, ow: i32, sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32): void {
  gH = h; gW = w; gKh = kh; gKw = kw; gOh = oh; gOw = ow;
  gSh = sh; gSw = sw; gPt = pt; gPl = pl; gDh = dh; gDw = dw;
}

function isPointwise(): bool {
  return gKh == 1 && gKw == 1 && gSh == 1 && gSw == 1 && gPt == 0 && gPl == 0 && gOh == gH && gOw == gW;
}

/**
 * Packs rows `[r0, r0+kc)` × output positions `[s0, s0+nc)` of the patch matrix of one image
 * (`xImg`: its first channel of the group) as zero-padded column panels of 8 (the B layout of the
 * GEMM): element (r, s) goes to `dst[(t>>3)*kc*8 + (r-r0)*8 + (t&7)]`, `t = s - s0`.
 */
function packPatches(xImg: usize, r0: i32, kc: i32, s0: i32, nc: i32, dst: usize): void {
  const kk2 = gKh * gKw;
  const hw = gH * gW;
  const panelBytes = <usize>(kc * NR) << 2;
  if ((nc & (NR - 1)) != 0) memory.fill(dst + <usize>(nc >> 3) * panelBytes, 0, panelBytes);
  for (let ri = 0; ri < kc; ri++) {
    const r = r0 + ri;
    const ci = r / kk2;
    const rem = r - ci * kk2;
    const i = rem / gKw;
    const j = rem - i * gKw;
    const xc = xImg + (<usize>(ci * hw) << 2);
    const ihOff = i * gDh - gPt;
    const iwOff = j * gDw - gPl;
    let oy = s0 / gOw;
    let ox = s0 - oy * gOw;
    let ih = oy * gSh + ihOff;
    const rowDst = dst + (<usize>(ri * NR) << 2);
    let t = 0;
    while (t < nc) {
      const iw = ox * gSw + iwOff;
      const rowOk = <u32>ih < <u32>gH;
      const out = rowDst + <usize>(t >> 3) * panelBytes + (<usize>(t & 7) << 2);
      if ((t & 7) == 0 && gSw == 1 && rowOk && t + 8 <= nc && ox + 8 <= gOw && iw >= 0 && iw + 8 <= gW) {
        // Eight adjacent outputs read eight adjacent inputs: one vector copy.
        const src = xc + (<usize>(ih * gW + iw) << 2);
        v128.store(out, v128.load(src));
        v128.store(out, v128.load(src, 16), 16);
        t += 8;
        ox += 8;
      } else {
        store<f32>(out, rowOk && <u32>iw < <u32>gW ? load<f32>(xc + (<usize>(ih * gW + iw) << 2)) : 0);
        t++;
        ox++;
      }
      if (ox >= gOw) {
        ox = 0;
        oy++;
        ih = oy * gSh + ihOff;
      }
    }
  }
}

/**
 * Packs the transposed patch matrix: output positions `[s0, s0+kc)` (the GEMM depth) × patch rows
 * `[r0, r0+nc)`, as zero-padded column panels of 8: element (s, r) goes to
 * `dst[(u>>3)*kc*8 + (s-s0)*8 + (u&7)]`, `u = r - r0`.
 */
function packPatchesT(xImg: usize, s0: i32, kc: i32, r0: i32, nc: i32, dst: usize): void {
  const kk2 = gKh * gKw;
  const hw = gH * gW;
  const panelBytes = <usize>(kc * NR) << 2;
  if ((nc & (NR - 1)) != 0) memory.fill(dst + <usize>(nc >> 3) * panelBytes, 0, panelBytes);
  for (let u = 0; u < nc; u++) {
    const r = r0 + u;
    const ci = r / kk2;
    const rem = r - ci * kk2;
    const i = rem / gKw;
    const j = rem - i * gKw;
    const xc = xImg + (<usize>(ci * hw) << 2);
    const ihOff = i * gDh - gPt;
    const iwOff = j * gDw - gPl;
    let oy = s0 / gOw;
    let ox = s0 - oy * gOw;
    let ih = oy * gSh + ihOff;
    let out = dst + <usize>(u >> 3) * panelBytes + (<usize>(u & 7) << 2);
    for (let t = 0; t < kc; t++) {
      const iw = ox * gSw + iwOff;
      store<f32>(out, <u32>ih < <u32>gH && <u32>iw < <u32>gW ? load<f32>(xc + (<usize>(ih * gW + iw) << 2)) : 0);
      out += NR << 2;
      ox++;
      if (ox >= gOw) {
        ox = 0;
        oy++;
        ih = oy * gSh + ihOff;
      }
    }
  }
}

/** Forward convolution; `y` is overwritten. `ws`: the GEMM workspace. */
export function conv2dForward(
  x: usize, wt: usize, y: usize, ws: usize,
  n: i32, c: i32, h: i32, w: i32, o: i32, cg: i32, kh: i32, kw: i32, oh: i32, ow: i32, g: i32,
  sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
): void {
  setGeometry(h, w, kh, kw, oh, ow, sh, sw, pt, pl, dh, dw);
  gC = c;
  const og = o / g;
  const kk = cg * kh * kw;
  const ohw = oh * ow;
  const hw = h * w;
  memory.fill(y, 0, <usize>(n * o * ohw) << 2);
  const ap = ws;
  const bp = ap + (<usize>(MC * KC) << 2);
  const tile = bp + (<usize>(KC * NC) << 2);
  const pointwise = isPointwise();
  for (let img = 0; img < n; img++) {
    for (let grp = 0; grp < g; grp++) {
      const xImg = x + (<usize>((img * c + grp * cg) * hw) << 2);
      const yImg = y + (<usize>((img * o + grp * og) * ohw) << 2);
      const wg = wt + (<usize>(grp * og * kk) << 2);
      if (pointwise) {
        sgemm(og, ohw, kk, wg, kk, 1, xImg, hw, 1, yImg, ohw, ws);
        continue;
      }
      for (let jc = 0; jc < ohw; jc += NC) {
        const nc = min(NC, ohw - jc);
        for (let pc = 0; pc < kk; pc += KC) {
          const kc = min(KC, kk - pc);
          packPatches(xImg, pc, kc, jc, nc, bp);
          for (let ic = 0; ic < og; ic += MC) {
            const mc = min(MC, og - ic);
            packA(wg + (<usize>(ic * kk + pc) << 2), kk, 1, mc, kc, ap);
            macroKernel(mc, nc, kc, ap, bp, yImg + (<usize>(ic * ohw + jc) << 2), ohw, tile);
          }
        }
      }
    }
  }
}

/** Weight gradient; `dwt` is overwritten (accumulated over the batch in float32). */
export function conv2dBackpropFilter(
  x: usize, dy: usize, dwt: usize, ws: usize,
  n: i32, c: i32, h: i32, w: i32, o: i32, cg: i32, kh: i32, kw: i32, oh: i32, ow: i32, g: i32,
  sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
): void {
  setGeometry(h, w, kh, kw, oh, ow, sh, sw, pt, pl, dh, dw);
  gC = c;
  const og = o / g;
  const kk = cg * kh * kw;
  const ohw = oh * ow;
  const hw = h * w;
  memory.fill(dwt, 0, <usize>(o * kk) << 2);
  const ap = ws;
  const bp = ap + (<usize>(MC * KC) << 2);
  const tile = bp + (<usize>(KC * NC) << 2);
  const pointwise = isPointwise();
  for (let img = 0; img < n; img++) {
    for (let grp = 0; grp < g; grp++) {
      const xImg = x + (<usize>((img * c + grp * cg) * hw) << 2);
      const dyImg = dy + (<usize>((img * o + grp * og) * ohw) << 2);
      const dwg = dwt + (<usize>(grp * og * kk) << 2);
      if (pointwise) {
        // Pᵀ(s, ch) = x[ch*hw + s].
        sgemm(og, kk, ohw, dyImg, ohw, 1, xImg, 1, hw, dwg, kk, ws);
        continue;
      }
      for (let jc = 0; jc < kk; jc += NC) {
        const nc = min(NC, kk - jc);
        for (let pc = 0; pc < ohw; pc += KC) {
          const kc = min(KC, ohw - pc);
          packPatchesT(xImg, pc, kc, jc, nc, bp);
          for (let ic = 0; ic < og; ic += MC) {
            const mc = min(MC, og - ic);
            packA(dyImg + (<usize>(ic * ohw + pc) << 2), ohw, 1, mc, kc, ap);
            macroKernel(mc, nc, kc, ap, bp, dwg + (<usize>(ic * kk + jc) << 2), kk, tile);
          }
        }
      }
    }
  }
}

/** Adds column chunk `col` (`kk` rows of `width` = p1 - p0 output positions) back into one image of dx. */
function col2im(col: usize, kk: i32, p0: i32, p1: i32, dxImg: usize): void {
  const kk2 = gKh * gKw;
  const hw = gH * gW;
  const width = p1 - p0;
  for (let r = 0; r < kk; r++) {
    const ci = r / kk2;
    const rem = r - ci * kk2;
    const i = rem / gKw;
    const j = rem - i * gKw;
    const xc = dxImg + (<usize>(ci * hw) << 2);
    const ihOff = i * gDh - gPt;
    const iwOff = j * gDw - gPl;
    let oy = p0 / gOw;
    let ox = p0 - oy * gOw;
    let ih = oy * gSh + ihOff;
    let src = col + (<usize>(r * width) << 2);
    for (let t = 0; t < width; t++) {
      const iw = ox * gSw + iwOff;
      if (<u32>ih < <u32>gH && <u32>iw < <u32>gW) {
        const d = xc + (<usize>(ih * gW + iw) << 2);
        store<f32>(d, load<f32>(d) + load<f32>(src));
      }
      src += 4;
      ox++;
      if (ox >= gOw) {
        ox = 0;
        oy++;
        ih = oy * gSh + ihOff;
      }
    }
  }
}

/**
 * Input gradient; `dx` is overwritten. `col` is scratch for `kk × chunk` floats: the patches are
 * computed `chunk` output positions at a time.
 */
export function conv2dBackpropInput(
  dy: usize, wt: usize, dx: usize, ws: usize, col: usize, chunk: i32,
  n: i32, c: i32, h: i32, w: i32, o: i32, cg: i32, kh: i32, kw: i32, oh: i32, ow: i32, g: i32,
  sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
): void {
  setGeometry(h, w, kh, kw, oh, ow, sh, sw, pt, pl, dh, dw);
  gC = c;
  const og = o / g;
  const kk = cg * kh * kw;
  const ohw = oh * ow;
  const hw = h * w;
  memory.fill(dx, 0, <usize>(n * c * hw) << 2);
  const pointwise = isPointwise();
  for (let img = 0; img < n; img++) {
    for (let grp = 0; grp < g; grp++) {
      const dxImg = dx + (<usize>((img * c + grp * cg) * hw) << 2);
      const dyImg = dy + (<usize>((img * o + grp * og) * ohw) << 2);
      const wg = wt + (<usize>(grp * og * kk) << 2);
      // W_gᵀ (kk × og): element (i, p) = W_g[p, i], strides (1, kk).
      if (pointwise) {
        sgemm(kk, ohw, og, wg, 1, kk, dyImg, ohw, 1, dxImg, hw, ws);
        continue;
      }
      for (let p0 = 0; p0 < ohw; p0 += chunk) {
        const p1 = min(ohw, p0 + chunk);
        const width = p1 - p0;
        memory.fill(col, 0, <usize>(kk * width) << 2);
        sgemm(kk, width, og, wg, 1, kk, dyImg + (<usize>p0 << 2), ohw, 1, col, width, ws);
        col2im(col, kk, p0, p1, dxImg);
      }
    }
  }
}
