// The fused Adam/AdamW update in float32, bit for bit the TypeScript kernel's result (and so
// tensor-core's composite): every step is one IEEE float32 operation (add, mul, div, sqrt are
// correctly rounded, and the TypeScript kernel rounds each float64 result of float32 operands
// with Math.fround, which gives the same value). No fused multiply-add, on purpose, in every
// build: an FMA would skip a rounding.

/** No weight decay. */
export const ADAM_PLAIN: i32 = 0;
/** AdamW: `p ← p·decay` before the step. */
export const ADAM_DECOUPLED: i32 = 1;
/** Adam's L2 term: `g ← g + p·l2`. */
export const ADAM_COUPLED: i32 = 2;

// @ts-ignore: decorator
@inline function adamLoop(
  mode: i32, n: i32,
  p: usize, g: usize, m: usize, v: usize, po: usize, mo: usize, vo: usize,
  sign: f32, decay: f32, l2: f32, beta1: f32, omb1: f32, beta2: f32, omb2: f32, bc2: f32, eps: f32, step: f32,
): void {
  const vsign = f32x4.splat(sign);
  const vdecay = f32x4.splat(decay);
  const vl2 = f32x4.splat(l2);
  const vbeta1 = f32x4.splat(beta1);
  const vomb1 = f32x4.splat(omb1);
  const vbeta2 = f32x4.splat(beta2);
  const vomb2 = f32x4.splat(omb2);
  const vbc2 = f32x4.splat(bc2);
  const veps = f32x4.splat(eps);
  const vstep = f32x4.splat(step);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const k = <usize>i << 2;
    let gi = f32x4.mul(vsign, v128.load(g + k));
    let pi = v128.load(p + k);
    if (mode == ADAM_DECOUPLED) pi = f32x4.mul(pi, vdecay);
    else if (mode == ADAM_COUPLED) gi = f32x4.add(gi, f32x4.mul(pi, vl2));
    const mi = f32x4.add(f32x4.mul(v128.load(m + k), vbeta1), f32x4.mul(gi, vomb1));
    const vi = f32x4.add(f32x4.mul(v128.load(v + k), vbeta2), f32x4.mul(f32x4.mul(gi, vomb2), gi));
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(vi), vbc2), veps);
    v128.store(mo + k, mi);
    v128.store(vo + k, vi);
    v128.store(po + k, f32x4.add(pi, f32x4.div(f32x4.mul(mi, vstep), denom)));
  }
  for (; i < n; i++) {
    const k = <usize>i << 2;
    let gi = sign * load<f32>(g + k);
    let pi = load<f32>(p + k);
    if (mode == ADAM_DECOUPLED) pi = pi * decay;
    else if (mode == ADAM_COUPLED) gi = gi + pi * l2;
    const mi = load<f32>(m + k) * beta1 + gi * omb1;
    const vi = load<f32>(v + k) * beta2 + gi * omb2 * gi;
    const denom = sqrt<f32>(vi) / bc2 + eps;
    store<f32>(mo + k, mi);
    store<f32>(vo + k, vi);
    store<f32>(po + k, pi + (mi * step) / denom);
  }
}

/**
 * One Adam/AdamW step over `n` float32 elements: reads `p, g, m, v`, writes `po, mo, vo` (which
 * may not overlap the inputs partially; `m` and `v` may be the same buffer). The constants are
 * tensor-core's `adamScalars`, already rounded to float32.
 */
export function adamF32(
  mode: i32, n: i32,
  p: usize, g: usize, m: usize, v: usize, po: usize, mo: usize, vo: usize,
  sign: f32, decay: f32, l2: f32, beta1: f32, omb1: f32, beta2: f32, omb2: f32, bc2: f32, eps: f32, step: f32,
): void {
  switch (mode) {
    case ADAM_DECOUPLED: adamLoop(ADAM_DECOUPLED, n, p, g, m, v, po, mo, vo, sign, decay, l2, beta1, omb1, beta2, omb2, bc2, eps, step); break;
    case ADAM_COUPLED: adamLoop(ADAM_COUPLED, n, p, g, m, v, po, mo, vo, sign, decay, l2, beta1, omb1, beta2, omb2, bc2, eps, step); break;
    default: adamLoop(ADAM_PLAIN, n, p, g, m, v, po, mo, vo, sign, decay, l2, beta1, omb1, beta2, omb2, bc2, eps, step); break;
  }
}
