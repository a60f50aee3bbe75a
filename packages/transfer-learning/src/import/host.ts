/**
 * Host values: small tensors whose contents are known on the CPU without touching a backend.
 *
 * Shapes live on the host for every tensor, so ONNX's shape subgraphs (`Shape → Gather → Concat
 * → Reshape`) evaluate here, for the actual input shapes of each call, and never force a
 * synchronous read from the device. Constants and initializers that are not Parameters are host
 * values too. Integers keep ONNX's 64-bit range as JavaScript numbers (Slice's `INT64_MAX` ends
 * stay "to the end"); they become int32 only when sent to a backend.
 */
import { TensorError, fmtShape, tensor, type DType, type Tensor } from '@tessera/tensor-core';

/** Element kinds of host values; `int` covers every ONNX integer type. */
export type HostKind = 'float32' | 'float64' | 'int' | 'bool';

/** A tensor held on the host: `data` in row-major order, one number per element. */
export interface HostTensor {
  readonly host: true;
  readonly kind: HostKind;
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/** A value flowing through the graph: a backend tensor or a host value. */
export type Value = Tensor | HostTensor;

/** Whether `v` is a host value. */
export function isHost(v: Value | undefined): v is HostTensor {
  return v !== undefined && (v as HostTensor).host === true;
}

/** Element count of a shape. */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A host value; float32 data is rounded to float32 so folded results equal a float32 runtime's. */
export function hostTensor(kind: HostKind, shape: readonly number[], data: ArrayLike<number>): HostTensor {
  const out = data instanceof Float64Array ? data : Float64Array.from(data);
  if (out.length !== numel(shape)) {
    throw new TensorError('SHAPE_MISMATCH', 'importOnnx', `host value has ${out.length} elements for shape ${fmtShape(shape)}`);
  }
  if (kind === 'float32') for (let i = 0; i < out.length; i++) out[i] = Math.fround(out[i]!);
  else if (kind === 'int') for (let i = 0; i < out.length; i++) out[i] = Math.trunc(out[i]!);
  else if (kind === 'bool') for (let i = 0; i < out.length; i++) out[i] = out[i] ? 1 : 0;
  return { host: true, kind, shape: [...shape], data: out };
}

/** The tessera dtype a host kind becomes on a backend. */
export function deviceDtype(kind: HostKind): DType {
  return kind === 'int' ? 'int32' : kind === 'bool' ? 'bool' : 'float32';
}

/** The host kind of a backend dtype. */
export function kindOf(dtype: DType): HostKind {
  return dtype === 'int32' ? 'int' : dtype === 'bool' ? 'bool' : dtype === 'float64' ? 'float64' : 'float32';
}

/** Element kind of any value. */
export function valueKind(v: Value): HostKind {
  return isHost(v) ? v.kind : kindOf(v.dtype);
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * Sends a host value to the active backend. Integers outside int32 are clamped: the ones ONNX
 * files hold there are "infinite" slice bounds and sentinels, which clamp to the same meaning.
 */
export function toDevice(v: HostTensor, floatDtype: 'float32' | 'float64' = 'float32'): Tensor {
  const n = v.data.length;
  const kind = v.kind;
  if (kind === 'int') {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.min(INT32_MAX, Math.max(INT32_MIN, Math.trunc(v.data[i]!)));
    return tensor(out, [...v.shape], { dtype: 'int32' });
  }
  if (kind === 'bool') {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = v.data[i] ? 1 : 0;
    return tensor(out, [...v.shape], { dtype: 'bool' });
  }
  if (floatDtype === 'float64') return tensor(Float64Array.from(v.data), [...v.shape], { dtype: 'float64' });
  return tensor(Float32Array.from(v.data), [...v.shape], { dtype: 'float32' });
}

/** Strides of a row-major shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** numpy broadcast of shapes, or undefined when they do not broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** For each flat index of `outShape`, the flat index into a tensor of `shape` broadcast to it. */
function broadcastIndex(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const n = numel(outShape);
  const idx = new Int32Array(n);
  const rank = outShape.length;
  const padded = [...new Array<number>(rank - shape.length).fill(1), ...shape];
  const inStrides = stridesOf(padded).map((s, i) => (padded[i] === 1 ? 0 : s));
  const outStrides = stridesOf(outShape);
  for (let i = 0; i < n; i++) {
    let rem = i;
    let j = 0;
    for (let d = 0; d < rank; d++) {
      const q = Math.floor(rem / outStrides[d]!);
      rem -= q * outStrides[d]!;
      j += q * inStrides[d]!;
    }
    idx[i] = j;
  }
  return idx;
}

/** Elementwise op over broadcast host values. */
export function hostElementwise(
  op: string,
  inputs: readonly HostTensor[],
  kind: HostKind,
  fn: (...xs: number[]) => number,
): HostTensor {
  let shape: readonly number[] = [];
  for (const x of inputs) {
    const s = broadcastShapes(shape, x.shape);
    if (!s) {
      throw new TensorError('SHAPE_MISMATCH', op, `shapes ${inputs.map((i) => fmtShape(i.shape)).join(', ')} do not broadcast`);
    }
    shape = s;
  }
  const n = numel(shape);
  const maps = inputs.map((x) => broadcastIndex(x.shape, shape));
  const out = new Float64Array(n);
  const args = new Array<number>(inputs.length);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < inputs.length; k++) args[k] = inputs[k]!.data[maps[k]![i]!]!;
    out[i] = fn(...args);
  }
  return hostTensor(kind, shape, out);
}

/** Transposes a host value by `perm`. */
export function hostTranspose(x: HostTensor, perm: readonly number[]): HostTensor {
  const shape = perm.map((p) => x.shape[p]!);
  const inStrides = stridesOf(x.shape);
  const outStrides = stridesOf(shape);
  const n = x.data.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let rem = i;
    let j = 0;
    for (let d = 0; d < shape.length; d++) {
      const q = Math.floor(rem / outStrides[d]!);
      rem -= q * outStrides[d]!;
      j += q * inStrides[perm[d]!]!;
    }
    out[i] = x.data[j]!;
  }
  return hostTensor(x.kind, shape, out);
}

/** Gathers along `axis` (ONNX Gather; negative indices count from the end). */
export function hostGather(op: string, x: HostTensor, indices: HostTensor, axis: number): HostTensor {
  const dim = x.shape[axis]!;
  const outer = numel(x.shape.slice(0, axis));
  const inner = numel(x.shape.slice(axis + 1));
  const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const out = new Float64Array(numel(shape));
  const m = indices.data.length;
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (let k = 0; k < m; k++) {
      let i = indices.data[k]!;
      if (i < 0) i += dim;
      if (!(i >= 0 && i < dim)) {
        throw new TensorError('INDEX_OUT_OF_RANGE', op, `index ${indices.data[k]} is out of range for axis ${axis} of size ${dim}`);
      }
      const base = (a * dim + i) * inner;
      for (let b = 0; b < inner; b++) out[o++] = x.data[base + b]!;
    }
  }
  return hostTensor(x.kind, shape, out);
}

/** Concatenates host values along `axis`. */
export function hostConcat(op: string, xs: readonly HostTensor[], axis: number): HostTensor {
  const first = xs[0]!;
  const shape = [...first.shape];
  shape[axis] = 0;
  for (const x of xs) {
    if (x.shape.length !== first.shape.length || x.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
      throw new TensorError('SHAPE_MISMATCH', op, `cannot concatenate shapes ${xs.map((t) => fmtShape(t.shape)).join(', ')} along axis ${axis}`);
    }
    shape[axis]! += x.shape[axis]!;
  }
  const outer = numel(shape.slice(0, axis));
  const out = new Float64Array(numel(shape));
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (const x of xs) {
      const chunk = numel(x.shape.slice(axis));
      out.set(x.data.subarray(a * chunk, (a + 1) * chunk), o);
      o += chunk;
    }
  }
  const kind = xs.some((x) => x.kind === 'float32') ? 'float32' : first.kind;
  return hostTensor(kind, shape, out);
}

/** Slices with resolved per-axis begin/step/size (as tensor-core's slice computes them). */
export function hostSlice(x: HostTensor, begin: readonly number[], step: readonly number[], shape: readonly number[]): HostTensor {
  const inStrides = stridesOf(x.shape);
  const outStrides = stridesOf(shape);
  const n = numel(shape);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let rem = i;
    let j = 0;
    for (let d = 0; d < shape.length; d++) {
      const q = Math.floor(rem / outStrides[d]!);
      rem -= q * outStrides[d]!;
      j += (begin[d]! + q * step[d]!) * inStrides[d]!;
    }
    out[i] = x.data[j]!;
  }
  return hostTensor(x.kind, shape, out);
}

/** Reduces a host value over `axes` with `fn` (start value `init`). */
export function hostReduce(
  x: HostTensor,
  axes: readonly number[],
  keepDims: boolean,
  init: number,
  fn: (acc: number, v: number) => number,
  finish: (acc: number, count: number) => number = (acc) => acc,
): HostTensor {
  const reduced = new Set(axes);
  const keptShape = x.shape.map((d, i) => (reduced.has(i) ? 1 : d));
  const outStrides = stridesOf(keptShape);
  const inStrides = stridesOf(x.shape);
  const n = numel(keptShape);
  const acc = new Float64Array(n).fill(init);
  const count = numel(x.shape) / Math.max(1, n);
  for (let i = 0; i < x.data.length; i++) {
    let rem = i;
    let j = 0;
    for (let d = 0; d < x.shape.length; d++) {
      const q = Math.floor(rem / inStrides[d]!);
      rem -= q * inStrides[d]!;
      if (!reduced.has(d)) j += q * outStrides[d]!;
    }
    acc[j] = fn(acc[j]!, x.data[i]!);
  }
  for (let j = 0; j < n; j++) acc[j] = finish(acc[j]!, count);
  const shape = keepDims ? keptShape : x.shape.filter((_, i) => !reduced.has(i));
  return hostTensor(x.kind, shape, acc);
}
