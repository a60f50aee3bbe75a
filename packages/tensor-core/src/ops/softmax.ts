/**
 * softmax and logSoftmax: the fused kernel when the backend has one, a composite otherwise, observed
 * as one op (`{ axis }`) whichever path computed it.
 */
import { asOneOp, runOp } from '../engine.js';
import { defineOp, type AnyOpSpec, type OpSpec } from '../op-spec.js';
import { onnxNodes } from './onnx-util.js';
import { normalizeAxis } from '../shape.js';
import { Tensor } from '../tensor.js';
import { permute } from './transpose.js';
import { reshape } from './reshape.js';
import { requireFloat, requireTensor, withTemps } from './util.js';

type FusedKind = 'softmax' | 'logSoftmax';

function softmaxLike(kind: FusedKind, x: Tensor, axis: number): Tensor {
  requireTensor(kind, x);
  requireFloat(kind, x);
  if (x.rank === 0) {
    normalizeAxis(axis, 1, kind);
    return withTemps((temps) => {
      const v = reshape(x, [1]);
      temps.push(v);
      const y = softmaxLike(kind, v, 0);
      temps.push(y);
      return reshape(y, []);
    });
  }
  const a = normalizeAxis(axis, x.rank, kind);
  const attrs = { axis: a };
  const last = a === x.rank - 1;
  const fused = x.backend[kind];
  if (x.size === 0 || (fused && last)) {
    return runOp(SOFTMAX_SPECS[kind], [x], attrs)[0]!;
  }
  // One observed op either way, so autograd needs one rule per op, whichever path ran.
  return asOneOp(SOFTMAX_SPECS[kind], [x], attrs, () => [
    withTemps((temps) => {
      if (fused) {
        const perm = Array.from({ length: x.rank }, (_, i) => i);
        perm.splice(a, 1);
        perm.push(a);
        const inverse = perm.map((_, i) => perm.indexOf(i));
        const moved = permute(x, perm);
        temps.push(moved);
        const [y] = runOp(SOFTMAX_SPECS[kind], [moved], { axis: x.rank - 1 });
        temps.push(y!);
        return permute(y!, inverse);
      }
      // Numerically stable composite: shift by the max so exp never overflows.
      const m = x.max(a, true);
      temps.push(m);
      const z = x.sub(m);
      temps.push(z);
      const e = z.exp();
      temps.push(e);
      const s = e.sum(a, true);
      temps.push(s);
      if (kind === 'softmax') return e.div(s);
      const l = s.log();
      temps.push(l);
      return z.sub(l);
    }),
  ])[0]!;
}

/**
 * Softmax along `axis` (default last): `exp(x) / sum(exp(x))`, computed stably. Float input.
 *
 * @throws TensorError `DTYPE_MISMATCH` for non-float input; `AXIS_OUT_OF_RANGE`.
 * @example
 * ```ts
 * softmax(tensor([0, Math.log(3)])); // [0.25, 0.75]
 * ```
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  return softmaxLike('softmax', x, axis);
}

/**
 * Log-softmax along `axis` (default last): `x - logSumExp(x)`, computed stably. Float input.
 *
 * @throws TensorError `DTYPE_MISMATCH` for non-float input; `AXIS_OUT_OF_RANGE`.
 * @example
 * ```ts
 * logSoftmax(tensor([0, 0])); // [-0.6931, -0.6931]
 * ```
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return softmaxLike('logSoftmax', x, axis);
}

// ---------------------------------------------------------------- op table

/** Attributes of `softmax` and `logSoftmax`. */
export interface SoftmaxAttrs {
  readonly axis: number;
}

/**
 * softmax and logSoftmax run the backend's fused kernel on the last axis, and are otherwise
 * computed from other ops inside `asOneOp`: one recorded op either way, one rule.
 */
const SOFTMAX_SPECS: Readonly<Record<FusedKind, OpSpec<SoftmaxAttrs>>> = {
  softmax: defineOp<SoftmaxAttrs>({
    name: 'softmax',
    family: 'softmax',
    summary: '`exp(x) / sum(exp(x))` along `axis`, computed stably.',
    kind: 'fused',
    backendKernel: 'softmax',
    onnx: onnxNodes(['Softmax'], (ctx) => void ctx.graph.node('Softmax', [ctx.inputs[0]!], ctx.outputs, { axis: ctx.attrs.axis })),
    infer: ([x]) => [{ shape: x!.shape, dtype: x!.dtype }],
    kernel: (b, [x], [o]) => b.softmax!(x!, o!),
    // dx = y·(dy − Σ dy·y): the output is all the rule reads.
    gradient: { saves: { outputs: [0] }, rule: (dy, { outputs: [y], attrs: { axis } }) => [y!.mul(dy.sub(dy.mul(y!).sum(axis, true)))] },
  }),
  logSoftmax: defineOp<SoftmaxAttrs>({
    name: 'logSoftmax',
    family: 'softmax',
    summary: '`x − logSumExp(x)` along `axis`, computed stably.',
    kind: 'fused',
    backendKernel: 'logSoftmax',
    onnx: onnxNodes(['LogSoftmax'], (ctx) => void ctx.graph.node('LogSoftmax', [ctx.inputs[0]!], ctx.outputs, { axis: ctx.attrs.axis })),
    infer: ([x]) => [{ shape: x!.shape, dtype: x!.dtype }],
    kernel: (b, [x], [o]) => b.logSoftmax!(x!, o!),
    // dx = dy − softmax(x)·Σ dy, and softmax(x) = exp(y).
    gradient: { saves: { outputs: [0] }, rule: (dy, { outputs: [y], attrs: { axis } }) => [dy.sub(y!.exp().mul(dy.sum(axis, true)))] },
  }),
};

/** @internal The softmax family's entries of the op table. */
export const softmaxSpecs: readonly AnyOpSpec[] = Object.values(SOFTMAX_SPECS);
