/** Optimizers and schedulers report every bad hyperparameter of one call in one TensorError (issue 11). */
import { beforeAll, describe, expect, it } from 'vitest';
import { TensorError, setBackend, variable, zeros } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { Adam, OneCycleLR, ReduceLROnPlateau, SGD } from './index.js';

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
  it('Adam lists a bad lr, a bad beta and a zero eps, prefixed with where they came from', () => {
    const w = variable(zeros([2]));
    const e = caught(() => new Adam([w], { lr: -1, betas: [0.9, 1], eps: 0 }));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.details.map((d) => d.name)).toEqual(['lr', 'betas[1]', 'eps']);
    expect(e.message).toBe(
      'Adam: defaults: lr must be a finite number >= 0, got number -1; and 2 more problems: defaults: betas[1] must be a finite number in [0, 1), got number 1; defaults: eps must be a finite number > 0, got number 0',
    );
    w.dispose();
  });

  it('SGD reports a bad lr and the nesterov rule together', () => {
    const w = variable(zeros([2]));
    const e = caught(() => new SGD([w], { lr: Number.NaN, nesterov: true }));
    expect(e.details.map((d) => d.name)).toEqual(['lr', 'nesterov']);
    expect(e.message).toMatch(/^SGD: defaults: lr must be a finite number >= 0, got number NaN; and 1 more problem: defaults: nesterov momentum needs momentum > 0/);
    w.dispose();
  });

  it('ReduceLROnPlateau and OneCycleLR list each bad option', () => {
    const w = variable(zeros([2]));
    const sgd = new SGD([w], { lr: 0.1, momentum: 0.9 });
    expect(caught(() => new ReduceLROnPlateau(sgd, { factor: 2, patience: -1, mode: 'up' as 'min' })).details.map((d) => d.name)).toEqual(['mode', 'factor', 'patience']);
    const e = caught(() => new OneCycleLR(sgd, { maxLr: 0.1, totalSteps: 0, pctStart: 2, anneal: 'cos' } as never));
    expect(e.code).toBe('UNKNOWN_OPTION');
    expect(e.details.map((d) => d.name)).toEqual(['options', 'totalSteps', 'pctStart']);
    w.dispose();
  });
});
