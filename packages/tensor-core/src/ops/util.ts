/** Helpers shared by the op modules: argument coercion and validation. */
import type { Backend } from '../backend.js';
import { isFloat, toTypedArray, type DType } from '../dtype.js';
import { getBackend, fromValues, assertLive } from '../engine.js';
import { TensorError, fmtShape, safeJson } from '../errors.js';
import { Tensor } from '../tensor.js';

/** A tensor or a JavaScript scalar that ops accept in its place. */
export type TensorLike = Tensor | number | boolean;

/** The dtype a JavaScript scalar takes next to a tensor of `other` (a "weak" scalar). */
export function scalarDtype(value: number | boolean, other: DType | undefined): DType {
  if (typeof value === 'boolean') return other ?? 'bool';
  if (other === undefined) return Number.isInteger(value) ? 'int32' : 'float32';
  if (!isFloat(other) && !Number.isInteger(value)) return 'float32';
  if (other === 'bool') return Number.isInteger(value) ? 'int32' : 'float32';
  return other;
}

/** A rank-0 tensor on `backend`. */
export function scalarTensor(value: number | boolean, dtype: DType, backend?: Backend): Tensor {
  return fromValues(toTypedArray([value], dtype), [], dtype, backend ?? getBackend());
}

/** A short description of any value for error messages (`null`, `an array [1,2]`, `string "x"`). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `an array ${safeJson(value).slice(0, 40)}`;
  if (typeof value === 'string') return `string ${safeJson(value.slice(0, 40))}`;
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return `${typeof value} ${String(value)}`;
}

/**
 * @throws TensorError `INVALID_ARGUMENT` naming `name` unless `x` is a Tensor, a number or a
 *   boolean: JavaScript callers can pass anything, and `null` or an array must not turn into a
 *   number silently (issue 14: `add(t, null)` returned `t`, `add(t, [1, 2])` NaN).
 */
export function requireTensorLike(op: string, name: string, x: unknown): asserts x is TensorLike {
  if (x instanceof Tensor || typeof x === 'number' || typeof x === 'boolean') return;
  throw new TensorError('INVALID_ARGUMENT', op, `${name} must be a Tensor, a number or a boolean, got ${describeValue(x)}`);
}

/** @throws TensorError `INVALID_ARGUMENT` naming `name` unless `value` is a number (or undefined when `optional`). */
export function requireNumber(op: string, name: string, value: unknown, optional = false): void {
  if (typeof value === 'number' || (optional && value === undefined)) return;
  throw new TensorError('INVALID_ARGUMENT', op, `${name} must be a number, got ${describeValue(value)}`);
}

/** Converts a TensorLike to a Tensor (a new scalar tensor for numbers). */
export function toTensor(op: string, x: TensorLike, dtype?: DType, name = 'x'): Tensor {
  requireTensorLike(op, name, x);
  if (x instanceof Tensor) {
    assertLive(x, op);
    return x;
  }
  return scalarTensor(x, dtype ?? scalarDtype(x, undefined));
}

/** @throws TensorError `DTYPE_MISMATCH` unless `x` is a float tensor. */
export function requireFloat(op: string, x: Tensor): void {
  if (!isFloat(x.dtype)) {
    throw new TensorError('DTYPE_MISMATCH', op, `expected a float tensor, got dtype ${x.dtype} (shape ${fmtShape(x.shape)}); cast it first`);
  }
}

/** @throws TensorError `DTYPE_MISMATCH` unless `x` has one of `dtypes`. */
export function requireDtype(op: string, x: Tensor, dtypes: readonly DType[], what = 'input'): void {
  if (!dtypes.includes(x.dtype)) {
    throw new TensorError('DTYPE_MISMATCH', op, `${what} must have dtype ${dtypes.join(' or ')}, got ${x.dtype} (shape ${fmtShape(x.shape)})`);
  }
}

/**
 * @throws TensorError `INVALID_ARGUMENT` unless `x` is a Tensor (JavaScript callers can pass
 *   anything); `TENSOR_DISPOSED` when it was disposed.
 */
export function requireTensor(op: string, x: unknown, what = 'input'): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', op, `${what} must be a Tensor, got ${describeValue(x)}`);
  assertLive(x, op);
}

/** @throws TensorError `INVALID_ARGUMENT` unless `value` is a (positive / non-negative) integer. */
export function requireInt(op: string, name: string, value: number, min = -Infinity): void {
  if (!Number.isInteger(value) || value < min) {
    throw new TensorError('INVALID_ARGUMENT', op, `${name} must be an integer${min > -Infinity ? ` >= ${min}` : ''}, got ${String(value)}`);
  }
}

/** @throws TensorError `INVALID_ARGUMENT` unless `value` is a finite number. */
export function requireFinite(op: string, name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TensorError('INVALID_ARGUMENT', op, `${name} must be a finite number, got ${String(value)}`);
  }
}

/** Disposes temporaries created while coercing arguments. */
export function disposeAll(temps: readonly Tensor[]): void {
  for (const t of temps) t.dispose();
}

/** Runs `fn` with a list that collects temporaries, and disposes them on the way out (also on a throw). */
export function withTemps<T>(fn: (temps: Tensor[]) => T): T {
  const temps: Tensor[] = [];
  try {
    return fn(temps);
  } finally {
    disposeAll(temps);
  }
}
