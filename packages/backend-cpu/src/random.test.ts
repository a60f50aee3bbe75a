import { describe, expect, it } from 'vitest';
import { randomValueAt, type DType, type RandomDistribution } from '@tessera/tensor-core';
import { backend, empty, read } from './test-utils/helpers.js';

describe('random', () => {
  const cases: [RandomDistribution, DType][] = [
    [{ kind: 'uniform', low: -2, high: 3 }, 'float64'],
    [{ kind: 'uniform', low: 0, high: 1 }, 'float32'],
    [{ kind: 'normal', mean: 1, std: 2 }, 'float64'],
    [{ kind: 'normal', mean: 0, std: 1 }, 'float32'],
    [{ kind: 'bernoulli', p: 0.3 }, 'float32'],
    [{ kind: 'bernoulli', p: 0.3 }, 'int32'],
    [{ kind: 'randint', low: -5, high: 10 }, 'int32'],
    [{ kind: 'randint', low: 0, high: 3 }, 'float32'],
  ];
  for (const [distribution, dtype] of cases) {
    it(`${distribution.kind} into ${dtype} equals randomValueAt`, () => {
      const out = empty([3, 67], dtype);
      backend.random(out, distribution, 1234);
      const round = dtype === 'float32' ? Math.fround : (v: number) => v;
      expect(read(out)).toEqual(Array.from({ length: 201 }, (_, i) => round(randomValueAt(distribution, 1234, i))));
    });
  }

  it('depends on the seed', () => {
    const a = empty([8]);
    const b = empty([8]);
    backend.random(a, { kind: 'uniform', low: 0, high: 1 }, 1);
    backend.random(b, { kind: 'uniform', low: 0, high: 1 }, 2);
    expect(read(a)).not.toEqual(read(b));
  });
});
