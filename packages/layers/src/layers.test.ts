/**
 * Every layer's forward pass (and backward, through @tessera/autograd) against PyTorch: the same
 * weights are loaded on both sides (src/fixtures/layers.json, scripts/generate-layer-fixtures.py).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dispose, memory, setBackend, tensor, tidy, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { backward, enableAutograd } from '@tessera/autograd';
import * as layers from './index.js';
import type { AnyModule } from './index.js';
import { expectClose, readFixture, type EncodedTensor, type LayerCase } from './test-utils/helpers.js';

// These tests run forward passes on requiresGrad parameters before their first autograd call.
enableAutograd();

beforeAll(async () => {
  await setBackend(cpu());
});

const { cases } = readFixture<{ cases: LayerCase[] }>('layers.json');

function decode(e: EncodedTensor): Tensor {
  return tensor(e.values, e.shape, { dtype: e.dtype });
}

function build(c: LayerCase): AnyModule {
  const Ctor = (layers as unknown as Record<string, new (options: unknown) => AnyModule>)[c.layer];
  if (!Ctor) throw new Error(`no layer ${c.layer}`);
  const module = new Ctor(c.options);
  const dict = new Map(Object.entries(c.state).map(([k, v]) => [k, decode(v)]));
  module.loadStateDict(dict);
  dispose(dict);
  return module;
}

describe('layers match PyTorch', () => {
  it('has a case for every layer', () => {
    const covered = new Set(cases.map((c) => c.layer));
    for (const name of ['Linear', 'Conv1d', 'Conv2d', 'ConvTranspose2d', 'BatchNorm1d', 'BatchNorm2d', 'LayerNorm', 'GroupNorm', 'Embedding', 'MaxPool2d', 'AvgPool2d', 'AdaptiveAvgPool2d', 'Flatten', 'ReLU', 'LeakyReLU', 'ELU', 'SELU', 'GELU', 'SiLU', 'Sigmoid', 'Tanh', 'Softmax', 'LogSoftmax', 'Softplus', 'Hardsigmoid', 'Hardswish', 'Identity']) {
      expect(covered.has(name), name).toBe(true);
    }
  });

  for (const c of cases) {
    it(c.name, async () => {
      const before = memory().tensors;
      const module = build(c);
      for (const [i, step] of c.steps.entries()) {
        module.train(step.train);
        const last = i === c.steps.length - 1;
        const x = decode(step.input);
        if (last && c.grads?.input) x.requiresGrad = true;
        const y = module.forward(x);
        expect(y.shape, `step ${i} shape`).toEqual(step.output.shape);
        expectClose(await y.data(), step.output.values, `step ${i} output`);
        if (last && c.grads && c.upstream) {
          const r = tensor(c.upstream, y.shape);
          const grads = tidy(() => backward(y.mul(r).sum()));
          if (c.grads.input) expectClose(await grads.get(x)!.data(), c.grads.input, 'grad input');
          for (const [name, p] of module.namedParameters()) {
            const g = grads.get(p);
            expect(g, `gradient of ${name}`).toBeDefined();
            expectClose(await g!.data(), c.grads[name]!, `grad ${name}`);
          }
          dispose([r, grads]);
        }
        dispose([x, y]);
      }
      const after = module.stateDict();
      expect([...after.keys()].sort()).toEqual(Object.keys(c.stateAfter).sort());
      for (const [key, t] of after) {
        const e = c.stateAfter[key]!;
        expect(t.shape, key).toEqual(e.shape);
        expect(t.dtype, key).toBe(e.dtype);
        expectClose(await t.data(), e.values, `state ${key}`);
      }
      dispose(after);
      module.dispose();
      expect(memory().tensors).toBe(before);
    });
  }
});
