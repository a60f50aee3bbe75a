/**
 * What the MNIST examples (mnist-mlp, mnist-cnn) add to `@tessera/datasets`' `loadMnist`: a
 * validation split of the training digits, normalisation, and online augmentation. The digits are
 * loaded with pixels in [0, 1] (`normalize: false`) so that a random affine transform fills the
 * border with background before the pixels are standardised.
 */
import { MNIST_MEAN, MNIST_PIXELS, MNIST_STD } from '@tessera/datasets';
import { gather, tensor, tidy, type Tensor } from '@tessera/tensor-core';
import { randomAffine } from '@tessera/data-augment';
import { permutation } from '@tessera/train';

/** Images and labels: `x` `[N, 1, 28, 28]` pixels, `y` int32 labels. */
export interface Digits {
  readonly x: Tensor;
  readonly y: Tensor;
}

/**
 * Splits off the last `fraction` of the samples (new tensors; the caller disposes them). The
 * training digits of `loadMnist` are interleaved in a fixed random order, so the last samples
 * hold every class.
 */
export function splitOff(data: Digits, fraction: number): [Digits, Digits] {
  const n = data.x.shape[0]!;
  const cut = n - Math.floor(n * fraction);
  const part = (start: number, end: number): Digits => ({ x: data.x.slice([start], [end]), y: data.y.slice([start], [end]) });
  return [part(0, cut), part(cut, n)];
}

/** Normalises pixels in [0, 1] with MNIST's mean and standard deviation. */
export function normalize(pixels: Tensor): Tensor {
  return tidy(() => pixels.sub(MNIST_MEAN).div(MNIST_STD));
}

/**
 * Normalised tensors for a model (new tensors; the caller disposes them): `x` is `[N, 784]`
 * (`'flat'`, for an MLP) or `[N, 1, 28, 28]` (`'image'`, for a CNN).
 */
export function toTensors(data: Digits, layout: 'flat' | 'image'): Digits {
  const n = data.x.shape[0]!;
  return {
    x: tidy(() => (layout === 'flat' ? normalize(data.x).reshape([n, MNIST_PIXELS]) : normalize(data.x))),
    y: data.y.clone(),
  };
}

/** Options of {@link augmentedBatches}. */
export interface AugmentOptions {
  readonly batchSize: number;
  readonly layout: 'flat' | 'image';
  /** Seed of the shuffle and of the random transforms. */
  readonly seed: number;
  /** Largest rotation in degrees (default 10). */
  readonly degrees?: number;
  /** Largest shift as a fraction of the size (default 0.1: about 3 pixels). */
  readonly translate?: number;
  /** Scale range around 1 (default 0.1: [0.9, 1.1]). */
  readonly scale?: number;
}

/**
 * Training batches with online augmentation: each epoch reshuffles the digits and gives every one
 * a fresh random rotation, shift and scale (data-augment's `randomAffine`, on the raw pixels so the
 * border fills with background), then normalises. An object `fit` reads as a data loader: it has
 * a `length` (batches per epoch) and yields `[x, y]` batches that `fit` disposes. It reads `data`
 * at every epoch: keep it alive while training.
 */
export function augmentedBatches(data: Digits, options: AugmentOptions): AsyncIterable<[Tensor, Tensor]> & { readonly length: number; readonly dataset: { readonly length: number } } {
  const { batchSize, layout, seed } = options;
  const count = data.x.shape[0]!;
  const translate = options.translate ?? 0.1;
  const scale = options.scale ?? 0.1;
  const augment = randomAffine({ degrees: options.degrees ?? 10, translate: [translate, translate], scale: [1 - scale, 1 + scale], seed });
  let epoch = 0;
  const numBatches = Math.ceil(count / batchSize);
  return {
    length: numBatches,
    dataset: { length: count },
    async *[Symbol.asyncIterator]() {
      const order = permutation(count, seed + 7919 * ++epoch);
      for (let b = 0; b < numBatches; b++) {
        const rows = order.subarray(b * batchSize, Math.min(count, (b + 1) * batchSize));
        yield tidy(() => {
          const index = tensor(rows, [rows.length], { dtype: 'int32' });
          const x = normalize(augment(gather(data.x, index, 0)));
          return [layout === 'flat' ? x.reshape([rows.length, MNIST_PIXELS]) : x, gather(data.y, index, 0)] as [Tensor, Tensor];
        });
      }
    },
  };
}
