/** Helpers shared by the operator implementations. */
import { TensorError, type Tensor } from '@tessera/tensor-core';
import { hostElementwise, isHost, type HostKind, type HostTensor, type Value } from '../host.js';
import type { OpContext, OpSpec } from './types.js';

/** `axis` normalised into `[0, rank)`, or a node-named error. */
export function normAxis(ctx: OpContext, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) ctx.fail('AXIS_OUT_OF_RANGE', `axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** The shape of any value. */
export function shapeOf(v: Value): readonly number[] {
  return v.shape;
}

/** A unary op: `device` on tensors, `hostFn` elementwise on host values (shape arithmetic, folding). */
export function unary(device: (x: Tensor, ctx: OpContext) => Tensor, hostFn?: (x: number) => number, hostKind?: HostKind): OpSpec {
  return {
    run: (ctx) => [device(ctx.tensor(0), ctx)],
    ...(hostFn
      ? { host: (_ctx: OpContext, [x]: readonly (HostTensor | undefined)[]) => [hostElementwise('onnx', [x!], hostKind ?? x!.kind, hostFn)] }
      : {}),
  };
}

/**
 * A binary op with numpy broadcasting. `kind` gives the result kind of the host version from
 * the operand kinds (comparisons give bool).
 */
export function binary(
  device: (a: Tensor, b: Tensor, ctx: OpContext) => Tensor,
  hostFn?: (a: number, b: number, kind: HostKind) => number,
  kind: (a: HostKind, b: HostKind) => HostKind = (a) => a,
): OpSpec {
  return {
    run: (ctx) => [device(ctx.tensor(0), legacyBroadcast(ctx, ctx.tensor(0), ctx.tensor(1)), ctx)],
    ...(hostFn
      ? {
          host: (_ctx: OpContext, [a, b]: readonly (HostTensor | undefined)[]) => {
            const k = kind(a!.kind, b!.kind);
            return [hostElementwise('onnx', [a!, b!], k, (x, y) => hostFn(x, y, a!.kind))];
          },
        }
      : {}),
  };
}

/** The numbers of a host-or-optional input, checked to be integers. */
export function intsOf(ctx: OpContext, index: number, what: string): number[] | undefined {
  const v = ctx.numbers(index);
  if (v !== undefined && !v.every(Number.isInteger)) ctx.fail('INVALID_ARGUMENT', `${what} must be integers, got ${JSON.stringify(v)}`);
  return v;
}

/** Whether a value is present and a host value. */
export function presentHost(v: Value | undefined): v is HostTensor {
  return isHost(v);
}

/** Error for an attribute value the importer does not implement. */
export function unsupported(ctx: OpContext, message: string): never {
  return ctx.fail('UNSUPPORTED', message);
}

/** Throws unless `cond`. */
export function require(ctx: OpContext, cond: boolean, message: string): asserts cond {
  if (!cond) ctx.fail('INVALID_ARGUMENT', message);
}

export { TensorError };

/**
 * Opset < 7 binary ops broadcast only with `broadcast=1`, aligning `b` at `axis` of `a`
 * (numpy aligns trailing axes); reshape `b` so numpy broadcasting means the same.
 */
export function legacyBroadcast(ctx: OpContext, a: Tensor, b: Tensor): Tensor {
  if (ctx.opset >= 7 || ctx.attrs.int('broadcast', 0) !== 1) return b;
  const axis = ctx.attrs.int('axis');
  if (axis === undefined) return b;
  const start = axis < 0 ? axis + a.rank : axis;
  const trailing = a.rank - start - b.rank;
  return trailing > 0 ? b.reshape([...b.shape, ...new Array<number>(trailing).fill(1)]) : b;
}
