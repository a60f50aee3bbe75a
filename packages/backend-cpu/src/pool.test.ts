import { describe, expect, it } from 'vitest';
import type { Pool2dParams } from '@tessera/tensor-core';
import { backend, empty, expectClose, randomValues, read, tensor } from './test-utils/helpers.js';

const P = (
  kernelSize: [number, number], stride: [number, number], padding: [number, number, number, number],
  dilation: [number, number] = [1, 1], countIncludePad = false,
): Pool2dParams => ({ kernelSize, stride, padding, dilation, countIncludePad });

function outSize(h: number, w: number, p: Pool2dParams): [number, number] {
  return [
    Math.floor((h + p.padding[0] + p.padding[1] - p.dilation[0] * (p.kernelSize[0] - 1) - 1) / p.stride[0]) + 1,
    Math.floor((w + p.padding[2] + p.padding[3] - p.dilation[1] * (p.kernelSize[1] - 1) - 1) / p.stride[1]) + 1,
  ];
}

/** Naive pooling: per window, the list of inside cells and the count of cells inside the padded extent. */
function windows(planes: number, h: number, w: number, p: Pool2dParams, visit: (o: number, cells: number[], padded: number) => void): void {
  const [oh, ow] = outSize(h, w, p);
  let o = 0;
  for (let pl = 0; pl < planes; pl++)
    for (let y = 0; y < oh; y++)
      for (let x = 0; x < ow; x++, o++) {
        const cells: number[] = [];
        let padded = 0;
        for (let i = 0; i < p.kernelSize[0]; i++)
          for (let j = 0; j < p.kernelSize[1]; j++) {
            const ih = y * p.stride[0] - p.padding[0] + i * p.dilation[0];
            const iw = x * p.stride[1] - p.padding[2] + j * p.dilation[1];
            if (ih >= -p.padding[0] && ih < h + p.padding[1] && iw >= -p.padding[2] && iw < w + p.padding[3]) padded++;
            if (ih >= 0 && ih < h && iw >= 0 && iw < w) cells.push(pl * h * w + ih * w + iw);
          }
        visit(o, cells, padded);
      }
}

const CASES: [string, number, number, Pool2dParams][] = [
  ['2x2 stride 2', 5, 6, P([2, 2], [2, 2], [0, 0, 0, 0])],
  ['3x3 stride 1 pad 1', 5, 5, P([3, 3], [1, 1], [1, 1, 1, 1])],
  ['asymmetric pad, dilation', 7, 6, P([3, 2], [2, 1], [1, 0, 0, 1], [2, 2])],
  ['count include pad', 4, 5, P([3, 3], [2, 2], [1, 1, 1, 1], [1, 1], true)],
];

describe('pooling', () => {
  for (const [name, h, w, p] of CASES) {
    it(`maxPool2d and avgPool2d with backward: ${name}`, () => {
      const planes = 6;
      // Few distinct values, so windows have ties and the first maximum matters.
      const xv = randomValues(planes * h * w, 11).map((v) => Math.round(v * 3));
      const [oh, ow] = outSize(h, w, p);
      const dyv = randomValues(planes * oh * ow, 13);
      const x = tensor([2, 3, h, w], xv);
      const dy = tensor([2, 3, oh, ow], dyv);
      const maxRef: number[] = [];
      const avgRef: number[] = [];
      const dxMax = new Array<number>(xv.length).fill(0);
      const dxAvg = new Array<number>(xv.length).fill(0);
      windows(planes, h, w, p, (o, cells, padded) => {
        let best = cells[0]!;
        for (const c of cells) if (xv[c]! > xv[best]!) best = c;
        maxRef[o] = xv[best]!;
        dxMax[best] = dxMax[best]! + dyv[o]!;
        const div = p.countIncludePad ? padded : cells.length;
        avgRef[o] = cells.reduce((s, c) => s + xv[c]!, 0) / div;
        for (const c of cells) dxAvg[c] = dxAvg[c]! + dyv[o]! / div;
      });
      const y = empty([2, 3, oh, ow]);
      backend.maxPool2d(x, p, y);
      expectClose(read(y), maxRef);
      backend.avgPool2d(x, p, y);
      expectClose(read(y), avgRef);
      const dx = empty([2, 3, h, w]);
      backend.maxPool2dBackward(dy, x, p, dx);
      expectClose(read(dx), dxMax);
      backend.avgPool2dBackward(dy, p, dx);
      expectClose(read(dx), dxAvg);
    });
  }

  it('never lets a padded cell win a max, and routes ties to the first cell', () => {
    const x = tensor([1, 1, 2, 2], [-5, -5, -7, -5]);
    const p = P([2, 2], [1, 1], [1, 0, 1, 0]);
    const y = empty([1, 1, 2, 2]);
    backend.maxPool2d(x, p, y);
    expect(read(y)).toEqual([-5, -5, -5, -5]);
    const dx = empty([1, 1, 2, 2]);
    backend.maxPool2dBackward(tensor([1, 1, 2, 2], [1, 10, 100, 1000]), x, p, dx);
    expect(read(dx)).toEqual([1 + 10 + 100 + 1000, 0, 0, 0]);
  });

  it('propagates NaN through max pooling', () => {
    const x = tensor([1, 1, 1, 3], [1, NaN, 2]);
    const y = empty([1, 1, 1, 2]);
    backend.maxPool2d(x, P([1, 2], [1, 1], [0, 0, 0, 0]), y);
    expect(read(y)).toEqual([NaN, NaN]);
  });
});
