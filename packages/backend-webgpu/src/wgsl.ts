/**
 * WGSL code generation helpers: storage types per dtype, exact literals, dispatch grids that
 * respect the 65,535 workgroups-per-dimension limit, index arithmetic over collapsed strided
 * loops, and the math prelude.
 *
 * Storage: float32 is `f32`, int32 is `i32`, bool is one `u32` (0 or 1) per element.
 */
import type { DType, LoopPlan } from '@tessera/tensor-core';

export type Scalar = 'f32' | 'i32' | 'u32';

/** The WGSL element type a dtype is stored as. */
export function wgslType(dtype: DType): Scalar {
  switch (dtype) {
    case 'float32':
      return 'f32';
    case 'int32':
      return 'i32';
    case 'bool':
      return 'u32';
    default:
      throw new Error(`webgpu: dtype ${dtype} has no storage type`);
  }
}

/** Bytes per stored element (every dtype takes one 32-bit word). */
export const WORD = 4;

/** An exact `u32` literal. */
export function u32(n: number): string {
  return `${n >>> 0}u`;
}

/** An exact `i32` literal (two's complement). */
export function i32(n: number): string {
  const v = n | 0;
  return v === -2147483648 ? 'bitcast<i32>(0x80000000u)' : `${v}i`;
}

/** An exact `f32` value: a literal for finite values, a runtime bitcast for ±Infinity and NaN. */
export function f32(v: number): string {
  const f = Math.fround(v);
  if (Number.isInteger(f) && Math.abs(f) < 2 ** 24) return `${Object.is(f, -0) ? '-0' : f}.0f`;
  const bits = new Uint32Array(new Float32Array([f]).buffer)[0]!;
  // Const-evaluating a non-finite float is a shader-creation error; a function call is not const.
  return Number.isFinite(f) ? `bitcast<f32>(${bits}u)` : `t_bits(${bits}u)`;
}

/** A literal of the stored type of `dtype`. */
export function lit(v: number, dtype: DType): string {
  const t = wgslType(dtype);
  if (t === 'f32') return f32(v);
  if (t === 'i32') return i32(v);
  return v !== 0 ? '1u' : '0u';
}

/** Converts a WGSL expression `e` of stored type `from` to stored type `to` with Tessera's cast semantics. */
export function convert(e: string, from: Scalar, to: Scalar): string {
  if (from === to) return e;
  if (to === 'f32') return `f32(${e})`;
  if (to === 'i32') return from === 'f32' ? `t_to_i32(${e})` : `i32(${e})`;
  // to bool: != 0; NaN is true (`==` is false for NaN).
  return from === 'f32' ? `select(1u, 0u, (${e}) == 0.0f)` : `select(0u, 1u, (${e}) != 0i)`;
}

/** Threads per workgroup of the one-thread-per-element kernels. */
export const WG = 256;
const MAX_GROUPS = 65535;

/** A grid of `ceil(threads / wg)` workgroups, split over y (and z) beyond 65,535 per dimension. */
export function grid(threads: number, wg = WG): [number, number, number] {
  const groups = Math.ceil(threads / wg);
  if (groups <= MAX_GROUPS) return [groups, 1, 1];
  const y = Math.ceil(groups / MAX_GROUPS);
  if (y <= MAX_GROUPS) return [MAX_GROUPS, y, 1];
  return [MAX_GROUPS, MAX_GROUPS, Math.ceil(y / MAX_GROUPS)];
}

/** The flat index of a group along a {@link grid} (in workgroups). */
export const GROUP_INDEX = '(wid.x + (wid.y + wid.z * nwg.y) * nwg.x)';

/**
 * The entry point of a one-thread-per-element kernel over `n` threads: `i` is the thread's index,
 * threads past `n` return at once.
 */
export function main1d(n: number, body: string, wg = WG): string {
  return `@compute @workgroup_size(${wg})
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = ${GROUP_INDEX} * ${wg}u + lid;
  if (i >= ${u32(n)}) { return; }
${body}
}`;
}

/** Storage buffer declarations, bound in order from 0. */
export function bindings(decls: readonly (readonly [name: string, type: Scalar | string, access: 'read' | 'read_write'])[]): string {
  return decls
    .map(([name, type, access], k) => `@group(0) @binding(${k}) var<storage, ${access}> ${name}: array<${type}>;`)
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// strided index arithmetic

/**
 * WGSL statements declaring `var <name>: u32` for each operand: its element offset for the flat
 * index `idx` of the loop nest `plan` (planned by tensor-core's `collapseLoops` / `broadcastLoops`) (row-major over `plan.shape`), starting from `bases`.
 * Negative strides work: u32 arithmetic wraps, and the final offset is in range.
 */
export function offsets(plan: LoopPlan, names: readonly string[], idx: string, bases: readonly number[] = []): string {
  const lines = names.map((n, k) => `  var ${n}: u32 = ${u32(bases[k] ?? 0)};`);
  const rank = plan.shape.length;
  if (rank === 0) return lines.join('\n');
  lines.push(`  { var r: u32 = ${idx};`);
  for (let d = rank - 1; d >= 0; d--) {
    const size = plan.shape[d]!;
    const c = `c${d}`;
    if (d > 0) lines.push(`    let ${c} = r % ${u32(size)}; r = r / ${u32(size)};`);
    else lines.push(`    let ${c} = r;`);
    names.forEach((n, k) => {
      const s = plan.strides[k]![d]!;
      if (s === 0) return;
      lines.push(s === 1 ? `    ${n} += ${c};` : `    ${n} += ${c} * ${u32(s)};`);
    });
  }
  lines.push('  }');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// math prelude

/**
 * Math functions with IEEE special values and float32 accuracy of a few ulp. WGSL builtins are
 * not enough: implementations may assume no NaN or infinities (on SwiftShader `x != x` is false
 * for NaN, `log(0)` is -88 and `tanh(100)` is NaN), and `sin`/`cos`/`log` may be off by 1e-3
 * relative. So NaN tests look at the bits, and the transcendental functions are written here
 * (range reduction and polynomials after musl/Cephes).
 */
export const MATH = /* wgsl */ `
fn t_bits(b: u32) -> f32 { return bitcast<f32>(b); }
fn t_nan() -> f32 { return t_bits(0x7fc00000u); }
fn t_inf() -> f32 { return t_bits(0x7f800000u); }
fn t_isnan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }
fn t_isinf(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) == 0x7f800000u; }
fn t_isfinite(v: f32) -> bool { return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u; }
fn t_signbit(v: f32) -> bool { return (bitcast<u32>(v) & 0x80000000u) != 0u; }
fn t_copysign(m: f32, s: f32) -> f32 { return bitcast<f32>((bitcast<u32>(m) & 0x7fffffffu) | (bitcast<u32>(s) & 0x80000000u)); }
fn t_ldexp(x: f32, k: i32) -> f32 {
  let h = k / 2;
  return x * bitcast<f32>(u32(h + 127) << 23u) * bitcast<f32>(u32(k - h + 127) << 23u);
}
fn t_exp(x: f32) -> f32 {
  if (t_isnan(x)) { return x; }
  if (x > 88.72283935546875f) { return t_inf(); }
  if (x < -103.972084045410f) { return 0.0f; }
  let k = round(x * 1.44269502162933349609f);
  let r = (x - k * 0.693145751953125f) - k * 1.428606765330187e-6f;
  let p = 1.0f + r * (1.0f + r * (0.5f + r * (0.16666666666666666f + r * (0.041666666666666664f
    + r * (0.008333333333333333f + r * (0.001388888888888889f + r * 0.0001984126984126984f))))));
  return t_ldexp(p, i32(k));
}
fn t_log(x: f32) -> f32 {
  if (t_isnan(x) || x < 0.0f) { return t_nan(); }
  if (x == 0.0f) { return -t_inf(); }
  if (t_isinf(x)) { return x; }
  var ix = bitcast<u32>(x);
  var k: i32 = 0;
  if (ix < 0x00800000u) { k = -25; ix = bitcast<u32>(x * 33554432.0f); }
  ix = ix + (0x3f800000u - 0x3f3504f3u);
  k = k + i32(ix >> 23u) - 127;
  ix = (ix & 0x007fffffu) + 0x3f3504f3u;
  let f = bitcast<f32>(ix) - 1.0f;
  let s = f / (2.0f + f);
  let z = s * s;
  let w = z * z;
  let t1 = w * (0.40000972152f + w * 0.24279078841f);
  let t2 = z * (0.66666662693f + w * 0.28498786688f);
  let hfsq = 0.5f * f * f;
  let dk = f32(k);
  return s * (hfsq + t2 + t1) + dk * 9.0580006145e-06f - hfsq + f + dk * 0.69313812256f;
}
fn t_log1p(x: f32) -> f32 {
  if (t_isinf(x) && x > 0.0f) { return x; }
  let u = 1.0f + x;
  if (u == 1.0f) { return x; }
  return t_log(u) * (x / (u - 1.0f));
}
fn t_expm1(x: f32) -> f32 {
  if (t_isnan(x)) { return x; }
  if (x > 88.72283935546875f) { return t_inf(); }
  if (x < -17.0f) { return -1.0f; }
  let u = t_exp(x);
  if (u == 1.0f) { return x; }
  let um1 = u - 1.0f;
  if (um1 == -1.0f) { return -1.0f; }
  return um1 * (x / t_log(u));
}
fn t_sincos_q(x: f32) -> vec3f {
  // (sin r, cos r, quadrant) with x = q·π/2 + r, |r| ≤ π/4.
  let k = round(x * 0.636619772367581343f);
  let r = ((x - k * 1.5703125f) - k * 4.837512969970703125e-4f) - k * 7.54978995489188216e-8f;
  let z = r * r;
  let s = ((-1.9515295891e-4f * z + 8.3321608736e-3f) * z - 1.6666654611e-1f) * z * r + r;
  let c = ((2.443315711809948e-5f * z - 1.388731625493765e-3f) * z + 4.166664568298827e-2f) * z * z - 0.5f * z + 1.0f;
  return vec3f(s, c, f32(i32(k) & 3));
}
fn t_sin(x: f32) -> f32 {
  if (!t_isfinite(x)) { return t_nan(); }
  let v = t_sincos_q(x);
  let q = u32(v.z);
  if (q == 0u) { return v.x; }
  if (q == 1u) { return v.y; }
  if (q == 2u) { return -v.x; }
  return -v.y;
}
fn t_cos(x: f32) -> f32 {
  if (!t_isfinite(x)) { return t_nan(); }
  let v = t_sincos_q(x);
  let q = u32(v.z);
  if (q == 0u) { return v.y; }
  if (q == 1u) { return -v.x; }
  if (q == 2u) { return -v.y; }
  return v.x;
}
fn t_tanh(x: f32) -> f32 {
  if (t_isnan(x)) { return x; }
  let a = abs(x);
  if (a > 9.01f) { return t_copysign(1.0f, x); }
  let e = t_expm1(2.0f * a);
  return t_copysign(e / (e + 2.0f), x);
}
fn t_sigmoid(v: f32) -> f32 {
  if (v >= 0.0f) { return 1.0f / (1.0f + t_exp(-v)); }
  let e = t_exp(v);
  return e / (1.0f + e);
}
fn t_erf(x: f32) -> f32 {
  if (t_isnan(x)) { return x; }
  let ax = abs(x);
  if (ax < 0.5f) {
    let x2 = x * x;
    return 1.1283791670955126f * x * (1.0f + x2 * (-0.3333333333333333f + x2 * (0.1f + x2 * (-0.023809523809523808f
      + x2 * (0.004629629629629629f + x2 * (-0.0007575757575757576f + x2 * (0.00010683760683760684f + x2 * -0.000013227513227513228f)))))));
  }
  let t = 1.0f / (1.0f + 0.3275911f * ax);
  let y = 1.0f - ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t * t_exp(-ax * ax);
  return t_copysign(y, x);
}
fn t_softplus(v: f32) -> f32 {
  if (v > 20.0f) { return v; }
  return t_log1p(t_exp(v));
}
fn t_is_odd_int(b: f32) -> bool {
  return abs(b) < 16777216.0f && floor(b) == b && (i32(b) & 1) == 1;
}
fn t_pow(a: f32, b: f32) -> f32 {
  if (b == 0.0f || a == 1.0f) { return 1.0f; }
  if (t_isnan(a) || t_isnan(b)) { return t_nan(); }
  if (t_isinf(b)) {
    let m = abs(a);
    if (m == 1.0f) { return 1.0f; }
    if ((m < 1.0f) == (b > 0.0f)) { return 0.0f; }
    return t_inf();
  }
  let odd = t_is_odd_int(b);
  if (a == 0.0f || t_isinf(a)) {
    // |a|^b is 0 or ∞; the sign is a's for odd integer b.
    let big = (a == 0.0f) == (b < 0.0f);
    let m = select(0.0f, t_inf(), big);
    return select(m, t_copysign(m, a), odd);
  }
  if (a < 0.0f) {
    if (floor(b) != b) { return t_nan(); }
    let m = t_exp(b * t_log(-a));
    return select(m, -m, odd);
  }
  return t_exp(b * t_log(a));
}
fn t_atan2(y: f32, x: f32) -> f32 {
  let pi = 3.14159265358979323846f;
  if (t_isnan(x) || t_isnan(y)) { return t_nan(); }
  if (t_isinf(x) && t_isinf(y)) { return t_copysign(select(0.25f * pi, 0.75f * pi, x < 0.0f), y); }
  if (x == 0.0f && y == 0.0f) { return select(y, t_copysign(pi, y), t_signbit(x)); }
  if (t_isinf(x)) { return t_copysign(select(0.0f, pi, x < 0.0f), y); }
  if (t_isinf(y)) { return t_copysign(0.5f * pi, y); }
  if (abs(y) <= abs(x)) {
    let a = atan(y / x);
    if (x > 0.0f) { return a; }
    return a + t_copysign(pi, y);
  }
  return t_copysign(0.5f * pi, y) - atan(x / y);
}
fn t_fmod(a: f32, b: f32) -> f32 {
  if (t_isinf(b) && t_isfinite(a)) { return a; }
  if (b == 0.0f || !t_isfinite(a) || t_isnan(b)) { return t_nan(); }
  let q = trunc(a / b);
  var r = fma(-q, b, a);
  // The float quotient can be off by one; step the remainder back into (-|b|, |b|) with a's sign.
  if (abs(r) >= abs(b)) { r = r - t_copysign(abs(b), r); }
  if (r != 0.0f && t_signbit(r) != t_signbit(a)) { r = r + t_copysign(abs(b), a); }
  return r;
}
fn t_pymod(a: f32, b: f32) -> f32 {
  let r = t_fmod(a, b);
  if (r != 0.0f && (r < 0.0f) != (b < 0.0f)) { return r + b; }
  return r;
}
fn t_to_i32(v: f32) -> i32 {
  // ToInt32: truncate, wrap modulo 2^32; NaN and ±∞ are 0.
  if (!t_isfinite(v)) { return 0i; }
  if (abs(v) < 2147483648.0f) { return i32(v); }
  let bits = bitcast<u32>(v);
  let e = i32((bits >> 23u) & 0xffu) - 150;
  if (e >= 32) { return 0i; }
  let m = ((bits & 0x7fffffu) | 0x800000u) << u32(e);
  return select(bitcast<i32>(m), -bitcast<i32>(m), t_signbit(v));
}
fn t_floordiv_i(a: i32, b: i32) -> i32 {
  if (b == 0i) { return 0i; }
  if (b == -1i) { return 0i - a; }
  let q = a / b;
  let r = a - q * b;
  return select(q, q - 1i, r != 0i && ((r < 0i) != (b < 0i)));
}
fn t_mod_i(a: i32, b: i32) -> i32 {
  if (b == 0i || b == -1i) { return 0i; }
  let r = a % b;
  return select(r, r + b, r != 0i && ((r < 0i) != (b < 0i)));
}
fn t_pow_i(base: i32, e: i32) -> i32 {
  if (e < 0i) {
    if (base == 1i) { return 1i; }
    if (base == -1i) { return select(1i, -1i, (e & 1i) != 0i); }
    return 0i;
  }
  var r = 1i;
  var b = base;
  var k = u32(e);
  while (k > 0u) {
    if ((k & 1u) != 0u) { r = r * b; }
    b = b * b;
    k = k >> 1u;
  }
  return r;
}
`;
