/**
 * Every options object of every public layers class and function rejects unknown keys with
 * `UNKNOWN_OPTION` (issue 14: `new Linear({ ..., bais: false })` used to build a biased layer).
 */
import { beforeAll, describe, it } from 'vitest';
import { ones, setBackend, tensor, zeros } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import * as L from './index.js';
import { expectTensorError } from './test-utils/helpers.js';

beforeAll(async () => {
  await setBackend(cpu());
});

const X = { zz_unknown: 1 };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCtor = new (o: any) => unknown;
const ctor = (C: AnyCtor, o: object) => () => new C({ ...o, ...X });
const fc = (): L.Linear => new L.Linear({ inFeatures: 2, outFeatures: 2, seed: 0 });

const CASES: Array<[string, () => unknown]> = [
  ['Linear', ctor(L.Linear, { inFeatures: 2, outFeatures: 2 })],
  ['Conv1d', ctor(L.Conv1d, { inChannels: 1, outChannels: 1, kernelSize: 1 })],
  ['Conv2d', ctor(L.Conv2d, { inChannels: 1, outChannels: 1, kernelSize: 1 })],
  ['ConvTranspose2d', ctor(L.ConvTranspose2d, { inChannels: 1, outChannels: 1, kernelSize: 1 })],
  ['BatchNorm1d', ctor(L.BatchNorm1d, { numFeatures: 2 })],
  ['BatchNorm2d', ctor(L.BatchNorm2d, { numFeatures: 2 })],
  ['LayerNorm', ctor(L.LayerNorm, { normalizedShape: 2 })],
  ['GroupNorm', ctor(L.GroupNorm, { numGroups: 1, numChannels: 2 })],
  ['Dropout', ctor(L.Dropout, {})],
  ['Embedding', ctor(L.Embedding, { numEmbeddings: 2, embeddingDim: 2 })],
  ['Embedding.fromPretrained', () => L.Embedding.fromPretrained(ones([2, 2]), X as never)],
  ['MaxPool2d', ctor(L.MaxPool2d, { kernelSize: 2 })],
  ['AvgPool2d', ctor(L.AvgPool2d, { kernelSize: 2 })],
  ['AdaptiveAvgPool2d', ctor(L.AdaptiveAvgPool2d, { outputSize: 1 })],
  ['Flatten', ctor(L.Flatten, {})],
  ['LeakyReLU', ctor(L.LeakyReLU, {})],
  ['ELU', ctor(L.ELU, {})],
  ['GELU', ctor(L.GELU, {})],
  ['Softmax', ctor(L.Softmax, {})],
  ['LogSoftmax', ctor(L.LogSoftmax, {})],
  ['Softplus', ctor(L.Softplus, {})],
  ['RNN', ctor(L.RNN, { inputSize: 2, hiddenSize: 2 })],
  ['LSTM', ctor(L.LSTM, { inputSize: 2, hiddenSize: 2 })],
  ['GRU', ctor(L.GRU, { inputSize: 2, hiddenSize: 2 })],
  ['MultiHeadAttention', ctor(L.MultiHeadAttention, { embedDim: 2, numHeads: 1 })],
  ['MultiHeadAttention.forward', () => {
    const q = ones([1, 1, 2]);
    return new L.MultiHeadAttention({ embedDim: 2, numHeads: 1, seed: 0 }).forward(q, q, q, X as never);
  }],
  ['TransformerEncoderLayer', ctor(L.TransformerEncoderLayer, { dModel: 2, nhead: 1 })],
  ['TransformerEncoderLayer.forward', () => new L.TransformerEncoderLayer({ dModel: 2, nhead: 1, dimFeedforward: 2, seed: 0 }).forward(ones([1, 1, 2]), X as never)],
  ['parameter', () => L.parameter(ones([1]), X as never)],
  ['registerBuffer', () => fc().registerBuffer('b', ones([1]), X as never)],
  ['stateDict', () => fc().stateDict(X as never)],
  ['loadStateDict', () => fc().loadStateDict(new Map(), X as never)],
  ['save', () => fc().save(undefined, X as never)],
  ['load', () => fc().load(new Uint8Array(8), X as never)],
  ['summary', () => fc().summary(X as never)],
  ['serializeSafetensors', () => L.serializeSafetensors({ a: ones([1]) }, X as never)],
  ['deserializeSafetensors', () => L.deserializeSafetensors(new Uint8Array(8), X as never)],
  ['saveSafetensors', () => L.saveSafetensors({ a: ones([1]) }, undefined, X as never)],
  ['loadSafetensors', () => L.loadSafetensors(new Uint8Array(8), X as never)],
  ['zeros', () => L.init.zeros([1], X as never)],
  ['ones', () => L.init.ones([1], X as never)],
  ['constant', () => L.init.constant([1], 1, X as never)],
  ['uniform', () => L.init.uniform([1], X as never)],
  ['normal', () => L.init.normal([1], X as never)],
  ['xavierUniform', () => L.init.xavierUniform([2, 2], X as never)],
  ['xavierNormal', () => L.init.xavierNormal([2, 2], X as never)],
  ['kaimingUniform', () => L.init.kaimingUniform([2, 2], X as never)],
  ['kaimingNormal', () => L.init.kaimingNormal([2, 2], X as never)],
  ['orthogonal', () => L.init.orthogonal([2, 2], X as never)],
  ['mseLoss', () => L.mseLoss(ones([2]), ones([2]), X as never)],
  ['l1Loss', () => L.l1Loss(ones([2]), ones([2]), X as never)],
  ['huberLoss', () => L.huberLoss(ones([2]), ones([2]), X as never)],
  ['smoothL1Loss', () => L.smoothL1Loss(ones([2]), ones([2]), X as never)],
  ['binaryCrossEntropy', () => L.binaryCrossEntropy(ones([2]).mul(0.5), ones([2]), X as never)],
  ['binaryCrossEntropyWithLogits', () => L.binaryCrossEntropyWithLogits(ones([2]), ones([2]), X as never)],
  ['crossEntropy', () => L.crossEntropy(ones([1, 2]), tensor([0], [1], { dtype: 'int32' }), X as never)],
  ['nllLoss', () => L.nllLoss(ones([1, 2]), tensor([0], [1], { dtype: 'int32' }), X as never)],
  ['klDiv', () => L.klDiv(zeros([2]), ones([2]).mul(0.5), X as never)],
];

describe('layers options: unknown keys are rejected', () => {
  it.each(CASES)('%s', async (name, run) => {
    void name;
    await expectTensorError(run, 'UNKNOWN_OPTION', /unknown option 'zz_unknown'; valid options: \w+/);
  });

  it('names the camelCase spelling of a snake_case key, or a close one', async () => {
    await expectTensorError(() => new L.LSTM({ inputSize: 2, hiddenSize: 2, batch_first: true } as never), 'UNKNOWN_OPTION', /^LSTM: unknown option 'batch_first' \(did you mean 'batchFirst'\?\); valid options: inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, seed$/);
    await expectTensorError(() => new L.Linear({ inFeatures: 2, outFeatures: 2, bais: false } as never), 'UNKNOWN_OPTION', /'bais' \(did you mean 'bias'\?\)/);
    await expectTensorError(() => new L.BatchNorm1d({ numFeatures: 2, momentun: 0.5 } as never), 'UNKNOWN_OPTION', /did you mean 'momentum'/);
    await expectTensorError(() => L.crossEntropy(ones([1, 2]), tensor([0], [1], { dtype: 'int32' }), { label_smoothing: 0.1 } as never), 'UNKNOWN_OPTION', /did you mean 'labelSmoothing'/);
    await expectTensorError(() => new L.RNN({ inputSize: 2, hiddenSize: 2, non_linearity: 'relu' } as never), 'UNKNOWN_OPTION', /did you mean 'nonlinearity'/);
  });
});
