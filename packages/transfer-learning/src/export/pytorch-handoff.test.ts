/**
 * The way out for users who outgrow one machine: a model fine-tuned in Tessera is exported, and
 * the committed `scripts/continue-in-pytorch.py` (Debian's python3-torch) loads its weights into
 * PyTorch by name, reproduces Tessera's outputs, continues training, and writes the trained
 * weights back into the ONNX file, which onnxruntime-web and Tessera's importer then run with
 * PyTorch's outputs. Skipped with the reason when python3-torch or python3-onnx is missing, unless
 * TESSERA_REQUIRE_ONNX_CHECKER=1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { randn, setBackend, tidy } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, manualSeed } from '@tessera/layers';
import { importOnnx } from '../import/index.js';
import { freeze } from '../finetune/index.js';
import { exportOnnx } from './index.js';
import { pythonUnavailable, runOrt, runScript, tempDir } from './test-utils/ort.js';

beforeAll(async () => {
  await setBackend(cpu());
});

const reason = pythonUnavailable(['torch', 'onnx']);
const required = process.env['TESSERA_REQUIRE_ONNX_CHECKER'] === '1';

describe('export → PyTorch → back', () => {
  if (reason !== undefined && !required) {
    it.skip(`needs python3-torch and python3-onnx (skipped: ${reason})`, () => {});
    return;
  }
  it('continues training in PyTorch from Tessera\'s weights, and the result runs in ORT and Tessera', async () => {
    if (reason !== undefined) throw new Error(`TESSERA_REQUIRE_ONNX_CHECKER=1 but ${reason}`);
    manualSeed(31);
    const model = new Sequential({
      features: new Sequential(new Conv2d({ inChannels: 1, outChannels: 4, kernelSize: 3, padding: 1 }), new BatchNorm2d({ numFeatures: 4 }), new ReLU(), new MaxPool2d({ kernelSize: 2 })),
      head: new Sequential(new Flatten(), new Linear({ inFeatures: 4 * 4 * 4, outFeatures: 3 })),
    });
    const x = randn([6, 1, 8, 8], { seed: 32 });
    tidy(() => model.forward(x)); // non-trivial BN statistics
    model.eval();
    freeze(model, 'features.0');
    const dir = tempDir();
    const modelPath = path.join(dir, 'model.onnx');
    writeFileSync(modelPath, await exportOnnx(model, { inputs: x, dynamicAxes: { input: [0] } }));
    const expected = model.forward(x);
    const data = {
      input: { shape: x.shape, values: Array.from(await x.data()) },
      expected: { shape: expected.shape, values: Array.from(await expected.data()) },
      targets: [0, 1, 2, 0, 1, 2],
      steps: 20,
      lr: 0.1,
      frozen: ['features.0'],
    };
    writeFileSync(path.join(dir, 'data.json'), JSON.stringify(data));
    const { status, output } = runScript('continue-in-pytorch.py', [modelPath, path.join(dir, 'data.json'), path.join(dir, 'trained.onnx'), path.join(dir, 'result.json')]);
    expect(status, output).toBe(0);
    const result = JSON.parse(readFileSync(path.join(dir, 'result.json'), 'utf8')) as { max_abs_diff: number; loss_before: number; loss_after: number; trainable: string[]; output: { values: number[] } };
    expect(result.max_abs_diff).toBeLessThanOrEqual(1e-4);
    expect(result.loss_after).toBeLessThan(result.loss_before * 0.8);
    expect(result.trainable).toEqual(['features.1.bias', 'features.1.weight', 'head.1.bias', 'head.1.weight']);
    const trained = new Uint8Array(readFileSync(path.join(dir, 'trained.onnx')));
    const close = (got: number[], what: string): void => got.forEach((v, i) => expect(Math.abs(v - result.output.values[i]!), `${what}[${i}]`).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(v))));
    close((await runOrt(trained, { input: x }))['output']!.data, 'ort');
    const back = (await importOnnx(trained)).eval();
    close(Array.from((await back.forward({ input: x })['output']!.data()) as Float32Array), 'tessera');
    // The frozen convolution came back unchanged.
    const conv = model.parameters()[0]!;
    const conv2 = back.namedParameters().find(([n]) => n === 'features.0.weight')![1];
    expect(Array.from(await conv2.data())).toEqual(Array.from(await conv.data()));
  });
});
