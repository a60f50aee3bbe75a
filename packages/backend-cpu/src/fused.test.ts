import { describe, expect, it } from 'vitest';
import { backend, empty, expectClose, randomValues, read, tensor } from './test-utils/helpers.js';
import { erf } from './kernels/math.js';

describe('fused kernels', () => {
  it('softmax and logSoftmax are stable for large inputs', () => {
    const x = tensor([2, 3], [1000, 1001, 1002, -1, 0, 1], 'float64');
    const out = empty([2, 3], 'float64');
    backend.softmax(x, out);
    const e = [Math.exp(-2), Math.exp(-1), 1];
    const s = e[0]! + e[1]! + e[2]!;
    const p = e.map((v) => v / s);
    expectClose(read(out), [...p, ...p], 1e-15);
    backend.logSoftmax(x, out);
    expectClose(read(out), [...p, ...p].map(Math.log), 1e-14);
  });

  it('softmax rows of float32 sum to 1', () => {
    const x = tensor([4, 33], randomValues(132).map((v) => v * 20));
    const out = empty([4, 33]);
    backend.softmax(x, out);
    const y = read(out);
    for (let r = 0; r < 4; r++) expect(y.slice(r * 33, r * 33 + 33).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('gelu in both forms', () => {
    const xs = [-3, -1, 0, 0.5, 2];
    const x = tensor([5], xs, 'float64');
    const out = empty([5], 'float64');
    backend.gelu(x, 'none', out);
    expectClose(read(out), xs.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))), 1e-15);
    backend.gelu(x, 'tanh', out);
    const c = Math.sqrt(2 / Math.PI);
    expectClose(read(out), xs.map((v) => 0.5 * v * (1 + Math.tanh(c * (v + 0.044715 * v ** 3)))), 1e-15);
    const x32 = tensor([5], xs);
    const out32 = empty([5]);
    backend.gelu(x32, 'none', out32);
    expectClose(read(out32), [-0.0040496, -0.1586553, 0, 0.3457312, 1.9544997], 1e-6);
  });

  it('layerNorm normalizes the innermost elements', () => {
    const x = tensor([2, 4], [1, 2, 3, 4, 10, 10, 10, 10], 'float64');
    const out = empty([2, 4], 'float64');
    backend.layerNorm(x, 4, 1e-5, out);
    const inv = 1 / Math.sqrt(1.25 + 1e-5);
    expectClose(read(out), [-1.5 * inv, -0.5 * inv, 0.5 * inv, 1.5 * inv, 0, 0, 0, 0], 1e-14);
  });

  it('batchNorm normalises per channel (axis 1) with given statistics', () => {
    // x [2, 2, 2]: channel 0 holds 1, 2 and 5, 6; channel 1 holds 3, 4 and 7, 8.
    const x = tensor([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8], 'float64');
    const mean = tensor([2], [3, 5], 'float64');
    const variance = tensor([2], [4, 1], 'float64');
    const w = tensor([2], [2, -1], 'float64');
    const b = tensor([2], [0.5, 1], 'float64');
    const out = empty([2, 2, 2], 'float64');
    const eps = 1e-5;
    const i0 = 1 / Math.sqrt(4 + eps);
    const i1 = 1 / Math.sqrt(1 + eps);
    backend.batchNorm(x, mean, variance, w, b, eps, out);
    const affine = [(1 - 3) * i0 * 2 + 0.5, (2 - 3) * i0 * 2 + 0.5, (3 - 5) * i1 * -1 + 1, (4 - 5) * i1 * -1 + 1, (5 - 3) * i0 * 2 + 0.5, (6 - 3) * i0 * 2 + 0.5, (7 - 5) * i1 * -1 + 1, (8 - 5) * i1 * -1 + 1];
    expectClose(read(out), affine, 1e-14);
    backend.batchNorm(x, mean, variance, undefined, undefined, eps, out);
    expectClose(read(out), [-2 * i0, -1 * i0, -2 * i1, -1 * i1, 2 * i0, 3 * i0, 2 * i1, 3 * i1], 1e-14);
  });

  it('adamUpdate: one Adam step and one AdamW step', () => {
    const p = tensor([3], [1, -2, 0.5], 'float64');
    const g = tensor([3], [0.1, 0.2, -0.3], 'float64');
    const m = tensor([3], [0.01, 0, -0.02], 'float64');
    const v = tensor([3], [0.001, 0.002, 0], 'float64');
    const [po, mo, vo] = [empty([3], 'float64'), empty([3], 'float64'), empty([3], 'float64')];
    for (const decoupled of [false, true]) {
      const h = { lr: 0.01, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, decoupled, maximize: false, step: 3 };
      backend.adamUpdate(p, g, m, v, h, po, mo, vo);
      const ps = [1, -2, 0.5];
      const gs = [0.1, 0.2, -0.3].map((gi, i) => (decoupled ? gi : gi + 0.1 * ps[i]!));
      const ms = [0.01, 0, -0.02].map((mi, i) => 0.9 * mi + 0.1 * gs[i]!);
      const vs = [0.001, 0.002, 0].map((vi, i) => 0.99 * vi + 0.01 * gs[i]! ** 2);
      const expected = ps.map((pi, i) => (decoupled ? pi * (1 - 0.01 * 0.1) : pi) - (0.01 / (1 - 0.9 ** 3)) * (ms[i]! / (Math.sqrt(vs[i]!) / Math.sqrt(1 - 0.99 ** 3) + 1e-8)));
      expectClose(read(mo), ms, 1e-15);
      expectClose(read(vo), vs, 1e-15);
      expectClose(read(po), expected, 1e-14);
    }
  });
});
