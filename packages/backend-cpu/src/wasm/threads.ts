/**
 * The worker pool of a multi-threaded CPU backend (`cpu({ threads: n })`): `n - 1` workers, each
 * with its own instance of the shared-memory build over the backend's `WebAssembly.Memory`
 * (`shared: true`), so every thread reads and writes the tensors in place. The calling thread
 * takes a share of each job itself.
 *
 * Dispatch goes through a control block in the shared memory, not through messages: the caller
 * writes a function id and its arguments into a worker's slot, bumps the slot's sequence number
 * and `Atomics.notify`s; the worker (blocked in `Atomics.wait`) runs the export, stores the
 * sequence number into its `done` word and notifies back. Waking a sleeping worker costs tens of
 * microseconds, so only large ops are split (see the thresholds in kernels.ts).
 *
 * Workers are created from source text (an `eval` worker in Node, a Blob URL in browsers), so no
 * bundler has to know about a worker file. A worker that has not finished starting is simply not
 * given work: the calling thread does its share instead. Threads need `SharedArrayBuffer`
 * (browsers: a cross-origin-isolated page); without it `cpu()` stays single-threaded.
 */
import type { WasmHeap } from './heap.js';

/** Exports a worker can run, by id (the order is part of the protocol with WORKER_SOURCE). */
export const THREAD_FUNCTIONS = ['sgemm', 'sgemmBatched', 'conv2dForward', 'conv2dBackpropFilter', 'conv2dBackpropInput', 'binaryF32'] as const;
export type ThreadFunction = (typeof THREAD_FUNCTIONS)[number];

/** Int32 words per worker slot: seq, done, ready, fn, argc, then the arguments. */
const SLOT_WORDS = 32;
const SEQ = 0;
const DONE = 1;
const READY = 2;
const FN = 3;
const ARGC = 4;
const ARGS = 5;

const WORKER_SOURCE = `
'use strict';
const isNode = typeof require === 'function';
const port = isNode ? require('node:worker_threads').parentPort : self;
const FNS = ${JSON.stringify(THREAD_FUNCTIONS)};
function start(msg) {
  const { module, memory, slot } = msg;
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const fns = FNS.map((name) => instance.exports[name]);
  const ctl = new Int32Array(memory.buffer, slot, ${SLOT_WORDS});
  Atomics.store(ctl, ${READY}, 1);
  let seen = Atomics.load(ctl, ${SEQ});
  for (;;) {
    Atomics.wait(ctl, ${SEQ}, seen);
    const seq = Atomics.load(ctl, ${SEQ});
    if (seq === seen) continue;
    seen = seq;
    if (seq < 0) return;
    const args = Array.from(ctl.subarray(${ARGS}, ${ARGS} + ctl[${ARGC}]));
    fns[ctl[${FN}]](...args);
    Atomics.store(ctl, ${DONE}, seq);
    Atomics.notify(ctl, ${DONE});
  }
}
if (isNode) port.once('message', start);
else port.onmessage = (e) => { port.onmessage = null; start(e.data); };
`;

interface WorkerLike {
  postMessage(message: unknown): void;
  terminate(): unknown;
  unref?(): void;
}

type NodeWorkerThreads = { Worker: new (source: string, options: { eval: true }) => WorkerLike };

function spawnWorker(): WorkerLike | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const wt = proc?.getBuiltinModule?.('node:worker_threads') as NodeWorkerThreads | undefined;
  if (wt) {
    const w = new wt.Worker(WORKER_SOURCE, { eval: true });
    // Idle workers must not keep a Node process alive.
    w.unref?.();
    return w;
  }
  const g = globalThis as { Worker?: new (url: string) => WorkerLike; Blob?: typeof Blob; URL?: typeof URL };
  if (g.Worker && g.Blob && g.URL) {
    return new g.Worker(g.URL.createObjectURL(new g.Blob([WORKER_SOURCE], { type: 'text/javascript' })));
  }
  return undefined;
}

/** Whether this engine can run threads: shared memory, Atomics, and some kind of worker. */
export function threadsSupported(): boolean {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return false;
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown; process?: { getBuiltinModule?: unknown } };
  if (typeof g.process?.getBuiltinModule === 'function') return true;
  return g.crossOriginIsolated === true && typeof g.Worker === 'function';
}

/** A job for one thread: an export and its (int32) arguments. */
export interface Job {
  readonly fn: ThreadFunction;
  readonly args: readonly number[];
}

export class ThreadPool {
  /** Threads including the caller's. */
  readonly size: number;
  private readonly workers: WorkerLike[] = [];
  private readonly slotPtrs: number[] = [];
  private seq = 0;
  /** Jobs handed to workers so far (diagnostics and tests). */
  dispatched = 0;

  constructor(
    private readonly heap: WasmHeap,
    module: WebAssembly.Module,
    threads: number,
  ) {
    for (let i = 0; i < threads - 1; i++) {
      const ptr = heap.alloc(SLOT_WORDS * 4);
      new Int32Array(heap.buffer, ptr, SLOT_WORDS).fill(0);
      const worker = spawnWorker();
      if (!worker) {
        heap.release(ptr, SLOT_WORDS * 4);
        break;
      }
      worker.postMessage({ module, memory: heap.memory, slot: ptr });
      this.workers.push(worker);
      this.slotPtrs.push(ptr);
    }
    this.size = this.workers.length + 1;
  }

  private slot(i: number): Int32Array {
    // Re-derived per call: the shared buffer object changes when the memory grows.
    return new Int32Array(this.heap.buffer, this.slotPtrs[i]!, SLOT_WORDS);
  }

  /** Workers that have started and can take a job now. */
  readyWorkers(): number {
    let n = 0;
    for (let i = 0; i < this.workers.length; i++) if (Atomics.load(this.slot(i), READY) === 1) n++;
    return n;
  }

  /**
   * Runs `jobs[0]` on the calling thread and the others on ready workers, and returns when all are
   * done. `run(job)` runs a job on the calling thread. More jobs than ready workers + 1 run on the
   * calling thread after its own.
   */
  runAll(jobs: readonly Job[], run: (job: Job) => void): void {
    const posted: [Int32Array, number][] = [];
    const local: Job[] = [jobs[0]!];
    let w = 0;
    for (let j = 1; j < jobs.length; j++) {
      while (w < this.workers.length && Atomics.load(this.slot(w), READY) !== 1) w++;
      if (w >= this.workers.length) {
        local.push(jobs[j]!);
        continue;
      }
      const ctl = this.slot(w++);
      const job = jobs[j]!;
      ctl[FN] = THREAD_FUNCTIONS.indexOf(job.fn);
      ctl[ARGC] = job.args.length;
      for (let a = 0; a < job.args.length; a++) ctl[ARGS + a] = job.args[a]! | 0;
      const seq = ++this.seq;
      Atomics.store(ctl, SEQ, seq);
      Atomics.notify(ctl, SEQ);
      posted.push([ctl, seq]);
      this.dispatched++;
    }
    for (const job of local) run(job);
    for (const [ctl, seq] of posted) {
      // Spin briefly (the jobs are balanced), then block where the engine allows it.
      let spins = 0;
      while (Atomics.load(ctl, DONE) !== seq) {
        if (++spins > 2000) {
          try {
            Atomics.wait(ctl, DONE, Atomics.load(ctl, DONE), 1);
          } catch {
            /* a browser main thread cannot block: keep spinning */
          }
        }
      }
    }
  }

  /** Stops the workers. */
  terminate(): void {
    for (let i = 0; i < this.workers.length; i++) {
      const ctl = this.slot(i);
      Atomics.store(ctl, SEQ, -1);
      Atomics.notify(ctl, SEQ);
      void this.workers[i]!.terminate();
    }
    this.workers.length = 0;
  }
}
