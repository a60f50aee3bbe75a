/**
 * `progressBar`: a live terminal bar in Node (cli-progress), one line per epoch where the output
 * is not a terminal (CI logs, files, browser consoles), and a plain `onProgress(info)` callback
 * for pages. The bar comes from `#terminal-bar` (package.json `imports`): cli-progress under the
 * `node` condition, nothing elsewhere, so browser bundles carry no Node code.
 */
import { TensorError } from '@tessera/tensor-core';
import { createTerminalBar } from '#terminal-bar';
import type { TerminalBar } from './terminal-bar-types.js';
import type { Callback, Logs, TrainingContext } from '../types.js';
import { describe, oneOf, rejectUnknown, requireObject } from '../validate.js';

/**
 * What {@link ProgressBarOptions.onProgress} receives after each batch and each epoch: the numbers
 * the bar shows, counted as it counts them. `epoch` is 1-based, as "Epoch 1/3" (and `step` counts
 * the batches done); `epochIndex` is the 0-based index that callbacks and `History.epoch` use.
 * @example
 * ```ts
 * progressBar({ onProgress: (p) => (label.textContent = `Epoch ${p.epoch}/${p.epochs} loss ${p.logs.loss?.toFixed(3)}`) });
 * ```
 */
export interface ProgressInfo {
  /** `'batch'` after an optimizer step, `'epoch'` after validation. */
  readonly phase: 'batch' | 'epoch';
  /** The epoch as the bar numbers it: 1 for the first ("Epoch 1/3"), `epochs` for the last. */
  readonly epoch: number;
  /** The same epoch 0-based, as callbacks receive it (`onEpochEnd(epochIndex, ...)`). */
  readonly epochIndex: number;
  /** Number of epochs of the run ("Epoch 1/3": 3). */
  readonly epochs: number;
  /** Batches done in this epoch. */
  readonly step: number;
  /** Batches per epoch, when known. */
  readonly steps: number | undefined;
  /** Samples done in this epoch. */
  readonly samples: number;
  /** Running loss and metrics (batch phase), or the epoch logs with `val_*` (epoch phase). */
  readonly logs: Logs;
  /** Training throughput in this epoch. */
  readonly samplesPerSecond: number;
  /** Seconds since the epoch began. */
  readonly elapsedSeconds: number;
  /** Estimated seconds left in this epoch (undefined when the number of batches is unknown). */
  readonly etaSeconds: number | undefined;
}

/**
 * Options of {@link progressBar}.
 * @example
 * ```ts
 * progressBar({ mode: 'epoch' }); // one line per epoch even in a terminal
 * ```
 */
export interface ProgressBarOptions {
  /**
   * `'auto'` (default): a live bar when the stream is a terminal, else one line per epoch;
   * `'bar'`: always the live bar; `'epoch'`: one line per epoch; `'none'`: only `onProgress`.
   */
  readonly mode?: 'auto' | 'bar' | 'epoch' | 'none';
  /**
   * Called after every batch and epoch with the numbers the bar shows. Giving it (in a browser,
   * say) turns terminal output off unless `mode` asks for it.
   */
  readonly onProgress?: (info: ProgressInfo) => void;
  /** Where to write (default `process.stderr` for the bar, `console.log` for epoch lines). */
  readonly stream?: { write(text: string): unknown; isTTY?: boolean };
}

/**
 * The progress callback `fit` adds by default (`verbose: 1`; `verbose: 2` is `mode: 'epoch'`):
 *
 * ```text
 * Epoch 3/10 ████████████░░░░░░░░ 150/250 | loss 0.1421 accuracy 0.9573 | 4120 samples/s | ETA 1s
 * Epoch 3/10 - 1.9s - 4093 samples/s - loss: 0.1398 - accuracy: 0.9580 - val_loss: 0.1502 - val_accuracy: 0.9535
 * ```
 *
 * @throws TensorError `INVALID_ARGUMENT` for bad options.
 * @example
 * ```ts
 * await fit(model, { ..., verbose: 0, callbacks: [progressBar({ onProgress: (p) => update(p) })] });
 * ```
 */
export function progressBar(options: ProgressBarOptions = {}): ProgressBar {
  return new ProgressBar(options);
}

const KNOWN = ['mode', 'onProgress', 'stream'] as const;

/** Formats a number for the bar: 4 significant digits. */
export function fmtValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(3);
  return v.toFixed(4);
}

/** Formats seconds as `42s`, `3m05s`, `1h02m`. */
export function fmtDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Formats logs as `loss: 0.1234 - accuracy: 0.9612` (lr and size left out). */
export function fmtLogs(logs: Logs, separator = ' - ', colon = ': '): string {
  return Object.entries(logs)
    .filter(([k]) => k !== 'lr' && k !== 'size' && k !== 'batch_loss')
    .map(([k, v]) => `${k}${colon}${fmtValue(v)}`)
    .join(separator);
}

/** "Epoch 1/3" for the 0-based epoch 0 of 3: the one numbering of the bar, the lines and `ProgressInfo.epoch`. */
function epochLabel(epochIndex: number, epochs: number): string {
  return `Epoch ${epochIndex + 1}/${epochs}`;
}

const hasProcess = (): boolean => typeof process !== 'undefined' && typeof process.stderr?.write === 'function';

/** See {@link progressBar}. */
export class ProgressBar implements Callback {
  readonly #mode: 'auto' | 'bar' | 'epoch' | 'none';
  readonly #onProgress: ((info: ProgressInfo) => void) | undefined;
  readonly #stream: { write(text: string): unknown; isTTY?: boolean } | undefined;
  #bar: TerminalBar | undefined;
  #printLines = false;
  #epochStart = 0;
  #samples = 0;
  #steps = 0;
  #lastDraw = 0;
  #total = 0;
  #payload: Record<string, string> = {};
  #epoch = 0;
  #trainSeconds = 0;

  constructor(options: ProgressBarOptions = {}) {
    const op = 'progressBar';
    requireObject(op, 'options', options);
    rejectUnknown(op, options as Record<string, unknown>, KNOWN);
    this.#mode = oneOf(op, 'mode', options.mode ?? 'auto', ['auto', 'bar', 'epoch', 'none']);
    if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
      throw new TensorError('INVALID_ARGUMENT', op, `onProgress must be a function, got ${describe(options.onProgress)}`);
    }
    if (options.stream !== undefined && typeof options.stream?.write !== 'function') {
      throw new TensorError('INVALID_ARGUMENT', op, `stream must have a write(text) method, got ${describe(options.stream)}`);
    }
    this.#onProgress = options.onProgress;
    this.#stream = options.stream;
  }

  async onTrainBegin(): Promise<void> {
    const stream = this.#stream ?? (hasProcess() ? process.stderr : undefined);
    const tty = stream?.isTTY === true;
    const mode = this.#mode === 'auto' ? (this.#onProgress ? 'none' : tty ? 'bar' : 'epoch') : this.#mode;
    this.#printLines = mode === 'epoch' || mode === 'bar';
    // Outside Node.js there is no live bar: 'bar' prints the epoch lines.
    this.#bar = mode === 'bar' && stream !== undefined ? await createTerminalBar(stream) : undefined;
  }

  onEpochBegin(epoch: number, context: TrainingContext): void {
    this.#epochStart = performance.now();
    this.#epoch = epoch;
    this.#trainSeconds = 0;
    this.#samples = 0;
    this.#steps = 0;
    this.#lastDraw = 0;
    this.#total = context.stepsPerEpoch ?? 0;
    this.#payload = { epochLabel: epochLabel(epoch, context.epochs), metrics: '', rate: '0', etaText: '?' };
    this.#bar?.start(this.#total, 0, this.#payload);
  }

  onBatchEnd(step: number, logs: Logs, context: TrainingContext): void {
    this.#steps = step + 1;
    this.#samples += logs.size ?? context.batchSize;
    const info = this.#info('batch', context, logs);
    this.#onProgress?.(info);
    if (this.#bar) {
      const now = performance.now();
      // Formatting every step costs little, but redrawing is throttled to ~10 per second.
      if (now - this.#lastDraw < 100 && this.#steps !== this.#total) return;
      this.#lastDraw = now;
      this.#payload = {
        ...this.#payload,
        metrics: fmtLogs(logs, ' ', ' '),
        rate: info.samplesPerSecond.toFixed(0),
        etaText: info.etaSeconds === undefined ? '?' : fmtDuration(info.etaSeconds),
      };
      if (this.#total === 0) this.#bar.setTotal(this.#steps);
      this.#bar.update(this.#steps, this.#payload);
    }
  }

  onEpochEnd(epoch: number, logs: Logs, context: TrainingContext): void {
    const info = this.#info('epoch', context, logs);
    this.#onProgress?.(info);
    this.#bar?.stop();
    if (this.#printLines) {
      const line = `${epochLabel(epoch, context.epochs)} - ${info.elapsedSeconds.toFixed(1)}s - ${info.samplesPerSecond.toFixed(0)} samples/s - ${fmtLogs(logs)}`;
      this.#writeLine(line);
    }
  }

  onTrainEnd(): void {
    this.#bar?.stop();
    this.#bar = undefined;
  }

  onTrainError(): void {
    this.onTrainEnd();
  }

  #writeLine(line: string): void {
    if (this.#stream) this.#stream.write(`${line}\n`);
    else console.log(line);
  }

  #info(phase: 'batch' | 'epoch', context: TrainingContext, logs: Logs): ProgressInfo {
    const elapsedSeconds = (performance.now() - this.#epochStart) / 1000;
    const steps = context.stepsPerEpoch;
    if (phase === 'batch') this.#trainSeconds = elapsedSeconds;
    const perStep = this.#steps > 0 ? this.#trainSeconds / this.#steps : NaN;
    return {
      phase,
      epoch: this.#epoch + 1,
      epochIndex: this.#epoch,
      epochs: context.epochs,
      step: this.#steps,
      steps,
      samples: this.#samples,
      logs,
      // Training throughput: validation time is not counted.
      samplesPerSecond: this.#trainSeconds > 0 ? this.#samples / this.#trainSeconds : 0,
      elapsedSeconds,
      etaSeconds: steps === undefined ? undefined : phase === 'epoch' ? 0 : Math.max(0, (steps - this.#steps) * perStep),
    };
  }
}
