/**
 * The conformance suite on the WebGPU backend (Dawn for Node; in CI on SwiftShader's Vulkan, see
 * docs/webgpu.md). Without an adapter the suite is skipped with the reason, unless
 * TESSERA_REQUIRE_WEBGPU=1, which turns the skip into a failure. WebGPU has no float64, so the
 * gradient cases compare with the CPU backend (`reference`) instead of finite differences.
 */
import { afterAll, describe, it } from 'vitest';
import { cpu } from '@tessera/backend-cpu';
import { webgpu, type WebGpuBackend } from '@tessera/backend-webgpu';
import { runConformance } from './index.js';

async function probe(): Promise<{ backend: WebGpuBackend } | { reason: string }> {
  try {
    return { backend: await webgpu() };
  } catch (e) {
    return { reason: (e as Error).message };
  }
}

const probed = await probe();

if ('backend' in probed) {
  const { backend } = probed;
  afterAll(() => backend.dispose());
  runConformance(() => backend, { reference: () => cpu() });
} else if (process.env['TESSERA_REQUIRE_WEBGPU'] === '1') {
  describe('webgpu conformance', () => {
    it('needs a WebGPU adapter (TESSERA_REQUIRE_WEBGPU=1)', () => {
      throw new Error(`TESSERA_REQUIRE_WEBGPU=1 but no WebGPU backend could be created: ${probed.reason}`);
    });
  });
} else {
  console.warn(`[tessera] skipping the WebGPU conformance suite: ${probed.reason}`);
  describe.skip(`webgpu conformance (skipped: ${probed.reason})`, () => {
    it('needs a WebGPU adapter', () => {});
  });
}
