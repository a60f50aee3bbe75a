/** Pooling and reshaping layers: `MaxPool2d`, `AvgPool2d`, `AdaptiveAvgPool2d`, `Flatten`. */
import { check, checkOptions, optionKeys, TensorError, adaptiveAvgPool2d, avgPool2d, fmtShape, maxPool2d, type AvgPool2dOptions as CoreAvgPool2dOptions, type MaxPool2dOptions as CoreMaxPool2dOptions, type Tensor } from '@tessera/tensor-core';
import { Module } from './module.js';

/** Options of {@link MaxPool2d}: the same as tensor-core's `maxPool2d`. */
export type MaxPool2dOptions = CoreMaxPool2dOptions;

/** Options of {@link AvgPool2d}: the same as tensor-core's `avgPool2d`. */
export type AvgPool2dOptions = CoreAvgPool2dOptions;

function checkHalfKernel(layer: string, padding: readonly number[], kernel: readonly number[], dilation: readonly number[] = [1, 1]): void {
  for (let i = 0; i < 2; i++) {
    if (2 * padding[i]! > dilation[i]! * (kernel[i]! - 1) + 1) {
      throw new TensorError('INVALID_ARGUMENT', layer, `padding ${fmtShape(padding)} must be at most half the kernel size ${fmtShape(kernel)}`);
    }
  }
}

/**
 * 2-D max pooling of `[N, C, H, W]` (or `[C, H, W]`) inputs, as PyTorch's `MaxPool2d`.
 *
 * @throws TensorError `INVALID_ARGUMENT` for non-positive sizes or padding over half the kernel;
 *   at `forward`, `SHAPE_MISMATCH` for a wrong rank or an input smaller than the window.
 * @example
 * ```ts
 * new MaxPool2d({ kernelSize: 2 }).forward(ones([1, 3, 8, 8])).shape; // [1, 3, 4, 4]
 * ```
 */
export class MaxPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly ceilMode: boolean;

  constructor(options: MaxPool2dOptions) {
    super();
    const layer = 'MaxPool2d';
    const checks = check.all(layer);
    const o = checks.options(options, optionKeys<MaxPool2dOptions>({ kernelSize: true, stride: true, padding: true, dilation: true, ceilMode: true }), { required: true });
    this.kernelSize = checks.pair('kernelSize', o.kernelSize, 1);
    this.stride = checks.pair('stride', o.stride ?? this.kernelSize, 1);
    this.padding = checks.pair('padding', o.padding ?? 0, 0);
    this.dilation = checks.pair('dilation', o.dilation ?? 1, 1);
    this.ceilMode = checks.boolean('ceilMode', o.ceilMode ?? false);
    checks.done();
    checkHalfKernel(layer, this.padding, this.kernelSize, this.dilation);
  }

  forward(x: Tensor): Tensor {
    check.tensor('MaxPool2d', 'input', x);
    check.rank('MaxPool2d', 'input', x, [3, 4], '[N, C, H, W] or unbatched [C, H, W]');
    return maxPool2d(x, { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode });
  }

  override extraRepr(): string {
    return `kernelSize=${JSON.stringify(this.kernelSize)}, stride=${JSON.stringify(this.stride)}, padding=${JSON.stringify(this.padding)}, dilation=${JSON.stringify(this.dilation)}, ceilMode=${this.ceilMode}`;
  }
}

/**
 * 2-D average pooling of `[N, C, H, W]` (or `[C, H, W]`) inputs, as PyTorch's `AvgPool2d`.
 *
 * @throws TensorError as {@link MaxPool2d}.
 * @example
 * ```ts
 * new AvgPool2d({ kernelSize: 2 }).forward(ones([1, 3, 8, 8])).shape; // [1, 3, 4, 4]
 * ```
 */
export class AvgPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(options: AvgPool2dOptions) {
    super();
    const layer = 'AvgPool2d';
    const checks = check.all(layer);
    const o = checks.options(options, optionKeys<AvgPool2dOptions>({ kernelSize: true, stride: true, padding: true, countIncludePad: true, ceilMode: true }), { required: true });
    this.kernelSize = checks.pair('kernelSize', o.kernelSize, 1);
    this.stride = checks.pair('stride', o.stride ?? this.kernelSize, 1);
    this.padding = checks.pair('padding', o.padding ?? 0, 0);
    this.ceilMode = checks.boolean('ceilMode', o.ceilMode ?? false);
    this.countIncludePad = checks.boolean('countIncludePad', o.countIncludePad ?? true);
    checks.done();
    checkHalfKernel(layer, this.padding, this.kernelSize);
  }

  forward(x: Tensor): Tensor {
    check.tensor('AvgPool2d', 'input', x);
    check.rank('AvgPool2d', 'input', x, [3, 4], '[N, C, H, W] or unbatched [C, H, W]');
    return avgPool2d(x, { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad });
  }

  override extraRepr(): string {
    return `kernelSize=${JSON.stringify(this.kernelSize)}, stride=${JSON.stringify(this.stride)}, padding=${JSON.stringify(this.padding)}, ceilMode=${this.ceilMode}, countIncludePad=${this.countIncludePad}`;
  }
}

/** Options of {@link AdaptiveAvgPool2d}. */
export interface AdaptiveAvgPool2dOptions {
  /** Output `[h, w]`, or one number for both. */
  readonly outputSize: number | readonly [number, number];
}

/**
 * Adaptive average pooling to a fixed `outputSize` whatever the input size, with PyTorch's bins
 * (`AdaptiveAvgPool2d`); `outputSize: 1` is global average pooling.
 *
 * @throws TensorError `INVALID_ARGUMENT` for non-positive sizes; at `forward`, `SHAPE_MISMATCH`
 *   for a wrong rank.
 * @example
 * ```ts
 * new AdaptiveAvgPool2d({ outputSize: 1 }).forward(ones([2, 64, 7, 7])).shape; // [2, 64, 1, 1]
 * ```
 */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: [number, number];

  constructor(options: AdaptiveAvgPool2dOptions) {
    super();
    const checks = check.all('AdaptiveAvgPool2d');
    const o = checks.options(options, ['outputSize'], { required: true });
    this.outputSize = checks.pair('outputSize', o.outputSize, 1);
    checks.done();
  }

  forward(x: Tensor): Tensor {
    check.tensor('AdaptiveAvgPool2d', 'input', x);
    check.rank('AdaptiveAvgPool2d', 'input', x, [3, 4], '[N, C, H, W] or unbatched [C, H, W]');
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=${JSON.stringify(this.outputSize)}`;
  }
}

/** Options of {@link Flatten}. */
export interface FlattenOptions {
  /** First axis to flatten (default 1, keeping the batch axis). */
  readonly startDim?: number;
  /** Last axis to flatten (default -1). */
  readonly endDim?: number;
}

/**
 * Flattens axes `startDim..endDim` into one (PyTorch's `Flatten`; free, a view).
 *
 * @throws TensorError `INVALID_ARGUMENT` for non-integer axes; at `forward`,
 *   `AXIS_OUT_OF_RANGE` for axes outside the input.
 * @example
 * ```ts
 * new Flatten().forward(ones([8, 3, 4, 4])).shape; // [8, 48]
 * ```
 */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;

  constructor(options: FlattenOptions = {}) {
    super();
    checkOptions('Flatten', options, ['startDim', 'endDim']);
    this.startDim = check.int('Flatten', 'startDim', options.startDim ?? 1);
    this.endDim = check.int('Flatten', 'endDim', options.endDim ?? -1);
  }

  forward(x: Tensor): Tensor {
    check.tensor('Flatten', 'input', x);
    return x.flatten(this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}
