import { describe, expect, it } from 'vitest';
import { webgpu } from '@tessera/backend-webgpu';
import { trainWithSwap } from './swap.js';

async function probe(): Promise<string | undefined> {
  try {
    (await webgpu()).dispose();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
const missing = await probe();
const required = process.env['TESSERA_REQUIRE_WEBGPU'] === '1';

describe('webgpu-swap example', () => {
  it('without an adapter it says so and keeps training on the CPU', async () => {
    const r = await trainWithSwap({
      cpuSteps: 3,
      laterSteps: 3,
      makeBackend: () => Promise.reject(new Error('no adapter (simulated)')),
    });
    expect(r.skipped).toMatch(/simulated/);
    expect(r.backends).toEqual(Array(6).fill('cpu'));
    expect(r.leakedTensors).toBe(0);
  });

  it.skipIf(missing !== undefined && !required)(
    `CPU then WebGPU ends where the all-CPU run ends${missing ? ` (skipped: ${missing})` : ''}`,
    async () => {
      if (missing !== undefined) throw new Error(`TESSERA_REQUIRE_WEBGPU=1 but WebGPU is unavailable: ${missing}`);
      const allCpu = await trainWithSwap({ cpuSteps: 20, laterSteps: 0 });
      const swapped = await trainWithSwap({ cpuSteps: 10, laterSteps: 10 });
      expect(swapped.skipped).toBeUndefined();
      expect(swapped.backends).toEqual([...Array(10).fill('cpu'), ...Array(10).fill('webgpu')]);
      expect(swapped.losses.slice(0, 10)).toEqual(allCpu.losses.slice(0, 10));
      swapped.losses.forEach((l, i) => expect(Math.abs(l - allCpu.losses[i]!), `step ${i + 1}`).toBeLessThanOrEqual(1e-4 * allCpu.losses[i]!));
      expect(swapped.losses.at(-1)!).toBeLessThan(swapped.losses[0]!);
      expect(swapped.perStep!.dispatches).toBeGreaterThan(10);
      expect(swapped.leakedTensors).toBe(0);
    },
  );
});
