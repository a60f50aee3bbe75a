/**
 * Forward passes that are never backpropagated (an evaluation loop without `noGrad`) must not
 * hold their activations until the tape doubles (issue 14: 602 MB and 2,386 tensors for a
 * 512-2048-10 MLP). The tape sweeps after every 32 MiB of recorded outputs.
 */
import { beforeAll, expect, it } from 'vitest';
import { dispose, memory, randn, setBackend, tidy, variable } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { releaseUnusedRecords, tapeSize, enableAutograd } from './index.js';

beforeAll(async () => {
  await setBackend(cpu());
  enableAutograd();
});

it('an eval loop without noGrad over a 512-2048-10 MLP stays within a bounded memory', () => {
  const w1 = variable(randn([512, 2048], { seed: 1, std: 0.02 }));
  const w2 = variable(randn([2048, 10], { seed: 2, std: 0.02 }));
  const x = randn([64, 512], { seed: 3 });
  releaseUnusedRecords();
  const base = memory().bytes;
  let peak = 0;
  // Each pass records ~1.5 MB of outputs (64×2048 activations, ReLU, logits); 120 passes would
  // hold ~180 MB without sweeps, and ~600 tape entries never reach the 1,024-entry doubling rule.
  for (let i = 0; i < 120; i++) {
    tidy(() => {
      x.matmul(w1).relu().matmul(w2).softmax(-1);
    });
    peak = Math.max(peak, memory().bytes - base);
  }
  expect(peak).toBeLessThan(48 * 1024 * 1024);
  releaseUnusedRecords();
  expect(tapeSize()).toBe(0);
  dispose([w1, w2, x]);
});
