/**
 * Storage of the CPU backend. A handle exposes its elements as a typed array of the dtype's kind
 * (`data`); kernels reach it through {@link dataOf} once per call and never keep it across calls.
 *
 * Two kinds of handle:
 * - {@link ArrayHandle}: one typed array on the JavaScript heap (the TypeScript-only backend,
 *   `cpu({ wasm: false })`, and engines without WebAssembly SIMD);
 * - {@link WasmHandle}: a block of the backend's `WebAssembly.Memory`. Its view is re-derived
 *   when the memory has grown (growth detaches the old buffer), so TypeScript kernels run on it
 *   unchanged and WebAssembly kernels take its byte offset (`ptr`).
 */
import type { DType, TensorInfo, TypedArray } from '@tessera/tensor-core';
import { makeTypedArray } from '@tessera/tensor-core';
import type { WasmHeap } from './wasm/heap.js';

/** The CPU backend's storage handle. */
export interface CpuHandle {
  /** The elements (empty after `free`, so a use after free reads nothing). */
  readonly data: TypedArray;
  readonly dtype: DType;
  /** Set by `free`; a second `free` is a no-op so the counters stay right. */
  readonly freed: boolean;
}

/** Storage on the JavaScript heap. */
export class ArrayHandle implements CpuHandle {
  data: TypedArray;
  readonly dtype: DType;
  freed = false;
  constructor(data: TypedArray, dtype: DType) {
    this.data = data;
    this.dtype = dtype;
  }
  free(): void {
    this.data = makeTypedArray(this.dtype, 0);
    this.freed = true;
  }
}

type ViewConstructor = Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor;

function viewConstructor(dtype: DType): ViewConstructor {
  switch (dtype) {
    case 'float64':
      return Float64Array;
    case 'int32':
      return Int32Array;
    case 'bool':
      return Uint8Array;
    default:
      return Float32Array;
  }
}

/** Storage in the backend's WebAssembly memory: `size` elements at byte offset `ptr`. */
export class WasmHandle implements CpuHandle {
  readonly dtype: DType;
  readonly ptr: number;
  readonly size: number;
  freed = false;
  private view: TypedArray | undefined;
  private generation = -1;
  constructor(
    readonly heap: WasmHeap,
    ptr: number,
    size: number,
    dtype: DType,
  ) {
    this.ptr = ptr;
    this.size = size;
    this.dtype = dtype;
  }
  get byteLength(): number {
    return this.size * viewConstructor(this.dtype).BYTES_PER_ELEMENT;
  }
  get data(): TypedArray {
    if (this.freed) return makeTypedArray(this.dtype, 0);
    if (this.generation !== this.heap.generation || this.view === undefined) {
      this.view = new (viewConstructor(this.dtype))(this.heap.buffer, this.ptr, this.size);
      this.generation = this.heap.generation;
    }
    return this.view;
  }
  free(): void {
    if (this.freed) return;
    this.heap.release(this.ptr, this.byteLength);
    this.view = undefined;
    this.freed = true;
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
