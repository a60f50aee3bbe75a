/**
 * Shared argument checks and the reduction step of the loss functions. Every check throws a
 * {@link TensorError} naming the loss and the offending values, before any op runs.
 */
import { Tensor, TensorError, checkOptions as checkKnownOptions, fmtShape, isFloat, shapesEqual, type DType } from '@tessera/tensor-core';

/** How a loss reduces its per-element values: their mean (default), their sum, or none (same shape as the elements). */
export type Reduction = 'mean' | 'sum' | 'none';

const REDUCTIONS: readonly string[] = ['mean', 'sum', 'none'];

/** @internal Throws `INVALID_ARGUMENT` unless `options` is undefined or a plain object, `UNKNOWN_OPTION` for a key outside `validKeys`. */
export function checkOptions(op: string, options: unknown, validKeys: readonly string[]): void {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new TensorError('INVALID_ARGUMENT', op, `options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  checkKnownOptions(op, options as object | undefined, validKeys);
}

/** @internal Validates `reduction` against `allowed` (default mean/sum/none). */
export function checkReduction<R extends string = Reduction>(op: string, reduction: unknown, allowed: readonly string[] = REDUCTIONS): R {
  if (typeof reduction !== 'string' || !allowed.includes(reduction)) {
    throw new TensorError('INVALID_ARGUMENT', op, `reduction must be one of ${allowed.map((r) => `'${r}'`).join(', ')}, got ${JSON.stringify(reduction) ?? String(reduction)}`);
  }
  return reduction as R;
}

/** @internal Throws `INVALID_ARGUMENT` unless `value` is a live Tensor. */
export function checkTensor(op: string, value: unknown, what: string): asserts value is Tensor {
  if (!(value instanceof Tensor)) {
    throw new TensorError('INVALID_ARGUMENT', op, `${what} must be a Tensor, got ${value === null ? 'null' : typeof value === 'object' ? (value as object).constructor?.name ?? 'object' : typeof value}`);
  }
  if (value.isDisposed) {
    throw new TensorError('TENSOR_DISPOSED', op, `${what} (id=${value.id}, shape ${fmtShape(value.shape)}, dtype ${value.dtype}) was disposed`);
  }
}

/** @internal Throws `DTYPE_MISMATCH` unless `t` is float32 or float64. */
export function checkFloat(op: string, t: Tensor, what: string, hint = ''): void {
  if (!isFloat(t.dtype)) {
    throw new TensorError('DTYPE_MISMATCH', op, `${what} must be a float tensor, got dtype ${t.dtype} (shape ${fmtShape(t.shape)})${hint}`);
  }
}

/** @internal Throws `SHAPE_MISMATCH` naming both shapes unless they are equal. */
export function checkSameShape(op: string, prediction: Tensor, target: Tensor, names: readonly [string, string] = ['input', 'target']): void {
  if (!shapesEqual(prediction.shape, target.shape)) {
    throw new TensorError(
      'SHAPE_MISMATCH',
      op,
      `${names[0]} and ${names[1]} must have the same shape: ${names[0]}.shape=${fmtShape(prediction.shape)}, ${names[1]}.shape=${fmtShape(target.shape)}`,
    );
  }
}

/** @internal Throws `SHAPE_MISMATCH` unless `t` broadcasts to `shape` without growing it. */
export function checkBroadcastsTo(op: string, t: Tensor, shape: readonly number[], what: string): void {
  const offset = shape.length - t.rank;
  const ok = offset >= 0 && t.shape.every((d, i) => d === 1 || d === shape[offset + i]);
  if (!ok) {
    throw new TensorError('SHAPE_MISMATCH', op, `${what}.shape=${fmtShape(t.shape)} must broadcast to input.shape=${fmtShape(shape)}`);
  }
}

/** @internal Throws `INVALID_ARGUMENT` unless `value` is a finite number within `[min, max]` (or `> min` when `openMin`). */
export function checkNumber(op: string, name: string, value: unknown, min: number, max = Infinity, openMin = false): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (openMin ? value > min : value >= min) && value <= max;
  if (!ok) {
    const range = max === Infinity ? (openMin ? `> ${min}` : `>= ${min}`) : `in ${openMin ? '(' : '['}${min}, ${max}]`;
    throw new TensorError('INVALID_ARGUMENT', op, `${name} must be a finite number ${range}, got ${String(value)}`);
  }
  return value;
}

/** @internal Whether the values of `t` can be read now (to check labels before any op runs). */
export function canReadSync(t: Tensor): boolean {
  return t.backend.capabilities.syncRead && t.backend.readSync !== undefined;
}

/** @internal The dtype two float tensors compute in. */
export function floatDtypeOf(a: Tensor, b: Tensor): DType {
  return a.dtype === 'float64' || b.dtype === 'float64' ? 'float64' : 'float32';
}

/** @internal Applies `reduction` to per-element losses (call inside `tidy`). */
export function reduce(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return loss;
  return reduction === 'sum' ? loss.sum() : loss.mean();
}
