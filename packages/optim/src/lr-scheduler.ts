/**
 * Learning-rate schedulers that follow a fixed schedule: the `LRScheduler` base class and
 * StepLR, MultiStepLR, ExponentialLR, LinearLR, LambdaLR, CosineAnnealingLR and
 * CosineAnnealingWarmRestarts. Each computes exactly what `torch.optim.lr_scheduler` computes
 * (the same chainable formulas, in float64).
 */
import { describeValue, check, checkOptions, TensorError } from '@tessera/tensor-core';
import { Optimizer, type BaseOptimizerOptions } from './optimizer.js';

/**
 * Any optimizer (schedulers only read and write group hyperparameters).
 * @example
 * ```ts
 * function warmup(opt: AnyOptimizer): LinearLR {
 *   return new LinearLR(opt, { startFactor: 0.1, totalIters: 100 });
 * }
 * ```
 */
export type AnyOptimizer = Optimizer<BaseOptimizerOptions>;

/**
 * The JSON-serialisable state of a scheduler.
 * @example
 * ```ts
 * const sd: LRSchedulerStateDict = scheduler.stateDict(); // { lastEpoch: 5, baseLrs: [0.1], lastLr: [0.05] }
 * ```
 */
export interface LRSchedulerStateDict {
  /** Index of the last step (`0` right after construction). */
  lastEpoch: number;
  /** The initial learning rate of every parameter group. */
  baseLrs: number[];
  /** The learning rates the last step set. */
  lastLr: number[];
  /** Scheduler-specific fields. */
  [key: string]: unknown;
}

/**
 * A parameter group as schedulers see it.
 * @example
 * ```ts
 * for (const group of opt.paramGroups as SchedulerGroup[]) console.log(group.lr, group.initialLr);
 * ```
 */
export type SchedulerGroup = { lr: number; initialLr?: number } & Record<string, unknown>;

/**
 * Base class of the epoch-indexed schedulers. Construction performs the first step (the learning
 * rate for step 0); call `step()` once after each `optimizer.step()` (per epoch or per batch,
 * as the schedule is meant).
 *
 * A subclass implements {@link LRScheduler.computeLr} (PyTorch's chainable `get_lr`, which may
 * read the groups' current learning rates) and may implement
 * {@link LRScheduler.closedFormLr} (used when {@link SequentialLR} restarts it at a milestone).
 *
 * @example
 * ```ts
 * const scheduler = new StepLR(opt, { stepSize: 30, gamma: 0.1 });
 * for (let epoch = 0; epoch < 100; epoch++) {
 *   trainOneEpoch();
 *   scheduler.step();
 * }
 * ```
 */
export abstract class LRScheduler {
  /** The optimizer whose learning rates this scheduler writes. */
  readonly optimizer: AnyOptimizer;
  /** The initial learning rate of every parameter group. */
  baseLrs: number[];
  /** Index of the last step; `0` right after construction. */
  lastEpoch = -1;
  /** The learning rates the last step set. */
  protected lastLr: number[] = [];

  /**
   * Records each group's `initialLr` (its current `lr`, unless an earlier scheduler recorded it).
   * Subclasses call {@link LRScheduler.initialStep} at the end of their constructor.
   * @throws TensorError `INVALID_ARGUMENT` when `optimizer` is not an `Optimizer`.
   */
  protected constructor(
    /** The scheduler's name, for messages. */
    protected readonly name: string,
    optimizer: AnyOptimizer,
  ) {
    if (!(optimizer instanceof Optimizer)) {
      throw new TensorError('INVALID_ARGUMENT', name, `expected an Optimizer, got ${describeValue(optimizer)}`);
    }
    this.optimizer = optimizer;
    for (const group of this.groups) group.initialLr ??= group.lr;
    this.baseLrs = this.groups.map((g) => g.initialLr!);
  }

  /** The optimizer's parameter groups. */
  protected get groups(): SchedulerGroup[] {
    return this.optimizer.paramGroups as unknown as SchedulerGroup[];
  }

  /** Performs the step to epoch 0 (PyTorch's `_initial_step`). */
  protected initialStep(): void {
    this.step();
  }

  /**
   * Advances the schedule by one step and writes the new learning rate into every group.
   * @throws TensorError `INVALID_ARGUMENT` when parameter groups were added after the scheduler was created.
   * @example
   * ```ts
   * opt.step(grads);
   * scheduler.step();
   * ```
   */
  step(): void {
    this.checkGroups();
    this.lastEpoch += 1;
    this.apply(this.computeLr());
  }

  /**
   * @internal Jumps to `epoch` with the closed form (PyTorch's deprecated `step(epoch)`, which
   * SequentialLR uses to restart a scheduler at its milestone).
   */
  stepTo(epoch: number): void {
    this.checkGroups();
    this.lastEpoch = epoch;
    this.apply(this.closedFormLr());
  }

  /** The learning rate of every group for the current `lastEpoch` (chainable form). */
  protected abstract computeLr(): number[];

  /** The learning rate of every group for `lastEpoch` from the base rates alone. */
  protected closedFormLr(): number[] {
    return this.computeLr();
  }

  /** Writes `lrs` into the groups. */
  protected apply(lrs: readonly number[]): void {
    this.groups.forEach((group, i) => {
      group.lr = lrs[i]!;
    });
    this.lastLr = this.groups.map((g) => g.lr);
  }

  /** @throws TensorError `INVALID_ARGUMENT` when the optimizer's group count changed. */
  protected checkGroups(): void {
    if (this.groups.length !== this.baseLrs.length) {
      throw new TensorError(
        'INVALID_ARGUMENT',
        `${this.name}.step`,
        `the optimizer has ${this.groups.length} parameter groups but the scheduler was created for ${this.baseLrs.length}; create the scheduler after adding every group`,
      );
    }
  }

  /**
   * The learning rate of every group after the last step.
   * @example
   * ```ts
   * console.log(scheduler.getLastLr()); // [0.1]
   * ```
   */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /**
   * The scheduler's state (plain JSON). Functions (LambdaLR's) are not included.
   * @example
   * ```ts
   * const saved = JSON.stringify(scheduler.stateDict());
   * ```
   */
  stateDict(): LRSchedulerStateDict {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs], lastLr: [...this.lastLr], ...this.extraState() };
  }

  /**
   * Restores {@link LRScheduler.stateDict}. The groups' current learning rates are not changed
   * (they are part of the optimizer's state dict).
   * @throws TensorError `INVALID_ARGUMENT` for a malformed state or one made for another number of groups.
   * @example
   * ```ts
   * scheduler.loadStateDict(JSON.parse(saved));
   * ```
   */
  loadStateDict(sd: LRSchedulerStateDict): void {
    const op = `${this.name}.loadStateDict`;
    if (sd === null || typeof sd !== 'object') throw new TensorError('INVALID_ARGUMENT', op, `expected a state dict object, got ${describeValue(sd)}`);
    check.int(op, 'lastEpoch', sd.lastEpoch, { min: -1 });
    for (const key of ['baseLrs', 'lastLr'] as const) {
      const list = sd[key];
      if (!Array.isArray(list) || list.length !== this.groups.length || list.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
        throw new TensorError('INVALID_ARGUMENT', op, `${key} must be ${this.groups.length} finite numbers (one per parameter group), got ${describeValue(list)}`);
      }
    }
    this.loadExtraState(sd, op);
    this.lastEpoch = sd.lastEpoch;
    this.baseLrs = [...sd.baseLrs];
    this.lastLr = [...sd.lastLr];
  }

  /** Scheduler-specific mutable state for the state dict. */
  protected extraState(): Record<string, unknown> {
    return {};
  }

  /** Validates and restores {@link LRScheduler.extraState}. */
  protected loadExtraState(_sd: LRSchedulerStateDict, _op: string): void {}
}

/**
 * Options of {@link StepLR}.
 * @example
 * ```ts
 * new StepLR(opt, { stepSize: 30, gamma: 0.1 });
 * ```
 */
export interface StepLROptions {
  /** Decay every `stepSize` steps (a positive integer). */
  stepSize: number;
  /** Multiplicative decay. Default `0.1`. */
  gamma?: number;
}

/**
 * Multiplies the learning rate by `gamma` every `stepSize` steps: `lr = base · γ^⌊t / stepSize⌋`.
 * @throws TensorError `INVALID_ARGUMENT` for a non-positive-integer `stepSize` or a negative `gamma`.
 * @example
 * ```ts
 * const scheduler = new StepLR(opt, { stepSize: 30, gamma: 0.1 });
 * ```
 */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: AnyOptimizer, options: StepLROptions) {
    super('StepLR', optimizer);
    checkOptions('StepLR', options, ['stepSize', 'gamma']);
    this.stepSize = check.int('StepLR', 'stepSize', options?.stepSize, { min: 1 });
    this.gamma = check.number('StepLR', 'gamma', options.gamma ?? 0.1, { min: 0 });
    this.initialStep();
  }

  protected computeLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/**
 * Options of {@link MultiStepLR}.
 * @example
 * ```ts
 * new MultiStepLR(opt, { milestones: [30, 80], gamma: 0.1 });
 * ```
 */
export interface MultiStepLROptions {
  /** Steps at which to decay (non-negative integers; a repeated milestone decays once per occurrence). */
  milestones: readonly number[];
  /** Multiplicative decay. Default `0.1`. */
  gamma?: number;
}

/**
 * Multiplies the learning rate by `gamma` at each milestone.
 * @throws TensorError `INVALID_ARGUMENT` for milestones that are not non-negative integers or a negative `gamma`.
 * @example
 * ```ts
 * const scheduler = new MultiStepLR(opt, { milestones: [30, 80], gamma: 0.1 });
 * ```
 */
export class MultiStepLR extends LRScheduler {
  readonly milestones: readonly number[];
  readonly gamma: number;
  readonly #counts = new Map<number, number>();

  constructor(optimizer: AnyOptimizer, options: MultiStepLROptions) {
    super('MultiStepLR', optimizer);
    checkOptions('MultiStepLR', options, ['milestones', 'gamma']);
    if (!Array.isArray(options?.milestones)) {
      throw new TensorError('INVALID_ARGUMENT', 'MultiStepLR', `options: milestones must be an array of integers, got ${describeValue(options?.milestones)}`);
    }
    options.milestones.forEach((m, i) => check.int('MultiStepLR', `milestones[${i}]`, m, { min: 0 }));
    this.milestones = [...options.milestones].sort((a, b) => a - b);
    for (const m of this.milestones) this.#counts.set(m, (this.#counts.get(m) ?? 0) + 1);
    this.gamma = check.number('MultiStepLR', 'gamma', options.gamma ?? 0.1, { min: 0 });
    this.initialStep();
  }

  protected computeLr(): number[] {
    const count = this.#counts.get(this.lastEpoch);
    if (count === undefined) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma ** count);
  }

  protected override closedFormLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((base) => base * this.gamma ** passed);
  }
}

/**
 * Options of {@link ExponentialLR}.
 * @example
 * ```ts
 * new ExponentialLR(opt, { gamma: 0.95 });
 * ```
 */
export interface ExponentialLROptions {
  /** Multiplicative decay per step. */
  gamma: number;
}

/**
 * Multiplies the learning rate by `gamma` every step: `lr = base · γᵗ`.
 * @throws TensorError `INVALID_ARGUMENT` for a missing or negative `gamma`.
 * @example
 * ```ts
 * const scheduler = new ExponentialLR(opt, { gamma: 0.95 });
 * ```
 */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  constructor(optimizer: AnyOptimizer, options: ExponentialLROptions) {
    super('ExponentialLR', optimizer);
    checkOptions('ExponentialLR', options, ['gamma']);
    this.gamma = check.number('ExponentialLR', 'gamma', options?.gamma, { min: 0 });
    this.initialStep();
  }

  protected computeLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.gamma ** this.lastEpoch);
  }
}

/**
 * Options of {@link LinearLR}.
 * @example
 * ```ts
 * new LinearLR(opt, { startFactor: 0.01, endFactor: 1, totalIters: 500 });
 * ```
 */
export interface LinearLROptions {
  /** Factor at step 0, in (0, 1]. Default `1/3`. */
  startFactor?: number;
  /** Factor from step `totalIters` on, in [0, 1]. Default `1`. */
  endFactor?: number;
  /** Steps over which the factor changes linearly (a positive integer). Default `5`. */
  totalIters?: number;
}

/**
 * Scales the learning rate by a factor that moves linearly from `startFactor` to `endFactor`
 * over `totalIters` steps: the usual linear warm-up (`startFactor < 1`, `endFactor = 1`) or a
 * linear decay.
 * @throws TensorError `INVALID_ARGUMENT` for factors outside their ranges or a bad `totalIters`.
 * @example
 * ```ts
 * const warmup = new LinearLR(opt, { startFactor: 0.01, totalIters: 500 });
 * ```
 */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(optimizer: AnyOptimizer, options: LinearLROptions = {}) {
    super('LinearLR', optimizer);
    checkOptions('LinearLR', options, ['startFactor', 'endFactor', 'totalIters']);
    this.startFactor = check.number('LinearLR', 'startFactor', options.startFactor ?? 1 / 3, { min: 0, minExclusive: true });
    this.endFactor = check.number('LinearLR', 'endFactor', options.endFactor ?? 1, { min: 0 });
    if (this.startFactor > 1 || this.endFactor > 1) {
      throw new TensorError('INVALID_ARGUMENT', 'LinearLR', `options: startFactor must be in (0, 1] and endFactor in [0, 1], got ${this.startFactor} and ${this.endFactor}`);
    }
    this.totalIters = check.int('LinearLR', 'totalIters', options.totalIters ?? 5, { min: 1 });
    this.initialStep();
  }

  protected computeLr(): number[] {
    const { startFactor, endFactor, totalIters, lastEpoch } = this;
    if (lastEpoch === 0) return this.groups.map((g) => g.lr * startFactor);
    if (lastEpoch > totalIters) return this.groups.map((g) => g.lr);
    const factor = 1 + (endFactor - startFactor) / (totalIters * startFactor + (lastEpoch - 1) * (endFactor - startFactor));
    return this.groups.map((g) => g.lr * factor);
  }

  protected override closedFormLr(): number[] {
    const { startFactor, endFactor, totalIters, lastEpoch } = this;
    return this.baseLrs.map((base) => base * (startFactor + ((endFactor - startFactor) * Math.min(totalIters, lastEpoch)) / totalIters));
  }
}

/**
 * A function from the step index to a multiplicative factor of the base learning rate.
 * @example
 * ```ts
 * const inverseSqrt: LrLambda = (epoch) => 1 / Math.sqrt(epoch + 1);
 * ```
 */
export type LrLambda = (epoch: number) => number;

/**
 * Options of {@link LambdaLR}.
 * @example
 * ```ts
 * new LambdaLR(opt, { lrLambda: [(e) => 0.95 ** e, () => 1] }); // two groups
 * ```
 */
export interface LambdaLROptions {
  /** One function for all groups, or one per group. */
  lrLambda: LrLambda | readonly LrLambda[];
}

/**
 * Sets each group's learning rate to `base · lrLambda(t)`.
 * @throws TensorError `INVALID_ARGUMENT` when `lrLambda` is not a function (or one per group),
 * or when it returns something other than a finite number.
 * @example
 * ```ts
 * const scheduler = new LambdaLR(opt, { lrLambda: (epoch) => 0.95 ** epoch });
 * ```
 */
export class LambdaLR extends LRScheduler {
  readonly #lambdas: readonly LrLambda[];

  constructor(optimizer: AnyOptimizer, options: LambdaLROptions) {
    super('LambdaLR', optimizer);
    checkOptions('LambdaLR', options, ['lrLambda']);
    const fn = options?.lrLambda;
    if (typeof fn === 'function') {
      this.#lambdas = this.groups.map(() => fn);
    } else if (Array.isArray(fn) && fn.length === this.groups.length && fn.every((f) => typeof f === 'function')) {
      this.#lambdas = [...fn];
    } else {
      throw new TensorError(
        'INVALID_ARGUMENT',
        'LambdaLR',
        `options: lrLambda must be a function or an array of ${this.groups.length} functions (one per parameter group), got ${describeValue(fn)}`,
      );
    }
    this.initialStep();
  }

  protected computeLr(): number[] {
    return this.baseLrs.map((base, i) => {
      const factor = this.#lambdas[i]!(this.lastEpoch);
      if (typeof factor !== 'number' || !Number.isFinite(factor)) {
        throw new TensorError('INVALID_ARGUMENT', 'LambdaLR.step', `lrLambda[${i}](${this.lastEpoch}) returned ${describeValue(factor)}, expected a finite number`);
      }
      return base * factor;
    });
  }
}

/**
 * Options of {@link CosineAnnealingLR}.
 * @example
 * ```ts
 * new CosineAnnealingLR(opt, { tMax: 100, etaMin: 1e-6 });
 * ```
 */
export interface CosineAnnealingLROptions {
  /** Half-period in steps (> 0): the learning rate reaches `etaMin` at step `tMax`. */
  tMax: number;
  /** Minimum learning rate. Default `0`. */
  etaMin?: number;
}

/**
 * Cosine annealing from the base learning rate to `etaMin` over `tMax` steps (and back up
 * again after, as PyTorch does; combine with {@link SequentialLR} or use
 * {@link CosineAnnealingWarmRestarts} for restarts):
 * `lr = ηmin + (base − ηmin)·(1 + cos(π·t / tMax)) / 2`, computed in PyTorch's recursive form.
 * @throws TensorError `INVALID_ARGUMENT` for a non-positive `tMax` or a negative `etaMin`.
 * @example
 * ```ts
 * const scheduler = new CosineAnnealingLR(opt, { tMax: 100, etaMin: 1e-5 });
 * ```
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: AnyOptimizer, options: CosineAnnealingLROptions) {
    super('CosineAnnealingLR', optimizer);
    checkOptions('CosineAnnealingLR', options, ['tMax', 'etaMin']);
    this.tMax = check.number('CosineAnnealingLR', 'tMax', options?.tMax, { min: 0, minExclusive: true });
    this.etaMin = check.number('CosineAnnealingLR', 'etaMin', options.etaMin ?? 0, { min: 0 });
    this.initialStep();
  }

  protected computeLr(): number[] {
    const { tMax, etaMin, lastEpoch } = this;
    if (lastEpoch === 0) return this.groups.map((g) => g.lr);
    // The recursive form divides by 1 + cos(π(t−1)/T), which is 0 right after each minimum.
    if ((lastEpoch - 1 - tMax) % (2 * tMax) === 0) {
      return this.groups.map((g, i) => g.lr + ((this.baseLrs[i]! - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    const ratio = (1 + Math.cos((Math.PI * lastEpoch) / tMax)) / (1 + Math.cos((Math.PI * (lastEpoch - 1)) / tMax));
    return this.groups.map((g) => ratio * (g.lr - etaMin) + etaMin);
  }

  protected override closedFormLr(): number[] {
    const { tMax, etaMin, lastEpoch } = this;
    return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * lastEpoch) / tMax))) / 2);
  }
}

/**
 * Options of {@link CosineAnnealingWarmRestarts}.
 * @example
 * ```ts
 * new CosineAnnealingWarmRestarts(opt, { t0: 10, tMult: 2, etaMin: 1e-6 });
 * ```
 */
export interface CosineAnnealingWarmRestartsOptions {
  /** Steps until the first restart (a positive integer). */
  t0: number;
  /** Each period is `tMult` times longer than the previous (an integer >= 1). Default `1`. */
  tMult?: number;
  /** Minimum learning rate. Default `0`. */
  etaMin?: number;
}

/**
 * SGDR (Loshchilov & Hutter, 2017): cosine annealing from the base learning rate to `etaMin`
 * that restarts every `Tᵢ` steps, with `T₀ = t0` and `Tᵢ₊₁ = tMult·Tᵢ`:
 * `lr = ηmin + (base − ηmin)·(1 + cos(π·Tcur / Tᵢ)) / 2`.
 * @throws TensorError `INVALID_ARGUMENT` for a bad `t0`, `tMult` or `etaMin`.
 * @example
 * ```ts
 * const scheduler = new CosineAnnealingWarmRestarts(opt, { t0: 10, tMult: 2 });
 * ```
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  readonly t0: number;
  readonly tMult: number;
  readonly etaMin: number;
  /** Length of the current period. */
  tI: number;
  /** Steps since the last restart. */
  tCur = -1;

  constructor(optimizer: AnyOptimizer, options: CosineAnnealingWarmRestartsOptions) {
    super('CosineAnnealingWarmRestarts', optimizer);
    checkOptions('CosineAnnealingWarmRestarts', options, ['t0', 'tMult', 'etaMin']);
    this.t0 = check.int('CosineAnnealingWarmRestarts', 't0', options?.t0, { min: 1 });
    this.tMult = check.int('CosineAnnealingWarmRestarts', 'tMult', options.tMult ?? 1, { min: 1 });
    this.etaMin = check.number('CosineAnnealingWarmRestarts', 'etaMin', options.etaMin ?? 0, { min: 0 });
    this.tI = this.t0;
    this.initialStep();
  }

  protected override initialStep(): void {
    this.stepTo(0);
  }

  override step(): void {
    if (this.lastEpoch < 0) {
      this.stepTo(0);
      return;
    }
    this.checkGroups();
    this.lastEpoch += 1;
    this.tCur += 1;
    if (this.tCur >= this.tI) {
      this.tCur -= this.tI;
      this.tI *= this.tMult;
    }
    this.apply(this.computeLr());
  }

  /** @internal */
  override stepTo(epoch: number): void {
    this.checkGroups();
    if (epoch >= this.t0) {
      if (this.tMult === 1) {
        this.tCur = epoch % this.t0;
      } else {
        const n = Math.floor(Math.log((epoch / this.t0) * (this.tMult - 1) + 1) / Math.log(this.tMult));
        this.tCur = epoch - (this.t0 * (this.tMult ** n - 1)) / (this.tMult - 1);
        this.tI = this.t0 * this.tMult ** n;
      }
    } else {
      this.tI = this.t0;
      this.tCur = epoch;
    }
    this.lastEpoch = Math.floor(epoch);
    this.apply(this.computeLr());
  }

  protected computeLr(): number[] {
    return this.baseLrs.map((base) => this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * this.tCur) / this.tI))) / 2);
  }

  protected override extraState(): Record<string, unknown> {
    return { tI: this.tI, tCur: this.tCur };
  }

  protected override loadExtraState(sd: LRSchedulerStateDict, op: string): void {
    check.int(op, 'tI', sd.tI, { min: 1 });
    check.number(op, 'tCur', sd.tCur, { min: -1 });
    this.tI = sd.tI as number;
    this.tCur = sd.tCur as number;
  }
}
