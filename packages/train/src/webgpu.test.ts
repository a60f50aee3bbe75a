/**
 * Moving a model to another backend in the middle of `fit` (cpu → webgpu on Dawn + SwiftShader
 * in CI): the batches and the optimizer state follow the model. Skipped with the reason when no
 * adapter exists, unless TESSERA_REQUIRE_WEBGPU=1.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cpu } from '@tessera/backend-cpu';
import { webgpu, type WebGpuBackend } from '@tessera/backend-webgpu';
import { getBackend, setBackend, type Backend } from '@tessera/tensor-core';
import { Adam } from '@tessera/optim';
import { evaluate, fit, predict, type Callback } from './index.js';
import { blobs, smallMlp, softmaxCrossEntropy } from './test-utils/fixtures.js';

async function probe(): Promise<{ backend: WebGpuBackend } | { reason: string }> {
  try {
    return { backend: await webgpu() };
  } catch (e) {
    return { reason: (e as Error).message };
  }
}

const probed = await probe();

/** Trains 4 epochs, calling `move` at the end of epoch 1; returns the losses and where each epoch's parameters lived. */
async function train(host: Backend, move: ((model: ReturnType<typeof smallMlp>) => Promise<void>) | undefined) {
  await setBackend(host);
  const model = smallMlp(3);
  const data = blobs(64, 4);
  const val = blobs(32, 5);
  const optimizer = new Adam(model.parameters(), { lr: 0.05 });
  const where: string[] = [];
  const mover: Callback = {
    onEpochBegin: () => void where.push(model.parameters()[0]!.backend.name),
    onEpochEnd: async (epoch) => {
      if (epoch === 1 && move) await move(model);
    },
  };
  // Data, validation data and the optimizer state stay on the host; fit moves what it needs.
  const history = await fit(model, { data, validation: val, epochs: 4, batchSize: 16, optimizer, loss: softmaxCrossEntropy, metrics: ['accuracy'], seed: 2, verbose: 0, callbacks: [mover] });
  const evaluated = await evaluate(model, val);
  const predicted = await predict(model, { x: val.x });
  const result = { history: history.history, where, evaluated, predictedOn: predicted.backend.name, predicted: Array.from(await predicted.data()) };
  for (const t of [data.x, data.y, val.x, val.y, predicted]) t.dispose();
  optimizer.dispose();
  model.dispose();
  return result;
}

if ('backend' in probed) {
  const gpu = probed.backend;
  afterAll(async () => {
    await setBackend(cpu());
    gpu.dispose();
  });
  describe('fit across backends', () => {
    it('moves each batch and the optimizer state to the model when a callback moves the model to webgpu', async () => {
      const host = cpu();
      const reference = await train(host, undefined);
      const moved = await train(host, async (model) => {
        await model.to(gpu);
      });
      expect(reference.where).toEqual(['cpu', 'cpu', 'cpu', 'cpu']);
      expect(moved.where).toEqual(['cpu', 'cpu', gpu.name, gpu.name]);
      expect(getBackend()).toBe(host);
      expect(moved.predictedOn).toBe(gpu.name);
      // The same run on either backend up to float32 rounding (the kernels differ in summation order).
      for (const key of ['loss', 'val_loss', 'accuracy', 'val_accuracy'] as const) {
        const a = reference.history[key]!;
        const b = moved.history[key]!;
        expect(b).toHaveLength(4);
        b.forEach((v, i) => expect(Math.abs(v - a[i]!)).toBeLessThan(1e-3));
      }
      expect(Math.abs(moved.evaluated.loss! - reference.evaluated.loss!)).toBeLessThan(1e-3);
      moved.predicted.forEach((v, i) => expect(Math.abs(v - reference.predicted[i]!)).toBeLessThan(1e-3));
      // SwiftShader compiles every pipeline on first use: slow on a loaded machine, not a speed measure.
    }, 240_000);
  });
} else if (process.env['TESSERA_REQUIRE_WEBGPU'] === '1') {
  describe('fit across backends', () => {
    it('needs a WebGPU adapter (TESSERA_REQUIRE_WEBGPU=1)', () => {
      throw new Error(`TESSERA_REQUIRE_WEBGPU=1 but no WebGPU backend could be created: ${probed.reason}`);
    });
  });
} else {
  console.warn(`[tessera] skipping fit across backends on webgpu: ${probed.reason}`);
  describe.skip(`fit across backends (skipped: ${probed.reason})`, () => {
    it('needs a WebGPU adapter', () => {});
  });
}
