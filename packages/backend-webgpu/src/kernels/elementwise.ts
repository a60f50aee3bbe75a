/**
 * Elementwise kernels: unary, binary and `where` with broadcasting, cast, fill, range. One thread
 * per output element; the shader is specialised on the op, the dtypes and the (collapsed)
 * broadcast strides, so a same-shape op indexes with no division at all.
 */
import type { BinaryOp, TensorInfo, UnaryOp } from '@tessera/tensor-core';
import { broadcastLoops, sizeOf } from '@tessera/tensor-core';
import type { Kernels } from '../context.js';
import { MATH, bindings, convert, grid, lit, main1d, offsets, wgslType, type Scalar } from '../wgsl.js';

/** The WGSL expression of a unary op on `v` (already converted to `t`), and its result type. */
function unaryExpr(op: UnaryOp, t: Scalar): string {
  if (t === 'i32') {
    switch (op) {
      case 'neg':
        return '0i - v';
      case 'abs':
        return 'select(v, 0i - v, v < 0i)';
      case 'sign':
        return 'select(select(0i, 1i, v > 0i), -1i, v < 0i)';
      case 'square':
        return 'v * v';
      case 'relu':
        return 'max(v, 0i)';
      case 'floor':
      case 'ceil':
      case 'round':
        return 'v';
      default:
        break;
    }
  }
  switch (op) {
    case 'neg':
      return '-v';
    case 'abs':
      return 'abs(v)';
    case 'sign':
      return 'select(select(select(0.0f, 1.0f, v > 0.0f), -1.0f, v < 0.0f), v, t_isnan(v))';
    case 'exp':
      return 't_exp(v)';
    case 'log':
      return 't_log(v)';
    case 'log1p':
      return 't_log1p(v)';
    case 'expm1':
      return 't_expm1(v)';
    case 'sqrt':
      return 'select(sqrt(v), t_nan(), v < 0.0f)';
    case 'rsqrt':
      return 'select(1.0f / sqrt(v), t_nan(), v < 0.0f)';
    case 'square':
      return 'v * v';
    case 'reciprocal':
      return '1.0f / v';
    case 'sin':
      return 't_sin(v)';
    case 'cos':
      return 't_cos(v)';
    case 'tanh':
      return 't_tanh(v)';
    case 'sigmoid':
      return 't_sigmoid(v)';
    case 'relu':
      return 'select(v, 0.0f, v < 0.0f)';
    case 'erf':
      return 't_erf(v)';
    case 'floor':
      return 'floor(v)';
    case 'ceil':
      return 'ceil(v)';
    case 'round':
      return 'round(v)';
    case 'softplus':
      return 't_softplus(v)';
    case 'logicalNot':
      return 'select(0u, 1u, v == 0u)';
    case 'isNaN':
      return 'select(0u, 1u, t_isnan(v))';
    case 'isFinite':
      return 'select(0u, 1u, t_isfinite(v))';
  }
}

/** The type `v` must have for a unary op on stored type `t`. */
function unaryOperandType(op: UnaryOp, t: Scalar): Scalar {
  if (op === 'logicalNot') return 'u32';
  if (t === 'i32' && ['neg', 'abs', 'sign', 'square', 'relu', 'floor', 'ceil', 'round'].includes(op)) return 'i32';
  if (op === 'isNaN' || op === 'isFinite') return 'f32';
  return t === 'u32' && ['neg', 'abs', 'sign', 'square'].includes(op) ? 'i32' : 'f32';
}

const CMP: Partial<Record<BinaryOp, string>> = {
  equal: '==',
  notEqual: '!=',
  less: '<',
  lessEqual: '<=',
  greater: '>',
  greaterEqual: '>=',
};

/** The WGSL expression of a binary op on `a`, `b` of type `t`; comparisons and logical ops give bool (u32). */
function binaryExpr(op: BinaryOp, t: Scalar): { expr: string; operand: Scalar } {
  const cmp = CMP[op];
  if (cmp !== undefined) {
    if (t === 'f32') {
      // Comparisons with NaN are false (notEqual true); look at the bits, not at `a != a`.
      const nan = 't_isnan(a) || t_isnan(b)';
      return op === 'notEqual'
        ? { expr: `select(0u, 1u, (${nan}) || a != b)`, operand: t }
        : { expr: `select(0u, 1u, !(${nan}) && a ${cmp} b)`, operand: t };
    }
    return { expr: `select(0u, 1u, a ${cmp} b)`, operand: t };
  }
  switch (op) {
    case 'logicalAnd':
      return { expr: 'select(0u, 1u, a != 0u && b != 0u)', operand: 'u32' };
    case 'logicalOr':
      return { expr: 'select(0u, 1u, a != 0u || b != 0u)', operand: 'u32' };
    case 'logicalXor':
      return { expr: 'select(0u, 1u, (a != 0u) != (b != 0u))', operand: 'u32' };
    default:
      break;
  }
  if (t !== 'f32') {
    const it = 'i32';
    switch (op) {
      case 'add':
        return { expr: 'a + b', operand: it };
      case 'sub':
        return { expr: 'a - b', operand: it };
      case 'mul':
        return { expr: 'a * b', operand: it };
      case 'div':
        return { expr: 't_floordiv_i(a, b)', operand: it };
      case 'mod':
        return { expr: 't_mod_i(a, b)', operand: it };
      case 'pow':
        return { expr: 't_pow_i(a, b)', operand: it };
      case 'maximum':
        return { expr: 'max(a, b)', operand: it };
      case 'minimum':
        return { expr: 'min(a, b)', operand: it };
      default:
        // atan2 on integers (tensor-core casts to float first): compute in float32, truncate back.
        return { expr: 't_to_i32(t_atan2(f32(a), f32(b)))', operand: it };
    }
  }
  switch (op) {
    case 'add':
      return { expr: 'a + b', operand: t };
    case 'sub':
      return { expr: 'a - b', operand: t };
    case 'mul':
      return { expr: 'a * b', operand: t };
    case 'div':
      return { expr: 'a / b', operand: t };
    case 'pow':
      return { expr: 't_pow(a, b)', operand: t };
    case 'maximum':
      return { expr: 'select(max(a, b), t_nan(), t_isnan(a) || t_isnan(b))', operand: t };
    case 'minimum':
      return { expr: 'select(min(a, b), t_nan(), t_isnan(a) || t_isnan(b))', operand: t };
    case 'mod':
      return { expr: 't_pymod(a, b)', operand: t };
    case 'atan2':
      return { expr: 't_atan2(a, b)', operand: t };
    default:
      throw new Error(`webgpu: binary op ${op} has no float form`);
  }
}

export function elementwiseKernels(k: Kernels): Pick<
  import('@tessera/tensor-core').Backend,
  'unary' | 'binary' | 'where' | 'cast' | 'fill' | 'range'
> {
  return {
    unary(op: UnaryOp, x: TensorInfo, out: TensorInfo): void {
      const n = sizeOf(out.shape);
      const tx = wgslType(x.dtype);
      const to = wgslType(out.dtype);
      const operand = unaryOperandType(op, tx);
      const code = `${MATH}
${bindings([['x', tx, 'read'], ['o', to, 'read_write']])}
${main1d(n, `  let v = ${convert('x[i]', tx, operand)};\n  o[i] = ${unaryExpr(op, operand)};`)}`;
      k.run(code, [x, out], grid(n));
    },

    binary(op: BinaryOp, a: TensorInfo, b: TensorInfo, out: TensorInfo): void {
      const n = sizeOf(out.shape);
      const t = wgslType(a.dtype);
      const to = wgslType(out.dtype);
      const { expr, operand } = binaryExpr(op, t);
      const plan = broadcastLoops(out.shape, [a.shape, b.shape]);
      const code = `${MATH}
${bindings([['xa', t, 'read'], ['xb', t, 'read'], ['o', to, 'read_write']])}
${main1d(n, `${offsets({ shape: plan.shape, strides: plan.strides.slice(0, 2) }, ['ia', 'ib'], 'i')}
  let a = ${convert('xa[ia]', t, operand)};
  let b = ${convert('xb[ib]', t, operand)};
  o[i] = ${expr};`)}`;
      k.run(code, [a, b, out], grid(n));
    },

    where(cond: TensorInfo, a: TensorInfo, b: TensorInfo, out: TensorInfo): void {
      const n = sizeOf(out.shape);
      const t = wgslType(out.dtype);
      const plan = broadcastLoops(out.shape, [cond.shape, a.shape, b.shape]);
      const code = `${bindings([['c', 'u32', 'read'], ['xa', t, 'read'], ['xb', t, 'read'], ['o', t, 'read_write']])}
${main1d(n, `${offsets({ shape: plan.shape, strides: plan.strides.slice(0, 3) }, ['ic', 'ia', 'ib'], 'i')}
  o[i] = select(xb[ib], xa[ia], c[ic] != 0u);`)}`;
      k.run(code, [cond, a, b, out], grid(n));
    },

    cast(x: TensorInfo, out: TensorInfo): void {
      const n = sizeOf(out.shape);
      const tx = wgslType(x.dtype);
      const to = wgslType(out.dtype);
      const code = `${MATH}
${bindings([['x', tx, 'read'], ['o', to, 'read_write']])}
${main1d(n, `  o[i] = ${convert('x[i]', tx, to)};`)}`;
      k.run(code, [x, out], grid(n));
    },

    fill(out: TensorInfo, value: number): void {
      const n = sizeOf(out.shape);
      const t = wgslType(out.dtype);
      // The value comes in a uniform so that each new value does not compile a new shader.
      const code = `struct P { v: ${t} }
@group(0) @binding(1) var<uniform> p: P;
${bindings([['o', t, 'read_write']])}
${main1d(n, '  o[i] = p.v;')}`;
      k.run(code, [out], grid(n), words([value], out.dtype));
    },

    range(out: TensorInfo, start: number, step: number): void {
      const n = sizeOf(out.shape);
      const t = wgslType(out.dtype);
      // float32: start + i·step in float32 (the CPU computes in float64 and rounds once: within an ulp or two).
      const value = t === 'f32' ? 'p.start + f32(i) * p.step' : `${t}(i32(p.start) + i32(i) * i32(p.step))`;
      const code = `struct P { start: f32, step: f32 }
@group(0) @binding(1) var<uniform> p: P;
${bindings([['o', t, 'read_write']])}
${main1d(n, `  o[i] = ${value};`)}`;
      if (t !== 'f32' && !(Number.isInteger(start) && Number.isInteger(step) && Math.abs(start) < 2 ** 24 && Math.abs(step) < 2 ** 24)) {
        // Integer ranges beyond float32's exact integers: bake the values (rare).
        const code2 = `${bindings([['o', t, 'read_write']])}
${main1d(n, `  o[i] = ${t}(${lit(start, 'int32')} + i32(i) * ${lit(step, 'int32')});`)}`;
        k.run(code2, [out], grid(n));
        return;
      }
      k.run(code, [out], grid(n), words([start, step], 'float32'));
    },
  };
}

/** Uniform words holding `values` as the stored type of `dtype`. */
export function words(values: readonly number[], dtype: 'float32' | 'int32' | 'bool' | 'float64'): Uint32Array {
  const w = new Uint32Array(Math.max(4, Math.ceil(values.length / 4) * 4));
  if (dtype === 'float32' || dtype === 'float64') new Float32Array(w.buffer).set(values.slice(0, values.length));
  else if (dtype === 'int32') new Int32Array(w.buffer).set(values);
  else values.forEach((v, j) => (w[j] = v !== 0 ? 1 : 0));
  return w;
}
