import { beforeAll, describe, expect, it } from 'vitest';
import { TensorError, memory, ones, randn, setBackend, tensor, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { backward, checkGradients, noGrad, enableAutograd } from '@tessera/autograd';
import { importOnnx, inspectOnnx } from '../index.js';
import { OnnxDataType, decodeOnnxModel, encodeOnnxModel } from '../proto/index.js';
import { buildModel, floatAttr, floatInit, int64Init, intAttr, intsAttr, valueInfo } from './test-utils/build.js';

// These tests run forward passes on requiresGrad parameters before their first autograd call.
enableAutograd();

beforeAll(async () => {
  await setBackend(cpu());
});

async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data(), Number);
}

function expectClose(actual: number[], expected: number[], tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(expected[i]!))));
}

/** y = x · Wᵀ + b with W [2,3] named `fc.weight`, b named `fc.bias`. */
function linearModel(): Uint8Array<ArrayBuffer> {
  return buildModel({
    nodes: [{ op_type: 'Gemm', name: 'fc', input: ['x', 'fc.weight', 'fc.bias'], output: ['y'], attribute: [intAttr('transB', 1)] }],
    inputs: [valueInfo('x', ['N', 3])],
    outputs: [valueInfo('y', ['N', 2])],
    initializers: [floatInit('fc.weight', [2, 3], [1, 2, 3, 4, 5, 6]), floatInit('fc.bias', [2], [0.5, -0.5])],
  });
}

describe('importOnnx', () => {
  it('turns initializers into Parameters named by their ONNX names and runs the graph', async () => {
    const model = await importOnnx(linearModel());
    expect(model.namedParameters().map(([k]) => k)).toEqual(['fc.weight', 'fc.bias']);
    const { y } = model.forward({ x: tensor([[1, 0, -1], [2, 1, 0]]) });
    expect(y!.shape).toEqual([2, 2]);
    // [1-3+0.5, 4-6-0.5], [2+2+0.5, 8+5-0.5]
    expectClose(await values(y!), [-1.5, -2.5, 4.5, 12.5]);
    // A one-input model also takes the tensor itself.
    const single = model.forward(tensor([[1, 1, 1]]));
    expectClose(await values(single['y']!), [6.5, 14.5]);
    expect(model.parameterKey('fc.weight')).toBe('fc.weight');
    expect(model.summary()).toMatch(/fc\.weight +\[2,3\] +6 +yes/);
    expect(model.toString()).toMatch(/inputs=\[x\], outputs=\[y\], nodes=1/);
    model.dispose();
  });

  it('gives Parameters whose gradients autograd computes', async () => {
    const model = await importOnnx(linearModel());
    const x = tensor([[1, 2, 3]]);
    const { y } = model.forward({ x });
    const grads = backward(y!.sum());
    const w = model.namedParameters().find(([k]) => k === 'fc.weight')![1];
    const b = model.namedParameters().find(([k]) => k === 'fc.bias')![1];
    expect(await values(grads.get(w)!)).toEqual([1, 2, 3, 1, 2, 3]);
    expect(await values(grads.get(b)!)).toEqual([1, 1]);
    model.dispose();
  });

  it('round-trips the state dict and keeps shared weights shared', async () => {
    const bytes = buildModel({
      nodes: [
        { op_type: 'MatMul', input: ['x', 'w'], output: ['h'] },
        { op_type: 'MatMul', input: ['h', 'w'], output: ['y'] },
      ],
      inputs: [valueInfo('x', [1, 2])],
      outputs: [valueInfo('y', [1, 2])],
      initializers: [floatInit('w', [2, 2], [1, 0, 0, 2])],
    });
    const model = await importOnnx(bytes);
    expect(model.parameters()).toHaveLength(1);
    const dict = model.stateDict();
    expect([...dict.keys()]).toEqual(['w']);
    const other = await importOnnx(bytes);
    other.loadStateDict(new Map([['w', tensor([[2, 0], [0, 1]])]]));
    expectClose(await values(other.forward({ x: tensor([[1, 1]]) })['y']!), [4, 1]);
    model.dispose();
    other.dispose();
  });

  it('saves and loads its weights as safetensors', async () => {
    const model = await importOnnx(linearModel());
    const other = await importOnnx(linearModel());
    other.loadStateDict(new Map([['fc.weight', tensor([[0, 0, 0], [0, 0, 0]])], ['fc.bias', tensor([0, 0])]]));
    const bytes = await model.save();
    await other.load(bytes);
    expectClose(await values(other.forward({ x: tensor([[1, 1, 1]]) })['y']!), [6.5, 14.5]);
    model.dispose();
    other.dispose();
  });

  it('makes ONNX names safe for dotted paths', async () => {
    const bytes = buildModel({
      nodes: [
        { op_type: 'Add', input: ['x', 'onnx::Add_1'], output: ['a'] },
        { op_type: 'Add', input: ['a', 'blk'], output: ['b'] },
        { op_type: 'Add', input: ['b', 'blk.w'], output: ['c'] },
        { op_type: 'Add', input: ['c', 'forward.bias'], output: ['d'] },
        { op_type: 'Add', input: ['d', 'inputs'], output: ['y'] },
      ],
      inputs: [valueInfo('x', [2])],
      outputs: [valueInfo('y', [2])],
      initializers: [floatInit('onnx::Add_1', [2], [1, 1]), floatInit('blk', [2], [1, 1]), floatInit('blk.w', [2], [1, 1]), floatInit('forward.bias', [2], [1, 1]), floatInit('inputs', [2], [1, 1])],
    });
    const model = await importOnnx(bytes);
    expect(model.namedParameters().map(([k]) => k).sort()).toEqual(['blk', 'blk_w', 'forward_.bias', 'inputs_', 'onnx__Add_1'].sort());
    expect(model.parameterKey('onnx::Add_1')).toBe('onnx__Add_1');
    expectClose(await values(model.forward({ x: tensor([0, 1]) })['y']!), [5, 6]);
    model.dispose();
  });

  it('makes large float Constant nodes Parameters and keeps scalars constant', async () => {
    const bytes = buildModel({
      nodes: [
        { op_type: 'Constant', output: ['conv.w'], attribute: [{ name: 'value', type: 4, t: floatInit('', [3], [1, 2, 3]) }] },
        { op_type: 'Constant', output: ['half'], attribute: [{ name: 'value', type: 4, t: floatInit('', [], [0.5]) }] },
        { op_type: 'Mul', input: ['x', 'conv.w'], output: ['m'] },
        { op_type: 'Mul', input: ['m', 'half'], output: ['y'] },
      ],
      inputs: [valueInfo('x', [3])],
      outputs: [valueInfo('y', [3])],
    });
    const model = await importOnnx(bytes);
    expect(model.namedParameters().map(([k]) => k)).toEqual(['conv.w']);
    expectClose(await values(model.forward({ x: tensor([2, 2, 2]) })['y']!), [1, 2, 3]);
    model.dispose();
    const all = await importOnnx(bytes, { minParameterSize: 1 });
    expect(all.namedParameters().map(([k]) => k).sort()).toEqual(['conv.w', 'half']);
    all.dispose();
  });

  it('folds shape subgraphs on the host for each batch size (dynamic batch)', async () => {
    // Flatten via Shape → Gather(0) → Unsqueeze → Concat([-1]) → Reshape.
    const bytes = buildModel({
      nodes: [
        { op_type: 'Shape', input: ['x'], output: ['s'] },
        { op_type: 'Gather', input: ['s', 'zero'], output: ['n'], attribute: [intAttr('axis', 0)] },
        { op_type: 'Unsqueeze', input: ['n', 'axes0'], output: ['n1'] },
        { op_type: 'Concat', input: ['n1', 'minus1'], output: ['shape'], attribute: [intAttr('axis', 0)] },
        { op_type: 'Reshape', input: ['x', 'shape'], output: ['y'] },
      ],
      inputs: [valueInfo('x', ['N', 2, 3])],
      outputs: [valueInfo('y', ['N', 6])],
      initializers: [int64Init('zero', [0], []), int64Init('axes0', [0]), int64Init('minus1', [-1])],
    });
    const model = await importOnnx(bytes);
    expect(model.forward({ x: ones([1, 2, 3]) })['y']!.shape).toEqual([1, 6]);
    expect(model.forward({ x: ones([4, 2, 3]) })['y']!.shape).toEqual([4, 6]);
    model.dispose();
  });

  it('honours train() and eval() for BatchNormalization (running statistics as buffers)', async () => {
    const bytes = buildModel({
      nodes: [{ op_type: 'BatchNormalization', name: 'bn', input: ['x', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var'], output: ['y'], attribute: [floatAttr('epsilon', 1e-5), floatAttr('momentum', 0.9)] }],
      inputs: [valueInfo('x', ['N', 2])],
      outputs: [valueInfo('y', ['N', 2])],
      initializers: [floatInit('bn.weight', [2], [1, 2]), floatInit('bn.bias', [2], [0, 1]), floatInit('bn.running_mean', [2], [1, 1]), floatInit('bn.running_var', [2], [4, 4])],
    });
    const model = await importOnnx(bytes);
    expect(model.namedParameters().map(([k]) => k)).toEqual(['bn.weight', 'bn.bias']);
    expect(model.namedBuffers().map(([k]) => k)).toEqual(['bn.running_mean', 'bn.running_var']);
    const x = tensor([[1, 3], [3, 5]]);
    model.eval();
    // (x - 1) / 2 · w + b
    expectClose(await values(model.forward({ x })['y']!), [0, 3, 1, 5], 1e-4);
    model.train();
    // Batch statistics: mean [2, 4], biased var [1, 1].
    expectClose(await values(model.forward({ x })['y']!), [-1, -1, 1, 3], 1e-4);
    const [, rm] = model.namedBuffers().find(([k]) => k === 'bn.running_mean')!;
    const [, rv] = model.namedBuffers().find(([k]) => k === 'bn.running_var')!;
    // ONNX momentum 0.9 is PyTorch's 0.1: 0.9·1 + 0.1·[2, 4]; variance with the unbiased batch variance 2.
    expectClose(await values(rm), [1.1, 1.3]);
    expectClose(await values(rv), [3.8, 3.8]);
    model.dispose();
  });

  it('applies Dropout only in training mode', async () => {
    const bytes = buildModel({
      nodes: [{ op_type: 'Dropout', input: ['x', 'ratio'], output: ['y'] }],
      inputs: [valueInfo('x', [1000])],
      outputs: [valueInfo('y', [1000])],
      initializers: [floatInit('ratio', [], [0.5])],
    });
    const model = await importOnnx(bytes);
    model.eval();
    expect(await values(model.forward({ x: ones([1000]) })['y']!)).toEqual(new Array(1000).fill(1));
    model.train();
    const y = await values(model.forward({ x: ones([1000]) })['y']!);
    const zeros = y.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(400);
    expect(zeros).toBeLessThan(600);
    expect(y.filter((v) => v !== 0).every((v) => v === 2)).toBe(true);
    model.dispose();
  });

  it('frees its intermediates (no tensor growth across calls)', async () => {
    const model = await importOnnx(linearModel());
    const x = tensor([[1, 2, 3]]);
    // Outside autograd (whose tape keeps what gradients need until released).
    noGrad(() => model.forward({ x })['y']!.dispose());
    const before = memory().tensors;
    for (let i = 0; i < 3; i++) noGrad(() => model.forward({ x })['y']!.dispose());
    expect(memory().tensors).toBe(before);
    model.dispose();
  });

  it('imports a frozen model with trainable: false and float64 weights with dtype', async () => {
    const frozen = await importOnnx(linearModel(), { trainable: false });
    expect(frozen.parameters().every((p) => !p.requiresGrad)).toBe(true);
    frozen.dispose();
    const f64 = await importOnnx(linearModel(), { dtype: 'float64' });
    expect(f64.parameters().every((p) => p.dtype === 'float64')).toBe(true);
    f64.dispose();
  });

  it('passes a finite-difference gradient check through Conv, BatchNormalization and Gemm (float64)', async () => {
    const bytes = buildModel({
      nodes: [
        { op_type: 'Conv', input: ['x', 'conv.weight', 'conv.bias'], output: ['c'], attribute: [intsAttr('pads', [1, 1, 1, 1]), intsAttr('strides', [2, 2])] },
        { op_type: 'BatchNormalization', input: ['c', 'bn.weight', 'bn.bias', 'bn.mean', 'bn.var'], output: ['b'] },
        { op_type: 'Relu', input: ['b'], output: ['r'] },
        { op_type: 'Flatten', input: ['r'], output: ['f'] },
        { op_type: 'Gemm', input: ['f', 'fc.weight', 'fc.bias'], output: ['y'], attribute: [intAttr('transB', 1)] },
      ],
      inputs: [valueInfo('x', [1, 1, 4, 4])],
      outputs: [valueInfo('y', [1, 2])],
      initializers: [
        floatInit('conv.weight', [2, 1, 3, 3], Array.from({ length: 18 }, (_, i) => Math.sin(i + 1) * 0.5)),
        floatInit('conv.bias', [2], [0.1, -0.2]),
        floatInit('bn.weight', [2], [1.5, 0.5]),
        floatInit('bn.bias', [2], [0.2, 0.3]),
        floatInit('bn.mean', [2], [0.1, -0.1]),
        floatInit('bn.var', [2], [0.8, 1.3]),
        floatInit('fc.weight', [2, 8], Array.from({ length: 16 }, (_, i) => Math.cos(i) * 0.3)),
        floatInit('fc.bias', [2], [0, 0.1]),
      ],
    });
    const model = await importOnnx(bytes, { dtype: 'float64' });
    const params = model.namedParameters();
    const x = randn([1, 1, 4, 4], { seed: 3, dtype: 'float64' });
    for (const mode of ['eval', 'train'] as const) {
      model[mode]();
      // The input gradient flows through every op: checkGradients against central differences.
      const report = await checkGradients((input: Tensor) => model.forward({ x: input })['y']!, [x], { directions: 3 });
      expect(report.dtype).toBe('float64');
      expect(report.maxError).toBeLessThan(1e-6);
      // Parameter gradients: <grad, v> against (L(p + εv) − L(p − εv)) / 2ε along a seeded direction.
      const u = tensor([0.7, -1.3], [1, 2], { dtype: 'float64' });
      const loss = (): Tensor => model.forward({ x })['y']!.mul(u).sum();
      const grads = backward(loss());
      const eps = 1e-6;
      for (const [name, p] of params) {
        const v = randn(p.shape, { seed: name.length, dtype: 'float64' });
        const analytic = (await values(grads.get(p)!.mul(v).sum()))[0]!;
        const original = p.clone();
        const at = async (sign: number): Promise<number> => {
          p.assign(original.add(v.mul(sign * eps)));
          return (await values(noGrad(loss)))[0]!;
        };
        const numeric = ((await at(1)) - (await at(-1))) / (2 * eps);
        p.assign(original);
        expect(Math.abs(analytic - numeric), `${mode} ${name}`).toBeLessThan(1e-6 * (1 + Math.abs(numeric)));
      }
    }
    model.dispose();
  });
});

describe('inspectOnnx and unsupported models', () => {
  const unsupportedModel = (): Uint8Array =>
    buildModel({
      nodes: [
        { op_type: 'Relu', name: 'ok', input: ['x'], output: ['a'] },
        { op_type: 'FancyOp', name: 'first_bad', input: ['a'], output: ['b'] },
        { op_type: 'Fused', domain: 'com.vendor', name: 'second_bad', input: ['b'], output: ['y'] },
      ],
      inputs: [valueInfo('x', ['batch', 3])],
      outputs: [valueInfo('y', ['batch', 3])],
      initializers: [floatInit('unused', [4], [1, 2, 3, 4])],
    });

  it('reports opset, inputs, op counts, parameter count and every unsupported op', () => {
    const report = inspectOnnx(unsupportedModel());
    expect(report.opset).toBe(17);
    expect(report.inputs).toEqual([{ name: 'x', elemType: 'FLOAT', dims: ['batch', 3] }]);
    expect(report.opCounts).toEqual({ Relu: 1, FancyOp: 1, 'com.vendor.Fused': 1 });
    expect(report.parameterCount).toBe(4);
    expect(report.unsupported.map((u) => [u.opType, u.node])).toEqual([
      ['FancyOp', 'first_bad'],
      ['com.vendor.Fused', 'second_bad'],
    ]);
  });

  it('refuses to import, listing every unsupported node at once', async () => {
    const err = await importOnnx(unsupportedModel()).catch((e: unknown) => e);
    expect(TensorError.is(err) && err.code).toBe('UNSUPPORTED');
    expect((err as Error).message).toMatch(/2 unsupported nodes: FancyOp \(first_bad\).*com\.vendor\.Fused \(second_bad\)/);
  });

  it('rejects opsets outside 6 to 21', async () => {
    const old = buildModel({ nodes: [{ op_type: 'Relu', input: ['x'], output: ['y'] }], inputs: [valueInfo('x', [1])], outputs: [valueInfo('y', [1])], opset: 5 });
    expect(inspectOnnx(old).unsupported[0]!.reason).toMatch(/opset 5 is outside the supported range 6 to 21/);
    await expect(importOnnx(old)).rejects.toThrow(/opset 5/);
  });
});

describe('files that lie', () => {
  const code = async (p: Promise<unknown>): Promise<string | undefined> =>
    p.then(
      () => undefined,
      (e: unknown) => (TensorError.is(e) ? `${e.code}: ${e.message}` : `not a TensorError: ${String(e)}`),
    );

  it('rejects a truncated file', async () => {
    const bytes = linearModel();
    expect(await code(importOnnx(bytes.subarray(0, bytes.length - 7)))).toMatch(/^INVALID_ARGUMENT: .*truncated or corrupt/);
    expect(() => inspectOnnx(bytes.subarray(0, 20))).toThrow(/truncated or corrupt/);
  });

  it('rejects raw data shorter than the dims', async () => {
    const bytes = buildModel({
      nodes: [{ op_type: 'Add', input: ['x', 'w'], output: ['y'] }],
      inputs: [valueInfo('x', [4])],
      outputs: [valueInfo('y', [4])],
      initializers: [{ name: 'w', dims: [4], data_type: OnnxDataType.FLOAT, raw_data: new Uint8Array(12) }],
    });
    expect(await code(importOnnx(bytes))).toMatch(/^INVALID_ARGUMENT: .*initializer 'w': raw data holds 12 bytes, but dims \[4\] of FLOAT need 16/);
  });

  it('rejects absurd and negative dims before allocating', async () => {
    const huge = buildModel({
      nodes: [{ op_type: 'Add', input: ['x', 'w'], output: ['y'] }],
      inputs: [valueInfo('x', [1])],
      outputs: [valueInfo('y', [1])],
      initializers: [{ name: 'w', dims: [100000, 100000, 100000], data_type: OnnxDataType.FLOAT, raw_data: new Uint8Array(4) }],
    });
    expect(await code(importOnnx(huge))).toMatch(/^INVALID_ARGUMENT: .*initializer 'w': dims \[100000,100000,100000\] declare 1000000000000000 elements/);
    const negative = buildModel({
      nodes: [{ op_type: 'Add', input: ['x', 'w'], output: ['y'] }],
      inputs: [valueInfo('x', [1])],
      outputs: [valueInfo('y', [1])],
      initializers: [{ name: 'w', dims: [-1], data_type: OnnxDataType.FLOAT, raw_data: new Uint8Array(4) }],
    });
    expect(await code(importOnnx(negative))).toMatch(/invalid dims \[-1\]/);
    const constant = buildModel({
      nodes: [{ op_type: 'Constant', name: 'big', output: ['c'], attribute: [{ name: 'value', type: 4, t: { dims: [2 ** 40], data_type: 1, raw_data: new Uint8Array(4) } }] }],
      inputs: [valueInfo('x', [1])],
      outputs: [valueInfo('c', [1])],
    });
    expect(await code(importOnnx(constant))).toMatch(/Constant 'big': dims \[1099511627776\]/);
  });

  it('rejects a cycle, naming the nodes', async () => {
    const bytes = buildModel({
      nodes: [
        { op_type: 'Add', name: 'first', input: ['x', 'b'], output: ['a'] },
        { op_type: 'Relu', name: 'second', input: ['a'], output: ['b'] },
      ],
      inputs: [valueInfo('x', [1])],
      outputs: [valueInfo('b', [1])],
    });
    expect(await code(importOnnx(bytes))).toMatch(/^INVALID_ARGUMENT: .*cycle through node '(first|second)'/);
  });

  it('rejects an input nothing defines and a value defined twice', async () => {
    const missing = buildModel({
      nodes: [{ op_type: 'Add', name: 'adder', input: ['x', 'ghost'], output: ['y'] }],
      inputs: [valueInfo('x', [1])],
      outputs: [valueInfo('y', [1])],
    });
    expect(await code(importOnnx(missing))).toMatch(/node 'adder' \(Add\) reads 'ghost', which no graph input, initializer or node defines/);
    const twice = buildModel({
      nodes: [
        { op_type: 'Relu', name: 'r1', input: ['x'], output: ['y'] },
        { op_type: 'Relu', name: 'r2', input: ['x'], output: ['y'] },
      ],
      inputs: [valueInfo('x', [1])],
      outputs: [valueInfo('y', [1])],
    });
    expect(await code(importOnnx(twice))).toMatch(/node 'r2' defines 'y', which is already defined/);
  });

  it('rejects external data it cannot resolve and locations that escape', async () => {
    const model = decodeOnnxModel(linearModel());
    const w = model.graph!.initializer[0]!;
    w.raw_data = undefined;
    w.data_location = 1;
    w.external_data = [{ key: 'location', value: 'weights.bin' }, { key: 'offset', value: '0' }, { key: 'length', value: '24' }];
    const bytes = encodeOnnxModel(model);
    expect(await code(importOnnx(bytes))).toMatch(/external file 'weights\.bin'; pass options\.externalData/);
    const data = new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6]).buffer);
    const ok = await importOnnx(bytes, { externalData: { 'weights.bin': data } });
    expectClose(await values(ok.forward({ x: tensor([[1, 1, 1]]) })['y']!), [6.5, 14.5]);
    ok.dispose();
    expect(await code(importOnnx(bytes, { externalData: { 'weights.bin': new Uint8Array(8) } }))).toMatch(/lies outside 'weights\.bin' \(8 bytes\)/);
    w.external_data = [{ key: 'location', value: '../secret' }];
    expect(await code(importOnnx(encodeOnnxModel(model), { externalData: () => new Uint8Array(24) }))).toMatch(/must be a plain relative path/);
  });
});

describe('sources', () => {
  it('reads bytes, an ArrayBuffer, a Blob, a Response and a file path (with external data beside it)', async () => {
    const bytes = linearModel();
    const run = async (source: Parameters<typeof importOnnx>[0]): Promise<number[]> => {
      const model = await importOnnx(source);
      const out = await values(model.forward({ x: tensor([[1, 1, 1]]) })['y']!);
      model.dispose();
      return out;
    };
    const expected = [6.5, 14.5];
    expectClose(await run(bytes), expected);
    expectClose(await run(bytes.slice().buffer), expected);
    expectClose(await run(new Blob([bytes])), expected);
    expectClose(await run(new Response(bytes)), expected);
    await expect(importOnnx(new Response('missing', { status: 404, statusText: 'Not Found' }))).rejects.toThrow(/HTTP 404 Not Found/);
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'tessera-onnx-'));
    try {
      const model = decodeOnnxModel(bytes);
      const w = model.graph!.initializer[0]!;
      w.raw_data = undefined;
      w.data_location = 1;
      w.external_data = [{ key: 'location', value: 'model.onnx.data' }];
      await writeFile(join(dir, 'model.onnx'), encodeOnnxModel(model));
      await writeFile(join(dir, 'model.onnx.data'), new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6]).buffer));
      expectClose(await run(join(dir, 'model.onnx')), expected);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

describe('bad arguments', () => {
  it('rejects unknown and invalid options', async () => {
    await expect(importOnnx(linearModel(), { trainabel: true } as never)).rejects.toThrow(/unknown option 'trainabel'.*valid options: externalData, minParameterSize, trainable, dtype/);
    await expect(importOnnx(linearModel(), { minParameterSize: 0 })).rejects.toThrow(/minParameterSize must be a positive integer/);
    await expect(importOnnx(linearModel(), { dtype: 'int32' as never })).rejects.toThrow(/dtype must be 'float32' or 'float64'/);
    await expect(importOnnx(42 as never)).rejects.toThrow(/source must be a Uint8Array, ArrayBuffer, file path, Blob or Response, got number/);
    expect(() => inspectOnnx('model.onnx' as never)).toThrow(/expected a Uint8Array or ArrayBuffer/);
  });

  it('checks forward inputs: names, shapes and dtypes', async () => {
    const model = await importOnnx(linearModel());
    expect(() => model.forward({ input: tensor([[1, 2, 3]]) })).toThrow(/missing 'x'; unknown 'input' \(the model's inputs: x\)/);
    expect(() => model.forward({ x: tensor([1, 2, 3]) })).toThrow(/input 'x' must have shape \[N,3\], got \[3\]/);
    expect(() => model.forward({ x: tensor([[1, 2]]) })).toThrow(/input 'x' must have shape \[N,3\], got \[1,2\]/);
    expect(() => model.forward({ x: tensor([[1, 2, 3]], undefined, { dtype: 'int32' }) })).toThrow(/input 'x' is FLOAT in the model, got a int32 tensor/);
    expect(() => model.forward(null as never)).toThrow(/inputs must be a Tensor or an object/);
    model.dispose();
  });

  it('names the node when an op fails at run time', async () => {
    const bytes = buildModel({
      nodes: [{ op_type: 'Reshape', name: 'bad_reshape', input: ['x', 'shape'], output: ['y'] }],
      inputs: [valueInfo('x', [2, 3])],
      outputs: [valueInfo('y', [4])],
      initializers: [int64Init('shape', [4])],
    });
    const model = await importOnnx(bytes);
    expect(() => model.forward({ x: ones([2, 3]) })).toThrow(/node 'bad_reshape' \(Reshape\): cannot reshape \[2,3\] into \[4\]/);
    model.dispose();
  });
});
