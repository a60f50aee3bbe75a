/** pad: observed as `pad` (`{ pads, mode, value }`). */
import type { PadMode } from '../backend.js';
import { runKernel, viewOf } from '../engine.js';
import { defineOp, type AnyOpSpec, type SavedOp } from '../op-spec.js';

import { TensorError, fmtShape, safeJson } from '../errors.js';
import { checkOptions, optionKeys } from '../options.js';
import { sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { requireTensor } from './util.js';
import { slice } from './slice.js';
import { int64, onnxNodes, scalarLike } from './onnx-util.js';

/** Options of {@link pad}. */
export interface PadOptions {
  /** `constant` (default) fills with `value`; `reflect` mirrors without the edge; `replicate` repeats the edge. */
  readonly mode?: PadMode;
  /** Fill value of `constant` mode (default 0). */
  readonly value?: number;
}

/**
 * Pads `x` with `pads[i] = [before, after]` elements on axis `i` (one pair per axis). In
 * `constant` mode negative amounts crop. `reflect` needs `before, after <= size - 1` and
 * `replicate` a non-empty axis wherever it pads.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a wrong number of pairs, non-integers, negative
 *   amounts outside constant mode, an unknown mode, or reflect/replicate amounts too large.
 * @example
 * ```ts
 * pad(tensor([1, 2, 3]), [[1, 2]]); // [0, 1, 2, 3, 0, 0]
 * pad(tensor([1, 2, 3]), [[2, 1]], { mode: 'reflect' }); // [3, 2, 1, 2, 3, 2]
 * ```
 */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], options: PadOptions = {}): Tensor {
  checkOptions('pad', options, optionKeys<PadOptions>({ mode: true, value: true }));
  requireTensor('pad', x);
  const mode = options.mode ?? 'constant';
  const value = options.value ?? 0;
  if (mode !== 'constant' && mode !== 'reflect' && mode !== 'replicate') {
    throw new TensorError('INVALID_ARGUMENT', 'pad', `mode must be 'constant', 'reflect' or 'replicate', got ${safeJson(mode)}`);
  }
  if (typeof value !== 'number') throw new TensorError('INVALID_ARGUMENT', 'pad', `value must be a number, got ${typeof value}`);
  if (!Array.isArray(pads) || pads.length !== x.rank) {
    throw new TensorError('INVALID_ARGUMENT', 'pad', `pads must hold one [before, after] pair per axis (${x.rank} for shape ${fmtShape(x.shape)}), got ${safeJson(pads)}`);
  }
  for (const p of pads) {
    if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => Number.isInteger(v))) {
      throw new TensorError('INVALID_ARGUMENT', 'pad', `each pad must be an integer pair [before, after], got ${safeJson(pads)}`);
    }
  }
  const negative = pads.some(([b, a]) => b < 0 || a < 0);
  if (negative && mode !== 'constant') {
    throw new TensorError('INVALID_ARGUMENT', 'pad', `negative pads are only allowed in constant mode, got ${safeJson(pads)} with mode '${mode}'`);
  }
  pads.forEach(([b, a], i) => {
    const n = x.shape[i]!;
    if (mode === 'reflect' && (b > n - 1 || a > n - 1)) {
      throw new TensorError('INVALID_ARGUMENT', 'pad', `reflect padding of axis ${i} must be at most size - 1 = ${n - 1}, got [${b}, ${a}] (shape ${fmtShape(x.shape)})`);
    }
    if (mode === 'replicate' && n === 0 && (b > 0 || a > 0)) {
      throw new TensorError('INVALID_ARGUMENT', 'pad', `replicate padding of axis ${i} needs a non-empty axis (shape ${fmtShape(x.shape)})`);
    }
    if (-b - a > n) {
      throw new TensorError('INVALID_ARGUMENT', 'pad', `negative pads [${b}, ${a}] remove more than the ${n} elements of axis ${i}`);
    }
  });
  let input = x;
  if (negative) {
    input = slice(x, pads.map(([b]) => Math.max(0, -b)), pads.map(([, a], i) => x.shape[i]! - Math.max(0, -a)), undefined, pads.map((_, i) => i));
  }
  const positive = pads.map(([b, a]) => [Math.max(0, b), Math.max(0, a)] as [number, number]);
  if (positive.every(([b, a]) => b === 0 && a === 0)) {
    return input === x ? viewOf('reshape', x, x.shape, { shape: [...x.shape] }) : input;
  }
  try {
    const shape = input.shape.map((d, i) => d + positive[i]![0] + positive[i]![1]);
    return runKernel(padSpec, [input], { pads: positive, mode, value }, [{ shape, dtype: input.dtype }], (backend, [xi], [out]) => {
      // Kernels never see an empty input: constant padding of nothing is a fill.
      if (sizeOf(xi!.shape) === 0) backend.fill(out!, value);
      else backend.pad(xi!, positive, mode, value, out!);
    })[0]!;
  } finally {
    if (input !== x) input.dispose();
  }
}

// ---------------------------------------------------------------- op table

/** Attributes of `pad` (amounts per axis, never negative: cropping is a slice before the pad). */
export interface PadAttrs {
  readonly pads: readonly (readonly [number, number])[];
  readonly mode: PadMode;
  readonly value: number;
}

/** The adjoint of padding one axis by `[before, after]` in `reflect` or `replicate` mode. */
function unpadAxis(g: Tensor, axis: number, before: number, after: number, n: number, mode: PadMode): Tensor {
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

const padSpec = defineOp<PadAttrs>({
  name: 'pad',
  family: 'pad',
  summary: 'Pads each axis (`constant`, `reflect` or `replicate`).',
  kind: 'kernel',
  backendKernel: 'pad',
  onnx: onnxNodes(['Pad'], (ctx) => {
    const { pads, mode } = ctx.attrs;
    const inputs = [ctx.inputs[0]!, int64(ctx, [...pads.map((p) => p[0]), ...pads.map((p) => p[1])])];
    if (mode === 'constant') inputs.push(scalarLike(ctx, ctx.attrs.value ?? 0, ctx.inputDtypes[0]!));
    ctx.graph.node('Pad', inputs, ctx.outputs, { mode: mode === 'replicate' ? 'edge' : mode });
  }),
  gradient: {
    saves: {},
    rule: (dy, { inputShapes: [shape], attrs: { pads, mode } }: SavedOp<PadAttrs>) => {
      if (mode === 'constant') return [slice(dy, pads.map(([b]) => b), pads.map(([b], i) => b + shape![i]!))];
      let g = dy;
      for (let axis = shape!.length - 1; axis >= 0; axis--) g = unpadAxis(g, axis, pads[axis]![0], pads[axis]![1], shape![axis]!, mode);
      return [g];
    },
  },
});

/** @internal The pad family's entries of the op table. */
export const padSpecs: readonly AnyOpSpec[] = [padSpec];
