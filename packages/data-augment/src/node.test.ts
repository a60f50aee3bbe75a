import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend, tensor, memory } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import jpeg from 'jpeg-js';
import { fromImageData, fromPixels, makeImageGrid, toPixels } from './index.js';
import { decodeImage, encodePng, imageFormat, readImage, readImages, saveImageGrid } from './node.js';
import { expectClose, literal } from './test-utils/images.js';
import { expectTensorError } from './test-utils/errors.js';

beforeAll(async () => {
  await setBackend(cpu());
});

const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-data-augment-'));
const rgba = (pixels: number[][]): Uint8Array => Uint8Array.from(pixels.flat());

describe('pixels', () => {
  it('RGBA bytes to [C, H, W] and back', async () => {
    const data = rgba([[255, 0, 0, 255], [0, 255, 0, 128]]);
    const image = fromPixels({ width: 2, height: 1, data });
    expect(image.arraySync()).toEqual([[[1, 0]], [[0, 1]], [[0, 0]]]);
    expectClose(fromPixels({ width: 2, height: 1, data }, { channels: 1 }), [0.2989, 0.587], 1e-6);
    expect(fromPixels({ width: 2, height: 1, data }, { channels: 4, layout: 'NHWC' }).shape).toEqual([1, 2, 4]);
    expect(fromImageData({ width: 2, height: 1, data: new Uint8ClampedArray(data) }).shape).toEqual([3, 1, 2]);
    const back = await toPixels(image);
    expect(Array.from(back.data)).toEqual([255, 0, 0, 255, 0, 255, 0, 255]);
  });
  it('rejects bad pixel data', async () => {
    await expectTensorError(() => fromPixels({ width: 2, height: 2, data: new Uint8Array(3) }), 'INVALID_ARGUMENT', /4 bytes \(RGBA\) per pixel: 16 for 2 x 2, got 3/);
    await expectTensorError(() => fromPixels({ width: 1, height: 1, data: new Uint8Array(4) }, { channels: 2 as never }), 'INVALID_ARGUMENT', /channels must be 1, 3 or 4/);
    await expectTensorError(() => toPixels(literal([1, 3, 2, 2])), 'SHAPE_MISMATCH', /one \[C, H, W\] image/);
  });
  it('makeImageGrid tiles like torchvision make_grid', () => {
    const batch = tensor(Float32Array.from([1, 2, 3]), [3, 1, 1, 1]);
    const grid = makeImageGrid(batch, { nrow: 2, padding: 1 });
    expect(grid.arraySync()).toEqual([[
      [0, 0, 0, 0, 0],
      [0, 1, 0, 2, 0],
      [0, 0, 0, 0, 0],
      [0, 3, 0, 0, 0],
      [0, 0, 0, 0, 0],
    ]]);
    expect(makeImageGrid(literal([5, 3, 4, 4])).shape).toEqual([3, 8, 5 * 6 + 2]);
  });
});

describe('PNG and JPEG files', () => {
  it('PNG round trip through a file, and saveImageGrid writes a PNG', async () => {
    const image = fromPixels({ width: 2, height: 2, data: rgba([[255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 255, 255], [51, 102, 153, 255]]) });
    const file = path.join(dir, 'a.png');
    writeFileSync(file, await encodePng(image));
    expect(imageFormat(readFileSync(file))).toBe('png');
    const read = await readImage(file);
    expect(Array.from(read.dataSync())).toEqual(Array.from(image.dataSync()));
    const batch = await readImages([file, file]);
    expect(batch.shape).toEqual([2, 3, 2, 2]);
    const before = memory().tensors;
    const gridFile = path.join(dir, 'sub', 'grid.png');
    await saveImageGrid(gridFile, batch, { nrow: 2 });
    expect(memory().tensors).toBe(before);
    const grid = await decodeImage(readFileSync(gridFile));
    expect(grid.shape).toEqual([3, 2 + 2 + 2, 2 * 4 + 2]);
  });
  it('decodes JPEG bytes (lossy: within a few levels)', async () => {
    const width = 8;
    const height = 8;
    const data = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) data.set([200, 100, 50, 255], 4 * i);
    const bytes = new Uint8Array(jpeg.encode({ width, height, data }, 95).data);
    expect(imageFormat(bytes)).toBe('jpeg');
    const image = await decodeImage(bytes);
    expect(image.shape).toEqual([3, 8, 8]);
    const v = image.dataSync();
    expect(Math.abs(v[0]! - 200 / 255)).toBeLessThan(0.03);
    expect(Math.abs(v[64]! - 100 / 255)).toBeLessThan(0.03);
    expect(Math.abs(v[128]! - 50 / 255)).toBeLessThan(0.03);
  });
  it('names bad bytes and mismatched files', async () => {
    await expectTensorError(() => decodeImage(new Uint8Array([1, 2, 3, 4])), 'INVALID_ARGUMENT', /neither PNG nor JPEG \(first bytes: 01 02 03 04\)/);
    await expectTensorError(() => decodeImage(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0])), 'INVALID_ARGUMENT', /could not decode PNG the bytes/);
    const small = path.join(dir, 'small.png');
    writeFileSync(small, await encodePng(literal([3, 1, 1])));
    const big = path.join(dir, 'big.png');
    writeFileSync(big, await encodePng(literal([3, 2, 1])));
    await expectTensorError(() => readImages([small, big]), 'SHAPE_MISMATCH', /big.png has shape \[3,2,1\] but .*small.png has \[3,1,1\]/);
  });
});
