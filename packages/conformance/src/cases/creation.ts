/**
 * Conformance cases: creation. Tensors from values, constant fills, ranges, identity, and the
 * seeded random functions, which must reproduce `randomValueAt` (the reference generator in
 * tensor-core) element for element on every backend.
 */
import { it, expect } from 'vitest';
import {
  arange, bernoulli, eye, full, fullLike, linspace, ones, onesLike, rand, randint, randLike, randn, randnLike,
  memory, randomValueAt, scalar, tensor, tidy, zeros, zerosLike, dispose,
  type DType, type NestedArray, type RandomDistribution, type Tensor,
} from '@tessera/tensor-core';
import type { ConformanceContext } from '../index.js';
import { expectNoLeaks, expectTensor, expectOp, expectOpError, valuesOf } from '../helpers.js';





/** The first `n` values of the reference generator. */
function reference(distribution: RandomDistribution, seed: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => randomValueAt(distribution, seed, i));
}

function meanOf(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

function stdOf(values: readonly number[]): number {
  const m = meanOf(values);
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / values.length);
}

/** Conformance cases: creation. */
export function creationCases(ctx: ConformanceContext): void {
  // ------------------------------------------------------------------ tensor

  it('tensor from nested arrays infers shape and float32', async () => {
    await expectOp(() => tensor([[1, 2, 3], [4, 5, 6]]), [[1, 2, 3], [4, 5, 6]], { dtype: 'float32' });
    await expectOp(() => tensor([[[1.5], [-2.25]]]), [[[1.5], [-2.25]]], { dtype: 'float32' });
    await expectOp(() => tensor([NaN, Infinity, -Infinity, -0]), [NaN, Infinity, -Infinity, 0], { dtype: 'float32' });
  });

  it('tensor from booleans infers bool; mixed booleans and numbers give float32', async () => {
    await expectOp(() => tensor([[true, false], [false, true]]), [[true, false], [false, true]], { dtype: 'bool' });
    await expectOp(() => tensor([true, 2]), [1, 2], { dtype: 'float32' });
  });

  it('tensor from a scalar has shape []', async () => {
    await expectOp(() => tensor(5), 5, { shape: [], dtype: 'float32' });
    await expectOp(() => tensor(true), true, { shape: [], dtype: 'bool' });
    await expectOp(() => scalar(-2.5), -2.5, { shape: [], dtype: 'float32' });
    await expectOp(() => scalar(7, { dtype: 'int32' }), 7, { shape: [], dtype: 'int32' });
    await expectOp(() => tensor([3], []), 3, { shape: [] });
  });

  it('tensor from a flat array or typed array with a shape', async () => {
    await expectOp(() => tensor([1, 2, 3, 4, 5, 6], [2, 3]), [[1, 2, 3], [4, 5, 6]], { dtype: 'float32' });
    await expectOp(() => tensor(new Float32Array([1, 2, 3, 4]), [2, 2]), [[1, 2], [3, 4]], { dtype: 'float32' });
    await expectOp(() => tensor(new Int32Array([1, -2, 3])), [1, -2, 3], { dtype: 'int32' });
    await expectOp(() => tensor(new Uint8Array([1, 0, 1]), [3, 1]), [[true], [false], [true]], { dtype: 'bool' });
    await expectOp(() => tensor(new Float32Array(0)), [], { shape: [0], dtype: 'float32' });
  });

  it('tensor from a Float64Array is float64 where the backend has it, else float32', async () => {
    const out = tensor(new Float64Array([0.1, 2]));
    try {
      expect(out.dtype).toBe(ctx.float64() ? 'float64' : 'float32');
      await expectTensor(out, [0.1, 2]);
    } finally {
      out.dispose();
    }
  });

  it('tensor with an explicit dtype converts: float → int32 truncates, number → bool is != 0', async () => {
    await expectOp(() => tensor([1.7, -1.7, 2.5, -0.5], undefined, { dtype: 'int32' }), [1, -1, 2, 0], { dtype: 'int32' });
    await expectOp(() => tensor([0, 2, -0.5, NaN], undefined, { dtype: 'bool' }), [false, true, true, true], { dtype: 'bool' });
    await expectOp(() => tensor([true, false], undefined, { dtype: 'float32' }), [1, 0], { dtype: 'float32' });
    await expectOp(() => tensor(new Float32Array([1.9, -1.9]), undefined, { dtype: 'int32' }), [1, -1], { dtype: 'int32' });
    await expectOp(() => tensor(new Int32Array([1, 2]), [2], { dtype: 'float32' }), [1, 2], { dtype: 'float32' });
  });

  it('tensor of empty arrays has zero-sized shapes', async () => {
    await expectOp(() => tensor([]), [], { shape: [0], dtype: 'float32' });
    await expectOp(() => tensor([[], []]), [[], []], { shape: [2, 0] });
    await expectOp(() => tensor([], [0, 5]), [], { shape: [0, 5] });
    await expectOp(() => tensor([], [3, 0], { dtype: 'int32' }), [], { shape: [3, 0], dtype: 'int32' });
  });

  it('tensor copies its input, and data() returns a copy', async () => {
    const source = new Float32Array([1, 2, 3]);
    const x = tensor(source);
    source[0] = 100;
    const first = await x.data();
    expect(Array.from(first)).toEqual([1, 2, 3]);
    first[1] = 200;
    expect(Array.from(await x.data())).toEqual([1, 2, 3]);
    x.dispose();
  });

  it('tensor carries requiresGrad from its options (default false)', () => {
    const a = tensor([1, 2], undefined, { requiresGrad: true });
    const b = tensor([1, 2]);
    const c = zeros([2], { requiresGrad: true });
    const d = rand([2], { seed: 1, requiresGrad: true });
    expect(a.requiresGrad).toBe(true);
    expect(b.requiresGrad).toBe(false);
    expect(c.requiresGrad).toBe(true);
    expect(d.requiresGrad).toBe(true);
    dispose([a, b, c, d]);
  });

  it('tensor errors: ragged arrays, wrong data length, bad elements, bad shapes, unknown dtype', () => {
    expectOpError(() => tensor([[1, 2], [3]]), 'SHAPE_MISMATCH', /ragged.*values\[1\].*length 1, expected 2/);
    expectOpError(() => tensor([[1], [2, 3]]), 'SHAPE_MISMATCH', /ragged/);
    expectOpError(() => tensor([1, [2]] as unknown as NestedArray), 'SHAPE_MISMATCH', /ragged.*values\[1\]/);
    expectOpError(() => tensor([[1, 2], 3] as unknown as NestedArray), 'SHAPE_MISMATCH', /ragged/);
    expectOpError(() => tensor([1, 2, 3], [2, 2]), 'SHAPE_MISMATCH', /3 values but shape \[2,2\] needs 4/);
    expectOpError(() => tensor(new Float32Array(5), [2, 3]), 'SHAPE_MISMATCH', /5 values/);
    expectOpError(() => tensor(1, [2]), 'SHAPE_MISMATCH');
    expectOpError(() => tensor(['a'] as unknown as NestedArray), 'INVALID_ARGUMENT', /values\[0\] is string/);
    expectOpError(() => tensor([1, null] as unknown as NestedArray), 'INVALID_ARGUMENT', /null/);
    expectOpError(() => tensor('abc' as unknown as NestedArray), 'INVALID_ARGUMENT', /string/);
    expectOpError(() => tensor([1, 2], [-1, -2]), 'INVALID_ARGUMENT', /shape/);
    expectOpError(() => tensor([1, 2], [1.5]), 'INVALID_ARGUMENT', /shape/);
    expectOpError(() => tensor([1, 2], undefined, { dtype: 'float16' as DType }), 'INVALID_ARGUMENT', /unknown dtype float16/);
  });

  // ------------------------------------------------------------------ fills

  it('full, zeros, ones: dtype from the value or the options', async () => {
    await expectOp(() => full([2, 2], 7), [[7, 7], [7, 7]], { dtype: 'float32' });
    await expectOp(() => full([3], true), [true, true, true], { dtype: 'bool' });
    await expectOp(() => full([2], 2.9, { dtype: 'int32' }), [2, 2], { dtype: 'int32' });
    await expectOp(() => full([2], -2.9, { dtype: 'int32' }), [-2, -2], { dtype: 'int32' });
    await expectOp(() => full([2], 0.5, { dtype: 'bool' }), [true, true], { dtype: 'bool' });
    await expectOp(() => full([1], NaN), [NaN]);
    await expectOp(() => full([], -Infinity), -Infinity, { shape: [] });
    await expectOp(() => zeros([2, 3]), [[0, 0, 0], [0, 0, 0]], { dtype: 'float32' });
    await expectOp(() => ones([2], { dtype: 'int32' }), [1, 1], { dtype: 'int32' });
    await expectOp(() => zeros([2], { dtype: 'bool' }), [false, false], { dtype: 'bool' });
    await expectOp(() => ones([0, 3]), [], { shape: [0, 3] });
    await expectOp(() => zeros([]), 0, { shape: [] });
  });

  it('zerosLike, onesLike, fullLike copy shape and dtype; options override the dtype', async () => {
    const x = tensor([[1, 2, 3]], undefined, { dtype: 'int32' });
    await expectOp(() => zerosLike(x), [[0, 0, 0]], { dtype: 'int32' });
    await expectOp(() => onesLike(x), [[1, 1, 1]], { dtype: 'int32' });
    await expectOp(() => fullLike(x, 4.7), [[4, 4, 4]], { dtype: 'int32' });
    await expectOp(() => fullLike(x, 4.5, { dtype: 'float32' }), [[4.5, 4.5, 4.5]], { dtype: 'float32' });
    await expectOp(() => onesLike(x, { dtype: 'bool' }), [[true, true, true]], { dtype: 'bool' });
    const b = tensor([true, false]);
    await expectOp(() => zerosLike(b), [false, false], { dtype: 'bool' });
    dispose([x, b]);
  });

  it('fill errors: bad shapes, unknown dtype, disposed template', () => {
    expectOpError(() => full([-1], 0), 'INVALID_ARGUMENT', /shape/);
    expectOpError(() => zeros([2, 0.5]), 'INVALID_ARGUMENT', /shape/);
    expectOpError(() => ones([NaN]), 'INVALID_ARGUMENT', /shape/);
    expectOpError(() => full([2], 1, { dtype: 'uint8' as DType }), 'INVALID_ARGUMENT', /unknown dtype uint8/);
    const x = zeros([2]);
    x.dispose();
    expectOpError(() => zerosLike(x), 'TENSOR_DISPOSED', new RegExp(`id=${x.id}\\b`));
    expectOpError(() => onesLike(x), 'TENSOR_DISPOSED', new RegExp(`id=${x.id}\\b`));
    expectOpError(() => fullLike(x, 1), 'TENSOR_DISPOSED', new RegExp(`id=${x.id}\\b`));
    expectOpError(() => randLike(x, { seed: 1 }), 'TENSOR_DISPOSED', new RegExp(`id=${x.id}\\b`));
    expectOpError(() => randnLike(x, { seed: 1 }), 'TENSOR_DISPOSED', new RegExp(`id=${x.id}\\b`));
  });

  // ------------------------------------------------------------------ ranges

  it('arange with integer arguments is int32; one argument counts from 0', async () => {
    await expectOp(() => arange(5), [0, 1, 2, 3, 4], { dtype: 'int32' });
    await expectOp(() => arange(2, 7), [2, 3, 4, 5, 6], { dtype: 'int32' });
    await expectOp(() => arange(-3, 4, 3), [-3, 0, 3], { dtype: 'int32' });
    await expectOp(() => arange(0, 10, 4), [0, 4, 8], { dtype: 'int32' });
    await expectOp(() => arange(3, undefined, 1, { dtype: 'float32' }), [0, 1, 2], { dtype: 'float32' });
  });

  it('arange with fractional arguments is float32 and has ceil((end - start) / step) elements', async () => {
    await expectOp(() => arange(1, 2, 0.25), [1, 1.25, 1.5, 1.75], { dtype: 'float32' });
    await expectOp(() => arange(0.5, 3), [0.5, 1.5, 2.5], { dtype: 'float32' });
    // numpy: len(arange(0, 1, 0.1)) == 10.
    await expectOp(() => arange(0, 1, 0.1), [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], { dtype: 'float32' });
    await expectOp(() => arange(0, 1.01, 0.5), [0, 0.5, 1], { dtype: 'float32' });
  });

  it('arange with a negative step counts down; an empty range has shape [0]', async () => {
    await expectOp(() => arange(5, 0, -1), [5, 4, 3, 2, 1], { dtype: 'int32' });
    await expectOp(() => arange(0, -1, -0.25), [0, -0.25, -0.5, -0.75], { dtype: 'float32' });
    await expectOp(() => arange(10, 1, -4), [10, 6, 2], { dtype: 'int32' });
    await expectOp(() => arange(3, 3), [], { shape: [0], dtype: 'int32' });
    await expectOp(() => arange(5, 0), [], { shape: [0] });
    await expectOp(() => arange(0, 5, -1), [], { shape: [0] });
    await expectOp(() => arange(0), [], { shape: [0] });
  });

  it('arange errors: zero or non-finite step, non-finite bounds, unknown dtype', () => {
    expectOpError(() => arange(0, 5, 0), 'INVALID_ARGUMENT', /step must not be zero/);
    expectOpError(() => arange(0, 5, NaN), 'INVALID_ARGUMENT', /step/);
    expectOpError(() => arange(0, Infinity), 'INVALID_ARGUMENT', /end must be a finite number/);
    expectOpError(() => arange(NaN, 5), 'INVALID_ARGUMENT', /start/);
    expectOpError(() => arange(Infinity), 'INVALID_ARGUMENT', /finite/);
    expectOpError(() => arange(0, 5, 1, { dtype: 'int8' as DType }), 'INVALID_ARGUMENT', /unknown dtype/);
  });

  it('linspace includes both ends; count 0 is empty, count 1 is [start]', async () => {
    await expectOp(() => linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1], { dtype: 'float32' });
    await expectOp(() => linspace(1, -1, 3), [1, 0, -1], { dtype: 'float32' });
    await expectOp(() => linspace(-1, 1, 2), [-1, 1]);
    await expectOp(() => linspace(0, 1, 0), [], { shape: [0], dtype: 'float32' });
    await expectOp(() => linspace(3, 7, 1), [3], { dtype: 'float32' });
    await expectOp(() => linspace(2, 2, 3), [2, 2, 2]);
    await expectOp(() => linspace(0, 10, 3, { dtype: 'int32' }), [0, 5, 10], { dtype: 'int32' });
    // 0, 1/6, ..., 1: every value within float32 rounding of k/6.
    await expectOp(() => linspace(0, 1, 7), [0, 1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 1]);
  });

  it('linspace errors: negative or fractional count, non-finite bounds', () => {
    expectOpError(() => linspace(0, 1, -1), 'INVALID_ARGUMENT', /count must be an integer >= 0, got -1/);
    expectOpError(() => linspace(0, 1, 2.5), 'INVALID_ARGUMENT', /count/);
    expectOpError(() => linspace(0, NaN, 3), 'INVALID_ARGUMENT', /end/);
    expectOpError(() => linspace(-Infinity, 0, 3), 'INVALID_ARGUMENT', /start/);
  });

  it('eye: square, rectangular, empty, int32', async () => {
    await expectOp(() => eye(3), [[1, 0, 0], [0, 1, 0], [0, 0, 1]], { dtype: 'float32' });
    await expectOp(() => eye(2, 3), [[1, 0, 0], [0, 1, 0]]);
    await expectOp(() => eye(3, 2), [[1, 0], [0, 1], [0, 0]]);
    await expectOp(() => eye(1), [[1]]);
    await expectOp(() => eye(0), [], { shape: [0, 0] });
    await expectOp(() => eye(2, 0), [[], []], { shape: [2, 0] });
    await expectOp(() => eye(2, 2, { dtype: 'int32' }), [[1, 0], [0, 1]], { dtype: 'int32' });
    await expectOp(() => eye(2, 2, { dtype: 'bool' }), [[true, false], [false, true]], { dtype: 'bool' });
  });

  it('eye errors: negative or fractional sizes', () => {
    expectOpError(() => eye(-1), 'INVALID_ARGUMENT', /n must be an integer >= 0/);
    expectOpError(() => eye(2, 1.5), 'INVALID_ARGUMENT', /m must be an integer/);
  });

  // ------------------------------------------------------------------ random

  it('rand reproduces randomValueAt(uniform) element for element', async () => {
    const got = await valuesOf(() => rand([4, 25], { seed: 42 }));
    await expectOp(() => tensor(got), reference({ kind: 'uniform', low: 0, high: 1 }, 42, 100));
    const ranged = await valuesOf(() => rand([50], { seed: 7, low: -2, high: 3 }));
    await expectOp(() => tensor(ranged), reference({ kind: 'uniform', low: -2, high: 3 }, 7, 50));
  });

  it('rand: same seed, same values; another seed, other values; values in [low, high)', async () => {
    const a = await valuesOf(() => rand([1000], { seed: 123 }));
    const b = await valuesOf(() => rand([1000], { seed: 123 }));
    const c = await valuesOf(() => rand([1000], { seed: 124 }));
    expect(a).toEqual(b);
    expect(c.filter((v, i) => v === a[i]).length).toBeLessThan(10);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThan(1);
    const r = await valuesOf(() => rand([1000], { seed: 5, low: -3, high: -1 }));
    expect(Math.min(...r)).toBeGreaterThanOrEqual(-3);
    expect(Math.max(...r)).toBeLessThan(-1);
    // The element depends on the seed and its index only, not on the shape.
    const shaped = await valuesOf(() => rand([10, 100], { seed: 123 }));
    expect(shaped).toEqual(a);
  });

  it('rand of 10000 values has mean ≈ 1/2 and std ≈ 1/√12', async () => {
    // Standard errors: 0.0029 for the mean, 0.002 for the std; the bounds are about 5σ.
    const v = await valuesOf(() => rand([10000], { seed: 2024 }));
    expect(Math.abs(meanOf(v) - 0.5)).toBeLessThan(0.015);
    expect(Math.abs(stdOf(v) - 1 / Math.sqrt(12))).toBeLessThan(0.01);
  });

  it('randn reproduces randomValueAt(normal) and honours mean and std', async () => {
    // Box–Muller uses log and cos; a float32 backend may evaluate them in float32, hence the
    // looser tolerance than TOLERANCE.float32 (rng.ts: "up to the float rounding of log/cos").
    const loose = { rtol: 1e-4, atol: 1e-5 };
    const got = await valuesOf(() => randn([64], { seed: 9 }));
    await expectOp(() => tensor(got), reference({ kind: 'normal', mean: 0, std: 1 }, 9, 64), loose);
    const shifted = await valuesOf(() => randn([64], { seed: 9, mean: 5, std: 2 }));
    await expectOp(() => tensor(shifted), reference({ kind: 'normal', mean: 5, std: 2 }, 9, 64), loose);
  });

  it('randn: same seed, same values; another seed, other values; mean ≈ 0 and std ≈ 1 over 10000', async () => {
    const a = await valuesOf(() => randn([10000], { seed: 31 }));
    const b = await valuesOf(() => randn([10000], { seed: 31 }));
    const c = await valuesOf(() => randn([10000], { seed: 32 }));
    expect(a).toEqual(b);
    expect(c.filter((v, i) => v === a[i]).length).toBeLessThan(10);
    expect(a.every(Number.isFinite)).toBe(true);
    // Standard errors: 0.01 for the mean, 0.007 for the std.
    expect(Math.abs(meanOf(a))).toBeLessThan(0.05);
    expect(Math.abs(stdOf(a) - 1)).toBeLessThan(0.035);
    const s = await valuesOf(() => randn([10000], { seed: 33, mean: -3, std: 0.5 }));
    expect(Math.abs(meanOf(s) + 3)).toBeLessThan(0.025);
    expect(Math.abs(stdOf(s) - 0.5)).toBeLessThan(0.02);
    await expectOp(() => randn([3], { seed: 1, mean: 4, std: 0 }), [4, 4, 4]);
  });

  it('randint reproduces randomValueAt(randint) exactly and stays in [low, high)', async () => {
    await expectOp(() => randint(0, 10, [200], { seed: 3 }), reference({ kind: 'randint', low: 0, high: 10 }, 3, 200), { dtype: 'int32' });
    const v = await valuesOf(() => randint(-5, 5, [1000], { seed: 4 }));
    expect(v).toEqual(reference({ kind: 'randint', low: -5, high: 5 }, 4, 1000));
    expect(Math.min(...v)).toBe(-5);
    expect(Math.max(...v)).toBe(4);
    expect(v.every(Number.isInteger)).toBe(true);
    expect(new Set(v).size).toBe(10);
    expect(Math.abs(meanOf(v) + 0.5)).toBeLessThan(0.5);
    await expectOp(() => randint(7, 8, [3], { seed: 0 }), [7, 7, 7], { dtype: 'int32' });
    const f = tidy(() => randint(0, 3, [4], { seed: 1, dtype: 'float32' }));
    expect(f.dtype).toBe('float32');
    f.dispose();
  });

  it('bernoulli reproduces randomValueAt(bernoulli); mean ≈ p; p = 0 and p = 1 are constant', async () => {
    await expectOp(() => bernoulli(0.3, [100], { seed: 8 }), reference({ kind: 'bernoulli', p: 0.3 }, 8, 100), { dtype: 'float32' });
    const v = await valuesOf(() => bernoulli(0.3, [10000], { seed: 11 }));
    expect(v.every((x) => x === 0 || x === 1)).toBe(true);
    // Standard error 0.0046; the bound is about 5σ.
    expect(Math.abs(meanOf(v) - 0.3)).toBeLessThan(0.025);
    expect(await valuesOf(() => bernoulli(0, [50], { seed: 1 }))).toEqual(new Array(50).fill(0));
    expect(await valuesOf(() => bernoulli(1, [50], { seed: 1 }))).toEqual(new Array(50).fill(1));
    await expectOp(() => bernoulli(0.5, [2], { seed: 1, dtype: 'bool' }), reference({ kind: 'bernoulli', p: 0.5 }, 1, 2).map((x) => x === 1), { dtype: 'bool' });
  });

  it('randLike and randnLike copy shape and dtype', async () => {
    const x = zeros([2, 3]);
    const u = randLike(x, { seed: 5 });
    const n = randnLike(x, { seed: 5 });
    expect(u.shape).toEqual([2, 3]);
    expect(n.shape).toEqual([2, 3]);
    expect(u.dtype).toBe('float32');
    await expectTensor(u, reference({ kind: 'uniform', low: 0, high: 1 }, 5, 6), { shape: [2, 3] });
    dispose([x, u, n]);
  });

  it('random functions accept seeds 0 and 2^32 - 1 and make empty tensors', async () => {
    await expectOp(() => rand([2], { seed: 0 }), reference({ kind: 'uniform', low: 0, high: 1 }, 0, 2));
    await expectOp(() => rand([2], { seed: 2 ** 32 - 1 }), reference({ kind: 'uniform', low: 0, high: 1 }, 2 ** 32 - 1, 2));
    await expectOp(() => randn([0, 4], { seed: 1 }), [], { shape: [0, 4] });
    await expectOp(() => rand([3], { seed: 1, low: 2, high: 2 }), [2, 2, 2]);
  });

  it('random errors: missing, NaN, negative, fractional or too large seeds', () => {
    const bad = [undefined, NaN, -1, 1.5, 2 ** 32, Infinity, '1'];
    for (const seed of bad) {
      const options = { seed } as unknown as { seed: number };
      expectOpError(() => rand([2], options), 'INVALID_ARGUMENT', /seed must be an integer in \[0, 2\^32\)/);
      expectOpError(() => randn([2], options), 'INVALID_ARGUMENT', /seed/);
      expectOpError(() => randint(0, 2, [2], options), 'INVALID_ARGUMENT', /seed/);
      expectOpError(() => bernoulli(0.5, [2], options), 'INVALID_ARGUMENT', /seed/);
    }
    expectOpError(() => rand([2], undefined as unknown as { seed: number }), 'INVALID_ARGUMENT', /seed/);
  });

  it('random errors: bad ranges, probabilities, shapes and dtypes', () => {
    expectOpError(() => rand([2], { seed: 1, low: 2, high: 1 }), 'INVALID_ARGUMENT', /low \(2\) must not exceed high \(1\)/);
    expectOpError(() => rand([2], { seed: 1, high: Infinity }), 'INVALID_ARGUMENT', /high/);
    expectOpError(() => randn([2], { seed: 1, std: -1 }), 'INVALID_ARGUMENT', /std must be non-negative/);
    expectOpError(() => randn([2], { seed: 1, mean: NaN }), 'INVALID_ARGUMENT', /mean/);
    expectOpError(() => randint(3, 3, [2], { seed: 1 }), 'INVALID_ARGUMENT', /low \(3\) must be less than high \(3\)/);
    expectOpError(() => randint(0.5, 3, [2], { seed: 1 }), 'INVALID_ARGUMENT', /low must be an integer/);
    expectOpError(() => bernoulli(1.5, [2], { seed: 1 }), 'INVALID_ARGUMENT', /p must be in \[0, 1\]/);
    expectOpError(() => bernoulli(-0.1, [2], { seed: 1 }), 'INVALID_ARGUMENT', /p must be in/);
    expectOpError(() => bernoulli(NaN, [2], { seed: 1 }), 'INVALID_ARGUMENT', /p must be in/);
    expectOpError(() => rand([-2], { seed: 1 }), 'INVALID_ARGUMENT', /shape/);
    expectOpError(() => randn([2], { seed: 1, dtype: 'complex64' as DType }), 'INVALID_ARGUMENT', /unknown dtype/);
  });

  // ------------------------------------------------------------------ leaks

  it('no leaks: every creation function makes exactly one tensor, freed by dispose', async () => {
    const x = zeros([2, 2]);
    const makers: Record<string, () => Tensor> = {
      tensor: () => tensor([[1, 2], [3, 4]]),
      'tensor(typed)': () => tensor(new Int32Array([1, 2])),
      scalar: () => scalar(1),
      full: () => full([2], 3),
      zeros: () => zeros([2]),
      ones: () => ones([0]),
      zerosLike: () => zerosLike(x),
      onesLike: () => onesLike(x),
      fullLike: () => fullLike(x, 2),
      arange: () => arange(0, 1, 0.25),
      linspace: () => linspace(0, 1, 3),
      eye: () => eye(2, 3),
      rand: () => rand([3], { seed: 1 }),
      randn: () => randn([3], { seed: 1 }),
      randint: () => randint(0, 3, [3], { seed: 1 }),
      bernoulli: () => bernoulli(0.5, [3], { seed: 1 }),
      randLike: () => randLike(x, { seed: 1 }),
      randnLike: () => randnLike(x, { seed: 1 }),
    };
    for (const [name, make] of Object.entries(makers)) {
      await expectNoLeaks(async () => {
        const before = memory().tensors;
        const t = make();
        expect(memory().tensors, `${name} makes one tensor`).toBe(before + 1);
        t.dispose();
      });
    }
    await expectNoLeaks(() => {
      expect(() => tensor([[1], [2, 3]])).toThrow();
      expect(() => tensor([1, 2, 3], [2, 2])).toThrow();
      expect(() => rand([2], { seed: -1 })).toThrow();
      expect(() => arange(0, 1, 0)).toThrow();
    });
    x.dispose();
  });
}
