/// <reference types="@webgpu/types" preserve="true" />
/**
 * A pool of GPU storage buffers in size classes. A freed tensor's buffer goes back to the pool
 * and the next allocation of the same class reuses it, so a training loop that repeats the same
 * shapes stops creating buffers after its first step.
 *
 * Reuse needs no fence: every command runs on one queue in submission order, and the runtime
 * records writes into the same command stream (see `runtime.ts`), so a reused buffer is only
 * written after every earlier command that read it.
 */

/** Usage of every storage buffer: bound to shaders, and copied to and from. */
const STORAGE_USAGE = 0x80 /* STORAGE */ | 0x04 /* COPY_SRC */ | 0x08; /* COPY_DST */

/** The smallest buffer (bytes); WebGPU needs non-zero sizes that are multiples of 4. */
const MIN_BYTES = 16;

/**
 * The size class of a request: powers of two and the midpoints between them (`2^k`,
 * `1.5 · 2^k`), so a buffer wastes at most a third of its bytes and classes stay few.
 */
export function sizeClass(bytes: number): number {
  if (bytes <= MIN_BYTES) return MIN_BYTES;
  const p = 2 ** Math.ceil(Math.log2(bytes));
  const mid = (p / 4) * 3;
  return bytes <= mid && Number.isInteger(mid) && mid % 4 === 0 ? mid : p;
}

/** Bytes and buffers held by the backend's buffer pool. */
export interface PoolStats {
  /** Bytes of buffers in use by live tensors (their size classes). */
  readonly liveBytes: number;
  readonly liveBuffers: number;
  /** Bytes of free buffers kept for reuse. */
  readonly pooledBytes: number;
  readonly pooledBuffers: number;
}

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private liveBytes = 0;
  private liveBuffers = 0;
  private pooledBytes = 0;
  private pooledBuffers = 0;

  /**
   * @param create Creates a buffer of `bytes` (the runtime's, so creation errors are caught).
   * @param destroy Destroys a buffer once no pending command uses it.
   * @param maxPooledBytes Free bytes kept for reuse; a buffer freed beyond it is destroyed.
   */
  constructor(
    private readonly create: (bytes: number, usage: number) => GPUBuffer,
    private readonly destroy: (buffer: GPUBuffer) => void,
    private readonly maxPooledBytes: number,
  ) {}

  /** A buffer of at least `bytes`, from the pool when one of its class is free. */
  acquire(bytes: number): GPUBuffer {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    const reused = list?.pop();
    let buffer: GPUBuffer;
    if (reused !== undefined) {
      this.pooledBytes -= size;
      this.pooledBuffers--;
      buffer = reused;
    } else {
      buffer = this.create(size, STORAGE_USAGE);
    }
    this.liveBytes += size;
    this.liveBuffers++;
    return buffer;
  }

  /** Gives `buffer` back: pooled for reuse, or destroyed when the pool is full. */
  release(buffer: GPUBuffer): void {
    const size = buffer.size;
    this.liveBytes -= size;
    this.liveBuffers--;
    if (this.pooledBytes + size > this.maxPooledBytes) {
      this.destroy(buffer);
      return;
    }
    let list = this.free.get(size);
    if (list === undefined) {
      list = [];
      this.free.set(size, list);
    }
    list.push(buffer);
    this.pooledBytes += size;
    this.pooledBuffers++;
  }

  /** Destroys every pooled (free) buffer. */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) this.destroy(b);
    this.free.clear();
    this.pooledBytes = 0;
    this.pooledBuffers = 0;
  }

  stats(): PoolStats {
    return {
      liveBytes: this.liveBytes,
      liveBuffers: this.liveBuffers,
      pooledBytes: this.pooledBytes,
      pooledBuffers: this.pooledBuffers,
    };
  }
}
