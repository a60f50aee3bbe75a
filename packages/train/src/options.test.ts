/** Every options object of train rejects unknown keys with `UNKNOWN_OPTION` (issue 14). */
import { beforeAll, describe, expect, it } from 'vitest';
import { TensorError, setBackend, tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { SGD } from '@tessera/optim';
import * as T from './index.js';
import { mse, smallMlp } from './test-utils/fixtures.js';

beforeAll(async () => {
  await setBackend(cpu());
});

const X = { zz_unknown: 1 } as never;

async function expectUnknown(run: () => unknown, message: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await run();
  } catch (e) {
    caught = e;
  }
  expect(TensorError.is(caught), `expected a TensorError, got ${String(caught)}`).toBe(true);
  expect((caught as TensorError).code, (caught as TensorError).message).toBe('UNKNOWN_OPTION');
  expect((caught as TensorError).message).toMatch(message);
}

const data = () => ({ x: tensor([[1, 2, 3, 4]]), y: tensor([[0, 0, 0]]) });
const CASES: Array<[string, () => unknown]> = [
  ['fit', () => {
    const model = smallMlp();
    return T.fit(model, { data: data(), epochs: 1, loss: mse, optimizer: new SGD(model.parameters(), { lr: 0.1 }), ...(X as object) });
  }],
  ['evaluate', () => T.evaluate(smallMlp(), data(), { loss: mse, ...(X as object) })],
  ['predict', () => T.predict(smallMlp(), tensor([[1, 2, 3, 4]]), X)],
  ['History.plot', () => new T.History().toSvg(X)],
  ['earlyStopping', () => T.earlyStopping(X)],
  ['progressBar', () => T.progressBar(X)],
  ['modelCheckpoint', () => T.modelCheckpoint({ path: 'x', ...(X as object) })],
  ['learningRateScheduler', () => T.learningRateScheduler(() => 0.1, X)],
  ['csvLogger', () => T.csvLogger(() => undefined, X)],
];

describe('train options: unknown keys are rejected', () => {
  it.each(CASES)('%s', async (name, run) => {
    void name;
    await expectUnknown(run, /unknown option 'zz_unknown'; valid options: \w+/);
  });

  it('suggests the camelCase spelling of a snake_case key', async () => {
    await expectUnknown(() => T.earlyStopping({ restore_best_weights: true } as never), /did you mean 'restoreBestWeights'/);
    await expectUnknown(() => T.predict(smallMlp(), tensor([[1, 2, 3, 4]]), { batch_size: 2 } as never), /^predict: unknown option 'batch_size' \(did you mean 'batchSize'\?\); valid options: batchSize$/);
  });
});
