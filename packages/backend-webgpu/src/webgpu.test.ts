/**
 * The WebGPU backend against the CPU backend on random inputs (the reference for every other
 * backend), plus what only this backend has: the buffer pool, batching counters, dispatch grids
 * beyond 65,535 workgroups, and device errors.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cpu } from '@tessera/backend-cpu';
import { grad, valueAndGrad } from '@tessera/autograd';
import {
  TensorError, argmax, avgPool2d, conv2d, cumsum, dispose, layerNorm, logSoftmax, matmul, max, maxPool2d, randint, randn,
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
