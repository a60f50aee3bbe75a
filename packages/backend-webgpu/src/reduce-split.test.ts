/**
 * Long rows (few of them) reduce in two passes on WebGPU: segments into partials, then the
 * partials. Every fold that takes that path, against the CPU backend, plus read-buffer reuse.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cpu } from '@tessera/backend-cpu';
import { all, any, dispose, max, min, prod, randn, registerBackend, setBackend, sum, tensor, type Tensor } from '@tessera/tensor-core';
import { describeWebGpu, probeWebGpu } from './test-utils/probe.js';

const probe = await probeWebGpu();
const reference = cpu();

describeWebGpu('two-pass reductions', probe, (gpu) => {
  beforeAll(async () => {
    registerBackend(gpu);
    await setBackend(reference);
  });
  afterAll(() => gpu.dispose());

  async function same(op: (x: Tensor) => Tensor, x: Tensor, tol = 1e-4): Promise<void> {
    const onGpu = await x.to(gpu);
    const want = op(x);
    const got = op(onGpu);
    expect(got.shape).toEqual(want.shape);
    expect(got.dtype).toBe(want.dtype);
    const w = await want.data();
    const g = await got.data();
    for (let i = 0; i < w.length; i++) {
      if (Number.isNaN(w[i])) expect(g[i]).toBeNaN();
      else expect(Math.abs(g[i]! - w[i]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(w[i]!)));
    }
    dispose([onGpu, want, got]);
  }

  it('sum, max and min over 100,003-element rows (1 and 3 rows), float32 and int32', async () => {
    const x = randn([3, 100_003], { seed: 1 });
    await same((t) => sum(t), x, 1e-3);
    await same((t) => sum(t, 1), x, 1e-3);
    await same((t) => max(t, 1), x);
    await same((t) => min(t), x);
    const ints = tensor(Array.from({ length: 70_001 }, (_, i) => (i % 7) - 3), [70_001], { dtype: 'int32' });
    await same((t) => sum(t), ints, 0);
    await same((t) => max(t), ints, 0);
    dispose([x, ints]);
  });

  it('prod, any and all over long rows; NaN wins max', async () => {
    const ones = tensor(Array.from({ length: 50_000 }, (_, i) => (i === 49_999 ? 2 : 1)), [50_000]);
    await same((t) => prod(t), ones, 0);
    const flags = tensor(Array.from({ length: 65_537 }, (_, i) => i === 40_000), [65_537], { dtype: 'bool' });
    await same((t) => any(t), flags, 0);
    await same((t) => all(t), flags, 0);
    const withNaN = tensor(Array.from({ length: 40_000 }, (_, i) => (i === 33_333 ? NaN : i)), [40_000]);
    await same((t) => max(t), withNaN, 0);
    dispose([ones, flags, withNaN]);
  });

  it('reuses mappable buffers across reads of the same size', async () => {
    const x = await randn([1000], { seed: 2 }).to(gpu);
    await x.data();
    const before = gpu.stats().buffersCreated;
    for (let i = 0; i < 5; i++) await x.data();
    expect(gpu.stats().buffersCreated).toBe(before);
    x.dispose();
  });
});
