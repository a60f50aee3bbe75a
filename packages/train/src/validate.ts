/**
 * The argument checks of `fit`, `evaluate`, `predict` and the callbacks, in their call shape, on
 * top of tensor-core's checking kit (no check of its own lives here). `at` is either the op name
 * (the check throws at once) or the `Checks` collector of the call (`check.all(op)`), so a call
 * reports all its bad options together at `done()`.
 */
import { Tensor, check, describeValue, type Checks } from '@tessera/tensor-core';

/** The kit's `describeValue`, under the name this package's call sites use. */
export const describe: (value: unknown) => string = describeValue;

/** The op name of a single check, or the collector of a whole call. */
export type At = string | Checks;

const run = check.into;

/** Records (or throws) unless `options` is an object: not null, an array or a Tensor. */
export function requireObject(at: At, name: string, options: unknown): void {
  run(at, (checks) => {
    if (typeof options !== 'object' || options === null || Array.isArray(options) || options instanceof Tensor) {
      checks.fail('INVALID_ARGUMENT', `${name} must be an options object, got ${describeValue(options)}`, name, options);
    }
  });
}

/** Records (or throws) `UNKNOWN_OPTION` for each key of `options` not in `known` (a typo would otherwise be ignored silently). */
export function rejectUnknown(at: At, options: Record<string, unknown>, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return; // requireObject reports it
  run(at, (checks) => checks.options(options, known));
}

/** An integer in `[min, max]`. */
export function integer(at: At, name: string, value: unknown, min: number, max?: number): number {
  return run(at, (checks) => checks.int(name, value, max === undefined ? { min } : { min, max }));
}

/** A finite number in `[min, max]` (open ends with `openMin` / `openMax`). */
export function number(at: At, name: string, value: unknown, min?: number, max?: number, openMin = false, openMax = false): number {
  return run(at, (checks) => checks.number(name, value, { min, max, minExclusive: openMin, maxExclusive: openMax }));
}

/** A boolean. */
export function boolean(at: At, name: string, value: unknown): boolean {
  return run(at, (checks) => checks.boolean(name, value));
}

/** One of `allowed`. */
export function oneOf<T extends string>(at: At, name: string, value: unknown, allowed: readonly T[]): T {
  return run(at, (checks) => checks.oneOf(name, value, allowed));
}

/** A non-empty string. */
export function string(at: At, name: string, value: unknown): string {
  return run(at, (checks) => checks.string(name, value));
}

/** Records (or throws) unless `model` has what the training loop calls. */
export function requireModel(at: At, model: unknown): void {
  run(at, (checks) => {
    const m = model as Record<string, unknown> | null;
    const missing = ['forward', 'parameters', 'train', 'eval'].filter((k) => typeof m?.[k] !== 'function');
    if (typeof model !== 'object' || model === null || missing.length > 0) {
      checks.fail(
        'INVALID_ARGUMENT',
        `model must be a Module (with forward, parameters, train and eval), got ${describeValue(model)}${missing.length && model ? ` (missing ${missing.join(', ')})` : ''}`,
        'model',
        model,
      );
    }
  });
}
