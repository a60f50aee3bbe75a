/**
 * scikit-learn's 8x8 handwritten digits (1,797 images from other writers than MNIST), read from
 * the small binary `data/sklearn-digits.bin` that `scripts/export-digits.py` wrote, and brought to
 * the pretrained model's input: upsampled to 20x20 (bilinear) and centred in a 28x28 frame, as
 * MNIST centres its digits, then normalised with MNIST's mean and standard deviation.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pad, resize, tensor, tidy, type Tensor } from '@tessera/tensor-core';

const MEAN = 0.1307;
const STD = 0.3081;

/** One side of the split: images `[N, 1, 28, 28]` and int32 labels `[N]` (the caller disposes them). */
export interface DigitsSplit {
  readonly x: Tensor;
  readonly y: Tensor;
  readonly count: number;
}

/**
 * The fixed, stratified split: for each class, its first `trainPerClass` images in scikit-learn's
 * order train, and the next `testPerClass` (default: all the others) are held out. No randomness.
 */
export function loadDigits(trainPerClass: number, testPerClass = Infinity): { train: DigitsSplit; test: DigitsSplit } {
  const bytes = readFileSync(fileURLToPath(new URL('data/sklearn-digits.bin', import.meta.url)));
  const count = bytes.readUInt32LE(0);
  const pixels = bytes.subarray(4, 4 + count * 64);
  const labels = bytes.subarray(4 + count * 64, 4 + count * 65);
  const seen = new Array<number>(10).fill(0);
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < count; i++) {
    const rank = seen[labels[i]!]!++;
    if (rank < trainPerClass) train.push(i);
    else if (rank < trainPerClass + testPerClass) test.push(i);
  }
  const split = (indices: number[]): DigitsSplit => {
    const raw = new Float32Array(indices.length * 64);
    indices.forEach((idx, n) => {
      for (let p = 0; p < 64; p++) raw[n * 64 + p] = pixels[idx * 64 + p]! / 16;
    });
    const x = tidy(() => {
      const small = tensor(raw, [indices.length, 1, 8, 8]);
      const big = resize(small, [20, 20], { mode: 'bilinear' });
      return pad(big, [[0, 0], [0, 0], [4, 4], [4, 4]]).sub(MEAN).div(STD);
    });
    const y = tensor(Int32Array.from(indices, (idx) => labels[idx]!), [indices.length], { dtype: 'int32' });
    return { x, y, count: indices.length };
  };
  return { train: split(train), test: split(test) };
}
