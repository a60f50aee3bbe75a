import { expect } from 'vitest';

/**
 * The tolerance against scikit-learn: 1e-6 absolute, relative above 1 (MAPE with a zero target is
 * ~1e14). Both sides compute in float64, so differences are summation order only (~1e-15).
 */
export const TOLERANCE = 1e-6;

/** Asserts `actual` equals `expected` (numbers, NaN, ±Infinity, nested arrays, records) within TOLERANCE. */
export function expectClose(actual: unknown, expected: unknown, path = 'value'): void {
  if (typeof expected === 'number') {
    expect(typeof actual, `${path} type`).toBe('number');
    const a = actual as number;
    if (Number.isNaN(expected)) {
      expect(Number.isNaN(a), `${path}: expected NaN, got ${a}`).toBe(true);
    } else if (!Number.isFinite(expected)) {
      expect(a, path).toBe(expected);
    } else {
      const ok = Math.abs(a - expected) <= TOLERANCE * Math.max(1, Math.abs(expected));
      expect(ok, `${path}: expected ${expected}, got ${a}`).toBe(true);
    }
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual) || ArrayBuffer.isView(actual), `${path} is an array`).toBe(true);
    const list = actual as ArrayLike<unknown>;
    expect(list.length, `${path}.length`).toBe(expected.length);
    expected.forEach((e, i) => expectClose(list[i], e, `${path}[${i}]`));
    return;
  }
  if (typeof expected === 'object' && expected !== null) {
    for (const [key, e] of Object.entries(expected)) expectClose((actual as Record<string, unknown>)[key], e, `${path}.${key}`);
    return;
  }
  expect(actual, path).toEqual(expected);
}
