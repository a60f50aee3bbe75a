/** Option and input checks shared by the layers; every failure is a TensorError naming the layer. */
import { Tensor, TensorError, checkOptions, fmtShape } from '@tessera/tensor-core';

/** @internal The options object (every key among `validKeys`), or an error naming the layer. */
export function requireOptions<T extends object>(layer: string, options: T | undefined, validKeys: readonly string[]): T {
  if (typeof options !== 'object' || options === null) {
    throw new TensorError('INVALID_ARGUMENT', layer, `options object required, got ${options === null ? 'null' : typeof options}`);
  }
  checkOptions(layer, options, validKeys);
  return options;
}

/** @internal An integer `>= min`. */
export function int(layer: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TensorError('INVALID_ARGUMENT', layer, `${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** @internal A number or a pair of integers `>= min`, as a pair. */
export function pair(layer: string, name: string, value: unknown, min: number): [number, number] {
  const p = typeof value === 'number' ? [value, value] : Array.isArray(value) && value.length === 2 ? value : undefined;
  if (!p || !p.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= min)) {
    throw new TensorError('INVALID_ARGUMENT', layer, `${name} must be an integer >= ${min} or a pair of them, got ${JSON.stringify(value)}`);
  }
  return [p[0] as number, p[1] as number];
}

/** @internal A finite number, optionally with bounds. */
export function num(layer: string, name: string, value: unknown, check: (v: number) => boolean = () => true, expected = 'a finite number'): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) {
    throw new TensorError('INVALID_ARGUMENT', layer, `${name} must be ${expected}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** @internal A boolean. */
export function bool(layer: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TensorError('INVALID_ARGUMENT', layer, `${name} must be a boolean, got ${JSON.stringify(value)}`);
  return value;
}

/** @internal A live tensor input. */
export function requireInput(layer: string, x: unknown, name = 'input'): Tensor {
  if (!(x instanceof Tensor)) {
    throw new TensorError('INVALID_ARGUMENT', layer, `${name} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  }
  if (x.isDisposed) throw new TensorError('TENSOR_DISPOSED', layer, `${name} (tensor id=${x.id} shape=${fmtShape(x.shape)}) was disposed`);
  return x;
}

/** @internal Checks the rank of an input against the accepted ones. */
export function requireRank(layer: string, x: Tensor, ranks: readonly number[], layout: string): void {
  if (!ranks.includes(x.rank)) {
    throw new TensorError('SHAPE_MISMATCH', layer, `expected input of shape ${layout}, got ${fmtShape(x.shape)}`);
  }
}

/** @internal Checks that axis `axis` of `x` has `expected` entries. */
export function requireDim(layer: string, x: Tensor, axis: number, expected: number, what: string): void {
  const a = axis < 0 ? x.rank + axis : axis;
  if (x.shape[a] !== expected) {
    throw new TensorError('SHAPE_MISMATCH', layer, `expected ${expected} ${what} (axis ${a}), got input shape ${fmtShape(x.shape)}`);
  }
}
