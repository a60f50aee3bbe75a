/**
 * dtypes and the promotion table.
 *
 * | a \ b   | bool    | int32   | float32 | float64 |
 * |---------|---------|---------|---------|---------|
 * | bool    | bool    | int32   | float32 | float64 |
 * | int32   | int32   | int32   | float32 | float64 |
 * | float32 | float32 | float32 | float32 | float64 |
 * | float64 | float64 | float64 | float64 | float64 |
 *
 * A JavaScript number operand (a "weak" scalar, as in PyTorch) takes the tensor's dtype, except
 * that a non-integer number with an int32 or bool tensor promotes to float32.
 */
import type { TypedArray } from './backend.js';

/** Element types. `float64` exists only where a backend's capabilities list it (the CPU backend does). */
export type DType = 'float32' | 'int32' | 'bool' | 'float64';

/** All dtypes, in promotion order. */
export const DTYPES: readonly DType[] = ['bool', 'int32', 'float32', 'float64'];

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/**
 * The dtype two tensors promote to (see the table above).
 * @example
 * ```ts
 * promoteTypes('int32', 'float32'); // 'float32'
 * ```
 */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** Whether `dtype` is a floating-point type. */
export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** Bytes per element. */
export function bytesPerElement(dtype: DType): number {
  switch (dtype) {
    case 'float64':
      return 8;
    case 'bool':
      return 1;
    default:
      return 4;
  }
}

/** A new zeroed typed array for `dtype`. */
export function makeTypedArray(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

/** Converts plain numbers (or booleans) to the typed array of `dtype`, with the same rules as `cast`. */
export function toTypedArray(values: ArrayLike<number | boolean>, dtype: DType): TypedArray {
  const out = makeTypedArray(dtype, values.length);
  if (dtype === 'bool') {
    // != 0 as cast does: NaN is true.
    for (let i = 0; i < values.length; i++) out[i] = Number(values[i]) !== 0 ? 1 : 0;
  } else if (dtype === 'int32') {
    for (let i = 0; i < values.length; i++) out[i] = Math.trunc(Number(values[i]));
  } else {
    for (let i = 0; i < values.length; i++) out[i] = Number(values[i]);
  }
  return out;
}
