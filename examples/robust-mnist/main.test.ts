import { beforeAll, expect, it } from 'vitest';
import { cpu } from '@tessera/backend-cpu';
import { memory, setBackend } from '@tessera/tensor-core';
import { runRobustness } from './main.js';

beforeAll(async () => {
  await setBackend(cpu());
});

// A fast variant of `pnpm start`: 600 digits, two epochs, a narrow network, PGD-5 on 20 digits.
it('trains a normal and an adversarial CNN and measures both, without leaking', async () => {
  const before = memory().tensors;
  const { rows, evalAttack, evalCount } = await runRobustness({ trainPerClass: 60, epochs: 2, evalCount: 20, evalSteps: 5, channels: [4, 8], hidden: 0 });
  expect(evalAttack).toBe('PGD-5 L∞ ε=0.3');
  expect(evalCount).toBe(20);
  expect(rows.map((r) => r.model)).toEqual(['normal', 'adversarial (FGSM (random start) L∞ ε=0.3)']);
  for (const r of rows) {
    expect(r.clean).toBeGreaterThanOrEqual(0);
    expect(r.robust).toBeLessThanOrEqual(1);
  }
  // Even after two epochs on 600 digits, the normal model beats chance on clean digits and PGD breaks it.
  expect(rows[0]!.clean).toBeGreaterThan(0.2); // seeded: 0.3 (chance is 0.1)
  expect(rows[0]!.robust).toBeLessThan(rows[0]!.clean);
  expect(memory().tensors).toBe(before);
});
