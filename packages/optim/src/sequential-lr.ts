/** SequentialLR: hands the schedule from one scheduler to the next at milestones. */
import { describeValue, check, checkOptions, TensorError } from '@tessera/tensor-core';
import { LRScheduler, type AnyOptimizer, type LRSchedulerStateDict } from './lr-scheduler.js';

/**
 * Options of {@link SequentialLR}.
 * @example
 * ```ts
 * new SequentialLR(opt, { schedulers: [warmup, cosine], milestones: [5] });
 * ```
 */
export interface SequentialLROptions {
  /** The schedulers, in order (created on the same optimizer, before the SequentialLR). */
  schedulers: readonly LRScheduler[];
  /** Steps at which the next scheduler takes over (one fewer than schedulers, increasing). */
  milestones: readonly number[];
}

/**
 * Runs `schedulers[0]` until `milestones[0]`, then restarts `schedulers[1]` from its step 0,
 * and so on, as `torch.optim.lr_scheduler.SequentialLR` (e.g. a linear warm-up followed by
 * cosine annealing). Construction resets the groups to their initial learning rate and re-runs
 * the first scheduler's step 0.
 *
 * @throws TensorError `INVALID_ARGUMENT` for an empty scheduler list, a scheduler of another
 * optimizer or a nested SequentialLR, or milestones that are not `schedulers.length − 1`
 * increasing positive integers.
 * @example
 * ```ts
 * const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 * const cosine = new CosineAnnealingLR(opt, { tMax: 95 });
 * const scheduler = new SequentialLR(opt, { schedulers: [warmup, cosine], milestones: [5] });
 * ```
 */
export class SequentialLR extends LRScheduler {
  readonly schedulers: readonly LRScheduler[];
  readonly milestones: readonly number[];

  constructor(optimizer: AnyOptimizer, options: SequentialLROptions) {
    super('SequentialLR', optimizer);
    const op = 'SequentialLR';
    checkOptions(op, options, ['schedulers', 'milestones']);
    const schedulers = options?.schedulers;
    if (!Array.isArray(schedulers) || schedulers.length === 0) {
      throw new TensorError('INVALID_ARGUMENT', op, `options: schedulers must be a non-empty array of schedulers, got ${describeValue(schedulers)}`);
    }
    schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler) || s instanceof SequentialLR) {
        throw new TensorError('INVALID_ARGUMENT', op, `options: schedulers[${i}] must be an LRScheduler other than SequentialLR (ReduceLROnPlateau cannot be sequenced), got ${describeValue(s)}`);
      }
      if (s.optimizer !== optimizer) {
        throw new TensorError('INVALID_ARGUMENT', op, `options: schedulers[${i}] belongs to another optimizer; every scheduler must be created on the optimizer passed to SequentialLR`);
      }
    });
    const milestones = options.milestones;
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1) {
      throw new TensorError('INVALID_ARGUMENT', op, `options: expected ${schedulers.length - 1} milestones (one fewer than the ${schedulers.length} schedulers), got ${describeValue(milestones)}`);
    }
    milestones.forEach((m, i) => {
      check.int(op, `milestones[${i}]`, m, { min: i === 0 ? 1 : milestones[i - 1]! + 1 });
    });
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    // Undo the steps the schedulers took at their construction and redo the first one's step 0.
    this.lastEpoch = 0;
    for (const group of this.groups) group.lr = group.initialLr!;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0]!.step();
    this.lastLr = this.schedulers[0]!.getLastLr();
  }

  protected computeLr(): number[] {
    return this.groups.map((g) => g.lr);
  }

  override step(): void {
    this.checkGroups();
    this.lastEpoch += 1;
    let index = 0;
    while (index < this.milestones.length && this.milestones[index]! <= this.lastEpoch) index++;
    const scheduler = this.schedulers[index]!;
    if (index > 0 && this.milestones[index - 1] === this.lastEpoch) scheduler.stepTo(0);
    else scheduler.step();
    this.lastLr = scheduler.getLastLr();
  }

  /** @internal SequentialLR cannot be restarted by another scheduler. */
  override stepTo(_epoch: number): void {
    throw new TensorError('UNSUPPORTED', 'SequentialLR', 'a SequentialLR cannot be nested in another SequentialLR');
  }

  protected override extraState(): Record<string, unknown> {
    return { schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  protected override loadExtraState(sd: LRSchedulerStateDict, op: string): void {
    const states = sd.schedulers;
    if (!Array.isArray(states) || states.length !== this.schedulers.length) {
      throw new TensorError('INVALID_ARGUMENT', op, `schedulers must hold ${this.schedulers.length} scheduler states, got ${describeValue(states)}`);
    }
    this.schedulers.forEach((s, i) => s.loadStateDict(states[i] as LRSchedulerStateDict));
  }
}
