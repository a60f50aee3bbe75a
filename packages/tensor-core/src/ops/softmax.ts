/**
 * softmax and logSoftmax: the fused kernel when the backend has one, a composite otherwise, observed
 * as one op (`{ axis }`) whichever path computed it.
 */
import { asOneOp, runKernel } from '../engine.js';
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
  const spec = [{ shape: [...x.shape], dtype: x.dtype }];
  const last = a === x.rank - 1;
  const fused = x.backend[kind];
  if (x.size === 0 || (fused && last)) {
    return runKernel(kind, [x], attrs, spec, (backend, [xi], [o]) => backend[kind]!(xi!, o!))[0]!;
  }
  // One observed op either way, so autograd needs one rule per op, whichever path ran.
  return asOneOp(kind, [x], attrs, () => [
    withTemps((temps) => {
      if (fused) {
        const perm = Array.from({ length: x.rank }, (_, i) => i);
        perm.splice(a, 1);
        perm.push(a);
        const inverse = perm.map((_, i) => perm.indexOf(i));
        const moved = permute(x, perm);
        temps.push(moved);
        const [y] = runKernel(kind, [moved], { axis: x.rank - 1 }, spec.map(() => ({ shape: [...moved.shape], dtype: x.dtype })), (backend, [xi], [o]) => backend[kind]!(xi!, o!));
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
