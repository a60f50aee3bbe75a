/** The PyTorch fixture (scripts/generate-fixtures.py) and the two models it describes, rebuilt in Tessera. */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, Tanh } from '@tessera/layers';
import { tensor, type Backend, type Tensor } from '@tessera/tensor-core';

export interface Encoded {
  readonly shape: number[];
  readonly values: number[];
}

export interface ModelFixture {
  readonly state: Record<string, Encoded>;
  readonly x: Encoded;
  readonly target: number[];
  readonly logits: Encoded;
  readonly saliency: Encoded;
  readonly gradient: Encoded;
  readonly gradientXInput: Encoded;
  readonly integratedGradients: { method: string; steps: number; attributions: Encoded; delta: number[]; alphas: number[]; weights: number[] }[];
  readonly integratedGradientsGrey?: { method: string; steps: number; baseline: number; attributions: Encoded; delta: number[] };
  readonly gradCam?: { layer: string; relu: boolean; cam: Encoded; upsampled: Encoded }[];
}

export const fixture = JSON.parse(readFileSync(new URL('../fixtures/attributions.json', import.meta.url), 'utf8')) as {
  models: { mlp: ModelFixture; cnn: ModelFixture };
};

export function toTensor(e: Encoded, backend?: Backend): Tensor {
  return tensor(e.values, e.shape, backend ? { backend } : {});
}

/** The fixture's model with its weights. */
export function buildModel(name: 'mlp' | 'cnn', backend?: Backend): Sequential {
  const model =
    name === 'mlp'
      ? new Sequential(new Linear({ inFeatures: 6, outFeatures: 8, seed: 0 }), new Tanh(), new Linear({ inFeatures: 8, outFeatures: 3, seed: 1 }))
      : new Sequential({
          conv1: new Conv2d({ inChannels: 1, outChannels: 4, kernelSize: 3, padding: 1, seed: 0 }),
          relu1: new ReLU(),
          pool: new MaxPool2d({ kernelSize: 2 }),
          conv2: new Conv2d({ inChannels: 4, outChannels: 6, kernelSize: 3, seed: 1 }),
          relu2: new ReLU(),
          flatten: new Flatten(),
          fc: new Linear({ inFeatures: 54, outFeatures: 3, seed: 2 }),
        });
  const state = new Map(Object.entries(fixture.models[name].state).map(([k, v]) => [k, toTensor(v, backend)] as const));
  model.loadStateDict(state);
  for (const t of state.values()) t.dispose();
  return model;
}

/** Elementwise |a - e| <= atol + rtol |e|, reporting the worst element. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol = 0, label = 'values'): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i]! - expected[i]!) - (atol + rtol * Math.abs(expected[i]!));
    if (!(excess <= worstExcess) || Number.isNaN(actual[i]!)) {
      worst = i;
      worstExcess = Number.isNaN(actual[i]!) ? Infinity : excess;
    }
  }
  if (worst >= 0) expect.fail(`${label}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`);
}
