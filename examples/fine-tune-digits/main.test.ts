import { expect, it } from 'vitest';
import { memory } from '@tessera/tensor-core';
import { runDemo } from './main.js';

// A short seeded variant of `pnpm demo` (12 epochs; see README.md for its table): 2 epochs of
// fine-tuning and of training from scratch, 8 of the linear probe. Fine-tuning the pretrained
// model must beat the same architecture trained from scratch with the same budget, and
// onnxruntime-web must predict the same classes from the exported fine-tuned model.
it('fine-tunes the pretrained MNIST model on scikit-learn digits better than training from scratch', async () => {
  const result = await runDemo({ epochs: 2, probeEpochs: 8, outDir: undefined, seed: 0 });
  expect(result.trainCount).toBe(300);
  expect(result.testCount).toBe(1497);
  expect(result.fineTune).toBeGreaterThan(result.scratch + 0.05);
  expect(result.probe).toBeGreaterThan(0.8);
  expect(result.ortAgreement).toBe(1);
  expect(result.ortMaxDiff).toBeLessThanOrEqual(1e-4);
  expect(memory().tensors).toBe(0);
});
