/** `fit` reports every bad option of one call in one TensorError, the first failure's code first (issue 11). */
import { beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '@tessera/backend-cpu';
import { Linear, mseLoss } from '@tessera/layers';
import { SGD } from '@tessera/optim';
import { setBackend, zeros } from '@tessera/tensor-core';
import { fit } from './index.js';

beforeAll(async () => {
  await setBackend(cpu());
});

describe('fit options', () => {
  it('lists a misspelt key and each bad value in one error', async () => {
    const model = new Linear({ inFeatures: 2, outFeatures: 1, seed: 0 });
    const optimizer = new SGD(model.parameters(), { lr: 0.1 });
    const data = { x: zeros([4, 2]), y: zeros([4, 1]) };
    await expect(fit(model, { data, epochs: 0, batchSize: 1.5, shuffle: 'yes', optimizer, loss: mseLoss, verbose: 0, batch_size: 2 } as never)).rejects.toMatchObject({
      code: 'UNKNOWN_OPTION',
      details: [{ name: 'options' }, { name: 'epochs' }, { name: 'batchSize' }, { name: 'shuffle' }],
      message: expect.stringMatching(
        /^fit: unknown option 'batch_size' \(did you mean 'batchSize'\?\).*; and 3 more problems: epochs must be an integer >= 1, got number 0; batchSize must be an integer >= 1, got number 1\.5; shuffle must be a boolean, got "yes"$/,
      ),
    });
    await expect(fit(model, { data, epochs: 1, loss: 'mse', verbose: 5 } as never)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: [{ name: 'verbose' }, { name: 'loss' }, { name: 'optimizer' }],
    });
    model.dispose();
    data.x.dispose();
    data.y.dispose();
  });
});
