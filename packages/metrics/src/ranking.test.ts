import { describe, expect, it } from 'vitest';
import { AUROC, AveragePrecision, auc, auroc, averagePrecision, precisionRecallCurve, rocCurve, type RankingAverage } from './index.js';
import { expectClose } from './test-utils/close.js';
import { expectTensorError } from './test-utils/errors.js';

/** The Mann-Whitney statistic: P(score of a positive > score of a negative), ties count 1/2. */
function pairwiseAuc(scores: number[], target: number[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((p, i) => {
    if (target[i] !== 1) return;
    scores.forEach((q, j) => {
      if (target[j] !== 0) return;
      pairs += 1;
      wins += p > q ? 1 : p === q ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('rocCurve and precisionRecallCurve', () => {
  it('match scikit-learn documentation examples', async () => {
    expectClose(await rocCurve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), {
      fpr: [0, 0, 0.5, 0.5, 1],
      tpr: [0, 0.5, 0.5, 1, 1],
      thresholds: [1.8, 0.8, 0.4, 0.35, 0.1],
    });
    expectClose(await precisionRecallCurve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), {
      precision: [0.5, 2 / 3, 0.5, 1, 1],
      recall: [1, 1, 0.5, 0.5, 0],
      thresholds: [0.1, 0.35, 0.4, 0.8],
    });
  });

  it('collapse tied scores into one threshold, and drop collinear points unless asked not to', async () => {
    const scores = [0.9, 0.8, 0.7, 0.5, 0.5, 0.5, 0.1];
    const target = [1, 1, 1, 0, 1, 0, 0];
    expectClose(await rocCurve(scores, target, { dropIntermediate: false }), {
      fpr: [0, 0, 0, 0, 2 / 3, 1],
      tpr: [0, 0.25, 0.5, 0.75, 1, 1],
      thresholds: [1.9, 0.9, 0.8, 0.7, 0.5, 0.1],
    });
    expectClose(await rocCurve(scores, target), {
      fpr: [0, 0, 0, 2 / 3, 1],
      tpr: [0, 0.25, 0.75, 1, 1],
      thresholds: [1.9, 0.9, 0.7, 0.5, 0.1],
    });
  });

  it('give NaN rates for a single-class target, as scikit-learn', async () => {
    const { fpr, tpr } = await rocCurve([0.2, 0.8], [1, 1]);
    expect(fpr.every(Number.isNaN)).toBe(true);
    expect(tpr).toEqual([0, 0.5, 1]);
    expect((await precisionRecallCurve([0.2, 0.8], [0, 0])).recall).toEqual([1, 1, 0]);
  });

  it('reject bad input', async () => {
    await expectTensorError(() => rocCurve([[0.1, 0.9]], [1]), 'SHAPE_MISMATCH', /^rocCurve: pred must be binary scores .* of shape \[N\], got shape \[1,2\]/);
    await expectTensorError(() => rocCurve([0.1, 0.9], [1, 2]), 'INVALID_ARGUMENT', /target\[1\] = 2 is out of range for 2 classes.*targets 0 or 1/);
    await expectTensorError(() => precisionRecallCurve([0.1, NaN], [1, 0]), 'INVALID_ARGUMENT', /^precisionRecallCurve: pred\[1\] is NaN; values must be finite/);
    await expectTensorError(() => precisionRecallCurve([0.1, Infinity], [1, 0]), 'INVALID_ARGUMENT', /pred\[1\] is Infinity/);
    await expectTensorError(() => rocCurve([0.1], [1, 0]), 'SHAPE_MISMATCH', /pred has 1 samples \(shape \[1\]\) but target has 2/);
    await expectTensorError(() => rocCurve([], []), 'INVALID_ARGUMENT', /pred is empty/);
  });
});

describe('auc', () => {
  it('integrates with the trapezoidal rule in either direction', () => {
    expect(auc([0, 1, 2], [0, 1, 0])).toBe(1);
    expect(auc([2, 1, 0], [0, 1, 0])).toBe(1);
    expect(auc([0, 0, 1], [0, 1, 1])).toBe(1);
  });

  it('rejects bad input', () => {
    void expectTensorError(() => auc([0, 1], [0]), 'SHAPE_MISMATCH', /^auc: x has 2 points but y has 1/);
    void expectTensorError(() => auc([0], [0]), 'INVALID_ARGUMENT', /at least 2 points are needed/);
    void expectTensorError(() => auc([0, 2, 1], [0, 1, 0]), 'INVALID_ARGUMENT', /x is neither increasing nor decreasing/);
  });
});

describe('auroc', () => {
  it('counts ties exactly one half', async () => {
    expect(await auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(await auroc([0.5, 0.5], [0, 1])).toBe(0.5);
    expect(await auroc([0.2, 0.5, 0.5, 0.9], [0, 0, 1, 1])).toBe(0.875);
    // Against the pairwise definition on heavily tied random scores.
    let seed = 7;
    const next = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const scores = Array.from({ length: 200 }, () => Math.round(next() * 10) / 10);
    const target = scores.map((s) => (next() < 0.3 + 0.4 * s ? 1 : 0));
    expect(await auroc(scores, target)).toBeCloseTo(pairwiseAuc(scores, target), 12);
  });

  it('averages one-vs-rest over classes', async () => {
    const probs = [[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3]];
    expect(await auroc(probs, [0, 1, 2, 1], { average: 'weighted' })).toBe(1);
    expectClose(await auroc(probs, [0, 1, 2, 0], { average: 'none' }), [1, 1, 1]);
    expectClose(await auroc(probs, [1, 0, 2, 1], { average: 'none' }), [1 / 3, 0.5, 1]); // scikit-learn
    // [N, 2] probabilities equal the binary AUC of the second column.
    expect(await auroc([[0.9, 0.1], [0.6, 0.4], [0.65, 0.35], [0.2, 0.8]], [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
  });

  it('throws when the AUC is undefined, as scikit-learn raises', async () => {
    await expectTensorError(() => auroc([0.2, 0.8], [1, 1]), 'INVALID_ARGUMENT', /^auroc: only one class present in target; ROC AUC is undefined/);
    await expectTensorError(() => auroc([0.2, 0.8], [0, 0]), 'INVALID_ARGUMENT', /only one class present in target/);
    await expectTensorError(() => auroc([[0.5, 0.3, 0.2], [0.2, 0.5, 0.3]], [0, 1]), 'INVALID_ARGUMENT', /class 2 never appears in target/);
    await expectTensorError(() => auroc([[0.5, 0.3, 0.2], [0.2, 0.5, 0.3]], [0, 1], { average: 'micro' }), 'INVALID_ARGUMENT', /class 2 never appears in target/);
    const m = new AUROC();
    await m.update([0.3], [1]);
    await expectTensorError(() => m.compute(), 'INVALID_ARGUMENT', /^AUROC\.compute: only one class present/);
  });

  it('rejects scores that are not probabilities for [N, C], and other bad input', async () => {
    await expectTensorError(() => auroc([[0.5, 0.5], [0.5, 0.4]], [0, 1]), 'INVALID_ARGUMENT', /^auroc: row 1 of pred sums to 0.9;/);
    await expectTensorError(() => auroc([[0.5, 0.6], [0.5, 0.5]], [0, 1]), 'INVALID_ARGUMENT', /row 0 of pred sums to 1.1; multiclass AUROC needs probabilities that sum to 1/);
    await expectTensorError(() => auroc([[0.5, 0.5]], [2]), 'INVALID_ARGUMENT', /target\[0\] = 2 is out of range for 2 classes .* \(pred has 2 score columns\)/);
    await expectTensorError(() => auroc([0.1, 0.9], [0, 1], { average: 'samples' as RankingAverage }), 'INVALID_ARGUMENT', /average must be one of 'macro', 'weighted', 'micro', 'none', got samples/);
  });

  it('streams by keeping scores; merge concatenates', async () => {
    const a = new AUROC();
    const b = new AUROC();
    expect(a.name).toBe('auroc');
    await a.update([0.1, 0.4], [0, 0]);
    await b.update([0.35, 0.8], [1, 1]);
    expect(a.merge(b).compute()).toBe(0.75);
    expect(a.merge(new AUROC()).compute()).toBe(0.75); // merging an empty metric changes nothing
    await expectTensorError(() => a.update([[0.5, 0.5]], [0]), 'SHAPE_MISMATCH', /^AUROC\.update: pred has shape \[1,2\] but earlier batches had shape \[N\]/);
    const c = new AUROC();
    await c.update([[0.5, 0.5]], [0]);
    await expectTensorError(() => a.merge(c), 'SHAPE_MISMATCH', /this metric has seen 1 score columns but the other 2/);
    await expectTensorError(() => a.merge(new AUROC({ average: 'micro' }) as never), 'INVALID_ARGUMENT', /options differ: average is macro here but micro/);
    await expectTensorError(() => a.merge(new AveragePrecision() as never), 'INVALID_ARGUMENT', /can only merge another AUROC, got AveragePrecision/);
    a.reset();
    await expectTensorError(() => a.compute(), 'INVALID_ARGUMENT', /^AUROC\.compute: no samples/);
    await a.update([[0.5, 0.5], [0.2, 0.8]], [0, 1]); // after reset, any width again
    expect(a.compute()).toBe(1);
  });
});

describe('averagePrecision', () => {
  it('is the step-wise area, not interpolated', async () => {
    expect(await averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.5 * 1 + 0.5 * (2 / 3), 12);
    expect(await averagePrecision([0.5, 0.5, 0.5], [1, 0, 0])).toBeCloseTo(1 / 3, 12);
  });

  it('is 0 without positives and 1 with only positives, as scikit-learn', async () => {
    expect(await averagePrecision([0.2, 0.6], [0, 0])).toBe(0);
    expect(await averagePrecision([0.2, 0.6], [1, 1])).toBe(1);
    expectClose(await averagePrecision([[0.9, 0.1, 0], [0.2, 0.7, 0.1]], [0, 1], { average: 'none' }), [1, 1, 0]);
  });

  it('streams and merges', async () => {
    const a = new AveragePrecision({ average: 'weighted' });
    const b = new AveragePrecision({ average: 'weighted' });
    expect(a.name).toBe('averagePrecision');
    await a.update([[0.9, 0.1], [0.2, 0.8]], [0, 1]);
    await b.update([[0.6, 0.4]], [1]);
    const merged = a.merge(b).compute();
    expect(merged).toBeCloseTo(await averagePrecision([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]], [0, 1, 1], { average: 'weighted' }), 12);
    await expectTensorError(() => new AveragePrecision().compute(), 'INVALID_ARGUMENT', /^AveragePrecision\.compute: no samples/);
  });
});
