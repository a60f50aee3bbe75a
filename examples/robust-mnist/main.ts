/**
 * Adversarial robustness on MNIST: a small CNN trained normally and one trained adversarially
 * (Wong et al.'s fast FGSM with a random start, or Madry et al.'s PGD), both evaluated on clean
 * held-out digits and under PGD-40 with ε = 0.3 (L∞, pixels in [0, 1]), the setting of Madry et
 * al. 2018.
 *
 * Run: `pnpm --filter @tessera/example-robust-mnist start` (the defaults take a while on one CPU
 * core; see README.md for the budget and the flags).
 */
import { pathToFileURL } from 'node:url';
import { cpu } from '@tessera/backend-cpu';
import { crossEntropy } from '@tessera/layers';
import { Adam } from '@tessera/optim';
import { adversarialFit, fgsm, pgd, robustAccuracy, type Attack } from '@tessera/robust';
import { fit } from '@tessera/train';
import { setBackend, tensor, tidy } from '@tessera/tensor-core';
import { MnistCnn } from '../mnist-cnn/main.js';
import { loadMnist } from '@tessera/datasets';

/** Options of {@link runRobustness}. */
export interface RobustnessOptions {
  /** Training digits per class (default: all, ~800). */
  readonly trainPerClass?: number;
  /** Held-out digits evaluated under attack (default 500: PGD-40 costs 40 passes per digit). */
  readonly evalCount?: number;
  /** Epochs of each training run (default 10, as Wong et al.). */
  readonly epochs?: number;
  /** Channels of the two convolutions and the hidden width (default [16, 32] and 64). */
  readonly channels?: readonly [number, number];
  readonly hidden?: number;
  /** `'fgsm'` (default): fast FGSM with a random start, step 1.25ε; `'pgd'`: PGD with `trainSteps` steps. */
  readonly training?: 'fgsm' | 'pgd';
  /** Steps of the PGD training attack (default 7). */
  readonly trainSteps?: number;
  /** Steps of the evaluation attack (default 40). */
  readonly evalSteps?: number;
  readonly epsilon?: number;
  /**
   * Epochs over which the training ε grows linearly to its final value (default 3): attacking at
   * ε = 0.3 from the first step keeps a fresh network at chance for a long time.
   */
  readonly rampEpochs?: number;
  readonly seed?: number;
  /** Which models to train (default both). */
  readonly runs?: readonly ('normal' | 'adversarial')[];
  /** Called after each epoch of each run. */
  readonly onEpoch?: (info: { run: string; epoch: number; loss: number; seconds: number }) => void;
}

/** One row of the result table. */
export interface RobustnessRow {
  readonly model: string;
  readonly clean: number;
  readonly robust: number;
  readonly seconds: number;
}

/**
 * Trains the two CNNs and measures them.
 *
 * @example
 * ```ts
 * await setBackend(cpu());
 * const rows = await runRobustness({ epochs: 2, evalCount: 200 });
 * ```
 */
export async function runRobustness(options: RobustnessOptions = {}): Promise<{ rows: RobustnessRow[]; evalAttack: string; trainCount: number; evalCount: number }> {
  const epsilon = options.epsilon ?? 0.3;
  const epochs = options.epochs ?? 10;
  const seed = options.seed ?? 0;
  // Pixels in [0, 1] (no standardisation: ε is in pixel units, as in the papers).
  const train = await loadMnist(options.trainPerClass === undefined ? {} : { perClass: options.trainPerClass });
  const data = { x: train.x, y: train.y };
  const test = await loadMnist({ split: 'test', shuffle: false });
  const evalCount = Math.min(options.evalCount ?? 500, test.length);
  // The held-out digits are in class order: take every k-th so that all classes are represented.
  const stride = Math.floor(test.length / evalCount);
  const picked = tensor(Int32Array.from({ length: evalCount }, (_, i) => i * stride), [evalCount], { dtype: 'int32' });
  const heldOut = tidy(() => ({ x: test.x.indexSelect(0, picked), y: test.y.indexSelect(0, picked) }));
  picked.dispose();
  test.dispose();
  const evalAttack: Attack = pgd({ epsilon, steps: options.evalSteps ?? 40, stepSize: 0.01, seed: seed + 100 });
  const trainSteps = options.trainSteps ?? 7;
  const trainAttackAt = (eps: number, epoch: number): Attack =>
    (options.training ?? 'fgsm') === 'fgsm'
      ? fgsm({ epsilon: eps, stepSize: 1.25 * eps, randomStart: true, seed: seed + 1 + epoch })
      : pgd({ epsilon: eps, steps: trainSteps, stepSize: (2.5 * eps) / trainSteps, seed: seed + 1 + epoch });
  const trainAttack = trainAttackAt(epsilon, 0);
  const rampEpochs = Math.max(1, options.rampEpochs ?? 3);
  const rows: RobustnessRow[] = [];
  const cnn = (): MnistCnn => new MnistCnn({ channels: options.channels ?? [16, 32], hidden: options.hidden ?? 64, dropout: 0, seed });
  const epochLogger = (run: string) => ({
    started: performance.now(),
    onEpochBegin() {
      this.started = performance.now();
    },
    onEpochEnd(epoch: number, logs: Record<string, number>) {
      options.onEpoch?.({ run, epoch, loss: logs['loss']!, seconds: (performance.now() - this.started) / 1000 });
    },
  });
  try {
    const wanted = options.runs ?? ['normal', 'adversarial'];
    const names = [...(wanted.includes('normal') ? ['normal'] : []), ...(wanted.includes('adversarial') ? [`adversarial (${trainAttack.name})`] : [])];
    for (const run of names) {
      const started = performance.now();
      const model = cnn();
      const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
      const common = { data, epochs, batchSize: 50, optimizer, loss: crossEntropy, verbose: 0 as const, seed, callbacks: [epochLogger(run)] };
      if (run === 'normal') await fit(model, common);
      else {
        // One adversarialFit per epoch, so that each epoch gets its own ε of the ramp.
        for (let epoch = 0; epoch < epochs; epoch++) {
          const eps = epsilon * Math.min(1, (epoch + 1) / rampEpochs);
          await adversarialFit(model, { ...common, epochs: epoch + 1, initialEpoch: epoch, attack: trainAttackAt(eps, epoch) });
        }
      }
      const { clean, robust } = await robustAccuracy(model, heldOut, evalAttack, { batchSize: 100 });
      rows.push({ model: run, clean, robust, seconds: (performance.now() - started) / 1000 });
      optimizer.dispose();
      model.dispose();
    }
  } finally {
    train.dispose();
    heldOut.x.dispose();
    heldOut.y.dispose();
  }
  return { rows, evalAttack: evalAttack.name, trainCount: train.length, evalCount };
}

// Run as a script (not when imported by the test).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await setBackend(cpu());
  const flag = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const number = (name: string): number | undefined => (flag(name) === undefined ? undefined : Number(flag(name)));
  const options: RobustnessOptions = {
    ...(number('epochs') === undefined ? {} : { epochs: number('epochs')! }),
    ...(number('eval') === undefined ? {} : { evalCount: number('eval')! }),
    ...(number('per-class') === undefined ? {} : { trainPerClass: number('per-class')! }),
    ...(flag('training') === undefined ? {} : { training: flag('training') as 'fgsm' | 'pgd' }),
    ...(number('train-steps') === undefined ? {} : { trainSteps: number('train-steps')! }),
    ...(number('ramp') === undefined ? {} : { rampEpochs: number('ramp')! }),
    ...(flag('only') === undefined ? {} : { runs: [flag('only') as 'normal' | 'adversarial'] }),
    onEpoch: ({ run, epoch, loss, seconds }) => console.log(`${run}: epoch ${epoch + 1}, loss ${loss.toFixed(4)}, ${seconds.toFixed(0)} s`),
  };
  const { rows, evalAttack, trainCount, evalCount } = await runRobustness(options);
  console.log(`\n${trainCount} training digits; ${evalCount} held-out digits; attack ${evalAttack} (step 0.01, random start)`);
  console.log('| model | clean accuracy | robust accuracy | time |\n|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.model} | ${(100 * r.clean).toFixed(1)}% | ${(100 * r.robust).toFixed(1)}% | ${r.seconds.toFixed(0)} s |`);
}
