import { expect, it } from 'vitest';
import { permutation } from './index.js';

it('permutation is a seeded shuffle of 0..n-1', () => {
  const p = permutation(100, 7);
  expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  expect(permutation(100, 7)).toEqual(p);
  expect(permutation(100, 8)).not.toEqual(p);
  expect(permutation(0, 1)).toEqual(new Int32Array(0));
});

it('permutation rejects bad arguments', () => {
  expect(() => permutation(-1, 0)).toThrow(/permutation: n must be a non-negative integer, got number -1/);
  expect(() => permutation(2.5, 0)).toThrow(/n must be a non-negative integer/);
  expect(() => permutation(3, 0.5)).toThrow(/permutation: seed must be an integer, got number 0.5/);
});
