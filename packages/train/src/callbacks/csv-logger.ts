/** `csvLogger`: one CSV row per epoch. */
import { TensorError } from '@tessera/tensor-core';
import { nodeFs, writeFileWithDirs } from '../node-fs.js';
import type { Callback, Logs } from '../types.js';
import { boolean, describe, rejectUnknown, requireObject, string } from '../validate.js';

/**
 * Options of {@link csvLogger}.
 * @example
 * ```ts
 * csvLogger('logs/run.tsv', { separator: '\t', append: true });
 * ```
 */
export interface CsvLoggerOptions {
  /** Field separator (default `,`). */
  readonly separator?: string;
  /** Append to an existing file instead of replacing it (default false). */
  readonly append?: boolean;
}

/**
 * The callback returned by {@link csvLogger}.
 * @example
 * ```ts
 * const csv = csvLogger((line) => lines.push(line));
 * ```
 */
export interface CsvLogger extends Callback {
  /** The lines written so far (header first). */
  readonly lines: readonly string[];
}

/**
 * Writes the epoch logs as CSV (Keras's `CSVLogger`): a header `epoch,loss,...,val_loss,...,lr`
 * from the first epoch's keys, then one row per epoch, written as each epoch ends (a crash
 * leaves the rows so far). Give a file path (Node) or a function that receives each line.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a bad target or options.
 * @example
 * ```ts
 * await fit(model, { ..., callbacks: [csvLogger('logs/mnist.csv')] });
 * ```
 */
export function csvLogger(target: string | ((line: string) => void | Promise<void>), options: CsvLoggerOptions = {}): CsvLogger {
  const op = 'csvLogger';
  if (typeof target !== 'function') string(op, 'target (a file path or a function)', target);
  requireObject(op, 'options', options);
  rejectUnknown(op, options as Record<string, unknown>, ['separator', 'append']);
  const separator = options.separator ?? ',';
  if (typeof separator !== 'string' || separator.length === 0 || /["\n\r]/.test(separator)) {
    throw new TensorError('INVALID_ARGUMENT', op, `separator must be a non-empty string without quotes or newlines, got ${describe(separator)}`);
  }
  const append = boolean(op, 'append', options.append ?? false);
  const lines: string[] = [];
  let keys: string[] | undefined;
  let writeHeader = true;

  let fileStarted = false;
  const emit = async (line: string): Promise<void> => {
    lines.push(line);
    if (typeof target === 'function') await target(line);
    else {
      // The first line of a run replaces the file (unless appending); later ones append.
      await writeFileWithDirs(op, target, `${line}\n`, append || fileStarted);
      fileStarted = true;
    }
  };
  const cell = (v: number | undefined): string => (v === undefined ? '' : String(v));

  return {
    get lines() {
      return lines;
    },
    async onTrainBegin() {
      lines.length = 0;
      keys = undefined;
      fileStarted = false;
      writeHeader = true;
      if (append && typeof target === 'string') {
        const fs = await nodeFs(op);
        const existing = await fs.readFile(target, 'utf8').catch(() => '');
        if (existing.length > 0) {
          writeHeader = false;
          keys = existing.split(/\r?\n/)[0]!.split(separator).slice(1);
        }
      }
    },
    async onEpochEnd(epoch: number, logs: Logs) {
      const first = keys === undefined;
      keys ??= Object.keys(logs);
      if (first && writeHeader) await emit(['epoch', ...keys].join(separator));
      await emit([String(epoch), ...keys.map((k) => cell(logs[k]))].join(separator));
    },
  };
}
