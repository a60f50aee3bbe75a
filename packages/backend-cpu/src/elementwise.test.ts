import { describe, expect, it } from 'vitest';
import { BINARY_OPS, UNARY_OPS, broadcastShapes, sizeOf, type BinaryOp, type DType } from '@tessera/tensor-core';
import { backend, empty, expectClose, randomValues, read, tensor } from './test-utils/helpers.js';

function bin(op: BinaryOp, a: number[], b: number[], dtype: DType = 'float32', shapeA = [a.length], shapeB = [b.length]): number[] {
  const shape = broadcastShapes(shapeA, shapeB);
  const cmp = ['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual', 'logicalAnd', 'logicalOr', 'logicalXor'];
  const out = empty(shape, cmp.includes(op) ? 'bool' : dtype);
  backend.binary(op, tensor(shapeA, a, dtype), tensor(shapeB, b, dtype), out);
  return read(out);
}

function un(op: (typeof UNARY_OPS)[number], x: number[], dtype: DType = 'float64', outDtype: DType = dtype): number[] {
  const out = empty([x.length], outDtype);
  backend.unary(op, tensor([x.length], x, dtype), out);
  return read(out);
}

describe('unary', () => {
  it('computes every op on float64 against Math', () => {
    const x = [-2.5, -0.5, 0, 0.5, 1.5, 2.5, 3];
    expect(un('neg', x)).toEqual(x.map((v) => -v));
    expect(un('abs', x)).toEqual(x.map(Math.abs));
    expect(un('sign', [-3, 0, 2, NaN])).toEqual([-1, 0, 1, NaN]);
    expect(un('round', x)).toEqual([-2, -0, 0, 0, 2, 2, 3]);
    expect(un('floor', x)).toEqual(x.map(Math.floor));
    expect(un('ceil', x)).toEqual(x.map(Math.ceil));
    expect(un('relu', [-1, 2, NaN, -Infinity, Infinity])).toEqual([0, 2, NaN, 0, Infinity]);
    expect(un('relu', [-1, 2, NaN, -Infinity, Infinity, -0, 3.4e38, 1e-45], 'float32')).toEqual([0, 2, NaN, 0, Infinity, 0, Math.fround(3.4e38), Math.fround(1e-45)]);
    expect(un('square', x)).toEqual(x.map((v) => v * v));
    expect(un('reciprocal', [2, -4])).toEqual([0.5, -0.25]);
    expect(un('rsqrt', [4])).toEqual([0.5]);
    expectClose(un('sigmoid', [-800, 0, 800, 2]), [0, 0.5, 1, 1 / (1 + Math.exp(-2))], 1e-15);
    expectClose(un('softplus', [-50, 0, 10, 30]), [Math.exp(-50), Math.LN2, Math.log1p(Math.exp(10)), 30], 1e-15, 1e-14);
    for (const op of ['exp', 'log', 'log1p', 'expm1', 'sqrt', 'sin', 'cos', 'tanh'] as const) {
      expect(un(op, [0.5, 2])).toEqual([Math[op](0.5), Math[op](2)]);
    }
  });

  it('computes erf to float64 accuracy (< 1e-12) and float32 accuracy', () => {
    // Reference values from mpmath.
    const x = [-3, -1, -1e-8, 0, 0.1, 0.5, 1, 2, 2.5, 3.5, 6];
    const ref = [
      -0.9999779095030014, -0.8427007929497149, -1.1283791670955126e-8, 0, 0.1124629160182849, 0.5204998778130465,
      0.8427007929497149, 0.9953222650189527, 0.9995930479825550, 0.9999992569016276, 1,
    ];
    expectClose(un('erf', x), ref, 1e-15, 1e-13);
    expectClose(un('erf', x, 'float32'), ref, 2e-7, 1e-6);
  });

  it('takes int32 for neg, abs, sign, square and relu, wrapping like Int32Array', () => {
    expect(un('neg', [-(2 ** 31), 5], 'int32')).toEqual([-(2 ** 31), -5]);
    expect(un('abs', [-7, 3], 'int32')).toEqual([7, 3]);
    expect(un('sign', [-7, 0, 3], 'int32')).toEqual([-1, 0, 1]);
    expect(un('square', [65536, -3], 'int32')).toEqual([0, 9]);
    expect(un('relu', [-7, 3], 'int32')).toEqual([0, 3]);
  });

  it('maps to bool for logicalNot, isNaN, isFinite', () => {
    expect(un('logicalNot', [0, 1], 'bool')).toEqual([1, 0]);
    expect(un('isNaN', [NaN, 1, Infinity], 'float32', 'bool')).toEqual([1, 0, 0]);
    expect(un('isFinite', [NaN, 1, -Infinity], 'float32', 'bool')).toEqual([0, 1, 0]);
  });

  it('handles empty and scalar tensors', () => {
    expect(un('exp', [])).toEqual([]);
    const out = empty([]);
    backend.unary('neg', tensor([], [3]), out);
    expect(read(out)).toEqual([-3]);
  });
});

describe('binary', () => {
  it('follows Python semantics for mod and floor division', () => {
    expect(bin('mod', [7, -7, 7, -7], [3, 3, -3, -3])).toEqual([1, 2, -2, -1]);
    expect(bin('mod', [7, -7, 7, -7], [3, 3, -3, -3], 'int32')).toEqual([1, 2, -2, -1]);
    expect(bin('div', [7, -7, 7, -7, 6], [2, 2, -2, -2, 3], 'int32')).toEqual([3, -4, -4, 3, 2]);
    expect(bin('div', [7, -7], [2, 2])).toEqual([3.5, -3.5]);
  });

  it('wraps int32 arithmetic and keeps pow in int32', () => {
    expect(bin('add', [2 ** 31 - 1], [1], 'int32')).toEqual([-(2 ** 31)]);
    expect(bin('mul', [65536, 123456789], [65536, 100], 'int32')).toEqual([0, (123456789 * 100) | 0]);
    expect(bin('pow', [3, 2, 2, -1, 5], [4, 31, 32, 3, 0], 'int32')).toEqual([81, -(2 ** 31), 0, -1, 1]);
  });

  it('propagates NaN through maximum and minimum', () => {
    expect(bin('maximum', [NaN, 1, 3], [1, NaN, 2])).toEqual([NaN, NaN, 3]);
    expect(bin('minimum', [NaN, 1, 3], [1, NaN, 2])).toEqual([NaN, NaN, 2]);
  });

  it('compares and combines into bool', () => {
    expect(bin('less', [1, 2, NaN], [2, 2, 1])).toEqual([1, 0, 0]);
    expect(bin('greaterEqual', [1, 2, 3], [2, 2, 2])).toEqual([0, 1, 1]);
    expect(bin('notEqual', [NaN, 1], [NaN, 1])).toEqual([1, 0]);
    expect(bin('logicalXor', [0, 1, 1, 0], [0, 0, 1, 1], 'bool')).toEqual([0, 1, 0, 1]);
    expect(bin('logicalAnd', [0, 1, 1, 0], [0, 0, 1, 1], 'bool')).toEqual([0, 0, 1, 0]);
    expect(bin('logicalOr', [0, 1, 1, 0], [0, 0, 1, 1], 'bool')).toEqual([0, 1, 1, 1]);
    expect(bin('atan2', [1], [1])).toEqual([Math.fround(Math.PI / 4)]);
    expect(bin('pow', [1, 2], [NaN, 0.5], 'float64')).toEqual([1, Math.SQRT2]);
  });

  it('broadcasts every op like a naive odometer', () => {
    const shapes: [number[], number[]][] = [
      [[2, 3, 4], [2, 3, 4]], [[], [3, 2]], [[3, 2], []], [[2, 1, 4], [3, 1]], [[4, 1, 3, 1], [5, 1, 1]],
      [[1, 3], [2, 1]], [[2, 3, 1], [1, 3, 4]], [[0, 3], [1, 3]],
    ];
    for (const op of BINARY_OPS) {
      for (const [sa, sb] of shapes) {
        const dtype: DType = op.startsWith('logical') ? 'bool' : 'float64';
        const av = randomValues(sizeOf(sa), 3).map((v) => (dtype === 'bool' ? +(v > 0) : v * 4));
        const bv = randomValues(sizeOf(sb), 4).map((v) => (dtype === 'bool' ? +(v > 0) : v * 4 + 0.1));
        const shape = broadcastShapes(sa, sb);
        const got = bin(op, av, bv, dtype, sa, sb);
        // Reference: every output index read through broadcast (stride 0) coordinates, element by element.
        const expected: number[] = [];
        const idx = new Array<number>(shape.length).fill(0);
        for (let i = 0; i < sizeOf(shape); i++) {
          const at = (s: number[]) => s.reduce((acc, d, k) => acc * d + (d === 1 ? 0 : idx[shape.length - s.length + k]!), 0);
          expected.push(bin(op, [av[at(sa)]!], [bv[at(sb)]!], dtype)[0]!);
          for (let d = shape.length - 1; d >= 0; d--) {
            if (++idx[d]! < shape[d]!) break;
            idx[d] = 0;
          }
        }
        expect(got, `${op} ${JSON.stringify([sa, sb])}`).toEqual(expected);
      }
    }
  });
});

describe('where, cast, fill, range', () => {
  it('selects with broadcasting', () => {
    const out = empty([2, 3]);
    backend.where(tensor([2, 1], [1, 0], 'bool'), tensor([3], [1, 2, 3]), tensor([], [9]), out);
    expect(read(out)).toEqual([1, 2, 3, 9, 9, 9]);
    const out2 = empty([3]);
    backend.where(tensor([3], [0, 1, 0], 'bool'), tensor([3], [1, 2, 3]), tensor([3], [4, 5, 6]), out2);
    expect(read(out2)).toEqual([4, 2, 6]);
  });

  it('casts: float → int truncates, anything → bool is != 0', () => {
    const x = tensor([5], [-2.7, -0.5, 0, 0.5, 2.7]);
    const i = empty([5], 'int32');
    backend.cast(x, i);
    expect(read(i)).toEqual([-2, 0, 0, 0, 2]);
    const b = empty([5], 'bool');
    backend.cast(x, b);
    expect(read(b)).toEqual([1, 1, 0, 1, 1]);
    const f = empty([2], 'float32');
    backend.cast(tensor([2], [1, 0], 'bool'), f);
    expect(read(f)).toEqual([1, 0]);
    const nanBool = empty([1], 'bool');
    backend.cast(tensor([1], [NaN]), nanBool);
    expect(read(nanBool)).toEqual([1]);
  });

  it('fills and ranges', () => {
    const o = empty([3], 'int32');
    backend.fill(o, 2.9);
    expect(read(o)).toEqual([2, 2, 2]);
    const b = empty([2], 'bool');
    backend.fill(b, 5);
    expect(read(b)).toEqual([1, 1]);
    const r = empty([4]);
    backend.range(r, 1, 0.5);
    expect(read(r)).toEqual([1, 1.5, 2, 2.5]);
  });
});
