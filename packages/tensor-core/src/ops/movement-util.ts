/** Helpers shared by the movement ops. */
import { fromValues, tidy } from '../engine.js';
import { TensorError, fmtShape, safeJson } from '../errors.js';
import { checkValues, type ValueCheck } from '../checks.js';
import { Tensor } from '../tensor.js';

export function requireIntList(op: string, name: string, values: readonly number[], min = -Infinity): void {
  if (!Array.isArray(values)) {
    throw new TensorError('INVALID_ARGUMENT', op, `${name} must be an array of integers, got ${safeJson(values)}`);
  }
  for (const v of values) {
    if (!Number.isInteger(v) || v < min) {
      throw new TensorError(
        'INVALID_ARGUMENT',
        op,
        `${name} must hold integers${min > -Infinity ? ` >= ${min}` : ''}, got ${safeJson(values)}`,
      );
    }
  }
}

/** Whether the host can read `t` now (sync backends), for value checks on indices. */
export function canReadSync(t: Tensor): boolean {
  return t.backend.capabilities.syncRead && t.backend.readSync !== undefined;
}

/**
 * Normalises negative indices (`i < 0` → `i + n`) and checks the range `[-n, n)`. On backends
 * that read synchronously the values are checked on the host (`INDEX_OUT_OF_RANGE` names the
 * first bad index); on asynchronous backends the check is skipped (a read would stall the
 * pipeline) and negatives are normalised with `mod`. Returns the tensor to use and whether it is
 * a temporary.
 */
export function normalizeIndices(op: string, indices: Tensor, n: number): { t: Tensor; temp: boolean } {
  if (indices.size === 0) return { t: indices, temp: false };
  if (n === 0) {
    throw new TensorError('INDEX_OUT_OF_RANGE', op, `the indexed axis has size 0, so every index is out of range (indices shape ${fmtShape(indices.shape)})`);
  }
  if (canReadSync(indices)) {
    const values = indices.dataSync() as Int32Array;
    const negative = checkIndexRange(op, values, -n, n, indices.shape);
    if (!negative) return { t: indices, temp: false };
    const fixed = new Int32Array(values.length);
    for (let i = 0; i < values.length; i++) fixed[i] = values[i]! < 0 ? values[i]! + n : values[i]!;
    return { t: fromValues(fixed, indices.shape, 'int32', indices.backend), temp: true };
  }
  // Asynchronous backends: the range is checked on the device and reported at the next read;
  // Python-style mod maps [-n, n) onto [0, n).
  checkValues([indices], indexRangeCheck(op, -n, n, indices.shape));
  return { t: indices.mod(n), temp: true };
}

/**
 * Throws `INDEX_OUT_OF_RANGE` for the first value outside `[low, high)`; returns whether any
 * value is negative. The same message on every backend (the device check re-runs it).
 */
export function checkIndexRange(op: string, values: ArrayLike<number>, low: number, high: number, shape: readonly number[]): boolean {
  let negative = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < low || v >= high) {
      const what = op === 'oneHot' ? `${high} classes` : `an axis of size ${high}`;
      throw new TensorError('INDEX_OUT_OF_RANGE', op, `index ${v} is out of range for ${what} (valid: ${low} to ${high - 1}); at flat position ${i} of indices shape ${fmtShape(shape)}`);
    }
    if (v < 0) negative = true;
  }
  return negative;
}

/** {@link checkIndexRange} as a value check that also runs on the device. */
export function indexRangeCheck(op: string, low: number, high: number, shape: readonly number[]): ValueCheck {
  return {
    op,
    code: 'INDEX_OUT_OF_RANGE',
    host: ([values]) => void checkIndexRange(op, values!, low, high, shape),
    device: ([t]) => tidy(() => t!.less(low).logicalOr(t!.greaterEqual(high))),
  };
}

/** Resolves a shape with at most one -1 against `size` elements. */
export function inferShape(op: string, shape: readonly number[], size: number, inputShape: readonly number[]): number[] {
  if (!Array.isArray(shape)) {
    throw new TensorError('INVALID_ARGUMENT', op, `shape must be an array of integers, got ${safeJson(shape)}`);
  }
  let unknown = -1;
  let known = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (d === -1) {
      if (unknown >= 0) throw new TensorError('INVALID_ARGUMENT', op, `only one dimension can be -1, got shape ${fmtShape(shape)}`);
      unknown = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new TensorError('INVALID_ARGUMENT', op, `shape must hold non-negative integers (or one -1), got ${fmtShape(shape)}`);
    } else {
      known *= d;
    }
  }
  const out = [...shape];
  if (unknown >= 0) {
    if (known === 0 || size % known !== 0) {
      throw new TensorError('SHAPE_MISMATCH', op, `cannot reshape a tensor of shape ${fmtShape(inputShape)} (${size} elements) into ${fmtShape(shape)}`);
    }
    out[unknown] = size / known;
  } else if (known !== size) {
    throw new TensorError('SHAPE_MISMATCH', op, `cannot reshape a tensor of shape ${fmtShape(inputShape)} (${size} elements) into ${fmtShape(shape)} (${known} elements)`);
  }
  return out;
}

