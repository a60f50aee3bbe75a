/** Neural-network ONNX operators: convolutions, pooling, normalizations, Gemm/MatMul, softmax, Resize. */
import {
  add, avgPool2d, batchNorm, cast, conv2d, convTranspose2d, div, gather, layerNorm, logSoftmax, matmul, maxPool2d,
  mean, mul, ones, pad, oneHot, argmax, reshape, softmax, sqrt, sub, tensor, unobserved, tidy, max as maxReduce, type Tensor,
} from '@tessera/tensor-core';
import { numel, type Value } from '../host.js';
import type { NodeProto } from '../../proto/index.js';
import type { OpContext, OpSpec } from './types.js';
import { normAxis } from './util.js';

// ------------------------------------------------------------------------------ conv / pool geometry

interface Geometry {
  strides: number[];
  dilations: number[];
  /** Begin pads then end pads, one per spatial axis (ONNX order). */
  pads: number[];
}

function geometry(ctx: OpContext, spatial: readonly number[], kernel: readonly number[], transposed = false): Geometry {
  const k = kernel.length;
  const strides = ctx.attrs.ints('strides') ?? new Array<number>(k).fill(1);
  const dilations = ctx.attrs.ints('dilations') ?? new Array<number>(k).fill(1);
  let pads = ctx.attrs.ints('pads') ?? new Array<number>(2 * k).fill(0);
  const autoPad = ctx.attrs.string('auto_pad', 'NOTSET');
  if (strides.length !== k || dilations.length !== k || pads.length !== 2 * k) {
    ctx.fail('INVALID_ARGUMENT', `strides ${JSON.stringify(strides)}, dilations ${JSON.stringify(dilations)} and pads ${JSON.stringify(pads)} do not fit a ${k}-D kernel`);
  }
  if ((autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') && !transposed) {
    pads = new Array<number>(2 * k).fill(0);
    for (let i = 0; i < k; i++) {
      const out = Math.ceil(spatial[i]! / strides[i]!);
      const total = Math.max(0, (out - 1) * strides[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - spatial[i]!);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + k] = total - pads[i]!;
    }
  } else if (autoPad === 'VALID') {
    pads = new Array<number>(2 * k).fill(0);
  } else if (autoPad !== 'NOTSET' && !(transposed && autoPad.startsWith('SAME'))) {
    ctx.fail('UNSUPPORTED', `auto_pad '${autoPad}' is not supported`);
  }
  return { strides, dilations, pads };
}

/** Runs a 2-D op on 1-D data (`[N, C, L]` as `[N, C, 1, L]`). */
function as2d(x: Tensor): Tensor {
  return reshape(x, [x.shape[0]!, x.shape[1]!, 1, x.shape[2]!]);
}
function from2d(y: Tensor): Tensor {
  return reshape(y, [y.shape[0]!, y.shape[1]!, y.shape[3]!]);
}

function requireSpatial(ctx: OpContext, x: Tensor): void {
  if (x.rank !== 3 && x.rank !== 4) ctx.fail('UNSUPPORTED', `only 1-D and 2-D spatial inputs are supported, got input shape ${JSON.stringify(x.shape)}`);
}

function conv(ctx: OpContext): Tensor {
  const x = ctx.tensor(0);
  const w = ctx.tensor(1);
  const b = ctx.optionalTensor(2);
  requireSpatial(ctx, x);
  const oneD = x.rank === 3;
  const kernel = ctx.attrs.ints('kernel_shape') ?? w.shape.slice(2);
  const g = geometry(ctx, x.shape.slice(2), kernel);
  const groups = ctx.attrs.int('group', 1);
  const x4 = oneD ? as2d(x) : x;
  const w4 = oneD ? as2d(w) : w;
  const s = oneD ? [1, g.strides[0]!] : g.strides;
  const d = oneD ? [1, g.dilations[0]!] : g.dilations;
  // tensor-core takes [top, bottom, left, right].
  const padding = oneD ? [0, 0, g.pads[0]!, g.pads[1]!] : [g.pads[0]!, g.pads[2]!, g.pads[1]!, g.pads[3]!];
  const y = conv2d(x4, w4, {
    stride: [s[0]!, s[1]!],
    dilation: [d[0]!, d[1]!],
    padding: padding as [number, number, number, number],
    groups,
    ...(b ? { bias: b } : {}),
  });
  return oneD ? from2d(y) : y;
}

function convTranspose(ctx: OpContext): Tensor {
  const x = ctx.tensor(0);
  const w = ctx.tensor(1);
  const b = ctx.optionalTensor(2);
  requireSpatial(ctx, x);
  const oneD = x.rank === 3;
  const kernel = ctx.attrs.ints('kernel_shape') ?? w.shape.slice(2);
  const k = kernel.length;
  const g = geometry(ctx, x.shape.slice(2), kernel, true);
  const groups = ctx.attrs.int('group', 1);
  let outputPadding = ctx.attrs.ints('output_padding') ?? new Array<number>(k).fill(0);
  let pads = g.pads;
  const outputShape = ctx.attrs.ints('output_shape');
  const autoPad = ctx.attrs.string('auto_pad', 'NOTSET');
  if (outputShape !== undefined || autoPad.startsWith('SAME')) {
    // ONNX: total_padding = stride*(in-1) + output_padding + ((k-1)*d+1) - out_shape.
    const target = outputShape?.slice(-k) ?? x.shape.slice(2).map((n, i) => n * g.strides[i]!);
    pads = new Array<number>(2 * k).fill(0);
    outputPadding = [...outputPadding];
    for (let i = 0; i < k; i++) {
      const full = g.strides[i]! * (x.shape[2 + i]! - 1) + outputPadding[i]! + (kernel[i]! - 1) * g.dilations[i]! + 1;
      let total = full - target[i]!;
      if (total < 0) {
        outputPadding[i]! -= total;
        total = 0;
      }
      const lower = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : total - Math.floor(total / 2);
      pads[i] = outputShape !== undefined && autoPad !== 'SAME_UPPER' ? Math.floor(total / 2) : lower;
      pads[i + k] = total - pads[i]!;
    }
  }
  const x4 = oneD ? as2d(x) : x;
  const w4 = oneD ? as2d(w) : w;
  const s = oneD ? [1, g.strides[0]!] : g.strides;
  const d = oneD ? [1, g.dilations[0]!] : g.dilations;
  const op = oneD ? [0, outputPadding[0]!] : outputPadding;
  const padding = oneD ? [0, 0, pads[0]!, pads[1]!] : [pads[0]!, pads[2]!, pads[1]!, pads[3]!];
  const y = convTranspose2d(x4, w4, {
    stride: [s[0]!, s[1]!],
    dilation: [d[0]!, d[1]!],
    padding: padding as [number, number, number, number],
    outputPadding: [op[0]!, op[1]!],
    groups,
    ...(b ? { bias: b } : {}),
  });
  return oneD ? from2d(y) : y;
}

function pool(ctx: OpContext, kind: 'max' | 'avg'): Tensor {
  const x = ctx.tensor(0);
  requireSpatial(ctx, x);
  const oneD = x.rank === 3;
  const kernel = ctx.attrs.ints('kernel_shape');
  if (kernel === undefined) ctx.fail('INVALID_ARGUMENT', 'kernel_shape is required');
  const g = geometry(ctx, x.shape.slice(2), kernel);
  const ceilMode = ctx.attrs.int('ceil_mode', 0) === 1;
  if (kind === 'avg' && g.dilations.some((v) => v !== 1)) ctx.fail('UNSUPPORTED', 'AveragePool with dilations is not supported');
  if (ctx.node.output.length > 1 && ctx.node.output[1] !== '') ctx.fail('UNSUPPORTED', 'MaxPool Indices output is not supported');
  if (ctx.attrs.int('storage_order', 0) !== 0) ctx.fail('UNSUPPORTED', 'MaxPool storage_order=1 is not supported');
  const x4 = oneD ? as2d(x) : x;
  const kh = oneD ? 1 : kernel[0]!;
  const kw = oneD ? kernel[0]! : kernel[1]!;
  const stride: [number, number] = oneD ? [1, g.strides[0]!] : [g.strides[0]!, g.strides[1]!];
  const dilation: [number, number] = oneD ? [1, g.dilations[0]!] : [g.dilations[0]!, g.dilations[1]!];
  // [top, bottom, left, right]
  const p = oneD ? [0, 0, g.pads[0]!, g.pads[1]!] : [g.pads[0]!, g.pads[2]!, g.pads[1]!, g.pads[3]!];
  const symmetric = p[0] === p[1] && p[2] === p[3] && p[0]! <= Math.floor(kh / 2) && p[2]! <= Math.floor(kw / 2);
  let y: Tensor;
  if (kind === 'max') {
    if (symmetric) {
      y = maxPool2d(x4, { kernelSize: [kh, kw], stride, dilation, padding: [p[0]!, p[2]!], ceilMode });
    } else {
      const padded = pad(x4, [[0, 0], [0, 0], [p[0]!, p[1]!], [p[2]!, p[3]!]], { value: -Infinity });
      y = maxPool2d(padded, { kernelSize: [kh, kw], stride, dilation, ceilMode });
    }
  } else {
    const includePad = ctx.attrs.int('count_include_pad', 0) === 1;
    if (symmetric) {
      y = avgPool2d(x4, { kernelSize: [kh, kw], stride, padding: [p[0]!, p[2]!], ceilMode, countIncludePad: includePad });
    } else {
      // Asymmetric pads: pool the zero-padded input and divide by the pooled mask of counted positions.
      const pairs: [number, number][] = [[0, 0], [0, 0], [p[0]!, p[1]!], [p[2]!, p[3]!]];
      const padded = pad(x4, pairs);
      const mask = pad(ones([1, 1, x4.shape[2]!, x4.shape[3]!]), pairs, { value: includePad ? 1 : 0 });
      const options = { kernelSize: [kh, kw] as [number, number], stride, ceilMode, countIncludePad: true };
      y = div(avgPool2d(padded, options), avgPool2d(mask, options));
    }
  }
  return oneD ? from2d(y) : y;
}

// ------------------------------------------------------------------------------ normalization

function batchNormalization(ctx: OpContext): Value[] {
  const x = ctx.tensor(0);
  const scale = ctx.tensor(1);
  const bias = ctx.tensor(2);
  const runningMean = ctx.tensor(3);
  const runningVar = ctx.tensor(4);
  const eps = ctx.attrs.float('epsilon', 1e-5);
  // ONNX: running = running·momentum + batch·(1 − momentum), i.e. PyTorch's momentum is 1 − this.
  const momentum = ctx.attrs.float('momentum', 0.9);
  // Opset 14+: training_mode=1 makes a training graph; before, extra outputs meant training.
  const fileTraining = ctx.opset >= 14 && ctx.attrs.int('training_mode', 0) === 1;
  const trainingMode = fileTraining || ctx.training;
  const wanted = ctx.node.output.length;
  if (!trainingMode) {
    const y = batchNorm(x, runningMean, runningVar, { eps, weight: scale, bias });
    // Old training-graph exports declare statistics outputs; in eval mode they are the running ones.
    return [y, runningMean, runningVar, runningMean, runningVar].slice(0, Math.max(1, wanted));
  }
  const c = x.shape[1]!;
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const count = x.size / c;
  if (count <= 1) ctx.fail('SHAPE_MISMATCH', `expected more than 1 value per channel when training, got input shape ${JSON.stringify(x.shape)}`);
  const m = mean(x, axes, true);
  const batchMean = reshape(m, [c]);
  const batchVar = mean(sub(x, m).square(), axes);
  const y = batchNorm(x, batchMean, batchVar, { eps, weight: scale, bias });
  if (fileTraining) {
    // A training graph: the updated statistics are outputs (ONNX's formula, biased variance).
    return [y, add(mul(runningMean, momentum), mul(batchMean, 1 - momentum)), add(mul(runningVar, momentum), mul(batchVar, 1 - momentum))].slice(0, wanted);
  }
  const meanVar = ctx.state.variableOf(3);
  const varVar = ctx.state.variableOf(4);
  const unbiased = count / (count - 1);
  if (meanVar && varVar) {
    // PyTorch's update (unbiased variance for the running estimate), what fine-tuning a
    // PyTorch-trained model expects.
    unobserved(() =>
      tidy(() => {
        meanVar.assign(add(mul(meanVar, momentum), mul(batchMean, 1 - momentum)));
        varVar.assign(add(mul(varVar, momentum), mul(batchVar, (1 - momentum) * unbiased)));
      }),
    );
  }
  if (wanted === 1) return [y];
  const newMean = meanVar ?? add(mul(runningMean, momentum), mul(batchMean, 1 - momentum));
  const newVar = varVar ?? add(mul(runningVar, momentum), mul(batchVar, (1 - momentum) * unbiased));
  return [y, newMean, newVar, batchMean, batchVar].slice(0, wanted);
}

function layerNormalization(ctx: OpContext): Value[] {
  const x = ctx.tensor(0);
  const axis = normAxis(ctx, ctx.attrs.int('axis', -1), x.rank);
  const eps = ctx.attrs.float('epsilon', 1e-5);
  const scale = ctx.tensor(1);
  if (ctx.node.output.length > 1 && ctx.node.output.slice(1).some((o) => o !== '')) {
    // Training-graph form with the saved statistics: compose it.
    const axes = x.shape.map((_, i) => i).slice(axis);
    const m = mean(x, axes, true);
    const centered = sub(x, m);
    const invStd = sqrt(add(mean(centered.square(), axes, true), eps)).reciprocal();
    let y = mul(mul(centered, invStd), scale);
    const bias = ctx.optionalTensor(2);
    if (bias) y = add(y, bias);
    return [y, m, invStd];
  }
  const b = ctx.optionalTensor(2);
  const normalized = x.shape.slice(axis);
  const fits = (t: Tensor): boolean => t.rank <= normalized.length && t.shape.every((d, i) => d === normalized[normalized.length - t.rank + i]);
  if (fits(scale) && scale.rank === normalized.length && (!b || (fits(b) && b.rank === normalized.length))) {
    return [layerNorm(x, normalized, { eps, weight: scale, ...(b ? { bias: b } : {}) })];
  }
  const y = mul(layerNorm(x, normalized, { eps }), scale);
  return [b ? add(y, b) : y];
}

function instanceNormalization(ctx: OpContext): Tensor {
  const x = ctx.tensor(0);
  const scale = ctx.tensor(1);
  const b = ctx.tensor(2);
  const eps = ctx.attrs.float('epsilon', 1e-5);
  const axes = x.shape.map((_, i) => i).slice(2);
  const m = mean(x, axes, true);
  const centered = sub(x, m);
  const v = mean(centered.square(), axes, true);
  const bshape = [1, x.shape[1]!, ...new Array<number>(x.rank - 2).fill(1)];
  return add(mul(div(centered, sqrt(add(v, eps))), reshape(scale, bshape)), reshape(b, bshape));
}

// ------------------------------------------------------------------------------ matmul family

function gemm(ctx: OpContext): Tensor {
  const a = ctx.tensor(0);
  const b = ctx.tensor(1);
  const c = ctx.optionalTensor(2);
  const alpha = ctx.attrs.float('alpha', 1);
  const beta = ctx.attrs.float('beta', 1);
  if (a.rank !== 2 || b.rank !== 2) ctx.fail('SHAPE_MISMATCH', `Gemm needs 2-D A and B, got ${JSON.stringify(a.shape)} and ${JSON.stringify(b.shape)}`);
  let y = matmul(a, b, { transposeA: ctx.attrs.int('transA', 0) === 1, transposeB: ctx.attrs.int('transB', 0) === 1 });
  if (alpha !== 1) y = mul(y, alpha);
  if (c) y = add(y, beta === 1 ? c : mul(c, beta));
  return y;
}

/** Softmax family: opset < 13 flattens to 2-D at `axis` (default 1); 13+ works on one axis (default -1). */
function softmaxLike(ctx: OpContext, fn: (x: Tensor, axis: number) => Tensor): Tensor {
  const x = ctx.tensor(0);
  if (ctx.opset >= 13) return fn(x, normAxis(ctx, ctx.attrs.int('axis', -1), x.rank));
  const axis = normAxis(ctx, ctx.attrs.int('axis', 1), Math.max(1, x.rank));
  if (axis === x.rank - 1) return fn(x, axis);
  const flat = reshape(x, [numel(x.shape.slice(0, axis)), numel(x.shape.slice(axis))]);
  return reshape(fn(flat, 1), x.shape);
}

function hardmax(ctx: OpContext): Tensor {
  const x = ctx.tensor(0);
  const axis = normAxis(ctx, ctx.attrs.int('axis', -1), x.rank);
  // The first maximum only, as ONNX: one-hot of argmax.
  const moved = axis === x.rank - 1 ? x : x.transpose(axis, x.rank - 1);
  const hot = oneHot(argmax(moved, -1), x.shape[axis]!, { dtype: 'float32' });
  return axis === x.rank - 1 ? hot : hot.transpose(axis, x.rank - 1);
}

// ------------------------------------------------------------------------------ Resize

/** Per-output source coordinates along one axis, by ONNX's coordinate_transformation_mode. */
function sourceCoordinate(mode: string, out: number, inSize: number, outSize: number, scale: number): number {
  switch (mode) {
    case 'half_pixel':
      return (out + 0.5) / scale - 0.5;
    case 'pytorch_half_pixel':
      return outSize > 1 ? (out + 0.5) / scale - 0.5 : 0;
    case 'align_corners':
      // ONNX uses the unrounded resized length (in·scale) when scales are given.
      return outSize === 1 ? 0 : (out * (inSize - 1)) / (inSize * scale - 1);
    case 'asymmetric':
      return out / scale;
    case 'tf_half_pixel_for_nn':
      return (out + 0.5) / scale;
    case 'half_pixel_symmetric': {
      const adjustment = outSize / (scale * inSize);
      const center = inSize / 2;
      const offset = center * (1 - adjustment);
      return offset + (out + 0.5) / scale - 0.5;
    }
    default:
      throw new Error(mode);
  }
}

function nearestIndex(mode: string, x: number, inSize: number): number {
  let i: number;
  switch (mode) {
    case 'floor': i = Math.floor(x); break;
    case 'ceil': i = Math.ceil(x); break;
    case 'round_prefer_ceil': i = Math.round(x); break;
    default: i = x === Math.floor(x) + 0.5 ? Math.floor(x) : Math.round(x); // round_prefer_floor
  }
  return Math.min(Math.max(i, 0), inSize - 1);
}

const RESIZE_COORDINATE_MODES = new Set(['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'half_pixel_symmetric', 'tf_half_pixel_for_nn']);

function resize(ctx: OpContext): Tensor {
  const x = ctx.tensor(0);
  const rank = x.rank;
  const mode = ctx.attrs.string('mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear') ctx.fail('UNSUPPORTED', `Resize mode '${mode}' is not supported (nearest and linear are)`);
  const coordMode = ctx.attrs.string('coordinate_transformation_mode', ctx.node.op_type === 'Upsample' || ctx.opset < 11 ? 'asymmetric' : 'half_pixel');
  if (!RESIZE_COORDINATE_MODES.has(coordMode)) ctx.fail('UNSUPPORTED', `coordinate_transformation_mode '${coordMode}' is not supported`);
  const nearestMode = ctx.attrs.string('nearest_mode', ctx.opset < 11 ? 'floor' : 'round_prefer_floor');
  if (ctx.attrs.int('exclude_outside', 0) !== 0) ctx.fail('UNSUPPORTED', 'Resize exclude_outside=1 is not supported');
  if (ctx.attrs.has('axes') || ctx.attrs.string('keep_aspect_ratio_policy', 'stretch') !== 'stretch') ctx.fail('UNSUPPORTED', 'Resize axes / keep_aspect_ratio_policy are not supported');
  let scales: number[] | undefined;
  let sizes: number[] | undefined;
  if (ctx.node.op_type === 'Upsample') {
    scales = ctx.opset >= 9 ? ctx.numbers(1) : ctx.attrs.floats('scales');
  } else if (ctx.opset < 11) {
    scales = ctx.numbers(1);
  } else {
    const s = ctx.numbers(2);
    scales = s && s.length > 0 ? s : undefined;
    const z = ctx.numbers(3);
    sizes = z && z.length > 0 ? z : undefined;
  }
  if (sizes === undefined && scales === undefined) ctx.fail('INVALID_ARGUMENT', 'Resize needs scales or sizes');
  if ((sizes ?? scales)!.length !== rank) ctx.fail('INVALID_ARGUMENT', `Resize needs one scale or size per axis (${rank}), got ${JSON.stringify(sizes ?? scales)}`);
  const outShape = sizes ?? x.shape.map((d, i) => Math.floor(d * scales![i]!));
  const scaleOf = (i: number): number => (scales ? scales[i]! : outShape[i]! / x.shape[i]!);
  let y = x;
  for (let axis = 0; axis < rank; axis++) {
    const inSize = x.shape[axis]!;
    const outSize = outShape[axis]!;
    if (inSize === outSize && scaleOf(axis) === 1) continue;
    const coords = Array.from({ length: outSize }, (_, o) => sourceCoordinate(coordMode, o, inSize, outSize, scaleOf(axis)));
    if (mode === 'nearest') {
      const idx = tensor(Int32Array.from(coords, (c) => nearestIndex(nearestMode, c, inSize)), [outSize], { dtype: 'int32' });
      y = gather(y, idx, axis);
      continue;
    }
    const lo = new Int32Array(outSize);
    const hi = new Int32Array(outSize);
    const w = new Float32Array(outSize);
    coords.forEach((c, o) => {
      const cc = Math.min(Math.max(c, 0), inSize - 1);
      const f = Math.floor(cc);
      lo[o] = f;
      hi[o] = Math.min(f + 1, inSize - 1);
      w[o] = cc - f;
    });
    const bshape = x.shape.map((_, i) => (i === axis ? outSize : 1));
    const wt = tensor(w, bshape);
    const a = gather(y, tensor(lo, [outSize], { dtype: 'int32' }), axis);
    const b = gather(y, tensor(hi, [outSize], { dtype: 'int32' }), axis);
    y = add(a, mul(sub(b, a), wt));
  }
  return y;
}

const attrOf = (node: NodeProto, name: string) => node.attribute.find((a) => a.name === name);
const text = (node: NodeProto, name: string): string | undefined => {
  const s = attrOf(node, name)?.s;
  return s === undefined ? undefined : new TextDecoder().decode(s);
};
/** 3-D (and higher) kernels are found up front when kernel_shape says so; otherwise at run time. */
function checkSpatial(node: NodeProto): string | undefined {
  const k = attrOf(node, 'kernel_shape')?.ints;
  return k && k.length > 2 ? `${k.length}-D kernels are not supported (1-D and 2-D are)` : undefined;
}
function checkResize(node: NodeProto): string | undefined {
  const mode = text(node, 'mode') ?? 'nearest';
  if (mode !== 'nearest' && mode !== 'linear') return `mode '${mode}' is not supported (nearest and linear are)`;
  const coord = text(node, 'coordinate_transformation_mode');
  if (coord !== undefined && !RESIZE_COORDINATE_MODES.has(coord)) return `coordinate_transformation_mode '${coord}' is not supported`;
  if ((attrOf(node, 'exclude_outside')?.i ?? 0) !== 0) return 'exclude_outside=1 is not supported';
  return undefined;
}

/** The neural-network operators by ONNX op type. */
export const nnOps: Record<string, OpSpec> = {
  Conv: { run: (ctx) => [conv(ctx)], check: checkSpatial },
  ConvTranspose: { run: (ctx) => [convTranspose(ctx)], check: checkSpatial },
  MaxPool: {
    run: (ctx) => [pool(ctx, 'max')],
    check: (node) => checkSpatial(node) ?? (node.output.length > 1 && node.output[1] !== '' ? 'the Indices output is not supported' : undefined),
  },
  AveragePool: { run: (ctx) => [pool(ctx, 'avg')], check: checkSpatial },
  GlobalAveragePool: {
    run: (ctx) => {
      const x = ctx.tensor(0);
      return [mean(x, x.shape.map((_, i) => i).slice(2), true)];
    },
  },
  GlobalMaxPool: {
    run: (ctx) => {
      const x = ctx.tensor(0);
      return [maxReduce(x, x.shape.map((_, i) => i).slice(2), true)];
    },
  },
  BatchNormalization: { run: batchNormalization },
  LayerNormalization: { run: layerNormalization },
  InstanceNormalization: { run: (ctx) => [instanceNormalization(ctx)] },
  Gemm: { run: (ctx) => [gemm(ctx)] },
  MatMul: { run: (ctx) => [matmul(ctx.tensor(0), ctx.tensor(1))] },
  Softmax: { run: (ctx) => [softmaxLike(ctx, (x, a) => softmax(x, a))] },
  LogSoftmax: { run: (ctx) => [softmaxLike(ctx, (x, a) => logSoftmax(x, a))] },
  Hardmax: { run: (ctx) => [hardmax(ctx)] },
  Resize: { staticInputs: [1, 2, 3], run: (ctx) => [resize(ctx)], check: checkResize },
  Upsample: { staticInputs: [1], run: (ctx) => [resize(ctx)], check: checkResize },
};
