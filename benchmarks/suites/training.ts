/**
 * Training throughput: one epoch of `fit` over a fixed in-memory data set, Adam (lr 1e-3),
 * softmax cross-entropy, shuffled batches, the loss read back every batch. Tessera runs
 * `@tessera/train`'s `fit`; TensorFlow.js runs tfjs-layers' `model.fit` on tfjs-backend-cpu and
 * tfjs-backend-wasm. No metrics, no validation, silent.
 *
 * Models:
 * - MLP 784-128-64-10 (ReLU);
 * - CNN: conv 3x3x8 → ReLU → max-pool 2 → conv 3x3x16 → ReLU → max-pool 2 → dense 10 ("valid"
 *   convolutions, Keras's default: 28 → 26 → 13 → 11 → 5, so the dense layer sees 400 features).
 *
 * Tessera trains NCHW images with int32 labels; tfjs trains its native NHWC images with one-hot
 * labels and `categoricalCrossentropy` (the same loss). The data is random (throughput does not
 * depend on it), the same seeded numbers for every framework.
 */
import type { Tensor } from '@tessera/tensor-core';
import * as tc from '@tessera/tensor-core';
import { nchwToNhwc, normalArray } from '../lib/data.js';
import type { FrameworkId } from '../lib/frameworks.js';
import type { CaseDef, CaseResult, Prepared } from '../lib/runner.js';
import type { Suite } from '../lib/suite.js';
import { fmtNum, renderTable } from '../lib/table.js';
import { tf } from '../lib/tfjs.js';

type ModelKind = 'mlp' | 'cnn';

/**
 * Batches per timed epoch (samples per run = steps × batch): enough to amortise the per-call
 * work of `fit`, few enough for tfjs-backend-cpu, which trains the CNN at ~15 samples/s.
 */
function stepsFor(kind: ModelKind, batch: number, quick: boolean): number {
  if (kind === 'mlp') return quick ? 16 : batch === 32 ? 32 : 16;
  return quick ? 2 : batch === 32 ? 8 : 2;
}

const NO_WASM_CONV_GRAD = 'tfjs-backend-wasm 4.22 registers no Conv2DBackpropFilter kernel: it cannot train a convolution';

interface TrainingData {
  readonly kind: ModelKind;
  readonly batch: number;
  readonly samples: number;
  /** MLP: `[samples, 784]`; CNN: `[samples, 1, 28, 28]` (NCHW). */
  readonly x: Float32Array;
  readonly labels: Int32Array;
}

function trainingData(kind: ModelKind, batch: number, steps: number): TrainingData {
  const samples = batch * steps;
  const x = normalArray(samples * 784, 91 + batch);
  const labels = Int32Array.from({ length: samples }, (_, i) => (i * 7 + 3) % 10);
  return { kind, batch, samples, x, labels };
}

// ---------------------------------------------------------------- Tessera

async function tesseraSetup(d: TrainingData): Promise<Prepared> {
  const [{ Sequential, Linear, ReLU, Conv2d, MaxPool2d, Flatten, crossEntropy }, { Adam }, { fit }] = await Promise.all([
    import('@tessera/layers'),
    import('@tessera/optim'),
    import('@tessera/train'),
  ]);
  const model =
    d.kind === 'mlp'
      ? new Sequential(
          new Linear({ inFeatures: 784, outFeatures: 128, seed: 1 }),
          new ReLU(),
          new Linear({ inFeatures: 128, outFeatures: 64, seed: 2 }),
          new ReLU(),
          new Linear({ inFeatures: 64, outFeatures: 10, seed: 3 }),
        )
      : new Sequential(
          new Conv2d({ inChannels: 1, outChannels: 8, kernelSize: 3, seed: 1 }),
          new ReLU(),
          new MaxPool2d({ kernelSize: 2 }),
          new Conv2d({ inChannels: 8, outChannels: 16, kernelSize: 3, seed: 2 }),
          new ReLU(),
          new MaxPool2d({ kernelSize: 2 }),
          new Flatten(),
          new Linear({ inFeatures: 16 * 5 * 5, outFeatures: 10, seed: 3 }),
        );
  const x = tc.tensor(d.x, d.kind === 'mlp' ? [d.samples, 784] : [d.samples, 1, 28, 28], { dtype: 'float32' });
  const y = tc.tensor(d.labels, [d.samples], { dtype: 'int32' });
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  let epoch = 0;
  return {
    run: async () => {
      await fit(model, { data: { x, y }, epochs: 1, batchSize: d.batch, optimizer, loss: crossEntropy, seed: epoch++, verbose: 0 });
      return undefined;
    },
    dispose: () => {
      optimizer.dispose();
      model.dispose();
      tc.dispose([x, y]);
    },
  };
}

// ---------------------------------------------------------------- TensorFlow.js

async function tfjsSetup(d: TrainingData): Promise<Prepared> {
  const tfl = await import('@tensorflow/tfjs-layers');
  const model = tfl.sequential();
  if (d.kind === 'mlp') {
    model.add(tfl.layers.dense({ inputShape: [784], units: 128, activation: 'relu' }));
    model.add(tfl.layers.dense({ units: 64, activation: 'relu' }));
    model.add(tfl.layers.dense({ units: 10 }));
  } else {
    model.add(tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, activation: 'relu' }));
    model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
    model.add(tfl.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }));
    model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
    model.add(tfl.layers.flatten());
    model.add(tfl.layers.dense({ units: 10 }));
  }
  // Logits out, softmax inside the loss: the same computation as Tessera's crossEntropy.
  // Kept to dispose: tfjs optimizers own their moment variables, model.dispose() leaves them.
  const optimizer = tf.train.adam(1e-3);
  model.compile({
    optimizer,
    loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred),
  });
  const x = d.kind === 'mlp' ? tf.tensor2d(d.x, [d.samples, 784]) : tf.tensor4d(nchwToNhwc(d.x, [d.samples, 1, 28, 28]), [d.samples, 28, 28, 1]);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(d.labels, 'int32'), 10), 'float32'));
  return {
    run: async () => {
      await model.fit(x, y, { epochs: 1, batchSize: d.batch, shuffle: true, verbose: 0 });
      return undefined;
    },
    dispose: () => {
      model.dispose();
      optimizer.dispose();
      tf.dispose([x, y]);
    },
  };
}

// ---------------------------------------------------------------- suite

function label(kind: ModelKind, batch: number): string {
  return `${kind === 'mlp' ? 'MLP 784-128-64-10' : 'CNN 8-16'} fit b${batch}`;
}

function trainingCases(quick: boolean): CaseDef[] {
  const batches = quick ? [32] : [32, 128];
  const cases: CaseDef[] = [];
  for (const kind of ['mlp', 'cnn'] as const) {
    for (const batch of batches) {
      const d = trainingData(kind, batch, stepsFor(kind, batch, quick));
      const setup = (): Promise<Prepared> => tfjsSetup(d);
      cases.push({
        suite: 'training',
        id: `training/${kind}/${batch}`,
        label: `${label(kind, batch)} (${d.samples} samples)`,
        setups: { tessera: () => tesseraSetup(d), 'tfjs-cpu': setup, ...(kind === 'mlp' ? { 'tfjs-wasm': setup } : {}) },
        ...(kind === 'cnn' ? { skipped: { 'tfjs-wasm': NO_WASM_CONV_GRAD } } : {}),
      });
    }
  }
  return cases;
}

/** Samples per run of each case, from its id and label. */
function samplesOf(r: CaseResult): number {
  const m = /\((\d+) samples\)/.exec(r.label);
  return m ? Number(m[1]) : NaN;
}

function trainingSummary(results: readonly CaseResult[]): string | undefined {
  const fws: FrameworkId[] = ['tessera', 'tfjs-cpu', 'tfjs-wasm'];
  const rate = (r: CaseResult, fw: FrameworkId): number | undefined => {
    const ms = r.cells[fw]?.medianMs;
    return ms === undefined ? undefined : samplesOf(r) / (ms / 1000);
  };
  const rows = results.map((r) => {
    const t = rate(r, 'tessera');
    const ratio = (fw: FrameworkId): string => {
      const o = rate(r, fw);
      return t !== undefined && o !== undefined ? `${fmtNum(t / o, 2)}x` : '—';
    };
    return [r.label.replace(/ \(\d+ samples\)/, ''), ...fws.map((fw) => fmtNum(rate(r, fw), 0)), ratio('tfjs-cpu'), ratio('tfjs-wasm')];
  });
  if (rows.length === 0) return undefined;
  return renderTable(
    [
      { title: 'training samples/s', align: 'left' },
      { title: 'Tessera' },
      { title: 'tfjs-cpu' },
      { title: 'tfjs-wasm' },
      { title: 'Tessera / tfjs-cpu' },
      { title: 'Tessera / tfjs-wasm' },
    ],
    rows,
  );
}

export const trainingSuite: Suite = {
  name: 'training',
  title: 'Training throughput: one epoch of fit (Adam, softmax cross-entropy, shuffled batches)',
  notes: [
    'Tessera: @tessera/train fit; tfjs: tfjs-layers model.fit. Each run is one epoch over the same in-memory random data, reading the loss every batch.',
    'MLP 784-128-64-10 ReLU; CNN conv3x3x8-relu-maxpool2-conv3x3x16-relu-maxpool2-dense10 (valid padding). No metrics, no validation.',
    'Tessera NCHW + int32 labels; tfjs NHWC + one-hot labels (softmaxCrossEntropy on logits, the same loss).',
    `CNN on tfjs-wasm: skipped, ${NO_WASM_CONV_GRAD}.`,
  ],
  cases: ({ quick }) => trainingCases(quick),
  summary: trainingSummary,
};
