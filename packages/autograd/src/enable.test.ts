/**
 * Autograd is an explicit extension (issue 11): importing it installs nothing; `enableAutograd()`
 * (called by every autograd function) attaches the tape to the engine; a forward pass that ran on
 * `requiresGrad` tensors before that is refused with a message naming the fix, never answered
 * with a gradient that misses its path. The tests run in order in one module instance (vitest
 * isolates test files), so the first ones see autograd not yet enabled.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { isObserved, observe, randn, setBackend, tensor, TensorError } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { backward, enableAutograd, grad, isAutogradEnabled, releaseUnusedRecords } from './index.js';

beforeAll(async () => {
  await setBackend(cpu());
});

const errorOf = (fn: () => unknown): TensorError | undefined => {
  try {
    fn();
  } catch (e) {
    if (TensorError.is(e)) return e;
    throw e;
  }
  return undefined;
};

describe('enableAutograd', () => {
  it('importing @tessera/autograd installs no observer', () => {
    expect(isObserved()).toBe(false);
    expect(isAutogradEnabled()).toBe(false);
  });

  it('backward through a forward pass that ran before autograd was enabled throws GRADIENT_ERROR naming the fix', () => {
    const w = randn([3], { seed: 1, requiresGrad: true });
    const loss = w.square().sum();
    const error = errorOf(() => backward(loss));
    expect(error?.code).toBe('GRADIENT_ERROR');
    expect(error?.message).toMatch(/op 'sum'|op 'square'/);
    expect(error?.message).toMatch(/call enableAutograd\(\) \(from @tessera\/autograd\) once before the forward pass/);
    // backward enabled it: the same code now works.
    expect(isAutogradEnabled()).toBe(true);
    const again = w.square().sum();
    const dw = backward(again).get(w)!;
    expect(dw.shape).toEqual([3]);
    for (const t of [w, loss, again, dw]) t.dispose();
  });

  it('an intermediate computed before enabling, mixed into a recorded loss, is refused rather than dropped', () => {
    // Autograd is on now: detach the recorder for one op, as if it ran before enabling.
    const w = randn([3], { seed: 2, requiresGrad: true });
    const restore = observe(undefined);
    const early = w.mul(2);
    restore();
    expect(early.gradientLostAt).toBe('mul');
    const loss = w.add(early).sum();
    expect(errorOf(() => backward(loss))?.message).toMatch(/was computed by op 'mul' .* before autograd was enabled/);
    releaseUnusedRecords();
    for (const t of [w, early, loss]) t.dispose();
  });

  it('is idempotent and installs the recorder once', () => {
    enableAutograd();
    enableAutograd();
    expect(isObserved()).toBe(true);
    const [dx] = grad((x) => x.square().sum())(tensor([1, 2, 3]));
    expect(Array.from(dx.dataSync())).toEqual([2, 4, 6]);
    dx.dispose();
  });
});
