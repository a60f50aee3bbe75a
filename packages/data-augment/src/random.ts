/**
 * Seeded randomness for data pipelines. A {@link Generator} is a seed plus a call counter over
 * tensor-core's counter-based generator: draw `k` of a generator depends only on `(seed, k)`, so
 * the same seed gives the same shuffles, splits and augmentation parameters on every backend and
 * in every process. Host-side parameters (angles, crop boxes, ...) come from {@link uniformAt};
 * pixel-sized noise comes from tensor-core's `rand`/`randn` with a seed drawn here.
 */
import { TensorError, check, describeValue, randomBits, uniformAt, type Checks } from '@tessera/tensor-core';

/**
 * A seeded stream of random numbers. Each call advances a counter, so two generators with the
 * same seed produce the same sequence.
 *
 * @example
 * ```ts
 * const g = new Generator(42);
 * g.uniform(); // the same number on every run and backend
 * g.nextSeed(); // a fresh 32-bit seed for tensor-core's rand({ seed })
 * ```
 */
export class Generator {
  readonly seed: number;
  #counter = 0;

  /** @throws TensorError `INVALID_ARGUMENT` unless `seed` is an integer in `[0, 2^32)`. */
  constructor(seed: number) {
    this.seed = checkSeed('Generator', seed);
  }

  /** How many numbers have been drawn. */
  get counter(): number {
    return this.#counter;
  }

  /** A uniform number in `[0, 1)` (24 random bits). */
  uniform(): number {
    return uniformAt(this.seed, this.#counter++);
  }

  /** A 32-bit seed for tensor-core's random ops, or for the keyed uniform draws of the transforms. */
  nextSeed(): number {
    return randomBits(this.seed, this.#counter++);
  }

  /** An integer in `[low, high)`. */
  randint(low: number, high: number): number {
    return low + Math.floor(this.uniform() * (high - low));
  }
}

/** Checks a seed: an integer in `[0, 2^32)`; recorded into `at` when it is the call's collector. */
export function checkSeed(at: string | Checks, seed: unknown): number {
  return check.into(at, (checks) => checks.int('seed', seed, { min: 0, max: 2 ** 32, maxExclusive: true }));
}

let globalGenerator = new Generator(0);

/**
 * Reseeds the generator that random transforms, loaders and splits use when given neither a
 * `seed` nor a `generator` (PyTorch `torch.manual_seed`). It starts at seed 0, so a program
 * that never calls it is still reproducible.
 *
 * @example
 * ```ts
 * manualSeed(7);
 * ```
 */
export function manualSeed(seed: number): void {
  globalGenerator = new Generator(checkSeed('manualSeed', seed));
}

/** Where a random component takes its numbers from. */
export interface RandomSource {
  /** A seed for a generator owned by this component. */
  readonly seed?: number;
  /** A generator shared with other components (drawn from in call order). */
  readonly generator?: Generator;
}

/** The generator a component with `source` should draw from; a bad source is recorded into `at` when it is the call's collector. */
export function resolveGenerator(at: string | Checks, source: RandomSource | undefined): Generator {
  return check.into(at, (checks) => {
    if (source?.seed !== undefined && source.generator !== undefined) {
      checks.fail('INVALID_ARGUMENT', 'give either seed or generator, not both', 'seed');
      return globalGenerator;
    }
    if (source?.generator !== undefined) {
      if (source.generator instanceof Generator) return source.generator;
      checks.fail('INVALID_ARGUMENT', `generator must be a Generator, got ${describeValue(source.generator)}`, 'generator', source.generator);
      return globalGenerator;
    }
    if (source?.seed !== undefined) return new Generator(checkSeed(checks, source.seed));
    return globalGenerator;
  });
}

/**
 * Stream position `i` of the keyed stream `key` (from {@link Generator.nextSeed}): a uniform
 * number in `[0, 1)`. Transforms draw one key per call and index per-sample parameters with it.
 */
export function keyedUniform(key: number, i: number): number {
  return uniformAt(key, i);
}

/** A standard normal from positions `2i, 2i+1` of the keyed stream (Box–Muller). */
export function keyedNormal(key: number, i: number): number {
  const u1 = ((randomBits(key, 2 * i) >>> 8) + 1) / 16777216;
  const u2 = uniformAt(key, 2 * i + 1);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** A Gamma(shape, 1) sample (Marsaglia–Tsang) from a generator. */
function sampleGamma(g: Generator, shape: number): number {
  if (shape < 1) {
    // Boost: Gamma(a) = Gamma(a + 1) * U^(1/a).
    const u = 1 - g.uniform();
    return sampleGamma(g, shape + 1) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = keyedNormal(g.nextSeed(), 0);
    const v = Math.pow(1 + c * z, 3);
    if (v <= 0) continue;
    const u = 1 - g.uniform();
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A Beta(a, b) sample from a generator (mixup and cutmix). */
export function sampleBeta(g: Generator, a: number, b: number): number {
  const x = sampleGamma(g, a);
  const y = sampleGamma(g, b);
  return x + y === 0 ? 0.5 : x / (x + y);
}

/** A seeded permutation of `0..n-1` (Fisher–Yates on a keyed stream). */
export function permutation(n: number, key: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniformAt(key, i) * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}
