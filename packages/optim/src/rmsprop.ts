/** RMSprop (centered, with momentum). */
import type { Checks, Tensor, Variable } from '@tessera/tensor-core';
import { Optimizer, type ParamGroup, type ParamState, type Params } from './optimizer.js';

/**
 * Hyperparameters of {@link RMSprop} (PyTorch's names in camelCase and its defaults).
 * @example
 * ```ts
 * new RMSprop(params, { lr: 1e-3, alpha: 0.9, centered: true } satisfies Partial<RMSpropOptions>);
 * ```
 */
export interface RMSpropOptions {
  /** Learning rate. Default `1e-2`. */
  lr: number;
  /** Smoothing constant α of the squared-gradient average. Default `0.99`. */
  alpha: number;
  /** Added to the denominator for stability (> 0). Default `1e-8`. */
  eps: number;
  /** L2 penalty λ added to the gradient. Default `0`. */
  weightDecay: number;
  /** Momentum factor μ. Default `0`. */
  momentum: number;
  /** Normalize by the estimated variance of the gradient instead of its second moment. Default `false`. */
  centered: boolean;
  /** Maximize the objective instead of minimizing it. Default `false`. */
  maximize: boolean;
}

const DEFAULTS: RMSpropOptions = { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false };

/**
 * RMSprop (Hinton), PyTorch's formulation:
 *
 * ```
 * g ← ∇ (negated when maximize);  g ← g + λ·p           (weightDecay ≠ 0)
 * v ← α·v + (1 − α)·g²
 * centered: ḡ ← α·ḡ + (1 − α)·g;  d ← √(v − ḡ²) + ε;   else d ← √v + ε
 * momentum: b ← μ·b + g / d;  p ← p − lr·b;            else p ← p − lr·g / d
 * ```
 *
 * State per parameter: `step`, `squareAvg`, `momentumBuffer` (momentum > 0), `gradAvg` (centered).
 *
 * @throws TensorError `INVALID_ARGUMENT` for a negative `lr`, `alpha`, `momentum` or
 * `weightDecay`, or `eps <= 0` (plus the errors of {@link Optimizer}).
 * @example
 * ```ts
 * const opt = new RMSprop(model.parameters(), { lr: 1e-3, centered: true, momentum: 0.9 });
 * opt.step(grads);
 * ```
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  protected readonly bufferNames: readonly string[] = ['squareAvg', 'momentumBuffer', 'gradAvg'];

  constructor(params: Params<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super('RMSprop', params, DEFAULTS, options);
  }

  protected validateOptions(o: RMSpropOptions, checks: Checks): void {
    checks.number('lr', o.lr, { min: 0 });
    checks.number('alpha', o.alpha, { min: 0 });
    checks.number('eps', o.eps, { min: 0, minExclusive: true });
    checks.number('weightDecay', o.weightDecay, { min: 0 });
    checks.number('momentum', o.momentum, { min: 0 });
    checks.boolean('centered', o.centered);
    checks.boolean('maximize', o.maximize);
  }

  protected update(param: Variable, grad: Tensor, state: ParamState, group: ParamGroup<RMSpropOptions>): void {
    const { alpha, eps, lr, momentum } = group;
    let g = group.maximize ? grad.neg() : grad;
    if (group.weightDecay !== 0) g = g.add(param.mul(group.weightDecay));
    const gg = g.mul(1 - alpha).mul(g);
    const previousSquare = state.buffers.get('squareAvg');
    const squareAvg = previousSquare === undefined ? gg : previousSquare.mul(alpha).add(gg);
    this.setBuffer(state, 'squareAvg', squareAvg);
    let avg: Tensor;
    if (group.centered) {
      const previousGrad = state.buffers.get('gradAvg');
      const gradAvg = previousGrad === undefined ? g.mul(1 - alpha) : previousGrad.mul(alpha).add(g.mul(1 - alpha));
      this.setBuffer(state, 'gradAvg', gradAvg);
      avg = squareAvg.sub(gradAvg.mul(gradAvg)).sqrt();
    } else {
      avg = squareAvg.sqrt();
    }
    avg = avg.add(eps);
    if (momentum > 0) {
      const previous = state.buffers.get('momentumBuffer');
      const step = g.div(avg);
      const buffer = previous === undefined ? step : previous.mul(momentum).add(step);
      this.setBuffer(state, 'momentumBuffer', buffer);
      param.assign(param.sub(buffer.mul(lr)));
    } else {
      param.assign(param.add(g.mul(-lr).div(avg)));
    }
  }
}
