/**
 * Pixel sampling as tensor ops (so it runs on any backend): per-sample gathers of rows, columns
 * or arbitrary pixels, and the bilinear / nearest grid sampler behind rotation and affine maps
 * (PyTorch `grid_sample` with `align_corners=False` and torchvision's fill handling).
 * Callers run these inside `tidy`.
 */
import { Tensor, arange, concat, expand, reshape, takeAlongAxis, tensor, where } from '@tessera/tensor-core';

/** `x` `[N, C, H, W]` rows picked per sample: `rows` int32 `[N, outH]` → `[N, C, outH, W]`. */
export function gatherRows(x: Tensor, rows: Tensor): Tensor {
  const [n, c, , w] = x.shape as [number, number, number, number];
  const outH = rows.shape[1]!;
  const idx = expand(reshape(rows, [n, 1, outH, 1]), [n, c, outH, w]);
  return takeAlongAxis(x, idx, 2);
}

/** `x` `[N, C, H, W]` columns picked per sample: `cols` int32 `[N, outW]` → `[N, C, H, outW]`. */
export function gatherCols(x: Tensor, cols: Tensor): Tensor {
  const [n, c, h] = x.shape as [number, number, number, number];
  const outW = cols.shape[1]!;
  const idx = expand(reshape(cols, [n, 1, 1, outW]), [n, c, h, outW]);
  return takeAlongAxis(x, idx, 3);
}

/** Pixels of `x` `[N, C, H, W]` at flat positions `y * W + x`: `flat` int32 `[N, P]` → `[N, C, P]`. */
export function gatherPixels(x: Tensor, flat: Tensor): Tensor {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const p = flat.shape[1]!;
  const idx = expand(reshape(flat, [n, 1, p]), [n, c, p]);
  return takeAlongAxis(reshape(x, [n, c, h * w]), idx, 2);
}

/** Per-sample values on the host as an `[N, 1, ..., 1]` float32 tensor of rank `rank`. */
export function perSample(values: ArrayLike<number>, rank = 4): Tensor {
  return tensor(Float32Array.from(values), [values.length, ...new Array<number>(rank - 1).fill(1)]);
}

/** Per-sample booleans as an `[N, 1, 1, 1]` bool tensor. */
export function perSampleMask(values: readonly boolean[]): Tensor {
  return tensor(Uint8Array.from(values, (v) => (v ? 1 : 0)), [values.length, 1, 1, 1], { dtype: 'bool' });
}

/** Sampling mode of the grid sampler. */
export type Interpolation = 'bilinear' | 'nearest';

/**
 * Samples `x` `[N, C, H, W]` at source coordinates `sx`, `sy` `[N, outH, outW]` (pixel units,
 * pixel centres at integers). Corners outside the image take `fill`; as in torchvision, the
 * result is `mask * (S - fill) + fill` where `S` sums the in-image corners and `mask` their
 * weights. Returns `[N, C, outH, outW]`.
 *
 * All four bilinear corners are gathered with one `takeAlongAxis` over the flattened pixels.
 */
export function gridSample(x: Tensor, sx: Tensor, sy: Tensor, mode: Interpolation, fill: number | Tensor): Tensor {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [, outH, outW] = sx.shape as [number, number, number];
  const p = outH * outW;
  const pixels = reshape(x, [n, c, h * w]);
  // Integer index arithmetic (exact for any image size).
  const corner = (cx: Tensor, cy: Tensor): { index: Tensor; valid: Tensor } => {
    const valid = cx.greaterEqual(0).logicalAnd(cx.lessEqual(w - 1)).logicalAnd(cy.greaterEqual(0)).logicalAnd(cy.lessEqual(h - 1));
    const index = cy.clamp(0, h - 1).cast('int32').mul(w).add(cx.clamp(0, w - 1).cast('int32'));
    return { index: reshape(index, [n, 1, p]), valid: reshape(valid, [n, 1, p]) };
  };
  const fillColumn = typeof fill === 'number' ? fill : reshape(fill, [1, c, 1]);
  let out: Tensor;
  if (mode === 'nearest') {
    const { index, valid } = corner(sx.round(), sy.round());
    out = where(valid, takeAlongAxis(pixels, expand(index, [n, c, p]), 2), fillColumn);
  } else {
    const x0 = sx.floor();
    const y0 = sy.floor();
    const wx1 = sx.sub(x0);
    const wy1 = sy.sub(y0);
    const wx0 = wx1.neg().add(1);
    const wy0 = wy1.neg().add(1);
    const x1 = x0.add(1);
    const y1 = y0.add(1);
    const corners = [
      [x0, y0, wx0.mul(wy0)],
      [x1, y0, wx1.mul(wy0)],
      [x0, y1, wx0.mul(wy1)],
      [x1, y1, wx1.mul(wy1)],
    ] as const;
    const indices: Tensor[] = [];
    const weights: Tensor[] = [];
    for (const [cx, cy, weight] of corners) {
      const { index, valid } = corner(cx, cy);
      indices.push(index);
      weights.push(reshape(weight, [n, 1, p]).mul(valid.cast('float32')));
    }
    const wAll = reshape(concat(weights, 2), [n, 1, 4, p]);
    const values = reshape(takeAlongAxis(pixels, expand(concat(indices, 2), [n, c, 4 * p]), 2), [n, c, 4, p]);
    const sum = values.mul(wAll).sum(2); // [N, C, P]
    const mask = wAll.sum(2); // [N, 1, P]
    out = typeof fillColumn === 'number' && fillColumn === 0 ? sum.mul(mask) : sum.sub(fillColumn).mul(mask).add(fillColumn);
  }
  return reshape(out, [n, c, outH, outW]);
}

/**
 * Samples `x` `[N, C, H, W]` through per-sample inverse affine maps `matrices` (6 numbers per
 * sample, torchvision's `_get_inverse_affine_matrix` convention: output pixel centred on the
 * image centre → input pixel centred on the image centre), building the grid with tensor ops.
 */
export function affineSample(x: Tensor, matrices: Float64Array, mode: Interpolation, fill: number | Tensor): Tensor {
  const [n, , h, w] = x.shape as [number, number, number, number];
  const column = (k: number, offset = 0): Tensor => {
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = matrices[i * 6 + k]! + offset;
    return tensor(v, [n, 1, 1]);
  };
  const xs = reshape(arange(0, w, 1, { dtype: 'float32' }).sub((w - 1) / 2), [1, 1, w]);
  const ys = reshape(arange(0, h, 1, { dtype: 'float32' }).sub((h - 1) / 2), [1, h, 1]);
  const sx = column(0).mul(xs).add(column(1).mul(ys)).add(column(2, (w - 1) / 2));
  const sy = column(3).mul(xs).add(column(4).mul(ys)).add(column(5, (h - 1) / 2));
  return gridSample(x, sx, sy, mode, fill);
}

/**
 * torchvision's `_get_inverse_affine_matrix`: the map from output to input pixel coordinates
 * (both relative to the image centre) of rotation `angle` (degrees), translation, scale and
 * shear (degrees) about `center`.
 */
export function inverseAffineMatrix(
  center: readonly [number, number],
  angle: number,
  translate: readonly [number, number],
  scale: number,
  shear: readonly [number, number],
): [number, number, number, number, number, number] {
  const rot = (angle * Math.PI) / 180;
  const sx = (shear[0] * Math.PI) / 180;
  const sy = (shear[1] * Math.PI) / 180;
  const [cx, cy] = center;
  const [tx, ty] = translate;
  const a = Math.cos(rot - sy) / Math.cos(sy);
  const b = -(a * Math.tan(sx) + Math.sin(rot));
  const c = Math.sin(rot - sy) / Math.cos(sy);
  const d = -(c * Math.tan(sx) - Math.cos(rot));
  const m: [number, number, number, number, number, number] = [d / scale, -b / scale, 0, -c / scale, a / scale, 0];
  m[2] += cx - m[0] * (cx + tx) - m[1] * (cy + ty);
  m[5] += cy - m[3] * (cx + tx) - m[4] * (cy + ty);
  return m;
}
