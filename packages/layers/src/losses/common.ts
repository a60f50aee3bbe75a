/**
 * What the loss functions share besides tensor-core's checking kit: the reduction step, its
 * choices, and the dtype two float tensors compute in.
 */
import type { Checks, DType, Tensor } from '@tessera/tensor-core';

/** How a loss reduces its per-element values: their mean (default), their sum, or none (same shape as the elements). */
export type Reduction = 'mean' | 'sum' | 'none';

/** @internal The reductions every loss accepts. */
export const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

/** @internal The dtype two float tensors compute in. */
export function floatDtypeOf(a: Tensor, b: Tensor): DType {
  return a.dtype === 'float64' || b.dtype === 'float64' ? 'float64' : 'float32';
}

/** @internal Applies `reduction` to per-element losses (call inside `tidy`). */
export function reduce(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return loss;
  return reduction === 'sum' ? loss.sum() : loss.mean();
}

/**
 * @internal The checks an elementwise loss starts with, recorded into `checks` (the caller calls
 * `done()`): its options, both tensors live and float, equal shapes, and the reduction.
 */
export function checkLossInputs(checks: Checks, options: unknown, validKeys: readonly string[], prediction: unknown, target: unknown, targetHint = ''): Reduction {
  const o = checks.options(options as { reduction?: unknown } | undefined, validKeys);
  const input = checks.tensor('input', prediction);
  const labels = checks.tensor('target', target);
  if (input !== undefined) checks.dtype('input', input, 'float');
  if (labels !== undefined) checks.dtype('target', labels, 'float', targetHint);
  if (input !== undefined && labels !== undefined) checks.sameShape(['input', 'target'], input, labels);
  return checks.oneOf('reduction', o.reduction ?? 'mean', REDUCTIONS);
}

/** @internal An optional float tensor that broadcasts to `shape` (a per-element weight), recorded into `checks`. */
export function checkWeight(checks: Checks, name: string, value: unknown, shape: readonly number[] | undefined): void {
  if (value === undefined) return;
  const w = checks.tensor(name, value);
  if (w !== undefined && checks.dtype(name, w, 'float') && shape !== undefined) checks.broadcastsTo(name, w, shape);
}
