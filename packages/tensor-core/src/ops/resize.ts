/** Resizing (nearest, bilinear), a composite of gathers and elementwise ops. */
import { toTypedArray } from '../dtype.js';
import { fromValues, requireAllocatable } from '../engine.js';
import { TensorError, fmtShape, safeJson } from '../errors.js';
import { checkOptions, optionKeys } from '../options.js';
import { Tensor } from '../tensor.js';
import { indexSelect } from './gather.js';
import { reshape } from './reshape.js';
import { requireFloat, requireTensor, withTemps } from './util.js';

/** Options of {@link resize}. */
export interface ResizeOptions {
  /** `nearest` (default) or `bilinear`. */
  readonly mode?: 'nearest' | 'bilinear';
  /** Bilinear only: map corner pixel centres onto each other (default false: half-pixel centres). */
  readonly alignCorners?: boolean;
}

/** PyTorch's nearest source index, computed in float32 as PyTorch does. */
function nearestIndices(inSize: number, outSize: number): Int32Array {
  const idx = new Int32Array(outSize);
  const scale = Math.fround(inSize / outSize);
  for (let i = 0; i < outSize; i++) {
    idx[i] = inSize === outSize ? i : Math.min(Math.floor(Math.fround(i * scale)), inSize - 1);
  }
  return idx;
}

/** PyTorch's bilinear source indices and weights along one axis. */
function linearTaps(inSize: number, outSize: number, alignCorners: boolean): { i0: Int32Array; i1: Int32Array; l1: number[] } {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const l1 = new Array<number>(outSize);
  const scale = alignCorners ? (outSize > 1 ? (inSize - 1) / (outSize - 1) : 0) : inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    const src = alignCorners ? i * scale : Math.max(0, scale * (i + 0.5) - 0.5);
    const lo = Math.min(Math.floor(src), inSize - 1);
    i0[i] = lo;
    i1[i] = lo < inSize - 1 ? lo + 1 : lo;
    l1[i] = src - lo;
  }
  return { i0, i1, l1 };
}

/**
 * Resizes the spatial axes of `x` `[N, C, H, W]` to `[outH, outW]` with PyTorch `interpolate`
 * semantics: `nearest` takes `floor(dst * H / outH)`; `bilinear` uses half-pixel centres
 * (clamped at 0) or, with `alignCorners`, maps corners onto corners. Nearest works on any dtype;
 * bilinear needs float input.
 *
 * @throws TensorError `SHAPE_MISMATCH` unless `x` is rank 4 with non-empty spatial axes;
 *   `INVALID_ARGUMENT` for non-positive sizes, an unknown mode or `alignCorners` with nearest;
 *   `DTYPE_MISMATCH` for bilinear on non-float input.
 * @example
 * ```ts
 * resize(tensor([[[[1, 2]]]]), [1, 4]); // [[[[1, 1, 2, 2]]]]
 * ```
 */
export function resize(x: Tensor, size: readonly [number, number], options: ResizeOptions = {}): Tensor {
  checkOptions('resize', options, optionKeys<ResizeOptions>({ mode: true, alignCorners: true }));
  const op = 'resize';
  requireTensor(op, x);
  if (x.rank !== 4) throw new TensorError('SHAPE_MISMATCH', op, `input must be [N, C, H, W], got shape ${fmtShape(x.shape)}`);
  if (!Array.isArray(size) || size.length !== 2 || !size.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new TensorError('INVALID_ARGUMENT', op, `size must be [outH, outW] of positive integers, got ${safeJson(size)}`);
  }
  const mode = options.mode ?? 'nearest';
  if (mode !== 'nearest' && mode !== 'bilinear') throw new TensorError('INVALID_ARGUMENT', op, `mode must be 'nearest' or 'bilinear', got ${safeJson(mode)}`);
  const alignCorners = options.alignCorners ?? false;
  if (mode === 'nearest' && alignCorners) throw new TensorError('INVALID_ARGUMENT', op, "alignCorners only applies to mode 'bilinear'");
  if (mode === 'bilinear') requireFloat(op, x);
  if (x.shape[2] === 0 || x.shape[3] === 0) throw new TensorError('SHAPE_MISMATCH', op, `spatial axes must be non-empty, got x.shape=${fmtShape(x.shape)}`);
  // Both passes' outputs are checked before any work: a huge size fails at once, not after
  // seconds of intermediates (issue 14).
  const [batch, channels, inH] = x.shape as [number, number, number, number];
  requireAllocatable(x.backend, batch * channels * size[0] * x.shape[3]!, x.dtype, op);
  requireAllocatable(x.backend, batch * channels * Math.max(size[0], inH) * size[1], x.dtype, op);
  const index = (values: Int32Array): Tensor => fromValues(values, [values.length], 'int32', x.backend);
  return withTemps((temps) => {
    let y = x;
    for (const axis of [2, 3]) {
      const inSize = y.shape[axis]!;
      const outSize = size[axis - 2]!;
      if (inSize === outSize) continue; // both modes are the identity then
      let next: Tensor;
      if (mode === 'nearest') {
        const idx = index(nearestIndices(inSize, outSize));
        temps.push(idx);
        next = indexSelect(y, axis, idx);
      } else {
        const { i0, i1, l1 } = linearTaps(inSize, outSize, alignCorners);
        const weightShape = axis === 2 ? [outSize, 1] : [outSize];
        const t0 = index(i0);
        const t1 = index(i1);
        const w1 = fromValues(toTypedArray(l1, x.dtype), weightShape, x.dtype, x.backend);
        const w0 = fromValues(toTypedArray(l1.map((l) => 1 - l), x.dtype), weightShape, x.dtype, x.backend);
        temps.push(t0, t1, w0, w1);
        const a = indexSelect(y, axis, t0);
        temps.push(a);
        const b = indexSelect(y, axis, t1);
        temps.push(b);
        const wa = a.mul(w0);
        temps.push(wa);
        const wb = b.mul(w1);
        temps.push(wb);
        next = wa.add(wb);
      }
      if (y !== x) temps.push(y);
      y = next;
    }
    return y === x ? reshape(x, [...x.shape]) : y;
  });
}
