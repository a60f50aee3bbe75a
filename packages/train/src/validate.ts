/** Argument checks shared by `fit`, `evaluate`, `predict` and the callbacks. */
import { checkOptions, Tensor, TensorError, fmtShape } from '@tessera/tensor-core';

/** A short description of any value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (value instanceof Tensor) return `Tensor(shape=${fmtShape(value.shape)}, dtype=${value.dtype})`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'string') return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}

/** Throws unless `options` is a plain object. */
export function requireObject(op: string, name: string, options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options) || options instanceof Tensor) {
    throw new TensorError('INVALID_ARGUMENT', op, `${name} must be an options object, got ${describe(options)}`);
  }
}

/** Throws for keys of `options` not in `known` (a typo would otherwise be ignored silently). */
export function rejectUnknown(op: string, options: Record<string, unknown>, known: readonly string[]): void {
  checkOptions(op, options, known);
}

/** An integer in `[min, max]`. */
export function integer(op: string, name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    throw new TensorError('INVALID_ARGUMENT', op, `${name} must be ${range}, got ${describe(value)}`);
  }
  return value;
}

/** A finite number in `[min, max]` (open ends with `openMin` / `openMax`). */
export function number(op: string, name: string, value: unknown, min = -Infinity, max = Infinity, openMin = false, openMax = false): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (openMin ? value > min : value >= min) &&
    (openMax ? value < max : value <= max);
  if (!ok) {
    const lo = min === -Infinity ? '' : `${openMin ? '>' : '>='} ${min}`;
    const hi = max === Infinity ? '' : `${openMax ? '<' : '<='} ${max}`;
    throw new TensorError('INVALID_ARGUMENT', op, `${name} must be a finite number${lo || hi ? ' ' : ''}${[lo, hi].filter(Boolean).join(' and ')}, got ${describe(value)}`);
  }
  return value;
}

/** A boolean. */
export function boolean(op: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TensorError('INVALID_ARGUMENT', op, `${name} must be a boolean, got ${describe(value)}`);
  return value;
}

/** One of `allowed`. */
export function oneOf<T extends string>(op: string, name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new TensorError('INVALID_ARGUMENT', op, `${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

/** A non-empty string. */
export function string(op: string, name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new TensorError('INVALID_ARGUMENT', op, `${name} must be a non-empty string, got ${describe(value)}`);
  return value;
}

/** Throws unless `model` has what the training loop calls. */
export function requireModel(op: string, model: unknown): void {
  const m = model as Record<string, unknown> | null;
  const missing = ['forward', 'parameters', 'train', 'eval'].filter((k) => typeof m?.[k] !== 'function');
  if (typeof model !== 'object' || model === null || missing.length > 0) {
    throw new TensorError('INVALID_ARGUMENT', op, `model must be a Module (with forward, parameters, train and eval), got ${describe(model)}${missing.length && model ? ` (missing ${missing.join(', ')})` : ''}`);
  }
}
