import { describe, expect, it } from 'vitest';
import { Accuracy, MeanSquaredError, accuracy } from './index.js';
import { expectTensorError } from './test-utils/errors.js';

describe('accuracy', () => {
  it('compares labels, thresholded probabilities and argmax of scores', async () => {
    expect(await accuracy([0, 1, 2, 2], [0, 1, 1, 2])).toBe(0.75);
    expect(await accuracy([0.2, 0.7, 0.5, 0.9], [0, 1, 1, 1], { threshold: 0.5 })).toBe(0.75); // 0.5 is not > 0.5
    expect(await accuracy([0.2, 0.7, 0.5, 0.9], [0, 1, 1, 1], { threshold: 0.4 })).toBe(1);
    expect(await accuracy([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3]], [1, 2])).toBe(0.5);
    expect(await accuracy(new Int32Array([1, 1]), new Float64Array([1, 0]))).toBe(0.5);
  });

  it('breaks score ties toward the lower class index, as argmax', async () => {
    // Row scores tie between classes 0 and 2.
    expect(await accuracy([[0.4, 0.2, 0.4]], [0])).toBe(1);
    expect(await accuracy([[0.4, 0.2, 0.4]], [2])).toBe(0);
    expect(await accuracy([[0.4, 0.2, 0.4]], [2], { topK: 2 })).toBe(1);
    expect(await accuracy([[0.3, 0.3, 0.3]], [2], { topK: 2 })).toBe(0);
    expect(await accuracy([[0.3, 0.3, 0.3]], [1], { topK: 2 })).toBe(1);
  });

  it('counts top-k hits, and topK >= C is always a hit', async () => {
    const scores = [[0.5, 0.3, 0.2], [0.1, 0.2, 0.7], [0.3, 0.4, 0.3]];
    expect(await accuracy(scores, [1, 0, 0], { topK: 2 })).toBeCloseTo(2 / 3, 12);
    expect(await accuracy(scores, [1, 0, 2], { topK: 2 })).toBeCloseTo(1 / 3, 12); // row 3: class 0 ties and ranks first
    expect(await accuracy(scores, [1, 0, 2], { topK: 3 })).toBe(1);
    expect(await accuracy(scores, [1, 0, 2], { topK: 10 })).toBe(1);
  });

  it('streams, resets and merges', async () => {
    const a = new Accuracy({ topK: 2 });
    expect(a.name).toBe('accuracy');
    await a.update([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7]], [1, 0]);
    const b = new Accuracy({ topK: 2 });
    await b.update([[0.3, 0.4, 0.3]], [0]);
    expect(a.merge(b).compute()).toBeCloseTo(2 / 3, 12);
    a.reset();
    await expectTensorError(() => a.compute(), 'INVALID_ARGUMENT', /^Accuracy\.compute: no samples/);
  });

  it('rejects bad input, naming the value', async () => {
    await expectTensorError(() => accuracy([0, 1, 1], [0, 1]), 'SHAPE_MISMATCH', /^accuracy: pred has 3 samples \(shape \[3\]\) but target has 2 \(shape \[2\]\)/);
    await expectTensorError(() => accuracy([], []), 'INVALID_ARGUMENT', /pred is empty/);
    await expectTensorError(() => accuracy([0, 1], [0, -1]), 'INVALID_ARGUMENT', /target\[1\] = -1 is not a class index/);
    await expectTensorError(() => accuracy([0, 1], [0, 0.5]), 'INVALID_ARGUMENT', /target\[1\] = 0.5 is not a class index/);
    await expectTensorError(() => accuracy([0, 1], [0, NaN]), 'INVALID_ARGUMENT', /target\[1\] = NaN/);
    await expectTensorError(() => accuracy([[0.5, 0.5]], [2]), 'INVALID_ARGUMENT', /target\[0\] = 2 is out of range for 2 classes/);
    await expectTensorError(() => accuracy([0, 3], [0, 1], { numClasses: 3 }), 'INVALID_ARGUMENT', /pred\[1\] = 3 is out of range for 3 classes/);
    await expectTensorError(() => accuracy([0.2, 1.5], [0, 1], { threshold: 0.5 }), 'INVALID_ARGUMENT', /pred\[1\] = 1.5 is not a probability in \[0, 1\].*read as probabilities/);
    await expectTensorError(() => accuracy([0.2, -0.5], [0, 1], { threshold: 0.5 }), 'INVALID_ARGUMENT', /pred\[1\] = -0.5 is not a probability/);
    await expectTensorError(() => accuracy([0.2, 0.7], [0, 1], { numClasses: 3, threshold: 0.5 }), 'INVALID_ARGUMENT', /describe 2 classes, but there are 3 classes/);
    await expectTensorError(() => accuracy([[0.5, NaN]], [0]), 'INVALID_ARGUMENT', /pred\[0,1\] is NaN; values must be finite/);
    await expectTensorError(() => accuracy([[0.5, 0.5]], [[0, 1]]), 'SHAPE_MISMATCH', /target must be class indices of shape \[N\], got shape \[1,2\]/);
    await expectTensorError(() => accuracy([[0.5, 0.5]], [0], { numClasses: 3 }), 'SHAPE_MISMATCH', /pred has 2 score columns \(shape \[1,2\]\) but there are 3 classes/);
  });

  it('rejects bad options', async () => {
    await expectTensorError(() => accuracy([0], [0], { topK: 0 }), 'INVALID_ARGUMENT', /topK must be an integer >= 1, got number 0/);
    await expectTensorError(() => accuracy([0], [0], { topK: 1.5 }), 'INVALID_ARGUMENT', /topK must be an integer >= 1, got number 1\.5/);
    await expectTensorError(() => accuracy([0, 1], [0, 1], { topK: 2 }), 'SHAPE_MISMATCH', /topK = 2 needs scores of shape \[N, C\], got pred of shape \[2\]/);
    await expectTensorError(() => accuracy([[0.1, 0.9]], [0], { topK: 2, numClasses: 3 }), 'SHAPE_MISMATCH', /2 score columns .* numClasses is 3/);
    await expectTensorError(() => accuracy([0], [0], { numClasses: 1 }), 'INVALID_ARGUMENT', /numClasses must be an integer >= 2, got number 1$/);
    await expectTensorError(() => accuracy([0], [0], { threshold: NaN }), 'INVALID_ARGUMENT', /threshold must be a finite number, got number NaN/);
  });

  it('refuses to merge other metrics or options', async () => {
    const a = new Accuracy();
    await expectTensorError(() => a.merge(new Accuracy({ topK: 2 }) as Accuracy), 'INVALID_ARGUMENT', /^Accuracy\.merge: options differ: topK is 1 here but 2/);
    await expectTensorError(() => a.merge(new MeanSquaredError() as unknown as Accuracy), 'INVALID_ARGUMENT', /can only merge another Accuracy, got MeanSquaredError/);
  });
});
