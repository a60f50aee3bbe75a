/**
 * Matrix product. Observed as `matmul` on rank-3 operands (batch 1 or B each; attrs
 * `{ transposeA, transposeB }`).
 */
import { runOp } from '../engine.js';
import { defineOp, type AnyOpSpec } from '../op-spec.js';
import { onnxNodes } from './onnx-util.js';
import { TensorError, fmtShape } from '../errors.js';
import { checkOptions, optionKeys } from '../options.js';
import { broadcastShapes, shapesEqual, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { expand } from './expand.js';
import { reshape } from './reshape.js';
import { requireTensor, withTemps } from './util.js';
import { requireSameDtype } from './nn-util.js';

/** Options of {@link matmul}. */
export interface MatmulOptions {
  /** Multiply by the transpose of `a`'s last two axes (ignored for a 1-D `a`). */
  readonly transposeA?: boolean;
  /** Multiply by the transpose of `b`'s last two axes (ignored for a 1-D `b`). */
  readonly transposeB?: boolean;
}

/**
 * Matrix product with numpy semantics: 1-D operands are promoted to a row (a) or a column (b)
 * and that axis is removed from the result; leading (batch) axes broadcast.
 * `[..., M, K] @ [..., K, N] → [..., M, N]`. Both operands share one numeric dtype.
 *
 * `transposeA`/`transposeB` multiply by the transpose of the last two axes of a rank ≥ 2
 * operand without a copy (the backend kernel reads it transposed).
 *
 * @throws TensorError `SHAPE_MISMATCH` when inner dimensions differ, batch axes don't broadcast,
 *   or an operand is a scalar; `DTYPE_MISMATCH` for different or bool dtypes.
 * @example
 * ```ts
 * matmul(tensor([[1, 2], [3, 4]]), tensor([5, 6])); // [17, 39]
 * matmul(x, w, { transposeB: true });               // x · wᵀ
 * ```
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  checkOptions('matmul', options, optionKeys<MatmulOptions>({ transposeA: true, transposeB: true }));
  requireTensor('matmul', a, 'a');
  requireTensor('matmul', b, 'b');
  if (a.rank === 0 || b.rank === 0) {
    throw new TensorError('SHAPE_MISMATCH', 'matmul', `both operands need at least 1 dimension: a.shape=${fmtShape(a.shape)}, b.shape=${fmtShape(b.shape)}`);
  }
  requireSameDtype('matmul', a, b, 'a', 'b');
  if (a.dtype === 'bool') throw new TensorError('DTYPE_MISMATCH', 'matmul', 'operands must be numeric, got dtype bool');
  const transposeA = a.rank >= 2 && options.transposeA === true;
  const transposeB = b.rank >= 2 && options.transposeB === true;
  const aShape = a.rank === 1 ? [1, a.shape[0]!] : [...a.shape];
  const bShape = b.rank === 1 ? [b.shape[0]!, 1] : [...b.shape];
  // Stored (rows, cols) of each operand; the logical matrix is their transpose when flagged.
  const aRows = aShape[aShape.length - 2]!;
  const aCols = aShape[aShape.length - 1]!;
  const bRows = bShape[bShape.length - 2]!;
  const bCols = bShape[bShape.length - 1]!;
  const [m, k] = transposeA ? [aCols, aRows] : [aRows, aCols];
  const [k2, n] = transposeB ? [bCols, bRows] : [bRows, bCols];
  if (k !== k2) {
    const flags = transposeA || transposeB ? ` with transposeA=${transposeA}, transposeB=${transposeB}` : '';
    throw new TensorError('SHAPE_MISMATCH', 'matmul', `inner dimensions must match: a.shape=${fmtShape(a.shape)}, b.shape=${fmtShape(b.shape)}${flags} (${k} != ${k2})`);
  }
  const aBatch = aShape.slice(0, -2);
  const bBatch = bShape.slice(0, -2);
  let batch: number[];
  try {
    batch = broadcastShapes(aBatch, bBatch, 'matmul');
  } catch {
    throw new TensorError('SHAPE_MISMATCH', 'matmul', `batch dimensions do not broadcast: a.shape=${fmtShape(a.shape)}, b.shape=${fmtShape(b.shape)}`);
  }
  const size = sizeOf(batch);
  const outShape = [...batch, ...(a.rank === 1 ? [] : [m]), ...(b.rank === 1 ? [] : [n])];
  return withTemps((temps) => {
    // Rank-3 operand for the kernel: batch 1 when the operand has no batch to speak of, B when
    // its batch already equals the broadcast one, otherwise materialise the broadcast.
    const to3 = (t: Tensor, tBatch: number[], rows: number, cols: number): Tensor => {
      const padded = [...new Array<number>(batch.length - tBatch.length).fill(1), ...tBatch];
      let src = t;
      if (sizeOf(tBatch) !== 1 && !shapesEqual(padded, batch)) {
        const view = reshape(t, [...tBatch, rows, cols]);
        temps.push(view);
        src = expand(view, [...batch, rows, cols]);
        temps.push(src);
      }
      const r = reshape(src, [sizeOf(tBatch) === 1 ? 1 : size, rows, cols]);
      temps.push(r);
      return r;
    };
    const a3 = to3(a, aBatch, aRows, aCols);
    const b3 = to3(b, bBatch, bRows, bCols);
    const [out] = runOp(matmulSpec, [a3, b3], { transposeA, transposeB });
    temps.push(out!);
    return reshape(out!, outShape);
  });
}

// ---------------------------------------------------------------- op table

/** Attributes of `matmul` as recorded (on rank-3 operands). */
export interface MatmulAttrs {
  readonly transposeA: boolean;
  readonly transposeB: boolean;
}

/** Sums a batched matmul gradient back to an operand whose batch was 1 (broadcast). */
function batchSum(g: Tensor, batch: number): Tensor {
  return batch === 1 && g.shape[0] !== 1 ? g.sum(0, true) : g;
}

// Recorded on rank-3 operands op(a) @ op(b) = [Ba, M, K] @ [Bb, K, N], Ba and Bb each 1 or B,
// where op transposes the last two axes when transposeA/B says so. The gradients use the
// kernel's transpose flags instead of materialising transposes.
const matmulSpec = defineOp<MatmulAttrs>({
  name: 'matmul',
  family: 'matmul',
  summary: 'Batched matrix product of rank-3 operands (batch 1 or B each), either operand read transposed.',
  kind: 'kernel',
  backendKernel: 'matmul',
  onnx: onnxNodes(['MatMul', 'Transpose'], (ctx) => {
    const flip = (name: string): string => ctx.graph.node('Transpose', [name], 1, { perm: [0, 2, 1] })[0]!;
    const a = ctx.attrs.transposeA ? flip(ctx.inputs[0]!) : ctx.inputs[0]!;
    const b = ctx.attrs.transposeB ? flip(ctx.inputs[1]!) : ctx.inputs[1]!;
    ctx.graph.node('MatMul', [a, b], ctx.outputs);
  }),
  infer: ([a, b], { transposeA, transposeB }) => {
    const [ba, ra, ca] = a!.shape as [number, number, number];
    const [bb, rb, cb] = b!.shape as [number, number, number];
    return [{ shape: [ba === 1 ? bb : ba, transposeA ? ca : ra, transposeB ? rb : cb], dtype: a!.dtype }];
  },
  kernel: (backend, [a, b], [o], { transposeA, transposeB }) => {
    // Kernels never see an empty reduction: a sum over K = 0 is zero.
    if (a!.shape[transposeA ? 1 : 2] === 0) backend.fill(o!, 0);
    else backend.matmul(a!, b!, transposeA, transposeB, o!);
  },
  gradient: {
    savesNote: 'b (input 1) for dA, a (input 0) for dB',
    saves: (needs) => ({ inputs: [...(needs[1] ? [0] : []), ...(needs[0] ? [1] : [])] }),
    rule: (dy, { inputs, inputShapes, needs, attrs: { transposeA: tA, transposeB: tB } }) => {
      const a = needs[1] ? inputs[0]! : undefined;
      const b = needs[0] ? inputs[1]! : undefined;
      return [
        b ? batchSum(tA ? matmul(b, dy, { transposeA: tB, transposeB: true }) : matmul(dy, b, { transposeB: !tB }), inputShapes[0]![0]!) : undefined,
        a ? batchSum(tB ? matmul(dy, a, { transposeA: true, transposeB: tA }) : matmul(a, dy, { transposeA: !tA }), inputShapes[1]![0]!) : undefined,
      ];
    },
  },
});

/** @internal The matmul family's entries of the op table. */
export const matmulSpecs: readonly AnyOpSpec[] = [matmulSpec];
