/** Elementwise ONNX operators: arithmetic, comparisons, logic, activations, Cast, Clip, Where. */
import {
  abs, add, cast, ceil, clamp, cos, div, elu, equal, erf, exp, floor, gelu, greater, greaterEqual, hardSwish, isNaN,
  leakyRelu, less, lessEqual, log, logicalAnd, logicalNot, logicalOr, logicalXor, maximum, minimum, mod, mul, neg, pow,
  reciprocal, relu, round, selu, sigmoid, sign, sin, softplus, sqrt, sub, tanh, where, zerosLike, type Tensor,
} from '@tessera/tensor-core';
import { deviceDtype, hostElementwise, hostTensor, type HostKind, type HostTensor } from '../host.js';
import { kindOfDataType, dataTypeName } from '../tensor-proto.js';
import { OnnxDataType } from '../../proto/index.js';
import type { OpContext, OpSpec } from './types.js';
import { binary, unary } from './util.js';

const asFloat = (x: Tensor): Tensor => (x.dtype === 'float32' || x.dtype === 'float64' ? x : cast(x, 'float32'));
const boolKind = (): HostKind => 'bool';

/** ONNX rounds half to even; JavaScript's Math.round rounds half up. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function intDiv(a: Tensor, b: Tensor): Tensor {
  // ONNX integer Div truncates toward zero; compute on floats and truncate.
  const q = div(cast(a, 'float32'), cast(b, 'float32'));
  return cast(mul(sign(q), floor(abs(q))), 'int32');
}

function variadic(name: string, fold: (a: Tensor, b: Tensor) => Tensor, hostFn: (a: number, b: number) => number, finish?: (acc: Tensor, n: number) => Tensor): OpSpec {
  return {
    run: (ctx) => {
      const n = ctx.inputs.length;
      if (n === 0) ctx.fail('INVALID_ARGUMENT', `${name} needs at least one input`);
      let acc = ctx.tensor(0);
      for (let i = 1; i < n; i++) acc = fold(acc, ctx.tensor(i));
      return [finish ? finish(acc, n) : acc];
    },
    host: (_ctx, inputs) => {
      let acc = inputs[0]!;
      for (let i = 1; i < inputs.length; i++) acc = hostElementwise(name, [acc, inputs[i]!], acc.kind, hostFn);
      return [finish ? hostElementwise(name, [acc], acc.kind, (v) => v / inputs.length) : acc];
    },
  };
}

function clipBounds(ctx: OpContext): { min: Tensor | number | undefined; max: Tensor | number | undefined } {
  if (ctx.opset < 11) {
    return { min: ctx.attrs.float('min'), max: ctx.attrs.float('max') };
  }
  const bound = (i: number): Tensor | number | undefined => {
    const v = ctx.inputs[i];
    if (v === undefined) return undefined;
    if ((v as HostTensor).host) return (v as HostTensor).data[0];
    return ctx.tensor(i);
  };
  return { min: bound(1), max: bound(2) };
}

/** The elementwise operators by ONNX op type. */
export const elementwiseOps: Record<string, OpSpec> = {
  Identity: { run: (ctx) => [ctx.inputs[0]!], host: (_ctx, [x]) => [x!] },
  Abs: unary((x) => abs(x), Math.abs),
  Neg: unary((x) => neg(x), (x) => -x),
  Sign: unary((x) => sign(x), Math.sign),
  Exp: unary((x) => exp(x), Math.exp),
  Log: unary((x) => log(x), Math.log),
  Sqrt: unary((x) => sqrt(x), Math.sqrt),
  Reciprocal: unary((x) => reciprocal(x), (x) => 1 / x),
  Sin: unary((x) => sin(x), Math.sin),
  Cos: unary((x) => cos(x), Math.cos),
  Tanh: unary((x) => tanh(x), Math.tanh),
  Sigmoid: unary((x) => sigmoid(x), (x) => 1 / (1 + Math.exp(-x))),
  Relu: unary((x) => relu(x), (x) => Math.max(0, x)),
  Erf: unary((x) => erf(x)),
  Floor: unary((x) => floor(x), Math.floor),
  Ceil: unary((x) => ceil(x), Math.ceil),
  Round: unary((x) => round(x), roundHalfEven),
  Softplus: unary((x) => softplus(x)),
  Softsign: unary((x) => div(x, add(abs(x), 1))),
  Not: unary((x) => logicalNot(x), (x) => (x ? 0 : 1), 'bool'),
  IsNaN: unary((x) => isNaN(x), (x) => (Number.isNaN(x) ? 1 : 0), 'bool'),
  Mish: unary((x) => mul(x, tanh(softplus(x)))),
  HardSigmoid: unary((x, ctx) => {
    const alpha = ctx.attrs.float('alpha', 0.2);
    const beta = ctx.attrs.float('beta', 0.5);
    return clamp(add(mul(x, alpha), beta), 0, 1);
  }),
  HardSwish: unary((x) => hardSwish(x)),
  LeakyRelu: unary((x, ctx) => leakyRelu(x, ctx.attrs.float('alpha', 0.01))),
  Elu: unary((x, ctx) => elu(x, ctx.attrs.float('alpha', 1))),
  Celu: unary((x, ctx) => {
    const alpha = ctx.attrs.float('alpha', 1);
    return add(relu(x), minimum(mul(exp(div(x, alpha)).sub(1), alpha), 0));
  }),
  Selu: unary((x, ctx) => {
    const alpha = ctx.attrs.float('alpha', 1.67326319217681884765625);
    const gamma = ctx.attrs.float('gamma', 1.05070102214813232421875);
    if (Math.fround(alpha) === Math.fround(1.6732632423543772) && Math.fround(gamma) === Math.fround(1.0507009873554805)) return selu(x);
    return mul(where(greater(x, 0), x, mul(exp(x).sub(1), alpha)), gamma);
  }),
  ThresholdedRelu: unary((x, ctx) => where(greater(x, ctx.attrs.float('alpha', 1)), x, zerosLike(x))),
  Gelu: unary((x, ctx) => gelu(x, { approximate: ctx.attrs.string('approximate', 'none') === 'tanh' ? 'tanh' : 'none' })),
  PRelu: {
    run: (ctx) => {
      const x = ctx.tensor(0);
      let slope = ctx.tensor(1);
      // Opset < 9 exporters give a [C] slope for NCHW input: unidirectional broadcast along C.
      if (slope.rank === 1 && x.rank > 2 && slope.shape[0] === x.shape[1] && slope.shape[0] !== 1) {
        slope = slope.reshape([slope.shape[0]!, ...new Array<number>(x.rank - 2).fill(1)]);
      }
      return [where(less(x, 0), mul(x, slope), x)];
    },
  },
  Add: binary((a, b) => add(a, b), (a, b) => a + b),
  Sub: binary((a, b) => sub(a, b), (a, b) => a - b),
  Mul: binary((a, b) => mul(a, b), (a, b) => a * b),
  Div: binary(
    (a, b) => (a.dtype === 'int32' && b.dtype === 'int32' ? intDiv(a, b) : div(a, b)),
    (a, b, kind) => (kind === 'int' ? Math.trunc(a / b) : a / b),
  ),
  Pow: binary((a, b) => pow(a, b.dtype === a.dtype ? b : cast(b, a.dtype)), (a, b) => a ** b),
  Mod: {
    run: (ctx) => {
      const a = ctx.tensor(0);
      const b = ctx.tensor(1);
      if (ctx.attrs.int('fmod', 0) === 1) {
        // C fmod: the sign of the dividend.
        const fa = asFloat(a);
        const fb = asFloat(b);
        const q = div(fa, fb);
        const r = sub(fa, mul(mul(sign(q), floor(abs(q))), fb));
        return [a.dtype === 'int32' ? cast(r, 'int32') : r];
      }
      return [mod(a, b)];
    },
    host: (ctx, [a, b]) => [
      hostElementwise('Mod', [a!, b!], a!.kind, ctx.attrs.int('fmod', 0) === 1 ? (x, y) => x % y : (x, y) => x - Math.floor(x / y) * y),
    ],
  },
  Equal: binary((a, b) => equal(a, b), (a, b) => (a === b ? 1 : 0), boolKind),
  Greater: binary((a, b) => greater(a, b), (a, b) => (a > b ? 1 : 0), boolKind),
  Less: binary((a, b) => less(a, b), (a, b) => (a < b ? 1 : 0), boolKind),
  GreaterOrEqual: binary((a, b) => greaterEqual(a, b), (a, b) => (a >= b ? 1 : 0), boolKind),
  LessOrEqual: binary((a, b) => lessEqual(a, b), (a, b) => (a <= b ? 1 : 0), boolKind),
  And: binary((a, b) => logicalAnd(a, b), (a, b) => (a && b ? 1 : 0), boolKind),
  Or: binary((a, b) => logicalOr(a, b), (a, b) => (a || b ? 1 : 0), boolKind),
  Xor: binary((a, b) => logicalXor(a, b), (a, b) => (!a !== !b ? 1 : 0), boolKind),
  Max: variadic('Max', (a, b) => maximum(a, b), Math.max),
  Min: variadic('Min', (a, b) => minimum(a, b), Math.min),
  Sum: variadic('Sum', (a, b) => add(a, b), (a, b) => a + b),
  Mean: variadic('Mean', (a, b) => add(a, b), (a, b) => a + b, (acc, n) => div(acc, n)),
  Where: {
    run: (ctx) => {
      const c = ctx.tensor(0);
      return [where(c.dtype === 'bool' ? c : cast(c, 'bool'), ctx.tensor(1), ctx.tensor(2))];
    },
    host: (_ctx, [c, a, b]) => [hostElementwise('Where', [c!, a!, b!], a!.kind === 'float32' || b!.kind === 'float32' ? 'float32' : a!.kind, (k, x, y) => (k ? x : y))],
  },
  Clip: {
    staticInputs: [],
    run: (ctx) => {
      const x = ctx.tensor(0);
      const { min, max } = clipBounds(ctx);
      if (min === undefined && max === undefined) return [x];
      if ((min === undefined || typeof min === 'number') && (max === undefined || typeof max === 'number')) return [clamp(x, min, max)];
      let y = x;
      if (min !== undefined) y = maximum(y, min);
      if (max !== undefined) y = minimum(y, max);
      return [y];
    },
    host: (ctx, [x, lo, hi]) => {
      const min = ctx.opset < 11 ? ctx.attrs.float('min', -Infinity) : (lo?.data[0] ?? -Infinity);
      const max = ctx.opset < 11 ? ctx.attrs.float('max', Infinity) : (hi?.data[0] ?? Infinity);
      return [hostElementwise('Clip', [x!], x!.kind, (v) => Math.min(max, Math.max(min, v)))];
    },
  },
  Cast: {
    run: (ctx) => {
      const kind = castKind(ctx);
      const x = ctx.tensor(0);
      const isFloat = (d: string): boolean => d === 'float32' || d === 'float64';
      // Float to float keeps the model's float dtype (float64 models stay float64).
      if (isFloat(kind) && isFloat(x.dtype)) return [x];
      const dtype = deviceDtype(kind);
      return [x.dtype === dtype ? x : cast(x, dtype)];
    },
    host: (ctx, [x]) => [hostTensor(castKind(ctx), x!.shape, x!.data)],
    check: (node) => {
      const to = node.attribute.find((a) => a.name === 'to')?.i;
      // Rounding to 16-bit floats is not implemented: the result would differ from ONNX Runtime's.
      if (to === OnnxDataType.FLOAT16 || to === OnnxDataType.BFLOAT16) return `Cast to ${dataTypeName(to)} is not supported`;
      return kindOfDataType(to) === undefined ? `Cast to ${dataTypeName(to)} is not supported` : undefined;
    },
  },
  CastLike: {
    run: (ctx) => {
      const target = ctx.tensor(1).dtype;
      const x = ctx.tensor(0);
      return [x.dtype === target ? x : cast(x, target)];
    },
    host: (_ctx, [x, like]) => [hostTensor(like!.kind, x!.shape, x!.data)],
  },
};

function castKind(ctx: OpContext): HostKind {
  const to = ctx.attrs.int('to');
  const kind = kindOfDataType(to);
  if (kind === undefined) ctx.fail('UNSUPPORTED', `Cast to ${dataTypeName(to)} is not supported`);
  return kind;
}

