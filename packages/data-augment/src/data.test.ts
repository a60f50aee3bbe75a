import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend, tensor, memory, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { DataLoader, Dataset, Generator, IterableDataset, TensorDataset, defaultCollate, randomSplit, trainValTestSplit } from './index.js';
import { expectTensorError } from './test-utils/errors.js';

beforeAll(async () => {
  await setBackend(cpu());
});

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('Dataset', () => {
  it('from arrays: map, filter, concat, subset, negative index', () => {
    const ds = Dataset.fromArray(range(6)).map((v) => v * 10).filter((v) => v % 20 === 0);
    expect(ds.toArray()).toEqual([0, 20, 40]);
    expect(ds.get(-1)).toBe(40);
    expect(ds.concat(Dataset.fromArray([7, 8])).toArray()).toEqual([0, 20, 40, 7, 8]);
    expect(ds.subset([2, 0]).toArray()).toEqual([40, 0]);
  });
  it('TensorDataset rows, subsets and filter without leaks', () => {
    const x = tensor([[1, 2], [3, 4], [5, 6]]);
    const y = tensor([0, 1, 0], undefined, { dtype: 'int32' });
    const ds = Dataset.fromTensors(x, y);
    const [xi, yi] = ds.get(1) as [Tensor, Tensor];
    expect([xi.arraySync(), yi.arraySync()]).toEqual([[3, 4], 1]);
    xi.dispose();
    yi.dispose();
    const before = memory().tensors;
    const zeros = ds.filter(([, label]) => label!.dataSync()[0] === 0);
    expect(memory().tensors).toBe(before);
    expect(zeros).toBeInstanceOf(TensorDataset);
    expect(Array.from(zeros.rows!)).toEqual([0, 2]);
  });
  it('from an async generator: map, filter, concat, collect', async () => {
    const stream = Dataset.fromGenerator(async function* () {
      for (let i = 0; i < 5; i++) yield i;
    });
    const out: number[] = [];
    for await (const v of stream.map(async (v) => v * 2).filter((v) => v !== 4).concat(Dataset.fromArray([100]))) out.push(v);
    expect(out).toEqual([0, 2, 6, 8, 100]);
    expect((await stream.collect()).length).toBe(5);
  });
  it('rejects bad input', async () => {
    await expectTensorError(() => Dataset.fromArray(range(3)).get(3), 'INDEX_OUT_OF_RANGE', /index 3 is out of range for a dataset of length 3/);
    await expectTensorError(() => new TensorDataset(tensor([1, 2]), tensor([1, 2, 3])), 'SHAPE_MISMATCH', /same first dimension: \[2\], \[3\]/);
    await expectTensorError(() => new TensorDataset(), 'INVALID_ARGUMENT', /needs at least one tensor/);
    await expectTensorError(() => Dataset.fromArray('abc' as never), 'INVALID_ARGUMENT', /items must be an array/);
    await expectTensorError(async () => {
      for await (const _ of new IterableDataset(() => 5 as never)) void _;
    }, 'INVALID_ARGUMENT', /must return an iterable/);
  });
});

describe('DataLoader', () => {
  it('batches in order, dropLast, length', async () => {
    const loader = new DataLoader(Dataset.fromArray(range(7)), { batchSize: 3 });
    const batches: number[][] = [];
    for await (const b of loader) batches.push(Array.from((b as Tensor).dataSync()));
    expect(batches).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(loader.length).toBe(3);
    const dropped = new DataLoader(Dataset.fromArray(range(7)), { batchSize: 3, dropLast: true });
    expect(dropped.length).toBe(2);
    let count = 0;
    for await (const b of dropped) {
      count++;
      (b as Tensor).dispose();
    }
    expect(count).toBe(2);
  });
  it('seeded shuffle: a permutation per epoch, reproducible across loaders', async () => {
    const epochs = async (seed: number): Promise<number[][]> => {
      const loader = new DataLoader(Dataset.fromArray(range(10)), { batchSize: 10, shuffle: true, seed });
      const out: number[][] = [];
      for (let e = 0; e < 2; e++) for await (const b of loader) out.push(Array.from((b as Tensor).dataSync()));
      return out;
    };
    const a = await epochs(3);
    expect([...a[0]!].sort((p, q) => p - q)).toEqual(range(10));
    expect(a[0]).not.toEqual(a[1]);
    expect(await epochs(3)).toEqual(a);
    expect(await epochs(4)).not.toEqual(a);
  });
  it('TensorDataset batches with a gather; default collate of tuples and objects', async () => {
    const x = tensor([[1, 2], [3, 4], [5, 6]]);
    const y = tensor([7, 8, 9], undefined, { dtype: 'int32' });
    const shapes: number[][][] = [];
    for await (const [xb, yb] of new DataLoader(new TensorDataset(x, y), { batchSize: 2 })) {
      shapes.push([xb!.shape as number[], yb!.shape as number[]]);
      expect(yb!.dtype).toBe('int32');
    }
    expect(shapes).toEqual([[[2, 2], [2]], [[1, 2], [1]]]);
    const collated = defaultCollate([{ a: tensor([1, 2]), b: 1 }, { a: tensor([3, 4]), b: 2 }]);
    expect(collated.a.arraySync()).toEqual([[1, 2], [3, 4]]);
    expect(collated.b.arraySync()).toEqual([1, 2]);
  });
  it('custom collate, streams, and no leaks when the loop stops early', async () => {
    const loader = new DataLoader(Dataset.fromArray(range(5)), { batchSize: 2, collate: (items) => items.join('-') });
    const out: string[] = [];
    for await (const b of loader) out.push(b);
    expect(out).toEqual(['0-1', '2-3', '4']);
    const stream = Dataset.fromGenerator(function* () {
      yield* range(5);
    });
    const streamed: number[][] = [];
    for await (const b of new DataLoader(stream, { batchSize: 2, dropLast: true })) streamed.push(Array.from((b as Tensor).dataSync()));
    expect(streamed).toEqual([[0, 1], [2, 3]]);
    const x = tensor(new Float32Array(40), [20, 2]);
    const before = memory().tensors;
    for await (const [xb] of new DataLoader(new TensorDataset(x), { batchSize: 2, prefetch: 3 })) {
      xb!.dispose();
      break;
    }
    expect(memory().tensors).toBe(before);
  });
  it('rejects bad options', async () => {
    await expectTensorError(() => new DataLoader(Dataset.fromArray([1]), { batchSize: 0 }), 'INVALID_ARGUMENT', /batchSize must be a positive integer, got 0/);
    await expectTensorError(() => new DataLoader(Dataset.fromArray([1]), { prefetch: -1 }), 'INVALID_ARGUMENT', /prefetch must be a non-negative integer/);
    await expectTensorError(() => new DataLoader(Dataset.fromGenerator(() => [1]), { shuffle: true }), 'INVALID_ARGUMENT', /shuffle needs an indexed Dataset/);
    await expectTensorError(() => new DataLoader([1, 2] as never), 'INVALID_ARGUMENT', /dataset must be a Dataset/);
    await expectTensorError(() => defaultCollate([tensor([1]), tensor([1, 2])]), 'SHAPE_MISMATCH', /cannot stack tensors of different shapes \[1\] and \[2\]/);
  });
});

describe('splits', () => {
  it('randomSplit by fractions and lengths: disjoint, complete, seeded', () => {
    const ds = Dataset.fromArray(range(10));
    const [a, b] = randomSplit(ds, [0.7, 0.3], { seed: 1 });
    expect([a!.length, b!.length]).toEqual([7, 3]);
    expect([...a!.toArray(), ...b!.toArray()].sort((p, q) => p - q)).toEqual(range(10));
    expect(randomSplit(ds, [0.7, 0.3], { seed: 1 })[0]!.toArray()).toEqual(a!.toArray());
    expect(randomSplit(ds, [0.7, 0.3], { seed: 2 })[0]!.toArray()).not.toEqual(a!.toArray());
    expect(randomSplit(ds, [5, 5], { generator: new Generator(1) }).map((d) => d.length)).toEqual([5, 5]);
    // PyTorch: remainders go to the first splits.
    expect(randomSplit(Dataset.fromArray(range(5)), [1 / 3, 1 / 3, 1 / 3], { seed: 0 }).map((d) => d.length)).toEqual([2, 2, 1]);
  });
  it('trainValTestSplit, stratified: every split keeps the class shares', () => {
    const labels = range(100).map((i) => (i < 80 ? 'a' : 'b'));
    const ds = Dataset.fromArray(range(100));
    const { train, val, test } = trainValTestSplit(ds, { train: 0.6, val: 0.2, test: 0.2, seed: 3, stratify: labels });
    const share = (d: Dataset<number>): number => d.toArray().filter((i) => labels[i] === 'b').length;
    expect([train.length, val.length, test.length]).toEqual([60, 20, 20]);
    expect([share(train), share(val), share(test)]).toEqual([12, 4, 4]);
    expect(new Set([...train, ...val, ...test]).size).toBe(100);
    const byFn = randomSplit(ds, [0.5, 0.5], { seed: 1, stratify: (i) => i % 2 });
    expect(byFn[0]!.toArray().filter((i) => i % 2).length).toBe(25);
    const byTensor = trainValTestSplit(Dataset.fromTensors(tensor(new Float32Array(10), [10, 1])), { seed: 1, stratify: tensor([0, 0, 0, 0, 0, 1, 1, 1, 1, 1], undefined, { dtype: 'int32' }) });
    expect(byTensor.train).toBeInstanceOf(TensorDataset);
  });
  it('rejects fractions that do not sum to 1, naming them', async () => {
    const ds = Dataset.fromArray(range(10));
    await expectTensorError(() => randomSplit(ds, [0.5, 0.3]), 'INVALID_ARGUMENT', /fractions must sum to 1, got 0.5 \+ 0.3 = 0.8/);
    await expectTensorError(() => trainValTestSplit(ds, { train: 0.7, val: 0.2, test: 0.2 }), 'INVALID_ARGUMENT', /train=0.7 \+ val=0.2 \+ test=0.2 = 1.1/);
    await expectTensorError(() => randomSplit(ds, [4, 4]), 'INVALID_ARGUMENT', /lengths must sum to the dataset length 10, got 4 \+ 4 = 8/);
    await expectTensorError(() => randomSplit(ds, [0.5, 0.5], { stratify: [1, 2] }), 'SHAPE_MISMATCH', /stratify has 2 labels but the dataset has 10 items/);
    await expectTensorError(() => randomSplit(ds, [-1, 11]), 'INVALID_ARGUMENT', /sizes must be non-negative/);
  });
});
