/** `learningRateScheduler`: drive an `@tessera/optim` scheduler (or a function) from `fit`. */
import { TensorError } from '@tessera/tensor-core';
import { LRScheduler, ReduceLROnPlateau } from '@tessera/optim';
import type { Callback, Logs, TrainingContext } from '../types.js';
import { boolean, describe, oneOf, rejectUnknown, requireObject, string } from '../validate.js';

/**
 * A Keras-style schedule: the learning rate of `epoch` (0-based) from the current one.
 * @example
 * ```ts
 * const halveEvery10: LearningRateSchedule = (epoch, lr) => (epoch > 0 && epoch % 10 === 0 ? lr / 2 : lr);
 * ```
 */
export type LearningRateSchedule = (epoch: number, lr: number) => number;

/**
 * Options of {@link learningRateScheduler}.
 * @example
 * ```ts
 * learningRateScheduler(new OneCycleLR(opt, { maxLr: 0.01, totalSteps: epochs * steps }), { interval: 'batch' });
 * ```
 */
export interface LearningRateSchedulerOptions {
  /**
   * When an optim scheduler steps: after every epoch (default) or after every batch
   * (`OneCycleLR`, warm-up). A schedule function always runs at the start of each epoch.
   */
  readonly interval?: 'epoch' | 'batch';
  /** For `ReduceLROnPlateau`: the log key it watches (default `'val_loss'`). */
  readonly monitor?: string;
  /** Print the learning rate when it changes (default false). */
  readonly verbose?: boolean;
}

/** What a scheduler object must offer: `@tessera/optim`'s `LRScheduler` subclasses have it. */
export interface Steppable {
  step(): void;
}

/**
 * Adjusts the learning rate during `fit`:
 *
 * - an `@tessera/optim` scheduler (`StepLR`, `CosineAnnealingLR`, `OneCycleLR`, ...) is stepped
 *   after each epoch, or after each batch with `interval: 'batch'`;
 * - `ReduceLROnPlateau` is stepped after each epoch with the value of `monitor`;
 * - a function `(epoch, lr) => newLr` (Keras's `LearningRateScheduler`) sets the learning rate
 *   of every parameter group at the start of each epoch.
 *
 * The epoch logs carry the learning rate used in that epoch as `lr`.
 *
 * @throws TensorError `INVALID_ARGUMENT` for something that is not a scheduler or a function;
 *   during `fit`, `INVALID_ARGUMENT` when a schedule returns a bad value or `monitor` is not
 *   logged.
 * @example
 * ```ts
 * const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * callbacks: [learningRateScheduler(new CosineAnnealingLR(optimizer, { tMax: 20 }))]
 * callbacks: [learningRateScheduler((epoch, lr) => (epoch < 5 ? lr : lr * 0.9))]
 * ```
 */
export function learningRateScheduler(
  scheduler: LRScheduler | ReduceLROnPlateau | Steppable | LearningRateSchedule,
  options: LearningRateSchedulerOptions = {},
): Callback {
  const op = 'learningRateScheduler';
  requireObject(op, 'options', options);
  rejectUnknown(op, options as Record<string, unknown>, ['interval', 'monitor', 'verbose']);
  const interval = oneOf(op, 'interval', options.interval ?? 'epoch', ['epoch', 'batch']);
  const monitor = string(op, 'monitor', options.monitor ?? 'val_loss');
  const verbose = boolean(op, 'verbose', options.verbose ?? false);
  const report = (epoch: number, before: number, context: TrainingContext): void => {
    const after = context.optimizer.paramGroups[0]?.lr;
    if (verbose && after !== undefined && after !== before) console.log(`Epoch ${epoch + 1}: learning rate ${before} -> ${after}`);
  };

  if (scheduler instanceof ReduceLROnPlateau) {
    if (interval === 'batch') throw new TensorError('INVALID_ARGUMENT', op, "ReduceLROnPlateau steps once per epoch with a monitored value; interval 'batch' does not apply");
    return {
      onEpochEnd(epoch: number, logs: Logs, context: TrainingContext) {
        const value = logs[monitor];
        if (value === undefined) {
          throw new TensorError('INVALID_ARGUMENT', op, `ReduceLROnPlateau monitors '${monitor}', which is not in the epoch logs (available: ${Object.keys(logs).join(', ')})`);
        }
        const before = context.optimizer.paramGroups[0]?.lr ?? NaN;
        scheduler.step(value);
        report(epoch, before, context);
      },
    };
  }
  if (scheduler instanceof LRScheduler || (typeof scheduler === 'object' && scheduler !== null && typeof (scheduler as Steppable).step === 'function')) {
    const s = scheduler as Steppable;
    return interval === 'batch'
      ? { onBatchEnd: () => s.step() }
      : {
          onEpochEnd(epoch: number, _logs: Logs, context: TrainingContext) {
            const before = context.optimizer.paramGroups[0]?.lr ?? NaN;
            s.step();
            report(epoch, before, context);
          },
        };
  }
  if (typeof scheduler === 'function') {
    return {
      onEpochBegin(epoch: number, context: TrainingContext) {
        const before = context.optimizer.paramGroups[0]?.lr ?? NaN;
        const lr = scheduler(epoch, before);
        if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
          throw new TensorError('INVALID_ARGUMENT', op, `the schedule returned ${describe(lr)} for epoch ${epoch}; it must return a finite learning rate >= 0`);
        }
        for (const group of context.optimizer.paramGroups) group.lr = lr;
        report(epoch, before, context);
      },
    };
  }
  throw new TensorError('INVALID_ARGUMENT', op, `expected an @tessera/optim scheduler or a function (epoch, lr) => lr, got ${describe(scheduler)}`);
}
