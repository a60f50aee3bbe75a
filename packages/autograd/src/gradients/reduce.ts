/**
 * Gradient rules of reductions, `cumsum` and `topk`.
 *
 * tensor-core records a reduction on its input with the reduced axes already moved last (the
 * permute is recorded as its own op), so here `x` is `[...kept, ...reduced]` and the reduced
 * axes are the last `attrs.axes.length`. `keep(y)` reshapes a result (or its gradient) to
 * `[...kept, 1, ..., 1]`, which broadcasts against `x` whatever `keepDims` was.
 *
 * `max`/`min` split the gradient evenly among tied extrema (PyTorch's `amax`/`amin`): for
 * `max([1, 3, 3])` the gradient is `[0, 0.5, 0.5]`.
 */
import { broadcastTo, cumsum, where, zerosLike, type Tensor } from '@tessera/tensor-core';
import type { GradRule, SavedOp } from '../tape.js';

function reduced(op: SavedOp): { x: Tensor; keptShape: number[]; axes: number[] } {
  const x = op.inputs[0]!;
  const r = (op.attrs.axes as readonly number[]).length;
  const k = x.rank - r;
  return {
    x,
    keptShape: [...x.shape.slice(0, k), ...new Array<number>(r).fill(1)],
    axes: Array.from({ length: r }, (_, i) => k + i),
  };
}

/** Rule of max and min: the gradient goes to the elements equal to the result, split among ties. */
const extremum: GradRule = (dy, op) => {
  const { x, keptShape, axes } = reduced(op);
  const mask = x.equal(op.outputs[0]!.reshape(keptShape)).cast(x.dtype);
  const count = mask.sum(axes, true);
  return [dy.reshape(keptShape).div(count).mul(mask)];
};

export const reduceRules: Record<string, GradRule> = {
  sum: (dy, op) => {
    const { x, keptShape } = reduced(op);
    return [broadcastTo(dy.reshape(keptShape), x.shape)];
  },
  // The product of the others: y / x without zeros; with one zero in a slice only that element
  // gets a gradient (the product of the rest); with two or more, none does.
  prod: (dy, op) => {
    const { x, keptShape, axes } = reduced(op);
    const isZero = x.equal(0);
    const nonzero = where(isZero, 1, x);
    const prodNonzero = nonzero.prod(axes, true);
    const zeros = isZero.cast(x.dtype).sum(axes, true);
    const noZero = prodNonzero.div(nonzero);
    const oneZero = where(isZero.logicalAnd(zeros.equal(1)), prodNonzero.broadcastTo(x.shape), 0);
    return [dy.reshape(keptShape).mul(where(zeros.equal(0), noZero, oneZero))];
  },
  max: extremum,
  min: extremum,
  // The adjoint of a cumulative sum is the cumulative sum in the other direction.
  cumsum: (dy, { attrs }) => [
    cumsum(dy, attrs.axis as number, { exclusive: attrs.exclusive as boolean, reverse: !(attrs.reverse as boolean) }),
  ],
  // Values go back to where they were taken from (the axis is last here, as recorded).
  topk: (dy, { inputs: [x], outputs: [, indices] }) => [zerosLike(x!).scatterAdd(indices!, dy, x!.rank - 1)],
};
