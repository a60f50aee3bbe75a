/** The privacy package reports every bad option of one call in one TensorError (issue 11). */
import { beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '@tessera/backend-cpu';
import { Linear } from '@tessera/layers';
import { SGD } from '@tessera/optim';
import { TensorError, setBackend } from '@tessera/tensor-core';
import { RdpAccountant } from './accountant.js';
import { DPOptimizer } from './dp-optimizer.js';
import { PoissonSampler } from './poisson-sampler.js';

beforeAll(async () => {
  await setBackend(cpu());
});

function caught(run: () => unknown): TensorError {
  try {
    run();
  } catch (e) {
    if (TensorError.is(e)) return e;
    throw e;
  }
  throw new Error('expected a TensorError');
}

describe('every failure at once', () => {
  it('DPOptimizer lists a misspelt key and each bad value, with the first code', () => {
    const model = new Linear({ inFeatures: 3, outFeatures: 2, seed: 0 });
    const sgd = new SGD(model.parameters(), { lr: 0.1 });
    const e = caught(() => new DPOptimizer(sgd, { noiseMultiplier: -1, maxGradNorm: 0, expectedBatchSize: 4, seed: 0, noise: 1 } as never));
    expect(e.code).toBe('UNKNOWN_OPTION');
    expect(e.details.map((d) => d.name)).toEqual(['options', 'noiseMultiplier', 'maxGradNorm']);
    expect(e.message).toMatch(/unknown option 'noise'.*; and 2 more problems: noiseMultiplier must be a finite number >= 0, got number -1; maxGradNorm must be a finite number > 0, got number 0$/);
    model.dispose();
  });

  it('PoissonSampler and RdpAccountant.step report each bad value', () => {
    expect(caught(() => new PoissonSampler({ datasetSize: 0, sampleRate: 2, seed: -1 })).details.map((d) => d.name)).toEqual(['datasetSize', 'sampleRate', 'seed']);
    const accountant = new RdpAccountant();
    expect(caught(() => accountant.step({ noiseMultiplier: -1, sampleRate: 2, steps: 0.5 })).details.map((d) => d.name)).toEqual(['noiseMultiplier', 'sampleRate', 'steps']);
  });
});
