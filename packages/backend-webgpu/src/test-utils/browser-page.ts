/**
 * The page `browser.test.ts` bundles and opens in headless Chromium: one training step of the
 * seeded MLP of `mlp.ts` on `webgpu()` with the page's `navigator.gpu`. It exposes
 * `window.tesseraStep()`, which resolves to plain numbers the test compares with the CPU backend
 * in Node.
 */
import { setBackend } from '@tessera/tensor-core';
import { webgpu } from '../index.js';
import { makeBatch, makeMlp, trainStep, variablesOf } from './mlp.js';
import { BROWSER_BATCH, BROWSER_SIZES } from './browser-model.js';

/** What the page reports. */
export interface BrowserStepResult {
  readonly hasNavigatorGpu: boolean;
  readonly adapter: string;
  readonly loss: number;
  readonly grads: number[][];
  /** Parameters and Adam moments after the step. */
  readonly variables: number[][];
  readonly dispatches: number;
  readonly submits: number;
}

async function step(): Promise<BrowserStepResult> {
  const hasNavigatorGpu = typeof navigator !== 'undefined' && navigator.gpu !== undefined;
  const backend = await setBackend(webgpu());
  const gpu = backend as Awaited<ReturnType<typeof webgpu>>;
  const info = (gpu.device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  const model = makeMlp(BROWSER_SIZES, 1, gpu);
  const batch = makeBatch(BROWSER_BATCH, BROWSER_SIZES[0], BROWSER_SIZES[BROWSER_SIZES.length - 1]!, 7, gpu);
  const before = gpu.stats();
  const { loss, grads } = trainStep(model, batch, true);
  const after = gpu.stats();
  const result: BrowserStepResult = {
    hasNavigatorGpu,
    adapter: info === undefined ? 'unknown' : `${info.vendor} ${info.architecture} ${info.description}`.trim(),
    loss: (await loss.item()) as number,
    grads: await Promise.all(grads.map(async (g) => Array.from(await g.data()))),
    variables: await Promise.all(variablesOf(model).map(async (v) => Array.from(await v.data()))),
    dispatches: after.dispatches - before.dispatches,
    submits: after.submits - before.submits,
  };
  gpu.dispose();
  return result;
}

(globalThis as { tesseraStep?: () => Promise<BrowserStepResult> }).tesseraStep = step;
