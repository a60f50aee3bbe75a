/**
 * Real models against onnxruntime-web (WebAssembly, in Node): every model of MODEL_CASES, on
 * seeded inputs, must match ORT to |Δ| ≤ 1e-4 + 1e-4·|ORT| on backend-cpu and on backend-webgpu
 * (SwiftShader; skipped with the reason without an adapter, a failure with
 * TESSERA_REQUIRE_WEBGPU=1; the large models only with TESSERA_ONNX_FULL=1). The worst errors
 * are printed for docs/transfer-learning.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setBackend, tensor, type Backend, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { webgpu } from '@tessera/backend-webgpu';
import { importOnnx, inspectOnnx } from '../index.js';
import { MODEL_CASES, inputValues, readModel, runOrt, type ModelCase } from './test-utils/models.js';

const ATOL = 1e-4;
const RTOL = 1e-4;

interface Comparison {
  /** Worst |Δ| / (ATOL + RTOL·|ORT|): at most 1 passes. */
  readonly score: number;
  readonly maxAbs: number;
  /** Worst |Δ| / |ORT| over elements with |ORT| ≥ 1e-3. */
  readonly maxRel: number;
}

async function compare(c: ModelCase, bytes: Uint8Array): Promise<Comparison> {
  const reference = await runOrt(bytes, c);
  const model = await importOnnx(bytes);
  model.eval();
  const feeds: Record<string, Tensor> = {};
  for (const [name, { spec, data }] of Object.entries(inputValues(c))) {
    if (spec.dtype === 'int64') feeds[name] = tensor(Int32Array.from(data as number[]), spec.shape, { dtype: 'int32' });
    else if (spec.dtype === 'bool') feeds[name] = tensor(Uint8Array.from(data as number[]), spec.shape, { dtype: 'bool' });
    else feeds[name] = tensor(data as Float32Array, spec.shape);
  }
  const outputs = model.forward(feeds);
  let score = 0;
  let maxAbs = 0;
  let maxRel = 0;
  for (const [name, expected] of Object.entries(reference)) {
    const actual = outputs[name];
    expect(actual, `output ${name}`).toBeDefined();
    expect(actual!.shape, `output ${name} shape`).toEqual([...expected.dims]);
    const a = await actual!.data();
    for (let i = 0; i < expected.data.length; i++) {
      const e = Number(expected.data[i]);
      const d = Math.abs(Number(a[i]) - e);
      if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Infinity : d;
      const s = d / (ATOL + RTOL * Math.abs(e));
      if (!(s <= score)) score = Number.isNaN(s) ? Infinity : s;
      if (Math.abs(e) >= 1e-3 && d / Math.abs(e) > maxRel) maxRel = d / Math.abs(e);
    }
  }
  for (const t of [...Object.values(feeds), ...Object.values(outputs)]) t.dispose();
  model.dispose();
  return { score, maxAbs, maxRel };
}

const only = process.env['TESSERA_ONNX_MODELS']?.split(',');
const full = process.env['TESSERA_ONNX_FULL'] === '1';
const cases = MODEL_CASES.filter((c) => !only || only.includes(c.name));
/**
 * WebGPU runs on SwiftShader (a CPU rasterizer) in CI: by default the models up to a few hundred
 * MFLOPs; the large ones (PP-OCRv4 det/rec, mobilenet_v2, resnet18) with TESSERA_ONNX_FULL=1.
 */
const WEBGPU_DEFAULT = new Set(['paddleocr-cls', 'oww-melspectrogram', 'oww-embedding', 'oww-alexa', 'oww-hey-jarvis', 'oww-timer', 'oww-silero-vad', 'torch-transformer-encoder']);

function parity(backendName: string): void {
  const selected = backendName === 'webgpu' && !full && !only ? cases.filter((c) => WEBGPU_DEFAULT.has(c.name)) : cases;
  for (const c of selected) {
    it(`${c.name} matches onnxruntime-web`, async (ctx) => {
      const file = c.path();
      if (!file) {
        console.warn(`[tessera] skipping ${c.name}: ${c.missing ?? 'model file not found'}`);
        ctx.skip();
        return;
      }
      const bytes = readModel(file);
      expect(inspectOnnx(bytes).unsupported).toEqual([]);
      const r = await compare(c, bytes);
      console.log(`[onnx parity] ${backendName} ${c.name}: max |Δ| ${r.maxAbs.toExponential(2)}, max rel ${r.maxRel.toExponential(2)}, score ${r.score.toFixed(3)}`);
      expect(r.score).toBeLessThanOrEqual(1);
    }, backendName === 'webgpu' && full ? 1_800_000 : 300_000); // SwiftShader on a shared CPU: PP-OCRv4 det alone takes minutes
  }
}

describe('real models on backend-cpu', () => {
  beforeAll(async () => {
    await setBackend(cpu());
  });
  parity('cpu');
});

const probe = await webgpu().then(
  (b) => ({ backend: b as Backend & { dispose(): void } }),
  (e: Error) => ({ reason: e.message }),
);
if ('backend' in probe) {
  describe('real models on backend-webgpu', () => {
    beforeAll(async () => {
      await setBackend(probe.backend);
    });
    afterAll(async () => {
      await setBackend(cpu());
      probe.backend.dispose();
    });
    parity('webgpu');
  });
} else if (process.env['TESSERA_REQUIRE_WEBGPU'] === '1') {
  describe('real models on backend-webgpu', () => {
    it('needs a WebGPU adapter (TESSERA_REQUIRE_WEBGPU=1)', () => {
      throw new Error(`no WebGPU backend: ${probe.reason}`);
    });
  });
} else {
  console.warn(`[tessera] skipping the real-model parity tests on WebGPU: ${probe.reason}`);
}
