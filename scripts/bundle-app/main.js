// The browser app of scripts/bundle-test.mjs, bundled by esbuild, vite and webpack from the packed
// tarballs: trains a small classifier on backend-cpu, moves the model and the optimizer to
// backend-webgpu mid-training, finishes there, saves the weights (safetensors bytes), reloads them
// into a fresh model on the CPU, and reports both models' predictions to the test runner through
// `window.__tessera`. The weights also go through IndexedDB, a file download and fetch of a URL.
// Plain JavaScript, so no bundler needs a TypeScript loader.
import { concat, dispose, randn, setBackend, tensor, tidy } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { webgpu } from '@tessera/backend-webgpu';
import { noGrad } from '@tessera/autograd';
import {
  Linear, ReLU, Sequential, crossEntropy, downloadWeights, loadWeightsFromIndexedDB, loadWeightsFromUrl, manualSeed,
  saveWeightsToIndexedDB,
} from '@tessera/layers';
import { Adam } from '@tessera/optim';
import { StandardScaler } from '@tessera/data-augment';
import { accuracy } from '@tessera/metrics';
import { fit } from '@tessera/train';
import { publicPackages } from './all-packages.js';

const CLASSES = 3;
const PER_CLASS = 64;

/** Three Gaussian blobs in 4 dimensions, seeded: features [N, 4] float32, labels [N] int32. */
function blobs() {
  return tidy(() => {
    const centers = tensor([[2, 0, 0, 1], [-2, 1, 0, -1], [0, -2, 2, 0]]);
    const parts = [];
    const labels = [];
    for (let c = 0; c < CLASSES; c++) {
      parts.push(randn([PER_CLASS, 4], { seed: 10 + c, std: 0.7 }).add(centers.slice([c, 0], [c + 1, 4])));
      for (let i = 0; i < PER_CLASS; i++) labels.push(c);
    }
    return [concat(parts, 0), tensor(labels, [labels.length], { dtype: 'int32' })];
  });
}

function makeModel() {
  return new Sequential(new Linear({ inFeatures: 4, outFeatures: 16 }), new ReLU(), new Linear({ inFeatures: 16, outFeatures: CLASSES }));
}

async function predictions(model, x) {
  const logits = noGrad(() => model.forward(x));
  const values = Array.from(await logits.data());
  logits.dispose();
  return values;
}

/** FNV-1a of bytes: compares the downloaded file with the saved bytes without shipping them. */
function fnv1a(bytes) {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

async function main() {
  const log = [];
  await setBackend(cpu());
  manualSeed(0);
  const [raw, y] = blobs();
  const x = new StandardScaler().fitTransform(raw);
  raw.dispose();
  const model = makeModel();
  const optimizer = new Adam(model.parameters(), { lr: 0.02 });
  const options = { epochs: 4, batchSize: 32, optimizer, loss: crossEntropy, metrics: ['accuracy'], seed: 1, verbose: 0 };

  // First half on the CPU.
  const first = await fit(model, { ...options, data: { x, y } });
  log.push(`cpu: loss ${first.history.loss.map((v) => v.toFixed(3)).join(' ')}`);

  // Mid-training switch: model, optimizer state and data move to WebGPU (SwiftShader here).
  const gpu = await setBackend(webgpu());
  await model.to(gpu);
  await optimizer.to(gpu);
  const [xGpu, yGpu] = [await x.to(gpu), await y.to(gpu)];
  const second = await fit(model, { ...options, data: { x: xGpu, y: yGpu } });
  log.push(`webgpu: loss ${second.history.loss.map((v) => v.toFixed(3)).join(' ')}`);

  const trained = await predictions(model, xGpu);
  const logits = noGrad(() => model.forward(xGpu));
  const trainAccuracy = await accuracy(logits, yGpu);
  logits.dispose();

  // Save (safetensors bytes) and reload on the CPU: from the bytes, from IndexedDB, from a URL.
  const bytes = await model.save();
  await saveWeightsToIndexedDB(model, 'bundle-test');
  const downloaded = await downloadWeights(model, 'bundle-test.safetensors');
  const cpuBackend = await setBackend(cpu());
  const xCpu = await xGpu.to(cpuBackend);
  const reloaded = makeModel();
  await reloaded.load(bytes);
  const restored = await predictions(reloaded, xCpu);
  const fromIndexedDB = makeModel();
  await loadWeightsFromIndexedDB(fromIndexedDB, 'bundle-test');
  const url = URL.createObjectURL(new Blob([bytes]));
  const fromUrl = makeModel();
  await loadWeightsFromUrl(fromUrl, url);
  URL.revokeObjectURL(url);
  const restoredFrom = { indexedDB: await predictions(fromIndexedDB, xCpu), url: await predictions(fromUrl, xCpu) };

  dispose([x, y, xGpu, yGpu, xCpu]);
  model.dispose();
  for (const m of [reloaded, fromIndexedDB, fromUrl]) m.dispose();
  optimizer.dispose();
  return {
    packages: publicPackages,
    backend: gpu.name,
    firstLoss: first.history.loss,
    secondLoss: second.history.loss,
    trainAccuracy,
    savedBytes: bytes.byteLength,
    savedHash: fnv1a(bytes),
    downloadedHash: fnv1a(downloaded),
    restoredFrom,
    trained,
    restored,
    log,
  };
}

main().then(
  (result) => { window.__tessera = { ok: true, result }; },
  (error) => { window.__tessera = { ok: false, error: `${error?.name}: ${error?.message}\n${error?.stack ?? ''}` }; },
);
