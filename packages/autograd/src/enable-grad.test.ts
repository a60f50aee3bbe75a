/**
 * The functional entry points enable autograd themselves: code written with `grad` /
 * `valueAndGrad` needs no `enableAutograd()` line (a module of its own, so autograd starts off).
 */
import { beforeAll, expect, it } from 'vitest';
import { isObserved, setBackend, tensor, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { isAutogradEnabled, valueAndGrad } from './index.js';

beforeAll(async () => {
  await setBackend(cpu());
});

it('valueAndGrad works with no enableAutograd() call, and enables autograd', async () => {
  expect(isObserved()).toBe(false);
  const f = valueAndGrad((x: Tensor) => x.mul(x).sum());
  expect(isAutogradEnabled()).toBe(true);
  const { value, grads } = f(tensor([1, 2]));
  expect(Array.from(await value.data())).toEqual([5]);
  expect(Array.from(await grads[0].data())).toEqual([2, 4]);
  value.dispose();
  grads[0].dispose();
});
