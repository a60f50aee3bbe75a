/**
 * `@tessera/data-augment`: datasets, data loaders, seeded splits, preprocessing, and image
 * transforms that run as tensor ops on the active backend. Node file IO (PNG/JPEG decode,
 * `saveImageGrid`) lives in `@tessera/data-augment/node`.
 *
 * @example
 * ```ts
 * import { setBackend, tensor } from '@tessera/tensor-core';
 * import { cpu } from '@tessera/backend-cpu';
 * import { compose, randomCrop, randomHorizontalFlip, colorJitter } from '@tessera/data-augment';
 * await setBackend(cpu());
 * const augment = compose([
 *   randomCrop(32, { padding: 4, seed: 1 }),
 *   randomHorizontalFlip({ seed: 2 }),
 *   colorJitter({ brightness: 0.2, contrast: 0.2, seed: 3 }),
 * ]);
 * const out = augment(images); // [N, 3, 32, 32]
 * ```
 */
export { Generator, manualSeed, type RandomSource } from './random.js';
export { Dataset, TensorDataset, IterableDataset } from './dataset.js';
export { DataLoader, defaultCollate, type DataLoaderOptions, type Collated } from './data-loader.js';
export { randomSplit, trainValTestSplit, type SplitOptions, type TrainValTestOptions, type StratifyBy } from './split.js';
export {
  StandardScaler,
  MinMaxScaler,
  LabelEncoder,
  SimpleImputer,
  dropMissing,
  type MinMaxScalerOptions,
  type ImputerOptions,
  type MissingReport,
  type Rows,
} from './preprocess.js';
export { type Layout, type LayoutOptions, type ImageTransform } from './image/layout.js';
export { type Interpolation } from './image/sample.js';
export {
  resize,
  centerCrop,
  randomCrop,
  randomResizedCrop,
  randomHorizontalFlip,
  randomVerticalFlip,
  rotate,
  affine,
  randomRotation,
  randomAffine,
  type ResizeOptions,
  type RandomCropOptions,
  type PaddingMode,
  type RandomResizedCropOptions,
  type RandomFlipOptions,
  type WarpOptions,
  type AffineParams,
  type RandomRotationOptions,
  type RandomAffineOptions,
} from './image/geometry.js';
export {
  grayscale,
  colorJitter,
  adjustColor,
  normalize,
  rgbToHsv,
  hsvToRgb,
  GRAY_WEIGHTS,
  type GrayscaleOptions,
  type ColorJitterOptions,
  type AdjustColorOptions,
  type NormalizeOptions,
} from './image/color.js';
export {
  gaussianNoise,
  gaussianBlur,
  gaussianKernel1d,
  randomErasing,
  type GaussianNoiseOptions,
  type GaussianBlurOptions,
  type RandomErasingOptions,
} from './image/filter.js';
export { mixup, cutmix, type MixOptions, type BatchTransform, type LabeledBatch } from './image/mix.js';
export { compose, randomApply, randomChoice, type RandomApplyOptions, type RandomChoiceOptions } from './image/compose.js';
export {
  fromPixels,
  fromImageData,
  toPixels,
  makeImageGrid,
  type DecodeOptions,
  type RgbaPixels,
  type ImageSource,
  type ImageGridOptions,
} from './image/pixels.js';
