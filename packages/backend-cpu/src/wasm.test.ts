/**
 * The WebAssembly kernels against the TypeScript ones (the reference), on shapes that cross the
 * GEMM's block edges (MC = 128, KC = 256, NC = 1024, the 4×8 micro-tile) and the convolution
 * cases the packers special-case (padding, stride, dilation, groups, 1×1, odd widths).
 * The conformance suite runs on each variant as well (packages/conformance/src/backend-cpu-*.test.ts).
 */
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { BinaryOp, Conv2dParams, DType, ReduceOp, TensorInfo, UnaryOp } from '@tessera/tensor-core';
import { makeTypedArray, sizeOf } from '@tessera/tensor-core';
import { cpu, type CpuBackend } from './index.js';
import { sizeClass, WasmHeap } from './wasm/heap.js';
import { collapsePermutation } from '@tessera/tensor-core';
import { wasmSupported } from './wasm/module.js';
import { randomValues } from './test-utils/helpers.js';

// Node 20 validates relaxed SIMD only behind this flag (Node 22+ ships it).
setFlagsFromString('--experimental-wasm-relaxed-simd');

const reference = cpu({ wasm: false });

/** Every element within `atol + rtol·|expected|`; equal infinities and NaN against NaN pass. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) throw new Error(`element ${i}: ${a} != ${e} (atol ${atol}, rtol ${rtol})`);
  }
}

function put(b: CpuBackend, shape: readonly number[], values: ArrayLike<number>, dtype: DType = 'float32'): TensorInfo {
  const size = sizeOf(shape);
  const handle = b.allocate(size, dtype);
  const data = makeTypedArray(dtype, size);
  for (let i = 0; i < size; i++) data[i] = values[i]!;
  b.write(handle, data);
  return { handle, shape: [...shape], dtype };
}

const empty = (b: CpuBackend, shape: readonly number[], dtype: DType = 'float32'): TensorInfo => ({
  handle: b.allocate(sizeOf(shape), dtype),
  shape: [...shape],
  dtype,
});

/** Runs `kernel` on both backends with the same inputs and compares the outputs. */
function compare(
  b: CpuBackend,
  inputs: { shape: number[]; values?: number[]; dtype?: DType }[],
  outShape: number[],
  kernel: (backend: CpuBackend, ins: TensorInfo[], out: TensorInfo) => void,
  tol = 1e-5,
  outDtype: DType = 'float32',
): void {
  const values = inputs.map((x, i) => x.values ?? randomValues(sizeOf(x.shape), 7 + i * 31 + x.shape.length));
  const run = (backend: CpuBackend): number[] => {
    const ins = inputs.map((x, i) => put(backend, x.shape, values[i]!, x.dtype));
    const out = empty(backend, outShape, outDtype);
    kernel(backend, ins, out);
    const result = Array.from(backend.readSync(out));
    for (const t of [...ins, out]) backend.free(t.handle);
    return result;
  };
  expectClose(run(b), run(reference), tol, tol);
}

function conv(p: Partial<Conv2dParams> = {}): Conv2dParams {
  return { stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 1, ...p };
}

const outSize = (size: number, k: number, s: number, p0: number, p1: number, d: number): number =>
  Math.floor((size + p0 + p1 - d * (k - 1) - 1) / s) + 1;

for (const variant of ['simd', 'relaxed'] as const) {
  describe.skipIf(!wasmSupported(variant))(`wasm: '${variant}'`, () => {
    const b = cpu({ wasm: variant });

    it('runs the chosen build', () => {
      expect(b.wasm).toBe(variant);
    });

    it('matmul: block edges, transposes, batch broadcast', () => {
      const cases: [number, number, number, number, number, number][] = [
        // batch, ba, bb, m, k, n
        [1, 1, 1, 1, 1, 1],
        [1, 1, 1, 3, 5, 7],
        [1, 1, 1, 4, 8, 8],
        [1, 1, 1, 37, 300, 19],
        [1, 1, 1, 130, 260, 1030],
        [3, 3, 3, 9, 17, 33],
        [4, 4, 1, 5, 6, 7],
        [4, 1, 4, 5, 6, 7],
      ];
      for (const [batch, ba, bb, m, k, n] of cases) {
        for (const ta of [false, true]) {
          for (const tb of [false, true]) {
            compare(
              b,
              [{ shape: ta ? [ba, k, m] : [ba, m, k] }, { shape: tb ? [bb, n, k] : [bb, k, n] }],
              [batch, m, n],
              (be, [x, y], out) => be.matmul(x!, y!, ta, tb, out),
              2e-5 * Math.sqrt(k),
            );
          }
        }
      }
    });

    it('matmul: float64 and int32 take the TypeScript kernels', () => {
      compare(b, [{ shape: [1, 3, 4], dtype: 'float64' }, { shape: [1, 4, 2], dtype: 'float64' }], [1, 3, 2], (be, [x, y], out) => be.matmul(x!, y!, false, false, out), 1e-12, 'float64');
      const ints = (n: number) => Array.from({ length: n }, (_, i) => (i * 7) % 11 - 5);
      compare(
        b,
        [{ shape: [1, 3, 4], dtype: 'int32', values: ints(12) }, { shape: [1, 4, 2], dtype: 'int32', values: ints(8) }],
        [1, 3, 2],
        (be, [x, y], out) => be.matmul(x!, y!, false, false, out),
        0,
        'int32',
      );
    });

    const convCases: { n: number; c: number; h: number; w: number; o: number; k: [number, number]; p: Partial<Conv2dParams> }[] = [
      { n: 2, c: 1, h: 28, w: 28, o: 8, k: [3, 3], p: { padding: [1, 1, 1, 1] } },
      { n: 2, c: 3, h: 9, w: 11, o: 5, k: [3, 3], p: {} },
      { n: 1, c: 4, h: 10, w: 13, o: 6, k: [3, 2], p: { stride: [2, 3], padding: [1, 0, 2, 1] } },
      { n: 1, c: 2, h: 12, w: 12, o: 3, k: [3, 3], p: { dilation: [2, 2], padding: [2, 2, 2, 2] } },
      { n: 2, c: 4, h: 6, w: 7, o: 6, k: [3, 3], p: { groups: 2, padding: [1, 1, 1, 1] } },
      { n: 2, c: 6, h: 5, w: 5, o: 4, k: [1, 1], p: {} },
      { n: 1, c: 3, h: 8, w: 8, o: 3, k: [3, 3], p: { groups: 3, padding: [1, 1, 1, 1] } },
      { n: 1, c: 40, h: 34, w: 34, o: 20, k: [3, 3], p: { padding: [1, 1, 1, 1] } },
    ];
    for (const { n, c, h, w, o, k, p } of convCases) {
      const params = conv(p);
      const oh = outSize(h, k[0], params.stride[0], params.padding[0], params.padding[1], params.dilation[0]);
      const ow = outSize(w, k[1], params.stride[1], params.padding[2], params.padding[3], params.dilation[1]);
      const wShape = [o, c / params.groups, k[0], k[1]];
      const label = `x[${n},${c},${h},${w}] w[${wShape.join(',')}] ${JSON.stringify(p)}`;
      const tol = 2e-5 * Math.sqrt(c * k[0] * k[1] * n * oh * ow);
      it(`conv2d and both gradients: ${label}`, () => {
        compare(b, [{ shape: [n, c, h, w] }, { shape: wShape }], [n, o, oh, ow], (be, [x, wt], out) => be.conv2d(x!, wt!, params, out), tol);
        compare(b, [{ shape: [n, o, oh, ow] }, { shape: wShape }], [n, c, h, w], (be, [dy, wt], out) => be.conv2dBackpropInput(dy!, wt!, params, out), tol);
        compare(b, [{ shape: [n, c, h, w] }, { shape: [n, o, oh, ow] }], wShape, (be, [x, dy], out) => be.conv2dBackpropFilter(x!, dy!, params, out), tol);
      });
    }

    it('binary ops: same shape, scalars, broadcasts, odd lengths', () => {
      const ops: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow', 'less'];
      const shapes: [number[], number[], number[]][] = [
        [[7], [7], [7]],
        [[1], [9], [9]],
        [[9], [1], [9]],
        [[1], [1], [1]],
        [[5, 6], [6], [5, 6]],
        [[5, 1], [1, 6], [5, 6]],
        [[2, 3, 4, 5], [1, 3, 1, 1], [2, 3, 4, 5]],
        [[2, 1, 4, 3], [3, 1, 3], [2, 3, 4, 3]],
      ];
      for (const op of ops) {
        for (const [sa, sb, so] of shapes) {
          compare(b, [{ shape: sa }, { shape: sb }], so, (be, [x, y], out) => be.binary(op, x!, y!, out), 0, op === 'less' ? 'bool' : 'float32');
        }
      }
    });

    it('binary ops propagate NaN like the TypeScript kernels', () => {
      const special = [NaN, 1, -0, 0, Infinity, -Infinity, 3, NaN, 2];
      const other = [1, NaN, 0, -0, Infinity, 1, -Infinity, 2, NaN];
      for (const op of ['add', 'mul', 'div', 'maximum', 'minimum'] as BinaryOp[]) {
        compare(b, [{ shape: [9], values: special }, { shape: [9], values: other }], [9], (be, [x, y], out) => be.binary(op, x!, y!, out), 0);
      }
    });

    it('comparisons, where, transposes', () => {
      const special = [NaN, 1, -0, 0, Infinity, -Infinity, 3, NaN, 2, 5, 5];
      const other = [1, NaN, 0, -0, Infinity, 1, -Infinity, 2, NaN, 5, 4];
      for (const op of ['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual'] as BinaryOp[]) {
        compare(b, [{ shape: [11], values: special }, { shape: [11], values: other }], [11], (be, [x, y], out) => be.binary(op, x!, y!, out), 0, 'bool');
        compare(b, [{ shape: [3, 4] }, { shape: [1] }], [3, 4], (be, [x, y], out) => be.binary(op, x!, y!, out), 0, 'bool');
        compare(b, [{ shape: [3, 1, 5] }, { shape: [4, 1] }], [3, 4, 5], (be, [x, y], out) => be.binary(op, x!, y!, out), 0, 'bool');
      }
      const cond = (n: number): number[] => Array.from({ length: n }, (_, i) => (i * 5) % 3 === 0 ? 1 : 0);
      for (const dtype of ['float32', 'int32'] as const) {
        const ints = (n: number, s: number): number[] => randomValues(n, s).map((v) => Math.round(v * 100));
        compare(b, [{ shape: [13], dtype: 'bool', values: cond(13) }, { shape: [13], dtype, values: ints(13, 1) }, { shape: [13], dtype, values: ints(13, 2) }], [13], (be, [c, x, y], out) => be.where(c!, x!, y!, out), 0, dtype);
        compare(b, [{ shape: [4, 5], dtype: 'bool', values: cond(20) }, { shape: [1], dtype, values: [7] }, { shape: [5], dtype, values: ints(5, 3) }], [4, 5], (be, [c, x, y], out) => be.where(c!, x!, y!, out), 0, dtype);
        compare(b, [{ shape: [4, 1], dtype: 'bool', values: cond(4) }, { shape: [4, 5], dtype, values: ints(20, 4) }, { shape: [1, 5], dtype, values: ints(5, 5) }], [4, 5], (be, [c, x, y], out) => be.where(c!, x!, y!, out), 0, dtype);
        const transposes = [
          [[5, 7], [1, 0]],
          [[3, 17, 33], [0, 2, 1]],
          [[2, 3, 4, 5], [0, 1, 3, 2]],
          [[2, 3, 4], [2, 1, 0]],
          [[40, 20], [1, 0]],
          [[4, 3, 5, 6], [1, 0, 2, 3]],
          [[2, 1, 3, 1], [1, 3, 0, 2]],
          [[2, 3, 4, 5], [0, 2, 3, 1]],
          [[6, 1, 5], [1, 2, 0]],
        ] as [number[], number[]][];
        for (const [shape, perm] of transposes) {
          const outShape = perm.map((p) => shape[p]!);
          compare(b, [{ shape, dtype, values: ints(sizeOf(shape), 9) }], outShape, (be, [x], out) => be.transpose(x!, perm, out), 0, dtype);
        }
      }
    });

    it('max pooling and its gradient', () => {
      const cases: { shape: number[]; k: [number, number]; s: [number, number]; p: [number, number, number, number]; d: [number, number] }[] = [
        { shape: [2, 3, 8, 8], k: [2, 2], s: [2, 2], p: [0, 0, 0, 0], d: [1, 1] },
        { shape: [1, 2, 7, 9], k: [3, 3], s: [2, 2], p: [1, 1, 1, 1], d: [1, 1] },
        { shape: [1, 1, 9, 9], k: [2, 3], s: [1, 2], p: [1, 0, 1, 1], d: [2, 1] },
        { shape: [2, 2, 7, 11], k: [2, 2], s: [2, 2], p: [0, 0, 0, 0], d: [1, 1] },
      ];
      for (const { shape, k, s, p, d } of cases) {
        const params = { kernelSize: k, stride: s, padding: p, dilation: d, countIncludePad: false };
        const [n = 0, c = 0, h = 0, w = 0] = shape;
        const oh = outSize(h, k[0], s[0], p[0], p[1], d[0]);
        const ow = outSize(w, k[1], s[1], p[2], p[3], d[1]);
        // Rounded values make ties: the first maximal cell must win in both.
        const values = randomValues(sizeOf(shape), 3).map((v) => Math.round(v * 3));
        values[5] = NaN;
        compare(b, [{ shape, values }], [n, c, oh, ow], (be, [x], out) => be.maxPool2d(x!, params, out), 0);
        compare(b, [{ shape: [n, c, oh, ow] }, { shape, values }], shape, (be, [dy, x], out) => be.maxPool2dBackward(dy!, x!, params, out), 0);
      }
    });

    it('unary ops', () => {
      const values = [...randomValues(37, 5).map((v) => v * 10), NaN, -0, 0, 2.5, -2.5, 0.5, -1.5, Infinity, -Infinity, 1e-30];
      const ops: UnaryOp[] = ['neg', 'abs', 'sqrt', 'relu', 'square', 'reciprocal', 'floor', 'ceil', 'round', 'exp'];
      for (const op of ops) compare(b, [{ shape: [values.length], values }], [values.length], (be, [x], out) => be.unary(op, x!, out), 0);
    });

    it('reductions over rows', () => {
      const ops: ReduceOp[] = ['sum', 'max', 'min'];
      for (const op of ops) {
        for (const [outer, r] of [[1, 1], [3, 7], [4, 64], [2, 1001], [5, 0]] as const) {
          compare(b, [{ shape: [outer, r] }], [outer], (be, [x], out) => be.reduce(op, x!, r, out), 1e-6);
        }
        const withNaN = [1, 2, NaN, 4, 5, 6, 7, 8, 9];
        compare(b, [{ shape: [1, 9], values: withNaN }], [1], (be, [x], out) => be.reduce(op, x!, 9, out), 0);
      }
    });

    it('adamUpdate: bit for bit the TypeScript kernel in every weight-decay mode, across the SIMD tail', () => {
      const modes = [
        { weightDecay: 0, decoupled: false, maximize: false },
        { weightDecay: 0.1, decoupled: false, maximize: true },
        { weightDecay: 0.2, decoupled: true, maximize: false },
      ];
      for (const n of [1, 3, 4, 7, 1029]) {
        const p = randomValues(n, 71);
        const g = randomValues(n, 72).map((x) => x * 3);
        const m = randomValues(n, 73).map((x) => x * 0.1);
        const v = randomValues(n, 74).map((x) => x * x * 0.01);
        for (const [i, mode] of modes.entries()) {
          const hyper = { lr: 0.003, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 1 + i * 5, ...mode };
          const run = (backend: CpuBackend, sameMoments: boolean): number[][] => {
            const ins = [p, g, m, v].map((x) => put(backend, [n], x));
            const outs = [0, 1, 2].map(() => empty(backend, [n]));
            // The first step passes one zero-or-not buffer as both moments (tensor-core does).
            const vIn = sameMoments ? ins[2]! : ins[3]!;
            backend.adamUpdate(ins[0]!, ins[1]!, ins[2]!, vIn, hyper, outs[0]!, outs[1]!, outs[2]!);
            const result = outs.map((o) => Array.from(backend.readSync(o)));
            for (const t of [...ins, ...outs]) backend.free(t.handle);
            return result;
          };
          for (const same of [false, true]) {
            const [wasm, ts] = [run(b, same), run(reference, same)];
            // Object.is: equal bits up to NaN payloads, and -0 apart from 0.
            for (let k = 0; k < 3; k++) for (let j = 0; j < n; j++) if (!Object.is(wasm[k]![j], ts[k]![j])) throw new Error(`n=${n} mode ${i} output ${k} element ${j}: ${wasm[k]![j]} != ${ts[k]![j]}`);
          }
        }
      }
    });

    it('keeps every dtype in WebAssembly memory and survives memory growth', () => {
      const be = cpu({ wasm: variant });
      const small = put(be, [3], [1, 2, 3]);
      const flags = put(be, [4], [0, 1, 1, 0], 'bool');
      const doubles = put(be, [2], [0.1, 0.2], 'float64');
      // 64 MiB forces the memory (1 MiB at first) to grow: earlier views are re-derived.
      const big = be.allocate(16 << 20, 'float32');
      expect(Array.from(be.readSync(small))).toEqual([1, 2, 3]);
      expect(Array.from(be.readSync(flags))).toEqual([0, 1, 1, 0]);
      expect(Array.from(be.readSync(doubles))).toEqual([0.1, 0.2]);
      be.free(big);
      be.free(small.handle);
      be.free(small.handle);
      expect(be.memory()).toEqual({ bytes: 4 + 16, buffers: 2 });
      be.dispose();
    });
  });
}

describe.skipIf(!wasmSupported('simd'))('threads', () => {
  it('splits large matmuls and convolutions over a worker pool, with the single-thread results', async () => {
    const b = cpu({ wasm: 'simd', threads: 2 });
    expect(b.threads).toBe(2);
    // Workers start asynchronously (until then the calling thread does all the work).
    await new Promise((resolve) => setTimeout(resolve, 500));
    // 2·130·1030·260 ≈ 70 MFLOP: above the threshold, split by columns; a batch of 3: by matrices.
    for (const [batch, m, k, n] of [[1, 130, 260, 1030], [3, 64, 300, 200], [1, 300, 200, 20]] as const) {
      for (const [ta, tb] of [[false, false], [true, true]] as const) {
        compare(b, [{ shape: ta ? [batch, k, m] : [batch, m, k] }, { shape: tb ? [batch, n, k] : [batch, k, n] }], [batch, m, n], (be, [x, y], out) => be.matmul(x!, y!, ta, tb, out), 2e-5 * Math.sqrt(k));
      }
    }
    const params = conv({ padding: [1, 1, 1, 1] });
    const [n, c, h, w, o] = [5, 16, 20, 20, 16];
    const tol = 2e-5 * Math.sqrt(c * 9 * n * h * w);
    compare(b, [{ shape: [n, c, h, w] }, { shape: [o, c, 3, 3] }], [n, o, h, w], (be, [x, wt], out) => be.conv2d(x!, wt!, params, out), tol);
    compare(b, [{ shape: [n, o, h, w] }, { shape: [o, c, 3, 3] }], [n, c, h, w], (be, [dy, wt], out) => be.conv2dBackpropInput(dy!, wt!, params, out), tol);
    compare(b, [{ shape: [n, c, h, w] }, { shape: [n, o, h, w] }], [o, c, 3, 3], (be, [x, dy], out) => be.conv2dBackpropFilter(x!, dy!, params, out), tol);
    b.dispose();
  });

  it('rejects a bad thread count', () => {
    expect(() => cpu({ threads: 0 })).toThrow(RangeError);
    expect(() => cpu({ threads: 1.5 })).toThrow(RangeError);
  });
});

describe('collapsePermutation', () => {
  it('drops size-1 axes and merges axes that stay adjacent', () => {
    expect(collapsePermutation([2, 3, 4, 5], [1, 0, 2, 3])).toEqual({ shape: [2, 3, 20], perm: [1, 0, 2] });
    expect(collapsePermutation([2, 3, 4, 5], [0, 1, 3, 2])).toEqual({ shape: [6, 4, 5], perm: [0, 2, 1] });
    expect(collapsePermutation([2, 1, 3], [2, 1, 0])).toEqual({ shape: [2, 3], perm: [1, 0] });
    expect(collapsePermutation([2, 3], [0, 1])).toEqual({ shape: [6], perm: [0] });
    expect(collapsePermutation([1, 1], [1, 0])).toEqual({ shape: [], perm: [] });
  });
});

describe('WasmHeap', () => {
  it('reuses freed blocks of the same size class and aligns to 16 bytes', () => {
    const heap = new WasmHeap(new WebAssembly.Memory({ initial: 1 }));
    const a = heap.alloc(10);
    const b = heap.alloc(100);
    expect(a % 16).toBe(0);
    expect(b % 16).toBe(0);
    heap.release(a, 10);
    expect(heap.alloc(16)).toBe(a);
    const big = heap.alloc(100_000);
    expect(heap.generation).toBeGreaterThan(0);
    heap.release(big, 100_000);
    expect(heap.alloc(100_000)).toBe(big);
    expect(heap.alloc(0)).toBe(0);
  });

  it('rounds large sizes to at most 12.5% above the request', () => {
    for (const n of [4097, 5000, 65_537, 1_000_001, 123_456_789]) {
      expect(sizeClass(n)).toBeGreaterThanOrEqual(n);
      expect(sizeClass(n)).toBeLessThanOrEqual(n * 1.125 + 16);
    }
  });
});

describe('cpu({ wasm })', () => {
  it('wasm: false keeps typed arrays on the JavaScript heap', () => {
    expect(cpu({ wasm: false }).wasm).toBe(false);
  });
  it("wasm: 'auto' picks the best build this engine runs", () => {
    expect(cpu({ wasm: 'auto' }).wasm).toBe(wasmSupported('relaxed') ? 'relaxed' : wasmSupported('simd') ? 'simd' : false);
  });
});
