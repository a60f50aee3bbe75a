import { expect } from 'vitest';
import { TensorError, type TensorErrorCode } from '@tessera/tensor-core';

/** Asserts that `run` throws (or rejects with) a TensorError with `code` whose message matches `message`. */
export async function expectTensorError(run: () => unknown, code: TensorErrorCode, message: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await run();
  } catch (e) {
    caught = e;
  }
  expect(TensorError.is(caught), `expected a TensorError, got ${String(caught)}`).toBe(true);
  const error = caught as TensorError;
  expect(error.code).toBe(code);
  expect(error.message).toMatch(message);
}
