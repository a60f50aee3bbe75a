/**
 * Index helpers shared by the kernels: collapsing broadcast loops into as few dimensions as
 * possible, and an odometer that visits the rows of an n-dimensional strided view.
 */
import { broadcastStrides, sizeOf, stridesOf } from '@tessera/tensor-core';

/**
 * A loop nest over `shape` (outermost first) in which operand `k` advances by `strides[k][d]`
 * along dimension `d`. The last dimension is the inner row.
 */
export interface LoopPlan {
  readonly shape: number[];
  readonly strides: number[][];
}

/**
 * Plans a broadcast loop over `outShape` reading each of `inputShapes` with stride 0 on broadcast
 * axes. Size-1 dimensions are dropped and adjacent dimensions merge wherever every operand is
 * contiguous across them, so `[N,C,H,W] + [1,C,1,1]` becomes a loop of rows of length `H*W`.
 * The output operand is last in `strides`.
 */
export function planBroadcast(outShape: readonly number[], inputShapes: readonly (readonly number[])[]): LoopPlan {
  const all = inputShapes.map((s) => broadcastStrides(s, outShape));
  all.push(stridesOf(outShape));
  return collapse(outShape, all);
}

/** Drops size-1 dimensions and merges contiguous neighbours of a strided loop nest. */
export function collapse(shape: readonly number[], strides: readonly (readonly number[])[]): LoopPlan {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = outShape.length - 1;
    let mergeable = last >= 0;
    for (let k = 0; k < strides.length && mergeable; k++) {
      // Dimension `last` then `d` can be one dimension when stepping `last` equals stepping `d` n times.
      if (outStrides[k]![last] !== strides[k]![d]! * n) mergeable = false;
    }
    if (mergeable) {
      outShape[last] = outShape[last]! * n;
      for (let k = 0; k < strides.length; k++) outStrides[k]![last] = strides[k]![d]!;
    } else {
      outShape.push(n);
      for (let k = 0; k < strides.length; k++) outStrides[k]!.push(strides[k]![d]!);
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    for (const s of outStrides) s.push(0);
  }
  return { shape: outShape, strides: outStrides };
}

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
  const plan = collapse(shape, [strides, stridesOf(shape)]);
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
