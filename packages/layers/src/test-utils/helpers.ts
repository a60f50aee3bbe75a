/** Test helpers for @tessera/layers: tolerances, error assertions and fixture access. */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { TensorError, tidy, unobserved, type Tensor, type TensorErrorCode, type Variable } from '@tessera/tensor-core';

/**
 * float32 against PyTorch's float64 reference: |a - e| <= ATOL + RTOL·|e|. Convolutions and
 * normalizations sum tens of float32 products (relative error ~1e-6 each), so 1e-5 absolute
 * with 1e-4 relative leaves an order of magnitude of margin.
 */
export const ATOL = 1e-5;
export const RTOL = 1e-4;

/** Asserts every value of `actual` is within the float32 tolerance of `expected`. */
export function expectClose(actual: ArrayLike<number>, expected: readonly number[], label = 'values', atol = ATOL, rtol = RTOL): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = Number(actual[i]);
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      expect.fail(`${label}[${i}]: expected ${e}, got ${a} (|diff| ${Math.abs(a - e)})`);
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
  expect(TensorError.is(caught), `expected a TensorError, got ${String(caught)}`).toBe(true);
  const error = caught as TensorError;
  expect(error.code, error.message).toBe(code);
  expect(error.message).toMatch(message);
}

/** Synchronous variant for `expect`-style checks inside loops. */
export function expectTensorErrorSync(run: () => unknown, code: TensorErrorCode, message: RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (e) {
    caught = e;
  }
  expect(TensorError.is(caught), `expected a TensorError, got ${String(caught)}`).toBe(true);
  const error = caught as TensorError;
  expect(error.code, error.message).toBe(code);
  expect(error.message).toMatch(message);
}

/** An encoded tensor in a fixture. */
export interface EncodedTensor {
  shape: number[];
  dtype: 'float32' | 'int32';
  values: number[];
}

/** One case of src/fixtures/layers.json (scripts/generate-layer-fixtures.py). */
export interface LayerCase {
  name: string;
  layer: string;
  options: Record<string, unknown>;
  state: Record<string, EncodedTensor>;
  steps: Array<{ train: boolean; input: EncodedTensor; output: { shape: number[]; values: number[] } }>;
  upstream?: number[];
  grads?: Record<string, number[]>;
  stateAfter: Record<string, EncodedTensor>;
}

/** Reads a JSON fixture from src/fixtures. */
export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** Path of a file in src/fixtures. */
export function fixturePath(name: string): string {
  return new URL(`../fixtures/${name}`, import.meta.url).pathname;
}

/**
 * A plain SGD step `p ← p - lr·grad` (the tests may not import @tessera/optim: layers sits below
 * it in the package graph). Parameters without a gradient are skipped.
 */
export function sgdStep(params: readonly Variable[], grads: Map<Tensor, Tensor>, lr: number): void {
  unobserved(() =>
    tidy(() => {
      for (const p of params) {
        const g = grads.get(p);
        if (g) p.assign(p.sub(g.mul(lr)));
      }
    }),
  );
}
