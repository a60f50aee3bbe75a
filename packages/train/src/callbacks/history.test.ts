import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TensorError } from '@tessera/tensor-core';
import { History } from './history.js';
import { fmtTick, niceTicks, type Drawing } from '../plot/chart.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-history-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sample(): History {
  const h = new History();
  const loss = [1.2, 0.8, 0.5, 0.45];
  loss.forEach((l, e) => h.onEpochEnd(e, { loss: l, accuracy: 0.5 + e * 0.1, val_loss: l + 0.1, val_accuracy: 0.45 + e * 0.1, lr: 0.001 }));
  return h;
}

describe('History', () => {
  it('records epochs and values, aligned, with NaN for missing keys', () => {
    const h = new History();
    h.onEpochEnd(0, { loss: 1 });
    h.onEpochEnd(1, { loss: 0.5, val_loss: 0.7 });
    h.onEpochEnd(2, { loss: 0.4 });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(h.history.loss).toEqual([1, 0.5, 0.4]);
    expect(h.history.val_loss).toEqual([NaN, 0.7, NaN]);
    expect(h.last).toEqual({ loss: 0.4, val_loss: NaN });
  });

  it('finds the best epoch, maximizing accuracy-like keys', () => {
    const h = sample();
    expect(h.best('val_loss')).toEqual({ epoch: 3, value: 0.55 });
    expect(h.best('accuracy').epoch).toBe(3);
    expect(h.best('loss', 'max')).toEqual({ epoch: 0, value: 1.2 });
    expect(() => h.best('f1')).toThrow(/History.best: no values logged for 'f1' \(logged: loss, accuracy, val_loss, val_accuracy, lr\)/);
  });

  it('draws an SVG with one panel per quantity, training and validation curves', () => {
    const svg = sample().toSvg();
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="1120" height="320"')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(4);
    for (const label of ['>loss<', '>accuracy<', '>val_loss<', '>val_accuracy<', '>epoch<']) expect(svg).toContain(label);
    expect(svg).not.toContain('>lr<');
    expect(sample().toSvg({ keys: ['lr'], columns: 1 })).toContain('>lr<');
  });

  it('keeps the deprecated toSVG / toPNG spellings as aliases', async () => {
    const h = sample();
    expect(h.toSVG({ keys: ['loss'] })).toBe(h.toSvg({ keys: ['loss'] }));
    expect(Array.from(await h.toPNG({ keys: ['loss'] }))).toEqual(Array.from(await h.toPng({ keys: ['loss'] })));
  });

  it('puts the legend between the title and the plot area, clear of every curve', () => {
    // Accuracy climbs to the top right corner, where the legend used to sit.
    const d: Drawing = sample().drawing({ keys: ['accuracy'], columns: 1 });
    const points = d.shapes.flatMap((s) => (s.kind === 'polyline' ? s.points.map(([, y]) => y) : s.kind === 'circle' ? [s.y - s.r] : []));
    const plotTop = Math.min(...points);
    const legend = d.shapes.filter((s) => s.kind === 'text' && (s.text === 'accuracy' || s.text === 'val_accuracy') && s.size === 11);
    expect(legend).toHaveLength(2);
    const title = d.shapes.find((s) => s.kind === 'text' && s.size === 15)!;
    for (const s of legend) {
      if (s.kind !== 'text') continue;
      expect(s.y).toBeLessThan(plotTop - 5);
      expect(s.y - s.size).toBeGreaterThan(title.kind === 'text' ? title.y : 0);
    }
    // The two entries do not overlap each other.
    const [a, b] = legend as Extract<typeof legend[number], { kind: 'text' }>[];
    expect(b!.x).toBeGreaterThan(a!.x + a!.text.length * 6);
  });

  it('writes SVG and PNG files by extension; the PNG is drawn by resvg with text', async () => {
    const h = sample();
    await h.plot(join(dir, 'plots', 'curves.svg'));
    expect(await readFile(join(dir, 'plots', 'curves.svg'), 'utf8')).toMatch(/^<svg /);
    await h.plot(join(dir, 'curves.png'), { keys: ['loss'] });
    const bytes = await readFile(join(dir, 'curves.png'));
    const png = PNG.sync.read(bytes);
    // The SVG is 560 × 320; the PNG has 2 pixels per SVG pixel.
    expect([png.width, png.height]).toEqual([1120, 640]);
    let blue = 0;
    let dark = 0;
    for (let i = 0; i < png.data.length; i += 4) {
      const [r, g, b] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
      if (Math.abs(r - 0x1f) < 8 && Math.abs(g - 0x77) < 8 && Math.abs(b - 0xb4) < 8) blue++;
      if (r < 90 && g < 90 && b < 90) dark++;
    }
    expect(blue).toBeGreaterThan(500); // the loss curve
    expect(dark).toBeGreaterThan(1500); // axes and text
    // The same bytes as toPng.
    expect(Array.from(await h.toPng({ keys: ['loss'] }))).toEqual(Array.from(new Uint8Array(bytes)));
  });

  it('rejects bad paths, keys and options', async () => {
    const h = sample();
    await expect(h.plot('curves.jpg')).rejects.toThrow(/History.plot: cannot tell the format of 'curves.jpg'/);
    await expect(h.plot('' as never)).rejects.toThrow(/path must be a file name ending in .svg or .png/);
    expect(() => h.toSvg({ keys: ['f1'] })).toThrow(/History.plot: no values logged for 'f1'/);
    expect(() => h.toSvg({ columns: 0 })).toThrow(/columns must be a positive integer/);
    expect(() => h.toSvg({ keys: 'loss' as never })).toThrow(TensorError);
    await expect(h.toPng({ keys: ['f1'] })).rejects.toThrow(/no values logged for 'f1'/);
  });

  it('draws an empty history without failing', () => {
    expect(new History().toSvg()).toContain('no epochs recorded');
  });
});

describe('chart helpers', () => {
  it('picks round ticks', () => {
    expect(niceTicks(0.43, 1.21)).toEqual([0.4, 0.6, 0.8, 1, 1.2, 1.4]);
    expect(niceTicks(1, 1)).toEqual([0.9, 0.95, 1, 1.05, 1.1]);
    expect(fmtTick(0.30000000000000004)).toBe('0.3');
    expect(fmtTick(1e-5)).toBe('1.0e-5');
  });
});
