/// <reference types="@webgpu/types" preserve="true" />
/**
 * What kernel files see of the backend: run a shader over tensors (or scratch buffers), copy,
 * and borrow scratch buffers from the pool.
 */
import type { TensorInfo } from '@tessera/tensor-core';
import type { GpuRuntime } from './runtime.js';

/** The storage handle of the WebGPU backend: one pooled buffer. */
export class GpuHandle {
  constructor(
    public buffer: GPUBuffer,
    /** Elements. */
    readonly size: number,
    readonly dtype: string,
  ) {}
  /** Set by `free`; a second `free` is a no-op. */
  freed = false;
}

export type Operand = TensorInfo | GPUBuffer;

export interface Kernels {
  readonly runtime: GpuRuntime;
  /** Records a dispatch of `code` with `operands` bound at 0, 1, ... and `uniform` after them. */
  run(code: string, operands: readonly Operand[], workgroups: readonly [number, number, number], uniform?: Uint32Array): void;
  /** The buffer behind a tensor or a scratch buffer. */
  buffer(operand: Operand): GPUBuffer;
  /** A scratch buffer of at least `bytes` from the pool; give it back with {@link Kernels.release}. */
  scratch(bytes: number): GPUBuffer;
  release(buffer: GPUBuffer): void;
  /** Records a copy of `bytes` from `src` to `dst`. */
  copy(src: Operand, dst: Operand, bytes: number): void;
}

export function makeKernels(runtime: GpuRuntime): Kernels {
  const buffer = (o: Operand): GPUBuffer => ('handle' in o ? (o.handle as GpuHandle).buffer : o);
  return {
    runtime,
    buffer,
    run(code, operands, workgroups, uniform) {
      runtime.dispatch({ code, buffers: operands.map(buffer), workgroups, ...(uniform ? { uniform } : {}) });
    },
    scratch: (bytes) => runtime.pool.acquire(bytes),
    release: (b) => runtime.pool.release(b),
    copy(src, dst, bytes) {
      runtime.copy(buffer(src), 0, buffer(dst), 0, bytes);
    },
  };
}
