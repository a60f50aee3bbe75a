/**
 * Every register tile of the GEMM (the default picks 4×4 or 8×8 blocks by size; `gemmTile` fixes
 * one) against the CPU backend: tile edges, transposes, batches, int32, and the three
 * convolutions that share the GEMM.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cpu } from '@tessera/backend-cpu';
import { grad } from '@tessera/autograd';
import { TensorError, conv2d, dispose, matmul, randn, registerBackend, setBackend, tensor, type Tensor } from '@tessera/tensor-core';
import { chooseGemmTile, type GemmTile } from './kernels/gemm.js';
import { describeWebGpu, probeWebGpu } from './test-utils/probe.js';
import { webgpu } from './index.js';

const TILES: GemmTile[] = [4, 8].flatMap((rows) =>
  [4, 8].flatMap((cols) => [8, 16].map((depth) => ({ rows, cols, depth }) as GemmTile)),
);
const reference = cpu();
const probe = await probeWebGpu();

it('the default tile is 8×8 once a product has 256 tiles of 128×128, else 4×4', () => {
  expect(chooseGemmTile(2048, 2048, 1)).toEqual({ rows: 8, cols: 8, depth: 16 });
  expect(chooseGemmTile(512, 512, 16)).toEqual({ rows: 8, cols: 8, depth: 16 });
  expect(chooseGemmTile(1024, 1024, 1)).toEqual({ rows: 4, cols: 4, depth: 16 });
  expect(chooseGemmTile(32, 128, 1)).toEqual({ rows: 4, cols: 4, depth: 16 });
});

describeWebGpu('gemm tiles', probe, (first) => {
  const backends = new Map<string, Awaited<ReturnType<typeof webgpu>>>();
  beforeAll(async () => {
    await setBackend(reference);
    for (const tile of TILES) {
      const b = await webgpu({ device: first.device, gemmTile: tile });
      registerBackend(b);
      backends.set(JSON.stringify(tile), b);
    }
  });
  afterAll(() => {
    for (const b of backends.values()) b.dispose();
    first.dispose();
  });

  async function expectClose(want: Tensor, got: Tensor, label: string): Promise<void> {
    expect(got.shape).toEqual(want.shape);
    const w = await want.data();
    const g = await got.data();
    for (let i = 0; i < w.length; i++) {
      if (!(Math.abs(g[i]! - w[i]!) <= 2e-4 + 1e-4 * Math.abs(w[i]!))) expect.fail(`${label}: element ${i}: cpu ${w[i]}, webgpu ${g[i]}`);
    }
  }

  for (const tile of TILES) {
    it(`rows ${tile.rows}, cols ${tile.cols}, depth ${tile.depth}: matmul and convolutions match the CPU`, async () => {
      const gpu = backends.get(JSON.stringify(tile))!;
      const cases: [number[], number[], boolean, boolean][] = [
        [[3, 130, 33], [33, 145], false, false],
        [[40, 131], [140, 40], true, true],
      ];
      for (const [i, [as, bs, ta, tb]] of cases.entries()) {
        const a = randn(as, { seed: 10 + i });
        const b = randn(bs, { seed: 20 + i });
        const op = (x: Tensor, y: Tensor): Tensor => matmul(ta ? x.transpose() : x, tb ? y.transpose() : y);
        const [ga, gb] = await Promise.all([a.to(gpu), b.to(gpu)]);
        const want = op(a, b);
        const got = op(ga, gb);
        await expectClose(want, got, `matmul ${JSON.stringify(as)}·${JSON.stringify(bs)}`);
        dispose([a, b, ga, gb, want, got]);
      }
      const ia = tensor([[1, 2, 3], [4, 5, 6]], undefined, { dtype: 'int32' });
      const ib = tensor([[7], [8], [9]], undefined, { dtype: 'int32' });
      const prod = matmul(await ia.to(gpu), await ib.to(gpu));
      expect(await prod.array()).toEqual([[50], [122]]);

      const x = randn([2, 6, 11, 9], { seed: 3 });
      const w = randn([8, 3, 3, 3], { seed: 4 });
      const opts = { stride: 2, padding: 1, groups: 2 };
      const f = (xx: Tensor, ww: Tensor): Tensor => conv2d(xx, ww, opts).square().sum();
      const [gx, gw] = await Promise.all([x.to(gpu), w.to(gpu)]);
      await expectClose(conv2d(x, w, opts), conv2d(gx, gw, opts), 'conv2d');
      // The two backward convolutions once per tile shape (rows × cols), not per depth: SwiftShader
      // compiles each shader for seconds.
      if (tile.depth === 8) return;
      const [wantDx, wantDw] = grad(f)(x, w) as Tensor[];
      const [gotDx, gotDw] = grad(f)(gx, gw) as Tensor[];
      await expectClose(wantDx!, gotDx!, 'conv2d dx');
      await expectClose(wantDw!, gotDw!, 'conv2d dw');
    });
  }

  it('rejects a gemmTile outside the supported blocks, naming it, before requesting a device', async () => {
    for (const bad of [{ rows: 2, cols: 4, depth: 16 }, { rows: 4, cols: 4, depth: 32 }, null]) {
      const e = await webgpu({ device: first.device, gemmTile: bad as unknown as GemmTile }).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(TensorError);
      expect((e as TensorError).code).toBe('INVALID_ARGUMENT');
      expect((e as TensorError).message).toContain(bad === null ? 'gemmTile must be a plain object' : JSON.stringify(bad));
    }
    const extra = await webgpu({ device: first.device, gemmTile: { rows: 4, cols: 4, depth: 16, extra: 1 } as unknown as GemmTile }).catch((err: unknown) => err);
    expect(extra).toBeInstanceOf(TensorError);
    expect((extra as TensorError).code).toBe('UNKNOWN_OPTION');
    expect((extra as TensorError).message).toContain("unknown option 'extra' in gemmTile");
    // Validation runs before any adapter is requested: a GPU object that would fail is never asked.
    const gpu = { requestAdapter: () => Promise.reject(new Error('must not be called')) } as unknown as GPU;
    const early = await webgpu({ gpu, gemmTile: { rows: 3, cols: 4, depth: 16 } as unknown as GemmTile }).catch((err: unknown) => err);
    expect((early as TensorError).code).toBe('INVALID_ARGUMENT');
  });
});
