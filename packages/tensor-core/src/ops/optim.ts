/**
 * Fused optimizer updates: one Adam/AdamW step over a parameter and its moment estimates. The
 * backend's `adamUpdate` kernel runs it when present (one dispatch on WebGPU instead of about
 * fifteen); otherwise a composite of elementwise ops computes the same numbers in the same
 * float order. Optimizer updates are not differentiable: the op runs unobserved.
 */
import type { AdamHyperparameters } from '../backend.js';
import { adamScalars } from '../backend-utils.js';
import { assertLive, runKernel, unobserved } from '../engine.js';
import { defineOp, type AnyOpSpec } from '../op-spec.js';
import { TensorError, fmtShape } from '../errors.js';
import { checkOptions, optionKeys } from '../options.js';
import { Tensor } from '../tensor.js';
import { zerosLike } from './creation.js';
import { disposeAll, requireFloat } from './util.js';

/** Options of {@link adamStep}: PyTorch's Adam/AdamW hyperparameters and the step count. */
export interface AdamStepOptions {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** L2 penalty (Adam) or decoupled decay (AdamW). Default 0. */
  readonly weightDecay?: number;
  /** AdamW's decoupled decay. Default false. */
  readonly decoupled?: boolean;
  /** Negate the gradient. Default false. */
  readonly maximize?: boolean;
  /** Use the running maximum of the second moment (AMSGrad). Default false. */
  readonly amsgrad?: boolean;
  /** The step count of this update, from 1. */
  readonly step: number;
  /** AMSGrad: the maximum second moment so far (undefined at the first step). */
  readonly maxExpAvgSq?: Tensor;
}

/** What {@link adamStep} returns: new tensors the caller owns. */
export interface AdamStepResult {
  readonly param: Tensor;
  readonly expAvg: Tensor;
  readonly expAvgSq: Tensor;
  /** With `amsgrad` only. */
  readonly maxExpAvgSq?: Tensor;
}

/**
 * One Adam/AdamW update in PyTorch's single-tensor formulation (float32 rounding in the same
 * order): returns the new parameter and moment estimates as new tensors; `expAvg` and
 * `expAvgSq` undefined mean zeros (the first step). Runs the backend's fused `adamUpdate` kernel
 * when it has one (not with AMSGrad), else a composite. Not recorded by autograd.
 *
 * @throws TensorError `SHAPE_MISMATCH` / `DTYPE_MISMATCH` when the tensors differ in shape or
 *   dtype or are not float; `INVALID_ARGUMENT` for a non-finite hyperparameter or a step below 1.
 * @example
 * ```ts
 * const r = adamStep(w, g, undefined, undefined, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 1 });
 * w.assign(r.param); // r.expAvg, r.expAvgSq: the new moments
 * ```
 */
export function adamStep(param: Tensor, grad: Tensor, expAvg: Tensor | undefined, expAvgSq: Tensor | undefined, options: AdamStepOptions): AdamStepResult {
  checkOptions('adamStep', options, optionKeys<AdamStepOptions>({ lr: true, beta1: true, beta2: true, eps: true, weightDecay: true, decoupled: true, maximize: true, amsgrad: true, step: true, maxExpAvgSq: true }));
  const op = 'adamStep';
  const tensors: Array<[string, Tensor | undefined]> = [['param', param], ['grad', grad], ['expAvg', expAvg], ['expAvgSq', expAvgSq], ['maxExpAvgSq', options.maxExpAvgSq]];
  for (const [name, t] of tensors) {
    if (t === undefined && name !== 'param' && name !== 'grad') continue;
    if (!(t instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', op, `${name} must be a Tensor, got ${typeof t}`);
    assertLive(t, op);
    requireFloat(op, t);
    if (t.dtype !== param.dtype) throw new TensorError('DTYPE_MISMATCH', op, `${name} has dtype ${t.dtype}, param has ${param.dtype}`);
    if (t.shape.length !== param.shape.length || t.shape.some((d, i) => d !== param.shape[i])) {
      throw new TensorError('SHAPE_MISMATCH', op, `${name}.shape=${fmtShape(t.shape)} must equal param.shape=${fmtShape(param.shape)}`);
    }
  }
  for (const key of ['lr', 'beta1', 'beta2', 'eps'] as const) {
    const v = options[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new TensorError('INVALID_ARGUMENT', op, `${key} must be a finite number, got ${String(v)}`);
  }
  const weightDecay = options.weightDecay ?? 0;
  if (typeof weightDecay !== 'number' || !Number.isFinite(weightDecay)) throw new TensorError('INVALID_ARGUMENT', op, `weightDecay must be a finite number, got ${String(weightDecay)}`);
  if (!Number.isInteger(options.step) || options.step < 1) throw new TensorError('INVALID_ARGUMENT', op, `step must be an integer >= 1, got ${String(options.step)}`);
  const hyper: AdamHyperparameters = {
    lr: options.lr,
    beta1: options.beta1,
    beta2: options.beta2,
    eps: options.eps,
    weightDecay,
    decoupled: options.decoupled ?? false,
    maximize: options.maximize ?? false,
    step: options.step,
  };
  const amsgrad = options.amsgrad ?? false;
  return unobserved(() => {
    if (amsgrad || !param.backend.adamUpdate) return adamComposite(param, grad, expAvg, expAvgSq, hyper, amsgrad, options.maxExpAvgSq);
    const temps: Tensor[] = [];
    try {
      const zero = (): Tensor => {
        const z = zerosLike(param);
        temps.push(z);
        return z;
      };
      const m0 = expAvg ?? zero();
      // Both moments start at zero: one zero tensor serves both (read-only inputs).
      const v0 = expAvgSq ?? (expAvg === undefined ? m0 : zero());
      const spec = { shape: [...param.shape], dtype: param.dtype };
      const [p, m, v] = runKernel(adamStepSpec, [param, grad, m0, v0], { hyper }, [spec, spec, spec], (backend, [pi, gi, mi, vi], [po, mo, vo]) =>
        backend.adamUpdate!(pi!, gi!, mi!, vi!, hyper, po!, mo!, vo!),
      );
      return { param: p!, expAvg: m!, expAvgSq: v! };
    } finally {
      disposeAll(temps);
    }
  });
}

/** The composite: elementwise ops in the order of PyTorch's single-tensor Adam (moments start at zero). */
function adamComposite(
  param: Tensor,
  grad: Tensor,
  m0: Tensor | undefined,
  v0: Tensor | undefined,
  hyper: AdamHyperparameters,
  amsgrad: boolean,
  previousMax: Tensor | undefined,
): AdamStepResult {
  const c = adamScalars(hyper);
  const temps: Tensor[] = [];
  const t = (x: Tensor): Tensor => {
    temps.push(x);
    return x;
  };
  try {
    let g = hyper.maximize ? t(grad.neg()) : grad;
    let p = param;
    if (hyper.weightDecay !== 0) {
      if (hyper.decoupled) p = t(p.mul(c.decay));
      else g = t(g.add(t(p.mul(c.l2))));
    }
    const m = m0 === undefined ? g.mul(c.oneMinusBeta1) : t(m0.mul(c.beta1)).add(t(g.mul(c.oneMinusBeta1)));
    const gg = t(g.mul(c.oneMinusBeta2)).mul(g);
    const v = v0 === undefined ? gg : t(v0.mul(c.beta2)).add(t(gg));
    let second = v;
    let max: Tensor | undefined;
    if (amsgrad) {
      // A view, so that the result holds two tensors (the caller disposes each).
      max = previousMax === undefined ? v.reshape([...v.shape]) : previousMax.maximum(v);
      second = max;
    }
    const denom = t(t(t(second.sqrt()).div(c.sqrtBiasCorrection2)).add(c.eps));
    const next = p.add(t(t(m.mul(c.negStepSize)).div(denom)));
    return { param: next, expAvg: m, expAvgSq: v, ...(max ? { maxExpAvgSq: max } : {}) };
  } finally {
    disposeAll(temps);
  }
}

// ---------------------------------------------------------------- op table

/** Attributes of `adamStep`. */
export interface AdamStepAttrs {
  readonly hyper: AdamHyperparameters;
}

const adamStepSpec = defineOp<AdamStepAttrs>({
  name: 'adamStep',
  family: 'optim',
  summary: 'One fused Adam/AdamW update of a parameter and its two moments (optimizer updates are not differentiated).',
  kind: 'fused',
  backendKernel: 'adamUpdate',
  gradient: 'none',
});

/** @internal The optim family's entries of the op table. */
export const optimSpecs: readonly AnyOpSpec[] = [adamStepSpec];
