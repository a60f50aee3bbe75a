/** Adam and AdamW (with AMSGrad). */
import { adamStep, type Checks, type Tensor, type Variable } from '@tessera/tensor-core';
import { Optimizer, checkBetas, type ParamGroup, type ParamState, type Params } from './optimizer.js';

/**
 * Hyperparameters of {@link Adam} and {@link AdamW} (PyTorch's names in camelCase).
 * @example
 * ```ts
 * const options: Partial<AdamOptions> = { lr: 3e-4, betas: [0.9, 0.95], weightDecay: 0.1 };
 * const opt = new AdamW(params, options);
 * ```
 */
export interface AdamOptions {
  /** Learning rate. Default `1e-3`. */
  lr: number;
  /** Decay rates [β₁, β₂] of the first and second moment estimates, each in [0, 1). Default `[0.9, 0.999]`. */
  betas: readonly [number, number];
  /** Added to the denominator for stability (> 0). Default `1e-8`. */
  eps: number;
  /** Adam: L2 penalty added to the gradient; AdamW: decoupled decay `p ← p·(1 − lr·λ)`. Default `0` (Adam), `1e-2` (AdamW). */
  weightDecay: number;
  /** Use the maximum of all second-moment estimates so far (AMSGrad). Default `false`. */
  amsgrad: boolean;
  /** Maximize the objective instead of minimizing it. Default `false`. */
  maximize: boolean;
}

const ADAM_DEFAULTS: AdamOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false };
const BUFFERS: readonly string[] = ['expAvg', 'expAvgSq', 'maxExpAvgSq'];

/** Records the failures of Adam's and AdamW's hyperparameters into the call's collector. */
function validate(o: AdamOptions, checks: Checks): void {
  checks.number('lr', o.lr, { min: 0 });
  checkBetas(checks, o.betas);
  checks.number('eps', o.eps, { min: 0, minExclusive: true });
  checks.number('weightDecay', o.weightDecay, { min: 0 });
  checks.boolean('amsgrad', o.amsgrad);
  checks.boolean('maximize', o.maximize);
}

/**
 * One Adam/AdamW update with tensor-core's `adamStep`: the backend's fused `adamUpdate` kernel
 * when it has one (one dispatch per parameter on WebGPU), else a composite in the order of
 * PyTorch's single-tensor implementation (so float32 rounding matches): scalars are computed in
 * float64 and rounded once when they meet a tensor. AMSGrad always takes the composite.
 */
function adamUpdate(
  param: Variable,
  grad: Tensor,
  state: ParamState,
  group: AdamOptions,
  decoupled: boolean,
  setBuffer: (state: ParamState, name: string, value: Tensor) => void,
): void {
  const [beta1, beta2] = group.betas;
  const previousMax = state.buffers.get('maxExpAvgSq');
  const r = adamStep(param, grad, state.buffers.get('expAvg'), state.buffers.get('expAvgSq'), {
    lr: group.lr,
    beta1,
    beta2,
    eps: group.eps,
    weightDecay: group.weightDecay,
    decoupled,
    maximize: group.maximize,
    amsgrad: group.amsgrad,
    step: state.step,
    ...(previousMax ? { maxExpAvgSq: previousMax } : {}),
  });
  setBuffer(state, 'expAvg', r.expAvg);
  setBuffer(state, 'expAvgSq', r.expAvgSq);
  if (r.maxExpAvgSq) setBuffer(state, 'maxExpAvgSq', r.maxExpAvgSq);
  param.assign(r.param);
}

/**
 * Adam (Kingma & Ba, 2015) with optional AMSGrad, PyTorch's formulation:
 *
 * ```
 * g ← ∇ (negated when maximize);  g ← g + λ·p           (weightDecay ≠ 0)
 * m ← β₁·m + (1 − β₁)·g;   v ← β₂·v + (1 − β₂)·g²       (m, v start at 0)
 * v̂ ← max(v̂, v) if amsgrad, else v
 * p ← p − (lr / (1 − β₁ᵗ)) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
 * ```
 *
 * State per parameter: `step`, `expAvg`, `expAvgSq`, and `maxExpAvgSq` with AMSGrad.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a negative `lr` or `weightDecay`, betas outside
 * [0, 1), or `eps <= 0` (plus the errors of {@link Optimizer}).
 * @example
 * ```ts
 * const opt = new Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.999] });
 * opt.step(grads);
 * ```
 */
export class Adam extends Optimizer<AdamOptions> {
  protected readonly bufferNames: readonly string[] = BUFFERS;

  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('Adam', params, ADAM_DEFAULTS, options);
  }

  protected validateOptions(o: AdamOptions, checks: Checks): void {
    validate(o, checks);
  }

  protected update(param: Variable, grad: Tensor, state: ParamState, group: ParamGroup<AdamOptions>): void {
    adamUpdate(param, grad, state, group, false, (s, n, v) => this.setBuffer(s, n, v));
  }
}

/**
 * AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay, applied to the parameter
 * before the Adam step: `p ← p·(1 − lr·λ)`, then the update of {@link Adam} without the L2 term.
 * Default `weightDecay` is `1e-2`.
 *
 * @throws TensorError as {@link Adam}.
 * @example
 * ```ts
 * const opt = new AdamW(model.parameters(), { lr: 3e-4, weightDecay: 0.05 });
 * opt.step(grads);
 * ```
 */
export class AdamW extends Optimizer<AdamOptions> {
  protected readonly bufferNames: readonly string[] = BUFFERS;

  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('AdamW', params, { ...ADAM_DEFAULTS, weightDecay: 1e-2 }, options);
  }

  protected validateOptions(o: AdamOptions, checks: Checks): void {
    validate(o, checks);
  }

  protected update(param: Variable, grad: Tensor, state: ParamState, group: ParamGroup<AdamOptions>): void {
    adamUpdate(param, grad, state, group, true, (s, n, v) => this.setBuffer(s, n, v));
  }
}
