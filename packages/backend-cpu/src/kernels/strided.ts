/**
 * The CPU's loop runner over tensor-core's strided loop plans (`broadcastLoops`, `collapseLoops`
 * in the backend kit, shared with the WebGPU backend): an odometer that visits the rows of an
 * n-dimensional strided view, and a strided copy built on it.
 */
import { collapseLoops, sizeOf, stridesOf, type LoopPlan } from '@tessera/tensor-core';

/**
 * Visits every row of `plan`: calls `row(offsets, n)` with the start offset of each operand and
 * the row length `n` (the last dimension). `offsets` is reused between calls.
 */
export function forEachRow(plan: LoopPlan, row: (offsets: Int32Array, n: number) => void): void {
  const { shape, strides } = plan;
  const rank = shape.length;
  const ops = strides.length;
  const n = shape[rank - 1]!;
  if (sizeOf(shape) === 0) return;
  const outer = rank - 1;
  const counter = new Int32Array(Math.max(outer, 1));
  const offsets = new Int32Array(ops);
  const base = new Int32Array(ops);
  let rows = 1;
  for (let d = 0; d < outer; d++) rows *= shape[d]!;
  for (let r = 0; r < rows; r++) {
    offsets.set(base);
    row(offsets, n);
    // Advance the odometer over the outer dimensions.
    for (let d = outer - 1; d >= 0; d--) {
      const c = counter[d]! + 1;
      if (c < shape[d]!) {
        counter[d] = c;
        for (let k = 0; k < ops; k++) base[k] = base[k]! + strides[k]![d]!;
        break;
      }
      counter[d] = 0;
      for (let k = 0; k < ops; k++) base[k] = base[k]! - strides[k]![d]! * (c - 1);
    }
  }
}

/**
 * Copies a strided view of `src` into contiguous `dst`: element `idx` of the view (shape
 * `shape`) is `src[offset + Σ idx[d] * strides[d]]`. Used by transpose and slice.
 */
export function copyStrided(
  src: ArrayLike<number>,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
  dst: { [i: number]: number },
): void {
  const plan = collapseLoops(shape, [strides, stridesOf(shape)]);
  const srcStride = plan.strides[0]!;
  const inner = srcStride[srcStride.length - 1]!;
  forEachRow(plan, (offsets, n) => {
    let s = offset + offsets[0]!;
    let o = offsets[1]!;
    if (inner === 1) {
      for (let i = 0; i < n; i++) dst[o++] = src[s++]!;
    } else {
      for (let i = 0; i < n; i++, s += inner) dst[o++] = src[s]!;
    }
  });
}
