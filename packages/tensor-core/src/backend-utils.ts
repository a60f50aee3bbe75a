/**
 * Helpers for backend authors: the sizes of a convolution or pooling window read from the shapes
 * tensor-core passes to a kernel, so every backend derives them the same way.
 */
import type { Conv2dParams, Pool2dParams } from './backend.js';

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

/** The {@link PoolGeometry} of a pooling kernel call (`x` and `y` NCHW shapes). */
export function poolGeometry(xShape: readonly number[], yShape: readonly number[], p: Pool2dParams): PoolGeometry {
  const [n = 0, c = 0, h = 0, w = 0] = xShape;
  const [, , oh = 0, ow = 0] = yShape;
  return {
    planes: n * c, h, w, oh, ow,
    kh: p.kernelSize[0], kw: p.kernelSize[1], sh: p.stride[0], sw: p.stride[1],
    pt: p.padding[0], pb: p.padding[1], pl: p.padding[2], pr: p.padding[3], dh: p.dilation[0], dw: p.dilation[1],
  };
}
