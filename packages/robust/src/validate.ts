/** Argument checks shared by the attribution methods and the pictures. */
import { Tensor, TensorError, checkOptions as checkOptionKeys, fmtShape } from '@tessera/tensor-core';

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

/**
 * Checks that `options` is given and passes tensor-core's one options checker (a plain object with
 * only `known` keys: an unknown key is `UNKNOWN_OPTION` with a suggested spelling).
 */
export function checkOptions(op: string, options: unknown, known: readonly string[]): Record<string, unknown> {
  if (options === undefined) throw new TensorError('INVALID_ARGUMENT', op, 'options must be an object, got undefined');
  return checkOptionKeys(op, options as object, known) as Record<string, unknown>;
}

/** An integer in `[min, max]`. */
export function integer(op: string, name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    throw new TensorError('INVALID_ARGUMENT', op, `${name} must be ${range}, got ${describe(value)}`);
  }
  return value;
}

/** A finite number in `[min, max]` (`openMin` excludes `min`). */
export function finite(op: string, name: string, value: unknown, min = -Infinity, max = Infinity, openMin = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || (openMin ? value <= min : value < min) || value > max) {
    const lo = min === -Infinity ? '' : ` ${openMin ? '>' : '>='} ${min}`;
    const hi = max === Infinity ? '' : `${lo ? ' and' : ''} <= ${max}`;
    throw new TensorError('INVALID_ARGUMENT', op, `${name} must be a finite number${lo}${hi}, got ${describe(value)}`);
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

/** A live float tensor with a sample axis first. */
export function requireInputs(op: string, x: unknown, name = 'inputs'): Tensor {
  if (!(x instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', op, `${name} must be a Tensor with the batch axis first, got ${describe(x)}`);
  if (x.isDisposed) throw new TensorError('TENSOR_DISPOSED', op, `${name} (tensor id=${x.id} shape=${fmtShape(x.shape)}) was disposed`);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') {
    throw new TensorError('DTYPE_MISMATCH', op, `${name} must be a float tensor to be differentiated, got dtype ${x.dtype}`);
  }
  if (x.rank < 2 || x.shape[0] === 0) {
    throw new TensorError('SHAPE_MISMATCH', op, `${name} must have a batch axis first and at least one feature axis, with at least one example, got shape ${fmtShape(x.shape)}`);
  }
  return x;
}
