/** OneCycleLR: the 1cycle policy (Smith & Topin, 2018). */
import { describeValue, check, checkOptions, optionKeys, TensorError } from '@tessera/tensor-core';
import { LRScheduler, type AnyOptimizer } from './lr-scheduler.js';

/**
 * Options of {@link OneCycleLR}.
 * @example
 * ```ts
 * new OneCycleLR(opt, { maxLr: [0.01, 0.1], epochs: 10, stepsPerEpoch: 100, threePhase: true });
 * ```
 */
export interface OneCycleLROptions {
  /** Peak learning rate, one for all groups or one per group. */
  maxLr: number | readonly number[];
  /** Length of the cycle in steps. Give this, or `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  /** Number of epochs (with `stepsPerEpoch`: `totalSteps = epochs · stepsPerEpoch`). */
  epochs?: number;
  /** Steps per epoch. */
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the learning rate, in [0, 1]. Default `0.3`. */
  pctStart?: number;
  /** `'cos'` or `'linear'` annealing. Default `'cos'`. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (SGD's `momentum`, Adam's β₁) inversely to the learning rate. Default `true`. */
  cycleMomentum?: boolean;
  /** Lowest momentum (reached at the peak learning rate). Default `0.85`. */
  baseMomentum?: number | readonly number[];
  /** Highest momentum (at the start and end). Default `0.95`. */
  maxMomentum?: number | readonly number[];
  /** Initial learning rate is `maxLr / divFactor`. Default `25`. */
  divFactor?: number;
  /** Final learning rate is `initial / finalDivFactor`. Default `1e4`. */
  finalDivFactor?: number;
  /** Three phases (up, back down to the initial rate, then down to the final rate) instead of two. Default `false`. */
  threePhase?: boolean;
}

interface Phase {
  endStep: number;
  startLr: 'initial' | 'max' | 'min';
  endLr: 'initial' | 'max' | 'min';
  startMomentum: 'max' | 'base';
  endMomentum: 'max' | 'base';
}

/**
 * The 1cycle learning-rate policy, as `torch.optim.lr_scheduler.OneCycleLR`: the learning rate
 * rises from `maxLr / divFactor` to `maxLr` over the first `pctStart` of the cycle, then anneals
 * to `initial / finalDivFactor`; the momentum moves the opposite way between `maxMomentum` and
 * `baseMomentum`. Step once per batch, `totalSteps` times at most.
 *
 * Construction overwrites each group's `initialLr` (and its `momentum` or `betas[0]` when
 * cycling momentum), as PyTorch does.
 *
 * @throws TensorError `INVALID_ARGUMENT` for missing or invalid lengths, fractions, factors or
 * per-group lists of the wrong length, `cycleMomentum` with an optimizer without momentum or
 * betas, and stepping more than `totalSteps` times.
 * @example
 * ```ts
 * const scheduler = new OneCycleLR(opt, { maxLr: 0.1, epochs: 10, stepsPerEpoch: loader.length });
 * ```
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  readonly annealStrategy: 'cos' | 'linear';
  readonly cycleMomentum: boolean;
  readonly #phases: Phase[];
  readonly #lrs: { initial: number[]; max: number[]; min: number[] };
  readonly #momentum: { max: number[]; base: number[] };
  readonly #useBeta1: boolean;

  constructor(optimizer: AnyOptimizer, options: OneCycleLROptions) {
    super('OneCycleLR', optimizer);
    const op = 'OneCycleLR';
    if (options === null || typeof options !== 'object') throw new TensorError('INVALID_ARGUMENT', op, `options must be an object, got ${describeValue(options)}`);
    const checks = check.all(op);
    checks.options(options, optionKeys<OneCycleLROptions>({ maxLr: true, totalSteps: true, epochs: true, stepsPerEpoch: true, pctStart: true, annealStrategy: true, cycleMomentum: true, baseMomentum: true, maxMomentum: true, divFactor: true, finalDivFactor: true, threePhase: true }));
    if (options.totalSteps !== undefined) {
      this.totalSteps = checks.int('totalSteps', options.totalSteps, { min: 1 });
    } else if (options.epochs !== undefined || options.stepsPerEpoch !== undefined) {
      this.totalSteps = checks.int('epochs', options.epochs, { min: 1 }) * checks.int('stepsPerEpoch', options.stepsPerEpoch, { min: 1 });
    } else {
      this.totalSteps = 1;
      checks.fail('INVALID_ARGUMENT', 'options: give totalSteps, or epochs and stepsPerEpoch', 'totalSteps');
    }
    const pctStart = checks.number('pctStart', options.pctStart ?? 0.3, { min: 0, max: 1 });
    this.annealStrategy = checks.oneOf('annealStrategy', options.annealStrategy ?? 'cos', ['cos', 'linear'] as const);
    const divFactor = checks.number('divFactor', options.divFactor ?? 25, { min: 0, minExclusive: true });
    const finalDivFactor = checks.number('finalDivFactor', options.finalDivFactor ?? 1e4, { min: 0, minExclusive: true });
    const threePhase = checks.boolean('threePhase', options.threePhase ?? false);
    this.cycleMomentum = checks.boolean('cycleMomentum', options.cycleMomentum ?? true);
    checks.done();
    const total = this.totalSteps;
    this.#phases = threePhase
      ? [
          { endStep: pctStart * total - 1, startLr: 'initial', endLr: 'max', startMomentum: 'max', endMomentum: 'base' },
          { endStep: 2 * pctStart * total - 2, startLr: 'max', endLr: 'initial', startMomentum: 'base', endMomentum: 'max' },
          { endStep: total - 1, startLr: 'initial', endLr: 'min', startMomentum: 'max', endMomentum: 'max' },
        ]
      : [
          { endStep: pctStart * total - 1, startLr: 'initial', endLr: 'max', startMomentum: 'max', endMomentum: 'base' },
          { endStep: total - 1, startLr: 'max', endLr: 'min', startMomentum: 'base', endMomentum: 'max' },
        ];
    // Validate everything before writing to the groups.
    this.#useBeta1 = 'betas' in optimizer.defaults;
    this.#momentum = { max: [], base: [] };
    if (this.cycleMomentum) {
      if (!this.#useBeta1 && !('momentum' in optimizer.defaults)) {
        throw new TensorError('INVALID_ARGUMENT', op, 'cycleMomentum needs an optimizer with momentum or betas (SGD, RMSprop, Adam, ...); pass cycleMomentum: false');
      }
      this.#momentum.max = this.#perGroup('maxMomentum', options.maxMomentum ?? 0.95, 0);
      this.#momentum.base = this.#perGroup('baseMomentum', options.baseMomentum ?? 0.85, 0);
    }
    const maxLrs = this.#perGroup('maxLr', options.maxLr, 0);
    const initial = maxLrs.map((m) => m / divFactor);
    this.#lrs = { initial, max: maxLrs, min: initial.map((lr) => lr / finalDivFactor) };
    this.groups.forEach((g, i) => {
      g.initialLr = initial[i]!;
    });
    this.baseLrs = [...initial];
    if (this.cycleMomentum) this.#setMomentum(this.#momentum.max);

    this.initialStep();
  }

  #perGroup(name: string, value: unknown, min: number): number[] {
    const n = this.groups.length;
    if (Array.isArray(value)) {
      if (value.length !== n) throw new TensorError('INVALID_ARGUMENT', 'OneCycleLR', `options: ${name} has ${value.length} values, the optimizer has ${n} parameter groups`);
      return value.map((v, i) => check.number('OneCycleLR', `${name}[${i}]`, v, { min: min }));
    }
    const v = check.number('OneCycleLR', name, value, { min: min });
    return this.groups.map(() => v);
  }

  #setMomentum(values: readonly number[]): void {
    this.groups.forEach((g, i) => {
      if (this.#useBeta1) g.betas = [values[i]!, (g.betas as readonly number[])[1]!];
      else g.momentum = values[i]!;
    });
  }

  #anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'cos') return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
    return (end - start) * pct + start;
  }

  protected computeLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new TensorError('INVALID_ARGUMENT', 'OneCycleLR.step', `tried to step ${stepNum + 1} times; the cycle has totalSteps=${this.totalSteps}`);
    }
    const lrs: number[] = [];
    const momenta: number[] = [];
    this.groups.forEach((_g, i) => {
      let startStep = 0;
      for (let p = 0; p < this.#phases.length; p++) {
        const phase = this.#phases[p]!;
        if (stepNum <= phase.endStep || p === this.#phases.length - 1) {
          const pct = (stepNum - startStep) / (phase.endStep - startStep);
          lrs.push(this.#anneal(this.#lrs[phase.startLr][i]!, this.#lrs[phase.endLr][i]!, pct));
          if (this.cycleMomentum) momenta.push(this.#anneal(this.#momentum[phase.startMomentum][i]!, this.#momentum[phase.endMomentum][i]!, pct));
          break;
        }
        startStep = phase.endStep;
      }
    });
    if (this.cycleMomentum) this.#setMomentum(momenta);
    return lrs;
  }
}
