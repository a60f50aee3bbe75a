/**
 * The losses' value checks hold on a backend without synchronous reads (the code path WebGPU
 * takes; issue 14: `crossEntropy(randn([2, 3]), int32([0, 5]))` returned 1.40 there): the next
 * read throws the very error the CPU backend throws at the call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TensorError, memory, randn, setBackend, tensor, tidy, type Backend, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { binaryCrossEntropy, crossEntropy, nllLoss } from '../index.js';

function asyncReads(backend: Backend): Backend {
  return Object.create(backend, {
    name: { value: `${backend.name}-async-reads` },
    capabilities: { value: { ...backend.capabilities, syncRead: false } },
    readSync: { value: undefined },
  }) as Backend;
}

let sync: Backend;
beforeAll(async () => {
  sync = await setBackend(cpu());
});
afterAll(async () => {
  await setBackend(sync);
});

/** The error `make` gives: thrown at the call, or by the read of its result. */
async function errorOf(make: () => Tensor): Promise<TensorError> {
  let out: Tensor | undefined;
  try {
    out = tidy(make);
    await out.data();
  } catch (e) {
    if (TensorError.is(e)) return e;
    throw e;
  } finally {
    out?.dispose();
  }
  throw new Error('no error: the loss returned a value');
}

const CASES: Array<[string, () => Tensor]> = [
  ['crossEntropy label 5 of 3 classes', () => crossEntropy(randn([2, 3], { seed: 0 }), tensor([0, 5], [2], { dtype: 'int32' }))],
  ['crossEntropy label -1 (not ignoreIndex)', () => crossEntropy(randn([2, 3], { seed: 0 }), tensor([-1, 0], [2], { dtype: 'int32' }))],
  ['nllLoss label 3 of 3 classes', () => nllLoss(randn([2, 3], { seed: 0 }), tensor([3, 0], [2], { dtype: 'int32' }))],
  ['binaryCrossEntropy probability 1.5', () => binaryCrossEntropy(tensor([0.5, 1.5]), tensor([1, 0]))],
  ['binaryCrossEntropy probability NaN', () => binaryCrossEntropy(tensor([NaN, 0.5]), tensor([1, 0]))],
];

describe('loss value checks: the same error with and without synchronous reads', () => {
  it.each(CASES)('%s', async (_label, make) => {
    await setBackend(sync);
    const expected = await errorOf(make);
    await setBackend(asyncReads(sync));
    try {
      const before = memory().tensors;
      const got = await errorOf(make);
      expect(got.code).toBe(expected.code);
      expect(got.message).toBe(expected.message);
      // The backend works again afterwards, and nothing leaked.
      const ok = tensor([1]);
      expect(Array.from(await ok.data())).toEqual([1]);
      ok.dispose();
      expect(memory().tensors).toBe(before);
    } finally {
      await setBackend(sync);
    }
  });

  it('ignoreIndex labels pass on both', async () => {
    for (const backend of [sync, asyncReads(sync)]) {
      await setBackend(backend);
      const loss = tidy(() => crossEntropy(randn([2, 3], { seed: 0 }), tensor([-100, 1], [2], { dtype: 'int32' })));
      expect(Number.isFinite((await loss.data())[0])).toBe(true);
      loss.dispose();
    }
    await setBackend(sync);
  });
});
