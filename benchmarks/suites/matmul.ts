/** Square float32 matrix multiply, C = A·B, n = 128 … 1024. */
import type * as tc from '@tessera/tensor-core';
import { normalArray } from '../lib/data.js';
import type { CaseDef } from '../lib/runner.js';
import type { Suite } from '../lib/suite.js';
import { readAndDispose, tesseraOp, tesseraTensor } from '../lib/tessera.js';
import { tf, tfRun, tfTensor } from '../lib/tfjs.js';
import { ortRuntime } from '../lib/frameworks.js';
import { matmulModel } from '../lib/ort.js';

function matmulCase(n: number): CaseDef {
  const aData = normalArray(n * n, 11 + n);
  const bData = normalArray(n * n, 12 + n);
  const tfSetup = () => {
    const a = tfTensor(aData, [n, n]);
    const b = tfTensor(bData, [n, n]);
    return {
      run: () => tfRun(() => tf.matMul(a, b)),
      dispose: () => tf.dispose([a, b]),
    };
  };
  const ortSetup = (fw: 'ort-1t' | 'ort-2t') => async () => {
    const session = await ortRuntime(fw).session(matmulModel(n, n, n), { A: { data: aData, shape: [n, n] }, B: { data: bData, shape: [n, n] } });
    return { run: () => session.run(), dispose: () => void session.dispose() };
  };
  return {
    suite: 'matmul',
    id: `matmul/${n}`,
    label: `matmul ${n}x${n} · ${n}x${n}`,
    flops: 2 * n * n * n,
    setups: {
      tessera: () => {
        const matmul = tesseraOp<typeof tc.matmul>('matmul');
        const a = tesseraTensor(aData, [n, n]);
        const b = tesseraTensor(bData, [n, n]);
        return {
          run: () => readAndDispose(matmul(a, b)),
          dispose: () => {
            a.dispose();
            b.dispose();
          },
        };
      },
      'tfjs-cpu': tfSetup,
      'tfjs-wasm': tfSetup,
      'ort-1t': ortSetup('ort-1t'),
      'ort-2t': ortSetup('ort-2t'),
    },
  };
}

export const matmulSuite: Suite = {
  name: 'matmul',
  title: 'Matrix multiply (float32, square)',
  notes: [
    'FLOPs counted as 2·n³; the timed region includes reading C back.',
    'ORT: onnxruntime-web, WebAssembly backend, a one-node MatMul model; "1t" runs on the main thread (called directly, as Tessera and tfjs), "2t" in a worker thread with numThreads = 2 (a message round trip per run; the result buffer is transferred).',
    'Input residency: Tessera and tfjs inputs are uploaded once before timing; ORT\'s WebAssembly backend only takes host tensors and copies A and B into its heap on every run (8 MiB at 1024), so that copy is inside ORT\'s time. Every contender reads C back inside its time.',
  ],
  cases: ({ quick }) => (quick ? [128, 256, 512] : [128, 256, 512, 1024]).map(matmulCase),
};
