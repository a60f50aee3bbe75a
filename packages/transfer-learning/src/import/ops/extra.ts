/**
 * Less common operators, composed from tensor-core ops (so they differentiate like the rest):
 * inverse and hyperbolic trigonometry, IsInf, Shrink, Trilu, DepthToSpace/SpaceToDepth,
 * EyeLike, OneHot, GatherND, and the two loss operators of training graphs.
 */
import {
  abs, add, atan2, cast, div, exp, gather, isFinite, isNaN, log, logicalAnd, logicalNot, mul, neg, reshape, sign,
  sin, cos, sqrt, sub, tensor, where, zerosLike, greater, less, logSoftmax, takeAlongAxis, type Tensor,
} from '@tessera/tensor-core';
import { hostTensor, numel, stridesOf } from '../host.js';
import type { OpContext, OpSpec } from './types.js';
import { normAxis, unary } from './util.js';

const one = (x: Tensor): Tensor => add(zerosLike(x), 1);

function isInf(ctx: OpContext): Tensor {
  const x = ctx.tensor(0);
  const inf = logicalAnd(logicalNot(isFinite(x)), logicalNot(isNaN(x)));
  const detectPositive = ctx.attrs.int('detect_positive', 1) === 1;
  const detectNegative = ctx.attrs.int('detect_negative', 1) === 1;
  if (detectPositive && detectNegative) return inf;
  if (detectPositive) return logicalAnd(inf, greater(x, 0));
  if (detectNegative) return logicalAnd(inf, less(x, 0));
  return logicalAnd(inf, logicalNot(inf));
}

/** A host-built 0/1 mask of the upper (or lower) triangle of the last two axes, with diagonal offset k. */
function trilu(ctx: OpContext): Tensor {
  const x = ctx.tensor(0);
  if (x.rank < 2) ctx.fail('SHAPE_MISMATCH', `Trilu needs rank >= 2, got shape ${JSON.stringify(x.shape)}`);
  const k = ctx.numbers(1)?.[0] ?? 0;
  const upper = ctx.attrs.int('upper', 1) === 1;
  const rows = x.shape[x.rank - 2]!;
  const cols = x.shape[x.rank - 1]!;
  const mask = new Uint8Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mask[i * cols + j] = upper ? (j - i >= k ? 1 : 0) : (j - i <= k ? 1 : 0);
  return where(tensor(mask, [rows, cols], { dtype: 'bool' }), x, zerosLike(x));
}

function depthToSpace(ctx: OpContext): Tensor {
  const x = ctx.tensor(0);
  const b = ctx.attrs.int('blocksize', 0);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  if (x.rank !== 4 || b < 1 || c % (b * b) !== 0) ctx.fail('INVALID_ARGUMENT', `DepthToSpace needs [N,C,H,W] with C divisible by blocksize² (blocksize ${b}, shape ${JSON.stringify(x.shape)})`);
  const crd = ctx.attrs.string('mode', 'DCR') === 'CRD';
  const t = crd ? reshape(x, [n, c / (b * b), b, b, h, w]).permute([0, 1, 4, 2, 5, 3]) : reshape(x, [n, b, b, c / (b * b), h, w]).permute([0, 3, 4, 1, 5, 2]);
  return reshape(t, [n, c / (b * b), h * b, w * b]);
}

function spaceToDepth(ctx: OpContext): Tensor {
  const x = ctx.tensor(0);
  const b = ctx.attrs.int('blocksize', 0);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  if (x.rank !== 4 || b < 1 || h % b !== 0 || w % b !== 0) ctx.fail('INVALID_ARGUMENT', `SpaceToDepth needs [N,C,H,W] with H and W divisible by blocksize (blocksize ${b}, shape ${JSON.stringify(x.shape)})`);
  const t = reshape(x, [n, c, h / b, b, w / b, b]).permute([0, 3, 5, 1, 2, 4]);
  return reshape(t, [n, c * b * b, h / b, w / b]);
}

function eyeLike(ctx: OpContext): Tensor {
  const x = ctx.inputs[0]!;
  if (x.shape.length !== 2) ctx.fail('SHAPE_MISMATCH', `EyeLike needs a 2-D input, got shape ${JSON.stringify(x.shape)}`);
  const [rows, cols] = x.shape as [number, number];
  const k = ctx.attrs.int('k', 0);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) if (i + k >= 0 && i + k < cols) data[i * cols + i + k] = 1;
  const dtypeAttr = ctx.attrs.int('dtype');
  const like = ctx.tensor(0).dtype;
  const target = dtypeAttr === undefined ? like : dtypeAttr === 1 || dtypeAttr === 11 ? 'float32' : dtypeAttr === 9 ? 'bool' : 'int32';
  return cast(tensor(data, [rows, cols]), target);
}

function oneHotOp(ctx: OpContext): Tensor {
  const indices = ctx.tensor(0);
  const depth = ctx.numbers(1)?.[0];
  const values = ctx.tensor(2);
  if (depth === undefined || !(depth >= 1)) return ctx.fail('INVALID_ARGUMENT', `OneHot depth must be positive, got ${depth}`);
  const d = Math.floor(depth);
  const axis = normAxis(ctx, ctx.attrs.int('axis', -1), indices.rank + 1);
  // Negative indices count from the end, as ONNX says; out-of-range ones give all-off rows.
  const idx = cast(indices, 'float32');
  const wrapped = where(less(idx, 0), add(idx, d), idx);
  const classes = tensor(Float32Array.from({ length: d }, (_, i) => i), [d]);
  const shape = indices.shape.map(() => 1);
  shape.splice(axis, 0, d);
  const hot = wrapped.unsqueeze(axis).equal(reshape(classes, shape));
  const [off, on] = [gather(values, tensor([0], [1], { dtype: 'int32' })), gather(values, tensor([1], [1], { dtype: 'int32' }))];
  return where(hot, reshape(on!, []), reshape(off!, []));
}

/** GatherND: the index tuples become flat offsets (computed on the device), then one gather. */
function gatherNd(ctx: OpContext): Tensor {
  const x = ctx.tensor(0);
  const indices = ctx.tensor(1);
  const batchDims = ctx.attrs.int('batch_dims', 0);
  const q = indices.shape[indices.rank - 1]!;
  if (q > x.rank - batchDims) ctx.fail('SHAPE_MISMATCH', `GatherND index tuples of length ${q} exceed the rank ${x.rank} of the data`);
  const batchShape = x.shape.slice(0, batchDims);
  const batch = numel(batchShape);
  const indexed = x.shape.slice(batchDims, batchDims + q);
  const rest = x.shape.slice(batchDims + q);
  const strides = stridesOf(indexed);
  // [batch, positions, q] indices; offsets = Σ idx·stride (+ batch·numel(indexed)).
  const positions = numel(indices.shape.slice(batchDims, -1));
  const idx = reshape(cast(indices, 'int32'), [batch, positions, q]);
  const wrapped = where(less(idx, 0), add(idx, tensor(Int32Array.from(indexed), [q], { dtype: 'int32' })), idx);
  let offsets = mul(wrapped, tensor(Int32Array.from(strides), [q], { dtype: 'int32' })).sum(2);
  const base = tensor(Int32Array.from({ length: batch }, (_, i) => i * numel(indexed)), [batch, 1], { dtype: 'int32' });
  offsets = add(offsets, base);
  const flat = reshape(x, [batch * numel(indexed), ...rest]);
  const picked = gather(flat, reshape(offsets, [batch * positions]), 0);
  return reshape(picked, [...batchShape, ...indices.shape.slice(batchDims, -1), ...rest]);
}

/** The less common operators by ONNX op type. */
export const extraOps: Record<string, OpSpec> = {
  Tan: unary((x) => div(sin(x), cos(x)), Math.tan),
  Asin: unary((x) => atan2(x, sqrt(sub(1, mul(x, x)))), Math.asin),
  Acos: unary((x) => atan2(sqrt(sub(1, mul(x, x))), x), Math.acos),
  Atan: unary((x) => atan2(x, one(x)), Math.atan),
  Sinh: unary((x) => div(sub(exp(x), exp(neg(x))), 2), Math.sinh),
  Cosh: unary((x) => div(add(exp(x), exp(neg(x))), 2), Math.cosh),
  Asinh: unary((x) => mul(sign(x), log(add(abs(x), sqrt(add(mul(x, x), 1))))), Math.asinh),
  Acosh: unary((x) => log(add(x, sqrt(sub(mul(x, x), 1)))), Math.acosh),
  Atanh: unary((x) => mul(log(div(add(1, x), sub(1, x))), 0.5), Math.atanh),
  IsInf: { run: (ctx) => [isInf(ctx)], host: (ctx, [x]) => {
    const pos = ctx.attrs.int('detect_positive', 1) === 1;
    const neg_ = ctx.attrs.int('detect_negative', 1) === 1;
    return [hostTensor('bool', x!.shape, Array.from(x!.data, (v) => ((v === Infinity && pos) || (v === -Infinity && neg_) ? 1 : 0)))];
  } },
  Shrink: unary((x, ctx) => {
    const lambd = ctx.attrs.float('lambd', 0.5);
    const bias = ctx.attrs.float('bias', 0);
    return where(less(x, -lambd), add(x, bias), where(greater(x, lambd), sub(x, bias), zerosLike(x)));
  }),
  Trilu: { staticInputs: [1], run: (ctx) => [trilu(ctx)] },
  DepthToSpace: { run: (ctx) => [depthToSpace(ctx)] },
  SpaceToDepth: { run: (ctx) => [spaceToDepth(ctx)] },
  EyeLike: { run: (ctx) => [eyeLike(ctx)] },
  OneHot: { staticInputs: [1], run: (ctx) => [oneHotOp(ctx)] },
  GatherND: { run: (ctx) => [gatherNd(ctx)] },
};

/** NegativeLogLikelihoodLoss on log-probabilities `[N, C, d...]` with class targets `[N, d...]`. */
function nllLoss(ctx: OpContext, logProb: Tensor, targetIndex: number, weightIndex: number): Tensor {
  const target = cast(ctx.tensor(targetIndex), 'int32');
  const weight = ctx.optionalTensor(weightIndex);
  const reduction = ctx.attrs.string('reduction', 'mean');
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') ctx.fail('INVALID_ARGUMENT', `reduction must be mean, sum or none, got '${reduction}'`);
  const ignore = ctx.attrs.int('ignore_index');
  const valid = ignore === undefined ? undefined : logicalNot(target.equal(ignore));
  // Ignored positions read class 0 and get weight 0.
  const safe = valid ? where(valid, target, zerosLike(target)) : target;
  const picked = takeAlongAxis(logProb, safe.unsqueeze(1), 1).squeeze(1);
  let w: Tensor | undefined = weight ? gather(weight, safe) : undefined;
  if (valid) w = w ? where(valid, w, zerosLike(w)) : cast(valid, logProb.dtype);
  const losses = w ? neg(mul(picked, w)) : neg(picked);
  if (reduction === 'none') return losses;
  if (reduction === 'sum') return losses.sum();
  return w ? div(losses.sum(), w.sum()) : losses.mean();
}

extraOps['NegativeLogLikelihoodLoss'] = { run: (ctx) => [nllLoss(ctx, ctx.tensor(0), 1, 2)] };
extraOps['SoftmaxCrossEntropyLoss'] = {
  run: (ctx) => {
    const logProb = logSoftmax(ctx.tensor(0), 1);
    return [nllLoss(ctx, logProb, 1, 2), logProb];
  },
};
