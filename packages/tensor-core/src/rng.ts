/**
 * The counter-based random generator shared by every backend: element `i` of a random tensor
 * with seed `s` depends only on `(s, i)`, so the same seed gives the same numbers on every
 * backend (up to the float rounding of `log`/`cos` in the normal transform). The mixer is the
 * "lowbias32" integer hash applied in two keyed rounds; it only needs 32-bit integer multiply,
 * xor and shifts, which WGSL has.
 */
import type { RandomDistribution } from './backend.js';

/** lowbias32: a 32-bit integer hash with good avalanche. */
export function hash32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The 32 random bits of stream position `counter` under `seed`. */
export function randomBits(seed: number, counter: number): number {
  const key = hash32((seed ^ 0x9e3779b9) >>> 0);
  return hash32((hash32((counter ^ key) >>> 0) + key) >>> 0);
}

/** Uniform in [0, 1) with 24 bits (exact in float32). */
export function uniformAt(seed: number, counter: number): number {
  return (randomBits(seed, counter) >>> 8) / 16777216;
}

/** Value `i` of a random fill: the reference that every backend's `random` kernel reproduces. */
export function randomValueAt(distribution: RandomDistribution, seed: number, i: number): number {
  switch (distribution.kind) {
    case 'uniform':
      return distribution.low + (distribution.high - distribution.low) * uniformAt(seed, i);
    case 'normal': {
      // Box–Muller on two positions of the stream; u1 in (0, 1] so log is finite.
      const u1 = ((randomBits(seed, 2 * i) >>> 8) + 1) / 16777216;
      const u2 = uniformAt(seed, 2 * i + 1);
      return distribution.mean + distribution.std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
    case 'bernoulli':
      return uniformAt(seed, i) < distribution.p ? 1 : 0;
    case 'randint':
      return distribution.low + Math.floor((randomBits(seed, i) / 4294967296) * (distribution.high - distribution.low));
  }
}
