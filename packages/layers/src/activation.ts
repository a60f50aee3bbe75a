/**
 * Activation modules: thin `Module` wrappers over tensor-core's activation ops, so they can sit in
 * a `Sequential`. Defaults as PyTorch.
 */
import { check, checkOptions, TensorError, elu, gelu, hardSigmoid, hardSwish, leakyRelu, relu, selu, sigmoid, silu, softplus, tanh, tidy, where, type Tensor } from '@tessera/tensor-core';
import { Module } from './module.js';

/**
 * `max(0, x)`.
 * @example `new ReLU().forward(tensor([-1, 2])) // [0, 2]`
 */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(check.tensor('ReLU', 'input', x));
  }
}

/** Options of {@link LeakyReLU}. */
export interface LeakyReLUOptions {
  /** Slope for negative inputs (default 0.01). */
  readonly negativeSlope?: number;
}

/**
 * `x` for positive inputs, `negativeSlope·x` otherwise.
 * @throws TensorError `INVALID_ARGUMENT` for a non-finite slope.
 * @example `new LeakyReLU({ negativeSlope: 0.2 }).forward(tensor([-1, 2])) // [-0.2, 2]`
 */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  constructor(options: LeakyReLUOptions = {}) {
    super();
    checkOptions('LeakyReLU', options, ['negativeSlope']);
    this.negativeSlope = check.number('LeakyReLU', 'negativeSlope', options.negativeSlope ?? 0.01);
  }
  forward(x: Tensor): Tensor {
    return leakyRelu(check.tensor('LeakyReLU', 'input', x), this.negativeSlope);
  }
  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** Options of {@link ELU}. */
export interface ELUOptions {
  /** Scale of the negative part (default 1). */
  readonly alpha?: number;
}

/**
 * `x` for positive inputs, `alpha·(eˣ − 1)` otherwise.
 * @throws TensorError `INVALID_ARGUMENT` for a non-finite alpha.
 * @example `new ELU().forward(tensor([-1, 2]))`
 */
export class ELU extends Module {
  readonly alpha: number;
  constructor(options: ELUOptions = {}) {
    super();
    checkOptions('ELU', options, ['alpha']);
    this.alpha = check.number('ELU', 'alpha', options.alpha ?? 1);
  }
  forward(x: Tensor): Tensor {
    return elu(check.tensor('ELU', 'input', x), this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/**
 * Scaled ELU with PyTorch's constants.
 * @example `new SELU().forward(x)`
 */
export class SELU extends Module {
  forward(x: Tensor): Tensor {
    return selu(check.tensor('SELU', 'input', x));
  }
}

/** Options of {@link GELU}. */
export interface GELUOptions {
  /** `'none'` (exact, default) or `'tanh'` (the approximation). */
  readonly approximate?: 'none' | 'tanh';
}

/**
 * Gaussian error linear unit `x·Φ(x)`.
 * @throws TensorError `INVALID_ARGUMENT` for an unknown `approximate`.
 * @example `new GELU({ approximate: 'tanh' }).forward(x)`
 */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';
  constructor(options: GELUOptions = {}) {
    super();
    checkOptions('GELU', options, ['approximate']);
    const approximate = options.approximate ?? 'none';
    if (approximate !== 'none' && approximate !== 'tanh') {
      throw new TensorError('INVALID_ARGUMENT', 'GELU', `approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
    }
    this.approximate = approximate;
  }
  forward(x: Tensor): Tensor {
    return gelu(check.tensor('GELU', 'input', x), { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate=${JSON.stringify(this.approximate)}`;
  }
}

/**
 * `x·sigmoid(x)` (swish).
 * @example `new SiLU().forward(x)`
 */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return silu(check.tensor('SiLU', 'input', x));
  }
}

/**
 * `1 / (1 + e⁻ˣ)`.
 * @example `new Sigmoid().forward(x)`
 */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(check.tensor('Sigmoid', 'input', x));
  }
}

/**
 * Hyperbolic tangent.
 * @example `new Tanh().forward(x)`
 */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(check.tensor('Tanh', 'input', x));
  }
}

/** Options of {@link Softmax} and {@link LogSoftmax}. */
export interface SoftmaxOptions {
  /** Axis to normalise over (default -1, the last). */
  readonly dim?: number;
}

/**
 * Softmax along `dim` (default the last axis).
 * @throws TensorError `INVALID_ARGUMENT` for a non-integer dim; at `forward`, `AXIS_OUT_OF_RANGE`.
 * @example `new Softmax({ dim: 1 }).forward(logits)`
 */
export class Softmax extends Module {
  readonly dim: number;
  constructor(options: SoftmaxOptions = {}) {
    super();
  checkOptions('Softmax', options, ['dim']);
    this.dim = check.int('Softmax', 'dim', options.dim ?? -1);
  }
  forward(x: Tensor): Tensor {
    return check.tensor('Softmax', 'input', x).softmax(this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * Log-softmax along `dim` (default the last axis), computed stably.
 * @throws TensorError as {@link Softmax}.
 * @example `new LogSoftmax({ dim: 1 }).forward(logits)`
 */
export class LogSoftmax extends Module {
  readonly dim: number;
  constructor(options: SoftmaxOptions = {}) {
    super();
  checkOptions('LogSoftmax', options, ['dim']);
    this.dim = check.int('LogSoftmax', 'dim', options.dim ?? -1);
  }
  forward(x: Tensor): Tensor {
    return check.tensor('LogSoftmax', 'input', x).logSoftmax(this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Options of {@link Softplus}. */
export interface SoftplusOptions {
  /** Sharpness (default 1): `log(1 + e^(beta·x)) / beta`. */
  readonly beta?: number;
  /** Above `beta·x > threshold` the output is `x` (default 20), as PyTorch. */
  readonly threshold?: number;
}

/**
 * `log(1 + e^(beta·x)) / beta`, linear above the threshold (PyTorch's `Softplus`).
 * @throws TensorError `INVALID_ARGUMENT` for a non-positive beta or a non-finite threshold.
 * @example `new Softplus({ beta: 2 }).forward(x)`
 */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;
  constructor(options: SoftplusOptions = {}) {
    super();
    checkOptions('Softplus', options, ['beta', 'threshold']);
    this.beta = check.number('Softplus', 'beta', options.beta ?? 1, { min: 0, minExclusive: true });
    this.threshold = check.number('Softplus', 'threshold', options.threshold ?? 20);
  }
  forward(x: Tensor): Tensor {
    check.tensor('Softplus', 'input', x);
    return tidy(() => {
      const scaled = this.beta === 1 ? x : x.mul(this.beta);
      const soft = this.beta === 1 ? softplus(scaled) : softplus(scaled).div(this.beta);
      return where(scaled.greater(this.threshold), x, soft);
    });
  }
  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/**
 * `clamp(x/6 + 1/2, 0, 1)`.
 * @example `new Hardsigmoid().forward(x)`
 */
export class Hardsigmoid extends Module {
  forward(x: Tensor): Tensor {
    return hardSigmoid(check.tensor('Hardsigmoid', 'input', x));
  }
}

/**
 * `x·hardsigmoid(x)`.
 * @example `new Hardswish().forward(x)`
 */
export class Hardswish extends Module {
  forward(x: Tensor): Tensor {
    return hardSwish(check.tensor('Hardswish', 'input', x));
  }
}

/**
 * The identity: returns a new tensor (a free view) with the input's values, so the caller always
 * owns what `forward` returns.
 * @example `new Identity().forward(x)`
 */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return check.tensor('Identity', 'input', x).reshape(x.shape);
  }
}
