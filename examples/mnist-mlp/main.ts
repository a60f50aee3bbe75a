/**
 * MNIST with a 784-128-64-10 MLP, Keras style: `Sequential`, `fit` with validation, early
 * stopping and a progress bar, then `evaluate` on the held-out digits.
 *
 * Run: `pnpm --filter @tessera/example-mnist-mlp start` (2-3 minutes on one CPU core).
 */
import { pathToFileURL } from 'node:url';
import { cpu } from '@tessera/backend-cpu';
import { crossEntropy, Linear, ReLU, Sequential } from '@tessera/layers';
import { Adam, CosineAnnealingLR } from '@tessera/optim';
import { dispose, setBackend } from '@tessera/tensor-core';
import { earlyStopping, evaluate, fit, learningRateScheduler, type Callback, type History } from '@tessera/train';
import { loadMnist } from '@tessera/datasets';
import { augmentedBatches, splitOff, toTensors } from './augment.js';

/** Options of {@link trainMlp}. */
export interface MlpOptions {
  /** Use only the first this many training digits of each class (default: all, about 800). */
  readonly trainPerClass?: number;
  /** Use only the first this many held-out digits of each class (default: all, about 200). */
  readonly testPerClass?: number;
  /** Maximum epochs (default 30; early stopping may end sooner). */
  readonly epochs?: number;
  readonly batchSize?: number;
  /** Initial learning rate of Adam, annealed to 0 with a cosine schedule (default 2e-3). */
  readonly learningRate?: number;
  /** Seed of the weights and of the shuffle (default 0). */
  readonly seed?: number;
  /** 0 silent, 1 progress bar (default), 2 one line per epoch. */
  readonly verbose?: 0 | 1 | 2;
  /** Extra callbacks. */
  readonly callbacks?: readonly Callback[];
  /** Write the loss and accuracy curves to this file (.svg or .png). */
  readonly plotPath?: string;
  /**
   * Random rotations, shifts and scaling of the training digits every epoch (default true: ±8°,
   * ±8% shift, ±8% scale), or the strengths to use.
   */
  readonly augment?: boolean | { degrees?: number; translate?: number; scale?: number };
  /** Epochs without a better validation loss before stopping (default 5). */
  readonly patience?: number;
}

/** What {@link trainMlp} returns. */
export interface MlpResult {
  readonly history: History;
  /** Loss and accuracy on the held-out digits (never seen in training or early stopping). */
  readonly test: { loss: number; accuracy: number };
  readonly trainCount: number;
  readonly testCount: number;
}

/** The seed's network: 784-128-64-10 with ReLU. */
export function mlp(seed = 0): Sequential {
  return new Sequential(
    new Linear({ inFeatures: 784, outFeatures: 128, seed }),
    new ReLU(),
    new Linear({ inFeatures: 128, outFeatures: 64, seed: seed + 1 }),
    new ReLU(),
    new Linear({ inFeatures: 64, outFeatures: 10, seed: seed + 2 }),
  );
}

/**
 * Trains the MLP on the fixed training split (10% of it held back for validation and early
 * stopping), with augmentation and a cosine learning-rate schedule, and evaluates it on the
 * held-out split.
 *
 * @example
 * ```ts
 * await setBackend(cpu());
 * const { test } = await trainMlp();
 * console.log(test.accuracy); // about 0.98
 * ```
 */
export async function trainMlp(options: MlpOptions = {}): Promise<MlpResult> {
  const seed = options.seed ?? 0;
  const batchSize = options.batchSize ?? 32;
  // @tessera/datasets' fixed split (every 5th digit of each class held out), pixels in [0, 1].
  const perClass = (n: number | undefined) => (n === undefined ? {} : { perClass: n });
  const trainSet = await loadMnist(perClass(options.trainPerClass));
  const testSet = await loadMnist({ split: 'test', layout: 'flat', normalize: true, ...perClass(options.testPerClass) });
  // 10% of the training digits decide early stopping; the held-out digits are only evaluated.
  const [fitDigits, valDigits] = splitOff(trainSet, 0.1);
  const augment = options.augment ?? true;
  const strength = augment === true ? { degrees: 8, translate: 0.08, scale: 0.08 } : augment;
  const train = strength === false ? toTensors(fitDigits, 'flat') : augmentedBatches(fitDigits, { batchSize, layout: 'flat', seed, ...strength });
  const validation = toTensors(valDigits, 'flat');
  const test = { x: testSet.x, y: testSet.y };
  const model = mlp(seed);
  const epochs = options.epochs ?? 30;
  const optimizer = new Adam(model.parameters(), { lr: options.learningRate ?? 2e-3 });
  try {
    const history = await fit(model, {
      data: train,
      validation,
      epochs,
      batchSize,
      optimizer,
      loss: crossEntropy,
      metrics: ['accuracy'],
      seed,
      verbose: options.verbose ?? 1,
      callbacks: [
        learningRateScheduler(new CosineAnnealingLR(optimizer, { tMax: epochs })),
        earlyStopping({ monitor: 'val_loss', patience: options.patience ?? 5, restoreBestWeights: true }),
        ...(options.callbacks ?? []),
      ],
    });
    if (options.plotPath) await history.plot(options.plotPath);
    const { loss, accuracy } = await evaluate(model, test);
    return { history, test: { loss: loss!, accuracy: accuracy! }, trainCount: trainSet.length, testCount: testSet.length };
  } finally {
    optimizer.dispose();
    model.dispose();
    dispose([validation, fitDigits, valDigits]);
    if (!(Symbol.asyncIterator in train)) dispose(train);
    trainSet.dispose();
    testSet.dispose();
  }
}

// Run as a script (not when imported by the test).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await setBackend(cpu());
  const started = performance.now();
  const { test, trainCount, testCount, history } = await trainMlp({ plotPath: 'out/mnist-mlp-curves.svg' });
  console.log(`trained on ${trainCount} digits (${history.epoch.length} epochs, ${((performance.now() - started) / 1000).toFixed(0)} s); curves in out/mnist-mlp-curves.svg`);
  console.log(`held-out accuracy: ${test.accuracy.toFixed(4)} on ${testCount} digits (loss ${test.loss.toFixed(4)})`);
}
