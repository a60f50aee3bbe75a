/**
 * Export from the WebGPU backend (Dawn on SwiftShader in CI): weights and constants are read back
 * asynchronously, and the file runs in onnxruntime-web with WebGPU's outputs. Skipped with the
 * reason when no adapter exists, unless TESSERA_REQUIRE_WEBGPU=1.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { randn, setBackend, type Backend } from '@tessera/tensor-core';
import { webgpu } from '@tessera/backend-webgpu';
import { BatchNorm2d, Conv2d, Flatten, GELU, Linear, MaxPool2d, Sequential, manualSeed } from '@tessera/layers';
import { exportOnnx } from './index.js';
import { runOrt } from './test-utils/ort.js';

let gpu: (Backend & { dispose(): void }) | undefined;
let reason = '';
try {
  gpu = await webgpu();
} catch (e) {
  reason = (e as Error).message;
}
afterAll(() => gpu?.dispose());
if (!gpu && process.env['TESSERA_REQUIRE_WEBGPU'] === '1') throw new Error(`TESSERA_REQUIRE_WEBGPU=1 but no WebGPU backend: ${reason}`);

(gpu ? describe : describe.skip)(`exportOnnx on WebGPU${gpu ? '' : ` (skipped: ${reason})`}`, () => {
  it('exports a CNN living on the GPU, and onnxruntime-web matches its outputs', async () => {
    await setBackend(gpu!);
    manualSeed(61);
    const model = new Sequential(
      new Conv2d({ inChannels: 1, outChannels: 3, kernelSize: 3, padding: 1 }),
      new BatchNorm2d({ numFeatures: 3 }),
      new GELU(),
      new MaxPool2d({ kernelSize: 2 }),
      new Flatten(),
      new Linear({ inFeatures: 3 * 3 * 3, outFeatures: 4 }),
    );
    const x = randn([4, 1, 6, 6], { seed: 62 });
    model.forward(x).dispose(); // training-mode statistics
    model.eval();
    const bytes = await exportOnnx(model, { inputs: x, dynamicAxes: { input: [0] } });
    const x2 = randn([3, 1, 6, 6], { seed: 63 });
    const want = Array.from((await model.forward(x2).data()) as Float32Array);
    const got = (await runOrt(bytes, { input: x2 }))['output']!;
    expect(got.dims).toEqual([3, 4]);
    got.data.forEach((v, i) => expect(Math.abs(v - want[i]!), `output[${i}]`).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(want[i]!))));
    model.dispose();
  });
});
