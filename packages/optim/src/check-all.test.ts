/** Optimizers and schedulers report every bad hyperparameter of one call in one TensorError (issue 11). */
import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend, variable, zeros } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { Adam, AdamW, OneCycleLR, ReduceLROnPlateau, SGD } from './index.js';

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

  it('SGD reports a misspelt key and a bad value in one error, with the unknown key\'s code', async () => {
    const w = variable(zeros([2]));
    await rejection(() => new SGD([w], { lr: -1, momentun: 0.9 } as never)).toMatchObject({
      code: 'UNKNOWN_OPTION',
      details: [
        { code: 'UNKNOWN_OPTION', name: 'options' },
        { code: 'INVALID_ARGUMENT', name: 'lr', value: -1 },
      ],
      message: expect.stringMatching(/^SGD: unknown option 'momentun' \(did you mean 'momentum'\?\).*; and 1 more problem: defaults: lr must be a finite number >= 0, got number -1$/),
    });
    w.dispose();
  });

  it('Adam and AdamW report every misspelt key and every bad value together', async () => {
    const w = variable(zeros([2]));
    for (const Ctor of [Adam, AdamW]) {
      await rejection(() => new Ctor([w], { lr: 'fast', betas: [0.9, 2], epsilon: 1e-8, weightDecy: 0 } as never)).toMatchObject({
        code: 'UNKNOWN_OPTION',
        details: [
          { code: 'UNKNOWN_OPTION', message: expect.stringMatching(/unknown option 'epsilon'/) },
          { code: 'UNKNOWN_OPTION', message: expect.stringMatching(/unknown option 'weightDecy' \(did you mean 'weightDecay'\?\)/) },
          { code: 'INVALID_ARGUMENT', name: 'lr', value: 'fast' },
          { code: 'INVALID_ARGUMENT', name: 'betas[1]', value: 2 },
        ],
      });
    }
    w.dispose();
  });

  it('addParamGroup reports a misspelt key and a bad value of one group together', async () => {
    const w = variable(zeros([2]));
    const v = variable(zeros([2]));
    const sgd = new SGD([w], { lr: 0.1 });
    await rejection(() => sgd.addParamGroup({ params: [v], lr: -2, momentun: 0.5 } as never)).toMatchObject({
      code: 'UNKNOWN_OPTION',
      details: [{ code: 'UNKNOWN_OPTION', message: expect.stringMatching(/^unknown option 'momentun' in param group 1 \(did you mean 'momentum'\?\)/) }, { code: 'INVALID_ARGUMENT', name: 'lr', value: -2 }],
    });
    expect(sgd.paramGroups).toHaveLength(1);
    w.dispose();
    v.dispose();
  });
});
