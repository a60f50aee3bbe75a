import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend, tensor, memory, tidy } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { cutmix, mixup } from '../index.js';
import { expectClose } from '../test-utils/images.js';
import { expectTensorError } from '../test-utils/errors.js';

beforeAll(async () => {
  await setBackend(cpu());
});

/** Sample i is the constant image i + 1. */
const constants = (n: number, h = 4, w = 4): ReturnType<typeof tensor> =>
  tensor(Float32Array.from({ length: n * h * w }, (_, i) => Math.floor(i / (h * w)) + 1), [n, 1, h, w]);
const labels = (n: number): ReturnType<typeof tensor> => tensor(Int32Array.from({ length: n }, (_, i) => i), [n], { dtype: 'int32' });

describe('mixup', () => {
  it('mixes each sample with the previous one, images and labels by the same lam', () => {
    const { images, labels: mixed } = mixup({ numClasses: 3, seed: 1 })(constants(3), labels(3));
    const v = images.dataSync();
    const lam = v[0]! - 3 === 0 ? 1 : (v[0]! - 3) / (1 - 3); // sample 0 = lam * 1 + (1 - lam) * 3
    expectClose(images, [1, 2, 3].flatMap((s, i) => new Array(16).fill(lam * s + (1 - lam) * [3, 1, 2][i]!)), 1e-5);
    expectClose(mixed, [[lam, 0, 1 - lam], [1 - lam, lam, 0], [0, 1 - lam, lam]], 1e-6);
  });
  it('is deterministic; lam ~ Beta(alpha, alpha) has mean 1/2', () => {
    const a = mixup({ numClasses: 3, seed: 2 })(constants(3), labels(3)).labels.dataSync();
    expect(Array.from(mixup({ numClasses: 3, seed: 2 })(constants(3), labels(3)).labels.dataSync())).toEqual(Array.from(a));
    const mix = mixup({ alpha: 0.4, numClasses: 2, seed: 3 });
    const lams = Array.from({ length: 300 }, () => mix(constants(2, 1, 1), labels(2)).labels.dataSync()[0]!);
    const mean = lams.reduce((x, y) => x + y, 0) / lams.length;
    expect(mean).toBeGreaterThan(0.42);
    expect(mean).toBeLessThan(0.58);
    // alpha 0.4 is U-shaped: most mass near 0 and 1.
    expect(lams.filter((l) => l < 0.1 || l > 0.9).length).toBeGreaterThan(100);
  });
  it('accepts soft labels and rejects bad ones', async () => {
    const soft = tensor([[0.5, 0.5], [1, 0]]);
    expect(mixup({ seed: 1 })(constants(2), soft).labels.shape).toEqual([2, 2]);
    await expectTensorError(() => mixup({ seed: 1 })(constants(2), labels(2)), 'INVALID_ARGUMENT', /numClasses is required/);
    await expectTensorError(() => mixup({ numClasses: 3 })(constants(2), labels(3)), 'SHAPE_MISMATCH', /int32 labels must be \[N\] = \[2\].*got shape \[3\]/);
    await expectTensorError(() => mixup({ alpha: 0 }), 'INVALID_ARGUMENT', /alpha must be a positive number, got 0/);
    await expectTensorError(() => mixup()(constants(2), tensor([true, false])), 'DTYPE_MISMATCH', /labels must be int32 class indices or float32/);
  });
});

describe('cutmix', () => {
  it('pastes one box of the previous sample; labels mix by the pasted area', () => {
    const cut = cutmix({ numClasses: 2, seed: 5 });
    for (let k = 0; k < 5; k++) {
      const { images, labels: mixed } = cut(constants(2, 8, 8), labels(2));
      const s0 = Array.from(images.dataSync().subarray(0, 64));
      const pasted = s0.filter((v) => v === 2).length; // sample 0 receives sample 1's value 2
      expect(s0.every((v) => v === 1 || v === 2)).toBe(true);
      expectClose(mixed.dataSync().subarray(0, 2), [1 - pasted / 64, pasted / 64], 1e-6);
      const s1 = Array.from(images.dataSync().subarray(64));
      expect(s1.filter((v) => v === 1).length).toBe(pasted); // the same box
    }
  });
  it('rejects bad input', async () => {
    await expectTensorError(() => cutmix({ numClasses: 1.5 }), 'INVALID_ARGUMENT', /numClasses must be a positive integer/);
    await expectTensorError(() => cutmix({ numClasses: 2 })(tensor([1, 2]), labels(2)), 'SHAPE_MISMATCH', /cutmix: images must be rank 4/);
  });
  it('does not leak', () => {
    const x = constants(4);
    const y = labels(4);
    const before = memory().tensors;
    tidy(() => {
      cutmix({ numClasses: 4, seed: 1 })(x, y);
      mixup({ numClasses: 4, seed: 1 })(x, y);
    });
    expect(memory().tensors).toBe(before);
  });
});
