/**
 * RNN, LSTM and GRU against torch.nn (src/fixtures/recurrent.json,
 * scripts/generate-recurrent-fixtures.py): the same weights are loaded into both through the
 * state dict; outputs and final states in float32 (1e-5), gradients of every input and
 * parameter in float64 against torch (1e-9) and finite differences (checkGradients).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { memory, randn, setBackend, tensor, tidy, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { backward, checkGradients, enableAutograd } from '@tessera/autograd';
import { manualSeed } from '../random.js';
import { GRU, LSTM, RNN, type RecurrentBase } from './index.js';
import { expectClose, expectNoLeaks, expectTensorError, readFixture, stateDictOf, toFloat64 } from '../losses/test-utils/helpers.js';

// These tests run forward passes on requiresGrad parameters before their first autograd call.
enableAutograd();

interface Flat {
  shape: number[];
  values: number[];
}
interface RecurrentCase {
  name: string;
  cls: 'RNN' | 'LSTM' | 'GRU';
  options: Record<string, unknown> & { inputSize: number; hiddenSize: number };
  params: Array<Flat & { name: string }>;
  input: Flat;
  h0: Flat | null;
  c0: Flat | null;
  output: Flat;
  hN: Flat;
  cN: Flat | null;
  grads: { input: number[]; h0: number[] | null; c0: number[] | null; params: Record<string, number[]> };
}

const fixtures = readFixture<{ generatedWith: string; cases: RecurrentCase[] }>('recurrent.json');

beforeAll(async () => {
  await setBackend(cpu());
});

type AnyRecurrent = RecurrentBase<Tensor> | RecurrentBase<[Tensor, Tensor]>;

function build(c: RecurrentCase): AnyRecurrent {
  const options = { ...c.options, seed: 1 };
  const module = c.cls === 'RNN' ? new RNN(options) : c.cls === 'LSTM' ? new LSTM(options) : new GRU(options);
  const dict = stateDictOf(c.params);
  module.loadStateDict(dict);
  for (const t of dict.values()) t.dispose();
  return module.eval();
}

/** Runs the module and returns [output, hN, cN?]. */
function forward(module: AnyRecurrent, x: Tensor, h0?: Tensor, c0?: Tensor): Tensor[] {
  if (module instanceof LSTM) {
    const { output, hidden } = module.forward(x, h0 && c0 ? [h0, c0] : undefined);
    return [output, ...hidden];
  }
  const { output, hidden } = (module as RecurrentBase<Tensor>).forward(x, h0);
  return [output, hidden];
}

const lossOf = (outs: Tensor[]): Tensor => tidy(() => outs.slice(1).reduce((sum, t) => sum.add(t.sum()), outs[0]!.square().sum()));

describe(`recurrent layers match torch.nn (${fixtures.generatedWith})`, () => {
  for (const c of fixtures.cases) {
    describe(c.name, () => {
      it('has PyTorch\'s state-dict keys and shapes', () => {
        const module = build(c);
        const dict = module.stateDict({ keepVars: true });
        expect([...dict.keys()]).toEqual(c.params.map((p) => p.name));
        expect([...dict.values()].map((t) => t.shape)).toEqual(c.params.map((p) => p.shape));
        module.dispose();
      });

      it('output and final state (float32)', async () => {
        const module = build(c);
        await expectNoLeaks(async () => {
          const x = tensor(c.input.values, c.input.shape);
          const h0 = c.h0 ? tensor(c.h0.values, c.h0.shape) : undefined;
          const c0 = c.c0 ? tensor(c.c0.values, c.c0.shape) : undefined;
          const [output, hN, cN] = forward(module, x, h0, c0);
          expect(output!.shape).toEqual(c.output.shape);
          expect(hN!.shape).toEqual(c.hN.shape);
          expectClose(await output!.data(), c.output.values, 1e-5, 1e-5, 'output');
          expectClose(await hN!.data(), c.hN.values, 1e-5, 1e-5, 'hN');
          if (c.cN) expectClose(await cN!.data(), c.cN.values, 1e-5, 1e-5, 'cN');
          for (const t of [x, h0, c0, output, hN, cN]) t?.dispose();
        });
        module.dispose();
      });

      it('gradients of input, state and every parameter (float64) vs torch', async () => {
        const module = build(c);
        toFloat64(module);
        await expectNoLeaks(async () => {
          const x = tensor(c.input.values, c.input.shape, { dtype: 'float64', requiresGrad: true });
          const h0 = c.h0 ? tensor(c.h0.values, c.h0.shape, { dtype: 'float64', requiresGrad: true }) : undefined;
          const c0 = c.c0 ? tensor(c.c0.values, c.c0.shape, { dtype: 'float64', requiresGrad: true }) : undefined;
          const grads = tidy(() => backward(lossOf(forward(module, x, h0, c0))));
          expectClose(await grads.get(x)!.data(), c.grads.input, 1e-9, 1e-10, 'd input');
          if (h0) expectClose(await grads.get(h0)!.data(), c.grads.h0!, 1e-9, 1e-10, 'd h0');
          if (c0) expectClose(await grads.get(c0)!.data(), c.grads.c0!, 1e-9, 1e-10, 'd c0');
          for (const [name, p] of module.namedParameters()) {
            expectClose(await grads.get(p)!.data(), c.grads.params[name]!, 1e-9, 1e-10, `d ${name}`);
          }
          for (const g of grads.values()) g.dispose();
          for (const t of [x, h0, c0]) t?.dispose();
        });
        module.dispose();
      });

      it('gradients of input and state match finite differences (float64)', async () => {
        const module = build(c);
        toFloat64(module);
        const inputs = [c.input, c.h0, c.c0].filter((t): t is Flat => t !== null).map((t) => tensor(t.values, t.shape, { dtype: 'float64' }));
        await checkGradients((x, h0, c0) => lossOf(forward(module, x!, h0, c0)), inputs, { name: c.name });
        for (const t of inputs) t.dispose();
        module.dispose();
      });
    });
  }
});

describe('recurrent layers: behaviour', () => {
  it('bidirectional multi-layer shapes for every layout', () => {
    const lstm = new LSTM({ inputSize: 5, hiddenSize: 7, numLayers: 3, bidirectional: true, seed: 0 });
    const x = randn([4, 2, 5], { seed: 1 });
    const { output, hidden: [h, c] } = lstm.forward(x);
    expect(output.shape).toEqual([4, 2, 14]);
    expect(h.shape).toEqual([6, 2, 7]);
    expect(c.shape).toEqual([6, 2, 7]);
    const gru = new GRU({ inputSize: 5, hiddenSize: 7, numLayers: 2, bidirectional: true, batchFirst: true, seed: 0 });
    const r = gru.forward(randn([2, 4, 5], { seed: 1 }));
    expect(r.output.shape).toEqual([2, 4, 14]);
    expect(r.hidden.shape).toEqual([4, 2, 7]);
    const rnn = new RNN({ inputSize: 5, hiddenSize: 7, numLayers: 2, seed: 0 });
    const u = rnn.forward(randn([4, 5], { seed: 1 }));
    expect(u.output.shape).toEqual([4, 7]);
    expect(u.hidden.shape).toEqual([2, 7]);
  });

  it('batchFirst is a transpose of the same computation', async () => {
    const a = new GRU({ inputSize: 3, hiddenSize: 4, seed: 5 });
    const b = new GRU({ inputSize: 3, hiddenSize: 4, seed: 5, batchFirst: true });
    const x = randn([6, 2, 3], { seed: 2 });
    const ya = a.forward(x).output;
    const yb = b.forward(x.transpose(0, 1)).output.transpose(0, 1);
    expectClose(await yb.data(), Array.from(await ya.data()), 0, 0, 'batchFirst');
  });

  it('initializes every weight in U(-1/sqrt(H), 1/sqrt(H)), deterministically per seed', async () => {
    const a = new LSTM({ inputSize: 6, hiddenSize: 16, numLayers: 2, seed: 3 });
    const b = new LSTM({ inputSize: 6, hiddenSize: 16, numLayers: 2, seed: 3 });
    const other = new LSTM({ inputSize: 6, hiddenSize: 16, numLayers: 2, seed: 4 });
    for (const [name, p] of a.namedParameters()) {
      const values = Array.from(await p.data());
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(0.25);
      expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(0.2);
      expect(Array.from(await b.stateDict({ keepVars: true }).get(name)!.data())).toEqual(values);
      expect(Array.from(await other.stateDict({ keepVars: true }).get(name)!.data())).not.toEqual(values);
    }
    manualSeed(11);
    const c = new RNN({ inputSize: 2, hiddenSize: 2 });
    manualSeed(11);
    const d = new RNN({ inputSize: 2, hiddenSize: 2 });
    expect(Array.from(await c.cellWeights(0).weightIh.data())).toEqual(Array.from(await d.cellWeights(0).weightIh.data()));
  });

  it('cellWeights reads the PyTorch-named parameters', () => {
    const gru = new GRU({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 0 });
    const w = gru.cellWeights(1, true);
    const own = gru as unknown as Record<string, unknown>;
    expect(w.weightIh).toBe(own['weight_ih_l1_reverse']);
    expect(w.weightIh.shape).toEqual([12, 8]);
    expect(w.biasHh).toBe(own['bias_hh_l1_reverse']);
    expect(new GRU({ inputSize: 3, hiddenSize: 4, bias: false, seed: 0 }).cellWeights(0).biasIh).toBeUndefined();
  });

  it('dropout acts between layers in training mode only', async () => {
    const x = randn([5, 3, 4], { seed: 1 });
    const rnn = new RNN({ inputSize: 4, hiddenSize: 8, numLayers: 2, dropout: 0.5, seed: 2 });
    const trained = await rnn.forward(x).output.data();
    const evaluated = await rnn.eval().forward(x).output.data();
    const again = await rnn.forward(x).output.data();
    expect(Array.from(trained)).not.toEqual(Array.from(evaluated));
    expect(Array.from(again)).toEqual(Array.from(evaluated));
    // One layer: nothing to drop between layers (PyTorch warns; Tessera ignores it).
    const single = new RNN({ inputSize: 4, hiddenSize: 8, dropout: 0.5, seed: 2 });
    const y1 = await single.forward(x).output.data();
    const y2 = await single.eval().forward(x).output.data();
    expect(Array.from(y1)).toEqual(Array.from(y2));
  });

  it('frees every temporary of forward and backward', async () => {
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, dropout: 0.2, seed: 0 });
    const x = randn([4, 2, 3], { seed: 1 });
    await expectNoLeaks(() => {
      const { output, hidden } = lstm.forward(x);
      output.dispose();
      hidden.forEach((t) => t.dispose());
      const grads = tidy(() => backward(lstm.forward(x).output.sum()));
      expect(grads.size).toBe(lstm.parameters().length);
      for (const g of grads.values()) g.dispose();
    });
    const before = memory().tensors;
    lstm.dispose();
    expect(before - memory().tensors).toBe(16);
  });

  it('prints its options', () => {
    expect(new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 0 }).toString()).toBe('LSTM(3, 4, numLayers=2, bidirectional=true)');
    expect(new RNN({ inputSize: 3, hiddenSize: 4, nonlinearity: 'relu', batchFirst: true, bias: false, seed: 0 }).toString()).toBe("RNN(3, 4, nonlinearity='relu', bias=false, batchFirst=true)");
  });
});

describe('recurrent layers: errors', () => {
  it('rejects bad options', async () => {
    await expectTensorError(() => new LSTM({ inputSize: 0, hiddenSize: 4 }), 'INVALID_ARGUMENT', /LSTM: inputSize must be an integer >= 1, got number 0/);
    await expectTensorError(() => new GRU({ inputSize: 2, hiddenSize: 2.5 }), 'INVALID_ARGUMENT', /hiddenSize must be an integer >= 1, got number 2\.5/);
    await expectTensorError(() => new RNN({ inputSize: 2, hiddenSize: 2, numLayers: 0 }), 'INVALID_ARGUMENT', /numLayers/);
    await expectTensorError(() => new RNN({ inputSize: 2, hiddenSize: 2, dropout: 1.5 }), 'INVALID_ARGUMENT', /dropout must be a finite number in \[0, 1\], got number 1\.5/);
    await expectTensorError(() => new RNN({ inputSize: 2, hiddenSize: 2, nonlinearity: 'sigmoid' as 'tanh' }), 'INVALID_ARGUMENT', /nonlinearity must be 'tanh' or 'relu', got "sigmoid"/);
    await expectTensorError(() => new GRU({ inputSize: 2, hiddenSize: 2, batchFirst: 1 as unknown as boolean }), 'INVALID_ARGUMENT', /batchFirst must be a boolean/);
    await expectTensorError(() => new GRU({ inputSize: 2, hiddenSize: 2, seed: -1 }), 'INVALID_ARGUMENT', /seed/);
    await expectTensorError(() => new GRU(undefined as unknown as { inputSize: number; hiddenSize: number }), 'INVALID_ARGUMENT', /options must be a plain object, got undefined/);
  });

  it('rejects inputs of the wrong rank, size, dtype or length, naming the expected shape', async () => {
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, seed: 0 });
    await expectTensorError(() => lstm.forward(randn([3], { seed: 0 })), 'SHAPE_MISMATCH', /expected input of shape \[L, N, inputSize\] or \[L, inputSize\] \(unbatched\), got \[3\]/);
    await expectTensorError(() => lstm.forward(randn([2, 2, 5], { seed: 0 })), 'SHAPE_MISMATCH', /expected inputSize=3 features in the last axis, got input shape \[2,2,5\]/);
    await expectTensorError(() => lstm.forward(randn([0, 2, 3], { seed: 0 })), 'SHAPE_MISMATCH', /the sequence is empty/);
    await expectTensorError(() => lstm.forward(randn([2, 2, 3], { seed: 0, dtype: 'float64' })), 'DTYPE_MISMATCH', /input has dtype float64, the parameters have float32/);
    await expectTensorError(() => lstm.forward('x' as unknown as Tensor), 'INVALID_ARGUMENT', /input must be a Tensor/);
    await expectTensorError(() => new GRU({ inputSize: 3, hiddenSize: 4, batchFirst: true, seed: 0 }).forward(randn([3], { seed: 0 })), 'SHAPE_MISMATCH', /\[N, L, inputSize\]/);
  });

  it('rejects initial states of the wrong shape, dtype or arity', async () => {
    const x = randn([5, 2, 3], { seed: 0 });
    const gru = new GRU({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 0 });
    await expectTensorError(() => gru.forward(x, randn([1, 2, 4], { seed: 0 })), 'SHAPE_MISMATCH', /h0 must have shape .* = \[2,2,4\] for this input, got h0\.shape=\[1,2,4\]/);
    await expectTensorError(() => gru.forward(x, randn([2, 2, 4], { seed: 0, dtype: 'float64' })), 'DTYPE_MISMATCH', /h0 has dtype float64/);
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, seed: 0 });
    const h = randn([1, 2, 4], { seed: 0 });
    await expectTensorError(() => lstm.forward(x, h as unknown as [Tensor, Tensor]), 'INVALID_ARGUMENT', /initial state must be a pair \[h0, c0\]/);
    await expectTensorError(() => lstm.forward(x, [h, randn([1, 4], { seed: 0 })]), 'SHAPE_MISMATCH', /c0 must have shape .* = \[1,2,4\]/);
    const rnn = new RNN({ inputSize: 3, hiddenSize: 4, bidirectional: true, seed: 0 });
    await expectTensorError(() => rnn.forward(randn([5, 3], { seed: 0 }), randn([1, 4], { seed: 0 })), 'SHAPE_MISMATCH', /= \[2,4\] for this input/);
  });

  it('cellWeights checks its arguments', async () => {
    const rnn = new RNN({ inputSize: 3, hiddenSize: 4, seed: 0 });
    await expectTensorError(() => rnn.cellWeights(1), 'INVALID_ARGUMENT', /layer must be an integer in \[0, 0\], got 1/);
    await expectTensorError(() => rnn.cellWeights(0, true), 'INVALID_ARGUMENT', /only with bidirectional/);
  });

  it('frees everything when forward throws', async () => {
    const gru = new GRU({ inputSize: 3, hiddenSize: 4, seed: 0 });
    const x = randn([5, 2, 3], { seed: 0 });
    const h0 = randn([2, 2, 4], { seed: 0 });
    await expectNoLeaks(() => expectTensorError(() => gru.forward(x, h0), 'SHAPE_MISMATCH', /h0/));
  });
});
