/**
 * Reductions over the innermost `reduceSize` elements, cumulative sums and top-k.
 *
 * Short rows (≤ 64 elements) get one thread each. Longer rows get one workgroup each: every
 * thread folds a strided slice of the row, then the workgroup combines the partial results in a
 * shared-memory tree. argmax/argmin carry the index and break ties toward the lower one, so the
 * result is the first occurrence whatever the order of combination; NaN wins max, min, argmax
 * and argmin (as PyTorch).
 */
import type { Backend, ReduceOp, TensorInfo } from '@tessera/tensor-core';
import { sizeOf } from '@tessera/tensor-core';
import type { Kernels, Operand } from '../context.js';
import { GROUP_INDEX, MATH, bindings, grid, main1d, u32, wgslType, type Scalar } from '../wgsl.js';

/** The fold of one reduction: state type, initial value, and `combine(acc, v)` (with indices for arg ops). */
interface Fold {
  /** WGSL type of the value part of the state. */
  readonly t: Scalar;
  readonly init: string;
  /** Statement updating `acc` (and `ai`) from `v` (and `vi`). */
  readonly combine: string;
  readonly arg: boolean;
}

function fold(op: ReduceOp, t: Scalar): Fold {
  const isF = t === 'f32';
  switch (op) {
    case 'sum':
      return { t, init: isF ? '0.0f' : t === 'i32' ? '0i' : '0u', combine: 'acc = acc + v;', arg: false };
    case 'prod':
      return { t, init: isF ? '1.0f' : t === 'i32' ? '1i' : '1u', combine: 'acc = acc * v;', arg: false };
    case 'max':
      return isF
        ? { t, init: '-t_inf()', combine: 'if (v > acc || t_isnan(v)) { acc = select(v, acc, t_isnan(acc)); }', arg: false }
        : { t, init: t === 'i32' ? 'bitcast<i32>(0x80000000u)' : '0u', combine: 'acc = max(acc, v);', arg: false };
    case 'min':
      return isF
        ? { t, init: 't_inf()', combine: 'if (v < acc || t_isnan(v)) { acc = select(v, acc, t_isnan(acc)); }', arg: false }
        : { t, init: t === 'i32' ? '2147483647i' : '0xffffffffu', combine: 'acc = min(acc, v);', arg: false };
    case 'any':
      return { t: 'u32', init: '0u', combine: 'acc = acc | v;', arg: false };
    case 'all':
      return { t: 'u32', init: '1u', combine: 'acc = acc & v;', arg: false };
    case 'argmax':
    case 'argmin': {
      const cmp = op === 'argmax' ? '>' : '<';
      // (v, vi) replaces (acc, ai) when it is better, or equal with a lower index. ai = 0xffffffff is "none yet".
      const better = isF
        ? `ai == 0xffffffffu || (t_isnan(v) && (!t_isnan(acc) || vi < ai)) || (!t_isnan(v) && !t_isnan(acc) && (v ${cmp} acc || (v == acc && vi < ai)))`
        : `ai == 0xffffffffu || v ${cmp} acc || (v == acc && vi < ai)`;
      return { t, init: isF ? '0.0f' : t === 'i32' ? '0i' : '0u', combine: `if (vi != 0xffffffffu && (${better})) { acc = v; ai = vi; }`, arg: true };
    }
  }
}

/** Rows above this length with few rows are split into segments of {@link SEGMENT} elements. */
const SPLIT_ABOVE = 32768;
const SEGMENT = 8192;

interface RowReduction {
  readonly x: Operand;
  readonly tx: Scalar;
  readonly out: Operand;
  readonly to: Scalar;
  readonly rows: number;
  readonly r: number;
  /** Segments per row: output element g = row · segments + segment. */
  readonly segments: number;
  /** WGSL expression of the stored value (from `acc`, `ai`). */
  readonly result: string;
}

/** One workgroup per (row, segment): threads fold strided elements, then a shared-memory tree. */
function rowsPerWorkgroup(k: Kernels, f: Fold, a: RowReduction): void {
  const { x, tx, out, to, rows, r, segments, result } = a;
  const decl = `var acc: ${f.t} = ${f.init};${f.arg ? ' var ai: u32 = 0xffffffffu;' : ''}`;
  const chunk = Math.ceil(r / segments);
  const wg = chunk <= 4096 ? 64 : 256;
  // Each thread folds chunk / wg elements in sequence; a float sum compensates its rounding
  // (Kahan), so long sums stay near float32 rounding instead of drifting with the row length.
  const kahan = f.t === 'f32' && f.combine === 'acc = acc + v;';
  const fold1 = kahan ? 'let ky = v - kc; let kt = acc + ky; kc = (kt - acc) - ky; acc = kt;' : f.combine;
  const code = `${MATH}
${bindings([['x', tx, 'read'], ['o', to, 'read_write']])}
var<workgroup> sv: array<${f.t}, ${wg}>;
${f.arg ? `var<workgroup> si: array<u32, ${wg}>;` : ''}
@compute @workgroup_size(${wg})
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let g = ${GROUP_INDEX};
  if (g >= ${u32(rows * segments)}) { return; }
  let start = (g % ${u32(segments)}) * ${u32(chunk)};
  let len = min(${u32(chunk)}, ${u32(r)} - start);
  let base = (g / ${u32(segments)}) * ${u32(r)} + start;
  ${decl}${kahan ? ' var kc: f32 = 0.0f;' : ''}
  for (var j = lid; j < len; j += ${wg}u) {
    let v = x[base + j];
    let vi = start + j;
    ${fold1}
  }
  sv[lid] = acc;
  ${f.arg ? 'si[lid] = ai;' : ''}
  workgroupBarrier();
  for (var s = ${wg / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) {
      acc = sv[lid];
      ${f.arg ? 'ai = si[lid];' : ''}
      let v = sv[lid + s];
      ${f.arg ? 'let vi = si[lid + s];' : ''}
      ${f.combine}
      sv[lid] = acc;
      ${f.arg ? 'si[lid] = ai;' : ''}
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    acc = sv[0];
    ${f.arg ? 'ai = si[0];' : ''}
    o[g] = ${result};
  }
}`;
  k.run(code, [x, out], grid(rows * segments, 1));
}

export function reduceKernels(k: Kernels): Pick<Backend, 'reduce' | 'cumsum' | 'topk'> {
  return {
    reduce(op: ReduceOp, x: TensorInfo, reduceSize: number, out: TensorInfo): void {
      const rows = sizeOf(out.shape);
      const r = reduceSize;
      const tx = wgslType(x.dtype);
      const to = wgslType(out.dtype);
      const f = fold(op, tx);
      const result = f.arg ? 'i32(select(ai, 0u, ai == 0xffffffffu))' : to === f.t ? 'acc' : `${to}(acc)`;
      const decl = `var acc: ${f.t} = ${f.init};${f.arg ? ' var ai: u32 = 0xffffffffu;' : ''}`;
      if (r <= 64) {
        const code = `${MATH}
${bindings([['x', tx, 'read'], ['o', to, 'read_write']])}
${main1d(rows, `  ${decl}
  let base = i * ${u32(r)};
  for (var j = 0u; j < ${u32(r)}; j++) {
    let v = x[base + j];
    let vi = j;
    ${f.combine}
  }
  o[i] = ${result};`)}`;
        k.run(code, [x, out], grid(rows));
        return;
      }
      // A few long rows would leave most of a large GPU idle with one workgroup per row: split
      // each row into segments, reduce those into partials (in the fold's own type), then reduce
      // the partials. Arg ops keep one pass (their partials would need indices too).
      const segments = !f.arg && rows < 256 && r > SPLIT_ABOVE ? Math.min(1024, Math.ceil(r / SEGMENT)) : 1;
      if (segments === 1) {
        rowsPerWorkgroup(k, f, { x, tx, out, to, rows, r, segments: 1, result });
        return;
      }
      const partials = k.scratch(rows * segments * 4);
      try {
        rowsPerWorkgroup(k, f, { x, tx, out: partials, to: f.t, rows, r, segments, result: 'acc' });
        rowsPerWorkgroup(k, fold(op, f.t), { x: partials, tx: f.t, out, to, rows, r: segments, segments: 1, result });
      } finally {
        k.release(partials);
      }
    },

    cumsum(x: TensorInfo, axis: number, exclusive: boolean, reverse: boolean, out: TensorInfo): void {
      const shape = x.shape;
      const len = shape[axis] ?? 1;
      let inner = 1;
      for (let d = axis + 1; d < shape.length; d++) inner *= shape[d]!;
      const total = sizeOf(shape);
      const outer = len * inner === 0 ? 0 : total / (len * inner);
      const lanes = outer * inner;
      const t = wgslType(x.dtype);
      const to = wgslType(out.dtype);
      // One thread per (outer, inner) lane walks the axis; bool sums as int32.
      const at = to;
      const zero = at === 'f32' ? '0.0f' : at === 'i32' ? '0i' : '0u';
      const step = reverse ? `0u - ${u32(inner)}` : u32(inner);
      const code = `${bindings([['x', t, 'read'], ['o', to, 'read_write']])}
${main1d(lanes, `  let b = i / ${u32(inner)};
  let q = i % ${u32(inner)};
  var off = b * ${u32(len * inner)} + q + ${reverse ? u32((len - 1) * inner) : '0u'};
  var acc: ${at} = ${zero};
  for (var j = 0u; j < ${u32(len)}; j++) {
    let next = acc + ${at}(x[off]);
    o[off] = ${exclusive ? 'acc' : 'next'};
    acc = next;
    off = off + ${step};
  }`)}`;
      k.run(code, [x, out], grid(lanes));
    },

    topk(x: TensorInfo, kk: number, largest: boolean, values: TensorInfo, indices: TensorInfo): void {
      const n = x.shape.at(-1) ?? 1;
      const total = sizeOf(x.shape);
      if (n === 0 || total === 0) return;
      const t = wgslType(x.dtype);
      // Each element counts the elements ranked before it (NaN above +∞, ties by index) and, if its
      // rank is below k, writes itself there: O(n²) per row, no sort, no synchronisation.
      // `ahead(w, v)`: w ranks strictly before v, ignoring indices.
      const ahead =
        t === 'f32'
          ? `fn ahead(w: f32, v: f32) -> bool {
  if (t_isnan(${largest ? 'w' : 'v'})) { return !t_isnan(${largest ? 'v' : 'w'}); }
  if (t_isnan(${largest ? 'v' : 'w'})) { return false; }
  return w ${largest ? '>' : '<'} v;
}`
          : `fn ahead(w: ${t}, v: ${t}) -> bool { return w ${largest ? '>' : '<'} v; }`;
      const code = `${MATH}
${bindings([['x', t, 'read'], ['ov', t, 'read_write'], ['oi', 'i32', 'read_write']])}
${ahead}
${main1d(total, `  let row = i / ${u32(n)};
  let j = i % ${u32(n)};
  let base = row * ${u32(n)};
  let v = x[i];
  var rank = 0u;
  for (var m = 0u; m < ${u32(n)}; m++) {
    let w = x[base + m];
    if (ahead(w, v) || (m < j && !ahead(v, w))) { rank++; }
  }
  if (rank < ${u32(kk)}) {
    ov[row * ${u32(kk)} + rank] = v;
    oi[row * ${u32(kk)} + rank] = i32(j);
  }`)}`;
      k.run(code, [x, values, indices], grid(total));
    },
  };
}
