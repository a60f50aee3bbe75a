/**
 * Errors of the WebGPU backend. Device loss, out-of-memory and internal GPU errors reach the
 * user as a `TensorError` with a code (never a hang): the next kernel call or read throws.
 */
import { TensorError, type TensorErrorCode } from '@tessera/tensor-core';

/** The codes this backend raises for GPU failures. */
export type WebGpuErrorCode = Extract<TensorErrorCode, 'DEVICE_LOST' | 'OUT_OF_MEMORY' | 'BACKEND_ERROR'>;

/** A `TensorError` raised by the WebGPU backend. */
export function gpuError(code: TensorErrorCode, op: string, message: string): TensorError {
  return new TensorError(code, op, message);
}
