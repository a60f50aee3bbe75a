/**
 * A NaN or infinite loss or gradient never reaches the weights (issue 14, finding 5): on a
 * backend that reads synchronously and on one that does not (the CPU backend with its synchronous
 * reads hidden, the code path WebGPU takes), with the loss read every step or every few steps,
 * and with a NaN gradient under a finite loss.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TensorError, getBackend, memory, setBackend, tensor, type Backend, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { Adam } from '@tessera/optim';
import { fit, type Callback } from './index.js';
import { blobs, smallMlp, softmaxCrossEntropy } from './test-utils/fixtures.js';

/** The CPU backend without synchronous reads: value checks and loss reads take the WebGPU path. */
function asyncReads(backend: Backend): Backend {
  return Object.create(backend, {
    name: { value: `${backend.name}-async-reads` },
    capabilities: { value: { ...backend.capabilities, syncRead: false } },
    readSync: { value: undefined },
  }) as Backend;
}

let original: Backend;
beforeAll(async () => {
  original = await setBackend(cpu());
});
afterAll(async () => {
  await setBackend(original);
});

async function weightsOf(model: { parameters(): Tensor[] }): Promise<number[][]> {
  return Promise.all(model.parameters().map(async (p) => Array.from(await p.data())));
}

/** Fits 3 epochs of 4 batches; `poison(call)` decides which loss call (1-based) goes bad and how. */
async function poisonedFit(interval: number, kind: 'loss' | 'gradient', onNonFinite?: 'raise' | 'stop') {
  const before = memory().tensors;
  const model = smallMlp();
  const { x, y } = blobs(64);
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  let calls = 0;
  const loss = (p: Tensor, t: Tensor): Tensor => {
    calls++;
    const l = softmaxCrossEntropy(p, t);
    if (calls !== 7) return l;
    // A NaN loss, or a finite loss whose gradient is NaN: d sqrt(0·p)/dp = ∞·0.
    return kind === 'loss' ? l.mul(NaN) : l.add(p.mul(0).sqrt().sum());
  };
  const finiteReads: number[][][] = [];
  const epochEnds: number[][][] = [];
  const watcher: Callback = {
    onBatchEnd: async (step, _logs, ctx) => {
      finiteReads.push(await weightsOf(ctx.model));
      void step;
    },
    onEpochEnd: async (_epoch, _logs, ctx) => {
      epochEnds.push(await weightsOf(ctx.model));
    },
  };
  const result = await fit(model, { data: { x, y }, epochs: 3, batchSize: 16, shuffle: false, optimizer, loss, callbacks: [watcher], verbose: 0, lossReadInterval: interval, ...(onNonFinite ? { onNonFinite } : {}) }).catch((e: unknown) => e);
  const weights = await weightsOf(model);
  const state = optimizer.stateDict();
  const moments = await Promise.all(Object.values(state.state).flatMap((s) => Object.values(s).filter((v): v is Tensor => typeof v === 'object').map(async (t) => Array.from(await t.data()))));
  for (const s of Object.values(state.state)) for (const v of Object.values(s)) if (typeof v === 'object') v.dispose();
  optimizer.dispose();
  model.parameters().forEach((p) => p.dispose());
  x.dispose();
  y.dispose();
  return { result, weights, moments, finiteReads, epochEnds, leaked: memory().tensors - before };
}

for (const mode of ['sync reads', 'async reads'] as const) {
  describe(`fit with a non-finite step (${mode})`, () => {
    beforeAll(async () => {
      await setBackend(mode === 'sync reads' ? original : asyncReads(original));
    });
    afterAll(async () => {
      await setBackend(original);
    });

    it('a NaN loss read every 4 steps: the weights and Adam state are restored to the last finite read', async () => {
      const { result, weights, moments, epochEnds, leaked } = await poisonedFit(4, 'loss');
      expect(TensorError.is(result)).toBe(true);
      expect((result as TensorError).message).toMatch(/^fit: loss is NaN at epoch 2 of 3, batch 3 of 4: training stopped; the model and the optimizer were restored to their state at the last finite read/);
      // The last finite read was the end of epoch 1 (4 batches, read every 4).
      expect(weights).toEqual(epochEnds[0]);
      expect(weights.flat().every(Number.isFinite)).toBe(true);
      expect(moments.flat().every(Number.isFinite)).toBe(true);
      expect(leaked).toBe(0);
    });

    it('a NaN gradient under a finite loss, read every step: the step is not applied', async () => {
      const { result, weights, moments, finiteReads, leaked } = await poisonedFit(1, 'gradient');
      expect(TensorError.is(result)).toBe(true);
      expect((result as TensorError).message).toMatch(/^fit: the sum of the gradients is NaN at epoch 2 of 3, batch 3 of 4: training stopped\./);
      // Six good steps (epoch 1 and two batches of epoch 2), then nothing.
      expect(weights).toEqual(finiteReads[5]);
      expect(weights.flat().every(Number.isFinite)).toBe(true);
      expect(moments.flat().every(Number.isFinite)).toBe(true);
      expect(leaked).toBe(0);
    });

    it("onNonFinite: 'stop' ends training quietly, with finite weights", async () => {
      const { result, weights, epochEnds, leaked } = await poisonedFit(4, 'gradient', 'stop');
      expect(TensorError.is(result)).toBe(false);
      expect((result as { history: Record<string, number[]> }).history.loss).toHaveLength(1);
      expect(weights).toEqual(epochEnds[0]);
      expect(leaked).toBe(0);
    });
  });
}

it('onNonFinite is validated', async () => {
  const model = smallMlp();
  const optimizer = new Adam(model.parameters());
  const error = await fit(model, { data: { x: tensor([[1, 2, 3, 4]]), y: tensor([0], [1], { dtype: 'int32' }) }, epochs: 1, optimizer, loss: softmaxCrossEntropy, verbose: 0, onNonFinite: 'skip' as never }).catch((e: unknown) => e);
  expect((error as TensorError).message).toMatch(/^fit: onNonFinite must be 'raise' or 'stop', got "skip"/);
  void getBackend;
});
