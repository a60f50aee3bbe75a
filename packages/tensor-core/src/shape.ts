/**
 * Shape helpers shared by tensor-core and backend authors: sizes, strides, numpy broadcasting
 * and axis normalisation.
 */
import { TensorError, fmtShape, safeJson } from './errors.js';

/** Number of elements of `shape` (1 for a scalar `[]`). */
export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** Row-major strides of `shape`, in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/**
 * numpy broadcasting of two shapes.
 * @throws TensorError `SHAPE_MISMATCH` when a pair of dimensions differs and neither is 1.
 */
export function broadcastShapes(a: readonly number[], b: readonly number[], op = 'broadcast'): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new TensorError(
        'SHAPE_MISMATCH',
        op,
        `shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast (dimension ${i}: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides for reading a tensor of `shape` as if broadcast to `outShape`: 0 on broadcast axes.
 * `outShape` must have at least the rank of `shape`.
 */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const strides = stridesOf(shape);
  const offset = outShape.length - shape.length;
  const out = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < shape.length; i++) out[i + offset] = shape[i] === 1 ? 0 : strides[i]!;
  return out;
}

/**
 * Normalises a possibly negative axis into `[0, rank)`.
 * @throws TensorError `AXIS_OUT_OF_RANGE`.
 */
export function normalizeAxis(axis: number, rank: number, op: string): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    throw new TensorError('AXIS_OUT_OF_RANGE', op, `axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalises and de-duplicates a list of axes (all axes when `axes` is undefined), sorted. */
export function normalizeAxes(axes: number | readonly number[] | undefined, rank: number, op: string): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const seen = new Set<number>();
  for (const axis of list) {
    const a = normalizeAxis(axis, rank, op);
    if (seen.has(a)) throw new TensorError('INVALID_ARGUMENT', op, `axis ${axis} is repeated in ${fmtShape([...list])}`);
    seen.add(a);
  }
  return [...seen].sort((x, y) => x - y);
}

/** Whether two shapes are equal. */
export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Validates a shape: non-negative integers. */
export function checkShape(shape: readonly number[], op: string): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new TensorError('INVALID_ARGUMENT', op, `shape must be a list of non-negative integers, got ${safeJson(shape)}`);
  }
}
