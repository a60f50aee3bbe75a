/**
 * Peak memory of one training step: the MNIST MLP (784-128-10, batch 32 and 128) and a small CNN
 * (conv 1→8 3×3, ReLU, max-pool 2, conv 8→16 3×3, ReLU, max-pool 2, linear 400→10; 28×28 input,
 * batch 32), one SGD step each (forward, cross-entropy, `backward`, update, all in one `tidy`).
 *
 * The backend's `allocate`/`free` are wrapped to count the bytes of every live buffer, so the
 * figure covers everything the library allocates (tape copies, gradients, temporaries), not only
 * the tensors a user holds, and needs nothing from tensor-core beyond its public API (the same
 * script measures any commit). Reported per case: `before` (bytes live at the top of a step:
 * weights, data, optimizer state), `held by the tape` (bytes live once the forward pass and the
 * loss returned, minus `before`: what autograd keeps for the backward pass, plus the loss),
 * `peak` (the most bytes live at any point of the step) and `peak − before` (the step's working
 * memory). Steps 1–2 warm up; the figures are from step 3.
 *
 *   pnpm --dir benchmarks memory              # backend-cpu
 *   BACKEND=webgpu VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json pnpm --dir benchmarks memory
 */
import * as tc from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import * as autograd from '@tessera/autograd';
import { Conv2d, crossEntropy, Flatten, Linear, MaxPool2d, ReLU, Sequential, type Module } from '@tessera/layers';
import { SGD } from '@tessera/optim';

interface Counter {
  live: number;
  peak: number;
}

/** Wraps `backend`'s allocate/free to count live bytes and their peak. */
function counted<B extends tc.Backend>(backend: B, counter: Counter): B {
  const sizes = new Map<unknown, number>();
  const allocate = backend.allocate.bind(backend);
  const free = backend.free.bind(backend);
  const b = backend as unknown as { allocate: tc.Backend['allocate']; free: tc.Backend['free'] };
  b.allocate = (size, dtype) => {
    const handle = allocate(size, dtype);
    const bytes = size * tc.bytesPerElement(dtype);
    sizes.set(handle, bytes);
    counter.live += bytes;
    counter.peak = Math.max(counter.peak, counter.live);
    return handle;
  };
  b.free = (handle) => {
    counter.live -= sizes.get(handle) ?? 0;
    sizes.delete(handle);
    free(handle);
  };
  return backend;
}

async function makeBackend(counter: Counter): Promise<tc.Backend> {
  if ((process.env.BACKEND ?? 'cpu') === 'cpu') return counted(cpu(), counter);
  const dawn = (await import('webgpu')) as unknown as { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create(['backend=vulkan']);
  const { webgpu } = await import('@tessera/backend-webgpu');
  return counted(await webgpu({ gpu }), counter);
}

const counter: Counter = { live: 0, peak: 0 };
const backend = await makeBackend(counter);
await tc.setBackend(backend);
// `enableAutograd` exists from issue 11 on; before it, importing autograd enabled it.
(autograd as { enableAutograd?: () => void }).enableAutograd?.();

function mlp(): Module {
  return new Sequential(new Linear({ inFeatures: 784, outFeatures: 128, seed: 1 }), new ReLU(), new Linear({ inFeatures: 128, outFeatures: 10, seed: 2 }));
}

function cnn(): Module {
  return new Sequential(
    new Conv2d({ inChannels: 1, outChannels: 8, kernelSize: 3, seed: 1 }),
    new ReLU(),
    new MaxPool2d({ kernelSize: 2 }),
    new Conv2d({ inChannels: 8, outChannels: 16, kernelSize: 3, seed: 2 }),
    new ReLU(),
    new MaxPool2d({ kernelSize: 2 }),
    new Flatten(),
    new Linear({ inFeatures: 400, outFeatures: 10, seed: 3 }),
  );
}

async function measure(name: string, model: Module, inputShape: number[]): Promise<string> {
  const batch = inputShape[0]!;
  const x = tc.randn(inputShape, { seed: 7 });
  const y = tc.tensor(Int32Array.from({ length: batch }, (_, i) => (i * 7 + 3) % 10), [batch], { dtype: 'int32' });
  const params = model.parameters();
  const optimizer = new SGD(params, { lr: 0.01, momentum: 0.9 });
  let before = 0;
  let peak = 0;
  let held = 0;
  for (let step = 0; step < 3; step++) {
    await x.data(); // wait for the previous step on an asynchronous backend
    before = counter.live;
    counter.peak = counter.live;
    const loss = tc.tidy(() => {
      const l = crossEntropy(model.forward(x), y);
      held = counter.live - before;
      const grads = autograd.backward(l, { wrt: params });
      optimizer.step(grads);
      return l;
    });
    peak = counter.peak;
    await loss.data();
    loss.dispose();
  }
  x.dispose();
  y.dispose();
  optimizer.dispose?.();
  model.dispose?.();
  const kb = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
  return `| ${name} | ${backend.name} | ${kb(before)} | ${kb(held)} | ${kb(peak)} | ${kb(peak - before)} |`;
}

const rows = [
  '| model | backend | before step | held by the tape | peak | peak − before |',
  '|---|---|---:|---:|---:|---:|',
  await measure('MLP 784-128-10, batch 32', mlp(), [32, 784]),
  await measure('MLP 784-128-10, batch 128', mlp(), [128, 784]),
  await measure('CNN 1→8→16 conv, batch 32', cnn(), [32, 1, 28, 28]),
];
console.log(rows.join('\n'));
