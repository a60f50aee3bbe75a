import { describe, expect, it } from 'vitest';
import type { Conv2dParams, DType } from '@tessera/tensor-core';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './kernels/conv2d.js';
import { GemmWorkspace } from './kernels/matmul.js';
import { backend, empty, expectClose, randomValues, read, tensor } from './test-utils/helpers.js';

interface Case {
  name: string;
  n: number; c: number; h: number; w: number; o: number; kh: number; kw: number;
  p: Conv2dParams;
}

function outSize(q: Case): [number, number] {
  const [sh, sw] = q.p.stride;
  const [pt, pb, pl, pr] = q.p.padding;
  const [dh, dw] = q.p.dilation;
  return [
    Math.floor((q.h + pt + pb - dh * (q.kh - 1) - 1) / sh) + 1,
    Math.floor((q.w + pl + pr - dw * (q.kw - 1) - 1) / sw) + 1,
  ];
}

/**
 * Calls `visit(xIndex, wIndex, yIndex)` for every multiply-add of a direct convolution: the
 * forward pass, the input gradient and the weight gradient are all sums over these triples.
 */
function forEachTap(q: Case, visit: (xi: number, wi: number, yi: number) => void): void {
  const [oh, ow] = outSize(q);
  const g = q.p.groups;
  const cg = q.c / g;
  const og = q.o / g;
  for (let n = 0; n < q.n; n++)
    for (let o = 0; o < q.o; o++)
      for (let y = 0; y < oh; y++)
        for (let x = 0; x < ow; x++)
          for (let ci = 0; ci < cg; ci++)
            for (let i = 0; i < q.kh; i++)
              for (let j = 0; j < q.kw; j++) {
                const ih = y * q.p.stride[0] - q.p.padding[0] + i * q.p.dilation[0];
                const iw = x * q.p.stride[1] - q.p.padding[2] + j * q.p.dilation[1];
                if (ih < 0 || ih >= q.h || iw < 0 || iw >= q.w) continue;
                const c = Math.floor(o / og) * cg + ci;
                visit(
                  ((n * q.c + c) * q.h + ih) * q.w + iw,
                  ((o * cg + ci) * q.kh + i) * q.kw + j,
                  ((n * q.o + o) * oh + y) * ow + x,
                );
              }
}

const P = (stride: [number, number], padding: [number, number, number, number], dilation: [number, number], groups: number): Conv2dParams => ({
  stride, padding, dilation, groups,
});

const CASES: Case[] = [
  { name: '3x3 plain', n: 2, c: 3, h: 7, w: 6, o: 4, kh: 3, kw: 3, p: P([1, 1], [0, 0, 0, 0], [1, 1], 1) },
  { name: 'stride 2, same padding', n: 1, c: 2, h: 8, w: 9, o: 3, kh: 3, kw: 3, p: P([2, 2], [1, 1, 1, 1], [1, 1], 1) },
  { name: 'asymmetric padding and strides', n: 2, c: 2, h: 6, w: 5, o: 5, kh: 2, kw: 3, p: P([2, 1], [0, 2, 1, 0], [1, 1], 1) },
  { name: 'dilation 2', n: 1, c: 3, h: 9, w: 10, o: 2, kh: 3, kw: 2, p: P([1, 2], [2, 1, 0, 3], [2, 3], 1) },
  { name: 'groups 2', n: 2, c: 4, h: 5, w: 5, o: 6, kh: 3, kw: 3, p: P([1, 1], [1, 1, 1, 1], [1, 1], 2) },
  { name: 'depthwise', n: 2, c: 3, h: 6, w: 7, o: 3, kh: 3, kw: 3, p: P([2, 1], [1, 0, 1, 2], [1, 2], 3) },
  { name: 'depthwise multiplier 2', n: 1, c: 2, h: 5, w: 5, o: 4, kh: 2, kw: 2, p: P([1, 1], [0, 0, 0, 0], [1, 1], 2) },
  { name: '1x1 pointwise', n: 2, c: 5, h: 4, w: 3, o: 6, kh: 1, kw: 1, p: P([1, 1], [0, 0, 0, 0], [1, 1], 1) },
  { name: '1x1 strided', n: 1, c: 3, h: 5, w: 5, o: 2, kh: 1, kw: 1, p: P([2, 2], [0, 0, 0, 0], [1, 1], 1) },
  { name: 'large channels (crosses GEMM blocks)', n: 1, c: 40, h: 9, w: 9, o: 70, kh: 3, kw: 3, p: P([1, 1], [1, 1, 1, 1], [1, 1], 1) },
];

function setup(q: Case, dtype: DType) {
  const [oh, ow] = outSize(q);
  const xs = [q.n, q.c, q.h, q.w];
  const wsh = [q.o, q.c / q.p.groups, q.kh, q.kw];
  const ys = [q.n, q.o, oh, ow];
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  return {
    xs, wsh, ys,
    xv: randomValues(size(xs), 3),
    wv: randomValues(size(wsh), 5),
    dyv: randomValues(size(ys), 7),
    ysize: size(ys), xsize: size(xs), wsize: size(wsh),
  };
}

describe('conv2d and its gradients', () => {
  for (const q of CASES) {
    for (const dtype of ['float32', 'float64'] as const) {
      const tol = dtype === 'float64' ? 1e-12 : 2e-5;
      it(`${q.name} (${dtype})`, () => {
        const s = setup(q, dtype);
        const x = tensor(s.xs, s.xv, dtype);
        const w = tensor(s.wsh, s.wv, dtype);
        const dy = tensor(s.ys, s.dyv, dtype);

        const y = empty(s.ys, dtype);
        backend.conv2d(x, w, q.p, y);
        const yRef = new Array<number>(s.ysize).fill(0);
        forEachTap(q, (xi, wi, yi) => (yRef[yi] = yRef[yi]! + s.xv[xi]! * s.wv[wi]!));
        expectClose(read(y), yRef, tol, tol);

        const dx = empty(s.xs, dtype);
        backend.conv2dBackpropInput(dy, w, q.p, dx);
        const dxRef = new Array<number>(s.xsize).fill(0);
        forEachTap(q, (xi, wi, yi) => (dxRef[xi] = dxRef[xi]! + s.dyv[yi]! * s.wv[wi]!));
        expectClose(read(dx), dxRef, tol, tol);

        const dw = empty(s.wsh, dtype);
        backend.conv2dBackpropFilter(x, dy, q.p, dw);
        const dwRef = new Array<number>(s.wsize).fill(0);
        forEachTap(q, (xi, wi, yi) => (dwRef[wi] = dwRef[wi]! + s.dyv[yi]! * s.xv[xi]!));
        expectClose(read(dw), dwRef, tol, tol);
      });
    }
  }

  it('builds the column matrix in chunks of output positions (odd chunk sizes)', () => {
    // Tiny tiles and a 7-position column cap: chunks end mid-row and GEMM edges are partial.
    const ws = new GemmWorkspace({ mc: 4, kc: 5, nc: 8 }, 7 * 18);
    for (const q of CASES.filter((c) => c.name !== 'depthwise' && !c.name.startsWith('1x1 pointwise'))) {
      const s = setup(q, 'float64');
      const x = tensor(s.xs, s.xv, 'float64');
      const w = tensor(s.wsh, s.wv, 'float64');
      const dy = tensor(s.ys, s.dyv, 'float64');
      const y = empty(s.ys, 'float64');
      const dx = empty(s.xs, 'float64');
      const dw = empty(s.wsh, 'float64');
      conv2d(x, w, q.p, y, ws);
      conv2dBackpropInput(dy, w, q.p, dx, ws);
      conv2dBackpropFilter(x, dy, q.p, dw, ws);
      const yRef = new Array<number>(s.ysize).fill(0);
      const dxRef = new Array<number>(s.xsize).fill(0);
      const dwRef = new Array<number>(s.wsize).fill(0);
      forEachTap(q, (xi, wi, yi) => {
        yRef[yi] = yRef[yi]! + s.xv[xi]! * s.wv[wi]!;
        dxRef[xi] = dxRef[xi]! + s.dyv[yi]! * s.wv[wi]!;
        dwRef[wi] = dwRef[wi]! + s.dyv[yi]! * s.xv[xi]!;
      });
      expectClose(read(y), yRef, 1e-12, 1e-12);
      expectClose(read(dx), dxRef, 1e-12, 1e-12);
      expectClose(read(dw), dwRef, 1e-12, 1e-12);
    }
  });

  it('computes a literal 2x2 convolution', () => {
    const x = tensor([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const w = tensor([1, 1, 2, 2], [1, 0, 0, 1]);
    const y = empty([1, 1, 2, 2]);
    backend.conv2d(x, w, P([1, 1], [0, 0, 0, 0], [1, 1], 1), y);
    expect(read(y)).toEqual([6, 8, 12, 14]);
  });

  it('handles an empty batch', () => {
    const x = tensor([0, 2, 4, 4], []);
    const w = tensor([3, 2, 3, 3], randomValues(54));
    const y = empty([0, 3, 2, 2]);
    backend.conv2d(x, w, P([1, 1], [0, 0, 0, 0], [1, 1], 1), y);
    expect(read(y)).toEqual([]);
    const dw = empty([3, 2, 3, 3]);
    backend.conv2dBackpropFilter(x, y, P([1, 1], [0, 0, 0, 0], [1, 1], 1), dw);
    expect(read(dw)).toEqual(new Array(54).fill(0));
  });
});
