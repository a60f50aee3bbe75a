/**
 * Movement kernels (they always copy): transpose, slice, concat, pad, gather, scatterAdd.
 * transpose and slice are strided copies of a view of the input (see `copyStrided`).
 */
import type { PadMode, TensorInfo, TypedArray } from '@tessera/tensor-core';
import { collapseLoops, stridesOf } from '@tessera/tensor-core';
import { dataOf } from '../storage.js';
import { copyStrided, forEachRow } from './strided.js';

export function transpose(xInfo: TensorInfo, perm: readonly number[], outInfo: TensorInfo): void {
  const x = dataOf(xInfo);
  const o = dataOf(outInfo);
  if (o.length === 0) return;
  const xs = stridesOf(xInfo.shape);
  copyStrided(x, 0, outInfo.shape, perm.map((p) => xs[p]!), o);
}

export function slice(xInfo: TensorInfo, begin: readonly number[], step: readonly number[], outInfo: TensorInfo): void {
  const x = dataOf(xInfo);
  const o = dataOf(outInfo);
  if (o.length === 0) return;
  const xs = stridesOf(xInfo.shape);
  let offset = 0;
  for (let d = 0; d < xs.length; d++) offset += (begin[d] ?? 0) * xs[d]!;
  copyStrided(x, offset, outInfo.shape, xs.map((s, d) => s * (step[d] ?? 1)), o);
}

export function concat(inputs: readonly TensorInfo[], axis: number, outInfo: TensorInfo): void {
  const o = dataOf(outInfo);
  const shape = outInfo.shape;
  let outer = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d]!;
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d]!;
  const outRow = (shape[axis] ?? 1) * inner;
  let start = 0;
  for (const info of inputs) {
    const x = dataOf(info);
    const chunk = (info.shape[axis] ?? 1) * inner;
    if (chunk > 0) {
      for (let b = 0; b < outer; b++) o.set(x.subarray(b * chunk, (b + 1) * chunk), b * outRow + start);
    }
    start += chunk;
  }
}

/** For each output position along one axis, the input position it reads (or -1 for the constant). */
function padMap(size: number, before: number, outSize: number, mode: PadMode): Int32Array {
  const map = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    let j = i - before;
    if (j < 0 || j >= size) {
      if (mode === 'constant' || size === 0) j = -1;
      else if (mode === 'replicate') j = j < 0 ? 0 : size - 1;
      // reflect: mirror around the edge, which is not repeated.
      else j = j < 0 ? -j : 2 * (size - 1) - j;
    }
    map[i] = j;
  }
  return map;
}

export function pad(
  xInfo: TensorInfo,
  pads: readonly (readonly [number, number])[],
  mode: PadMode,
  value: number,
  outInfo: TensorInfo,
): void {
  const x = dataOf(xInfo);
  const o = dataOf(outInfo);
  if (o.length === 0) return;
  const inShape = xInfo.shape;
  const outShape = outInfo.shape;
  const rank = outShape.length;
  if (rank === 0) {
    o[0] = x[0]!;
    return;
  }
  const maps = outShape.map((n, d) => padMap(inShape[d]!, pads[d]?.[0] ?? 0, n, mode));
  const xs = stridesOf(inShape);
  const fillValue = outInfo.dtype === 'bool' ? (value !== 0 ? 1 : 0) : value;
  const inner = maps[rank - 1]!;
  const innerStride = xs[rank - 1]!;
  const counter = new Int32Array(rank);
  const rows = o.length / outShape[rank - 1]!;
  let out = 0;
  for (let r = 0; r < rows; r++) {
    // Source offset of this row, or -1 when an outer axis is in the constant padding.
    let src = 0;
    for (let d = 0; d < rank - 1; d++) {
      const j = maps[d]![counter[d]!]!;
      if (j < 0) {
        src = -1;
        break;
      }
      src += j * xs[d]!;
    }
    if (src < 0) {
      o.fill(fillValue, out, out + inner.length);
      out += inner.length;
    } else {
      for (let t = 0; t < inner.length; t++) {
        const j = inner[t]!;
        o[out++] = j < 0 ? fillValue : x[src + j * innerStride]!;
      }
    }
    for (let d = rank - 2; d >= 0; d--) {
      if (++counter[d]! < outShape[d]!) break;
      counter[d] = 0;
    }
  }
}

/**
 * Visits every element of `indices` (shape `shape`) with the offset it has in a tensor of
 * strides `xStrides` along every axis but `axis`, and the index value itself.
 */
function forEachIndex(
  shape: readonly number[],
  axis: number,
  xStrides: readonly number[],
  otherStrides: readonly number[],
  fn: (xBase: number, otherOffset: number, i: number) => void,
): void {
  const zeroed = xStrides.map((s, d) => (d === axis ? 0 : s));
  const plan = collapseLoops(shape, [zeroed, otherStrides, stridesOf(shape)]);
  const sx = plan.strides[0]!.at(-1)!;
  const so = plan.strides[1]!.at(-1)!;
  forEachRow(plan, (off, n) => {
    let xb = off[0]!;
    let ob = off[1]!;
    let i = off[2]!;
    for (let t = 0; t < n; t++, xb += sx, ob += so) fn(xb, ob, i++);
  });
}

export function gather(xInfo: TensorInfo, indicesInfo: TensorInfo, axis: number, outInfo: TensorInfo): void {
  const x = dataOf(xInfo);
  const idx = dataOf(indicesInfo);
  const o = dataOf(outInfo);
  if (o.length === 0) return;
  const xs = stridesOf(xInfo.shape);
  const size = xInfo.shape[axis] ?? 1;
  const stride = xs[axis] ?? 1;
  const shape = indicesInfo.shape;
  if (shape.every((d, i) => i <= axis || d === xInfo.shape[i])) {
    gatherInnerEqual(x, idx, o, shape, axis, xs, size, stride);
    return;
  }
  forEachIndex(shape, axis, xs, stridesOf(shape), (xb, _ob, i) => {
    const j = idx[i]!;
    o[i] = x[xb + (j < 0 ? j + size : j) * stride]!;
  });
}

/**
 * {@link gather} when `indices` matches `x` on every axis after `axis` (numpy `take` lowered to
 * a gather, the batch selection of `fit`): each run of `stride` outputs reads `stride` adjacent
 * inputs, so one tight loop per row replaces a callback per element (~20x faster).
 */
function gatherInnerEqual(
  x: TypedArray,
  idx: TypedArray,
  o: TypedArray,
  shape: readonly number[],
  axis: number,
  xs: readonly number[],
  size: number,
  stride: number,
): void {
  const outerShape = shape.slice(0, axis);
  const counter = outerShape.map(() => 0);
  const m = shape[axis] ?? 1;
  let outer = 1;
  for (const d of outerShape) outer *= d;
  let i = 0;
  for (let r = 0; r < outer; r++) {
    let xb = 0;
    for (let d = 0; d < axis; d++) xb += counter[d]! * xs[d]!;
    for (let t = 0; t < m; t++, i += stride) {
      const j0 = idx[i]!;
      let q = 1;
      while (q < stride && idx[i + q] === j0) q++;
      if (q === stride) {
        // One index for the whole row (an expanded index): a block copy.
        const src = xb + (j0 < 0 ? j0 + size : j0) * stride;
        o.set(x.subarray(src, src + stride), i);
        continue;
      }
      for (q = 0; q < stride; q++) {
        const j = idx[i + q]!;
        o[i + q] = x[xb + (j < 0 ? j + size : j) * stride + q]!;
      }
    }
    for (let d = axis - 1; d >= 0; d--) {
      if (++counter[d]! < outerShape[d]!) break;
      counter[d] = 0;
    }
  }
}

export function scatterAdd(
  xInfo: TensorInfo,
  indicesInfo: TensorInfo,
  updatesInfo: TensorInfo,
  axis: number,
  outInfo: TensorInfo,
): void {
  const x = dataOf(xInfo);
  const idx = dataOf(indicesInfo);
  const u = dataOf(updatesInfo);
  const o = dataOf(outInfo);
  o.set(x);
  if (idx.length === 0) return;
  const os = stridesOf(outInfo.shape);
  const size = outInfo.shape[axis] ?? 1;
  const stride = os[axis] ?? 1;
  const isInt = outInfo.dtype === 'int32';
  // `updates` may be larger than `indices` (PyTorch reads only the indexed part): its own strides.
  forEachIndex(indicesInfo.shape, axis, os, stridesOf(updatesInfo.shape), (ob, ub, i) => {
    const j = idx[i]!;
    const at = ob + (j < 0 ? j + size : j) * stride;
    o[at] = isInt ? (o[at]! + u[ub]!) | 0 : o[at]! + u[ub]!;
  });
}
