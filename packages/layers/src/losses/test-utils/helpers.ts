/** Test helpers shared by the loss, recurrent and attention tests (not part of the package). */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { releaseUnusedRecords } from '@tessera/autograd';
import { TensorError, memory, tensor, unobserved, type DType, type Tensor, type TensorErrorCode } from '@tessera/tensor-core';
import type { AnyModule } from '../../module.js';

/** A tensor as the fixture scripts write it. */
export interface FixtureTensor {
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  values: number[];
}

/** Reads `src/fixtures/<name>`. */
export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** A tensor from a fixture entry, optionally in another float dtype. */
export function fromFixture(t: FixtureTensor, dtype?: DType): Tensor {
  return tensor(t.values, t.shape, { dtype: t.dtype === 'float32' ? (dtype ?? t.dtype) : t.dtype });
}

/** Asserts |actual − expected| <= atol + rtol·|expected| elementwise (NaN matches NaN), naming the first offender. */
export function expectClose(actual: ArrayLike<number>, expected: readonly (number | null)[], rtol: number, atol: number, what = ''): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i] ?? NaN; // JSON writes NaN as null
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    const tol = atol + rtol * Math.abs(e);
    if (!(Math.abs(a - e) <= tol)) {
      expect.fail(`${what}[${i}]: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)} > ${tol})`);
    }
  }
}

/** Asserts that `run` throws (or rejects with) a TensorError with `code` whose message matches `message`. */
export async function expectTensorError(run: () => unknown, code: TensorErrorCode, message: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await run();
  } catch (e) {
    caught = e;
  }
  expect(TensorError.is(caught), `expected a TensorError ${code}, got ${String(caught)}`).toBe(true);
  const error = caught as TensorError;
  expect(error.code, error.message).toBe(code);
  expect(error.message).toMatch(message);
}

/**
 * Runs `fn` and asserts that the number of live tensors is unchanged afterwards. Tape records of
 * forward passes whose outputs were all disposed are released first (autograd does that on its
 * own when the tape grows), so what remains is a real leak.
 */
export async function expectNoLeaks(fn: () => unknown): Promise<void> {
  releaseUnusedRecords();
  const before = memory().tensors;
  await fn();
  releaseUnusedRecords();
  expect(memory().tensors - before, 'tensors leaked').toBe(0);
}

/**
 * Re-registers every parameter of `module` (and its submodules) as float64, for gradient checks
 * in float64 against PyTorch and finite differences. The float32 originals are freed.
 */
export function toFloat64(module: AnyModule): void {
  for (const [, m] of module.namedModules()) {
    for (const [name, p] of m.namedParameters(false)) {
      m.registerParameter(name, unobserved(() => p.cast('float64')));
      p.dispose();
    }
  }
}

/** A state dict from a fixture's flat parameter list. */
export function stateDictOf(params: ReadonlyArray<{ name: string; shape: number[]; values: number[] }>): Map<string, Tensor> {
  return new Map(params.map((p) => [p.name, tensor(p.values, p.shape)]));
}
