/** Cutting an ONNX model at an intermediate tensor and putting a new head on the backbone. */
import { beforeAll, describe, expect, it } from 'vitest';
import { TensorError, randn, setBackend, tensor, tidy, type Tensor } from '@tessera/tensor-core';
import { backward, enableAutograd } from '@tessera/autograd';
import { SGD } from '@tessera/optim';
import { cpu } from '@tessera/backend-cpu';
import { BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, manualSeed } from '@tessera/layers';
import { decodeOnnxModel } from '../proto/index.js';
import { exportOnnx } from '../export/index.js';
import { importOnnx } from '../import/index.js';
import { cut, cutOnnx, cutOnnxBytes, freeze } from './index.js';

// These tests run forward passes on requiresGrad parameters before their first autograd call.
enableAutograd();

beforeAll(async () => {
  await setBackend(cpu());
});

function pretrained(): Sequential {
  manualSeed(51);
  return new Sequential(
    new Conv2d({ inChannels: 1, outChannels: 4, kernelSize: 3, padding: 1 }),
    new BatchNorm2d({ numFeatures: 4 }),
    new ReLU(),
    new MaxPool2d({ kernelSize: 2 }),
    new Flatten(),
    new Linear({ inFeatures: 4 * 4 * 4, outFeatures: 16 }),
    new ReLU(),
    new Linear({ inFeatures: 16, outFeatures: 10 }),
  );
}

async function values(t: Tensor): Promise<number[]> {
  return Array.from((await t.data()) as Float32Array);
}

describe('cutOnnx', () => {
  it('keeps what the cut tensor needs, drops the classifier, and computes the backbone', async () => {
    const model = pretrained();
    const x = randn([3, 1, 8, 8], { seed: 52 });
    tidy(() => model.forward(x));
    model.eval();
    const bytes = await exportOnnx(model, { inputs: x, dynamicAxes: { input: [0] } });
    const graph = decodeOnnxModel(bytes).graph!;
    const lastRelu = graph.node.filter((n) => n.op_type === 'Relu').at(-1)!;
    const cut = decodeOnnxModel(cutOnnxBytes(bytes, lastRelu.output[0]!)).graph!;
    expect(cut.node.length).toBeLessThan(graph.node.length);
    expect(cut.initializer.map((t) => t.name)).not.toContain('7.weight');
    expect(cut.output.map((o) => o.name)).toEqual([lastRelu.output[0]]);

    // By node name too; the backbone equals the first seven layers of the native model.
    const backbone = await cutOnnx(bytes, lastRelu.name!);
    backbone.eval();
    const x2 = randn([5, 1, 8, 8], { seed: 53 });
    const want = await values(tidy(() => new Sequential(...model.children().slice(0, 7) as never[]).forward(x2)));
    const got = await values(backbone.forward({ input: x2 })[lastRelu.output[0]!]!);
    got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(1e-6));
    expect(backbone.namedParameters().map(([n]) => n)).not.toContain('7.weight');
  });

  it('lists the nodes and their tensors when a name is unknown, and rejects bad arguments', async () => {
    const model = pretrained();
    model.eval();
    const bytes = await exportOnnx(model, { inputs: randn([2, 1, 8, 8], { seed: 1 }) });
    expect(() => cutOnnxBytes(bytes, 'pool5')).toThrow(/cutOnnx: 'pool5' is neither a tensor nor a node of the graph\. Nodes and their outputs: Conv_node_\d+ → conv2d_\d+/);
    expect(() => cutOnnxBytes(bytes, [])).toThrow(/outputs must be a tensor or node name, or a non-empty list of them, got \[\]/);
    expect(() => cutOnnxBytes('model.onnx' as never, 'x')).toThrow(/bytes must be a Uint8Array or an ArrayBuffer, got "model\.onnx"/);
    expect(() => cutOnnxBytes(new Uint8Array([1, 2, 3]), 'x')).toThrow(/not a valid ONNX ModelProto/);
  });
});

describe('cut (an imported model)', () => {
  async function imported() {
    const model = pretrained();
    const x = randn([3, 1, 8, 8], { seed: 54 });
    tidy(() => model.forward(x));
    model.eval();
    const bytes = await exportOnnx(model, { inputs: x, dynamicAxes: { input: [0] } });
    const graph = decodeOnnxModel(bytes).graph!;
    return { native: model, model: await importOnnx(bytes), lastRelu: graph.node.filter((n) => n.op_type === 'Relu').at(-1)! };
  }

  it('returns a backbone whose output is the named tensor, sharing the weights it needs', async () => {
    const { native, model, lastRelu } = await imported();
    model.eval();
    const x = randn([5, 1, 8, 8], { seed: 55 });
    for (const name of [lastRelu.output[0]!, lastRelu.name!]) {
      const backbone = cut(model, name);
      expect(backbone.training).toBe(false); // the model's mode
      const got = backbone.forward(x);
      const want = await values(tidy(() => new Sequential(...(native.children().slice(0, 7) as never[])).forward(x)));
      (await values(got)).forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(1e-6));
      // Shared, not copied: the same Parameter objects, minus the classifier's.
      const shared = new Set(model.parameters());
      expect(backbone.parameters().every((p) => shared.has(p))).toBe(true);
      expect(backbone.parameters().length).toBe(model.parameters().length - 2);
      expect(backbone.inputs.map((i) => i.name)).toEqual(['input']);
      expect(backbone.outputs.map((o) => o.name)).toEqual([lastRelu.output[0]]);
    }
    // A cut of a cut.
    const first = cut(model, lastRelu.output[0]!);
    const conv = decodeOnnxModel(await exportOnnx(first, { inputs: { input: x } })).graph!.node[0]!;
    const again = cut(first, conv.output[0]!);
    expect(again.namedParameters().map(([n]) => n)).toEqual(['0.weight']); // the first conv's weight (its bias is added by the next node)
    expect(again.outputs.map((o) => o.name)).toEqual([conv.output[0]]);
  });

  it('composes with new layers in a Sequential, and freeze/train touch only what they select', async () => {
    const { model, lastRelu } = await imported();
    manualSeed(56);
    const classifier = new Sequential([cut(model, lastRelu.output[0]!), new Linear({ inFeatures: 16, outFeatures: 3 })]);
    const result = freeze(classifier, '0');
    expect(result.parameters.every((n) => n.startsWith('0.'))).toBe(true);
    expect(model.parameters().filter((p) => p.requiresGrad).length).toBe(2); // shared: only the dropped classifier's weights still train
    const frozenBefore = await values(classifier.parameters()[0]!);
    const headBefore = await values(classifier.parameters().at(-2)!);
    const x = randn([4, 1, 8, 8], { seed: 57 });
    const y = tensor([0, 1, 2, 1], [4], { dtype: 'int32' });
    const wrt = classifier.parameters().filter((p) => p.requiresGrad);
    const optimizer = new SGD(wrt, { lr: 0.1 });
    classifier.train();
    const grads = backward(tidy(() => (classifier.forward(x) as Tensor).logSoftmax(1).mul(y.oneHot(3)).sum().neg()), { wrt });
    optimizer.step(grads);
    for (const g of grads.values()) g.dispose();
    expect(await values(classifier.parameters()[0]!)).toEqual(frozenBefore);
    expect(await values(classifier.parameters().at(-2)!)).not.toEqual(headBefore);
    optimizer.dispose();
  });

  it('lists the candidates (nodes and their tensors) for an unknown name, and rejects what is not an imported model', async () => {
    const { model } = await imported();
    const unknown = (() => {
      try {
        cut(model, 'pool5');
      } catch (e) {
        return e;
      }
    })();
    expect(TensorError.is(unknown) && unknown.code).toBe('INVALID_ARGUMENT');
    expect(String(unknown)).toMatch(/cut: 'pool5' is neither a tensor nor a node of the graph\. Nodes and their outputs: Conv_node_\d+ → conv2d_\d+, /);
    expect(() => cut(pretrained() as never, 'x')).toThrow(/cut: model must be an imported ONNX model \(importOnnx or cut\), got Sequential; for the bytes of a model use cutOnnx/);
    expect(() => cut(model, '')).toThrow(/cut: output must be a tensor or node name, got ""/);
    expect(() => cut(model, 3 as never)).toThrow(/cut: output must be a tensor or node name, got number 3/);
  });
});
