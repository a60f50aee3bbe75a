import { describe, expect, it } from 'vitest';
import {
  CohenKappa,
  ConfusionMatrix,
  F1Score,
  FBeta,
  MatthewsCorrCoef,
  Precision,
  Recall,
  cohenKappa,
  confusionMatrix,
  f1Score,
  fbeta,
  matthewsCorrCoef,
  precision,
  recall,
  type Average,
} from './index.js';
import { expectClose } from './test-utils/close.js';
import { expectTensorError } from './test-utils/errors.js';

describe('precision, recall, F-beta', () => {
  it('match hand-computed values', async () => {
    expect(await precision([1, 0, 1, 1], [1, 0, 0, 1])).toBeCloseTo(2 / 3, 12);
    expect(await precision([0, 1, 2, 2], [0, 1, 1, 2], { average: 'macro' })).toBeCloseTo(2.5 / 3, 12);
    expect(await recall([0, 1, 1], [0, 1, 0], { average: 'none' })).toEqual([0.5, 1]);
    expect(await fbeta([1, 0, 1, 1], [1, 1, 0, 1], { beta: 2 })).toBeCloseTo(10 / 15, 12);
    expect(await f1Score([1, 0, 1, 1], [1, 1, 0, 1])).toBeCloseTo(2 / 3, 12);
    // beta = 0 is precision.
    expect(await fbeta([1, 0, 1, 1], [1, 1, 0, 1], { beta: 0 })).toBeCloseTo(2 / 3, 12);
  });

  it('types the result by average', async () => {
    const perClass: number[] = await precision([0, 1], [0, 1], { average: 'none' });
    const macro: number = await recall([0, 1], [0, 1], { average: 'macro' });
    const binary: number = await f1Score([0, 1], [0, 1]);
    const m = new FBeta({ beta: 2, average: 'none' });
    await m.update([0, 1], [0, 1]);
    const streamed: number[] = m.compute();
    const dynamic: number | number[] = await precision([0, 1], [0, 1], { average: 'macro' as Average });
    expect([perClass, macro, binary, streamed, dynamic]).toEqual([[1, 1], 1, 1, [1, 1], 1]);
  });

  it('uses posLabel for the binary average', async () => {
    expect(await precision([0, 1, 1, 0], [0, 0, 1, 1], { posLabel: 0 })).toBe(0.5);
    expect(await recall([0, 1, 1, 0], [0, 0, 1, 1], { posLabel: 1 })).toBe(0.5);
  });

  it('applies zeroDivision 0, 1 or NaN; NaN scores are left out of the mean', async () => {
    // Only class 0 is predicted: classes 1 and 2 have no predicted samples.
    const pred = [0, 0, 0];
    const target = [0, 1, 2];
    expect(await precision(pred, target, { average: 'macro' })).toBeCloseTo(1 / 9, 12);
    expect(await precision(pred, target, { average: 'macro', zeroDivision: 1 })).toBeCloseTo((1 / 3 + 2) / 3, 12);
    expectClose(await precision(pred, target, { average: 'none', zeroDivision: NaN }), [1 / 3, NaN, NaN]);
    expect(await precision(pred, target, { average: 'macro', zeroDivision: NaN })).toBeCloseTo(1 / 3, 12);
    expect(await precision(pred, target, { average: 'weighted', zeroDivision: NaN })).toBeCloseTo(1 / 3, 12);
    // F is 0, not zeroDivision, when only precision is undefined.
    expectClose(await f1Score(pred, target, { average: 'none', zeroDivision: NaN }), [0.5, 0, 0]);
    // Nothing positive anywhere: everything is zeroDivision.
    expect(Number.isNaN(await f1Score([0, 0], [0, 0], { zeroDivision: NaN }))).toBe(true);
    expect(await recall([0, 0], [0, 0], { zeroDivision: 1 })).toBe(1);
  });

  it('leaves classes absent from target and prediction out of macro, and reports them per class', async () => {
    const options = { numClasses: 4 };
    expect(await recall([0, 1, 1], [0, 1, 0], { ...options, average: 'macro' })).toBe(0.75);
    expect(await recall([0, 1, 1], [0, 1, 0], { ...options, average: 'none' })).toEqual([0.5, 1, 0, 0]);
    expect(await recall([0, 1, 1], [0, 1, 0], { ...options, average: 'none', zeroDivision: 1 })).toEqual([0.5, 1, 1, 1]);
  });

  it('sizes the matrix by the labels present (or numClasses), as scikit-learn; refuses non-integer labels', async () => {
    // scikit-learn: confusion_matrix([0, 1], [20000, 0]) is 3 x 3 over the labels [0, 1, 20000].
    const start = performance.now();
    expect(await confusionMatrix([20000, 0], [0, 1])).toEqual([[0, 0, 1], [1, 0, 0], [0, 0, 0]]);
    expect(performance.now() - start).toBeLessThan(2000);
    expect(await confusionMatrix([2, 0], [0, 2])).toEqual([[0, 1], [1, 0]]);
    expect(await confusionMatrix([2, 0], [0, 2], { numClasses: 3 })).toEqual([[0, 0, 1], [0, 0, 0], [1, 0, 0]]);
    // Streaming keeps counts when a new label appears in a later batch.
    const m = new ConfusionMatrix();
    await m.update([5, 5], [5, 1]);
    await m.update([1, 3], [3, 3]);
    expect(m.compute()).toEqual([[0, 0, 1], [1, 1, 0], [0, 0, 1]]); // labels [1, 3, 5]
    expect(await matthewsCorrCoef([0, 7, 7], [0, 7, 0])).toBeCloseTo(0.5, 12);
    // A 0.5 in a plain array is not a label (it used to be thresholded to 0 silently: f1 = 1).
    await expectTensorError(() => f1Score([0.5, 1], [0, 1]), 'INVALID_ARGUMENT', /^f1Score: pred\[0\] = 0.5 is not a class index/);
    await expectTensorError(() => confusionMatrix([0, 1], [0.5, 1]), 'INVALID_ARGUMENT', /target\[0\] = 0.5 is not a class index/);
    expect(await f1Score([0.5, 1], [0, 1], { threshold: 0.4 })).toBeCloseTo(2 / 3, 12);
  });

  it('stream, merge with classes seen on one side only, and reset', async () => {
    const a = new Precision({ average: 'none' });
    const b = new Precision({ average: 'none' });
    await a.update([0, 1], [0, 1]);
    await b.update([3, 3], [3, 2]);
    expect(a.merge(b).compute()).toEqual([1, 1, 0, 0.5]);
    // other is unchanged; alone it has seen classes 2 and 3 only (scikit-learn's unique labels)
    expect(b.compute()).toEqual([0, 0.5]);
    a.reset();
    await expectTensorError(() => a.compute(), 'INVALID_ARGUMENT', /^Precision\.compute: no samples/);
    expect([new Precision().name, new Recall().name, new F1Score().name, new FBeta({ beta: 2 }).name]).toEqual(['precision', 'recall', 'f1', 'fbeta']);
  });

  it('reject labels other than 0 and 1 for the binary average', async () => {
    await expectTensorError(() => precision([0, 2], [0, 1]), 'INVALID_ARGUMENT', /^precision: pred\[1\] = 2 is out of range for 2 classes.*average 'binary' needs labels 0 and 1/);
    await expectTensorError(() => recall([0, 1], [2, 1]), 'INVALID_ARGUMENT', /^recall: target\[0\] = 2 is out of range/);
    await expectTensorError(() => f1Score([[0.1, 0.2, 0.7]], [0]), 'SHAPE_MISMATCH', /pred has 3 score columns .* but there are 2 classes/);
    await expectTensorError(() => f1Score([0], [0], { numClasses: 3 }), 'INVALID_ARGUMENT', /average 'binary' needs 2 classes, got numClasses = 3/);
  });

  it('reject bad input and options', async () => {
    await expectTensorError(() => precision([0, 1], [0]), 'SHAPE_MISMATCH', /^precision: pred has 2 samples/);
    await expectTensorError(() => recall([], [], { average: 'macro' }), 'INVALID_ARGUMENT', /^recall: pred is empty/);
    await expectTensorError(() => precision([0, 1], [0, 1.5], { average: 'macro' }), 'INVALID_ARGUMENT', /target\[1\] = 1.5 is not a class index/);
    await expectTensorError(() => precision([0, 5], [0, 1], { average: 'macro', numClasses: 3 }), 'INVALID_ARGUMENT', /pred\[1\] = 5 is out of range for 3 classes/);
    await expectTensorError(() => precision([0, 1], [0, 1], { average: 'samples' as Average }), 'INVALID_ARGUMENT', /average must be one of 'binary', 'micro', 'macro', 'weighted', 'none', got samples/);
    await expectTensorError(() => precision([0, 1], [0, 1], { zeroDivision: 0.5 }), 'INVALID_ARGUMENT', /zeroDivision must be 0, 1 or NaN, got 0.5/);
    await expectTensorError(() => precision([0, 1], [0, 1], { posLabel: 2 }), 'INVALID_ARGUMENT', /posLabel must be 0 or 1, got 2/);
    await expectTensorError(() => precision([0, 1], [0, 1], { posLabel: 1, average: 'macro' }), 'INVALID_ARGUMENT', /posLabel only applies to average 'binary'/);
    await expectTensorError(() => fbeta([0, 1], [0, 1], { beta: -1 }), 'INVALID_ARGUMENT', /^fbeta: beta must be a finite number >= 0, got -1/);
    await expectTensorError(() => fbeta([0, 1], [0, 1], { beta: Infinity }), 'INVALID_ARGUMENT', /beta must be a finite number >= 0, got Infinity/);
    await expectTensorError(() => new FBeta({} as { beta: number }), 'INVALID_ARGUMENT', /^FBeta: beta must be a finite number >= 0, got undefined/);
  });

  it('refuse to merge other options or other metrics', async () => {
    await expectTensorError(() => new Precision({ average: 'macro' }).merge(new Precision({ average: 'micro' }) as never), 'INVALID_ARGUMENT', /^Precision\.merge: options differ: average is macro here but micro/);
    await expectTensorError(() => new Precision().merge(new Recall() as never), 'INVALID_ARGUMENT', /can only merge another Precision, got Recall/);
    await expectTensorError(() => new FBeta({ beta: 1 }).merge(new FBeta({ beta: 2 })), 'INVALID_ARGUMENT', /options differ: beta is 1 here but 2/);
    await expectTensorError(() => new ConfusionMatrix({ numClasses: 3 }).merge(new ConfusionMatrix()), 'INVALID_ARGUMENT', /options differ: numClasses is 3 here but undefined/);
  });
});

describe('confusionMatrix', () => {
  it('counts true classes in rows, predicted in columns', async () => {
    expect(await confusionMatrix([0, 2, 1], [0, 1, 1], { numClasses: 3 })).toEqual([[1, 0, 0], [0, 1, 1], [0, 0, 0]]);
    expect(await confusionMatrix([0, 1, 1], [0, 0, 1])).toEqual([[1, 1], [0, 1]]);
    expect(await confusionMatrix([[0.9, 0.1, 0], [0.2, 0.8, 0]], [0, 0])).toEqual([[1, 1, 0], [0, 0, 0], [0, 0, 0]]);
  });

  it('normalizes rows, columns or all, leaving empty rows at 0', async () => {
    const pred = [0, 2, 1];
    const target = [0, 1, 1];
    expect(await confusionMatrix(pred, target, { normalize: 'true' })).toEqual([[1, 0, 0], [0, 0.5, 0.5], [0, 0, 0]]);
    expect(await confusionMatrix(pred, target, { normalize: 'pred' })).toEqual([[1, 0, 0], [0, 1, 1], [0, 0, 0]]);
    expect(await confusionMatrix(pred, target, { normalize: 'all' })).toEqual([[1 / 3, 0, 0], [0, 1 / 3, 1 / 3], [0, 0, 0]]);
  });

  it('grows with the labels it sees unless numClasses is set', async () => {
    const m = new ConfusionMatrix();
    expect(m.name).toBe('confusionMatrix');
    await m.update([0, 1], [0, 1]);
    await m.update([3], [2]);
    expect(m.compute()).toEqual([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]]);
    const fixed = new ConfusionMatrix({ numClasses: 2 });
    await expectTensorError(() => fixed.update([2], [0]), 'INVALID_ARGUMENT', /^ConfusionMatrix\.update: pred\[0\] = 2 is out of range for 2 classes/);
  });

  it('rejects a bad normalize', async () => {
    await expectTensorError(() => confusionMatrix([0], [0], { normalize: 'rows' as 'true' }), 'INVALID_ARGUMENT', /normalize must be 'true', 'pred' or 'all', got rows/);
  });
});

describe('matthewsCorrCoef and cohenKappa', () => {
  it('match hand-computed values', async () => {
    expect(await matthewsCorrCoef([1, 0, 1, 1], [1, 1, 1, 0])).toBeCloseTo(-1 / 3, 12);
    expect(await matthewsCorrCoef([0, 1, 2], [0, 1, 2])).toBeCloseTo(1, 12);
    // Observed agreement 0.5, chance agreement 0.5 → 0.
    expect(await cohenKappa([0, 1, 0, 1], [0, 0, 1, 1])).toBeCloseTo(0, 12);
    expect(await cohenKappa([0, 1, 2], [0, 1, 2], { weights: 'quadratic' })).toBeCloseTo(1, 12);
  });

  it('are 0 (MCC) and NaN (kappa) when undefined, as scikit-learn', async () => {
    expect(await matthewsCorrCoef([1, 1, 1], [1, 1, 1])).toBe(0);
    expect(await matthewsCorrCoef([1, 1, 1], [0, 1, 0])).toBe(0);
    expect(Number.isNaN(await cohenKappa([1, 1, 1], [1, 1, 1]))).toBe(true);
  });

  it('stream and merge', async () => {
    const a = new MatthewsCorrCoef();
    const b = new MatthewsCorrCoef();
    await a.update([1, 0], [1, 1]);
    await b.update([1, 1], [1, 0]);
    expect(a.merge(b).compute()).toBeCloseTo(-1 / 3, 12);
    const k = new CohenKappa({ weights: 'linear' });
    expect([a.name, k.name]).toEqual(['mcc', 'cohenKappa']);
    await expectTensorError(() => k.merge(new CohenKappa()), 'INVALID_ARGUMENT', /options differ: weights is linear here but undefined/);
  });

  it('reject bad options and input', async () => {
    await expectTensorError(() => cohenKappa([0], [0], { weights: 'cubic' as 'linear' }), 'INVALID_ARGUMENT', /weights must be 'linear' or 'quadratic' \(or omitted\), got cubic/);
    await expectTensorError(() => matthewsCorrCoef([0, 1], [0, 1, 1]), 'SHAPE_MISMATCH', /^matthewsCorrCoef: pred has 2 samples/);
    await expectTensorError(() => cohenKappa([0, -1], [0, 1]), 'INVALID_ARGUMENT', /^cohenKappa: pred\[1\] = -1 is not a class index/);
  });
});
