/** The PyTorch fixture (scripts/generate-fixtures.py) and its two models, rebuilt in Tessera. */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { Conv2d, Flatten, Linear, Sequential, Tanh } from '@tessera/layers';
import { noGrad } from '@tessera/autograd';
import { tensor, type Tensor, type Variable } from '@tessera/tensor-core';
import type { FitOptimizer } from '@tessera/train';

export interface Encoded {
  readonly shape: number[];
  readonly values: number[];
}

export interface AttackCase {
  readonly attack: 'fgsm' | 'pgd';
  readonly options: { epsilon: number; stepSize?: number; steps?: number; norm?: 'linf' | 'l2' };
  readonly adversarial: Encoded;
  readonly loss: number;
}

export interface ModelFixture {
  readonly state: Record<string, Encoded>;
  readonly x: Encoded;
  readonly y: number[];
  readonly cleanLoss: number;
  readonly attacks: AttackCase[];
}

export const fixture = JSON.parse(readFileSync(new URL('../fixtures/attacks.json', import.meta.url), 'utf8')) as { models: { mlp: ModelFixture; cnn: ModelFixture } };

export function toTensor(e: Encoded): Tensor {
  return tensor(e.values, e.shape);
}

export function labels(values: readonly number[]): Tensor {
  return tensor(values, [values.length], { dtype: 'int32' });
}

export function buildModel(name: 'mlp' | 'cnn'): Sequential {
  const model =
    name === 'mlp'
      ? new Sequential(new Linear({ inFeatures: 5, outFeatures: 7, seed: 0 }), new Tanh(), new Linear({ inFeatures: 7, outFeatures: 3, seed: 1 }))
      : new Sequential({ conv: new Conv2d({ inChannels: 1, outChannels: 3, kernelSize: 3, seed: 0 }), act: new Tanh(), flatten: new Flatten(), fc: new Linear({ inFeatures: 48, outFeatures: 3, seed: 1 }) });
  const state = new Map(Object.entries(fixture.models[name].state).map(([k, v]) => [k, toTensor(v)] as const));
  model.loadStateDict(state);
  for (const t of state.values()) t.dispose();
  return model;
}

/** Elementwise |a - e| <= atol, reporting the worst element. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, label = 'values'): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  if (worst > atol || Number.isNaN(worst)) expect.fail(`${label}: element ${at} is ${actual[at]}, expected ${expected[at]} (|diff| ${worst} > ${atol})`);
}

/**
 * Plain SGD written against `fit`'s structural optimizer interface: robust's tests need an
 * optimizer, and the dependency graph keeps `@tessera/optim` out of this package.
 */
export function sgd(params: readonly Variable[], lr: number): FitOptimizer {
  return {
    paramGroups: [{ lr, params }],
    step(grads: ReadonlyMap<Tensor, Tensor>): void {
      noGrad(() => {
        for (const p of params) {
          const g = grads.get(p);
          if (!g) continue;
          const next = p.sub(g.mul(lr));
          p.assign(next);
          next.dispose();
        }
      });
    },
  };
}
