/**
 * Where the demo's time goes on backend-webgpu: a diagnostic, not a benchmark (SwiftShader's
 * speed says nothing about a GPU's). Times each op of the pretrained CNN's forward and backward
 * pass with the demo's shapes, alone and synchronised (`gpu.sync()`), then one fine-tuning step
 * and one feature-extraction batch with the backend's counters (dispatches, submits, reads).
 *
 * Run: `VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json npx tsx examples/fine-tune-digits/scripts/profile-webgpu.ts [batch]`
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput, dispose, maxPool2d, maxPool2dBackward, randn, setBackend, tidy, type Tensor } from '@tessera/tensor-core';
import { webgpu } from '@tessera/backend-webgpu';
import { backward, enableAutograd } from '@tessera/autograd';
import { Linear, Sequential, crossEntropy, manualSeed } from '@tessera/layers';
import { Adam } from '@tessera/optim';
import { cut, extractFeatures, importOnnx } from '@tessera/transfer-learning';

enableAutograd(); // the forward passes below run before backward(loss)

const here = path.dirname(fileURLToPath(import.meta.url));
const batch = Number(process.argv[2] ?? 32);
const gpu = await webgpu();
await setBackend(gpu);

async function time(label: string, fn: () => Tensor | Tensor[], repeats = 3): Promise<number> {
  dispose(fn()); // warm-up: pipelines compiled
  await gpu.sync();
  const runs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    const out = fn();
    await gpu.sync();
    runs.push(performance.now() - t0);
    dispose(out);
  }
  runs.sort((a, b) => a - b);
  const ms = runs[Math.floor(runs.length / 2)]!;
  console.log(`${label.padEnd(58)} ${ms.toFixed(1).padStart(9)} ms`);
  return ms;
}

const conv = { stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 1 } as const;
const pool = { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0, 0, 0], dilation: [1, 1], ceilMode: false } as const;
const x1 = randn([batch, 1, 28, 28], { seed: 1 });
const w1 = randn([8, 1, 3, 3], { seed: 2 });
const y1 = randn([batch, 8, 28, 28], { seed: 3 });
const x2 = randn([batch, 8, 14, 14], { seed: 4 });
const w2 = randn([16, 8, 3, 3], { seed: 5 });
const y2 = randn([batch, 16, 14, 14], { seed: 6 });
const f = randn([batch, 784], { seed: 7 });
const wf = randn([784, 64], { seed: 8 });
const g = randn([batch, 64], { seed: 9 });

console.log(`backend-webgpu (${gpu.name}), batch ${batch}: each op alone, median of 3, synchronised`);
const rows: [string, number][] = [];
const add = async (label: string, fn: () => Tensor | Tensor[]): Promise<void> => void rows.push([label, await time(label, fn)]);
await add('conv2d 1→8, 28×28 (forward)', () => conv2d(x1, w1, { padding: 1 }));
await add('conv2dBackpropFilter 1→8, 28×28 (dW)', () => conv2dBackpropFilter(x1, y1, w1.shape, conv));
await add('conv2d 8→16, 14×14 (forward)', () => conv2d(x2, w2, { padding: 1 }));
await add('conv2dBackpropInput 8→16, 14×14 (dx)', () => conv2dBackpropInput(y2, w2, x2.shape, conv));
await add('conv2dBackpropFilter 8→16, 14×14 (dW)', () => conv2dBackpropFilter(x2, y2, w2.shape, conv));
await add('maxPool2d 8×28×28 (forward)', () => maxPool2d(y1, { kernelSize: 2 }));
await add('maxPool2dBackward 8×28×28', () => tidy(() => maxPool2dBackward(x2, y1, pool)));
await add('relu 8×28×28', () => y1.relu());
await add('matmul [B,784]·[784,64] (forward)', () => f.matmul(wf));
await add('matmul dW [784,B]·[B,64]', () => f.transpose().matmul(g));
await add('matmul dx [B,64]·[64,784]', () => g.matmul(wf.transpose()));
const total = rows.reduce((s, [, ms]) => s + ms, 0);
console.log('\nshare of the summed op times:');
for (const [label, ms] of [...rows].sort((a, b) => b[1] - a[1])) console.log(`  ${label.padEnd(56)} ${((100 * ms) / total).toFixed(1).padStart(5)}%`);

// One fine-tuning step of the demo's model (imported backbone + new head), and one batch of feature extraction.
const bytes = new Uint8Array(readFileSync(path.join(here, '..', 'data', 'pretrained-mnist-cnn.onnx')));
const pretrained = await importOnnx(bytes);
manualSeed(0);
const model = new Sequential({ backbone: cut(pretrained, 'features'), head: new Linear({ inFeatures: 64, outFeatures: 10 }) });
const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
const labels = tidy(() => randn([batch], { seed: 10 }).abs().mul(3).floor().cast('int32'));
const step = (): Tensor[] => {
  const grads = backward(tidy(() => crossEntropy(model.forward(x1) as Tensor, labels)), { wrt: model.parameters() });
  optimizer.step(grads);
  const out = [...grads.values()];
  return out;
};
const before = gpu.stats();
await time(`fine-tuning step (forward, backward, Adam), batch ${batch}`, step);
const after = gpu.stats();
console.log(`  counters over 4 steps: ${after.dispatches - before.dispatches} dispatches, ${after.submits - before.submits} submits, ${after.reads - before.reads} reads`);
model.eval();
const r0 = gpu.stats();
const t0 = performance.now();
const features = await extractFeatures(model.children()[0]!, x1, { batchSize: batch });
console.log(`extractFeatures, ${batch} images: ${(performance.now() - t0).toFixed(1)} ms; ${gpu.stats().reads - r0.reads} reads, ${gpu.stats().submits - r0.submits} submits`);
features.dispose();
gpu.dispose();
process.exit(0);
