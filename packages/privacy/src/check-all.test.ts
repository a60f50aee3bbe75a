/** The privacy package reports every bad option of one call in one TensorError (issue 11). */
import { beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '@tessera/backend-cpu';
import { Linear } from '@tessera/layers';
import { SGD } from '@tessera/optim';
import { setBackend } from '@tessera/tensor-core';
import { RdpAccountant } from './accountant.js';
import { DPOptimizer } from './dp-optimizer.js';
import { PoissonSampler } from './poisson-sampler.js';

beforeAll(async () => {
  await setBackend(cpu());
});

/** The error `run` throws, as a rejection to match against (`details` element by element). */
const rejection = (run: () => unknown) => expect(Promise.resolve().then(run)).rejects;

describe('every failure at once', () => {
  it('DPOptimizer lists a misspelt key and each bad value, with the first code', async () => {
    const model = new Linear({ inFeatures: 3, outFeatures: 2, seed: 0 });
    const sgd = new SGD(model.parameters(), { lr: 0.1 });
    await rejection(() => new DPOptimizer(sgd, { noiseMultiplier: -1, maxGradNorm: 0, expectedBatchSize: 4, seed: 0, noise: 1 } as never)).toMatchObject({
      code: 'UNKNOWN_OPTION',
      details: [{ name: 'options' }, { name: 'noiseMultiplier' }, { name: 'maxGradNorm' }],
      message: expect.stringMatching(/unknown option 'noise'.*; and 2 more problems: noiseMultiplier must be a finite number >= 0, got number -1; maxGradNorm must be a finite number > 0, got number 0$/),
    });
    model.dispose();
  });

  it('PoissonSampler and RdpAccountant.step report each bad value', async () => {
    await rejection(() => new PoissonSampler({ datasetSize: 0, sampleRate: 2, seed: -1 })).toMatchObject({ details: [{ name: 'datasetSize' }, { name: 'sampleRate' }, { name: 'seed' }] });
    const accountant = new RdpAccountant();
    await rejection(() => accountant.step({ noiseMultiplier: -1, sampleRate: 2, steps: 0.5 })).toMatchObject({ details: [{ name: 'noiseMultiplier' }, { name: 'sampleRate' }, { name: 'steps' }] });
  });
});
