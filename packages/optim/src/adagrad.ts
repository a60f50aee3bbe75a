/** Adagrad. */
import type { Checks, Tensor, Variable } from '@tessera/tensor-core';
import { Optimizer, type ParamGroup, type ParamState, type Params } from './optimizer.js';

/**
 * Hyperparameters of {@link Adagrad} (PyTorch's names in camelCase and its defaults).
 * @example
 * ```ts
 * const opt = new Adagrad(params, { lr: 0.1, initialAccumulatorValue: 0.1 } satisfies Partial<AdagradOptions>);
 * ```
 */
export interface AdagradOptions {
  /** Learning rate. Default `1e-2`. */
  lr: number;
  /** Learning-rate decay η: step t uses `lr / (1 + (t − 1)·η)`. Default `0`. */
  lrDecay: number;
  /** L2 penalty λ added to the gradient. Default `0`. */
  weightDecay: number;
  /** Starting value of the sum of squared gradients. Default `0`. */
  initialAccumulatorValue: number;
  /** Added to the denominator for stability (> 0). Default `1e-10`. */
  eps: number;
  /** Maximize the objective instead of minimizing it. Default `false`. */
  maximize: boolean;
}

const DEFAULTS: AdagradOptions = { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false };

/**
 * Adagrad (Duchi et al., 2011), PyTorch's formulation:
 *
 * ```
 * g ← ∇ (negated when maximize);  g ← g + λ·p           (weightDecay ≠ 0)
 * lrₜ ← lr / (1 + (t − 1)·η)
 * s ← s + g²                                           (s starts at initialAccumulatorValue)
 * p ← p − lrₜ·g / (√s + ε)
 * ```
 *
 * State per parameter: `step`, `sum`.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a negative `lr`, `lrDecay`, `weightDecay` or
 * `initialAccumulatorValue`, or `eps <= 0` (plus the errors of {@link Optimizer}).
 * @example
 * ```ts
 * const opt = new Adagrad(model.parameters(), { lr: 0.1, lrDecay: 1e-4 });
 * opt.step(grads);
 * ```
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  protected readonly bufferNames: readonly string[] = ['sum'];

  constructor(params: Params<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super('Adagrad', params, DEFAULTS, options);
  }

  protected validateOptions(o: AdagradOptions, checks: Checks): void {
    checks.number('lr', o.lr, { min: 0 });
    checks.number('lrDecay', o.lrDecay, { min: 0 });
    checks.number('weightDecay', o.weightDecay, { min: 0 });
    checks.number('initialAccumulatorValue', o.initialAccumulatorValue, { min: 0 });
    checks.number('eps', o.eps, { min: 0, minExclusive: true });
    checks.boolean('maximize', o.maximize);
  }

  protected update(param: Variable, grad: Tensor, state: ParamState, group: ParamGroup<AdagradOptions>): void {
    let g = group.maximize ? grad.neg() : grad;
    if (group.weightDecay !== 0) g = g.add(param.mul(group.weightDecay));
    const clr = group.lr / (1 + (state.step - 1) * group.lrDecay);
    const previous = state.buffers.get('sum');
    const gg = g.mul(g);
    const sum = previous === undefined ? gg.add(group.initialAccumulatorValue) : previous.add(gg);
    this.setBuffer(state, 'sum', sum);
    const std = sum.sqrt().add(group.eps);
    param.assign(param.add(g.mul(-clr).div(std)));
  }
}
