/** A plain-text table printer (right-aligned numbers, left-aligned text). */

export type Cell = string | number | undefined;

export interface Column {
  readonly title: string;
  readonly align?: 'left' | 'right';
}

/** Formats a millisecond figure with about three significant digits. */
export function fmtMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

/** `ratio` = other / tessera: above 1 Tessera is faster. */
export function fmtRatio(ratio: number | undefined): string {
  if (ratio === undefined || !Number.isFinite(ratio) || ratio <= 0) return '—';
  return ratio >= 1 ? `${ratio.toFixed(2)}x faster` : `${(1 / ratio).toFixed(2)}x slower`;
}

export function fmtNum(x: number | undefined, digits = 1): string {
  if (x === undefined || !Number.isFinite(x)) return '—';
  return x.toFixed(digits);
}

/** Renders rows under a header; a row `null` draws a separator line. */
export function renderTable(columns: readonly Column[], rows: readonly (readonly Cell[] | null)[]): string {
  const text = rows.map((r) => (r === null ? null : r.map((c) => (c === undefined ? '—' : String(c)))));
  const widths = columns.map((c, i) =>
    Math.max(c.title.length, ...text.map((r) => (r === null ? 0 : (r[i] ?? '').length))),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => ((columns[i]?.align ?? 'right') === 'left' ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join(' | ')
      .trimEnd();
  const sep = widths.map((w) => '-'.repeat(w)).join('-+-');
  const out = [line(columns.map((c) => c.title)), sep];
  for (const r of text) out.push(r === null ? sep : line(r));
  return out.join('\n');
}
