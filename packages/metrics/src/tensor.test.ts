/**
 * Tensor inputs (CPU backend): every dtype reads as float64 on the host and gives the same values
 * as plain arrays of the same (float32-rounded) numbers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend, tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { AUROC, F1Score, accuracy, auroc, confusionMatrix, f1Score, logLoss, meanSquaredError, r2Score, rocCurve } from './index.js';
import { expectTensorError } from './test-utils/errors.js';

beforeAll(async () => {
  await setBackend(cpu());
});

const f32 = (values: number[]): number[] => values.map(Math.fround);

describe('tensor inputs', () => {
  it('accept float32 scores, int32 labels and bool predictions', async () => {
    const scores = [[0.1, 0.7, 0.2], [0.6, 0.3, 0.1], [0.2, 0.3, 0.5], [0.3, 0.4, 0.3]];
    const labels = [1, 0, 1, 1];
    const scoresT = tensor(scores);
    const labelsT = tensor(labels, [4], { dtype: 'int32' });
    expect(await accuracy(scoresT, labelsT)).toBe(0.75);
    expect(await accuracy(scoresT, labelsT, { topK: 2 })).toBe(1);
    expect(await f1Score(scoresT, labelsT, { average: 'macro' })).toBe(await f1Score(scores, labels, { average: 'macro' }));
    expect(await confusionMatrix(tensor([true, false, true]), tensor([1, 0, 0], [3], { dtype: 'int32' }))).toEqual([[1, 1], [0, 1]]);
  });

  it('give the values of plain arrays holding the same float32 numbers', async () => {
    const probs = [0.1, 0.4, 0.35, 0.8, 0.35];
    const target = [0, 0, 1, 1, 0];
    const probsT = tensor(probs);
    expect(await auroc(probsT, tensor(target))).toBe(await auroc(f32(probs), target));
    expect(await rocCurve(probsT, target)).toEqual(await rocCurve(f32(probs), target));
    expect(await logLoss(probsT, target)).toBe(await logLoss(f32(probs), target));
    const y = [3, -0.5, 2, 7];
    const yHat = [2.5, 0, 2, 8];
    expect(await meanSquaredError(tensor(yHat), tensor(y))).toBeCloseTo(0.375, 12);
    expect(await r2Score(tensor(yHat, [4, 1]), tensor(y))).toBe(await r2Score(f32(yHat), f32(y)));
  });

  it('stream tensor batches', async () => {
    const m = new AUROC();
    await m.update(tensor([0.1, 0.4]), tensor([0, 0], [2], { dtype: 'int32' }));
    await m.update(tensor([0.35, 0.8]), [1, 1]);
    expect(m.compute()).toBe(0.75);
    const f1 = new F1Score({ average: 'micro' });
    await f1.update(tensor([[0.9, 0.1], [0.2, 0.8]]), tensor([0, 0]));
    expect(f1.compute()).toBe(0.5);
  });

  it('reject tensors of rank 0 or above 2, and disposed tensors', async () => {
    await expectTensorError(() => accuracy(tensor([[[0.5]]]), [0]), 'SHAPE_MISMATCH', /^accuracy: pred must have shape \[N\] or \[N, C\], got \[1,1,1\]/);
    await expectTensorError(() => meanSquaredError(tensor(1), [1]), 'SHAPE_MISMATCH', /pred must have shape \[N\] or \[N, C\], got \[\]/);
    const t = tensor([0, 1]);
    t.dispose();
    await expectTensorError(() => accuracy(t, [0, 1]), 'TENSOR_DISPOSED', /./);
  });

  it('report probabilities out of range with their index', async () => {
    await expectTensorError(() => logLoss(tensor([[0.5, 0.5], [1.5, -0.5]]), [0, 1]), 'INVALID_ARGUMENT', /^logLoss: pred\[1,0\] = 1.5 is not a probability in \[0, 1\]/);
  });
});
