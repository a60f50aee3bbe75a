/**
 * Combinators: compose (run in order), randomApply (apply to a random subset of the samples) and
 * randomChoice (one transform per sample, picked at random).
 */
import { checkOptions, Tensor, TensorError, fmtShape, shapesEqual, tensor, tidy, where } from '@tessera/tensor-core';
import { keyedUniform, resolveGenerator, type RandomSource } from '../random.js';
import { checkProbability, defineTransform, type ImageTransform } from './layout.js';

function checkTransforms(op: string, transforms: unknown): readonly ImageTransform[] {
  if (!Array.isArray(transforms) || transforms.some((t) => typeof t !== 'function')) {
    throw new TensorError('INVALID_ARGUMENT', op, `transforms must be an array of transforms (functions), got ${typeof transforms === 'object' ? JSON.stringify(transforms) : typeof transforms}`);
  }
  return transforms as ImageTransform[];
}

function nameOf(t: ImageTransform): string {
  return t.transformName ?? t.name ?? 'transform';
}

/**
 * Runs `transforms` in order; intermediate batches are freed.
 *
 * @throws TensorError `INVALID_ARGUMENT` unless given an array of transforms; whatever a
 *   transform throws.
 * @example
 * ```ts
 * const augment = compose([
 *   randomCrop(32, { padding: 4, seed: 1 }),
 *   randomHorizontalFlip({ seed: 2 }),
 *   normalize({ mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] }),
 * ]);
 * const out = augment(images);
 * ```
 */
export function compose(transforms: readonly ImageTransform[]): ImageTransform {
  const list = [...checkTransforms('compose', transforms)];
  return defineTransform('compose', (images) =>
    tidy(() => {
      let y = images;
      for (const t of list) y = t(y);
      return y === images ? images.reshape([...images.shape]) : y;
    }),
  );
}

/** Options of {@link randomApply}. */
export interface RandomApplyOptions extends RandomSource {
  /** Probability that a sample goes through the transforms (default 0.5). */
  readonly p?: number;
}

function selectPerSample(op: string, chosen: Int32Array, outputs: readonly (Tensor | undefined)[], names: readonly string[], reference: Tensor): Tensor {
  let out: Tensor | undefined;
  for (let k = outputs.length - 1; k >= 0; k--) {
    const y = outputs[k];
    if (!y) continue;
    if (!shapesEqual(y.shape, reference.shape)) {
      throw new TensorError('SHAPE_MISMATCH', op, `every transform must keep the batch shape ${fmtShape(reference.shape)} to be mixed per sample, but ${names[k]} returned ${fmtShape(y.shape)}`);
    }
    if (!out) {
      out = y;
      continue;
    }
    const mask = tensor(Uint8Array.from(chosen, (c) => (c === k ? 1 : 0)), [chosen.length, ...new Array<number>(reference.rank - 1).fill(1)], { dtype: 'bool' });
    out = where(mask, y, out);
  }
  return out!;
}

/**
 * Passes each sample through `transforms` (composed) with probability `p`; the others are left
 * unchanged. The transforms must keep the batch shape. (torchvision `RandomApply` decides once
 * per call; this decides per sample.)
 *
 * @throws TensorError `INVALID_ARGUMENT` for bad transforms or p; `SHAPE_MISMATCH` when the
 *   transforms change the shape.
 * @example
 * ```ts
 * randomApply([colorJitter({ brightness: 0.8, seed: 1 })], { p: 0.8, seed: 2 })(images);
 * ```
 */
export function randomApply(transforms: readonly ImageTransform[] | ImageTransform, options: RandomApplyOptions = {}): ImageTransform {
  const op = 'randomApply';
  checkOptions(op, options, ['p', 'seed', 'generator']);
  const list = checkTransforms(op, typeof transforms === 'function' ? [transforms] : transforms);
  const p = checkProbability(op, options.p ?? 0.5);
  const inner = compose(list);
  const gen = resolveGenerator(op, options);
  return defineTransform(op, (images) => {
    if (!(images instanceof Tensor) || images.rank === 0) throw new TensorError('INVALID_ARGUMENT', op, `images must be a batched Tensor, got ${images instanceof Tensor ? fmtShape(images.shape) : typeof images}`);
    const key = gen.nextSeed();
    const n = images.rank === 4 ? images.shape[0]! : 1;
    const chosen = Int32Array.from({ length: n }, (_, i) => (keyedUniform(key, i) < p ? 1 : 0));
    if (chosen.every((c) => c === 0)) return images.reshape([...images.shape]);
    return tidy(() => {
      const applied = inner(images);
      if (chosen.every((c) => c === 1) || images.rank !== 4) return applied;
      return selectPerSample(op, chosen, [images, applied], ['the input', `compose(${list.map(nameOf).join(', ')})`], images);
    });
  });
}

/** Options of {@link randomChoice}. */
export interface RandomChoiceOptions extends RandomSource {
  /** Relative weights of the transforms (default: equal). */
  readonly p?: readonly number[];
}

/**
 * Sends each sample through one of `transforms`, picked at random with weights `p` (torchvision
 * `RandomChoice` picks one per call; this picks per sample). Each transform runs once on the
 * whole batch if any sample picked it, so the transforms must keep the batch shape.
 *
 * @throws TensorError `INVALID_ARGUMENT` for an empty list or bad weights; `SHAPE_MISMATCH` as
 *   {@link randomApply}.
 * @example
 * ```ts
 * randomChoice([randomRotation(10, { seed: 1 }), gaussianBlur(3, { seed: 2 })], { seed: 3 })(images);
 * ```
 */
export function randomChoice(transforms: readonly ImageTransform[], options: RandomChoiceOptions = {}): ImageTransform {
  const op = 'randomChoice';
  checkOptions(op, options, ['p', 'seed', 'generator']);
  const list = checkTransforms(op, transforms);
  if (list.length === 0) throw new TensorError('INVALID_ARGUMENT', op, 'transforms must not be empty');
  const weights = options.p ?? new Array<number>(list.length).fill(1);
  if (!Array.isArray(weights) || weights.length !== list.length || !weights.every((v) => Number.isFinite(v) && v >= 0) || weights.reduce((a, b) => a + b, 0) <= 0) {
    throw new TensorError('INVALID_ARGUMENT', op, `p must hold ${list.length} non-negative weights with a positive sum, got ${JSON.stringify(options.p)}`);
  }
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative = weights.map((_, k) => weights.slice(0, k + 1).reduce((a, b) => a + b, 0) / total);
  const gen = resolveGenerator(op, options);
  return defineTransform(op, (images) => {
    if (!(images instanceof Tensor) || images.rank === 0) throw new TensorError('INVALID_ARGUMENT', op, `images must be a batched Tensor, got ${images instanceof Tensor ? fmtShape(images.shape) : typeof images}`);
    const key = gen.nextSeed();
    const n = images.rank === 4 ? images.shape[0]! : 1;
    const chosen = Int32Array.from({ length: n }, (_, i) => {
      const u = keyedUniform(key, i);
      const k = cumulative.findIndex((c) => u < c);
      return k < 0 ? list.length - 1 : k;
    });
    return tidy(() => {
      const outputs = list.map((t, k) => (chosen.includes(k) ? t(images) : undefined));
      return selectPerSample(op, chosen, outputs, list.map(nameOf), images);
    });
  });
}
