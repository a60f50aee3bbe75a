/** concat (observed as `concat` `{ axis }`) and stack. */
import { runKernel } from '../engine.js';
import { defineOp, type AnyOpSpec } from '../op-spec.js';
import { slice } from './slice.js';
import { onnxNodes } from './onnx-util.js';
import { TensorError, fmtShape } from '../errors.js';
import { normalizeAxis, shapesEqual, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { disposeAll, requireTensor } from './util.js';
import { unsqueeze } from './reshape.js';

/**
 * Joins tensors along an existing axis. All must share rank, dtype and every other dimension.
 *
 * @throws TensorError `INVALID_ARGUMENT` for an empty list or scalars; `SHAPE_MISMATCH`;
 *   `DTYPE_MISMATCH`; `AXIS_OUT_OF_RANGE`.
 * @example
 * ```ts
 * concat([tensor([[1, 2]]), tensor([[3, 4]])], 0); // [[1, 2], [3, 4]]
 * ```
 */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new TensorError('INVALID_ARGUMENT', 'concat', 'needs a non-empty array of tensors');
  }
  tensors.forEach((t, i) => requireTensor('concat', t, `tensors[${i}]`));
  const first = tensors[0]!;
  if (first.rank === 0) throw new TensorError('INVALID_ARGUMENT', 'concat', 'scalars (rank 0) cannot be concatenated; use stack');
  const a = normalizeAxis(axis, first.rank, 'concat');
  const shape = [...first.shape];
  shape[a] = 0;
  tensors.forEach((t, i) => {
    if (t.dtype !== first.dtype) {
      throw new TensorError('DTYPE_MISMATCH', 'concat', `tensors[${i}] has dtype ${t.dtype}, tensors[0] has ${first.dtype}; cast first`);
    }
    if (t.rank !== first.rank || t.shape.some((d: number, j: number) => j !== a && d !== first.shape[j])) {
      throw new TensorError('SHAPE_MISMATCH', 'concat', `tensors[${i}] has shape ${fmtShape(t.shape)}, tensors[0] has ${fmtShape(first.shape)}; all axes but ${a} must match`);
    }
    shape[a] += t.shape[a]!;
  });
  return runKernel(concatSpec, tensors, { axis: a }, [{ shape, dtype: first.dtype }], (backend, ins, [out]) => {
    // Kernels never see empty inputs.
    backend.concat(ins.filter((t) => sizeOf(t.shape) > 0), a, out!);
  })[0]!;
}

/**
 * Joins tensors of one shape along a new axis (in `[-rank-1, rank]`).
 *
 * @throws TensorError as {@link concat}; `SHAPE_MISMATCH` when shapes differ.
 * @example
 * ```ts
 * stack([tensor([1, 2]), tensor([3, 4])], 1); // [[1, 3], [2, 4]]
 * ```
 */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new TensorError('INVALID_ARGUMENT', 'stack', 'needs a non-empty array of tensors');
  }
  tensors.forEach((t, i) => requireTensor('stack', t, `tensors[${i}]`));
  const first = tensors[0]!;
  tensors.forEach((t, i) => {
    if (!shapesEqual(t.shape, first.shape)) {
      throw new TensorError('SHAPE_MISMATCH', 'stack', `tensors[${i}] has shape ${fmtShape(t.shape)}, tensors[0] has ${fmtShape(first.shape)}; stack needs equal shapes`);
    }
    if (t.dtype !== first.dtype) {
      throw new TensorError('DTYPE_MISMATCH', 'stack', `tensors[${i}] has dtype ${t.dtype}, tensors[0] has ${first.dtype}; cast first`);
    }
  });
  const a = normalizeAxis(axis, first.rank + 1, 'stack');
  const views = tensors.map((t) => unsqueeze(t, a));
  try {
    return concat(views, a);
  } finally {
    disposeAll(views);
  }
}

// ---------------------------------------------------------------- op table

/** Attributes of `concat`. */
export interface ConcatAttrs {
  readonly axis: number;
}

const concatSpec = defineOp<ConcatAttrs>({
  name: 'concat',
  family: 'concat',
  summary: 'Joins tensors along an existing axis.',
  kind: 'kernel',
  backendKernel: 'concat',
  onnx: onnxNodes(['Concat'], (ctx) => void ctx.graph.node('Concat', ctx.inputs, ctx.outputs, { axis: ctx.attrs.axis })),
  gradient: {
    saves: {},
    rule: (dy, { inputShapes, attrs: { axis }, needs }) => {
      let offset = 0;
      return inputShapes.map((shape, i) => {
        const n = shape[axis]!;
        offset += n;
        return needs[i] ? slice(dy, [offset - n], [offset], [1], [axis]) : undefined;
      });
    },
  },
});

/** @internal The concat family's entries of the op table. */
export const concatSpecs: readonly AnyOpSpec[] = [concatSpec];
