/** ReduceLROnPlateau: lowers the learning rate when a metric stops improving. */
import { describeValue, check, checkOptions, optionKeys, TensorError } from '@tessera/tensor-core';
import { Optimizer } from './optimizer.js';
import type { AnyOptimizer, SchedulerGroup } from './lr-scheduler.js';

/**
 * Options of {@link ReduceLROnPlateau} (PyTorch's names in camelCase and its defaults).
 * @example
 * ```ts
 * new ReduceLROnPlateau(opt, { mode: 'max', factor: 0.5, patience: 2, minLr: 1e-6 });
 * ```
 */
export interface ReduceLROnPlateauOptions {
  /** `'min'`: the metric should decrease (a loss); `'max'`: increase (an accuracy). Default `'min'`. */
  mode?: 'min' | 'max';
  /** `lr ← lr · factor` on a plateau, in [0, 1). Default `0.1`. */
  factor?: number;
  /** Steps without improvement tolerated before reducing. Default `10`. */
  patience?: number;
  /** Minimum change that counts as an improvement. Default `1e-4`. */
  threshold?: number;
  /** `'rel'`: better than `best·(1 ∓ threshold)`; `'abs'`: better than `best ∓ threshold`. Default `'rel'`. */
  thresholdMode?: 'rel' | 'abs';
  /** Steps to wait after a reduction before counting bad steps again. Default `0`. */
  cooldown?: number;
  /** Lower bound on the learning rate, one for all groups or one per group. Default `0`. */
  minLr?: number | readonly number[];
  /** Reductions smaller than this are skipped. Default `1e-8`. */
  eps?: number;
}

/**
 * The JSON-serialisable state of {@link ReduceLROnPlateau}.
 * @example
 * ```ts
 * const saved: ReduceLROnPlateauStateDict = scheduler.stateDict(); // { lastEpoch: 4, best: 0.31, ... }
 * ```
 */
export interface ReduceLROnPlateauStateDict {
  lastEpoch: number;
  /** Best metric so far (`null` for none yet: ±Infinity does not survive JSON). */
  best: number | null;
  numBadEpochs: number;
  cooldownCounter: number;
  lastLr: number[];
}

/**
 * Multiplies every group's learning rate by `factor` once the metric passed to `step(metric)`
 * has not improved for more than `patience` steps, as `torch.optim.lr_scheduler.ReduceLROnPlateau`.
 *
 * @throws TensorError `INVALID_ARGUMENT` for invalid options, `minLr` lists of the wrong length,
 * or a metric that is not a number.
 * @example
 * ```ts
 * const scheduler = new ReduceLROnPlateau(opt, { mode: 'min', factor: 0.5, patience: 3 });
 * for (let epoch = 0; epoch < 50; epoch++) {
 *   trainOneEpoch();
 *   scheduler.step(await validationLoss());
 * }
 * ```
 */
export class ReduceLROnPlateau {
  readonly optimizer: AnyOptimizer;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLrs: readonly number[];
  readonly eps: number;
  /** Best metric so far. */
  best: number;
  /** Consecutive steps without improvement. */
  numBadEpochs = 0;
  /** Steps of cooldown left. */
  cooldownCounter = 0;
  /** Number of `step` calls. */
  lastEpoch = 0;
  #lastLr: number[];

  constructor(optimizer: AnyOptimizer, options: ReduceLROnPlateauOptions = {}) {
    const op = 'ReduceLROnPlateau';
    if (!(optimizer instanceof Optimizer)) throw new TensorError('INVALID_ARGUMENT', op, `expected an Optimizer, got ${describeValue(optimizer)}`);
    this.optimizer = optimizer;
    const checks = check.all(op);
    checks.options(options, optionKeys<ReduceLROnPlateauOptions>({ mode: true, factor: true, patience: true, threshold: true, thresholdMode: true, cooldown: true, minLr: true, eps: true }));
    this.mode = checks.oneOf('mode', options?.mode ?? 'min', ['min', 'max'] as const);
    this.factor = checks.number('factor', options?.factor ?? 0.1, { min: 0 });
    if (this.factor >= 1) checks.fail('INVALID_ARGUMENT', `factor must be < 1, got ${this.factor}`, 'factor', this.factor);
    this.patience = checks.int('patience', options?.patience ?? 10, { min: 0 });
    this.threshold = checks.number('threshold', options?.threshold ?? 1e-4, { min: 0 });
    this.thresholdMode = checks.oneOf('thresholdMode', options?.thresholdMode ?? 'rel', ['rel', 'abs'] as const);
    this.cooldown = checks.int('cooldown', options?.cooldown ?? 0, { min: 0 });
    this.eps = checks.number('eps', options?.eps ?? 1e-8, { min: 0 });
    const minLr = options?.minLr ?? 0;
    const n = this.groups.length;
    if (Array.isArray(minLr)) {
      if (minLr.length !== n) checks.fail('INVALID_ARGUMENT', `minLr has ${minLr.length} values, the optimizer has ${n} parameter groups`, 'minLr', minLr);
      this.minLrs = minLr.map((v, i) => checks.number(`minLr[${i}]`, v, { min: 0 }));
    } else {
      const v = checks.number('minLr', minLr, { min: 0 });
      this.minLrs = this.groups.map(() => v);
    }
    checks.done();
    this.best = this.#worst();
    this.#lastLr = this.groups.map((g) => g.lr);
  }

  private get groups(): SchedulerGroup[] {
    return this.optimizer.paramGroups as unknown as SchedulerGroup[];
  }

  #worst(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  /** Whether `a` improves on `best` by more than the threshold. */
  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - this.threshold) : a < best - this.threshold;
    return this.thresholdMode === 'rel' ? a > best * (this.threshold + 1) : a > best + this.threshold;
  }

  /** Whether a reduction happened less than `cooldown` steps ago. */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /**
   * Records one value of the monitored metric and reduces the learning rates on a plateau.
   * @throws TensorError `INVALID_ARGUMENT` when `metric` is not a number, or when parameter
   * groups were added after the scheduler was created.
   * @example
   * ```ts
   * scheduler.step(valLoss);
   * ```
   */
  step(metric: number): void {
    if (typeof metric !== 'number') {
      throw new TensorError('INVALID_ARGUMENT', 'ReduceLROnPlateau.step', `metric must be a number (read a tensor first: await loss.item()), got ${describeValue(metric)}`);
    }
    if (this.groups.length !== this.minLrs.length) {
      throw new TensorError('INVALID_ARGUMENT', 'ReduceLROnPlateau.step', `the optimizer has ${this.groups.length} parameter groups but the scheduler was created for ${this.minLrs.length}`);
    }
    this.lastEpoch += 1;
    if (this.isBetter(metric, this.best)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs during cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.#reduce();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.#lastLr = this.groups.map((g) => g.lr);
  }

  #reduce(): void {
    this.groups.forEach((group, i) => {
      const oldLr = group.lr;
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i]!);
      if (oldLr - newLr > this.eps) group.lr = newLr;
    });
  }

  /**
   * The learning rate of every group after the last step.
   * @example
   * ```ts
   * scheduler.getLastLr(); // [0.05]
   * ```
   */
  getLastLr(): number[] {
    return [...this.#lastLr];
  }

  /**
   * The scheduler's state (plain JSON; the options are not included).
   * @example
   * ```ts
   * const saved = JSON.stringify(scheduler.stateDict());
   * ```
   */
  stateDict(): ReduceLROnPlateauStateDict {
    return {
      lastEpoch: this.lastEpoch,
      best: Number.isFinite(this.best) ? this.best : null,
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
      lastLr: [...this.#lastLr],
    };
  }

  /**
   * Restores {@link ReduceLROnPlateau.stateDict}.
   * @throws TensorError `INVALID_ARGUMENT` for a malformed state.
   * @example
   * ```ts
   * scheduler.loadStateDict(JSON.parse(saved));
   * ```
   */
  loadStateDict(sd: ReduceLROnPlateauStateDict): void {
    const op = 'ReduceLROnPlateau.loadStateDict';
    if (sd === null || typeof sd !== 'object') throw new TensorError('INVALID_ARGUMENT', op, `expected a state dict object, got ${describeValue(sd)}`);
    check.int(op, 'lastEpoch', sd.lastEpoch, { min: 0 });
    if (sd.best !== null) check.number(op, 'best', sd.best);
    check.int(op, 'numBadEpochs', sd.numBadEpochs, { min: 0 });
    check.int(op, 'cooldownCounter', sd.cooldownCounter, { min: 0 });
    if (!Array.isArray(sd.lastLr) || sd.lastLr.length !== this.groups.length || sd.lastLr.some((v) => typeof v !== 'number')) {
      throw new TensorError('INVALID_ARGUMENT', op, `lastLr must be ${this.groups.length} numbers (one per parameter group), got ${describeValue(sd.lastLr)}`);
    }
    this.lastEpoch = sd.lastEpoch;
    this.best = sd.best ?? this.#worst();
    this.numBadEpochs = sd.numBadEpochs;
    this.cooldownCounter = sd.cooldownCounter;
    this.#lastLr = [...sd.lastLr];
  }
}
