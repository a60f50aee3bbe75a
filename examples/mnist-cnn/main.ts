/**
 * MNIST with a small CNN, PyTorch style: a `Module` subclass, a hand-written training loop with
 * `backward(loss)` and `optimizer.step(grads)`, and evaluation under `noGrad` in eval mode.
 *
 * Run: `pnpm --filter @tessera/example-mnist-cnn start` (3-4 minutes on one CPU core).
 */
import { pathToFileURL } from 'node:url';
import { backward, enableAutograd, noGrad } from '@tessera/autograd';
import { cpu } from '@tessera/backend-cpu';
import { Conv2d, crossEntropy, Dropout, Flatten, Linear, MaxPool2d, Module, ReLU } from '@tessera/layers';
import { Adam, OneCycleLR } from '@tessera/optim';
import { dispose, setBackend, tidy, type Tensor } from '@tessera/tensor-core';
import { loadMnist } from '@tessera/datasets';
import { augmentedBatches, splitOff, toTensors } from '../mnist-mlp/augment.js';

/** Sizes of {@link MnistCnn}. */
export interface CnnOptions {
  /** Channels of the first and second convolution (default 16 and 32). */
  readonly channels?: readonly [number, number];
  /** Width of the hidden dense layer (default 64; 0 for none: conv features straight to 10 classes). */
  readonly hidden?: number;
  /** Dropout before the classifier (default 0.25). */
  readonly dropout?: number;
  readonly seed?: number;
}

/**
 * conv 3x3 → ReLU → max-pool 2 → conv 3x3 → ReLU → max-pool 2 → (dense → ReLU → dropout) → dense 10.
 * Layers are class fields, so they register themselves (as in PyTorch).
 *
 * @example
 * ```ts
 * const model = new MnistCnn({ channels: [8, 16], hidden: 0 }); // the benchmark's network
 * model.forward(images).shape; // [N, 10]
 * ```
 */
export class MnistCnn extends Module {
  conv1: Conv2d;
  conv2: Conv2d;
  pool = new MaxPool2d({ kernelSize: 2 });
  relu = new ReLU();
  flatten = new Flatten();
  hidden: Linear | undefined;
  drop: Dropout;
  out: Linear;

  constructor(options: CnnOptions = {}) {
    super();
    const [c1, c2] = options.channels ?? [16, 32];
    const seed = options.seed ?? 0;
    // 28 → conv 26 → pool 13 → conv 11 → pool 5.
    this.conv1 = new Conv2d({ inChannels: 1, outChannels: c1, kernelSize: 3, seed });
    this.conv2 = new Conv2d({ inChannels: c1, outChannels: c2, kernelSize: 3, seed: seed + 1 });
    const features = c2 * 5 * 5;
    const hidden = options.hidden ?? 64;
    this.hidden = hidden > 0 ? new Linear({ inFeatures: features, outFeatures: hidden, seed: seed + 2 }) : undefined;
    this.drop = new Dropout({ p: options.dropout ?? 0.25, seed: seed + 3 });
    this.out = new Linear({ inFeatures: hidden > 0 ? hidden : features, outFeatures: 10, seed: seed + 4 });
  }

  forward(x: Tensor): Tensor {
    return tidy(() => {
      let h = this.pool.forward(this.relu.forward(this.conv1.forward(x)));
      h = this.pool.forward(this.relu.forward(this.conv2.forward(h)));
      h = this.flatten.forward(h);
      if (this.hidden) h = this.relu.forward(this.hidden.forward(h));
      return this.out.forward(this.drop.forward(h));
    });
  }
}

/** Options of {@link trainCnn}. */
export interface TrainCnnOptions extends CnnOptions {
  /** Use only the first this many training digits of each class (default: all, about 800). */
  readonly trainPerClass?: number;
  /** Use only the first this many held-out digits of each class (default: all, about 200). */
  readonly testPerClass?: number;
  readonly epochs?: number;
  readonly batchSize?: number;
  /** Peak learning rate of the one-cycle schedule (default 3e-3). */
  readonly maxLr?: number;
  /** Random rotations, shifts and scaling of the training digits (default true). */
  readonly augment?: boolean;
  /** Called after each epoch. */
  readonly onEpoch?: (info: { epoch: number; loss: number; valAccuracy: number; seconds: number }) => void;
}

/**
 * The accuracy of `model` on `{ x, y }`: eval mode, no gradient recording, batches of 500.
 *
 * @example
 * ```ts
 * const accuracy = await accuracyOf(model, test);
 * ```
 */
export async function accuracyOf(model: Module, data: { x: Tensor; y: Tensor }): Promise<number> {
  model.eval();
  let correct = 0;
  const n = data.x.shape[0]!;
  for (let start = 0; start < n; start += 500) {
    const size = Math.min(500, n - start);
    const hits = noGrad(() =>
      tidy(() => {
        const x = data.x.slice([start], [start + size]);
        const y = data.y.slice([start], [start + size]);
        return model.forward(x).argmax(1).equal(y).cast('float32').sum();
      }),
    );
    correct += await hits.item();
    hits.dispose();
  }
  model.train();
  return correct / n;
}

/**
 * Trains {@link MnistCnn} with a manual loop (Adam and a one-cycle learning-rate schedule stepped
 * per batch) and returns its accuracy on the held-out digits.
 *
 * @example
 * ```ts
 * await setBackend(cpu());
 * const { testAccuracy } = await trainCnn(); // about 0.987
 * ```
 */
export async function trainCnn(options: TrainCnnOptions = {}): Promise<{ testAccuracy: number; valAccuracy: number; losses: number[]; trainCount: number; testCount: number }> {
  const seed = options.seed ?? 0;
  const epochs = options.epochs ?? 20;
  const batchSize = options.batchSize ?? 32;
  // @tessera/datasets' fixed split (every 5th digit of each class held out), pixels in [0, 1].
  const perClass = (n: number | undefined) => (n === undefined ? {} : { perClass: n });
  const trainSet = await loadMnist(perClass(options.trainPerClass));
  const testSet = await loadMnist({ split: 'test', normalize: true, ...perClass(options.testPerClass) });
  const [fitDigits, valDigits] = splitOff(trainSet, 0.1);
  const loader = augmentedBatches(fitDigits, { batchSize, layout: 'image', seed, ...(options.augment === false ? { degrees: 0, translate: 0, scale: 0 } : {}) });
  const validation = toTensors(valDigits, 'image');
  const test = { x: testSet.x, y: testSet.y };
  enableAutograd(); // record the forward passes below for backward(loss)
  const model = new MnistCnn(options);
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const scheduler = new OneCycleLR(optimizer, { maxLr: options.maxLr ?? 3e-3, totalSteps: epochs * loader.length });
  const losses: number[] = [];
  let valAccuracy = NaN;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const started = performance.now();
      model.train();
      let sum = 0;
      let count = 0;
      for await (const [x, y] of loader) {
        // One step: every tensor made inside tidy (activations, gradients) is freed at its end.
        const loss = tidy(() => {
          const loss = crossEntropy(model.forward(x), y);
          const grads = backward(loss); // Map: parameter -> gradient
          optimizer.step(grads);
          return loss;
        });
        sum += (await loss.item()) * x.shape[0]!;
        count += x.shape[0]!;
        dispose([loss, x, y]);
        scheduler.step();
      }
      losses.push(sum / count);
      valAccuracy = await accuracyOf(model, validation);
      options.onEpoch?.({ epoch, loss: sum / count, valAccuracy, seconds: (performance.now() - started) / 1000 });
    }
    const testAccuracy = await accuracyOf(model, test);
    return { testAccuracy, valAccuracy, losses, trainCount: trainSet.length, testCount: testSet.length };
  } finally {
    optimizer.dispose();
    model.dispose();
    dispose([validation, fitDigits, valDigits]);
    trainSet.dispose();
    testSet.dispose();
  }
}


// Run as a script (not when imported by the test).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await setBackend(cpu());
  const epochs = Number(process.env.EPOCHS ?? 20);
  const started = performance.now();
  const result = await trainCnn({
    epochs,
    onEpoch: ({ epoch, loss, valAccuracy, seconds }) =>
      console.log(`epoch ${epoch + 1}/${epochs}  loss ${loss.toFixed(4)}  val accuracy ${valAccuracy.toFixed(4)}  (${seconds.toFixed(1)} s)`),
  });
  console.log(`trained on ${result.trainCount} digits in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  console.log(`held-out accuracy: ${result.testAccuracy.toFixed(4)} on ${result.testCount} digits`);
}
