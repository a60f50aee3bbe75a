/**
 * Helpers for backend authors, so every backend derives them the same way and none keeps a copy:
 * strided loop plans (broadcasting, collapsed loop nests, collapsed permutations), the sizes of a
 * convolution or pooling window read from the shapes tensor-core passes to a kernel, and the
 * constants of the fused Adam update.
 */
import type { AdamHyperparameters, Conv2dParams, Pool2dParams } from './backend.js';
import { broadcastStrides, stridesOf } from './shape.js';

/**
 * A loop nest over `shape` (outermost first) in which operand `k` advances by `strides[k][d]`
 * along dimension `d`. The last dimension is the innermost (a row on the CPU, the fastest-varying
 * part of a flat index on a GPU). Always at least one dimension.
 */
export interface LoopPlan {
  readonly shape: number[];
  readonly strides: number[][];
}

/**
 * The smallest loop nest equivalent to `shape` read with `strides` (one stride list per operand):
 * size-1 dimensions are dropped and adjacent dimensions merge wherever every operand is
 * contiguous across them. A loop over nothing but size-1 dimensions becomes one dimension of 1.
 *
 * @example
 * ```ts
 * // a same-shape copy of [2, 3, 4] is one loop of 24
 * collapseLoops([2, 3, 4], [[12, 4, 1], [12, 4, 1]]); // { shape: [24], strides: [[1], [1]] }
 * ```
 */
export function collapseLoops(shape: readonly number[], strides: readonly (readonly number[])[]): LoopPlan {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = outShape.length - 1;
    let mergeable = last >= 0;
    for (let k = 0; k < strides.length && mergeable; k++) {
      // Dimension `last` then `d` can be one dimension when stepping `last` equals stepping `d` n times.
      if (outStrides[k]![last] !== strides[k]![d]! * n) mergeable = false;
    }
    if (mergeable) {
      outShape[last] = outShape[last]! * n;
      for (let k = 0; k < strides.length; k++) outStrides[k]![last] = strides[k]![d]!;
    } else {
      outShape.push(n);
      for (let k = 0; k < strides.length; k++) outStrides[k]!.push(strides[k]![d]!);
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    for (const s of outStrides) s.push(0);
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * The loop nest of a broadcast op over `outShape`: each of `inputShapes` is read with stride 0 on
 * its broadcast axes, the contiguous output is the last operand, and the nest is collapsed
 * ({@link collapseLoops}), so `[N,C,H,W] + [1,C,1,1]` is a loop of rows of length `H·W`.
 *
 * @example
 * ```ts
 * broadcastLoops([2, 3], [[2, 3], [3]]); // { shape: [2, 3], strides: [[3, 1], [0, 1], [3, 1]] }
 * ```
 */
export function broadcastLoops(outShape: readonly number[], inputShapes: readonly (readonly number[])[]): LoopPlan {
  const all = inputShapes.map((s) => broadcastStrides(s, outShape));
  all.push(stridesOf(outShape));
  return collapseLoops(outShape, all);
}

/**
 * The smallest equivalent transpose: size-1 axes dropped, and axes that stay adjacent and in order
 * merged.
 *
 * @example
 * ```ts
 * collapsePermutation([2, 3, 4, 5], [1, 0, 2, 3]); // { shape: [2, 3, 20], perm: [1, 0, 2] }
 * ```
 */
export function collapsePermutation(shape: readonly number[], perm: readonly number[]): { shape: number[]; perm: number[] } {
  const kept = perm.filter((p) => shape[p]! !== 1);
  // Runs of consecutive input axes in output order become one axis.
  const runs: number[][] = [];
  for (const p of kept) {
    const last = runs.at(-1);
    if (last && last.at(-1)! + 1 === p) last.push(p);
    else runs.push([p]);
  }
  const byInput = [...runs].sort((a, b) => a[0]! - b[0]!);
  const outShape = byInput.map((run) => run.reduce((n, p) => n * shape[p]!, 1));
  return { shape: outShape, perm: runs.map((run) => byInput.indexOf(run)) };
}

/**
 * Sizes of one 2-D convolution: input `n, c, h, w`; weights `o, cg` (channels per group), `kh, kw`;
 * output `oh, ow`; `g` groups of `og` output channels; stride `sh, sw`; top/left padding `pt, pl`;
 * dilation `dh, dw`.
 */
export interface ConvGeometry {
  n: number; c: number; h: number; w: number;
  o: number; cg: number; kh: number; kw: number;
  oh: number; ow: number; g: number; og: number;
  sh: number; sw: number; pt: number; pl: number; dh: number; dw: number;
}

/**
 * The {@link ConvGeometry} of a conv2d kernel call (`x` NCHW, `w` OIHW, `y` NCHW shapes).
 * @example
 * ```ts
 * convGeometry([1, 3, 8, 8], [4, 3, 3, 3], [1, 4, 6, 6], params).og; // 4 when groups = 1
 * ```
 */
export function convGeometry(xShape: readonly number[], wShape: readonly number[], yShape: readonly number[], p: Conv2dParams): ConvGeometry {
  const [n = 0, c = 0, h = 0, w = 0] = xShape;
  const [o = 0, cg = 0, kh = 0, kw = 0] = wShape;
  const [, , oh = 0, ow = 0] = yShape;
  const g = p.groups;
  return {
    n, c, h, w, o, cg, kh, kw, oh, ow, g, og: o / g,
    sh: p.stride[0], sw: p.stride[1], pt: p.padding[0], pl: p.padding[2], dh: p.dilation[0], dw: p.dilation[1],
  };
}

/** Sizes of one 2-D pooling: `planes = n·c` images of `h × w`, output `oh × ow`, window, stride, padding (top, bottom, left, right) and dilation. */
export interface PoolGeometry {
  planes: number; h: number; w: number; oh: number; ow: number;
  kh: number; kw: number; sh: number; sw: number; pt: number; pb: number; pl: number; pr: number; dh: number; dw: number;
}

/**
 * The {@link PoolGeometry} of a pooling kernel call (`x` and `y` NCHW shapes).
 * @example
 * ```ts
 * poolGeometry([2, 3, 8, 8], [2, 3, 4, 4], params).planes; // 6
 * ```
 */
export function poolGeometry(xShape: readonly number[], yShape: readonly number[], p: Pool2dParams): PoolGeometry {
  const [n = 0, c = 0, h = 0, w = 0] = xShape;
  const [, , oh = 0, ow = 0] = yShape;
  return {
    planes: n * c, h, w, oh, ow,
    kh: p.kernelSize[0], kw: p.kernelSize[1], sh: p.stride[0], sw: p.stride[1],
    pt: p.padding[0], pb: p.padding[1], pl: p.padding[2], pr: p.padding[3], dh: p.dilation[0], dw: p.dilation[1],
  };
}

/** The constants of one Adam/AdamW update (see {@link adamScalars}). */
export interface AdamScalars {
  /** Decoupled decay factor `1 − lr·λ` (1 without decoupled decay). */
  readonly decay: number;
  /** L2 coefficient `λ` added to the gradient as `λ·p` (0 without L2 decay). */
  readonly l2: number;
  readonly beta1: number;
  readonly oneMinusBeta1: number;
  readonly beta2: number;
  readonly oneMinusBeta2: number;
  /** `√(1 − β₂ᵗ)`. */
  readonly sqrtBiasCorrection2: number;
  readonly eps: number;
  /** `−lr / (1 − β₁ᵗ)`. */
  readonly negStepSize: number;
}

/**
 * The constants of one Adam/AdamW update, computed in float64 (PyTorch's order) so that every
 * backend and tensor-core's composite round the same numbers once to the tensor dtype.
 * @example
 * ```ts
 * adamScalars({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, maximize: false, step: 1 }).negStepSize; // -0.01
 * ```
 */
export function adamScalars(h: AdamHyperparameters): AdamScalars {
  const biasCorrection1 = 1 - h.beta1 ** h.step;
  const biasCorrection2 = 1 - h.beta2 ** h.step;
  return {
    decay: h.weightDecay !== 0 && h.decoupled ? 1 - h.lr * h.weightDecay : 1,
    l2: h.weightDecay !== 0 && !h.decoupled ? h.weightDecay : 0,
    beta1: h.beta1,
    oneMinusBeta1: 1 - h.beta1,
    beta2: h.beta2,
    oneMinusBeta2: 1 - h.beta2,
    sqrtBiasCorrection2: Math.sqrt(biasCorrection2),
    eps: h.eps,
    negStepSize: -(h.lr / biasCorrection1),
  };
}
