/**
 * The attacks on the WebGPU backend (Dawn on SwiftShader in CI): PGD against the PyTorch fixture,
 * and a seeded random start equal to the CPU's. Skipped with the reason when no adapter exists,
 * unless TESSERA_REQUIRE_WEBGPU=1.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cpu } from '@tessera/backend-cpu';
import { webgpu, type WebGpuBackend } from '@tessera/backend-webgpu';
import { setBackend, type Tensor } from '@tessera/tensor-core';
import { fgsm, pgd, robustAccuracy } from './index.js';
import { buildModel, expectClose, fixture, labels, toTensor } from './test-utils/fixtures.js';

async function probe(): Promise<{ backend: WebGpuBackend } | { reason: string }> {
  try {
    return { backend: await webgpu() };
  } catch (e) {
    return { reason: (e as Error).message };
  }
}

const probed = await probe();

/** PGD with a random start and FGSM on the fixture's CNN, on the active backend. */
async function run(): Promise<{ linf: number[]; randomStart: number[]; accuracy: { clean: number; robust: number } }> {
  const f = fixture.models.cnn;
  const model = buildModel('cnn');
  model.eval();
  const x = toTensor(f.x);
  const y = labels(f.y);
  const c = f.attacks.find((a) => a.attack === 'pgd' && a.options.norm === 'linf')!;
  const read = async (t: Tensor): Promise<number[]> => {
    const v = Array.from(await t.data());
    t.dispose();
    return v;
  };
  const linf = await read(pgd({ ...c.options, randomStart: false }).generate(model, x, y));
  const randomStart = await read(fgsm({ epsilon: 0.1, randomStart: true, stepSize: 0.05, seed: 4 }).generate(model, x, y));
  const { clean, robust } = await robustAccuracy(model, { x, y }, pgd({ epsilon: 0.2, steps: 3 }));
  for (const t of [x, y]) t.dispose();
  model.dispose();
  return { linf, randomStart, accuracy: { clean, robust } };
}

if ('backend' in probed) {
  const gpu = probed.backend;
  afterAll(async () => {
    await setBackend(cpu());
    gpu.dispose();
  });
  describe('robust on webgpu', () => {
    it('PGD matches the PyTorch fixture; random starts and robust accuracy match the CPU', async () => {
      await setBackend(gpu);
      const onGpu = await run();
      await setBackend(cpu());
      const onCpu = await run();
      const c = fixture.models.cnn.attacks.find((a) => a.attack === 'pgd' && a.options.norm === 'linf')!;
      expectClose(onGpu.linf, c.adversarial.values, 2e-6, 'PGD L∞ on webgpu');
      expectClose(onGpu.randomStart, onCpu.randomStart, 2e-6, 'FGSM with a random start, webgpu vs cpu');
      expect(onGpu.accuracy).toEqual(onCpu.accuracy);
      // SwiftShader compiles every pipeline on first use: slow on a loaded machine, not a speed measure.
    }, 240_000);
  });
} else if (process.env['TESSERA_REQUIRE_WEBGPU'] === '1') {
  describe('robust on webgpu', () => {
    it('needs a WebGPU adapter (TESSERA_REQUIRE_WEBGPU=1)', () => {
      throw new Error(`TESSERA_REQUIRE_WEBGPU=1 but no WebGPU backend could be created: ${probed.reason}`);
    });
  });
} else {
  console.warn(`[tessera] skipping robust on webgpu: ${probed.reason}`);
  describe.skip(`robust on webgpu (skipped: ${probed.reason})`, () => {
    it('needs a WebGPU adapter', () => {});
  });
}
