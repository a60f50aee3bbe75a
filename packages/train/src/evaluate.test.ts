import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TensorError, memory, setBackend, tensor, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { noGrad } from '@tessera/autograd';
import { DataLoader, TensorDataset } from '@tessera/data-augment';
import { Dropout, Linear, Sequential } from '@tessera/layers';
import { evaluate, predict } from './index.js';
import { blobs, mse, smallMlp, softmaxCrossEntropy } from './test-utils/fixtures.js';

beforeAll(async () => {
  await setBackend(cpu());
});

const live: { dispose(): void }[] = [];
afterEach(() => {
  for (const t of live.splice(0)) t.dispose();
});
function track<T extends { dispose(): void }>(value: T): T {
  live.push(value);
  return value;
}

describe('evaluate', () => {
  it('computes the sample-weighted mean loss and the metrics, whatever the batch size', async () => {
    const model = track(smallMlp());
    const { x, y } = blobs(50, 3);
    track(x);
    track(y);
    const whole = await evaluate(model, { x, y }, { loss: softmaxCrossEntropy, metrics: ['accuracy'], batchSize: 50 });
    const batched = await evaluate(model, { x, y }, { loss: softmaxCrossEntropy, metrics: ['accuracy'], batchSize: 7 });
    const direct = noGrad(() => softmaxCrossEntropy(model.forward(x), y));
    const expected = (await direct.data())[0]!;
    direct.dispose();
    expect(whole.loss).toBeCloseTo(expected, 5);
    expect(batched.loss).toBeCloseTo(expected, 5);
    expect(batched.accuracy).toBe(whole.accuracy);
  });

  it('runs in eval mode without recording, restores the mode, and frees everything', async () => {
    const model = track(new Sequential(new Linear({ inFeatures: 4, outFeatures: 4, seed: 0 }), new Dropout({ p: 0.9, seed: 1 })));
    const x = track(tensor(Array.from({ length: 8 }, () => [1, 2, 3, 4]), [8, 4]));
    const y = track(noGrad(() => model.eval().forward(x)));
    model.train();
    const before = memory().tensors;
    const result = await evaluate(model, new DataLoader(new TensorDataset(x, y), { batchSize: 3 }), { loss: mse, metrics: ['mse'] });
    expect(result.loss).toBeCloseTo(0, 10); // Dropout was off: the outputs match the eval-mode targets
    expect(result.mse).toBeCloseTo(0, 10);
    expect(model.training).toBe(true);
    expect(memory().tensors).toBe(before);
  });

  it('metrics alone, without a loss', async () => {
    const model = track(smallMlp());
    const { x, y } = blobs(16);
    track(x);
    track(y);
    const result = await evaluate(model, { x, y }, { metrics: ['accuracy'] });
    expect(Object.keys(result)).toEqual(['accuracy']);
  });

  const errors: [string, () => Promise<unknown>, RegExp][] = [
    ['a model that is not a Module', () => evaluate(42 as never, { x: tensor([1]), y: tensor([1]) }), /evaluate: model must be a Module/],
    ['a model never trained and no loss', () => evaluate(track(smallMlp()), { x: track(tensor([[1, 2, 3, 4]])), y: track(tensor([0], [1], { dtype: 'int32' })) }), /evaluate: nothing to compute: pass \{ loss \}/],
    ['an unknown option', () => evaluate(track(smallMlp()), { x: track(tensor([[1, 2, 3, 4]])), y: track(tensor([0], [1], { dtype: 'int32' })) }, { los: mse } as never), /evaluate: unknown option 'los'/],
    ['a loss that is not a function', () => evaluate(track(smallMlp()), { x: track(tensor([[1, 2, 3, 4]])), y: track(tensor([0], [1], { dtype: 'int32' })) }, { loss: 1 as never }), /evaluate: loss must be a function/],
    ['a bad batch size', () => evaluate(track(smallMlp()), { x: track(tensor([[1, 2, 3, 4]])), y: track(tensor([0], [1], { dtype: 'int32' })) }, { loss: mse, batchSize: 1.5 }), /evaluate: batchSize must be an integer >= 1/],
    ['data without targets', () => evaluate(track(smallMlp()), { x: track(tensor([[1, 2, 3, 4]])) } as never, { loss: mse }), /evaluate: data.y must be a Tensor of targets, got undefined/],
    ['a non-scalar loss', () => evaluate(track(smallMlp()), { x: track(tensor([[1, 2, 3, 4]])), y: track(tensor([0], [1], { dtype: 'int32' })) }, { loss: (p: Tensor) => p }), /evaluate: the loss function must return a scalar, got shape \[1,2\]/],
  ];
  it.each(errors)('rejects %s', async (_name, run, message) => {
    const error = await run().catch((e: unknown) => e);
    expect(TensorError.is(error), String(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });
});

describe('predict', () => {
  it('returns the outputs of every batch, concatenated, in eval mode', async () => {
    const model = track(smallMlp());
    const { x } = blobs(10);
    track(x);
    const before = memory().tensors;
    const out = track(await predict(model, x, { batchSize: 3 }));
    const direct = track(noGrad(() => model.forward(x)));
    expect(out.shape).toEqual([10, 2]);
    expect(Array.from(await out.data())).toEqual(Array.from(await direct.data()));
    expect(memory().tensors).toBe(before + 2);
    const fromPair = track(await predict(model, { x, y: x }));
    expect(fromPair.shape).toEqual([10, 2]);
    // Inputs alone, no targets (this line is also the type test: y is optional).
    const fromInputs = track(await predict(model, { x }));
    expect(Array.from(await fromInputs.data())).toEqual(Array.from(await direct.data()));
    const fromLoader = track(await predict(model, new DataLoader(new TensorDataset(x, x), { batchSize: 4 })));
    expect(fromLoader.shape).toEqual([10, 2]);
  });

  it('rejects bad input', async () => {
    await expect(predict(track(smallMlp()), 'x' as never)).rejects.toThrow(/predict: data must be a Tensor of inputs, \{ x \} \(y optional\)/);
    await expect(predict(track(smallMlp()), { x: 'images' } as never)).rejects.toThrow(/predict: data\.x must be a Tensor of inputs, got "images"/);
    await expect(predict(track(smallMlp()), track(tensor([[1, 2, 3, 4]])), { batchSize: 0 })).rejects.toThrow(/predict: batchSize must be an integer >= 1/);
    await expect(predict(track(smallMlp()), track(tensor([[1, 2, 3]])))).rejects.toThrow(/Linear/);
    await expect(predict(null as never, tensor([1]))).rejects.toThrow(/predict: model must be a Module/);
  });
});
