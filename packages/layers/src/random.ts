/**
 * Default seeds for layers and initializers. Every random draw in this package takes an explicit
 * seed; when the caller gives none, the seed comes from a global counter, so a program that
 * builds the same model in the same order gets the same weights on every run and every backend.
 */
import { TensorError, randomBits } from '@tessera/tensor-core';

let globalSeed = 0;
let counter = 0;

/**
 * Resets the default seed stream: layers and initializers created afterwards without a `seed`
 * draw their seeds from `(seed, 0)`, `(seed, 1)`, ... Like `torch.manual_seed`, it only affects
 * what is created after the call. The stream starts as if `manualSeed(0)` had been called.
 *
 * @throws TensorError `INVALID_ARGUMENT` unless `seed` is an integer in `[0, 2^32)`.
 * @example
 * ```ts
 * manualSeed(42);
 * const a = new Linear({ inFeatures: 4, outFeatures: 2 });
 * manualSeed(42);
 * const b = new Linear({ inFeatures: 4, outFeatures: 2 }); // same weights as `a`
 * ```
 */
export function manualSeed(seed: number): void {
  checkSeed('manualSeed', seed);
  globalSeed = seed;
  counter = 0;
}

/**
 * The next seed of the default stream (advances it). Used when a layer or initializer gets no
 * `seed`.
 *
 * @example
 * ```ts
 * const w = randn([3, 3], { seed: nextSeed() });
 * ```
 */
export function nextSeed(): number {
  return randomBits(globalSeed, counter++);
}

/**
 * A seed derived from `seed` for sub-stream `index` (a layer with seed `s` uses `deriveSeed(s, 0)`
 * for its weight, `deriveSeed(s, 1)` for its bias, ...), so one user seed gives independent
 * streams.
 *
 * @example
 * ```ts
 * deriveSeed(7, 0) !== deriveSeed(7, 1); // true
 * ```
 */
export function deriveSeed(seed: number, index: number): number {
  return randomBits(seed, 0x5eed0000 + index);
}

/**
 * @internal Validates a user seed.
 * @throws TensorError `INVALID_ARGUMENT` unless `seed` is an integer in `[0, 2^32)`.
 */
export function checkSeed(op: string, seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new TensorError('INVALID_ARGUMENT', op, `seed must be an integer in [0, 2^32), got ${String(seed)}`);
  }
  return seed;
}

/** @internal The user's seed, or the next default one. */
export function seedOrNext(op: string, seed: number | undefined): number {
  return seed === undefined ? nextSeed() : checkSeed(op, seed);
}
