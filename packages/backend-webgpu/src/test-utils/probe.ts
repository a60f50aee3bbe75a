/**
 * Test helper: creates a WebGPU backend, or explains why none is available. Test files use it to
 * skip with the reason, or fail when TESSERA_REQUIRE_WEBGPU=1 (CI with a driver).
 */
import { describe, it } from 'vitest';
import { webgpu, type WebGpuBackend, type WebGpuOptions } from '../index.js';

export type Probe = { backend: WebGpuBackend } | { reason: string };

export async function probeWebGpu(options?: WebGpuOptions): Promise<Probe> {
  try {
    return { backend: await webgpu(options) };
  } catch (e) {
    return { reason: (e as Error).message };
  }
}

/** Registers `suite` when a backend is available; else a skipped (or, when required, failing) placeholder. */
export function describeWebGpu(name: string, probe: Probe, suite: (backend: WebGpuBackend) => void): void {
  if ('backend' in probe) {
    describe(name, () => suite(probe.backend));
  } else if (process.env['TESSERA_REQUIRE_WEBGPU'] === '1') {
    describe(name, () => {
      it('needs a WebGPU adapter (TESSERA_REQUIRE_WEBGPU=1)', () => {
        throw new Error(`TESSERA_REQUIRE_WEBGPU=1 but no WebGPU backend could be created: ${probe.reason}`);
      });
    });
  } else {
    console.warn(`[tessera] skipping '${name}': ${probe.reason}`);
    describe.skip(`${name} (skipped: ${probe.reason})`, () => {
      it('needs a WebGPU adapter', () => {});
    });
  }
}
