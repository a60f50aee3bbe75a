/**
 * Every options object of tensor-core's public functions rejects unknown keys (issue 14): a
 * misspelt option is an `UNKNOWN_OPTION` error listing the valid keys, never silently ignored.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tc from '@tessera/tensor-core';
import { TensorError, checkOptions, setBackend, toCamelCase, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { webgpu } from '@tessera/backend-webgpu';
import { backward, checkGradients, grad, valueAndGrad } from '@tessera/autograd';
import { runConformance } from './index.js';
import { expectTensorError } from './helpers.js';

beforeAll(async () => {
  await setBackend(cpu());
});

const bad = { zz_unknown: 1 } as never;
const x = (): Tensor => tc.ones([1, 1, 4, 4]);
const w = (): Tensor => tc.ones([1, 1, 2, 2]);

// [name, call with an unknown key, the function name the error carries]
const CASES: Array<[string, () => unknown]> = [
  ['tensor', () => tc.tensor([1], [1], bad)],
  ['scalar', () => tc.scalar(1, bad)],
  ['full', () => tc.full([1], 1, bad)],
  ['zeros', () => tc.zeros([1], bad)],
  ['ones', () => tc.ones([1], bad)],
  ['zerosLike', () => tc.zerosLike(tc.ones([1]), bad)],
  ['onesLike', () => tc.onesLike(tc.ones([1]), bad)],
  ['fullLike', () => tc.fullLike(tc.ones([1]), 2, bad)],
  ['arange', () => tc.arange(0, 3, 1, bad)],
  ['linspace', () => tc.linspace(0, 1, 3, bad)],
  ['eye', () => tc.eye(2, 2, bad)],
  ['rand', () => tc.rand([1], { seed: 1, ...(bad as object) })],
  ['randn', () => tc.randn([1], { seed: 1, ...(bad as object) })],
  ['randint', () => tc.randint(0, 2, [1], { seed: 1, ...(bad as object) })],
  ['bernoulli', () => tc.bernoulli(0.5, [1], { seed: 1, ...(bad as object) })],
  ['randLike', () => tc.randLike(tc.ones([1]), { seed: 1, ...(bad as object) })],
  ['randnLike', () => tc.randnLike(tc.ones([1]), { seed: 1, ...(bad as object) })],
  ['gelu', () => tc.gelu(tc.ones([1]), bad)],
  ['pad', () => tc.pad(tc.ones([2]), [[1, 1]], bad)],
  ['oneHot', () => tc.oneHot(tc.tensor([0], [1], { dtype: 'int32' }), 2, bad)],
  ['matmul', () => tc.matmul(tc.ones([2, 2]), tc.ones([2, 2]), bad)],
  ['layerNorm', () => tc.layerNorm(tc.ones([2, 2]), 2, bad)],
  ['batchNorm', () => tc.batchNorm(tc.ones([2, 2]), tc.zeros([2]), tc.ones([2]), bad)],
  ['conv2d', () => tc.conv2d(x(), w(), bad)],
  ['conv1d', () => tc.conv1d(tc.ones([1, 1, 4]), tc.ones([1, 1, 2]), bad)],
  ['convTranspose2d', () => tc.convTranspose2d(x(), w(), bad)],
  ['maxPool2d', () => tc.maxPool2d(x(), { kernelSize: 2, ...(bad as object) })],
  ['avgPool2d', () => tc.avgPool2d(x(), { kernelSize: 2, ...(bad as object) })],
  ['resize', () => tc.resize(x(), [2, 2], bad)],
  ['var', () => tc.variance(tc.ones([2]), undefined, bad)],
  ['std', () => tc.std(tc.ones([2]), undefined, bad)],
  ['cumsum', () => tc.cumsum(tc.ones([2]), 0, bad)],
  ['topk', () => tc.topk(tc.ones([2]), 1, bad)],
  ['adamStep', () => tc.adamStep(tc.ones([1]), tc.ones([1]), tc.zeros([1]), tc.zeros([1]), { lr: 1, beta1: 0.9, beta2: 0.99, eps: 1e-8, step: 1, ...(bad as object) })],
  ['variable', () => tc.variable(tc.ones([1]), bad)],
];

describe('autograd, backends and runConformance options: unknown keys are rejected', () => {
  it('backward, grad, valueAndGrad', () => {
    const x = tc.variable(tc.ones([2]));
    const y = x.sum();
    expectTensorError(() => backward(y, { retain_graph: true } as never), 'UNKNOWN_OPTION', /^backward: unknown option 'retain_graph' \(did you mean 'retainGraph'\?\)/);
    expectTensorError(() => grad((a: Tensor) => a.sum(), { create_graph: true } as never), 'UNKNOWN_OPTION', /^grad: .*did you mean 'createGraph'/);
    expectTensorError(() => valueAndGrad((a: Tensor) => a.sum(), bad), 'UNKNOWN_OPTION', /^valueAndGrad: unknown option 'zz_unknown'/);
    tc.dispose([x, y]);
  });

  it('checkGradients', async () => {
    const x = tc.ones([2]);
    let caught: unknown;
    try {
      await checkGradients((a: Tensor) => a.sum(), [x], bad);
    } catch (e) {
      caught = e;
    }
    expect(TensorError.is(caught) && caught.code).toBe('UNKNOWN_OPTION');
    x.dispose();
  });

  it('cpu() and its matmulTiles, webgpu(), runConformance', async () => {
    expectTensorError(() => cpu({ thread: 2 } as never), 'UNKNOWN_OPTION', /^cpu: unknown option 'thread' \(did you mean 'threads'\?\)/);
    expectTensorError(() => cpu({ matmulTiles: { MC: 32 } } as never), 'UNKNOWN_OPTION', /^cpu: unknown option 'MC' in matmulTiles \(did you mean 'mc'\?\)/);
    let caught: unknown;
    try {
      await webgpu({ max_pooled_bytes: 0 } as never);
    } catch (e) {
      caught = e;
    }
    expect(TensorError.is(caught) && caught.message).toMatch(/^webgpu: unknown option 'max_pooled_bytes' \(did you mean 'maxPooledBytes'\?\)/);
    expectTensorError(() => runConformance(() => cpu(), { skips: [] } as never), 'UNKNOWN_OPTION', /did you mean 'skip'/);
  });
});

describe('tensor-core options: unknown keys are rejected', () => {
  it.each(CASES)('%s', (name, call) => {
    tc.tidy(() => {
      expectTensorError(() => call(), 'UNKNOWN_OPTION', /unknown option 'zz_unknown'.*valid options: /);
    });
    void name;
  });

  it('suggests the camelCase spelling of a snake_case key', () => {
    expectTensorError(() => tc.cumsum(tc.ones([2]), 0, { exclusive_: true } as never), 'UNKNOWN_OPTION', /did you mean 'exclusive'\?/);
    tc.tidy(() => expectTensorError(() => tc.matmul(tc.ones([2, 2]), tc.ones([2, 2]), { transpose_b: true } as never), 'UNKNOWN_OPTION', /^matmul: unknown option 'transpose_b' \(did you mean 'transposeB'\?\); valid options: transposeA, transposeB$/));
    tc.tidy(() => expectTensorError(() => tc.topk(tc.ones([2]), 1, { Largest: true } as never), 'UNKNOWN_OPTION', /did you mean 'largest'/));
  });

  it('checkOptions: plain objects only, a close spelling suggested, the object returned', () => {
    expect(toCamelCase('batch_size')).toBe('batchSize');
    expect(toCamelCase('weight-decay')).toBe('weightDecay');
    expect(checkOptions('f', undefined, ['a'])).toEqual({});
    const o = { a: 1 };
    expect(checkOptions('f', o, ['a'])).toBe(o);
    expectTensorError(() => checkOptions('Linear', { bais: false }, ['inFeatures', 'outFeatures', 'bias']), 'UNKNOWN_OPTION', /'bais' \(did you mean 'bias'\?\)/);
    expectTensorError(() => checkOptions('SGD', { momentun: 0.9 }, ['lr', 'momentum']), 'UNKNOWN_OPTION', /did you mean 'momentum'/);
    expectTensorError(() => checkOptions('f', { qqqqqq: 1 }, ['a']), 'UNKNOWN_OPTION', /^f: unknown option 'qqqqqq'; valid options: a$/);
    expectTensorError(() => checkOptions('f', null as never, ['a']), 'INVALID_ARGUMENT', /options must be a plain object, got null/);
    expectTensorError(() => checkOptions('f', [1] as never, ['a']), 'INVALID_ARGUMENT', /got an array/);
    expectTensorError(() => checkOptions('f', tc.scalar(1) as never, ['a']), 'INVALID_ARGUMENT', /got Tensor/);
    let error: unknown;
    try {
      checkOptions('f', { b: 1 }, ['a']);
    } catch (e) {
      error = e;
    }
    expect(TensorError.is(error) && error.op).toBe('f');
  });
});
