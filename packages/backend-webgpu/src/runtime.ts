/// <reference types="@webgpu/types" />
/**
 * The GPU side of the backend: the device, the buffer pool, the pipeline cache and the command
 * stream.
 *
 * Kernels never submit. Each one records a dispatch into the open compute pass of one command
 * encoder; the encoder is submitted when it holds `maxDispatchesPerSubmit` dispatches, or when a
 * value is read. A training step therefore costs a handful of submits and no readback unless the
 * user asks for a value.
 *
 * Ordering: the GPU runs one queue in order. Host writes into a buffer go through the same
 * stream: when the encoder already holds commands, the data is staged in a mapped buffer and
 * copied by a command recorded in order; otherwise `queue.writeBuffer` is already ordered after
 * every earlier submit. So a pooled buffer can be reused right after it is freed.
 */
import type { TensorError } from '@tessera/tensor-core';
import { gpuError } from './errors.js';
import { BufferPool, sizeClass, type PoolStats } from './pool.js';

/** One compute dispatch: the WGSL source (also its cache key), its buffers in binding order, the grid. */
export interface Dispatch {
  readonly code: string;
  /** Bound at bindings 0, 1, ... in order (storage buffers, as the shader declares them). */
  readonly buffers: readonly GPUBuffer[];
  readonly workgroups: readonly [number, number, number];
  /** Bound at binding `buffers.length` as a uniform buffer, when present (32-bit words). */
  readonly uniform?: Uint32Array;
}

/** Counters for the "dispatches per training step" figure. */
export interface WebGpuStats {
  /** Compute dispatches recorded. */
  readonly dispatches: number;
  /** Command buffers submitted. */
  readonly submits: number;
  /** Compute pipelines compiled (the cache holds them all). */
  readonly pipelines: number;
  /** Buffers created on the device (storage, staging and uniform). */
  readonly buffersCreated: number;
  /** Reads back to the host. */
  readonly reads: number;
}

const BUFFER_USAGE = { MAP_READ: 0x01, COPY_SRC: 0x04, COPY_DST: 0x08, UNIFORM: 0x40 } as const;
const MAP_MODE_READ = 0x01;
/** Size of an upload arena (staged writes and uniforms of one batch). */
const ARENA_BYTES = 64 * 1024;

export interface RuntimeOptions {
  readonly maxDispatchesPerSubmit: number;
  readonly maxPooledBytes: number;
}

export class GpuRuntime {
  readonly pool: BufferPool;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private encoder: GPUCommandEncoder | undefined;
  private pass: GPUComputePassEncoder | undefined;
  /** Whether the open encoder holds commands (so a host write must be staged). */
  private recorded = false;
  private pendingDispatches = 0;
  /** Buffers used by the open encoder that must outlive its submit (staging, uniforms, destroyed pool buffers). */
  private destroyAfterSubmit: GPUBuffer[] = [];
  private counters = { dispatches: 0, submits: 0, pipelines: 0, buffersCreated: 0, reads: 0 };
  /** The upload arena of the open batch: staged writes and uniforms, in one mapped buffer. */
  private arena: { buffer: GPUBuffer; mapped: ArrayBuffer; used: number } | undefined;
  /**
   * Mappable buffers of finished reads, by size class, for the next reads: creating one per read
   * cost about 1 ms per read on an NVIDIA GPU through Dawn (host-visible memory is slow to get).
   */
  private readonly readBuffers = new Map<number, GPUBuffer[]>();
  private readBufferBytes = 0;
  private lostMessage: string | undefined;
  private deferredError: TensorError | undefined;
  private disposed = false;

  constructor(
    readonly device: GPUDevice,
    private readonly options: RuntimeOptions,
  ) {
    this.pool = new BufferPool(
      (bytes, usage) => this.createBuffer(bytes, usage),
      (buffer) => this.destroyLater(buffer),
      options.maxPooledBytes,
    );
    void device.lost.then((info) => {
      if (this.disposed) return;
      this.lostMessage = `the GPU device was lost (${info.reason}): ${info.message}`;
    });
    device.addEventListener('uncapturederror', (event) => {
      const error = (event as GPUUncapturedErrorEvent).error;
      this.deferredError ??= classify(error, 'webgpu');
    });
  }

  /** Throws the pending device loss or GPU error, if any, as a TensorError naming `op`. */
  check(op: string): void {
    if (this.disposed) throw gpuError('DEVICE_LOST', op, 'the WebGPU backend was disposed');
    if (this.lostMessage !== undefined) throw gpuError('DEVICE_LOST', op, this.lostMessage);
    const error = this.deferredError;
    if (error !== undefined) {
      this.deferredError = undefined;
      throw error;
    }
  }

  createBuffer(bytes: number, usage: number, mappedAtCreation = false): GPUBuffer {
    const max = this.device.limits.maxBufferSize;
    if (bytes > max) {
      throw gpuError('OUT_OF_MEMORY', 'allocate', `a buffer of ${bytes} bytes exceeds the device's maxBufferSize (${max} bytes)`);
    }
    this.counters.buffersCreated++;
    return this.device.createBuffer({ size: bytes, usage, mappedAtCreation });
  }

  /** Destroys `buffer` after the open encoder (which may use it) is submitted. */
  destroyLater(buffer: GPUBuffer): void {
    if (this.recorded) this.destroyAfterSubmit.push(buffer);
    else buffer.destroy();
  }

  private pipeline(code: string): GPUComputePipeline {
    let p = this.pipelines.get(code);
    if (p === undefined) {
      const device = this.device;
      device.pushErrorScope('validation');
      const module = device.createShaderModule({ code });
      p = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
      void device.popErrorScope().then((error) => {
        if (error !== null && error !== undefined) {
          this.deferredError ??= gpuError('BACKEND_ERROR', 'webgpu', `a kernel failed to compile: ${error.message}\n${code}`);
        }
      });
      this.pipelines.set(code, p);
      this.counters.pipelines++;
    }
    return p;
  }

  private openEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = undefined;
  }

  /** Records one dispatch; submits when the batch is full. */
  dispatch(d: Dispatch): void {
    const [x, y, z] = d.workgroups;
    if (x === 0 || y === 0 || z === 0) return;
    const pipeline = this.pipeline(d.code);
    const entries: GPUBindGroupEntry[] = d.buffers.map((buffer, binding) => ({ binding, resource: { buffer } }));
    if (d.uniform !== undefined) {
      const bytes = Math.max(16, Math.ceil(d.uniform.byteLength / 16) * 16);
      const at = this.upload(bytes, this.device.limits.minUniformBufferOffsetAlignment);
      new Uint32Array(at.mapped, at.offset, d.uniform.length).set(d.uniform);
      entries.push({ binding: d.buffers.length, resource: { buffer: at.buffer, offset: at.offset, size: bytes } });
    }
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const encoder = this.openEncoder();
    this.pass ??= encoder.beginComputePass();
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(x, y, z);
    this.recorded = true;
    this.counters.dispatches++;
    if (++this.pendingDispatches >= this.options.maxDispatchesPerSubmit) this.flush();
  }

  /** Records a buffer-to-buffer copy in the command stream. */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    if (bytes === 0) return;
    this.endPass();
    this.openEncoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
    this.recorded = true;
  }

  /** Writes host data into `dst` at `dstOffset`, ordered after every command recorded so far. */
  write(dst: GPUBuffer, data: ArrayBufferView, dstOffset = 0): void {
    const bytes = data.byteLength;
    if (bytes === 0) return;
    const src = new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, bytes);
    if (!this.recorded) {
      this.device.queue.writeBuffer(dst, dstOffset, src);
      return;
    }
    const at = this.upload(Math.ceil(bytes / 4) * 4, 4);
    new Uint8Array(at.mapped, at.offset, bytes).set(src);
    this.copy(at.buffer, at.offset, dst, dstOffset, Math.ceil(bytes / 4) * 4);
  }

  /**
   * Space for `bytes` of host data in the batch's upload arena: one buffer mapped at creation,
   * shared by every staged write and uniform of the batch, unmapped just before the submit. So a
   * batch creates one upload buffer, not one per scalar written.
   */
  private upload(bytes: number, align: number): { buffer: GPUBuffer; mapped: ArrayBuffer; offset: number } {
    let a = this.arena;
    let offset = a === undefined ? 0 : Math.ceil(a.used / align) * align;
    if (a === undefined || offset + bytes > a.buffer.size) {
      this.closeArena();
      const size = Math.max(ARENA_BYTES, Math.ceil(bytes / 256) * 256);
      const buffer = this.createBuffer(size, BUFFER_USAGE.COPY_SRC | BUFFER_USAGE.UNIFORM, true);
      a = { buffer, mapped: buffer.getMappedRange(), used: 0 };
      this.arena = a;
      offset = 0;
    }
    a.used = offset + bytes;
    return { buffer: a.buffer, mapped: a.mapped, offset };
  }

  private closeArena(): void {
    const a = this.arena;
    if (a === undefined) return;
    a.buffer.unmap();
    this.destroyAfterSubmit.push(a.buffer);
    this.arena = undefined;
  }

  /** Submits the recorded commands. */
  flush(): void {
    this.endPass();
    this.closeArena();
    if (this.encoder !== undefined && this.recorded) {
      this.device.queue.submit([this.encoder.finish()]);
      this.counters.submits++;
    }
    this.encoder = undefined;
    this.recorded = false;
    this.pendingDispatches = 0;
    for (const b of this.destroyAfterSubmit) b.destroy();
    this.destroyAfterSubmit = [];
  }

  /** Reads `bytes` from `src` after every recorded command: submits, then maps a staging copy. */
  async read(src: GPUBuffer, bytes: number, op: string): Promise<ArrayBuffer> {
    this.check(op);
    const size = Math.max(4, Math.ceil(bytes / 4) * 4);
    const staging = this.takeReadBuffer(size);
    this.copy(src, 0, staging, 0, size);
    this.flush();
    this.counters.reads++;
    try {
      await staging.mapAsync(MAP_MODE_READ, 0, size);
    } catch (e) {
      staging.destroy();
      this.check(op);
      throw gpuError('DEVICE_LOST', op, `reading back failed: ${(e as Error).message}`);
    }
    const data = staging.getMappedRange(0, size).slice(0, bytes);
    staging.unmap();
    this.giveBackReadBuffer(staging);
    this.check(op);
    return data;
  }

  private takeReadBuffer(bytes: number): GPUBuffer {
    const cls = sizeClass(bytes);
    const free = this.readBuffers.get(cls)?.pop();
    if (free !== undefined) {
      this.readBufferBytes -= cls;
      return free;
    }
    return this.createBuffer(cls, BUFFER_USAGE.MAP_READ | BUFFER_USAGE.COPY_DST);
  }

  private giveBackReadBuffer(buffer: GPUBuffer): void {
    if (this.disposed || this.readBufferBytes + buffer.size > MAX_READ_BUFFER_BYTES) {
      buffer.destroy();
      return;
    }
    const list = this.readBuffers.get(buffer.size) ?? [];
    list.push(buffer);
    this.readBuffers.set(buffer.size, list);
    this.readBufferBytes += buffer.size;
  }

  /** Resolves when the GPU has finished every submitted command. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
  }

  stats(): WebGpuStats & PoolStats {
    return { ...this.counters, ...this.pool.stats() };
  }

  dispose(destroyDevice: boolean): void {
    if (this.disposed) return;
    try {
      this.flush();
      this.pool.trim();
    } finally {
      this.disposed = true;
      this.pipelines.clear();
      for (const list of this.readBuffers.values()) for (const b of list) b.destroy();
      this.readBuffers.clear();
      this.readBufferBytes = 0;
      if (destroyDevice) this.device.destroy();
    }
  }
}

/** Bytes of mappable read buffers kept for reuse. */
const MAX_READ_BUFFER_BYTES = 64 * 2 ** 20;

function classify(error: GPUError, op: string): TensorError {
  const kind = error.constructor?.name ?? '';
  if (kind === 'GPUOutOfMemoryError' || /out of memory/i.test(error.message)) {
    return gpuError('OUT_OF_MEMORY', op, `the GPU ran out of memory: ${error.message}`);
  }
  return gpuError('BACKEND_ERROR', op, `the GPU reported an error: ${error.message}`);
}
