/**
 * Reductions over the innermost `reduceSize` elements, cumulative sums, and top-k.
 * Float sums accumulate in float64 and round once; int32 sums and products wrap as Int32Array.
 */
import type { ReduceOp, TensorInfo } from '@tessera/tensor-core';
import { dataOf } from '../storage.js';

export function reduce(op: ReduceOp, xInfo: TensorInfo, reduceSize: number, outInfo: TensorInfo): void {
  const x = dataOf(xInfo);
  const o = dataOf(outInfo);
  const outer = o.length;
  const r = reduceSize;
  const isInt = xInfo.dtype === 'int32';
  for (let i = 0, base = 0; i < outer; i++, base += r) {
    const end = base + r;
    switch (op) {
      case 'sum': {
        let s = 0;
        if (isInt) for (let j = base; j < end; j++) s = (s + x[j]!) | 0;
        else for (let j = base; j < end; j++) s += x[j]!;
        o[i] = s;
        break;
      }
      case 'prod': {
        let s = 1;
        if (isInt) for (let j = base; j < end; j++) s = Math.imul(s, x[j]!);
        else for (let j = base; j < end; j++) s *= x[j]!;
        o[i] = s;
        break;
      }
      case 'max': {
        let m = -Infinity;
        for (let j = base; j < end; j++) {
          const v = x[j]!;
          if (v > m) m = v;
          else if (v !== v) {
            m = v; // NaN wins.
            break;
          }
        }
        o[i] = m;
        break;
      }
      case 'min': {
        let m = Infinity;
        for (let j = base; j < end; j++) {
          const v = x[j]!;
          if (v < m) m = v;
          else if (v !== v) {
            m = v;
            break;
          }
        }
        o[i] = m;
        break;
      }
      case 'argmax':
      case 'argmin': {
        const sign = op === 'argmax' ? 1 : -1;
        let best = 0;
        let m = r > 0 ? x[base]! * sign : 0;
        if (m === m) {
          for (let j = 1; j < r; j++) {
            const v = x[base + j]! * sign;
            if (v > m) {
              m = v;
              best = j;
            } else if (v !== v) {
              best = j; // The first NaN, as PyTorch.
              break;
            }
          }
        }
        o[i] = best;
        break;
      }
      case 'any': {
        let s = 0;
        for (let j = base; j < end; j++) {
          if (x[j] !== 0) {
            s = 1;
            break;
          }
        }
        o[i] = s;
        break;
      }
      case 'all': {
        let s = 1;
        for (let j = base; j < end; j++) {
          if (x[j] === 0) {
            s = 0;
            break;
          }
        }
        o[i] = s;
        break;
      }
    }
  }
}

export function cumsum(xInfo: TensorInfo, axis: number, exclusive: boolean, reverse: boolean, outInfo: TensorInfo): void {
  const x = dataOf(xInfo);
  const o = dataOf(outInfo);
  const shape = xInfo.shape;
  const len = shape[axis] ?? 1;
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d]!;
  const outer = len * inner === 0 ? 0 : x.length / (len * inner);
  const isInt = xInfo.dtype === 'int32' || xInfo.dtype === 'bool';
  // One running sum per inner position, in float64 (or wrapping int32).
  const acc = new Float64Array(inner);
  const step = reverse ? -inner : inner;
  for (let b = 0; b < outer; b++) {
    acc.fill(0);
    const start = b * len * inner + (reverse ? (len - 1) * inner : 0);
    for (let t = 0, off = start; t < len; t++, off += step) {
      for (let k = 0; k < inner; k++) {
        const v = x[off + k]!;
        const prev = acc[k]!;
        const next = isInt ? (prev + v) | 0 : prev + v;
        o[off + k] = exclusive ? prev : next;
        acc[k] = next;
      }
    }
  }
}

export function topk(xInfo: TensorInfo, k: number, largest: boolean, valuesInfo: TensorInfo, indicesInfo: TensorInfo): void {
  const x = dataOf(xInfo);
  const values = dataOf(valuesInfo);
  const indices = dataOf(indicesInfo);
  const n = xInfo.shape.at(-1) ?? 1;
  const rows = n === 0 ? 0 : x.length / n;
  const order = new Array<number>(n);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    for (let j = 0; j < n; j++) order[j] = j;
    // NaN counts as the largest value (as PyTorch); ties keep the lower index first.
    order.sort((i, j) => {
      const a = x[base + i]!;
      const b = x[base + j]!;
      const c = compare(a, b);
      return c !== 0 ? (largest ? -c : c) : i - j;
    });
    for (let t = 0; t < k; t++) {
      const j = order[t]!;
      values[r * k + t] = x[base + j]!;
      indices[r * k + t] = j;
    }
  }
}

/** Total order with NaN above +Infinity. */
function compare(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  const an = a !== a;
  const bn = b !== b;
  return an === bn ? 0 : an ? 1 : -1;
}
