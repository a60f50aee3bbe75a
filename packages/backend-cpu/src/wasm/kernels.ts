/**
 * The kernels that run in WebAssembly, as drop-in replacements for the TypeScript ones: each takes
 * the same `TensorInfo` records, runs the WebAssembly kernel on the operands' byte offsets when it
 * covers the case (float32, and the op and layout it implements), and otherwise calls the
 * TypeScript kernel, which works on views of the same memory. So a kernel missing here costs
 * speed, never a copy.
 *
 * Scratch space (GEMM packing buffers, the column chunk of the input gradient) comes from the
 * heap before any view is taken: an allocation may grow the memory and detach views.
 */
import type { AdamHyperparameters, BinaryOp, Conv2dParams, Pool2dParams, ReduceOp, TensorInfo, UnaryOp } from '@tessera/tensor-core';
import { adamScalars, broadcastLoops, collapsePermutation, convGeometry, poolGeometry, shapesEqual, type LoopPlan } from '@tessera/tensor-core';
import * as tsConv from '../kernels/conv2d.js';
import * as tsElementwise from '../kernels/elementwise.js';
import * as tsFused from '../kernels/fused.js';
import * as tsMatmul from '../kernels/matmul.js';
import * as tsMovement from '../kernels/movement.js';
import * as tsPool from '../kernels/pool.js';
import * as tsReduce from '../kernels/reduce.js';
import { forEachRow } from '../kernels/strided.js';
import { WasmHandle } from '../storage.js';
import type { WasmHeap } from './heap.js';
import type { KernelExports } from './module.js';
import type { Job, ThreadPool } from './threads.js';

const BINARY_CODES: Partial<Record<BinaryOp, number>> = { add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5 };
/** The weight-decay modes of assembly/optim.ts's `adamF32`. */
const ADAM_PLAIN = 0;
const ADAM_DECOUPLED = 1;
const ADAM_COUPLED = 2;
const COMPARE_CODES: Partial<Record<BinaryOp, number>> = { equal: 0, notEqual: 1, less: 2, lessEqual: 3, greater: 4, greaterEqual: 5 };
const UNARY_CODES: Partial<Record<UnaryOp, number>> = {
  neg: 0, abs: 1, sqrt: 2, relu: 3, square: 4, reciprocal: 5, floor: 6, ceil: 7, round: 8,
};

/**
 * The GEMM packing buffers (1.2 MiB), one per heap: kernels on one thread never overlap, so every
 * backend over the heap shares them.
 */
const workspaces = new WeakMap<WasmHeap, number>();

/** Largest column chunk of the input gradient, in elements (4 MiB of float32). */
const MAX_COLUMN_ELEMENTS = 1 << 20;

const ptrOf = (info: TensorInfo): number => (info.handle as WasmHandle).ptr;
const sizeOfHandle = (info: TensorInfo): number => (info.handle as WasmHandle).size;

/** Ops below this many FLOPs stay on one thread (waking a worker costs tens of microseconds). */
const PARALLEL_FLOPS = 1 << 22;

/** Splits `[0, n)` into at most `parts` ranges, each a multiple of `align` except the last. */
function split(n: number, parts: number, align = 1): [number, number][] {
  const step = Math.ceil(n / parts / align) * align;
  const out: [number, number][] = [];
  for (let i = 0; i < n; i += step) out.push([i, Math.min(n, i + step)]);
  // An empty range still runs once: the kernels zero their outputs.
  return out.length > 0 ? out : [[0, 0]];
}

/** The kernel table entries that have a WebAssembly path. */
export interface WasmKernels {
  matmul(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean, out: TensorInfo): void;
  conv2d(x: TensorInfo, w: TensorInfo, params: Conv2dParams, out: TensorInfo): void;
  conv2dBackpropInput(dy: TensorInfo, w: TensorInfo, params: Conv2dParams, out: TensorInfo): void;
  conv2dBackpropFilter(x: TensorInfo, dy: TensorInfo, params: Conv2dParams, out: TensorInfo): void;
  unary(op: UnaryOp, x: TensorInfo, out: TensorInfo): void;
  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo, out: TensorInfo): void;
  reduce(op: ReduceOp, x: TensorInfo, reduceSize: number, out: TensorInfo): void;
  where(condition: TensorInfo, a: TensorInfo, b: TensorInfo, out: TensorInfo): void;
  transpose(x: TensorInfo, perm: readonly number[], out: TensorInfo): void;
  maxPool2d(x: TensorInfo, params: Pool2dParams, out: TensorInfo): void;
  maxPool2dBackward(dy: TensorInfo, x: TensorInfo, params: Pool2dParams, out: TensorInfo): void;
  adamUpdate(param: TensorInfo, grad: TensorInfo, m: TensorInfo, v: TensorInfo, hyper: AdamHyperparameters, paramOut: TensorInfo, mOut: TensorInfo, vOut: TensorInfo): void;
}

/** Arguments of the max-pool entry points, in the order assembly/pool.ts takes them: planes, h, w, oh, ow, kernel, stride, padding, dilation. */
function poolArgs(xShape: readonly number[], yShape: readonly number[], p: Pool2dParams): number[] {
  const g = poolGeometry(xShape, yShape, p);
  return [g.planes, g.h, g.w, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.dh, g.dw];
}

/** Arguments of the conv entry points, in the order assembly/conv.ts takes them. */
function convArgs(xShape: readonly number[], wShape: readonly number[], yShape: readonly number[], p: Conv2dParams): number[] {
  const g = convGeometry(xShape, wShape, yShape, p);
  return [g.n, g.c, g.h, g.w, g.o, g.cg, g.kh, g.kw, g.oh, g.ow, g.g, g.sh, g.sw, g.pt, g.pl, g.dh, g.dw];
}

/** Multiply-adds ×2 of a convolution with this geometry. */
function convFlops(g: readonly number[]): number {
  const [n = 0, , , , o = 0, cg = 0, kh = 0, kw = 0, oh = 0, ow = 0] = g;
  return 2 * n * o * oh * ow * cg * kh * kw;
}

/** Bytes of one image of the input (`x`) or of the output (`y`) of a convolution. */
function imageBytes(g: readonly number[], which: 'x' | 'y'): number {
  const [, c = 0, h = 0, w = 0, o = 0, , , , oh = 0, ow = 0] = g;
  return (which === 'x' ? c * h * w : o * oh * ow) * 4;
}

/**
 * Depthwise convolutions (several groups of one input channel each) keep the direct TypeScript
 * loop: per group the GEMM would have one input row. A one-channel input with one group (the
 * first layer of an MNIST CNN) is an ordinary GEMM with K = kH·kW and takes the WebAssembly path.
 */
function isDepthwise(xShape: readonly number[], wShape: readonly number[], p: Conv2dParams): boolean {
  return wShape[1] === 1 && p.groups === xShape[1] && p.groups > 1;
}

/**
 * Builds the WebAssembly kernels over `heap` (the backend's memory) and `k` (the instance).
 * `tsWorkspace` is the TypeScript GEMM workspace, for the float64 fallbacks.
 */
export function makeWasmKernels(
  heap: WasmHeap,
  k: KernelExports,
  tsWorkspace: () => tsMatmul.GemmWorkspace,
  pool?: ThreadPool,
): WasmKernels {
  const ws = (): number => {
    let w = workspaces.get(heap);
    if (w === undefined) workspaces.set(heap, (w = heap.alloc(k.gemmWorkspaceBytes())));
    return w;
  };
  // One workspace per extra thread of the pool (thread 0 uses ws()).
  const threadWorkspaces: number[] = [];
  const wsOf = (t: number): number => {
    if (t === 0) return ws();
    while (threadWorkspaces.length < t) threadWorkspaces.push(heap.alloc(k.gemmWorkspaceBytes()));
    return threadWorkspaces[t - 1]!;
  };
  /** Threads to split an op of `flops` over: 1 without a pool, for small ops, or while workers start. */
  const threadsFor = (flops: number): number => (pool && flops >= PARALLEL_FLOPS ? Math.min(pool.size, 1 + pool.readyWorkers()) : 1);
  const runJobs = (jobs: Job[]): void => {
    if (jobs.length <= 1 || !pool) for (const job of jobs) (k[job.fn] as (...a: number[]) => void)(...job.args);
    else pool.runAll(jobs, (job) => (k[job.fn] as (...a: number[]) => void)(...job.args));
  };
  /** Storage of this heap (a handle of another backend's memory or of the TypeScript backend is not). */
  const mine = (info: TensorInfo): boolean => info.handle instanceof WasmHandle && info.handle.heap === heap;
  const isF32 = (info: TensorInfo): boolean => info.dtype === 'float32' && mine(info);
  /** 32-bit elements in this memory (movement kernels only move bits). */
  const is32 = (info: TensorInfo): boolean => (info.dtype === 'float32' || info.dtype === 'int32') && mine(info);

  type RowKernel = KernelExports['binaryF32'];
  const binaryRows = (kernel: RowKernel, code: number, plan: LoopPlan, a: number, b: number, o: number, outBytes: number): void => {
    // The plan's inner strides are 0 or 1 (operands are contiguous); the next dimension out
    // becomes the `rows` loop of one call, and any further ones an odometer here.
    const { shape, strides } = plan;
    const rank = shape.length;
    const n = shape[rank - 1]!;
    const sa = strides[0]![rank - 1]!;
    const sb = strides[1]![rank - 1]!;
    if (rank === 1) {
      kernel(code, 1, n, a, sa, 0, b, sb, 0, o, 0);
      return;
    }
    const rows = shape[rank - 2]!;
    const [aStep, bStep, oStep] = [strides[0]![rank - 2]!, strides[1]![rank - 2]!, strides[2]![rank - 2]!];
    const outer = shape.slice(0, rank - 2);
    const counter = outer.map(() => 0);
    let count = 1;
    for (const s of outer) count *= s;
    for (let i = 0; i < count; i++) {
      let ao = 0;
      let bo = 0;
      let oo = 0;
      for (let d = 0; d < outer.length; d++) {
        ao += counter[d]! * strides[0]![d]!;
        bo += counter[d]! * strides[1]![d]!;
        oo += counter[d]! * strides[2]![d]!;
      }
      kernel(code, rows, n, a + ao * 4, sa, aStep, b + bo * 4, sb, bStep, o + oo * outBytes, oStep);
      for (let d = outer.length - 1; d >= 0; d--) {
        if (++counter[d]! < outer[d]!) break;
        counter[d] = 0;
      }
    }
  };

  return {
    matmul(aInfo, bInfo, transposeA, transposeB, outInfo) {
      if (!isF32(outInfo) || !isF32(aInfo) || !isF32(bInfo)) {
        tsMatmul.matmul(aInfo, bInfo, transposeA, transposeB, outInfo, tsWorkspace());
        return;
      }
      const [ba = 1, ar = 0, ac = 0] = aInfo.shape;
      const [bb = 1, br = 0, bc = 0] = bInfo.shape;
      const batch = outInfo.shape[0] ?? 1;
      const m = transposeA ? ac : ar;
      const kk = transposeA ? ar : ac;
      const n = transposeB ? br : bc;
      const ars = transposeA ? 1 : kk;
      const acs = transposeA ? m : 1;
      const brs = transposeB ? 1 : n;
      const bcs = transposeB ? kk : 1;
      const [a, b, c] = [ptrOf(aInfo), ptrOf(bInfo), ptrOf(outInfo)];
      // One shared B: the batch of A rows is one tall matrix, and B is packed once.
      const fold = bb === 1 && !transposeA && batch > 1;
      const [gb, gm] = fold ? [1, batch * m] : [batch, m];
      const aStep = ba === 1 ? 0 : m * kk;
      const bStep = bb === 1 ? 0 : kk * n;
      const threads = threadsFor(2 * gb * gm * n * kk);
      if (threads === 1) {
        k.sgemmBatched(gb, gm, n, kk, a, ars, acs, fold ? 0 : aStep, b, brs, bcs, fold ? 0 : bStep, c, ws());
        return;
      }
      const jobs: Job[] = [];
      if (gb >= threads) {
        // Whole matrices per thread.
        split(gb, threads).forEach(([z0, z1], t) => {
          jobs.push({ fn: 'sgemmBatched', args: [z1 - z0, gm, n, kk, a + z0 * aStep * 4, ars, acs, aStep, b + z0 * bStep * 4, brs, bcs, bStep, c + z0 * gm * n * 4, wsOf(t)] });
        });
        runJobs(jobs);
        return;
      }
      // Each matrix split by columns (each thread packs only its part of B), or by rows when narrow.
      new Uint8Array(heap.buffer, c, gb * gm * n * 4).fill(0);
      for (let z = 0; z < gb; z++) {
        const [az, bz, cz] = [a + z * aStep * 4, b + z * bStep * 4, c + z * gm * n * 4];
        const parts = n >= 16 * threads ? split(n, threads, 8) : split(gm, threads, 4);
        const byColumns = n >= 16 * threads;
        parts.forEach(([i0, i1], t) => {
          jobs.push({
            fn: 'sgemm',
            args: byColumns
              ? [gm, i1 - i0, kk, az, ars, acs, bz + i0 * bcs * 4, brs, bcs, cz + i0 * 4, n, wsOf(t)]
              : [i1 - i0, n, kk, az + i0 * ars * 4, ars, acs, bz, brs, bcs, cz + i0 * n * 4, n, wsOf(t)],
          });
        });
        runJobs(jobs.splice(0));
      }
    },

    conv2d(xInfo, wInfo, params, outInfo) {
      if (!isF32(outInfo) || !isF32(xInfo) || !isF32(wInfo) || isDepthwise(xInfo.shape, wInfo.shape, params)) {
        tsConv.conv2d(xInfo, wInfo, params, outInfo, tsWorkspace());
        return;
      }
      const geometry = convArgs(xInfo.shape, wInfo.shape, outInfo.shape, params);
      const [x, w, y] = [ptrOf(xInfo), ptrOf(wInfo), ptrOf(outInfo)];
      const threads = threadsFor(convFlops(geometry));
      // Images are independent: whole images per thread.
      runJobs(
        split(geometry[0]!, threads).map(([i0, i1], t) => ({
          fn: 'conv2dForward',
          args: [x + i0 * imageBytes(geometry, 'x'), w, y + i0 * imageBytes(geometry, 'y'), wsOf(t), i1 - i0, ...geometry.slice(1)],
        })),
      );
    },

    conv2dBackpropFilter(xInfo, dyInfo, params, outInfo) {
      if (!isF32(outInfo) || !isF32(xInfo) || !isF32(dyInfo) || isDepthwise(xInfo.shape, outInfo.shape, params)) {
        tsConv.conv2dBackpropFilter(xInfo, dyInfo, params, outInfo, tsWorkspace());
        return;
      }
      const geometry = convArgs(xInfo.shape, outInfo.shape, dyInfo.shape, params);
      const [x, dy, dw] = [ptrOf(xInfo), ptrOf(dyInfo), ptrOf(outInfo)];
      const parts = split(geometry[0]!, threadsFor(convFlops(geometry)));
      // Thread 0 writes the weight gradient itself; each other thread a partial sum, added after.
      const size = sizeOfHandle(outInfo);
      const partials = parts.slice(1).map(() => heap.alloc(size * 4));
      try {
        runJobs(
          parts.map(([i0, i1], t) => ({
            fn: 'conv2dBackpropFilter',
            args: [x + i0 * imageBytes(geometry, 'x'), dy + i0 * imageBytes(geometry, 'y'), t === 0 ? dw : partials[t - 1]!, wsOf(t), i1 - i0, ...geometry.slice(1)],
          })),
        );
        for (const p of partials) k.binaryF32(0, 1, size, dw, 1, 0, p, 1, 0, dw, 0);
      } finally {
        for (const p of partials) heap.release(p, size * 4);
      }
    },

    conv2dBackpropInput(dyInfo, wInfo, params, outInfo) {
      if (!isF32(outInfo) || !isF32(dyInfo) || !isF32(wInfo)) {
        tsConv.conv2dBackpropInput(dyInfo, wInfo, params, outInfo, tsWorkspace());
        return;
      }
      const geometry = convArgs(outInfo.shape, wInfo.shape, dyInfo.shape, params);
      const [, , , , , cg = 0, kh = 0, kw = 0, oh = 0, ow = 0] = geometry;
      const kk = Math.max(1, cg * kh * kw);
      const ohw = oh * ow;
      const chunk = Math.max(1, Math.min(ohw, Math.floor(MAX_COLUMN_ELEMENTS / kk)));
      const [dy, w, dx] = [ptrOf(dyInfo), ptrOf(wInfo), ptrOf(outInfo)];
      const parts = split(geometry[0]!, threadsFor(convFlops(geometry)));
      const colBytes = kk * chunk * 4;
      const cols = parts.map(() => heap.alloc(colBytes));
      try {
        runJobs(
          parts.map(([i0, i1], t) => ({
            fn: 'conv2dBackpropInput',
            args: [dy + i0 * imageBytes(geometry, 'y'), w, dx + i0 * imageBytes(geometry, 'x'), wsOf(t), cols[t]!, chunk, i1 - i0, ...geometry.slice(1)],
          })),
        );
      } finally {
        for (const col of cols) heap.release(col, colBytes);
      }
    },

    adamUpdate(pInfo, gInfo, mInfo, vInfo, hyper, poInfo, moInfo, voInfo) {
      if (![pInfo, gInfo, mInfo, vInfo, poInfo, moInfo, voInfo].every(isF32)) {
        tsFused.adamUpdate(pInfo, gInfo, mInfo, vInfo, hyper, poInfo, moInfo, voInfo);
        return;
      }
      // float64 scalars: the call rounds each to float32 once (as Math.fround would).
      const c = adamScalars(hyper);
      const mode = hyper.weightDecay === 0 ? ADAM_PLAIN : hyper.decoupled ? ADAM_DECOUPLED : ADAM_COUPLED;
      k.adamF32(
        mode, sizeOfHandle(poInfo),
        ptrOf(pInfo), ptrOf(gInfo), ptrOf(mInfo), ptrOf(vInfo), ptrOf(poInfo), ptrOf(moInfo), ptrOf(voInfo),
        hyper.maximize ? -1 : 1, c.decay, c.l2, c.beta1, c.oneMinusBeta1, c.beta2, c.oneMinusBeta2, c.sqrtBiasCorrection2, c.eps, c.negStepSize,
      );
    },

    unary(op, xInfo, outInfo) {
      const code = UNARY_CODES[op];
      if (code === undefined || !isF32(xInfo) || !isF32(outInfo)) {
        tsElementwise.unary(op, xInfo, outInfo);
        return;
      }
      k.unaryF32(code, ptrOf(xInfo), ptrOf(outInfo), (outInfo.handle as WasmHandle).size);
    },

    binary(op, aInfo, bInfo, outInfo) {
      const arithmetic = BINARY_CODES[op];
      const comparison = COMPARE_CODES[op];
      const code = arithmetic ?? comparison;
      const outOk = arithmetic !== undefined ? isF32(outInfo) : outInfo.handle instanceof WasmHandle;
      if (code === undefined || !isF32(aInfo) || !isF32(bInfo) || !outOk) {
        tsElementwise.binary(op, aInfo, bInfo, outInfo);
        return;
      }
      const kernel = arithmetic !== undefined ? k.binaryF32 : k.compareF32;
      const n = sizeOfHandle(outInfo);
      if (n === 0) return;
      const aSize = sizeOfHandle(aInfo);
      const bSize = sizeOfHandle(bInfo);
      const a = ptrOf(aInfo);
      const b = ptrOf(bInfo);
      const o = ptrOf(outInfo);
      if (aSize === n && bSize === n && shapesEqual(aInfo.shape, bInfo.shape)) kernel(code, 1, n, a, 1, 0, b, 1, 0, o, 0);
      else if (aSize === 1 && bSize === n) kernel(code, 1, n, a, 0, 0, b, 1, 0, o, 0);
      else if (bSize === 1 && aSize === n) kernel(code, 1, n, a, 1, 0, b, 0, 0, o, 0);
      else binaryRows(kernel, code, broadcastLoops(outInfo.shape, [aInfo.shape, bInfo.shape]), a, b, o, arithmetic !== undefined ? 4 : 1);
    },

    where(cInfo, aInfo, bInfo, outInfo) {
      if (!is32(outInfo) || !is32(aInfo) || !is32(bInfo) || !(cInfo.handle instanceof WasmHandle)) {
        tsElementwise.where(cInfo, aInfo, bInfo, outInfo);
        return;
      }
      const n = sizeOfHandle(outInfo);
      if (n === 0) return;
      const [c, a, b, o] = [ptrOf(cInfo), ptrOf(aInfo), ptrOf(bInfo), ptrOf(outInfo)];
      const full = (info: TensorInfo): boolean => sizeOfHandle(info) === n;
      if (full(cInfo) && full(aInfo) && full(bInfo)) {
        k.where32(c, 1, a, 1, b, 1, o, n);
        return;
      }
      // Broadcasting: the inner strides of contiguous operands are 0 or 1; one call per row.
      const plan = broadcastLoops(outInfo.shape, [cInfo.shape, aInfo.shape, bInfo.shape]);
      const inner = (t: number): number => plan.strides[t]!.at(-1)!;
      const [sc, sa, sb] = [inner(0), inner(1), inner(2)];
      forEachRow(plan, (off, len) => k.where32(c + off[0]!, sc, a + off[1]! * 4, sa, b + off[2]! * 4, sb, o + off[3]! * 4, len));
    },

    transpose(xInfo, perm, outInfo) {
      if (!(xInfo.handle instanceof WasmHandle) || !(outInfo.handle instanceof WasmHandle)) {
        tsMovement.transpose(xInfo, perm, outInfo);
        return;
      }
      const q = collapsePermutation(xInfo.shape, perm);
      const elementBytes = xInfo.handle.byteLength / Math.max(1, xInfo.handle.size);
      const [x, o] = [ptrOf(xInfo), ptrOf(outInfo)];
      const [d0 = 1, d1 = 1, d2 = 1] = q.shape;
      const p = q.perm.join(',');
      if (q.perm.length <= 1) {
        // Only size-1 axes move: the bytes are unchanged.
        new Uint8Array(heap.buffer).copyWithin(o, x, x + xInfo.handle.byteLength);
      } else if (elementBytes === 4 && p === '1,0') {
        k.transpose32(x, o, 1, d0, d1);
      } else if (elementBytes === 4 && p === '0,2,1') {
        k.transpose32(x, o, d0, d1, d2);
      } else if (p === '1,0,2' && d2 * elementBytes >= 64) {
        // Blocks of d2 contiguous elements change places: [A, B, C] → [B, A, C].
        const bytes = new Uint8Array(heap.buffer);
        const block = d2 * elementBytes;
        for (let a = 0; a < d0; a++) {
          for (let b = 0; b < d1; b++) {
            const src = x + (a * d1 + b) * block;
            bytes.copyWithin(o + (b * d0 + a) * block, src, src + block);
          }
        }
      } else {
        tsMovement.transpose(xInfo, perm, outInfo);
      }
    },

    maxPool2d(xInfo, params, outInfo) {
      if (!isF32(xInfo) || !isF32(outInfo)) {
        tsPool.maxPool2d(xInfo, params, outInfo);
        return;
      }
      k.maxPool2dF32(ptrOf(xInfo), ptrOf(outInfo), ...poolArgs(xInfo.shape, outInfo.shape, params));
    },

    maxPool2dBackward(dyInfo, xInfo, params, outInfo) {
      if (!isF32(dyInfo) || !isF32(xInfo) || !isF32(outInfo)) {
        tsPool.maxPool2dBackward(dyInfo, xInfo, params, outInfo);
        return;
      }
      k.maxPool2dBackwardF32(ptrOf(dyInfo), ptrOf(xInfo), ptrOf(outInfo), ...poolArgs(xInfo.shape, dyInfo.shape, params));
    },

    reduce(op, xInfo, reduceSize, outInfo) {
      if (!isF32(xInfo) || !isF32(outInfo) || !(op === 'sum' || op === 'max' || op === 'min')) {
        tsReduce.reduce(op, xInfo, reduceSize, outInfo);
        return;
      }
      const outer = (outInfo.handle as WasmHandle).size;
      if (op === 'sum') k.sumRowsF32(ptrOf(xInfo), outer, reduceSize, ptrOf(outInfo));
      else k.maxMinRowsF32(ptrOf(xInfo), outer, reduceSize, ptrOf(outInfo), op === 'max' ? 1 : 0);
    },
  };
}
