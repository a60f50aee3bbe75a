import { describe, expect, it } from 'vitest';
import { Generator, manualSeed } from './index.js';
import { permutation, resolveGenerator, sampleBeta } from './random.js';
import { expectTensorError } from './test-utils/errors.js';

describe('Generator', () => {
  it('is a pure function of (seed, counter)', () => {
    const a = new Generator(5);
    const b = new Generator(5);
    const xs = [a.uniform(), a.nextSeed(), a.randint(0, 10)];
    expect([b.uniform(), b.nextSeed(), b.randint(0, 10)]).toEqual(xs);
    expect(a.counter).toBe(3);
    expect(new Generator(6).uniform()).not.toBe(xs[0]);
  });
  it('manualSeed resets the global generator', () => {
    manualSeed(3);
    const first = resolveGenerator('test', undefined).uniform();
    manualSeed(3);
    expect(resolveGenerator('test', undefined).uniform()).toBe(first);
  });
  it('permutations and Beta samples', () => {
    expect([...permutation(20, 1)].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const g = new Generator(1);
    const draws = Array.from({ length: 2000 }, () => sampleBeta(g, 2, 5));
    expect(draws.reduce((a, b) => a + b, 0) / draws.length).toBeCloseTo(2 / 7, 1);
  });
  it('rejects bad seeds', async () => {
    await expectTensorError(() => new Generator(1.5), 'INVALID_ARGUMENT', /seed must be an integer in \[0, 4294967296\), got number 1.5/);
    await expectTensorError(() => manualSeed(-2), 'INVALID_ARGUMENT', /got number -2/);
  });
});
