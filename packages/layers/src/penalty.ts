/** Weight penalties (regularizers) to add to a loss. */
import { Tensor, TensorError, scalar, tidy } from '@tessera/tensor-core';

function checkArgs(op: string, params: Iterable<Tensor>, lambda: number): Tensor[] {
  if (typeof lambda !== 'number' || !Number.isFinite(lambda) || lambda < 0) {
    throw new TensorError('INVALID_ARGUMENT', op, `lambda must be a non-negative finite number, got ${JSON.stringify(lambda)}`);
  }
  if (params === null || typeof params !== 'object' || !(Symbol.iterator in params)) {
    throw new TensorError('INVALID_ARGUMENT', op, 'params must be an iterable of tensors (e.g. model.parameters())');
  }
  const list = [...params];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', op, `params[${i}] is not a Tensor`);
  });
  return list;
}

function penalty(op: string, params: Iterable<Tensor>, lambda: number, term: (p: Tensor) => Tensor): Tensor {
  const list = checkArgs(op, params, lambda);
  return tidy(() => {
    if (list.length === 0) return scalar(0);
    let total = term(list[0]!).sum();
    for (const p of list.slice(1)) total = total.add(term(p).sum());
    return total.mul(lambda);
  });
}

/**
 * The L1 penalty `lambda · Σ|p|` over `params`, a scalar to add to the loss (differentiable; pick
 * the parameters, e.g. only weights). An empty list gives 0.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a negative or non-finite lambda or a non-tensor.
 * @example
 * ```ts
 * const weights = model.namedParameters().filter(([n]) => n.endsWith('weight')).map(([, p]) => p);
 * const loss = mseLoss(model.forward(x), y).add(l1Penalty(weights, 1e-4));
 * ```
 */
export function l1Penalty(params: Iterable<Tensor>, lambda: number): Tensor {
  return penalty('l1Penalty', params, lambda, (p) => p.abs());
}

/**
 * The L2 penalty `lambda · Σp²` over `params` (Keras's `l2` convention, no ½; SGD's
 * `weightDecay: wd` equals `lambda = wd / 2`). A scalar to add to the loss.
 *
 * @throws TensorError as {@link l1Penalty}.
 * @example
 * ```ts
 * const loss = mseLoss(model.forward(x), y).add(l2Penalty(model.parameters(), 1e-4));
 * ```
 */
export function l2Penalty(params: Iterable<Tensor>, lambda: number): Tensor {
  return penalty('l2Penalty', params, lambda, (p) => p.square());
}
