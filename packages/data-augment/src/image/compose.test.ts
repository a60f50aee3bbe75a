import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend, tensor, memory, tidy } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import {
  Generator,
  colorJitter,
  compose,
  normalize,
  randomApply,
  randomChoice,
  randomCrop,
  randomHorizontalFlip,
  randomRotation,
  randomErasing,
  gaussianBlur,
  gaussianNoise,
  randomResizedCrop,
  resize,
} from '../index.js';
import { literal } from '../test-utils/images.js';
import { expectTensorError } from '../test-utils/errors.js';

beforeAll(async () => {
  await setBackend(cpu());
});

const pipeline = (seed: number): ReturnType<typeof compose> => {
  const generator = new Generator(seed);
  return compose([
    randomCrop(8, { padding: 2, generator }),
    randomHorizontalFlip({ generator }),
    randomRotation(15, { generator }),
    colorJitter({ brightness: 0.3, contrast: 0.3, saturation: 0.3, hue: 0.05, generator }),
  ]);
};

describe('compose', () => {
  it('runs the transforms in order', () => {
    const y = compose([resize([4, 4]), normalize({ mean: 0.5, std: 0.5 })])(literal([2, 3, 8, 8]));
    expect(y.shape).toEqual([2, 3, 4, 4]);
    expect(compose([])(literal([1, 1, 2, 2])).shape).toEqual([1, 1, 2, 2]);
  });
  it('the same seed gives the same batch; a shared generator advances', () => {
    const x = literal([4, 3, 8, 8]);
    const a = pipeline(7);
    const first = Array.from(a(x).dataSync());
    expect(Array.from(pipeline(7)(x).dataSync())).toEqual(first);
    expect(Array.from(a(x).dataSync())).not.toEqual(first);
  });
  it('memory stays flat over 100 runs inside tidy', () => {
    const x = literal([4, 3, 8, 8]);
    const augment = compose([
      pipeline(1),
      randomResizedCrop(6, { seed: 1 }),
      gaussianBlur(3, { seed: 2 }),
      gaussianNoise({ seed: 3 }),
      randomErasing({ p: 0.5, seed: 4 }),
      randomApply([randomHorizontalFlip({ p: 1 })], { seed: 5 }),
      randomChoice([randomRotation(5, { seed: 6 }), gaussianBlur(3, { seed: 7 })], { seed: 8 }),
    ]);
    tidy(() => augment(x)); // warm-up: nothing cached may count as a leak
    const before = memory().tensors;
    for (let i = 0; i < 100; i++) tidy(() => void augment(x));
    expect(memory().tensors).toBe(before);
  });
  it('rejects non-transforms', async () => {
    await expectTensorError(() => compose([1 as never]), 'INVALID_ARGUMENT', /transforms must be an array of transforms/);
  });
});

describe('randomApply and randomChoice', () => {
  const ramp = (): ReturnType<typeof tensor> => tensor(Float32Array.from({ length: 200 * 2 }, (_, i) => i % 2), [200, 1, 1, 2]);
  it('randomApply transforms about p of the samples', () => {
    const y = randomApply(randomHorizontalFlip({ p: 1 }), { p: 0.25, seed: 1 })(ramp()).dataSync();
    const flipped = Array.from({ length: 200 }, (_, i) => y[2 * i] === 1).filter(Boolean).length;
    expect(flipped).toBeGreaterThan(30);
    expect(flipped).toBeLessThan(70);
    expect(Array.from(randomApply([randomHorizontalFlip({ p: 1 })], { p: 1 })(ramp()).dataSync().subarray(0, 2))).toEqual([1, 0]);
    expect(Array.from(randomApply([randomHorizontalFlip({ p: 1 })], { p: 0 })(ramp()).dataSync().subarray(0, 2))).toEqual([0, 1]);
  });
  it('randomChoice picks per sample with the weights', () => {
    const flipAll = randomHorizontalFlip({ p: 1 });
    const keep = normalize({ mean: 0, std: 1 });
    const y = randomChoice([flipAll, keep], { p: [3, 1], seed: 2 })(ramp()).dataSync();
    const flipped = Array.from({ length: 200 }, (_, i) => y[2 * i] === 1).filter(Boolean).length;
    expect(flipped).toBeGreaterThan(125);
    expect(flipped).toBeLessThan(175);
  });
  it('reject bad options and shape-changing transforms', async () => {
    await expectTensorError(() => randomApply([resize([1, 1])], { p: 0.5, seed: 3 })(literal([20, 1, 2, 2])), 'SHAPE_MISMATCH', /must keep the batch shape \[20,1,2,2\].*returned \[20,1,1,1\]/);
    await expectTensorError(() => randomApply([], { p: 1.5 }), 'INVALID_ARGUMENT', /p must be a finite number in \[0, 1\]/);
    await expectTensorError(() => randomChoice([]), 'INVALID_ARGUMENT', /transforms must not be empty/);
    await expectTensorError(() => randomChoice([resize(2)], { p: [1, 2] }), 'INVALID_ARGUMENT', /p must hold 1 non-negative weights/);
    await expectTensorError(() => randomCrop(2, { seed: 1, generator: new Generator(1) }), 'INVALID_ARGUMENT', /either seed or generator, not both/);
    await expectTensorError(() => randomCrop(2, { seed: -1 }), 'INVALID_ARGUMENT', /seed must be an integer in \[0, 4294967296\), got number -1/);
  });
});
