/** Helpers shared by the spatial ops (conv, pool, resize) and the norms. */
import { TensorError, fmtShape, safeJson } from '../errors.js';
import { Tensor } from '../tensor.js';
import { squeeze, unsqueeze } from './reshape.js';
import { withTemps } from './util.js';

export function requireSameDtype(op: string, a: Tensor, b: Tensor, aName: string, bName: string): void {
  if (a.dtype !== b.dtype) {
    throw new TensorError('DTYPE_MISMATCH', op, `${aName} has dtype ${a.dtype}, ${bName} has ${b.dtype}; they must match (cast first)`);
  }
}

/** A number or a pair, as a checked pair of integers `>= min`. */
export function pair(op: string, name: string, value: number | readonly number[] | undefined, fallback: number, min: number): [number, number] {
  const v = value ?? fallback;
  const p = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : undefined;
  if (!p || !p.every((e) => Number.isInteger(e) && e >= min)) {
    throw new TensorError('INVALID_ARGUMENT', op, `${name} must be an integer >= ${min} or a pair of them, got ${safeJson(value)}`);
  }
  return [p[0]!, p[1]!];
}


/** Runs `fn` on a batched (rank-4) view of `x`, accepting unbatched rank-3 input like PyTorch. */
export function batched(op: string, x: Tensor, fn: (x4: Tensor) => Tensor): Tensor {
  if (x.rank !== 3 && x.rank !== 4) {
    throw new TensorError('SHAPE_MISMATCH', op, `input must be [N, C, H, W] or unbatched [C, H, W], got shape ${fmtShape(x.shape)}`);
  }
  if (x.rank === 4) return fn(x);
  return withTemps((temps) => {
    const x4 = unsqueeze(x, 0);
    temps.push(x4);
    const y4 = fn(x4);
    temps.push(y4);
    return squeeze(y4, 0);
  });
}

export function convOutSize(n: number, k: number, s: number, p0: number, p1: number, d: number): number {
  return Math.floor((n + p0 + p1 - d * (k - 1) - 1) / s) + 1;
}

export function fourPads(op: string, padding: readonly number[] | number | undefined): [number, number, number, number] {
  const p = padding ?? 0;
  const list = typeof p === 'number' ? [p, p, p, p] : Array.isArray(p) && p.length === 2 ? [p[0], p[0], p[1], p[1]] : Array.isArray(p) && p.length === 4 ? [...p] : undefined;
  if (!list || !list.every((v) => Number.isInteger(v) && v >= 0)) {
    throw new TensorError('INVALID_ARGUMENT', op, `padding must be a non-negative integer, [h, w] or [top, bottom, left, right]${op.startsWith('conv2d') || op === 'conv1d' ? ", 'same' or 'valid'" : ''}, got ${safeJson(padding)}`);
  }
  return list as [number, number, number, number];
}
