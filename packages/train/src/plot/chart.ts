/**
 * Line charts of training curves as a list of drawing primitives, rendered to SVG text by the
 * small renderer beside this file (PNG: that SVG drawn by resvg, see `svgToPng` of metrics).
 */

/** A drawing primitive in pixel coordinates (origin top left). */
export type Shape =
  | { readonly kind: 'rect'; readonly x: number; readonly y: number; readonly width: number; readonly height: number; readonly fill: string; readonly stroke?: string }
  | { readonly kind: 'line'; readonly x1: number; readonly y1: number; readonly x2: number; readonly y2: number; readonly stroke: string; readonly width: number; readonly dash?: boolean }
  | { readonly kind: 'polyline'; readonly points: readonly (readonly [number, number])[]; readonly stroke: string; readonly width: number }
  | { readonly kind: 'circle'; readonly x: number; readonly y: number; readonly r: number; readonly fill: string }
  | { readonly kind: 'text'; readonly x: number; readonly y: number; readonly text: string; readonly size: number; readonly anchor: 'start' | 'middle' | 'end'; readonly fill: string };

/** A picture: its size and shapes. */
export interface Drawing {
  readonly width: number;
  readonly height: number;
  readonly shapes: Shape[];
}

/** One curve: a label and a value per epoch (NaN for a missing value). */
export interface Series {
  readonly label: string;
  readonly values: readonly number[];
}

/** One panel: a title and its curves over the same epochs. */
export interface Panel {
  readonly title: string;
  readonly series: readonly Series[];
}

/** Colours of the curves, in order (matplotlib's first four). */
export const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728'] as const;

const PANEL_WIDTH = 560;
const PANEL_HEIGHT = 320;
// The top margin holds the title and, under it, the legend: a legend inside the plot area hid
// the accuracy curves, which climb into its corner.
const MARGIN = { left: 64, right: 16, top: 58, bottom: 44 };
const LEGEND_Y = 42;

/** Round tick values covering `[lo, hi]` (about `count` of them). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const ticks: number[] = [];
  const first = Math.floor(lo / step + 1e-9);
  // Up to the first tick at or above hi, so the axis covers every value.
  for (let i = first; ticks.length < 100; i++) {
    const v = +(i * step).toPrecision(12);
    ticks.push(v);
    if (v >= hi - step * 1e-9) break;
  }
  return ticks;
}

/** A tick label: few digits, no floating-point noise. */
export function fmtTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1);
  return String(+v.toPrecision(4));
}

/** Lays out `panels` side by side, `columns` per row, and returns the drawing. */
export function drawPanels(panels: readonly Panel[], epochs: readonly number[], columns = 2): Drawing {
  const cols = Math.max(1, Math.min(columns, panels.length));
  const rows = Math.max(1, Math.ceil(panels.length / cols));
  const width = cols * PANEL_WIDTH;
  const height = rows * PANEL_HEIGHT;
  const shapes: Shape[] = [{ kind: 'rect', x: 0, y: 0, width, height, fill: '#ffffff' }];
  panels.forEach((panel, i) => drawPanel(shapes, panel, epochs, (i % cols) * PANEL_WIDTH, Math.floor(i / cols) * PANEL_HEIGHT));
  if (panels.length === 0) shapes.push({ kind: 'text', x: width / 2, y: height / 2, text: 'no epochs recorded', size: 14, anchor: 'middle', fill: '#333333' });
  return { width, height, shapes };
}

function drawPanel(shapes: Shape[], panel: Panel, epochs: readonly number[], ox: number, oy: number): void {
  const left = ox + MARGIN.left;
  const right = ox + PANEL_WIDTH - MARGIN.right;
  const top = oy + MARGIN.top;
  const bottom = oy + PANEL_HEIGHT - MARGIN.bottom;
  const finite = panel.series.flatMap((s) => s.values.filter((v) => Number.isFinite(v)));
  const yTicks = niceTicks(finite.length ? Math.min(...finite) : 0, finite.length ? Math.max(...finite) : 1);
  const yLo = yTicks[0]!;
  const yHi = yTicks[yTicks.length - 1]!;
  const xLo = epochs.length ? epochs[0]! : 1;
  const xHi = epochs.length ? epochs[epochs.length - 1]! : 1;
  const px = (e: number): number => (xHi === xLo ? (left + right) / 2 : left + ((e - xLo) / (xHi - xLo)) * (right - left));
  const py = (v: number): number => bottom - ((v - yLo) / (yHi - yLo)) * (bottom - top);

  shapes.push({ kind: 'text', x: (left + right) / 2, y: oy + 22, text: panel.title, size: 15, anchor: 'middle', fill: '#222222' });
  for (const t of yTicks) {
    const y = py(t);
    shapes.push({ kind: 'line', x1: left, y1: y, x2: right, y2: y, stroke: '#e6e6e6', width: 1 });
    shapes.push({ kind: 'text', x: left - 6, y: y + 4, text: fmtTick(t), size: 11, anchor: 'end', fill: '#444444' });
  }
  const xTicks = niceTicks(xLo, xHi, Math.min(8, Math.max(1, xHi - xLo))).filter((t) => t >= xLo && t <= xHi && Number.isInteger(t));
  for (const t of xTicks) {
    const x = px(t);
    shapes.push({ kind: 'line', x1: x, y1: bottom, x2: x, y2: bottom + 4, stroke: '#444444', width: 1 });
    shapes.push({ kind: 'text', x, y: bottom + 17, text: String(t), size: 11, anchor: 'middle', fill: '#444444' });
  }
  shapes.push({ kind: 'line', x1: left, y1: bottom, x2: right, y2: bottom, stroke: '#444444', width: 1 });
  shapes.push({ kind: 'line', x1: left, y1: top, x2: left, y2: bottom, stroke: '#444444', width: 1 });
  shapes.push({ kind: 'text', x: (left + right) / 2, y: bottom + 34, text: 'epoch', size: 12, anchor: 'middle', fill: '#444444' });

  panel.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    // Break the curve at missing values.
    let run: [number, number][] = [];
    const flush = (): void => {
      if (run.length > 1) shapes.push({ kind: 'polyline', points: run, stroke: color, width: 2 });
      run = [];
    };
    s.values.forEach((v, j) => {
      if (!Number.isFinite(v) || epochs[j] === undefined) return flush();
      const p: [number, number] = [px(epochs[j]!), py(v)];
      run.push(p);
      shapes.push({ kind: 'circle', x: p[0], y: p[1], r: 2.5, fill: color });
    });
    flush();
  });
  // Legend: one row between the title and the plot area, centred, so it never covers a curve.
  const entryWidth = (label: string): number => 28 + label.length * 6.5 + 18;
  const total = panel.series.reduce((w, s) => w + entryWidth(s.label), 0);
  let lx = Math.max(left, (left + right) / 2 - total / 2);
  const ly = oy + LEGEND_Y;
  panel.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    shapes.push({ kind: 'line', x1: lx, y1: ly, x2: lx + 22, y2: ly, stroke: color, width: 2 });
    shapes.push({ kind: 'text', x: lx + 28, y: ly + 4, text: s.label, size: 11, anchor: 'start', fill: '#222222' });
    lx += entryWidth(s.label);
  });
}
