/**
 * Option checks shared by the fine-tuning and export APIs, in their call shape, on top of
 * tensor-core's checking kit (no check of its own lives here); every failure is a coded TensorError.
 */
import { check, describeValue } from '@tessera/tensor-core';

/** @internal Describes a value for a message (`null`, `number 3`, `"eval"`, `an array of length 2`): the kit's. */
export { describeValue };

/**
 * @internal The options object (undefined gives `{}`), through tensor-core's one options checker:
 * an unknown key is `UNKNOWN_OPTION`, naming the valid ones and a likely spelling.
 */
export function checkOptions<T extends object>(op: string, options: T | undefined, known: readonly string[]): T {
  return check.options(op, options, known) as T;
}

/** @internal An integer `>= min`. */
export function checkInt(op: string, name: string, value: unknown, min: number): number {
  return check.int(op, name, value, { min });
}
