/**
 * 2-D convolution (NCHW, OIHW weights) and its two gradients, all through the blocked
 * {@link gemm}: per image and group, the input patches are unrolled into a column matrix
 * (im2col, `[C/g·kH·kW, outH·outW]`), so
 *
 * - forward:        `y_g   = W_g · col`
 * - input gradient: `col   = W_gᵀ · dy_g`, then col2im adds the patches back (also convTranspose2d)
 * - weight gradient: `dW_g += dy_g · colᵀ`
 *
 * A 1×1, stride-1, unpadded convolution skips im2col (the input already is the column matrix);
 * a depthwise convolution (`groups == C`, one input channel per group) runs a direct loop, since
 * its per-group GEMM would have a single row.
 */
import { convGeometry, type Conv2dParams, type ConvGeometry, type TensorInfo } from '@tessera/tensor-core';
import { dataOf } from '../storage.js';
import { gemm, type GemmWorkspace } from './matmul.js';

type Float = Float32Array | Float64Array;


/** Whether the input is its own column matrix: 1×1 kernel, stride 1, no padding. */
function isPointwise(q: ConvGeometry): boolean {
  return q.kh === 1 && q.kw === 1 && q.sh === 1 && q.sw === 1 && q.pt === 0 && q.pl === 0 && q.oh === q.h && q.ow === q.w;
}

/**
 * The column range `[lo, hi)` of outputs whose input column `ow*sw + off` lies inside `[0, w)`.
 */
function validRange(off: number, sw: number, w: number, ow: number): [number, number] {
  const lo = Math.max(0, Math.ceil(-off / sw));
  const hi = Math.min(ow, Math.floor((w - 1 - off) / sw) + 1);
  return [lo, Math.max(lo, hi)];
}

/**
 * Output positions per im2col chunk: the column matrix of a large image is built and consumed a
 * slice of columns at a time, so it stays near the cache (`ws.maxColumnElements`) instead of
 * growing with the image.
 */
function chunkSize(kk: number, ohw: number, ws: GemmWorkspace): number {
  return Math.max(1, Math.min(ohw, Math.floor(ws.maxColumnElements / Math.max(kk, 1))));
}

/**
 * Calls `fn(r, c, i, j, y, t0, t1, colOff)` for each patch row `r = (c, i, j)` and each output
 * row `y` meeting the output positions `[p0, p1)`: positions `y*ow + t` for `t` in `[t0, t1)`,
 * whose column in the chunk is `colOff + t`. Shared by im2col and col2im.
 */
function forEachPatchRow(
  q: ConvGeometry,
  p0: number,
  p1: number,
  fn: (r: number, c: number, i: number, j: number, y: number, t0: number, t1: number, colOff: number) => void,
): void {
  const { kh, kw, ow } = q;
  const y0 = Math.floor(p0 / ow);
  const y1 = Math.ceil(p1 / ow);
  let r = 0;
  for (let c = 0; c < q.cg; c++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++, r++) {
        for (let y = y0; y < y1; y++) {
          const t0 = y === y0 ? p0 - y * ow : 0;
          const t1 = Math.min(ow, p1 - y * ow);
          fn(r, c, i, j, y, t0, t1, y * ow - p0);
        }
      }
    }
  }
}

/**
 * Unrolls the patches of `cg` channels of one image (starting at `xOff`) for output positions
 * `[p0, p1)` into `col` (`cg·kh·kw` rows of `p1 - p0`).
 */
function im2col(x: Float, xOff: number, q: ConvGeometry, p0: number, p1: number, col: Float64Array): void {
  const { h, w, ow, sh, sw, pt, pl, dh, dw } = q;
  const width = p1 - p0;
  forEachPatchRow(q, p0, p1, (r, c, i, j, y, t0, t1, colOff) => {
    const dst = r * width + colOff;
    const ih = y * sh - pt + i * dh;
    if (ih < 0 || ih >= h) {
      col.fill(0, dst + t0, dst + t1);
      return;
    }
    const wOff = j * dw - pl;
    const [lo0, hi0] = validRange(wOff, sw, w, ow);
    const lo = Math.min(Math.max(lo0, t0), t1);
    const hi = Math.max(Math.min(hi0, t1), lo);
    const src = xOff + (c * h + ih) * w + wOff;
    for (let t = t0; t < lo; t++) col[dst + t] = 0;
    if (sw === 1) for (let t = lo; t < hi; t++) col[dst + t] = x[src + t]!;
    else for (let t = lo; t < hi; t++) col[dst + t] = x[src + t * sw]!;
    for (let t = hi; t < t1; t++) col[dst + t] = 0;
  });
}

/** Adds the patches in `col` (output positions `[p0, p1)`) back into one image of `dx`: the adjoint of im2col. */
function col2im(col: Float64Array, q: ConvGeometry, p0: number, p1: number, dx: Float, xOff: number): void {
  const { h, w, ow, sh, sw, pt, pl, dh, dw } = q;
  const width = p1 - p0;
  forEachPatchRow(q, p0, p1, (r, c, i, j, y, t0, t1, colOff) => {
    const ih = y * sh - pt + i * dh;
    if (ih < 0 || ih >= h) return;
    const wOff = j * dw - pl;
    const [lo0, hi0] = validRange(wOff, sw, w, ow);
    const lo = Math.max(lo0, t0);
    const hi = Math.min(hi0, t1);
    const src = r * width + colOff;
    const dst = xOff + (c * h + ih) * w + wOff;
    for (let t = lo; t < hi; t++) dx[dst + t * sw] = dx[dst + t * sw]! + col[src + t]!;
  });
}

export function conv2d(xInfo: TensorInfo, wInfo: TensorInfo, params: Conv2dParams, outInfo: TensorInfo, ws: GemmWorkspace): void {
  const q = convGeometry(xInfo.shape, wInfo.shape, outInfo.shape, params);
  const x = dataOf(xInfo) as Float;
  const wt = dataOf(wInfo) as Float;
  const y = dataOf(outInfo) as Float;
  y.fill(0);
  if (y.length === 0 || x.length === 0) return;
  if (q.cg === 1 && q.g === q.c) {
    depthwise(x, wt, q, y);
    return;
  }
  const ohw = q.oh * q.ow;
  const hw = q.h * q.w;
  const kk = q.cg * q.kh * q.kw;
  const pointwise = isPointwise(q);
  const chunk = chunkSize(kk, ohw, ws);
  const col = pointwise ? undefined : ws.scratch(kk * chunk);
  for (let n = 0; n < q.n; n++) {
    for (let g = 0; g < q.g; g++) {
      const xOff = (n * q.c + g * q.cg) * hw;
      const yOff = (n * q.o + g * q.og) * ohw;
      if (col === undefined) {
        gemm(q.og, ohw, kk, wt, g * q.og * kk, kk, 1, x, xOff, hw, 1, y, yOff, ohw, ws);
        continue;
      }
      for (let p0 = 0; p0 < ohw; p0 += chunk) {
        const p1 = Math.min(ohw, p0 + chunk);
        im2col(x, xOff, q, p0, p1, col);
        gemm(q.og, p1 - p0, kk, wt, g * q.og * kk, kk, 1, col, 0, p1 - p0, 1, y, yOff + p0, ohw, ws);
      }
    }
  }
}

/** Direct depthwise convolution: each output channel reads one input channel. */
function depthwise(x: Float, wt: Float, q: ConvGeometry, y: Float): void {
  const { h, w, kh, kw, oh, ow, sh, sw, pt, pl, dh, dw, og } = q;
  for (let n = 0; n < q.n; n++) {
    for (let oc = 0; oc < q.o; oc++) {
      const c = Math.floor(oc / og);
      const xOff = (n * q.c + c) * h * w;
      const yOff = (n * q.o + oc) * oh * ow;
      const wOff = oc * kh * kw;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const wv = wt[wOff + i * kw + j]!;
          const colOff = j * dw - pl;
          const [lo, hi] = validRange(colOff, sw, w, ow);
          for (let r = 0; r < oh; r++) {
            const ih = r * sh - pt + i * dh;
            if (ih < 0 || ih >= h) continue;
            const src = xOff + ih * w + colOff;
            const dst = yOff + r * ow;
            if (sw === 1) for (let t = lo; t < hi; t++) y[dst + t] = y[dst + t]! + wv * x[src + t]!;
            else for (let t = lo; t < hi; t++) y[dst + t] = y[dst + t]! + wv * x[src + t * sw]!;
          }
        }
      }
    }
  }
}

export function conv2dBackpropInput(
  dyInfo: TensorInfo,
  wInfo: TensorInfo,
  params: Conv2dParams,
  outInfo: TensorInfo,
  ws: GemmWorkspace,
): void {
  const q = convGeometry(outInfo.shape, wInfo.shape, dyInfo.shape, params);
  const dy = dataOf(dyInfo) as Float;
  const wt = dataOf(wInfo) as Float;
  const dx = dataOf(outInfo) as Float;
  dx.fill(0);
  if (dx.length === 0 || dy.length === 0) return;
  const ohw = q.oh * q.ow;
  const hw = q.h * q.w;
  const kk = q.cg * q.kh * q.kw;
  const pointwise = isPointwise(q);
  const chunk = chunkSize(kk, ohw, ws);
  const col = pointwise ? undefined : ws.scratch(kk * chunk);
  for (let n = 0; n < q.n; n++) {
    for (let g = 0; g < q.g; g++) {
      const xOff = (n * q.c + g * q.cg) * hw;
      const dyOff = (n * q.o + g * q.og) * ohw;
      // W_gᵀ (kk × og): element (i, p) = W_g[p, i], strides (1, kk).
      if (col === undefined) {
        gemm(kk, ohw, q.og, wt, g * q.og * kk, 1, kk, dy, dyOff, ohw, 1, dx, xOff, hw, ws);
        continue;
      }
      for (let p0 = 0; p0 < ohw; p0 += chunk) {
        const p1 = Math.min(ohw, p0 + chunk);
        col.fill(0, 0, kk * (p1 - p0));
        gemm(kk, p1 - p0, q.og, wt, g * q.og * kk, 1, kk, dy, dyOff + p0, ohw, 1, col, 0, p1 - p0, ws);
        col2im(col, q, p0, p1, dx, xOff);
      }
    }
  }
}

export function conv2dBackpropFilter(
  xInfo: TensorInfo,
  dyInfo: TensorInfo,
  params: Conv2dParams,
  outInfo: TensorInfo,
  ws: GemmWorkspace,
): void {
  const q = convGeometry(xInfo.shape, outInfo.shape, dyInfo.shape, params);
  const x = dataOf(xInfo) as Float;
  const dy = dataOf(dyInfo) as Float;
  const dw = dataOf(outInfo) as Float;
  dw.fill(0);
  if (dw.length === 0 || dy.length === 0) return;
  const ohw = q.oh * q.ow;
  const hw = q.h * q.w;
  const kk = q.cg * q.kh * q.kw;
  const pointwise = isPointwise(q);
  const chunk = chunkSize(kk, ohw, ws);
  const col = pointwise ? undefined : ws.scratch(kk * chunk);
  // Accumulate in float64 across images, round once at the end.
  const acc = dw instanceof Float64Array ? dw : new Float64Array(dw.length);
  for (let n = 0; n < q.n; n++) {
    for (let g = 0; g < q.g; g++) {
      const xOff = (n * q.c + g * q.cg) * hw;
      const dyOff = (n * q.o + g * q.og) * ohw;
      // colᵀ (ohw × kk): element (p, j) = col[j, p], strides (1, ohw).
      if (col === undefined) {
        gemm(q.og, kk, ohw, dy, dyOff, ohw, 1, x, xOff, 1, hw, acc, g * q.og * kk, kk, ws);
        continue;
      }
      for (let p0 = 0; p0 < ohw; p0 += chunk) {
        const p1 = Math.min(ohw, p0 + chunk);
        im2col(x, xOff, q, p0, p1, col);
        gemm(q.og, kk, p1 - p0, dy, dyOff + p0, ohw, 1, col, 0, 1, p1 - p0, acc, g * q.og * kk, kk, ws);
      }
    }
  }
  if (acc !== dw) dw.set(acc);
}
