import { describe, expect, it } from 'vitest';
import { LogLoss, logLoss } from './index.js';
import { expectTensorError } from './test-utils/errors.js';

describe('logLoss', () => {
  it('is the mean negative log-probability of the true class', async () => {
    const expected = -(2 * Math.log(0.9) + Math.log(0.8) + Math.log(0.65)) / 4;
    expect(await logLoss([[0.1, 0.9], [0.9, 0.1], [0.8, 0.2], [0.35, 0.65]], [1, 0, 0, 1])).toBeCloseTo(expected, 12);
    expect(await logLoss([0.9, 0.2], [1, 0])).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8)) / 2, 12);
  });

  it('clips to [eps, 1 - eps] and renormalizes rows, as scikit-learn 1.2', async () => {
    expect(await logLoss([0], [1])).toBeCloseTo(-Math.log(Number.EPSILON), 12); // 36.04
    expect(await logLoss([0], [1], { eps: 1e-7 })).toBeCloseTo(-Math.log(1e-7), 12);
    expect(await logLoss([1], [1])).toBeCloseTo(-Math.log(1 - Number.EPSILON), 20);
    // Row [0.2, 0.2] is read as [0.5, 0.5].
    expect(await logLoss([[0.2, 0.2]], [0])).toBeCloseTo(Math.log(2), 12);
  });

  it('streams and merges', async () => {
    const a = new LogLoss();
    const b = new LogLoss();
    expect(a.name).toBe('logLoss');
    await a.update([[0.1, 0.9]], [1]);
    await b.update([[0.9, 0.1], [0.8, 0.2]], [0, 0]);
    expect(a.merge(b).compute()).toBeCloseTo(-(2 * Math.log(0.9) + Math.log(0.8)) / 3, 12);
    await expectTensorError(() => a.update([0.3], [1]), 'SHAPE_MISMATCH', /^LogLoss\.update: pred has shape \[1\] but earlier batches had 2 columns/);
    const c = new LogLoss();
    await c.update([0.3], [1]);
    await expectTensorError(() => a.merge(c), 'SHAPE_MISMATCH', /seen 2 probability columns but the other 1/);
    await expectTensorError(() => a.merge(new LogLoss({ eps: 1e-7 })), 'INVALID_ARGUMENT', /options differ: eps/);
    a.reset();
    await expectTensorError(() => a.compute(), 'INVALID_ARGUMENT', /^LogLoss\.compute: no samples/);
  });

  it('rejects values that are not probabilities, and other bad input', async () => {
    await expectTensorError(() => logLoss([0.5, 1.2], [0, 1]), 'INVALID_ARGUMENT', /^logLoss: pred\[1\] = 1.2 is not a probability in \[0, 1\]/);
    await expectTensorError(() => logLoss([[0.5, -2]], [0]), 'INVALID_ARGUMENT', /pred\[0,1\] = -2 is not a probability/);
    await expectTensorError(() => logLoss([0.5, NaN], [0, 1]), 'INVALID_ARGUMENT', /pred\[1\] = NaN is not a probability/);
    await expectTensorError(() => logLoss([0.5, 0.5], [0, 2]), 'INVALID_ARGUMENT', /target\[1\] = 2 is out of range for 2 classes.*targets must be 0 or 1/);
    await expectTensorError(() => logLoss([[0.5, 0.3, 0.2]], [3]), 'INVALID_ARGUMENT', /target\[0\] = 3 is out of range for 3 classes/);
    await expectTensorError(() => logLoss([0.5, 0.5], [1]), 'SHAPE_MISMATCH', /pred has 2 samples/);
    await expectTensorError(() => logLoss([], []), 'INVALID_ARGUMENT', /pred is empty/);
    await expectTensorError(() => logLoss([0.5], [1], { eps: 0.5 }), 'INVALID_ARGUMENT', /^LogLoss: eps must be a number in \[0, 0.5\), got 0.5/);
  });
});
