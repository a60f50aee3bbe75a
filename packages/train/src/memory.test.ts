import { beforeAll, expect, it } from 'vitest';
import { memory, setBackend } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { tapeSize } from '@tessera/autograd';
import { Adam } from '@tessera/optim';
import { fit, type Callback } from './index.js';
import { blobs, smallMlp, softmaxCrossEntropy } from './test-utils/fixtures.js';

beforeAll(async () => {
  await setBackend(cpu());
});

it('keeps memory flat over a 2,000-step run of fit (with metrics and validation)', async () => {
  const model = smallMlp(3);
  const { x, y } = blobs(500, 4);
  const val = blobs(40, 5);
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const start = memory().tensors;
  const atEpochEnd: number[] = [];
  const atBatch: number[] = [];
  const tape: number[] = [];
  let steps = 0;
  const probe: Callback = {
    onBatchEnd(step) {
      steps++;
      if (step % 100 === 99) atBatch.push(memory().tensors);
    },
    onEpochEnd() {
      atEpochEnd.push(memory().tensors);
      tape.push(tapeSize());
    },
  };
  await fit(model, { data: { x, y }, validation: val, epochs: 4, batchSize: 1, optimizer, loss: softmaxCrossEntropy, metrics: ['accuracy'], callbacks: [probe], seed: 0, verbose: 0 });
  expect(steps).toBe(2000);
  // After epoch 1 the optimizer state exists (2 Adam buffers per parameter); nothing grows after that.
  expect(atEpochEnd.every((m) => m === atEpochEnd[0])).toBe(true);
  expect(atBatch.every((m) => m === atBatch[0])).toBe(true);
  expect(atEpochEnd[0]).toBe(start + 2 * model.parameters().length);
  expect(tape.every((t) => t === 0)).toBe(true);
  optimizer.dispose();
  expect(memory().tensors).toBe(start);
  model.dispose();
  for (const t of [x, y, val.x, val.y]) t.dispose();
});
