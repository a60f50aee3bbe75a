/**
 * Training throughput: one epoch of `fit` over a fixed in-memory data set, Adam (lr 1e-3,
 * eps 1e-8), softmax cross-entropy, batches in data order (no shuffle, so both frameworks see the
 * same batches), the loss read back every batch. Tessera runs
 * `@tessera/train`'s `fit`; TensorFlow.js runs tfjs-layers' `model.fit` on tfjs-backend-cpu and
 * tfjs-backend-wasm. No metrics, no validation, silent.
 *
 * Models:
 * - MLP 784-128-64-10 (ReLU);
 * - CNN: conv 3x3x8 → ReLU → max-pool 2 → conv 3x3x16 → ReLU → max-pool 2 → dense 10 ("valid"
 *   convolutions, Keras's default: 28 → 26 → 13 → 11 → 5, so the dense layer sees 400 features).
 *
 * Tessera trains NCHW images with int32 labels; tfjs trains its native NHWC images with one-hot
 * labels and `softmaxCrossEntropy` (the same loss). The data is random (throughput does not
 * depend on it), the same seeded numbers for every framework.
 *
 * Cross-check: every framework starts from Tessera's seeded initial weights (converted to tfjs's
 * layouts), so the per-batch losses of the first epoch (the warm-up run) are compared.
 */
import * as tc from '@tessera/tensor-core';
import { nchwToNhwc, normalArray, oihwToHwio } from '../lib/data.js';
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

export function trainingData(kind: ModelKind, batch: number, steps: number): TrainingData {
  const samples = batch * steps;
  const x = normalArray(samples * 784, 91 + batch);
  const labels = Int32Array.from({ length: samples }, (_, i) => (i * 7 + 3) % 10);
  return { kind, batch, samples, x, labels };
}

// ---------------------------------------------------------------- Tessera

type Layers = typeof import('@tessera/layers');

/** The seeded Tessera model: every setup of a case builds the same initial weights. */
function tesseraModel(layers: Layers, kind: ModelKind) {
  const { Sequential, Linear, ReLU, Conv2d, MaxPool2d, Flatten } = layers;
  return kind === 'mlp'
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
}

/** Adam as both frameworks run it: lr 1e-3, betas (0.9, 0.999), eps 1e-8 (tfjs's default is 1e-7). */
const ADAM = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

export async function tesseraSetup(d: TrainingData): Promise<Prepared> {
  const [layers, { Adam }, { fit }] = await Promise.all([import('@tessera/layers'), import('@tessera/optim'), import('@tessera/train')]);
  const model = tesseraModel(layers, d.kind);
  const x = tc.tensor(d.x, d.kind === 'mlp' ? [d.samples, 784] : [d.samples, 1, 28, 28], { dtype: 'float32' });
  const y = tc.tensor(d.labels, [d.samples], { dtype: 'int32' });
  const optimizer = new Adam(model.parameters(), { lr: ADAM.lr, betas: [ADAM.beta1, ADAM.beta2], eps: ADAM.eps });
  return {
    run: async () => {
      const losses: number[] = [];
      await fit(model, {
        data: { x, y },
        epochs: 1,
        batchSize: d.batch,
        optimizer,
        loss: layers.crossEntropy,
        shuffle: false,
        verbose: 0,
        // batch_loss: this batch's loss (`loss` is the running mean of the epoch, tfjs reports per batch).
        callbacks: [{ onBatchEnd: (_step: number, logs: Record<string, number>) => void losses.push(logs.batch_loss!) }],
      });
      return Float32Array.from(losses);
    },
    dispose: () => {
      optimizer.dispose();
      model.dispose();
      tc.dispose([x, y]);
    },
  };
}

// ---------------------------------------------------------------- TensorFlow.js

/**
 * Tessera's initial weights in tfjs's layouts, in the order of `model.getWeights()`: dense
 * kernels `[in, out]` (Tessera `[out, in]`), conv kernels HWIO (Tessera OIHW), and the CNN's last
 * dense kernel with its rows reordered from Tessera's NCHW flatten (c·25 + h·5 + w) to tfjs's
 * NHWC flatten ((h·5 + w)·16 + c).
 */
async function initialWeightsForTfjs(kind: ModelKind): Promise<{ data: Float32Array; shape: number[] }[]> {
  const model = tesseraModel(await import('@tessera/layers'), kind);
  try {
    const out: { data: Float32Array; shape: number[] }[] = [];
    for (const [, p] of model.namedParameters()) {
      const v = p.dataSync() as Float32Array;
      const shape = [...p.shape];
      if (shape.length === 1) out.push({ data: Float32Array.from(v), shape });
      else if (shape.length === 4) out.push({ data: oihwToHwio(v, shape), shape: [shape[2]!, shape[3]!, shape[1]!, shape[0]!] });
      else {
        const [o, i] = shape as [number, number];
        const k = new Float32Array(i * o);
        // The CNN's dense layer reads 16 channels of 5x5 (NCHW flatten in Tessera, NHWC in tfjs).
        const row = kind === 'cnn' && i === 400 ? (f: number): number => ((f % 25) * 16 + Math.floor(f / 25)) : (f: number): number => f;
        for (let a = 0; a < o; a++) for (let f = 0; f < i; f++) k[row(f) * o + a] = v[a * i + f]!;
        out.push({ data: k, shape: [i, o] });
      }
    }
    return out;
  } finally {
    model.dispose();
  }
}

export async function tfjsSetup(d: TrainingData): Promise<Prepared> {
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
  const initial = (await initialWeightsForTfjs(d.kind)).map((w) => tf.tensor(w.data, w.shape));
  model.setWeights(initial);
  tf.dispose(initial);
  // Logits out, softmax inside the loss: the same computation as Tessera's crossEntropy.
  // Kept to dispose: tfjs optimizers own their moment variables, model.dispose() leaves them.
  const optimizer = tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.eps);
  model.compile({
    optimizer,
    loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred),
  });
  const x = d.kind === 'mlp' ? tf.tensor2d(d.x, [d.samples, 784]) : tf.tensor4d(nchwToNhwc(d.x, [d.samples, 1, 28, 28]), [d.samples, 28, 28, 1]);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(d.labels, 'int32'), 10), 'float32'));
  return {
    run: async () => {
      const losses: number[] = [];
      await model.fit(x, y, {
        epochs: 1,
        batchSize: d.batch,
        shuffle: false,
        verbose: 0,
        callbacks: { onBatchEnd: async (_batch, logs) => void losses.push(logs!.loss as number) },
      });
      return Float32Array.from(losses);
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
  title: 'Training throughput: one epoch of fit (Adam, softmax cross-entropy, batches in data order)',
  notes: [
    'Tessera: @tessera/train fit; tfjs: tfjs-layers model.fit. Each run is one epoch over the same in-memory random data, batches in data order (shuffle off in both), reading the loss every batch.',
    'Check: all frameworks start from the same initial weights (Tessera\'s seeded ones, converted to tfjs layouts) with the same Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8); the per-batch losses of the first epoch are compared.',
    'MLP 784-128-64-10 ReLU; CNN conv3x3x8-relu-maxpool2-conv3x3x16-relu-maxpool2-dense10 (valid padding). No metrics, no validation.',
    'Tessera NCHW + int32 labels; tfjs NHWC + one-hot labels (softmaxCrossEntropy on logits, the same loss).',
    `CNN on tfjs-wasm: skipped, ${NO_WASM_CONV_GRAD}.`,
  ],
  cases: ({ quick }) => trainingCases(quick),
  summary: trainingSummary,
};
