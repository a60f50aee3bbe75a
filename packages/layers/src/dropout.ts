/** `Dropout`: inverted dropout with a seeded, per-call mask. */
import { check, checkOptions, bernoulli, tidy, zerosLike, type Tensor } from '@tessera/tensor-core';
import { Module } from './module.js';
import { deriveSeed, seedOrNext } from './random.js';

/** Options of {@link Dropout}. */
export interface DropoutOptions {
  /** Probability of zeroing an element, in `[0, 1]` (default 0.5). */
  readonly p?: number;
  /** Seed of the mask stream (default: the {@link manualSeed} stream). */
  readonly seed?: number;
}

/**
 * Inverted dropout (PyTorch's `Dropout`): in training mode each element is zeroed with
 * probability `p` and the rest are scaled by `1/(1-p)`, so eval mode (the identity) needs no
 * rescaling. The mask of call `k` uses the seed `deriveSeed(seed, k)`: a fresh mask each call,
 * and the same sequence of masks for the same seed. `p = 1` gives zeros, as PyTorch.
 *
 * @throws TensorError `INVALID_ARGUMENT` for `p` outside `[0, 1]` or a bad seed.
 * @example
 * ```ts
 * const drop = new Dropout({ p: 0.1, seed: 0 });
 * const y = drop.forward(x);         // training: about 10% zeros
 * drop.eval().forward(x);            // eval: a copy of x
 * ```
 */
export class Dropout extends Module {
  readonly p: number;
  readonly seed: number;
  #calls = 0;

  constructor(options: DropoutOptions = {}) {
    super();
    checkOptions('Dropout', options, ['p', 'seed']);
    this.p = check.number('Dropout', 'p', options.p ?? 0.5, { min: 0, max: 1 });
    this.seed = seedOrNext('Dropout', options.seed);
  }

  /** Number of masks drawn so far (the next mask uses `deriveSeed(seed, calls)`). */
  get calls(): number {
    return this.#calls;
  }

  forward(x: Tensor): Tensor {
    check.tensor('Dropout', 'input', x);
    if (!this.training || this.p === 0) return x.reshape(x.shape);
    if (this.p === 1) return tidy(() => x.mul(zerosLike(x)));
    const seed = deriveSeed(this.seed, this.#calls++);
    return tidy(() => {
      const keep = bernoulli(1 - this.p, x.shape, { seed, dtype: x.dtype, backend: x.backend });
      return x.mul(keep.mul(1 / (1 - this.p)));
    });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
