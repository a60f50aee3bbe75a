import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TensorError, memory, setBackend } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { loadSafetensors } from '@tessera/layers';
import { Adam, ReduceLROnPlateau, SGD, StepLR } from '@tessera/optim';
import { csvLogger, earlyStopping, fit, learningRateScheduler, modelCheckpoint, progressBar, type Callback, type FitOptions, type ProgressInfo } from '../index.js';
import { blobs, smallMlp, softmaxCrossEntropy } from '../test-utils/fixtures.js';

let dir = '';
beforeAll(async () => {
  await setBackend(cpu());
  dir = await mkdtemp(join(tmpdir(), 'tessera-train-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const live: { dispose(): void }[] = [];
afterEach(() => {
  for (const t of live.splice(0)) t.dispose();
});
function track<T extends { dispose(): void }>(value: T): T {
  live.push(value);
  return value;
}

function setup(lr = 0.05) {
  const model = track(smallMlp());
  const data = blobs(32, 1);
  track(data.x);
  track(data.y);
  const optimizer = track(new Adam(model.parameters(), { lr }));
  const options = { data, validation: data, epochs: 6, batchSize: 16, optimizer, loss: softmaxCrossEntropy, metrics: ['accuracy'], seed: 0, verbose: 0 } satisfies FitOptions;
  return { model, data, optimizer, options };
}

/** A callback that overwrites one log key with scripted values (to drive monitors). */
function script(key: string, values: number[]): Callback {
  return {
    onEpochEnd(epoch, logs) {
      if (values[epoch] !== undefined) logs[key] = values[epoch];
    },
  };
}

describe('earlyStopping', () => {
  it('stops after `patience` epochs without improvement and restores the best weights', async () => {
    const { model, options } = setup();
    const weights: number[][] = [];
    const record: Callback = { onEpochEnd: async (_e, _l, ctx) => void weights.push(Array.from(await ctx.model.parameters()[0]!.data())) };
    const stopper = earlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true });
    const before = memory().tensors;
    const h = await fit(model, { ...options, epochs: 10, callbacks: [script('val_loss', [5, 4, 3, 3.5, 3.2, 1, 0]), record, stopper] });
    expect(h.epoch).toEqual([0, 1, 2, 3, 4]);
    expect(stopper.stoppedEpoch).toBe(4);
    expect(stopper.bestEpoch).toBe(2);
    expect(stopper.best).toBe(3);
    expect(Array.from(await model.parameters()[0]!.data())).toEqual(weights[2]);
    expect(memory().tensors).toBe(before + 8); // only Adam's state: the best-weight copies were freed
  });

  it("maximizes accuracy-like keys in 'auto' mode, and honours minDelta and baseline", async () => {
    const { model, options } = setup();
    const a = earlyStopping({ monitor: 'val_accuracy', patience: 1 });
    await fit(model, { ...options, callbacks: [script('val_accuracy', [0.5, 0.6, 0.55, 0.7]), a] });
    expect(a.stoppedEpoch).toBe(2);
    const b = earlyStopping({ monitor: 'loss', patience: 1, minDelta: 0.5 });
    await fit(model, { ...options, callbacks: [script('loss', [3, 2.8, 2.6, 1]), b] });
    expect(b.stoppedEpoch).toBe(1); // 2.8 is better than 3, but by less than minDelta
    // Until the baseline is beaten, even the first epoch counts against patience.
    const c = earlyStopping({ monitor: 'loss', patience: 2, baseline: 1 });
    await fit(model, { ...options, callbacks: [script('loss', [3, 3, 3, 3, 3, 3]), c] });
    expect(c.stoppedEpoch).toBe(1);
    const c2 = earlyStopping({ monitor: 'loss', patience: 2 });
    await fit(model, { ...options, callbacks: [script('loss', [3, 3, 3, 3, 3, 3]), c2] });
    expect(c2.stoppedEpoch).toBe(2);
    const d = earlyStopping({ monitor: 'custom', mode: 'max', patience: 0 });
    await fit(model, { ...options, callbacks: [script('custom', [1, 2, 1]), d] });
    expect(d.stoppedEpoch).toBe(2);
  });

  it('names the missing key, with a hint when validation is missing', async () => {
    const { model, options } = setup();
    const { validation: _v, ...noValidation } = options;
    await expect(fit(model, { ...noValidation, callbacks: [earlyStopping()] })).rejects.toThrow(
      "earlyStopping: monitor 'val_loss' is not in the epoch logs (available: loss, accuracy, lr); pass validation data to fit, or monitor a training key",
    );
  });

  it('rejects bad options', () => {
    expect(() => earlyStopping({ patience: -1 })).toThrow(/earlyStopping: patience must be an integer >= 0, got number -1/);
    expect(() => earlyStopping({ mode: 'lowest' as never })).toThrow(/mode must be one of 'auto', 'min', 'max'/);
    expect(() => earlyStopping({ monitor: '' })).toThrow(/monitor must be a non-empty string/);
    expect(() => earlyStopping({ minDelta: NaN })).toThrow(/minDelta must be a finite number/);
    expect(() => earlyStopping({ restoreBest: true } as never)).toThrow(/unknown option 'restoreBest'/);
    expect(() => earlyStopping('val_loss' as never)).toThrow(/options must be an options object/);
  });
});

describe('modelCheckpoint', () => {
  it('saves every epoch to a templated path, as safetensors the model can load', async () => {
    const { model, options } = setup();
    const ckpt = modelCheckpoint({ path: join(dir, 'every', 'ep{epoch:02d}-{val_loss:.3f}.safetensors') });
    await fit(model, { ...options, epochs: 3, callbacks: [ckpt] });
    const files = (await readdir(join(dir, 'every'))).sort();
    expect(files).toHaveLength(3);
    expect(files[0]).toMatch(/^ep01-\d\.\d{3}\.safetensors$/);
    const loaded = await loadSafetensors(join(dir, 'every', files[2]!));
    const state = model.stateDict();
    expect([...loaded.keys()].sort()).toEqual([...state.keys()].sort());
    expect(Array.from(await loaded.get('0.weight')!.data())).toEqual(Array.from(await state.get('0.weight')!.data()));
    for (const t of [...loaded.values(), ...state.values()]) t.dispose();
  });

  it('with saveBestOnly keeps the best epoch, through a custom writer', async () => {
    const { model, options } = setup();
    const written: string[] = [];
    const ckpt = modelCheckpoint({ path: 'best-{epoch}.safetensors', monitor: 'val_loss', saveBestOnly: true, write: (bytes, path) => void written.push(`${path}:${bytes.length > 0}`) });
    await fit(model, { ...options, epochs: 5, callbacks: [script('val_loss', [3, 2, 2.5, 1, 1.5]), ckpt] });
    expect(written).toEqual(['best-1.safetensors:true', 'best-2.safetensors:true', 'best-4.safetensors:true']);
    expect(ckpt.bestPath).toBe('best-4.safetensors');
    expect(ckpt.best).toBe(1);
  });

  it('rejects bad options and unknown template keys', async () => {
    expect(() => modelCheckpoint({} as never)).toThrow(/modelCheckpoint: path must be a non-empty string/);
    expect(() => modelCheckpoint({ path: 'a', write: 'x' as never })).toThrow(/write must be a function/);
    expect(() => modelCheckpoint({ path: 'a', saveBest: true } as never)).toThrow(/unknown option 'saveBest'/);
    const { model, options } = setup();
    await expect(fit(model, { ...options, epochs: 1, callbacks: [modelCheckpoint({ path: 'x-{val_acc}.st', write: () => {} })] })).rejects.toThrow(
      /modelCheckpoint: path template uses \{val_acc\}, which is not in the logs/,
    );
    await expect(fit(model, { ...options, epochs: 1, callbacks: [modelCheckpoint({ path: 'x-{epoch:x}.st', write: () => {} })] })).rejects.toThrow(/unknown format \{epoch:x\}/);
    await expect(fit(model, { ...options, epochs: 1, callbacks: [modelCheckpoint({ path: 'x.st', monitor: 'f1', saveBestOnly: true, write: () => {} })] })).rejects.toThrow(
      /saveBestOnly monitors 'f1', which is not in the epoch logs/,
    );
    const noSave = { ...model, training: true, forward: (x: never) => model.forward(x), parameters: () => model.parameters(), train: () => 0, eval: () => 0, stateDict: () => model.stateDict(), loadStateDict: () => 0, save: undefined };
    await expect(fit(noSave, { ...options, epochs: 1, callbacks: [modelCheckpoint({ path: 'x.st' })] })).rejects.toThrow(/modelCheckpoint: the model has no save\(\) method/);
  });
});

describe('learningRateScheduler', () => {
  it('steps an optim scheduler per epoch and logs the lr of each epoch', async () => {
    const { model, options } = setup();
    const optimizer = track(new SGD(model.parameters(), { lr: 0.1 }));
    const h = await fit(model, { ...options, optimizer, epochs: 4, callbacks: [learningRateScheduler(new StepLR(optimizer, { stepSize: 2, gamma: 0.5 }))] });
    expect(h.history.lr).toEqual([0.1, 0.1, 0.05, 0.05]);
  });

  it('steps per batch with interval: batch', async () => {
    const { model, options } = setup();
    const optimizer = track(new SGD(model.parameters(), { lr: 0.1 }));
    const h = await fit(model, { ...options, optimizer, epochs: 2, callbacks: [learningRateScheduler(new StepLR(optimizer, { stepSize: 1, gamma: 0.5 }), { interval: 'batch' })] });
    expect(h.history.lr).toEqual([0.025, 0.00625]);
  });

  it('runs a Keras-style schedule function at the start of each epoch', async () => {
    const { model, options } = setup();
    const h = await fit(model, { ...options, epochs: 3, callbacks: [learningRateScheduler((epoch, lr) => (epoch === 0 ? 0.01 : lr * 10))] });
    expect(h.history.lr!.map((v) => +v.toPrecision(6))).toEqual([0.01, 0.1, 1]);
  });

  it('feeds ReduceLROnPlateau the monitored value', async () => {
    const { model, options } = setup();
    const optimizer = track(new SGD(model.parameters(), { lr: 0.1 }));
    const plateau = new ReduceLROnPlateau(optimizer, { patience: 0, factor: 0.5 });
    const h = await fit(model, { ...options, optimizer, epochs: 4, callbacks: [script('val_loss', [1, 1, 1, 1]), learningRateScheduler(plateau)] });
    expect(h.history.lr).toEqual([0.1, 0.1, 0.05, 0.025]);
  });

  it('rejects what is not a schedule, and bad values', async () => {
    expect(() => learningRateScheduler(42 as never)).toThrow(/learningRateScheduler: expected an @tessera\/optim scheduler or a function/);
    expect(() => learningRateScheduler(() => 1, { interval: 'step' as never })).toThrow(/interval must be one of 'epoch', 'batch'/);
    const { model, options } = setup();
    const optimizer = track(new SGD(model.parameters(), { lr: 0.1 }));
    expect(() => learningRateScheduler(new ReduceLROnPlateau(optimizer), { interval: 'batch' })).toThrow(/ReduceLROnPlateau steps once per epoch/);
    await expect(fit(model, { ...options, epochs: 1, callbacks: [learningRateScheduler(() => NaN)] })).rejects.toThrow(/the schedule returned number NaN for epoch 0/);
    await expect(fit(model, { ...options, optimizer, epochs: 1, callbacks: [learningRateScheduler(new ReduceLROnPlateau(optimizer), { monitor: 'val_f1' })] })).rejects.toThrow(
      /ReduceLROnPlateau monitors 'val_f1', which is not in the epoch logs/,
    );
  });
});

describe('csvLogger', () => {
  it('writes a header and one row per epoch, to a function or a file', async () => {
    const { model, options } = setup();
    const lines: string[] = [];
    const path = join(dir, 'logs', 'run.csv');
    await fit(model, { ...options, epochs: 2, callbacks: [csvLogger((l) => void lines.push(l)), csvLogger(path)] });
    expect(lines[0]).toBe('epoch,loss,accuracy,val_loss,val_accuracy,lr');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^0,[\d.e-]+,[\d.]+,[\d.e-]+,[\d.]+,0\.05$/);
    expect(await readFile(path, 'utf8')).toBe(`${lines.join('\n')}\n`);
    // A second run replaces the file, or appends to it (without a second header).
    await fit(model, { ...options, epochs: 1, callbacks: [csvLogger(path, { append: true })] });
    const text = await readFile(path, 'utf8');
    expect(text.split('\n').filter(Boolean)).toHaveLength(4);
    expect(text.split('\n')[3]).toMatch(/^0,[\d.e-]+,[\d.]+,[\d.e-]+,[\d.]+,0\.05$/);
  });

  it('rejects bad targets and options', async () => {
    expect(() => csvLogger(42 as never)).toThrow(/csvLogger: target \(a file path or a function\) must be a non-empty string/);
    expect(() => csvLogger('a.csv', { separator: '"' })).toThrow(/separator must be a non-empty string without quotes/);
    expect(() => csvLogger('a.csv', { sep: ',' } as never)).toThrow(/unknown option 'sep'/);
    await writeFile(join(dir, 'file'), 'x');
    const { model, options } = setup();
    await expect(fit(model, { ...options, epochs: 1, callbacks: [csvLogger(join(dir, 'file', 'sub.csv'))] })).rejects.toThrow();
  });
});

describe('progressBar', () => {
  it('reports batches and epochs to onProgress with throughput and ETA', async () => {
    const { model, options } = setup();
    const infos: ProgressInfo[] = [];
    await fit(model, { ...options, epochs: 2, callbacks: [progressBar({ onProgress: (p) => void infos.push(p) })] });
    // epoch counts as the bar does ("Epoch 1/2"); epochIndex as callbacks do.
    expect(infos.map((i) => `${i.phase} ${i.epoch}/${i.epochs} (index ${i.epochIndex}) ${i.step}/${i.steps}:${i.samples}`)).toEqual([
      'batch 1/2 (index 0) 1/2:16',
      'batch 1/2 (index 0) 2/2:32',
      'epoch 1/2 (index 0) 2/2:32',
      'batch 2/2 (index 1) 1/2:16',
      'batch 2/2 (index 1) 2/2:32',
      'epoch 2/2 (index 1) 2/2:32',
    ]);
    expect(infos[0]!.samplesPerSecond).toBeGreaterThan(0);
    expect(infos[0]!.etaSeconds).toBeGreaterThanOrEqual(0);
    expect(infos[2]!.logs.val_accuracy).toBeDefined();
    expect(infos[2]!.etaSeconds).toBe(0);
  });

  it('prints one line per epoch when the stream is not a terminal (CI)', async () => {
    const { model, options } = setup();
    let out = '';
    const infos: ProgressInfo[] = [];
    await fit(model, { ...options, epochs: 2, callbacks: [progressBar({ mode: 'epoch', stream: { write: (s: string) => (out += s), isTTY: false }, onProgress: (p) => void infos.push(p) })] });
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(2);
    // The line and onProgress number the epoch the same way.
    const epochs = infos.filter((i) => i.phase === 'epoch');
    lines.forEach((line, k) => expect(line.startsWith(`Epoch ${epochs[k]!.epoch}/${epochs[k]!.epochs} `)).toBe(true));
    expect(lines[0]).toMatch(/^Epoch 1\/2 - \d+\.\ds - \d+ samples\/s - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}$/);
  });

  it('draws a live bar on a terminal', async () => {
    const { model, options } = setup();
    let out = '';
    const stream = { write: (s: string) => ((out += s), true), isTTY: true, columns: 160, cursorTo: () => true, clearLine: () => true, moveCursor: () => true, on: () => stream, removeListener: () => stream };
    await fit(model, { ...options, epochs: 2, callbacks: [progressBar({ mode: 'bar', stream })] });
    expect(out).toMatch(/Epoch 1\/2 .*2\/2 \| loss [\d.]+ accuracy [\d.]+ \| \d+ samples\/s \| ETA 0s/);
    expect(out).toMatch(/Epoch 2\/2 - [\d.]+s - \d+ samples\/s - loss: /);
  });

  it('is added by verbose: 2 as one line per epoch', async () => {
    const { model, options } = setup();
    const lines: string[] = [];
    const log = console.log;
    console.log = (s: string) => void lines.push(s);
    try {
      await fit(model, { ...options, epochs: 2, verbose: 2 });
    } finally {
      console.log = log;
    }
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^Epoch 2\/2 - /);
  });

  it('rejects bad options', () => {
    expect(() => progressBar({ mode: 'fancy' as never })).toThrow(/progressBar: mode must be one of 'auto', 'bar', 'epoch', 'none'/);
    expect(() => progressBar({ onProgress: 'x' as never })).toThrow(/onProgress must be a function/);
    expect(() => progressBar({ stream: {} as never })).toThrow(/stream must have a write\(text\) method/);
    expect(() => progressBar({ fps: 3 } as never)).toThrow(/unknown option 'fps'/);
  });
});

describe('callback errors', () => {
  it('are TensorErrors with the callback name', () => {
    for (const make of [() => earlyStopping({ patience: 0.5 }), () => modelCheckpoint(null as never), () => csvLogger(''), () => progressBar(null as never)]) {
      let error: unknown;
      try {
        make();
      } catch (e) {
        error = e;
      }
      expect(TensorError.is(error)).toBe(true);
    }
  });
});
