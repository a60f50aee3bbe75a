/** Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay. */
import type { Checks, Tensor, Variable } from '@tessera/tensor-core';
import { Optimizer, type ParamGroup, type ParamState, type Params } from './optimizer.js';

/**
 * Hyperparameters of {@link SGD} (PyTorch's names in camelCase and its defaults).
 * @example
 * ```ts
 * new SGD(params, { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 } satisfies Partial<SGDOptions>);
 * ```
 */
export interface SGDOptions {
  /** Learning rate. Default `1e-3`. */
  lr: number;
  /** Momentum factor μ. Default `0` (plain SGD). */
  momentum: number;
  /** Dampening τ of the momentum. Default `0`. */
  dampening: number;
  /** L2 penalty λ added to the gradient. Default `0`. */
  weightDecay: number;
  /** Nesterov momentum (needs `momentum > 0` and `dampening === 0`). Default `false`. */
  nesterov: boolean;
  /** Maximize the objective instead of minimizing it. Default `false`. */
  maximize: boolean;
}

const DEFAULTS: SGDOptions = { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };

/**
 * Stochastic gradient descent, PyTorch's formulation:
 *
 * ```
 * g ← ∇ (negated when maximize);  g ← g + λ·p           (weightDecay ≠ 0)
 * b ← g at the first step, else μ·b + (1 − τ)·g        (momentum ≠ 0)
 * g ← g + μ·b if nesterov, else b
 * p ← p − lr·g
 * ```
 *
 * State per parameter: `momentumBuffer` (only when `momentum ≠ 0`).
 *
 * @throws TensorError `INVALID_ARGUMENT` for negative `lr`, `momentum` or `weightDecay`, or
 * `nesterov` without momentum or with dampening (plus the errors of {@link Optimizer}).
 * @example
 * ```ts
 * const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true });
 * const grads = backward(loss);
 * opt.step(grads);
 * dispose(grads);
 * ```
 */
export class SGD extends Optimizer<SGDOptions> {
  protected readonly bufferNames: readonly string[] = ['momentumBuffer'];

  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super('SGD', params, DEFAULTS, options);
  }

  protected validateOptions(o: SGDOptions, checks: Checks): void {
    checks.number('lr', o.lr, { min: 0 });
    checks.number('momentum', o.momentum, { min: 0 });
    checks.number('dampening', o.dampening);
    checks.number('weightDecay', o.weightDecay, { min: 0 });
    checks.boolean('nesterov', o.nesterov);
    checks.boolean('maximize', o.maximize);
    if (o.nesterov === true && (o.momentum <= 0 || o.dampening !== 0)) {
      checks.fail('INVALID_ARGUMENT', `nesterov momentum needs momentum > 0 and dampening = 0, got momentum=${o.momentum}, dampening=${o.dampening}`, 'nesterov');
    }
  }

  protected update(param: Variable, grad: Tensor, state: ParamState, group: ParamGroup<SGDOptions>): void {
    let g = group.maximize ? grad.neg() : grad;
    if (group.weightDecay !== 0) g = g.add(param.mul(group.weightDecay));
    if (group.momentum !== 0) {
      const previous = state.buffers.get('momentumBuffer');
      const buffer = previous === undefined ? g : previous.mul(group.momentum).add(g.mul(1 - group.dampening));
      this.setBuffer(state, 'momentumBuffer', buffer);
      g = group.nesterov ? g.add(buffer.mul(group.momentum)) : buffer;
    }
    param.assign(param.sub(g.mul(group.lr)));
  }
}
