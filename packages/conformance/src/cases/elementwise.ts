/**
 * Conformance cases: elementwise ops. Unary math, binary arithmetic with broadcasting and dtype
 * promotion, comparisons, logical ops, `where`, `cast`, `clone` and the composite activations.
 *
 * Expected float values come from `src/fixtures/reference.ts` (PyTorch in float64, see
 * `scripts/generate-fixtures.py`); small integer and boolean cases are worked out by hand.
 */
import { it, expect } from 'vitest';
import {
  abs, add, atan2, cast, ceil, clamp, clone, cos, div, elu, equal, erf, exp, expm1, floor, floorDiv, gelu, greater,
  greaterEqual, hardSigmoid, hardSwish, heaviside, isFinite, isNaN, leakyRelu, less, lessEqual, log, log1p,
  logicalAnd, logicalNot, logicalOr, logicalXor, maximum, minimum, mod, mul, neg, notEqual, pow, reciprocal, relu,
  round, rsqrt, selu, sigmoid, sign, silu, sin, softplus, sqrt, square, sub, tanh, tensor, where, zeros, arange,
  scalar, ones, dispose, type DType, type NestedArray, type Tensor,
} from '@tessera/tensor-core';
import type { ConformanceContext } from '../index.js';
import { expectNoLeaks, expectTensor, expectTensorError, expectOp, expectOpError, valuesOf } from '../helpers.js';
import { ACTIVATIONS, BINARY, UNARY } from '../fixtures/reference.js';





const f32 = (values: readonly number[]): Tensor => tensor([...values], undefined, { dtype: 'float32' });
const i32 = (values: NestedArray): Tensor => tensor(values, undefined, { dtype: 'int32' });

const UNARY_FNS: Record<keyof typeof UNARY, (x: Tensor) => Tensor> = {
  neg, abs, sign, exp, log, log1p, expm1, sqrt, rsqrt, square, reciprocal, sin, cos, tanh, sigmoid, relu, erf, floor,
  ceil, round, softplus,
};

const ACTIVATION_FNS: Record<keyof typeof ACTIVATIONS, (x: Tensor) => Tensor> = {
  leakyRelu: (x) => leakyRelu(x),
  'leakyRelu0.2': (x) => leakyRelu(x, 0.2),
  elu: (x) => elu(x),
  'elu0.5': (x) => elu(x, 0.5),
  selu,
  gelu: (x) => gelu(x),
  geluTanh: (x) => gelu(x, { approximate: 'tanh' }),
  silu,
  hardSigmoid,
  hardSwish,
};

interface LeakInputs {
  readonly f: Tensor;
  readonly n: Tensor;
  readonly b: Tensor;
  readonly column: Tensor;
  readonly pair: Tensor;
  readonly empty: Tensor;
}

function makeLeakInputs(): LeakInputs {
  const f = f32([-1.5, 0, 2]);
  return {
    f,
    n: i32([-1, 0, 2]),
    b: tensor([true, false, true]),
    column: f.reshape([3, 1]),
    pair: tensor([1, 2]),
    empty: zeros([0, 3]),
  };
}

/** Ops whose temporaries (coerced scalars, casts, composite intermediates) must all be freed. */
const LEAK_CASES: Record<string, (x: LeakInputs) => Tensor> = {
  ...Object.fromEntries(Object.entries(UNARY_FNS).map(([name, fn]) => [`${name}(float32)`, (x: LeakInputs) => fn(x.f)])),
  ...Object.fromEntries(Object.entries(ACTIVATION_FNS).map(([name, fn]) => [`${name}(float32)`, (x: LeakInputs) => fn(x.f)])),
  'exp(int32)': (x) => exp(x.n),
  'neg(bool)': (x) => neg(x.b),
  'floor(int32)': (x) => floor(x.n),
  'logicalNot(float32)': (x) => logicalNot(x.f),
  'isNaN(int32)': (x) => isNaN(x.n),
  'isFinite(float32)': (x) => isFinite(x.f),
  'neg(number)': () => neg(3),
  'add(float32, int32)': (x) => add(x.f, x.n),
  'sub(int32, 0.5)': (x) => sub(x.n, 0.5),
  'mul(bool, bool)': (x) => mul(x.b, x.b),
  'div(int32, int32)': (x) => div(x.n, x.n),
  'floorDiv(int32, 2)': (x) => floorDiv(x.n, 2),
  'floorDiv(float32, 2)': (x) => floorDiv(x.f, 2),
  'pow(int32, 2)': (x) => pow(x.n, 2),
  'mod(float32, 2)': (x) => mod(x.f, 2),
  'atan2(float32, 1)': (x) => atan2(x.f, 1),
  'maximum(float32, 0)': (x) => maximum(x.f, 0),
  'minimum(2, float32)': (x) => minimum(2, x.f),
  'add(2, 3)': () => add(2, 3),
  'equal(int32, float32)': (x) => equal(x.n, x.f),
  'less(bool, 1)': (x) => less(x.b, 1),
  'logicalAnd(float32, int32)': (x) => logicalAnd(x.f, x.n),
  'logicalXor(bool, true)': (x) => logicalXor(x.b, true),
  'where(bool, float32, 0)': (x) => where(x.b, x.f, 0),
  'where(bool, 1, 2.5)': (x) => where(x.b, 1, 2.5),
  'where(bool, int32, float32)': (x) => where(x.b, x.n, x.f),
  'cast(float32, bool)': (x) => cast(x.f, 'bool'),
  'clone(int32)': (x) => clone(x.n),
  'add([3,1], [2])': (x) => add(x.column, x.pair),
  'add([0,3], [3])': (x) => add(x.empty, x.f),
  'gelu(int32)': (x) => gelu(x.n),
  'gelu(int32, tanh)': (x) => gelu(x.n, { approximate: 'tanh' }),
  'leakyRelu(int32)': (x) => leakyRelu(x.n),
  'elu(int32)': (x) => elu(x.n),
  'silu(int32)': (x) => silu(x.n),
  'hardSwish(int32)': (x) => hardSwish(x.n),
  'clamp(float32, 0)': (x) => clamp(x.f, 0),
  'clamp(float32, undefined, 0)': (x) => clamp(x.f, undefined, 0),
  'clamp(float32, -1, 1)': (x) => clamp(x.f, -1, 1),
  'clamp(int32, -1, 0.5)': (x) => clamp(x.n, -1, 0.5),
  'heaviside(float32, 0.5)': (x) => heaviside(x.f, 0.5),
  'heaviside(int32, float32)': (x) => heaviside(x.n, x.f),
};

/** Calls that fail after tensor-core made a temporary (a coerced scalar, a cast). */
const FAILING_CASES: Record<string, (x: LeakInputs) => unknown> = {
  'add(int32 [3], float32 [2])': (x) => add(x.n, x.pair),
  'mul(float32 [2], int32 [3])': (x) => mul(x.pair, x.n),
  'less(int32 [3], float32 [2])': (x) => less(x.n, x.pair),
  'where(int32, 1, 2)': (x) => where(x.n, 1, 2),
  'where(bool [3], int32 [3], float32 [2])': (x) => where(x.b, x.n, x.pair),
  'where(bool [3], 1.5, float32 [2])': (x) => where(x.b, 1.5, x.pair),
  'clamp(int32, 2, 1)': (x) => clamp(x.n, 2, 1),
  'cast(int32, float16)': (x) => cast(x.n, 'float16' as DType),
  'gelu(int32, bad approximate)': (x) => gelu(x.n, { approximate: 'x' as 'none' }),
  'logicalOr(int32 [3], bool [2])': (x) => logicalOr(x.n, x.pair),
  'floorDiv(int32 [3], float32 [2])': (x) => floorDiv(x.n, x.pair),
};

/** Conformance cases: elementwise. */
export function elementwiseCases(ctx: ConformanceContext): void {
  // ------------------------------------------------------------------ unary

  for (const [name, fixture] of Object.entries(UNARY)) {
    it(`${name}: float32 values incl. NaN, ±Infinity and 0 match PyTorch`, async () => {
      const fn = UNARY_FNS[name as keyof typeof UNARY];
      await expectOp(() => fn(f32(fixture.input)), [...fixture.expected], { dtype: 'float32' });
    });
  }

  it('unary ops keep the shape of a [2, 3] and a rank-0 input', async () => {
    await expectOp(() => neg(tensor([[1, -2, 3], [-4, 5, -6]])), [[-1, 2, -3], [4, -5, 6]]);
    await expectOp(() => exp(scalar(0)), 1, { shape: [] });
    await expectOp(() => sqrt(zeros([0, 3])), [], { shape: [0, 3], dtype: 'float32' });
  });

  it('negative zero: neg(0), abs(-0), reciprocal(±0) and ceil/round towards -0 keep the IEEE sign', async () => {
    const [n0] = await valuesOf(() => neg(f32([0])));
    expect(Object.is(n0, -0), 'neg(0) is -0').toBe(true);
    const [a0] = await valuesOf(() => abs(f32([-0])));
    expect(Object.is(a0, 0), 'abs(-0) is +0').toBe(true);
    await expectOp(() => reciprocal(f32([-0, 0])), [-Infinity, Infinity]);
    const [c0] = await valuesOf(() => ceil(f32([-0.5])));
    expect(Object.is(c0, -0), 'ceil(-0.5) is -0').toBe(true);
    const [r0] = await valuesOf(() => round(f32([-0.5])));
    expect(Object.is(r0, -0), 'round(-0.5) is -0').toBe(true);
  });

  it('int32 unary: neg, abs, sign, square, relu stay int32; floor, ceil, round return an int32 copy', async () => {
    const x = (): Tensor => i32([-3, -1, 0, 2, 7]);
    await expectOp(() => neg(x()), [3, 1, 0, -2, -7], { dtype: 'int32' });
    await expectOp(() => abs(x()), [3, 1, 0, 2, 7], { dtype: 'int32' });
    await expectOp(() => sign(x()), [-1, -1, 0, 1, 1], { dtype: 'int32' });
    await expectOp(() => square(x()), [9, 1, 0, 4, 49], { dtype: 'int32' });
    await expectOp(() => relu(x()), [0, 0, 0, 2, 7], { dtype: 'int32' });
    await expectOp(() => floor(x()), [-3, -1, 0, 2, 7], { dtype: 'int32' });
    await expectOp(() => ceil(x()), [-3, -1, 0, 2, 7], { dtype: 'int32' });
    await expectOp(() => round(x()), [-3, -1, 0, 2, 7], { dtype: 'int32' });
    // abs of the most negative int32 wraps, as two's complement (PyTorch and numpy agree).
    await expectOp(() => abs(i32([-2147483648])), [-2147483648], { dtype: 'int32' });
  });

  it('int32 and bool inputs of float ops compute in float32', async () => {
    await expectOp(() => exp(i32([0, 1])), [1, Math.E], { dtype: 'float32' });
    await expectOp(() => sqrt(i32([4, 9, 2])), [2, 3, Math.SQRT2], { dtype: 'float32' });
    await expectOp(() => sigmoid(tensor([true, false])), [1 / (1 + Math.exp(-1)), 0.5], { dtype: 'float32' });
    // bool takes int32 for the int-preserving ops.
    await expectOp(() => neg(tensor([true, false])), [-1, 0], { dtype: 'int32' });
  });

  it('logicalNot, isNaN and isFinite return bool for every dtype', async () => {
    await expectOp(() => logicalNot(tensor([true, false])), [false, true], { dtype: 'bool' });
    await expectOp(() => logicalNot(f32([0, -0, 2, NaN])), [true, true, false, false], { dtype: 'bool' });
    await expectOp(() => logicalNot(i32([0, 5])), [true, false], { dtype: 'bool' });
    await expectOp(() => isNaN(f32([1, NaN, Infinity, -Infinity, 0])), [false, true, false, false, false], { dtype: 'bool' });
    await expectOp(() => isFinite(f32([1, NaN, Infinity, -Infinity, 0])), [true, false, false, false, true], { dtype: 'bool' });
    await expectOp(() => isNaN(i32([1, 2])), [false, false], { dtype: 'bool' });
    await expectOp(() => isFinite(i32([[1], [2]])), [[true], [true]], { dtype: 'bool' });
    await expectOp(() => isFinite(tensor([true])), [true], { dtype: 'bool' });
  });

  it('unary ops accept JavaScript scalars', async () => {
    await expectOp(() => neg(3), -3, { shape: [], dtype: 'int32' });
    await expectOp(() => exp(1), Math.E, { shape: [], dtype: 'float32' });
    await expectOp(() => sqrt(2.25), 1.5, { shape: [], dtype: 'float32' });
  });

  // ------------------------------------------------------------------ binary arithmetic

  it('add, sub, mul, div on float32 incl. special values', async () => {
    const a = (): Tensor => f32([1.5, -2, Infinity, Infinity, 0, NaN, 1, -1, 0]);
    const b = (): Tensor => f32([2.25, 0.5, 1, -Infinity, Infinity, 1, 0, 0, 0]);
    await expectOp(() => add(a(), b()), [3.75, -1.5, Infinity, NaN, Infinity, NaN, 1, -1, 0]);
    await expectOp(() => sub(a(), b()), [-0.75, -2.5, Infinity, Infinity, -Infinity, NaN, 1, -1, 0]);
    await expectOp(() => mul(a(), b()), [3.375, -1, Infinity, -Infinity, NaN, NaN, 0, -0, 0]);
    await expectOp(() => div(a(), b()), [1.5 / 2.25, -4, Infinity, NaN, 0, NaN, Infinity, -Infinity, NaN]);
  });

  it('mul by -1 and div by -0 give signed zeros and infinities', async () => {
    const [z] = await valuesOf(() => mul(f32([0]), -1));
    expect(Object.is(z, -0), 'mul(0, -1) is -0').toBe(true);
    await expectOp(() => div(f32([1, -1]), f32([-0, -0])), [-Infinity, Infinity]);
  });

  it('int32 arithmetic stays int32 (and wraps on overflow, as two\'s complement)', async () => {
    await expectOp(() => add(i32([1, -2, 2147483647]), i32([2, -3, 1])), [3, -5, -2147483648], { dtype: 'int32' });
    await expectOp(() => sub(i32([1, -2]), i32([2, -3])), [-1, 1], { dtype: 'int32' });
    await expectOp(() => mul(i32([3, -4, 65536]), i32([5, 6, 65536])), [15, -24, 0], { dtype: 'int32' });
    await expectOp(() => maximum(i32([3, -4]), i32([-5, 6])), [3, 6], { dtype: 'int32' });
    await expectOp(() => minimum(i32([3, -4]), i32([-5, 6])), [-5, -4], { dtype: 'int32' });
  });

  it('div of int32 by int32 is true division in float32', async () => {
    await expectOp(() => div(i32([7, -7, 1, 0]), i32([2, 2, 3, 0])), [3.5, -3.5, 1 / 3, NaN], { dtype: 'float32' });
    await expectOp(() => div(i32([1]), i32([0])), [Infinity], { dtype: 'float32' });
    await expectOp(() => div(7, 2), 3.5, { shape: [], dtype: 'float32' });
  });

  it('floorDiv: int32 rounds toward -Infinity and stays int32; float32 is floor(a / b)', async () => {
    await expectOp(() => floorDiv(i32([7, -7, 7, -7, 6, 0]), i32([2, 2, -2, -2, 3, 5])), [3, -4, -4, 3, 2, 0], { dtype: 'int32' });
    const f = BINARY.floorDivFloat;
    await expectOp(() => floorDiv(f32(f.a), f32(f.b)), [...f.expected], { dtype: 'float32' });
    await expectOp(() => floorDiv(i32([7, -7]), 2.5), [2, -3], { dtype: 'float32' });
  });

  it('floorDiv of int32 by zero throws INVALID_ARGUMENT where the backend reads synchronously', async () => {
    // tensor-core can only look for zeros before dispatch where it can read synchronously.
    if (!ctx.backend().capabilities.syncRead) return;
    expectOpError(() => floorDiv(i32([1, 2]), i32([1, 0])), 'INVALID_ARGUMENT', /division by zero/);
  });

  it('mod follows the sign of the divisor (Python / PyTorch remainder)', async () => {
    await expectOp(() => mod(i32([7, -7, 7, -7, 6, 0]), i32([3, 3, -3, -3, 3, -4])), [1, 2, -2, -1, 0, 0], { dtype: 'int32' });
    const f = BINARY.modFloat;
    await expectOp(() => mod(f32(f.a), f32(f.b)), [...f.expected], { dtype: 'float32' });
    await expectOp(() => mod(i32([-7]), 2.5), [0.5], { dtype: 'float32' });
  });

  it('pow: float32 values incl. 0^0, 0^-1, negative bases and Infinity match PyTorch', async () => {
    const f = BINARY.pow;
    await expectOp(() => pow(f32(f.a), f32(f.b)), [...f.expected], { dtype: 'float32' });
  });

  it('pow: int32 ** int32 stays int32; a non-integer exponent promotes to float32', async () => {
    await expectOp(() => pow(i32([2, -3, 5, 0, 1]), i32([10, 3, 0, 0, 7])), [1024, -27, 1, 1, 1], { dtype: 'int32' });
    await expectOp(() => pow(i32([2, 3]), 2), [4, 9], { dtype: 'int32' });
    await expectOp(() => pow(i32([4, 9]), 0.5), [2, 3], { dtype: 'float32' });
    await expectOp(() => pow(2, i32([0, 1, 5])), [1, 2, 32], { dtype: 'int32' });
  });

  it('atan2 covers every quadrant, the axes and infinities', async () => {
    const f = BINARY.atan2;
    await expectOp(() => atan2(f32(f.a), f32(f.b)), [...f.expected], { dtype: 'float32' });
    await expectOp(() => atan2(i32([1]), i32([1])), [Math.PI / 4], { dtype: 'float32' });
  });

  it('maximum and minimum propagate NaN from either side', async () => {
    const a = (): Tensor => f32([1, NaN, 3, -Infinity, NaN]);
    const b = (): Tensor => f32([2, 0, NaN, 5, NaN]);
    await expectOp(() => maximum(a(), b()), [2, NaN, NaN, 5, NaN]);
    await expectOp(() => minimum(a(), b()), [1, NaN, NaN, -Infinity, NaN]);
  });

  // ------------------------------------------------------------------ promotion

  it('promotion: int32 with float32 gives float32 in either order', async () => {
    await expectOp(() => add(i32([1, 2]), f32([0.5, 0.25])), [1.5, 2.25], { dtype: 'float32' });
    await expectOp(() => mul(f32([0.5, 0.25]), i32([2, 4])), [1, 1], { dtype: 'float32' });
    await expectOp(() => sub(i32([1]), f32([1.5])), [-0.5], { dtype: 'float32' });
  });

  it('promotion: bool arithmetic computes in int32; bool with int32 is int32, with float32 is float32', async () => {
    await expectOp(() => add(tensor([true, true, false]), tensor([true, false, false])), [2, 1, 0], { dtype: 'int32' });
    await expectOp(() => mul(tensor([true, false]), tensor([true, true])), [1, 0], { dtype: 'int32' });
    await expectOp(() => add(tensor([true, false]), i32([5, 5])), [6, 5], { dtype: 'int32' });
    await expectOp(() => add(tensor([true, false]), f32([0.5, 0.5])), [1.5, 0.5], { dtype: 'float32' });
  });

  it('promotion: JavaScript numbers are weak scalars that take the tensor dtype unless fractional', async () => {
    await expectOp(() => add(i32([1, 2]), 3), [4, 5], { dtype: 'int32' });
    await expectOp(() => add(i32([1, 2]), 0.5), [1.5, 2.5], { dtype: 'float32' });
    await expectOp(() => add(f32([1, 2]), 3), [4, 5], { dtype: 'float32' });
    await expectOp(() => sub(10, i32([1, 2])), [9, 8], { dtype: 'int32' });
    await expectOp(() => add(tensor([true, false]), 2), [3, 2], { dtype: 'int32' });
    await expectOp(() => add(tensor([true, false]), 0.5), [1.5, 0.5], { dtype: 'float32' });
    await expectOp(() => add(2, 3), 5, { shape: [], dtype: 'int32' });
    await expectOp(() => add(2, 0.5), 2.5, { shape: [], dtype: 'float32' });
    await expectOp(() => add(f32([1]), true), [2], { dtype: 'float32' });
  });

  // ------------------------------------------------------------------ broadcasting

  it('broadcasting: scalar tensors, size-1 axes and rank differences', async () => {
    await expectOp(() => add(tensor([[1, 2, 3], [4, 5, 6]]), scalar(10)), [[11, 12, 13], [14, 15, 16]]);
    await expectOp(() => add(tensor([[1, 2, 3], [4, 5, 6]]), tensor([10, 20, 30])), [[11, 22, 33], [14, 25, 36]]);
    await expectOp(() => mul(tensor([[1], [2]]), tensor([[1, 10, 100]])), [[1, 10, 100], [2, 20, 200]]);
    await expectOp(() => sub(tensor([1, 2, 3]), tensor([[1], [2]])), [[0, 1, 2], [-1, 0, 1]]);
    // [2, 1, 3] with [4, 1] → [2, 4, 3].
    const expected: number[][][] = [];
    for (let i = 0; i < 2; i++) {
      const plane: number[][] = [];
      for (let j = 0; j < 4; j++) plane.push([0, 1, 2].map((k) => i * 3 + k + 100 * j));
      expected.push(plane);
    }
    await expectOp(() => add(arange(6, undefined, 1, { dtype: 'float32' }).reshape([2, 1, 3]), tensor([[0], [100], [200], [300]])), expected);
    await expectOp(() => add(tensor([[[1, 2]]]), tensor([[[10], [20]]])), [[[11, 12], [21, 22]]]);
  });

  it('broadcasting: empty tensors ([0, 3] with [1, 3] gives [0, 3]; [2, 0] with [2, 1] gives [2, 0])', async () => {
    await expectOp(() => add(zeros([0, 3]), ones([1, 3])), [], { shape: [0, 3], dtype: 'float32' });
    await expectOp(() => mul(zeros([2, 0]), ones([2, 1])), [[], []], { shape: [2, 0] });
    await expectOp(() => less(zeros([0]), 1), [], { shape: [0], dtype: 'bool' });
    await expectOp(() => where(zeros([0, 2], { dtype: 'bool' }), 1, ones([1, 2])), [], { shape: [0, 2] });
  });

  it('broadcasting: results of transpose and other copying ops feed binary ops correctly', async () => {
    // [[1,2,3],[4,5,6]]ᵀ = [[1,4],[2,5],[3,6]].
    await expectOp(() => add(tensor([[1, 2, 3], [4, 5, 6]]).transpose(), tensor([10, 20])), [[11, 24], [12, 25], [13, 26]]);
    await expectOp(() => mul(tensor([[1, 2, 3], [4, 5, 6]]).T, tensor([[1], [2], [3]])), [[1, 4], [4, 10], [9, 18]]);
    await expectOp(
      () => sub(tensor([[1, 2], [3, 4]]).transpose(), tensor([[1, 2], [3, 4]])),
      [[0, 1], [-1, 0]],
    );
    await expectOp(() => exp(tensor([[0, 1], [2, 3]]).T), [[1, Math.exp(2)], [Math.E, Math.exp(3)]]);
  });

  it('broadcasting errors name both shapes (SHAPE_MISMATCH)', () => {
    expectOpError(() => add(zeros([2, 3]), zeros([2])), 'SHAPE_MISMATCH', /\[2,3\] and \[2\]/);
    expectOpError(() => mul(zeros([2, 3]), zeros([3, 2])), 'SHAPE_MISMATCH', /\[2,3\] and \[3,2\]/);
    expectOpError(() => less(zeros([0]), zeros([2])), 'SHAPE_MISMATCH');
    expectOpError(() => add(zeros([0, 3]), zeros([2, 3])), 'SHAPE_MISMATCH');
    expectOpError(() => logicalAnd(zeros([4], { dtype: 'bool' }), zeros([3], { dtype: 'bool' })), 'SHAPE_MISMATCH');
  });

  // ------------------------------------------------------------------ comparisons and logic

  it('comparisons return bool; NaN compares unequal to everything, itself included', async () => {
    const a = (): Tensor => f32([1, 2, 3, NaN, NaN, -Infinity, -0]);
    const b = (): Tensor => f32([2, 2, 2, NaN, 1, -Infinity, 0]);
    await expectOp(() => equal(a(), b()), [false, true, false, false, false, true, true], { dtype: 'bool' });
    await expectOp(() => notEqual(a(), b()), [true, false, true, true, true, false, false], { dtype: 'bool' });
    await expectOp(() => less(a(), b()), [true, false, false, false, false, false, false], { dtype: 'bool' });
    await expectOp(() => lessEqual(a(), b()), [true, true, false, false, false, true, true], { dtype: 'bool' });
    await expectOp(() => greater(a(), b()), [false, false, true, false, false, false, false], { dtype: 'bool' });
    await expectOp(() => greaterEqual(a(), b()), [false, true, true, false, false, true, true], { dtype: 'bool' });
  });

  it('comparisons promote mixed dtypes and broadcast', async () => {
    await expectOp(() => less(i32([1, 2]), f32([1.5, 1.5])), [true, false], { dtype: 'bool' });
    await expectOp(() => equal(i32([1, 2, 3]), 2), [false, true, false], { dtype: 'bool' });
    await expectOp(() => greater(i32([1, 2]), 1.5), [false, true], { dtype: 'bool' });
    await expectOp(() => equal(tensor([true, false]), tensor([true, true])), [true, false], { dtype: 'bool' });
    await expectOp(() => greater(tensor([[1], [3]]), tensor([0, 2, 4])), [[true, false, false], [true, true, false]], { dtype: 'bool' });
  });

  it('logicalAnd, logicalOr, logicalXor take any dtype as truthiness and return bool', async () => {
    const a = (): Tensor => tensor([true, true, false, false]);
    const b = (): Tensor => tensor([true, false, true, false]);
    await expectOp(() => logicalAnd(a(), b()), [true, false, false, false], { dtype: 'bool' });
    await expectOp(() => logicalOr(a(), b()), [true, true, true, false], { dtype: 'bool' });
    await expectOp(() => logicalXor(a(), b()), [false, true, true, false], { dtype: 'bool' });
    await expectOp(() => logicalAnd(f32([0, 2, NaN, -0]), i32([1, 1, 1, 1])), [false, true, true, false], { dtype: 'bool' });
    await expectOp(() => logicalOr(f32([0, 0]), false), [false, false], { dtype: 'bool' });
    await expectOp(() => logicalXor(tensor([[true], [false]]), tensor([true, false])), [[false, true], [true, false]], { dtype: 'bool' });
  });

  // ------------------------------------------------------------------ where, cast, clone

  it('where selects elementwise and broadcasts condition, a and b', async () => {
    await expectOp(() => where(tensor([true, false, true]), f32([1, 2, 3]), f32([10, 20, 30])), [1, 20, 3]);
    await expectOp(() => where(tensor([[true], [false]]), tensor([1, 2, 3]), scalar(0)), [[1, 2, 3], [0, 0, 0]]);
    await expectOp(() => where(tensor([true, false]), 1, tensor([5, 6])), [1, 6], { dtype: 'float32' });
    await expectOp(() => where(tensor([true, false]), 1, 2), [1, 2], { dtype: 'int32' });
    await expectOp(() => where(tensor([true, false]), 1, 2.5), [1, 2.5], { dtype: 'float32' });
    await expectOp(() => where(tensor([false, true]), i32([1, 2]), f32([0.5, 0.5])), [0.5, 2], { dtype: 'float32' });
    await expectOp(() => where(true, f32([NaN, 1]), 0), [NaN, 1]);
    await expectOp(() => where(tensor([true, false]), tensor([true, true]), tensor([false, false])), [true, false], { dtype: 'bool' });
  });

  it('where with a non-bool condition throws DTYPE_MISMATCH; with bad shapes SHAPE_MISMATCH', () => {
    expectOpError(() => where(f32([1, 0]), 1, 2), 'DTYPE_MISMATCH', /condition must be bool, got float32/);
    expectOpError(() => where(i32([1, 0]), 1, 2), 'DTYPE_MISMATCH', /int32/);
    expectOpError(() => where(tensor([true, false]), zeros([3]), 1), 'SHAPE_MISMATCH');
    expectOpError(() => where(tensor([true, false]), 1, zeros([3])), 'SHAPE_MISMATCH');
  });

  it('cast: float → int32 truncates toward zero; anything → bool is != 0 (NaN is true)', async () => {
    await expectOp(() => cast(f32([1.7, -1.7, 2.5, -0.5, 0, 1e6]), 'int32'), [1, -1, 2, 0, 0, 1000000], { dtype: 'int32' });
    await expectOp(() => cast(f32([0, -0, 0.5, -2, NaN, Infinity]), 'bool'), [false, false, true, true, true, true], { dtype: 'bool' });
    await expectOp(() => cast(i32([0, -3, 7]), 'bool'), [false, true, true], { dtype: 'bool' });
    await expectOp(() => cast(i32([-3, 16777217]), 'float32'), [-3, 16777216], { dtype: 'float32' });
    await expectOp(() => cast(tensor([true, false]), 'float32'), [1, 0], { dtype: 'float32' });
    await expectOp(() => cast(tensor([true, false]), 'int32'), [1, 0], { dtype: 'int32' });
    await expectOp(() => cast(f32([1.5]), 'float32'), [1.5], { dtype: 'float32' });
    await expectOp(() => cast(zeros([0, 2]), 'int32'), [], { shape: [0, 2], dtype: 'int32' });
    await expectOp(() => cast(tensor([[1.9, -1.9]]).T, 'int32'), [[1], [-1]], { dtype: 'int32' });
  });

  it('cast to an unknown dtype throws INVALID_ARGUMENT', () => {
    expectOpError(() => cast(zeros([2]), 'float16' as DType), 'INVALID_ARGUMENT', /unknown dtype float16/);
  });

  it('cast and clone return new tensors with their own storage', async () => {
    const x = f32([1, 2]);
    const same = cast(x, 'float32');
    const copy = clone(x);
    expect(same).not.toBe(x);
    expect(copy).not.toBe(x);
    expect(copy.id).not.toBe(x.id);
    x.dispose();
    await expectTensor(same, [1, 2], { dtype: 'float32' });
    await expectTensor(copy, [1, 2], { dtype: 'float32' });
    dispose([same, copy]);
    await expectOp(() => clone(i32([[1, 2]])), [[1, 2]], { dtype: 'int32' });
    await expectOp(() => clone(tensor([true, false])), [true, false], { dtype: 'bool' });
  });

  // ------------------------------------------------------------------ composite activations

  for (const [name, fixture] of Object.entries(ACTIVATIONS)) {
    it(`${name} matches PyTorch`, async () => {
      const fn = ACTIVATION_FNS[name as keyof typeof ACTIVATIONS];
      await expectOp(() => fn(f32(fixture.input)), [...fixture.expected], { dtype: 'float32' });
    });
  }

  it('activations on int32 input compute in float32', async () => {
    await expectOp(() => gelu(i32([0, 1])), [0, 0.8413447460685429], { dtype: 'float32' });
    await expectOp(() => silu(i32([0])), [0], { dtype: 'float32' });
    await expectOp(() => softplus(i32([0])), [Math.LN2], { dtype: 'float32' });
    await expectOp(() => leakyRelu(i32([-2, 3]), 0.5), [-1, 3], { dtype: 'float32' });
  });

  it('gelu with an unknown approximation throws INVALID_ARGUMENT', () => {
    expectOpError(() => gelu(zeros([2]), { approximate: 'erf' as 'none' }), 'INVALID_ARGUMENT', /approximate/);
  });

  it('leakyRelu and elu reject non-finite parameters', () => {
    expectOpError(() => leakyRelu(zeros([2]), NaN), 'INVALID_ARGUMENT', /negativeSlope/);
    expectOpError(() => elu(zeros([2]), Infinity), 'INVALID_ARGUMENT', /alpha/);
  });

  it('clamp: both bounds, one-sided, NaN input, int32 stays int32', async () => {
    const x = (): Tensor => f32([-3, -1, 0, 0.5, 2, 5, NaN, Infinity, -Infinity]);
    await expectOp(() => clamp(x(), -1, 2), [-1, -1, 0, 0.5, 2, 2, NaN, 2, -1]);
    await expectOp(() => clamp(x(), 0), [0, 0, 0, 0.5, 2, 5, NaN, Infinity, 0]);
    await expectOp(() => clamp(x(), undefined, 1), [-3, -1, 0, 0.5, 1, 1, NaN, 1, -Infinity]);
    await expectOp(() => clamp(x(), 1, 1), [1, 1, 1, 1, 1, 1, NaN, 1, 1]);
    await expectOp(() => clamp(i32([-5, 0, 5]), -2, 2), [-2, 0, 2], { dtype: 'int32' });
    await expectOp(() => clamp(i32([-5, 0, 5]), -0.5, 2.5), [-0.5, 0, 2.5], { dtype: 'float32' });
  });

  it('clamp errors: no bounds, NaN bounds, min > max', () => {
    expectOpError(() => clamp(zeros([2])), 'INVALID_ARGUMENT', /at least one of min and max/);
    expectOpError(() => clamp(zeros([2]), NaN, 1), 'INVALID_ARGUMENT', /NaN/);
    expectOpError(() => clamp(zeros([2]), 0, NaN), 'INVALID_ARGUMENT', /NaN/);
    expectOpError(() => clamp(zeros([2]), 3, 2), 'INVALID_ARGUMENT', /min \(3\) must not exceed max \(2\)/);
  });

  it('heaviside: 0 below zero, values at zero, 1 above (scalar and broadcast tensor values)', async () => {
    await expectOp(() => heaviside(f32([-2, 0, 3, -0, -Infinity, Infinity]), 0.5), [0, 0.5, 1, 0.5, 0, 1], { dtype: 'float32' });
    await expectOp(() => heaviside(f32([0, 0, -1]), f32([7, 8, 9])), [7, 8, 0]);
    await expectOp(() => heaviside(tensor([[0], [1]]), tensor([2, 3])), [[2, 3], [1, 1]]);
    await expectOp(() => heaviside(i32([-1, 0, 1]), 0.25), [0, 0.25, 1], { dtype: 'float32' });
  });

  // ------------------------------------------------------------------ disposed inputs

  it('ops on a disposed tensor throw TENSOR_DISPOSED naming the tensor id', () => {
    const x = f32([1, 2]);
    x.dispose();
    const id = new RegExp(`id=${x.id}\\b`);
    expectTensorError(() => add(x, 1), 'TENSOR_DISPOSED', id);
    expectTensorError(() => add(1, x), 'TENSOR_DISPOSED', id);
    expectTensorError(() => exp(x), 'TENSOR_DISPOSED', id);
    expectTensorError(() => where(tensor([true, false]), x, 0), 'TENSOR_DISPOSED', id);
    expectTensorError(() => where(x, 1, 0), 'TENSOR_DISPOSED', id);
    expectTensorError(() => cast(x, 'int32'), 'TENSOR_DISPOSED', id);
    expectTensorError(() => clone(x), 'TENSOR_DISPOSED', id);
    expectTensorError(() => logicalAnd(x, true), 'TENSOR_DISPOSED', id);
    expectTensorError(() => gelu(x), 'TENSOR_DISPOSED', id);
    expectTensorError(() => clamp(x, 0, 1), 'TENSOR_DISPOSED', id);
  });

  // ------------------------------------------------------------------ leaks

  // One case per op, so that a leak names its op. Inputs are made before the count is taken.
  for (const [name, op] of Object.entries(LEAK_CASES)) {
    it(`no leaks: ${name}`, async () => {
      const inputs = makeLeakInputs();
      try {
        await expectNoLeaks(() => op(inputs).dispose());
      } finally {
        dispose(inputs);
      }
    });
  }

  // Outside any tidy scope: whatever an op allocated before failing must be freed by the op.
  for (const [name, op] of Object.entries(FAILING_CASES)) {
    it(`no leaks when it throws: ${name}`, async () => {
      const inputs = makeLeakInputs();
      try {
        await expectNoLeaks(() => {
          expect(() => op(inputs)).toThrow();
        });
      } finally {
        dispose(inputs);
      }
    });
  }
}
