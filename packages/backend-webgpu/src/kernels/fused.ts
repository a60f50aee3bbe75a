/**
 * Fused kernels: softmax, log-softmax and layer normalization over the last axis (one workgroup
 * per row, shared-memory tree reductions for the row max and sums), GELU, batch normalization
 * with given statistics and the Adam/AdamW update (elementwise).
 */
import type { AdamHyperparameters, Backend, TensorInfo } from '@tessera/tensor-core';
import { adamScalars, sizeOf } from '@tessera/tensor-core';
import type { Kernels } from '../context.js';
import { GROUP_INDEX, MATH, bindings, f32, grid, main1d, u32 } from '../wgsl.js';

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

export function fusedKernels(k: Kernels): Required<Pick<Backend, 'softmax' | 'logSoftmax' | 'layerNorm' | 'gelu' | 'batchNorm' | 'adamUpdate'>> {
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

    batchNorm(x: TensorInfo, mean: TensorInfo, variance: TensorInfo, weight: TensorInfo | undefined, bias: TensorInfo | undefined, epsilon: number, out: TensorInfo): void {
      const n = sizeOf(out.shape);
      const c = x.shape[1] ?? 1;
      const inner = n / ((x.shape[0] ?? 1) * c);
      const decls: Array<[string, 'f32', 'read' | 'read_write']> = [['x', 'f32', 'read'], ['mean', 'f32', 'read'], ['vr', 'f32', 'read']];
      const operands: TensorInfo[] = [x, mean, variance];
      if (weight) {
        decls.push(['w', 'f32', 'read']);
        operands.push(weight);
      }
      if (bias) {
        decls.push(['b', 'f32', 'read']);
        operands.push(bias);
      }
      decls.push(['o', 'f32', 'read_write']);
      operands.push(out);
      // As the composite: (x − mean) · (1 / √(var + eps)), then · w, then + b.
      const code = `${MATH}
${bindings(decls)}
${main1d(n, `  let ch = (i / ${u32(inner)}) % ${u32(c)};
  let v = vr[ch] + ${f32(epsilon)};
  var y = (x[i] - mean[ch]) * select(1.0f / sqrt(v), t_nan(), v < 0.0f);${weight ? '\n  y = y * w[ch];' : ''}${bias ? '\n  y = y + b[ch];' : ''}
  o[i] = y;`)}`;
      k.run(code, operands, grid(n));
    },

    adamUpdate(param: TensorInfo, grad: TensorInfo, m: TensorInfo, v: TensorInfo, hyper: AdamHyperparameters, paramOut: TensorInfo, mOut: TensorInfo, vOut: TensorInfo): void {
      const n = sizeOf(paramOut.shape);
      const c = adamScalars(hyper);
      const decoupled = hyper.weightDecay !== 0 && hyper.decoupled;
      const coupled = hyper.weightDecay !== 0 && !hyper.decoupled;
      // The scalars travel in a uniform (lr and the step change every update; nothing recompiles).
      const code = `struct P { decay: f32, l2: f32, beta1: f32, omb1: f32, beta2: f32, omb2: f32, bc2: f32, eps: f32, step: f32 }
${bindings([['p', 'f32', 'read'], ['g', 'f32', 'read'], ['m', 'f32', 'read'], ['v', 'f32', 'read'], ['po', 'f32', 'read_write'], ['mo', 'f32', 'read_write'], ['vo', 'f32', 'read_write']])}
@group(0) @binding(7) var<uniform> u: P;
${main1d(n, `  var gi = ${hyper.maximize ? '-g[i]' : 'g[i]'};
  var pi = p[i];${decoupled ? '\n  pi = pi * u.decay;' : ''}${coupled ? '\n  gi = gi + pi * u.l2;' : ''}
  let mi = m[i] * u.beta1 + gi * u.omb1;
  let vi = v[i] * u.beta2 + (gi * u.omb2) * gi;
  let denom = select(sqrt(vi), t_nan(), vi < 0.0f) / u.bc2 + u.eps;
  mo[i] = mi;
  vo[i] = vi;
  po[i] = pi + (mi * u.step) / denom;`)}`;
      const uniform = new Uint32Array(12);
      new Float32Array(uniform.buffer).set([c.decay, c.l2, c.beta1, c.oneMinusBeta1, c.beta2, c.oneMinusBeta2, c.sqrtBiasCorrection2, c.eps, c.negStepSize]);
      k.run(`${MATH}\n${code}`, [param, grad, m, v, paramOut, mOut, vOut], grid(n), uniform);
    },
  };
}
