/** `earlyStopping`: stop when a monitored quantity stops improving. */
import { TensorError, dispose, type Tensor } from '@tessera/tensor-core';
import type { Callback, Logs, TrainingContext } from '../types.js';
import { isMaxKey } from './history.js';
import { boolean, integer, number, oneOf, rejectUnknown, requireObject, string } from '../validate.js';

/**
 * Options of {@link earlyStopping} (Keras's names).
 * @example
 * ```ts
 * const options: EarlyStoppingOptions = { monitor: 'val_loss', patience: 3, restoreBestWeights: true };
 * ```
 */
export interface EarlyStoppingOptions {
  /** The epoch log key to watch (default `'val_loss'`). */
  readonly monitor?: string;
  /** `'min'`, `'max'`, or `'auto'` (default: max for accuracy-like keys, min otherwise). */
  readonly mode?: 'auto' | 'min' | 'max';
  /** Epochs without improvement before stopping (default 0: stop at the first one). */
  readonly patience?: number;
  /** The smallest change that counts as an improvement (default 0). */
  readonly minDelta?: number;
  /** A value the quantity must beat; until it does, epochs count against `patience`. */
  readonly baseline?: number;
  /**
   * At the end of training, load the weights of the best epoch (copies of the state dict are
   * kept in memory, on the model's backend). Default false.
   */
  readonly restoreBestWeights?: boolean;
  /** Epochs to wait before watching (warm-up; default 0). */
  readonly startFromEpoch?: number;
  /** Print a line when stopping (default false). */
  readonly verbose?: boolean;
}

/**
 * The callback returned by {@link earlyStopping}: its fields say what happened.
 * @example
 * ```ts
 * const stopper = earlyStopping({ patience: 2 });
 * await fit(model, { ..., callbacks: [stopper] });
 * stopper.stoppedEpoch; // 7, or -1 when it never fired
 * ```
 */
export interface EarlyStopping extends Callback {
  /** The best value seen. */
  readonly best: number;
  /** The epoch of the best value (-1 before the first). */
  readonly bestEpoch: number;
  /** The epoch at which training was stopped (-1 when it was not). */
  readonly stoppedEpoch: number;
  /** Epochs since the last improvement. */
  readonly wait: number;
}

const KNOWN = ['monitor', 'mode', 'patience', 'minDelta', 'baseline', 'restoreBestWeights', 'startFromEpoch', 'verbose'] as const;

/**
 * Stops training when `monitor` has not improved for `patience` epochs, as Keras's
 * `EarlyStopping`; with `restoreBestWeights` the model ends with the weights of its best epoch
 * (whether or not training stopped early, as Keras 3).
 *
 * @throws TensorError `INVALID_ARGUMENT` for bad options; during `fit`, `INVALID_ARGUMENT` when
 *   the monitored key is not in the epoch logs (for instance `val_loss` without validation data).
 * @example
 * ```ts
 * await fit(model, {
 *   data: train, validation: test, epochs: 50, batchSize: 32, optimizer, loss: crossEntropy,
 *   callbacks: [earlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true })],
 * });
 * ```
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): EarlyStopping {
  const op = 'earlyStopping';
  requireObject(op, 'options', options);
  rejectUnknown(op, options as Record<string, unknown>, KNOWN);
  const monitor = string(op, 'monitor', options.monitor ?? 'val_loss');
  const mode = oneOf(op, 'mode', options.mode ?? 'auto', ['auto', 'min', 'max']);
  const patience = integer(op, 'patience', options.patience ?? 0, 0);
  const minDelta = Math.abs(number(op, 'minDelta', options.minDelta ?? 0));
  const baseline = options.baseline === undefined ? undefined : number(op, 'baseline', options.baseline);
  const restore = boolean(op, 'restoreBestWeights', options.restoreBestWeights ?? false);
  const startFromEpoch = integer(op, 'startFromEpoch', options.startFromEpoch ?? 0, 0);
  const verbose = boolean(op, 'verbose', options.verbose ?? false);
  const maximize = mode === 'max' || (mode === 'auto' && isMaxKey(monitor));
  const improves = (value: number, reference: number): boolean => (maximize ? value - minDelta > reference : value + minDelta < reference);

  let bestWeights: Map<string, Tensor> | undefined;
  const drop = (): void => {
    if (bestWeights) dispose([...bestWeights.values()]);
    bestWeights = undefined;
  };
  const state = {
    best: maximize ? -Infinity : Infinity,
    bestEpoch: -1,
    stoppedEpoch: -1,
    wait: 0,
  };

  const callback: EarlyStopping & { onTrainBegin(): void; onEpochEnd(epoch: number, logs: Logs, context: TrainingContext): void } = {
    get best() {
      return state.best;
    },
    get bestEpoch() {
      return state.bestEpoch;
    },
    get stoppedEpoch() {
      return state.stoppedEpoch;
    },
    get wait() {
      return state.wait;
    },
    onTrainBegin() {
      drop();
      state.best = maximize ? -Infinity : Infinity;
      state.bestEpoch = -1;
      state.stoppedEpoch = -1;
      state.wait = 0;
    },
    onEpochEnd(epoch, logs, context) {
      if (epoch < startFromEpoch) return;
      const value = logs[monitor];
      if (value === undefined) {
        throw new TensorError(
          'INVALID_ARGUMENT',
          op,
          `monitor '${monitor}' is not in the epoch logs (available: ${Object.keys(logs).join(', ')})${monitor.startsWith('val_') && !context.hasValidation ? '; pass validation data to fit, or monitor a training key' : ''}`,
        );
      }
      state.wait += 1;
      if (improves(value, state.best)) {
        state.best = value;
        state.bestEpoch = epoch;
        if (restore) {
          drop();
          bestWeights = context.model.stateDict();
        }
        if (baseline === undefined || improves(value, baseline)) state.wait = 0;
        return;
      }
      if (state.wait >= patience && epoch > 0) {
        state.stoppedEpoch = epoch;
        context.stopTraining = true;
        if (verbose) console.log(`Epoch ${epoch + 1}: early stopping (${monitor} best ${state.best.toPrecision(5)} at epoch ${state.bestEpoch + 1})`);
      }
    },
    onTrainEnd(_logs, context) {
      if (bestWeights) {
        context.model.loadStateDict(bestWeights);
        if (verbose) console.log(`Restored the weights of epoch ${state.bestEpoch + 1} (${monitor} = ${state.best.toPrecision(5)})`);
      }
      drop();
    },
    onTrainError() {
      drop();
    },
  };
  return callback;
}
