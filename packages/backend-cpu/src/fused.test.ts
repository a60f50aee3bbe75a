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
});
