/**
 * Plots as SVG: a confusion-matrix heat map, a ROC curve and a precision-recall curve, written as
 * hand-made SVG strings (no dependency, same output in Node and browsers; PNG in Node through
 * resvg, see `svgToPng`). The results of `confusionMatrix`, `rocCurve` and `precisionRecallCurve`
 * carry `toSvg()`, `toPng()` and `plot(path)`
 * methods (non-enumerable, so the values still compare and serialise as plain arrays/objects);
 * the `*Svg` functions take the plain data, e.g. after a JSON round trip.
 */
import { check, describeValue, TensorError } from '@tessera/tensor-core';
import { renderPng } from './svg-to-png.js';

/**
 * The plotting methods carried by the results of `confusionMatrix`, `ConfusionMatrix.compute`,
 * `rocCurve` and `precisionRecallCurve`. They are non-enumerable: `toEqual`, `JSON.stringify` and
 * spreading see only the data.
 *
 * @example
 * ```ts
 * const cm = await confusionMatrix(logits, labels);
 * const svg = cm.toSvg({ labels: ['cat', 'dog', 'bird'] }); // a string, for the DOM
 * await cm.plot('confusion.svg', { normalize: 'true' });     // Node: writes the file
 * ```
 */
export interface Plottable<O> {
  /**
   * The plot as an SVG document string (synchronous; browsers can insert it into the DOM).
   * @throws TensorError `INVALID_ARGUMENT` for an empty or undefined result, or bad options.
   */
  toSvg(options?: O): string;
  /**
   * The plot as PNG bytes, drawn from the SVG by resvg (see `svgToPng`; Node.js only).
   * @throws TensorError as `toSvg`; `UNSUPPORTED` outside Node.js.
   */
  toPng(options?: O): Promise<Uint8Array>;
  /**
   * Renders the plot; with a `path` (Node only) also writes it there, creating the parent
   * folders: SVG text for `.svg`, a PNG drawn by resvg for `.png` (as `History.plot`). Resolves
   * to the SVG string either way.
   * @param path A file name ending in `.svg` or `.png` (other formats throw `INVALID_ARGUMENT`).
   * @throws TensorError as `toSvg`; `UNSUPPORTED` for a path outside Node.js.
   */
  plot(path?: string, options?: O): Promise<string>;
}

/**
 * Options of the confusion-matrix heat map.
 *
 * @example
 * ```ts
 * cm.toSvg({ labels: ['neg', 'pos'], normalize: 'true', title: 'Validation' });
 * ```
 */
export interface ConfusionMatrixPlotOptions {
  /** Default `'Confusion matrix'`. */
  title?: string;
  /** Class names, one per class (row); default the class indices. */
  labels?: readonly string[];
  /**
   * Colour each cell by its fraction of its row (`'true'`, recall-like), column (`'pred'`) or of
   * the whole matrix (`'all'`), and print that percentage under the count. Default: colour by
   * the value relative to the largest cell.
   */
  normalize?: 'true' | 'pred' | 'all';
  /** Cell side in pixels, 8 to 200. Default `480 / C` clamped to [16, 64]. */
  cellSize?: number;
}

/**
 * Options of the ROC and precision-recall plots.
 *
 * @example
 * ```ts
 * roc.toSvg({ title: 'Validation ROC', label: 'model A' });
 * ```
 */
export interface CurvePlotOptions {
  /** Default `'ROC curve'` or `'Precision-recall curve'`. */
  title?: string;
  /** The curve's name in the legend, before the area: default `'ROC'` or `'PR'`. */
  label?: string;
  /** Side of the square plotting area in pixels, 100 to 2000. Default 400. */
  size?: number;
}

/** The data a ROC plot needs (what `rocCurve` returns). */
export interface RocCurveData {
  readonly fpr: ArrayLike<number>;
  readonly tpr: ArrayLike<number>;
}

/** The data a precision-recall plot needs (what `precisionRecallCurve` returns). */
export interface PrecisionRecallCurveData {
  readonly precision: ArrayLike<number>;
  readonly recall: ArrayLike<number>;
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

/** Escapes text for SVG content and attribute values. */
function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]!};`);
}

/** A coordinate with at most 2 decimals, without trailing zeros. */
function px(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** The SVG document around `body`: size, accessible title, default font. */
function svgDocument(width: number, height: number, title: string, body: string[]): string {
  const w = px(width);
  const h = px(height);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${escapeXml(title)}" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect class="background" width="${w}" height="${h}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** A text element; `attrs` is extra raw attribute text. */
function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${px(x)}" y="${px(y)}"${attrs ? ` ${attrs}` : ''}>${escapeXml(content)}</text>`;
}

/** matplotlib's 'Blues' colour map, light to dark. */
const BLUES = ['#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'];

/** The 'Blues' colour of `t` in [0, 1], interpolated linearly in RGB. */
function blue(t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (BLUES.length - 1);
  const i = Math.min(BLUES.length - 2, Math.floor(x));
  const f = x - i;
  const a = BLUES[i]!;
  const b = BLUES[i + 1]!;
  let out = '#';
  for (let k = 1; k < 7; k += 2) {
    const v = Math.round(parseInt(a.slice(k, k + 2), 16) * (1 - f) + parseInt(b.slice(k, k + 2), 16) * f);
    out += v.toString(16).padStart(2, '0');
  }
  return out;
}

/** A count as an integer, any other value with 2 decimals. */
function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

// ---------------------------------------------------------------------------------------------
// Confusion matrix

const CONFUSION_OPTIONS = ['title', 'labels', 'normalize', 'cellSize'] as const;

/**
 * A heat map of a confusion matrix (true classes in rows, predictions in columns, as
 * `confusionMatrix` returns it), as an SVG string: one `<rect class="cell">` per cell coloured on
 * matplotlib's 'Blues' scale, the value written in it (when the cell is at least 16 px), a
 * tooltip per cell, class labels, the axis titles "Predicted" and "True", and a colour bar.
 *
 * @param matrix `C × C` finite non-negative values: counts, or the fractions of a normalised matrix.
 * @throws TensorError `INVALID_ARGUMENT` for an empty or non-square matrix, negative or non-finite
 *   values, or bad options (unknown keys, `labels` of the wrong length, ...).
 * @example
 * ```ts
 * const svg = confusionMatrixSvg([[5, 1], [2, 7]], { labels: ['neg', 'pos'] });
 * document.body.insertAdjacentHTML('beforeend', svg);
 * ```
 */
export function confusionMatrixSvg(matrix: ReadonlyArray<ArrayLike<number>>, options?: ConfusionMatrixPlotOptions): string {
  return renderConfusionMatrix(matrix, options, 'confusionMatrixSvg');
}

/** @internal confusionMatrixSvg with errors named after `op`. */
export function renderConfusionMatrix(matrix: ReadonlyArray<ArrayLike<number>>, options: ConfusionMatrixPlotOptions | undefined, op: string): string {
  if (!Array.isArray(matrix) || matrix.length === 0) {
    throw new TensorError('INVALID_ARGUMENT', op, `the confusion matrix is empty (got ${Array.isArray(matrix) ? '[]' : describeValue(matrix)}); compute it from at least one sample`);
  }
  const n = matrix.length;
  const values: number[][] = [];
  for (let t = 0; t < n; t++) {
    const row = matrix[t];
    if (row === null || typeof row !== 'object' || row.length !== n) {
      throw new TensorError('INVALID_ARGUMENT', op, `the confusion matrix must be square: it has ${n} rows but row ${t} has ${row === null || typeof row !== 'object' ? describeValue(row) : `${row.length} values`}`);
    }
    const copy: number[] = [];
    for (let p = 0; p < n; p++) {
      const v = row[p];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new TensorError('INVALID_ARGUMENT', op, `matrix[${t}][${p}] = ${String(v)}; cells must be finite numbers >= 0`);
      }
      copy.push(v);
    }
    values.push(copy);
  }

  // Every bad option in one error; the labels' count depends on the (already checked) matrix.
  const c = check.all(op);
  const o = c.options(options, CONFUSION_OPTIONS);
  const title = o.title === undefined ? 'Confusion matrix' : c.string('title', o.title);
  const normalize = o.normalize === undefined ? undefined : c.oneOf('normalize', o.normalize, ['true', 'pred', 'all'] as const);
  let labels = Array.from({ length: n }, (_, k) => String(k));
  if (o.labels !== undefined) {
    const given: unknown = o.labels;
    if (!Array.isArray(given) || given.some((l) => typeof l !== 'string')) {
      c.fail('INVALID_ARGUMENT', `labels must be an array of strings, got ${describeValue(given)}`, 'labels', given);
    } else if (given.length !== n) {
      c.fail('INVALID_ARGUMENT', `labels has ${given.length} names but the matrix has ${n} classes`, 'labels', given);
    } else {
      labels = given as string[];
    }
  }
  const cell = o.cellSize === undefined ? Math.round(Math.min(64, Math.max(16, 480 / n))) : c.number('cellSize', o.cellSize, { min: 8, max: 200 });
  c.done();

  // The fraction each cell is coloured by (and, when normalising, printed as a percentage).
  const rowSums = values.map((row) => row.reduce((a, b) => a + b, 0));
  const colSums = values[0]!.map((_, p) => values.reduce((a, row) => a + row[p]!, 0));
  const total = rowSums.reduce((a, b) => a + b, 0);
  const max = Math.max(...values.map((row) => Math.max(...row)));
  const fraction = (t: number, p: number): number => {
    const v = values[t]![p]!;
    const d = normalize === 'true' ? rowSums[t]! : normalize === 'pred' ? colSums[p]! : normalize === 'all' ? total : max;
    return d > 0 ? v / d : 0;
  };

  // Layout: labels are sized from a 7 px-per-character estimate (no text metrics in a string).
  const charWidth = 7;
  const longest = Math.max(...labels.map((l) => l.length));
  const rotateX = longest * charWidth > cell - 4;
  const yLabelWidth = longest * charWidth + 8;
  const xLabelHeight = rotateX ? longest * charWidth * 0.72 + 12 : 18;
  const left = 28 + yLabelWidth;
  const top = 40;
  const gridSize = n * cell;
  const barX = left + gridSize + 16;
  const barWidth = 14;
  const barLabelWidth = Math.max(formatValue(max).length, 4) * charWidth + 8;
  const width = Math.max(barX + barWidth + barLabelWidth, left + gridSize + 20, 2 * left + 40);
  const height = top + gridSize + xLabelHeight + 34;

  const body: string[] = [];
  body.push(text(width / 2, 24, title, 'text-anchor="middle" font-size="16" font-weight="bold"'));
  const showText = cell >= 16;
  const fontSize = Math.min(14, Math.max(8, cell * 0.28));
  const twoLines = normalize !== undefined && cell >= 36;
  for (let t = 0; t < n; t++) {
    for (let p = 0; p < n; p++) {
      const v = values[t]![p]!;
      const f = fraction(t, p);
      const x = left + p * cell;
      const y = top + t * cell;
      const percent = `${(100 * f).toFixed(1)}%`;
      const tip = `true ${labels[t]}, predicted ${labels[p]}: ${formatValue(v)}${normalize ? ` (${percent})` : ''}`;
      body.push(`<rect class="cell" x="${px(x)}" y="${px(y)}" width="${px(cell)}" height="${px(cell)}" fill="${blue(f)}" stroke="#ffffff" stroke-width="1"><title>${escapeXml(tip)}</title></rect>`);
      if (!showText) continue;
      const colour = f > 0.5 ? '#ffffff' : '#08306b';
      const cx = x + cell / 2;
      const cy = y + cell / 2;
      if (twoLines) {
        body.push(text(cx, cy - 2, formatValue(v), `text-anchor="middle" font-size="${px(fontSize)}" fill="${colour}"`));
        body.push(text(cx, cy + fontSize * 0.9, percent, `text-anchor="middle" font-size="${px(fontSize * 0.75)}" fill="${colour}"`));
      } else {
        body.push(text(cx, cy, formatValue(v), `text-anchor="middle" dominant-baseline="central" font-size="${px(fontSize)}" fill="${colour}"`));
      }
    }
  }
  // Class labels: true classes left of the rows, predicted classes under the columns.
  for (let c = 0; c < n; c++) {
    body.push(text(left - 6, top + (c + 0.5) * cell, labels[c]!, 'text-anchor="end" dominant-baseline="central"'));
    const x = left + (c + 0.5) * cell;
    const y = top + gridSize + 14;
    body.push(rotateX ? text(x, y, labels[c]!, `text-anchor="end" transform="rotate(-45 ${px(x)} ${px(y)})"`) : text(x, y, labels[c]!, 'text-anchor="middle"'));
  }
  body.push(text(left + gridSize / 2, top + gridSize + xLabelHeight + 22, 'Predicted', 'text-anchor="middle" font-size="13"'));
  const trueX = 14;
  const trueY = top + gridSize / 2;
  body.push(text(trueX, trueY, 'True', `text-anchor="middle" font-size="13" transform="rotate(-90 ${px(trueX)} ${px(trueY)})"`));
  // Colour bar: the scale the fractions are drawn on.
  const barTop = formatValue(normalize ? 1 : max);
  const barTopLabel = normalize ? '100%' : barTop;
  body.push('<defs><linearGradient id="tessera-cm-scale" x1="0" y1="1" x2="0" y2="0">');
  BLUES.forEach((c, i) => body.push(`<stop offset="${px(i / (BLUES.length - 1))}" stop-color="${c}"/>`));
  body.push('</linearGradient></defs>');
  body.push(`<rect class="colorbar" x="${px(barX)}" y="${px(top)}" width="${barWidth}" height="${px(gridSize)}" fill="url(#tessera-cm-scale)" stroke="#999999" stroke-width="0.5"/>`);
  body.push(text(barX + barWidth + 4, top + 4, barTopLabel, 'dominant-baseline="central" font-size="10"'));
  body.push(text(barX + barWidth + 4, top + gridSize - 4, normalize ? '0%' : '0', 'dominant-baseline="central" font-size="10"'));
  return svgDocument(width, height, title, body);
}

// ---------------------------------------------------------------------------------------------
// Curves

const CURVE_OPTIONS = ['title', 'label', 'size'] as const;

/** Reads two equally long arrays of rates in [0, 1] (at least 2 points). */
function readRates(x: ArrayLike<number> | undefined, y: ArrayLike<number> | undefined, names: [string, string], what: string, op: string): [number[], number[]] {
  const [xName, yName] = names;
  for (const [name, arr] of [[xName, x], [yName, y]] as const) {
    if (arr === null || typeof arr !== 'object' || typeof arr.length !== 'number') {
      throw new TensorError('INVALID_ARGUMENT', op, `${what} needs arrays ${xName} and ${yName}; ${name} is ${describeValue(arr)}`);
    }
  }
  const xs = Array.from(x!);
  const ys = Array.from(y!);
  if (xs.length !== ys.length) throw new TensorError('INVALID_ARGUMENT', op, `${xName} has ${xs.length} points but ${yName} has ${ys.length}`);
  if (xs.length < 2) throw new TensorError('INVALID_ARGUMENT', op, `the ${what} is empty: it needs at least 2 points, got ${xs.length}`);
  for (const [name, arr] of [[xName, xs], [yName, ys]] as const) {
    const i = arr.findIndex((v) => typeof v !== 'number' || !(v >= 0 && v <= 1));
    if (i >= 0) {
      const hint = Number.isNaN(arr[i]) ? ' (the target has a single class, so the curve is undefined)' : '';
      throw new TensorError('INVALID_ARGUMENT', op, `${name}[${i}] = ${String(arr[i])}; rates must lie in [0, 1]${hint}`);
    }
  }
  return [xs, ys];
}

interface Series {
  /** Points in [0, 1]², in drawing order. */
  points: Array<[number, number]>;
  legend: string;
  colour: string;
  dashed: boolean;
  cls: string;
}

/** A square 0..1 × 0..1 chart with ticks every 0.2, a grid, and a legend. */
function curveChart(title: string, axes: [string, string], size: number, series: Series[], legendCorner: 'lower-right' | 'lower-left'): string {
  const left = 62;
  const right = 24;
  const top = 44;
  const bottom = 52;
  const width = left + size + right;
  const height = top + size + bottom;
  const sx = (v: number): number => left + v * size;
  const sy = (v: number): number => top + (1 - v) * size;
  const body: string[] = [];
  body.push(text(width / 2, 26, title, 'text-anchor="middle" font-size="16" font-weight="bold"'));
  // Grid and ticks.
  for (let k = 0; k <= 5; k++) {
    const v = k / 5;
    const label = v.toFixed(1);
    body.push(`<line class="grid" x1="${px(sx(v))}" y1="${px(sy(0))}" x2="${px(sx(v))}" y2="${px(sy(1))}" stroke="#e5e5e5" stroke-width="1"/>`);
    body.push(`<line class="grid" x1="${px(sx(0))}" y1="${px(sy(v))}" x2="${px(sx(1))}" y2="${px(sy(v))}" stroke="#e5e5e5" stroke-width="1"/>`);
    body.push(`<line class="tick" x1="${px(sx(v))}" y1="${px(sy(0))}" x2="${px(sx(v))}" y2="${px(sy(0) + 5)}" stroke="#333333"/>`);
    body.push(`<line class="tick" x1="${px(sx(0) - 5)}" y1="${px(sy(v))}" x2="${px(sx(0))}" y2="${px(sy(v))}" stroke="#333333"/>`);
    body.push(text(sx(v), sy(0) + 18, label, 'text-anchor="middle" font-size="11"'));
    body.push(text(sx(0) - 8, sy(v), label, 'text-anchor="end" dominant-baseline="central" font-size="11"'));
  }
  body.push(`<rect class="frame" x="${px(sx(0))}" y="${px(sy(1))}" width="${px(size)}" height="${px(size)}" fill="none" stroke="#333333" stroke-width="1"/>`);
  body.push(text(sx(0.5), sy(0) + 40, axes[0], 'text-anchor="middle" font-size="13"'));
  const yx = 18;
  const yy = sy(0.5);
  body.push(text(yx, yy, axes[1], `text-anchor="middle" font-size="13" transform="rotate(-90 ${px(yx)} ${px(yy)})"`));
  // Series: the chance line first, so the curve is drawn over it.
  for (const s of series) {
    const points = s.points.map(([x, y]) => `${px(sx(x))},${px(sy(y))}`).join(' ');
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    body.push(`<polyline class="${s.cls}" points="${points}" fill="none" stroke="${s.colour}" stroke-width="${s.dashed ? 1.5 : 2}"${dash} stroke-linejoin="round"/>`);
  }
  // Legend.
  const longest = Math.max(...series.map((s) => s.legend.length));
  const boxWidth = 40 + longest * 6.5;
  const boxHeight = 10 + series.length * 18;
  const bx = legendCorner === 'lower-right' ? sx(1) - boxWidth - 10 : sx(0) + 10;
  const by = sy(0) - boxHeight - 10;
  body.push(`<g class="legend"><rect x="${px(bx)}" y="${px(by)}" width="${px(boxWidth)}" height="${px(boxHeight)}" fill="#ffffff" fill-opacity="0.9" stroke="#bbbbbb"/>`);
  series.forEach((s, i) => {
    const ly = by + 14 + i * 18;
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    body.push(`<line x1="${px(bx + 8)}" y1="${px(ly)}" x2="${px(bx + 30)}" y2="${px(ly)}" stroke="${s.colour}" stroke-width="2"${dash}/>`);
    body.push(text(bx + 36, ly, s.legend, 'dominant-baseline="central" font-size="12"'));
  });
  body.push('</g>');
  return svgDocument(width, height, title, body);
}

function curveOptions(options: CurvePlotOptions | undefined, defaults: { title: string; label: string }, op: string): { title: string; label: string; size: number } {
  const c = check.all(op);
  const o = c.options(options, CURVE_OPTIONS);
  const result = {
    title: o.title === undefined ? defaults.title : c.string('title', o.title),
    label: o.label === undefined ? defaults.label : c.string('label', o.label),
    size: o.size === undefined ? 400 : c.number('size', o.size, { min: 100, max: 2000 }),
  };
  c.done();
  return result;
}

/**
 * A ROC curve as an SVG string: the curve (`<polyline class="curve">`, one point per threshold),
 * the dashed chance diagonal, axes from 0 to 1 with ticks every 0.2, and the AUC (trapezoidal, as
 * `auc(fpr, tpr)`) in the legend.
 *
 * @param curve `{ fpr, tpr }` as `rocCurve` returns them: rates in [0, 1], fpr increasing.
 * @throws TensorError `INVALID_ARGUMENT` for fewer than 2 points, rates outside [0, 1] (NaN: a
 *   target with one class), a non-monotonic fpr, or bad options.
 * @example
 * ```ts
 * const svg = rocCurveSvg(await rocCurve(scores, labels), { label: 'model A' }); // "model A (AUC = 0.750)"
 * ```
 */
export function rocCurveSvg(curve: RocCurveData, options?: CurvePlotOptions): string {
  return renderRocCurve(curve, options, 'rocCurveSvg');
}

/** @internal rocCurveSvg with errors named after `op`. */
export function renderRocCurve(curve: RocCurveData, options: CurvePlotOptions | undefined, op: string): string {
  const [fpr, tpr] = readRates(curve?.fpr, curve?.tpr, ['fpr', 'tpr'], 'ROC curve', op);
  for (let i = 1; i < fpr.length; i++) {
    if (fpr[i]! < fpr[i - 1]!) throw new TensorError('INVALID_ARGUMENT', op, `fpr must be increasing, but fpr[${i}] = ${fpr[i]} < fpr[${i - 1}] = ${fpr[i - 1]}`);
  }
  const { title, label, size } = curveOptions(options, { title: 'ROC curve', label: 'ROC' }, op);
  let area = 0;
  for (let i = 1; i < fpr.length; i++) area += ((fpr[i]! - fpr[i - 1]!) * (tpr[i]! + tpr[i - 1]!)) / 2;
  return curveChart(
    title,
    ['False positive rate', 'True positive rate'],
    size,
    [
      { points: [[0, 0], [1, 1]], legend: 'Chance (AUC = 0.500)', colour: '#888888', dashed: true, cls: 'chance' },
      { points: fpr.map((x, i) => [x, tpr[i]!]), legend: `${label} (AUC = ${area.toFixed(3)})`, colour: '#1f77b4', dashed: false, cls: 'curve' },
    ],
    'lower-right',
  );
}

/**
 * A precision-recall curve as an SVG string: the curve drawn as steps (`<polyline class="curve">`
 * with `2·n − 1` points for `n` curve points: precision holds until the next recall, the same
 * step-wise area as average precision), the chance level (the positive rate, `precision[0]` of a
 * curve from `precisionRecallCurve`), axes from 0 to 1, and the average precision in the legend.
 *
 * @param curve `{ precision, recall }` as `precisionRecallCurve` returns them (recall decreasing to 0).
 * @throws TensorError `INVALID_ARGUMENT` for fewer than 2 points, values outside [0, 1], a recall
 *   that increases, or bad options.
 * @example
 * ```ts
 * const svg = precisionRecallCurveSvg(await precisionRecallCurve(scores, labels)); // "PR (AP = 0.833)"
 * ```
 */
export function precisionRecallCurveSvg(curve: PrecisionRecallCurveData, options?: CurvePlotOptions): string {
  return renderPrecisionRecallCurve(curve, options, 'precisionRecallCurveSvg');
}

/** @internal precisionRecallCurveSvg with errors named after `op`. */
export function renderPrecisionRecallCurve(curve: PrecisionRecallCurveData, options: CurvePlotOptions | undefined, op: string): string {
  const [recall, precision] = readRates(curve?.recall, curve?.precision, ['recall', 'precision'], 'precision-recall curve', op);
  for (let i = 1; i < recall.length; i++) {
    if (recall[i]! > recall[i - 1]!) throw new TensorError('INVALID_ARGUMENT', op, `recall must be decreasing (as precisionRecallCurve returns it), but recall[${i}] = ${recall[i]} > recall[${i - 1}] = ${recall[i - 1]}`);
  }
  const { title, label, size } = curveOptions(options, { title: 'Precision-recall curve', label: 'PR' }, op);
  let ap = 0;
  for (let i = 0; i < recall.length - 1; i++) ap += (recall[i]! - recall[i + 1]!) * precision[i]!;
  const steps: Array<[number, number]> = [];
  for (let i = 0; i < recall.length - 1; i++) steps.push([recall[i]!, precision[i]!], [recall[i + 1]!, precision[i]!]);
  steps.push([recall[recall.length - 1]!, precision[precision.length - 1]!]);
  // At the lowest threshold every sample is predicted positive: precision is the positive rate.
  const chance = precision[0]!;
  return curveChart(
    title,
    ['Recall', 'Precision'],
    size,
    [
      { points: [[0, chance], [1, chance]], legend: `Chance (AP = ${chance.toFixed(3)})`, colour: '#888888', dashed: true, cls: 'chance' },
      { points: steps, legend: `${label} (AP = ${ap.toFixed(3)})`, colour: '#1f77b4', dashed: false, cls: 'curve' },
    ],
    'lower-left',
  );
}

// ---------------------------------------------------------------------------------------------
// Attaching the methods, and writing files

type Fs = typeof import('node:fs/promises');

/** `node:fs/promises`, imported on first use so that browser bundles never see it. */
async function nodeFs(op: string): Promise<Fs> {
  // A computed specifier keeps bundlers from pulling node:fs into browser builds.
  const specifier = 'node:fs/promises';
  try {
    return (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as Fs;
  } catch {
    throw new TensorError('UNSUPPORTED', op, 'writing a plot to a file needs Node.js (node:fs); in a browser call plot() without a path, or toSvg(), and use the string');
  }
}

/** Renders with `render` and, given a path, writes the SVG, or a PNG of it, there. */
async function plotTo(render: () => string, path: string | undefined, op: string): Promise<string> {
  let png = false;
  if (path !== undefined) {
    check.string(op, 'path', path);
    png = /\.png$/i.test(path);
    if (!png && !/\.svg$/i.test(path)) {
      throw new TensorError('INVALID_ARGUMENT', op, `cannot tell the format of '${path}': use a file name ending in .svg or .png`);
    }
  }
  const svg = render();
  if (path === undefined) return svg;
  const fs = await nodeFs(op);
  const bytes = png ? await renderPng(svg, {}, op) : undefined;
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  if (slash > 0) await fs.mkdir(path.slice(0, slash), { recursive: true });
  if (bytes) await fs.writeFile(path, bytes);
  else await fs.writeFile(path, svg, 'utf8');
  return svg;
}

/** @internal Adds non-enumerable `toSvg`, `toPng` and `plot` methods to `value` and returns it. */
export function withPlot<T extends object, O>(value: T, render: (value: T, options: O | undefined, op: string) => string, name: string): T & Plottable<O> {
  const methods: Plottable<O> = {
    toSvg: (options?: O) => render(value, options, `${name}.toSvg`),
    toPng: async (options?: O) => renderPng(render(value, options, `${name}.toPng`), {}, `${name}.toPng`),
    plot: (path?: string, options?: O) => plotTo(() => render(value, options, `${name}.plot`), path, `${name}.plot`),
  };
  for (const key of ['toSvg', 'toPng', 'plot'] as const) {
    Object.defineProperty(value, key, { value: methods[key], enumerable: false, writable: true, configurable: true });
  }
  return value as T & Plottable<O>;
}
