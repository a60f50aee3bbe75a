/**
 * The two WebGPU contenders of the `webgpu` suite, in one Node process on one Dawn instance:
 * Tessera's `@tessera/backend-webgpu` and TensorFlow.js's `@tensorflow/tfjs-backend-webgpu`
 * (which looks for `navigator.gpu`: in Node we set `globalThis.navigator = { gpu }` with Dawn's
 * GPU object before `tf.setBackend('webgpu')`). Each gets its own device. Dispatch and submit
 * counters: Tessera's `stats()`; for tfjs, its backend's `recordAndSubmit` (one compute dispatch
 * each) and `submitQueue` are wrapped.
 */
import * as tc from '@tessera/tensor-core';
import type { WebGpuBackend } from '@tessera/backend-webgpu';
import { tf } from './tfjs.js';

/** Dispatches and submits so far. */
export interface GpuCounters {
  readonly dispatches: number;
  readonly submits: number;
}

export interface WebGpuContenders {
  /** Adapter description (e.g. "google swiftshader …" or an NVIDIA GPU). */
  readonly adapter: string;
  /** True when the adapter is a software rasterizer: times then mean nothing, only counts and ratios. */
  readonly software: boolean;
  readonly tessera: WebGpuBackend | undefined;
  readonly tesseraError: string | undefined;
  readonly tfjsOk: boolean;
  readonly tfjsError: string | undefined;
  tesseraCounters(): GpuCounters;
  tfjsCounters(): GpuCounters;
  /** Makes the contenders' backends active (Tessera's and tfjs's), remembering the previous ones. */
  activate(): Promise<void>;
  /** Restores the previous backends and releases both backends (Dawn's instance stays, see above). */
  close(): Promise<void>;
}

const errorText = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}`.split('\n')[0]!.slice(0, 300) : String(e));

interface DawnModule {
  create(options: string[]): GPU;
  globals: Record<string, unknown>;
}

/**
 * Dawn's instance, kept for the life of the process: Dawn (webgpu 0.6.2) can abort the process
 * when the collector frees an instance whose devices had buffers (see backend-webgpu's
 * webgpu.ts). A live instance without devices does not keep Node from exiting.
 */
let dawnGpu: GPU | undefined;

/** Starts Dawn and both backends; a contender that fails is reported, not thrown. */
export async function startWebGpuContenders(): Promise<WebGpuContenders> {
  const dawn = (await import('webgpu')) as unknown as DawnModule;
  Object.assign(globalThis, dawn.globals);
  const gpu = (dawnGpu ??= dawn.create(['backend=vulkan']));
  const adapter = await gpu.requestAdapter();
  if (adapter === null) throw new Error('Dawn found no WebGPU adapter (is a Vulkan driver installed? VK_ICD_FILENAMES?)');
  const info = adapter.info;
  const adapterText = [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(' ') || 'unknown adapter';
  const software = /swiftshader|llvmpipe|lavapipe|software/i.test(adapterText);

  let tessera: WebGpuBackend | undefined;
  let tesseraError: string | undefined;
  try {
    const { webgpu } = await import('@tessera/backend-webgpu');
    tessera = await webgpu({ gpu });
    tc.registerBackend(tessera);
  } catch (e) {
    tesseraError = errorText(e);
  }

  const hadNavigator = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  let tfjsOk = false;
  let tfjsError: string | undefined;
  const tfCounts = { dispatches: 0, submits: 0 };
  const previousTf = tf.getBackend();
  try {
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) throw new Error("tf.setBackend('webgpu') returned false");
    await tf.ready();
    const backend = tf.backend() as unknown as { recordAndSubmit: (...a: unknown[]) => unknown; submitQueue: () => void };
    const record = backend.recordAndSubmit.bind(backend);
    const submit = backend.submitQueue.bind(backend);
    backend.recordAndSubmit = (...a: unknown[]) => {
      tfCounts.dispatches++;
      return record(...a);
    };
    backend.submitQueue = () => {
      tfCounts.submits++;
      submit();
    };
    tfjsOk = true;
  } catch (e) {
    tfjsError = errorText(e);
  }
  if (previousTf) await tf.setBackend(previousTf);

  let previousTessera: tc.Backend | undefined;
  let previousTfjs: string | undefined;
  return {
    adapter: adapterText,
    software,
    tessera,
    tesseraError,
    tfjsOk,
    tfjsError,
    tesseraCounters: () => {
      const s = tessera?.stats();
      return { dispatches: s?.dispatches ?? 0, submits: s?.submits ?? 0 };
    },
    tfjsCounters: () => ({ ...tfCounts }),
    activate: async () => {
      previousTessera ??= tc.getBackend();
      previousTfjs ??= tf.getBackend();
      if (tessera) await tc.setBackend(tessera);
      if (tfjsOk) await tf.setBackend('webgpu');
    },
    close: async () => {
      if (previousTessera) await tc.setBackend(previousTessera);
      if (previousTfjs) await tf.setBackend(previousTfjs);
      if (tfjsOk) tf.removeBackend('webgpu');
      tessera?.dispose();
      if (hadNavigator) Object.defineProperty(globalThis, 'navigator', hadNavigator);
      else delete (globalThis as { navigator?: unknown }).navigator;
    },
  };
}
