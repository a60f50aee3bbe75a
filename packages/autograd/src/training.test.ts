import { beforeAll, expect, it } from 'vitest';
import { dispose, memory, randn, setBackend, tidy, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { backward, noGrad, tapeSize, valueAndGrad, enableAutograd } from './index.js';

beforeAll(async () => {
  await setBackend(cpu());
  enableAutograd();
});

/** Data of y = 3x + 2 with a little noise. */
function data(): { x: Tensor; y: Tensor } {
  const x = randn([64, 1], { seed: 1 });
  const y = tidy(() => x.mul(3).add(2).add(randn([64, 1], { seed: 2, std: 0.01 })));
  return { x, y };
}

/** One SGD step: returns the new parameters (with requiresGrad) and the loss. */
function step(x: Tensor, y: Tensor, w: Tensor, b: Tensor, lr: number): { w: Tensor; b: Tensor; loss: Tensor } {
  return tidy(() => {
    const loss = x.mul(w).add(b).sub(y).square().mean();
    const grads = backward(loss);
    const next = noGrad(() => ({ w: w.sub(grads.get(w)!.mul(lr)), b: b.sub(grads.get(b)!.mul(lr)) }));
    next.w.requiresGrad = true;
    next.b.requiresGrad = true;
    return { ...next, loss };
  });
}

it('backward-driven training of a linear regression converges', async () => {
  const { x, y } = data();
  let w = randn([1], { seed: 3, requiresGrad: true });
  let b = randn([1], { seed: 4, requiresGrad: true });
  let first = NaN;
  let last = NaN;
  for (let i = 0; i < 200; i++) {
    const next = step(x, y, w, b, 0.1);
    dispose([w, b]);
    ({ w, b } = next);
    if (i === 0) first = await next.loss.item();
    last = await next.loss.item();
    next.loss.dispose();
  }
  expect(last).toBeLessThan(first / 100);
  expect(await w.item()).toBeCloseTo(3, 2);
  expect(await b.item()).toBeCloseTo(2, 2);
  dispose([x, y, w, b]);
});

it('1,000 training steps keep memory flat and release the tape', async () => {
  const { x, y } = data();
  let w = randn([1], { seed: 5, requiresGrad: true });
  let b = randn([1], { seed: 6, requiresGrad: true });
  const train = (steps: number): void => {
    for (let i = 0; i < steps; i++) {
      const next = step(x, y, w, b, 0.05);
      dispose([w, b, next.loss]);
      ({ w, b } = next);
    }
  };
  train(10);
  const before = memory();
  train(1000);
  const after = memory();
  expect(tapeSize()).toBe(0);
  expect(after.tensors).toBe(before.tensors);
  expect(after.bytes).toBe(before.bytes);
  dispose([x, y, w, b]);
});

it('1,000 valueAndGrad steps keep memory flat', () => {
  const { x, y } = data();
  let w = randn([1], { seed: 7 });
  const lossOf = (p: Tensor): Tensor => x.mul(p).sub(y).square().mean();
  const train = (steps: number): void => {
    for (let i = 0; i < steps; i++) {
      const { value, grads } = valueAndGrad(lossOf)(w);
      const next = tidy(() => w.sub(grads[0].mul(0.05)));
      dispose([w, value, grads]);
      w = next;
    }
  };
  train(10);
  const before = memory().tensors;
  train(1000);
  expect(memory().tensors).toBe(before);
  expect(tapeSize()).toBe(0);
  dispose([x, y, w]);
});
