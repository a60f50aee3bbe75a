/** Assertions shared by the conformance cases. */
import { expect, it } from 'vitest';
import { checkOptions, dispose, memory, tidy, TensorError, type Tensor, type NestedArray, type TensorErrorCode } from '@tessera/tensor-core';

/**
 * Tolerances per dtype, relative and absolute: |actual - expected| <= atol + rtol * |expected|.
 * float32 kernels may reorder sums (blocked matmul, tree reductions), so 1e-5 relative; float64
 * is used for gradient checks and must be tight.
 */
export const TOLERANCE: Record<string, { rtol: number; atol: number }> = {
  float32: { rtol: 1e-5, atol: 1e-6 },
  float64: { rtol: 1e-12, atol: 1e-12 },
  int32: { rtol: 0, atol: 0 },
  bool: { rtol: 0, atol: 0 },
};

function flatten(value: NestedArray): (number | boolean)[] {
  return Array.isArray(value) ? value.flatMap(flatten) : [value];
}

function shapeOfNested(value: NestedArray): number[] {
  const shape: number[] = [];
  let v: NestedArray = value;
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0]!;
  }
  return shape;
}

/**
 * Expects `actual` to have `expected`'s values (nested arrays), shape (from the nesting or
 * `options.shape`) and dtype (when given), within the dtype's tolerance. NaN matches NaN.
 */
export async function expectTensor(
  actual: Tensor,
  expected: NestedArray,
  options: { dtype?: string; shape?: readonly number[]; rtol?: number; atol?: number } = {},
): Promise<void> {
  checkOptions('expectTensor', options, ['dtype', 'shape', 'rtol', 'atol']);
  const shape = options.shape ?? shapeOfNested(expected);
  expect([...actual.shape], `shape of ${actual.toString()}`).toEqual([...shape]);
  if (options.dtype !== undefined) expect(actual.dtype).toBe(options.dtype);
  const tol = TOLERANCE[actual.dtype]!;
  const rtol = options.rtol ?? tol.rtol;
  const atol = options.atol ?? tol.atol;
  const got = Array.from(await actual.data());
  const want = flatten(expected).map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v));
  expect(got.length, 'element count').toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(w)) {
      if (!Number.isNaN(g)) expect.fail(`element ${i}: expected NaN, got ${g}`);
      continue;
    }
    if (!Number.isFinite(w)) {
      if (g !== w) expect.fail(`element ${i}: expected ${w}, got ${g}`);
      continue;
    }
    if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w))) {
      expect.fail(`element ${i}: expected ${w}, got ${g} (rtol ${rtol}, atol ${atol}); all: ${JSON.stringify(got.slice(0, 32))}`);
    }
  }
}

/** Expects `fn` to throw a `TensorError` with `code` (and a message matching `message`). */
export function expectTensorError(fn: () => unknown, code: TensorErrorCode, message?: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  if (error === undefined) expect.fail(`expected a TensorError ${code}, nothing was thrown`);
  if (!TensorError.is(error)) throw error;
  expect(error.code, error.message).toBe(code);
  if (message) expect(error.message).toMatch(message);
}

/** Runs `fn` and expects the live tensor count afterwards to equal the count before (the result is disposed by `fn`'s caller contract: `fn` must dispose what it returns or return nothing). */
export async function expectNoLeaks(fn: () => unknown | Promise<unknown>): Promise<void> {
  const before = memory().tensors;
  await fn();
  const after = memory().tensors;
  expect(after, `live tensors: ${before} before, ${after} after`).toBe(before);
}

/** Runs `make` in a `tidy` scope (so its inputs are freed), checks the result, then disposes it. */
export async function expectOp(make: () => Tensor, expected: NestedArray, options?: Parameters<typeof expectTensor>[2]): Promise<void> {
  const out = tidy(make);
  try {
    await expectTensor(out, expected, options);
  } finally {
    out.dispose();
  }
}

/** Expects `make` to throw `code`; tensors it created are freed by `tidy`. */
export function expectOpError(make: () => unknown, code: TensorErrorCode, message?: RegExp): void {
  expectTensorError(() => tidy(() => void make()), code, message);
}

/** The values of `make()` as plain numbers (for sign-of-zero checks `expectTensor` does not make); the tensor is disposed. */
export async function valuesOf(make: () => Tensor): Promise<number[]> {
  const out = tidy(make);
  try {
    return Array.from(await out.data());
  } finally {
    out.dispose();
  }
}

/** Registers a vitest case whose tensors (passed through `use`) are disposed afterwards and counted. */
export type Use = <T extends Tensor | Tensor[]>(t: T) => T;
export function leakFree(name: string, fn: (use: Use) => Promise<void> | void): void {
  it(name, () =>
    expectNoLeaks(async () => {
      const made: Tensor[] = [];
      const use: Use = (t) => {
        made.push(...(Array.isArray(t) ? t : [t]));
        return t;
      };
      try {
        await fn(use);
      } finally {
        dispose(made);
      }
    }),
  );
}
