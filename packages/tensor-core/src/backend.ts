/**
 * The `Backend` interface: what a backend author implements.
 *
 * tensor-core validates every op's inputs, computes its output shape and dtype, and allocates
 * the output before it calls a kernel; kernels only fill buffers. Every kernel receives
 * {@link TensorInfo} records (a handle, a shape and a dtype) and writes into the `out` records it
 * is given. Storage is contiguous and row-major. Inputs of a kernel always share one dtype unless
 * the kernel's documentation says otherwise (tensor-core casts first).
 *
 * A backend object must `satisfies Backend`: a missing required kernel is a compile error.
 * Optional kernels (`softmax`, `logSoftmax`, `layerNorm`, `batchNorm`, `gelu`, `adamUpdate`) have
 * composite fallbacks in tensor-core; a backend overrides them for speed.
 *
 * @example
 * ```ts
 * import type { Backend } from '@tessera/tensor-core';
 * declare const myBackend: Backend;
 * console.log(myBackend.name, myBackend.specVersion);
 * ```
 */
import type { DType } from './dtype.js';

/** The version of this interface. A backend built for another version is refused by `setBackend`. */
export const BACKEND_SPEC_VERSION = 1 as const;

/** An opaque storage handle owned by one backend. */
export type DataHandle = object;

/** What a kernel sees of a tensor: its storage, shape and dtype. */
export interface TensorInfo {
  readonly handle: DataHandle;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** Typed array for each dtype: float32 → Float32Array, float64 → Float64Array, int32 → Int32Array, bool → Uint8Array. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** What a backend can do. */
export interface BackendCapabilities {
  /** dtypes the backend stores and computes. `float32`, `int32` and `bool` are required. */
  readonly dtypes: readonly DType[];
  /** Whether `readSync` exists (`dataSync()` works). */
  readonly syncRead: boolean;
  /** Largest buffer, in bytes. */
  readonly maxBufferBytes: number;
}

/**
 * Elementwise unary kernels. Each maps float to float, except: `logicalNot` (bool → bool),
 * `isNaN`/`isFinite` (float → bool), and `neg`, `abs`, `sign`, `square` which also take int32.
 * Parameterised activations (`leakyRelu`, `elu`, `clamp`, ...) are composites in tensor-core.
 */
export const UNARY_OPS = [
  'neg', 'abs', 'sign', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'square', 'reciprocal',
  'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'erf', 'floor', 'ceil', 'round', 'softplus',
  'logicalNot', 'isNaN', 'isFinite',
] as const;
/** One of {@link UNARY_OPS}. */
export type UnaryOp = (typeof UNARY_OPS)[number];

/**
 * Elementwise binary kernels with numpy broadcasting. Arithmetic ops return the inputs' dtype;
 * comparisons return `bool`; logical ops take and return `bool`. `mod` follows Python's sign
 * convention (result has the sign of the divisor), `div` on int32 truncates toward −∞ (floor
 * division, as PyTorch's `floor_divide`), `round` rounds half to even.
 */
export const BINARY_OPS = [
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'mod', 'atan2',
  'equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual',
  'logicalAnd', 'logicalOr', 'logicalXor',
] as const;
/** One of {@link BINARY_OPS}. */
export type BinaryOp = (typeof BINARY_OPS)[number];

/**
 * Reductions over the innermost `reduceSize` elements: the input is viewed as
 * `[outer, reduceSize]` and `out` has `outer` elements. tensor-core moves the reduced axes last
 * before it calls the kernel. `argmax`/`argmin` write int32 indices (first occurrence on ties);
 * `any`/`all` take and return bool; `sum`/`prod` of bool are not called (tensor-core casts).
 */
export const REDUCE_OPS = ['sum', 'prod', 'max', 'min', 'argmax', 'argmin', 'any', 'all'] as const;
/** One of {@link REDUCE_OPS}. */
export type ReduceOp = (typeof REDUCE_OPS)[number];

/** Parameters of a 2-D convolution, NCHW input, OIHW weights (`O × I/groups × kH × kW`). */
export interface Conv2dParams {
  readonly stride: readonly [number, number];
  /** Padding `[top, bottom, left, right]`, zeros. */
  readonly padding: readonly [number, number, number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
}

/** Parameters of 2-D pooling over NCHW input. */
export interface Pool2dParams {
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  /** Padding `[top, bottom, left, right]`; padded cells never win a max and count for avg only with `countIncludePad`. */
  readonly padding: readonly [number, number, number, number];
  readonly dilation: readonly [number, number];
  /** avgPool2d only: divide by the full window size including padding. */
  readonly countIncludePad: boolean;
}

/** Pad modes. `reflect` excludes the edge (numpy `reflect`), `replicate` repeats it (numpy `edge`). */
export type PadMode = 'constant' | 'reflect' | 'replicate';

/** Distributions of the counter-based random fill; see `randomBits` in `rng.ts`. */
export type RandomDistribution =
  | { readonly kind: 'uniform'; readonly low: number; readonly high: number }
  | { readonly kind: 'normal'; readonly mean: number; readonly std: number }
  | { readonly kind: 'bernoulli'; readonly p: number }
  | { readonly kind: 'randint'; readonly low: number; readonly high: number };

/**
 * Hyperparameters of one fused Adam/AdamW update ({@link Backend.adamUpdate}); `adamScalars`
 * turns them into the constants the update multiplies by.
 */
export interface AdamHyperparameters {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** L2 penalty (Adam) or decoupled decay (AdamW); 0 for none. */
  readonly weightDecay: number;
  /** AdamW's decoupled weight decay `p ← p·(1 − lr·λ)` instead of Adam's `g ← g + λ·p`. */
  readonly decoupled: boolean;
  /** Negate the gradient (maximize the objective). */
  readonly maximize: boolean;
  /** The step count of this update, from 1 (bias corrections). */
  readonly step: number;
}

/** Memory held by a backend. */
export interface BackendMemory {
  readonly bytes: number;
  readonly buffers: number;
}

/**
 * The kernel table a backend implements. Shapes in `out` are already computed; kernels never
 * validate user input (tensor-core did). Every method is synchronous from tensor-core's point of
 * view: an asynchronous backend records work and returns.
 */
export interface Backend {
  readonly name: string;
  readonly specVersion: typeof BACKEND_SPEC_VERSION;
  readonly capabilities: BackendCapabilities;

  // ---- storage ----
  /** Allocates storage for `size` elements of `dtype` (contents undefined). */
  allocate(size: number, dtype: DType): DataHandle;
  /** Writes `values` (length = size of the handle) into storage. */
  write(handle: DataHandle, values: TypedArray): void;
  /** Reads a copy of the storage as the dtype's typed array. */
  read(info: TensorInfo): Promise<TypedArray>;
  /** Synchronous read, where `capabilities.syncRead`. */
  readSync?(info: TensorInfo): TypedArray;
  /** Releases storage. Called once per handle, when the last tensor that views it is disposed. */
  free(handle: DataHandle): void;
  /** Bytes and buffers held. */
  memory(): BackendMemory;

  // ---- elementwise ----
  unary(op: UnaryOp, x: TensorInfo, out: TensorInfo): void;
  /** Broadcasts `a` and `b` (same dtype) to `out.shape`. */
  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo, out: TensorInfo): void;
  /** `out = condition ? a : b`, broadcasting all three; `condition` is bool, `a`/`b` share `out.dtype`. */
  where(condition: TensorInfo, a: TensorInfo, b: TensorInfo, out: TensorInfo): void;
  /** Converts `x` to `out.dtype`: float → int truncates toward zero; anything → bool is `!= 0`. */
  cast(x: TensorInfo, out: TensorInfo): void;
  /** Writes `value` into every element. */
  fill(out: TensorInfo, value: number): void;
  /** `out[i] = start + i * step` (arange / linspace). */
  range(out: TensorInfo, start: number, step: number): void;

  // ---- reductions and scans ----
  reduce(op: ReduceOp, x: TensorInfo, reduceSize: number, out: TensorInfo): void;
  /** Inclusive (or `exclusive`) cumulative sum along `axis`, optionally from the end (`reverse`). */
  cumsum(x: TensorInfo, axis: number, exclusive: boolean, reverse: boolean, out: TensorInfo): void;
  /**
   * The `k` largest (or smallest when `largest` is false) values along the last axis, sorted,
   * with their int32 indices; ties keep the lower index first.
   */
  topk(x: TensorInfo, k: number, largest: boolean, values: TensorInfo, indices: TensorInfo): void;

  // ---- linear algebra and nn ----
  /**
   * Batched matmul of rank-3 operands: `a` is `[Ba, M, K]` (or `[Ba, K, M]` with `transposeA`),
   * `b` is `[Bb, K, N]` (or `[Bb, N, K]` with `transposeB`), `out` is `[B, M, N]`, where `Ba` and
   * `Bb` are each 1 or `B` (a batch of 1 broadcasts).
   */
  matmul(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean, out: TensorInfo): void;
  /** `x` `[N, C, H, W]`, `w` `[O, C/groups, kH, kW]`, `out` `[N, O, outH, outW]`. */
  conv2d(x: TensorInfo, w: TensorInfo, params: Conv2dParams, out: TensorInfo): void;
  /** Gradient of conv2d with respect to its input: `dy` `[N, O, outH, outW]`, `out` shaped like x. Also convTranspose2d. */
  conv2dBackpropInput(dy: TensorInfo, w: TensorInfo, params: Conv2dParams, out: TensorInfo): void;
  /** Gradient of conv2d with respect to its weights: `out` shaped like w. */
  conv2dBackpropFilter(x: TensorInfo, dy: TensorInfo, params: Conv2dParams, out: TensorInfo): void;
  maxPool2d(x: TensorInfo, params: Pool2dParams, out: TensorInfo): void;
  /** Routes `dy` to the first maximal cell of each window (as PyTorch); `out` shaped like x. */
  maxPool2dBackward(dy: TensorInfo, x: TensorInfo, params: Pool2dParams, out: TensorInfo): void;
  avgPool2d(x: TensorInfo, params: Pool2dParams, out: TensorInfo): void;
  avgPool2dBackward(dy: TensorInfo, params: Pool2dParams, out: TensorInfo): void;

  // ---- movement (always copies) ----
  transpose(x: TensorInfo, perm: readonly number[], out: TensorInfo): void;
  /** `out[i] = x[begin + i * step]` per axis; steps may be negative, never zero. */
  slice(x: TensorInfo, begin: readonly number[], step: readonly number[], out: TensorInfo): void;
  concat(inputs: readonly TensorInfo[], axis: number, out: TensorInfo): void;
  /** `pads` holds `[before, after]` per axis; `reflect`/`replicate` need `before, after < size`. */
  pad(x: TensorInfo, pads: readonly (readonly [number, number])[], mode: PadMode, value: number, out: TensorInfo): void;
  /** PyTorch `gather`: `out[..i..] = x[..indices[..i..]..]` along `axis`; `indices` int32, same rank as x, `out.shape = indices.shape`. */
  gather(x: TensorInfo, indices: TensorInfo, axis: number, out: TensorInfo): void;
  /** PyTorch `scatter_add`: `out = x` then `out[..indices[..i..]..] += updates[..i..]` along `axis`. */
  scatterAdd(x: TensorInfo, indices: TensorInfo, updates: TensorInfo, axis: number, out: TensorInfo): void;

  // ---- random ----
  /** Fills `out` from the counter-based generator: element `i` is a function of `(seed, i)` only (see `rng.ts`). */
  random(out: TensorInfo, distribution: RandomDistribution, seed: number): void;

  // ---- optional fused kernels (composite fallbacks in tensor-core) ----
  /** Softmax over the last axis. */
  softmax?(x: TensorInfo, out: TensorInfo): void;
  /** Log-softmax over the last axis. */
  logSoftmax?(x: TensorInfo, out: TensorInfo): void;
  /** GELU, exact (`erf`) or `tanh` approximation. */
  gelu?(x: TensorInfo, approximate: 'none' | 'tanh', out: TensorInfo): void;
  /** Layer normalization over the innermost `normSize` elements, without affine parameters. */
  layerNorm?(x: TensorInfo, normSize: number, epsilon: number, out: TensorInfo): void;
  /**
   * Batch normalization with given per-channel statistics: `x` is `[N, C, ...]` (`out` alike),
   * `mean` and `variance` are `[C]`, `weight` and `bias` are `[C]` or absent, and
   * `out = (x − mean) / √(variance + epsilon) · weight + bias` along axis 1.
   */
  batchNorm?(x: TensorInfo, mean: TensorInfo, variance: TensorInfo, weight: TensorInfo | undefined, bias: TensorInfo | undefined, epsilon: number, out: TensorInfo): void;
  /**
   * One Adam/AdamW update (without AMSGrad) of `param` from `grad` and the moment estimates `m`
   * and `v` (all one shape and float dtype), writing the new parameter and moments into
   * `paramOut`, `mOut` and `vOut`. With the constants `c = adamScalars(hyper)` it computes, each
   * operation rounded to the dtype in this order (as tensor-core's composite does):
   *
   * ```
   * g = maximize ? −grad : grad
   * p = param · c.decay (decoupled);   g = g + param · c.l2 (L2)   [only when weightDecay ≠ 0]
   * m' = m · c.beta1 + g · c.oneMinusBeta1
   * v' = v · c.beta2 + (g · c.oneMinusBeta2) · g
   * p' = p + (m' · c.negStepSize) / (√v' / c.sqrtBiasCorrection2 + c.eps)
   * ```
   */
  adamUpdate?(param: TensorInfo, grad: TensorInfo, m: TensorInfo, v: TensorInfo, hyper: AdamHyperparameters, paramOut: TensorInfo, mOut: TensorInfo, vOut: TensorInfo): void;

  /** Releases everything (pools, devices). */
  dispose?(): void;
}
