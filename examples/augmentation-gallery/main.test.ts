import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { decodeImage } from '@tessera/data-augment/node';
import { loadDigits, writeGallery } from './gallery.js';

describe('augmentation gallery example', () => {
  beforeAll(async () => {
    await setBackend(cpu());
  });
  it('loads real MNIST digits', async () => {
    const { images, labels } = await loadDigits();
    // Digits 0-9 in order, one each.
    expect(Array.from(await labels.data())).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(images.shape).toEqual([10, 1, 28, 28]);
    const values = await images.data();
    expect(Math.max(...values)).toBeGreaterThan(0.9);
    expect(values.filter((v) => v > 0.5).length).toBeGreaterThan(500); // strokes, not noise
    images.dispose();
    labels.dispose();
  });
  it('writes the PNG grid and frees every tensor', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'gallery-')), 'gallery.png');
    const { rows, leaked } = await writeGallery(file);
    expect(leaked).toBe(0);
    const png = await decodeImage(new Uint8Array(readFileSync(file)));
    expect(png.shape).toEqual([3, rows.length * 30 + 2, 10 * 30 + 2]);
    png.dispose();
  });
});
