/** Lion. */
import type { Checks, Tensor, Variable } from '@tessera/tensor-core';
import { Optimizer, checkBetas, type ParamGroup, type ParamState, type Params } from './optimizer.js';

/**
 * Hyperparameters of {@link Lion}.
 * @example
 * ```ts
 * const opt = new Lion(params, { lr: 3e-5, weightDecay: 1 } satisfies Partial<LionOptions>);
 * ```
 */
export interface LionOptions {
  /** Learning rate (typically 3–10× smaller than AdamW's). Default `1e-4`. */
  lr: number;
  /** `[β₁, β₂]`: interpolation for the update direction and decay of the momentum, each in [0, 1). Default `[0.9, 0.99]`. */
  betas: readonly [number, number];
  /** Decoupled weight decay λ: `p ← p·(1 − lr·λ)` (typically 3–10× larger than AdamW's). Default `0`. */
  weightDecay: number;
  /** Maximize the objective instead of minimizing it. Default `false`. */
  maximize: boolean;
}

const DEFAULTS: LionOptions = { lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0, maximize: false };

/**
 * Lion, "EvoLved Sign Momentum" (Chen et al., 2023, Algorithm 2):
 *
 * ```
 * g ← ∇ (negated when maximize)
 * p ← p·(1 − lr·λ)
 * p ← p − lr·sign(β₁·m + (1 − β₁)·g)
 * m ← β₂·m + (1 − β₂)·g                                (m starts at 0)
 * ```
 *
 * Not part of torch.optim; the reference trajectories come from a transcription of the paper's
 * algorithm (see `scripts/generate-fixtures.py`). State per parameter: `step`, `expAvg`.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a negative `lr` or `weightDecay`, or betas outside
 * [0, 1) (plus the errors of {@link Optimizer}).
 * @example
 * ```ts
 * const opt = new Lion(model.parameters(), { lr: 1e-4, weightDecay: 0.1 });
 * opt.step(grads);
 * ```
 */
export class Lion extends Optimizer<LionOptions> {
  protected readonly bufferNames: readonly string[] = ['expAvg'];

  constructor(params: Params<LionOptions>, options: Partial<LionOptions> = {}) {
    super('Lion', params, DEFAULTS, options);
  }

  protected validateOptions(o: LionOptions, checks: Checks): void {
    checks.number('lr', o.lr, { min: 0 });
    checkBetas(checks, o.betas);
    checks.number('weightDecay', o.weightDecay, { min: 0 });
    checks.boolean('maximize', o.maximize);
  }

  protected update(param: Variable, grad: Tensor, state: ParamState, group: ParamGroup<LionOptions>): void {
    const [beta1, beta2] = group.betas;
    const g = group.maximize ? grad.neg() : grad;
    let p: Tensor = param;
    if (group.weightDecay !== 0) p = p.mul(1 - group.lr * group.weightDecay);
    const previous = state.buffers.get('expAvg');
    const direction = (previous === undefined ? g.mul(1 - beta1) : previous.mul(beta1).add(g.mul(1 - beta1))).sign();
    param.assign(p.add(direction.mul(-group.lr)));
    this.setBuffer(state, 'expAvg', previous === undefined ? g.mul(1 - beta2) : previous.mul(beta2).add(g.mul(1 - beta2)));
  }
}
