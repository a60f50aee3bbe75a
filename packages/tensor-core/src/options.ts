/**
 * The one options checker of Tessera: every public function and class that takes an options
 * object passes it through {@link checkOptions}, so a misspelt key (`batch_size`, `bais`) is an
 * error naming the valid keys instead of a silently ignored setting, as Python rejects an
 * unexpected keyword argument.
 */
import { TensorError } from './errors.js';

/**
 * Throws unless `options` is `undefined` or a plain object whose keys are all in `validKeys`;
 * returns it (an empty object for `undefined`) so callers can read it in one line.
 *
 * @param fnName The public function or class, for the message (`'DataLoader'`, `'Adam'`).
 * @param validKeys Every key the function reads.
 * @param what How the object is called in the message (default `'options'`).
 * @throws TensorError `UNKNOWN_OPTION` for a key outside `validKeys`, listing the valid ones and
 *   suggesting the camelCase spelling of a snake_case key (or a close spelling);
 *   `INVALID_ARGUMENT` when `options` is not a plain object (null, an array, a number, a Tensor).
 * @example
 * ```ts
 * const o = checkOptions('DataLoader', { batch_size: 32 }, ['batchSize', 'shuffle']);
 * // TensorError UNKNOWN_OPTION: DataLoader: unknown option 'batch_size' (did you mean 'batchSize'?); valid options: batchSize, shuffle
 * ```
 */
export function checkOptions<T extends object>(fnName: string, options: T | undefined, validKeys: readonly string[], what = 'options'): Partial<T> {
  if (options === undefined) return {};
  if (!isPlainObject(options)) {
    throw new TensorError('INVALID_ARGUMENT', fnName, `${what} must be a plain object, got ${describeOptions(options)}`);
  }
  const unknown = unknownOptionMessages(options, validKeys, what);
  if (unknown.length > 0) {
    const details = unknown.map((message) => ({ code: 'UNKNOWN_OPTION' as const, message, name: what }));
    const more = unknown.length === 1 ? '' : `; and ${unknown.length - 1} more problem${unknown.length === 2 ? '' : 's'}: ${unknown.slice(1).join('; ')}`;
    throw new TensorError('UNKNOWN_OPTION', fnName, `${unknown[0]!}${more}`, details);
  }
  return options;
}

/**
 * One message per key of `options` outside `validKeys` (`unknown option 'bais' (did you mean
 * 'bias'?); valid options: …`), in key order; empty when every key is valid. The checking kit
 * (`check.options`) collects them with the checks of the values.
 */
export function unknownOptionMessages(options: object, validKeys: readonly string[], what = 'options'): string[] {
  const messages: string[] = [];
  for (const key of Object.keys(options)) {
    if (validKeys.includes(key)) continue;
    const suggestion = suggestKey(key, validKeys);
    messages.push(
      `unknown option '${key}'${what === 'options' ? '' : ` in ${what}`}${suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`}; valid options: ${validKeys.length > 0 ? validKeys.join(', ') : 'none'}`,
    );
  }
  return messages;
}

/** `snake_case` (or `kebab-case`) to `camelCase`: `batch_size` → `batchSize`. */
export function toCamelCase(key: string): string {
  return key.replace(/[_-]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The valid key a user most likely meant: the camelCase spelling, a case slip, or one within two edits. */
function suggestKey(key: string, validKeys: readonly string[]): string | undefined {
  const camel = toCamelCase(key);
  const lower = camel.toLowerCase();
  const exact = validKeys.find((k) => k === camel || k.toLowerCase() === lower);
  if (exact !== undefined) return exact;
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of validKeys) {
    const d = editDistance(lower, k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** Whether `value` is an object literal (`{}` or `Object.create(null)`): not null, an array, a class instance. */
export function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function describeOptions(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'an object';
  return `${typeof value} ${String(value)}`;
}

/**
 * The keys of an options type, checked by the compiler to be complete: a key added to the
 * interface but not here (or misspelt here) is a type error, so the list `checkOptions` gets
 * cannot drift from the type.
 *
 * @example
 * ```ts
 * interface FitOptions { epochs?: number; batchSize?: number }
 * const FIT_KEYS = optionKeys<FitOptions>({ epochs: true, batchSize: true });
 * ```
 */
export function optionKeys<T extends object>(keys: { readonly [K in keyof Required<T>]: true }): readonly string[] {
  return Object.keys(keys);
}
