/** Argument checks shared by the privacy package: one place, so every message reads alike. */
import { Tensor, TensorError, checkOptions, fmtShape } from '@tessera/tensor-core';

/** A short description of any value, for messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (value instanceof Tensor) return `tensor id=${value.id} shape=${fmtShape(value.shape)} dtype=${value.dtype}`;
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'Object'})`;
  if (typeof value === 'string') return `'${value}'`;
  return `${typeof value} ${String(value)}`;
}

/**
 * Checks that `options` is a plain object whose keys are all in `known`, as Python rejects an
 * unexpected keyword argument.
 * @throws TensorError `UNKNOWN_OPTION` naming the unknown key and the valid ones (tensor-core's
 *   `checkOptions`); `INVALID_ARGUMENT` when `options` is not an object.
 */
export function requireOptions<T extends object>(op: string, options: T | undefined, known: readonly string[]): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object' || Array.isArray(options) || options instanceof Tensor) {
    throw new TensorError('INVALID_ARGUMENT', op, `options must be an object, got ${describeValue(options)}`);
  }
  checkOptions(op, options, known);
  return options;
}

/**
 * @throws TensorError `INVALID_ARGUMENT` unless `value` is a finite number within the bounds
 * (`min` inclusive unless `minExclusive`; `max` inclusive unless `maxExclusive`).
 */
export function checkNumber(
  op: string,
  name: string,
  value: unknown,
  bounds: { min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean } = {},
): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TensorError('INVALID_ARGUMENT', op, `${name} must be a finite number, got ${describeValue(value)}`);
  }
  const { min = -Infinity, max = Infinity, minExclusive = false, maxExclusive = false } = bounds;
  const low = minExclusive ? value > min : value >= min;
  const high = maxExclusive ? value < max : value <= max;
  if (!low || !high) {
    const range = `${minExclusive ? '(' : '['}${min}, ${max}${maxExclusive ? ')' : ']'}`;
    throw new TensorError('INVALID_ARGUMENT', op, `${name} must be in ${range}, got ${value}`);
  }
  return value;
}

/** @throws TensorError `INVALID_ARGUMENT` unless `value` is an integer `>= min`. */
export function checkInteger(op: string, name: string, value: unknown, min = -Infinity): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TensorError('INVALID_ARGUMENT', op, `${name} must be an integer${min > -Infinity ? ` >= ${min}` : ''}, got ${describeValue(value)}`);
  }
  return value;
}
