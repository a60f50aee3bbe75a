/**
 * Fused kernels: softmax, log-softmax and layer normalization over the last axis (one workgroup
 * per row, shared-memory tree reductions for the row max and sums), and GELU (elementwise).
 */
import type { Backend, TensorInfo } from '@tessera/tensor-core';
import { sizeOf } from '@tessera/tensor-core';
import type { Kernels } from '../context.js';
import { GROUP_INDEX, MATH, bindings, grid, main1d, u32 } from '../wgsl.js';

/** A row kernel: `body` runs for row `row` (base offset `base`) with `wg_sum`/`wg_max` available. */
function rowKernel(n: number, wg: number, body: string): string {
  return `${MATH}
${bindings([['x', 'f32', 'read'], ['o', 'f32', 'read_write']])}
var<workgroup> sh: array<f32, ${wg}>;
fn wg_sum(v: f32, lid: u32) -> f32 {
  sh[lid] = v;
  workgroupBarrier();
  for (var s = ${wg / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { sh[lid] = sh[lid] + sh[lid + s]; }
    workgroupBarrier();
  }
  let r = sh[0];
  workgroupBarrier();
  return r;
}
fn wg_max(v: f32, lid: u32) -> f32 {
  sh[lid] = v;
  workgroupBarrier();
  for (var s = ${wg / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) {
      let a = sh[lid];
      let b = sh[lid + s];
      if (t_isnan(b) || (b > a && !t_isnan(a))) { sh[lid] = b; }
    }
    workgroupBarrier();
  }
  let r = sh[0];
  workgroupBarrier();
  return r;
}
@compute @workgroup_size(${wg})
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let row = ${GROUP_INDEX};
  let base = row * ${u32(n)};
${body}
}`;
}

/** Threads per row: enough to cover short rows without idle threads. */
function rowThreads(n: number): number {
  return n <= 32 ? 32 : n <= 64 ? 64 : n <= 128 ? 128 : 256;
}

const ROW_MAX = (n: number, wg: number): string => `  var m = -t_inf();
  for (var j = lid; j < ${u32(n)}; j += ${wg}u) {
    let v = x[base + j];
    if (t_isnan(v) || (v > m && !t_isnan(m))) { m = v; }
  }
  m = wg_max(m, lid);`;

export function fusedKernels(k: Kernels): Required<Pick<Backend, 'softmax' | 'logSoftmax' | 'layerNorm' | 'gelu'>> {
  const rows = (x: TensorInfo, n: number): number => (n === 0 ? 0 : sizeOf(x.shape) / n);
  // A row index past the grid is uniform across the workgroup, so the early return keeps barriers uniform.
  const guard = (count: number): string => `  if (row >= ${u32(count)}) { return; }`;
  return {
    softmax(x: TensorInfo, out: TensorInfo): void {
      const n = x.shape.at(-1) ?? 1;
      const count = rows(x, n);
      const wg = rowThreads(n);
      const code = rowKernel(n, wg, `${guard(count)}
${ROW_MAX(n, wg)}
  var s = 0.0f;
  for (var j = lid; j < ${u32(n)}; j += ${wg}u) { s = s + t_exp(x[base + j] - m); }
  s = wg_sum(s, lid);
  let inv = 1.0f / s;
  for (var j = lid; j < ${u32(n)}; j += ${wg}u) { o[base + j] = t_exp(x[base + j] - m) * inv; }`);
      k.run(code, [x, out], grid(count, 1));
    },

    logSoftmax(x: TensorInfo, out: TensorInfo): void {
      const n = x.shape.at(-1) ?? 1;
      const count = rows(x, n);
      const wg = rowThreads(n);
      const code = rowKernel(n, wg, `${guard(count)}
${ROW_MAX(n, wg)}
  var s = 0.0f;
  for (var j = lid; j < ${u32(n)}; j += ${wg}u) { s = s + t_exp(x[base + j] - m); }
  s = wg_sum(s, lid);
  let shift = m + t_log(s);
  for (var j = lid; j < ${u32(n)}; j += ${wg}u) { o[base + j] = x[base + j] - shift; }`);
      k.run(code, [x, out], grid(count, 1));
    },

    layerNorm(x: TensorInfo, normSize: number, epsilon: number, out: TensorInfo): void {
      const n = normSize;
      const count = rows(x, n);
      const wg = rowThreads(n);
      const eps = new Float32Array([epsilon]);
      const code = rowKernel(n, wg, `${guard(count)}
  var s = 0.0f;
  for (var j = lid; j < ${u32(n)}; j += ${wg}u) { s = s + x[base + j]; }
  let mean = wg_sum(s, lid) / ${n}.0f;
  var q = 0.0f;
  for (var j = lid; j < ${u32(n)}; j += ${wg}u) { let d = x[base + j] - mean; q = q + d * d; }
  let inv = 1.0f / sqrt(wg_sum(q, lid) / ${n}.0f + bitcast<f32>(${new Uint32Array(eps.buffer)[0]}u));
  for (var j = lid; j < ${u32(n)}; j += ${wg}u) { o[base + j] = (x[base + j] - mean) * inv; }`);
      k.run(code, [x, out], grid(count, 1));
    },

    gelu(x: TensorInfo, approximate: 'none' | 'tanh', out: TensorInfo): void {
      const n = sizeOf(out.shape);
      const expr =
        approximate === 'tanh'
          ? '0.5f * v * (1.0f + t_tanh(0.7978845608028654f * (v + 0.044715f * v * v * v)))'
          : '0.5f * v * (1.0f + t_erf(v * 0.7071067811865476f))';
      const code = `${MATH}
${bindings([['x', 'f32', 'read'], ['o', 'f32', 'read_write']])}
${main1d(n, `  let v = x[i];\n  o[i] = ${expr};`)}`;
      k.run(code, [x, out], grid(n));
    },
  };
}
