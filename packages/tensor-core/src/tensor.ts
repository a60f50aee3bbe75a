/**
 * `Tensor`: an immutable value with a shape, a dtype and storage owned by one backend.
 * Methods are thin wrappers over the op functions of the same name.
 */
import type { Backend, DataHandle, TypedArray } from './backend.js';
import type { DType } from './dtype.js';
import { TensorError, fmtShape } from './errors.js';
import { checkOptions } from './options.js';
import { flushChecks } from './checks.js';
import { sizeOf } from './shape.js';
import * as engine from './engine.js';
import * as ops from './ops/index.js';
import type { TensorLike } from './ops/util.js';

/** @internal Reference-counted storage shared by views (reshape). */
export interface Storage {
  readonly handle: DataHandle;
  readonly backend: Backend;
  refs: number;
  readonly bytes: number;
}

/** Nested arrays of numbers (or booleans), as `t.array()` returns them. */
export type NestedArray = number | boolean | NestedArray[];

/**
 * A tensor. Create one with `tensor`, `zeros`, `randn`, ...; free it with `dispose()`, `tidy`,
 * or `using`.
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2], [3, 4]]);
 * const y = x.matmul(x).add(1);
 * console.log(y.shape, await y.array()); // [2, 2] [[8, 11], [16, 23]]
 * ```
 */
export class Tensor {
  /** Unique id, for messages and maps. */
  readonly id: number;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Whether gradients are wanted for this tensor (read by `@tessera/autograd`). */
  requiresGrad = false;
  /**
   * @internal The first op that ran, with no gradient recorder installed, on a tensor this one
   * derives from that needed a gradient: autograd's `backward` refuses such a tensor with a
   * message naming the fix (`enableAutograd()`) rather than return a gradient missing that path.
   */
  gradientLostAt: string | undefined = undefined;
  /** @internal Replaced only by {@link Variable.assign}. */
  storage: Storage;
  #disposed = false;

  /** @internal Use the creation functions. */
  constructor(id: number, storage: Storage, shape: readonly number[], dtype: DType) {
    this.id = id;
    this.storage = storage;
    this.shape = shape;
    this.dtype = dtype;
  }

  /** The backend that owns the storage. */
  get backend(): Backend {
    return this.storage.backend;
  }
  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }
  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }
  /** Whether `dispose()` was called. */
  get isDisposed(): boolean {
    return this.#disposed;
  }

  /** Frees this tensor (its storage once no view uses it). Calling twice is harmless. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    engine.releaseTensor(this, this.storage);
  }
  /** `using t = ...` support. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** The values as the dtype's typed array (a copy). */
  async data(): Promise<TypedArray> {
    engine.assertLive(this, 'data');
    // Value checks deferred by an asynchronous backend surface here, before any value is returned.
    await flushChecks(this.backend);
    engine.assertLive(this, 'data');
    return this.backend.read(engine.infoOf(this));
  }
  /**
   * The values now, where the backend can read synchronously.
   * @throws TensorError `SYNC_READ_UNSUPPORTED` on asynchronous backends (use `await t.data()`).
   */
  dataSync(): TypedArray {
    engine.assertLive(this, 'dataSync');
    if (!this.backend.readSync) {
      throw new TensorError('SYNC_READ_UNSUPPORTED', 'dataSync', `backend '${this.backend.name}' reads asynchronously; use await t.data()`);
    }
    return this.backend.readSync(engine.infoOf(this));
  }
  /** The values as nested arrays (booleans for bool tensors). */
  async array(): Promise<NestedArray> {
    return nest(await this.data(), this.shape, this.dtype);
  }
  /** Synchronous `array()`. */
  arraySync(): NestedArray {
    return nest(this.dataSync(), this.shape, this.dtype);
  }
  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new TensorError('SHAPE_MISMATCH', 'item', `tensor has ${this.size} elements (shape ${fmtShape(this.shape)}), item() needs exactly 1`);
    return (await this.data())[0]!;
  }

  /**
   * A copy of this tensor on `backend`, a backend object or the name of a registered one (the
   * same tensor if it already lives there).
   * @throws TensorError `NO_BACKEND` for a name no backend is registered under (the message lists them).
   * @example
   * ```ts
   * const onGpu = t.to(getBackend('webgpu'));
   * ```
   */
  async to(backend: Backend | string): Promise<Tensor> {
    engine.assertLive(this, 'to');
    // A name resolves among the registered backends (NO_BACKEND lists them when it is unknown).
    if (typeof backend === 'string') backend = engine.getBackend(backend);
    if (backend === this.backend) return this;
    engine.registerBackend(backend);
    const values = await this.data();
    const out = engine.fromValues(values, this.shape, this.dtype, backend);
    out.requiresGrad = this.requiresGrad;
    return out;
  }

  toString(): string {
    return `Tensor(id=${this.id}, shape=${fmtShape(this.shape)}, dtype=${this.dtype}, backend=${this.backend.name}${this.#disposed ? ', disposed' : ''})`;
  }

  // ---- elementwise
  add(b: TensorLike): Tensor { return ops.add(this, b); }
  sub(b: TensorLike): Tensor { return ops.sub(this, b); }
  mul(b: TensorLike): Tensor { return ops.mul(this, b); }
  div(b: TensorLike): Tensor { return ops.div(this, b); }
  pow(b: TensorLike): Tensor { return ops.pow(this, b); }
  maximum(b: TensorLike): Tensor { return ops.maximum(this, b); }
  minimum(b: TensorLike): Tensor { return ops.minimum(this, b); }
  mod(b: TensorLike): Tensor { return ops.mod(this, b); }
  neg(): Tensor { return ops.neg(this); }
  abs(): Tensor { return ops.abs(this); }
  sign(): Tensor { return ops.sign(this); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  log1p(): Tensor { return ops.log1p(this); }
  expm1(): Tensor { return ops.expm1(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  rsqrt(): Tensor { return ops.rsqrt(this); }
  square(): Tensor { return ops.square(this); }
  reciprocal(): Tensor { return ops.reciprocal(this); }
  sin(): Tensor { return ops.sin(this); }
  cos(): Tensor { return ops.cos(this); }
  tanh(): Tensor { return ops.tanh(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  relu(): Tensor { return ops.relu(this); }
  leakyRelu(negativeSlope?: number): Tensor { return ops.leakyRelu(this, negativeSlope); }
  elu(alpha?: number): Tensor { return ops.elu(this, alpha); }
  selu(): Tensor { return ops.selu(this); }
  gelu(options?: ops.GeluOptions): Tensor { return ops.gelu(this, options); }
  silu(): Tensor { return ops.silu(this); }
  softplus(): Tensor { return ops.softplus(this); }
  hardSigmoid(): Tensor { return ops.hardSigmoid(this); }
  hardSwish(): Tensor { return ops.hardSwish(this); }
  erf(): Tensor { return ops.erf(this); }
  floor(): Tensor { return ops.floor(this); }
  ceil(): Tensor { return ops.ceil(this); }
  round(): Tensor { return ops.round(this); }
  clamp(min?: number, max?: number): Tensor { return ops.clamp(this, min, max); }
  heaviside(values: TensorLike): Tensor { return ops.heaviside(this, values); }
  equal(b: TensorLike): Tensor { return ops.equal(this, b); }
  notEqual(b: TensorLike): Tensor { return ops.notEqual(this, b); }
  less(b: TensorLike): Tensor { return ops.less(this, b); }
  lessEqual(b: TensorLike): Tensor { return ops.lessEqual(this, b); }
  greater(b: TensorLike): Tensor { return ops.greater(this, b); }
  greaterEqual(b: TensorLike): Tensor { return ops.greaterEqual(this, b); }
  logicalAnd(b: TensorLike): Tensor { return ops.logicalAnd(this, b); }
  logicalOr(b: TensorLike): Tensor { return ops.logicalOr(this, b); }
  logicalXor(b: TensorLike): Tensor { return ops.logicalXor(this, b); }
  logicalNot(): Tensor { return ops.logicalNot(this); }
  isNaN(): Tensor { return ops.isNaN(this); }
  cast(dtype: DType): Tensor { return ops.cast(this, dtype); }
  /** A copy with new storage. */
  clone(): Tensor { return ops.clone(this); }

  // ---- reductions
  sum(axes?: number | readonly number[], keepDims?: boolean): Tensor { return ops.sum(this, axes, keepDims); }
  mean(axes?: number | readonly number[], keepDims?: boolean): Tensor { return ops.mean(this, axes, keepDims); }
  prod(axes?: number | readonly number[], keepDims?: boolean): Tensor { return ops.prod(this, axes, keepDims); }
  max(axes?: number | readonly number[], keepDims?: boolean): Tensor { return ops.max(this, axes, keepDims); }
  min(axes?: number | readonly number[], keepDims?: boolean): Tensor { return ops.min(this, axes, keepDims); }
  argmax(axis?: number, keepDims?: boolean): Tensor { return ops.argmax(this, axis, keepDims); }
  argmin(axis?: number, keepDims?: boolean): Tensor { return ops.argmin(this, axis, keepDims); }
  var(axes?: number | readonly number[], options?: ops.VarianceOptions): Tensor { return ops.variance(this, axes, options); }
  std(axes?: number | readonly number[], options?: ops.VarianceOptions): Tensor { return ops.std(this, axes, options); }
  logSumExp(axes?: number | readonly number[], keepDims?: boolean): Tensor { return ops.logSumExp(this, axes, keepDims); }
  any(axes?: number | readonly number[], keepDims?: boolean): Tensor { return ops.any(this, axes, keepDims); }
  all(axes?: number | readonly number[], keepDims?: boolean): Tensor { return ops.all(this, axes, keepDims); }
  cumsum(axis: number, options?: ops.CumsumOptions): Tensor { return ops.cumsum(this, axis, options); }
  topk(k: number, options?: ops.TopkOptions): { values: Tensor; indices: Tensor } { return ops.topk(this, k, options); }

  // ---- movement
  reshape(shape: readonly number[]): Tensor { return ops.reshape(this, shape); }
  flatten(startDim?: number, endDim?: number): Tensor { return ops.flatten(this, startDim, endDim); }
  squeeze(axes?: number | readonly number[]): Tensor { return ops.squeeze(this, axes); }
  unsqueeze(axis: number): Tensor { return ops.unsqueeze(this, axis); }
  expand(shape: readonly number[]): Tensor { return ops.expand(this, shape); }
  broadcastTo(shape: readonly number[]): Tensor { return ops.broadcastTo(this, shape); }
  transpose(dim0?: number, dim1?: number): Tensor { return ops.transpose(this, dim0, dim1); }
  permute(dims: readonly number[]): Tensor { return ops.permute(this, dims); }
  /** The transpose of a matrix (reverses all axes). */
  get T(): Tensor { return ops.transpose(this); }
  slice(starts: readonly number[], ends?: readonly number[], steps?: readonly number[], axes?: readonly number[]): Tensor { return ops.slice(this, starts, ends, steps, axes); }
  split(sizes: number | readonly number[], axis?: number): Tensor[] { return ops.split(this, sizes, axis); }
  chunk(chunks: number, axis?: number): Tensor[] { return ops.chunk(this, chunks, axis); }
  pad(pads: readonly (readonly [number, number])[], options?: ops.PadOptions): Tensor { return ops.pad(this, pads, options); }
  flip(axes: number | readonly number[]): Tensor { return ops.flip(this, axes); }
  tile(reps: readonly number[]): Tensor { return ops.tile(this, reps); }
  repeat(repeats: number, axis?: number): Tensor { return ops.repeat(this, repeats, axis); }
  gather(indices: Tensor, axis?: number): Tensor { return ops.gather(this, indices, axis); }
  indexSelect(axis: number, index: Tensor): Tensor { return ops.indexSelect(this, axis, index); }
  takeAlongAxis(indices: Tensor, axis: number): Tensor { return ops.takeAlongAxis(this, indices, axis); }
  scatterAdd(indices: Tensor, updates: Tensor, axis: number): Tensor { return ops.scatterAdd(this, indices, updates, axis); }
  oneHot(numClasses: number, options?: ops.OneHotOptions): Tensor { return ops.oneHot(this, numClasses, options); }

  // ---- linear algebra and nn
  matmul(b: Tensor, options?: ops.MatmulOptions): Tensor { return ops.matmul(this, b, options); }
  softmax(axis?: number): Tensor { return ops.softmax(this, axis); }
  logSoftmax(axis?: number): Tensor { return ops.logSoftmax(this, axis); }
}

/**
 * A tensor whose value can be replaced in place: the model parameters and optimizer state that a
 * training step updates. Its identity (and `id`) stays the same across `assign`, so maps keyed by
 * it (gradients, optimizer state) stay valid. Gradient records saved before an `assign` keep the
 * old value alive, so the update never corrupts a pending backward pass.
 *
 * @example
 * ```ts
 * const w = variable(zeros([3]));
 * w.assign(w.add(1));          // w now holds [1, 1, 1]
 * ```
 */
export class Variable extends Tensor {
  /** A name for messages and state dicts. */
  name: string | undefined;

  /**
   * Replaces this variable's value by `value`'s (shared, no copy); `value` stays usable and is
   * the caller's to dispose. The shape and dtype must not change; the backend may (that is how
   * `module.to(backend)` moves parameters).
   * @throws TensorError `SHAPE_MISMATCH` / `DTYPE_MISMATCH` when they differ; `TENSOR_DISPOSED`.
   */
  assign(value: Tensor): void {
    engine.assertLive(this, 'assign');
    engine.assertLive(value, 'assign');
    if (value.shape.length !== this.shape.length || value.shape.some((d, i) => d !== this.shape[i])) {
      throw new TensorError('SHAPE_MISMATCH', 'assign', `variable ${this.name ?? `id=${this.id}`} has shape ${fmtShape(this.shape)}, the new value has ${fmtShape(value.shape)}`);
    }
    if (value.dtype !== this.dtype) {
      throw new TensorError('DTYPE_MISMATCH', 'assign', `variable ${this.name ?? `id=${this.id}`} has dtype ${this.dtype}, the new value has ${value.dtype}`);
    }
    if (value.storage === this.storage) return;
    engine.swapStorage(this, value.storage);
  }
}

/**
 * A {@link Variable} holding a copy of `initial` (which stays the caller's). Variables are created
 * with `requiresGrad: true` unless told otherwise.
 */
export function variable(initial: Tensor, options: { name?: string; requiresGrad?: boolean } = {}): Variable {
  checkOptions('variable', options, ['name', 'requiresGrad']);
  engine.assertLive(initial, 'variable');
  const v = engine.makeVariable(initial.storage, initial.shape, initial.dtype);
  v.name = options.name;
  v.requiresGrad = options.requiresGrad ?? true;
  return v;
}

function nest(values: TypedArray, shape: readonly number[], dtype: DType): NestedArray {
  const asBool = dtype === 'bool';
  const read = (i: number): number | boolean => (asBool ? values[i] !== 0 : values[i]!);
  if (shape.length === 0) return read(0);
  const build = (axis: number, offset: number, stride: number): NestedArray[] => {
    const n = shape[axis]!;
    const inner = stride / Math.max(n, 1);
    const out: NestedArray[] = [];
    for (let i = 0; i < n; i++) {
      out.push(axis === shape.length - 1 ? read(offset + i) : build(axis + 1, offset + i * inner, inner));
    }
    return out;
  };
  return build(0, 0, sizeOf(shape));
}
