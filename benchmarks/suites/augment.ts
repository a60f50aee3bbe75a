/**
 * Image augmentation throughput: a CIFAR-style pipeline — random crop (padding 4), random
 * horizontal flip, random rotation (±15°, bilinear) and colour jitter (brightness, contrast,
 * saturation) — on a batch of 128 3x32x32 float32 images, each sample with its own random
 * parameters.
 *
 * Tessera runs `compose([...])` from `@tessera/data-augment` (NCHW, all pixel work as tensor ops).
 * TensorFlow.js runs the same steps with its own ops in its native NHWC layout: `tf.pad` +
 * `tf.image.cropAndResize` with one integer-aligned box per sample and nearest-neighbour sampling
 * (an exact crop, as Tessera's: no interpolation work on either side),
 * `tf.image.flipLeftRight` + `tf.where` on a per-sample mask, `tf.image.transform` with one
 * rotation matrix per sample, and brightness / contrast / saturation written with `mul`, `mean`
 * and a blend (tfjs has no colour-jitter op). Random parameters are drawn on the host in both.
 * The random draws differ between the two, so the timed outputs cannot match; the row's check
 * instead runs the same steps with fixed parameters on both (`check`): brightness 1.2, contrast
 * 0.8, saturation 1.3, then a rotation by 10° (bilinear), compared on the pixels whose source
 * point lies inside the image. At the border the two differ by convention (torchvision, which
 * Tessera follows, and tf.image.transform treat the zero fill of a partly outside bilinear
 * sample differently), so border pixels are left out of the comparison.
 */
import { tidy, type Tensor } from '@tessera/tensor-core';
import type { CaseDef, CaseResult, Prepared } from '../lib/runner.js';
import type { Suite } from '../lib/suite.js';
import { fmtNum, fmtRatio } from '../lib/table.js';
import { nhwcToNchw } from '../lib/data.js';
import { tesseraTensor } from '../lib/tessera.js';
import { tf, tfTensor } from '../lib/tfjs.js';

/**
 * Found by this row's check: tfjs-backend-cpu 4.22's `image.transform` fills every image after
 * the first of a batch with zeros (a batch of two, identity-free matrices: image 1 is all zero
 * on tfjs-cpu and correct on tfjs-wasm), so its time measures less work and is not shown.
 */
const TFJS_CPU_TRANSFORM_BUG = 'tfjs-backend-cpu 4.22 image.transform returns zeros for every image after the first of a batch (a tfjs bug found by the check), so its time is not comparable';

const N = 128;
const C = 3;
const H = 32;
const W = 32;
const PAD = 4;
const DEGREES = 15;
const JITTER = 0.4;
/** The fixed parameters of the cross-check (see the file comment). */
const CHECK = { degrees: 10, brightness: 1.2, contrast: 0.8, saturation: 1.3 } as const;

/**
 * Output → input matrix `[a0, a1, a2, b0, b1, b2, 0, 0]` of a rotation by `degrees` about the
 * image centre (tf.image.transform's form; counter-clockwise on screen, as torchvision).
 */
function rotation(degrees: number): number[] {
  const a = (degrees * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const cx = (W - 1) / 2;
  const cy = (H - 1) / 2;
  return [cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy, 0, 0];
}

/** NCHW indices of the check's pixels whose rotated source point has all four neighbours inside. */
const INTERIOR: readonly number[] = (() => {
  const [a0, a1, a2, b0, b1, b2] = rotation(CHECK.degrees) as [number, number, number, number, number, number];
  const out: number[] = [];
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const sx = a0 * x + a1 * y + a2;
          const sy = b0 * x + b1 * y + b2;
          if (sx >= 0.5 && sx <= W - 1.5 && sy >= 0.5 && sy <= H - 1.5) out.push(((n * C + c) * H + y) * W + x);
        }
      }
    }
  }
  return out;
})();

const interior = (nchw: ArrayLike<number>): Float32Array => Float32Array.from(INTERIOR, (i) => nchw[i]!);

/** Pixel values in [0, 1] (a deterministic pattern; augmentation speed does not depend on content). */
function images(): Float32Array {
  const out = new Float32Array(N * C * H * W);
  for (let i = 0; i < out.length; i++) out[i] = ((i * 2654435761) >>> 0) / 4294967296;
  return out;
}

/** A small seeded generator for the tfjs side's per-sample parameters. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

type DataAugment = typeof import('@tessera/data-augment');

async function loadDataAugment(): Promise<DataAugment> {
  return (await import('@tessera/data-augment')) as DataAugment;
}

export function tesseraSetup(hue: boolean): () => Promise<Prepared> {
  return async () => {
    const da = await loadDataAugment();
    const x = tesseraTensor(images(), [N, C, H, W]);
    const generator = new da.Generator(1);
    const augment = da.compose([
      da.randomCrop(32, { padding: PAD, generator }),
      da.randomHorizontalFlip({ generator }),
      da.randomRotation(DEGREES, { generator }),
      da.colorJitter({ brightness: JITTER, contrast: JITTER, saturation: JITTER, ...(hue ? { hue: 0.1 } : {}), generator }),
    ]);
    return {
      run: async () => {
        const y: Tensor = augment(x);
        try {
          await y.data();
        } finally {
          y.dispose();
        }
        return new Float32Array(0); // random draws differ between frameworks: see check
      },
      check: async () => {
        const y = tidy(() => da.rotate(da.adjustColor(x, { brightness: CHECK.brightness, contrast: CHECK.contrast, saturation: CHECK.saturation }), CHECK.degrees));
        try {
          return await y.data();
        } finally {
          y.dispose();
        }
      },
      canonical: (out: unknown) => ((out as Float32Array).length === 0 ? out : interior(out as Float32Array)),
      dispose: () => x.dispose(),
    };
  };
}

export function tfSetup(): Prepared {
  const x = tfTensor(images(), [N, C, H, W]);
  const nhwc = tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D;
  x.dispose();
  const random = lcg(7);
  const gray = tf.tensor1d([0.2989, 0.587, 0.114]);
  const perSample = (lo: number, hi: number): tf.Tensor4D => tf.tensor4d(Float32Array.from({ length: N }, () => lo + (hi - lo) * random()), [N, 1, 1, 1]);
  const blend = (a: tf.Tensor, b: tf.Tensor, ratio: tf.Tensor): tf.Tensor => tf.clipByValue(tf.add(tf.mul(a, ratio), tf.mul(b, tf.sub(1, ratio))), 0, 1);
  const luma = (t: tf.Tensor): tf.Tensor => tf.sum(tf.mul(t, gray), -1, true);
  return {
    run: () => {
      const y = tf.tidy(() => {
        // Random crop with padding: one integer-aligned box per sample on the padded batch.
        const padded = tf.pad(nhwc, [[0, 0], [PAD, PAD], [PAD, PAD], [0, 0]]);
        const size = H + 2 * PAD;
        const boxes: number[] = [];
        for (let i = 0; i < N; i++) {
          const top = Math.floor(random() * (size - H + 1));
          const left = Math.floor(random() * (size - W + 1));
          boxes.push(top / (size - 1), left / (size - 1), (top + H - 1) / (size - 1), (left + W - 1) / (size - 1));
        }
        const cropped = tf.image.cropAndResize(padded, tf.tensor2d(boxes, [N, 4]), tf.range(0, N, 1, 'int32') as tf.Tensor1D, [H, W], 'nearest');
        // Random horizontal flip per sample.
        const flipMask = tf.tensor4d(Array.from({ length: N }, () => random() < 0.5), [N, 1, 1, 1], 'bool');
        const flipped = tf.where(flipMask, tf.image.flipLeftRight(cropped), cropped) as tf.Tensor4D;
        // Random rotation per sample (bilinear, fill 0): output → input matrices about the centre.
        const matrices = Array.from({ length: N }, () => rotation((2 * random() - 1) * DEGREES)).flat();
        const rotated = tf.image.transform(flipped, tf.tensor2d(matrices, [N, 8]), 'bilinear', 'constant', 0);
        // Colour jitter: brightness, contrast, saturation with per-sample factors.
        let out: tf.Tensor = tf.clipByValue(tf.mul(rotated, perSample(1 - JITTER, 1 + JITTER)), 0, 1);
        out = blend(out, tf.mean(luma(out), [1, 2, 3], true), perSample(1 - JITTER, 1 + JITTER));
        out = blend(out, luma(out), perSample(1 - JITTER, 1 + JITTER));
        return out;
      });
      try {
        y.dataSync();
      } finally {
        y.dispose();
      }
      return new Float32Array(0);
    },
    check: () => {
      const y = tf.tidy(() => {
        let out: tf.Tensor = tf.clipByValue(tf.mul(nhwc, CHECK.brightness), 0, 1);
        out = blend(out, tf.mean(luma(out), [1, 2, 3], true), tf.scalar(CHECK.contrast));
        out = blend(out, luma(out), tf.scalar(CHECK.saturation));
        return tf.image.transform(out as tf.Tensor4D, tf.tensor2d(Array.from({ length: N }, () => rotation(CHECK.degrees)).flat(), [N, 8]), 'bilinear', 'constant', 0);
      });
      try {
        return y.dataSync() as Float32Array;
      } finally {
        y.dispose();
      }
    },
    canonical: (out: unknown) => ((out as Float32Array).length === 0 ? out : interior(nhwcToNchw(out as Float32Array, [N, H, W, C]))),
    dispose: () => tf.dispose([nhwc, gray]),
  };
}

function augmentCase(hue: boolean): CaseDef {
  return {
    suite: 'augment',
    id: hue ? 'augment/crop-flip-rotate-jitter-hue' : 'augment/crop-flip-rotate-jitter',
    label: `${N}x3x32x32 crop+flip+rotate+jitter${hue ? '+hue' : ''}`,
    group: 'augment',
    setups: hue ? { tessera: tesseraSetup(true) } : { tessera: tesseraSetup(false), 'tfjs-wasm': tfSetup },
    skipped: hue ? { 'tfjs-cpu': 'tf.image has no hue op', 'tfjs-wasm': 'tf.image has no hue op' } : { 'tfjs-cpu': TFJS_CPU_TRANSFORM_BUG },
  };
}

function summary(results: readonly CaseResult[]): string | undefined {
  const lines: string[] = [];
  for (const r of results) {
    const rate = (fw: 'tessera' | 'tfjs-cpu' | 'tfjs-wasm'): number | undefined => {
      const ms = r.cells[fw]?.medianMs;
      return ms === undefined ? undefined : (N * 1000) / ms;
    };
    const t = rate('tessera');
    const cpu = rate('tfjs-cpu');
    const wasm = rate('tfjs-wasm');
    const parts = [`Tessera ${fmtNum(t, 0)}`];
    if (cpu !== undefined) parts.push(`tfjs-cpu ${fmtNum(cpu, 0)}`);
    if (wasm !== undefined) parts.push(`tfjs-wasm ${fmtNum(wasm, 0)}`);
    let line = `  ${r.label}: images/s ${parts.join(', ')}`;
    if (t !== undefined && cpu !== undefined) line += `; Tessera/tfjs-cpu ${fmtRatio(t / cpu)}`;
    if (t !== undefined && wasm !== undefined) line += `, Tessera/tfjs-wasm ${fmtRatio(t / wasm)}`;
    lines.push(line);
  }
  return lines.length ? `Augmented images per second (batch ${N} / median time):\n${lines.join('\n')}` : undefined;
}

export const augmentSuite: Suite = {
  name: 'augment',
  title: `image augmentation (batch ${N}, 3x32x32 float32, per-sample random parameters)`,
  notes: [
    'Pipeline: random crop 32 (padding 4) → random horizontal flip → random rotation ±15° (bilinear, fill 0) → colour jitter (brightness, contrast, saturation 0.4).',
    'Tessera: @tessera/data-augment compose on NCHW; tfjs: pad + cropAndResize, flipLeftRight + where, image.transform, mul/mean blends on NHWC.',
    'Crop: an exact integer crop on both sides (tfjs: cropAndResize with integer-aligned boxes and nearest sampling), so no side pays for interpolation the other skips; rotation is bilinear on both.',
    'Check: random parameters differ between frameworks, so the row compares a fixed-parameter run instead (brightness 1.2, contrast 0.8, saturation 1.3, rotate 10°) on the pixels away from the border (the border differs by fill convention).',
    'The +hue row runs Tessera only: tf.image has no hue adjustment.',
    `No tfjs-cpu cell: ${TFJS_CPU_TRANSFORM_BUG}.`,
  ],
  cases: () => [augmentCase(false), augmentCase(true)],
  summary,
};
