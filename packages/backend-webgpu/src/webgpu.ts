/// <reference types="@webgpu/types" preserve="true" />
/**
 * The WebGPU backend object: device acquisition, storage on pooled GPU buffers, and the kernel
 * table assembled from `kernels/`.
 */
import type { AdamHyperparameters, Backend, BackendCapabilities, DataHandle, DType, TensorInfo, TypedArray } from '@tessera/tensor-core';
import { checkOptions, optionKeys, BACKEND_SPEC_VERSION } from '@tessera/tensor-core';
import { GpuHandle, makeKernels } from './context.js';
import { gpuError } from './errors.js';
import { elementwiseKernels } from './kernels/elementwise.js';
import { fusedKernels } from './kernels/fused.js';
import { gemmKernels, type GemmTile } from './kernels/gemm.js';
import { movementKernels } from './kernels/movement.js';
import { poolKernels } from './kernels/pool.js';
import { randomKernels } from './kernels/random.js';
import { reduceKernels } from './kernels/reduce.js';
import type { PoolStats } from './pool.js';
import { GpuRuntime, type WebGpuStats } from './runtime.js';
import { WORD } from './wgsl.js';

/** Options of {@link webgpu}. */
export interface WebGpuOptions {
  /**
   * The application's own device. The backend records into its queue and never destroys it
   * (`dispose` releases only the backend's buffers).
   */
  readonly device?: GPUDevice;
  /**
   * Where to find an adapter when no `device` is given: a `GPU` object such as `navigator.gpu`,
   * or the one returned by `create([...])` of the `webgpu` package in Node. Defaults to
   * `navigator.gpu`, else (in Node) `create(['backend=vulkan'])` of the optional `webgpu` package.
   */
  readonly gpu?: GPU;
  /** Passed to `requestAdapter` (e.g. `{ powerPreference: 'high-performance' }`). */
  readonly adapterOptions?: GPURequestAdapterOptions;
  /** Dispatches recorded into one command encoder before it is submitted. Default 128. */
  readonly maxDispatchesPerSubmit?: number;
  /** Bytes of freed buffers kept for reuse; beyond this a freed buffer is destroyed. Default 1 GiB. */
  readonly maxPooledBytes?: number;
  /**
   * One register tile for every matrix product and convolution, instead of the default choice
   * by size (4×4 blocks for small products, 8×8 for large ones). For tuning on a given GPU
   * (`benchmarks/gpu/matmul-tiles.ts` times each); most code never sets it.
   */
  readonly gemmTile?: GemmTile;
}

/** What the WebGPU backend can do, beyond {@link BackendCapabilities}. */
export interface WebGpuCapabilities extends BackendCapabilities {
  /** Whether the device offers `shader-f16` (float16 tensors are not implemented yet). */
  readonly shaderF16: boolean;
}

/** Memory held by the backend: live buffers (tensors) and free buffers kept in the pool. */
export interface WebGpuMemory extends PoolStats {
  /** Live plus pooled bytes: what the backend holds on the device. */
  readonly bytes: number;
  /** Live plus pooled buffers. */
  readonly buffers: number;
}

/** The WebGPU backend: asynchronous reads, every optional fused kernel, and a few extras. */
export interface WebGpuBackend extends Backend {
  readonly name: 'webgpu';
  readonly capabilities: WebGpuCapabilities;
  /** The device the backend records into. */
  readonly device: GPUDevice;
  softmax(x: TensorInfo, out: TensorInfo): void;
  logSoftmax(x: TensorInfo, out: TensorInfo): void;
  gelu(x: TensorInfo, approximate: 'none' | 'tanh', out: TensorInfo): void;
  layerNorm(x: TensorInfo, normSize: number, epsilon: number, out: TensorInfo): void;
  batchNorm(x: TensorInfo, mean: TensorInfo, variance: TensorInfo, weight: TensorInfo | undefined, bias: TensorInfo | undefined, epsilon: number, out: TensorInfo): void;
  adamUpdate(param: TensorInfo, grad: TensorInfo, m: TensorInfo, v: TensorInfo, hyper: AdamHyperparameters, paramOut: TensorInfo, mOut: TensorInfo, vOut: TensorInfo): void;
  memory(): WebGpuMemory;
  /** Dispatch, submit, pipeline and pool counters since creation. */
  stats(): WebGpuStats & PoolStats;
  /** Submits recorded work and resolves when the GPU has finished it (for timing; reads need no sync). */
  sync(): Promise<void>;
  /** Destroys pooled buffers and, unless the device was passed in, the device; drops the GPU object. */
  dispose(): void;
}

/** The `webgpu` npm package, loaded only in Node (an optional peer dependency). */
interface DawnModule {
  create(options: string[]): GPU;
}

/**
 * The one Dawn instance of this process, created on first use and kept: Dawn (webgpu 0.6.2)
 * aborts the whole process when the garbage collector frees an instance whose device had
 * allocated buffers (a `std::system_error` or a futex assertion from its destructor), so
 * `webgpu()` called again after `dispose()` reuses it instead of creating a new one. A live
 * instance without live devices does not keep Node from exiting.
 */
let dawnInstance: GPU | undefined;

async function defaultGpu(): Promise<GPU | undefined> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu !== undefined) return nav.gpu;
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  if (!isNode) return undefined;
  if (dawnInstance !== undefined) return dawnInstance;
  // A variable specifier keeps bundlers from pulling Dawn into browser builds.
  const specifier = 'webgpu';
  try {
    const dawn = (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as DawnModule;
    dawnInstance = dawn.create(['backend=vulkan']);
    return dawnInstance;
  } catch (e) {
    throw gpuError('UNSUPPORTED', 'webgpu', `no navigator.gpu, and the optional 'webgpu' package (Dawn for Node) could not be loaded: ${(e as Error).message}`);
  }
}

/**
 * Creates the WebGPU backend. In a browser it uses `navigator.gpu`; in Node it loads the
 * optional `webgpu` package (Dawn) unless you pass `gpu` or your own `device`.
 *
 * Tensors live in GPU buffers (float32 as f32, int32 as i32, bool as one u32 per element). Every
 * op records a compute dispatch and returns; work is submitted in batches and only a read waits
 * for the GPU, so use `await t.data()` (`dataSync()` throws `SYNC_READ_UNSUPPORTED`).
 *
 * @throws TensorError `UNSUPPORTED` when no adapter or device is available.
 * @example
 * ```ts
 * import { setBackend, randn } from '@tessera/tensor-core';
 * import { webgpu } from '@tessera/backend-webgpu';
 *
 * const backend = await setBackend(webgpu());
 * const y = randn([256, 256], { seed: 1 }).matmul(randn([256, 256], { seed: 2 }));
 * console.log(await y.sum().item());
 * backend.dispose?.();
 * ```
 */
export async function webgpu(options: WebGpuOptions = {}): Promise<WebGpuBackend> {
  checkOptions('webgpu', options, optionKeys<WebGpuOptions>({ device: true, gpu: true, adapterOptions: true, maxDispatchesPerSubmit: true, maxPooledBytes: true, gemmTile: true }));
  // Before a device is requested: a bad tile must not cost (or leak) one.
  checkGemmTile(options.gemmTile);
  let gpu: GPU | undefined;
  let device = options.device;
  const ownDevice = device === undefined;
  if (device === undefined) {
    gpu = options.gpu ?? (await defaultGpu());
    if (gpu === undefined) throw gpuError('UNSUPPORTED', 'webgpu', 'WebGPU is not available here (no navigator.gpu)');
    const adapter = await gpu.requestAdapter(options.adapterOptions);
    if (adapter === null) throw gpuError('UNSUPPORTED', 'webgpu', 'WebGPU is available but no adapter was found (no GPU driver?)');
    const limits = adapter.limits;
    const requiredFeatures: GPUFeatureName[] = adapter.features.has('shader-f16') ? ['shader-f16'] : [];
    device = await adapter.requestDevice({
      requiredFeatures,
      requiredLimits: {
        maxBufferSize: limits.maxBufferSize,
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
      },
    });
  }
  return createBackend(device, ownDevice, options, () => {
    gpu = undefined;
  });
}

function createBackend(device: GPUDevice, ownDevice: boolean, options: WebGpuOptions, dropGpu: () => void): WebGpuBackend {
  const rt = new GpuRuntime(device, {
    maxDispatchesPerSubmit: options.maxDispatchesPerSubmit ?? 128,
    maxPooledBytes: options.maxPooledBytes ?? 2 ** 30,
  });
  const k = makeKernels(rt);
  const handleOf = (h: DataHandle): GpuHandle => h as GpuHandle;
  const maxBufferBytes = Math.min(device.limits.maxBufferSize, device.limits.maxStorageBufferBindingSize);

  const storage = {
    allocate(size: number, dtype: DType): DataHandle {
      rt.check('allocate');
      if (dtype === 'float64') throw gpuError('UNSUPPORTED', 'allocate', "backend 'webgpu' does not support dtype float64");
      const bytes = Math.max(1, size) * WORD;
      if (bytes > maxBufferBytes) {
        throw gpuError('OUT_OF_MEMORY', 'allocate', `${size} elements of ${dtype} need ${bytes} bytes; the device binds at most ${maxBufferBytes} bytes per buffer`);
      }
      return new GpuHandle(rt.pool.acquire(bytes), size, dtype);
    },
    write(handle: DataHandle, values: TypedArray): void {
      rt.check('write');
      const h = handleOf(handle);
      rt.write(h.buffer, toWords(values, h.dtype as DType));
    },
    async read(info: TensorInfo): Promise<TypedArray> {
      const h = handleOf(info.handle);
      const data = await rt.read(h.buffer, h.size * WORD, 'read');
      switch (info.dtype) {
        case 'int32':
          return new Int32Array(data);
        case 'bool':
          return Uint8Array.from(new Uint32Array(data), (v) => (v !== 0 ? 1 : 0));
        default:
          return new Float32Array(data);
      }
    },
    free(handle: DataHandle): void {
      const h = handleOf(handle);
      if (h.freed) return;
      h.freed = true;
      rt.pool.release(h.buffer);
    },
    memory(): WebGpuMemory {
      const s = rt.pool.stats();
      return { ...s, bytes: s.liveBytes + s.pooledBytes, buffers: s.liveBuffers + s.pooledBuffers };
    },
  };

  const kernels = {
    ...elementwiseKernels(k),
    ...reduceKernels(k),
    ...gemmKernels(k, options.gemmTile),
    ...poolKernels(k),
    ...movementKernels(k),
    ...randomKernels(k),
    ...fusedKernels(k),
  };
  // Every kernel first surfaces a pending device loss or GPU error, naming the op.
  for (const [name, fn] of Object.entries(kernels)) {
    (kernels as Record<string, unknown>)[name] = (...args: unknown[]): void => {
      rt.check(name);
      (fn as (...a: unknown[]) => void)(...args);
    };
  }

  const backend = {
    name: 'webgpu' as const,
    specVersion: BACKEND_SPEC_VERSION,
    capabilities: {
      dtypes: ['float32', 'int32', 'bool'] as const,
      syncRead: false,
      maxBufferBytes,
      shaderF16: device.features.has('shader-f16'),
    },
    device,
    ...storage,
    ...kernels,
    stats: () => rt.stats(),
    sync: () => rt.sync(),
    dispose(): void {
      rt.dispose(ownDevice);
      dropGpu();
    },
  } satisfies WebGpuBackend;
  return backend;
}

/** Host values as the 32-bit words stored for `dtype`. */
function toWords(values: TypedArray, dtype: DType): Float32Array | Int32Array | Uint32Array {
  switch (dtype) {
    case 'int32':
      return values instanceof Int32Array ? values : Int32Array.from(values);
    case 'bool':
      return Uint32Array.from(values, (v) => (v !== 0 ? 1 : 0));
    default:
      return values instanceof Float32Array ? values : Float32Array.from(values);
  }
}

function checkGemmTile(tile: GemmTile | undefined): void {
  if (tile === undefined) return;
  checkOptions('webgpu', tile, optionKeys<GemmTile>({ rows: true, cols: true, depth: true }), 'gemmTile');
  if (!((tile.rows === 4 || tile.rows === 8) && (tile.cols === 4 || tile.cols === 8) && (tile.depth === 8 || tile.depth === 16))) {
    throw gpuError('INVALID_ARGUMENT', 'webgpu', `gemmTile must be { rows: 4 | 8, cols: 4 | 8, depth: 8 | 16 }, got ${JSON.stringify(tile)}`);
  }
}
