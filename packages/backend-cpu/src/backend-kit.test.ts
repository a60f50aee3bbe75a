/**
 * tensor-core's backend kit (issue 11): the strided loop plans both backends run, and the
 * geometry of conv and pooling calls. Literal expected plans for small cases.
 */
import { describe, expect, it } from 'vitest';
import { broadcastLoops, collapseLoops, convGeometry, poolGeometry, stridesOf } from '@tessera/tensor-core';

describe('collapseLoops', () => {
  it('merges a contiguous copy into one loop', () => {
    expect(collapseLoops([2, 3, 4], [stridesOf([2, 3, 4]), stridesOf([2, 3, 4])])).toEqual({ shape: [24], strides: [[1], [1]] });
  });

  it('keeps dimensions a transpose makes non-contiguous and drops size-1 ones', () => {
    // the transpose of a [3, 1, 2] tensor read as [2, 1, 3]: source strides [1, 0, 2]
    expect(collapseLoops([2, 1, 3], [[1, 0, 2], stridesOf([2, 1, 3])])).toEqual({ shape: [2, 3], strides: [[1, 2], [3, 1]] });
  });

  it('plans a loop of one for a scalar or all-ones shape', () => {
    expect(collapseLoops([], [[], []])).toEqual({ shape: [1], strides: [[0], [0]] });
    expect(collapseLoops([1, 1], [[1, 1]])).toEqual({ shape: [1], strides: [[0]] });
  });

  it('keeps negative strides (a flipped view)', () => {
    expect(collapseLoops([4], [[-1]])).toEqual({ shape: [4], strides: [[-1]] });
  });
});

describe('broadcastLoops', () => {
  it('reads a broadcast operand with stride 0 and the output last', () => {
    expect(broadcastLoops([2, 3], [[2, 3], [3]])).toEqual({ shape: [2, 3], strides: [[3, 1], [0, 1], [3, 1]] });
  });

  it('turns a per-channel bias into rows of H·W', () => {
    expect(broadcastLoops([2, 3, 4, 5], [[2, 3, 4, 5], [1, 3, 1, 1]])).toEqual({ shape: [2, 3, 20], strides: [[60, 20, 1], [0, 1, 0], [60, 20, 1]] });
  });

  it('makes a same-shape op one loop', () => {
    expect(broadcastLoops([4, 5], [[4, 5], [4, 5]])).toEqual({ shape: [20], strides: [[1], [1], [1]] });
  });
});

describe('geometry', () => {
  it('reads a grouped, strided, dilated conv2d call', () => {
    const g = convGeometry([2, 4, 9, 9], [6, 2, 3, 3], [2, 6, 3, 4], { stride: [3, 2], padding: [1, 1, 0, 0], dilation: [2, 1], groups: 2 });
    expect(g).toEqual({ n: 2, c: 4, h: 9, w: 9, o: 6, cg: 2, kh: 3, kw: 3, oh: 3, ow: 4, g: 2, og: 3, sh: 3, sw: 2, pt: 1, pl: 0, dh: 2, dw: 1 });
  });

  it('reads a pooling call with asymmetric padding', () => {
    const g = poolGeometry([2, 3, 8, 8], [2, 3, 4, 5], { kernelSize: [2, 3], stride: [2, 2], padding: [0, 1, 2, 1], dilation: [1, 1], countIncludePad: true });
    expect(g).toEqual({ planes: 6, h: 8, w: 8, oh: 4, ow: 5, kh: 2, kw: 3, sh: 2, sw: 2, pt: 0, pb: 1, pl: 2, pr: 1, dh: 1, dw: 1 });
  });
});
