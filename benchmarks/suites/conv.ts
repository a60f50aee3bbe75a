/**
 * 2-D convolution, batch 32, 3×3 kernels, stride 1, "same" padding (1 pixel of zeros on every
 * side). Tessera runs NCHW input with OIHW weights; TensorFlow.js runs its native NHWC input with
 * HWIO filters. The data is the same (transposed on the host, outside the timed region), and
 * outputs are compared after converting tfjs's NHWC result to NCHW.
 */
import type * as tc from '@tessera/tensor-core';
import { nchwToNhwc, nhwcToNchw, normalArray, oihwToHwio } from '../lib/data.js';
import type { CaseDef } from '../lib/runner.js';
import type { Suite } from '../lib/suite.js';
import { readAndDispose, tesseraOp, tesseraTensor } from '../lib/tessera.js';
import { tf, tfRun, tfTensor } from '../lib/tfjs.js';

interface ConvSpec {
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly o: number;
  readonly k: number;
}

function convCase({ n, c, h, w, o, k }: ConvSpec): CaseDef {
  const pad = (k - 1) / 2;
  const xNchw = normalArray(n * c * h * w, 21 + c);
  const wOihw = normalArray(o * c * k * k, 22 + c, Math.sqrt(2 / (c * k * k)));
  const xNhwc = nchwToNhwc(xNchw, [n, c, h, w]);
  const wHwio = oihwToHwio(wOihw, [o, c, k, k]);
  const tfSetup = () => {
    const x = tfTensor(xNhwc, [n, h, w, c]);
    const f = tfTensor(wHwio, [k, k, c, o]);
    return {
      run: () => tfRun(() => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same')),
      canonical: (out: unknown) => nhwcToNchw(out as Float32Array, [n, h, w, o]),
      dispose: () => tf.dispose([x, f]),
    };
  };
  return {
    suite: 'conv',
    id: `conv/${h}x${w}x${c}-${o}`,
    label: `conv2d ${n}x${h}x${w}x${c} → ${o}, ${k}x${k}`,
    flops: 2 * n * o * h * w * c * k * k,
    setups: {
      tessera: () => {
        const conv2d = tesseraOp<typeof tc.conv2d>('conv2d');
        const x = tesseraTensor(xNchw, [n, c, h, w]);
        const wt = tesseraTensor(wOihw, [o, c, k, k]);
        return {
          run: () => readAndDispose(conv2d(x, wt, { stride: 1, padding: pad })),
          dispose: () => {
            x.dispose();
            wt.dispose();
          },
        };
      },
      'tfjs-cpu': tfSetup,
      'tfjs-wasm': tfSetup,
    },
  };
}

export const convSuite: Suite = {
  name: 'conv',
  title: 'conv2d (float32, batch 32, 3x3, stride 1, padding "same" = 1)',
  notes: [
    'Layouts: Tessera NCHW input + OIHW weights; tfjs NHWC input + HWIO filter (its native layout).',
    'Same data in both (transposed on the host before timing); outputs compared in NCHW.',
    'No bias, no activation. FLOPs counted as 2·N·O·H·W·C·kH·kW.',
  ],
  cases: () => {
    const specs: ConvSpec[] = [
      { n: 32, c: 1, h: 28, w: 28, o: 32, k: 3 },
      { n: 32, c: 16, h: 32, w: 32, o: 32, k: 3 },
    ];
    return specs.map(convCase);
  },
};
