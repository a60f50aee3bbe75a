import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TensorError, dispose, memory, setBackend, tensor, tidy, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { DataLoader, Dataset, TensorDataset } from '@tessera/data-augment';
import { Dropout, Linear, ReLU, Sequential, manualSeed } from '@tessera/layers';
import { Adam, SGD } from '@tessera/optim';
import { Accuracy } from '@tessera/metrics';
import { DEFAULT_FIT_SEED, evaluate, fit, type Callback, type FitOptions } from './index.js';
import { blobs, mse, smallMlp, softmaxCrossEntropy } from './test-utils/fixtures.js';

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

function setup(seed = 0, n = 64) {
  const model = track(smallMlp(seed));
  const data = blobs(n, seed + 10);
  track(data.x);
  track(data.y);
  const optimizer = track(new Adam(model.parameters(), { lr: 0.05 }));
  return { model, data, optimizer };
}

async function snapshot(model: { parameters(): Tensor[] }): Promise<number[][]> {
  return Promise.all(model.parameters().map(async (p) => Array.from(await p.data())));
}

describe('fit', () => {
  it('trains a classifier and returns the history of loss, metrics, validation and lr', async () => {
    const { model, data, optimizer } = setup();
    const val = blobs(32, 99);
    track(val.x);
    track(val.y);
    const history = await fit(model, {
      data,
      validation: val,
      epochs: 5,
      batchSize: 16,
      optimizer,
      loss: softmaxCrossEntropy,
      metrics: ['accuracy'],
      seed: 1,
      verbose: 0,
    });
    expect(history.epoch).toEqual([0, 1, 2, 3, 4]);
    expect(Object.keys(history.history).sort()).toEqual(['accuracy', 'loss', 'lr', 'val_accuracy', 'val_loss']);
    const loss = history.history.loss!;
    expect(loss[4]!).toBeLessThan(loss[0]!);
    expect(history.history.accuracy![4]).toBeGreaterThan(0.95);
    expect(history.history.val_accuracy![4]).toBeGreaterThan(0.95);
    expect(history.history.lr).toEqual([0.05, 0.05, 0.05, 0.05, 0.05]);
    // evaluate remembers the loss and metrics of fit; its numbers match the last val_ logs.
    const result = await evaluate(model, val);
    expect(result.loss).toBeCloseTo(history.history.val_loss![4]!, 5);
    expect(result.accuracy).toBe(history.history.val_accuracy![4]);
  });

  it('is reproducible with a seed, and the shuffle changes with it', async () => {
    const run = async (seed: number) => {
      const { model, data, optimizer } = setup();
      const h = await fit(model, { data, epochs: 2, batchSize: 8, optimizer, loss: softmaxCrossEntropy, seed, verbose: 0 });
      return h.history.loss!;
    };
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('is reproducible without a seed: a fixed default shuffle (DEFAULT_FIT_SEED), seeded dropout', async () => {
    const run = async (seed?: number) => {
      // Layers draw their weights and dropout masks from the manualSeed stream.
      manualSeed(5);
      const model = track(new Sequential(new Linear({ inFeatures: 4, outFeatures: 8 }), new ReLU(), new Dropout({ p: 0.3 }), new Linear({ inFeatures: 8, outFeatures: 2 })));
      const data = blobs(48, 2);
      track(data.x);
      track(data.y);
      const optimizer = track(new Adam(model.parameters(), { lr: 0.05 }));
      const h = await fit(model, { data, epochs: 3, batchSize: 8, optimizer, loss: softmaxCrossEntropy, verbose: 0, ...(seed === undefined ? {} : { seed }) });
      return h.history.loss!;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(await run(DEFAULT_FIT_SEED)).toEqual(first);
    expect(DEFAULT_FIT_SEED).toBe(0);
    expect(await run(1)).not.toEqual(first);
  });

  it('moves batches and the optimizer state after a callback moves the model to another backend', async () => {
    for (const lossReadInterval of [1, 3]) {
      const run = async (move: boolean) => {
        const { model, data, optimizer } = setup(1);
        const other = cpu();
        const seen: string[] = [];
        const mover: Callback = {
          onBatchEnd: async (step, _logs, ctx) => {
            seen.push(ctx.model.parameters()[0]!.backend === other ? 'other' : 'host');
            if (move && step === 2) await model.to(other);
          },
        };
        const h = await fit(model, { data, validation: data, epochs: 2, batchSize: 8, optimizer, loss: softmaxCrossEntropy, metrics: ['accuracy'], verbose: 0, lossReadInterval, callbacks: [mover] });
        // The Adam moments moved with the model (a step mixing backends would have thrown).
        const moments = model.parameters().flatMap((p) => [...(optimizer.getState(p)?.buffers.values() ?? [])]);
        expect(moments.length).toBeGreaterThan(0);
        for (const m of moments) expect(m.backend === other).toBe(move);
        return { loss: h.history.loss!, val: h.history.val_loss!, seen };
      };
      const stay = await run(false);
      const moved = await run(true);
      expect(moved.seen.slice(0, 3)).toEqual(['host', 'host', 'host']);
      expect(moved.seen.slice(3).every((w) => w === 'other')).toBe(true);
      // Two CPU backends compute the same numbers.
      expect(moved.loss).toEqual(stay.loss);
      expect(moved.val).toEqual(stay.val);
    }
  });

  it('leaves the model in the mode it was in, and validates in eval mode', async () => {
    const model = track(new Sequential(new Linear({ inFeatures: 4, outFeatures: 2, seed: 0 }), new Dropout({ p: 0.5, seed: 1 })));
    const data = blobs(32);
    track(data.x);
    track(data.y);
    const modes: boolean[] = [];
    const spy: Callback = { onBatchEnd: (_s, _l, ctx) => void modes.push(ctx.model.training) };
    model.eval();
    await fit(model, { data, validation: data, epochs: 1, batchSize: 16, optimizer: track(new SGD(model.parameters(), { lr: 0.1 })), loss: softmaxCrossEntropy, callbacks: [spy], verbose: 0 });
    expect(modes).toEqual([true, true]);
    expect(model.training).toBe(false);
    model.train();
  });

  it('reads every kind of data source', async () => {
    const { data } = setup();
    const [x, y] = [data.x, data.y];
    const sources: [string, () => FitOptions['data']][] = [
      ['{ x, y }', () => ({ x, y })],
      ['TensorDataset', () => new TensorDataset(x, y)],
      ['DataLoader', () => new DataLoader(new TensorDataset(x, y), { batchSize: 16, shuffle: true, seed: 3 })],
      ['Dataset of samples', () => new Dataset(64, (i) => tidy(() => [x.slice([i], [i + 1]).reshape([4]), y.slice([i], [i + 1]).reshape([])]))],
      ['plain { length, get }', () => ({ length: 64, get: (i: number) => tidy(() => ({ x: x.slice([i], [i + 1]).reshape([4]), y: y.slice([i], [i + 1]).reshape([]) })) })],
      ['array of batches', () => [0, 1, 2, 3].map((b) => [x.slice([b * 16], [b * 16 + 16]), y.slice([b * 16], [b * 16 + 16])] as [Tensor, Tensor])],
      [
        'async generator',
        () => ({
          async *[Symbol.asyncIterator]() {
            for (const b of [0, 1, 2, 3]) yield { x: x.slice([b * 16], [b * 16 + 16]), y: y.slice([b * 16], [b * 16 + 16]) };
          },
        }),
      ],
    ];
    for (const [name, make] of sources) {
      const model = track(smallMlp(1));
      const source = make();
      const optimizer = new Adam(model.parameters(), { lr: 0.05 });
      const before = memory().tensors;
      const h = await fit(model, { data: source, epochs: 3, batchSize: 16, optimizer, loss: softmaxCrossEntropy, metrics: ['accuracy'], seed: 0, verbose: 0 });
      optimizer.dispose();
      if (Array.isArray(source)) for (const batch of source) dispose(batch);
      expect(memory().tensors, name).toBe(before - (Array.isArray(source) ? 8 : 0));
      expect(h.history.loss![2]!, name).toBeLessThan(h.history.loss![0]!);
      expect(h.history.accuracy![2]!, name).toBeGreaterThan(0.9);
    }
  });

  it('holds out the last samples with validationSplit', async () => {
    const { model, data, optimizer } = setup();
    const sizes: (number | undefined)[] = [];
    const spy: Callback = { onTrainBegin: (ctx) => void sizes.push(ctx.samplesPerEpoch) };
    const before = memory().tensors;
    const h = await fit(model, { data, validationSplit: 0.25, epochs: 1, batchSize: 16, optimizer, loss: softmaxCrossEntropy, callbacks: [spy], verbose: 0 });
    expect(sizes).toEqual([48]);
    expect(h.history.val_loss).toHaveLength(1);
    optimizer.dispose();
    expect(memory().tensors).toBe(before);
  });

  it('accepts one-hot float targets for accuracy, as Keras does', async () => {
    const { model, data, optimizer } = setup();
    const oneHotY = track(tensor(Array.from(await data.y.data(), (l) => (l === 1 ? [0, 1] : [1, 0])), [64, 2]));
    const loss = (p: Tensor, t: Tensor): Tensor => p.logSoftmax(1).mul(t).sum(1).mean().neg();
    const h = await fit(model, { data: { x: data.x, y: oneHotY }, epochs: 4, batchSize: 16, optimizer, loss, metrics: ['accuracy'], seed: 0, verbose: 0 });
    expect(h.history.accuracy![3]).toBeGreaterThan(0.9);
  });

  it('stops when a callback sets stopTraining, after the current batch', async () => {
    const { model, data, optimizer } = setup();
    let batches = 0;
    const stopper: Callback = {
      onBatchEnd(step, _logs, context) {
        batches++;
        if (step === 1) context.stopTraining = true;
      },
    };
    const h = await fit(model, { data, epochs: 5, batchSize: 16, optimizer, loss: softmaxCrossEntropy, callbacks: [stopper], verbose: 0 });
    expect(batches).toBe(2);
    expect(h.epoch).toEqual([0]);
  });

  it('calls the hooks in Keras order with 0-based epochs and steps', async () => {
    const { model, data, optimizer } = setup(0, 32);
    const calls: string[] = [];
    const cb: Callback = {
      onTrainBegin: () => void calls.push('trainBegin'),
      onEpochBegin: (e) => void calls.push(`epochBegin ${e}`),
      onBatchEnd: (s, logs) => void calls.push(`batchEnd ${s} ${logs.size}`),
      onEpochEnd: (e, logs) => void calls.push(`epochEnd ${e} ${Object.keys(logs).join(',')}`),
      onTrainEnd: () => void calls.push('trainEnd'),
    };
    await fit(model, { data, epochs: 2, batchSize: 20, optimizer, loss: softmaxCrossEntropy, callbacks: [cb], verbose: 0, initialEpoch: 0 });
    expect(calls).toEqual([
      'trainBegin',
      'epochBegin 0',
      'batchEnd 0 20',
      'batchEnd 1 12',
      'epochEnd 0 loss,lr',
      'epochBegin 1',
      'batchEnd 0 20',
      'batchEnd 1 12',
      'epochEnd 1 loss,lr',
      'trainEnd',
    ]);
  });

  it('gives the same epoch loss whatever lossReadInterval, and running losses to onBatchEnd', async () => {
    const losses: number[][] = [];
    for (const interval of [1, 3, 100]) {
      const { model, data, optimizer } = setup();
      const seen: number[] = [];
      const cb: Callback = { onBatchEnd: (_s, logs) => void seen.push(logs.loss!) };
      const h = await fit(model, { data, epochs: 2, batchSize: 8, optimizer, loss: softmaxCrossEntropy, seed: 4, lossReadInterval: interval, callbacks: [cb], verbose: 0 });
      losses.push(h.history.loss!);
      if (interval === 1) expect(seen.every(Number.isFinite)).toBe(true);
      if (interval === 100) expect(seen.slice(0, 7).every(Number.isNaN)).toBe(true);
    }
    expect(losses[1]).toEqual(losses[0]);
    expect(losses[2]).toEqual(losses[0]);
  });

  it('trains only parameters that require gradients', async () => {
    const { model, data, optimizer } = setup();
    const [first] = model.parameters();
    first!.requiresGrad = false;
    const frozen = Array.from(await first!.data());
    const last = model.parameters()[3]!;
    const before = Array.from(await last.data());
    await fit(model, { data, epochs: 1, batchSize: 16, optimizer, loss: softmaxCrossEntropy, verbose: 0 });
    expect(Array.from(await first!.data())).toEqual(frozen);
    expect(Array.from(await last.data())).not.toEqual(before);
  });

  it('trains parameters a callback unfreezes at the start of an epoch (gradual unfreezing)', async () => {
    const { model, data, optimizer } = setup();
    const [first] = model.parameters();
    first!.requiresGrad = false;
    const start = Array.from(await first!.data());
    let afterEpoch0: number[] = [];
    const thaw: Callback = {
      async onEpochBegin(epoch) {
        if (epoch === 1) {
          afterEpoch0 = Array.from(await first!.data());
          first!.requiresGrad = true;
        }
      },
    };
    await fit(model, { data, epochs: 2, batchSize: 16, optimizer, loss: softmaxCrossEntropy, verbose: 0, callbacks: [thaw] });
    expect(afterEpoch0).toEqual(start);
    expect(Array.from(await first!.data())).not.toEqual(start);
  });

  it('stops with a TensorError when a callback freezes every parameter', async () => {
    const { model, data, optimizer } = setup();
    const freezeAll: Callback = { onEpochBegin: () => void model.freeze() };
    await expect(fit(model, { data, epochs: 1, batchSize: 16, optimizer, loss: softmaxCrossEntropy, verbose: 0, callbacks: [freezeAll] })).rejects.toThrow(
      /fit: no trainable parameters at the start of epoch 1/,
    );
  });

  it('clips the gradient norm when asked', async () => {
    const run = async (clip: number | undefined) => {
      const { model, data } = setup();
      const optimizer = track(new SGD(model.parameters(), { lr: 1 }));
      const before = await snapshot(model);
      await fit(model, { data, epochs: 1, batchSize: 64, optimizer, loss: softmaxCrossEntropy, verbose: 0, shuffle: false, ...(clip === undefined ? {} : { clipGradNorm: clip }) });
      const after = await snapshot(model);
      let sq = 0;
      after.forEach((p, i) => p.forEach((v, j) => (sq += (v - before[i]![j]!) ** 2)));
      return Math.sqrt(sq);
    };
    expect(await run(1e-3)).toBeCloseTo(1e-3, 5);
    expect(await run(undefined)).toBeGreaterThan(1e-2);
  });

  it('uses Metric objects as given and resets them between training and validation', async () => {
    const { model, data, optimizer } = setup();
    const metric = new Accuracy();
    const h = await fit(model, { data, validation: data, epochs: 2, batchSize: 16, optimizer, loss: softmaxCrossEntropy, metrics: [metric], verbose: 0 });
    expect(h.history.accuracy).toHaveLength(2);
    expect(h.history.val_accuracy).toHaveLength(2);
    expect(() => metric.compute()).toThrow(/no samples/);
  });

  it('trains a regression with mse metrics', async () => {
    const model = track(new Linear({ inFeatures: 1, outFeatures: 1, seed: 0 }));
    const x = track(tensor(Array.from({ length: 32 }, (_, i) => [i / 16 - 1]), [32, 1]));
    const y = track(x.mul(3).add(2));
    const h = await fit(model, { data: { x, y }, epochs: 30, batchSize: 8, optimizer: track(new Adam(model.parameters(), { lr: 0.1 })), loss: mse, metrics: ['mae'], seed: 0, verbose: 0 });
    expect(h.history.loss![29]!).toBeLessThan(0.05);
    expect(h.history.mae![29]!).toBeLessThan(0.2);
  });
});

describe('fit on a NaN loss', () => {
  const poisoned = async (interval: number) => {
    const { model, data, optimizer } = setup();
    let calls = 0;
    // The loss turns NaN at the 3rd batch of the 2nd epoch.
    const loss = (p: Tensor, t: Tensor): Tensor => {
      calls++;
      const l = softmaxCrossEntropy(p, t);
      return calls === 7 ? l.mul(NaN) : l;
    };
    const errors: unknown[] = [];
    const cb: Callback = { onTrainError: (e) => void errors.push(e) };
    const before = memory().tensors;
    let weightsAtBatch: number[][] = [];
    const watcher: Callback = {
      onBatchEnd: async (step, _l, ctx) => {
        if (step === 1) weightsAtBatch = await snapshot(ctx.model);
      },
    };
    const error = await fit(model, { data, epochs: 3, batchSize: 16, optimizer, loss, callbacks: [cb, watcher], verbose: 0, lossReadInterval: interval }).catch((e: unknown) => e);
    optimizer.dispose();
    return { error, errors, model, before, weightsAtBatch };
  };

  it('stops with a TensorError naming the epoch and batch, before the update reaches the weights (CPU)', async () => {
    const { error, errors, model, before, weightsAtBatch } = await poisoned(1);
    expect(TensorError.is(error)).toBe(true);
    expect((error as TensorError).message).toMatch(/^fit: loss is NaN at epoch 2 of 3, batch 3 of 4: training stopped/);
    expect(errors).toEqual([error]);
    expect(await snapshot(model)).toEqual(weightsAtBatch);
    expect(memory().tensors).toBe(before);
  });

  it('names the right batch when losses are read in groups', async () => {
    const { error, before } = await poisoned(4);
    expect((error as Error).message).toMatch(/loss is NaN at epoch 2 of 3, batch 3 of 4/);
    expect(memory().tensors).toBe(before);
  });
});

describe('fit errors', () => {
  const base = () => {
    const { model, data, optimizer } = setup();
    return { model, options: { data, epochs: 1, batchSize: 16, optimizer, loss: softmaxCrossEntropy, verbose: 0 } as FitOptions };
  };
  const cases: [string, (b: ReturnType<typeof base>) => Promise<unknown>, RegExp][] = [
    ['a model that is not a Module', ({ options }) => fit({} as never, options), /model must be a Module.*missing forward/],
    ['options that are not an object', ({ model }) => fit(model, null as never), /options must be an options object, got null/],
    ['an unknown option', ({ model, options }) => fit(model, { ...options, epoch: 3 } as never), /unknown option 'epoch'/],
    ['missing epochs', ({ model, options }) => fit(model, { ...options, epochs: undefined } as never), /epochs must be an integer >= 1, got undefined/],
    ['a bad batch size', ({ model, options }) => fit(model, { ...options, batchSize: 0 }), /batchSize must be an integer >= 1, got number 0/],
    ['initialEpoch past the end', ({ model, options }) => fit(model, { ...options, initialEpoch: 1 }), /initialEpoch must be an integer in \[0, 0\]/],
    ['a loss that is not a function', ({ model, options }) => fit(model, { ...options, loss: 'crossEntropy' as never }), /loss must be a function/],
    ['a non-scalar loss', ({ model, options }) => fit(model, { ...options, loss: (p) => p.sum(1) }), /the loss function must return a scalar, got shape \[16\]/],
    ['a missing optimizer', ({ model, options }) => fit(model, { ...options, optimizer: undefined as never }), /optimizer must be an optimizer of @tessera\/optim/],
    ['an optimizer over other parameters', ({ model, options }) => fit(model, { ...options, optimizer: track(new SGD(track(smallMlp(5)).parameters(), { lr: 0.1 })) }), /holds none of the model's trainable parameters/],
    ['an unknown metric', ({ model, options }) => fit(model, { ...options, metrics: ['accurcy'] }), /unknown metric 'accurcy' \(known: accuracy/],
    ['a metric that is not one', ({ model, options }) => fit(model, { ...options, metrics: [42 as never] }), /metrics\[0\] must be a metric name or a Metric/],
    ['two metrics of one name', ({ model, options }) => fit(model, { ...options, metrics: ['accuracy', new Accuracy()] }), /two metrics would be logged as 'accuracy'/],
    ['callbacks that are not an array', ({ model, options }) => fit(model, { ...options, callbacks: {} as never }), /callbacks must be an array/],
    ['a callback that is not an object', ({ model, options }) => fit(model, { ...options, callbacks: [null as never] }), /callbacks\[0\] must be a callback object/],
    ['a bad verbose', ({ model, options }) => fit(model, { ...options, verbose: 3 as never }), /verbose must be 0, 1 or 2/],
    ['a bad lossReadInterval', ({ model, options }) => fit(model, { ...options, lossReadInterval: 0 }), /lossReadInterval must be an integer >= 1/],
    ['a bad clipGradNorm', ({ model, options }) => fit(model, { ...options, clipGradNorm: 0 }), /clipGradNorm must be a finite number > 0/],
    ['a bad seed', ({ model, options }) => fit(model, { ...options, seed: -1 }), /seed must be an integer in \[0, 4294967295\]/],
    ['data that is not a source', ({ model, options }) => fit(model, { ...options, data: 42 as never }), /data must be \{ x, y \} tensors, a DataLoader.*got number 42/],
    ['data that is a single tensor', ({ model, options }) => fit(model, { ...options, data: (options.data as { x: Tensor }).x as never }), /data is a single Tensor; pass \{ x, y \}/],
    ['x and y of different lengths', ({ model, options }) => fit(model, { ...options, data: { x: (options.data as { x: Tensor }).x, y: track(tensor([0, 1], [2], { dtype: 'int32' })) } }), /data.x has 64 samples \(shape \[64,4\]\) but data.y has 2/],
    ['a disposed x', ({ model, options }) => {
      const x = tensor([[1, 2, 3, 4]]);
      x.dispose();
      return fit(model, { ...options, data: { x, y: track(tensor([0], [1], { dtype: 'int32' })) } });
    }, /data.x \(shape \[1,4\]\) is disposed/],
    ['a loader batch that is not [x, y]', ({ model, options }) => fit(model, { ...options, data: [[track(tensor([[1, 2, 3, 4]]))]] as never }), /data batch 0 must be \[x, y\] or \{ x, y \} with two Tensors/],
    ['an empty loader', ({ model, options }) => fit(model, { ...options, data: [] }), /data yielded no batches/],
    ['validation and validationSplit together', ({ model, options }) => fit(model, { ...options, validation: options.data, validationSplit: 0.2 }), /either validation or validationSplit/],
    ['validationSplit out of range', ({ model, options }) => fit(model, { ...options, validationSplit: 1 }), /validationSplit must be a finite number > 0 and < 1/],
    ['validationSplit on a loader', ({ model, options }) => fit(model, { ...options, data: [], validationSplit: 0.5 }), /validationSplit needs \{ x, y \} tensor data/],
    ['a bad validation source', ({ model, options }) => fit(model, { ...options, validation: 'test' as never }), /validation must be \{ x, y \} tensors/],
    ['a forward that returns no tensor', ({ model, options }) => fit({ ...model, training: true, parameters: () => model.parameters(), train: () => model, eval: () => model, forward: () => 42 } as never, options), /model.forward must return a Tensor, got number 42/],
  ];
  it.each(cases)('rejects %s', async (_name, run, message) => {
    const b = base();
    const before = memory().tensors;
    const error = await run(b).catch((e: unknown) => e);
    expect(TensorError.is(error), String(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/^fit: /);
    for (const t of live.splice(0)) t.dispose();
    // Everything made for the case (model, data, optimizer and its state) is freed: nothing else is left.
    expect(memory().tensors).toBeLessThanOrEqual(before - 6);
  });

  it('rejects a model whose parameters are all frozen', async () => {
    const { model, options } = base();
    model.freeze();
    await expect(fit(model, options)).rejects.toThrow(/fit: the model has no trainable parameters \(4 parameters, all frozen\)/);
  });

  it('passes a callback error through after onTrainError', async () => {
    const { model, options } = base();
    const seen: unknown[] = [];
    const boom: Callback = {
      onEpochEnd: () => {
        throw new Error('boom');
      },
      onTrainError: (e) => void seen.push(e),
    };
    await expect(fit(model, { ...options, callbacks: [boom] })).rejects.toThrow('boom');
    expect(seen).toHaveLength(1);
  });
});
