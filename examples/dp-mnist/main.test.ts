import { beforeAll, expect, it } from 'vitest';
import { cpu } from '@tessera/backend-cpu';
import { RdpAccountant } from '@tessera/privacy';
import { memory, setBackend } from '@tessera/tensor-core';
import { trainDpMnist } from './main.js';

beforeAll(async () => {
  await setBackend(cpu());
});

// A short, seeded variant of `pnpm start` (2,340 DP-SGD steps of expected batch 256 on 8,004
// digits): 1,000 digits, expected batch 50, 60 steps, noise 1.0. It must learn well above chance (0.1)
// and report the ε the accountant gives for q = 50/1000 and 60 steps.
it('trains the tutorial CNN with DP-SGD, reports ε per epoch, and leaks nothing', async () => {
  const before = memory().tensors;
  const result = await trainDpMnist({ trainPerClass: 100, testPerClass: 50, expectedBatchSize: 50, steps: 60, noiseMultiplier: 1, lr: 0.5, seed: 0 });
  expect(result.trainCount).toBe(1000);
  expect(result.sampleRate).toBe(0.05);
  expect(result.history.map((h) => h.steps)).toEqual([20, 40, 60]);
  const last = result.history.at(-1)!;
  // 0.50 here (seeds 0-4: 0.48 to 0.68; 60 noisy steps vary with the sample order); chance is 0.1
  expect(last.testAccuracy).toBeGreaterThan(0.4);
  const accountant = new RdpAccountant();
  accountant.step({ noiseMultiplier: 1, sampleRate: 0.05, steps: 60 });
  expect(last.epsilon).toBe(accountant.getEpsilon(1e-5));
  // ε only grows.
  for (let i = 1; i < result.history.length; i++) expect(result.history[i]!.epsilon).toBeGreaterThan(result.history[i - 1]!.epsilon);
  expect(memory().tensors).toBe(before);
});
