import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TensorError } from '@tessera/tensor-core';
import { History } from './history.js';
import { fmtTick, niceTicks } from '../plot/chart.js';

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
    const svg = sample().toSVG();
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="1120" height="320"')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(4);
    for (const label of ['>loss<', '>accuracy<', '>val_loss<', '>val_accuracy<', '>epoch<']) expect(svg).toContain(label);
    expect(svg).not.toContain('>lr<');
    expect(sample().toSVG({ keys: ['lr'], columns: 1 })).toContain('>lr<');
  });

  it('writes SVG and PNG files by extension; the PNG decodes to the right size', async () => {
    const h = sample();
    await h.plot(join(dir, 'plots', 'curves.svg'));
    expect(await readFile(join(dir, 'plots', 'curves.svg'), 'utf8')).toMatch(/^<svg /);
    await h.plot(join(dir, 'curves.png'), { keys: ['loss'] });
    const png = new Uint8Array(await readFile(join(dir, 'curves.png')));
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const view = new DataView(png.buffer, png.byteOffset);
    const [width, height] = [view.getUint32(16), view.getUint32(20)];
    expect([width, height]).toEqual([560, 320]);
    // IDAT holds (1 + 3·width) bytes per row: the picture is not blank (curves are coloured).
    const idatLength = view.getUint32(33);
    expect(String.fromCharCode(...png.subarray(37, 41))).toBe('IDAT');
    const raw = inflateSync(png.subarray(41, 41 + idatLength));
    expect(raw.length).toBe(height * (1 + 3 * width));
    let blue = 0;
    for (let i = 0; i < raw.length - 2; i++) if (raw[i] === 0x1f && raw[i + 1] === 0x77 && raw[i + 2] === 0xb4) blue++;
    expect(blue).toBeGreaterThan(50);
  });

  it('rejects bad paths, keys and options', async () => {
    const h = sample();
    await expect(h.plot('curves.jpg')).rejects.toThrow(/History.plot: cannot tell the format of 'curves.jpg'/);
    await expect(h.plot('' as never)).rejects.toThrow(/path must be a file name ending in .svg or .png/);
    expect(() => h.toSVG({ keys: ['f1'] })).toThrow(/History.plot: no values logged for 'f1'/);
    expect(() => h.toSVG({ columns: 0 })).toThrow(/columns must be a positive integer/);
    expect(() => h.toSVG({ keys: 'loss' as never })).toThrow(TensorError);
  });

  it('draws an empty history without failing', () => {
    expect(new History().toSVG()).toContain('no epochs recorded');
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
