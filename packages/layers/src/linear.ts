/** `Linear`: the fully connected layer `y = x·Wᵀ + b`. */
import { check, matmul, optionKeys, tidy, type Tensor } from '@tessera/tensor-core';
import * as init from './init.js';
import { Module, parameter, type Parameter } from './module.js';
import { deriveSeed, seedOrNext } from './random.js';

/** Options of {@link Linear}. */
export interface LinearOptions {
  /** Size of the last axis of the input. */
  readonly inFeatures: number;
  /** Size of the last axis of the output. */
  readonly outFeatures: number;
  /** Learn an additive bias (default true). */
  readonly bias?: boolean;
  /** Seed of the initialization (default: the {@link manualSeed} stream). */
  readonly seed?: number;
}

/**
 * Applies `y = x·Wᵀ + b` to the last axis: input `[..., inFeatures]`, output
 * `[..., outFeatures]`. `weight` is `[outFeatures, inFeatures]` (PyTorch's layout), initialised
 * as PyTorch: `U(-1/√inFeatures, 1/√inFeatures)` for both weight and bias (kaiming uniform with
 * `a = √5`).
 *
 * @throws TensorError `INVALID_ARGUMENT` for non-positive sizes or bad options; at `forward`,
 *   `SHAPE_MISMATCH` when the last axis is not `inFeatures`.
 * @example
 * ```ts
 * const fc = new Linear({ inFeatures: 4, outFeatures: 2, seed: 0 });
 * fc.forward(ones([8, 4])).shape; // [8, 2]
 * ```
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** `[outFeatures, inFeatures]`. */
  weight: Parameter;
  /** `[outFeatures]`, or undefined with `bias: false`. */
  bias: Parameter | undefined;

  constructor(options: LinearOptions) {
    super();
    const checks = check.all('Linear');
    const o = checks.options(options, optionKeys<LinearOptions>({ inFeatures: true, outFeatures: true, bias: true, seed: true }), { required: true });
    this.inFeatures = checks.int('inFeatures', o.inFeatures, { min: 1 });
    this.outFeatures = checks.int('outFeatures', o.outFeatures, { min: 1 });
    checks.done();
    const hasBias = check.boolean('Linear', 'bias', o.bias ?? true);
    const seed = seedOrNext('Linear', o.seed);
    this.weight = parameter(init.kaimingUniform([this.outFeatures, this.inFeatures], { a: Math.sqrt(5), seed: deriveSeed(seed, 0) }));
    const bound = 1 / Math.sqrt(this.inFeatures);
    this.bias = hasBias ? parameter(init.uniform([this.outFeatures], { low: -bound, high: bound, seed: deriveSeed(seed, 1) })) : undefined;
  }

  forward(x: Tensor): Tensor {
    check.tensor('Linear', 'input', x);
    if (x.rank === 0) check.dim('Linear', 'input', x, 0, this.inFeatures, 'input features');
    check.dim('Linear', 'input', x, -1, this.inFeatures, 'input features in the last axis');
    return tidy(() => {
      // The transpose flag reads the weight in place: no transposed copy forward, none backward.
      const y = matmul(x, this.weight, { transposeB: true });
      return this.bias ? y.add(this.bias) : y;
    });
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== undefined}`;
  }
}
