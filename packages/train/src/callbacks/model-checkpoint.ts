/** `modelCheckpoint`: save the weights (safetensors) every epoch, or when they are the best so far. */
import { TensorError } from '@tessera/tensor-core';
import { writeFileWithDirs } from '../node-fs.js';
import type { Callback, Logs, TrainingContext } from '../types.js';
import { formatPath } from './format-path.js';
import { isMaxKey } from './history.js';
import { boolean, describe, oneOf, rejectUnknown, requireObject, string } from '../validate.js';

/**
 * Options of {@link modelCheckpoint}.
 * @example
 * ```ts
 * const options: ModelCheckpointOptions = { path: 'ckpt/best.safetensors', saveBestOnly: true };
 * ```
 */
export interface ModelCheckpointOptions {
  /**
   * File path, optionally a template: `{epoch}` (1-based, as Keras), `{epoch:02d}`, or any log
   * key such as `{val_loss:.4f}`. A fixed path keeps only the last (or, with `saveBestOnly`,
   * the best) weights.
   */
  readonly path: string;
  /** The log key that decides "best" (default `'val_loss'`). */
  readonly monitor?: string;
  /** `'auto'` (default), `'min'` or `'max'`, as {@link earlyStopping}. */
  readonly mode?: 'auto' | 'min' | 'max';
  /** Save only when `monitor` improves (default false: every epoch). */
  readonly saveBestOnly?: boolean;
  /**
   * Where the bytes go instead of a file (browsers: IndexedDB, a download). Default: write
   * `path` with `node:fs`, creating its directory.
   */
  readonly write?: (bytes: Uint8Array, path: string) => void | Promise<void>;
  /** Print a line per save (default false). */
  readonly verbose?: boolean;
}

/**
 * The callback returned by {@link modelCheckpoint}.
 * @example
 * ```ts
 * const ckpt = modelCheckpoint({ path: 'best.safetensors', saveBestOnly: true });
 * await fit(model, { ..., callbacks: [ckpt] });
 * await model.load(ckpt.bestPath!);
 * ```
 */
export interface ModelCheckpoint extends Callback {
  /** Paths written, in order. */
  readonly saved: readonly string[];
  /** The file holding the best weights so far (with `saveBestOnly`, or when `monitor` is logged). */
  readonly bestPath: string | undefined;
  /** The best value of `monitor`. */
  readonly best: number;
}

const KNOWN = ['path', 'monitor', 'mode', 'saveBestOnly', 'write', 'verbose'] as const;

/**
 * Saves the model's state dict as safetensors at the end of each epoch (Keras's
 * `ModelCheckpoint`): every epoch, or only when `monitor` improves. Load it back with
 * `model.load(path)`.
 *
 * @throws TensorError `INVALID_ARGUMENT` for bad options; during `fit`, `INVALID_ARGUMENT` when
 *   `saveBestOnly` monitors a key that is not logged or the template names one, `UNSUPPORTED`
 *   when the model has no `save` method.
 * @example
 * ```ts
 * callbacks: [modelCheckpoint({ path: 'checkpoints/mnist-{epoch:02d}-{val_accuracy:.4f}.safetensors', monitor: 'val_accuracy', saveBestOnly: true })]
 * ```
 */
export function modelCheckpoint(options: ModelCheckpointOptions): ModelCheckpoint {
  const op = 'modelCheckpoint';
  requireObject(op, 'options', options);
  rejectUnknown(op, options as unknown as Record<string, unknown>, KNOWN);
  const template = string(op, 'path', options.path);
  const monitor = string(op, 'monitor', options.monitor ?? 'val_loss');
  const mode = oneOf(op, 'mode', options.mode ?? 'auto', ['auto', 'min', 'max']);
  const saveBestOnly = boolean(op, 'saveBestOnly', options.saveBestOnly ?? false);
  const verbose = boolean(op, 'verbose', options.verbose ?? false);
  if (options.write !== undefined && typeof options.write !== 'function') {
    throw new TensorError('INVALID_ARGUMENT', op, `write must be a function (bytes, path), got ${describe(options.write)}`);
  }
  const write = options.write ?? ((bytes: Uint8Array, path: string) => writeFileWithDirs(op, path, bytes));
  const maximize = mode === 'max' || (mode === 'auto' && isMaxKey(monitor));
  const saved: string[] = [];
  let best = maximize ? -Infinity : Infinity;
  let bestPath: string | undefined;

  return {
    get saved() {
      return saved;
    },
    get bestPath() {
      return bestPath;
    },
    get best() {
      return best;
    },
    onTrainBegin(context: TrainingContext) {
      if (typeof context.model.save !== 'function') {
        throw new TensorError('UNSUPPORTED', op, `the model has no save() method (a Module of @tessera/layers has one), got ${describe(context.model)}`);
      }
      saved.length = 0;
      best = maximize ? -Infinity : Infinity;
      bestPath = undefined;
    },
    async onEpochEnd(epoch: number, logs: Logs, context: TrainingContext) {
      const value = logs[monitor];
      if (saveBestOnly && value === undefined) {
        throw new TensorError('INVALID_ARGUMENT', op, `saveBestOnly monitors '${monitor}', which is not in the epoch logs (available: ${Object.keys(logs).join(', ')})`);
      }
      const improved = value !== undefined && (maximize ? value > best : value < best);
      if (saveBestOnly && !improved) return;
      const path = formatPath(template, { ...logs, epoch: epoch + 1 }, op);
      const bytes = await context.model.save!();
      await write(bytes, path);
      saved.push(path);
      if (improved) {
        best = value;
        bestPath = path;
      }
      if (verbose) console.log(`Epoch ${epoch + 1}: saved ${path}${improved ? ` (${monitor} = ${value.toPrecision(5)})` : ''}`);
    },
  };
}
