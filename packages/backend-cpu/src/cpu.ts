/**
 * The CPU backend object: storage on typed arrays and the kernel table.
 */
import type {
  AdamHyperparameters,
  Backend,
  BackendMemory,
  Conv2dParams,
  DataHandle,
  DType,
  Pool2dParams,
  TensorInfo,
  TypedArray,
} from '@tessera/tensor-core';
import { checkOptions, BACKEND_SPEC_VERSION, bytesPerElement, makeTypedArray } from '@tessera/tensor-core';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './kernels/conv2d.js';
import { binary, cast, fill, range, unary, where } from './kernels/elementwise.js';
import { adamUpdate, batchNorm, gelu, layerNorm, logSoftmax, softmax } from './kernels/fused.js';
import { DEFAULT_TILES, GemmWorkspace, matmul, type GemmTiles } from './kernels/matmul.js';
import { concat, gather, pad, scatterAdd, slice, transpose } from './kernels/movement.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './kernels/pool.js';
import { random } from './kernels/random.js';
import { cumsum, reduce, topk } from './kernels/reduce.js';
import { ArrayHandle, WasmHandle, type CpuHandle } from './storage.js';
import { sharedHeap, sharedThreadHeap } from './wasm/heap.js';
import { makeWasmKernels, type WasmKernels } from './wasm/kernels.js';
import { bestVariant, compiledModule, instantiate, sharedBuild, wasmSupported, type WasmVariant } from './wasm/module.js';
import { ThreadPool, threadsSupported } from './wasm/threads.js';

export type { GemmTiles } from './kernels/matmul.js';
export type { WasmVariant } from './wasm/module.js';

/** Options of {@link cpu}. */
export interface CpuBackendOptions {
  /**
   * Block sizes of the matrix-multiply kernel (also used by conv2d), in elements. The defaults
   * (`{ mc: 64, kc: 256, nc: 512 }`) keep a packed panel of B in L2; tune them for a machine in
   * the benchmarks, not in application code.
   */
  readonly matmulTiles?: Partial<GemmTiles>;
  /**
   * Which kernels run: `'auto'` (the default) picks the relaxed-SIMD build where the engine
   * validates it (FMA; Node 22+, Chrome 114+), else the plain-SIMD build, else the TypeScript
   * kernels; `'simd'` or `'relaxed'` demand that build (and throw where the engine lacks it);
   * `false` keeps everything in TypeScript on the JavaScript heap.
   */
  readonly wasm?: 'auto' | WasmVariant | false;
  /**
   * Threads for large matmuls and convolutions (default 1): `n` runs `n - 1` worker threads beside
   * the calling one over a shared `WebAssembly.Memory`; `'auto'` uses every logical core (at most 8).
   * Needs the WebAssembly kernels and `SharedArrayBuffer` (in browsers: a cross-origin-isolated
   * page); where either is missing the backend runs on one thread. Ops under about 4 MFLOP stay
   * on the calling thread, since waking a worker costs tens of microseconds.
   */
  readonly threads?: number | 'auto';
}

/** The CPU backend: a {@link Backend} with synchronous reads and every optional fused kernel. */
export interface CpuBackend extends Backend {
  readonly name: 'cpu';
  /** The WebAssembly build that runs the hot kernels, or `false` for TypeScript only. */
  readonly wasm: WasmVariant | false;
  /** Threads that large ops are split over (1: the calling thread only). */
  readonly threads: number;
  readSync(info: TensorInfo): TypedArray;
  softmax(x: TensorInfo, out: TensorInfo): void;
  logSoftmax(x: TensorInfo, out: TensorInfo): void;
  gelu(x: TensorInfo, approximate: 'none' | 'tanh', out: TensorInfo): void;
  layerNorm(x: TensorInfo, normSize: number, epsilon: number, out: TensorInfo): void;
  batchNorm(x: TensorInfo, mean: TensorInfo, variance: TensorInfo, weight: TensorInfo | undefined, bias: TensorInfo | undefined, epsilon: number, out: TensorInfo): void;
  adamUpdate(param: TensorInfo, grad: TensorInfo, m: TensorInfo, v: TensorInfo, hyper: AdamHyperparameters, paramOut: TensorInfo, mOut: TensorInfo, vOut: TensorInfo): void;
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
  checkOptions('cpu', options, ['matmulTiles', 'wasm', 'threads']);
  checkOptions('cpu', options.matmulTiles, ['mc', 'kc', 'nc'], 'matmulTiles');
  const tiles: GemmTiles = { ...DEFAULT_TILES, ...options.matmulTiles };
  let workspace: GemmWorkspace | undefined;
  // The packing buffers are allocated on the first matmul or convolution, not at creation.
  const ws = (): GemmWorkspace => (workspace ??= new GemmWorkspace(tiles));
  let bytes = 0;
  let buffers = 0;

  const variant = chooseVariant(options.wasm ?? 'auto');
  const threads = variant ? resolveThreads(options.threads ?? 1) : 1;
  // One memory for all single-threaded WebAssembly backends of this realm (see sharedHeap), and
  // one shared memory for all multi-threaded ones.
  const heap = variant ? (threads > 1 ? sharedThreadHeap() : sharedHeap()) : undefined;
  const build = variant && threads > 1 ? sharedBuild(variant) : variant;
  const pool = build && heap && threads > 1 ? new ThreadPool(heap, compiledModule(build), threads) : undefined;
  const fast: WasmKernels | undefined = build && heap ? makeWasmKernels(heap, instantiate(build, heap.memory), ws, pool) : undefined;

  const handleOf = (handle: DataHandle): CpuHandle => handle as CpuHandle;
  const readCopy = (info: TensorInfo): TypedArray => handleOf(info.handle).data.slice();

  return {
    name: 'cpu' as const,
    specVersion: BACKEND_SPEC_VERSION,
    capabilities: { dtypes: ['float32', 'int32', 'bool', 'float64'], syncRead: true, maxBufferBytes: 2 ** 31 - 1 },
    wasm: variant,
    threads: pool?.size ?? 1,

    allocate(size: number, dtype: DType): DataHandle {
      buffers++;
      if (heap) {
        const h = new WasmHandle(heap, heap.alloc(size * bytesPerElement(dtype)), size, dtype);
        bytes += h.byteLength;
        return h;
      }
      const data = makeTypedArray(dtype, size);
      bytes += data.byteLength;
      return new ArrayHandle(data, dtype);
    },
    write(handle: DataHandle, values: TypedArray): void {
      const data = handleOf(handle).data;
      if (data instanceof Uint8Array && !(values instanceof Uint8Array)) {
        for (let i = 0; i < values.length; i++) data[i] = values[i] !== 0 ? 1 : 0;
      } else {
        data.set(values);
      }
    },
    read(info: TensorInfo): Promise<TypedArray> {
      return Promise.resolve(readCopy(info));
    },
    readSync: readCopy,
    free(handle: DataHandle): void {
      const h = handle as ArrayHandle | WasmHandle;
      if (h.freed) return;
      bytes -= h instanceof WasmHandle ? h.byteLength : h.data.byteLength;
      buffers--;
      // Drops the storage, so a use after free reads nothing instead of stale values.
      h.free();
    },
    memory(): BackendMemory {
      return { bytes, buffers };
    },

    unary: fast?.unary ?? unary,
    binary: fast?.binary ?? binary,
    where: fast?.where ?? where,
    cast,
    fill,
    range,

    reduce: fast?.reduce ?? reduce,
    cumsum,
    topk,

    matmul:
      fast?.matmul ??
      ((a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean, out: TensorInfo): void =>
        matmul(a, b, transposeA, transposeB, out, ws())),
    conv2d: fast?.conv2d ?? ((x: TensorInfo, w: TensorInfo, params: Conv2dParams, out: TensorInfo): void => conv2d(x, w, params, out, ws())),
    conv2dBackpropInput:
      fast?.conv2dBackpropInput ??
      ((dy: TensorInfo, w: TensorInfo, params: Conv2dParams, out: TensorInfo): void => conv2dBackpropInput(dy, w, params, out, ws())),
    conv2dBackpropFilter:
      fast?.conv2dBackpropFilter ??
      ((x: TensorInfo, dy: TensorInfo, params: Conv2dParams, out: TensorInfo): void => conv2dBackpropFilter(x, dy, params, out, ws())),
    maxPool2d: fast?.maxPool2d ?? ((x: TensorInfo, params: Pool2dParams, out: TensorInfo): void => maxPool2d(x, params, out)),
    maxPool2dBackward: fast?.maxPool2dBackward ?? maxPool2dBackward,
    avgPool2d,
    avgPool2dBackward,

    transpose: fast?.transpose ?? transpose,
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
    batchNorm,
    adamUpdate: fast?.adamUpdate ?? adamUpdate,

    dispose(): void {
      workspace = undefined;
      pool?.terminate();
      // A WebAssembly.Memory cannot be released explicitly: it goes with the last reference to
      // this backend and its handles.
    },
  } satisfies CpuBackend;
}

/** Resolves the `wasm` option against what this engine supports. */
function chooseVariant(option: 'auto' | WasmVariant | false): WasmVariant | false {
  if (option === false) return false;
  if (option === 'auto') return bestVariant() ?? false;
  if (!wasmSupported(option)) {
    throw new Error(
      `cpu({ wasm: '${option}' }): this JavaScript engine does not run the '${option}' WebAssembly build` +
        (option === 'relaxed' ? ' (relaxed SIMD needs Node 22+ or --experimental-wasm-relaxed-simd on Node 20, Chrome 114+)' : ' (WebAssembly SIMD is missing)') +
        "; use wasm: 'auto' to fall back",
    );
  }
  return option;
}

/** Resolves the `threads` option: 1 where threads cannot run. */
function resolveThreads(option: number | 'auto'): number {
  if (!threadsSupported()) return 1;
  if (option === 'auto') {
    const g = globalThis as {
      navigator?: { hardwareConcurrency?: number };
      process?: { getBuiltinModule?: (id: string) => { availableParallelism?: () => number } | undefined };
    };
    const cores = g.navigator?.hardwareConcurrency ?? g.process?.getBuiltinModule?.('node:os')?.availableParallelism?.() ?? 1;
    return Math.max(1, Math.min(8, cores));
  }
  if (!Number.isInteger(option) || option < 1) throw new RangeError(`cpu({ threads }): expected a positive integer or 'auto', got ${String(option)}`);
  return option;
}

