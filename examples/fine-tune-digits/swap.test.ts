/**
 * Fine-tuning an imported model with `fit` (callbacks, early stopping, metrics, validation)
 * unchanged, on the CPU and then on WebGPU: two epochs on the CPU, the model and optimizer moved
 * to the GPU, two more epochs there (`initialEpoch`), with gradual unfreezing spanning the move.
 * The result matches four epochs on the CPU alone. Skipped with the reason when no WebGPU adapter
 * exists, unless TESSERA_REQUIRE_WEBGPU=1.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { argmax, randn, setBackend, tidy, type Backend, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { webgpu } from '@tessera/backend-webgpu';
import { BatchNorm1d, Linear, Module, ReLU, Sequential, crossEntropy, manualSeed } from '@tessera/layers';
import { Adam, type AdamOptions } from '@tessera/optim';
import { earlyStopping, fit } from '@tessera/train';
import { GradualUnfreezing, discriminativeGroups, exportOnnx, freeze, importOnnx, type OnnxModule } from '@tessera/transfer-learning';

let gpu: (Backend & { dispose(): void }) | undefined;
let reason = '';
try {
  gpu = await webgpu();
} catch (e) {
  reason = (e as Error).message;
}
afterAll(() => gpu?.dispose());
if (!gpu && process.env['TESSERA_REQUIRE_WEBGPU'] === '1') throw new Error(`TESSERA_REQUIRE_WEBGPU=1 but no WebGPU backend: ${reason}`);

class FineTuned extends Module {
  constructor(
    readonly backbone: OnnxModule,
    readonly head: Linear,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return tidy(() => this.head.forward(this.backbone.forward({ input: x })['output']!));
  }
}

/** Four epochs of fine-tuning; `swapAfter` epochs on the CPU, the rest on `later`. Returns the losses and the parameters. */
async function run(later: Backend | undefined): Promise<{ losses: number[]; accuracy: number[]; params: number[][] }> {
  const host = cpu();
  await setBackend(host);
  manualSeed(41);
  const pretrained = new Sequential(new Linear({ inFeatures: 8, outFeatures: 16 }), new BatchNorm1d({ numFeatures: 16 }), new ReLU(), new Linear({ inFeatures: 16, outFeatures: 12 }), new ReLU());
  const x = randn([64, 8], { seed: 42 });
  tidy(() => pretrained.forward(x)); // BN statistics
  pretrained.eval();
  const backbone = await importOnnx(await exportOnnx(pretrained, { inputs: x, dynamicAxes: { input: [0] } }));
  const model = new FineTuned(backbone, new Linear({ inFeatures: 12, outFeatures: 3 }));
  let data = { x, y: tidy(() => argmax(x.matmul(randn([8, 3], { seed: 43 })), 1)) };
  freeze(model, 'backbone');
  const optimizer = new Adam(discriminativeGroups<AdamOptions>(model, [{ select: 'backbone', lr: 3e-3 }, { select: 'head', lr: 3e-2 }]), { lr: 3e-2 });
  const callbacks = () => [new GradualUnfreezing(model, { stages: [{ epoch: 1, unfreeze: /^backbone\.3\./ }, { epoch: 3, unfreeze: 'backbone' }] }), earlyStopping({ monitor: 'loss', patience: 10 })];
  const common = { loss: crossEntropy, optimizer, batchSize: 16, seed: 7, metrics: ['accuracy'], verbose: 0 } as const;
  const first = await fit(model, { ...common, data, validation: data, epochs: 2, callbacks: callbacks() });
  if (later) {
    await setBackend(later);
    await model.to(later);
    await optimizer.to(later);
    data = { x: await data.x.to(later), y: await data.y.to(later) };
  }
  const second = await fit(model, { ...common, data, validation: data, epochs: 4, initialEpoch: 2, callbacks: callbacks() });
  const params = await Promise.all(model.parameters().map(async (p) => Array.from((await p.data()) as Float32Array)));
  return { losses: [...first.history['loss']!, ...second.history['loss']!], accuracy: [...first.history['val_accuracy']!, ...second.history['val_accuracy']!], params };
}

(gpu ? describe : describe.skip)(`fit on an imported model across backends${gpu ? '' : ` (skipped: ${reason})`}`, () => {
  it('trains two epochs on the CPU and two on WebGPU like four on the CPU', async () => {
    const reference = await run(undefined);
    const swapped = await run(gpu);
    expect(reference.losses.length).toBe(4);
    expect(reference.losses[3]!).toBeLessThan(reference.losses[0]!);
    swapped.losses.forEach((l, i) => expect(Math.abs(l - reference.losses[i]!), `epoch ${i} loss`).toBeLessThanOrEqual(1e-3 * (1 + reference.losses[i]!)));
    swapped.params.forEach((p, i) => p.forEach((v, j) => expect(Math.abs(v - reference.params[i]![j]!), `param ${i}[${j}]`).toBeLessThanOrEqual(1e-3)));
  });
});
