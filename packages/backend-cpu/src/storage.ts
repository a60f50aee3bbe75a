/**
 * Storage of the CPU backend: a handle is a small object around one typed array of the dtype's
 * kind. Kernels reach the array through {@link dataOf}.
 */
import type { DType, TensorInfo, TypedArray } from '@tessera/tensor-core';

/** The CPU backend's storage handle. `data` is emptied on `free` so a use after free reads nothing. */
export class CpuHandle {
  data: TypedArray;
  readonly dtype: DType;
  /** Set by `free`; a second `free` is a no-op so the counters stay right. */
  freed = false;
  constructor(data: TypedArray, dtype: DType) {
    this.data = data;
    this.dtype = dtype;
  }
}

/** The typed array behind a tensor. */
export function dataOf(info: TensorInfo): TypedArray {
  return (info.handle as CpuHandle).data;
}

/** The float array behind a float tensor (float32 or float64). */
export function floatDataOf(info: TensorInfo): Float32Array | Float64Array {
  return (info.handle as CpuHandle).data as Float32Array | Float64Array;
}
