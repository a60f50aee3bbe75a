/** reshape and its views (flatten, squeeze, unsqueeze): free, observed as `reshape` (`{ shape }`). */
import { viewOf } from '../engine.js';
import { defineOp, type AnyOpSpec } from '../op-spec.js';
import { onnxNodes, reshapeTarget } from './onnx-util.js';

import { TensorError } from '../errors.js';
import { normalizeAxes, normalizeAxis, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { requireTensor } from './util.js';
import { inferShape } from './movement-util.js';

/**
 * A view of `x` with another shape and the same elements in row-major order (free: no copy).
 * One dimension may be `-1`; it is inferred.
 *
 * @throws TensorError `SHAPE_MISMATCH` when the element counts differ; `INVALID_ARGUMENT` for two
 *   `-1`s or a negative dimension.
 * @example
 * ```ts
 * reshape(arange(6), [2, -1]).shape; // [2, 3]
 * ```
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  requireTensor('reshape', x);
  const out = inferShape('reshape', shape, x.size, x.shape);
  return viewOf(reshapeSpec, x, out, { shape: out });
}

/**
 * Flattens axes `startDim..endDim` (inclusive) into one. A scalar becomes shape `[1]`.
 *
 * @throws TensorError `AXIS_OUT_OF_RANGE`; `INVALID_ARGUMENT` when `startDim > endDim`.
 * @example
 * ```ts
 * flatten(zeros([2, 3, 4]), 1).shape; // [2, 12]
 * ```
 */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  requireTensor('flatten', x);
  if (x.rank === 0) {
    normalizeAxis(startDim, 1, 'flatten');
    normalizeAxis(endDim, 1, 'flatten');
    return viewOf('reshape', x, [1], { shape: [1] });
  }
  const start = normalizeAxis(startDim, x.rank, 'flatten');
  const end = normalizeAxis(endDim, x.rank, 'flatten');
  if (start > end) {
    throw new TensorError('INVALID_ARGUMENT', 'flatten', `startDim (${startDim}) must not come after endDim (${endDim}) for rank ${x.rank}`);
  }
  const shape = [...x.shape.slice(0, start), sizeOf(x.shape.slice(start, end + 1)), ...x.shape.slice(end + 1)];
  return viewOf('reshape', x, shape, { shape });
}

/**
 * Removes size-1 axes: all of them, or those in `axes`. As in PyTorch, a listed axis whose size
 * is not 1 is left in place.
 *
 * @throws TensorError `AXIS_OUT_OF_RANGE`.
 * @example
 * ```ts
 * squeeze(zeros([1, 3, 1])).shape; // [3]
 * squeeze(zeros([1, 3, 1]), 0).shape; // [3, 1]
 * ```
 */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  requireTensor('squeeze', x);
  const drop = new Set(axes === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes(axes, x.rank, 'squeeze'));
  const shape = x.shape.filter((d, i) => !(drop.has(i) && d === 1));
  return viewOf('reshape', x, shape, { shape });
}

/**
 * Inserts a size-1 axis at `axis` (in `[-rank-1, rank]`).
 *
 * @throws TensorError `AXIS_OUT_OF_RANGE`.
 * @example
 * ```ts
 * unsqueeze(zeros([3]), 0).shape; // [1, 3]
 * unsqueeze(zeros([3]), -1).shape; // [3, 1]
 * ```
 */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  requireTensor('unsqueeze', x);
  const a = normalizeAxis(axis, x.rank + 1, 'unsqueeze');
  const shape = [...x.shape.slice(0, a), 1, ...x.shape.slice(a)];
  return viewOf('reshape', x, shape, { shape });
}

// ---------------------------------------------------------------- op table

/** Attributes of `reshape` (also recorded by flatten, squeeze, unsqueeze and no-op movements). */
export interface ReshapeAttrs {
  readonly shape: readonly number[];
}

const reshapeSpec = defineOp<ReshapeAttrs>({
  name: 'reshape',
  family: 'reshape',
  summary: 'The same elements in another shape: a view that shares storage (free).',
  kind: 'view',
  onnx: onnxNodes(['Reshape'], (ctx) => void ctx.graph.node('Reshape', [ctx.inputs[0]!, reshapeTarget(ctx, ctx.outputShapes[0]!, ctx.outputDynamic[0]!)], ctx.outputs)),
  gradient: { saves: {}, rule: (dy, { inputShapes: [shape] }) => [dy.reshape(shape!)] },
});

/** @internal The reshape family's entries of the op table. */
export const reshapeSpecs: readonly AnyOpSpec[] = [reshapeSpec];
