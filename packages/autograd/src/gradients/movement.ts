/**
 * Gradient rules of the movement primitives: each is the adjoint movement (reshape back, inverse
 * permutation, pad a slice back into place, slice a pad or a concat apart, scatter a gather).
 */
import { pad, permute, slice, takeAlongAxis, zerosLike, type Tensor } from '@tessera/tensor-core';
import type { GradRule } from '../tape.js';

/**
 * The adjoint of `slice(x, begin, step)`: zeros of `shape` with `dy[i]` at `begin + i·step`.
 * Negative steps are reversed first; a step `s > 1` interleaves `s − 1` zeros after each element
 * (a pad on a new axis, then a reshape); a final constant pad (negative amounts crop) puts the
 * result in place.
 */
export function unslice(dy: Tensor, shape: readonly number[], begin: readonly number[], step: readonly number[]): Tensor {
  let g = dy;
  const start = [...begin];
  for (let axis = 0; axis < g.rank; axis++) {
    const m = g.shape[axis]!;
    let s = step[axis]!;
    if (m === 0) continue;
    if (s < 0) {
      g = slice(g, [-1], [-Infinity], [-1], [axis]);
      start[axis] = begin[axis]! + (m - 1) * s;
      s = -s;
    }
    if (s > 1) {
      const spread = g.unsqueeze(axis + 1);
      const pads = spread.shape.map((_, i) => (i === axis + 1 ? [0, s - 1] : [0, 0]) as [number, number]);
      const padded = pad(spread, pads);
      g = padded.reshape([...g.shape.slice(0, axis), m * s, ...g.shape.slice(axis + 1)]);
    }
  }
  if (g.size === 0) return pad(g, g.shape.map((d, i) => [0, shape[i]! - d] as [number, number]));
  return pad(g, shape.map((n, i) => [start[i]!, n - start[i]! - g.shape[i]!] as [number, number]));
}

/** The adjoint of padding one axis by `[before, after]` in `reflect` or `replicate` mode. */
function unpadAxis(g: Tensor, axis: number, before: number, after: number, n: number, mode: string): Tensor {
  if (before === 0 && after === 0) return g;
  const take = (from: number, to: number, step = 1): Tensor => slice(g, [from], [to], [step], [axis]);
  const place = (t: Tensor, at: number): Tensor =>
    pad(t, g.shape.map((_, i) => (i === axis ? [at, n - at - t.shape[axis]!] : [0, 0]) as [number, number]));
  let out = take(before, before + n);
  if (mode === 'replicate') {
    if (before > 0) out = out.add(place(take(0, before).sum(axis, true), 0));
    if (after > 0) out = out.add(place(take(before + n, before + n + after).sum(axis, true), n - 1));
  } else {
    // reflect: padded position p < before is x[before − p]; position before + n + q is x[n − 2 − q].
    if (before > 0) out = out.add(place(take(before - 1, -Infinity, -1), 1));
    if (after > 0) out = out.add(place(take(before + n + after - 1, before + n - 1, -1), n - 1 - after));
  }
  return out;
}

export const movementRules: Record<string, GradRule> = {
  reshape: (dy, { inputs: [x] }) => [dy.reshape(x!.shape)],
  transpose: (dy, { attrs }) => {
    const perm = attrs.perm as readonly number[];
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => (inverse[p] = i));
    return [permute(dy, inverse)];
  },
  slice: (dy, { inputs: [x], attrs }) => [unslice(dy, x!.shape, attrs.begin as number[], attrs.step as number[])],
  concat: (dy, { inputs, attrs, needs }) => {
    const axis = attrs.axis as number;
    let offset = 0;
    return inputs.map((t, i) => {
      const n = t.shape[axis]!;
      offset += n;
      return needs[i] ? slice(dy, [offset - n], [offset], [1], [axis]) : undefined;
    });
  },
  pad: (dy, { inputs: [x], attrs }) => {
    const pads = attrs.pads as readonly (readonly [number, number])[];
    if (attrs.mode === 'constant') {
      return [slice(dy, pads.map(([b]) => b), pads.map(([b], i) => b + x!.shape[i]!))];
    }
    let g = dy;
    for (let axis = x!.rank - 1; axis >= 0; axis--) {
      g = unpadAxis(g, axis, pads[axis]![0], pads[axis]![1], x!.shape[axis]!, attrs.mode as string);
    }
    return [g];
  },
  // `gather` is PyTorch's gather (takeAlongAxis); numpy-style gather and indexSelect are built on it.
  gather: (dy, { inputs: [x, indices], attrs }) => [zerosLike(x!).scatterAdd(indices!, dy, attrs.axis as number), undefined],
  scatterAdd: (dy, { inputs: [, indices], attrs, needs }) => [
    dy,
    undefined,
    needs[2] ? takeAlongAxis(dy, indices!, attrs.axis as number) : undefined,
  ],
};
