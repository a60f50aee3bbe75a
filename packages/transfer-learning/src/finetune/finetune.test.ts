/**
 * The fine-tuning API on the CPU backend (and one case on WebGPU/SwiftShader): selection by name,
 * freezing, the BatchNorm policy, discriminative learning rates, gradual unfreezing inside a
 * training loop, and feature extraction.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Tensor, TensorError, memory, randn, setBackend, tensor, tidy } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { backward, enableAutograd } from '@tessera/autograd';
import { BatchNorm2d, Conv2d, Flatten, Linear, Module, ReLU, Sequential, manualSeed } from '@tessera/layers';
import { Adam, SGD, type SGDOptions } from '@tessera/optim';
import {
  GradualUnfreezing,
  batchNormPolicyOf,
  discriminativeGroups,
  extractFeatures,
  freeze,
  selectParameters,
  setBatchNormPolicy,
  trainableSummary,
  unfreeze,
} from './index.js';

// These tests run forward passes on requiresGrad parameters before their first autograd call.
enableAutograd();

beforeAll(async () => {
  await setBackend(cpu());
});

const live: { dispose(): void }[] = [];
afterEach(() => {
  for (const t of live.splice(0)) t.dispose();
});
function track<T extends { dispose(): void }>(value: T): T {
  live.push(value);
  return value;
}

/** A small CNN: backbone (conv, BN, relu, conv, BN, relu) and a head (flatten, linear). */
function cnn(seed = 0): Sequential {
  manualSeed(seed);
  const backbone = new Sequential(
    new Conv2d({ inChannels: 1, outChannels: 4, kernelSize: 3, padding: 1 }),
    new BatchNorm2d({ numFeatures: 4 }),
    new ReLU(),
    new Conv2d({ inChannels: 4, outChannels: 4, kernelSize: 3, padding: 1 }),
    new BatchNorm2d({ numFeatures: 4 }),
    new ReLU(),
  );
  const head = new Sequential(new Flatten(), new Linear({ inFeatures: 4 * 4 * 4, outFeatures: 3 }));
  return track(new Sequential({ backbone, head }));
}

function trains(model: Module): Record<string, boolean> {
  return Object.fromEntries(model.namedParameters().map(([n, p]) => [n, p.requiresGrad]));
}

async function values(t: Tensor): Promise<number[]> {
  return Array.from((await t.data()) as Float32Array);
}

function expectError(fn: () => unknown, code: string, message: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(TensorError.is(e), String(e)).toBe(true);
    expect((e as TensorError).code).toBe(code);
    expect((e as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected a TensorError');
}

describe('selectParameters', () => {
  it('selects by RegExp, by module path, by parameter name and by function', () => {
    const model = cnn();
    const names = (s: Parameters<typeof selectParameters>[1]): string[] => selectParameters(model, s).map(([n]) => n);
    expect(names(/^backbone\.0\./)).toEqual(['backbone.0.weight', 'backbone.0.bias']);
    expect(names('head')).toEqual(['head.1.weight', 'head.1.bias']);
    expect(names('backbone.1.weight')).toEqual(['backbone.1.weight']);
    expect(names((n) => n.endsWith('.bias') && n.startsWith('head'))).toEqual(['head.1.bias']);
    // A global RegExp selects the same every time (no lastIndex carried between names).
    expect(names(/weight/g)).toEqual(['backbone.0.weight', 'backbone.1.weight', 'backbone.3.weight', 'backbone.4.weight', 'head.1.weight']);
    // Module order, not selector order, and no duplicates.
    expect(selectParameters(model, 'head', /^head\.1\.bias$/, 'backbone.4').map(([n]) => n)).toEqual(['backbone.4.weight', 'backbone.4.bias', 'head.1.weight', 'head.1.bias']);
  });

  it('does not take a path for a prefix of another name', () => {
    class Two extends Module {
      backbone = new Linear({ inFeatures: 2, outFeatures: 2 });
      backboneExtra = new Linear({ inFeatures: 2, outFeatures: 2 });
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const model = track(new Two());
    expect(selectParameters(model, 'backbone').map(([n]) => n)).toEqual(['backbone.weight', 'backbone.bias']);
  });

  it('lists the candidates when a selector selects nothing, and rejects malformed selectors', () => {
    const model = cnn();
    expectError(() => selectParameters(model, 'backbone.9'), 'INVALID_ARGUMENT', /'backbone\.9' selects no parameter of Sequential\. Module paths with parameters: backbone, backbone\.0, backbone\.1, backbone\.3, backbone\.4, head, head\.1\. Parameters: backbone\.0\.weight/);
    expectError(() => selectParameters(model, /^neck\./), 'INVALID_ARGUMENT', /\/\^neck\\.\/ selects no parameter/);
    expectError(() => selectParameters(model, 3 as never), 'INVALID_ARGUMENT', /a selector must be a RegExp, a module path or parameter name \(string\), or a function .* got number 3/);
    expectError(() => selectParameters(model, (() => 1) as never), 'INVALID_ARGUMENT', /must return a boolean, got number 1 for 'backbone\.0\.weight'/);
    expectError(() => selectParameters({} as never, 'a'), 'INVALID_ARGUMENT', /model must be a Module of @tessera\/layers, got Object/);
    // The names stay the dotted ones after the error path walked submodules.
    expect(model.parameters()[0]!.name).toBe('backbone.0.weight');
  });
});

describe('freeze and unfreeze', () => {
  it('freezes by path, shows the split in the summaries, and unfreezes by RegExp', () => {
    const model = cnn();
    const result = freeze(model, 'backbone');
    expect(result.parameters).toEqual(['backbone.0.weight', 'backbone.0.bias', 'backbone.1.weight', 'backbone.1.bias', 'backbone.3.weight', 'backbone.3.bias', 'backbone.4.weight', 'backbone.4.bias']);
    expect(result.batchNormLayers).toEqual(['backbone.1', 'backbone.4']);
    expect(trains(model)).toEqual({
      'backbone.0.weight': false, 'backbone.0.bias': false, 'backbone.1.weight': false, 'backbone.1.bias': false,
      'backbone.3.weight': false, 'backbone.3.bias': false, 'backbone.4.weight': false, 'backbone.4.bias': false,
      'head.1.weight': true, 'head.1.bias': true,
    });
    const summary = trainableSummary(model);
    // 36+4+4+4+144+4+4+4 = 204 frozen; head 192+3 = 195 trainable.
    expect(summary).toMatch(/^Parameter\s+Shape\s+Params\s+Trains$/m);
    expect(summary).toMatch(/^backbone\.0\.weight\s+\[4,1,3,3\]\s+36\s+frozen$/m);
    expect(summary).toMatch(/^head\.1\.weight\s+\[3,64\]\s+192\s+yes$/m);
    expect(summary).toContain('Trainable params: 195 of 399 (48.9%)');
    expect(summary).toContain('Frozen params: 204');
    expect(summary).toContain('BatchNorm layers with frozen statistics: backbone.1, backbone.4');
    expect(model.summary()).toContain('Trainable params: 195');
    expect(model.summary()).toContain('Non-trainable params: 204');

    const thawed = unfreeze(model, /^backbone\.3\./);
    expect(thawed).toEqual({ parameters: ['backbone.3.weight', 'backbone.3.bias'], batchNormLayers: [] });
    expect(trains(model)['backbone.3.weight']).toBe(true);
    expect(trains(model)['backbone.0.weight']).toBe(false);
    // unfreeze leaves BN statistics frozen unless asked.
    unfreeze(model, 'backbone.4');
    expect(batchNormPolicyOf((model.at(0) as Sequential).at(4) as Module)).toBe('frozen');
    unfreeze(model, 'backbone.4', { batchNorm: 'train' });
    expect(batchNormPolicyOf((model.at(0) as Sequential).at(4) as Module)).toBe('train');
  });

  it('freezes and unfreezes everything without selectors, and can leave BN statistics training', () => {
    const model = cnn();
    freeze(model, { batchNorm: 'train' });
    expect(Object.values(trains(model)).every((t) => !t)).toBe(true);
    expect(trainableSummary(model)).toContain('BatchNorm layers with frozen statistics: none');
    unfreeze(model);
    expect(Object.values(trains(model)).every((t) => t)).toBe(true);
  });

  it('rejects unknown options and policies', () => {
    const model = cnn();
    expectError(() => freeze(model, 'head', { batchnorm: 'frozen' } as never), 'UNKNOWN_OPTION', /freeze: unknown option 'batchnorm'.*valid options: batchNorm/);
    expectError(() => unfreeze(model, 'head', { batchNorm: 'eval' } as never), 'INVALID_ARGUMENT', /unfreeze: batchNorm must be one of 'frozen', 'train', got "eval"/);
    expectError(() => trainableSummary(null as never), 'INVALID_ARGUMENT', /got null/);
  });
});

describe('BatchNorm policy', () => {
  it("'frozen' keeps the running statistics and uses them while the model trains, through model.train()", async () => {
    const model = cnn(1);
    const x = track(randn([8, 1, 4, 4], { seed: 3 }));
    const bn = (model.at(0) as Sequential).at(1) as BatchNorm2d;
    // Give the statistics non-trivial values first (ordinary training-mode passes).
    tidy(() => model.forward(x));
    const mean = await values(bn.runningMean!);
    const variance = await values(bn.runningVar!);
    expect(mean.some((v) => v !== 0)).toBe(true);
    model.eval();
    const evalOut = track(model.forward(x));
    model.train();

    expect(setBatchNormPolicy(model, 'frozen')).toEqual(['backbone.1', 'backbone.4']);
    model.train(); // what fit does at every epoch
    expect(model.training).toBe(true);
    expect(bn.training).toBe(false);
    const trainOut = track(model.forward(x));
    expect(await values(trainOut)).toEqual(await values(evalOut));
    expect(await values(bn.runningMean!)).toEqual(mean);
    expect(await values(bn.runningVar!)).toEqual(variance);
    // Gradients still reach the frozen-statistics layer's scale and shift.
    const grads = backward(tidy(() => model.forward(x).square().mean()));
    expect(grads.has(bn.weight!)).toBe(true);
    for (const g of grads.values()) g.dispose();

    expect(setBatchNormPolicy(model, 'train', 'backbone.1')).toEqual(['backbone.1']);
    expect(bn.training).toBe(true);
    tidy(() => model.forward(x));
    expect(await values(bn.runningMean!)).not.toEqual(mean);
  });

  it('rejects a model without BatchNorm and bad policies', () => {
    const model = track(new Sequential(new Linear({ inFeatures: 2, outFeatures: 2 })));
    expectError(() => setBatchNormPolicy(model, 'frozen'), 'INVALID_ARGUMENT', /no BatchNorm layer \(a module with runningMean and runningVar buffers\) in Sequential/);
    expectError(() => setBatchNormPolicy(cnn(), 'eval' as never), 'INVALID_ARGUMENT', /policy must be one of 'frozen', 'train', got "eval"/);
    expectError(() => batchNormPolicyOf(model), 'INVALID_ARGUMENT', /expected a BatchNorm layer/);
  });
});

describe('discriminativeGroups', () => {
  it('builds optimizer groups with their own learning rates, frozen parameters included', async () => {
    const model = cnn();
    freeze(model, 'backbone');
    const groups = discriminativeGroups<SGDOptions>(model, [{ select: 'backbone', lr: 0.001 }, { select: [/^head\./], lr: 0.1, momentum: 0 }]);
    const opt = track(new SGD(groups, { lr: 0.5 }));
    expect(opt.paramGroups.map((g) => [g.lr, g.params.length])).toEqual([[0.001, 8], [0.1, 2]]);
    // One SGD step: each parameter moves by its group's lr times its gradient.
    const w0 = model.parameters()[0]!;
    const head = model.parameters()[8]!;
    unfreeze(model);
    const before = [await values(w0), await values(head)];
    const x = track(randn([4, 1, 4, 4], { seed: 1 }));
    const grads = backward(tidy(() => model.forward(x).sum()));
    const g = [await values(grads.get(w0)!), await values(grads.get(head)!)];
    opt.step(grads);
    for (const t of grads.values()) t.dispose();
    const after = [await values(w0), await values(head)];
    after[0]!.forEach((v, i) => expect(v).toBeCloseTo(before[0]![i]! - 0.001 * g[0]![i]!, 6));
    after[1]!.forEach((v, i) => expect(v).toBeCloseTo(before[1]![i]! - 0.1 * g[1]![i]!, 5));
  });

  it('gives each parameter to the first spec that selects it, and handles the rest as asked', () => {
    const model = cnn();
    const groups = discriminativeGroups(model, [{ select: 'backbone.0', lr: 1 }, { select: 'backbone', lr: 2 }], { rest: 'default' });
    expect(groups.map((g) => [g.lr, g.params.length])).toEqual([[1, 2], [2, 6], [undefined, 2]]);
    expect(discriminativeGroups(model, [{ select: 'head' }], { rest: 'exclude' }).map((g) => g.params.length)).toEqual([2]);
    expectError(() => discriminativeGroups(model, [{ select: 'head' }]), 'INVALID_ARGUMENT', /no group selects 8 parameters: backbone\.0\.weight, .*; add a spec for them or pass \{ rest: 'default' \}/);
    expectError(() => discriminativeGroups(model, [{ select: 'backbone' }, { select: 'backbone.0' }], { rest: 'default' }), 'INVALID_ARGUMENT', /specs\[1\] selects only parameters that earlier specs already took/);
    expectError(() => discriminativeGroups(model, []), 'INVALID_ARGUMENT', /specs must be a non-empty array/);
    expectError(() => discriminativeGroups(model, [{ lr: 1 } as never]), 'INVALID_ARGUMENT', /specs\[0\] must be an object \{ select, \.\.\.optimizer options \}/);
    expectError(() => discriminativeGroups(model, [{ select: 'head' }], { rest: 'drop' } as never), 'INVALID_ARGUMENT', /rest must be 'error', 'default' or 'exclude', got "drop"/);
    expectError(() => discriminativeGroups(model, [{ select: 'head' }], { extra: 1 } as never), 'UNKNOWN_OPTION', /unknown option 'extra'.*valid options: rest/);
  });
});

describe('GradualUnfreezing', () => {
  /** What fit does with callbacks and trainable parameters, without depending on @tessera/train. */
  async function miniFit(model: Sequential, opt: Adam, callback: GradualUnfreezing, epochs: number): Promise<Array<Record<string, boolean>>> {
    const x = track(randn([8, 1, 4, 4], { seed: 5 }));
    const y = track(tensor([0, 1, 2, 0, 1, 2, 0, 1], [8], { dtype: 'int32' }));
    const seen: Array<Record<string, boolean>> = [];
    callback.onTrainBegin();
    for (let epoch = 0; epoch < epochs; epoch++) {
      model.train();
      callback.onEpochBegin(epoch);
      seen.push(trains(model));
      const wrt = model.parameters().filter((p) => p.requiresGrad);
      const grads = backward(tidy(() => model.forward(x).logSoftmax(1).mul(y.oneHot(3)).sum().neg()), { wrt });
      opt.step(grads, { allowUnknown: true });
      for (const g of grads.values()) g.dispose();
    }
    return seen;
  }

  it('unfreezes each stage at its epoch, and the unfrozen layers then train', async () => {
    const model = cnn(2);
    const opt = track(new Adam(discriminativeGroups(model, [{ select: 'backbone', lr: 1e-3 }, { select: 'head', lr: 1e-2 }]), { lr: 1e-2 }));
    const callback = new GradualUnfreezing(model, { stages: [{ epoch: 1, unfreeze: 'backbone.3' }, { epoch: 2, unfreeze: ['backbone'] }] });
    expect(callback.epochs).toEqual([1, 2]);
    const conv0 = model.parameters()[0]!;
    const conv3 = model.parameters()[4]!;
    const start = [await values(conv0), await values(conv3)];
    const seen = await miniFit(model, opt, callback, 2);
    expect(seen.map((s) => [s['backbone.0.weight'], s['backbone.3.weight'], s['head.1.weight']])).toEqual([[false, false, true], [false, true, true]]);
    expect(await values(conv0)).toEqual(start[0]);
    expect(await values(conv3)).not.toEqual(start[1]);
    // The callback changed parameters only: BN layers keep the policy they had before the run.
    expect(batchNormPolicyOf((model.at(0) as Sequential).at(4) as Module)).toBe('train');
  });

  it('refreezes at the start of each run, catches up on a resumed run, and applies its BatchNorm policy', () => {
    const model = cnn();
    const callback = new GradualUnfreezing(model, { stages: [{ epoch: 0, unfreeze: 'backbone.0' }, { epoch: 3, unfreeze: /^backbone\.[34]\./ }], batchNorm: 'frozen' });
    callback.onTrainBegin();
    expect(trains(model)['backbone.0.weight']).toBe(false);
    callback.onEpochBegin(5); // a run resumed at epoch 5 applies both stages
    expect(trains(model)['backbone.0.weight']).toBe(true);
    expect(trains(model)['backbone.4.weight']).toBe(true);
    expect(batchNormPolicyOf((model.at(0) as Sequential).at(4) as Module)).toBe('frozen');
    expect(trains(model)['backbone.1.weight']).toBe(true); // never frozen: no stage names it
  });

  it('rejects bad schedules when built, not mid-training', () => {
    const model = cnn();
    expectError(() => new GradualUnfreezing(model, { stages: [] }), 'INVALID_ARGUMENT', /stages must be a non-empty array of \{ epoch, unfreeze \}/);
    expectError(() => new GradualUnfreezing(model, { stages: [{ epoch: -1, unfreeze: 'head' }] }), 'INVALID_ARGUMENT', /stages\[0\]\.epoch must be an integer >= 0, got number -1/);
    expectError(() => new GradualUnfreezing(model, { stages: [{ epoch: 1, unfreeze: 'neck' }] }), 'INVALID_ARGUMENT', /'neck' selects no parameter/);
    expectError(() => new GradualUnfreezing(model, { stages: [{ epoch: 1, unfreeze: 'head', lr: 1 } as never] }), 'UNKNOWN_OPTION', /unknown option 'lr'.*valid options: epoch, unfreeze/);
    expectError(() => new GradualUnfreezing(model, { stages: [{ epoch: 1, unfreeze: 'head' }], freezeAtStart: 1 } as never), 'INVALID_ARGUMENT', /freezeAtStart must be a boolean/);
    expectError(() => new GradualUnfreezing(model, { stages: [{ epoch: 1, unfreeze: 'head' }], batchNorm: 'x' } as never), 'INVALID_ARGUMENT', /batchNorm must be 'frozen' or 'train'/);
    expectError(() => new GradualUnfreezing(model, undefined as never), 'INVALID_ARGUMENT', /options \{ stages \} required/);
  });
});

describe('extractFeatures', () => {
  it('equals the backbone in eval mode, batch by batch, restores the modes, and leaks nothing', async () => {
    const model = cnn(4);
    const backbone = model.at(0) as Sequential;
    const x = track(randn([10, 1, 4, 4], { seed: 8 }));
    tidy(() => model.forward(x)); // non-trivial running statistics
    backbone.eval();
    const expected = await values(track(backbone.forward(x)));
    backbone.train();
    const before = memory().tensors;
    const features = await extractFeatures(backbone, x, { batchSize: 3 });
    expect(features.shape).toEqual([10, 4, 4, 4]);
    const got = await values(features);
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    features.dispose();
    expect(memory().tensors).toBe(before);
    expect(backbone.training).toBe(true);
  });

  it('reads labelled batches and returns features with their targets', async () => {
    const model = cnn(4);
    const backbone = model.at(0) as Sequential;
    const batches = [0, 1].map((i) => [track(randn([3, 1, 4, 4], { seed: 20 + i })), track(tensor([i, i, i], [3], { dtype: 'int32' }))] as const);
    const { x, y } = await extractFeatures(backbone, batches);
    track(x);
    track(y);
    expect(x.shape).toEqual([6, 4, 4, 4]);
    expect(await y.data()).toEqual(new Int32Array([0, 0, 0, 1, 1, 1]));
    // An async generator's batches are freed after use.
    const made: Tensor[] = [];
    async function* gen(): AsyncGenerator<{ x: Tensor; y: Tensor }> {
      for (let i = 0; i < 2; i++) {
        const b = { x: randn([2, 1, 4, 4], { seed: i }), y: tensor([i, i], [2], { dtype: 'int32' }) };
        made.push(b.x);
        yield b;
      }
    }
    const set = await extractFeatures(backbone, gen());
    expect(made.every((t) => t.isDisposed)).toBe(true);
    expect(set.x.shape).toEqual([4, 4, 4, 4]);
    set.x.dispose();
    set.y.dispose();
  });

  it('keeps the features in a safetensors cache file, and recomputes for another backbone', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tessera-features-'));
    const file = path.join(dir, 'features.safetensors');
    class Counting extends Module {
      calls = 0;
      lin: Linear;
      constructor(outFeatures: number) {
        super();
        manualSeed(9);
        this.lin = new Linear({ inFeatures: 3, outFeatures });
      }
      forward(x: Tensor): Tensor {
        this.calls++;
        return this.lin.forward(x);
      }
    }
    const x = track(randn([5, 3], { seed: 1 }));
    const first = new Counting(2);
    track(first);
    const a = track(await extractFeatures(first, x, { cache: file, batchSize: 2 }));
    expect(first.calls).toBe(3);
    expect(existsSync(file)).toBe(true);
    const b = track(await extractFeatures(first, x, { cache: file, batchSize: 2 }));
    expect(first.calls).toBe(3); // read from the file
    expect(await values(b)).toEqual(await values(a));
    const other = track(new Counting(4));
    const c = track(await extractFeatures(other, x, { cache: file }));
    expect(other.calls).toBe(1);
    expect(c.shape).toEqual([5, 4]);
    // Labelled batches keep their targets in the file too.
    const batches = [[x, track(tensor([0, 1, 0, 1, 1], [5], { dtype: 'int32' }))] as const];
    const set1 = await extractFeatures(other, batches, { cache: path.join(dir, 'set.safetensors') });
    const set2 = await extractFeatures(other, batches, { cache: path.join(dir, 'set.safetensors') });
    expect(other.calls).toBe(2);
    expect(await set2.y.data()).toEqual(new Int32Array([0, 1, 0, 1, 1]));
    for (const t of [set1.x, set1.y, set2.x, set2.y]) t.dispose();
    await expect(extractFeatures(other, x, { cache: '' })).rejects.toThrow(/cache must be a file path, got ""/);
  });

  it('rejects bad input with coded errors', async () => {
    const backbone = cnn().at(0) as Sequential;
    await expect(extractFeatures(backbone, 5 as never)).rejects.toThrow(/extractFeatures: data must be a Tensor or an iterable of \[x, y\] \/ \{ x, y \} batches, got number 5/);
    await expect(extractFeatures(backbone, [[1, 2]] as never)).rejects.toThrow(/batch 0 must be \[x, y\] or \{ x, y \} with two Tensors, got an array of length 2/);
    await expect(extractFeatures(backbone, [])).rejects.toThrow(/data yielded no batch/);
    const x = track(randn([2, 1, 4, 4], { seed: 0 }));
    await expect(extractFeatures(backbone, x, { batchSize: 0 })).rejects.toThrow(/batchSize must be an integer >= 1, got number 0/);
    await expect(extractFeatures(backbone, x, { batch: 2 } as never)).rejects.toThrow(/unknown option 'batch'.*valid options: batchSize, cache/);
    await expect(extractFeatures(backbone, tensor([]))).rejects.toThrow(/data must be \[N, \.\.\.\] with N >= 1, got shape \[0\]/);
    const gone = randn([2, 1, 4, 4], { seed: 0 });
    gone.dispose();
    await expect(extractFeatures(backbone, gone)).rejects.toMatchObject({ code: 'TENSOR_DISPOSED' });
    const mixed = [[track(randn([2, 1, 4, 4], { seed: 0 })), track(tensor([0, 0]))], [track(randn([2, 1, 6, 6], { seed: 0 })), track(tensor([0, 0]))]] as const;
    await expect(extractFeatures(backbone, mixed)).rejects.toThrow(/batches give features of different shapes: \[2,4,4,4\] and \[2,4,6,6\]/);
  });
});
