/**
 * The playground's ONNX panel: drop (or choose) an `.onnx` file, see its inputs and outputs, put
 * a new 10-class head on one of its outputs and train the head on the playground's MNIST digits
 * (the imported model frozen, its features computed once), then download the fine-tuned model as
 * `.onnx`: the original graph with the new head appended (`exportOnnx` keeps imported graphs).
 *
 * A model fits when its one float input takes a batch of 28×28 digits: `[N, 1, 28, 28]`,
 * `[N, 28, 28]` or `[N, 784]` (N fixed or symbolic); otherwise the panel says why not.
 */
import { dispose, tensor, tidy, type Tensor } from '@tessera/tensor-core';
import { noGrad } from '@tessera/autograd';
import { Flatten, Linear, Sequential, crossEntropy, manualSeed } from '@tessera/layers';
import { Adam } from '@tessera/optim';
import { History, evaluate, fit } from '@tessera/train';
import { cut, exportOnnx, extractFeatures, freeze, importOnnx, inspectOnnx, type OnnxModule, type OnnxValueInfo } from '@tessera/transfer-learning';
import { PIXELS, type Digits } from './digits.js';

/** What the end-to-end test reads of the panel. */
export interface OnnxPanelState {
  loaded: boolean;
  name?: string;
  /** The backend the imported model lives on. */
  backend?: string;
  inputs?: string[];
  outputs?: string[];
  /** Why the model cannot learn the digits (its input does not take 28×28 images). */
  unfit?: string;
  trained: boolean;
  valAccuracy?: number;
  /** Classes the fine-tuned model gives the first 20 held-out digits (the test compares the download's). */
  predictions?: number[];
  /** Byte length of the last export (downloaded as fine-tuned.onnx). */
  exportedBytes?: number;
  error?: string;
}

/** What the panel needs from the page. */
export interface OnnxPanelContext {
  readonly data: () => { train: Digits; test: Digits } | undefined;
  /** Digits as normalised `[count, 784]` tensors (MNIST's mean and standard deviation). */
  readonly normalize: (pixels: Float32Array, count: number) => Tensor;
  readonly epochs: number;
  /** Makes the backend the page's Switch button chose the active one; returns its name. */
  readonly useBackend: () => Promise<string>;
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

function describe(info: OnnxValueInfo): string {
  return `${info.name}: ${info.elemType ?? '?'} [${(info.dims ?? []).map((d) => d ?? '?').join(', ')}]`;
}

/** The shape a batch of `count` digits takes for `input`, or why it cannot. */
function digitShape(input: OnnxValueInfo, count: number): number[] | string {
  const dims = input.dims;
  if (input.elemType !== 'FLOAT') return `its input '${input.name}' is ${input.elemType ?? 'not a tensor'}, not FLOAT`;
  if (!dims) return `its input '${input.name}' declares no shape`;
  const batchOk = typeof dims[0] !== 'number' || dims[0] === count;
  const rest = dims.slice(1).map((d) => (typeof d === 'number' ? d : -1));
  const fits = (want: number[]): boolean => rest.length === want.length && rest.every((d, i) => d === want[i]);
  if (batchOk && fits([1, 28, 28])) return [count, 1, 28, 28];
  if (batchOk && fits([28, 28])) return [count, 28, 28];
  if (batchOk && fits([PIXELS])) return [count, PIXELS];
  return `its input '${input.name}' has shape [${dims.map((d) => d ?? '?').join(', ')}]; the playground's digits are 28×28 grey images, so it needs [N, 1, 28, 28], [N, 28, 28] or [N, 784]`;
}

/** Wires the panel's drop zone, file input and buttons. */
export function setupOnnxPanel(context: OnnxPanelContext): OnnxPanelState {
  const state: OnnxPanelState = { loaded: false, trained: false };
  const info = $('onnx-info');
  const trainButton = $<HTMLButtonElement>('onnx-train');
  const downloadButton = $<HTMLButtonElement>('onnx-download');
  const outputSelect = $<HTMLSelectElement>('onnx-output');
  const drop = $('onnx-drop');
  let imported: OnnxModule | undefined;
  let model: Sequential | undefined;
  let sample: Tensor | undefined;

  const say = (text: string): void => void ($('onnx-status').textContent = text);
  const fail = (error: unknown): void => {
    state.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    say(`error: ${state.error}`);
  };

  async function load(file: File): Promise<void> {
    Object.assign(state, { loaded: false, trained: false, unfit: undefined, error: undefined, valAccuracy: undefined, predictions: undefined, exportedBytes: undefined });
    trainButton.disabled = true;
    downloadButton.disabled = true;
    model?.dispose();
    imported?.dispose();
    model = imported = undefined;
    const bytes = new Uint8Array(await file.arrayBuffer());
    const report = inspectOnnx(bytes);
    state.backend = await context.useBackend(); // the weights live on the page's chosen backend
    imported = await importOnnx(bytes);
    state.name = file.name;
    state.inputs = imported.inputs.map(describe);
    state.outputs = imported.outputs.map(describe);
    info.textContent = `${file.name}: opset ${report.opset}, ${report.nodeCount} nodes, ${report.parameterCount.toLocaleString('en')} weights, on ${state.backend}\ninputs:  ${state.inputs.join('; ')}\noutputs: ${state.outputs.join('; ')}`;
    outputSelect.replaceChildren(...imported.outputs.map((o) => new Option(o.name, o.name)));
    const shape = imported.inputs.length === 1 ? digitShape(imported.inputs[0]!, 1) : `it has ${imported.inputs.length} inputs; the playground feeds one`;
    if (typeof shape === 'string') {
      state.unfit = `This model cannot learn the playground's digits: ${shape}.`;
      say(state.unfit);
    } else {
      say('choose the output to put the new head on, then press "Fine-tune head"');
      trainButton.disabled = false;
    }
    state.loaded = true;
  }

  async function train(): Promise<void> {
    const data = context.data();
    if (!imported || !data) return;
    if ((await context.useBackend()) !== state.backend) throw new Error(`the model was imported on ${state.backend}; switch back to it or drop the file again`);
    trainButton.disabled = true;
    downloadButton.disabled = true;
    const input = imported.inputs[0]!;
    const asInput = (digits: Digits): Tensor => tidy(() => context.normalize(digits.images, digits.count).reshape(digitShape(input, digits.count) as number[]));
    const x = asInput(data.train);
    const xTest = asInput(data.test);
    const y = tensor(data.train.labels, [data.train.count], { dtype: 'int32' });
    const yTest = tensor(data.test.labels, [data.test.count], { dtype: 'int32' });
    let features: Tensor[] = [];
    try {
      say('computing the frozen model’s features…');
      model?.dispose();
      const backbone = cut(imported, outputSelect.value);
      freeze(backbone);
      const extractor = new Sequential([backbone, new Flatten()]);
      features = [await extractFeatures(extractor, x, { batchSize: 128 }), await extractFeatures(extractor, xTest, { batchSize: 128 })];
      manualSeed(0);
      const head = new Linear({ inFeatures: features[0]!.shape[1]!, outFeatures: 10 });
      const optimizer = new Adam(head.parameters(), { lr: 1e-2 });
      const history = new History();
      say(`training a new head on ${features[0]!.shape[1]} features of '${outputSelect.value}'…`);
      await fit(head, {
        data: { x: features[0]!, y }, validation: { x: features[1]!, y: yTest }, epochs: context.epochs, batchSize: 64,
        optimizer, loss: crossEntropy, metrics: ['accuracy'], seed: 1, verbose: 0, callbacks: [history],
      });
      optimizer.dispose();
      model = new Sequential([backbone, new Flatten(), head]);
      model.eval();
      const logs = await evaluate(model, { x: xTest, y: yTest }, { loss: crossEntropy, metrics: ['accuracy'], batchSize: 128 });
      state.valAccuracy = logs['accuracy']!;
      const first = tidy(() => xTest.slice([0], [Math.min(20, data.test.count)]));
      const classes = noGrad(() => (model!.forward(first) as Tensor).argmax(1));
      state.predictions = Array.from((await classes.data()) as Int32Array);
      dispose([first, classes]);
      sample?.dispose();
      sample = tidy(() => xTest.slice([0], [2]));
      $('onnx-curves').innerHTML = history.toSVG({ keys: ['loss', 'accuracy'], columns: 2 });
      state.trained = true;
      say(`new head on '${outputSelect.value}': held-out accuracy ${(100 * state.valAccuracy).toFixed(1)}% after ${context.epochs} epochs; download the fine-tuned model`);
      downloadButton.disabled = false;
    } finally {
      dispose([x, xTest, y, yTest, ...features]);
      trainButton.disabled = false;
    }
  }

  async function download(): Promise<void> {
    if (!model || !sample || !imported) return;
    const inputName = imported.inputs[0]!.name;
    const bytes = await exportOnnx(model, { inputs: sample, dynamicAxes: { [inputName]: { 0: 'batch' }, output: { 0: 'batch' } } });
    state.exportedBytes = bytes.length;
    const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
    const link = Object.assign(document.createElement('a'), { href: url, download: 'fine-tuned.onnx' });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    say(`${$('onnx-status').textContent}\nwrote fine-tuned.onnx (${bytes.length.toLocaleString('en')} bytes): the original graph, then Flatten and the new head`);
  }

  const open = (file: File | undefined): void => {
    if (file) void load(file).catch(fail);
  };
  $<HTMLInputElement>('onnx-file').addEventListener('change', (e) => open((e.target as HTMLInputElement).files?.[0]));
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    open(e.dataTransfer?.files[0]);
  });
  trainButton.addEventListener('click', () => void train().catch(fail));
  downloadButton.addEventListener('click', () => void download().catch(fail));
  return state;
}
