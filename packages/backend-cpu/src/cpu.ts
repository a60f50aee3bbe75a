/**
 * The CPU backend object: storage on typed arrays and the kernel table.
 */
import type {
  Backend,
  BackendMemory,
  Conv2dParams,
  DataHandle,
  DType,
  Pool2dParams,
  TensorInfo,
  TypedArray,
} from '@tessera/tensor-core';
import { BACKEND_SPEC_VERSION, makeTypedArray } from '@tessera/tensor-core';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './kernels/conv2d.js';
import { binary, cast, fill, range, unary, where } from './kernels/elementwise.js';
import { gelu, layerNorm, logSoftmax, softmax } from './kernels/fused.js';
import { DEFAULT_TILES, GemmWorkspace, matmul, type GemmTiles } from './kernels/matmul.js';
import { concat, gather, pad, scatterAdd, slice, transpose } from './kernels/movement.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './kernels/pool.js';
import { random } from './kernels/random.js';
import { cumsum, reduce, topk } from './kernels/reduce.js';
import { CpuHandle } from './storage.js';

export type { GemmTiles } from './kernels/matmul.js';

/** Options of {@link cpu}. */
export interface CpuBackendOptions {
  /**
   * Block sizes of the matrix-multiply kernel (also used by conv2d), in elements. The defaults
   * (`{ mc: 64, kc: 256, nc: 512 }`) keep a packed panel of B in L2; tune them for a machine in
   * the benchmarks, not in application code.
   */
  readonly matmulTiles?: Partial<GemmTiles>;
}

/** The CPU backend: a {@link Backend} with synchronous reads and every optional fused kernel. */
export interface CpuBackend extends Backend {
  readonly name: 'cpu';
  readSync(info: TensorInfo): TypedArray;
  softmax(x: TensorInfo, out: TensorInfo): void;
  logSoftmax(x: TensorInfo, out: TensorInfo): void;
  gelu(x: TensorInfo, approximate: 'none' | 'tanh', out: TensorInfo): void;
  layerNorm(x: TensorInfo, normSize: number, epsilon: number, out: TensorInfo): void;
  dispose(): void;
}

/**
 * Creates a CPU backend: tensors live in typed arrays (Float32Array, Float64Array, Int32Array,
 * Uint8Array for bool) and every kernel runs synchronously on the calling thread. Each call
 * returns an independent backend with its own memory counters; nothing is registered globally.
 *
 * Supports `float32`, `int32`, `bool` and `float64` (the dtype of finite-difference gradient
 * checks), and synchronous reads (`dataSync()`).
 *
 * @example
 * ```ts
 * import { cpu } from '@tessera/backend-cpu';
 *
 * const backend = cpu();
 * const a = backend.allocate(4, 'float32');
 * backend.write(a, new Float32Array([1, 2, 3, 4]));
 * const out = backend.allocate(4, 'float32');
 * const info = (handle: object) => ({ handle, shape: [2, 2], dtype: 'float32' as const });
 * backend.matmul(info(a), info(a), false, false, info(out));
 * console.log(backend.readSync(info(out))); // Float32Array [7, 10, 15, 22]
 * ```
 */
export function cpu(options: CpuBackendOptions = {}): CpuBackend {
  const tiles: GemmTiles = { ...DEFAULT_TILES, ...options.matmulTiles };
  let workspace: GemmWorkspace | undefined;
  // The packing buffers are allocated on the first matmul or convolution, not at creation.
  const ws = (): GemmWorkspace => (workspace ??= new GemmWorkspace(tiles));
  let bytes = 0;
  let buffers = 0;

  const handleOf = (handle: DataHandle): CpuHandle => handle as CpuHandle;
  const readCopy = (info: TensorInfo): TypedArray => handleOf(info.handle).data.slice();

  return {
    name: 'cpu' as const,
    specVersion: BACKEND_SPEC_VERSION,
    capabilities: { dtypes: ['float32', 'int32', 'bool', 'float64'], syncRead: true, maxBufferBytes: 2 ** 31 - 1 },

    allocate(size: number, dtype: DType): DataHandle {
      const data = makeTypedArray(dtype, size);
      bytes += data.byteLength;
      buffers++;
      return new CpuHandle(data, dtype);
    },
    write(handle: DataHandle, values: TypedArray): void {
      const h = handleOf(handle);
      if (h.dtype === 'bool' && !(values instanceof Uint8Array)) {
        for (let i = 0; i < values.length; i++) h.data[i] = values[i] !== 0 ? 1 : 0;
      } else {
        h.data.set(values);
      }
    },
    read(info: TensorInfo): Promise<TypedArray> {
      return Promise.resolve(readCopy(info));
    },
    readSync: readCopy,
    free(handle: DataHandle): void {
      const h = handleOf(handle);
      if (h.freed) return;
      bytes -= h.data.byteLength;
      buffers--;
      // Drop the array so a use after free reads nothing instead of stale values.
      h.data = makeTypedArray(h.dtype, 0);
      h.freed = true;
    },
    memory(): BackendMemory {
      return { bytes, buffers };
    },

    unary,
    binary,
    where,
    cast,
    fill,
    range,

    reduce,
    cumsum,
    topk,

    matmul: (a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean, out: TensorInfo): void =>
      matmul(a, b, transposeA, transposeB, out, ws()),
    conv2d: (x: TensorInfo, w: TensorInfo, params: Conv2dParams, out: TensorInfo): void => conv2d(x, w, params, out, ws()),
    conv2dBackpropInput: (dy: TensorInfo, w: TensorInfo, params: Conv2dParams, out: TensorInfo): void =>
      conv2dBackpropInput(dy, w, params, out, ws()),
    conv2dBackpropFilter: (x: TensorInfo, dy: TensorInfo, params: Conv2dParams, out: TensorInfo): void =>
      conv2dBackpropFilter(x, dy, params, out, ws()),
    maxPool2d: (x: TensorInfo, params: Pool2dParams, out: TensorInfo): void => maxPool2d(x, params, out),
    maxPool2dBackward,
    avgPool2d,
    avgPool2dBackward,

    transpose,
    slice,
    concat,
    pad,
    gather,
    scatterAdd,

    random,

    softmax,
    logSoftmax,
    gelu,
    layerNorm,

    dispose(): void {
      workspace = undefined;
    },
  } satisfies Backend;
}
