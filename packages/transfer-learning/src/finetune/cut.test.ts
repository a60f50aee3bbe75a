/** Cutting an ONNX model at an intermediate tensor and putting a new head on the backbone. */
import { beforeAll, describe, expect, it } from 'vitest';
import { randn, setBackend, tidy, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, manualSeed } from '@tessera/layers';
import { decodeOnnxModel } from '../proto/index.js';
import { exportOnnx } from '../export/index.js';
import { cutOnnx, cutOnnxBytes } from './index.js';

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
