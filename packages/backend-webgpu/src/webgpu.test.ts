/**
 * The WebGPU backend against the CPU backend on random inputs (the reference for every other
 * backend), plus what only this backend has: the buffer pool, batching counters, dispatch grids
 * beyond 65,535 workgroups, and device errors.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cpu } from '@tessera/backend-cpu';
import { grad, valueAndGrad } from '@tessera/autograd';
import {
  TensorError, adamStep, argmax, avgPool2d, batchNorm, conv2d, cumsum, dispose, layerNorm, logSoftmax, matmul, max, maxPool2d, randint, randn,
  registerBackend, setBackend, softmax, sum, tensor, tidy, topk, type Backend, type Tensor,
} from '@tessera/tensor-core';
import { describeWebGpu, probeWebGpu } from './test-utils/probe.js';
import { grid } from './wgsl.js';
import { sizeClass } from './pool.js';
import { webgpu } from './index.js';

const probe = await probeWebGpu();
const reference = cpu();

it('grid() splits more than 65,535 workgroups over y and z', () => {
  expect(grid(256 * 65535)).toEqual([65535, 1, 1]);
  expect(grid(256 * 65535 + 1)).toEqual([65535, 2, 1]);
  expect(grid(70000, 1)).toEqual([65535, 2, 1]);
  const [x, y, z] = grid(65535 * 65535 * 3, 1);
  expect(x * y * z).toBeGreaterThanOrEqual(65535 * 65535 * 3);
  expect(Math.max(x, y, z)).toBeLessThanOrEqual(65535);
});

it('size classes are powers of two and midpoints, multiples of 4, at least 16 bytes', () => {
  expect(sizeClass(0)).toBe(16);
  expect(sizeClass(4)).toBe(16);
  expect(sizeClass(17)).toBe(24);
  expect(sizeClass(100)).toBe(128);
  expect(sizeClass(1000)).toBe(1024);
  expect(sizeClass(700)).toBe(768);
  for (let b = 1; b < 5000; b += 37) {
    const c = sizeClass(b);
    expect(c).toBeGreaterThanOrEqual(b);
    expect(c % 4).toBe(0);
    expect(c).toBeLessThanOrEqual(Math.max(16, (b * 3) / 2 + 4));
  }
});

describeWebGpu('webgpu backend', probe, (gpu) => {
  beforeAll(async () => {
    registerBackend(gpu);
    await setBackend(reference);
  });
  afterAll(() => gpu.dispose());

  /** Runs `op` on CPU inputs and on copies of them on the GPU, and compares the results. */
  async function against(op: (...xs: Tensor[]) => Tensor | Tensor[], inputs: Tensor[], tol = { rtol: 1e-5, atol: 1e-5 }): Promise<void> {
    const onGpu = await Promise.all(inputs.map((t) => t.to(gpu)));
    const want = [op(...inputs)].flat();
    const got = [op(...onGpu)].flat();
    for (let r = 0; r < want.length; r++) {
      expect(got[r]!.shape).toEqual(want[r]!.shape);
      expect(got[r]!.dtype).toBe(want[r]!.dtype);
      const w = await want[r]!.data();
      const g = await got[r]!.data();
      let worst = 0;
      let at = -1;
      for (let i = 0; i < w.length; i++) {
        const err = Math.abs(g[i]! - w[i]!) - tol.rtol * Math.abs(w[i]!);
        if (!(err <= tol.atol) && !(Number.isNaN(w[i]) && Number.isNaN(g[i]))) {
          if (!(err <= worst)) {
            worst = err;
            at = i;
          }
        }
      }
      if (at >= 0) expect.fail(`output ${r} element ${at}: cpu ${w[at]}, webgpu ${g[at]} (${w.length} elements)`);
    }
    dispose([...onGpu, ...want, ...got, ...inputs]);
  }

  const rnd = (shape: number[], seed: number): Tensor => randn(shape, { seed });

  // Sums of K products in float32 in another order than the CPU's float64 accumulation: the error
  // grows like √K·ε·Σ|aᵢbᵢ|, so compare with an absolute tolerance scaled to the inputs.
  const dot = { rtol: 1e-4, atol: 2e-4 };

  it('matmul: tile edges, transposes, batches and broadcast batches', async () => {
    await against((a, b) => matmul(a!, b!), [rnd([70, 130], 1), rnd([130, 65], 2)], dot);
    await against((a, b) => matmul(a!, b!), [rnd([3, 64, 64], 3), rnd([64, 128], 4)], dot);
    await against((a, b) => matmul(a!, b!), [rnd([1, 5, 17], 5), rnd([4, 17, 3], 6)], dot);
    await against((a, b) => matmul(a!.transpose(), b!.transpose()), [rnd([33, 9], 7), rnd([40, 33], 8)], dot);
    await against((a, b) => matmul(a!, b!), [rnd([1, 300], 9), rnd([300, 1], 10)], dot);
    await against((a, b) => matmul(a!, b!), [tensor([[1, 2], [3, 4]], undefined, { dtype: 'int32' }), tensor([[5], [6]], undefined, { dtype: 'int32' })]);
  });

  it('conv2d and its gradients: strides, padding, dilation, groups', async () => {
    const cases = [
      { x: [2, 3, 17, 15], w: [8, 3, 3, 3], o: { stride: 2, padding: 1 } },
      { x: [1, 4, 12, 12], w: [6, 2, 3, 2], o: { groups: 2, dilation: [2, 1] as [number, number], padding: [1, 0] as [number, number] } },
      { x: [3, 8, 9, 9], w: [8, 1, 3, 3], o: { groups: 8, stride: [1, 2] as [number, number] } },
      { x: [2, 16, 6, 6], w: [32, 16, 1, 1], o: {} },
    ];
    for (const [i, c] of cases.entries()) {
      await against((x, w) => conv2d(x!, w!, c.o), [rnd(c.x, 20 + i), rnd(c.w, 30 + i)], dot);
      // Gradients through autograd exercise conv2dBackpropInput and conv2dBackpropFilter.
      await against(
        (x, w, r) => grad((a: Tensor, b: Tensor) => conv2d(a, b, c.o).mul(r!).sum())(x!, w!),
        [rnd(c.x, 40 + i), rnd(c.w, 50 + i), tidy(() => rnd([1], 0).mul(0).add(conv2d(rnd(c.x, 1), rnd(c.w, 2), c.o).mul(0)).add(rnd([1], 60 + i)))],
        { rtol: 1e-4, atol: 1e-3 },
      );
    }
  });

  it('reductions: long rows (workgroup trees), short rows, argmax ties', async () => {
    await against((x) => sum(x!, 1), [rnd([7, 5000], 70)], { rtol: 1e-4, atol: 1e-3 });
    await against((x) => sum(x!, 0), [rnd([300, 33], 71)], { rtol: 1e-4, atol: 1e-4 });
    await against((x) => max(x!, 1), [rnd([9, 3000], 72)]);
    await against((x) => argmax(x!, 1), [rnd([9, 3000], 73)]);
    await against((x) => argmax(x!.round(), 1), [rnd([40, 100], 74)]);
    await against((x) => cumsum(x!, 1), [rnd([4, 200], 75)], { rtol: 1e-4, atol: 1e-4 });
    await against((x) => {
      const { values, indices } = topk(x!.round(), 5);
      return [values, indices];
    }, [rnd([6, 50], 76)]);
  });

  it('more than 65,535 rows: the reduction grid is split over y', async () => {
    // Made on the GPU (a CPU randn of 4.5M values is the slow part), checked against the CPU.
    await setBackend(gpu);
    const x = randint(-100, 100, [70000, 65], { seed: 77 });
    await setBackend(reference);
    const xc = await x.to(reference);
    const [want, got] = [sum(xc, 1), sum(x, 1)];
    expect(Array.from(await got.data())).toEqual(Array.from(await want.data()));
    dispose([x, xc, want, got]);
  });

  it('softmax, logSoftmax, layerNorm on long and short rows', async () => {
    for (const shape of [[5, 1000], [64, 10], [3, 1]]) {
      await against((x) => softmax(x!.mul(3)), [rnd(shape, 80)]);
      await against((x) => logSoftmax(x!.mul(3)), [rnd(shape, 81)], { rtol: 1e-5, atol: 2e-5 });
      await against((x) => layerNorm(x!, shape[1]!), [rnd(shape, 82)], { rtol: 1e-4, atol: 1e-4 });
    }
  });

  it('batchNorm and adamStep against the CPU kernels', async () => {
    for (const shape of [[4, 3], [2, 3, 5], [2, 3, 17, 9]]) {
      const pos = (t: Tensor): Tensor => t.abs().add(0.5);
      await against((x, m, v, w, b) => batchNorm(x!, m!, pos(v!), { weight: w!, bias: b!, eps: 1e-3 }), [rnd(shape, 83), rnd([3], 84), rnd([3], 85), rnd([3], 86), rnd([3], 87)], { rtol: 1e-5, atol: 1e-5 });
      await against((x, m, v) => batchNorm(x!, m!, pos(v!)), [rnd(shape, 88), rnd([3], 89), rnd([3], 90)], { rtol: 1e-5, atol: 1e-5 });
    }
    for (const [decoupled, maximize, weightDecay] of [[false, false, 0], [false, true, 0.1], [true, false, 0.05]] as const) {
      const h = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, decoupled, maximize, step: 4 };
      await against((p, g, m, v) => {
        const r = adamStep(p!, g!, m!, v!.square(), h);
        return [r.param, r.expAvg, r.expAvgSq];
      }, [rnd([1000], 91), rnd([1000], 92), rnd([1000], 93).mul(0.1), rnd([1000], 94).mul(0.1)], { rtol: 1e-5, atol: 1e-6 });
    }
  });

  it('fused kernels cut dispatches: one per adamStep and per batchNorm', async () => {
    // The same backend without the two kernels runs tensor-core's composites.
    const composite = Object.create(gpu, { name: { value: 'webgpu-unfused' }, adamUpdate: { value: undefined }, batchNorm: { value: undefined } }) as Backend;
    const count = async (backend: Backend): Promise<{ adam: number; adamFirst: number; bn: number; values: Float32Array[] }> => {
      await setBackend(backend);
      try {
        const p = randn([64, 32], { seed: 1 });
        const g = randn([64, 32], { seed: 2 });
        const x = randn([8, 16, 4, 4], { seed: 3 });
        const [m, v, w, b] = [randn([16], { seed: 4 }), randn([16], { seed: 5 }).abs(), randn([16], { seed: 6 }), randn([16], { seed: 7 })];
        const h = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupled: true };
        const d0 = gpu.stats().dispatches;
        const r1 = adamStep(p, g, undefined, undefined, { ...h, step: 1 });
        const d1 = gpu.stats().dispatches;
        const r2 = adamStep(r1.param, g, r1.expAvg, r1.expAvgSq, { ...h, step: 2 });
        const d2 = gpu.stats().dispatches;
        const y = batchNorm(x, m, v, { weight: w, bias: b });
        const d3 = gpu.stats().dispatches;
        const values = [await r2.param.data(), await r2.expAvg.data(), await r2.expAvgSq.data(), await y.data()] as Float32Array[];
        dispose([p, g, x, m, v, w, b, r1.param, r1.expAvg, r1.expAvgSq, r2.param, r2.expAvg, r2.expAvgSq, y]);
        return { adamFirst: d1 - d0, adam: d2 - d1, bn: d3 - d2, values };
      } finally {
        await setBackend(reference);
      }
    };
    const fused = await count(gpu);
    const unfused = await count(composite);
    console.info(`[webgpu] dispatches per Adam step per parameter: ${unfused.adam} composite -> ${fused.adam} fused (first step ${unfused.adamFirst} -> ${fused.adamFirst}); batchNorm ${unfused.bn} -> ${fused.bn}`);
    expect(fused.adam).toBe(1);
    expect(fused.adamFirst).toBe(2); // the zero moments, then the update
    expect(fused.bn).toBe(1);
    expect(unfused.adam).toBeGreaterThan(10);
    expect(unfused.bn).toBeGreaterThan(4);
    fused.values.forEach((got, k) => {
      const want = unfused.values[k]!;
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(want[i]!));
    });
  });

  it('pooling and pooling gradients', async () => {
    const o = { kernelSize: 3, stride: 2, padding: 1 };
    await against((x) => maxPool2d(x!, o), [rnd([2, 3, 11, 10], 90)]);
    await against((x) => avgPool2d(x!, o), [rnd([2, 3, 11, 10], 91)]);
    await against((x) => grad((a: Tensor) => maxPool2d(a, o).square().sum())(x!)[0], [rnd([2, 3, 11, 10], 92)]);
    await against((x) => grad((a: Tensor) => avgPool2d(a, o).square().sum())(x!)[0], [rnd([2, 3, 11, 10], 93)]);
  });

  it('capabilities: no float64, asynchronous reads only', async () => {
    expect(gpu.capabilities.dtypes).toEqual(['float32', 'int32', 'bool']);
    expect(gpu.capabilities.syncRead).toBe(false);
    expect(typeof gpu.capabilities.shaderF16).toBe('boolean');
    const x = await tensor([1, 2]).to(gpu);
    let error: unknown;
    try {
      x.dataSync();
    } catch (e) {
      error = e;
    }
    expect(TensorError.is(error) && error.code).toBe('SYNC_READ_UNSUPPORTED');
    x.dispose();
  });

  it('steady-state training: pool and live bytes stop growing, few submits per step', async () => {
    await setBackend(gpu);
    try {
      const x = randn([64, 32], { seed: 1 });
      const y = randn([64, 8], { seed: 2 });
      let w1 = randn([32, 64], { seed: 3, std: 0.2 });
      let w2 = randn([64, 8], { seed: 4, std: 0.2 });
      const loss = (a: Tensor, b: Tensor): Tensor => x.matmul(a).relu().matmul(b).sub(y).square().mean();
      const step = (): Tensor => {
        const { value, next } = tidy(() => {
          const { value, grads } = valueAndGrad(loss)(w1, w2);
          return { value, next: [w1.sub(grads[0].mul(0.05)), w2.sub(grads[1].mul(0.05))] as const };
        });
        dispose([w1, w2]);
        [w1, w2] = next;
        return value;
      };
      const losses: number[] = [];
      const run = async (steps: number): Promise<void> => {
        for (let i = 0; i < steps; i++) {
          const l = step();
          // Read only now and then: a read is the only thing that waits for the GPU.
          if (i % 10 === 9) losses.push(await l.item());
          l.dispose();
        }
      };
      await run(10);
      const before = gpu.memory();
      const statsBefore = gpu.stats();
      await run(50);
      const after = gpu.memory();
      const statsAfter = gpu.stats();
      expect(after.liveBytes).toBe(before.liveBytes);
      expect(after.bytes).toBeLessThanOrEqual(before.bytes);
      // No storage buffer is created after warm-up: every step reuses the pool's.
      expect(after.pooledBuffers + after.liveBuffers).toBe(before.pooledBuffers + before.liveBuffers);
      const dispatches = (statsAfter.dispatches - statsBefore.dispatches) / 50;
      const submits = (statsAfter.submits - statsBefore.submits) / 50;
      expect(submits).toBeLessThan(1);
      expect(dispatches).toBeGreaterThan(5);
      expect(losses.at(-1)!).toBeLessThan(losses[0]!);
      dispose([x, y, w1, w2]);
      console.info(`[webgpu] per training step: ${dispatches.toFixed(1)} dispatches, ${submits.toFixed(2)} submits; pool ${after.pooledBytes} B, live ${after.liveBytes} B`);
    } finally {
      await setBackend(reference);
    }
  });

  it('an allocation beyond the device limit is a TensorError OUT_OF_MEMORY, not a crash', () => {
    let error: unknown;
    try {
      gpu.allocate(2 ** 31, 'float32');
    } catch (e) {
      error = e;
    }
    expect(TensorError.is(error) && error.code).toBe('OUT_OF_MEMORY');
  });

  it('device loss is a TensorError DEVICE_LOST on the next op and read, not a hang', async () => {
    const other = await webgpu();
    try {
      registerBackend(other as Backend);
      const x = await tensor([1, 2, 3]).to(other);
      other.device.destroy();
      await new Promise((r) => setTimeout(r, 50));
      let error: unknown;
      try {
        x.add(1);
      } catch (e) {
        error = e;
      }
      expect(TensorError.is(error) && error.code).toBe('DEVICE_LOST');
      await expect(x.data()).rejects.toMatchObject({ code: 'DEVICE_LOST' });
      x.dispose();
    } finally {
      other.dispose();
      registerBackend(gpu);
    }
  });
});
