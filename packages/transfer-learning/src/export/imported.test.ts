/**
 * Exporting imported models: the original ONNX graph comes back (nodes, names, opset, metadata)
 * with the current weights, and a new head put on a `cut` backbone is appended as traced nodes.
 * Checked against onnxruntime-web (1e-4), a re-import (identical outputs) and onnx.checker.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Tensor, TensorError, randn, setBackend, tensor, tidy } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { backward, enableAutograd } from '@tessera/autograd';
import { Linear, Module, ReLU, Sequential, manualSeed, type AnyModule } from '@tessera/layers';
import { SGD } from '@tessera/optim';
import { decodeOnnxModel, type ModelProto } from '../proto/index.js';
import { importOnnx, type OnnxModule } from '../import/index.js';
import { buildModel, floatInit, valueInfo } from '../import/test-utils/build.js';
import { cut, freeze } from '../finetune/index.js';
import { exportOnnx } from './index.js';
import { checkWithOnnx, onnxCheckerUnavailable, runOrt } from './test-utils/ort.js';
import { MODEL_CASES } from '../import/test-utils/models.js';

// These tests run forward passes on requiresGrad parameters before their first autograd call.
enableAutograd();

const here = path.dirname(fileURLToPath(import.meta.url));
/** The demo's pretrained CNN (torch.onnx.export, opset 13): image [batch,1,28,28] → features [batch,64], logits [batch,10]. */
const DEMO_MODEL = path.join(here, '..', '..', '..', '..', 'examples', 'fine-tune-digits', 'data', 'pretrained-mnist-cnn.onnx');

beforeAll(async () => {
  await setBackend(cpu());
});

async function values(t: Tensor): Promise<number[]> {
  return Array.from((await t.data()) as Float32Array);
}

function worst(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((w, v, i) => Math.max(w, Math.abs(v - b[i]!) / (1 + Math.abs(b[i]!))), 0);
}

/** A few SGD steps on `loss(model)` over every trainable parameter, so exported weights differ from the file's. */
function train(model: AnyModule, loss: () => Tensor, steps = 3): void {
  const optimizer = new SGD(model.parameters().filter((p) => p.requiresGrad), { lr: 0.05 });
  for (let i = 0; i < steps; i++) {
    const grads = backward(tidy(loss), { wrt: model.parameters().filter((p) => p.requiresGrad) });
    optimizer.step(grads);
    for (const g of grads.values()) g.dispose();
  }
  optimizer.dispose();
}

function crossEntropyOf(logits: Tensor, y: Tensor, classes: number): Tensor {
  return logits.logSoftmax(1).mul(y.oneHot(classes)).sum().neg();
}

function check(name: string, bytes: Uint8Array): void {
  if (onnxCheckerUnavailable() !== undefined) return; // CI sets TESSERA_REQUIRE_ONNX_CHECKER=1 and installs python3-onnx
  const { status, output } = checkWithOnnx({ [name]: bytes });
  expect(status, output).toBe(0);
}

function nodesOf(model: ModelProto): string[] {
  return model.graph!.node.map((n) => `${n.name}|${n.op_type}|${n.input.join(',')}|${n.output.join(',')}`);
}

describe('exportOnnx of an imported model', () => {
  it('writes the original graph (nodes, names, opset, metadata, declared shapes) with the fine-tuned weights', async () => {
    const bytes = new Uint8Array(readFileSync(DEMO_MODEL));
    const original = decodeOnnxModel(bytes);
    const model = await importOnnx(bytes);
    const x = randn([4, 1, 28, 28], { seed: 1 });
    const y = tensor([3, 1, 4, 1], [4], { dtype: 'int32' });
    const before = await values(model.parameters()[0]!);
    train(model, () => crossEntropyOf(model.forward({ image: x })['logits']!, y, 10));
    expect(await values(model.parameters()[0]!)).not.toEqual(before);
    model.eval();

    const exported = await exportOnnx(model, { inputs: { image: x } });
    const back = decodeOnnxModel(exported);
    expect(nodesOf(back)).toEqual(nodesOf(original));
    expect(back.opset_import).toEqual(original.opset_import);
    expect([back.ir_version, back.producer_name, back.producer_version]).toEqual([original.ir_version, original.producer_name, original.producer_version]);
    expect(back.graph!.name).toBe(original.graph!.name);
    expect(back.graph!.input).toEqual(original.graph!.input); // the symbolic batch dim too
    expect(back.graph!.output).toEqual(original.graph!.output);
    expect(back.graph!.initializer.map((t) => t.name)).toEqual(original.graph!.initializer.map((t) => t.name));
    // The initializers hold the fine-tuned values, not the file's.
    const first = back.graph!.initializer.find((t) => model.parameterKey(t.name!) === model.namedParameters()[0]![0])!;
    const written = Array.from(new Float32Array(first.raw_data!.slice().buffer));
    expect(written).toEqual(await values(model.parameters()[0]!));

    // onnxruntime-web at another batch size (the original graph's symbolic batch survives), and a re-import.
    const x2 = randn([7, 1, 28, 28], { seed: 2 });
    const want = model.forward({ image: x2 });
    const ort = await runOrt(exported, { image: x2 });
    for (const name of ['features', 'logits']) expect(worst(ort[name]!.data, await values(want[name]!)), name).toBeLessThanOrEqual(1e-4);
    const again = await importOnnx(exported);
    again.eval();
    const got = again.forward({ image: x2 });
    for (const name of ['features', 'logits']) expect(await values(got[name]!), name).toEqual(await values(want[name]!));
    check('imported-fine-tuned', exported);
  });

  it('writes a cut backbone with a new head as the original nodes up to the cut, then the head', async () => {
    const bytes = new Uint8Array(readFileSync(DEMO_MODEL));
    const original = decodeOnnxModel(bytes);
    const imported = await importOnnx(bytes);
    const backbone = cut(imported, 'features');
    manualSeed(3);
    const model = new Sequential([backbone, new Linear({ inFeatures: 64, outFeatures: 3 }), new ReLU(), new Linear({ inFeatures: 3, outFeatures: 3 })]);
    freeze(model, /^0\.onnx__Conv_3[23]$/); // the first conv (torch folded BN into it, hence the generated names)
    const x = randn([4, 1, 28, 28], { seed: 4 });
    const y = tensor([0, 1, 2, 1], [4], { dtype: 'int32' });
    train(model, () => crossEntropyOf(model.forward(x) as Tensor, y, 3));
    model.eval();

    const exported = await exportOnnx(model, { inputs: x, dynamicAxes: { image: { 0: 'batch' }, output: { 0: 'batch' } } });
    const back = decodeOnnxModel(exported);
    const upToFeatures = original.graph!.node.slice(0, original.graph!.node.findIndex((n) => n.output.includes('features')) + 1);
    expect(nodesOf(back).slice(0, upToFeatures.length)).toEqual(nodesOf({ ...original, graph: { ...original.graph!, node: upToFeatures } }));
    expect(back.graph!.node.length).toBeGreaterThan(upToFeatures.length); // the head's nodes follow
    expect(back.graph!.input.map((i) => i.name)).toEqual(['image']); // the imported graph's input name by default
    expect(back.graph!.output.map((o) => o.name)).toEqual(['output']);
    expect(back.opset_import).toEqual(original.opset_import);
    const names = back.graph!.initializer.map((t) => t.name);
    expect(names).toContain('1.weight');
    expect(names).not.toContain(original.graph!.initializer.find((t) => t.dims.join() === '10,64')!.name); // the classifier is gone

    const x2 = randn([5, 1, 28, 28], { seed: 5 });
    const want = await values(model.forward(x2) as Tensor);
    const ort = await runOrt(exported, { image: x2 });
    expect(worst(ort['output']!.data, want)).toBeLessThanOrEqual(1e-4);
    const again = await importOnnx(exported);
    expect(await values(again.eval().forward({ image: x2 })['output']!)).toEqual(want);
    check('cut-with-head', exported);
    model.dispose(); // the backbone's weights are the imported model's: both are disposed now
  });

  it('writes a graph called twice once per call, with its weights once', async () => {
    const bytes = buildModel({
      nodes: [{ op_type: 'MatMul', name: 'mm', input: ['x', 'w'], output: ['h'] }, { op_type: 'Tanh', name: 'act', input: ['h'], output: ['y'] }],
      inputs: [valueInfo('x', ['n', 3])],
      outputs: [valueInfo('y', ['n', 2])],
      initializers: [floatInit('w', [3, 2], [0.1, -0.2, 0.3, 0.4, -0.5, 0.6])],
    });
    const encoder = await importOnnx(bytes);
    class Siamese extends Module<[Tensor, Tensor], Tensor> {
      constructor(readonly encoder: OnnxModule) {
        super();
      }
      forward(a: Tensor, b: Tensor): Tensor {
        return tidy(() => this.encoder.forward(a)['y']!.sub(this.encoder.forward(b)['y']!).abs());
      }
    }
    const model = new Siamese(encoder);
    const [a, b] = [randn([2, 3], { seed: 6 }), randn([2, 3], { seed: 7 })];
    const exported = await exportOnnx(model, { inputs: [a, b] });
    const back = decodeOnnxModel(exported);
    expect(back.graph!.initializer.filter((t) => t.name === 'w').length).toBe(1);
    expect(back.graph!.node.filter((n) => n.op_type === 'MatMul').map((n) => n.name)).toEqual(['mm', expect.stringMatching(/^mm_\d+$/)]);
    const ort = await runOrt(exported, { input_0: a, input_1: b });
    expect(worst(ort['output']!.data, await values(model.forward(a, b)))).toBeLessThanOrEqual(1e-6);
    check('siamese', exported);
  });

  it('refuses an opset other than the imported graph’s, and new layers on a graph older than opset 13', async () => {
    const bytes = new Uint8Array(readFileSync(DEMO_MODEL));
    const model = await importOnnx(bytes);
    const x = randn([1, 1, 28, 28], { seed: 8 });
    const opsetError = await exportOnnx(model, { inputs: { image: x }, opset: 17 }).catch((e: unknown) => e);
    expect(TensorError.is(opsetError) && opsetError.code).toBe('INVALID_ARGUMENT');
    expect(String(opsetError)).toMatch(/imported graph of opset 13, which is written as it is; opset 17 was asked for \(omit opset or pass 13\)/);

    const old = await importOnnx(
      buildModel({ nodes: [{ op_type: 'Relu', name: 'r', input: ['x'], output: ['y'] }], inputs: [valueInfo('x', [2, 3])], outputs: [valueInfo('y', [2, 3])], opset: 11 }),
    );
    const headed = new Sequential([cut(old, 'y'), new Linear({ inFeatures: 3, outFeatures: 2 })]);
    const oldError = await exportOnnx(headed, { inputs: randn([2, 3], { seed: 9 }) }).catch((e: unknown) => e);
    expect(TensorError.is(oldError) && oldError.code).toBe('UNSUPPORTED');
    expect(String(oldError)).toMatch(/the imported graph uses opset 11, and the layers added to it are written at opsets 13 to 21 only/);
    // Alone, the old graph exports as it is.
    const alone = decodeOnnxModel(await exportOnnx(old, { inputs: { x: randn([2, 3], { seed: 10 }) } }));
    expect(alone.opset_import[0]!.version).toBe(11);
  });

  it('writes a real third-party model (PaddleOCR direction classifier, opset 9) back as it is, and its cut backbone', async () => {
    const file = MODEL_CASES.find((c) => c.name === 'paddleocr-cls')!.path()!;
    const bytes = new Uint8Array(readFileSync(file));
    const original = decodeOnnxModel(bytes);
    const model = await importOnnx(bytes);
    model.eval();
    const x = randn([1, 3, 48, 192], { seed: 11 });
    const exported = await exportOnnx(model, { inputs: { x } });
    const back = decodeOnnxModel(exported);
    expect(nodesOf(back)).toEqual(nodesOf(original));
    expect(back.opset_import).toEqual(original.opset_import);
    expect(back.graph!.input).toEqual(original.graph!.input.filter((i) => !original.graph!.initializer.some((t) => t.name === i.name)));
    const want = model.forward({ x });
    const outName = original.graph!.output[0]!.name!;
    const ort = await runOrt(exported, { x });
    expect(worst(ort[outName]!.data, await values(want[outName]!))).toBeLessThanOrEqual(1e-4);
    expect(await values((await importOnnx(exported)).eval().forward({ x })[outName]!)).toEqual(await values(want[outName]!));
    check('paddleocr-cls', exported);

    // Its backbone (up to the global pooling) exports alone at the graph's own opset.
    const pool = original.graph!.node.find((n) => n.op_type === 'GlobalAveragePool')!;
    const backbone = cut(model, pool.name!);
    const cutBytes = await exportOnnx(backbone, { inputs: { x } });
    const cutModel = decodeOnnxModel(cutBytes);
    expect(cutModel.graph!.output.map((o) => o.name)).toEqual([pool.output[0]]);
    expect(cutModel.graph!.node.at(-1)!.name).toBe(pool.name);
    const ortCut = await runOrt(cutBytes, { x });
    expect(worst(ortCut[pool.output[0]!]!.data, await values(backbone.forward({ x })))).toBeLessThanOrEqual(1e-4);
    check('paddleocr-cls-backbone', cutBytes);
  });
});
