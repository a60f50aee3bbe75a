/**
 * Convolutions (NCHW activations, OIHW weights): `conv2d` (`{ params }`), `conv2dBackpropInput`
 * (`{ params, xShape }`; convTranspose2d is this op), `conv2dBackpropFilter` (`{ params, wShape }`);
 * conv1d and convTranspose2d are built on them.
 */
import type { Conv2dParams } from '../backend.js';
import { runOp } from '../engine.js';
import { defineOp, type AnyOpSpec } from '../op-spec.js';
import { onnxNodes, pads2d, requireBatched } from './onnx-util.js';
import { TensorError, fmtShape, safeJson } from '../errors.js';
import { checkOptions, optionKeys } from '../options.js';
import { shapesEqual, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { reshape, squeeze, unsqueeze } from './reshape.js';
import { requireFloat, requireTensor, withTemps } from './util.js';
import { batched, convOutSize, fourPads, pair, requireSameDtype } from './nn-util.js';

/** Padding of a 2-D convolution: one number, `[h, w]`, `[top, bottom, left, right]`, `'same'` or `'valid'`. */
export type Conv2dPadding = number | readonly [number, number] | readonly [number, number, number, number] | 'same' | 'valid';

/** Options of {@link conv2d}. */
export interface Conv2dOptions {
  /** Step of the window, a number or `[h, w]` (default 1). */
  readonly stride?: number | readonly [number, number];
  /** Zero padding (default 0). `'same'` needs stride 1 and puts any odd extra at the bottom/right, as PyTorch. */
  readonly padding?: Conv2dPadding;
  /** Spacing of the kernel taps, a number or `[h, w]` (default 1). */
  readonly dilation?: number | readonly [number, number];
  /** Channel groups (default 1); must divide both channel counts. */
  readonly groups?: number;
  /** Added per output channel, shape `[O]`. */
  readonly bias?: Tensor;
}

/** Options of {@link conv1d}. */
export interface Conv1dOptions {
  /** Step of the window (default 1). */
  readonly stride?: number;
  /** Zero padding: one number, `[left, right]`, `'same'` or `'valid'` (default 0). */
  readonly padding?: number | readonly [number, number] | 'same' | 'valid';
  /** Spacing of the kernel taps (default 1). */
  readonly dilation?: number;
  /** Channel groups (default 1). */
  readonly groups?: number;
  /** Added per output channel, shape `[O]`. */
  readonly bias?: Tensor;
}

/** Options of {@link convTranspose2d}. */
export interface ConvTranspose2dOptions {
  /** Stride of the matching forward convolution (default 1). */
  readonly stride?: number | readonly [number, number];
  /** Padding of the matching forward convolution: a number, `[h, w]` or `[top, bottom, left, right]` (default 0). */
  readonly padding?: number | readonly [number, number] | readonly [number, number, number, number];
  /** Extra rows/columns at the bottom/right of the output, smaller than the stride (default 0). */
  readonly outputPadding?: number | readonly [number, number];
  /** Dilation (default 1). */
  readonly dilation?: number | readonly [number, number];
  /** Channel groups (default 1). */
  readonly groups?: number;
  /** Added per output channel, shape `[outC]`. */
  readonly bias?: Tensor;
}



/** Checks a resolved Conv2dParams record (for the backprop ops, which take one directly). */
function checkParams(op: string, params: Conv2dParams): Conv2dParams {
  if (typeof params !== 'object' || params === null) throw new TensorError('INVALID_ARGUMENT', op, `params must be a Conv2dParams object, got ${String(params)}`);
  const stride = pair(op, 'stride', params.stride, 1, 1);
  const dilation = pair(op, 'dilation', params.dilation, 1, 1);
  if (!Array.isArray(params.padding) || params.padding.length !== 4) {
    throw new TensorError('INVALID_ARGUMENT', op, `params.padding must be [top, bottom, left, right], got ${safeJson(params.padding)}`);
  }
  const padding = fourPads(op, params.padding);
  const groups = params.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new TensorError('INVALID_ARGUMENT', op, `groups must be a positive integer, got ${String(groups)}`);
  return { stride, padding, dilation, groups };
}

/** Validates `x` `[N, C, H, W]` against a weight shape `[O, C/groups, kH, kW]`; returns the output shape. */
function convShape(op: string, xShape: readonly number[], wShape: readonly number[], p: Conv2dParams, what = 'x'): number[] {
  const [n, c, h, w] = xShape as [number, number, number, number];
  const [o, cg, kh, kw] = wShape as [number, number, number, number];
  if (c !== cg * p.groups) {
    throw new TensorError('SHAPE_MISMATCH', op, `${what} has ${c} channels but the weight expects ${cg} x groups ${p.groups} = ${cg * p.groups}: ${what}.shape=${fmtShape(xShape)}, w.shape=${fmtShape(wShape)}`);
  }
  if (o % p.groups !== 0) {
    throw new TensorError('INVALID_ARGUMENT', op, `groups (${p.groups}) must divide the ${o} output channels of w.shape=${fmtShape(wShape)}`);
  }
  const [pt, pb, pl, pr] = p.padding;
  const [sh, sw] = p.stride;
  const [dh, dw] = p.dilation;
  const effH = dh * (kh - 1) + 1;
  const effW = dw * (kw - 1) + 1;
  if (h + pt + pb < effH || w + pl + pr < effW) {
    throw new TensorError('SHAPE_MISMATCH', op, `kernel (${effH}x${effW} with dilation) is larger than the padded input (${h + pt + pb}x${w + pl + pr}): ${what}.shape=${fmtShape(xShape)}, w.shape=${fmtShape(wShape)}, padding=${fmtShape(p.padding)}`);
  }
  return [n, o, convOutSize(h, kh, sh, pt, pb, dh), convOutSize(w, kw, sw, pl, pr, dw)];
}

function resolveConvParams(op: string, options: Conv2dOptions, kernel: readonly number[]): Conv2dParams {
  const stride = pair(op, 'stride', options.stride, 1, 1);
  const dilation = pair(op, 'dilation', options.dilation, 1, 1);
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new TensorError('INVALID_ARGUMENT', op, `groups must be a positive integer, got ${String(groups)}`);
  let padding: [number, number, number, number];
  if (options.padding === 'valid') {
    padding = [0, 0, 0, 0];
  } else if (options.padding === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1) {
      throw new TensorError('INVALID_ARGUMENT', op, `padding 'same' needs stride 1, got stride ${fmtShape(stride)}`);
    }
    const th = dilation[0] * (kernel[0]! - 1);
    const tw = dilation[1] * (kernel[1]! - 1);
    padding = [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
  } else {
    padding = fourPads(op, options.padding as readonly number[] | number | undefined);
  }
  return { stride, padding, dilation, groups };
}

function addChannelBias(y: Tensor, bias: Tensor | undefined, channels: number, spatialRank: number): Tensor {
  if (bias === undefined) return y;
  return withTemps((temps) => {
    temps.push(y);
    const b = reshape(bias, [1, channels, ...new Array<number>(spatialRank).fill(1)]);
    temps.push(b);
    return y.add(b);
  });
}

function checkBias(op: string, bias: Tensor | undefined, x: Tensor, channels: number): void {
  if (bias === undefined) return;
  requireTensor(op, bias, 'bias');
  requireSameDtype(op, bias, x, 'bias', 'x');
  if (bias.rank !== 1 || bias.shape[0] !== channels) {
    throw new TensorError('SHAPE_MISMATCH', op, `bias must have shape [${channels}] (one per output channel), got ${fmtShape(bias.shape)}`);
  }
}

function conv2dKernel(x: Tensor, w: Tensor, params: Conv2dParams): Tensor {
  return runOp(conv2dSpec, [x, w], { params })[0]!;
}

/**
 * 2-D convolution (cross-correlation, as PyTorch) of `x` `[N, C, H, W]` (or unbatched
 * `[C, H, W]`) with `w` `[O, C/groups, kH, kW]`; the result is `[N, O, outH, outW]` with
 * `outH = floor((H + padTop + padBottom - dilation*(kH-1) - 1) / stride) + 1`.
 *
 * @throws TensorError `SHAPE_MISMATCH` for wrong ranks, a channel mismatch, a kernel larger than
 *   the padded input or a bias not shaped `[O]`; `INVALID_ARGUMENT` for non-positive
 *   stride/dilation/groups, negative padding, groups not dividing the channels, or `'same'` with
 *   a stride; `DTYPE_MISMATCH` for non-float or mixed dtypes.
 * @example
 * ```ts
 * conv2d(ones([1, 1, 3, 3]), ones([1, 1, 2, 2])); // [[[[4, 4], [4, 4]]]]
 * ```
 */
export function conv2d(x: Tensor, w: Tensor, options: Conv2dOptions = {}): Tensor {
  return conv2dOp('conv2d', x, w, options);
}

function conv2dOp(op: string, x: Tensor, w: Tensor, options: Conv2dOptions): Tensor {
  checkOptions(op, options, optionKeys<Conv2dOptions>({ stride: true, padding: true, dilation: true, groups: true, bias: true }));
  requireTensor(op, x);
  requireTensor(op, w, 'w');
  requireFloat(op, x);
  requireSameDtype(op, w, x, 'w', 'x');
  if (w.rank !== 4) throw new TensorError('SHAPE_MISMATCH', op, `w must be [O, C/groups, kH, kW], got shape ${fmtShape(w.shape)}`);
  const params = resolveConvParams(op, options, w.shape.slice(2));
  checkBias(op, options.bias, x, w.shape[0]!);
  return batched(op, x, (x4) => {
    const outShape = convShape(op, x4.shape, w.shape, params);
    return addChannelBias(conv2dKernel(x4, w, params), options.bias, w.shape[0]!, 2);
  });
}

/**
 * 1-D convolution of `x` `[N, C, L]` (or `[C, L]`) with `w` `[O, C/groups, k]`, as a 2-D
 * convolution of height 1.
 *
 * @throws TensorError as {@link conv2d}.
 * @example
 * ```ts
 * conv1d(tensor([[[1, 2, 3]]]), tensor([[[1, 1]]])); // [[[3, 5]]]
 * ```
 */
export function conv1d(x: Tensor, w: Tensor, options: Conv1dOptions = {}): Tensor {
  checkOptions('conv1d', options, optionKeys<Conv1dOptions>({ stride: true, padding: true, dilation: true, groups: true, bias: true }));
  requireTensor('conv1d', x);
  requireTensor('conv1d', w, 'w');
  if (x.rank !== 2 && x.rank !== 3) throw new TensorError('SHAPE_MISMATCH', 'conv1d', `input must be [N, C, L] or unbatched [C, L], got shape ${fmtShape(x.shape)}`);
  if (w.rank !== 3) throw new TensorError('SHAPE_MISMATCH', 'conv1d', `w must be [O, C/groups, k], got shape ${fmtShape(w.shape)}`);
  const scalarOr = (v: unknown, name: string): number => {
    if (v === undefined) return 1;
    if (!Number.isInteger(v) || (v as number) < 1) throw new TensorError('INVALID_ARGUMENT', 'conv1d', `${name} must be a positive integer, got ${safeJson(v)}`);
    return v as number;
  };
  const stride = scalarOr(options.stride, 'stride');
  const dilation = scalarOr(options.dilation, 'dilation');
  let padding: Conv2dPadding;
  const p = options.padding ?? 0;
  if (p === 'same' || p === 'valid') padding = p === 'same' ? 'same' : 'valid';
  else if (typeof p === 'number') padding = [0, 0, p, p];
  else if (Array.isArray(p) && p.length === 2) padding = [0, 0, p[0], p[1]];
  else throw new TensorError('INVALID_ARGUMENT', 'conv1d', `padding must be a non-negative integer, [left, right], 'same' or 'valid', got ${safeJson(p)}`);
  if (padding === 'same' && stride !== 1) throw new TensorError('INVALID_ARGUMENT', 'conv1d', `padding 'same' needs stride 1, got stride ${stride}`);
  return withTemps((temps) => {
    const x4 = unsqueeze(x, -2);
    temps.push(x4);
    const w4 = unsqueeze(w, -2);
    temps.push(w4);
    const y = conv2dOp('conv1d', x4, w4, {
      stride: [1, stride],
      dilation: [1, dilation],
      padding: padding === 'same' ? [0, 0, Math.floor((dilation * (w.shape[2]! - 1)) / 2), dilation * (w.shape[2]! - 1) - Math.floor((dilation * (w.shape[2]! - 1)) / 2)] : padding,
      groups: options.groups ?? 1,
      ...(options.bias ? { bias: options.bias } : {}),
    });
    temps.push(y);
    return squeeze(y, -2);
  });
}

/**
 * Gradient of {@link conv2d} with respect to its input: `dy` `[N, O, outH, outW]` and `w`
 * `[O, C/groups, kH, kW]` give a tensor of `xShape` `[N, C, H, W]`. `params` is the resolved
 * convolution (as the `conv2d` op record carries it). Also the forward of convTranspose2d.
 *
 * @throws TensorError `SHAPE_MISMATCH` when `dy`, `w` and `xShape` are not consistent with
 *   `params`; `INVALID_ARGUMENT` for bad params; `DTYPE_MISMATCH`.
 * @example
 * ```ts
 * const params = { stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 1 } as const;
 * conv2dBackpropInput(ones([1, 1, 2, 2]), ones([1, 1, 2, 2]), [1, 1, 3, 3], params); // [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]
 * ```
 */
export function conv2dBackpropInput(dy: Tensor, w: Tensor, xShape: readonly number[], params: Conv2dParams): Tensor {
  return conv2dBackpropInputOp('conv2dBackpropInput', dy, w, xShape, params);
}

function conv2dBackpropInputOp(op: string, dy: Tensor, w: Tensor, xShape: readonly number[], params: Conv2dParams): Tensor {
  requireTensor(op, dy, 'dy');
  requireTensor(op, w, 'w');
  requireFloat(op, dy);
  requireSameDtype(op, w, dy, 'w', 'dy');
  const p = checkParams(op, params);
  if (dy.rank !== 4 || w.rank !== 4) {
    throw new TensorError('SHAPE_MISMATCH', op, `dy and w must be rank 4, got dy.shape=${fmtShape(dy.shape)}, w.shape=${fmtShape(w.shape)}`);
  }
  if (!Array.isArray(xShape) || xShape.length !== 4 || !xShape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TensorError('INVALID_ARGUMENT', op, `xShape must be [N, C, H, W] of non-negative integers, got ${safeJson(xShape)}`);
  }
  const expected = convShape(op, xShape, w.shape, p, 'xShape');
  if (!shapesEqual(expected, dy.shape)) {
    throw new TensorError('SHAPE_MISMATCH', op, `dy.shape=${fmtShape(dy.shape)} does not match the convolution of xShape=${fmtShape(xShape)} with w.shape=${fmtShape(w.shape)}, which gives ${fmtShape(expected)}`);
  }
  return runOp(conv2dBackpropInputSpec, [dy, w], { params: p, xShape: [...xShape] })[0]!;
}

/**
 * Gradient of {@link conv2d} with respect to its weights: `x` `[N, C, H, W]` and `dy`
 * `[N, O, outH, outW]` give a tensor of `wShape` `[O, C/groups, kH, kW]`.
 *
 * @throws TensorError `SHAPE_MISMATCH` when `x`, `dy` and `wShape` are not consistent with
 *   `params`; `INVALID_ARGUMENT` for bad params; `DTYPE_MISMATCH`.
 * @example
 * ```ts
 * const params = { stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 1 } as const;
 * conv2dBackpropFilter(ones([1, 1, 3, 3]), ones([1, 1, 2, 2]), [1, 1, 2, 2], params); // [[[[4, 4], [4, 4]]]]
 * ```
 */
export function conv2dBackpropFilter(x: Tensor, dy: Tensor, wShape: readonly number[], params: Conv2dParams): Tensor {
  const op = 'conv2dBackpropFilter';
  requireTensor(op, x);
  requireTensor(op, dy, 'dy');
  requireFloat(op, x);
  requireSameDtype(op, dy, x, 'dy', 'x');
  const p = checkParams(op, params);
  if (x.rank !== 4 || dy.rank !== 4) {
    throw new TensorError('SHAPE_MISMATCH', op, `x and dy must be rank 4, got x.shape=${fmtShape(x.shape)}, dy.shape=${fmtShape(dy.shape)}`);
  }
  if (!Array.isArray(wShape) || wShape.length !== 4 || !wShape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TensorError('INVALID_ARGUMENT', op, `wShape must be [O, C/groups, kH, kW] of non-negative integers, got ${safeJson(wShape)}`);
  }
  const expected = convShape(op, x.shape, wShape, p);
  if (!shapesEqual(expected, dy.shape)) {
    throw new TensorError('SHAPE_MISMATCH', op, `dy.shape=${fmtShape(dy.shape)} does not match the convolution of x.shape=${fmtShape(x.shape)} with wShape=${fmtShape(wShape)}, which gives ${fmtShape(expected)}`);
  }
  return runOp(conv2dBackpropFilterSpec, [x, dy], { params: p, wShape: [...wShape] })[0]!;
}

/**
 * Transposed 2-D convolution (PyTorch `conv_transpose2d`) of `x` `[N, inC, H, W]` (or
 * unbatched) with `w` in PyTorch's layout `[inC, outC/groups, kH, kW]`. The output is
 * `[N, outC, outH, outW]` with `outH = (H-1)*stride - padTop - padBottom + dilation*(kH-1) +
 * outputPadding + 1`. It is the input gradient of the convolution that maps the output back to
 * `x`, whose OIHW weight is exactly `w`, so it runs the `conv2dBackpropInput` kernel unchanged.
 *
 * @throws TensorError `SHAPE_MISMATCH` for wrong ranks, a channel mismatch, an empty output or a
 *   bad bias; `INVALID_ARGUMENT` for bad stride/padding/dilation/groups or an outputPadding not
 *   smaller than the stride; `DTYPE_MISMATCH`.
 * @example
 * ```ts
 * convTranspose2d(ones([1, 1, 2, 2]), ones([1, 1, 2, 2])); // [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]
 * ```
 */
export function convTranspose2d(x: Tensor, w: Tensor, options: ConvTranspose2dOptions = {}): Tensor {
  checkOptions('convTranspose2d', options, optionKeys<ConvTranspose2dOptions>({ stride: true, padding: true, outputPadding: true, dilation: true, groups: true, bias: true }));
  const op = 'convTranspose2d';
  requireTensor(op, x);
  requireTensor(op, w, 'w');
  requireFloat(op, x);
  requireSameDtype(op, w, x, 'w', 'x');
  if (w.rank !== 4) throw new TensorError('SHAPE_MISMATCH', op, `w must be [inC, outC/groups, kH, kW], got shape ${fmtShape(w.shape)}`);
  const stride = pair(op, 'stride', options.stride, 1, 1);
  const dilation = pair(op, 'dilation', options.dilation, 1, 1);
  const padding = fourPads(op, options.padding as readonly number[] | number | undefined);
  const outputPadding = pair(op, 'outputPadding', options.outputPadding, 0, 0);
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new TensorError('INVALID_ARGUMENT', op, `groups must be a positive integer, got ${String(groups)}`);
  if (outputPadding[0] >= stride[0] || outputPadding[1] >= stride[1]) {
    throw new TensorError('INVALID_ARGUMENT', op, `outputPadding ${fmtShape(outputPadding)} must be smaller than the stride ${fmtShape(stride)}`);
  }
  const [inC, outCg, kh, kw] = w.shape as [number, number, number, number];
  if (inC % groups !== 0) {
    throw new TensorError('INVALID_ARGUMENT', op, `groups (${groups}) must divide the ${inC} input channels of w.shape=${fmtShape(w.shape)}`);
  }
  const outC = outCg * groups;
  checkBias(op, options.bias, x, outC);
  const params: Conv2dParams = { stride, padding, dilation, groups };
  return batched(op, x, (x4) => {
    const [n, c, h, wd] = x4.shape as [number, number, number, number];
    if (c !== inC) {
      throw new TensorError('SHAPE_MISMATCH', op, `x has ${c} channels but w.shape=${fmtShape(w.shape)} expects ${inC}: x.shape=${fmtShape(x.shape)}`);
    }
    const outH = (h - 1) * stride[0] - padding[0] - padding[1] + dilation[0] * (kh - 1) + outputPadding[0] + 1;
    const outW = (wd - 1) * stride[1] - padding[2] - padding[3] + dilation[1] * (kw - 1) + outputPadding[1] + 1;
    if (outH < 1 || outW < 1) {
      throw new TensorError('SHAPE_MISMATCH', op, `the output would be empty (${outH}x${outW}): x.shape=${fmtShape(x.shape)}, w.shape=${fmtShape(w.shape)}, stride=${fmtShape(stride)}, padding=${fmtShape(padding)}`);
    }
    const y = conv2dBackpropInputOp(op, x4, w, [n, outC, outH, outW], params);
    return addChannelBias(y, options.bias, outC, 2);
  });
}

// ---------------------------------------------------------------- op table

/** Attributes of `conv2d`. */
export interface Conv2dAttrs {
  readonly params: Conv2dParams;
}

/** Attributes of `conv2dBackpropInput` (convTranspose2d is this op). */
export interface Conv2dBackpropInputAttrs {
  readonly params: Conv2dParams;
  readonly xShape: readonly number[];
}

/** Attributes of `conv2dBackpropFilter`. */
export interface Conv2dBackpropFilterAttrs {
  readonly params: Conv2dParams;
  readonly wShape: readonly number[];
}

/** conv2d's options from its kernel parameters (for the rules, which call the public ops). */
function convOptions(p: Conv2dParams): { stride: [number, number]; padding: [number, number, number, number]; dilation: [number, number]; groups: number } {
  return { stride: [...p.stride], padding: [...p.padding], dilation: [...p.dilation], groups: p.groups };
}

/** Input `i`'s gradient reads input `reads[i]`: save exactly those whose gradient is needed. */
function savesFor(reads: readonly number[]): (needs: readonly boolean[]) => { inputs: number[] } {
  return (needs) => ({ inputs: [...new Set(reads.filter((_, i) => needs[i]))] });
}

// Convolution's two backward kernels are each other's adjoints, so conv2d, conv2dBackpropInput
// and conv2dBackpropFilter all differentiate into one another (any order of gradient).
const conv2dSpec = defineOp<Conv2dAttrs>({
  name: 'conv2d',
  family: 'conv',
  summary: '2-D cross-correlation of `x` `[N, C, H, W]` with `w` `[O, C/groups, kH, kW]`.',
  kind: 'kernel',
  backendKernel: 'conv2d',
  onnx: onnxNodes(['Conv'], (ctx) => {
    requireBatched(ctx, 'Conv');
    const p = ctx.attrs.params;
    const w = ctx.inputShapes[1]!;
    ctx.graph.node('Conv', [ctx.inputs[0]!, ctx.inputs[1]!], ctx.outputs, { kernel_shape: [w[2]!, w[3]!], strides: p.stride, pads: pads2d(p.padding), dilations: p.dilation, group: p.groups });
  }),
  infer: ([x, w], { params }) => [{ shape: convShape('conv2d', x!.shape, w!.shape, params), dtype: x!.dtype }],
  kernel: (b, [x, w], [o], { params }) => {
    // An empty reduction (no input channels per group) is zero.
    if (sizeOf(x!.shape) === 0 || sizeOf(w!.shape) === 0) b.fill(o!, 0);
    else b.conv2d(x!, w!, params, o!);
  },
  gradient: {
    saves: savesFor([1, 0]),
    savesNote: 'w (input 1) for dx, x (input 0) for dw',
    rule: (dy, { inputs, inputShapes, attrs: { params }, needs }) => [
      needs[0] ? conv2dBackpropInput(dy, inputs[1]!, inputShapes[0]!, params) : undefined,
      needs[1] ? conv2dBackpropFilter(inputs[0]!, dy, inputShapes[1]!, params) : undefined,
    ],
  },
});

// out = Bi(d, w), the adjoint of conv2d in x: d' = conv2d(g, w), w' = Bf(g, d).
const conv2dBackpropInputSpec = defineOp<Conv2dBackpropInputAttrs>({
  name: 'conv2dBackpropInput',
  family: 'conv',
  summary: 'The gradient of conv2d with respect to its input (also convTranspose2d).',
  kind: 'kernel',
  backendKernel: 'conv2dBackpropInput',
  // A transposed convolution is the input gradient of a convolution; the weight layout [inC, outC/g, kH, kW] is ONNX's.
  onnx: onnxNodes(['ConvTranspose'], (ctx) => {
    requireBatched(ctx, 'ConvTranspose');
    const p = ctx.attrs.params;
    const w = ctx.inputShapes[1]!;
    const [, , h, wd] = ctx.inputShapes[0]!;
    const [, , oh, ow] = ctx.outputShapes[0]!;
    const natural = (size: number, k: number, s: number, d: number, pb: number, pe: number): number => s * (size - 1) + d * (k - 1) + 1 - pb - pe;
    const outputPadding = [oh! - natural(h!, w[2]!, p.stride[0], p.dilation[0], p.padding[0], p.padding[1]), ow! - natural(wd!, w[3]!, p.stride[1], p.dilation[1], p.padding[2], p.padding[3])];
    ctx.graph.node('ConvTranspose', [ctx.inputs[0]!, ctx.inputs[1]!], ctx.outputs, {
      kernel_shape: [w[2]!, w[3]!],
      strides: p.stride,
      pads: pads2d(p.padding),
      dilations: p.dilation,
      group: p.groups,
      ...(outputPadding.some((v) => v !== 0) ? { output_padding: outputPadding } : {}),
    });
  }),
  infer: ([dy], { xShape }) => [{ shape: [...xShape], dtype: dy!.dtype }],
  kernel: (b, [dy, w], [o], { params }) => {
    if (sizeOf(dy!.shape) === 0 || sizeOf(w!.shape) === 0) b.fill(o!, 0);
    else b.conv2dBackpropInput(dy!, w!, params, o!);
  },
  gradient: {
    saves: savesFor([1, 0]),
    savesNote: 'input 1 for input 0\'s gradient, input 0 for input 1\'s',
    rule: (g, { inputs, inputShapes, attrs: { params }, needs }) => [
      needs[0] ? conv2d(g, inputs[1]!, convOptions(params)) : undefined,
      needs[1] ? conv2dBackpropFilter(g, inputs[0]!, inputShapes[1]!, params) : undefined,
    ],
  },
});

// out = Bf(x, d), the adjoint of conv2d in w: x' = Bi(d, g), d' = conv2d(x, g).
const conv2dBackpropFilterSpec = defineOp<Conv2dBackpropFilterAttrs>({
  name: 'conv2dBackpropFilter',
  family: 'conv',
  summary: 'The gradient of conv2d with respect to its weights.',
  kind: 'kernel',
  backendKernel: 'conv2dBackpropFilter',
  infer: ([x], { wShape }) => [{ shape: [...wShape], dtype: x!.dtype }],
  kernel: (b, [x, dy], [o], { params }) => {
    if (sizeOf(x!.shape) === 0 || sizeOf(dy!.shape) === 0) b.fill(o!, 0);
    else b.conv2dBackpropFilter(x!, dy!, params, o!);
  },
  gradient: {
    saves: savesFor([1, 0]),
    savesNote: 'input 1 for input 0\'s gradient, input 0 for input 1\'s',
    rule: (g, { inputs, inputShapes, attrs: { params }, needs }) => [
      needs[0] ? conv2dBackpropInput(inputs[1]!, g, inputShapes[0]!, params) : undefined,
      needs[1] ? conv2d(inputs[0]!, g, convOptions(params)) : undefined,
    ],
  },
});

/** @internal The conv family's entries of the op table. */
export const convSpecs: readonly AnyOpSpec[] = [conv2dSpec, conv2dBackpropInputSpec, conv2dBackpropFilterSpec];
