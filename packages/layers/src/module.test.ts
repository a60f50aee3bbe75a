import { beforeAll, describe, expect, it } from 'vitest';
import { Tensor, Variable, dispose, memory, ones, randn, setBackend, tensor, tidy, variable, zeros, type Backend } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { backward, noGrad, tapeSize, enableAutograd } from '@tessera/autograd';
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv1d,
  Conv2d,
  ConvTranspose2d,
  GELU,
  GroupNorm,
  LayerNorm,
  MaxPool2d,
  Softplus,
  Dropout,
  Embedding,
  Flatten,
  Linear,
  Module,
  ModuleDict,
  ModuleList,
  ReLU,
  Sequential,
  manualSeed,
  parameter,
  type Parameter,
} from './index.js';
import { expectTensorError, expectTensorErrorSync, sgdStep } from './test-utils/helpers.js';

// These tests run forward passes on requiresGrad parameters before their first autograd call.
enableAutograd();

beforeAll(async () => {
  await setBackend(cpu());
});

class Mlp extends Module {
  fc1 = new Linear({ inFeatures: 4, outFeatures: 8, seed: 1 });
  act = new ReLU();
  bn = new BatchNorm1d({ numFeatures: 8 });
  fc2 = new Linear({ inFeatures: 8, outFeatures: 2, seed: 2 });
  forward(x: Tensor): Tensor {
    return tidy(() => this.fc2.forward(this.bn.forward(this.act.forward(this.fc1.forward(x)))));
  }
}

class Scale extends Module {
  gain = parameter(ones([1]));
  count = this.registerBuffer('count', zeros([], { dtype: 'int32' }));
  scratch = this.registerBuffer('scratch', zeros([2]), { persistent: false });
  forward(x: Tensor): Tensor {
    return x.mul(this.gain);
  }
}

describe('registration', () => {
  it('finds fields in declaration order, with dotted names, and sets Variable names', () => {
    const m = new Mlp();
    const names = m.namedParameters().map(([n]) => n);
    expect(names).toEqual(['fc1.weight', 'fc1.bias', 'bn.weight', 'bn.bias', 'fc2.weight', 'fc2.bias']);
    expect(m.fc1.weight.name).toBe('fc1.weight');
    expect(m.parameters()).toHaveLength(6);
    expect(m.parameters().every((p) => p instanceof Variable)).toBe(true);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['bn.runningMean', 'bn.runningVar', 'bn.numBatchesTracked']);
    expect(m.buffers()).toHaveLength(3);
    expect(m.namedChildren().map(([n]) => n)).toEqual(['fc1', 'act', 'bn', 'fc2']);
    expect(m.children()).toHaveLength(4);
    expect(m.namedModules().map(([n]) => n)).toEqual(['', 'fc1', 'act', 'bn', 'fc2']);
    expect(m.modules()[0]).toBe(m);
    expect(m.namedParameters(false)).toEqual([]);
    m.dispose();
  });

  it('a disposed model names the disposed parameter by its path when used', async () => {
    const inner = new Linear({ inFeatures: 4, outFeatures: 3, seed: 0 });
    const model = new Sequential(new Linear({ inFeatures: 2, outFeatures: 4, seed: 1 }), new ReLU(), inner);
    // Another owner naming the parameters from the inner layer does not change what dispose reports.
    inner.parameters();
    expect(inner.weight.name).toBe('weight');
    const x = tensor([[1, 2]]);
    model.dispose();
    await expectTensorError(() => model.forward(x), 'TENSOR_DISPOSED', /variable '0\.weight' \(tensor id=\d+ shape=\[4,2\] dtype=float32\) was disposed before it was used/);
    // Only the inner layer used: its path in the model.
    const h = tensor([[1, 2, 3, 4]]);
    await expectTensorError(() => inner.forward(h), 'TENSOR_DISPOSED', /variable '2\.weight'/);
    dispose([x, h]);
  });

  it('parameter() consumes plain tensors and keeps Variables', () => {
    const before = memory().tensors;
    const p = parameter(ones([3]), { name: 'w' });
    expect(p.requiresGrad).toBe(true);
    expect(p.name).toBe('w');
    expect(memory().tensors).toBe(before + 1);
    const z = zeros([2]);
    const v = variable(z, { requiresGrad: false });
    z.dispose();
    expect(parameter(v)).toBe(v);
    expect(v.requiresGrad).toBe(true);
    dispose([p, v]);
    expect(memory().tensors).toBe(before);
  });

  it('parameter() rejects non-tensors and integer tensors that need gradients', async () => {
    await expectTensorError(() => parameter(3 as unknown as Tensor), 'INVALID_ARGUMENT', /expected a Tensor, got number/);
    const ints = zeros([2], { dtype: 'int32' });
    await expectTensorError(() => parameter(ints), 'DTYPE_MISMATCH', /only float tensors can require gradients/);
    const frozen = parameter(ints, { requiresGrad: false });
    expect(frozen.dtype).toBe('int32');
    frozen.dispose();
  });

  it('buffers are saved but not trained; non-persistent buffers are not saved', () => {
    const s = new Scale();
    expect(s.parameters()).toEqual([s.gain]);
    expect(s.namedBuffers().map(([n]) => n)).toEqual(['count', 'scratch']);
    expect(s.count.requiresGrad).toBe(false);
    const dict = s.stateDict();
    expect([...dict.keys()]).toEqual(['gain', 'count']);
    dispose(dict);
    // Reassigning a buffer's property keeps it a buffer.
    s.count.dispose();
    s.count = variable(ones([], { dtype: 'int32' }), { requiresGrad: false });
    expect(s.namedBuffers().map(([n]) => n)).toEqual(['count', 'scratch']);
    s.dispose();
  });

  it('explicit registration works for computed names', () => {
    class Dynamic extends Module {
      constructor() {
        super();
        for (let i = 0; i < 3; i++) this.registerParameter(`w${i}`, ones([2]));
        this.registerModule('head', new Linear({ inFeatures: 2, outFeatures: 1, seed: 0 }));
        this.registerParameter('maybe', undefined);
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const d = new Dynamic();
    expect(d.namedParameters().map(([n]) => n)).toEqual(['w0', 'w1', 'w2', 'head.weight', 'head.bias']);
    expect((d as unknown as Record<string, unknown>).w1).toBeInstanceOf(Variable);
    d.dispose();
  });

  it('register* reject bad names and values', async () => {
    const s = new Scale();
    await expectTensorError(() => s.registerParameter('', ones([1])), 'INVALID_ARGUMENT', /non-empty string without '\.'/);
    await expectTensorError(() => s.registerParameter('a.b', ones([1])), 'INVALID_ARGUMENT', /without '\.'/);
    await expectTensorError(() => s.registerParameter('forward', ones([1])), 'INVALID_ARGUMENT', /Scale already has a property or method of that name/);
    await expectTensorError(() => s.registerBuffer('training', ones([1])), 'INVALID_ARGUMENT', /already has a property/);
    await expectTensorError(() => s.registerModule('child', 42 as unknown as Module), 'INVALID_ARGUMENT', /'child' must be a Module, got number/);
    await expectTensorError(() => s.registerModule('self', s), 'INVALID_ARGUMENT', /cannot be its own submodule/);
    s.dispose();
  });

  it('shared modules and parameters appear once in parameters()', () => {
    const shared = new Linear({ inFeatures: 2, outFeatures: 2, seed: 0 });
    class Tied extends Module {
      a = shared;
      b = shared;
      forward(x: Tensor): Tensor {
        return this.b.forward(this.a.forward(x));
      }
    }
    const t = new Tied();
    expect(t.parameters()).toHaveLength(2);
    expect(t.namedModules().map(([n]) => n)).toEqual(['', 'a']);
    // The state dict lists both names, as PyTorch.
    const dict = t.stateDict({ keepVars: true });
    expect([...dict.keys()]).toEqual(['a.weight', 'a.bias']);
    t.dispose();
  });

  it('apply visits children first', () => {
    const m = new Mlp();
    const seen: string[] = [];
    m.apply((mod) => seen.push(mod.constructor.name));
    expect(seen).toEqual(['Linear', 'ReLU', 'BatchNorm1d', 'Linear', 'Mlp']);
    m.dispose();
  });
});

describe('modes, freezing, moving', () => {
  it('train()/eval() set every module and reject non-booleans', async () => {
    const m = new Mlp();
    expect(m.training).toBe(true);
    expect(m.eval()).toBe(m);
    expect(m.modules().every((x) => !x.training)).toBe(true);
    m.train();
    expect(m.bn.training).toBe(true);
    m.train(false);
    expect(m.fc2.training).toBe(false);
    await expectTensorError(() => m.train('yes' as unknown as boolean), 'INVALID_ARGUMENT', /mode must be a boolean, got string/);
    m.dispose();
  });

  it('freeze() stops gradients; unfreeze() restores them', () => {
    const m = new Mlp();
    m.fc1.freeze();
    expect(m.fc1.parameters().every((p) => !p.requiresGrad)).toBe(true);
    expect(m.fc2.weight.requiresGrad).toBe(true);
    const x = randn([4, 4], { seed: 3 });
    const grads = tidy(() => backward(m.forward(x).sum()));
    expect(grads.has(m.fc1.weight)).toBe(false);
    expect(grads.has(m.fc2.weight)).toBe(true);
    dispose(grads);
    m.unfreeze();
    expect(m.parameters().every((p) => p.requiresGrad)).toBe(true);
    dispose(x);
    m.dispose();
  });

  it('to(backend) keeps identities and moves values; the same backend is a no-op', async () => {
    const m = new Mlp();
    const w = m.fc1.weight;
    const values = await w.data();
    const here = w.backend;
    expect(await m.to(here)).toBe(m);
    expect(m.fc1.weight).toBe(w);
    const other = { ...cpu(), name: 'cpu-other' } as unknown as Backend;
    await m.to(other);
    expect(m.fc1.weight).toBe(w);
    expect(m.parameters().every((p) => p.backend === other)).toBe(true);
    expect(m.buffers().every((b) => b.backend === other)).toBe(true);
    expect(await w.data()).toEqual(values);
    await m.to('cpu');
    expect(w.backend).toBe(here);
    await expectTensorError(() => m.to('nope'), 'NO_BACKEND', /no backend named 'nope'/);
    m.dispose();
  });

  it('dispose() frees every parameter and buffer', () => {
    const before = memory().tensors;
    const m = new Mlp();
    expect(memory().tensors).toBe(before + 9);
    m.dispose();
    expect(memory().tensors).toBe(before);
    expect(m.fc1.weight.isDisposed).toBe(true);
  });
});

describe('state dicts', () => {
  it('round-trips through a fresh model (copies owned by the caller)', async () => {
    const a = new Mlp();
    a.train();
    tidy(() => {
      a.forward(randn([6, 4], { seed: 4 }));
    }); // moves the running statistics
    const dict = a.stateDict();
    expect([...dict.keys()]).toEqual([
      'fc1.weight', 'fc1.bias', 'bn.weight', 'bn.bias', 'bn.runningMean', 'bn.runningVar', 'bn.numBatchesTracked', 'fc2.weight', 'fc2.bias',
    ]);
    expect(dict.get('fc1.weight')).not.toBe(a.fc1.weight);
    expect(dict.get('fc1.weight')!.requiresGrad).toBe(false);
    manualSeed(99);
    const b = new Mlp();
    b.fc1.weight.dispose();
    b.fc1.weight = parameter(zeros([8, 4]));
    const result = b.loadStateDict(dict);
    expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
    dispose(dict);
    for (const [name, p] of a.stateDict({ keepVars: true })) {
      const q = b.stateDict({ keepVars: true }).get(name)!;
      expect(await q.data(), name).toEqual(await p.data());
    }
    expect(await b.bn.numBatchesTracked!.item()).toBe(1);
    const x = randn([3, 4], { seed: 5 });
    a.eval();
    b.eval();
    const ya = a.forward(x);
    const yb = b.forward(x);
    expect(await yb.data()).toEqual(await ya.data());
    dispose([x, ya, yb]);
    a.dispose();
    b.dispose();
  });

  it('loads plain objects, casts float64, and accepts PyTorch snake_case keys', async () => {
    const bn = new BatchNorm1d({ numFeatures: 2 });
    const dict = {
      weight: tensor([2, 3]),
      bias: tensor(new Float64Array([0.5, 0.25])),
      running_mean: tensor([1, 2]),
      running_var: tensor([4, 9]),
      num_batches_tracked: tensor(7, [], { dtype: 'int32' }),
    };
    bn.loadStateDict(dict);
    expect(Array.from(await bn.bias!.data())).toEqual([0.5, 0.25]);
    expect(bn.bias!.dtype).toBe('float32');
    expect(Array.from(await bn.runningVar!.data())).toEqual([4, 9]);
    expect(await bn.numBatchesTracked!.item()).toBe(7);
    dispose(dict);
    bn.dispose();
  });

  it('lists every missing, unexpected and mis-shaped key in one error, and changes nothing', async () => {
    const m = new Mlp();
    const dict = m.stateDict();
    const fc1Before = await m.fc1.weight.data();
    dict.get('fc1.weight')!.dispose();
    dict.set('fc1.weight', zeros([3, 4]));
    dict.get('fc2.bias')!.dispose();
    dict.set('fc2.bias', zeros([5]));
    dict.get('bn.weight')!.dispose();
    dict.delete('bn.weight');
    dict.get('fc1.bias')!.dispose();
    dict.delete('fc1.bias');
    dict.set('head.weight', zeros([1]));
    await expectTensorError(
      () => m.loadStateDict(dict),
      'SHAPE_MISMATCH',
      /cannot load the state dict into Mlp: shape mismatches: fc1\.weight: checkpoint \[3,4\], model \[8,4\]; fc2\.bias: checkpoint \[5\], model \[2\]\. missing keys: fc1\.bias, bn\.weight\. unexpected keys: head\.weight/,
    );
    expect(await m.fc1.weight.data()).toEqual(fc1Before);
    // Non-strict: missing and unexpected keys are reported; shape mismatches still throw.
    dict.get('fc1.weight')!.dispose();
    dict.set('fc1.weight', zeros([8, 4]));
    dict.get('fc2.bias')!.dispose();
    dict.set('fc2.bias', ones([2]));
    expect(m.loadStateDict(dict, { strict: false })).toEqual({ missingKeys: ['fc1.bias', 'bn.weight'], unexpectedKeys: ['head.weight'] });
    expect(Array.from(await m.fc2.bias!.data())).toEqual([1, 1]);
    dispose(dict);
    m.dispose();
  });

  it('tells two backends of one name apart in a BACKEND_MISMATCH (cpu, cpu#2)', async () => {
    const fc = new Linear({ inFeatures: 2, outFeatures: 1, seed: 0 });
    const twin = cpu();
    const dict = fc.stateDict();
    const moved = new Map<string, Tensor>();
    for (const [k, v] of dict) moved.set(k, await v.to(twin));
    await expectTensorError(() => fc.loadStateDict(moved), 'BACKEND_MISMATCH', /weight: checkpoint on 'cpu#\d+', model on 'cpu'/);
    dispose([...dict.values(), ...moved.values()]);
    fc.dispose();
  });

  it('reports missing keys alone with INVALID_ARGUMENT', async () => {
    const fc = new Linear({ inFeatures: 2, outFeatures: 2, seed: 0 });
    await expectTensorError(() => fc.loadStateDict(new Map()), 'INVALID_ARGUMENT', /missing keys: weight, bias$/);
    await expectTensorError(() => fc.loadStateDict(null as unknown as Map<string, Tensor>), 'INVALID_ARGUMENT', /dict must be a Map or an object of tensors, got null/);
    fc.dispose();
  });

  it('reports dtype, backend and bad values', async () => {
    const bn = new BatchNorm1d({ numFeatures: 2 });
    const dict = bn.stateDict();
    dict.get('numBatchesTracked')!.dispose();
    dict.set('numBatchesTracked', zeros([]));
    await expectTensorError(() => bn.loadStateDict(dict), 'DTYPE_MISMATCH', /dtype mismatches: numBatchesTracked: checkpoint float32, model int32/);
    dict.get('numBatchesTracked')!.dispose();
    dict.set('numBatchesTracked', zeros([], { dtype: 'int32' }));
    const other = { ...cpu(), name: 'cpu-third' } as unknown as Backend;
    const moved = await dict.get('weight')!.to(other);
    dict.get('weight')!.dispose();
    dict.set('weight', moved);
    await expectTensorError(() => bn.loadStateDict(dict), 'BACKEND_MISMATCH', /weight: checkpoint on 'cpu-third', model on 'cpu'/);
    moved.dispose();
    await expectTensorError(() => bn.loadStateDict(dict), 'INVALID_ARGUMENT', /bad values: weight: the tensor \(id=\d+\) was disposed/);
    dict.set('weight', [1, 2] as unknown as Tensor);
    await expectTensorError(() => bn.loadStateDict(dict), 'INVALID_ARGUMENT', /weight: expected a Tensor, got Array/);
    dict.delete('weight');
    dispose(dict);
    bn.dispose();
  });
});

describe('summary and printing', () => {
  it('counts parameters (trainable and frozen) and traces output shapes', () => {
    const m = new Mlp();
    m.fc1.freeze();
    const text = m.summary({ inputShape: [3, 4] });
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^Layer \(type\)\s+Output shape\s+Param #$/);
    expect(text).toMatch(/fc1 \(Linear\)\s+\[3,8\]\s+40\n/);
    expect(text).toMatch(/act \(ReLU\)\s+\[3,8\]\s+0\n/);
    expect(text).toMatch(/bn \(BatchNorm1d\)\s+\[3,8\]\s+16\n/);
    expect(text).toMatch(/fc2 \(Linear\)\s+\[3,2\]\s+18\n/);
    expect(text).toContain('Total params: 74');
    expect(text).toContain('Trainable params: 34');
    expect(text).toContain('Non-trainable params: 40');
    expect(text).toContain('Buffer elements: 17');
    // Modes restored, BatchNorm statistics untouched, no forward override left behind.
    expect(m.bn.training).toBe(true);
    expect(Object.prototype.hasOwnProperty.call(m.fc1, 'forward')).toBe(false);
    expect(m.bn.numBatchesTracked!.dataSync()[0]).toBe(0);
    m.dispose();
  });

  it('works without an input shape, nests containers, and formats thousands', () => {
    const net = new Sequential(new Conv2d({ inChannels: 3, outChannels: 64, kernelSize: 3, seed: 0 }), new Sequential(new ReLU(), new Flatten()));
    const text = net.summary();
    expect(text).toMatch(/0 \(Conv2d\)\s+1,792/);
    expect(text).toMatch(/\n  1\.0 \(ReLU\)/);
    expect(text).toContain('Total params: 1,792');
    const traced = net.summary({ inputShape: [1, 3, 5, 5] });
    expect(traced).toMatch(/1 \(Sequential\)\s+\[1,576\]/);
    net.dispose();
  });

  it('summary restores forward when it throws', async () => {
    const m = new Mlp();
    await expectTensorError(() => m.summary({ inputShape: [2, 5] }), 'SHAPE_MISMATCH', /Linear: expected 4 input features/);
    expect(Object.prototype.hasOwnProperty.call(m.fc1, 'forward')).toBe(false);
    m.dispose();
  });

  it('toString prints the tree like PyTorch', () => {
    const m = new Mlp();
    expect(m.toString()).toBe(
      [
        'Mlp(',
        '  (fc1): Linear(inFeatures=4, outFeatures=8, bias=true)',
        '  (act): ReLU()',
        '  (bn): BatchNorm1d(8, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)',
        '  (fc2): Linear(inFeatures=8, outFeatures=2, bias=true)',
        ')',
      ].join('\n'),
    );
    const seq = new Sequential(new Sequential(new ReLU()));
    expect(String(seq)).toBe('Sequential(\n  (0): Sequential(\n    (0): ReLU()\n  )\n)');
    m.dispose();
  });
});

describe('containers', () => {
  it('Sequential also takes its layers as one array (Keras style)', () => {
    const model = new Sequential([new Linear({ inFeatures: 3, outFeatures: 4, seed: 1 }), new ReLU(), new Linear({ inFeatures: 4, outFeatures: 2, seed: 2 })]);
    expect(model.length).toBe(3);
    expect(model.namedParameters().map(([name]) => name)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    const y = model.forward(ones([5, 3]));
    expect(y.shape).toEqual([5, 2]);
    y.dispose();
    expectTensorErrorSync(() => new Sequential([new ReLU(), 3 as unknown as ReLU]), 'INVALID_ARGUMENT', /must be a Module/);
    model.dispose();
  });
  it('Sequential chains layers, names them 0..n, supports records, at, append and iteration', async () => {
    manualSeed(5);
    const seq = new Sequential(new Linear({ inFeatures: 3, outFeatures: 4 }), new ReLU(), new Linear({ inFeatures: 4, outFeatures: 2 }));
    expect(seq.length).toBe(3);
    expect(seq.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(seq.at(-1)).toBeInstanceOf(Linear);
    expect([...seq].map((l) => l.constructor.name)).toEqual(['Linear', 'ReLU', 'Linear']);
    const before = memory().tensors;
    const x = randn([5, 3], { seed: 0 });
    // noGrad: a forward pass outside it is recorded for a backward that never comes (autograd
    // frees such tapes lazily).
    const y = noGrad(() => seq.forward(x));
    expect(y.shape).toEqual([5, 2]);
    dispose([x, y]);
    expect(memory().tensors).toBe(before);
    seq.append(new ReLU());
    expect(seq.length).toBe(4);
    await expectTensorError(() => seq.at(4), 'INDEX_OUT_OF_RANGE', /index 4 is out of range for 4 modules/);
    await expectTensorError(() => seq.append({} as unknown as ReLU), 'INVALID_ARGUMENT', /layer 4 must be a Module, got Object/);
    const named = new Sequential({ fc: new Linear({ inFeatures: 2, outFeatures: 2, seed: 0 }), act: new ReLU() });
    expect(named.namedParameters().map(([n]) => n)).toEqual(['fc.weight', 'fc.bias']);
    await expectTensorError(() => new Sequential({ fc: 1 as unknown as ReLU }), 'INVALID_ARGUMENT', /layer 'fc' must be a Module, got number/);
    const empty = new Sequential();
    const z = ones([2]);
    const same = empty.forward(z);
    expect(same).not.toBe(z);
    dispose([z, same]);
    seq.dispose();
    named.dispose();
  });

  it('ModuleList registers its modules and has no forward', async () => {
    class Deep extends Module {
      blocks = new ModuleList(Array.from({ length: 3 }, (_, i) => new Linear({ inFeatures: 2, outFeatures: 2, seed: i })));
      forward(x: Tensor): Tensor {
        return tidy(() => [...this.blocks].reduce((h, b) => b.forward(h).relu(), x));
      }
    }
    const d = new Deep();
    expect(d.namedParameters().map(([n]) => n)).toEqual(['blocks.0.weight', 'blocks.0.bias', 'blocks.1.weight', 'blocks.1.bias', 'blocks.2.weight', 'blocks.2.bias']);
    expect(d.blocks.length).toBe(3);
    expect(d.blocks.at(0)).toBeInstanceOf(Linear);
    d.blocks.extend([new Linear({ inFeatures: 2, outFeatures: 2, seed: 9 })]);
    expect(d.blocks.length).toBe(4);
    await expectTensorError(() => d.blocks.forward(), 'UNSUPPORTED', /ModuleList has no forward/);
    await expectTensorError(() => d.blocks.at(-5), 'INDEX_OUT_OF_RANGE', /index -5/);
    await expectTensorError(() => d.blocks.append(null as unknown as Linear), 'INVALID_ARGUMENT', /element 4 must be a Module, got null/);
    d.dispose();
  });

  it('ModuleDict maps names to modules', async () => {
    const heads = new ModuleDict({ cls: new Linear({ inFeatures: 2, outFeatures: 3, seed: 0 }), box: new Linear({ inFeatures: 2, outFeatures: 4, seed: 1 }) });
    expect(heads.keys()).toEqual(['cls', 'box']);
    expect(heads.size).toBe(2);
    expect(heads.get('box')!.outFeatures).toBe(4);
    expect(heads.has('nope')).toBe(false);
    expect(heads.namedParameters().map(([n]) => n)).toEqual(['cls.weight', 'cls.bias', 'box.weight', 'box.bias']);
    const emb = new Embedding({ numEmbeddings: 3, embeddingDim: 2, seed: 0 });
    heads.set('emb', emb as unknown as Linear);
    expect(heads.values()).toHaveLength(3);
    expect([...heads].map(([k]) => k)).toEqual(['cls', 'box', 'emb']);
    expect(heads.delete('emb')).toBe(true);
    expect(heads.delete('emb')).toBe(false);
    expect(heads.entries().map(([k]) => k)).toEqual(['cls', 'box']);
    await expectTensorError(() => heads.set('keys', new Linear({ inFeatures: 1, outFeatures: 1, seed: 0 })), 'INVALID_ARGUMENT', /already has a property or method of that name/);
    await expectTensorError(() => heads.forward(), 'UNSUPPORTED', /ModuleDict has no forward/);
    const fromPairs = new ModuleDict([['a', new ReLU()]]);
    expect(fromPairs.keys()).toEqual(['a']);
    emb.dispose();
    heads.dispose();
  });
});

describe('training', () => {
  it('a Sequential MLP trains with backward + SGD, and memory stays flat', async () => {
    manualSeed(0);
    const model = new Sequential(new Linear({ inFeatures: 2, outFeatures: 16 }), new ReLU(), new Dropout({ p: 0.1 }), new Linear({ inFeatures: 16, outFeatures: 1 }));
    const params = model.parameters();
    const x = randn([64, 2], { seed: 1 });
    const y = tidy(() => x.slice([0, 0], [64, 1]).mul(2).sub(x.slice([0, 1], [64, 2])).add(0.5));
    const step = (): number => {
      const loss = tidy(() => {
        const l = model.forward(x).sub(y).square().mean();
        sgdStep(params, backward(l), 0.1);
        return l;
      });
      const value = loss.dataSync()[0]!;
      loss.dispose();
      return value;
    };
    const first = step();
    for (let i = 0; i < 5; i++) step();
    const tensors = memory().tensors;
    let last = first;
    for (let i = 0; i < 150; i++) last = step();
    expect(memory().tensors).toBe(tensors);
    expect(last).toBeLessThan(first / 10);
    // The parameters are the same objects, updated in place.
    expect(model.parameters()[0]).toBe((model.at(0) as Linear).weight);
    dispose([x, y]);
    model.dispose();
  });

  it('repeated forward and training passes keep memory flat (every layer kind)', () => {
    manualSeed(3);
    const model = new Sequential(
      new Conv2d({ inChannels: 2, outChannels: 4, kernelSize: 3, padding: 1 }),
      new BatchNorm2d({ numFeatures: 4 }),
      new GELU(),
      new MaxPool2d({ kernelSize: 2 }),
      new GroupNorm({ numGroups: 2, numChannels: 4 }),
      new ConvTranspose2d({ inChannels: 4, outChannels: 4, kernelSize: 2, stride: 2 }),
      new AvgPool2d({ kernelSize: 2 }),
      new Dropout({ p: 0.2 }),
      new AdaptiveAvgPool2d({ outputSize: 2 }),
      new Flatten(),
      new LayerNorm({ normalizedShape: 16 }),
      new Linear({ inFeatures: 16, outFeatures: 3 }),
      new Softplus({ beta: 2 }),
    );
    const emb = new Embedding({ numEmbeddings: 5, embeddingDim: 4, paddingIdx: 0 });
    const conv1 = new Conv1d({ inChannels: 4, outChannels: 2, kernelSize: 2 });
    const x = randn([2, 2, 8, 8], { seed: 0 });
    const ids = tensor([[0, 1, 4], [2, 0, 3]], undefined, { dtype: 'int32' });
    const params = [...model.parameters(), ...emb.parameters(), ...conv1.parameters()];
    const run = (train: boolean, withGrad: boolean): void => {
      model.train(train);
      tidy(() => {
        const forward = (): Tensor => model.forward(x).sum().add(conv1.forward(emb.forward(ids).transpose(1, 2)).sum());
        if (!withGrad) {
          noGrad(forward);
          return;
        }
        sgdStep(params, backward(forward()), 0.01);
      });
    };
    for (const [train, withGrad] of [[true, false], [false, false], [true, true]] as const) {
      run(train, withGrad);
      const before = memory().tensors;
      for (let i = 0; i < 10; i++) run(train, withGrad);
      expect(memory().tensors, `train=${train} grad=${withGrad}`).toBe(before);
    }
    expect(tapeSize()).toBe(0);
    dispose([x, ids]);
    model.dispose();
    emb.dispose();
    conv1.dispose();
  });

  it('sync errors for the parameter type helper', () => {
    const p: Parameter = parameter(ones([2]));
    expectTensorErrorSync(() => p.assign(ones([3])), 'SHAPE_MISMATCH', /has shape \[2\]/);
    p.dispose();
  });
});
