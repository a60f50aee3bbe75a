import { describe, expect, it } from 'vitest';
import { accuracy, meanSquaredError } from './index.js';
import { expectTensorError } from './test-utils/errors.js';

describe('inputs', () => {
  it('accept arrays, typed arrays and arrays of rows; [N, 1] reads as [N]', async () => {
    expect(await accuracy(new Uint8Array([0, 1]), [0, 1])).toBe(1);
    expect(await accuracy([[0], [1]], [0, 1])).toBe(1);
    expect(await meanSquaredError([[1], [2]], [1, 4])).toBe(2);
    expect(await meanSquaredError([new Float32Array([1, 2])], [[1, 4]])).toBe(2);
  });

  it('name what is wrong with a malformed input', async () => {
    await expectTensorError(() => accuracy([[0.1, 0.9], [0.5]], [0, 1]), 'SHAPE_MISMATCH', /^accuracy: pred is ragged: row 0 has 2 values but row 1 has 1/);
    await expectTensorError(() => accuracy([[0.1, 0.9], 3] as unknown as number[][], [0, 1]), 'SHAPE_MISMATCH', /row 1 has a number/);
    await expectTensorError(() => accuracy([0, '1'] as unknown as number[], [0, 1]), 'INVALID_ARGUMENT', /^accuracy: pred\[1\] must be a number, got string/);
    await expectTensorError(() => accuracy([[0, null]] as unknown as number[][], [0]), 'INVALID_ARGUMENT', /pred\[0,1\] must be a number, got object/);
    await expectTensorError(() => accuracy([0], null as unknown as number[]), 'INVALID_ARGUMENT', /target must be a Tensor, an array of numbers or an array of rows, got null/);
    await expectTensorError(() => accuracy([0], 3 as unknown as number[]), 'INVALID_ARGUMENT', /got number/);
  });
});
