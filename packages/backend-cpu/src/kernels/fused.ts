/**
 * Fused kernels that tensor-core would otherwise compose from primitives: softmax and
 * log-softmax over the last axis (max-subtracted, so exp never overflows), GELU in both forms,
 * layer normalization without affine parameters, batch normalization with given statistics,
 * and the Adam/AdamW update. Row statistics accumulate in float64.
 */
import { adamScalars, type AdamHyperparameters, type TensorInfo } from '@tessera/tensor-core';
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

/** Per channel (axis 1): `(x − mean) / √(var + eps) · w + b`, in float64, rounded once. */
export function batchNorm(
  xInfo: TensorInfo,
  meanInfo: TensorInfo,
  varInfo: TensorInfo,
  weightInfo: TensorInfo | undefined,
  biasInfo: TensorInfo | undefined,
  epsilon: number,
  outInfo: TensorInfo,
): void {
  const x = floatDataOf(xInfo);
  const o = floatDataOf(outInfo);
  const mean = floatDataOf(meanInfo);
  const variance = floatDataOf(varInfo);
  const w = weightInfo ? floatDataOf(weightInfo) : undefined;
  const b = biasInfo ? floatDataOf(biasInfo) : undefined;
  const c = xInfo.shape[1] ?? 1;
  const inner = c === 0 ? 0 : x.length / ((xInfo.shape[0] ?? 1) * c);
  for (let base = 0, ch = 0; base < x.length; base += inner, ch = ch + 1 === c ? 0 : ch + 1) {
    const m = mean[ch]!;
    const scale = (w ? w[ch]! : 1) / Math.sqrt(variance[ch]! + epsilon);
    const shift = b ? b[ch]! : 0;
    for (let j = base; j < base + inner; j++) o[j] = (x[j]! - m) * scale + shift;
  }
}

/** Adam's constants, already rounded to the dtype (they meet the tensors as scalar operands). */
interface AdamConstants {
  readonly decay: number;
  readonly l2: number;
  readonly beta1: number;
  readonly omb1: number;
  readonly beta2: number;
  readonly omb2: number;
  readonly bc2: number;
  readonly eps: number;
  readonly step: number;
  readonly decoupled: boolean;
  readonly coupled: boolean;
  readonly sign: number;
}

function adamConstants(hyper: AdamHyperparameters, round: (x: number) => number): AdamConstants {
  const c = adamScalars(hyper);
  return {
    decay: round(c.decay),
    l2: round(c.l2),
    beta1: round(c.beta1),
    omb1: round(c.oneMinusBeta1),
    beta2: round(c.beta2),
    omb2: round(c.oneMinusBeta2),
    bc2: round(c.sqrtBiasCorrection2),
    eps: round(c.eps),
    step: round(c.negStepSize),
    decoupled: hyper.weightDecay !== 0 && hyper.decoupled,
    coupled: hyper.weightDecay !== 0 && !hyper.decoupled,
    sign: hyper.maximize ? -1 : 1,
  };
}

/**
 * One Adam/AdamW step (see `Backend.adamUpdate`). Each operation is rounded to the dtype in the
 * composite's order, so the result equals tensor-core's composite bit for bit.
 *
 * The float32 and float64 loops are separate functions on purpose: one loop serving both saw
 * two typed-array kinds and called its rounding through a closure (`Math.fround` or the
 * identity), which V8 could not inline; that loop ran ~100x slower than this one (issue 10).
 */
export function adamUpdate(
  paramInfo: TensorInfo,
  gradInfo: TensorInfo,
  mInfo: TensorInfo,
  vInfo: TensorInfo,
  hyper: AdamHyperparameters,
  paramOutInfo: TensorInfo,
  mOutInfo: TensorInfo,
  vOutInfo: TensorInfo,
): void {
  const p = floatDataOf(paramInfo);
  const g = floatDataOf(gradInfo);
  const m = floatDataOf(mInfo);
  const v = floatDataOf(vInfo);
  const po = floatDataOf(paramOutInfo);
  const mo = floatDataOf(mOutInfo);
  const vo = floatDataOf(vOutInfo);
  if (po instanceof Float32Array) {
    adamFloat32(p as Float32Array, g as Float32Array, m as Float32Array, v as Float32Array, adamConstants(hyper, Math.fround), po, mo as Float32Array, vo as Float32Array);
  } else {
    adamFloat64(p as Float64Array, g as Float64Array, m as Float64Array, v as Float64Array, adamConstants(hyper, (x) => x), po, mo as Float64Array, vo as Float64Array);
  }
}

function adamFloat32(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, c: AdamConstants, po: Float32Array, mo: Float32Array, vo: Float32Array): void {
  const r = Math.fround;
  const { decay, l2, beta1, omb1, beta2, omb2, bc2, eps, step, decoupled, coupled, sign } = c;
  const n = po.length;
  for (let i = 0; i < n; i++) {
    let gi = sign * g[i]!;
    let pi = p[i]!;
    if (decoupled) pi = r(pi * decay);
    else if (coupled) gi = r(gi + r(pi * l2));
    const mi = r(r(m[i]! * beta1) + r(gi * omb1));
    const vi = r(r(v[i]! * beta2) + r(r(gi * omb2) * gi));
    const denom = r(r(r(Math.sqrt(vi)) / bc2) + eps);
    mo[i] = mi;
    vo[i] = vi;
    po[i] = pi + r(r(mi * step) / denom);
  }
}

function adamFloat64(p: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, c: AdamConstants, po: Float64Array, mo: Float64Array, vo: Float64Array): void {
  const { decay, l2, beta1, omb1, beta2, omb2, bc2, eps, step, decoupled, coupled, sign } = c;
  const n = po.length;
  for (let i = 0; i < n; i++) {
    let gi = sign * g[i]!;
    let pi = p[i]!;
    if (decoupled) pi = pi * decay;
    else if (coupled) gi = gi + pi * l2;
    const mi = m[i]! * beta1 + gi * omb1;
    const vi = v[i]! * beta2 + gi * omb2 * gi;
    const denom = Math.sqrt(vi) / bc2 + eps;
    mo[i] = mi;
    vo[i] = vi;
    po[i] = pi + (mi * step) / denom;
  }
}
