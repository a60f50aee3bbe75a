import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend, tensor, memory } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { LabelEncoder, MinMaxScaler, SimpleImputer, StandardScaler, dropMissing } from './index.js';
import { expectClose } from './test-utils/images.js';
import { expectTensorError } from './test-utils/errors.js';

beforeAll(async () => {
  await setBackend(cpu());
});

describe('scalers learn on train and apply to test', () => {
  it('StandardScaler: population std, constant feature scale 1, inverse', () => {
    const train = tensor([[1, 5], [3, 5], [5, 5]]);
    const scaler = new StandardScaler().fit(train);
    expectClose(scaler.mean!, [3, 5], 1e-6);
    expectClose(scaler.std!, [Math.sqrt(8 / 3), 1], 1e-6);
    const test = tensor([[3, 6]]);
    expectClose(scaler.transform(test), [0, 1], 1e-6);
    expectClose(scaler.inverseTransform(scaler.transform(test)), [3, 6], 1e-6);
    const before = memory().tensors;
    scaler.dispose();
    expect(memory().tensors).toBe(before - 2);
  });
  it('scalers refuse infinite values instead of producing NaN columns (as scikit-learn)', () => {
    for (const Scaler of [MinMaxScaler, StandardScaler]) {
      const x = tensor([[1, 2], [Infinity, 3]]);
      expect(() => new Scaler().fit(x)).toThrow(new RegExp(`^${Scaler.name}\\.fit: x\\[1, 0\\] is Infinity; scalers need finite values`));
      x.dispose();
    }
  });

  it('MinMaxScaler with a feature range', () => {
    const scaler = new MinMaxScaler({ featureRange: [-1, 1] });
    expectClose(scaler.fitTransform(tensor([[0, 10], [10, 10], [5, 10]])), [-1, -1, 1, -1, 0, -1], 1e-6);
    expectClose(scaler.transform(tensor([[20, 10]])), [3, -1], 1e-6);
  });
  it('errors: before fit, wrong features, dtype, range', async () => {
    await expectTensorError(() => new StandardScaler().transform(tensor([[1]])), 'INVALID_ARGUMENT', /call fit\(\) on the training data first/);
    const s = new StandardScaler().fit(tensor([[1, 2]]));
    await expectTensorError(() => s.transform(tensor([[1, 2, 3]])), 'SHAPE_MISMATCH', /x must be \[N, 2\].*got shape \[1,3\]/);
    await expectTensorError(() => s.fit(tensor([1, 2])), 'SHAPE_MISMATCH', /x must be \[N, features\], got shape \[2\]/);
    await expectTensorError(() => s.fit(tensor([[1]], undefined, { dtype: 'int32' })), 'DTYPE_MISMATCH', /float32, got int32/);
    await expectTensorError(() => new MinMaxScaler({ featureRange: [1, 1] }), 'INVALID_ARGUMENT', /featureRange must be \[min, max\] with min < max/);
  });
});

describe('LabelEncoder', () => {
  it('sorted classes, indices, one-hot, inverse', () => {
    const enc = new LabelEncoder<string>().fit(['dog', 'cat', 'dog', 'bird']);
    expect(enc.classes).toEqual(['bird', 'cat', 'dog']);
    expect(Array.from(enc.transform(['cat', 'dog']).dataSync())).toEqual([1, 2]);
    expect(enc.oneHot(['dog']).arraySync()).toEqual([[0, 0, 1]]);
    expect(enc.inverseTransform([0, 2])).toEqual(['bird', 'dog']);
    expect(new LabelEncoder<number>().fit([10, 2, 33]).classes).toEqual([2, 10, 33]);
  });
  it('names unseen labels and bad indices', async () => {
    const enc = new LabelEncoder<string>().fit(['a', 'b']);
    await expectTensorError(() => enc.transform(['a', 'z']), 'INVALID_ARGUMENT', /label "z" at position 1 was not seen in fit \(known: "a", "b"\)/);
    await expectTensorError(() => enc.inverseTransform([5]), 'INDEX_OUT_OF_RANGE', /index 5 at position 0 is not a class index \(0 to 1\)/);
    await expectTensorError(() => new LabelEncoder().classes, 'INVALID_ARGUMENT', /call fit\(\) first/);
    await expectTensorError(() => new LabelEncoder().fit([]), 'INVALID_ARGUMENT', /non-empty array/);
  });
});

describe('cleaning', () => {
  it('dropMissing drops rows with null / NaN and reports them', () => {
    const { x, labels, report } = dropMissing([[1, 2], [null, 3], [4, Number.NaN], [5, 6]], ['a', 'b', 'c', 'd']);
    expect(x.arraySync()).toEqual([[1, 2], [5, 6]]);
    expect(labels).toEqual(['a', 'd']);
    expect(report).toEqual({ rows: 4, kept: 2, droppedRows: [1, 2], missingPerColumn: [1, 1] });
    const t = dropMissing(tensor([[1, Number.NaN], [2, 3]]), tensor([0, 1], undefined, { dtype: 'int32' }));
    expect((t.labels as ReturnType<typeof tensor>).arraySync()).toEqual([1]);
  });
  it('SimpleImputer learns on train, fills test, reports', () => {
    const imputer = new SimpleImputer({ strategy: 'median' }).fit([[1, 10], [3, null], [100, 30]]);
    expect(imputer.statistics).toEqual([3, 20]);
    expect(imputer.transform([[null, 1], [2, Number.NaN]]).arraySync()).toEqual([[3, 1], [2, 20]]);
    expect(imputer.lastReport).toEqual({ imputedPerColumn: [1, 1], imputedRows: 2 });
    expect(new SimpleImputer().fit([[1], [2], [null]]).statistics).toEqual([1.5]);
    expect(new SimpleImputer({ strategy: 'mostFrequent' }).fit([[2], [1], [2], [1], [3]]).statistics).toEqual([1]);
    expect(new SimpleImputer({ strategy: 'constant', fillValue: -1 }).fitTransform([[null]]).arraySync()).toEqual([[-1]]);
  });
  it('errors', async () => {
    await expectTensorError(() => dropMissing([[1, 2], [3]]), 'SHAPE_MISMATCH', /row 1 has 1 values, expected 2/);
    await expectTensorError(() => dropMissing([[1, 'a' as never]]), 'INVALID_ARGUMENT', /row 0, column 1 is string/);
    await expectTensorError(() => dropMissing([[1]], [1, 2]), 'SHAPE_MISMATCH', /labels has 2 entries but x has 1 rows/);
    await expectTensorError(() => new SimpleImputer({ strategy: 'max' as never }), 'INVALID_ARGUMENT', /strategy must be/);
    await expectTensorError(() => new SimpleImputer().fit([[null]]), 'INVALID_ARGUMENT', /column 0 has no values to learn a mean from/);
    await expectTensorError(() => new SimpleImputer().fit([[1]]).transform([[1, 2]]), 'SHAPE_MISMATCH', /x has 2 columns but the imputer was fitted on 1/);
    await expectTensorError(() => new SimpleImputer().transform([[1]]), 'INVALID_ARGUMENT', /call fit\(\)/);
  });
});
