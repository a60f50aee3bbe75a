/**
 * What an MNIST CNN looks at: trains the small CNN of `examples/mnist-cnn` with `fit`, then writes
 * a grid of held-out digits (one per class) beside their saliency, SmoothGrad, Integrated
 * Gradients and Grad-CAM maps, as `out/attributions.svg` and `out/attributions.png`, and prints
 * the Integrated Gradients completeness check.
 *
 * Run: `pnpm --filter @tessera/example-explain-mnist start`.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { noGrad } from '@tessera/autograd';
import { cpu } from '@tessera/backend-cpu';
import { attributionOverlays, gradCam, imagesToRgba, integratedGradients, saliency, smoothGrad, type IntegrationMethod, type RgbaImage } from '@tessera/explain';
import { savePng, saveSvgGrid } from '@tessera/explain/node';
import { crossEntropy } from '@tessera/layers';
import { Adam } from '@tessera/optim';
import { fit } from '@tessera/train';
import { dispose, setBackend, tensor, tidy, type Tensor } from '@tessera/tensor-core';
import { MnistCnn } from '../mnist-cnn/main.js';
import { loadMnist } from '@tessera/datasets';

/** Options of {@link explainMnist}. */
export interface ExplainMnistOptions {
  /** Training digits per class (default: all, ~800). */
  readonly trainPerClass?: number;
  /** Training epochs (default 3). */
  readonly epochs?: number;
  /** Integrated Gradients path points (default 32). */
  readonly steps?: number;
  /** Also measure the completeness error at these step counts, for both quadrature rules (default none). */
  readonly convergenceSteps?: readonly number[];
  /** Output folder (default `out` beside this file). */
  readonly outDir?: string;
  readonly seed?: number;
}

/** Lays equally sized images out in a grid, each pixel drawn `scale` × `scale`. */
export function tile(grid: readonly (readonly RgbaImage[])[], scale: number, gap = 2): RgbaImage {
  const cellW = grid[0]![0]!.width * scale;
  const cellH = grid[0]![0]!.height * scale;
  const columns = Math.max(...grid.map((row) => row.length));
  const width = columns * (cellW + gap) + gap;
  const height = grid.length * (cellH + gap) + gap;
  const data = new Uint8ClampedArray(width * height * 4).fill(255);
  grid.forEach((row, r) =>
    row.forEach((img, c) => {
      for (let y = 0; y < cellH; y++) {
        for (let x = 0; x < cellW; x++) {
          const from = (Math.floor(y / scale) * img.width + Math.floor(x / scale)) * 4;
          const to = ((gap + r * (cellH + gap) + y) * width + gap + c * (cellW + gap) + x) * 4;
          data.set(img.data.subarray(from, from + 4), to);
        }
      }
    }),
  );
  return { width, height, data };
}

/**
 * Trains the CNN and writes the attribution grid.
 *
 * @example
 * ```ts
 * await setBackend(cpu());
 * const { accuracy, maxDelta, files } = await explainMnist({ epochs: 1 });
 * ```
 */
export async function explainMnist(
  options: ExplainMnistOptions = {},
): Promise<{ accuracy: number; maxDelta: number; files: string[]; convergence: { method: IntegrationMethod; steps: number; maxDelta: number }[] }> {
  const seed = options.seed ?? 0;
  const outDir = options.outDir ?? join(import.meta.dirname, 'out');
  // Pixels in [0, 1] (not standardised): a black image is the natural Integrated Gradients baseline.
  const train = await loadMnist(options.trainPerClass === undefined ? {} : { perClass: options.trainPerClass });
  const test = await loadMnist({ split: 'test', shuffle: false }); // class by class
  const { x, y } = train;
  const model = new MnistCnn({ channels: [16, 32], hidden: 64, dropout: 0.25, seed });
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  // One held-out digit per class: the first of each.
  const testLabels = (await test.y.data()) as Int32Array;
  const firstOfClass = Int32Array.from({ length: 10 }, (_, d) => testLabels.indexOf(d));
  const images = tidy(() => test.x.indexSelect(0, tensor(firstOfClass, [10], { dtype: 'int32' })));
  const labels = Array.from({ length: 10 }, (_, d) => d);
  const made: Tensor[] = [];
  try {
    await fit(model, { data: { x, y }, epochs: options.epochs ?? 3, batchSize: 50, optimizer, loss: crossEntropy, verbose: 0, seed });
    const predictions = noGrad(() => tidy(() => model.eval().forward(test.x).argmax(1)));
    const predicted = await predictions.data();
    const accuracy = testLabels.filter((label, i) => predicted[i] === label).length / test.length;
    predictions.dispose();

    const sal = await saliency(model, images, { target: labels });
    const smooth = await smoothGrad(model, images, { target: labels, samples: 20, stdev: 0.15, seed, abs: true });
    const ig = await integratedGradients(model, images, { target: labels, steps: options.steps ?? 32 });
    const cam = await gradCam(model, images, { layer: 'conv2', target: labels });
    made.push(sal, smooth, ig.attributions, ig.delta, cam);
    const maxDelta = Math.max(...Array.from(await ig.delta.data(), Math.abs));

    const columns = [
      await imagesToRgba(images),
      await attributionOverlays(images, sal),
      await attributionOverlays(images, smooth),
      await attributionOverlays(images, ig.attributions, { sign: 'all' }),
      await attributionOverlays(images, cam, { sign: 'positive' }),
    ];
    const grid = labels.map((_, i) => columns.map((column) => column[i]!));
    const svgFile = join(outDir, 'attributions.svg');
    const pngFile = join(outDir, 'attributions.png');
    await saveSvgGrid(svgFile, grid.map((cells, i) => ({ label: String(labels[i]), images: cells })), {
      columnTitles: ['digit', 'saliency', 'SmoothGrad', 'Integrated Gradients', 'Grad-CAM (conv2)'],
      scale: 4,
    });
    await savePng(pngFile, tile(grid, 4));
    const convergence: { method: IntegrationMethod; steps: number; maxDelta: number }[] = [];
    for (const method of ['gaussLegendre', 'riemannTrapezoid'] as const) {
      for (const steps of options.convergenceSteps ?? []) {
        const r = await integratedGradients(model, images, { target: labels, steps, method });
        convergence.push({ method, steps, maxDelta: Math.max(...Array.from(await r.delta.data(), Math.abs)) });
        dispose([r.attributions, r.delta]);
      }
    }
    return { accuracy, maxDelta, files: [svgFile, pngFile], convergence };
  } finally {
    dispose([images, ...made]);
    train.dispose();
    test.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

// Run as a script (not when imported by the test).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await setBackend(cpu());
  const { accuracy, maxDelta, files, convergence } = await explainMnist({ convergenceSteps: [16, 32, 64, 128, 256] });
  console.log(`held-out accuracy ${(100 * accuracy).toFixed(1)}%`);
  console.log(`Integrated Gradients (32 Gauss-Legendre points): largest |sum(attributions) - (F(x) - F(black))| = ${maxDelta.toExponential(2)}`);
  console.log('| rule | steps | largest |delta| |\n|---|---|---|');
  for (const c of convergence) console.log(`| ${c.method} | ${c.steps} | ${c.maxDelta.toExponential(2)} |`);
  console.log(`wrote ${files.join(', ')}`);
}
