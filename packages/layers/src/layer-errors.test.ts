/** Every layer's error paths (bad options at construction, bad inputs at forward), Dropout and the penalties. */
import { beforeAll, describe, expect, it } from 'vitest';
import { dispose, memory, ones, randn, setBackend, tensor, tidy, zeros, type TensorErrorCode } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { backward, noGrad, enableAutograd } from '@tessera/autograd';
import * as L from './index.js';
import { expectClose, expectTensorErrorSync } from './test-utils/helpers.js';

// These tests run forward passes on requiresGrad parameters before their first autograd call.
enableAutograd();

beforeAll(async () => {
  await setBackend(cpu());
});

type Case = [label: string, run: () => unknown, code: TensorErrorCode, message: RegExp];

const construction: Case[] = [
  ['Linear options', () => new L.Linear(undefined as unknown as L.LinearOptions), 'INVALID_ARGUMENT', /Linear: options must be a plain object, got undefined/],
  ['Linear inFeatures', () => new L.Linear({ inFeatures: 0, outFeatures: 2 }), 'INVALID_ARGUMENT', /Linear: inFeatures must be an integer >= 1, got number 0/],
  ['Linear outFeatures', () => new L.Linear({ inFeatures: 2, outFeatures: 1.5 }), 'INVALID_ARGUMENT', /outFeatures must be an integer >= 1, got number 1\.5/],
  ['Linear bias', () => new L.Linear({ inFeatures: 2, outFeatures: 2, bias: 1 as unknown as boolean }), 'INVALID_ARGUMENT', /bias must be a boolean, got number 1/],
  ['Conv1d groups', () => new L.Conv1d({ inChannels: 3, outChannels: 4, kernelSize: 3, groups: 2 }), 'INVALID_ARGUMENT', /Conv1d: groups \(2\) must divide inChannels \(3\) and outChannels \(4\)/],
  ['Conv1d same stride', () => new L.Conv1d({ inChannels: 2, outChannels: 2, kernelSize: 3, stride: 2, padding: 'same' }), 'INVALID_ARGUMENT', /padding 'same' needs stride 1/],
  ['Conv1d kernel', () => new L.Conv1d({ inChannels: 2, outChannels: 2, kernelSize: -1 }), 'INVALID_ARGUMENT', /kernelSize must be an integer >= 1, got number -1/],
  ['Conv2d padding', () => new L.Conv2d({ inChannels: 2, outChannels: 2, kernelSize: 3, padding: -1 }), 'INVALID_ARGUMENT', /Conv2d: padding must be an integer >= 0 or a pair of them, got -1/],
  ['Conv2d padding string', () => new L.Conv2d({ inChannels: 2, outChannels: 2, kernelSize: 3, padding: 'full' as 'same' }), 'INVALID_ARGUMENT', /padding must be an integer >= 0 or a pair of them, got "full"/],
  ['Conv2d kernel pair', () => new L.Conv2d({ inChannels: 2, outChannels: 2, kernelSize: [3, 0] }), 'INVALID_ARGUMENT', /kernelSize must be an integer >= 1 or a pair of them, got \[3,0\]/],
  ['Conv2d groups', () => new L.Conv2d({ inChannels: 4, outChannels: 6, kernelSize: 1, groups: 4 }), 'INVALID_ARGUMENT', /groups \(4\) must divide/],
  ['Conv2d same stride', () => new L.Conv2d({ inChannels: 2, outChannels: 2, kernelSize: 3, stride: [1, 2], padding: 'same' }), 'INVALID_ARGUMENT', /padding 'same' needs stride 1, got stride \[1,2\]/],
  ['ConvTranspose2d outputPadding', () => new L.ConvTranspose2d({ inChannels: 2, outChannels: 2, kernelSize: 3, stride: 2, outputPadding: 2 }), 'INVALID_ARGUMENT', /outputPadding \[2,2\] must be smaller than the stride \[2,2\] or the dilation \[1,1\]/],
  ['ConvTranspose2d groups', () => new L.ConvTranspose2d({ inChannels: 3, outChannels: 2, kernelSize: 3, groups: 3 }), 'INVALID_ARGUMENT', /groups \(3\) must divide/],
  ['BatchNorm numFeatures', () => new L.BatchNorm1d({ numFeatures: 0 }), 'INVALID_ARGUMENT', /BatchNorm1d: numFeatures must be an integer >= 1/],
  ['BatchNorm eps', () => new L.BatchNorm2d({ numFeatures: 2, eps: 0 }), 'INVALID_ARGUMENT', /BatchNorm2d: eps must be a finite number > 0, got number 0/],
  ['BatchNorm momentum', () => new L.BatchNorm2d({ numFeatures: 2, momentum: 1.5 }), 'INVALID_ARGUMENT', /momentum must be a finite number in \[0, 1\], got number 1\.5/],
  ['BatchNorm affine', () => new L.BatchNorm1d({ numFeatures: 2, affine: 'no' as unknown as boolean }), 'INVALID_ARGUMENT', /affine must be a boolean/],
  ['LayerNorm shape', () => new L.LayerNorm({ normalizedShape: [] }), 'INVALID_ARGUMENT', /LayerNorm: normalizedShape must be a positive integer or a non-empty list of them, got \[\]/],
  ['LayerNorm dim', () => new L.LayerNorm({ normalizedShape: [3, 0] }), 'INVALID_ARGUMENT', /normalizedShape\[1\] must be an integer >= 1, got number 0/],
  ['LayerNorm eps', () => new L.LayerNorm({ normalizedShape: 3, eps: -1 }), 'INVALID_ARGUMENT', /eps must be a finite number > 0/],
  ['GroupNorm divide', () => new L.GroupNorm({ numGroups: 3, numChannels: 4 }), 'INVALID_ARGUMENT', /GroupNorm: numGroups \(3\) must divide numChannels \(4\)/],
  ['GroupNorm groups', () => new L.GroupNorm({ numGroups: 0, numChannels: 4 }), 'INVALID_ARGUMENT', /numGroups must be an integer >= 1/],
  ['Dropout p', () => new L.Dropout({ p: 1.5 }), 'INVALID_ARGUMENT', /Dropout: p must be a finite number in \[0, 1\], got number 1\.5/],
  ['Dropout negative p', () => new L.Dropout({ p: -0.1 }), 'INVALID_ARGUMENT', /p must be a finite number in \[0, 1\]/],
  ['Dropout seed', () => new L.Dropout({ seed: 2 ** 32 }), 'INVALID_ARGUMENT', /Dropout: seed must be an integer in \[0, 2\^32\)/],
  ['Embedding size', () => new L.Embedding({ numEmbeddings: 0, embeddingDim: 2 }), 'INVALID_ARGUMENT', /Embedding: numEmbeddings must be an integer >= 1/],
  ['Embedding paddingIdx', () => new L.Embedding({ numEmbeddings: 4, embeddingDim: 2, paddingIdx: 4 }), 'INVALID_ARGUMENT', /paddingIdx must be an integer in \[-4, 4\), got 4/],
  ['Embedding.fromPretrained rank', () => L.Embedding.fromPretrained(ones([3])), 'SHAPE_MISMATCH', /weights must be \[numEmbeddings, embeddingDim\], got \[3\]/],
  ['MaxPool2d padding', () => new L.MaxPool2d({ kernelSize: 2, padding: 2 }), 'INVALID_ARGUMENT', /MaxPool2d: padding \[2,2\] must be at most half the kernel size \[2,2\]/],
  ['MaxPool2d kernel', () => new L.MaxPool2d({ kernelSize: 0 }), 'INVALID_ARGUMENT', /kernelSize must be an integer >= 1/],
  ['AvgPool2d stride', () => new L.AvgPool2d({ kernelSize: 2, stride: 0 }), 'INVALID_ARGUMENT', /AvgPool2d: stride must be an integer >= 1/],
  ['AvgPool2d padding', () => new L.AvgPool2d({ kernelSize: 3, padding: 2 }), 'INVALID_ARGUMENT', /padding \[2,2\] must be at most half/],
  ['AdaptiveAvgPool2d size', () => new L.AdaptiveAvgPool2d({ outputSize: [2, 0] }), 'INVALID_ARGUMENT', /outputSize must be an integer >= 1 or a pair/],
  ['Flatten startDim', () => new L.Flatten({ startDim: 0.5 }), 'INVALID_ARGUMENT', /Flatten: startDim must be an integer/],
  ['LeakyReLU slope', () => new L.LeakyReLU({ negativeSlope: NaN }), 'INVALID_ARGUMENT', /negativeSlope must be a finite number/],
  ['ELU alpha', () => new L.ELU({ alpha: Infinity }), 'INVALID_ARGUMENT', /ELU: alpha must be a finite number/],
  ['GELU approximate', () => new L.GELU({ approximate: 'fast' as 'tanh' }), 'INVALID_ARGUMENT', /approximate must be 'none' or 'tanh', got "fast"/],
  ['Softmax dim', () => new L.Softmax({ dim: 1.5 }), 'INVALID_ARGUMENT', /Softmax: dim must be an integer/],
  ['LogSoftmax dim', () => new L.LogSoftmax({ dim: Number.NaN }), 'INVALID_ARGUMENT', /LogSoftmax: dim must be an integer/],
  ['Softplus beta', () => new L.Softplus({ beta: 0 }), 'INVALID_ARGUMENT', /Softplus: beta must be a finite number > 0/],
];

describe('construction errors', () => {
  for (const [label, run, code, message] of construction) {
    it(label, () => expectTensorErrorSync(run, code, message));
  }
});

describe('forward errors name the layer and the shapes', () => {
  const x2 = (): ReturnType<typeof zeros> => zeros([2, 3]);
  const forward: Case[] = [
    ['Linear features', () => new L.Linear({ inFeatures: 4, outFeatures: 2, seed: 0 }).forward(x2()), 'SHAPE_MISMATCH', /Linear: expected 4 input features in the last axis \(axis 1\), got input shape \[2,3\]/],
    ['Linear scalar', () => new L.Linear({ inFeatures: 4, outFeatures: 2, seed: 0 }).forward(tensor(1)), 'SHAPE_MISMATCH', /Linear: expected 4 input features/],
    ['Linear not a tensor', () => new L.Linear({ inFeatures: 4, outFeatures: 2, seed: 0 }).forward([1, 2] as never), 'INVALID_ARGUMENT', /Linear: input must be a Tensor, got an array of length 2/],
    ['Linear disposed', () => {
      const x = zeros([1, 4]);
      x.dispose();
      return new L.Linear({ inFeatures: 4, outFeatures: 2, seed: 0 }).forward(x);
    }, 'TENSOR_DISPOSED', /Linear: input \(tensor id=\d+ shape=\[1,4\]\) was disposed/],
    ['Conv1d rank', () => new L.Conv1d({ inChannels: 3, outChannels: 2, kernelSize: 1, seed: 0 }).forward(zeros([3])), 'SHAPE_MISMATCH', /Conv1d: expected input of shape \[N, C, L\] or unbatched \[C, L\], got \[3\]/],
    ['Conv1d channels', () => new L.Conv1d({ inChannels: 3, outChannels: 2, kernelSize: 1, seed: 0 }).forward(zeros([1, 2, 5])), 'SHAPE_MISMATCH', /Conv1d: expected 3 input channels \(axis 1\), got input shape \[1,2,5\]/],
    ['Conv2d channels', () => new L.Conv2d({ inChannels: 3, outChannels: 2, kernelSize: 1, seed: 0 }).forward(zeros([1, 4, 5, 5])), 'SHAPE_MISMATCH', /Conv2d: expected 3 input channels \(axis 1\), got input shape \[1,4,5,5\]/],
    ['Conv2d unbatched channels', () => new L.Conv2d({ inChannels: 3, outChannels: 2, kernelSize: 1, seed: 0 }).forward(zeros([4, 5, 5])), 'SHAPE_MISMATCH', /expected 3 input channels \(axis 0\)/],
    ['Conv2d rank', () => new L.Conv2d({ inChannels: 3, outChannels: 2, kernelSize: 1, seed: 0 }).forward(zeros([3, 5])), 'SHAPE_MISMATCH', /Conv2d: expected input of shape \[N, C, H, W\] or unbatched \[C, H, W\], got \[3,5\]/],
    ['Conv2d small input', () => new L.Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 5, seed: 0 }).forward(zeros([1, 1, 3, 3])), 'SHAPE_MISMATCH', /kernel \(5x5 with dilation\) is larger than the padded input/],
    ['ConvTranspose2d channels', () => new L.ConvTranspose2d({ inChannels: 3, outChannels: 2, kernelSize: 2, seed: 0 }).forward(zeros([1, 2, 4, 4])), 'SHAPE_MISMATCH', /ConvTranspose2d: expected 3 input channels/],
    ['ConvTranspose2d rank', () => new L.ConvTranspose2d({ inChannels: 3, outChannels: 2, kernelSize: 2, seed: 0 }).forward(zeros([3])), 'SHAPE_MISMATCH', /ConvTranspose2d: expected input of shape/],
    ['BatchNorm1d channels', () => new L.BatchNorm1d({ numFeatures: 3 }).forward(zeros([4, 2])), 'SHAPE_MISMATCH', /BatchNorm1d: expected 3 channels \(axis 1\), got input shape \[4,2\]/],
    ['BatchNorm1d rank', () => new L.BatchNorm1d({ numFeatures: 3 }).forward(zeros([3])), 'SHAPE_MISMATCH', /BatchNorm1d: expected input of shape \[N, C\] or \[N, C, L\], got \[3\]/],
    ['BatchNorm2d rank', () => new L.BatchNorm2d({ numFeatures: 3 }).forward(zeros([2, 3])), 'SHAPE_MISMATCH', /BatchNorm2d: expected input of shape \[N, C, H, W\], got \[2,3\]/],
    ['BatchNorm one value per channel', () => new L.BatchNorm1d({ numFeatures: 3 }).forward(zeros([1, 3])), 'SHAPE_MISMATCH', /expected more than 1 value per channel when training, got input shape \[1,3\]/],
    ['LayerNorm trailing', () => new L.LayerNorm({ normalizedShape: [2, 3] }).forward(zeros([2, 4, 3])), 'SHAPE_MISMATCH', /LayerNorm: expected input whose trailing axes are \[2,3\], got \[2,4,3\]/],
    ['LayerNorm rank', () => new L.LayerNorm({ normalizedShape: [2, 3] }).forward(zeros([3])), 'SHAPE_MISMATCH', /trailing axes are \[2,3\], got \[3\]/],
    ['GroupNorm channels', () => new L.GroupNorm({ numGroups: 2, numChannels: 4 }).forward(zeros([2, 6, 3])), 'SHAPE_MISMATCH', /GroupNorm: expected 4 channels \(axis 1\), got input shape \[2,6,3\]/],
    ['GroupNorm rank', () => new L.GroupNorm({ numGroups: 2, numChannels: 4 }).forward(zeros([4])), 'SHAPE_MISMATCH', /GroupNorm: expected input of shape \[N, C, \.\.\.\], got \[4\]/],
    ['Embedding dtype', () => new L.Embedding({ numEmbeddings: 4, embeddingDim: 2, seed: 0 }).forward(zeros([2])), 'DTYPE_MISMATCH', /Embedding: indices must be int32, got float32 \(shape \[2\]\)/],
    ['Embedding range', () => new L.Embedding({ numEmbeddings: 4, embeddingDim: 2, seed: 0 }).forward(tensor([1, 4], undefined, { dtype: 'int32' })), 'INDEX_OUT_OF_RANGE', /4/],
    ['MaxPool2d rank', () => new L.MaxPool2d({ kernelSize: 2 }).forward(zeros([4, 4])), 'SHAPE_MISMATCH', /MaxPool2d: expected input of shape \[N, C, H, W\] or unbatched \[C, H, W\], got \[4,4\]/],
    ['MaxPool2d too small', () => new L.MaxPool2d({ kernelSize: 3 }).forward(zeros([1, 1, 2, 2])), 'SHAPE_MISMATCH', /the output would be empty/],
    ['AvgPool2d rank', () => new L.AvgPool2d({ kernelSize: 2 }).forward(zeros([2])), 'SHAPE_MISMATCH', /AvgPool2d: expected input of shape/],
    ['AdaptiveAvgPool2d rank', () => new L.AdaptiveAvgPool2d({ outputSize: 1 }).forward(zeros([2, 2])), 'SHAPE_MISMATCH', /AdaptiveAvgPool2d: expected input of shape/],
    ['Flatten axis', () => new L.Flatten({ startDim: 3 }).forward(zeros([2, 2])), 'AXIS_OUT_OF_RANGE', /3/],
    ['Softmax axis', () => new L.Softmax({ dim: 2 }).forward(zeros([2, 2])), 'AXIS_OUT_OF_RANGE', /2/],
    ['Dropout input', () => new L.Dropout().forward(null as never), 'INVALID_ARGUMENT', /Dropout: input must be a Tensor, got null/],
    ['ReLU input', () => new L.ReLU().forward(undefined as never), 'INVALID_ARGUMENT', /ReLU: input must be a Tensor, got undefined/],
  ];
  for (const [label, run, code, message] of forward) {
    it(label, () => expectTensorErrorSync(() => tidy(() => {
      run();
    }), code, message));
  }
});

describe('Dropout', () => {
  it('zeros about p of the elements, scales the rest by 1/(1-p), and draws a new mask each call', () => {
    const drop = new L.Dropout({ p: 0.25, seed: 11 });
    const x = ones([100, 100]);
    const a = drop.forward(x).dataSync();
    const b = drop.forward(x).dataSync();
    const zerosA = a.filter((v) => v === 0).length / a.length;
    expect(Math.abs(zerosA - 0.25)).toBeLessThan(0.02);
    expect(a.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6)).toBe(true);
    expect(Array.from(a)).not.toEqual(Array.from(b));
    expect(drop.calls).toBe(2);
    // Same seed, same sequence of masks.
    const again = new L.Dropout({ p: 0.25, seed: 11 });
    expect(Array.from(again.forward(x).dataSync())).toEqual(Array.from(a));
    // Eval: the identity (a new tensor); p = 0 too; p = 1 gives zeros.
    const e = drop.eval().forward(x);
    expect(e).not.toBe(x);
    expect(Array.from(e.dataSync()).every((v) => v === 1)).toBe(true);
    expect(Array.from(new L.Dropout({ p: 0 }).forward(x).dataSync()).every((v) => v === 1)).toBe(true);
    expect(Array.from(new L.Dropout({ p: 1 }).forward(x).dataSync()).every((v) => v === 0)).toBe(true);
    expect(drop.toString()).toBe('Dropout(p=0.25)');
    dispose(x);
  });

  it('gradients flow only through kept elements', () => {
    const drop = new L.Dropout({ p: 0.5, seed: 3 });
    const x = ones([50]);
    x.requiresGrad = true;
    let kept: number[] = [];
    let gradient: number[] = [];
    tidy(() => {
      const y = drop.forward(x);
      kept = Array.from(y.dataSync());
      gradient = Array.from(backward(y.sum()).get(x)!.dataSync());
    });
    expect(gradient).toEqual(kept);
    dispose(x);
  });
});

describe('Embedding', () => {
  it('fromPretrained freezes by default and consumes the weights', () => {
    const before = memory().tensors;
    const emb = L.Embedding.fromPretrained(tensor([[0, 0], [1, 1], [2, 2]]));
    expect(emb.weight.requiresGrad).toBe(false);
    expect(emb.numEmbeddings).toBe(3);
    const out = noGrad(() => emb.forward(tensor([2, 0], undefined, { dtype: 'int32' })));
    expect(Array.from(out.dataSync())).toEqual([2, 2, 0, 0]);
    const trainable = L.Embedding.fromPretrained(tensor([[1, 2]]), { freeze: false, paddingIdx: 0 });
    expect(trainable.weight.requiresGrad).toBe(true);
    expect(trainable.paddingIdx).toBe(0);
    dispose(out);
    emb.dispose();
    trainable.dispose();
    expect(memory().tensors - before).toBeLessThanOrEqual(2); // the index tensors
  });
});

describe('penalties', () => {
  it('l1 and l2 penalties sum over the given parameters and are differentiable', () => {
    const a = L.parameter(tensor([1, -2]));
    const b = L.parameter(tensor([[3], [-0.5]]));
    const l1 = L.l1Penalty([a, b], 0.5);
    expectClose(l1.dataSync(), [0.5 * 6.5]);
    const l2 = L.l2Penalty([a, b], 0.1);
    expectClose(l2.dataSync(), [0.1 * (1 + 4 + 9 + 0.25)]);
    const grads = tidy(() => backward(L.l2Penalty([a, b], 0.1).add(L.l1Penalty([a], 1))));
    expectClose(grads.get(a)!.dataSync(), [0.2 * 1 + 1, 0.2 * -2 - 1]);
    expectClose(grads.get(b)!.dataSync(), [0.6, -0.1]);
    const none = L.l2Penalty([], 1);
    expect(none.dataSync()[0]).toBe(0);
    dispose([a, b, l1, l2, grads, none]);
  });

  it('rejects a bad lambda or bad params', () => {
    expectTensorErrorSync(() => L.l1Penalty([], -1), 'INVALID_ARGUMENT', /l1Penalty: lambda must be a non-negative finite number, got -1/);
    expectTensorErrorSync(() => L.l2Penalty([], NaN), 'INVALID_ARGUMENT', /l2Penalty: lambda must be/);
    expectTensorErrorSync(() => L.l2Penalty(5 as never, 1), 'INVALID_ARGUMENT', /params must be an iterable of tensors/);
    expectTensorErrorSync(() => L.l1Penalty([1] as never, 1), 'INVALID_ARGUMENT', /params\[0\] is not a Tensor/);
  });
});

describe('shapes and modes', () => {
  it('output shapes of common configurations', () => {
    const shapes: [L.AnyModule, number[], number[]][] = [
      [new L.Conv2d({ inChannels: 3, outChannels: 8, kernelSize: 3, stride: 2, padding: 1, seed: 0 }), [2, 3, 32, 32], [2, 8, 16, 16]],
      [new L.Conv2d({ inChannels: 3, outChannels: 8, kernelSize: 5, padding: 'same', seed: 0 }), [1, 3, 9, 9], [1, 8, 9, 9]],
      [new L.Conv1d({ inChannels: 2, outChannels: 4, kernelSize: 3, padding: 'valid', seed: 0 }), [2, 2, 10], [2, 4, 8]],
      [new L.ConvTranspose2d({ inChannels: 4, outChannels: 2, kernelSize: 2, stride: 2, seed: 0 }), [1, 4, 8, 8], [1, 2, 16, 16]],
      [new L.MaxPool2d({ kernelSize: 2 }), [1, 3, 7, 7], [1, 3, 3, 3]],
      [new L.AvgPool2d({ kernelSize: 2, ceilMode: true }), [1, 3, 7, 7], [1, 3, 4, 4]],
      [new L.AdaptiveAvgPool2d({ outputSize: [2, 3] }), [2, 5, 9, 7], [2, 5, 2, 3]],
      [new L.Flatten({ startDim: 0 }), [2, 3, 4], [24]],
      [new L.Linear({ inFeatures: 6, outFeatures: 2, seed: 0 }), [3, 4, 6], [3, 4, 2]],
      [new L.Identity(), [2, 2], [2, 2]],
    ];
    for (const [m, input, output] of shapes) {
      const y = noGrad(() => tidy(() => (m.forward as (x: ReturnType<typeof zeros>) => ReturnType<typeof zeros>)(zeros(input))));
      expect(y.shape, m.constructor.name).toEqual(output);
      y.dispose();
      m.dispose();
    }
  });

  it('BatchNorm: train uses batch statistics and moves the running ones; eval uses the running ones', () => {
    const bn = new L.BatchNorm1d({ numFeatures: 2, momentum: 0.5 });
    const x = tensor([[1, 10], [3, 20], [5, 30]]);
    const yTrain = noGrad(() => bn.forward(x));
    // Batch mean [3, 20], biased var [8/3, 200/3]: normalised columns [-1.22, 0, 1.22].
    expectClose(yTrain.dataSync(), [-1.2247427, -1.2247427, 0, 0, 1.2247427, 1.2247427], 'train', 1e-4);
    // Running: 0.5·0 + 0.5·mean; var with the unbiased estimate: 0.5·1 + 0.5·[4, 100].
    expectClose(bn.runningMean!.dataSync(), [1.5, 10]);
    expectClose(bn.runningVar!.dataSync(), [2.5, 50.5]);
    expect(bn.numBatchesTracked!.dataSync()[0]).toBe(1);
    bn.eval();
    const yEval = noGrad(() => bn.forward(x));
    expectClose(yEval.dataSync(), [(1 - 1.5) / Math.sqrt(2.5 + 1e-5), 0, (3 - 1.5) / Math.sqrt(2.5 + 1e-5), 10 / Math.sqrt(50.5 + 1e-5), (5 - 1.5) / Math.sqrt(2.5 + 1e-5), 20 / Math.sqrt(50.5 + 1e-5)], 'eval');
    expect(bn.numBatchesTracked!.dataSync()[0]).toBe(1);
    // One sample is fine in eval mode.
    const one = noGrad(() => bn.forward(tensor([[1.5, 10]])));
    expectClose(one.dataSync(), [0, 0]);
    dispose([x, yTrain, yEval, one]);
    bn.dispose();
  });
});

describe('every bad option of one call in one error (issue 11)', () => {
  function failures(run: () => unknown): { code: string; names: (string | undefined)[]; message: string } {
    try {
      run();
    } catch (e) {
      const error = e as import('@tessera/tensor-core').TensorError;
      return { code: error.code, names: error.details.map((d) => d.name), message: error.message };
    }
    throw new Error('expected a TensorError');
  }

  it('Conv2d reports a misspelt key and two bad sizes together, with the first code', () => {
    const f = failures(() => new L.Conv2d({ inChannels: 0, outChannels: 2, kernelSize: [3, 0], bais: false } as unknown as L.Conv2dOptions));
    expect(f.code).toBe('UNKNOWN_OPTION');
    expect(f.names).toEqual(['options', 'inChannels', 'kernelSize']);
    expect(f.message).toMatch(/unknown option 'bais' \(did you mean 'bias'\?\).*; and 2 more problems: inChannels must be an integer >= 1, got number 0; kernelSize must be an integer >= 1 or a pair of them, got \[3,0\]/);
  });

  it('Linear, BatchNorm2d, LSTM and MultiHeadAttention list each bad value', () => {
    expect(failures(() => new L.Linear({ inFeatures: -1, outFeatures: 1.5 })).names).toEqual(['inFeatures', 'outFeatures']);
    expect(failures(() => new L.BatchNorm2d({ numFeatures: 2, eps: 0, momentum: 2 })).names).toEqual(['eps', 'momentum']);
    const lstm = failures(() => new L.LSTM({ inputSize: 0, hiddenSize: 4, dropout: 2, bidirectional: 'yes' as never }));
    expect(lstm.code).toBe('INVALID_ARGUMENT');
    expect(lstm.names).toEqual(['inputSize', 'dropout', 'bidirectional']);
    expect(failures(() => new L.MultiHeadAttention({ embedDim: 4, numHeads: 0, dropout: -1 })).names).toEqual(['numHeads', 'dropout']);
  });

  it('a loss reports a bad reduction together with a non-float target', () => {
    const f = failures(() => L.mseLoss(tensor([1, 2]), tensor([1, 2], [2], { dtype: 'int32' }), { reduction: 'avg' as 'mean' }));
    expect(f.code).toBe('DTYPE_MISMATCH');
    expect(f.names).toEqual(['target', 'reduction']);
  });
});
