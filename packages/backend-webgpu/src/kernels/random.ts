/**
 * The random fill: element `i` reproduces tensor-core's `randomValueAt(distribution, seed, i)`.
 * The lowbias32 hash is pure 32-bit integer arithmetic, so the bits are identical; uniform,
 * bernoulli and randint values are exact (bernoulli compares the 24-bit integer with a threshold
 * worked out on the host, randint takes the high word of a 32×32-bit product), and normal values
 * differ from the reference only by the float32 rounding of log and cos in Box–Muller.
 * The seed travels in a uniform, so new seeds compile nothing.
 */
import type { Backend, RandomDistribution, TensorInfo } from '@tessera/tensor-core';
import { hash32, sizeOf } from '@tessera/tensor-core';
import type { Kernels } from '../context.js';
import { MATH, bindings, convert, grid, main1d, wgslType } from '../wgsl.js';

const RNG = /* wgsl */ `
fn hash32(x0: u32) -> u32 {
  var x = x0;
  x ^= x >> 16u;
  x *= 0x7feb352du;
  x ^= x >> 15u;
  x *= 0x846ca68bu;
  x ^= x >> 16u;
  return x;
}
fn bits(key: u32, counter: u32) -> u32 { return hash32(hash32(counter ^ key) + key); }
fn mulhi(a: u32, b: u32) -> u32 {
  let a0 = a & 0xffffu; let a1 = a >> 16u; let b0 = b & 0xffffu; let b1 = b >> 16u;
  let p00 = a0 * b0; let p01 = a0 * b1; let p10 = a1 * b0; let p11 = a1 * b1;
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  return p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u);
}
struct P { key: u32, a: f32, b: f32, c: u32 }
`;

export function randomKernels(k: Kernels): Pick<Backend, 'random'> {
  return {
    random(out: TensorInfo, d: RandomDistribution, seed: number): void {
      const n = sizeOf(out.shape);
      const to = wgslType(out.dtype);
      const key = hash32(((seed | 0) ^ 0x9e3779b9) >>> 0);
      const u = new Uint32Array(4);
      const f = new Float32Array(u.buffer);
      u[0] = key;
      let value: string;
      let from: 'f32' | 'i32' | 'u32';
      switch (d.kind) {
        case 'uniform':
          f[1] = d.low;
          f[2] = d.high - d.low;
          value = 'p.a + p.b * (f32(bits(p.key, i) >> 8u) / 16777216.0f)';
          from = 'f32';
          break;
        case 'normal':
          f[1] = d.mean;
          f[2] = d.std;
          value = `p.a + p.b * sqrt(-2.0f * t_log((f32(bits(p.key, 2u * i) >> 8u) + 1.0f) / 16777216.0f))
      * t_cos(6.28318530717958647692f * (f32(bits(p.key, 2u * i + 1u) >> 8u) / 16777216.0f))`;
          from = 'f32';
          break;
        case 'bernoulli':
          // u < p  ⇔  (bits >> 8) < ceil(p · 2²⁴), in integers.
          u[3] = Math.min(2 ** 24, Math.max(0, Math.ceil(d.p * 2 ** 24)));
          value = 'select(0i, 1i, (bits(p.key, i) >> 8u) < p.c)';
          from = 'i32';
          break;
        case 'randint':
          u[1] = d.low | 0;
          u[3] = (d.high - d.low) >>> 0;
          value = 'bitcast<i32>(bitcast<u32>(p.a) + mulhi(bits(p.key, i), p.c))';
          from = 'i32';
          break;
      }
      const code = `${MATH}
${RNG}
@group(0) @binding(1) var<uniform> p: P;
${bindings([['o', to, 'read_write']])}
${main1d(n, `  let v = ${value};
  o[i] = ${convert('v', from, to)};`)}`;
      k.run(code, [out], grid(n), u);
    },
  };
}
