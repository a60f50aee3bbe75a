/**
 * Export ↔ import round trips (needs the importer of src/import): a native model exported and
 * re-imported gives the same outputs; an imported model, fine-tuned with a new head, exports again
 * and runs in onnxruntime-web with the outputs Tessera computes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Tensor, randn, setBackend, tensor, tidy } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { backward, enableAutograd } from '@tessera/autograd';
import { BatchNorm2d, Conv2d, Flatten, GELU, LayerNorm, Linear, MaxPool2d, Module, ReLU, Sequential, Softmax, manualSeed } from '@tessera/layers';
import { SGD } from '@tessera/optim';
import { importOnnx, type OnnxModule } from '../import/index.js';
import { batchNormPolicyOf, discriminativeGroups, freeze, setBatchNormPolicy, trainableSummary } from '../finetune/index.js';
import { exportOnnx } from './index.js';
import { checkWithOnnx, onnxCheckerUnavailable, runOrt } from './test-utils/ort.js';

// These tests run forward passes on requiresGrad parameters before their first autograd call.
enableAutograd();

beforeAll(async () => {
  await setBackend(cpu());
});

async function values(t: Tensor): Promise<number[]> {
  return Array.from((await t.data()) as Float32Array);
}

function worst(a: number[], b: number[]): number {
  return a.reduce((w, v, i) => Math.max(w, Math.abs(v - b[i]!) / (1 + Math.abs(b[i]!))), 0);
}

function backboneCnn(): Sequential {
  manualSeed(21);
  return new Sequential(
    new Conv2d({ inChannels: 1, outChannels: 4, kernelSize: 3, padding: 1 }),
    new BatchNorm2d({ numFeatures: 4 }),
    new ReLU(),
    new MaxPool2d({ kernelSize: 2 }),
    new Flatten(),
    new Linear({ inFeatures: 4 * 4 * 4, outFeatures: 10 }),
  );
}

describe('export → import', () => {
  it('re-imports a native CNN and an MLP with the same outputs', async () => {
    const models: [string, Module, Tensor][] = [
      ['cnn', backboneCnn(), randn([3, 1, 8, 8], { seed: 1 })],
      ['mlp', (manualSeed(3), new Sequential(new Linear({ inFeatures: 5, outFeatures: 8 }), new GELU(), new LayerNorm({ normalizedShape: 8 }), new Linear({ inFeatures: 8, outFeatures: 3 }), new Softmax({ dim: -1 }))), randn([4, 5], { seed: 2 })],
    ];
    for (const [name, model, x] of models) {
      model.train();
      tidy(() => model.forward(x)); // non-trivial BN statistics
      model.eval();
      const bytes = await exportOnnx(model, { inputs: x, dynamicAxes: { input: [0] } });
      const imported = await importOnnx(bytes);
      imported.eval();
      const x2 = randn([6, ...x.shape.slice(1)], { seed: 5 });
      const want = await values(model.forward(x2));
      const got = await values(imported.forward({ input: x2 })['output']!);
      expect(worst(got, want), name).toBeLessThanOrEqual(1e-6);
      // The weights keep their names.
      expect(imported.namedParameters().map(([n]) => n).sort(), name).toEqual(model.namedParameters().map(([n]) => n).sort());
    }
  });
});

/** An imported backbone with a new head: the model users fine-tune. */
class FineTuned extends Module {
  constructor(readonly backbone: OnnxModule, readonly head: Linear) {
    super();
  }
  forward(x: Tensor): Tensor {
    return tidy(() => this.head.forward(this.backbone.forward({ input: x })['output']!.relu()));
  }
}

describe('import → fine-tune → export', () => {
  it('exports an imported model with a new head after fine-tuning, and ORT agrees', async () => {
    const pretrained = backboneCnn();
    const x = randn([4, 1, 8, 8], { seed: 7 });
    pretrained.train();
    tidy(() => pretrained.forward(x));
    pretrained.eval();
    const backbone = await importOnnx(await exportOnnx(pretrained, { inputs: x, dynamicAxes: { input: [0] } }));
    manualSeed(5);
    const model = new FineTuned(backbone, new Linear({ inFeatures: 10, outFeatures: 3 }));
    freeze(model, 'backbone.0');
    const optimizer = new SGD(discriminativeGroups(model, [{ select: 'backbone', lr: 0.01 }, { select: 'head', lr: 0.1 }]), { lr: 0.1 });
    const y = tensor([0, 1, 2, 1], [4], { dtype: 'int32' });
    const before = await values(model.parameters().find((p) => p.name?.startsWith('backbone.5') || p.name === 'backbone.5.weight')!);
    for (let step = 0; step < 3; step++) {
      model.train();
      const wrt = model.parameters().filter((p) => p.requiresGrad);
      const grads = backward(tidy(() => model.forward(x).logSoftmax(1).mul(y.oneHot(3)).sum().neg()), { wrt });
      optimizer.step(grads, { allowUnknown: true });
      for (const g of grads.values()) g.dispose();
    }
    model.eval();
    const after = await values(model.parameters().find((p) => p.name === 'backbone.5.weight')!);
    expect(after).not.toEqual(before);
    const bytes = await exportOnnx(model, { inputs: x, dynamicAxes: { input: [0] } });
    const x2 = randn([5, 1, 8, 8], { seed: 8 });
    const want = await values(model.forward(x2));
    const got = await runOrt(bytes, { input: x2 });
    expect(worst(got['output']!.data, want)).toBeLessThanOrEqual(1e-4);
    // onnx.checker accepts it too (when python3-onnx is installed; the export suite requires it in CI).
    if (onnxCheckerUnavailable() === undefined) {
      const { status, output } = checkWithOnnx({ 'fine-tuned-import': bytes });
      expect(status, output).toBe(0);
    }
    // And back again: the fine-tuned export re-imports with the same outputs.
    const again = await importOnnx(bytes);
    expect(worst(await values(again.eval().forward({ input: x2 })['output']!), want)).toBeLessThanOrEqual(1e-6);
  });
});

describe('BatchNorm policy on an imported model', () => {
  it("'frozen' runs the imported graph's BatchNormalization with its stored statistics while training", async () => {
    const pretrained = backboneCnn();
    const x = randn([4, 1, 8, 8], { seed: 9 });
    pretrained.train();
    tidy(() => pretrained.forward(x));
    pretrained.eval();
    const imported = await importOnnx(await exportOnnx(pretrained, { inputs: x }));
    const stats = imported.namedBuffers().filter(([, b]) => b.dtype === 'float32');
    expect(stats.length).toBe(2);
    const before = await Promise.all(stats.map(async ([, b]) => values(b)));
    imported.eval();
    const evalOut = await values(imported.forward({ input: x })['output']!);

    const model = new FineTuned(imported, new Linear({ inFeatures: 10, outFeatures: 3 }));
    expect(freeze(model, /^backbone\./).batchNormLayers).toEqual(['backbone']);
    expect(batchNormPolicyOf(imported)).toBe('frozen');
    expect(trainableSummary(model)).toContain('BatchNorm layers with frozen statistics: backbone');
    model.train();
    const trainOut = await values(imported.forward({ input: x })['output']!);
    expect(trainOut).toEqual(evalOut);
    expect(await Promise.all(stats.map(async ([, b]) => values(b)))).toEqual(before);
    // Names stay the model's dotted ones after the policy walked the imported graph.
    expect(model.parameters()[0]!.name).toMatch(/^backbone\./);

    setBatchNormPolicy(model, 'train', 'backbone');
    model.train();
    tidy(() => imported.forward({ input: x }));
    expect(await values(stats[0]![1])).not.toEqual(before[0]);
  });
});
