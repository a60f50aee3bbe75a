/** Small helpers for the Tessera side of the benchmarks. */
import * as tc from '@tessera/tensor-core';
import type { Tensor } from '@tessera/tensor-core';

/**
 * Looks an op up on `@tessera/tensor-core` at run time, so that a missing op fails only the cells
 * that use it (with a clear message) rather than the whole run.
 */
export function tesseraOp<F>(name: string): F {
  const f = (tc as unknown as Record<string, unknown>)[name];
  if (typeof f !== 'function') throw new Error(`@tessera/tensor-core does not export '${name}'`);
  return f as F;
}

/** Reads `t` back (inside the timed region) and disposes it. */
export async function readAndDispose(t: Tensor): Promise<ArrayLike<number>> {
  try {
    return (await t.data()) as ArrayLike<number>;
  } finally {
    t.dispose();
  }
}

/** A float32 Tessera tensor from shared input data. */
export function tesseraTensor(values: Float32Array, shape: readonly number[]): Tensor {
  return tc.tensor(values, shape, { dtype: 'float32' });
}
