/** Normalization layers: `BatchNorm1d`, `BatchNorm2d`, `LayerNorm`, `GroupNorm`. */
import { check, safeJson, TensorError, batchNorm, fmtShape, layerNorm, ones, optionKeys, tidy, unobserved, zeros, type Tensor, type Variable } from '@tessera/tensor-core';
import { Module, parameter, type Parameter } from './module.js';

/** Options of {@link BatchNorm1d} and {@link BatchNorm2d}. */
export interface BatchNormOptions {
  /** Channels `C` (axis 1 of the input). */
  readonly numFeatures: number;
  /** Added to the variance (default 1e-5). */
  readonly eps?: number;
  /**
   * Weight of the new batch in the running averages (default 0.1):
   * `running = (1 - momentum)·running + momentum·batch`. `null` gives the cumulative average
   * over all batches seen, as PyTorch's `momentum=None`.
   */
  readonly momentum?: number | null;
  /** Learn a per-channel scale and shift (default true). */
  readonly affine?: boolean;
  /** Keep running statistics for evaluation (default true); without them eval uses batch statistics. */
  readonly trackRunningStats?: boolean;
}

/**
 * Shared implementation of the BatchNorm layers. In training mode it normalises with the batch's
 * mean and biased variance and updates the running statistics (with the unbiased variance, as
 * PyTorch) without recording gradients; in eval mode it uses the running statistics.
 */
abstract class BatchNormBase extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  /** Scale `[C]` (ones), or undefined without `affine`. */
  weight: Parameter | undefined;
  /** Shift `[C]` (zeros), or undefined without `affine`. */
  bias: Parameter | undefined;
  /** Running mean `[C]` (buffer), or undefined without `trackRunningStats`. */
  runningMean: Variable | undefined;
  /** Running (unbiased) variance `[C]` (buffer). */
  runningVar: Variable | undefined;
  /** Number of training batches seen, an int32 scalar (buffer). */
  numBatchesTracked: Variable | undefined;

  protected abstract readonly layer: string;
  protected abstract readonly ranks: readonly number[];
  protected abstract readonly layout: string;

  constructor(layer: string, options: BatchNormOptions) {
    super();
    const checks = check.all(layer);
    const o = checks.options(options, optionKeys<BatchNormOptions>({ numFeatures: true, eps: true, momentum: true, affine: true, trackRunningStats: true }), { required: true });
    this.numFeatures = checks.int('numFeatures', o.numFeatures, { min: 1 });
    this.eps = checks.number('eps', o.eps ?? 1e-5, { min: 0, minExclusive: true });
    const momentum = o.momentum === undefined ? 0.1 : o.momentum;
    this.momentum = momentum === null ? null : checks.number('momentum', momentum, { min: 0, max: 1 });
    this.affine = checks.boolean('affine', o.affine ?? true);
    this.trackRunningStats = checks.boolean('trackRunningStats', o.trackRunningStats ?? true);
    checks.done();
    const c = this.numFeatures;
    this.weight = this.affine ? parameter(ones([c])) : undefined;
    this.bias = this.affine ? parameter(zeros([c])) : undefined;
    this.runningMean = this.registerBuffer('runningMean', this.trackRunningStats ? zeros([c]) : undefined);
    this.runningVar = this.registerBuffer('runningVar', this.trackRunningStats ? ones([c]) : undefined);
    this.numBatchesTracked = this.registerBuffer('numBatchesTracked', this.trackRunningStats ? zeros([], { dtype: 'int32' }) : undefined);
  }

  forward(x: Tensor): Tensor {
    const layer = this.layer;
    check.tensor(layer, 'input', x);
    check.rank(layer, 'input', x, this.ranks, this.layout);
    check.dim(layer, 'input', x, 1, this.numFeatures, 'channels');
    const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
    const count = x.size / this.numFeatures;
    const useBatch = this.training || !this.trackRunningStats;
    if (this.training && count <= 1) {
      throw new TensorError('SHAPE_MISMATCH', layer, `expected more than 1 value per channel when training, got input shape ${fmtShape(x.shape)}`);
    }
    const c = this.numFeatures;
    return tidy(() => {
      let mean: Tensor;
      let variance: Tensor;
      if (useBatch) {
        // Batch statistics with differentiable ops: gradients flow through them into x.
        const m = x.mean(axes, true);
        mean = m.reshape([c]);
        variance = x.sub(m).square().mean(axes);
        if (this.training && this.trackRunningStats) this.#updateRunningStats(mean, variance, count);
      } else {
        mean = this.runningMean!;
        variance = this.runningVar!;
      }
      // One op (tensor-core's fused batchNorm kernel where the backend has one).
      return batchNorm(x, mean, variance, {
        eps: this.eps,
        ...(this.weight && this.bias ? { weight: this.weight, bias: this.bias } : {}),
      });
    });
  }

  #updateRunningStats(mean: Tensor, variance: Tensor, count: number): void {
    unobserved(() =>
      tidy(() => {
        const tracked = this.numBatchesTracked!;
        const nextTracked = tracked.add(1);
        tracked.assign(nextTracked);
        // momentum null: the cumulative average, factor 1/numBatchesTracked (a tensor: no sync read).
        const factor: Tensor | number = this.momentum ?? nextTracked.cast('float32').reciprocal();
        const batchMean = mean;
        const unbiased = variance.mul(count / (count - 1));
        const rm = this.runningMean!;
        const rv = this.runningVar!;
        rm.assign(rm.add(batchMean.sub(rm).mul(factor)));
        rv.assign(rv.add(unbiased.sub(rv).mul(factor)));
      }),
    );
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/**
 * Batch normalization over `[N, C]` or `[N, C, L]` inputs (PyTorch's `BatchNorm1d`):
 * `y = (x - mean) / √(var + eps) · weight + bias` per channel, with batch statistics in training
 * mode (updating the running ones) and running statistics in eval mode.
 *
 * @throws TensorError `INVALID_ARGUMENT` for bad options; at `forward`, `SHAPE_MISMATCH` for a
 *   wrong rank or channel count, or one value per channel in training mode.
 * @example
 * ```ts
 * const bn = new BatchNorm1d({ numFeatures: 16 });
 * bn.forward(randn([32, 16], { seed: 0 }));   // training: batch statistics
 * bn.eval().forward(randn([1, 16], { seed: 1 })); // eval: running statistics
 * ```
 */
export class BatchNorm1d extends BatchNormBase {
  protected readonly layer = 'BatchNorm1d';
  protected readonly ranks = [2, 3] as const;
  protected readonly layout = '[N, C] or [N, C, L]';
  constructor(options: BatchNormOptions) {
    super('BatchNorm1d', options);
  }
}

/**
 * Batch normalization over `[N, C, H, W]` inputs (PyTorch's `BatchNorm2d`); see
 * {@link BatchNorm1d}.
 *
 * @throws TensorError as {@link BatchNorm1d}.
 * @example
 * ```ts
 * const bn = new BatchNorm2d({ numFeatures: 16 });
 * bn.forward(randn([8, 16, 4, 4], { seed: 0 })).shape; // [8, 16, 4, 4]
 * ```
 */
export class BatchNorm2d extends BatchNormBase {
  protected readonly layer = 'BatchNorm2d';
  protected readonly ranks = [4] as const;
  protected readonly layout = '[N, C, H, W]';
  constructor(options: BatchNormOptions) {
    super('BatchNorm2d', options);
  }
}

/** Options of {@link LayerNorm}. */
export interface LayerNormOptions {
  /** The trailing shape to normalise over (a number for the last axis only). */
  readonly normalizedShape: number | readonly number[];
  /** Added to the variance (default 1e-5). */
  readonly eps?: number;
  /** Learn a scale (and shift) shaped like `normalizedShape` (default true). */
  readonly elementwiseAffine?: boolean;
  /** Learn the shift too (default true; only with `elementwiseAffine`). */
  readonly bias?: boolean;
}

/**
 * Layer normalization over the trailing `normalizedShape` axes (PyTorch's `LayerNorm`), with the
 * biased variance; the same in training and eval mode. `weight` starts at ones, `bias` at zeros.
 *
 * @throws TensorError `INVALID_ARGUMENT` for bad options; at `forward`, `SHAPE_MISMATCH` when the
 *   trailing axes of the input are not `normalizedShape`.
 * @example
 * ```ts
 * const ln = new LayerNorm({ normalizedShape: 64 });
 * ln.forward(randn([8, 10, 64], { seed: 0 })).shape; // [8, 10, 64]
 * ```
 */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  /** Scale shaped like `normalizedShape`, or undefined. */
  weight: Parameter | undefined;
  /** Shift shaped like `normalizedShape`, or undefined. */
  bias: Parameter | undefined;

  constructor(options: LayerNormOptions) {
    super();
    const layer = 'LayerNorm';
    const checks = check.all(layer);
    const o = checks.options(options, optionKeys<LayerNormOptions>({ normalizedShape: true, eps: true, elementwiseAffine: true, bias: true }), { required: true });
    const shape = typeof o.normalizedShape === 'number' ? [o.normalizedShape] : o.normalizedShape;
    if (!Array.isArray(shape) || shape.length === 0) {
      checks.fail('INVALID_ARGUMENT', `normalizedShape must be a positive integer or a non-empty list of them, got ${safeJson(o.normalizedShape)}`, 'normalizedShape', o.normalizedShape);
    }
    this.normalizedShape = (Array.isArray(shape) ? shape : []).map((d, i) => checks.int(`normalizedShape[${i}]`, d, { min: 1 }));
    this.eps = checks.number('eps', o.eps ?? 1e-5, { min: 0, minExclusive: true });
    this.elementwiseAffine = checks.boolean('elementwiseAffine', o.elementwiseAffine ?? true);
    const hasBias = checks.boolean('bias', o.bias ?? true);
    checks.done();
    this.weight = this.elementwiseAffine ? parameter(ones(this.normalizedShape)) : undefined;
    this.bias = this.elementwiseAffine && hasBias ? parameter(zeros(this.normalizedShape)) : undefined;
  }

  forward(x: Tensor): Tensor {
    check.tensor('LayerNorm', 'input', x);
    const n = this.normalizedShape.length;
    if (x.rank < n || this.normalizedShape.some((d, i) => x.shape[x.rank - n + i] !== d)) {
      throw new TensorError('SHAPE_MISMATCH', 'LayerNorm', `expected input whose trailing axes are ${fmtShape(this.normalizedShape)}, got ${fmtShape(x.shape)}`);
    }
    return layerNorm(x, this.normalizedShape, {
      eps: this.eps,
      ...(this.weight ? { weight: this.weight } : {}),
      ...(this.bias ? { bias: this.bias } : {}),
    });
  }

  override extraRepr(): string {
    return `${fmtShape(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}

/** Options of {@link GroupNorm}. */
export interface GroupNormOptions {
  /** Number of channel groups; must divide `numChannels`. */
  readonly numGroups: number;
  /** Channels `C` (axis 1 of the input). */
  readonly numChannels: number;
  /** Added to the variance (default 1e-5). */
  readonly eps?: number;
  /** Learn a per-channel scale and shift (default true). */
  readonly affine?: boolean;
}

/**
 * Group normalization (PyTorch's `GroupNorm`): the channels of `[N, C, ...]` are split into
 * `numGroups` groups, each normalised over its channels and spatial positions (biased variance),
 * then scaled and shifted per channel. Same in training and eval mode.
 *
 * @throws TensorError `INVALID_ARGUMENT` when `numGroups` does not divide `numChannels`; at
 *   `forward`, `SHAPE_MISMATCH` for rank below 2 or a wrong channel count.
 * @example
 * ```ts
 * const gn = new GroupNorm({ numGroups: 4, numChannels: 16 });
 * gn.forward(randn([2, 16, 8, 8], { seed: 0 })).shape; // [2, 16, 8, 8]
 * ```
 */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  /** Scale `[C]` (ones), or undefined. */
  weight: Parameter | undefined;
  /** Shift `[C]` (zeros), or undefined. */
  bias: Parameter | undefined;

  constructor(options: GroupNormOptions) {
    super();
    const layer = 'GroupNorm';
    const checks = check.all(layer);
    const o = checks.options(options, optionKeys<GroupNormOptions>({ numGroups: true, numChannels: true, eps: true, affine: true }), { required: true });
    this.numGroups = checks.int('numGroups', o.numGroups, { min: 1 });
    this.numChannels = checks.int('numChannels', o.numChannels, { min: 1 });
    this.eps = checks.number('eps', o.eps ?? 1e-5, { min: 0, minExclusive: true });
    this.affine = checks.boolean('affine', o.affine ?? true);
    checks.done();
    if (this.numChannels % this.numGroups !== 0) {
      throw new TensorError('INVALID_ARGUMENT', layer, `numGroups (${this.numGroups}) must divide numChannels (${this.numChannels})`);
    }
    this.weight = this.affine ? parameter(ones([this.numChannels])) : undefined;
    this.bias = this.affine ? parameter(zeros([this.numChannels])) : undefined;
  }

  forward(x: Tensor): Tensor {
    check.tensor('GroupNorm', 'input', x);
    if (x.rank < 2) throw new TensorError('SHAPE_MISMATCH', 'GroupNorm', `expected input of shape [N, C, ...], got ${fmtShape(x.shape)}`);
    check.dim('GroupNorm', 'input', x, 1, this.numChannels, 'channels');
    const n = x.shape[0]!;
    const statShape = x.shape.map((d, i) => (i === 1 ? d : 1));
    return tidy(() => {
      const grouped = x.reshape([n, this.numGroups, -1]);
      const mean = grouped.mean(2, true);
      const centered = grouped.sub(mean);
      const variance = centered.square().mean(2, true);
      let y = centered.mul(variance.add(this.eps).rsqrt()).reshape(x.shape);
      if (this.weight && this.bias) y = y.mul(this.weight.reshape(statShape)).add(this.bias.reshape(statShape));
      return y;
    });
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.affine}`;
  }
}
