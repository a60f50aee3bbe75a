// Builds the augmentation gallery: real MNIST digits before and after each augmentation, one row each.
import { concat, memory, tensor, tidy, type Tensor } from '@tessera/tensor-core';
import {
  colorJitter,
  compose,
  cutmix,
  gaussianBlur,
  gaussianNoise,
  grayscale,
  mixup,
  randomAffine,
  randomCrop,
  randomErasing,
  randomHorizontalFlip,
  randomResizedCrop,
  randomRotation,
  randomVerticalFlip,
  type ImageTransform,
} from '@tessera/data-augment';
import { saveImageGrid } from '@tessera/data-augment/node';
import { loadMnist } from '@tessera/datasets';

const DIGITS = 10;

/**
 * The first sample of each digit 0-9 from the `mnist` package (real MNIST, 28x28 in [0, 1]), read
 * by `@tessera/datasets`'s `loadMnist`.
 */
export async function loadDigits(): Promise<{ images: Tensor; labels: Tensor }> {
  const digits = await loadMnist({ split: 'all', perClass: 1, shuffle: false });
  return { images: digits.x, labels: digits.y };
}

/** Gray digits tinted with a colour per digit, so colour jitter has hue and saturation to change. */
function tint(gray: Tensor): Tensor {
  const colors = [
    [1, 0.3, 0.3], [1, 0.6, 0.2], [0.9, 0.9, 0.2], [0.4, 1, 0.3], [0.2, 0.9, 0.8],
    [0.3, 0.6, 1], [0.5, 0.4, 1], [0.9, 0.4, 1], [1, 0.5, 0.7], [0.8, 0.8, 0.8],
  ];
  return gray.mul(tensor(colors.flat(), [DIGITS, 3, 1, 1]));
}

/** One gallery row: a name and what it does to the batch. */
export interface GalleryRow {
  readonly name: string;
  readonly apply: (images: Tensor, labels: Tensor) => Tensor;
}

const image = (t: ImageTransform) => (x: Tensor): Tensor => t(x);

/** The rows, each with its own seed so the picture is the same on every run and backend. */
export function galleryRows(): GalleryRow[] {
  const rows: [string, ImageTransform][] = [
    ['randomCrop(24, padding 4) then back to 28', compose([randomCrop(24, { padding: 4, seed: 1 }), randomResizedCrop(28, { scale: [1, 1], ratio: [1, 1], seed: 0 })])],
    ['randomResizedCrop(28, scale 0.4-1)', randomResizedCrop(28, { scale: [0.4, 1], seed: 2 })],
    ['randomHorizontalFlip', randomHorizontalFlip({ seed: 3 })],
    ['randomVerticalFlip', randomVerticalFlip({ seed: 4 })],
    ['randomRotation(±30°)', randomRotation(30, { seed: 5 })],
    ['randomAffine(10°, translate 0.15, scale 0.8-1.2, shear 15)', randomAffine({ degrees: 10, translate: [0.15, 0.15], scale: [0.8, 1.2], shear: 15, seed: 6 })],
    ['colorJitter(0.5, 0.5, 0.5, hue 0.3)', colorJitter({ brightness: 0.5, contrast: 0.5, saturation: 0.5, hue: 0.3, seed: 7 })],
    ['grayscale (3 channels)', grayscale({ numOutputChannels: 3 })],
    ['gaussianNoise(sigma 0.15)', gaussianNoise({ sigma: 0.15, seed: 8 })],
    ['gaussianBlur(5, sigma 0.5-2)', gaussianBlur(5, { sigma: [0.5, 2], seed: 9 })],
    ['randomErasing(p 1, value 0.6)', randomErasing({ p: 1, value: 0.6, seed: 10 })],
  ];
  const mix = mixup({ alpha: 1, numClasses: DIGITS, seed: 11 });
  const cut = cutmix({ alpha: 1, numClasses: DIGITS, seed: 12 });
  return [
    { name: 'original', apply: (x) => x.clone() },
    ...rows.map(([name, t]) => ({ name, apply: image(t) })),
    { name: 'mixup (with the previous digit)', apply: (x, y) => mix(x, y).images },
    { name: 'cutmix (with the previous digit)', apply: (x, y) => cut(x, y).images },
  ];
}

/** Writes the gallery PNG to `file`; returns the row names (top to bottom) and the live-tensor delta. */
export async function writeGallery(file: string): Promise<{ rows: string[]; leaked: number }> {
  const before = memory().tensors;
  const { images, labels } = await loadDigits();
  const rows = galleryRows();
  const grid = tidy(() => {
    const rgb = tint(images);
    return concat(rows.map((r) => r.apply(rgb, labels)), 0);
  });
  await saveImageGrid(file, grid, { nrow: DIGITS, padding: 2, padValue: 0.25 });
  grid.dispose();
  images.dispose();
  labels.dispose();
  return { rows: rows.map((r) => r.name), leaked: memory().tensors - before };
}
