/** Test helpers: build TensorInfo records on a CPU backend without tensor-core's ops. */
import type { DType, TensorInfo } from '@tessera/tensor-core';
import { makeTypedArray, sizeOf } from '@tessera/tensor-core';
import { cpu, type CpuBackend } from '../index.js';

export const backend: CpuBackend = cpu();

/** A tensor holding `values` (converted with TypedArray rules). */
export function tensor(shape: readonly number[], values: ArrayLike<number>, dtype: DType = 'float32'): TensorInfo {
  const size = sizeOf(shape);
  if (values.length !== size) throw new Error(`tensor: ${values.length} values for shape [${shape.join(',')}]`);
  const handle = backend.allocate(size, dtype);
  const data = makeTypedArray(dtype, size);
  for (let i = 0; i < size; i++) data[i] = values[i]!;
  backend.write(handle, data);
  return { handle, shape: [...shape], dtype };
}

/** An output tensor (contents undefined). */
export function empty(shape: readonly number[], dtype: DType = 'float32'): TensorInfo {
  return { handle: backend.allocate(sizeOf(shape), dtype), shape: [...shape], dtype };
}

/** The values of `info` as plain numbers. */
export function read(info: TensorInfo): number[] {
  return Array.from(backend.readSync(info));
}

/** Deterministic pseudo-random values in [-1, 1) (a small LCG; independent of the backend). */
export function randomValues(n: number, seed = 1): number[] {
  let s = seed >>> 0 || 1;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Asserts every element is within `atol + rtol·|expected|`, with the first offender in the message. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 1e-5): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`element ${i}: ${a} != ${e} (atol ${atol}, rtol ${rtol})`);
    }
  }
}
