/**
 * The allocator of the WebAssembly backend: every tensor of a `cpu()` backend lives in one
 * `WebAssembly.Memory`, so the kernels read and write it in place and nothing is copied between
 * ops. Blocks are 16-byte aligned (a v128 load never straddles a line needlessly, and Float64Array
 * views need 8). Freed blocks go to a free list per size class and are reused exactly; sizes above
 * 4 KiB round up to one of eight classes per power of two (at most 12.5% slack), so a training
 * loop that allocates the same shapes every step reaches a steady state after one step. The
 * block at the top of the heap is returned to the bump pointer instead.
 *
 * Growing the memory detaches every typed-array view of the old buffer, so views are never cached
 * across calls: {@link WasmHeap.generation} changes on each growth and handles re-derive theirs.
 */

const PAGE = 65536;
/** Addresses below this stay unused: pointer 0 is the empty block, and AssemblyScript may place data low. */
const HEAP_BASE = 1024;
const MAX_PAGES = 65536;

/** The size class of a request, in bytes. */
export function sizeClass(bytes: number): number {
  if (bytes <= 0) return 0;
  if (bytes <= 4096) return (bytes + 15) & ~15;
  const step = 2 ** (Math.floor(Math.log2(bytes)) - 3);
  return Math.ceil(bytes / step) * step;
}

export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  /** Incremented whenever the memory grows (every view of the old buffer is then invalid). */
  generation = 0;
  private top = HEAP_BASE;
  private readonly freeLists = new Map<number, number[]>();
  /** Bytes in blocks handed out (by size class). */
  usedBytes = 0;

  constructor(memory: WebAssembly.Memory) {
    this.memory = memory;
  }

  /** The current buffer (re-read after any allocation). */
  get buffer(): ArrayBuffer {
    return this.memory.buffer as ArrayBuffer;
  }

  /** A 16-aligned block of at least `bytes` bytes (contents undefined). 0 for an empty block. */
  alloc(bytes: number): number {
    const size = sizeClass(bytes);
    if (size === 0) return 0;
    this.usedBytes += size;
    const list = this.freeLists.get(size);
    const reused = list?.pop();
    if (reused !== undefined) return reused;
    const ptr = this.top;
    const end = ptr + size;
    if (end > this.memory.buffer.byteLength) this.grow(end);
    this.top = end;
    return ptr;
  }

  /** Returns a block from {@link alloc} (with the same `bytes`). */
  release(ptr: number, bytes: number): void {
    const size = sizeClass(bytes);
    if (size === 0) return;
    this.usedBytes -= size;
    if (ptr + size === this.top) {
      this.top = ptr;
      return;
    }
    let list = this.freeLists.get(size);
    if (!list) this.freeLists.set(size, (list = []));
    list.push(ptr);
  }

  /** Bytes reserved from the memory so far (the high-water mark of the heap). */
  get reservedBytes(): number {
    return this.top;
  }

  private grow(end: number): void {
    const have = this.memory.buffer.byteLength / PAGE;
    const need = Math.ceil(end / PAGE);
    // Grow by at least half again, so that a growing heap re-derives its views O(log n) times.
    const target = Math.min(MAX_PAGES, Math.max(need, Math.ceil(have * 1.5)));
    if (need > MAX_PAGES) {
      throw new RangeError(`backend-cpu: out of WebAssembly memory: ${end} bytes needed, the limit is 4 GiB`);
    }
    this.memory.grow(target - have);
    this.generation++;
  }
}

let shared: WasmHeap | undefined;

/**
 * The heap of every WebAssembly `cpu()` backend of this JavaScript realm: one memory, so handles
 * stay valid across backend instances (as typed arrays did) and each new backend costs an
 * instance, not a memory. It starts at 1 MiB and grows on demand.
 */
export function sharedHeap(): WasmHeap {
  return (shared ??= new WasmHeap(new WebAssembly.Memory({ initial: 16 })));
}

let sharedThreaded: WasmHeap | undefined;

/**
 * The heap of every multi-threaded backend of this realm: a `shared: true` memory (up to 4 GiB,
 * reserved, not committed) that worker threads import too.
 */
export function sharedThreadHeap(): WasmHeap {
  return (sharedThreaded ??= new WasmHeap(new WebAssembly.Memory({ initial: 16, maximum: 65536, shared: true })));
}

