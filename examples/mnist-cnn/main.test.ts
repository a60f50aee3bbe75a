import { beforeAll, expect, it } from 'vitest';
import { noGrad } from '@tessera/autograd';
import { cpu } from '@tessera/backend-cpu';
import { memory, ones, setBackend } from '@tessera/tensor-core';
import { MnistCnn, trainCnn } from './main.js';

beforeAll(async () => {
  await setBackend(cpu());
});

it('builds the benchmark network and the default one', () => {
  const small = new MnistCnn({ channels: [8, 16], hidden: 0 });
  expect(small.namedParameters().map(([name]) => name)).toEqual(['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias', 'out.weight', 'out.bias']);
  const x = ones([2, 1, 28, 28]);
  const y = noGrad(() => small.forward(x)); // nothing recorded: no tape records outlive the test
  expect(y.shape).toEqual([2, 10]);
  for (const t of [x, y]) t.dispose();
  small.dispose();
});

// A fast, seeded variant of `pnpm start` (20 epochs on all ~7,200 digits, ~0.986): 1,800 digits,
// 3 epochs, the benchmark's small network (0.930 here).
it('learns with a manual backward/step loop, without leaking tensors', async () => {
  const before = memory().tensors;
  const result = await trainCnn({ trainPerClass: 200, epochs: 3, channels: [8, 16], hidden: 0, dropout: 0, seed: 0 });
  expect(result.losses[2]!).toBeLessThan(result.losses[0]!);
  expect(result.testAccuracy).toBeGreaterThanOrEqual(0.92);
  expect(memory().tensors).toBe(before);
});
