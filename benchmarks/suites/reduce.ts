/** Sum reductions: along each axis of a 1024×1024 matrix, and over all of a 4M vector. */
import * as tc from '@tessera/tensor-core';
import { normalArray } from '../lib/data.js';
import type { CaseDef } from '../lib/runner.js';
import type { Suite } from '../lib/suite.js';
import { readAndDispose, tesseraTensor } from '../lib/tessera.js';
import { tf, tfRun, tfTensor } from '../lib/tfjs.js';

function sumCase(label: string, id: string, shape: number[], axis: number | undefined): CaseDef {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = normalArray(size, 41 + shape.length);
  const tfSetup = () => {
    const x = tfTensor(data, shape);
    return { run: () => tfRun(() => tf.sum(x, axis)), dispose: () => x.dispose() };
  };
  return {
    suite: 'reduce',
    id,
    label,
    // float32 sums of 1M-4M normals: summation order matters more than for matmul.
    tolerance: axis === undefined ? 1e-2 : 1e-3,
    setups: {
      tessera: () => {
        const x = tesseraTensor(data, shape);
        return { run: () => readAndDispose(tc.sum(x, axis)), dispose: () => x.dispose() };
      },
      'tfjs-cpu': tfSetup,
      'tfjs-wasm': tfSetup,
    },
  };
}

export const reduceSuite: Suite = {
  name: 'reduce',
  title: 'Reductions (float32 sum)',
  notes: ['axis 1 = contiguous rows; axis 0 = strided columns.'],
  cases: ({ quick }) => {
    const cases = [
      sumCase('sum axis 1 of [1024,1024]', 'sum/1024x1024/axis1', [1024, 1024], 1),
      sumCase('sum axis 0 of [1024,1024]', 'sum/1024x1024/axis0', [1024, 1024], 0),
    ];
    if (!quick) cases.push(sumCase('sum all of [4M]', 'sum/4M/all', [4 * 1024 * 1024], undefined));
    return cases;
  },
};
