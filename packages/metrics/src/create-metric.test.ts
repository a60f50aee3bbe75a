/**
 * `createMetric`, the contract with the training loop: Keras-like names build fresh streaming
 * metrics with stable log keys that accept raw model outputs (CPU tensors of logits or
 * probabilities) batch by batch.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend, tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import {
  Accuracy,
  F1Score,
  Precision,
  Recall,
  accuracy,
  auroc,
  createMetric,
  f1Score,
  logLoss,
  meanAbsoluteError,
  meanSquaredError,
  metricNames,
  precision,
  r2Score,
  recall,
  rootMeanSquaredError,
  type Metric,
} from './index.js';
import { expectTensorError } from './test-utils/errors.js';

beforeAll(async () => {
  await setBackend(cpu());
});

// Multiclass logits [8, 3] (float32-exact values) and int32 labels.
const logits = [
  [2, -1, 0.5], [0.25, 1.5, -2], [-1, 0, 3], [1, 1.25, 0],
  [0.5, -0.5, 0.75], [3, 0, -1], [-2, 2.5, 0.5], [0, 0.5, 1],
];
const labels = [0, 1, 2, 0, 2, 0, 1, 1];
const softmax = (rows: number[][]): number[][] => rows.map((row) => {
  const max = Math.max(...row);
  const e = row.map((v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
});

/** Feeds `pred`/`target` rows to `metric` in batches of 3 as CPU tensors. */
async function stream(metric: Metric, pred: number[] | number[][], target: number[], dtype: 'float32' | 'int32' = 'int32'): Promise<number> {
  for (let i = 0; i < target.length; i += 3) {
    const p = pred.slice(i, i + 3);
    await metric.update(tensor(p as number[][]), tensor(target.slice(i, i + 3), [Math.min(3, target.length - i)], { dtype }));
  }
  return metric.compute() as number;
}

describe('createMetric', () => {
  it('builds accuracy (and acc) for [N, C] logits, logged as accuracy', async () => {
    for (const name of ['accuracy', 'acc']) {
      const m = createMetric(name);
      expect(m).toBeInstanceOf(Accuracy);
      expect(m.name).toBe('accuracy');
      expect(await stream(m, logits, labels)).toBe(await accuracy(logits, labels));
    }
    expect(await accuracy(logits, labels)).toBe(6 / 8);
  });

  it('uses the macro mean for precision, recall and f1 with more than 2 classes', async () => {
    const cases = [['precision', precision, Precision], ['recall', recall, Recall], ['f1', f1Score, F1Score]] as const;
    for (const [name, fn, cls] of cases) {
      const m = createMetric(name);
      expect(m.name).toBe(name);
      expect(m).toBeInstanceOf(cls); // the loop can recognise classification metrics
      expect(await stream(m, logits, labels)).toBeCloseTo(await fn(logits, labels, { average: 'macro' }), 12);
    }
    expect(createMetric('f1Score').name).toBe('f1');
  });

  it('uses the score of class 1 for binary problems: [N] probabilities or [N, 2] logits', async () => {
    const probs = [0.9, 0.2, 0.6, 0.4, 0.7, 0.1, 0.3, 0.8];
    const target = [1, 0, 0, 1, 1, 0, 1, 1];
    for (const [name, fn] of [['precision', precision], ['recall', recall], ['f1', f1Score]] as const) {
      const expected = await fn(probs, target, { threshold: 0.5 });
      expect(await stream(createMetric(name), probs, target)).toBeCloseTo(expected, 12);
      const twoLogits = probs.map((p) => [0, Math.log(p / (1 - p))]);
      expect(await stream(createMetric(name), twoLogits, target)).toBeCloseTo(expected, 12);
    }
    expect(await precision(probs, target, { threshold: 0.5 })).toBe(0.75); // 3 of the 4 predicted positives
    // Only class 0 seen: class 1 has no predictions, so precision is 0 (zeroDivision).
    const m = createMetric('precision');
    await m.update([0, 0], [0, 0]);
    expect(m.compute()).toBe(0);
  });

  it('softmaxes [N, C] logits for auroc (auc) and logLoss, and leaves probabilities alone', async () => {
    const probabilities = softmax(logits);
    for (const name of ['auc', 'auroc']) {
      const m = createMetric(name);
      expect(m.name).toBe('auroc');
      expect(await stream(m, logits, labels)).toBeCloseTo(await auroc(probabilities, labels), 6);
    }
    const rounded = softmax(logits.map((row) => row.map(Math.fround))).map((row) => row.map(Math.fround));
    const fromProbabilities = createMetric('auc');
    await fromProbabilities.update(tensor(rounded), tensor(labels, [8], { dtype: 'int32' }));
    expect(fromProbabilities.compute()).toBe(await auroc(rounded, labels));
    const loss = createMetric('logLoss');
    expect(await stream(loss, logits, labels)).toBeCloseTo(await logLoss(probabilities, labels), 6);
    // Binary [N] logits rank as they are.
    const binary = createMetric('auc');
    await binary.update(tensor([-2, 0.5, -0.25, 3]), tensor([0, 0, 1, 1], [4], { dtype: 'int32' }));
    expect(binary.compute()).toBe(0.75);
  });

  it('builds top-k accuracy as top{k}Accuracy', async () => {
    const top5 = createMetric('topKAccuracy');
    expect(top5.name).toBe('top5Accuracy');
    const top2 = createMetric('top2Accuracy');
    expect(top2.name).toBe('top2Accuracy');
    expect(top2).toBeInstanceOf(Accuracy);
    expect(await stream(top2, logits, labels)).toBe(await accuracy(logits, labels, { topK: 2 }));
    await expectTensorError(() => createMetric('top0Accuracy'), 'INVALID_ARGUMENT', /unknown metric 'top0Accuracy'/);
  });

  it('builds regression metrics on float tensors', async () => {
    const y = [3, -0.5, 2, 7, 4.5];
    const yHat = [2.5, 0, 2, 8, 4];
    const cases = [['mse', meanSquaredError], ['rmse', rootMeanSquaredError], ['mae', meanAbsoluteError], ['r2', r2Score]] as const;
    for (const [name, fn] of cases) {
      const m = createMetric(name);
      expect(m.name).toBe(name);
      expect(await stream(m, yHat, y, 'float32')).toBeCloseTo(await fn(yHat, y), 12);
    }
    expect(createMetric('meanSquaredError').name).toBe('mse');
    expect(createMetric('r2Score').name).toBe('r2');
  });

  it('returns fresh metrics that merge with each other, and Metric objects as they are', async () => {
    const a = createMetric('f1');
    const b = createMetric('f1');
    expect(a).not.toBe(b);
    await a.update(logits.slice(0, 4), labels.slice(0, 4));
    await b.update(logits.slice(4), labels.slice(4));
    expect(a.merge(b).compute()).toBeCloseTo(await f1Score(logits, labels, { average: 'macro' }), 12);
    const mine = new F1Score({ average: 'weighted' });
    expect(createMetric(mine)).toBe(mine);
  });

  it('creates a metric for every listed name', () => {
    expect(metricNames).toEqual(expect.arrayContaining(['accuracy', 'acc', 'precision', 'recall', 'f1', 'auc', 'auroc', 'mse', 'mae', 'rmse', 'r2', 'topKAccuracy']));
    for (const name of metricNames) {
      const m = createMetric(name);
      expect(typeof m.name).toBe('string');
      expect(() => m.compute(), name).toThrow(/no samples/);
    }
  });

  it('rejects unknown names (listing the known ones) and values that are not metrics', async () => {
    await expectTensorError(() => createMetric('accurcy'), 'INVALID_ARGUMENT', /^createMetric: unknown metric 'accurcy'; known names: accuracy, acc, top5Accuracy, topKAccuracy, precision, .*r2Score, top\{k\}Accuracy/);
    await expectTensorError(() => createMetric({ name: 'x' } as unknown as Metric), 'INVALID_ARGUMENT', /expected a metric name or a Metric .*got an object without/);
    await expectTensorError(() => createMetric(3 as unknown as string), 'INVALID_ARGUMENT', /got number/);
  });
});
