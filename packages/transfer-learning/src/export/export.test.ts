/**
 * ONNX export of native Tessera models: each export runs in onnxruntime-web (wasm) with outputs
 * matching Tessera's to 1e-4, at a batch size other than the traced one (dynamic axes), and passes
 * `onnx.checker` (Debian's python3-onnx, skipped with the reason when it is missing unless
 * TESSERA_REQUIRE_ONNX_CHECKER=1). Unsupported ops and bad options fail with coded errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tensor, TensorError, atan2, concat, memory, randint, randn, setBackend, tidy, topk } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  Conv1d,
  GroupNorm,
  Hardsigmoid,
  SELU,
  Softplus,
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  ConvTranspose2d,
  Dropout,
  ELU,
  Embedding,
  Flatten,
  GELU,
  Hardswish,
  LayerNorm,
  LeakyReLU,
  Linear,
  LogSoftmax,
  MaxPool2d,
  Module,
  ReLU,
  SiLU,
  Sequential,
  Sigmoid,
  Softmax,
  Tanh,
  manualSeed,
  type AnyModule,
} from '@tessera/layers';
import { decodeOnnxModel } from '../proto/index.js';
import { exportOnnx, exportableOps } from './index.js';
import { checkWithOnnx, onnxCheckerUnavailable, runOrt } from './test-utils/ort.js';

beforeAll(async () => {
  await setBackend(cpu());
});

/** Every model exported by the parity tests, for the onnx.checker run at the end. */
const exported: Record<string, Uint8Array> = {};

/** Sets non-trivial BatchNorm statistics by a few training-mode passes, so eval-mode export is tested with real values. */
function warmBatchNorm(model: AnyModule, x: Tensor): void {
  model.train();
  for (let i = 0; i < 3; i++) tidy(() => model.forward(x));
  model.eval();
}

function mlp(): Sequential {
  manualSeed(1);
  return new Sequential(
    new Linear({ inFeatures: 6, outFeatures: 16 }),
    new GELU(),
    new Dropout({ p: 0.3 }),
    new Linear({ inFeatures: 16, outFeatures: 16 }),
    new LayerNorm({ normalizedShape: 16 }),
    new Tanh(),
    new Linear({ inFeatures: 16, outFeatures: 8 }),
    new BatchNorm1d({ numFeatures: 8 }),
    new Sigmoid(),
    new Linear({ inFeatures: 8, outFeatures: 5 }),
    new Softmax({ dim: -1 }),
  );
}

function cnn(): Sequential {
  manualSeed(2);
  return new Sequential(
    new Conv2d({ inChannels: 2, outChannels: 6, kernelSize: 3, padding: 1 }),
    new BatchNorm2d({ numFeatures: 6 }),
    new ReLU(),
    new MaxPool2d({ kernelSize: 2 }),
    new Conv2d({ inChannels: 6, outChannels: 8, kernelSize: 3, stride: 2, padding: 1, groups: 2 }),
    new LeakyReLU({ negativeSlope: 0.1 }),
    new AvgPool2d({ kernelSize: 2 }),
    new Flatten(),
    new Linear({ inFeatures: 8, outFeatures: 4 }),
    new LogSoftmax({ dim: 1 }),
  );
}

/** A Module subclass with two inputs, an Embedding, elementwise activations and two outputs. */
class TwoHeads extends Module<[Tensor, Tensor], Tensor[]> {
  embed = new Embedding({ numEmbeddings: 10, embeddingDim: 4 });
  proj = new Linear({ inFeatures: 4 + 3, outFeatures: 6 });
  act = new SiLU();
  a = new Linear({ inFeatures: 6, outFeatures: 2 });
  b = new Linear({ inFeatures: 6, outFeatures: 3 });
  elu = new ELU();
  hs = new Hardswish();
  forward(tokens: Tensor, extra: Tensor): Tensor[] {
    return tidy(() => {
      const e = this.embed.forward(tokens).mean(1); // [N, 4]
      const h = this.act.forward(this.proj.forward(concat([e, extra.mul(0.5).add(1)], 1)));
      return [this.elu.forward(this.a.forward(h)), this.hs.forward(this.b.forward(h)).clamp(-1, 2)];
    });
  }
}

class Upsampler extends Module {
  up = new ConvTranspose2d({ inChannels: 3, outChannels: 2, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1 });
  forward(x: Tensor): Tensor {
    return tidy(() => this.up.forward(x).slice([0, 0, 1, 1], [x.shape[0]!, 2, 5, 5]).sum(1, true).square().sqrt());
  }
}

async function expectClose(got: { data: number[]; dims: number[] }, want: Tensor, what: string): Promise<void> {
  expect(got.dims, `${what} shape`).toEqual([...want.shape]);
  const w = Array.from((await want.data()) as Float32Array);
  let worst = 0;
  w.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - got.data[i]!) / (1 + Math.abs(v)))));
  expect(worst, `${what}: worst |ort - tessera| / (1 + |tessera|)`).toBeLessThanOrEqual(1e-4);
}

describe('exportOnnx: native models run in onnxruntime-web with the same outputs', () => {
  it('an MLP with Linear, GELU, Dropout, LayerNorm, Tanh, BatchNorm1d, Sigmoid and Softmax, with a dynamic batch', async () => {
    const model = mlp();
    warmBatchNorm(model, randn([16, 6], { seed: 3 }));
    const bytes = await exportOnnx(model, { inputs: randn([4, 6], { seed: 4 }), dynamicAxes: { input: { 0: 'batch' }, output: { 0: 'batch' } } });
    exported['mlp'] = bytes;
    const graph = decodeOnnxModel(bytes).graph!;
    expect(graph.input[0]!.type!.tensor_type!.shape!.dim.map((d) => d.dim_param ?? d.dim_value)).toEqual(['batch', 6]);
    expect(graph.output[0]!.type!.tensor_type!.shape!.dim.map((d) => d.dim_param ?? d.dim_value)).toEqual(['batch', 5]);
    expect(graph.initializer.map((t) => t.name)).toEqual(expect.arrayContaining(['0.weight', '0.bias', '7.runningMean', '7.runningVar', '9.weight']));
    expect(new Set(graph.node.map((n) => n.op_type))).toEqual(new Set(['Transpose', 'Reshape', 'MatMul', 'Add', 'Mul', 'Erf', 'ConstantOfShape', 'LayerNormalization', 'Tanh', 'BatchNormalization', 'Sigmoid', 'Softmax']));
    const x = randn([7, 6], { seed: 5 }); // another batch size than the traced one
    const want = model.forward(x);
    const got = await runOrt(bytes, { input: x });
    await expectClose(got['output']!, want, 'mlp');
    model.dispose();
  });

  it('a CNN with Conv2d (strided, grouped), BatchNorm2d, ReLU, MaxPool, LeakyReLU, AvgPool, Flatten, Linear and LogSoftmax', async () => {
    const model = cnn();
    warmBatchNorm(model, randn([8, 2, 8, 8], { seed: 6 }));
    const bytes = await exportOnnx(model, { inputs: randn([2, 2, 8, 8], { seed: 7 }), inputNames: ['image'], dynamicAxes: { image: [0] }, opset: 13 });
    exported['cnn'] = bytes;
    const decoded = decodeOnnxModel(bytes);
    expect(decoded.opset_import[0]!.version).toBe(13);
    expect(decoded.graph!.input[0]!.type!.tensor_type!.shape!.dim[0]!.dim_param).toBe('image_0');
    const x = randn([5, 2, 8, 8], { seed: 8 });
    const got = await runOrt(bytes, { image: x });
    await expectClose(got['output']!, model.forward(x), 'cnn');
    model.dispose();
  });

  it('a Module subclass with two inputs (int32 tokens), an Embedding, constants, clamp and two outputs', async () => {
    manualSeed(3);
    const model = new TwoHeads();
    const tokens = randint(0, 10, [3, 5], { seed: 9 });
    const extra = randn([3, 3], { seed: 10 });
    const bytes = await exportOnnx(model, {
      inputs: [tokens, extra],
      inputNames: ['tokens', 'extra'],
      outputNames: ['logits', 'scores'],
      dynamicAxes: { tokens: { 0: 'batch' }, extra: { 0: 'batch' } },
    });
    exported['two-heads'] = bytes;
    const graph = decodeOnnxModel(bytes).graph!;
    // The outputs' batch axis follows the inputs' symbol.
    expect(graph.output.map((o) => o.type!.tensor_type!.shape!.dim[0]!.dim_param)).toEqual(['batch', 'batch']);
    const t2 = randint(0, 10, [6, 5], { seed: 11 });
    const e2 = randn([6, 3], { seed: 12 });
    const [logits, scores] = model.forward(t2, e2);
    const got = await runOrt(bytes, { tokens: t2, extra: e2 });
    await expectClose(got['logits']!, logits!, 'logits');
    await expectClose(got['scores']!, scores!, 'scores');
    model.dispose();
  });

  it('ConvTranspose2d with output padding, slicing, keepDims sums and a static shape', async () => {
    manualSeed(4);
    const model = new Upsampler();
    const x = randn([2, 3, 3, 3], { seed: 13 });
    const bytes = await exportOnnx(model, { inputs: x, opset: 17 });
    exported['upsampler'] = bytes;
    const got = await runOrt(bytes, { input: x });
    await expectClose(got['output']!, model.forward(x), 'upsampler');
    model.dispose();
  });

  it('Conv1d, GroupNorm, SELU, Softplus, Hardsigmoid, ceil-mode and adaptive pooling, ELU', async () => {
    manualSeed(6);
    class Mixed extends Module {
      conv1 = new Conv1d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1 });
      norm = new GroupNorm({ numGroups: 2, numChannels: 4 });
      selu = new SELU();
      pool = new MaxPool2d({ kernelSize: 2, ceilMode: true });
      adaptive = new AdaptiveAvgPool2d({ outputSize: 1 });
      softplus = new Softplus();
      hs = new Hardsigmoid();
      elu = new ELU();
      forward(x: Tensor): Tensor {
        return tidy(() => {
          const y = this.selu.forward(this.norm.forward(this.conv1.forward(x))); // [N, 4, 5]
          const img = y.reshape([x.shape[0]!, 4, 1, 5]).expand([x.shape[0]!, 4, 3, 5]); // [N, 4, 3, 5]
          const pooled = this.pool.forward(img); // ceil: [N, 4, 2, 3]
          const a = this.adaptive.forward(pooled).flatten(1); // [N, 4]
          return this.elu.forward(this.softplus.forward(a).sub(this.hs.forward(a)));
        });
      }
    }
    const model = new Mixed();
    const x = randn([2, 3, 5], { seed: 14 });
    const bytes = await exportOnnx(model, { inputs: x, dynamicAxes: { input: { 0: 'n' } } });
    exported['mixed'] = bytes;
    // tensor-core writes ceil mode as extra bottom/right padding, which ONNX's pads say as they are.
    expect(decodeOnnxModel(bytes).graph!.node.find((n) => n.op_type === 'MaxPool')!.attribute.find((a) => a.name === 'pads')?.ints).toEqual([0, 0, 1, 1]);
    const x2 = randn([4, 3, 5], { seed: 15 });
    const got = await runOrt(bytes, { input: x2 });
    await expectClose(got['output']!, model.forward(x2), 'mixed');
    model.dispose();
  });

  it('leaves nothing behind and restores the modules\' modes', async () => {
    const model = mlp();
    const x = randn([2, 6], { seed: 1 });
    model.train();
    const before = memory().tensors;
    await exportOnnx(model, { inputs: x, dynamicAxes: { input: [0] } });
    expect(memory().tensors).toBe(before);
    expect(model.modules().every((m) => m.training)).toBe(true);
    model.dispose();
  });
});

describe('exportOnnx errors', () => {
  class Odd extends Module {
    lin = new Linear({ inFeatures: 4, outFeatures: 4 });
    forward(x: Tensor): Tensor {
      return tidy(() => {
        const y = this.lin.forward(x);
        const angle = atan2(y, x);
        const { values } = topk(angle, 2);
        return values.add(atan2(values, values));
      });
    }
  }

  it('lists every op without an ONNX mapping at once, with counts', async () => {
    const model = new Odd();
    await expect(exportOnnx(model, { inputs: randn([2, 4], { seed: 0 }) })).rejects.toThrow(/exportOnnx: 2 ops of Odd's forward pass have no ONNX mapping: atan2 \(2×\), topk \(1×\)/);
    await expect(exportOnnx(model, { inputs: randn([2, 4], { seed: 0 }) })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    model.dispose();
  });

  it('reports constants that depend on a dynamic axis', async () => {
    class BatchMean extends Module {
      forward(x: Tensor): Tensor {
        return x.mean(0, true).add(x);
      }
    }
    await expect(exportOnnx(new BatchMean(), { inputs: randn([3, 2], { seed: 0 }), dynamicAxes: { input: [0] } })).rejects.toThrow(
      /BatchMean cannot be exported \(1 problem\): a constant of shape \[\] created in the forward pass depends on the size of a dynamic axis/,
    );
    // Without dynamic axes the same model exports (the batch size is fixed).
    expect((await exportOnnx(new BatchMean(), { inputs: randn([3, 2], { seed: 0 }) })).length).toBeGreaterThan(0);
  });

  it('rejects bad options with coded errors', async () => {
    const model = mlp();
    const x = randn([2, 6], { seed: 0 });
    const cases: [unknown, RegExp][] = [
      [{ inputs: x, opset: 12 }, /opset must be an integer from 13 to 21, got number 12/],
      [{ inputs: x, opsets: 17 }, /unknown option 'opsets'.*valid options: inputs, opset, dynamicAxes, inputNames, outputNames, graphName/],
      [{ inputs: 3 }, /inputs must be a Tensor, a non-empty array of Tensors or a record of Tensors, got number 3/],
      [{ inputs: [] }, /inputs must be a Tensor, a non-empty array/],
      [{ inputs: x, inputNames: ['a', 'b'] }, /inputNames must be 1 non-empty string \(one per input\), got \["a","b"\]/],
      [{ inputs: x, dynamicAxes: { image: [0] } }, /dynamicAxes names 'image', which is neither an input \(input\) nor an output \(output\)/],
      [{ inputs: x, dynamicAxes: { input: [2] } }, /dynamicAxes.input: axis 2 is out of range for rank 2/],
      [{ inputs: x, dynamicAxes: { input: [] } }, /dynamicAxes.input must be a non-empty list of axes/],
    ];
    for (const [options, message] of cases) await expect(exportOnnx(model, options as never)).rejects.toThrow(message);
    await expect(exportOnnx(model, undefined as never)).rejects.toThrow(/options \{ inputs \} required/);
    await expect(exportOnnx({} as never, { inputs: x })).rejects.toThrow(/model must be a Module/);
    await expect(exportOnnx(model, { inputs: x, dynamicAxes: { input: [2] } })).rejects.toMatchObject({ code: 'AXIS_OUT_OF_RANGE' });
    model.dispose();
  });

  it('names the ops it can export', () => {
    expect(exportableOps()).toEqual(expect.arrayContaining(['conv2d', 'matmul', 'batchNorm', 'layerNorm', 'gather', 'softmax', 'maxPool2d', 'avgPool2d']));
  });
});

describe('exportOnnx: onnx.checker accepts the exports', () => {
  const reason = onnxCheckerUnavailable();
  const required = process.env['TESSERA_REQUIRE_ONNX_CHECKER'] === '1';
  afterAll(() => undefined);
  if (reason !== undefined && !required) {
    it.skip(`needs python3-onnx (skipped: ${reason})`, () => {});
    return;
  }
  it('checks every model exported above with check_model(full_check=True) and strict shape inference', () => {
    if (reason !== undefined) throw new Error(`TESSERA_REQUIRE_ONNX_CHECKER=1 but ${reason}`);
    expect(Object.keys(exported).sort()).toEqual(['cnn', 'mixed', 'mlp', 'two-heads', 'upsampler']);
    const { status, output } = checkWithOnnx(exported);
    expect(output).not.toMatch(/FAIL/);
    expect(status, output).toBe(0);
    expect(output.match(/^ok /gm)?.length).toBe(5);
  });
});

// The error type is part of the contract; keep the import checked.
void TensorError;
