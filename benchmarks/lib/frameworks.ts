/**
 * Setting up the contenders in one process: Tessera's CPU backend, TensorFlow.js on
 * `@tensorflow/tfjs-backend-cpu` (plain JavaScript kernels) and on `@tensorflow/tfjs-backend-wasm`
 * (WebAssembly + SIMD, loaded from node_modules: no network), and onnxruntime-web's WebAssembly
 * backend on one and two threads (see ort.ts).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tc from '@tessera/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { startOrt, type OrtRuntime } from './ort.js';
import { registerTfjsGradients } from './tfjs-gradients.js';

export type FrameworkId = 'tessera' | 'tfjs-cpu' | 'tfjs-wasm' | 'ort-1t' | 'ort-2t';
export const FRAMEWORKS: readonly FrameworkId[] = ['tessera', 'tfjs-cpu', 'tfjs-wasm', 'ort-1t', 'ort-2t'];

/** onnxruntime-web on one and two threads (only suites with an ONNX model have ORT cells). */
const ortRuntimes: Partial<Record<'ort-1t' | 'ort-2t', OrtRuntime>> = {};

/** The ORT contender `fw` (started by {@link initFrameworks}). */
export function ortRuntime(fw: 'ort-1t' | 'ort-2t'): OrtRuntime {
  const r = ortRuntimes[fw];
  if (!r) throw new Error(`${fw} is not available`);
  return r;
}

/** What the run found out about each framework (printed, and written to the JSON). */
export interface FrameworkInfo {
  readonly ok: boolean;
  readonly error?: string;
  readonly details: Record<string, unknown>;
}

export type FrameworkInfos = Record<FrameworkId, FrameworkInfo>;

const errorText = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/**
 * Initializes the contenders; a framework that fails is marked `ok: false` and its cells are
 * skipped. `ort: false` leaves onnxruntime-web unstarted (marked unavailable), for runs without
 * ORT cells (the CI gate).
 */
export async function initFrameworks(options: { readonly ort?: boolean } = {}): Promise<FrameworkInfos> {
  const infos = {} as FrameworkInfos;

  // Tessera: the CPU backend is imported dynamically so a broken backend skips its cells
  // instead of aborting the whole run.
  try {
    const { cpu } = await import('@tessera/backend-cpu');
    // TESSERA_CPU_THREADS=2 measures the worker pool (default: one thread, like the others).
    const backend = await tc.setBackend(cpu({ threads: Number(process.env.TESSERA_CPU_THREADS ?? 1) }));
    const { wasm, threads } = backend as unknown as { wasm?: string | false; threads?: number };
    infos.tessera = {
      ok: true,
      details: { backend: backend.name, specVersion: backend.specVersion, wasm: wasm ?? false, threads: threads ?? 1, dtypes: backend.capabilities.dtypes },
    };
  } catch (e) {
    infos.tessera = { ok: false, error: errorText(e), details: {} };
  }

  // PROD only silences tfjs's console hints ("install tfjs-node"); it changes no kernel.
  tf.env().set('PROD', true);
  let gradients = 'registered (dist/register_all_gradients)';
  try {
    await registerTfjsGradients();
  } catch (e) {
    gradients = `NOT registered: ${errorText(e)}`;
  }
  try {
    await tf.setBackend('cpu');
    await tf.ready();
    infos['tfjs-cpu'] = { ok: true, details: { version: tf.version_core, backend: tf.getBackend(), threads: 1, gradients } };
  } catch (e) {
    infos['tfjs-cpu'] = { ok: false, error: errorText(e), details: {} };
  }

  try {
    const require = createRequire(import.meta.url);
    const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
    // A directory prefix: emscripten reads `<dir>/tfjs-backend-wasm-simd.wasm` from disk in Node.
    setWasmPaths(wasmDir + path.sep);
    // One thread, explicitly: the threaded build needs Workers + SharedArrayBuffer wiring.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new Error('tf.setBackend("wasm") returned false');
    await tf.ready();
    infos['tfjs-wasm'] = {
      ok: true,
      details: {
        version: tf.version_core,
        backend: tf.getBackend(),
        simd,
        multithread: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'),
        threads: getThreadsCount(),
        binary: simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm',
      },
    };
  } catch (e) {
    infos['tfjs-wasm'] = { ok: false, error: errorText(e), details: {} };
  }

  for (const [fw, threads] of [['ort-1t', 1], ['ort-2t', 2]] as const) {
    if (options.ort === false) {
      infos[fw] = { ok: false, error: 'not started (ort: false)', details: {} };
      continue;
    }
    try {
      const runtime = await startOrt(threads);
      ortRuntimes[fw] = runtime;
      infos[fw] = { ok: true, details: runtime.details };
    } catch (e) {
      infos[fw] = { ok: false, error: errorText(e), details: {} };
    }
  }
  return infos;
}

/** Live tensors and bytes, per framework (tfjs counts over all its backends). */
export function memoryOf(fw: FrameworkId): { tensors: number; bytes: number } {
  // ORT output tensors are disposed by every run; sessions are released by each cell's dispose.
  if (fw === 'ort-1t' || fw === 'ort-2t') return { tensors: 0, bytes: 0 };
  if (fw === 'tessera') {
    const m = tc.memory();
    return { tensors: m.tensors, bytes: m.bytes };
  }
  const m = tf.memory();
  return { tensors: m.numTensors, bytes: m.numBytes };
}

/** Makes the framework's backend active before a cell is set up. */
export async function activate(fw: FrameworkId): Promise<void> {
  if (fw === 'tfjs-cpu') await tf.setBackend('cpu');
  else if (fw === 'tfjs-wasm') await tf.setBackend('wasm');
}
