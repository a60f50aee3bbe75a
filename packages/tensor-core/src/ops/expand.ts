/** expand and broadcastTo: observed as `expand` (`{ shape }`), or `reshape` when nothing grows. */
import { runKernel, viewOf } from '../engine.js';
import { defineOp, type AnyOpSpec } from '../op-spec.js';
import { unbroadcast } from './unbroadcast.js';
import { int64, onnxNodes } from './onnx-util.js';
import { TensorError, fmtShape, safeJson } from '../errors.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { requireTensor, scalarTensor } from './util.js';

function expandTo(x: Tensor, shape: number[]): Tensor {
  if (shapesEqual(shape, x.shape)) return viewOf('reshape', x, shape, { shape });
  // Materialise the broadcast with `where(true, x, x)`: the one kernel that broadcasts any dtype.
  const condition = scalarTensor(true, 'bool', x.backend);
  try {
    return runKernel(expandSpec, [x], { shape }, [{ shape, dtype: x.dtype }], (backend, [xi], [out]) => {
      const c = { handle: condition.storage.handle, shape: condition.shape, dtype: condition.dtype };
      backend.where(c, xi!, xi!, out!);
    })[0]!;
  } finally {
    condition.dispose();
  }
}

/**
 * Broadcasts `x` to `shape` (PyTorch `expand`): size-1 axes repeat, new axes are prepended, and
 * `-1` keeps the existing size. The result is a copy (storage is always contiguous).
 *
 * @throws TensorError `SHAPE_MISMATCH` when an axis of size > 1 would change or the target has
 *   fewer axes; `INVALID_ARGUMENT` for a `-1` on a new leading axis.
 * @example
 * ```ts
 * expand(tensor([[1], [2]]), [-1, 3]); // [[1, 1, 1], [2, 2, 2]]
 * ```
 */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  requireTensor('expand', x);
  if (!Array.isArray(shape)) throw new TensorError('INVALID_ARGUMENT', 'expand', `shape must be an array, got ${safeJson(shape)}`);
  if (shape.length < x.rank) {
    throw new TensorError('SHAPE_MISMATCH', 'expand', `target shape ${fmtShape(shape)} has fewer axes than the input shape ${fmtShape(x.shape)}`);
  }
  const offset = shape.length - x.rank;
  const out = shape.map((d, i) => {
    const current = i >= offset ? x.shape[i - offset]! : undefined;
    if (d === -1) {
      if (current === undefined) {
        throw new TensorError('INVALID_ARGUMENT', 'expand', `-1 is not allowed for a new leading axis (axis ${i} of ${fmtShape(shape)})`);
      }
      return current;
    }
    if (!Number.isInteger(d) || d < 0) {
      throw new TensorError('INVALID_ARGUMENT', 'expand', `shape must hold non-negative integers or -1, got ${fmtShape(shape)}`);
    }
    if (current !== undefined && current !== d && current !== 1) {
      throw new TensorError('SHAPE_MISMATCH', 'expand', `cannot expand shape ${fmtShape(x.shape)} to ${fmtShape(shape)} (axis ${i}: ${current} vs ${d})`);
    }
    return d;
  });
  return expandTo(x, out);
}

/**
 * numpy `broadcast_to`: broadcasts `x` to exactly `shape` (a copy).
 *
 * @throws TensorError `SHAPE_MISMATCH` when `x` does not broadcast to `shape`.
 * @example
 * ```ts
 * broadcastTo(tensor([1, 2]), [2, 2]); // [[1, 2], [1, 2]]
 * ```
 */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  requireTensor('broadcastTo', x);
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new TensorError('INVALID_ARGUMENT', 'broadcastTo', `shape must be a list of non-negative integers, got ${safeJson(shape)}`);
  }
  const b = broadcastShapes(x.shape, shape, 'broadcastTo');
  if (!shapesEqual(b, shape)) {
    throw new TensorError('SHAPE_MISMATCH', 'broadcastTo', `cannot broadcast shape ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  }
  return expandTo(x, [...shape]);
}

// ---------------------------------------------------------------- op table

/** Attributes of `expand`. */
export interface ExpandAttrs {
  readonly shape: readonly number[];
}

const expandSpec = defineOp<ExpandAttrs>({
  name: 'expand',
  family: 'expand',
  summary: 'Broadcasts `x` to `shape`, materialised (through the `where` kernel, which broadcasts any dtype).',
  kind: 'kernel',
  backendKernel: 'where',
  onnx: onnxNodes(['Expand'], (ctx) => {
    const shape = ctx.outputShapes[0]!;
    const inShape = ctx.inputShapes[0]!;
    const offset = shape.length - inShape.length;
    // Expand broadcasts: a 1 in the target keeps the input's size, which is how a dynamic axis passes through.
    const target = shape.map((d, i) => {
      if (!ctx.outputDynamic[0]![i]) return d;
      if (i < offset || !ctx.inputDynamic[0]![i - offset]) ctx.unsupported(`expanding to a size that follows a dynamic axis (axis ${i} of ${JSON.stringify(shape)}) from a static one`);
      return 1;
    });
    ctx.graph.node('Expand', [ctx.inputs[0]!, int64(ctx, target)], ctx.outputs);
  }),
  gradient: { saves: {}, rule: (dy, { inputShapes: [shape] }) => [unbroadcast(dy, shape!)] },
});

/** @internal The expand family's entries of the op table. */
export const expandSpecs: readonly AnyOpSpec[] = [expandSpec];
