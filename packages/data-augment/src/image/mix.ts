/**
 * Batch-level mixing that also mixes the labels: mixup and cutmix, as torchvision.transforms.v2
 * `MixUp` and `CutMix` (each sample is paired with the previous one, `batch.roll(1, 0)`).
 */
import { checkOptions, Tensor, TensorError, arange, concat, fmtShape, oneHot, reshape, slice, tidy, where } from '@tessera/tensor-core';
import { Generator, resolveGenerator, sampleBeta, type RandomSource } from '../random.js';
import { checkImages, checkLayout, inNchw, type LayoutOptions } from './layout.js';

/** Images with their labels: class indices (int32 `[N]`) or probabilities (float32 `[N, K]`). */
export interface LabeledBatch {
  readonly images: Tensor;
  readonly labels: Tensor;
}

/** A transform of a labeled batch (the inputs are not disposed). */
export interface BatchTransform {
  (images: Tensor, labels: Tensor): { images: Tensor; labels: Tensor };
  readonly transformName: string;
}

/** Options of {@link mixup} and {@link cutmix}. */
export interface MixOptions extends LayoutOptions, RandomSource {
  /** Concentration of the Beta(alpha, alpha) mixing weight (default 1). */
  readonly alpha?: number;
  /** Number of classes, needed when the labels are int32 class indices. */
  readonly numClasses?: number;
}

function labelsAsProbabilities(op: string, labels: unknown, n: number, numClasses: number | undefined): Tensor {
  if (!(labels instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', op, `labels must be a Tensor, got ${labels === null ? 'null' : typeof labels}`);
  if (labels.dtype === 'int32') {
    if (labels.rank !== 1 || labels.shape[0] !== n) throw new TensorError('SHAPE_MISMATCH', op, `int32 labels must be [N] = [${n}] class indices, got shape ${fmtShape(labels.shape)}`);
    if (numClasses === undefined) throw new TensorError('INVALID_ARGUMENT', op, 'numClasses is required when labels are int32 class indices');
    return oneHot(labels, numClasses, { dtype: 'float32' });
  }
  if (labels.dtype !== 'float32') throw new TensorError('DTYPE_MISMATCH', op, `labels must be int32 class indices or float32 probabilities, got ${labels.dtype}`);
  if (labels.rank !== 2 || labels.shape[0] !== n) throw new TensorError('SHAPE_MISMATCH', op, `float32 labels must be [N, K] with N = ${n}, got shape ${fmtShape(labels.shape)}`);
  return labels;
}

/** `x` rolled by one along the batch axis: `out[i] = x[i - 1]` (torch `roll(1, 0)`). */
function rollBatch(x: Tensor): Tensor {
  const n = x.shape[0]!;
  if (n <= 1) return x;
  return concat([slice(x, [n - 1], [n]), slice(x, [0], [n - 1])], 0);
}

function setup(op: string, options: MixOptions): { layout: ReturnType<typeof checkLayout>; alpha: number; gen: Generator } {
  checkOptions(op, options, ['alpha', 'numClasses', 'layout', 'seed', 'generator']);
  const layout = checkLayout(op, options.layout);
  const alpha = options.alpha ?? 1;
  if (typeof alpha !== 'number' || !(alpha > 0) || !Number.isFinite(alpha)) throw new TensorError('INVALID_ARGUMENT', op, `alpha must be a positive number, got ${String(alpha)}`);
  if (options.numClasses !== undefined && !(Number.isInteger(options.numClasses) && options.numClasses >= 1)) {
    throw new TensorError('INVALID_ARGUMENT', op, `numClasses must be a positive integer, got ${String(options.numClasses)}`);
  }
  return { layout, alpha, gen: resolveGenerator(op, options) };
}

function defineBatchTransform(name: string, fn: (images: Tensor, labels: Tensor) => { images: Tensor; labels: Tensor }): BatchTransform {
  const t = ((images: Tensor, labels: Tensor) => fn(images, labels)) as BatchTransform;
  Object.defineProperty(t, 'transformName', { value: name, enumerable: true });
  return t;
}

/**
 * mixup: `lam * x + (1 - lam) * x.roll(1)` for images and labels alike, with one `lam ~
 * Beta(alpha, alpha)` per call. Labels come back as float32 `[N, K]` probabilities.
 *
 * @throws TensorError `SHAPE_MISMATCH` when labels do not match the batch; `INVALID_ARGUMENT`
 *   for a bad alpha or missing numClasses; as the image transforms for the images.
 * @example
 * ```ts
 * const mix = mixup({ alpha: 0.2, numClasses: 10, seed: 9 });
 * const { images, labels } = mix(batchImages, batchLabels);
 * ```
 */
export function mixup(options: MixOptions = {}): BatchTransform {
  const op = 'mixup';
  const { layout, alpha, gen } = setup(op, options);
  return defineBatchTransform(op, (images, labels) => {
    const dims = checkImages(op, images, layout);
    const lam = sampleBeta(gen, alpha, alpha);
    return tidy(() => {
      const probs = labelsAsProbabilities(op, labels, dims.n, options.numClasses);
      const mixed = inNchw(images, layout, dims, (x) => x.mul(lam).add(rollBatch(x).mul(1 - lam)));
      return { images: mixed, labels: probs.mul(lam).add(rollBatch(probs).mul(1 - lam)) };
    });
  });
}

/**
 * cutmix: pastes a box of the previous sample (`x.roll(1)`) into each image, the box's area
 * `1 - lam` with `lam ~ Beta(alpha, alpha)`, centred uniformly (clipped at the borders); the
 * labels mix by the area actually pasted. One box per call, as torchvision.
 *
 * @throws TensorError as {@link mixup}.
 * @example
 * ```ts
 * const { images, labels } = cutmix({ numClasses: 10, seed: 10 })(batchImages, batchLabels);
 * ```
 */
export function cutmix(options: MixOptions = {}): BatchTransform {
  const op = 'cutmix';
  const { layout, alpha, gen } = setup(op, options);
  return defineBatchTransform(op, (images, labels) => {
    const dims = checkImages(op, images, layout);
    const { h, w } = dims;
    const lam = sampleBeta(gen, alpha, alpha);
    const rx = gen.randint(0, w);
    const ry = gen.randint(0, h);
    const r = 0.5 * Math.sqrt(1 - lam);
    const rw = Math.floor(r * w);
    const rh = Math.floor(r * h);
    const x1 = Math.max(rx - rw, 0);
    const y1 = Math.max(ry - rh, 0);
    const x2 = Math.min(rx + rw, w);
    const y2 = Math.min(ry + rh, h);
    const lamAdjusted = 1 - ((x2 - x1) * (y2 - y1)) / (w * h);
    return tidy(() => {
      const probs = labelsAsProbabilities(op, labels, dims.n, options.numClasses);
      const mixed = inNchw(images, layout, dims, (x) => {
        const rows = reshape(arange(0, h, 1, { dtype: 'int32' }), [1, 1, h, 1]);
        const cols = reshape(arange(0, w, 1, { dtype: 'int32' }), [1, 1, 1, w]);
        const box = rows.greaterEqual(y1).logicalAnd(rows.less(y2)).logicalAnd(cols.greaterEqual(x1)).logicalAnd(cols.less(x2));
        return where(box, rollBatch(x), x);
      });
      return { images: mixed, labels: probs.mul(lamAdjusted).add(rollBatch(probs).mul(1 - lamAdjusted)) };
    });
  });
}
