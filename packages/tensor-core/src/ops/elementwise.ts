/**
 * Elementwise ops: unary math, activations, binary arithmetic with numpy broadcasting,
 * comparisons, logical ops, `where` and `cast`.
 */
import type { BinaryOp, UnaryOp } from '../backend.js';
import { isFloat, promoteTypes, type DType, DTYPES } from '../dtype.js';
import { runKernel, runOp, assertLive, asOneOp } from '../engine.js';
import { defineOp, type AnyOpSpec, type GradRule, type NoAttrs, type OnnxMapping, type OpSpec, type SavedOp } from '../op-spec.js';
import { TensorError, fmtShape } from '../errors.js';
import { checkValues, type ValueCheck } from '../checks.js';
import { checkOptions } from '../options.js';
import { broadcastShapes } from '../shape.js';
import { Tensor } from '../tensor.js';
import { unbroadcast } from './unbroadcast.js';
import { onnxDataType, onnxNode, onnxNodes, scalarLike } from './onnx-util.js';
import { disposeAll, requireFinite, requireNumber, requireTensorLike, scalarDtype, toTensor, scalarTensor, type TensorLike } from './util.js';

// ---------------------------------------------------------------- primitives

/**
 * Converts the operands of a binary op to tensors of one dtype on one backend; returns them and
 * the temporaries to dispose.
 */
function binaryOperands(op: string, a: TensorLike, b: TensorLike, minDtype?: DType): { a: Tensor; b: Tensor; temps: Tensor[] } {
  requireTensorLike(op, 'a', a);
  requireTensorLike(op, 'b', b);
  const temps: Tensor[] = [];
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) {
    a = scalarTensor(a, scalarDtype(a, undefined));
    temps.push(a);
  }
  let ta: Tensor;
  let tb: Tensor;
  if (a instanceof Tensor) {
    assertLive(a, op);
    ta = a;
  }
  if (b instanceof Tensor) {
    assertLive(b, op);
    tb = b;
  }
  if (!(a instanceof Tensor)) {
    ta = scalarTensor(a, scalarDtype(a, tb!.dtype), tb!.backend);
    temps.push(ta);
  }
  if (!(b instanceof Tensor)) {
    tb = scalarTensor(b, scalarDtype(b, ta!.dtype), ta!.backend);
    temps.push(tb);
  }
  let dtype = promoteTypes(ta!.dtype, tb!.dtype);
  if (minDtype !== undefined) dtype = promoteTypes(dtype, minDtype);
  if (ta!.dtype !== dtype) {
    ta = cast(ta!, dtype);
    temps.push(ta);
  }
  if (tb!.dtype !== dtype) {
    tb = cast(tb!, dtype);
    temps.push(tb);
  }
  return { a: ta!, b: tb!, temps };
}


const INT_UNARY = new Set<UnaryOp>(['neg', 'abs', 'sign', 'square', 'relu']);
const FLOAT_PRESERVING = new Set<UnaryOp>(['floor', 'ceil', 'round']);

function unaryOp(op: UnaryOp, x: TensorLike): Tensor {
  let t = toTensor(op, x);
  const temps: Tensor[] = t === x ? [] : [t];
  if (op === 'logicalNot') {
    if (t.dtype !== 'bool') {
      t = cast(t, 'bool');
      temps.push(t);
    }
  } else if (op === 'isNaN' || op === 'isFinite') {
    if (!isFloat(t.dtype)) {
      // Integers are never NaN and always finite.
      const r = fullOf(t, op === 'isFinite');
      disposeAll(temps);
      return r;
    }
  } else if (t.dtype === 'bool' || (t.dtype === 'int32' && !INT_UNARY.has(op))) {
    if (t.dtype === 'int32' && FLOAT_PRESERVING.has(op)) {
      disposeAll(temps);
      return clone(t);
    }
    t = cast(t, t.dtype === 'bool' && INT_UNARY.has(op) ? 'int32' : 'float32');
    temps.push(t);
  }
  const [out] = runOp(UNARY_SPECS[op], [t], {});
  disposeAll(temps);
  return out!;
}

function fullOf(like: Tensor, value: boolean): Tensor {
  const [out] = runOp(fillSpec, [like], { value });
  return out!;
}

const COMPARISONS = new Set<BinaryOp>(['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual']);
const LOGICAL = new Set<BinaryOp>(['logicalAnd', 'logicalOr', 'logicalXor']);

function binaryOp(op: BinaryOp, a: TensorLike, b: TensorLike, minDtype?: DType): Tensor {
  if (minDtype === undefined && (op === 'div' || op === 'atan2')) minDtype = 'float32';
  const { a: ta, b: tb, temps } = LOGICAL.has(op) ? logicalOperands(op, a, b) : binaryOperands(op, a, b, minDtype);
  try {
    broadcastShapes(ta.shape, tb.shape, op);
    let kernelA = ta;
    let kernelB = tb;
    if (ta.dtype === 'bool' && !COMPARISONS.has(op) && !LOGICAL.has(op)) {
      // Arithmetic on bool runs in int32.
      kernelA = cast(ta, 'int32');
      temps.push(kernelA);
      kernelB = cast(tb, 'int32');
      temps.push(kernelB);
    }
    const [out] = runKernel(BINARY_SPECS[op], [kernelA, kernelB], {}, BINARY_SPECS[op].infer!([kernelA, kernelB], {}), (bk, [ai, bi], [o]) => bk.binary(op, ai!, bi!, o!));
    return out!;
  } finally {
    disposeAll(temps);
  }
}

function logicalOperands(op: string, a: TensorLike, b: TensorLike): { a: Tensor; b: Tensor; temps: Tensor[] } {
  requireTensorLike(op, 'a', a);
  requireTensorLike(op, 'b', b);
  const temps: Tensor[] = [];
  const coerce = (v: TensorLike, other: TensorLike): Tensor => {
    if (v instanceof Tensor) {
      assertLive(v, op);
      if (v.dtype === 'bool') return v;
      const c = cast(v, 'bool');
      temps.push(c);
      return c;
    }
    const s = scalarTensor(Boolean(v), 'bool', other instanceof Tensor ? other.backend : undefined);
    temps.push(s);
    return s;
  };
  return { a: coerce(a, b), b: coerce(b, a), temps };
}

// ---------------------------------------------------------------- public unary ops

/** `-x`. @example `neg(tensor([1, -2]))` → `[-1, 2]` */
export function neg(x: TensorLike): Tensor { return unaryOp('neg', x); }
/** `|x|`. @example `abs(tensor([-1, 2]))` → `[1, 2]` */
export function abs(x: TensorLike): Tensor { return unaryOp('abs', x); }
/** −1, 0 or 1 by the sign of x (0 for 0, NaN for NaN). */
export function sign(x: TensorLike): Tensor { return unaryOp('sign', x); }
/** `e^x`. Integer inputs compute in float32. */
export function exp(x: TensorLike): Tensor { return unaryOp('exp', x); }
/** Natural logarithm (−Infinity at 0, NaN below). */
export function log(x: TensorLike): Tensor { return unaryOp('log', x); }
/** `log(1 + x)`, accurate near 0. */
export function log1p(x: TensorLike): Tensor { return unaryOp('log1p', x); }
/** `e^x − 1`, accurate near 0. */
export function expm1(x: TensorLike): Tensor { return unaryOp('expm1', x); }
/** Square root. */
export function sqrt(x: TensorLike): Tensor { return unaryOp('sqrt', x); }
/** `1 / sqrt(x)`. */
export function rsqrt(x: TensorLike): Tensor { return unaryOp('rsqrt', x); }
/** `x²` (int32 stays int32). */
export function square(x: TensorLike): Tensor { return unaryOp('square', x); }
/** `1 / x`. */
export function reciprocal(x: TensorLike): Tensor { return unaryOp('reciprocal', x); }
/** Sine. */
export function sin(x: TensorLike): Tensor { return unaryOp('sin', x); }
/** Cosine. */
export function cos(x: TensorLike): Tensor { return unaryOp('cos', x); }
/** Hyperbolic tangent. */
export function tanh(x: TensorLike): Tensor { return unaryOp('tanh', x); }
/** `1 / (1 + e^−x)`. */
export function sigmoid(x: TensorLike): Tensor { return unaryOp('sigmoid', x); }
/** `max(x, 0)`. */
export function relu(x: TensorLike): Tensor { return unaryOp('relu', x); }
/** The error function. */
export function erf(x: TensorLike): Tensor { return unaryOp('erf', x); }
/** Rounds down (int32 unchanged). */
export function floor(x: TensorLike): Tensor { return unaryOp('floor', x); }
/** Rounds up (int32 unchanged). */
export function ceil(x: TensorLike): Tensor { return unaryOp('ceil', x); }
/** Rounds half to even, as PyTorch and numpy (int32 unchanged). */
export function round(x: TensorLike): Tensor { return unaryOp('round', x); }
/** `log(1 + e^x)`, stable for large x. */
export function softplus(x: TensorLike): Tensor { return unaryOp('softplus', x); }
/** Elementwise NOT (inputs cast to bool). */
export function logicalNot(x: TensorLike): Tensor { return unaryOp('logicalNot', x); }
/** Whether each element is NaN (bool). */
export function isNaN(x: TensorLike): Tensor { return unaryOp('isNaN', x); }
/** Whether each element is finite (bool). */
export function isFinite(x: TensorLike): Tensor { return unaryOp('isFinite', x); }

// ---------------------------------------------------------------- binary ops

/** `a + b` with numpy broadcasting and dtype promotion. @example `add(tensor([1, 2]), 1)` → `[2, 3]` */
export function add(a: TensorLike, b: TensorLike): Tensor { return binaryOp('add', a, b); }
/** `a − b`. */
export function sub(a: TensorLike, b: TensorLike): Tensor { return binaryOp('sub', a, b); }
/** `a × b`. */
export function mul(a: TensorLike, b: TensorLike): Tensor { return binaryOp('mul', a, b); }
/** True division `a / b`; integers promote to float32 (as PyTorch). Use {@link floorDiv} for integer division. */
export function div(a: TensorLike, b: TensorLike): Tensor { return binaryOp('div', a, b); }
/** Floor division (int32 stays int32; floats compute `floor(a / b)`). */
export function floorDiv(a: TensorLike, b: TensorLike): Tensor {
  const { a: ta, b: tb, temps } = binaryOperands('floorDiv', a, b);
  try {
    if (ta.dtype === 'int32' || ta.dtype === 'bool') {
      // Static checks first: a deferred value check must never outlive an op that then throws.
      broadcastShapes(ta.shape, tb.shape, 'floorDiv');
      checkValues([tb], integerDivisorCheck('floorDiv'));
      // The backend's int32 `div` kernel is floor division.
      return binaryOp('div', ta, tb, 'int32');
    }
    const q = binaryOp('div', ta, tb);
    const r = floor(q);
    q.dispose();
    return r;
  } finally {
    disposeAll(temps);
  }
}
/** `a ** b`. int32 ** int32 stays int32. */
export function pow(a: TensorLike, b: TensorLike): Tensor { return binaryOp('pow', a, b); }
/** Elementwise maximum (NaN wins, as PyTorch). */
export function maximum(a: TensorLike, b: TensorLike): Tensor { return binaryOp('maximum', a, b); }
/** Elementwise minimum (NaN wins). */
export function minimum(a: TensorLike, b: TensorLike): Tensor { return binaryOp('minimum', a, b); }
/**
 * Remainder with the sign of the divisor (Python's `%`, PyTorch's `remainder`).
 * @throws TensorError `INVALID_ARGUMENT` for an integer remainder by zero (as PyTorch), on every
 *   backend (asynchronous ones report it at the next read).
 */
export function mod(a: TensorLike, b: TensorLike): Tensor {
  const { a: ta, b: tb, temps } = binaryOperands('mod', a, b);
  try {
    if (ta.dtype === 'int32' || ta.dtype === 'bool') {
      broadcastShapes(ta.shape, tb.shape, 'mod');
      checkValues([tb], integerDivisorCheck('mod'));
    }
    return binaryOp('mod', ta, tb);
  } finally {
    disposeAll(temps);
  }
}

/** Integer division and remainder by zero have no value (WGSL and the WebAssembly kernel would give 0). */
function integerDivisorCheck(op: string): ValueCheck {
  return {
    op,
    code: 'INVALID_ARGUMENT',
    host: ([values]) => {
      const at = values!.indexOf(0);
      if (at >= 0) throw new TensorError('INVALID_ARGUMENT', op, `integer division by zero (the divisor is 0 at flat index ${at}); cast to float for IEEE results`);
    },
    device: ([divisor]) => divisor!.equal(0),
  };
}
/** `atan2(a, b)`. */
export function atan2(a: TensorLike, b: TensorLike): Tensor { return binaryOp('atan2', a, b); }
/** `a == b` (bool). */
export function equal(a: TensorLike, b: TensorLike): Tensor { return binaryOp('equal', a, b); }
/** `a != b` (bool). */
export function notEqual(a: TensorLike, b: TensorLike): Tensor { return binaryOp('notEqual', a, b); }
/** `a < b` (bool). */
export function less(a: TensorLike, b: TensorLike): Tensor { return binaryOp('less', a, b); }
/** `a <= b` (bool). */
export function lessEqual(a: TensorLike, b: TensorLike): Tensor { return binaryOp('lessEqual', a, b); }
/** `a > b` (bool). */
export function greater(a: TensorLike, b: TensorLike): Tensor { return binaryOp('greater', a, b); }
/** `a >= b` (bool). */
export function greaterEqual(a: TensorLike, b: TensorLike): Tensor { return binaryOp('greaterEqual', a, b); }
/** Elementwise AND (inputs cast to bool). */
export function logicalAnd(a: TensorLike, b: TensorLike): Tensor { return binaryOp('logicalAnd', a, b); }
/** Elementwise OR. */
export function logicalOr(a: TensorLike, b: TensorLike): Tensor { return binaryOp('logicalOr', a, b); }
/** Elementwise XOR. */
export function logicalXor(a: TensorLike, b: TensorLike): Tensor { return binaryOp('logicalXor', a, b); }

// ---------------------------------------------------------------- where, cast, clone

/**
 * `condition ? a : b` elementwise, broadcasting all three. `a` and `b` promote to one dtype.
 * @throws TensorError `DTYPE_MISMATCH` when `condition` is not bool; `SHAPE_MISMATCH` when shapes don't broadcast.
 * @example `where(tensor([true, false]), 1, tensor([5, 6]))` → `[1, 6]`
 */
export function where(condition: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  requireTensorLike('where', 'a', a);
  requireTensorLike('where', 'b', b);
  const cond = toTensor('where', condition, 'bool', 'condition');
  const temps: Tensor[] = cond === condition ? [] : [cond];
  try {
    if (cond.dtype !== 'bool') {
      throw new TensorError('DTYPE_MISMATCH', 'where', `condition must be bool, got ${cond.dtype} (shape ${fmtShape(cond.shape)}); compare first, e.g. x.greater(0)`);
    }
    let first = a;
    if (!(a instanceof Tensor) && !(b instanceof Tensor)) {
      // Two scalars: give the first a tensor on the condition's backend so the pair can promote.
      first = scalarTensor(a, typeof a === 'boolean' ? 'bool' : Number.isInteger(a) ? 'int32' : 'float32', cond.backend);
      temps.push(first);
    }
    const ops = binaryOperands('where', first, b);
    temps.push(...ops.temps);
    const [out] = runOp(whereSpec, [cond, ops.a, ops.b], {});
    return out!;
  } finally {
    disposeAll(temps);
  }
}

/**
 * Converts to `dtype`: float → int truncates toward zero, anything → bool is `!= 0`.
 * Returns a new tensor even when the dtype is unchanged.
 * @throws TensorError `INVALID_ARGUMENT` for an unknown dtype.
 */
export function cast(x: TensorLike, dtype: DType): Tensor {
  if (!DTYPES.includes(dtype)) throw new TensorError('INVALID_ARGUMENT', 'cast', `unknown dtype ${String(dtype)} (expected one of ${DTYPES.join(', ')})`);
  const t = toTensor('cast', x);
  const [out] = runOp(castSpec, [t], { dtype });
  if (t !== x) t.dispose();
  return out!;
}

/** A copy of `x` with its own storage. */
export function clone(x: Tensor): Tensor {
  assertLive(x, 'clone');
  const [out] = runOp(cloneSpec, [x], {});
  return out!;
}

// ---------------------------------------------------------------- composite activations

/** `x` for x > 0, `negativeSlope·x` otherwise. */
export function leakyRelu(x: TensorLike, negativeSlope = 0.01): Tensor {
  requireFinite('leakyRelu', 'negativeSlope', negativeSlope);
  const t = toTensor('leakyRelu', x);
  const pos = t.greater(0);
  const scaled = t.mul(negativeSlope);
  const out = where(pos, t, scaled);
  disposeAll([pos, scaled]);
  if (t !== x) t.dispose();
  return out;
}

/** `x` for x > 0, `alpha·(e^x − 1)` otherwise. */
export function elu(x: TensorLike, alpha = 1): Tensor {
  requireFinite('elu', 'alpha', alpha);
  const t = toTensor('elu', x);
  const pos = t.greater(0);
  const em1 = expm1(t);
  const neg_ = em1.mul(alpha);
  const out = where(pos, t, neg_);
  disposeAll([pos, em1, neg_]);
  if (t !== x) t.dispose();
  return out;
}

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
/** Scaled ELU with PyTorch's constants. */
export function selu(x: TensorLike): Tensor {
  const e = elu(x, SELU_ALPHA);
  const out = e.mul(SELU_SCALE);
  e.dispose();
  return out;
}

/** Options of {@link gelu}. */
export interface GeluOptions {
  /** `'none'` (exact, with erf; the default) or `'tanh'` (the approximation). */
  readonly approximate?: 'none' | 'tanh';
}

/**
 * Gaussian error linear unit: `x·Φ(x)`, exact or with the tanh approximation (as PyTorch).
 * @throws TensorError `INVALID_ARGUMENT` for an unknown `approximate`.
 */
export function gelu(x: TensorLike, options: GeluOptions = {}): Tensor {
  checkOptions('gelu', options, ['approximate']);
  const approximate = options.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new TensorError('INVALID_ARGUMENT', 'gelu', `approximate must be 'none' or 'tanh', got ${String(approximate)}`);
  }
  let t = toTensor('gelu', x);
  const temps: Tensor[] = t === x ? [] : [t];
  if (!isFloat(t.dtype)) {
    t = cast(t, 'float32');
    temps.push(t);
  }
  let out: Tensor;
  const fused = t.backend.gelu;
  if (fused) {
    [out] = runOp(geluSpec, [t], { approximate }) as [Tensor];
  } else if (approximate === 'none') {
    const s = t.mul(Math.SQRT1_2);
    const e = erf(s);
    const e1 = e.add(1);
    const h = t.mul(0.5);
    out = h.mul(e1);
    disposeAll([s, e, e1, h]);
  } else {
    const x3 = t.mul(t).mul(t);
    const inner = t.add(x3.mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
    const th = tanh(inner).add(1);
    out = t.mul(0.5).mul(th);
    disposeAll([x3, inner, th]);
  }
  disposeAll(temps);
  return out;
}

/** `x·sigmoid(x)` (swish). */
export function silu(x: TensorLike): Tensor {
  const t = toTensor('silu', x);
  const s = sigmoid(t);
  const out = t.mul(s);
  s.dispose();
  if (t !== x) t.dispose();
  return out;
}

/** `clamp(x/6 + 1/2, 0, 1)`, as PyTorch's `hardsigmoid`. */
export function hardSigmoid(x: TensorLike): Tensor {
  const t = toTensor('hardSigmoid', x);
  const a = t.div(6);
  const b = a.add(0.5);
  const out = clamp(b, 0, 1);
  disposeAll([a, b]);
  if (t !== x) t.dispose();
  return out;
}

/** `x·hardSigmoid(x)`. */
export function hardSwish(x: TensorLike): Tensor {
  const t = toTensor('hardSwish', x);
  const h = hardSigmoid(t);
  const out = t.mul(h);
  h.dispose();
  if (t !== x) t.dispose();
  return out;
}

/**
 * Limits values to `[min, max]` (either bound optional). Gradients are zero outside the range.
 * @throws TensorError `INVALID_ARGUMENT` when both bounds are missing, NaN, or `min > max`.
 */
export function clamp(x: TensorLike, min?: number, max?: number): Tensor {
  requireNumber('clamp', 'min', min, true);
  requireNumber('clamp', 'max', max, true);
  if (min === undefined && max === undefined) throw new TensorError('INVALID_ARGUMENT', 'clamp', 'at least one of min and max is required');
  if ((min !== undefined && Number.isNaN(min)) || (max !== undefined && Number.isNaN(max))) {
    throw new TensorError('INVALID_ARGUMENT', 'clamp', `bounds must not be NaN (min=${String(min)}, max=${String(max)})`);
  }
  if (min !== undefined && max !== undefined && min > max) throw new TensorError('INVALID_ARGUMENT', 'clamp', `min (${min}) must not exceed max (${max})`);
  const t = toTensor('clamp', x);
  // One observed op, so autograd passes the gradient at the bounds as PyTorch does (the
  // maximum/minimum it is built from would split it on ties).
  const [out] = asOneOp(clampSpec, [t], { min, max }, () => {
    let r = t;
    if (min !== undefined) r = maximum(r, min);
    if (max !== undefined) {
      const prev = r;
      r = minimum(r, max);
      if (prev !== t) prev.dispose();
    }
    return [r];
  });
  if (t !== x) t.dispose();
  return out!;
}

/**
 * The Heaviside step function: 0 for x < 0, `values` for x == 0, 1 for x > 0 (PyTorch's `heaviside`).
 */
export function heaviside(x: TensorLike, values: TensorLike): Tensor {
  requireTensorLike('heaviside', 'values', values);
  const t = toTensor('heaviside', x);
  const pos = t.greater(0);
  const zero = t.equal(0);
  const posF = cast(pos, isFloat(t.dtype) ? t.dtype : 'float32');
  const out = where(zero, values, posF);
  disposeAll([pos, zero, posF]);
  if (t !== x) t.dispose();
  return out;
}


// ---------------------------------------------------------------- op table

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** What a unary rule reads: the input `x`, the output `y`, or neither. */
type UnaryUse = 'x' | 'y' | 'xy' | '';

/** How each unary op is written as ONNX (absent: not exportable). `round`: both round half to even. */
const UNARY_ONNX: Partial<Record<UnaryOp, OnnxMapping<NoAttrs>>> = {
  neg: onnxNode('Neg'),
  abs: onnxNode('Abs'),
  sign: onnxNode('Sign'),
  exp: onnxNode('Exp'),
  log: onnxNode('Log'),
  sqrt: onnxNode('Sqrt'),
  reciprocal: onnxNode('Reciprocal'),
  sin: onnxNode('Sin'),
  cos: onnxNode('Cos'),
  tanh: onnxNode('Tanh'),
  sigmoid: onnxNode('Sigmoid'),
  relu: onnxNode('Relu'),
  erf: onnxNode('Erf'),
  floor: onnxNode('Floor'),
  ceil: onnxNode('Ceil'),
  round: onnxNode('Round'),
  softplus: onnxNode('Softplus'),
  logicalNot: onnxNode('Not'),
  isNaN: onnxNode('IsNaN'),
  square: onnxNodes(['Mul'], (ctx) => void ctx.graph.node('Mul', [ctx.inputs[0]!, ctx.inputs[0]!], ctx.outputs)),
  rsqrt: onnxNodes(['Sqrt', 'Reciprocal'], (ctx) => {
    const [s] = ctx.graph.node('Sqrt', [ctx.inputs[0]!]);
    ctx.graph.node('Reciprocal', [s!], ctx.outputs);
  }),
  expm1: onnxNodes(['Exp', 'Sub'], (ctx) => {
    const [e] = ctx.graph.node('Exp', [ctx.inputs[0]!]);
    ctx.graph.node('Sub', [e!, scalarLike(ctx, 1, ctx.inputDtypes[0]!)], ctx.outputs);
  }),
  log1p: onnxNodes(['Add', 'Log'], (ctx) => {
    const [s] = ctx.graph.node('Add', [ctx.inputs[0]!, scalarLike(ctx, 1, ctx.inputDtypes[0]!)]);
    ctx.graph.node('Log', [s!], ctx.outputs);
  }),
  isFinite: onnxNodes(['IsInf', 'IsNaN', 'Or', 'Not'], (ctx) => {
    const [inf] = ctx.graph.node('IsInf', [ctx.inputs[0]!]);
    const [nan] = ctx.graph.node('IsNaN', [ctx.inputs[0]!]);
    const [bad] = ctx.graph.node('Or', [inf!, nan!]);
    ctx.graph.node('Not', [bad!], ctx.outputs);
  }),
};

/** How each binary op is written as ONNX (absent: not exportable). */
const BINARY_ONNX: Partial<Record<BinaryOp, OnnxMapping<NoAttrs>>> = {
  add: onnxNode('Add', 2),
  sub: onnxNode('Sub', 2),
  mul: onnxNode('Mul', 2),
  div: onnxNode('Div', 2),
  pow: onnxNode('Pow', 2),
  maximum: onnxNode('Max', 2),
  minimum: onnxNode('Min', 2),
  equal: onnxNode('Equal', 2),
  less: onnxNode('Less', 2),
  lessEqual: onnxNode('LessOrEqual', 2),
  greater: onnxNode('Greater', 2),
  greaterEqual: onnxNode('GreaterOrEqual', 2),
  logicalAnd: onnxNode('And', 2),
  logicalOr: onnxNode('Or', 2),
  logicalXor: onnxNode('Xor', 2),
  notEqual: onnxNodes(['Equal', 'Not'], (ctx) => {
    const [eq] = ctx.graph.node('Equal', [ctx.inputs[0]!, ctx.inputs[1]!]);
    ctx.graph.node('Not', [eq!], ctx.outputs);
  }),
  mod: onnxNodes(['Mod', 'Div', 'Floor', 'Mul', 'Sub'], (ctx) => {
    const [a, b] = [ctx.inputs[0]!, ctx.inputs[1]!];
    if (ctx.inputDtypes[0] === 'int32') {
      ctx.graph.node('Mod', [a, b], ctx.outputs, { fmod: 0 }); // sign of the divisor, as Python
      return;
    }
    // Float Mod in ONNX is C's fmod (sign of the dividend); Python's remainder is a − floor(a/b)·b.
    const [q] = ctx.graph.node('Div', [a, b]);
    const [f] = ctx.graph.node('Floor', [q!]);
    const [m] = ctx.graph.node('Mul', [f!, b]);
    ctx.graph.node('Sub', [a, m!], ctx.outputs);
  }),
};

/** A unary kernel op's spec. `rule` of undefined: not differentiable. */
function unarySpec(op: UnaryOp, summary: string, uses: UnaryUse, rule?: GradRule<NoAttrs>): OpSpec<NoAttrs> {
  const boolOut = op === 'logicalNot' || op === 'isNaN' || op === 'isFinite';
  return defineOp<NoAttrs>({
    name: op,
    family: 'elementwise',
    summary,
    kind: 'kernel',
    backendKernel: 'unary',
    infer: ([x]) => [{ shape: x!.shape, dtype: boolOut ? 'bool' : x!.dtype }],
    kernel: (b, [x], [o]) => b.unary(op, x!, o!),
    gradient: rule === undefined ? 'none' : { saves: { inputs: uses.includes('x') ? [0] : [], outputs: uses.includes('y') ? [0] : [] }, rule },
    ...(UNARY_ONNX[op] ? { onnx: UNARY_ONNX[op] } : {}),
  });
}

/** Rounding ops: zero gradient almost everywhere (PyTorch returns zeros; so do we, as no gradient). */
const zero: GradRule<NoAttrs> = () => [undefined];

/** Weight of `a` where `a` wins a maximum/minimum: 1 where strictly better, 0.5 on ties, 0 elsewhere. */
function winWeight(a: Tensor, b: Tensor, better: 'greater' | 'less'): Tensor {
  const wins = a[better](b).cast(a.dtype);
  const ties = a.equal(b).cast(a.dtype).mul(0.5);
  return wins.add(ties);
}

type BinaryGrad = (dy: Tensor, op: SavedOp<NoAttrs>) => [Tensor | undefined, Tensor | undefined];

/**
 * A binary kernel op's spec. `saves(needs)` names the inputs (and whether the output) its rule
 * reads; the rule's gradients are summed back to the broadcast input shapes.
 */
function binarySpec(op: BinaryOp, summary: string, saves?: (needs: readonly boolean[]) => { inputs: number[]; outputs?: number[] }, grad?: BinaryGrad, savesNote?: string): OpSpec<NoAttrs> {
  const boolOut = COMPARISONS.has(op) || LOGICAL.has(op);
  return defineOp<NoAttrs>({
    name: op,
    family: 'elementwise',
    summary,
    kind: 'kernel',
    backendKernel: 'binary',
    infer: ([a, b]) => [{ shape: broadcastShapes(a!.shape, b!.shape, op), dtype: boolOut ? 'bool' : a!.dtype }],
    kernel: (bk, [a, b], [o]) => bk.binary(op, a!, b!, o!),
    ...(BINARY_ONNX[op] ? { onnx: BINARY_ONNX[op] } : {}),
    gradient:
      grad === undefined || saves === undefined
        ? 'none'
        : {
            saves: savesNote === undefined ? saves([true, true]) : saves,
            ...(savesNote === undefined ? {} : { savesNote }),
            rule: (dy, saved) => {
              const [ga, gb] = grad(dy, saved);
              return [
                ga && saved.needs[0] ? unbroadcast(ga, saved.inputShapes[0]!) : undefined,
                gb && saved.needs[1] ? unbroadcast(gb, saved.inputShapes[1]!) : undefined,
              ];
            },
          },
  });
}

const both = (): { inputs: number[] } => ({ inputs: [0, 1] });

/** Each unary kernel op. Ties follow PyTorch: `relu'(0) = 0`, `|x|'(0) = 0`. */
const UNARY_SPECS: Readonly<Record<UnaryOp, OpSpec<NoAttrs>>> = {
  neg: unarySpec('neg', '`-x`.', '', (dy) => [dy.neg()]),
  abs: unarySpec('abs', '`|x|`.', 'x', (dy, { inputs: [x] }) => [dy.mul(x!.sign())]),
  sign: unarySpec('sign', '−1, 0 or 1.', '', zero),
  floor: unarySpec('floor', 'Rounds down.', '', zero),
  ceil: unarySpec('ceil', 'Rounds up.', '', zero),
  round: unarySpec('round', 'Rounds half to even.', '', zero),
  exp: unarySpec('exp', '`e^x`.', 'y', (dy, { outputs: [y] }) => [dy.mul(y!)]),
  log: unarySpec('log', 'Natural logarithm.', 'x', (dy, { inputs: [x] }) => [dy.div(x!)]),
  log1p: unarySpec('log1p', '`log(1 + x)`.', 'x', (dy, { inputs: [x] }) => [dy.div(x!.add(1))]),
  expm1: unarySpec('expm1', '`e^x − 1`.', 'y', (dy, { outputs: [y] }) => [dy.mul(y!.add(1))]),
  sqrt: unarySpec('sqrt', '`√x`.', 'y', (dy, { outputs: [y] }) => [dy.div(y!.mul(2))]),
  rsqrt: unarySpec('rsqrt', '`1/√x`.', 'xy', (dy, { inputs: [x], outputs: [y] }) => [dy.mul(y!).div(x!).mul(-0.5)]),
  square: unarySpec('square', '`x²`.', 'x', (dy, { inputs: [x] }) => [dy.mul(x!).mul(2)]),
  reciprocal: unarySpec('reciprocal', '`1/x`.', 'y', (dy, { outputs: [y] }) => [dy.mul(y!.square()).neg()]),
  sin: unarySpec('sin', 'Sine.', 'x', (dy, { inputs: [x] }) => [dy.mul(x!.cos())]),
  cos: unarySpec('cos', 'Cosine.', 'x', (dy, { inputs: [x] }) => [dy.mul(x!.sin()).neg()]),
  tanh: unarySpec('tanh', 'Hyperbolic tangent.', 'y', (dy, { outputs: [y] }) => [dy.mul(y!.square().neg().add(1))]),
  sigmoid: unarySpec('sigmoid', '`1 / (1 + e^−x)`.', 'y', (dy, { outputs: [y] }) => [dy.mul(y!).mul(y!.neg().add(1))]),
  // relu(x) > 0 exactly where x > 0, so the output serves: the input (a pre-activation that the
  // next op rarely keeps) need not be saved.
  relu: unarySpec('relu', '`max(x, 0)`.', 'y', (dy, { outputs: [y] }) => [where(y!.greater(0), dy, 0)]),
  erf: unarySpec('erf', 'The error function.', 'x', (dy, { inputs: [x] }) => [dy.mul(x!.square().neg().exp().mul(TWO_OVER_SQRT_PI))]),
  softplus: unarySpec('softplus', '`log(1 + e^x)`.', 'x', (dy, { inputs: [x] }) => [dy.mul(x!.sigmoid())]),
  logicalNot: unarySpec('logicalNot', 'Logical not (bool).', ''),
  isNaN: unarySpec('isNaN', 'Whether each element is NaN.', ''),
  isFinite: unarySpec('isFinite', 'Whether each element is finite.', ''),
};

/** Each binary kernel op. `maximum`/`minimum` split the gradient 0.5/0.5 where `a == b` (PyTorch). */
const BINARY_SPECS: Readonly<Record<BinaryOp, OpSpec<NoAttrs>>> = {
  add: binarySpec('add', '`a + b`.', () => ({ inputs: [] }), (dy) => [dy, dy]),
  sub: binarySpec('sub', '`a − b`.', () => ({ inputs: [] }), (dy) => [dy, dy.neg()]),
  // dA = dy·b needs b, dB = dy·a needs a: save only what a needed gradient reads.
  mul: binarySpec(
    'mul',
    '`a · b`.',
    (needs) => ({ inputs: [...(needs[1] ? [0] : []), ...(needs[0] ? [1] : [])] }),
    (dy, { inputs, needs }) => [needs[0] ? dy.mul(inputs[1]!) : undefined, needs[1] ? dy.mul(inputs[0]!) : undefined],
    'input 1 for input 0\'s gradient, input 0 for input 1\'s',
  ),
  div: binarySpec(
    'div',
    '`a / b`.',
    (needs) => ({ inputs: needs[1] ? [0, 1] : [1] }),
    (dy, { inputs, needs }) => [
      needs[0] ? dy.div(inputs[1]!) : undefined,
      needs[1] ? dy.mul(inputs[0]!).div(inputs[1]!.square()).neg() : undefined,
    ],
    'input 1; input 0 too for input 1\'s gradient',
  ),
  // PyTorch's masks: no 0·∞ where the exponent is 0, nor where the base is 0 and the exponent >= 0.
  pow: binarySpec(
    'pow',
    '`a^b`.',
    () => ({ inputs: [0, 1], outputs: [0] }),
    (dy, { inputs: [a, b], outputs: [y] }) => [
      where(b!.equal(0), 0, dy.mul(b!).mul(a!.pow(b!.sub(1)))),
      where(a!.equal(0).logicalAnd(b!.greaterEqual(0)), 0, dy.mul(y!).mul(a!.log())),
    ],
  ),
  maximum: binarySpec('maximum', 'The larger of `a` and `b`.', both, (dy, { inputs: [a, b] }) => {
    const w = winWeight(a!, b!, 'greater');
    return [dy.mul(w), dy.mul(w.neg().add(1))];
  }),
  minimum: binarySpec('minimum', 'The smaller of `a` and `b`.', both, (dy, { inputs: [a, b] }) => {
    const w = winWeight(a!, b!, 'less');
    return [dy.mul(w), dy.mul(w.neg().add(1))];
  }),
  mod: binarySpec('mod', 'Remainder with the sign of the divisor (Python).', both, (dy, { inputs: [a, b] }) => [dy, dy.mul(a!.div(b!).floor()).neg()]),
  atan2: binarySpec('atan2', '`atan2(a, b)`.', both, (dy, { inputs: [a, b] }) => {
    const r = a!.square().add(b!.square());
    return [dy.mul(b!).div(r), dy.mul(a!).div(r).neg()];
  }),
  equal: binarySpec('equal', '`a == b`.'),
  notEqual: binarySpec('notEqual', '`a != b`.'),
  less: binarySpec('less', '`a < b`.'),
  lessEqual: binarySpec('lessEqual', '`a <= b`.'),
  greater: binarySpec('greater', '`a > b`.'),
  greaterEqual: binarySpec('greaterEqual', '`a >= b`.'),
  logicalAnd: binarySpec('logicalAnd', 'Logical and (bool).'),
  logicalOr: binarySpec('logicalOr', 'Logical or (bool).'),
  logicalXor: binarySpec('logicalXor', 'Logical xor (bool).'),
};

/** Attributes of `fill`. */
export interface FillAttrs {
  readonly value: boolean;
}

const fillSpec = defineOp<FillAttrs>({
  name: 'fill',
  family: 'elementwise',
  summary: 'A bool tensor shaped like the input, all `value` (isNaN/isFinite of integers).',
  kind: 'kernel',
  backendKernel: 'fill',
  infer: ([like]) => [{ shape: like!.shape, dtype: 'bool' }],
  kernel: (b, _inputs, [o], { value }) => b.fill(o!, value ? 1 : 0),
  gradient: 'none',
});

const whereSpec = defineOp<NoAttrs>({
  name: 'where',
  family: 'elementwise',
  summary: '`condition ? a : b`, broadcasting all three.',
  kind: 'kernel',
  backendKernel: 'where',
  infer: ([c, a, b]) => [{ shape: broadcastShapes(broadcastShapes(c!.shape, a!.shape, 'where'), b!.shape, 'where'), dtype: a!.dtype }],
  kernel: (bk, [c, a, b], [o]) => bk.where(c!, a!, b!, o!),
  onnx: onnxNode('Where', 3),
  gradient: {
    saves: { inputs: [0] },
    rule: (dy, { inputs: [c], inputShapes, needs }) => [
      undefined,
      needs[1] ? unbroadcast(where(c!, dy, 0), inputShapes[1]!) : undefined,
      needs[2] ? unbroadcast(where(c!, 0, dy), inputShapes[2]!) : undefined,
    ],
  },
});

/** Attributes of `cast`. */
export interface CastAttrs {
  readonly dtype: DType;
}

const castSpec = defineOp<CastAttrs>({
  name: 'cast',
  family: 'elementwise',
  summary: 'Converts to `dtype` (float → int truncates, anything → bool is `!= 0`).',
  kind: 'kernel',
  backendKernel: 'cast',
  infer: ([x], { dtype }) => [{ shape: x!.shape, dtype }],
  kernel: (b, [x], [o]) => b.cast(x!, o!),
  onnx: onnxNodes(['Cast'], (ctx) => void ctx.graph.node('Cast', [ctx.inputs[0]!], ctx.outputs, { to: onnxDataType(ctx.attrs.dtype) })),
  gradient: { saves: {}, rule: (dy, { inputDtypes: [dtype] }) => [isFloat(dtype!) ? dy.cast(dtype!) : undefined] },
});

const cloneSpec = defineOp<NoAttrs>({
  name: 'clone',
  family: 'elementwise',
  summary: 'A copy with its own storage.',
  kind: 'kernel',
  backendKernel: 'cast',
  infer: ([x]) => [{ shape: x!.shape, dtype: x!.dtype }],
  kernel: (b, [x], [o]) => b.cast(x!, o!),
  onnx: onnxNode('Identity'),
  gradient: { saves: {}, rule: (dy) => [dy] },
});

/** Attributes of `gelu`. */
export interface GeluAttrs {
  readonly approximate: 'none' | 'tanh';
}

const geluSpec = defineOp<GeluAttrs>({
  name: 'gelu',
  family: 'elementwise',
  summary: '`x·Φ(x)`, exact or tanh-approximated (recorded only from the fused kernel; the fallback records its parts).',
  kind: 'fused',
  backendKernel: 'gelu',
  infer: ([x]) => [{ shape: x!.shape, dtype: x!.dtype }],
  kernel: (b, [x], [o], { approximate }) => b.gelu!(x!, approximate, o!),
  onnx: onnxNodes(['Gelu', 'Mul', 'Erf', 'Tanh', 'Add'], (ctx) => {
    const approximate = ctx.attrs.approximate === 'tanh' ? 'tanh' : 'none';
    const x = ctx.inputs[0]!;
    if (ctx.opset >= 20) {
      ctx.graph.node('Gelu', [x], ctx.outputs, { approximate });
      return;
    }
    const dt = ctx.inputDtypes[0]!;
    let inner: string;
    if (approximate === 'none') {
      // x·Φ(x) = 0.5·x·(1 + erf(x/√2))
      const [scaled] = ctx.graph.node('Mul', [x, scalarLike(ctx, Math.SQRT1_2, dt)]);
      [inner] = ctx.graph.node('Erf', [scaled!]) as [string];
    } else {
      // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
      const [x2] = ctx.graph.node('Mul', [x, x]);
      const [x3] = ctx.graph.node('Mul', [x2!, x]);
      const [c3] = ctx.graph.node('Mul', [x3!, scalarLike(ctx, 0.044715, dt)]);
      const [sum] = ctx.graph.node('Add', [x, c3!]);
      const [arg] = ctx.graph.node('Mul', [sum!, scalarLike(ctx, Math.sqrt(2 / Math.PI), dt)]);
      [inner] = ctx.graph.node('Tanh', [arg!]) as [string];
    }
    const [onePlus] = ctx.graph.node('Add', [inner, scalarLike(ctx, 1, dt)]);
    const [half] = ctx.graph.node('Mul', [x, scalarLike(ctx, 0.5, dt)]);
    ctx.graph.node('Mul', [half!, onePlus!], ctx.outputs);
  }),
  gradient: {
    saves: { inputs: [0] },
    rule: (dy, { inputs: [x], attrs }) => {
      if (attrs.approximate === 'tanh') {
        const x2 = x!.square();
        const t = x!.add(x2.mul(x!).mul(0.044715)).mul(SQRT_2_OVER_PI).tanh();
        const dt = t.square().neg().add(1).mul(x2.mul(3 * 0.044715).add(1)).mul(SQRT_2_OVER_PI);
        return [dy.mul(t.add(1).mul(0.5).add(x!.mul(0.5).mul(dt)))];
      }
      const cdf = x!.mul(Math.SQRT1_2).erf().add(1).mul(0.5);
      const pdf = x!.square().mul(-0.5).exp().mul(INV_SQRT_2PI);
      return [dy.mul(cdf.add(x!.mul(pdf)))];
    },
  },
});

/** Attributes of `clamp`. */
export interface ClampAttrs {
  readonly min: number | undefined;
  readonly max: number | undefined;
}

/** `clamp` is observed as one op so that the bounds themselves pass the gradient, as PyTorch. */
const clampSpec = defineOp<ClampAttrs>({
  name: 'clamp',
  family: 'elementwise',
  summary: 'Limits values to `[min, max]`; the gradient passes at the bounds (PyTorch).',
  kind: 'composite',
  onnx: onnxNodes(['Clip'], (ctx) => {
    const dt = ctx.inputDtypes[0]!;
    const bound = (v: number | undefined): string => (typeof v === 'number' ? scalarLike(ctx, v, dt) : '');
    const inputs = [ctx.inputs[0]!, bound(ctx.attrs.min), bound(ctx.attrs.max)];
    while (inputs[inputs.length - 1] === '') inputs.pop();
    ctx.graph.node('Clip', inputs, ctx.outputs);
  }),
  gradient: {
    saves: { inputs: [0] },
    rule: (dy, { inputs: [x], attrs }) => {
      let inside = x!.equal(x!);
      if (typeof attrs.min === 'number') inside = inside.logicalAnd(x!.greaterEqual(attrs.min));
      if (typeof attrs.max === 'number') inside = inside.logicalAnd(x!.lessEqual(attrs.max));
      return [where(inside, dy, 0)];
    },
  },
});

/** @internal The elementwise family's entries of the op table. */
export const elementwiseSpecs: readonly AnyOpSpec[] = [...Object.values(UNARY_SPECS), ...Object.values(BINARY_SPECS), fillSpec, whereSpec, castSpec, cloneSpec, geluSpec, clampSpec];
