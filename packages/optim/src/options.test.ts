/**
 * Every options object of optim rejects unknown keys with `UNKNOWN_OPTION` (issue 14:
 * `new Adam(p, { weight_decay: 0.1 })` used to apply no decay at all).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { TensorError, ones, setBackend, variable, type Variable } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import * as O from './index.js';

beforeAll(async () => {
  await setBackend(cpu());
});

const X = { zz_unknown: 1 } as never;
const params = (): Variable[] => [variable(ones([2]))];
const sgd = (): O.SGD => new O.SGD(params(), { lr: 0.1 });

function expectUnknown(run: () => unknown, message: RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (e) {
    caught = e;
  }
  expect(TensorError.is(caught), `expected a TensorError, got ${String(caught)}`).toBe(true);
  expect((caught as TensorError).code, (caught as TensorError).message).toBe('UNKNOWN_OPTION');
  expect((caught as TensorError).message).toMatch(message);
}

const CASES: Array<[string, () => unknown]> = [
  ['SGD', () => new O.SGD(params(), X)],
  ['Adam', () => new O.Adam(params(), X)],
  ['AdamW', () => new O.AdamW(params(), X)],
  ['RMSprop', () => new O.RMSprop(params(), X)],
  ['Adagrad', () => new O.Adagrad(params(), X)],
  ['Lion', () => new O.Lion(params(), X)],
  ['SGD param group', () => new O.SGD([{ params: params(), ...(X as object) }])],
  ['SGD.addParamGroup', () => sgd().addParamGroup({ params: params(), ...(X as object) })],
  ['SGD.step', () => sgd().step(new Map(), X)],
  ['clipGradNorm', () => O.clipGradNorm(new Map(), 1, X)],
  ['StepLR', () => new O.StepLR(sgd(), { stepSize: 1, ...(X as object) })],
  ['MultiStepLR', () => new O.MultiStepLR(sgd(), { milestones: [1], ...(X as object) })],
  ['ExponentialLR', () => new O.ExponentialLR(sgd(), { gamma: 0.5, ...(X as object) })],
  ['LinearLR', () => new O.LinearLR(sgd(), X)],
  ['LambdaLR', () => new O.LambdaLR(sgd(), { lrLambda: () => 1, ...(X as object) })],
  ['CosineAnnealingLR', () => new O.CosineAnnealingLR(sgd(), { tMax: 2, ...(X as object) })],
  ['CosineAnnealingWarmRestarts', () => new O.CosineAnnealingWarmRestarts(sgd(), { t0: 2, ...(X as object) })],
  ['OneCycleLR', () => new O.OneCycleLR(sgd(), { maxLr: 1, totalSteps: 10, ...(X as object) })],
  ['ReduceLROnPlateau', () => new O.ReduceLROnPlateau(sgd(), X)],
  ['SequentialLR', () => {
    const opt = sgd();
    return new O.SequentialLR(opt, { schedulers: [new O.ExponentialLR(opt, { gamma: 0.5 })], milestones: [], ...(X as object) });
  }],
];

describe('optim options: unknown keys are rejected', () => {
  it.each(CASES)('%s', (name, run) => {
    void name;
    expectUnknown(run, /unknown option 'zz_unknown'( in param group \d+)?; valid options: \w+/);
  });

  it('suggests the camelCase spelling (weight_decay → weightDecay, momentun → momentum)', () => {
    expectUnknown(() => new O.Adam(params(), { weight_decay: 0.1 } as never), /^Adam: unknown option 'weight_decay' \(did you mean 'weightDecay'\?\); valid options: lr, betas, eps, weightDecay, amsgrad, maximize$/);
    expectUnknown(() => new O.SGD(params(), { momentun: 0.9 } as never), /did you mean 'momentum'/);
    expectUnknown(() => new O.StepLR(sgd(), { step_size: 2 } as never), /did you mean 'stepSize'/);
  });
});
