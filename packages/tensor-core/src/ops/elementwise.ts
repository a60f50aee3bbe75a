/**
 * Elementwise ops: unary math, activations, binary arithmetic with numpy broadcasting,
 * comparisons, logical ops, `where` and `cast`.
 */
import type { BinaryOp, UnaryOp } from '../backend.js';
import { isFloat, promoteTypes, type DType, DTYPES } from '../dtype.js';
import { runKernel, assertLive, asOneOp } from '../engine.js';
import { TensorError, fmtShape } from '../errors.js';
import { checkValues, type ValueCheck } from '../checks.js';
import { checkOptions } from '../options.js';
import { broadcastShapes } from '../shape.js';
import { Tensor } from '../tensor.js';
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
  let outDtype: DType;
  if (op === 'logicalNot') {
    if (t.dtype !== 'bool') {
      t = cast(t, 'bool');
      temps.push(t);
    }
    outDtype = 'bool';
  } else if (op === 'isNaN' || op === 'isFinite') {
    outDtype = 'bool';
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
    outDtype = t.dtype;
  } else {
    outDtype = t.dtype;
  }
  const [out] = runKernel(op, [t], {}, [{ shape: t.shape, dtype: outDtype }], (b, [xi], [o]) => b.unary(op, xi!, o!));
  disposeAll(temps);
  return out!;
}

function fullOf(like: Tensor, value: boolean): Tensor {
  const [out] = runKernel('fill', [like], { value }, [{ shape: like.shape, dtype: 'bool' }], (b, _i, [o]) => b.fill(o!, value ? 1 : 0));
  return out!;
}

const COMPARISONS = new Set<BinaryOp>(['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual']);
const LOGICAL = new Set<BinaryOp>(['logicalAnd', 'logicalOr', 'logicalXor']);

function binaryOp(op: BinaryOp, a: TensorLike, b: TensorLike, minDtype?: DType): Tensor {
  if (minDtype === undefined && (op === 'div' || op === 'atan2')) minDtype = 'float32';
  const { a: ta, b: tb, temps } = LOGICAL.has(op) ? logicalOperands(op, a, b) : binaryOperands(op, a, b, minDtype);
  try {
    const shape = broadcastShapes(ta.shape, tb.shape, op);
    let kernelA = ta;
    let kernelB = tb;
    if (ta.dtype === 'bool' && !COMPARISONS.has(op) && !LOGICAL.has(op)) {
      // Arithmetic on bool runs in int32.
      kernelA = cast(ta, 'int32');
      temps.push(kernelA);
      kernelB = cast(tb, 'int32');
      temps.push(kernelB);
    }
    const outDtype: DType = COMPARISONS.has(op) || LOGICAL.has(op) ? 'bool' : kernelA.dtype;
    const [out] = runKernel(op, [kernelA, kernelB], {}, [{ shape, dtype: outDtype }], (bk, [ai, bi], [o]) => bk.binary(op, ai!, bi!, o!));
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
    const shape = broadcastShapes(broadcastShapes(cond.shape, ops.a.shape, 'where'), ops.b.shape, 'where');
    const [out] = runKernel('where', [cond, ops.a, ops.b], {}, [{ shape, dtype: ops.a.dtype }], (bk, [c, x, y], [o]) => bk.where(c!, x!, y!, o!));
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
  const [out] = runKernel('cast', [t], { dtype }, [{ shape: t.shape, dtype }], (b, [xi], [o]) => b.cast(xi!, o!));
  if (t !== x) t.dispose();
  return out!;
}

/** A copy of `x` with its own storage. */
export function clone(x: Tensor): Tensor {
  assertLive(x, 'clone');
  const [out] = runKernel('clone', [x], {}, [{ shape: x.shape, dtype: x.dtype }], (b, [xi], [o]) => b.cast(xi!, o!));
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
    [out] = runKernel('gelu', [t], { approximate }, [{ shape: t.shape, dtype: t.dtype }], (b, [xi], [o]) => b.gelu!(xi!, approximate, o!)) as [Tensor];
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
  const [out] = asOneOp('clamp', [t], { min, max }, () => {
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

