/**
 * Test helpers for export: run an ONNX model in onnxruntime-web (its WebAssembly backend, loaded
 * from node_modules, one thread) and run the committed `scripts/check-onnx.py` with Debian's
 * python3-onnx.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Tensor } from '@tessera/tensor-core';

type Ort = typeof import('onnxruntime-web');
let ort: Ort | undefined;

async function runtime(): Promise<Ort> {
  if (ort) return ort;
  const loaded = await import('onnxruntime-web');
  const require = createRequire(import.meta.url);
  loaded.env.wasm.wasmPaths = path.dirname(require.resolve('onnxruntime-web')) + path.sep;
  loaded.env.wasm.numThreads = 1;
  loaded.env.logLevel = 'error';
  ort = loaded;
  return loaded;
}

/** Runs `model` on `inputs` (Tessera tensors, read back) and returns every output by name, as float arrays with shapes. */
export async function runOrt(model: Uint8Array, inputs: Record<string, Tensor>): Promise<Record<string, { data: number[]; dims: number[] }>> {
  const o = await runtime();
  const session = await o.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  try {
    const feeds: Record<string, import('onnxruntime-web').Tensor> = {};
    for (const [name, t] of Object.entries(inputs)) {
      const data = await t.data();
      const type = t.dtype === 'int32' ? 'int32' : t.dtype === 'bool' ? 'bool' : 'float32';
      feeds[name] = new o.Tensor(type, type === 'bool' ? Uint8Array.from(data as Uint8Array) : (data as Float32Array | Int32Array), [...t.shape]);
    }
    const results = await session.run(feeds);
    const out: Record<string, { data: number[]; dims: number[] }> = {};
    for (const [name, v] of Object.entries(results)) out[name] = { data: Array.from(v.data as ArrayLike<number | bigint>, Number), dims: [...v.dims] };
    return out;
  } finally {
    await session.release();
  }
}

/** Debian's Python, which has python3-onnx (the `python3` on PATH may not). */
export const DEBIAN_PYTHON = '/usr/bin/python3';
const SCRIPTS = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..', 'scripts');

/** Why Debian's Python cannot import `modules` (python3-onnx, python3-torch), or undefined when it can. */
export function pythonUnavailable(modules: readonly string[]): string | undefined {
  const probe = spawnSync(DEBIAN_PYTHON, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  if (probe.error) return `${DEBIAN_PYTHON} cannot run: ${probe.error.message}`;
  if (probe.status !== 0) return `${modules.map((m) => `python3-${m}`).join(' and ')} not installed (${DEBIAN_PYTHON} -c 'import ${modules.join(', ')}': ${probe.stderr.trim().split('\n').pop()})`;
  return undefined;
}

/** Why the onnx checker cannot run here, or undefined when it can. */
export function onnxCheckerUnavailable(): string | undefined {
  return pythonUnavailable(['onnx']);
}

/** Runs a committed script of `scripts/` with Debian's Python. */
export function runScript(script: string, args: readonly string[]): { status: number | null; output: string } {
  const result = spawnSync(DEBIAN_PYTHON, [path.join(SCRIPTS, script), ...args], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** A new temporary folder. */
export function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'tessera-export-'));
}

/** Writes the models to a temporary folder and runs `onnx.checker.check_model(full_check=True)` on each; returns the script's result. */
export function checkWithOnnx(models: Record<string, Uint8Array>): { status: number | null; output: string } {
  const dir = tempDir();
  const files = Object.entries(models).map(([name, bytes]) => {
    const file = path.join(dir, `${name}.onnx`);
    writeFileSync(file, bytes);
    return file;
  });
  return runScript('check-onnx.py', files);
}
