import { describe, expect, it } from 'vitest';
import {
  MeanAbsoluteError,
  MeanAbsolutePercentageError,
  MeanSquaredError,
  R2Score,
  RootMeanSquaredError,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredError,
  r2Score,
  rootMeanSquaredError,
} from './index.js';
import { expectTensorError } from './test-utils/errors.js';

const pred = [2.5, 0, 2, 8];
const target = [3, -0.5, 2, 7];

describe('regression metrics', () => {
  it('match scikit-learn documentation examples', async () => {
    expect(await meanSquaredError(pred, target)).toBeCloseTo(0.375, 12);
    expect(await rootMeanSquaredError(pred, target)).toBeCloseTo(Math.sqrt(0.375), 12);
    expect(await meanAbsoluteError(pred, target)).toBeCloseTo(0.5, 12);
    expect(await r2Score(pred, target)).toBeCloseTo(0.9486081370449679, 12);
    expect(await meanAbsolutePercentageError([1.2, 0.1, 2.4, 8], [1, 0, 2.4, 7])).toBeCloseTo(112589990684262.48, 0);
  });

  it('average several outputs uniformly; RMSE is the mean of per-output RMSEs', async () => {
    const p = [[0.5, 1], [-1, 1], [7, -6]];
    const t = [[0, 2], [-1, 2], [8, -5]];
    expect(await meanSquaredError(p, t)).toBeCloseTo((0.25 + 1 + 1 + 1 + 1) / 6, 12);
    expect(await rootMeanSquaredError(p, t)).toBeCloseTo((Math.sqrt(1.25 / 3) + 1) / 2, 12);
  });

  it('handle a constant target as scikit-learn force_finite', async () => {
    expect(await r2Score([2, 2, 2], [2, 2, 2])).toBe(1);
    expect(await r2Score([2, 2, 3], [2, 2, 2])).toBe(0);
    expect(Number.isNaN(await r2Score([2, 2, 2], [2, 2, 2], { forceFinite: false }))).toBe(true);
    expect(await r2Score([2, 2, 3], [2, 2, 2], { forceFinite: false })).toBe(-Infinity);
    expect(Number.isNaN(await r2Score([1], [2]))).toBe(true); // fewer than 2 samples
  });

  it('stream R² without cancellation on a large mean', async () => {
    const t = Array.from({ length: 1000 }, (_, i) => 1e9 + Math.sin(i));
    const p = t.map((v, i) => v + 0.1 * Math.cos(3 * i));
    const oneShot = await r2Score(p, t);
    const m = new R2Score();
    for (let i = 0; i < 1000; i += 7) await m.update(p.slice(i, i + 7), t.slice(i, i + 7));
    expect(m.compute()).toBeCloseTo(oneShot, 9);
    expect(oneShot).toBeGreaterThan(0.97);
  });

  it('stream, merge and reset', async () => {
    const metrics = [new MeanSquaredError(), new RootMeanSquaredError(), new MeanAbsoluteError(), new MeanAbsolutePercentageError(), new R2Score()];
    expect(metrics.map((m) => m.name)).toEqual(['mse', 'rmse', 'mae', 'mape', 'r2']);
    const a = new MeanSquaredError();
    const b = new MeanSquaredError();
    await a.update(pred.slice(0, 1), target.slice(0, 1));
    await b.update(pred.slice(1), target.slice(1));
    expect(a.merge(b).compute()).toBeCloseTo(0.375, 12);
    expect(a.merge(new MeanSquaredError()).compute()).toBeCloseTo(0.375, 12);
    expect(new MeanSquaredError().merge(a).compute()).toBeCloseTo(0.375, 12);
    a.reset();
    await expectTensorError(() => a.compute(), 'INVALID_ARGUMENT', /^MeanSquaredError\.compute: no samples/);
    await expectTensorError(() => new R2Score().merge(new R2Score({ forceFinite: false })), 'INVALID_ARGUMENT', /options differ: forceFinite is true here but false/);
    await expectTensorError(() => new MeanSquaredError().merge(new MeanAbsoluteError() as never), 'INVALID_ARGUMENT', /can only merge another MeanSquaredError, got MeanAbsoluteError/);
    const wide = new MeanAbsoluteError();
    await wide.update([[1, 2]], [[1, 2]]);
    const narrow = new MeanAbsoluteError();
    await narrow.update([1], [1]);
    await expectTensorError(() => wide.merge(narrow), 'SHAPE_MISMATCH', /seen 2 output columns but the other 1/);
    await expectTensorError(() => wide.update([1], [1]), 'SHAPE_MISMATCH', /^MeanAbsoluteError\.update: target has shape \[1\] but earlier batches had 2 output columns/);
  });

  it('reject bad input', async () => {
    await expectTensorError(() => meanSquaredError([1, 2], [1]), 'SHAPE_MISMATCH', /^meanSquaredError: pred has shape \[2\] but target has shape \[1\]; they must match/);
    await expectTensorError(() => meanAbsoluteError([[1, 2]], [1]), 'SHAPE_MISMATCH', /pred has shape \[1,2\] but target has shape \[1\]/);
    await expectTensorError(() => r2Score([], []), 'INVALID_ARGUMENT', /^r2Score: pred is empty/);
    await expectTensorError(() => meanAbsolutePercentageError([1, NaN], [1, 2]), 'INVALID_ARGUMENT', /pred\[1\] is NaN; values must be finite/);
    await expectTensorError(() => rootMeanSquaredError([1, 2], [1, -Infinity]), 'INVALID_ARGUMENT', /target\[1\] is -Infinity/);
    await expectTensorError(() => r2Score([1], [1], { forceFinite: 'yes' as unknown as boolean }), 'INVALID_ARGUMENT', /forceFinite must be a boolean, got yes/);
    await expectTensorError(() => new R2Score({ forceFinite: 1 as unknown as boolean }), 'INVALID_ARGUMENT', /^R2Score: forceFinite must be a boolean/);
  });
});
