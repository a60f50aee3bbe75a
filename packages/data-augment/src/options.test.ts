/**
 * Every options object of data-augment rejects unknown keys with `UNKNOWN_OPTION` (issue 14:
 * `new DataLoader(ds, { batch_size: 32 })` used to give batches of 1).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { TensorError, ones, setBackend } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import * as D from './index.js';
import * as N from './node.js';

beforeAll(async () => {
  await setBackend(cpu());
});

const X = { zz_unknown: 1 } as never;
const image = () => ones([1, 3, 4, 4]);
const pixels = { width: 1, height: 1, data: new Uint8ClampedArray(4) };

async function expectUnknown(run: () => unknown, message: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await run();
  } catch (e) {
    caught = e;
  }
  expect(TensorError.is(caught), `expected a TensorError, got ${String(caught)}`).toBe(true);
  expect((caught as TensorError).code, (caught as TensorError).message).toBe('UNKNOWN_OPTION');
  expect((caught as TensorError).message).toMatch(message);
}

const CASES: Array<[string, () => unknown]> = [
  ['DataLoader', () => new D.DataLoader(D.Dataset.fromArray([1, 2]), X)],
  ['MinMaxScaler', () => new D.MinMaxScaler(X)],
  ['SimpleImputer', () => new D.SimpleImputer(X)],
  ['randomSplit', () => D.randomSplit(D.Dataset.fromArray([1, 2]), [1, 1], X)],
  ['trainValTestSplit', () => D.trainValTestSplit(D.Dataset.fromArray([1, 2]), X)],
  ['fromPixels', () => D.fromPixels(pixels, X)],
  ['fromImageData', () => D.fromImageData(pixels, X)],
  ['toPixels', () => D.toPixels(ones([3, 1, 1]), X)],
  ['makeImageGrid', () => D.makeImageGrid(image(), X)],
  ['resize', () => D.resize(2, X)],
  ['centerCrop', () => D.centerCrop(2, X)],
  ['randomCrop', () => D.randomCrop(2, X)],
  ['randomResizedCrop', () => D.randomResizedCrop(2, X)],
  ['randomHorizontalFlip', () => D.randomHorizontalFlip(X)],
  ['randomVerticalFlip', () => D.randomVerticalFlip(X)],
  ['rotate', () => D.rotate(image(), 10, X)],
  ['affine', () => D.affine(image(), { angle: 0, translate: [0, 0], scale: 1, shear: [0, 0] }, X)],
  ['randomRotation', () => D.randomRotation(10, X)],
  ['randomAffine', () => D.randomAffine(X)],
  ['randomApply', () => D.randomApply([D.grayscale()], X)],
  ['randomChoice', () => D.randomChoice([D.grayscale()], X)],
  ['grayscale', () => D.grayscale(X)],
  ['colorJitter', () => D.colorJitter(X)],
  ['adjustColor', () => D.adjustColor(image(), X)],
  ['normalize', () => D.normalize({ mean: [0, 0, 0], std: [1, 1, 1], ...(X as object) })],
  ['gaussianNoise', () => D.gaussianNoise(X)],
  ['gaussianBlur', () => D.gaussianBlur(3, X)],
  ['randomErasing', () => D.randomErasing(X)],
  ['mixup', () => D.mixup(X)],
  ['cutmix', () => D.cutmix(X)],
  ['decodeImage', () => N.decodeImage(new Uint8Array(8), X)],
  ['readImage', () => N.readImage('/nonexistent.png', X)],
  ['readImages', () => N.readImages(['/nonexistent.png'], X)],
  ['encodePng', () => N.encodePng(ones([3, 1, 1]), X)],
  ['saveImage', () => N.saveImage('/nonexistent/x.png', ones([3, 1, 1]), X)],
  ['saveImageGrid', () => N.saveImageGrid('/nonexistent/x.png', image(), X)],
];

describe('data-augment options: unknown keys are rejected', () => {
  it.each(CASES)('%s', async (name, run) => {
    void name;
    await expectUnknown(run, /unknown option 'zz_unknown'; valid options: \w+/);
  });

  it('suggests the camelCase spelling of a snake_case key', async () => {
    await expectUnknown(() => new D.DataLoader(D.Dataset.fromArray([1, 2]), { batch_size: 32 } as never), /^DataLoader: unknown option 'batch_size' \(did you mean 'batchSize'\?\); valid options: batchSize, shuffle, dropLast, prefetch, collate, seed, generator$/);
    await expectUnknown(() => D.randomCrop(2, { pad_if_needed: true } as never), /did you mean 'padIfNeeded'/);
  });
});
