import { beforeAll, expect, it } from 'vitest';
import { cpu } from '@tessera/backend-cpu';
import { memory, setBackend } from '@tessera/tensor-core';
import { train } from './main.js';

beforeAll(async () => {
  await setBackend(cpu());
});

it('converges to y = 3x + 2 without leaking tensors', async () => {
  const before = memory().tensors;
  const { weight, bias, losses } = await train({ steps: 200 });
  expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! / 100);
  expect(losses[losses.length - 1]!).toBeLessThan(0.01);
  expect(weight).toBeCloseTo(3, 1);
  expect(bias).toBeCloseTo(2, 1);
  expect(memory().tensors).toBe(before);
});
