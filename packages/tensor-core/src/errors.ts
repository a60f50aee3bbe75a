/**
 * `TensorError`: every error Tessera throws on bad input, with a machine-readable `code`, the op
 * that raised it, and a message naming the offending values.
 */

/** Error codes. */
export type TensorErrorCode =
  | 'SHAPE_MISMATCH'
  | 'DTYPE_MISMATCH'
  | 'INVALID_ARGUMENT'
  | 'UNKNOWN_OPTION'
  | 'AXIS_OUT_OF_RANGE'
  | 'INDEX_OUT_OF_RANGE'
  | 'TENSOR_DISPOSED'
  | 'BACKEND_MISMATCH'
  | 'NO_BACKEND'
  | 'UNSUPPORTED'
  | 'SYNC_READ_UNSUPPORTED'
  | 'SPEC_VERSION_MISMATCH'
  | 'GRADIENT_ERROR'
  | 'DEVICE_LOST'
  | 'OUT_OF_MEMORY'
  | 'BACKEND_ERROR';

/** One failed check of a call (see `check.all`): its code, message, and the argument it names. */
export interface TensorErrorDetail {
  readonly code: TensorErrorCode;
  readonly message: string;
  /** The argument or option that failed (`'kernelSize'`), where one did. */
  readonly name?: string;
  /** The offending value, where there is one. */
  readonly value?: unknown;
}

const BRAND = Symbol.for('@tessera/tensor-error');

/**
 * The error type of Tessera. Recognise it across duplicate installs with `TensorError.is(e)`.
 *
 * @example
 * ```ts
 * try { zeros([2, 3]).matmul(zeros([4, 5])); }
 * catch (e) { if (TensorError.is(e)) console.log(e.code); } // 'SHAPE_MISMATCH'
 * ```
 */
export class TensorError extends Error {
  readonly code: TensorErrorCode;
  readonly op: string;
  /**
   * Every failed check of the call, the first one's code being `code` (one entry, the error
   * itself, when a single check failed or the error was not raised by the checking kit).
   */
  readonly details: readonly TensorErrorDetail[];
  readonly [BRAND] = true;

  constructor(code: TensorErrorCode, op: string, message: string, details?: readonly TensorErrorDetail[]) {
    super(`${op}: ${message}`);
    this.name = 'TensorError';
    this.code = code;
    this.op = op;
    this.details = details ?? [{ code, message }];
  }

  /** Whether `value` is a `TensorError`, even from another copy of this package. */
  static is(value: unknown): value is TensorError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/**
 * `JSON.stringify` for error messages about any user value: BigInts, symbols and functions
 * (which make `JSON.stringify` throw or vanish) are written out instead, so building the message
 * of a TensorError can never throw a TypeError of its own.
 */
export function safeJson(value: unknown): string {
  try {
    const text = JSON.stringify(value, (_key, v: unknown) =>
      typeof v === 'bigint' ? `${v}n` : typeof v === 'symbol' ? v.toString() : typeof v === 'function' ? 'a function' : v,
    );
    return text ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Formats a shape as `[2,3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
