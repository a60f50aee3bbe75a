import { describe, it, expect } from 'vitest';
import {
  adaptiveAvgPool2d,
  avgPool2d,
  batchNorm,
  chunk,
  clamp,
  concat,
  conv1d,
  conv2d,
  convTranspose2d,
  dispose,
  elu,
  flip,
  gather,
  gelu,
  hardSigmoid,
  hardSwish,
  indexSelect,
  layerNorm,
  leakyRelu,
  matmul,
  maxPool2d,
  pad,
  repeat,
  resize,
  scatterAdd,
  selu,
  silu,
  split,
  stack,
  takeAlongAxis,
  tensor,
  tile,
  where,
  atan2,
  setBackend,
  tidy,
  type Backend,
  type Tensor,
} from '@tessera/tensor-core';
import { checkGradients, grad, releaseUnusedRecords, type CheckGradientsOptions } from '@tessera/autograd';
import type { ConformanceContext } from '../index.js';
import { expectNoLeaks as expectNoLeaksNow, expectTensor } from './../helpers.js';

/** Earlier groups may leave records of forward passes that were never backpropagated; release them first so the count measures only this case. */
async function expectNoLeaks(fn: () => unknown | Promise<unknown>): Promise<void> {
  releaseUnusedRecords();
  await expectNoLeaksNow(fn);
}

/**
 * Where `values`, `ints` and `f64` create their tensors: float64 on the active backend (finite
 * differences), or float32 on a given backend (comparison with the reference backend, and the
 * literal cases on backends without float64). Set only while one case runs.
 */
let inputs: { dtype: 'float32' | 'float64'; backend?: Backend } = { dtype: 'float64' };

/** Runs `fn` with `values`/`ints`/`f64` creating float32 tensors on `backend` (which is active meanwhile). */
async function withFloat32Inputs<T>(backend: Backend, fn: () => Promise<T>): Promise<T> {
  const previous = inputs;
  inputs = { dtype: 'float32', backend };
  await setBackend(backend);
  try {
    return await fn();
  } finally {
    inputs = previous;
  }
}

/** Deterministic numbers: uniform in [lo, hi], or of magnitude in [lo, hi] with random sign (`signed`). */
function numbers(size: number, seed: number, lo = -1, hi = 1, signed = false): Float64Array {
  let s = (seed * 2654435761 + 1) >>> 0;
  const next = (): number => {
    s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    s = Math.imul(s ^ (s >>> 13), 3266489909) >>> 0;
    return ((s ^ (s >>> 16)) >>> 0) / 4294967296;
  };
  return Float64Array.from({ length: size }, () => {
    const v = lo + (hi - lo) * next();
    return signed && next() < 0.5 ? -v : v;
  });
}

/** Deterministic float inputs (float64, or float32 in comparison mode): see {@link numbers}. */
function values(shape: readonly number[], seed: number, lo = -1, hi = 1, signed = false): Tensor {
  const data = numbers(shape.reduce((a, b) => a * b, 1), seed, lo, hi, signed);
  return tensor(data, shape, { dtype: inputs.dtype, backend: inputs.backend });
}

const ints = (data: number[], shape: number[]): Tensor => tensor(data, shape, { dtype: 'int32', backend: inputs.backend });
const f64 = (data: number[], shape: number[]): Tensor => tensor(data, shape, { dtype: inputs.dtype, backend: inputs.backend });

/**
 * Tolerances of the comparison with the reference backend (float32 on both): an element passes
 * when |got - want| <= rtol·|want| + atol·max(1, max|want|) — atol is relative to the largest
 * value of the same tensor, so values that cancel to near zero are judged against the tensor's
 * scale. Elementwise and movement rules run a few float32 ops per element (and the backend's own
 * transcendental functions, accurate to ~1e-5 relative): 1e-5 relative, as the forward
 * conformance tolerance. Reductions, matmul, convolutions, softmax/layerNorm, pooling and the
 * second-order cases sum in another order than the reference (tiled GEMMs, tree reductions):
 * 1e-4 relative and 1e-5 of the tensor's scale. On Dawn + SwiftShader the worst case measured
 * needs 2.5e-6 (second-order softmax/logSoftmax/layerNorm), elementwise ones under 2e-7.
 * A case may override its group's tolerance (`compare`).
 */
export const GRADIENT_TOLERANCE = {
  elementwise: { rtol: 1e-5, atol: 1e-6 },
  reduction: { rtol: 1e-4, atol: 1e-5 },
} as const;

/** Comparison tolerance of one case. */
export interface CompareTolerance {
  readonly rtol: number;
  readonly atol: number;
}

/** Options of one gradient case: those of `checkGradients` (float64 path) plus the comparison's. */
interface CaseOptions extends CheckGradientsOptions {
  /** Tolerance of the comparison with the reference backend (default: the group's). */
  readonly compare?: CompareTolerance;
  /** The case itself needs float64 (it casts to it): skipped on backends without it. */
  readonly float64Only?: boolean;
}

/** A fixed cotangent (weights of the output's elements), so non-scalar outputs get a vector-Jacobian product that mixes every element. */
function cotangent(shape: readonly number[], backend: Backend): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tensor(numbers(size, 977, 0.5, 1.5, true), shape, { dtype: 'float32', backend });
}

/** The forward values and the gradients (one per input) of `fn` on `backend`, from float32 inputs made there by `make`. */
async function forwardAndGradients(backend: Backend, make: () => Tensor[], fn: (...xs: Tensor[]) => Tensor): Promise<{ values: Float32Array[]; shapes: number[][] }> {
  return withFloat32Inputs(backend, async () => {
    const xs = make();
    const made: Tensor[] = [...xs];
    try {
      const y = tidy(() => fn(...xs)); // fn's intermediates (and index tensors) are freed
      if (!xs.includes(y)) made.push(y);
      const cot = cotangent(y.shape, backend);
      made.push(cot);
      const gs = grad((...as: Tensor[]) => fn(...as).mul(cot).sum())(...xs);
      made.push(...gs);
      releaseUnusedRecords(); // outputs fn computed but the loss did not use (chunk's other pieces) stay on the tape until swept
      const outs = [y, ...gs];
      const values = await Promise.all(outs.map(async (t) => Float32Array.from(await t.data())));
      return { values, shapes: outs.map((t) => [...t.shape]) };
    } finally {
      dispose(made);
    }
  });
}

/** Compares `got` with `want` element by element (see {@link GRADIENT_TOLERANCE}); fails naming the worst element. */
function compareArrays(label: string, got: Float32Array, want: Float32Array, tol: CompareTolerance): void {
  expect(got.length, `${label}: element count`).toBe(want.length);
  let scale = 1;
  for (const w of want) scale = Math.max(scale, Math.abs(w));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    const excess = Math.abs(g - w) - (tol.rtol * Math.abs(w) + tol.atol * scale);
    if (!(excess <= 0) || Number.isNaN(g) !== Number.isNaN(w)) {
      if (Number.isNaN(w) && Number.isNaN(g)) continue;
      if (at < 0 || !(excess <= worst)) {
        worst = excess;
        at = i;
      }
    }
  }
  if (at >= 0) {
    expect.fail(
      `${label}: element ${at}: reference ${want[at]}, got ${got[at]} (rtol ${tol.rtol}, atol ${tol.atol} × scale ${scale}); ` +
        `reference ${JSON.stringify(Array.from(want.slice(0, 16)))}, got ${JSON.stringify(Array.from(got.slice(0, 16)))}`,
    );
  }
}

/**
 * Conformance cases: gradients. Every differentiable op's gradient rule against float64 central
 * finite differences (`checkGradients`: random directions, and the full Jacobian for small
 * inputs), second-order checks (the gradient of a gradient), and literal values at kinks and ties.
 *
 * Backends without float64 (WebGPU) cannot be checked by finite differences at useful accuracy.
 * With a reference backend (`runConformance(make, { reference: () => cpu() })`) each case instead
 * runs on both backends from the same float32 inputs and compares the forward values and the
 * gradients (a vector-Jacobian product with a fixed cotangent) within {@link GRADIENT_TOLERANCE};
 * the rules themselves are verified by the float64 path on the reference. The literal cases run
 * in float32 on such backends. Without a reference they are skipped.
 */
export function gradientCases(ctx: ConformanceContext): void {
  /** The comparison tolerance of the cases registered next (set at the top of each group). */
  let groupTolerance: CompareTolerance = GRADIENT_TOLERANCE.elementwise;
  const check = (name: string, make: () => Tensor[], fn: (...xs: Tensor[]) => Tensor, options: CaseOptions = {}): void => {
    const { compare = groupTolerance, float64Only = false, ...checkOptions } = options;
    it(name, async (t) => {
      if (!ctx.float64()) {
        if (ctx.reference === undefined) {
          t.skip('gradient checks need float64, or a reference backend to compare with (runConformance option `reference`)');
          return;
        }
        if (float64Only) {
          t.skip('the case itself needs float64');
          return;
        }
        const reference = await ctx.reference();
        const backend = ctx.backend();
        await expectNoLeaks(async () => {
          try {
            const want = await forwardAndGradients(reference, make, fn);
            const got = await forwardAndGradients(backend, make, fn);
            want.values.forEach((w, i) => {
              const label = i === 0 ? `${name}: forward` : `${name}: gradient of input ${i - 1}`;
              expect(got.shapes[i], `${label}: shape`).toEqual(want.shapes[i]);
              compareArrays(label, got.values[i]!, w, compare);
            });
          } finally {
            await setBackend(backend);
          }
        });
        return;
      }
      await expectNoLeaks(async () => {
        const inputs = make();
        try {
          await checkGradients(fn, inputs, { name, ...checkOptions });
        } finally {
          dispose(inputs);
        }
      });
    });
  };
  /** Second order: checks the gradient of `x ↦ grad(f)(x)·c` (so every rule f's gradient ran is itself differentiated). */
  const check2 = (name: string, make: () => Tensor[], f: (...xs: Tensor[]) => Tensor): void =>
    check(`${name} (second order)`, make, (...xs) => {
      const gs = grad(f)(...xs);
      return gs.reduce<Tensor | undefined>((acc, g, i) => {
        const term = g.mul(i + 1).sum();
        return acc === undefined ? term : acc.add(term);
      }, undefined)!;
    });

  describe('unary', () => {
    groupTolerance = GRADIENT_TOLERANCE.elementwise;
    const x = (): Tensor[] => [values([2, 3], 1)];
    const positive = (): Tensor[] => [values([2, 3], 2, 0.2, 2)];
    const awayFromZero = (): Tensor[] => [values([2, 3], 3, 0.1, 1, true)];
    check('neg', x, (a) => a.neg());
    check('abs', awayFromZero, (a) => a.abs());
    check('exp', x, (a) => a.exp());
    check('log', positive, (a) => a.log());
    check('log1p', positive, (a) => a.log1p());
    check('expm1', x, (a) => a.expm1());
    check('sqrt', positive, (a) => a.sqrt());
    check('rsqrt', positive, (a) => a.rsqrt());
    check('square', x, (a) => a.square());
    check('reciprocal', awayFromZero, (a) => a.reciprocal());
    check('sin', x, (a) => a.sin());
    check('cos', x, (a) => a.cos());
    check('tanh', x, (a) => a.tanh());
    check('sigmoid', x, (a) => a.sigmoid());
    check('relu', awayFromZero, (a) => a.relu());
    check('erf', x, (a) => a.erf());
    check('softplus', x, (a) => a.softplus());
    check('gelu', x, (a) => gelu(a));
    check('gelu tanh', x, (a) => gelu(a, { approximate: 'tanh' }));
    check('leakyRelu', awayFromZero, (a) => leakyRelu(a, 0.1));
    check('elu', awayFromZero, (a) => elu(a));
    check('selu', awayFromZero, (a) => selu(a));
    check('silu', x, (a) => silu(a));
    check('hardSigmoid', () => [values([2, 3], 4, 0.5, 2.5, true)], (a) => hardSigmoid(a.mul(2)));
    check('hardSwish', () => [values([2, 3], 5, 0.5, 2.5, true)], (a) => hardSwish(a.mul(2)));
    check('clamp', () => [values([3, 4], 6, -2, 2)], (a) => clamp(a, -0.9, 0.9), { jacobian: true });
    check('clone', x, (a) => a.clone());
    check('cast float64 to float64', x, (a) => a.cast('float64'), { float64Only: true });
    check('floor, ceil, round, sign (zero gradient)', x, (a) => a.floor().add(a.ceil()).add(a.mul(3.3).round()).add(a.sign()).add(a));
  });

  describe('binary (with broadcasting)', () => {
    groupTolerance = GRADIENT_TOLERANCE.elementwise;
    const ab = (): Tensor[] => [values([2, 3], 7), values([3], 8)];
    const abColumn = (): Tensor[] => [values([2, 1], 9), values([2, 3], 10)];
    check('add', ab, (a, b) => a.add(b));
    check('add [2,1] + [2,3]', abColumn, (a, b) => a.add(b));
    check('sub', abColumn, (a, b) => a.sub(b));
    check('mul', ab, (a, b) => a.mul(b));
    check('div', () => [values([2, 3], 11), values([2, 1], 12, 0.5, 2, true)], (a, b) => a.div(b));
    check('pow', () => [values([2, 3], 13, 0.3, 2), values([3], 14, -2, 2)], (a, b) => a.pow(b));
    check('pow by a constant', () => [values([2, 3], 15, 0.3, 2)], (a) => a.pow(3));
    check('maximum', () => [values([2, 3], 16), values([3], 17)], (a, b) => a.maximum(b));
    check('minimum', () => [values([2, 3], 18), values([2, 1], 19)], (a, b) => a.minimum(b));
    check('mod', () => [values([2, 3], 20, 0.1, 3), values([3], 21, 0.7, 1.3)], (a, b) => a.mod(b));
    check('atan2', () => [values([2, 3], 22), values([3], 23, 0.5, 1, true)], (a, b) => atan2(a, b));
    check('where', () => [values([2, 3], 24), values([3], 25)], (a, b) => where(a.greater(0), a, b));
    check('fan-out (x·x + x)', () => [values([4], 26)], (a) => a.mul(a).add(a).mul(a.exp()));
  });

  describe('reductions', () => {
    groupTolerance = GRADIENT_TOLERANCE.reduction;
    const x = (): Tensor[] => [values([2, 3, 4], 30)];
    check('sum all', x, (a) => a.sum());
    check('sum axis 1', x, (a) => a.sum(1));
    check('sum axes [0, 2] keepDims', x, (a) => a.sum([0, 2], true));
    check('mean axis -1', x, (a) => a.mean(-1));
    check('prod axis 2', () => [values([2, 3, 4], 31, 0.5, 1.5, true)], (a) => a.prod(2));
    check('prod all', () => [values([5], 32, 0.5, 1.5, true)], (a) => a.prod());
    check('max axis 1', x, (a) => a.max(1));
    check('max axes [0, 2]', x, (a) => a.max([0, 2], true));
    check('min axis 0', x, (a) => a.min(0));
    check('var', x, (a) => a.var(1));
    check('std', x, (a) => a.std([1, 2], { correction: 0 }));
    check('logSumExp', x, (a) => a.logSumExp(2));
    check('cumsum', x, (a) => a.cumsum(1));
    check('cumsum exclusive reverse', x, (a) => a.cumsum(2, { exclusive: true, reverse: true }));
    check('topk values', x, (a) => a.topk(2, { axis: 1 }).values);
    check('topk smallest', x, (a) => a.topk(3, { largest: false }).values);
  });

  describe('movement', () => {
    groupTolerance = GRADIENT_TOLERANCE.elementwise;
    const x = (): Tensor[] => [values([2, 3, 4], 40)];
    check('reshape', x, (a) => a.reshape([4, 6]).mul(a.reshape([4, 6])));
    check('flatten, squeeze, unsqueeze', x, (a) => a.flatten(1).unsqueeze(0).squeeze(0).exp());
    check('expand', () => [values([3, 1], 41)], (a) => a.expand([2, 3, 4]));
    check('broadcastTo', () => [values([4], 42)], (a) => a.broadcastTo([3, 4]));
    check('transpose', x, (a) => a.transpose(0, 2));
    check('permute', x, (a) => a.permute([1, 2, 0]));
    check('slice', x, (a) => a.slice([1, 1], [3, 4], undefined, [1, 2]));
    check('slice with steps', x, (a) => a.slice([0, 1], [3, 4], [2, 2], [1, 2]));
    check('slice with negative steps', x, (a) => a.slice([-1, 3], [-Infinity, 0], [-1, -2], [0, 2]));
    check('split', x, (a) => {
      const [p, q] = split(a, [1, 3], 2);
      return p!.mul(q!.sum(2, true));
    });
    check('chunk', x, (a) => chunk(a, 2, 1)[1]!);
    check('concat', () => [values([2, 3], 43), values([2, 2], 44)], (a, b) => concat([a, b, a], 1));
    check('stack', () => [values([2, 3], 45), values([2, 3], 46)], (a, b) => stack([a, b], 1));
    check('pad constant', x, (a) => pad(a, [[1, 0], [0, 2], [1, 1]], { value: 3 }));
    check('pad reflect', x, (a) => pad(a, [[1, 1], [2, 1], [0, 3]], { mode: 'reflect' }));
    check('pad replicate', x, (a) => pad(a, [[0, 2], [1, 1], [2, 0]], { mode: 'replicate' }));
    check('pad negative (crop)', x, (a) => pad(a, [[0, 0], [-1, 1], [1, -2]]));
    check('flip', x, (a) => flip(a, [0, 2]));
    check('tile', () => [values([2, 3], 47)], (a) => tile(a, [2, 1, 2]));
    check('repeat', () => [values([2, 3], 48)], (a) => repeat(a, 2, 1));
    check('gather (numpy take)', x, (a) => gather(a, ints([2, 0, 2, 1], [2, 2]), 1));
    check('indexSelect', x, (a) => indexSelect(a, 2, ints([3, 3, 0], [3])));
    check('takeAlongAxis', () => [values([3, 4], 49)], (a) => takeAlongAxis(a, ints([0, 3, 1, 1, 2, 2], [3, 2]), 1));
    check('scatterAdd (x and updates)', () => [values([3, 4], 50), values([3, 2], 51)], (a, u) => scatterAdd(a, ints([0, 3, 1, 1, 2, 0], [3, 2]), u, 1));
  });

  describe('nn', () => {
    groupTolerance = GRADIENT_TOLERANCE.reduction;
    check('matmul', () => [values([3, 4], 60), values([4, 2], 61)], (a, b) => matmul(a, b));
    check('matmul batched with broadcasting', () => [values([2, 1, 3, 4], 62), values([3, 4, 2], 63)], (a, b) => matmul(a, b));
    check('matmul vector', () => [values([4], 64), values([2, 4, 3], 65)], (a, b) => matmul(a, b));
    check('matmul transposeA', () => [values([4, 3], 66), values([4, 2], 67)], (a, b) => matmul(a, b, { transposeA: true }));
    check('matmul transposeB, batched', () => [values([2, 3, 4], 68), values([2, 4], 69)], (a, b) => matmul(a, b, { transposeB: true }));
    check('matmul transposeA and transposeB', () => [values([4, 3], 70), values([2, 4], 71)], (a, b) => matmul(a, b, { transposeA: true, transposeB: true }));
    check('softmax', () => [values([2, 5], 66, -2, 2)], (a) => a.softmax());
    check('softmax axis 0', () => [values([3, 4], 67, -2, 2)], (a) => a.softmax(0));
    check('logSoftmax', () => [values([2, 5], 68, -2, 2)], (a) => a.logSoftmax());
    check('logSoftmax axis 1 of 3', () => [values([2, 3, 2], 69, -2, 2)], (a) => a.logSoftmax(1));
    check('layerNorm with weight and bias', () => [values([2, 3, 4], 70), values([4], 71), values([4], 72)], (a, w, b) =>
      layerNorm(a, [4], { weight: w, bias: b }),
    );
    check('layerNorm over two axes', () => [values([2, 3, 4], 73)], (a) => layerNorm(a, [3, 4]));
    check('batchNorm with given statistics, weight and bias', () => [values([2, 3, 2, 2], 74), values([3], 75), values([3], 76, 0.5, 2), values([3], 77), values([3], 78)], (x, m, v, w, b) =>
      batchNorm(x, m, v, { weight: w, bias: b, eps: 1e-3 }),
    );
    check('batchNorm with batch statistics (training)', () => [values([4, 3, 2], 79), values([3], 124)], (x, w) => {
      const mean = x.mean([0, 2]);
      const variance = x.sub(mean.reshape([1, 3, 1])).square().mean([0, 2]);
      return batchNorm(x, mean, variance, { weight: w });
    });
    check('conv2d', () => [values([2, 3, 5, 5], 80), values([4, 3, 3, 3], 81), values([4], 82)], (x, w, b) => conv2d(x, w, { bias: b }));
    check('conv2d stride, padding, dilation', () => [values([1, 2, 7, 6], 83), values([3, 2, 3, 2], 84)], (x, w) =>
      conv2d(x, w, { stride: [2, 1], padding: [1, 0, 2, 1], dilation: [1, 2] }),
    );
    check('conv2d groups', () => [values([1, 4, 5, 5], 85), values([6, 2, 3, 3], 86)], (x, w) => conv2d(x, w, { groups: 2, padding: 1, stride: 2 }));
    check('conv1d', () => [values([2, 2, 7], 87), values([3, 2, 3], 88)], (x, w) => conv1d(x, w, { padding: 'same' }));
    check('convTranspose2d', () => [values([1, 4, 3, 3], 89), values([4, 2, 3, 3], 90), values([4], 91)], (x, w, b) =>
      convTranspose2d(x, w, { stride: 2, padding: 1, outputPadding: 1, groups: 2, bias: b }),
    );
    check('maxPool2d', () => [values([1, 2, 5, 5], 92)], (x) => maxPool2d(x, { kernelSize: 2 }));
    check('maxPool2d stride, padding, dilation, ceilMode', () => [values([1, 2, 6, 7], 93)], (x) =>
      maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1, dilation: [1, 2], ceilMode: true }),
    );
    check('avgPool2d', () => [values([1, 2, 4, 6], 94)], (x) => avgPool2d(x, { kernelSize: 2 }));
    check('avgPool2d padding, no pad count, ceilMode', () => [values([1, 2, 5, 6], 95)], (x) =>
      avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false, ceilMode: true }),
    );
    check('avgPool2d ceilMode counting padding', () => [values([1, 1, 5, 5], 96)], (x) => avgPool2d(x, { kernelSize: 2, ceilMode: true }));
    check('adaptiveAvgPool2d', () => [values([1, 2, 4, 6], 97)], (x) => adaptiveAvgPool2d(x, [2, 3]));
    check('adaptiveAvgPool2d uneven bins', () => [values([1, 2, 5, 7], 98)], (x) => adaptiveAvgPool2d(x, [3, 4]));
    check('resize nearest', () => [values([1, 2, 3, 4], 99)], (x) => resize(x, [5, 3]));
    check('resize bilinear', () => [values([1, 2, 3, 4], 100)], (x) => resize(x, [5, 7], { mode: 'bilinear' }));
    check('resize bilinear alignCorners', () => [values([1, 1, 3, 3], 101)], (x) => resize(x, [4, 2], { mode: 'bilinear', alignCorners: true }));
  });

  describe('second order (the gradient of a gradient)', () => {
    groupTolerance = GRADIENT_TOLERANCE.reduction;
    const x = (): Tensor[] => [values([2, 3], 110, 0.3, 1.5)];
    const ab = (): Tensor[] => [values([2, 3], 111), values([3], 112, 0.5, 1.5)];
    check2('exp, log, sqrt, rsqrt, reciprocal', x, (a) => a.exp().add(a.log()).add(a.sqrt()).add(a.rsqrt()).add(a.reciprocal()).sum());
    check2('sin, cos, tanh, sigmoid, softplus, erf', x, (a) => a.sin().mul(a.cos()).add(a.tanh()).add(a.sigmoid()).add(a.softplus()).add(a.erf()).sum());
    check2('square, log1p, expm1, gelu', x, (a) => a.square().add(a.log1p()).add(a.expm1()).add(gelu(a)).sum());
    check2('mul, div, pow, sub', ab, (a, b) => a.mul(b).div(b.add(a.square())).sub(b.abs().pow(a)).sum());
    check2('maximum, minimum, abs, relu', () => [values([2, 3], 113, 0.2, 1, true), values([3], 114, 0.1, 0.9, true)], (a, b) =>
      a.maximum(b).mul(a.minimum(b)).mul(a.relu().add(a.abs())).sum(),
    );
    check2('sum, mean, prod, max, min', () => [values([3, 4], 115, 0.5, 1.5)], (a) =>
      a.sum(0).mul(a.mean(0)).mul(a.prod(0)).add(a.max(1).mul(a.min(1)).sum()).sum(),
    );
    check2('matmul', () => [values([3, 4], 116), values([4, 2], 117)], (a, b) => matmul(a, b).tanh().sum());
    check2('matmul with transpose flags', () => [values([4, 3], 120), values([2, 4], 121)], (a, b) => matmul(a, b, { transposeA: true, transposeB: true }).tanh().sum());
    check2('batched matmul with broadcasting', () => [values([2, 3, 4], 118), values([4, 2], 119)], (a, b) => matmul(a, b).square().sum());
    check2('softmax, logSoftmax, layerNorm', () => [values([2, 5], 120)], (a) =>
      a.softmax().mul(a).sum().add(a.logSoftmax(0).square().sum()).add(layerNorm(a, [5]).sin().sum()),
    );
    check2('batchNorm', () => [values([3, 2, 2], 125), values([2], 126, 0.5, 2), values([2], 127)], (x, v, w) =>
      batchNorm(x, x.mean([0, 2]), v, { weight: w }).sin().sum(),
    );
    check2('movement: slice, pad, concat, transpose, where', () => [values([3, 4], 121)], (a) =>
      concat([pad(a.slice([1], [3]), [[1, 0], [0, 0]]), a.T.reshape([3, 4])], 0).square().mul(where(a.greater(0), a, a.mul(2)).sum()).sum(),
    );
    check2('conv2d', () => [values([1, 2, 4, 4], 122), values([3, 2, 3, 3], 123)], (x, w) => conv2d(x, w, { padding: 1 }).square().sum());
  });

  describe('kinks and ties (literal values)', () => {
    /** On backends without float64 the literal cases run in float32 (`f64` then makes float32 tensors); `float64Only` ones are skipped. */
    const literal = (name: string, fn: () => Promise<void>, float64Only = false): void => {
      it(name, async (t) => {
        if (!ctx.float64()) {
          if (float64Only) {
            t.skip('needs float64');
            return;
          }
          await expectNoLeaks(() => withFloat32Inputs(ctx.backend(), fn));
          return;
        }
        await expectNoLeaks(fn);
      });
    };
    literal('max splits the gradient evenly among ties (as PyTorch amax)', async () => {
      const x = f64([1, 3, 3, 2, 2, 2], [2, 3]);
      const [g] = grad((a: Tensor) => a.max(1).sum())(x);
      await expectTensor(g, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]]);
      dispose([x, g]);
    });
    literal('min of all elements with ties', async () => {
      const x = f64([0, 1, 0, 4], [4]);
      const [g] = grad((a: Tensor) => a.min())(x);
      await expectTensor(g, [0.5, 0, 0.5, 0]);
      dispose([x, g]);
    });
    literal('maximum and minimum split 0.5/0.5 on ties', async () => {
      const a = f64([1, 2, 3], [3]);
      const b = f64([1, 5, 0], [3]);
      const [ga, gb] = grad((p: Tensor, q: Tensor) => p.maximum(q).sum().add(p.minimum(q).mul(10).sum()))(a, b);
      await expectTensor(ga, [5.5, 10, 1]);
      await expectTensor(gb, [5.5, 1, 10]);
      dispose([a, b, ga, gb]);
    });
    literal('relu and abs have gradient 0 at 0', async () => {
      const x = f64([-1, 0, 2], [3]);
      const [g] = grad((a: Tensor) => a.relu().add(a.abs()).sum())(x);
      await expectTensor(g, [-1, 0, 2]);
      dispose([x, g]);
    });
    literal('clamp passes the gradient inside the range and is zero outside', async () => {
      const x = f64([-2, -1, 0, 1, 2], [5]);
      const [g] = grad((a: Tensor) => clamp(a, -1.5, 1.5).sum())(x);
      await expectTensor(g, [0, 1, 1, 1, 0]);
      dispose([x, g]);
    });
    literal('clamp passes the gradient at its bounds (as PyTorch)', async () => {
      const x = f64([-1, 0, 1], [3]);
      const [g] = grad((a: Tensor) => clamp(a, -1, 1).sum())(x);
      await expectTensor(g, [1, 1, 1]);
      dispose([x, g]);
    });
    literal('prod with one zero and with two zeros', async () => {
      const x = f64([2, 0, 3, 0, 0, 5], [2, 3]);
      const [g] = grad((a: Tensor) => a.prod(1).sum())(x);
      await expectTensor(g, [[0, 6, 0], [0, 0, 0]]);
      dispose([x, g]);
    });
    literal('rounding ops have zero gradient', async () => {
      const x = f64([0.4, 1.6, -2.5], [3]);
      const [g] = grad((a: Tensor) => a.floor().add(a.ceil()).add(a.round()).add(a.sign()).sum())(x);
      await expectTensor(g, [0, 0, 0]);
      dispose([x, g]);
    });
    literal('maxPool2d routes to the first maximal cell of a window (as PyTorch)', async () => {
      const x = f64([1, 4, 4, 2], [1, 1, 2, 2]);
      const [g] = grad((a: Tensor) => maxPool2d(a, { kernelSize: 2 }).sum())(x);
      await expectTensor(g, [[[[0, 1], [0, 0]]]]);
      dispose([x, g]);
    });
    literal('float32 gradients stay float32', async () => {
      const x = tensor([1, 2], [2]);
      const [g] = grad((a: Tensor) => a.cast('float64').square().sum())(x);
      expect(g.dtype).toBe('float32');
      await expectTensor(g, [2, 4]);
      dispose([x, g]);
    }, true);
  });
}
