/**
 * clipGradNorm against torch.nn.utils.clip_grad_norm_ (src/fixtures), and clipGradValue on
 * literal values. float32 tolerance as in optimizers.test.ts (the norm's reduction order may
 * differ from PyTorch's by an ulp).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { TensorError, memory, setBackend, tensor, variable, type Tensor, type TensorErrorCode } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { clipGradNorm, clipGradValue } from './index.js';
import { expectClose, fixtures } from './test-utils/fixtures.js';

beforeAll(async () => {
  await setBackend(cpu());
});

function expectError(fn: () => unknown, code: TensorErrorCode, fragment: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(TensorError.is(caught), `expected a TensorError ${code}, got ${String(caught)}`).toBe(true);
  expect((caught as TensorError).code).toBe(code);
  expect((caught as TensorError).message).toContain(fragment);
}

function gradMap(values: Array<{ shape: number[]; values: number[] }>): { keys: Tensor[]; grads: Map<Tensor, Tensor> } {
  const keys = values.map((v) => tensor(v.values.map(() => 0), v.shape));
  return { keys, grads: new Map(keys.map((k, i) => [k, tensor(values[i]!.values, values[i]!.shape)])) };
}

function disposeMap(m: Map<Tensor, Tensor>): void {
  for (const [k, v] of m) {
    k.dispose();
    v.dispose();
  }
}

describe('clipGradNorm matches torch.nn.utils.clip_grad_norm_', () => {
  for (const c of fixtures.clipGradNorm) {
    it(`${c.name} (maxNorm ${c.maxNorm}, normType ${c.normType})`, () => {
      const { keys, grads } = gradMap(c.grads);
      const normType = c.normType === 'Infinity' ? Infinity : c.normType;
      const result = clipGradNorm(grads, c.maxNorm, { normType });
      expect(result.totalNorm.dtype).toBe('float32');
      expect(result.totalNorm.shape).toEqual([]);
      expectClose(result.totalNorm.dataSync(), [c.totalNorm], 1e-6, 0, `${c.name} total norm`);
      keys.forEach((k, i) => {
        const clipped = result.grads.get(k)!;
        expect(clipped).not.toBe(grads.get(k));
        expectClose(clipped.dataSync(), c.clipped[i]!, 1e-6, 1e-7, `${c.name} grad ${i}`);
      });
      // The input gradients are untouched and still the caller's.
      keys.forEach((k, i) => expectClose(grads.get(k)!.dataSync(), c.grads[i]!.values, 0, 0, 'input'));
      for (const v of result.grads.values()) v.dispose();
      result.totalNorm.dispose();
      disposeMap(grads);
    });
  }
});

describe('clipGradNorm', () => {
  it('leaves nothing behind but its results', () => {
    const before = memory().tensors;
    const { grads } = gradMap([{ shape: [3], values: [3, 4, 0] }, { shape: [1], values: [12] }]);
    const result = clipGradNorm(grads, 1);
    expect(memory().tensors).toBe(before + 4 + 3);
    expect(Array.from(result.totalNorm.dataSync())).toEqual([13]);
    result.totalNorm.dispose();
    for (const v of result.grads.values()) v.dispose();
    disposeMap(grads);
    expect(memory().tensors).toBe(before);
  });

  it('keeps the keys (parameters) of the input map and the dtype of each gradient', () => {
    const init = tensor([1, 2]);
    const w = variable(init);
    init.dispose();
    const g = tensor([3, 4], [2], { dtype: 'float64' });
    const result = clipGradNorm(new Map([[w, g]]), 1);
    const clipped = result.grads.get(w)!;
    expect(clipped.dtype).toBe('float64');
    expectClose(clipped.dataSync(), [0.6, 0.8], 1e-6, 0, 'clipped');
    for (const t of [w, g, clipped, result.totalNorm]) t.dispose();
  });

  it('returns a zero norm and an empty map for no gradients', () => {
    const result = clipGradNorm(new Map(), 1);
    expect(result.grads.size).toBe(0);
    expect(result.totalNorm.dataSync()[0]).toBe(0);
    result.totalNorm.dispose();
  });

  it('rejects bad arguments', () => {
    const t = tensor([1]);
    const g = new Map([[t, t]]);
    expectError(() => clipGradNorm(g, -1), 'INVALID_ARGUMENT', 'maxNorm must be a finite number >= 0');
    expectError(() => clipGradNorm(g, NaN), 'INVALID_ARGUMENT', 'maxNorm must be a finite number');
    expectError(() => clipGradNorm(g, 1, { normType: 0 }), 'INVALID_ARGUMENT', 'normType must be a positive number or Infinity');
    expectError(() => clipGradNorm(g, 1, { normType: -Infinity }), 'INVALID_ARGUMENT', 'normType');
    expectError(() => clipGradNorm([[t, t]] as never, 1), 'INVALID_ARGUMENT', 'grads must be a Map');
    expectError(() => clipGradNorm(new Map([[t, 3 as never]]), 1), 'INVALID_ARGUMENT', 'must be a Tensor');
    const ints = tensor([1, 2], [2], { dtype: 'int32' });
    expectError(() => clipGradNorm(new Map([[t, ints]]), 1), 'DTYPE_MISMATCH', 'float');
    const gone = tensor([1]);
    gone.dispose();
    expectError(() => clipGradNorm(new Map([[t, gone]]), 1), 'TENSOR_DISPOSED', 'disposed');
    t.dispose();
    ints.dispose();
  });
});

describe('clipGradValue', () => {
  it('clamps every element to [-clipValue, clipValue] into new tensors', () => {
    const { keys, grads } = gradMap([{ shape: [4], values: [-2, -0.5, 0.25, 3] }, { shape: [1, 1], values: [0.1] }]);
    const clipped = clipGradValue(grads, 0.5);
    expect(Array.from(clipped.get(keys[0]!)!.dataSync())).toEqual([-0.5, -0.5, 0.25, 0.5]);
    expect(clipped.get(keys[1]!)!.shape).toEqual([1, 1]);
    expect(Array.from(grads.get(keys[0]!)!.dataSync())).toEqual([-2, -0.5, 0.25, 3]);
    for (const v of clipped.values()) v.dispose();
    disposeMap(grads);
  });

  it('rejects bad arguments', () => {
    const t = tensor([1]);
    expectError(() => clipGradValue(new Map([[t, t]]), -1), 'INVALID_ARGUMENT', 'clipValue must be a finite number >= 0');
    expectError(() => clipGradValue(new Map([[t, t]]), Infinity), 'INVALID_ARGUMENT', 'clipValue must be a finite number');
    expectError(() => clipGradValue({} as never, 1), 'INVALID_ARGUMENT', 'grads must be a Map');
    const ints = tensor([1], [1], { dtype: 'int32' });
    expectError(() => clipGradValue(new Map([[t, ints]]), 1), 'DTYPE_MISMATCH', 'float');
    t.dispose();
    ints.dispose();
  });
});
