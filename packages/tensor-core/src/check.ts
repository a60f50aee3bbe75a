/**
 * The one checking kit of Tessera: every package validates its arguments with it, so every bad
 * call reads alike (`op: name must be …, got …`) and carries a machine-readable code.
 *
 * A call with several arguments opens a {@link Checks} collector, runs one check per argument and
 * calls {@link Checks.done}: every failure of the call is reported in one `TensorError`, as Burn's
 * `TensorCheck` does, instead of the first one only. The error keeps the code of the first failure
 * (so code-level handling does not change when a second argument is also wrong) and lists every
 * failure in its message and in `details`. A single argument is checked with the standalone
 * functions of {@link check}, which throw at once.
 *
 * Checks that need the values of a tensor do not belong here: they go through `checkValues`
 * (checks.ts), which runs them on every backend.
 */
import { TensorError, fmtShape, safeJson, type TensorErrorCode, type TensorErrorDetail } from './errors.js';
import { isFloat, type DType } from './dtype.js';
import { unknownOptionMessages, isPlainObject } from './options.js';
import { Tensor } from './tensor.js';

/** Bounds of a numeric check: inclusive unless the matching `…Exclusive` flag is set. */
export interface Bounds {
  readonly min?: number;
  readonly max?: number;
  readonly minExclusive?: boolean;
  readonly maxExclusive?: boolean;
}

/**
 * A short description of any value for an error message: `null`, `undefined`, `number -1`,
 * `"tanh"`, `an array of length 2`, `Tensor(shape=[2,3], dtype=float32)`, `a function`, or an
 * object's class name. Never throws (BigInts, symbols and cyclic objects included).
 *
 * @example
 * ```ts
 * describeValue(-1);        // 'number -1'
 * describeValue('tanh');    // '"tanh"'
 * describeValue([1, 2]);    // 'an array of length 2'
 * describeValue(zeros([2])); // 'Tensor(shape=[2], dtype=float32)'
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (value instanceof Tensor) return value.isDisposed ? `Tensor(id=${value.id}, disposed)` : `Tensor(shape=${fmtShape(value.shape)}, dtype=${value.dtype})`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  if (typeof value === 'string') return safeJson(value);
  if (typeof value === 'symbol') return value.toString();
  return `${typeof value} ${String(value)}`;
}

/**
 * `tensor id=3 'weight' shape=[2,2] dtype=float32`: a tensor named for a message about one of
 * several tensors (a parameter among a model's).
 *
 * @example
 * ```ts
 * describeTensor(zeros([2, 2])); // 'tensor id=7 shape=[2,2] dtype=float32'
 * ```
 */
export function describeTensor(t: Tensor): string {
  const name = (t as Tensor & { name?: string }).name;
  return `tensor id=${t.id}${name ? ` '${name}'` : ''} shape=${fmtShape(t.shape)} dtype=${t.dtype}`;
}

/** `a finite number >= 0`, `an integer in [1, 10]`, `a finite number in (0, 1]`. */
function describeBounds(kind: string, b: Bounds): string {
  const { min = -Infinity, max = Infinity, minExclusive = false, maxExclusive = false } = b;
  if (min === -Infinity && max === Infinity) return kind;
  if (max === Infinity) return `${kind} ${minExclusive ? '>' : '>='} ${min}`;
  if (min === -Infinity) return `${kind} ${maxExclusive ? '<' : '<='} ${max}`;
  return `${kind} in ${minExclusive ? '(' : '['}${min}, ${max}${maxExclusive ? ')' : ']'}`;
}

function inBounds(v: number, b: Bounds): boolean {
  const { min = -Infinity, max = Infinity, minExclusive = false, maxExclusive = false } = b;
  return (minExclusive ? v > min : v >= min) && (maxExclusive ? v < max : v <= max);
}

/** The value a failed numeric check hands back so the caller's code runs on to the next check. */
function numericStandIn(b: Bounds): number {
  if (b.min !== undefined && Number.isFinite(b.min)) return b.min;
  if (b.max !== undefined && Number.isFinite(b.max)) return b.max;
  return 0;
}

/**
 * Collects the failures of one call's argument checks and throws them together in
 * {@link Checks.done}. Each check returns the value, typed, when it passes; when it fails it
 * records the failure and returns a stand-in (the lower bound, `false`, the first choice, …) so
 * that the next argument is checked too. Call `done()` before using any returned value.
 *
 * @example
 * ```ts
 * const c = check.all('Conv2d');
 * const o = c.options(options, ['inChannels', 'outChannels', 'kernelSize']);
 * const inChannels = c.int('inChannels', o.inChannels, { min: 1 });
 * const outChannels = c.int('outChannels', o.outChannels, { min: 1 });
 * c.done(); // TensorError INVALID_ARGUMENT: Conv2d: inChannels must be … ; and 1 more problem: outChannels must be …
 * ```
 */
export class Checks {
  private readonly list: TensorErrorDetail[] = [];

  /**
   * @param op The public function or class, for the message (`'Conv2d'`, `'fit'`).
   * @param context Where the checked values come from, prefixed to each message
   *   (`'param group 1'` gives `SGD: param group 1: lr must be …`).
   */
  constructor(
    readonly op: string,
    readonly context?: string,
  ) {}

  /** Whether every check so far passed. */
  get ok(): boolean {
    return this.list.length === 0;
  }

  /** The failures recorded so far, in the order the checks ran. */
  get failures(): readonly TensorErrorDetail[] {
    return this.list;
  }

  /** Records a failure a caller checked itself (a relation between arguments, a custom rule). */
  fail(code: TensorErrorCode, message: string, name?: string, value?: unknown): void {
    this.list.push({ code, message: this.context === undefined ? message : `${this.context}: ${message}`, ...(name === undefined ? {} : { name }), ...(value === undefined ? {} : { value }) });
  }

  /**
   * Checks an options object: `undefined` gives `{}` (unless `required`), anything but a plain
   * object is `INVALID_ARGUMENT`, and every key outside `validKeys` is one `UNKNOWN_OPTION`
   * failure naming the valid keys and a likely spelling. The object's values are checked by the
   * checks that follow, into the same error.
   */
  options<T extends object>(options: T | undefined, validKeys: readonly string[], settings: { what?: string; required?: boolean } = {}): Partial<T> {
    const what = settings.what ?? 'options';
    if (options === undefined && settings.required !== true) return {};
    if (!isPlainObject(options)) {
      this.fail('INVALID_ARGUMENT', `${what} must be a plain object, got ${describeValue(options)}`, what, options);
      return {};
    }
    for (const message of unknownOptionMessages(options, validKeys, what)) this.fail('UNKNOWN_OPTION', message, what);
    return options;
  }

  /** An integer within `bounds` (`{ min: 1 }`: a positive count). */
  int(name: string, value: unknown, bounds: Bounds = {}): number {
    if (typeof value === 'number' && Number.isInteger(value) && inBounds(value, bounds)) return value;
    this.fail('INVALID_ARGUMENT', `${name} must be ${describeBounds('an integer', bounds)}, got ${describeValue(value)}`, name, value);
    return numericStandIn(bounds);
  }

  /** A finite number within `bounds` (NaN and ±Infinity fail). */
  number(name: string, value: unknown, bounds: Bounds = {}): number {
    if (typeof value === 'number' && Number.isFinite(value) && inBounds(value, bounds)) return value;
    this.fail('INVALID_ARGUMENT', `${name} must be ${describeBounds('a finite number', bounds)}, got ${describeValue(value)}`, name, value);
    return numericStandIn(bounds);
  }

  /** A finite number `> 0`. */
  positive(name: string, value: unknown): number {
    return this.number(name, value, { min: 0, minExclusive: true });
  }

  /** A number within `bounds` where ±Infinity may be a bound's own value (`max: Infinity` with `value = Infinity`); NaN fails. */
  range(name: string, value: unknown, bounds: Bounds): number {
    if (typeof value === 'number' && !Number.isNaN(value) && inBounds(value, bounds)) return value;
    this.fail('INVALID_ARGUMENT', `${name} must be ${describeBounds('a number', bounds)}, got ${describeValue(value)}`, name, value);
    return numericStandIn(bounds);
  }

  /** An integer `>= min` (default 1), or a pair of them: returned as a pair (`kernelSize: 3` → `[3, 3]`). */
  pair(name: string, value: unknown, min = 1): [number, number] {
    const p = typeof value === 'number' ? [value, value] : Array.isArray(value) && value.length === 2 ? (value as unknown[]) : undefined;
    if (p !== undefined && p.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= min)) return [p[0] as number, p[1] as number];
    this.fail('INVALID_ARGUMENT', `${name} must be an integer >= ${min} or a pair of them, got ${safeJson(value)}`, name, value);
    return [min, min];
  }

  /** One of `choices` (strings or numbers), listed in the message. */
  oneOf<T extends string | number>(name: string, value: unknown, choices: readonly T[]): T {
    if ((choices as readonly unknown[]).includes(value)) return value as T;
    this.fail('INVALID_ARGUMENT', `${name} must be one of ${choices.map((c) => (typeof c === 'string' ? `'${c}'` : String(c))).join(', ')}, got ${describeValue(value)}`, name, value);
    return choices[0]!;
  }

  /** A boolean. */
  boolean(name: string, value: unknown): boolean {
    if (typeof value === 'boolean') return value;
    this.fail('INVALID_ARGUMENT', `${name} must be a boolean, got ${describeValue(value)}`, name, value);
    return false;
  }

  /** A non-empty string. */
  string(name: string, value: unknown): string {
    if (typeof value === 'string' && value !== '') return value;
    this.fail('INVALID_ARGUMENT', `${name} must be a non-empty string, got ${describeValue(value)}`, name, value);
    return '';
  }

  /** A function. */
  function<F extends (...args: never[]) => unknown>(name: string, value: unknown, expected = 'a function'): F {
    if (typeof value === 'function') return value as F;
    this.fail('INVALID_ARGUMENT', `${name} must be ${expected}, got ${describeValue(value)}`, name, value);
    return (() => undefined) as unknown as F;
  }

  /**
   * A live Tensor: `INVALID_ARGUMENT` for anything else (`expected` says what it should be),
   * `TENSOR_DISPOSED` naming its id and shape for a disposed one. Returns `undefined` on failure.
   */
  tensor(name: string, value: unknown, expected = 'a Tensor'): Tensor | undefined {
    if (!(value instanceof Tensor)) {
      this.fail('INVALID_ARGUMENT', `${name} must be ${expected}, got ${describeValue(value)}`, name, value);
      return undefined;
    }
    if (value.isDisposed) {
      this.fail('TENSOR_DISPOSED', `${name} (tensor id=${value.id} shape=${fmtShape(value.shape)}) was disposed`, name);
      return undefined;
    }
    return value;
  }

  /**
   * The dtype of `t`: `'float'` accepts float32 and float64; a list accepts its members.
   * `DTYPE_MISMATCH` otherwise, with the tensor's dtype and shape.
   */
  dtype(name: string, t: Tensor, allowed: 'float' | readonly DType[], hint = ''): boolean {
    const ok = allowed === 'float' ? isFloat(t.dtype) : allowed.includes(t.dtype);
    if (ok) return true;
    const want = allowed === 'float' ? 'a float tensor' : allowed.length === 1 ? `a ${allowed[0]} tensor` : `a tensor of dtype ${allowed.join(' or ')}`;
    this.fail('DTYPE_MISMATCH', `${name} must be ${want}, got dtype ${t.dtype} (shape ${fmtShape(t.shape)})${hint}`, name);
    return false;
  }

  /**
   * The shape of `t` against a pattern: a number fixes an axis, `null` accepts any size
   * (`[null, 3]`: any batch of 3 features). `layout` names the pattern in the message
   * (default the pattern itself, `[*,3]`). `SHAPE_MISMATCH` otherwise.
   */
  shape(name: string, t: Tensor, pattern: readonly (number | null)[], layout?: string): boolean {
    if (t.rank === pattern.length && pattern.every((d, i) => d === null || d === t.shape[i])) return true;
    const want = layout ?? `[${pattern.map((d) => (d === null ? '*' : String(d))).join(',')}]`;
    this.fail('SHAPE_MISMATCH', `expected ${name} of shape ${want}, got ${fmtShape(t.shape)}`, name);
    return false;
  }

  /** The rank of `t` among `ranks`; `layout` names the accepted shapes (`'[N, C, H, W] or [C, H, W]'`). */
  rank(name: string, t: Tensor, ranks: readonly number[], layout: string): boolean {
    if (ranks.includes(t.rank)) return true;
    this.fail('SHAPE_MISMATCH', `expected ${name} of shape ${layout}, got ${fmtShape(t.shape)}`, name);
    return false;
  }

  /** That axis `axis` of `t` (negative counts from the end) has `expected` entries; `what` names them (`'input channels'`). */
  dim(name: string, t: Tensor, axis: number, expected: number, what: string): boolean {
    const a = axis < 0 ? t.rank + axis : axis;
    if (t.shape[a] === expected) return true;
    this.fail('SHAPE_MISMATCH', `expected ${expected} ${what} (axis ${a}), got ${name} shape ${fmtShape(t.shape)}`, name);
    return false;
  }

  /**
   * A live float tensor holding a batch: the batch axis first, at least one example and at least
   * one more axis (the inputs of attribution methods, attacks, per-sample gradients). `hint` ends
   * the dtype message (`'; only float inputs can be differentiated'`).
   */
  floatBatch(name: string, value: unknown, hint = ''): Tensor | undefined {
    const t = this.tensor(name, value, 'a Tensor with the batch axis first');
    if (t === undefined || !this.dtype(name, t, 'float', hint)) return undefined;
    if (t.rank < 2 || t.shape[0] === 0) {
      this.fail('SHAPE_MISMATCH', `${name} must have a batch axis first and at least one feature axis, with at least one example, got shape ${fmtShape(t.shape)}`, name);
      return undefined;
    }
    return t;
  }

  /** That two tensors have the same shape, naming both (`input.shape=[2,3], target.shape=[3]`). */
  sameShape(names: readonly [string, string], a: Tensor, b: Tensor): boolean {
    if (a.rank === b.rank && a.shape.every((d, i) => d === b.shape[i])) return true;
    const [na, nb] = names;
    this.fail('SHAPE_MISMATCH', `${na} and ${nb} must have the same shape: ${na}.shape=${fmtShape(a.shape)}, ${nb}.shape=${fmtShape(b.shape)}`, nb);
    return false;
  }

  /** That `t` broadcasts to `shape` (the shape of `target`) without growing it: a per-element weight. */
  broadcastsTo(name: string, t: Tensor, shape: readonly number[], target = 'input'): boolean {
    const offset = shape.length - t.rank;
    if (offset >= 0 && t.shape.every((d, i) => d === 1 || d === shape[offset + i])) return true;
    this.fail('SHAPE_MISMATCH', `${name}.shape=${fmtShape(t.shape)} must broadcast to ${target}.shape=${fmtShape(shape)}`, name);
    return false;
  }

  /**
   * Throws every recorded failure as one `TensorError` (the first failure's code; the message lists
   * all of them; `details` holds each one); returns when all checks passed.
   *
   * @throws TensorError the collected failures.
   */
  done(): void {
    if (this.list.length === 0) return;
    throw checkError(this.op, this.list);
  }
}

/**
 * The one `TensorError` for a list of failures: the first one's code and message, then the
 * others (`; and 2 more problems: b; c`), every one in `details`.
 */
export function checkError(op: string, failures: readonly TensorErrorDetail[]): TensorError {
  const [first, ...rest] = failures;
  if (first === undefined) throw new RangeError('checkError needs at least one failure');
  const more = rest.length === 0 ? '' : `; and ${rest.length} more problem${rest.length === 1 ? '' : 's'}: ${rest.map((f) => f.message).join('; ')}`;
  return new TensorError(first.code, op, `${first.message}${more}`, failures);
}

/** Runs one check of a fresh collector and throws its failure at once. */
function single<R>(op: string, run: (c: Checks) => R): R {
  const c = new Checks(op);
  const value = run(c);
  c.done();
  return value;
}

/**
 * The checks, one argument at a time (each throws its own `TensorError` at once), and
 * {@link check.all} to collect a whole call's failures into one error.
 *
 * @example
 * ```ts
 * const epochs = check.int('fit', 'epochs', options.epochs ?? 1, { min: 1 });
 * const mode = check.oneOf('fit', 'onNonFinite', options.onNonFinite ?? 'raise', ['raise', 'stop']);
 * // several arguments, one error:
 * const c = check.all('Adam');
 * const lr = c.number('lr', o.lr ?? 1e-3, { min: 0 });
 * const eps = c.number('eps', o.eps ?? 1e-8, { min: 0 });
 * c.done();
 * ```
 */
export const check = {
  /** A {@link Checks} collector for the arguments of `op` (messages prefixed with `context`, if given); call `done()` after the last check. */
  all: (op: string, context?: string): Checks => new Checks(op, context),
  /**
   * Runs `record` against `at`: the collector of a call (`check.all(op)`), into which it records,
   * or an op name, for which it opens a collector and throws at once. A package's own composite
   * check (a crop size, a range) takes `at` so that it serves both single checks and whole calls.
   *
   * @example
   * ```ts
   * function checkProbability(at: string | Checks, p: unknown): number {
   *   return check.into(at, (c) => c.number('p', p, { min: 0, max: 1 }));
   * }
   * ```
   */
  into: <R>(at: string | Checks, record: (checks: Checks) => R): R => (typeof at === 'string' ? single(at, record) : record(at)),
  /** An options object: see {@link Checks.options}. */
  options: <T extends object>(op: string, options: T | undefined, validKeys: readonly string[], settings: { what?: string; required?: boolean } = {}): Partial<T> =>
    single(op, (c) => c.options(options, validKeys, settings)),
  /** An integer within `bounds`. */
  int: (op: string, name: string, value: unknown, bounds: Bounds = {}): number => single(op, (c) => c.int(name, value, bounds)),
  /** A finite number within `bounds`. */
  number: (op: string, name: string, value: unknown, bounds: Bounds = {}): number => single(op, (c) => c.number(name, value, bounds)),
  /** A finite number within `bounds` (same as {@link check.number}). */
  finite: (op: string, name: string, value: unknown, bounds: Bounds = {}): number => single(op, (c) => c.number(name, value, bounds)),
  /** A finite number `> 0`. */
  positive: (op: string, name: string, value: unknown): number => single(op, (c) => c.positive(name, value)),
  /** A number within `bounds`, infinite bounds reachable. */
  range: (op: string, name: string, value: unknown, bounds: Bounds): number => single(op, (c) => c.range(name, value, bounds)),
  /** An integer `>= min` or a pair of them, as a pair. */
  pair: (op: string, name: string, value: unknown, min = 1): [number, number] => single(op, (c) => c.pair(name, value, min)),
  /** One of `choices`. */
  oneOf: <T extends string | number>(op: string, name: string, value: unknown, choices: readonly T[]): T => single(op, (c) => c.oneOf(name, value, choices)),
  /** A boolean. */
  boolean: (op: string, name: string, value: unknown): boolean => single(op, (c) => c.boolean(name, value)),
  /** A non-empty string. */
  string: (op: string, name: string, value: unknown): string => single(op, (c) => c.string(name, value)),
  /** A function. */
  function: <F extends (...args: never[]) => unknown>(op: string, name: string, value: unknown, expected = 'a function'): F =>
    single(op, (c) => c.function<F>(name, value, expected)),
  /** A live Tensor. */
  tensor: (op: string, name: string, value: unknown, expected = 'a Tensor'): Tensor => single(op, (c) => c.tensor(name, value, expected)) as Tensor,
  /** The dtype of a tensor. */
  dtype: (op: string, name: string, t: Tensor, allowed: 'float' | readonly DType[], hint = ''): void => void single(op, (c) => c.dtype(name, t, allowed, hint)),
  /** The shape of a tensor against a pattern (`null`: any size). */
  shape: (op: string, name: string, t: Tensor, pattern: readonly (number | null)[], layout?: string): void => void single(op, (c) => c.shape(name, t, pattern, layout)),
  /** The rank of a tensor. */
  rank: (op: string, name: string, t: Tensor, ranks: readonly number[], layout: string): void => void single(op, (c) => c.rank(name, t, ranks, layout)),
  /** A live float tensor holding a batch (batch axis first, at least one example and one more axis). */
  floatBatch: (op: string, name: string, value: unknown, hint = ''): Tensor => single(op, (c) => c.floatBatch(name, value, hint)) as Tensor,
  /** That two tensors have the same shape. */
  sameShape: (op: string, names: readonly [string, string], a: Tensor, b: Tensor): void => void single(op, (c) => c.sameShape(names, a, b)),
  /** That a tensor broadcasts to a shape without growing it. */
  broadcastsTo: (op: string, name: string, t: Tensor, shape: readonly number[], target = 'input'): void => void single(op, (c) => c.broadcastsTo(name, t, shape, target)),
  /** The size of one axis of a tensor. */
  dim: (op: string, name: string, t: Tensor, axis: number, expected: number, what: string): void => void single(op, (c) => c.dim(name, t, axis, expected, what)),
} as const;
