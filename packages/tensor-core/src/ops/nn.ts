/**
 * Linear algebra and neural-network ops: matmul, softmax / logSoftmax / layerNorm / batchNorm
 * (fused kernel when the backend has one, a composite otherwise), convolutions, pooling,
 * adaptive pooling and resizing. Layouts are PyTorch's: NCHW activations, OIHW convolution weights.
 *
 * Observed op names (what autograd sees): `matmul` (rank-3 operands, batch 1 or B each; attrs
 * `{ transposeA: false, transposeB: false }`), `softmax` / `logSoftmax` (`{ axis }`, one op
 * whichever path computed it), `layerNorm` (`{ normalizedShape, eps }`, without the affine
 * part, which is an ordinary `mul`/`add` after it), `batchNorm` (inputs `x, mean, variance`
 * then `weight` and `bias` when given; `{ eps, weight: boolean, bias: boolean }`, one op
 * whichever path computed it), `conv2d` (`{ params }`), `conv2dBackpropInput`
 * (`{ params, xShape }`; convTranspose2d is this op), `conv2dBackpropFilter` (`{ params, wShape }`),
 * `maxPool2d`, `avgPool2d` (`{ params }`), `maxPool2dBackward`, `avgPool2dBackward`
 * (`{ params }`). Everything else is a composite.
 */
import type { Conv2dParams, Pool2dParams } from '../backend.js';
import { toTypedArray } from '../dtype.js';
import { asOneOp, fromValues, requireAllocatable, runKernel } from '../engine.js';
import { TensorError, fmtShape, safeJson } from '../errors.js';
import { checkOptions, optionKeys } from '../options.js';
import { broadcastShapes, normalizeAxis, shapesEqual, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { expand, indexSelect, permute, reshape, squeeze, unsqueeze } from './movement.js';
import { requireFloat, requireTensor, withTemps } from './util.js';

// ------------------------------------------------------------------------------------- helpers


function requireSameDtype(op: string, a: Tensor, b: Tensor, aName: string, bName: string): void {
  if (a.dtype !== b.dtype) {
    throw new TensorError('DTYPE_MISMATCH', op, `${aName} has dtype ${a.dtype}, ${bName} has ${b.dtype}; they must match (cast first)`);
  }
}

/** A number or a pair, as a checked pair of integers `>= min`. */
function pair(op: string, name: string, value: number | readonly number[] | undefined, fallback: number, min: number): [number, number] {
  const v = value ?? fallback;
  const p = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : undefined;
  if (!p || !p.every((e) => Number.isInteger(e) && e >= min)) {
    throw new TensorError('INVALID_ARGUMENT', op, `${name} must be an integer >= ${min} or a pair of them, got ${safeJson(value)}`);
  }
  return [p[0]!, p[1]!];
}


/** Runs `fn` on a batched (rank-4) view of `x`, accepting unbatched rank-3 input like PyTorch. */
function batched(op: string, x: Tensor, fn: (x4: Tensor) => Tensor): Tensor {
  if (x.rank !== 3 && x.rank !== 4) {
    throw new TensorError('SHAPE_MISMATCH', op, `input must be [N, C, H, W] or unbatched [C, H, W], got shape ${fmtShape(x.shape)}`);
  }
  if (x.rank === 4) return fn(x);
  return withTemps((temps) => {
    const x4 = unsqueeze(x, 0);
    temps.push(x4);
    const y4 = fn(x4);
    temps.push(y4);
    return squeeze(y4, 0);
  });
}

// ------------------------------------------------------------------------------------- matmul

/** Options of {@link matmul}. */
export interface MatmulOptions {
  /** Multiply by the transpose of `a`'s last two axes (ignored for a 1-D `a`). */
  readonly transposeA?: boolean;
  /** Multiply by the transpose of `b`'s last two axes (ignored for a 1-D `b`). */
  readonly transposeB?: boolean;
}

/**
 * Matrix product with numpy semantics: 1-D operands are promoted to a row (a) or a column (b)
 * and that axis is removed from the result; leading (batch) axes broadcast.
 * `[..., M, K] @ [..., K, N] → [..., M, N]`. Both operands share one numeric dtype.
 *
 * `transposeA`/`transposeB` multiply by the transpose of the last two axes of a rank ≥ 2
 * operand without a copy (the backend kernel reads it transposed).
 *
 * @throws TensorError `SHAPE_MISMATCH` when inner dimensions differ, batch axes don't broadcast,
 *   or an operand is a scalar; `DTYPE_MISMATCH` for different or bool dtypes.
 * @example
 * ```ts
 * matmul(tensor([[1, 2], [3, 4]]), tensor([5, 6])); // [17, 39]
 * matmul(x, w, { transposeB: true });               // x · wᵀ
 * ```
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  checkOptions('matmul', options, optionKeys<MatmulOptions>({ transposeA: true, transposeB: true }));
  requireTensor('matmul', a, 'a');
  requireTensor('matmul', b, 'b');
  if (a.rank === 0 || b.rank === 0) {
    throw new TensorError('SHAPE_MISMATCH', 'matmul', `both operands need at least 1 dimension: a.shape=${fmtShape(a.shape)}, b.shape=${fmtShape(b.shape)}`);
  }
  requireSameDtype('matmul', a, b, 'a', 'b');
  if (a.dtype === 'bool') throw new TensorError('DTYPE_MISMATCH', 'matmul', 'operands must be numeric, got dtype bool');
  const transposeA = a.rank >= 2 && options.transposeA === true;
  const transposeB = b.rank >= 2 && options.transposeB === true;
  const aShape = a.rank === 1 ? [1, a.shape[0]!] : [...a.shape];
  const bShape = b.rank === 1 ? [b.shape[0]!, 1] : [...b.shape];
  // Stored (rows, cols) of each operand; the logical matrix is their transpose when flagged.
  const aRows = aShape[aShape.length - 2]!;
  const aCols = aShape[aShape.length - 1]!;
  const bRows = bShape[bShape.length - 2]!;
  const bCols = bShape[bShape.length - 1]!;
  const [m, k] = transposeA ? [aCols, aRows] : [aRows, aCols];
  const [k2, n] = transposeB ? [bCols, bRows] : [bRows, bCols];
  if (k !== k2) {
    const flags = transposeA || transposeB ? ` with transposeA=${transposeA}, transposeB=${transposeB}` : '';
    throw new TensorError('SHAPE_MISMATCH', 'matmul', `inner dimensions must match: a.shape=${fmtShape(a.shape)}, b.shape=${fmtShape(b.shape)}${flags} (${k} != ${k2})`);
  }
  const aBatch = aShape.slice(0, -2);
  const bBatch = bShape.slice(0, -2);
  let batch: number[];
  try {
    batch = broadcastShapes(aBatch, bBatch, 'matmul');
  } catch {
    throw new TensorError('SHAPE_MISMATCH', 'matmul', `batch dimensions do not broadcast: a.shape=${fmtShape(a.shape)}, b.shape=${fmtShape(b.shape)}`);
  }
  const size = sizeOf(batch);
  const outShape = [...batch, ...(a.rank === 1 ? [] : [m]), ...(b.rank === 1 ? [] : [n])];
  return withTemps((temps) => {
    // Rank-3 operand for the kernel: batch 1 when the operand has no batch to speak of, B when
    // its batch already equals the broadcast one, otherwise materialise the broadcast.
    const to3 = (t: Tensor, tBatch: number[], rows: number, cols: number): Tensor => {
      const padded = [...new Array<number>(batch.length - tBatch.length).fill(1), ...tBatch];
      let src = t;
      if (sizeOf(tBatch) !== 1 && !shapesEqual(padded, batch)) {
        const view = reshape(t, [...tBatch, rows, cols]);
        temps.push(view);
        src = expand(view, [...batch, rows, cols]);
        temps.push(src);
      }
      const r = reshape(src, [sizeOf(tBatch) === 1 ? 1 : size, rows, cols]);
      temps.push(r);
      return r;
    };
    const a3 = to3(a, aBatch, aRows, aCols);
    const b3 = to3(b, bBatch, bRows, bCols);
    const [out] = runKernel('matmul', [a3, b3], { transposeA, transposeB }, [{ shape: [size, m, n], dtype: a.dtype }], (backend, [ai, bi], [o]) => {
      // Kernels never see an empty reduction: a sum over K = 0 is zero.
      if (k === 0) backend.fill(o!, 0);
      else backend.matmul(ai!, bi!, transposeA, transposeB, o!);
    });
    temps.push(out!);
    return reshape(out!, outShape);
  });
}

// ------------------------------------------------------------------------------------- softmax

type FusedKind = 'softmax' | 'logSoftmax';

function softmaxLike(kind: FusedKind, x: Tensor, axis: number): Tensor {
  requireTensor(kind, x);
  requireFloat(kind, x);
  if (x.rank === 0) {
    normalizeAxis(axis, 1, kind);
    return withTemps((temps) => {
      const v = reshape(x, [1]);
      temps.push(v);
      const y = softmaxLike(kind, v, 0);
      temps.push(y);
      return reshape(y, []);
    });
  }
  const a = normalizeAxis(axis, x.rank, kind);
  const attrs = { axis: a };
  const spec = [{ shape: [...x.shape], dtype: x.dtype }];
  const last = a === x.rank - 1;
  const fused = x.backend[kind];
  if (x.size === 0 || (fused && last)) {
    return runKernel(kind, [x], attrs, spec, (backend, [xi], [o]) => backend[kind]!(xi!, o!))[0]!;
  }
  // One observed op either way, so autograd needs one rule per op, whichever path ran.
  return asOneOp(kind, [x], attrs, () => [
    withTemps((temps) => {
      if (fused) {
        const perm = Array.from({ length: x.rank }, (_, i) => i);
        perm.splice(a, 1);
        perm.push(a);
        const inverse = perm.map((_, i) => perm.indexOf(i));
        const moved = permute(x, perm);
        temps.push(moved);
        const [y] = runKernel(kind, [moved], { axis: x.rank - 1 }, spec.map(() => ({ shape: [...moved.shape], dtype: x.dtype })), (backend, [xi], [o]) => backend[kind]!(xi!, o!));
        temps.push(y!);
        return permute(y!, inverse);
      }
      // Numerically stable composite: shift by the max so exp never overflows.
      const m = x.max(a, true);
      temps.push(m);
      const z = x.sub(m);
      temps.push(z);
      const e = z.exp();
      temps.push(e);
      const s = e.sum(a, true);
      temps.push(s);
      if (kind === 'softmax') return e.div(s);
      const l = s.log();
      temps.push(l);
      return z.sub(l);
    }),
  ])[0]!;
}

/**
 * Softmax along `axis` (default last): `exp(x) / sum(exp(x))`, computed stably. Float input.
 *
 * @throws TensorError `DTYPE_MISMATCH` for non-float input; `AXIS_OUT_OF_RANGE`.
 * @example
 * ```ts
 * softmax(tensor([0, Math.log(3)])); // [0.25, 0.75]
 * ```
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  return softmaxLike('softmax', x, axis);
}

/**
 * Log-softmax along `axis` (default last): `x - logSumExp(x)`, computed stably. Float input.
 *
 * @throws TensorError `DTYPE_MISMATCH` for non-float input; `AXIS_OUT_OF_RANGE`.
 * @example
 * ```ts
 * logSoftmax(tensor([0, 0])); // [-0.6931, -0.6931]
 * ```
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return softmaxLike('logSoftmax', x, axis);
}

// ------------------------------------------------------------------------------------- layerNorm

/** Options of {@link layerNorm}. */
export interface LayerNormOptions {
  /** Scale, shaped like `normalizedShape`. */
  readonly weight?: Tensor;
  /** Shift, shaped like `normalizedShape`. */
  readonly bias?: Tensor;
  /** Added to the variance (default 1e-5). */
  readonly eps?: number;
}

/**
 * Layer normalization over the trailing axes `normalizedShape`:
 * `(x - mean) / sqrt(var + eps) * weight + bias`, with the biased variance (PyTorch).
 *
 * @throws TensorError `SHAPE_MISMATCH` when `normalizedShape` is not the trailing shape of `x`
 *   or `weight`/`bias` are not shaped like it; `DTYPE_MISMATCH` for non-float or mixed dtypes;
 *   `INVALID_ARGUMENT` for a non-positive `eps`.
 * @example
 * ```ts
 * layerNorm(tensor([[1, 3]]), [2], { eps: 0 }); // [[-1, 1]]
 * ```
 */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], options: LayerNormOptions = {}): Tensor {
  checkOptions('layerNorm', options, optionKeys<LayerNormOptions>({ weight: true, bias: true, eps: true }));
  requireTensor('layerNorm', x);
  requireFloat('layerNorm', x);
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new TensorError('INVALID_ARGUMENT', 'layerNorm', `normalizedShape must be a non-empty list of positive integers, got ${safeJson(normalizedShape)}`);
  }
  if (shape.length > x.rank || !shapesEqual(x.shape.slice(x.rank - shape.length), shape)) {
    throw new TensorError('SHAPE_MISMATCH', 'layerNorm', `normalizedShape ${fmtShape(shape)} must equal the trailing dimensions of x.shape=${fmtShape(x.shape)}`);
  }
  const eps = options.eps ?? 1e-5;
  if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) {
    throw new TensorError('INVALID_ARGUMENT', 'layerNorm', `eps must be a positive finite number, got ${String(eps)}`);
  }
  for (const [name, p] of [['weight', options.weight], ['bias', options.bias]] as const) {
    if (p === undefined) continue;
    requireTensor('layerNorm', p, name);
    requireSameDtype('layerNorm', p, x, name, 'x');
    if (!shapesEqual(p.shape, shape)) {
      throw new TensorError('SHAPE_MISMATCH', 'layerNorm', `${name}.shape=${fmtShape(p.shape)} must equal normalizedShape ${fmtShape(shape)}`);
    }
  }
  const normSize = sizeOf(shape);
  const axes = shape.map((_, i) => x.rank - shape.length + i);
  const attrs = { normalizedShape: [...shape], eps };
  const spec = [{ shape: [...x.shape], dtype: x.dtype }];
  let y: Tensor;
  if (x.size === 0 || x.backend.layerNorm) {
    y = runKernel('layerNorm', [x], attrs, spec, (backend, [xi], [o]) => backend.layerNorm!(xi!, normSize, eps, o!))[0]!;
  } else {
    y = asOneOp('layerNorm', [x], attrs, () => [
      withTemps((temps) => {
        const mean = x.mean(axes, true);
        temps.push(mean);
        const centered = x.sub(mean);
        temps.push(centered);
        const sq = centered.square();
        temps.push(sq);
        const variance = sq.mean(axes, true);
        temps.push(variance);
        const shifted = variance.add(eps);
        temps.push(shifted);
        const inv = shifted.rsqrt();
        temps.push(inv);
        return centered.mul(inv);
      }),
    ])[0]!;
  }
  if (options.weight) {
    const scaled = y.mul(options.weight);
    y.dispose();
    y = scaled;
  }
  if (options.bias) {
    const shifted = y.add(options.bias);
    y.dispose();
    y = shifted;
  }
  return y;
}

// ------------------------------------------------------------------------------------- batchNorm

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  /** Per-channel scale `[C]`. */
  readonly weight?: Tensor;
  /** Per-channel shift `[C]`. */
  readonly bias?: Tensor;
  /** Added to the variance (default 1e-5). */
  readonly eps?: number;
}

/**
 * Batch normalization of `x` `[N, C, ...]` with given per-channel statistics `mean` and
 * `variance` (`[C]`): `(x - mean) / sqrt(variance + eps) * weight + bias` along axis 1. The
 * statistics are the running ones in evaluation, or the batch's (computed from `x` with
 * differentiable ops) in training; the layers keep the running averages.
 *
 * @throws TensorError `SHAPE_MISMATCH` when `x` has rank below 2 or `mean`, `variance`,
 *   `weight`, `bias` are not `[C]`; `DTYPE_MISMATCH` for non-float or mixed dtypes;
 *   `INVALID_ARGUMENT` for a non-positive `eps`.
 * @example
 * ```ts
 * batchNorm(tensor([[1, 2], [3, 6]]), tensor([2, 4]), tensor([1, 4]), { eps: 0.001 }); // ≈ [[-1, -1], [1, 1]]
 * ```
 */
export function batchNorm(x: Tensor, mean: Tensor, variance: Tensor, options: BatchNormOptions = {}): Tensor {
  checkOptions('batchNorm', options, optionKeys<BatchNormOptions>({ weight: true, bias: true, eps: true }));
  const op = 'batchNorm';
  requireTensor(op, x);
  requireFloat(op, x);
  if (x.rank < 2) throw new TensorError('SHAPE_MISMATCH', op, `input must be [N, C, ...] (rank 2 or more), got shape ${fmtShape(x.shape)}`);
  const c = x.shape[1]!;
  const eps = options.eps ?? 1e-5;
  if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) {
    throw new TensorError('INVALID_ARGUMENT', op, `eps must be a positive finite number, got ${String(eps)}`);
  }
  const stats: Array<[string, Tensor | undefined]> = [['mean', mean], ['variance', variance], ['weight', options.weight], ['bias', options.bias]];
  for (const [name, p] of stats) {
    if (p === undefined && (name === 'weight' || name === 'bias')) continue;
    requireTensor(op, p, name);
    requireSameDtype(op, p, x, name, 'x');
    if (p.rank !== 1 || p.shape[0] !== c) {
      throw new TensorError('SHAPE_MISMATCH', op, `${name}.shape=${fmtShape(p.shape)} must be [${c}], the channels (axis 1) of x.shape=${fmtShape(x.shape)}`);
    }
  }
  const { weight, bias } = options;
  const inputs = [x, mean, variance, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const attrs = { eps, weight: weight !== undefined, bias: bias !== undefined };
  const spec = [{ shape: [...x.shape], dtype: x.dtype }];
  if (x.size === 0 || x.backend.batchNorm) {
    return runKernel('batchNorm', inputs, attrs, spec, (backend, infos, [out]) => {
      const [xi, mi, vi] = infos;
      const wi = weight ? infos[3] : undefined;
      const bi = bias ? infos[weight ? 4 : 3] : undefined;
      backend.batchNorm!(xi!, mi!, vi!, wi, bi, eps, out!);
    })[0]!;
  }
  return asOneOp('batchNorm', inputs, attrs, () => [
    withTemps((temps) => {
      const statShape = x.shape.map((d, i) => (i === 1 ? d : 1));
      const view = (t: Tensor): Tensor => {
        const r = reshape(t, statShape);
        temps.push(r);
        return r;
      };
      const centered = x.sub(view(mean));
      temps.push(centered);
      const shifted = view(variance).add(eps);
      temps.push(shifted);
      const inv = shifted.rsqrt();
      temps.push(inv);
      let y = centered.mul(inv);
      if (weight) {
        temps.push(y);
        y = y.mul(view(weight));
      }
      if (bias) {
        temps.push(y);
        y = y.add(view(bias));
      }
      return y;
    }),
  ])[0]!;
}

// ------------------------------------------------------------------------------------- convolution

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

function convOutSize(n: number, k: number, s: number, p0: number, p1: number, d: number): number {
  return Math.floor((n + p0 + p1 - d * (k - 1) - 1) / s) + 1;
}

function fourPads(op: string, padding: readonly number[] | number | undefined): [number, number, number, number] {
  const p = padding ?? 0;
  const list = typeof p === 'number' ? [p, p, p, p] : Array.isArray(p) && p.length === 2 ? [p[0], p[0], p[1], p[1]] : Array.isArray(p) && p.length === 4 ? [...p] : undefined;
  if (!list || !list.every((v) => Number.isInteger(v) && v >= 0)) {
    throw new TensorError('INVALID_ARGUMENT', op, `padding must be a non-negative integer, [h, w] or [top, bottom, left, right]${op.startsWith('conv2d') || op === 'conv1d' ? ", 'same' or 'valid'" : ''}, got ${safeJson(padding)}`);
  }
  return list as [number, number, number, number];
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

function conv2dKernel(x: Tensor, w: Tensor, params: Conv2dParams, outShape: number[]): Tensor {
  return runKernel('conv2d', [x, w], { params }, [{ shape: outShape, dtype: x.dtype }], (backend, [xi, wi], [o]) => {
    // An empty reduction (no input channels per group) is zero.
    if (sizeOf(xi!.shape) === 0 || sizeOf(wi!.shape) === 0) backend.fill(o!, 0);
    else backend.conv2d(xi!, wi!, params, o!);
  })[0]!;
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
    return addChannelBias(conv2dKernel(x4, w, params, outShape), options.bias, w.shape[0]!, 2);
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
  return runKernel('conv2dBackpropInput', [dy, w], { params: p, xShape: [...xShape] }, [{ shape: [...xShape], dtype: dy.dtype }], (backend, [di, wi], [o]) => {
    if (sizeOf(di!.shape) === 0 || sizeOf(wi!.shape) === 0) backend.fill(o!, 0);
    else backend.conv2dBackpropInput(di!, wi!, p, o!);
  })[0]!;
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
  return runKernel(op, [x, dy], { params: p, wShape: [...wShape] }, [{ shape: [...wShape], dtype: x.dtype }], (backend, [xi, di], [o]) => {
    if (sizeOf(xi!.shape) === 0 || sizeOf(di!.shape) === 0) backend.fill(o!, 0);
    else backend.conv2dBackpropFilter(xi!, di!, p, o!);
  })[0]!;
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

// ------------------------------------------------------------------------------------- pooling

/** Options of {@link maxPool2d}. */
export interface MaxPool2dOptions {
  /** Window size, a number or `[h, w]`. */
  readonly kernelSize: number | readonly [number, number];
  /** Step (default: the kernel size). */
  readonly stride?: number | readonly [number, number];
  /** Implicit `-Infinity` padding on each side, at most half the (dilated) kernel (default 0). */
  readonly padding?: number | readonly [number, number];
  /** Spacing of the window taps (default 1). */
  readonly dilation?: number | readonly [number, number];
  /** Round the output size up instead of down (default false), as PyTorch. */
  readonly ceilMode?: boolean;
}

/** Options of {@link avgPool2d}. */
export interface AvgPool2dOptions {
  /** Window size, a number or `[h, w]`. */
  readonly kernelSize: number | readonly [number, number];
  /** Step (default: the kernel size). */
  readonly stride?: number | readonly [number, number];
  /** Implicit zero padding on each side, at most half the kernel (default 0). */
  readonly padding?: number | readonly [number, number];
  /** Whether padded cells count in the divisor (default true), as PyTorch. */
  readonly countIncludePad?: boolean;
  /** Round the output size up instead of down (default false), as PyTorch. */
  readonly ceilMode?: boolean;
}

interface ResolvedPool {
  readonly params: Pool2dParams;
  readonly outShape: number[];
  /** Per-axis amount the ceil mode added at the bottom/right (0 when none). */
  readonly extra: [number, number];
}

const MAX_POOL_KEYS = optionKeys<MaxPool2dOptions>({ kernelSize: true, stride: true, padding: true, dilation: true, ceilMode: true });
const AVG_POOL_KEYS = optionKeys<AvgPool2dOptions>({ kernelSize: true, stride: true, padding: true, countIncludePad: true, ceilMode: true });

function poolOutSize(n: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = n + 2 * p - d * (k - 1) - 1;
  if (span < 0) return 0;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // PyTorch: the last window must start inside the input or the left padding.
  if (ceil && (out - 1) * s >= n + p) out--;
  return out;
}

function resolvePool(
  op: string,
  x: Tensor,
  options: { kernelSize: number | readonly number[]; stride?: number | readonly number[]; padding?: number | readonly number[]; dilation?: number | readonly number[]; ceilMode?: boolean },
  countIncludePad: boolean,
): ResolvedPool {
  if (typeof options !== 'object' || options === null) throw new TensorError('INVALID_ARGUMENT', op, 'options with a kernelSize are required');
  checkOptions(op, options, op === 'maxPool2d' ? MAX_POOL_KEYS : AVG_POOL_KEYS);
  const kernel = pair(op, 'kernelSize', options.kernelSize, NaN, 1);
  const stride = pair(op, 'stride', options.stride ?? kernel, 1, 1);
  const padding = pair(op, 'padding', options.padding, 0, 0);
  const dilation = pair(op, 'dilation', options.dilation, 1, 1);
  const ceil = options.ceilMode ?? false;
  for (let i = 0; i < 2; i++) {
    const eff = op === 'maxPool2d' ? dilation[i]! * (kernel[i]! - 1) + 1 : kernel[i]!;
    if (2 * padding[i]! > eff) {
      throw new TensorError('INVALID_ARGUMENT', op, `padding ${fmtShape(padding)} must be at most half the ${op === 'maxPool2d' ? 'dilated ' : ''}kernel size ${fmtShape(kernel)}`);
    }
  }
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const outH = poolOutSize(h, kernel[0], stride[0], padding[0], dilation[0], ceil);
  const outW = poolOutSize(w, kernel[1], stride[1], padding[1], dilation[1], ceil);
  if (outH < 1 || outW < 1) {
    throw new TensorError('SHAPE_MISMATCH', op, `the output would be empty (${outH}x${outW}): x.shape=${fmtShape(x.shape)}, kernelSize=${fmtShape(kernel)}, stride=${fmtShape(stride)}, padding=${fmtShape(padding)}`);
  }
  // Ceil mode as extra bottom/right padding: the floor formula then yields the ceil size.
  const extraH = Math.max(0, (outH - 1) * stride[0] + dilation[0] * (kernel[0] - 1) + 1 - (h + 2 * padding[0]));
  const extraW = Math.max(0, (outW - 1) * stride[1] + dilation[1] * (kernel[1] - 1) + 1 - (w + 2 * padding[1]));
  const params: Pool2dParams = {
    kernelSize: kernel,
    stride,
    padding: [padding[0], padding[0] + extraH, padding[1], padding[1] + extraW],
    dilation,
    countIncludePad,
  };
  return { params, outShape: [n, c, outH, outW], extra: [extraH, extraW] };
}

/** Checks a resolved Pool2dParams record; returns the pooled shape of `xShape`. */
function checkPoolParams(op: string, xShape: readonly number[], params: Pool2dParams): number[] {
  if (typeof params !== 'object' || params === null) throw new TensorError('INVALID_ARGUMENT', op, `params must be a Pool2dParams object, got ${String(params)}`);
  const k = pair(op, 'kernelSize', params.kernelSize, NaN, 1);
  const s = pair(op, 'stride', params.stride, NaN, 1);
  const d = pair(op, 'dilation', params.dilation, 1, 1);
  if (!Array.isArray(params.padding) || params.padding.length !== 4) {
    throw new TensorError('INVALID_ARGUMENT', op, `params.padding must be [top, bottom, left, right], got ${safeJson(params.padding)}`);
  }
  const p = fourPads(op, params.padding);
  const [n, c, h, w] = xShape as [number, number, number, number];
  const outH = convOutSize(h, k[0], s[0], p[0], p[1], d[0]);
  const outW = convOutSize(w, k[1], s[1], p[2], p[3], d[1]);
  if (outH < 1 || outW < 1) {
    throw new TensorError('SHAPE_MISMATCH', op, `x.shape=${fmtShape(xShape)} pools to an empty output with these params`);
  }
  return [n, c, outH, outW];
}

/**
 * 2-D max pooling of `x` `[N, C, H, W]` (or unbatched `[C, H, W]`); padded cells never win.
 * Output `[N, C, outH, outW]` with `outH = floor((H + 2*padding - dilation*(k-1) - 1) / stride) + 1`
 * (ceil with `ceilMode`, dropping a last window that would start in the padding).
 *
 * @throws TensorError `SHAPE_MISMATCH` for wrong ranks or an empty output; `INVALID_ARGUMENT`
 *   for non-positive sizes or padding over half the kernel; `DTYPE_MISMATCH` for bool input.
 * @example
 * ```ts
 * maxPool2d(tensor([[[[1, 2], [3, 4]]]]), { kernelSize: 2 }); // [[[[4]]]]
 * ```
 */
export function maxPool2d(x: Tensor, options: MaxPool2dOptions): Tensor {
  requireTensor('maxPool2d', x);
  if (x.dtype === 'bool') throw new TensorError('DTYPE_MISMATCH', 'maxPool2d', 'input must be numeric, got dtype bool');
  return batched('maxPool2d', x, (x4) => {
    const { params, outShape } = resolvePool('maxPool2d', x4, options, false);
    return runKernel('maxPool2d', [x4], { params }, [{ shape: outShape, dtype: x.dtype }], (backend, [xi], [o]) => backend.maxPool2d(xi!, params, o!))[0]!;
  });
}

/**
 * Gradient of max pooling: routes each `dy` cell to the first maximal cell of its window in `x`
 * (as PyTorch); the result is shaped like `x` `[N, C, H, W]`. `params` is the resolved record
 * of the `maxPool2d` op.
 *
 * @throws TensorError `SHAPE_MISMATCH` when `dy` is not the pooled shape of `x`;
 *   `INVALID_ARGUMENT` for bad params; `DTYPE_MISMATCH`.
 * @example
 * ```ts
 * const params = { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0, 0, 0], dilation: [1, 1], countIncludePad: false } as const;
 * maxPool2dBackward(ones([1, 1, 1, 1]), tensor([[[[1, 2], [3, 4]]]]), params); // [[[[0, 0], [0, 1]]]]
 * ```
 */
export function maxPool2dBackward(dy: Tensor, x: Tensor, params: Pool2dParams): Tensor {
  const op = 'maxPool2dBackward';
  requireTensor(op, dy, 'dy');
  requireTensor(op, x);
  requireFloat(op, dy);
  requireSameDtype(op, dy, x, 'dy', 'x');
  if (x.rank !== 4 || dy.rank !== 4) throw new TensorError('SHAPE_MISMATCH', op, `x and dy must be rank 4, got x.shape=${fmtShape(x.shape)}, dy.shape=${fmtShape(dy.shape)}`);
  const expected = checkPoolParams(op, x.shape, params);
  if (!shapesEqual(expected, dy.shape)) {
    throw new TensorError('SHAPE_MISMATCH', op, `dy.shape=${fmtShape(dy.shape)} must be the pooled shape ${fmtShape(expected)} of x.shape=${fmtShape(x.shape)}`);
  }
  return runKernel(op, [dy, x], { params }, [{ shape: [...x.shape], dtype: x.dtype }], (backend, [di, xi], [o]) => backend.maxPool2dBackward(di!, xi!, params, o!))[0]!;
}

/**
 * 2-D average pooling of `x` `[N, C, H, W]` (or unbatched `[C, H, W]`), float input. With
 * `countIncludePad` (default) the divisor counts padded cells, except, as in PyTorch, the cells
 * of a ceil-mode window that hang past the padding.
 *
 * @throws TensorError as {@link maxPool2d}; `DTYPE_MISMATCH` for non-float input.
 * @example
 * ```ts
 * avgPool2d(tensor([[[[1, 2], [3, 4]]]]), { kernelSize: 2 }); // [[[[2.5]]]]
 * ```
 */
export function avgPool2d(x: Tensor, options: AvgPool2dOptions): Tensor {
  requireTensor('avgPool2d', x);
  requireFloat('avgPool2d', x);
  if (options !== null && typeof options === 'object' && (options as { dilation?: unknown }).dilation !== undefined) {
    throw new TensorError('INVALID_ARGUMENT', 'avgPool2d', 'avgPool2d has no dilation (as PyTorch)');
  }
  const countIncludePad = options?.countIncludePad ?? true;
  return batched('avgPool2d', x, (x4) => {
    const { params, outShape, extra } = resolvePool('avgPool2d', x4, options, countIncludePad);
    const y = runKernel('avgPool2d', [x4], { params }, [{ shape: outShape, dtype: x.dtype }], (backend, [xi], [o]) => backend.avgPool2d(xi!, params, o!))[0]!;
    if (!countIncludePad || (extra[0] === 0 && extra[1] === 0)) return y;
    // The kernel divided by the full window; PyTorch divides ceil-mode edge windows by the part
    // inside the (symmetric) padding only. Rescale those cells.
    const [, , outH, outW] = outShape as [number, number, number, number];
    const [h, w] = [x4.shape[2]!, x4.shape[3]!];
    const count = (i: number, k: number, s: number, p: number, n: number): number => Math.min(i * s - p + k, n + p) - (i * s - p);
    const [kh, kw] = params.kernelSize;
    const factors = new Array<number>(outH * outW);
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) {
        factors[i * outW + j] = (kh * kw) / (count(i, kh, params.stride[0], params.padding[0], h) * count(j, kw, params.stride[1], params.padding[2], w));
      }
    }
    return withTemps((temps) => {
      temps.push(y);
      const f = fromValues(toTypedArray(factors, x.dtype), [outH, outW], x.dtype, x.backend);
      temps.push(f);
      return y.mul(f);
    });
  });
}

/**
 * Gradient of average pooling: spreads each `dy` cell evenly over its window; the result has
 * `xShape` `[N, C, H, W]`. `params` is the resolved record of the `avgPool2d` op.
 *
 * @throws TensorError `SHAPE_MISMATCH` when `dy` is not the pooled shape of `xShape`;
 *   `INVALID_ARGUMENT` for bad params; `DTYPE_MISMATCH`.
 * @example
 * ```ts
 * const params = { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0, 0, 0], dilation: [1, 1], countIncludePad: true } as const;
 * avgPool2dBackward(ones([1, 1, 1, 1]), [1, 1, 2, 2], params); // [[[[0.25, 0.25], [0.25, 0.25]]]]
 * ```
 */
export function avgPool2dBackward(dy: Tensor, xShape: readonly number[], params: Pool2dParams): Tensor {
  const op = 'avgPool2dBackward';
  requireTensor(op, dy, 'dy');
  requireFloat(op, dy);
  if (dy.rank !== 4) throw new TensorError('SHAPE_MISMATCH', op, `dy must be rank 4, got shape ${fmtShape(dy.shape)}`);
  if (!Array.isArray(xShape) || xShape.length !== 4 || !xShape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TensorError('INVALID_ARGUMENT', op, `xShape must be [N, C, H, W] of non-negative integers, got ${safeJson(xShape)}`);
  }
  const expected = checkPoolParams(op, xShape, params);
  if (!shapesEqual(expected, dy.shape)) {
    throw new TensorError('SHAPE_MISMATCH', op, `dy.shape=${fmtShape(dy.shape)} must be the pooled shape ${fmtShape(expected)} of xShape=${fmtShape(xShape)}`);
  }
  return runKernel(op, [dy], { params, xShape: [...xShape] }, [{ shape: [...xShape], dtype: dy.dtype }], (backend, [di], [o]) => backend.avgPool2dBackward(di!, params, o!))[0]!;
}

/**
 * Adaptive average pooling to `outputSize` (`[outH, outW]` or one number for both) of `x`
 * `[N, C, H, W]` (or unbatched), with PyTorch's bins: bin `i` covers rows
 * `floor(i*H/outH)` to `ceil((i+1)*H/outH)` (exclusive). Uses avgPool2d when the sizes divide,
 * otherwise two matmuls with averaging matrices (rows then columns).
 *
 * @throws TensorError `INVALID_ARGUMENT` for non-positive sizes; `SHAPE_MISMATCH` for wrong
 *   ranks or empty spatial axes; `DTYPE_MISMATCH` for non-float input.
 * @example
 * ```ts
 * adaptiveAvgPool2d(tensor([[[[1, 2, 3]]]]), [1, 2]); // [[[[1.5, 2.5]]]]
 * ```
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly [number, number]): Tensor {
  const op = 'adaptiveAvgPool2d';
  requireTensor(op, x);
  requireFloat(op, x);
  const [oh, ow] = pair(op, 'outputSize', outputSize, NaN, 1);
  return batched(op, x, (x4) => {
    const [, , h, w] = x4.shape as [number, number, number, number];
    if (h < 1 || w < 1) throw new TensorError('SHAPE_MISMATCH', op, `spatial axes must be non-empty, got x.shape=${fmtShape(x.shape)}`);
    if (h % oh === 0 && w % ow === 0) {
      return avgPool2d(x4, { kernelSize: [h / oh, w / ow] });
    }
    const bins = (n: number, out: number, transposed: boolean): Tensor => {
      const values = new Array<number>(n * out).fill(0);
      for (let i = 0; i < out; i++) {
        const start = Math.floor((i * n) / out);
        const end = Math.ceil(((i + 1) * n) / out);
        for (let j = start; j < end; j++) values[transposed ? j * out + i : i * n + j] = 1 / (end - start);
      }
      return fromValues(toTypedArray(values, x.dtype), transposed ? [n, out] : [out, n], x.dtype, x.backend);
    };
    return withTemps((temps) => {
      const rows = bins(h, oh, false);
      temps.push(rows);
      const cols = bins(w, ow, true);
      temps.push(cols);
      const pooledRows = matmul(rows, x4);
      temps.push(pooledRows);
      return matmul(pooledRows, cols);
    });
  });
}

// ------------------------------------------------------------------------------------- resize

/** Options of {@link resize}. */
export interface ResizeOptions {
  /** `nearest` (default) or `bilinear`. */
  readonly mode?: 'nearest' | 'bilinear';
  /** Bilinear only: map corner pixel centres onto each other (default false: half-pixel centres). */
  readonly alignCorners?: boolean;
}

/** PyTorch's nearest source index, computed in float32 as PyTorch does. */
function nearestIndices(inSize: number, outSize: number): Int32Array {
  const idx = new Int32Array(outSize);
  const scale = Math.fround(inSize / outSize);
  for (let i = 0; i < outSize; i++) {
    idx[i] = inSize === outSize ? i : Math.min(Math.floor(Math.fround(i * scale)), inSize - 1);
  }
  return idx;
}

/** PyTorch's bilinear source indices and weights along one axis. */
function linearTaps(inSize: number, outSize: number, alignCorners: boolean): { i0: Int32Array; i1: Int32Array; l1: number[] } {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const l1 = new Array<number>(outSize);
  const scale = alignCorners ? (outSize > 1 ? (inSize - 1) / (outSize - 1) : 0) : inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    const src = alignCorners ? i * scale : Math.max(0, scale * (i + 0.5) - 0.5);
    const lo = Math.min(Math.floor(src), inSize - 1);
    i0[i] = lo;
    i1[i] = lo < inSize - 1 ? lo + 1 : lo;
    l1[i] = src - lo;
  }
  return { i0, i1, l1 };
}

/**
 * Resizes the spatial axes of `x` `[N, C, H, W]` to `[outH, outW]` with PyTorch `interpolate`
 * semantics: `nearest` takes `floor(dst * H / outH)`; `bilinear` uses half-pixel centres
 * (clamped at 0) or, with `alignCorners`, maps corners onto corners. Nearest works on any dtype;
 * bilinear needs float input.
 *
 * @throws TensorError `SHAPE_MISMATCH` unless `x` is rank 4 with non-empty spatial axes;
 *   `INVALID_ARGUMENT` for non-positive sizes, an unknown mode or `alignCorners` with nearest;
 *   `DTYPE_MISMATCH` for bilinear on non-float input.
 * @example
 * ```ts
 * resize(tensor([[[[1, 2]]]]), [1, 4]); // [[[[1, 1, 2, 2]]]]
 * ```
 */
export function resize(x: Tensor, size: readonly [number, number], options: ResizeOptions = {}): Tensor {
  checkOptions('resize', options, optionKeys<ResizeOptions>({ mode: true, alignCorners: true }));
  const op = 'resize';
  requireTensor(op, x);
  if (x.rank !== 4) throw new TensorError('SHAPE_MISMATCH', op, `input must be [N, C, H, W], got shape ${fmtShape(x.shape)}`);
  if (!Array.isArray(size) || size.length !== 2 || !size.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new TensorError('INVALID_ARGUMENT', op, `size must be [outH, outW] of positive integers, got ${safeJson(size)}`);
  }
  const mode = options.mode ?? 'nearest';
  if (mode !== 'nearest' && mode !== 'bilinear') throw new TensorError('INVALID_ARGUMENT', op, `mode must be 'nearest' or 'bilinear', got ${safeJson(mode)}`);
  const alignCorners = options.alignCorners ?? false;
  if (mode === 'nearest' && alignCorners) throw new TensorError('INVALID_ARGUMENT', op, "alignCorners only applies to mode 'bilinear'");
  if (mode === 'bilinear') requireFloat(op, x);
  if (x.shape[2] === 0 || x.shape[3] === 0) throw new TensorError('SHAPE_MISMATCH', op, `spatial axes must be non-empty, got x.shape=${fmtShape(x.shape)}`);
  // Both passes' outputs are checked before any work: a huge size fails at once, not after
  // seconds of intermediates (issue 14).
  const [batch, channels, inH] = x.shape as [number, number, number, number];
  requireAllocatable(x.backend, batch * channels * size[0] * x.shape[3]!, x.dtype, op);
  requireAllocatable(x.backend, batch * channels * Math.max(size[0], inH) * size[1], x.dtype, op);
  const index = (values: Int32Array): Tensor => fromValues(values, [values.length], 'int32', x.backend);
  return withTemps((temps) => {
    let y = x;
    for (const axis of [2, 3]) {
      const inSize = y.shape[axis]!;
      const outSize = size[axis - 2]!;
      if (inSize === outSize) continue; // both modes are the identity then
      let next: Tensor;
      if (mode === 'nearest') {
        const idx = index(nearestIndices(inSize, outSize));
        temps.push(idx);
        next = indexSelect(y, axis, idx);
      } else {
        const { i0, i1, l1 } = linearTaps(inSize, outSize, alignCorners);
        const weightShape = axis === 2 ? [outSize, 1] : [outSize];
        const t0 = index(i0);
        const t1 = index(i1);
        const w1 = fromValues(toTypedArray(l1, x.dtype), weightShape, x.dtype, x.backend);
        const w0 = fromValues(toTypedArray(l1.map((l) => 1 - l), x.dtype), weightShape, x.dtype, x.backend);
        temps.push(t0, t1, w0, w1);
        const a = indexSelect(y, axis, t0);
        temps.push(a);
        const b = indexSelect(y, axis, t1);
        temps.push(b);
        const wa = a.mul(w0);
        temps.push(wa);
        const wb = b.mul(w1);
        temps.push(wb);
        next = wa.add(wb);
      }
      if (y !== x) temps.push(y);
      y = next;
    }
    return y === x ? reshape(x, [...x.shape]) : y;
  });
}
