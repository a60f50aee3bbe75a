/**
 * MultiHeadAttention and TransformerEncoderLayer against torch.nn (src/fixtures/attention.json,
 * scripts/generate-attention-fixtures.py): the same weights through the state dict; outputs and
 * attention weights in float32 (1e-5), gradients of inputs and every parameter in float64
 * against torch (1e-9) and finite differences (checkGradients).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { randn, setBackend, tensor, tidy, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { backward, checkGradients, enableAutograd } from '@tessera/autograd';
import { MultiHeadAttention, TransformerEncoderLayer, type AttentionOptions } from './index.js';
import { expectClose, expectNoLeaks, expectTensorError, fromFixture, readFixture, stateDictOf, toFloat64, type FixtureTensor } from '../losses/test-utils/helpers.js';

// These tests run forward passes on requiresGrad parameters before their first autograd call.
enableAutograd();

interface AttentionCase {
  name: string;
  layer: 'MultiHeadAttention' | 'TransformerEncoderLayer';
  options: Record<string, unknown>;
  call: { needWeights?: boolean; averageAttnWeights?: boolean; isCausal?: boolean; selfAttention?: boolean };
  params: Array<{ name: string; shape: number[]; values: number[] }>;
  inputs: Record<string, FixtureTensor>;
  masks: Record<string, FixtureTensor>;
  output: FixtureTensor;
  weights: FixtureTensor | null;
  grads: { inputs: Record<string, number[]>; params: Record<string, number[]> };
}

const fixtures = readFixture<{ generatedWith: string; cases: AttentionCase[] }>('attention.json');

beforeAll(async () => {
  await setBackend(cpu());
});

type Layer = MultiHeadAttention | TransformerEncoderLayer;

function build(c: AttentionCase): Layer {
  const options = { ...c.options, seed: 3 };
  const module: Layer = c.layer === 'MultiHeadAttention' ? new MultiHeadAttention(options as never) : new TransformerEncoderLayer(options as never);
  const dict = stateDictOf(c.params);
  module.loadStateDict(dict);
  for (const t of dict.values()) t.dispose();
  return module.eval();
}

/** The float inputs in the fixture's order, created in `dtype`. */
function inputsOf(c: AttentionCase, dtype: 'float32' | 'float64'): Tensor[] {
  return Object.values(c.inputs).map((t) => fromFixture(t, dtype));
}

/** Runs the layer; returns [output, weights?]. */
function call(module: Layer, c: AttentionCase, inputs: Tensor[], masks: Record<string, Tensor>): [Tensor, Tensor | undefined] {
  if (module instanceof TransformerEncoderLayer) {
    return [module.forward(inputs[0]!, { ...masks, ...(c.call.isCausal ? { isCausal: true } : {}) }), undefined];
  }
  const [query, key = query, value = query] = inputs as [Tensor, Tensor?, Tensor?];
  const options: AttentionOptions = {
    ...masks,
    ...(c.call.needWeights === undefined ? {} : { needWeights: c.call.needWeights }),
    ...(c.call.averageAttnWeights === undefined ? {} : { averageAttnWeights: c.call.averageAttnWeights }),
    ...(c.call.isCausal ? { isCausal: true } : {}),
  };
  const { output, weights } = module.forward(query, key, value, options);
  return [output, weights];
}

function masksOf(c: AttentionCase, dtype: 'float32' | 'float64'): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(c.masks).map(([k, v]) => [k, fromFixture(v, dtype)]));
}

const lossOf = ([output, weights]: [Tensor, Tensor | undefined]): Tensor =>
  tidy(() => (weights === undefined ? output.square().sum() : output.square().sum().add(weights.square().sum())));

describe(`attention layers match torch.nn (${fixtures.generatedWith})`, () => {
  for (const c of fixtures.cases) {
    describe(`${c.layer}: ${c.name}`, () => {
      it("has PyTorch's state-dict keys and shapes", () => {
        const module = build(c);
        const dict = module.stateDict({ keepVars: true });
        expect([...dict.keys()]).toEqual(c.params.map((p) => p.name));
        expect([...dict.values()].map((t) => t.shape)).toEqual(c.params.map((p) => p.shape));
        module.dispose();
      });

      it('output and weights (float32)', async () => {
        const module = build(c);
        await expectNoLeaks(async () => {
          const inputs = inputsOf(c, 'float32');
          const masks = masksOf(c, 'float32');
          const [output, weights] = call(module, c, inputs, masks);
          expect(output.shape).toEqual(c.output.shape);
          expectClose(await output.data(), c.output.values, 1e-5, 1e-5, 'output');
          if (c.weights) {
            expect(weights!.shape).toEqual(c.weights.shape);
            expectClose(await weights!.data(), c.weights.values, 1e-5, 1e-5, 'weights');
          } else {
            expect(weights).toBeUndefined();
          }
          for (const t of [...inputs, ...Object.values(masks), output, weights]) t?.dispose();
        });
        module.dispose();
      });

      it('gradients of inputs and every parameter (float64) vs torch', async () => {
        const module = build(c);
        toFloat64(module);
        await expectNoLeaks(async () => {
          const inputs = inputsOf(c, 'float64');
          for (const t of inputs) t.requiresGrad = true;
          const masks = masksOf(c, 'float64');
          const grads = tidy(() => backward(lossOf(call(module, c, inputs, masks))));
          Object.keys(c.inputs).forEach((name, i) => expectClose(grads.get(inputs[i]!)!.dataSync(), c.grads.inputs[name]!, 1e-9, 1e-10, `d ${name}`));
          for (const [name, p] of module.namedParameters()) expectClose(grads.get(p)!.dataSync(), c.grads.params[name]!, 1e-9, 1e-10, `d ${name}`);
          for (const g of grads.values()) g.dispose();
          for (const t of [...inputs, ...Object.values(masks)]) t.dispose();
        });
        module.dispose();
      });

      it('gradients of inputs match finite differences (float64)', async () => {
        const module = build(c);
        toFloat64(module);
        const inputs = inputsOf(c, 'float64');
        const masks = masksOf(c, 'float64');
        await checkGradients((...xs) => lossOf(call(module, c, xs, masks)), inputs, { name: c.name });
        for (const t of [...inputs, ...Object.values(masks)]) t.dispose();
        module.dispose();
      });
    });
  }
});

describe('MultiHeadAttention: behaviour', () => {
  it('initializes as PyTorch: xavier-uniform in_proj_weight, zero biases', async () => {
    const mha = new MultiHeadAttention({ embedDim: 8, numHeads: 2, seed: 0 });
    const dict = mha.stateDict({ keepVars: true });
    expect([...dict.keys()]).toEqual(['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']);
    const bound = Math.sqrt(6 / (8 + 24));
    const w = Array.from(await dict.get('in_proj_weight')!.data());
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.8 * bound);
    expect(Array.from(await dict.get('in_proj_bias')!.data()).every((v) => v === 0)).toBe(true);
    expect(Array.from(await dict.get('out_proj.bias')!.data()).every((v) => v === 0)).toBe(true);
    expect(mha.outProj.weight.shape).toEqual([8, 8]);
    const separate = new MultiHeadAttention({ embedDim: 8, numHeads: 2, kdim: 3, vdim: 5, bias: false, seed: 0 });
    expect([...separate.stateDict({ keepVars: true }).keys()]).toEqual(['q_proj_weight', 'k_proj_weight', 'v_proj_weight', 'out_proj.weight']);
  });

  it('weights rows sum to 1 and masked keys get weight 0', async () => {
    const mha = new MultiHeadAttention({ embedDim: 4, numHeads: 2, batchFirst: true, seed: 1 });
    const x = randn([2, 3, 4], { seed: 2 });
    const keyPaddingMask = tensor([[false, false, true], [false, false, false]]);
    const { weights } = mha.forward(x, x, x, { keyPaddingMask, averageAttnWeights: false });
    expect(weights!.shape).toEqual([2, 2, 3, 3]);
    const w = weights!.arraySync() as number[][][][];
    for (const head of w[0]!) for (const row of head) expect(row[2]).toBe(0);
    for (const sample of w) for (const head of sample) for (const row of head) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('isCausal equals an explicit upper-triangular mask, and combines with attnMask', async () => {
    const mha = new MultiHeadAttention({ embedDim: 4, numHeads: 2, seed: 1 });
    const x = randn([4, 1, 4], { seed: 2 });
    const upper = tensor([[0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]], undefined, { dtype: 'bool' });
    const a = mha.forward(x, x, x, { isCausal: true });
    const b = mha.forward(x, x, x, { attnMask: upper });
    expect(Array.from(await a.output.data())).toEqual(Array.from(await b.output.data()));
    const extra = tensor([[0, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], undefined, { dtype: 'bool' });
    const w = mha.forward(x, x, x, { isCausal: true, attnMask: extra }).weights!.arraySync() as number[][][];
    expect(w[0]![1]).toEqual([0, 1, 0, 0]);
  });

  it('a query whose keys are all masked gives NaN, as PyTorch', async () => {
    const mha = new MultiHeadAttention({ embedDim: 4, numHeads: 1, seed: 1 });
    const x = randn([2, 4], { seed: 2 });
    const { output } = mha.forward(x, x, x, { keyPaddingMask: tensor([true, true]) });
    expect(Array.from(await output.data()).every(Number.isNaN)).toBe(true);
  });

  it('dropout drops attention weights in training mode only', async () => {
    const mha = new MultiHeadAttention({ embedDim: 4, numHeads: 2, dropout: 0.5, seed: 1 });
    const x = randn([5, 2, 4], { seed: 2 });
    const trained = Array.from(await mha.forward(x, x, x).weights!.data());
    expect(trained.some((v) => v === 0)).toBe(true);
    const evaluated = Array.from(await mha.eval().forward(x, x, x).weights!.data());
    expect(evaluated.every((v) => v > 0)).toBe(true);
  });

  it('frees every temporary of forward and backward', async () => {
    const mha = new MultiHeadAttention({ embedDim: 4, numHeads: 2, dropout: 0.1, seed: 1 });
    const x = randn([3, 2, 4], { seed: 2 });
    const mask = tensor([[false, true, false], [false, false, false]]);
    await expectNoLeaks(() => {
      const { output, weights } = mha.forward(x, x, x, { keyPaddingMask: mask, isCausal: true });
      output.dispose();
      weights!.dispose();
      const grads = tidy(() => backward(mha.forward(x, x, x, { keyPaddingMask: mask }).output.sum()));
      expect(grads.size).toBe(4);
      for (const g of grads.values()) g.dispose();
    });
  });

  it('prints its options', () => {
    expect(new MultiHeadAttention({ embedDim: 4, numHeads: 2, kdim: 3, vdim: 3, batchFirst: true, seed: 0 }).extraRepr()).toBe('embedDim=4, numHeads=2, kdim=3, vdim=3, batchFirst=true');
  });
});

describe('TransformerEncoderLayer: behaviour', () => {
  it("has PyTorch's submodules and defaults", () => {
    const layer = new TransformerEncoderLayer({ dModel: 8, nhead: 2, seed: 0 });
    expect(layer.namedChildren().map(([name]) => name)).toEqual(['self_attn', 'linear1', 'dropout', 'linear2', 'norm1', 'norm2', 'dropout1', 'dropout2']);
    expect(layer.selfAttn).toBe(layer.self_attn);
    expect(layer.linear1.outFeatures).toBe(2048);
    expect(layer.dropout.p).toBe(0.1);
    expect(layer.norm1.eps).toBe(1e-5);
    expect(layer.extraRepr()).toBe('dModel=8, nhead=2, dimFeedforward=2048, activation=relu');
  });

  it('accepts a custom activation and frees its temporaries', async () => {
    const layer = new TransformerEncoderLayer({ dModel: 4, nhead: 2, dimFeedforward: 8, activation: (t) => t.tanh(), batchFirst: true, seed: 0 });
    const x = randn([2, 3, 4], { seed: 1 });
    await expectNoLeaks(() => {
      const y = layer.forward(x, { isCausal: true });
      expect(y.shape).toEqual([2, 3, 4]);
      y.dispose();
      const grads = tidy(() => backward(layer.forward(x).sum()));
      expect(grads.size).toBe(layer.parameters().length);
      for (const g of grads.values()) g.dispose();
    });
  });
});

describe('attention layers: errors', () => {
  it('rejects bad options', async () => {
    await expectTensorError(() => new MultiHeadAttention({ embedDim: 6, numHeads: 4 }), 'INVALID_ARGUMENT', /embedDim \(6\) must be divisible by numHeads \(4\)/);
    await expectTensorError(() => new MultiHeadAttention({ embedDim: 0, numHeads: 1 }), 'INVALID_ARGUMENT', /embedDim must be an integer >= 1/);
    await expectTensorError(() => new MultiHeadAttention({ embedDim: 4, numHeads: 1, dropout: -0.1 }), 'INVALID_ARGUMENT', /dropout must be a finite number in \[0, 1\]/);
    await expectTensorError(() => new MultiHeadAttention({ embedDim: 4, numHeads: 1, kdim: 0 }), 'INVALID_ARGUMENT', /kdim/);
    await expectTensorError(() => new TransformerEncoderLayer({ dModel: 6, nhead: 4 }), 'INVALID_ARGUMENT', /dModel \(6\) must be divisible by nhead \(4\)/);
    await expectTensorError(() => new TransformerEncoderLayer({ dModel: 4, nhead: 2, activation: 'tanh' as 'relu' }), 'INVALID_ARGUMENT', /activation must be 'relu', 'gelu' or a function, got "tanh"/);
    await expectTensorError(() => new TransformerEncoderLayer({ dModel: 4, nhead: 2, layerNormEps: 0 }), 'INVALID_ARGUMENT', /layerNormEps must be a finite number > 0/);
  });

  it('rejects inputs that do not fit, naming the shapes', async () => {
    const mha = new MultiHeadAttention({ embedDim: 4, numHeads: 2, seed: 0 });
    const q = randn([3, 2, 4], { seed: 0 });
    await expectTensorError(() => mha.forward(randn([4], { seed: 0 }), q, q), 'SHAPE_MISMATCH', /expected query of shape \[L, N, E\] or \[L, E\] \(unbatched\), got query\.shape=\[4\]/);
    await expectTensorError(() => mha.forward(q, randn([3, 4], { seed: 0 }), q), 'SHAPE_MISMATCH', /same rank: query\.shape=\[3,2,4\], key\.shape=\[3,4\]/);
    await expectTensorError(() => mha.forward(q, randn([3, 2, 5], { seed: 0 }), q), 'SHAPE_MISMATCH', /expected kdim=4 features in the last axis of key, got key\.shape=\[3,2,5\]/);
    await expectTensorError(() => mha.forward(q, randn([3, 1, 4], { seed: 0 }), randn([3, 1, 4], { seed: 0 })), 'SHAPE_MISMATCH', /same batch size \(axis 1\)/);
    await expectTensorError(() => mha.forward(q, randn([5, 2, 4], { seed: 0 }), q), 'SHAPE_MISMATCH', /key and value must have the same sequence length \(axis 0\): key\.shape=\[5,2,4\], value\.shape=\[3,2,4\]/);
    await expectTensorError(() => mha.forward(q, q, q.cast('float64')), 'DTYPE_MISMATCH', /value has dtype float64, the parameters have float32/);
    await expectTensorError(() => mha.forward(q, q, q, null as unknown as AttentionOptions), 'INVALID_ARGUMENT', /options must be a plain object, got null/);
    await expectTensorError(() => mha.forward(q, q, q, { needWeights: 'yes' as unknown as boolean }), 'INVALID_ARGUMENT', /needWeights must be a boolean/);
    const layer = new TransformerEncoderLayer({ dModel: 4, nhead: 2, seed: 0 });
    await expectTensorError(() => layer.forward(randn([3, 2, 5], { seed: 0 })), 'SHAPE_MISMATCH', /expected src of shape \[S, N, dModel\] or \[S, dModel\] \(unbatched\) with dModel=4, got src\.shape=\[3,2,5\]/);
  });

  it('rejects masks of the wrong shape or dtype', async () => {
    const mha = new MultiHeadAttention({ embedDim: 4, numHeads: 2, seed: 0 });
    const q = randn([3, 2, 4], { seed: 0 });
    const kv = randn([5, 2, 4], { seed: 0 });
    await expectTensorError(() => mha.forward(q, kv, kv, { keyPaddingMask: tensor([[true, false, false]]) }), 'SHAPE_MISMATCH', /keyPaddingMask must have shape \[N, S\] = \[2,5\] for this input, got keyPaddingMask\.shape=\[1,3\]/);
    await expectTensorError(() => mha.forward(q, kv, kv, { attnMask: randn([5, 3], { seed: 0 }) }), 'SHAPE_MISMATCH', /attnMask must have shape \[L, S\] or \[N·numHeads, L, S\] = \[3,5\] or \[4,3,5\] for this input, got attnMask\.shape=\[5,3\]/);
    await expectTensorError(() => mha.forward(q, kv, kv, { attnMask: tensor([[1, 0, 0, 0, 0]], undefined, { dtype: 'int32' }) }), 'DTYPE_MISMATCH', /attnMask must be bool \(true = masked\) or float/);
    const layer = new TransformerEncoderLayer({ dModel: 4, nhead: 2, seed: 0 });
    await expectTensorError(() => layer.forward(q, { srcKeyPaddingMask: tensor([true, false, false]) }), 'SHAPE_MISMATCH', /keyPaddingMask must have shape \[N, S\] = \[2,3\]/);
  });

  it('frees everything when forward throws', async () => {
    const mha = new MultiHeadAttention({ embedDim: 4, numHeads: 2, seed: 0 });
    const q = randn([3, 2, 4], { seed: 0 });
    const bad = tensor([[true]]);
    await expectNoLeaks(() => expectTensorError(() => mha.forward(q, q, q, { keyPaddingMask: bad }), 'SHAPE_MISMATCH', /keyPaddingMask/));
  });
});
