/** Option checks shared by the fine-tuning and export APIs; every failure is a coded TensorError. */
import { TensorError, checkOptions as checkOptionKeys } from '@tessera/tensor-core';

/** @internal Describes a value for a message (`null`, `Tensor`, `number 3`). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  if (typeof value === 'function') return 'function';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * @internal The options object (undefined gives `{}`), through tensor-core's one options checker:
 * an unknown key is `UNKNOWN_OPTION`, naming the valid ones and a likely spelling.
 */
export function checkOptions<T extends object>(op: string, options: T | undefined, known: readonly string[]): T {
  return checkOptionKeys(op, options, known) as T;
}

/** @internal An integer `>= min`. */
export function checkInt(op: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TensorError('INVALID_ARGUMENT', op, `${name} must be an integer >= ${min}, got ${describeValue(value)}`);
  }
  return value;
}
