/**
 * The attribution methods on the WebGPU backend (Dawn on SwiftShader in CI), against the PyTorch
 * fixture. Skipped with the reason when no adapter exists, unless TESSERA_REQUIRE_WEBGPU=1.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cpu } from '@tessera/backend-cpu';
import { webgpu, type WebGpuBackend } from '@tessera/backend-webgpu';
import { setBackend } from '@tessera/tensor-core';
import { gradCam, integratedGradients, saliency, smoothGrad } from './index.js';
import { buildModel, expectClose, fixture, toTensor } from './test-utils/fixtures.js';

async function probe(): Promise<{ backend: WebGpuBackend } | { reason: string }> {
  try {
    return { backend: await webgpu() };
  } catch (e) {
    return { reason: (e as Error).message };
  }
}

const probed = await probe();

if ('backend' in probed) {
  const gpu = probed.backend;
  afterAll(async () => {
    await setBackend(cpu());
    gpu.dispose();
  });
  describe('explain on webgpu', () => {
    it('saliency, Integrated Gradients, Grad-CAM and SmoothGrad match the fixture and the CPU', async () => {
      await setBackend(gpu);
      const f = fixture.models.cnn;
      const model = buildModel('cnn');
      const x = toTensor(f.x);
      expect(x.backend.name).toBe(gpu.name);
      const sal = await saliency(model, x, { target: f.target });
      expectClose(await sal.data(), f.saliency.values, 1e-5, 1e-3, 'saliency');
      const ig = f.integratedGradients.find((c) => c.method === 'gausslegendre' && c.steps === 7)!;
      const { attributions, delta } = await integratedGradients(model, x, { target: f.target, steps: 7 });
      expectClose(await attributions.data(), ig.attributions.values, 5e-5, 1e-3, 'integrated gradients');
      expectClose(await delta.data(), ig.delta, 1e-4, 0, 'delta');
      const cam = f.gradCam!.find((c) => c.layer === 'conv2' && c.relu)!;
      const map = await gradCam(model, x, { layer: 'conv2', target: f.target });
      expectClose(await map.data(), cam.upsampled.values, 1e-5, 1e-3, 'grad-cam');
      const smooth = await smoothGrad(model, x, { target: f.target, samples: 4, seed: 2 });
      const smoothValues = Array.from(await smooth.data());
      for (const t of [sal, attributions, delta, map, smooth, x]) t.dispose();
      model.dispose();

      // The noise is the same on the CPU (counter-based generator): so is the map.
      await setBackend(cpu());
      const cpuModel = buildModel('cnn');
      const cpuX = toTensor(f.x);
      const cpuSmooth = await smoothGrad(cpuModel, cpuX, { target: f.target, samples: 4, seed: 2 });
      expectClose(smoothValues, await cpuSmooth.data(), 1e-5, 1e-3, 'smoothGrad webgpu vs cpu');
      cpuSmooth.dispose();
      cpuX.dispose();
      cpuModel.dispose();
      // SwiftShader compiles every pipeline on first use: slow on a loaded machine, not a speed measure.
    }, 240_000);
  });
} else if (process.env['TESSERA_REQUIRE_WEBGPU'] === '1') {
  describe('explain on webgpu', () => {
    it('needs a WebGPU adapter (TESSERA_REQUIRE_WEBGPU=1)', () => {
      throw new Error(`TESSERA_REQUIRE_WEBGPU=1 but no WebGPU backend could be created: ${probed.reason}`);
    });
  });
} else {
  console.warn(`[tessera] skipping explain on webgpu: ${probed.reason}`);
  describe.skip(`explain on webgpu (skipped: ${probed.reason})`, () => {
    it('needs a WebGPU adapter', () => {});
  });
}
