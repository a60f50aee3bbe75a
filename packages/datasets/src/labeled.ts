/** `LabeledDataset`: a `TensorDataset` of inputs and labels that also hands out the two tensors. */
import { type Tensor } from '@tessera/tensor-core';
import { TensorDataset } from '@tessera/data-augment';

/**
 * A dataset of `[x, y]` samples over two tensors, `x` (inputs, samples first) and `y` (int32
 * labels): a `TensorDataset` of `@tessera/data-augment`, so `fit` batches it with a seeded shuffle
 * (`fit(model, { data: moons, ... })`), and `DataLoader`, `randomSplit` and
 * `trainValTestSplit` take it. `x` and `y` are the tensors themselves (for `{ x, y }` data,
 * `predict`, plots); the dataset owns them: `dispose()` frees both.
 *
 * @example
 * ```ts
 * const moons = makeMoons({ nSamples: 200, noise: 0.1 });
 * moons.x.shape; // [200, 2]
 * moons.numClasses; // 2
 * await fit(model, { data: moons, epochs: 20, optimizer, loss: crossEntropy });
 * moons.dispose();
 * ```
 */
export class LabeledDataset extends TensorDataset {
  /** Inputs, samples first. */
  readonly x: Tensor;
  /** Labels (int32), one per sample. */
  readonly y: Tensor;
  /** Number of classes (labels are `0 .. numClasses - 1`). */
  readonly numClasses: number;

  /** Takes ownership of `x` and `y`. */
  constructor(x: Tensor, y: Tensor, numClasses: number) {
    super(x, y);
    this.x = x;
    this.y = y;
    this.numClasses = numClasses;
  }

  /** Frees `x` and `y`. */
  dispose(): void {
    this.x.dispose();
    this.y.dispose();
  }

  /** `using moons = makeMoons()` support. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}
