/** Optimizers and schedulers report every bad hyperparameter of one call in one TensorError (issue 11). */
import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend, variable, zeros } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { Adam, OneCycleLR, ReduceLROnPlateau, SGD } from './index.js';

beforeAll(async () => {
  await setBackend(cpu());
});

/** The error `run` throws, as a rejection to match against (`details` element by element). */
const rejection = (run: () => unknown) => expect(Promise.resolve().then(run)).rejects;

describe('every failure at once', () => {
  it('Adam lists a bad lr, a bad beta and a zero eps, prefixed with where they came from', async () => {
    const w = variable(zeros([2]));
    await rejection(() => new Adam([w], { lr: -1, betas: [0.9, 1], eps: 0 })).toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: [{ name: 'lr' }, { name: 'betas[1]' }, { name: 'eps' }],
      message:
        'Adam: defaults: lr must be a finite number >= 0, got number -1; and 2 more problems: defaults: betas[1] must be a finite number in [0, 1), got number 1; defaults: eps must be a finite number > 0, got number 0',
    });
    w.dispose();
  });

  it('SGD reports a bad lr and the nesterov rule together', async () => {
    const w = variable(zeros([2]));
    await rejection(() => new SGD([w], { lr: Number.NaN, nesterov: true })).toMatchObject({
      details: [{ name: 'lr' }, { name: 'nesterov' }],
      message: expect.stringMatching(/^SGD: defaults: lr must be a finite number >= 0, got number NaN; and 1 more problem: defaults: nesterov momentum needs momentum > 0/),
    });
    w.dispose();
  });

  it('ReduceLROnPlateau and OneCycleLR list each bad option', async () => {
    const w = variable(zeros([2]));
    const sgd = new SGD([w], { lr: 0.1, momentum: 0.9 });
    await rejection(() => new ReduceLROnPlateau(sgd, { factor: 2, patience: -1, mode: 'up' as 'min' })).toMatchObject({ details: [{ name: 'mode' }, { name: 'factor' }, { name: 'patience' }] });
    await rejection(() => new OneCycleLR(sgd, { maxLr: 0.1, totalSteps: 0, pctStart: 2, anneal: 'cos' } as never)).toMatchObject({
      code: 'UNKNOWN_OPTION',
      details: [{ name: 'options' }, { name: 'totalSteps' }, { name: 'pctStart' }],
    });
    w.dispose();
  });
});
