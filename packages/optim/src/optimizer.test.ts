/**
 * The Optimizer machinery: construction and step validation, parameter groups, skipped
 * parameters, state dicts, moving state, disposal and memory.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  TensorError,
  memory,
  observe,
  setBackend,
  tensor,
  variable,
  type Backend,
  type Tensor,
  type TensorErrorCode,
  type Variable,
} from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { Adagrad, Adam, AdamW, Lion, RMSprop, SGD, type BaseOptimizerOptions, type Optimizer, type OptimizerStateDict } from './index.js';

beforeAll(async () => {
  await setBackend(cpu());
});

/** Everything a test creates, disposed after it. */
const live: Array<{ dispose(): void }> = [];
function track<T extends { dispose(): void }>(x: T): T {
  live.push(x);
  return x;
}
afterEach(() => {
  for (const x of live.splice(0)) x.dispose();
});

function param(values: number[], shape: number[] = [values.length], name?: string): Variable {
  const init = tensor(values, shape);
  const v = track(variable(init, name === undefined ? {} : { name }));
  init.dispose();
  return v;
}

function grads(entries: Array<[Tensor, number[] | Tensor]>): Map<Tensor, Tensor> {
  const map = new Map<Tensor, Tensor>();
  for (const [p, g] of entries) map.set(p, track(Array.isArray(g) ? tensor(g, p.shape) : g));
  return map;
}

function expectError(fn: () => unknown, code: TensorErrorCode, ...fragments: (string | RegExp)[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(TensorError.is(caught), `expected a TensorError ${code}, got ${String(caught)}`).toBe(true);
  const err = caught as TensorError;
  expect(err.code, err.message).toBe(code);
  for (const f of fragments) expect(err.message).toMatch(f);
}

describe('construction', () => {
  it('fills defaults like PyTorch', () => {
    const w = param([1, 2]);
    expect(track(new SGD([w])).defaults).toEqual({ lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false });
    expect(track(new Adam([w])).defaults).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false });
    expect(track(new AdamW([w])).defaults.weightDecay).toBe(1e-2);
    expect(track(new RMSprop([w])).defaults).toEqual({ lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false });
    expect(track(new Adagrad([w])).defaults).toEqual({ lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false });
    expect(track(new Lion([w])).defaults).toEqual({ lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0, maximize: false });
  });

  it('builds parameter groups whose options override the defaults', () => {
    const w1 = param([1]);
    const w2 = param([2]);
    const opt = track(new SGD([{ params: [w1], lr: 0.1 }, { params: [w2] }], { lr: 0.01, momentum: 0.9 }));
    expect(opt.paramGroups).toHaveLength(2);
    expect(opt.paramGroups[0]).toMatchObject({ lr: 0.1, momentum: 0.9 });
    expect(opt.paramGroups[1]).toMatchObject({ lr: 0.01, momentum: 0.9 });
    expect(opt.paramGroups[0]!.params).toEqual([w1]);
  });

  it('treats an undefined group option as unset', () => {
    const w = param([1]);
    const opt = track(new SGD([{ params: [w], lr: undefined }], { lr: 0.5 }));
    expect(opt.paramGroups[0]!.lr).toBe(0.5);
  });

  it('rejects an empty parameter list', () => {
    expectError(() => new SGD([]), 'INVALID_ARGUMENT', 'empty parameter list');
  });

  it('rejects params that are not an array', () => {
    expectError(() => new Adam(param([1]) as unknown as Variable[]), 'INVALID_ARGUMENT', 'must be an array');
  });

  it('rejects a group with no parameters or a params field that is not an array', () => {
    const w = param([1]);
    expectError(() => new SGD([{ params: [w] }, { params: [] }]), 'INVALID_ARGUMENT', 'param group 1 has an empty parameter list');
    expectError(() => new SGD([{ params: w as unknown as Variable[] }]), 'INVALID_ARGUMENT', 'params must be an array');
  });

  it('rejects a list mixing Variables and groups, or other values', () => {
    const w = param([1]);
    const w2 = param([2]);
    expectError(() => new SGD([w, { params: [w2] }] as never), 'INVALID_ARGUMENT', 'param group 0');
    expectError(() => new SGD([3] as never), 'INVALID_ARGUMENT', 'number 3');
  });

  it('rejects a tensor that is not a Variable', () => {
    const t = track(tensor([1, 2]));
    expectError(() => new SGD([{ params: [t as Variable] }]), 'INVALID_ARGUMENT', 'must be a Variable', `id=${t.id}`);
  });

  it('rejects a disposed parameter', () => {
    const w = param([1]);
    w.dispose();
    expectError(() => new SGD([w]), 'TENSOR_DISPOSED', 'was disposed');
  });

  it('rejects a non-float parameter', () => {
    const init = tensor([1, 2], [2], { dtype: 'int32' });
    const w = track(variable(init));
    init.dispose();
    expectError(() => new Adam([w]), 'DTYPE_MISMATCH', 'int32', 'float dtype');
  });

  it('rejects a parameter that appears twice, in one group or across groups', () => {
    const w = param([1], [1], 'weight');
    const b = param([2]);
    expectError(() => new SGD([w, b, w]), 'INVALID_ARGUMENT', 'more than once', "'weight'");
    expectError(() => new SGD([{ params: [w] }, { params: [b, w] }]), 'INVALID_ARGUMENT', 'param group 1', 'more than once');
  });

  it('rejects an unknown option in a group', () => {
    const w = param([1]);
    expectError(() => new SGD([{ params: [w], betas: [0.9, 0.99] } as never]), 'UNKNOWN_OPTION', "unknown option 'betas' in param group 0");
  });

  const invalid: Array<[string, (w: Variable) => unknown, string]> = [
    ['SGD negative lr', (w) => new SGD([w], { lr: -0.1 }), 'lr must be a finite number >= 0'],
    ['SGD NaN lr', (w) => new SGD([w], { lr: NaN }), 'lr must be a finite number'],
    ['SGD negative momentum', (w) => new SGD([w], { momentum: -0.5 }), 'momentum must be a finite number >= 0'],
    ['SGD infinite dampening', (w) => new SGD([w], { dampening: Infinity }), 'dampening must be a finite number'],
    ['SGD negative weightDecay', (w) => new SGD([w], { weightDecay: -1 }), 'weightDecay must be a finite number >= 0'],
    ['SGD nesterov without momentum', (w) => new SGD([w], { nesterov: true }), 'nesterov momentum needs momentum > 0'],
    ['SGD nesterov with dampening', (w) => new SGD([w], { nesterov: true, momentum: 0.9, dampening: 0.1 }), 'dampening = 0'],
    ['SGD non-boolean nesterov', (w) => new SGD([w], { nesterov: 1 as never }), 'nesterov must be a boolean'],
    ['SGD non-boolean maximize', (w) => new SGD([w], { maximize: 'yes' as never }), 'maximize must be a boolean'],
    ['SGD invalid group lr', (w) => new SGD([{ params: [w], lr: -1 }]), 'param group 0: lr must be a finite number >= 0'],
    ['Adam beta1 = 1', (w) => new Adam([w], { betas: [1, 0.999] }), 'betas[0] must be a finite number in [0, 1)'],
    ['Adam negative beta2', (w) => new Adam([w], { betas: [0.9, -0.1] }), 'betas[1] must be a finite number in [0, 1)'],
    ['Adam betas not a pair', (w) => new Adam([w], { betas: [0.9] as never }), 'betas must be a pair'],
    ['Adam eps = 0', (w) => new Adam([w], { eps: 0 }), 'eps must be a finite number > 0'],
    ['Adam negative eps', (w) => new Adam([w], { eps: -1e-8 }), 'eps must be a finite number > 0'],
    ['Adam negative weightDecay', (w) => new Adam([w], { weightDecay: -0.1 }), 'weightDecay must be a finite number >= 0'],
    ['Adam non-boolean amsgrad', (w) => new Adam([w], { amsgrad: 1 as never }), 'amsgrad must be a boolean'],
    ['Adam negative lr', (w) => new Adam([w], { lr: -1 }), 'lr must be a finite number >= 0'],
    ['AdamW beta2 = 1', (w) => new AdamW([w], { betas: [0.9, 1] }), 'AdamW'],
    ['AdamW negative weightDecay', (w) => new AdamW([w], { weightDecay: -1 }), 'weightDecay must be a finite number >= 0'],
    ['RMSprop negative alpha', (w) => new RMSprop([w], { alpha: -0.5 }), 'alpha must be a finite number >= 0'],
    ['RMSprop eps = 0', (w) => new RMSprop([w], { eps: 0 }), 'eps must be a finite number > 0'],
    ['RMSprop negative momentum', (w) => new RMSprop([w], { momentum: -0.9 }), 'momentum must be a finite number >= 0'],
    ['RMSprop negative weightDecay', (w) => new RMSprop([w], { weightDecay: -0.9 }), 'weightDecay must be a finite number >= 0'],
    ['RMSprop non-boolean centered', (w) => new RMSprop([w], { centered: 'no' as never }), 'centered must be a boolean'],
    ['RMSprop negative lr', (w) => new RMSprop([w], { lr: -1 }), 'lr must be a finite number >= 0'],
    ['Adagrad negative lrDecay', (w) => new Adagrad([w], { lrDecay: -1 }), 'lrDecay must be a finite number >= 0'],
    ['Adagrad negative initialAccumulatorValue', (w) => new Adagrad([w], { initialAccumulatorValue: -1 }), 'initialAccumulatorValue must be a finite number >= 0'],
    ['Adagrad eps = 0', (w) => new Adagrad([w], { eps: 0 }), 'eps must be a finite number > 0'],
    ['Adagrad negative weightDecay', (w) => new Adagrad([w], { weightDecay: -1 }), 'weightDecay must be a finite number >= 0'],
    ['Adagrad negative lr', (w) => new Adagrad([w], { lr: -1 }), 'lr must be a finite number >= 0'],
    ['Lion beta2 = 1', (w) => new Lion([w], { betas: [0.9, 1] }), 'betas[1] must be a finite number in [0, 1)'],
    ['Lion negative weightDecay', (w) => new Lion([w], { weightDecay: -1 }), 'weightDecay must be a finite number >= 0'],
    ['Lion negative lr', (w) => new Lion([w], { lr: -1 }), 'lr must be a finite number >= 0'],
    ['Lion non-boolean maximize', (w) => new Lion([w], { maximize: 0 as never }), 'maximize must be a boolean'],
  ];
  for (const [label, make, fragment] of invalid) {
    it(`rejects ${label}`, () => {
      expectError(() => make(param([1, 2])), 'INVALID_ARGUMENT', fragment);
    });
  }
});

describe('step', () => {
  it('updates parameters in place, keeping their identity', () => {
    const w = param([1, 2]);
    const opt = track(new SGD([w], { lr: 0.5 }));
    opt.step(grads([[w, [1, -1]]]));
    expect(Array.from(w.dataSync())).toEqual([0.5, 2.5]);
    expect(opt.paramGroups[0]!.params[0]).toBe(w);
  });

  it('skips parameters without a gradient (no state, no change)', () => {
    const w = param([1, 2]);
    const b = param([3]);
    const opt = track(new Adam([w, b], { lr: 0.1 }));
    opt.step(grads([[w, [1, 1]]]));
    expect(Array.from(b.dataSync())).toEqual([3]);
    expect(opt.getState(b)).toBeUndefined();
    expect(opt.getState(w)?.step).toBe(1);
    expect([...opt.getState(w)!.buffers.keys()]).toEqual(['expAvg', 'expAvgSq']);
  });

  it('reads the group learning rate at every step (schedulers write it)', () => {
    const w = param([1]);
    const opt = track(new SGD([w], { lr: 0.1 }));
    opt.step(grads([[w, [1]]]));
    opt.paramGroups[0]!.lr = 0.5;
    opt.step(grads([[w, [1]]]));
    expect(w.dataSync()[0]).toBeCloseTo(1 - 0.1 - 0.5, 6);
  });

  it('works on float64 parameters', () => {
    const init = tensor([1, 2], [2], { dtype: 'float64' });
    const w = track(variable(init));
    init.dispose();
    const opt = track(new Adam([w], { lr: 0.1 }));
    opt.step(grads([[w, track(tensor([0.5, -0.5], [2], { dtype: 'float64' }))]]));
    expect(w.dtype).toBe('float64');
    // The first Adam step moves each coordinate by lr·sign(g) (up to eps: 2e-9 here).
    expect(Array.from(w.dataSync())).toEqual([expect.closeTo(0.9, 7), expect.closeTo(2.1, 7)]);
  });

  it('is not observed by autograd', () => {
    const w = param([1, 2]);
    const opt = track(new RMSprop([w], { momentum: 0.9, centered: true }));
    const g = grads([[w, [1, 1]]]);
    let records = 0;
    const stop = observe(() => {
      records++;
    });
    try {
      track(w.add(1));
      expect(records).toBe(1);
      opt.step(g);
    } finally {
      stop();
    }
    expect(records).toBe(1);
  });

  it('rejects grads that are not a Map', () => {
    const w = param([1]);
    const opt = track(new SGD([w]));
    expectError(() => opt.step([[w, w]] as never), 'INVALID_ARGUMENT', 'must be a Map');
  });

  it('rejects a gradient for a tensor that is not one of its parameters, naming it', () => {
    const w = param([1, 2]);
    const other = param([1, 2, 3, 4], [2, 2], 'frozen.weight');
    const opt = track(new SGD([w]));
    expectError(() => opt.step(grads([[w, [1, 1]], [other, [1, 1, 1, 1]]])), 'INVALID_ARGUMENT', 'not a parameter of this optimizer', `id=${other.id}`, "'frozen.weight'", 'shape=[2,2]');
    expect(Array.from(w.dataSync())).toEqual([1, 2]);
  });

  it('ignores unknown gradients with allowUnknown', () => {
    const w = param([1]);
    const other = param([5]);
    const opt = track(new SGD([w], { lr: 1 }));
    opt.step(grads([[w, [1]], [other, [1]]]), { allowUnknown: true });
    expect(Array.from(w.dataSync())).toEqual([0]);
    expect(Array.from(other.dataSync())).toEqual([5]);
  });

  it('rejects a gradient whose shape differs from its parameter', () => {
    const w = param([1, 2, 3, 4], [2, 2]);
    const opt = track(new Adam([w]));
    expectError(() => opt.step(grads([[w, track(tensor([1, 2, 3, 4]))]])), 'SHAPE_MISMATCH', 'shape [4]', 'expected [2,2]');
  });

  it('rejects a gradient whose dtype differs from its parameter', () => {
    const w = param([1, 2]);
    const opt = track(new Adam([w]));
    expectError(() => opt.step(grads([[w, track(tensor([1, 2], [2], { dtype: 'float64' }))]])), 'DTYPE_MISMATCH', 'float64', 'expected float32');
  });

  it('rejects a gradient on another backend', () => {
    const w = param([1, 2]);
    const other: Backend = { ...cpu(), name: 'cpu-other' } as Backend;
    const g = track(tensor([1, 1], [2], { backend: other }));
    const opt = track(new SGD([w]));
    expectError(() => opt.step(grads([[w, g]])), 'BACKEND_MISMATCH', 'cpu-other');
  });

  it('rejects a gradient that is not a tensor', () => {
    const w = param([1]);
    const opt = track(new SGD([w]));
    expectError(() => opt.step(new Map([[w, [1] as never]])), 'INVALID_ARGUMENT', 'must be a Tensor');
  });

  it('rejects a disposed gradient or parameter', () => {
    const w = param([1]);
    const opt = track(new SGD([w]));
    const g = tensor([1]);
    g.dispose();
    expectError(() => opt.step(new Map([[w, g]])), 'TENSOR_DISPOSED', 'gradient');
    const g2 = track(tensor([1]));
    w.dispose();
    expectError(() => opt.step(new Map([[w, g2]])), 'TENSOR_DISPOSED', 'parameter');
  });

  it('validates hyperparameters changed after construction', () => {
    const w = param([1]);
    const opt = track(new Adam([w]));
    opt.paramGroups[0]!.lr = -1;
    expectError(() => opt.step(grads([[w, [1]]])), 'INVALID_ARGUMENT', 'param group 0: lr must be a finite number >= 0');
  });

  it('changes nothing when any gradient is invalid', () => {
    const w = param([1, 2]);
    const b = param([3, 4, 5]);
    const opt = track(new SGD([w, b], { lr: 1 }));
    expectError(() => opt.step(grads([[w, [1, 1]], [b, track(tensor([1, 1]))]])), 'SHAPE_MISMATCH');
    expect(Array.from(w.dataSync())).toEqual([1, 2]);
    expect(opt.getState(w)).toBeUndefined();
  });

  it('throws after dispose()', () => {
    const w = param([1]);
    const opt = new SGD([w]);
    opt.dispose();
    opt.dispose();
    expectError(() => opt.step(grads([[w, [1]]])), 'TENSOR_DISPOSED', 'the optimizer was disposed');
    expectError(() => opt.stateDict(), 'TENSOR_DISPOSED');
  });

  it('adds parameter groups later', () => {
    const w = param([1]);
    const b = param([1]);
    const opt = track(new SGD([w], { lr: 1 }));
    opt.addParamGroup({ params: [b], lr: 0.5 });
    opt.step(grads([[w, [1]], [b, [1]]]));
    expect(Array.from(w.dataSync())).toEqual([0]);
    expect(Array.from(b.dataSync())).toEqual([0.5]);
    expectError(() => opt.addParamGroup({ params: [b] }), 'INVALID_ARGUMENT', 'param group 2', 'more than once');
    expectError(() => opt.addParamGroup(null as never), 'INVALID_ARGUMENT', 'must be an object');
  });
});

describe('memory', () => {
  const makers: Array<[string, (ps: Variable[]) => Optimizer<BaseOptimizerOptions>]> = [
    ['SGD nesterov + weight decay', (ps) => new SGD(ps, { lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
    ['Adam amsgrad + weight decay', (ps) => new Adam(ps, { amsgrad: true, weightDecay: 0.01 })],
    ['AdamW amsgrad', (ps) => new AdamW(ps, { amsgrad: true, maximize: true })],
    ['RMSprop centered + momentum', (ps) => new RMSprop(ps, { centered: true, momentum: 0.9, weightDecay: 0.01 })],
    ['Adagrad', (ps) => new Adagrad(ps, { lrDecay: 0.01, weightDecay: 0.01, initialAccumulatorValue: 0.1 })],
    ['Lion', (ps) => new Lion(ps, { weightDecay: 0.1 })],
  ];
  for (const [label, make] of makers) {
    it(`${label}: 500 steps keep the tensor count flat, dispose() frees the state`, () => {
      const before = memory();
      const ps = [param([1, 2, 3]), param([1, 2, 3, 4], [2, 2])];
      const opt = make(ps);
      const g = grads([
        [ps[0]!, [0.1, -0.2, 0.3]],
        [ps[1]!, [0.5, -0.5, 0.25, -0.25]],
      ]);
      // A buffer may share storage with another at the first step (AMSGrad's max with the
      // second moment, SGD's momentum with the gradient); from the second step on, each has its own.
      opt.step(g);
      opt.step(g);
      const warm = memory();
      for (let i = 2; i < 500; i++) opt.step(g);
      expect(memory().tensors).toBe(warm.tensors);
      expect(memory().bytes).toBe(warm.bytes);
      opt.dispose();
      for (const t of [...g.values(), ...ps]) t.dispose();
      expect(memory().tensors).toBe(before.tensors);
      expect(memory().bytes).toBe(before.bytes);
    });
  }
});

describe('stateDict / loadStateDict', () => {
  function trained(): { w: Variable; b: Variable; opt: Adam } {
    const w = param([1, 2, 3]);
    const b = param([0.5]);
    const opt = track(new Adam([{ params: [w], amsgrad: true }, { params: [b], lr: 0.05 }], { lr: 0.1 }));
    for (let i = 0; i < 3; i++) opt.step(grads([[w, [0.1 * i, -0.2, 0.3]], ...(i < 2 ? [[b, [1]] as [Tensor, number[]]] : [])]));
    return { w, b, opt };
  }

  it("uses PyTorch's layout, with copies of the state", () => {
    const { w, opt } = trained();
    const sd = opt.stateDict();
    expect(Object.keys(sd.state)).toEqual(['0', '1']);
    expect(sd.state[0]!.step).toBe(3);
    expect(sd.state[1]!.step).toBe(2);
    expect(Object.keys(sd.state[0]!).sort()).toEqual(['expAvg', 'expAvgSq', 'maxExpAvgSq', 'step']);
    expect(sd.paramGroups).toEqual([
      { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: true, maximize: false, params: [0] },
      { lr: 0.05, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, params: [1] },
    ]);
    const expAvg = sd.state[0]!.expAvg as Tensor;
    const snapshot = Array.from(expAvg.dataSync());
    opt.step(grads([[w, [1, 1, 1]]]));
    expect(Array.from(expAvg.dataSync())).toEqual(snapshot);
    const live = opt.getState(w)!.buffers.get('expAvg')!;
    expect(expAvg).not.toBe(live);
    dispose(sd);
    expect(live.isDisposed).toBe(false);
  });

  it('round-trips: a loaded optimizer continues exactly like the original', () => {
    const { w, b, opt } = trained();
    opt.paramGroups[1]!.lr = 0.02;
    const sd = opt.stateDict();
    const w2 = param(Array.from(w.dataSync()));
    const b2 = param(Array.from(b.dataSync()));
    const opt2 = track(new Adam([{ params: [w2] }, { params: [b2] }], { lr: 0.3 }));
    opt2.loadStateDict(sd);
    dispose(sd);
    expect(opt2.paramGroups[0]).toMatchObject({ lr: 0.1, amsgrad: true });
    expect(opt2.paramGroups[1]!.lr).toBe(0.02);
    expect(opt2.paramGroups[0]!.params[0]).toBe(w2);
    for (let i = 0; i < 3; i++) {
      opt.step(grads([[w, [0.3, 0.1, -i]], [b, [0.5]]]));
      opt2.step(grads([[w2, [0.3, 0.1, -i]], [b2, [0.5]]]));
    }
    expect(Array.from(w2.dataSync())).toEqual(Array.from(w.dataSync()));
    expect(Array.from(b2.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(opt2.getState(w2)!.step).toBe(6);
  });

  it('survives a JSON round trip of the hyperparameters', () => {
    const w = param([1]);
    const opt = track(new SGD([w], { lr: 0.1, momentum: 0.9 }));
    opt.step(grads([[w, [1]]]));
    const sd = opt.stateDict();
    const json = JSON.parse(JSON.stringify(sd.paramGroups)) as OptimizerStateDict['paramGroups'];
    const opt2 = track(new SGD([param([1])]));
    opt2.loadStateDict({ state: sd.state, paramGroups: json });
    expect(opt2.paramGroups[0]).toMatchObject({ lr: 0.1, momentum: 0.9 });
    dispose(sd);
  });

  it('casts state to the parameter dtype', () => {
    const w = param([1, 2]);
    const opt = track(new SGD([w], { momentum: 0.9 }));
    const buffer = track(tensor([0.5, 0.25], [2], { dtype: 'float64' }));
    opt.loadStateDict({ state: { 0: { step: 1, momentumBuffer: buffer } }, paramGroups: [{ ...opt.stateDict().paramGroups[0]!, params: [0] }] });
    const loaded = opt.getState(w)!.buffers.get('momentumBuffer')!;
    expect(loaded.dtype).toBe('float32');
    expect(Array.from(loaded.dataSync())).toEqual([0.5, 0.25]);
  });

  function base(opt: Optimizer<BaseOptimizerOptions>): OptimizerStateDict {
    const sd = opt.stateDict();
    return sd;
  }

  it('rejects a state dict that is not one', () => {
    const opt = track(new SGD([param([1])]));
    expectError(() => opt.loadStateDict(null as never), 'INVALID_ARGUMENT', 'expected { state, paramGroups }');
    expectError(() => opt.loadStateDict({ state: {} } as never), 'INVALID_ARGUMENT', 'expected { state, paramGroups }');
  });

  it('rejects another group layout', () => {
    const opt = track(new SGD([param([1]), param([2])]));
    const sd = base(opt);
    expectError(() => opt.loadStateDict({ ...sd, paramGroups: [...sd.paramGroups, sd.paramGroups[0]!] }), 'INVALID_ARGUMENT', '2 parameter groups, this optimizer has 1');
    expectError(() => opt.loadStateDict({ ...sd, paramGroups: [{ ...sd.paramGroups[0]!, params: [0] }] }), 'INVALID_ARGUMENT', 'paramGroups[0] has 1 parameters');
    expectError(() => opt.loadStateDict({ ...sd, paramGroups: [{ lr: 1 } as never] }), 'INVALID_ARGUMENT', 'params array');
  });

  it('rejects an unknown parameter index', () => {
    const opt = track(new SGD([param([1])], { momentum: 0.9 }));
    const sd = base(opt);
    const t = track(tensor([1]));
    expectError(() => opt.loadStateDict({ ...sd, state: { 5: { step: 1, momentumBuffer: t } } }), 'INVALID_ARGUMENT', 'parameter index 5', '1 parameters');
    expectError(() => opt.loadStateDict({ ...sd, state: { ['x' as never]: { step: 1 } } }), 'INVALID_ARGUMENT', 'parameter index x');
  });

  it('rejects a state tensor whose shape differs from its parameter', () => {
    const opt = track(new SGD([param([1, 2, 3])], { momentum: 0.9 }));
    const sd = base(opt);
    const t = track(tensor([1, 2]));
    expectError(() => opt.loadStateDict({ ...sd, state: { 0: { step: 1, momentumBuffer: t } } }), 'SHAPE_MISMATCH', 'momentumBuffer has shape [2]', '[3]');
  });

  it("rejects another optimizer's state dict", () => {
    const { opt } = trained();
    const sd = opt.stateDict();
    const sgd = track(new SGD([{ params: [param([1, 2, 3])] }, { params: [param([1])] }]));
    expectError(() => sgd.loadStateDict(sd), 'INVALID_ARGUMENT', "unknown option 'betas'");
    expectError(() => sgd.loadStateDict({ ...sd, paramGroups: base(sgd).paramGroups }), 'INVALID_ARGUMENT', "unknown buffer 'expAvg'");
    dispose(sd);
  });

  it('rejects bad steps, buffers and option values', () => {
    const opt = track(new SGD([param([1])], { momentum: 0.9 }));
    const sd = base(opt);
    const good = track(tensor([1]));
    const ints = track(tensor([1], [1], { dtype: 'int32' }));
    const gone = tensor([1]);
    gone.dispose();
    expectError(() => opt.loadStateDict({ ...sd, state: { 0: { step: -1 } } }), 'INVALID_ARGUMENT', 'step must be a non-negative integer');
    expectError(() => opt.loadStateDict({ ...sd, state: { 0: { step: 1.5 } } }), 'INVALID_ARGUMENT', 'step');
    expectError(() => opt.loadStateDict({ ...sd, state: { 0: null as never } }), 'INVALID_ARGUMENT', 'state[0] must be an object');
    expectError(() => opt.loadStateDict({ ...sd, state: { 0: { step: 1, momentumBuffer: 3 } } }), 'INVALID_ARGUMENT', 'must be a Tensor');
    expectError(() => opt.loadStateDict({ ...sd, state: { 0: { step: 1, momentumBuffer: ints } } }), 'DTYPE_MISMATCH', 'float');
    expectError(() => opt.loadStateDict({ ...sd, state: { 0: { step: 1, momentumBuffer: gone } } }), 'TENSOR_DISPOSED');
    expectError(() => opt.loadStateDict({ ...sd, paramGroups: [{ ...sd.paramGroups[0]!, lr: -5 }] }), 'INVALID_ARGUMENT', 'paramGroups[0]: lr must be a finite number >= 0');
    // Nothing was applied by the failed loads.
    opt.loadStateDict({ ...sd, state: { 0: { step: 2, momentumBuffer: good } } });
    expect(opt.getState(opt.paramGroups[0]!.params[0]!)!.step).toBe(2);
  });

  it('changes nothing when validation fails', () => {
    const { w, opt } = trained();
    const before = Array.from(opt.getState(w)!.buffers.get('expAvg')!.dataSync());
    const sd = opt.stateDict();
    const bad = track(tensor([1, 2]));
    const broken = { ...sd, state: { ...sd.state, 1: { step: 1, expAvg: bad } } };
    sd.paramGroups[0]!.lr = 0.9;
    expectError(() => opt.loadStateDict(broken), 'SHAPE_MISMATCH');
    expect(opt.paramGroups[0]!.lr).toBe(0.1);
    expect(Array.from(opt.getState(w)!.buffers.get('expAvg')!.dataSync())).toEqual(before);
    dispose(sd);
  });
});

describe('to(backend)', () => {
  it('moves every state buffer and keeps stepping there', async () => {
    const other: Backend = { ...cpu(), name: 'cpu-moved' } as Backend;
    const w = param([1, 2]);
    const opt = track(new Adam([w], { lr: 0.1, amsgrad: true }));
    opt.step(grads([[w, [1, -1]]]));
    expect(await opt.to(other)).toBe(opt);
    for (const buffer of opt.getState(w)!.buffers.values()) expect(buffer.backend).toBe(other);
    const moved = await w.to(other);
    w.assign(moved);
    moved.dispose();
    opt.step(grads([[w, track(tensor([1, -1], [2], { backend: other }))]]));
    expect(w.backend).toBe(other);
    await opt.to(other); // already there: a no-op
  });
});

function dispose(sd: OptimizerStateDict): void {
  for (const entry of Object.values(sd.state)) for (const v of Object.values(entry)) if (typeof v !== 'number') v.dispose();
}
