/** Option checks shared by the fine-tuning and export APIs; every failure is a coded TensorError. */
import { TensorError } from '@tessera/tensor-core';

/** @internal Describes a value for a message (`null`, `Tensor`, `number 3`). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  if (typeof value === 'function') return 'function';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * @internal The options object (undefined gives `{}`), after checking that every key is known:
 * an unknown key throws, naming the valid ones (as Python's "unexpected keyword argument").
 */
export function checkOptions<T extends object>(op: string, options: T | undefined, known: readonly string[]): T {
  if (options === undefined) return {} as T;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TensorError('INVALID_ARGUMENT', op, `options must be an object, got ${describeValue(options)}`);
  }
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new TensorError('INVALID_ARGUMENT', op, `unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} (known: ${known.join(', ')})`);
  }
  return options;
}

/** @internal An integer `>= min`. */
export function checkInt(op: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TensorError('INVALID_ARGUMENT', op, `${name} must be an integer >= ${min}, got ${describeValue(value)}`);
  }
  return value;
}
