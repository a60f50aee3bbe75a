import { expect } from 'vitest';
import { tensor, type Tensor } from '@tessera/tensor-core';

/** The literal test image of `fixtures/make_reference.py`: element i is ((37 i) mod 101) / 100. */
export function literal(shape: readonly number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, (_, i) => ((i * 37) % 101) / 100), shape);
}

/** Flattens nested arrays of numbers. */
export function flat(values: unknown): number[] {
  if (ArrayBuffer.isView(values)) return Array.from(values as unknown as ArrayLike<number>);
  return Array.isArray(values) ? values.flatMap(flat) : [values as number];
}

/**
 * Asserts `actual` matches `expected` elementwise within `tolerance` (absolute). Float32 tensor
 * ops against PyTorch's float32: 1e-5 covers summation-order differences of these small sums.
 */
export function expectClose(actual: Tensor | ArrayLike<number>, expected: unknown, tolerance = 1e-5): void {
  const a = Array.from('dataSync' in (actual as object) ? (actual as Tensor).dataSync() : (actual as ArrayLike<number>));
  const e = flat(expected);
  expect(a.length, 'length').toBe(e.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < e.length; i++) {
    const d = Math.abs(a[i]! - e[i]!);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  expect(worst <= tolerance, `max |diff| ${worst} at ${at}: got ${a[at]}, expected ${e[at]}`).toBe(true);
}
