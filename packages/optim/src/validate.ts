/** Argument checks shared by the optimizers, schedulers and clipping functions. */
import { Tensor, TensorError, fmtShape } from '@tessera/tensor-core';

/** `tensor id=3 'weight' shape=[2,2] dtype=float32`, for messages. */
export function describeTensor(t: Tensor): string {
  const name = (t as Tensor & { name?: string }).name;
  return `tensor id=${t.id}${name ? ` '${name}'` : ''} shape=${fmtShape(t.shape)} dtype=${t.dtype}`;
}

/** A short description of any value, for messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (value instanceof Tensor) return describeTensor(value);
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'Object'})`;
  if (typeof value === 'string') return `'${value}'`;
  return `${typeof value} ${String(value)}`;
}

function fail(op: string, where: string, message: string): never {
  throw new TensorError('INVALID_ARGUMENT', op, `${where}: ${message}`);
}

/** @throws TensorError `INVALID_ARGUMENT` unless `value` is a finite number `>= min` (or `> min` when `exclusive`). */
export function checkNumber(op: string, where: string, name: string, value: unknown, min = -Infinity, exclusive = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(op, where, `${name} must be a finite number, got ${describeValue(value)}`);
  if (exclusive ? !(value > min) : !(value >= min)) fail(op, where, `${name} must be ${exclusive ? '>' : '>='} ${min}, got ${value}`);
  return value;
}

/** @throws TensorError `INVALID_ARGUMENT` unless `value` is a number in `[0, 1)`. */
export function checkBeta(op: string, where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) fail(op, where, `${name} must be in [0, 1), got ${describeValue(value)}`);
  return value;
}

/** @throws TensorError `INVALID_ARGUMENT` unless `value` is a pair of numbers in `[0, 1)`. */
export function checkBetas(op: string, where: string, value: unknown): readonly [number, number] {
  if (!Array.isArray(value) || value.length !== 2) fail(op, where, `betas must be a pair [beta1, beta2], got ${describeValue(value)}`);
  checkBeta(op, where, 'betas[0]', value[0]);
  checkBeta(op, where, 'betas[1]', value[1]);
  return value as unknown as readonly [number, number];
}

/** @throws TensorError `INVALID_ARGUMENT` unless `value` is a boolean. */
export function checkBoolean(op: string, where: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(op, where, `${name} must be a boolean, got ${describeValue(value)}`);
  return value;
}

/** @throws TensorError `INVALID_ARGUMENT` unless `value` is an integer `>= min`. */
export function checkInteger(op: string, where: string, name: string, value: unknown, min = -Infinity): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    fail(op, where, `${name} must be an integer${min > -Infinity ? ` >= ${min}` : ''}, got ${describeValue(value)}`);
  }
  return value;
}

/** @throws TensorError `INVALID_ARGUMENT` unless `value` is one of `choices`. */
export function checkChoice<T extends string>(op: string, where: string, name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    fail(op, where, `${name} must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${describeValue(value)}`);
  }
  return value as T;
}
