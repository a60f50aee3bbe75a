import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { trainLinearRegression } from './train.js';

describe('linear regression example', () => {
  beforeAll(async () => {
    await setBackend(cpu());
  });
  it('recovers the true weights and frees every tensor', async () => {
    const r = await trainLinearRegression(300, 0.2);
    expect(r.weight[0]).toBeCloseTo(2, 1);
    expect(r.weight[1]).toBeCloseTo(-3.5, 1);
    expect(r.bias).toBeCloseTo(1, 1);
    expect(r.losses.at(-1)!).toBeLessThan(r.losses[0]! / 10);
    expect(r.liveTensors).toBe(0);
  });
});
