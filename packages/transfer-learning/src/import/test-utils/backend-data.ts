/**
 * Runs ONNX's official backend test cases (Debian's libonnx-testdata: `model.onnx` plus
 * `test_data_set_N/{input,output}_K.pb`) through the importer and compares the outputs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tensor, type Tensor } from '@tessera/tensor-core';
import { decodeOnnxTensor, inspectOnnx, importOnnx, type TensorProto } from '../../index.js';
import { readTensorProto, type TensorContents } from '../tensor-proto.js';

/** Cases whose outputs are random draws no implementation reproduces. */
const RANDOM_OUTPUT = /^test_training_dropout(?!_zero_ratio)/;

/** Where Debian installs the test data. */
export const ONNX_TEST_DATA = process.env.TESSERA_ONNX_TEST_DATA ?? '/usr/share/libonnx-testdata/data';

/** The suites of the data set this runner reads. */
export const SUITES = ['node', 'pytorch-converted', 'pytorch-operator', 'simple'] as const;

export interface CaseResult {
  readonly suite: string;
  readonly name: string;
  /** `pass`, `fail` (supported but wrong or throwing), or `unsupported` (ops or types the importer lacks). */
  readonly status: 'pass' | 'fail' | 'unsupported';
  readonly detail?: string;
  /** Worst |actual − expected| / (atol + rtol·|expected|) over the outputs (≤ 1 passes). */
  readonly worst?: number;
}

/** The case directories of a suite, sorted. */
export function listCases(suite: string): string[] {
  const dir = join(ONNX_TEST_DATA, suite);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, 'model.onnx')))
    .sort();
}

function readPb(path: string): { proto: TensorProto; contents: TensorContents } {
  const proto = decodeOnnxTensor(new Uint8Array(readFileSync(path)));
  const contents = readTensorProto(proto, path);
  // Some float64 cases hold uninitialised memory (1e+223 and the like) that float32 cannot hold.
  if (contents.kind === 'float64' && contents.values.some((v) => Number.isFinite(v) && Math.abs(v) > 3.4e38)) {
    throw new OutOfRange(`${path}: float64 data outside the float32 range`);
  }
  return { proto, contents };
}

class OutOfRange extends Error {}

function toTensor(c: TensorContents): Tensor {
  if (c.kind === 'int') return tensor(Int32Array.from(c.values, (v) => Math.max(-2147483648, Math.min(2147483647, v))), c.shape, { dtype: 'int32' });
  if (c.kind === 'bool') return tensor(Uint8Array.from(c.values), c.shape, { dtype: 'bool' });
  return tensor(Float32Array.from(c.values), c.shape, { dtype: 'float32' });
}

/** Runs one case on the active backend. */
export async function runCase(suite: string, name: string, tolerance = { rtol: 1e-3, atol: 1e-5 }): Promise<CaseResult> {
  const dir = join(ONNX_TEST_DATA, suite, name);
  if (RANDOM_OUTPUT.test(name)) return { suite, name, status: 'unsupported', detail: 'random: training-mode Dropout draws another mask than the reference' };
  const bytes = new Uint8Array(readFileSync(join(dir, 'model.onnx')));
  let report;
  try {
    report = inspectOnnx(bytes);
  } catch (e) {
    return { suite, name, status: 'unsupported', detail: `inspect: ${(e as Error).message}` };
  }
  if (report.unsupported.length > 0) {
    return { suite, name, status: 'unsupported', detail: report.unsupported.map((u) => `${u.opType}: ${u.reason}`).join('; ') };
  }
  const sets = readdirSync(dir).filter((d) => d.startsWith('test_data_set_')).sort();
  let model;
  try {
    model = await importOnnx(bytes);
  } catch (e) {
    const msg = (e as Error).message;
    return { suite, name, status: /UNSUPPORTED|not supported/.test(msg) || (e as { code?: string }).code === 'UNSUPPORTED' ? 'unsupported' : 'fail', detail: `import: ${msg}` };
  }
  model.eval();
  let worst = 0;
  try {
    for (const set of sets) {
      const files = readdirSync(join(dir, set));
      const inputFiles = files.filter((f) => /^input_\d+\.pb$/.test(f)).sort((a, b) => Number(a.slice(6, -3)) - Number(b.slice(6, -3)));
      const outputFiles = files.filter((f) => /^output_\d+\.pb$/.test(f)).sort((a, b) => Number(a.slice(7, -3)) - Number(b.slice(7, -3)));
      const inputs: Record<string, Tensor> = {};
      let read;
      try {
        read = inputFiles.map((f) => readPb(join(dir, set, f)));
      } catch (e) {
        return { suite, name, status: 'unsupported', detail: `test input: ${(e as Error).message}` };
      }
      // Inputs are positional over the graph inputs; the .pb names are often empty.
      model.inputs.forEach((info, i) => {
        const r = read[i];
        if (r) inputs[info.name] = toTensor(r.contents);
      });
      const out = model.forward(inputs);
      for (let k = 0; k < outputFiles.length; k++) {
        const expected = readPb(join(dir, set, outputFiles[k]!)).contents;
        const info = model.outputs[k]!;
        const actual = out[info.name]!;
        if (actual.shape.join(',') !== expected.shape.join(',')) {
          throw new Error(`output '${info.name}': shape [${actual.shape}] != expected [${expected.shape}]`);
        }
        const a = await actual.data();
        for (let i = 0; i < expected.values.length; i++) {
          const e = expected.values[i]!;
          const v = Number(a[i]);
          if (Number.isNaN(e) && Number.isNaN(v)) continue;
          if (e === v) continue;
          const score = Math.abs(v - e) / (tolerance.atol + tolerance.rtol * Math.abs(e));
          if (!(score <= worst)) worst = Number.isNaN(score) ? Infinity : score;
        }
      }
      for (const t of [...Object.values(inputs), ...Object.values(out)]) t.dispose();
    }
  } catch (e) {
    if (e instanceof OutOfRange) return { suite, name, status: 'unsupported', detail: `data: ${e.message}` };
    // A feature found missing only at run time (a 3-D convolution, say, or an axis input that
    // WebGPU cannot read synchronously) counts as unsupported.
    const code = (e as { code?: string }).code;
    return { suite, name, status: code === 'UNSUPPORTED' || code === 'SYNC_READ_UNSUPPORTED' ? 'unsupported' : 'fail', detail: (e as Error).message };
  } finally {
    model.dispose();
  }
  return worst <= 1 ? { suite, name, status: 'pass', worst } : { suite, name, status: 'fail', worst, detail: `worst error ${worst.toFixed(2)}× tolerance` };
}
