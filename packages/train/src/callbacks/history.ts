/** `History`: the epoch logs of a `fit` run, and pictures of its curves. */
import { TensorError } from '@tessera/tensor-core';
import { svgToPng } from '@tessera/metrics';
import { drawPanels, type Drawing, type Panel } from '../plot/chart.js';
import { drawingToSvg } from '../plot/svg.js';
import { writeFileWithDirs } from '../node-fs.js';
import type { Callback, Logs } from '../types.js';
import { describe, rejectUnknown } from '../validate.js';

/**
 * Options of {@link History.plot}, {@link History.toSvg} and {@link History.toPng}.
 * @example
 * ```ts
 * await history.plot('curves.svg', { keys: ['loss', 'accuracy'], columns: 1 });
 * ```
 */
export interface PlotOptions {
  /**
   * Which curves, by training key (each panel also draws its `val_` twin). Default: `loss` and
   * every metric, without `lr`.
   */
  readonly keys?: readonly string[];
  /** Panels per row (default 2). */
  readonly columns?: number;
}

/**
 * The record of a `fit` run, as Keras's `History`: `history.history.loss[e]` is the loss of the
 * `e`-th epoch run, `history.epoch[e]` its (0-based) epoch number. `fit` returns it.
 *
 * @example
 * ```ts
 * const history = await fit(model, { ... });
 * history.history.val_accuracy;    // [0.91, 0.94, 0.95]
 * history.best('val_loss');        // { epoch: 2, value: 0.17 }
 * await history.plot('curves.svg'); // or .png
 * ```
 */
export class History implements Callback {
  /** Epoch numbers (0-based), one per recorded epoch. */
  readonly epoch: number[] = [];
  /** Values by key, aligned with `epoch` (NaN where an epoch lacked the key). */
  readonly history: Record<string, number[]> = {};

  /** @internal Records one epoch's logs. */
  onEpochEnd(epoch: number, logs: Logs): void {
    const index = this.epoch.length;
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) {
      const list = (this.history[key] ??= new Array<number>(index).fill(NaN));
      list.push(value);
    }
    for (const list of Object.values(this.history)) if (list.length === index) list.push(NaN);
  }

  /** The logs of the last recorded epoch (empty before the first). */
  get last(): Logs {
    const i = this.epoch.length - 1;
    const out: Logs = {};
    if (i < 0) return out;
    for (const [k, v] of Object.entries(this.history)) out[k] = v[i]!;
    return out;
  }

  /**
   * The best value of `key` and its epoch: the lowest, or the highest for `mode: 'max'` (default:
   * max for accuracy-like keys, min otherwise, as `EarlyStopping`'s `'auto'`).
   * @throws TensorError `INVALID_ARGUMENT` when `key` was never logged.
   */
  best(key: string, mode: 'min' | 'max' | 'auto' = 'auto'): { epoch: number; value: number } {
    const values = this.history[key];
    if (!values) throw new TensorError('INVALID_ARGUMENT', 'History.best', `no values logged for '${key}' (logged: ${Object.keys(this.history).join(', ') || 'nothing yet'})`);
    const max = mode === 'max' || (mode === 'auto' && isMaxKey(key));
    let best = -1;
    values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      if (best < 0 || (max ? v > values[best]! : v < values[best]!)) best = i;
    });
    if (best < 0) throw new TensorError('INVALID_ARGUMENT', 'History.best', `'${key}' has no finite value`);
    return { epoch: this.epoch[best]!, value: values[best]! };
  }

  /** The picture as drawing primitives (for custom renderers). */
  drawing(options: PlotOptions = {}): Drawing {
    const op = 'History.plot';
    if (typeof options !== 'object' || options === null) throw new TensorError('INVALID_ARGUMENT', op, `options must be an object, got ${describe(options)}`);
    rejectUnknown(op, options as Record<string, unknown>, ['keys', 'columns']);
    const available = Object.keys(this.history).filter((k) => !k.startsWith('val_') || this.history[k.slice(4)] === undefined);
    let keys = options.keys ?? available.filter((k) => k !== 'lr' && k !== 'time');
    if (!Array.isArray(keys)) throw new TensorError('INVALID_ARGUMENT', op, `keys must be an array of log keys, got ${describe(keys)}`);
    keys = keys.map((k) => (k.startsWith('val_') && this.history[k.slice(4)] ? k.slice(4) : k));
    const unknown = keys.filter((k) => !this.history[k] && !this.history[`val_${k}`]);
    if (unknown.length) {
      throw new TensorError('INVALID_ARGUMENT', op, `no values logged for ${unknown.map((k) => `'${k}'`).join(', ')} (logged: ${Object.keys(this.history).join(', ') || 'nothing yet'})`);
    }
    const columns = options.columns ?? 2;
    if (!Number.isInteger(columns) || columns < 1) throw new TensorError('INVALID_ARGUMENT', op, `columns must be a positive integer, got ${describe(columns)}`);
    const panels: Panel[] = [...new Set(keys)].map((key) => ({
      title: key,
      series: [key, `val_${key}`].filter((k) => this.history[k]).map((k) => ({ label: k, values: this.history[k]! })),
    }));
    return drawPanels(panels, this.epoch.map((e) => e + 1), columns);
  }

  /**
   * The curves as an SVG document (works in browsers).
   * @example
   * ```ts
   * document.body.insertAdjacentHTML('beforeend', history.toSvg());
   * ```
   */
  toSvg(options: PlotOptions = {}): string {
    return drawingToSvg(this.drawing(options));
  }

  /**
   * The curves as PNG bytes, drawn from {@link History.toSvg} by resvg (`svgToPng` of
   * `@tessera/metrics`, Node.js only; in a browser show the SVG).
   * @throws TensorError as {@link History.toSvg}; `UNSUPPORTED` outside Node.js.
   * @example
   * ```ts
   * const png = await history.toPng({ keys: ['loss'] });
   * ```
   */
  async toPng(options: PlotOptions = {}): Promise<Uint8Array> {
    return svgToPng(this.toSvg(options));
  }

  /**
   * @deprecated Use {@link History.toSvg} (one spelling across Tessera, as metrics' `toSvg`);
   * `toSVG` will be removed in the next minor release.
   * @example
   * ```ts
   * history.toSvg(); // instead of history.toSVG()
   * ```
   */
  toSVG(options: PlotOptions = {}): string {
    return this.toSvg(options);
  }

  /**
   * @deprecated Use {@link History.toPng}; `toPNG` will be removed in the next minor release.
   * @example
   * ```ts
   * await history.toPng(); // instead of history.toPNG()
   * ```
   */
  async toPNG(options: PlotOptions = {}): Promise<Uint8Array> {
    return this.toPng(options);
  }

  /**
   * Writes the loss and metric curves (training and validation, one panel per quantity) to
   * `path`: SVG or PNG (drawn by resvg) by its extension. Node only; in a browser use
   * {@link History.toSvg}.
   *
   * @throws TensorError `INVALID_ARGUMENT` for another extension or an unknown key;
   *   `UNSUPPORTED` outside Node.
   * @example
   * ```ts
   * await history.plot('out/mnist-curves.svg');
   * ```
   */
  async plot(path: string, options: PlotOptions = {}): Promise<void> {
    const op = 'History.plot';
    if (typeof path !== 'string' || path === '') throw new TensorError('INVALID_ARGUMENT', op, `path must be a file name ending in .svg or .png, got ${describe(path)}`);
    const ext = path.toLowerCase().slice(path.lastIndexOf('.') + 1);
    if (ext === 'svg') await writeFileWithDirs(op, path, this.toSvg(options));
    else if (ext === 'png') await writeFileWithDirs(op, path, await this.toPng(options));
    else throw new TensorError('INVALID_ARGUMENT', op, `cannot tell the format of '${path}': use a .svg or .png file name`);
  }
}

/** Whether a higher value of `key` is better (accuracy-like metrics), for `mode: 'auto'`. */
export function isMaxKey(key: string): boolean {
  const base = key.startsWith('val_') ? key.slice(4) : key;
  return /^(acc|accuracy|auc|auroc|f1|fbeta|precision|recall|r2|average_?precision|top\d*)/i.test(base) || /accuracy$/i.test(base);
}
