/** Large elementwise work: (a + b) · c on float32 vectors, and a broadcast bias add. */
import * as tc from '@tessera/tensor-core';
import { normalArray } from '../lib/data.js';
import type { CaseDef } from '../lib/runner.js';
import type { Suite } from '../lib/suite.js';
import { readAndDispose, tesseraTensor } from '../lib/tessera.js';
import { tf, tfRun, tfTensor } from '../lib/tfjs.js';

const MI = 1024 * 1024;

function addMulCase(n: number): CaseDef {
  const [aData, bData, cData] = [31, 32, 33].map((s) => normalArray(n, s + n));
  const tfSetup = () => {
    const [a, b, c] = [aData!, bData!, cData!].map((d) => tfTensor(d, [n]));
    return {
      run: () => tfRun(() => tf.mul(tf.add(a!, b!), c!)),
      dispose: () => tf.dispose([a!, b!, c!]),
    };
  };
  return {
    suite: 'elementwise',
    id: `addmul/${n}`,
    label: `(a+b)*c, ${n / MI}M float32`,
    setups: {
      tessera: () => {
        const [a, b, c] = [aData!, bData!, cData!].map((d) => tesseraTensor(d, [n]));
        return {
          run: () => readAndDispose(tc.tidy(() => a!.add(b!).mul(c!))),
          dispose: () => tc.dispose([a, b, c]),
        };
      },
      'tfjs-cpu': tfSetup,
      'tfjs-wasm': tfSetup,
    },
  };
}

function biasAddCase(rows: number, cols: number): CaseDef {
  const xData = normalArray(rows * cols, 34);
  const bData = normalArray(cols, 35);
  const tfSetup = () => {
    const x = tfTensor(xData, [rows, cols]);
    const b = tfTensor(bData, [cols]);
    return { run: () => tfRun(() => tf.add(x, b)), dispose: () => tf.dispose([x, b]) };
  };
  return {
    suite: 'elementwise',
    id: `biasadd/${rows}x${cols}`,
    label: `x[${rows},${cols}] + b[${cols}] (broadcast)`,
    setups: {
      tessera: () => {
        const x = tesseraTensor(xData, [rows, cols]);
        const b = tesseraTensor(bData, [cols]);
        return { run: () => readAndDispose(x.add(b)), dispose: () => tc.dispose([x, b]) };
      },
      'tfjs-cpu': tfSetup,
      'tfjs-wasm': tfSetup,
    },
  };
}

export const elementwiseSuite: Suite = {
  name: 'elementwise',
  title: 'Elementwise (float32)',
  notes: ['Two ops for (a+b)*c (the intermediate is freed by tidy); the timed region includes reading the result back.'],
  cases: ({ quick }) =>
    quick ? [addMulCase(MI), biasAddCase(1024, 1024)] : [addMulCase(MI), addMulCase(4 * MI), biasAddCase(1024, 1024)],
};
