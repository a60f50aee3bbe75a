/** transpose and permute: observed as `transpose` (`{ perm }`), or `reshape` when no data moves. */
import { runOp, viewOf } from '../engine.js';
import { defineOp, type AnyOpSpec } from '../op-spec.js';
import { onnxNodes } from './onnx-util.js';

import { TensorError, fmtShape, safeJson } from '../errors.js';
import { normalizeAxis } from '../shape.js';
import { Tensor } from '../tensor.js';
import { requireTensor } from './util.js';

function transposeKernel(x: Tensor, perm: number[]): Tensor {
  if (perm.every((p, i) => p === i)) return viewOf('reshape', x, x.shape, { shape: [...x.shape] });
  const shape = perm.map((p) => x.shape[p]!);
  // A permutation that moves only size-1 axes keeps the row-major order: a free view.
  const moved = perm.filter((p) => x.shape[p] !== 1);
  if (moved.every((p, i) => i === 0 || p > moved[i - 1]!)) return viewOf('reshape', x, shape, { shape });
  return runOp(transposeSpec, [x], { perm })[0]!;
}

/**
 * Transposes `x`. With no axes it reverses all of them (numpy `.T`); with two it swaps them
 * (PyTorch `transpose`). Copies unless only size-1 axes move.
 *
 * @throws TensorError `AXIS_OUT_OF_RANGE`; `INVALID_ARGUMENT` when only one axis is given.
 * @example
 * ```ts
 * transpose(zeros([2, 3, 4])).shape; // [4, 3, 2]
 * transpose(zeros([2, 3, 4]), 0, 2).shape; // [4, 3, 2]
 * ```
 */
export function transpose(x: Tensor, dim0?: number, dim1?: number): Tensor {
  requireTensor('transpose', x);
  if ((dim0 === undefined) !== (dim1 === undefined)) {
    throw new TensorError('INVALID_ARGUMENT', 'transpose', `give both axes to swap or none to reverse all, got dim0=${String(dim0)}, dim1=${String(dim1)}`);
  }
  const perm = Array.from({ length: x.rank }, (_, i) => i);
  if (dim0 === undefined || dim1 === undefined) {
    perm.reverse();
  } else {
    const a = normalizeAxis(dim0, x.rank, 'transpose');
    const b = normalizeAxis(dim1, x.rank, 'transpose');
    perm[a] = b;
    perm[b] = a;
  }
  return transposeKernel(x, perm);
}

/**
 * Reorders the axes of `x`: `out.shape[i] = x.shape[dims[i]]`. Negative axes count from the end.
 *
 * @throws TensorError `INVALID_ARGUMENT` unless `dims` is a permutation of the axes;
 *   `AXIS_OUT_OF_RANGE`.
 * @example
 * ```ts
 * permute(zeros([2, 3, 4]), [2, 0, 1]).shape; // [4, 2, 3]
 * ```
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  requireTensor('permute', x);
  if (!Array.isArray(dims) || dims.length !== x.rank) {
    throw new TensorError('INVALID_ARGUMENT', 'permute', `dims must list each of the ${x.rank} axes once, got ${safeJson(dims)} for shape ${fmtShape(x.shape)}`);
  }
  const perm = dims.map((d) => normalizeAxis(d, x.rank, 'permute'));
  if (new Set(perm).size !== perm.length) {
    throw new TensorError('INVALID_ARGUMENT', 'permute', `dims must be a permutation of the axes, got ${fmtShape(dims)} (repeated axis)`);
  }
  return transposeKernel(x, perm);
}

// ---------------------------------------------------------------- op table

/** Attributes of `transpose`: output axis `i` is input axis `perm[i]`. */
export interface TransposeAttrs {
  readonly perm: readonly number[];
}

const transposeSpec = defineOp<TransposeAttrs>({
  name: 'transpose',
  family: 'transpose',
  summary: 'Permutes the axes (a copy; moves of size-1 axes only are recorded as `reshape`).',
  kind: 'kernel',
  backendKernel: 'transpose',
  infer: ([x], { perm }) => [{ shape: perm.map((p) => x!.shape[p]!), dtype: x!.dtype }],
  kernel: (b, [x], [o], { perm }) => b.transpose(x!, perm, o!),
  onnx: onnxNodes(['Transpose'], (ctx) => void ctx.graph.node('Transpose', [ctx.inputs[0]!], ctx.outputs, { perm: ctx.attrs.perm })),
  gradient: {
    saves: {},
    rule: (dy, { attrs: { perm } }) => {
      const inverse = new Array<number>(perm.length);
      perm.forEach((p, i) => (inverse[p] = i));
      return [permute(dy, inverse)];
    },
  },
});

/** @internal The transpose family's entries of the op table. */
export const transposeSpecs: readonly AnyOpSpec[] = [transposeSpec];
