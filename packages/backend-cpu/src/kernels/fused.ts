/**
 * Fused kernels that tensor-core would otherwise compose from primitives: softmax and
 * log-softmax over the last axis (max-subtracted, so exp never overflows), GELU in both forms,
 * and layer normalization without affine parameters. Row statistics accumulate in float64.
 */
import type { TensorInfo } from '@tessera/tensor-core';
import { floatDataOf } from '../storage.js';
import { erf, erfFast } from './math.js';

function rows(info: TensorInfo): [rows: number, n: number] {
  const n = info.shape.at(-1) ?? 1;
  const size = floatDataOf(info).length;
  return [n === 0 ? 0 : size / n, n];
}

/** Row maximum; NaN propagates. */
function rowMax(x: Float32Array | Float64Array, base: number, n: number): number {
  let m = -Infinity;
  for (let j = 0; j < n; j++) {
    const v = x[base + j]!;
    if (v > m) m = v;
    else if (v !== v) return v;
  }
  return m;
}

export function softmax(xInfo: TensorInfo, outInfo: TensorInfo): void {
  const x = floatDataOf(xInfo);
  const o = floatDataOf(outInfo);
  const [count, n] = rows(xInfo);
  // The exponentials of one row stay in float64, so a float32 output is rounded once.
  const e = new Float64Array(n);
  for (let r = 0, base = 0; r < count; r++, base += n) {
    const m = rowMax(x, base, n);
    let s = 0;
    for (let j = 0; j < n; j++) {
      const v = Math.exp(x[base + j]! - m);
      e[j] = v;
      s += v;
    }
    const inv = 1 / s;
    for (let j = 0; j < n; j++) o[base + j] = e[j]! * inv;
  }
}

export function logSoftmax(xInfo: TensorInfo, outInfo: TensorInfo): void {
  const x = floatDataOf(xInfo);
  const o = floatDataOf(outInfo);
  const [count, n] = rows(xInfo);
  for (let r = 0, base = 0; r < count; r++, base += n) {
    const m = rowMax(x, base, n);
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.exp(x[base + j]! - m);
    const shift = m + Math.log(s);
    for (let j = 0; j < n; j++) o[base + j] = x[base + j]! - shift;
  }
}

const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

export function gelu(xInfo: TensorInfo, approximate: 'none' | 'tanh', outInfo: TensorInfo): void {
  const x = floatDataOf(xInfo);
  const o = floatDataOf(outInfo);
  const n = o.length;
  if (approximate === 'tanh') {
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      o[i] = 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)));
    }
  } else if (o instanceof Float32Array) {
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      o[i] = 0.5 * v * (1 + erfFast(v * SQRT1_2));
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      o[i] = 0.5 * v * (1 + erf(v * SQRT1_2));
    }
  }
}

export function layerNorm(xInfo: TensorInfo, normSize: number, epsilon: number, outInfo: TensorInfo): void {
  const x = floatDataOf(xInfo);
  const o = floatDataOf(outInfo);
  const n = normSize;
  const count = n === 0 ? 0 : x.length / n;
  for (let r = 0, base = 0; r < count; r++, base += n) {
    let mean = 0;
    for (let j = 0; j < n; j++) mean += x[base + j]!;
    mean /= n;
    // Two passes: the biased variance of the centred values (no cancellation).
    let v = 0;
    for (let j = 0; j < n; j++) {
      const d = x[base + j]! - mean;
      v += d * d;
    }
    const inv = 1 / Math.sqrt(v / n + epsilon);
    for (let j = 0; j < n; j++) o[base + j] = (x[base + j]! - mean) * inv;
  }
}
