/** Convolution layers: `Conv1d`, `Conv2d`, `ConvTranspose2d`. */
import { check, TensorError, conv1d, conv2d, convTranspose2d, optionKeys, tidy, type Tensor } from '@tessera/tensor-core';
import * as init from './init.js';
import { Module, parameter, type Parameter } from './module.js';
import { deriveSeed, seedOrNext } from './random.js';

/** Options shared by the convolution layers. */
interface ConvCommon {
  /** Channels of the input. */
  readonly inChannels: number;
  /** Channels of the output. */
  readonly outChannels: number;
  /** Channel groups (default 1); must divide both channel counts. */
  readonly groups?: number;
  /** Learn a per-channel bias (default true). */
  readonly bias?: boolean;
  /** Seed of the initialization (default: the {@link manualSeed} stream). */
  readonly seed?: number;
}

/** Options of {@link Conv1d}. */
export interface Conv1dOptions extends ConvCommon {
  /** Kernel length. */
  readonly kernelSize: number;
  /** Step (default 1). */
  readonly stride?: number;
  /** Zero padding: a number, `[left, right]`, `'same'` (stride 1 only) or `'valid'` (default 0). */
  readonly padding?: number | readonly [number, number] | 'same' | 'valid';
  /** Spacing of the kernel taps (default 1). */
  readonly dilation?: number;
}

/** Options of {@link Conv2d}. */
export interface Conv2dOptions extends ConvCommon {
  /** Kernel size, a number or `[h, w]`. */
  readonly kernelSize: number | readonly [number, number];
  /** Step, a number or `[h, w]` (default 1). */
  readonly stride?: number | readonly [number, number];
  /** Zero padding: a number, `[h, w]`, `'same'` (stride 1 only) or `'valid'` (default 0). */
  readonly padding?: number | readonly [number, number] | 'same' | 'valid';
  /** Spacing of the kernel taps, a number or `[h, w]` (default 1). */
  readonly dilation?: number | readonly [number, number];
}

/** Options of {@link ConvTranspose2d}. */
export interface ConvTranspose2dOptions extends ConvCommon {
  /** Kernel size, a number or `[h, w]`. */
  readonly kernelSize: number | readonly [number, number];
  /** Stride of the matching forward convolution (default 1). */
  readonly stride?: number | readonly [number, number];
  /** Padding of the matching forward convolution (default 0). */
  readonly padding?: number | readonly [number, number];
  /** Extra rows/columns at the bottom/right of the output, smaller than stride or dilation (default 0). */
  readonly outputPadding?: number | readonly [number, number];
  /** Spacing of the kernel taps (default 1). */
  readonly dilation?: number | readonly [number, number];
}

function checkGroups(layer: string, inChannels: number, outChannels: number, groups: number): void {
  if (inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new TensorError('INVALID_ARGUMENT', layer, `groups (${groups}) must divide inChannels (${inChannels}) and outChannels (${outChannels})`);
  }
}

/** PyTorch's default convolution init: kaiming uniform (a = √5) weight, U(±1/√fanIn) bias. */
function initConv(layer: string, weightShape: number[], outChannels: number, fanIn: number, hasBias: boolean, seed: number | undefined): { weight: Parameter; bias: Parameter | undefined } {
  const s = seedOrNext(layer, seed);
  const weight = parameter(init.kaimingUniform(weightShape, { a: Math.sqrt(5), seed: deriveSeed(s, 0) }));
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  const bias = hasBias ? parameter(init.uniform([outChannels], { low: -bound, high: bound, seed: deriveSeed(s, 1) })) : undefined;
  return { weight, bias };
}

function checkPadding(layer: string, padding: unknown, stride: readonly number[]): void {
  if (padding === 'valid') return;
  if (padding === 'same') {
    if (stride.some((s) => s !== 1)) throw new TensorError('INVALID_ARGUMENT', layer, `padding 'same' needs stride 1, got stride ${JSON.stringify(stride)}`);
    return;
  }
  check.pair(layer, 'padding', padding, 0);
}

/**
 * 1-D convolution over `[N, C, L]` (or unbatched `[C, L]`) inputs, as PyTorch's `Conv1d`. `weight`
 * is `[outChannels, inChannels/groups, kernelSize]`; the output length is
 * `floor((L + padLeft + padRight - dilation·(k-1) - 1) / stride) + 1`.
 *
 * @throws TensorError `INVALID_ARGUMENT` for non-positive sizes, negative padding, groups not
 *   dividing the channels, or `'same'` with a stride; at `forward`, `SHAPE_MISMATCH` for a wrong
 *   rank or channel count, or an input shorter than the kernel.
 * @example
 * ```ts
 * const conv = new Conv1d({ inChannels: 2, outChannels: 4, kernelSize: 3, padding: 1 });
 * conv.forward(ones([8, 2, 16])).shape; // [8, 4, 16]
 * ```
 */
export class Conv1d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number | readonly [number, number] | 'same' | 'valid';
  readonly dilation: number;
  readonly groups: number;
  /** `[outChannels, inChannels/groups, kernelSize]`. */
  weight: Parameter;
  /** `[outChannels]`, or undefined with `bias: false`. */
  bias: Parameter | undefined;

  constructor(options: Conv1dOptions) {
    super();
    const layer = 'Conv1d';
    const checks = check.all(layer);
    const o = checks.options(options, optionKeys<Conv1dOptions>({ kernelSize: true, stride: true, padding: true, dilation: true, inChannels: true, outChannels: true, groups: true, bias: true, seed: true }), { required: true });
    this.inChannels = checks.int('inChannels', o.inChannels, { min: 1 });
    this.outChannels = checks.int('outChannels', o.outChannels, { min: 1 });
    this.kernelSize = checks.int('kernelSize', o.kernelSize, { min: 1 });
    this.stride = checks.int('stride', o.stride ?? 1, { min: 1 });
    this.dilation = checks.int('dilation', o.dilation ?? 1, { min: 1 });
    this.groups = checks.int('groups', o.groups ?? 1, { min: 1 });
    const hasBias = checks.boolean('bias', o.bias ?? true);
    checks.done();
    this.padding = o.padding ?? 0;
    checkPadding(layer, this.padding, [this.stride]);
    checkGroups(layer, this.inChannels, this.outChannels, this.groups);
    const cg = this.inChannels / this.groups;
    ({ weight: this.weight, bias: this.bias } = initConv(layer, [this.outChannels, cg, this.kernelSize], this.outChannels, cg * this.kernelSize, hasBias, o.seed));
  }

  forward(x: Tensor): Tensor {
    check.tensor('Conv1d', 'input', x);
    check.rank('Conv1d', 'input', x, [2, 3], '[N, C, L] or unbatched [C, L]');
    check.dim('Conv1d', 'input', x, x.rank - 2, this.inChannels, 'input channels');
    return conv1d(x, this.weight, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
      ...(this.bias ? { bias: this.bias } : {}),
    });
  }

  override extraRepr(): string {
    return `inChannels=${this.inChannels}, outChannels=${this.outChannels}, kernelSize=${this.kernelSize}, stride=${this.stride}, padding=${JSON.stringify(this.padding)}, dilation=${this.dilation}, groups=${this.groups}, bias=${this.bias !== undefined}`;
  }
}

/**
 * 2-D convolution over `[N, C, H, W]` (or unbatched `[C, H, W]`) inputs, as PyTorch's `Conv2d`.
 * `weight` is `[outChannels, inChannels/groups, kH, kW]`; each output size is
 * `floor((H + 2·padding - dilation·(k-1) - 1) / stride) + 1`.
 *
 * @throws TensorError as {@link Conv1d}.
 * @example
 * ```ts
 * const conv = new Conv2d({ inChannels: 3, outChannels: 16, kernelSize: 3, padding: 1 });
 * conv.forward(ones([1, 3, 32, 32])).shape; // [1, 16, 32, 32]
 * ```
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'same' | 'valid';
  readonly dilation: [number, number];
  readonly groups: number;
  /** `[outChannels, inChannels/groups, kH, kW]`. */
  weight: Parameter;
  /** `[outChannels]`, or undefined with `bias: false`. */
  bias: Parameter | undefined;

  constructor(options: Conv2dOptions) {
    super();
    const layer = 'Conv2d';
    const checks = check.all(layer);
    const o = checks.options(options, optionKeys<Conv2dOptions>({ kernelSize: true, stride: true, padding: true, dilation: true, inChannels: true, outChannels: true, groups: true, bias: true, seed: true }), { required: true });
    this.inChannels = checks.int('inChannels', o.inChannels, { min: 1 });
    this.outChannels = checks.int('outChannels', o.outChannels, { min: 1 });
    this.kernelSize = checks.pair('kernelSize', o.kernelSize, 1);
    this.stride = checks.pair('stride', o.stride ?? 1, 1);
    this.dilation = checks.pair('dilation', o.dilation ?? 1, 1);
    this.groups = checks.int('groups', o.groups ?? 1, { min: 1 });
    const hasBias = checks.boolean('bias', o.bias ?? true);
    checks.done();
    const padding = o.padding ?? 0;
    checkPadding(layer, padding, this.stride);
    this.padding = padding === 'same' || padding === 'valid' ? padding : check.pair(layer, 'padding', padding, 0);
    checkGroups(layer, this.inChannels, this.outChannels, this.groups);
    const cg = this.inChannels / this.groups;
    const [kh, kw] = this.kernelSize;
    ({ weight: this.weight, bias: this.bias } = initConv(layer, [this.outChannels, cg, kh, kw], this.outChannels, cg * kh * kw, hasBias, o.seed));
  }

  forward(x: Tensor): Tensor {
    check.tensor('Conv2d', 'input', x);
    check.rank('Conv2d', 'input', x, [3, 4], '[N, C, H, W] or unbatched [C, H, W]');
    check.dim('Conv2d', 'input', x, x.rank - 3, this.inChannels, 'input channels');
    return conv2d(x, this.weight, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
      ...(this.bias ? { bias: this.bias } : {}),
    });
  }

  override extraRepr(): string {
    return `inChannels=${this.inChannels}, outChannels=${this.outChannels}, kernelSize=${JSON.stringify(this.kernelSize)}, stride=${JSON.stringify(this.stride)}, padding=${JSON.stringify(this.padding)}, dilation=${JSON.stringify(this.dilation)}, groups=${this.groups}, bias=${this.bias !== undefined}`;
  }
}

/**
 * Transposed 2-D convolution (PyTorch's `ConvTranspose2d`, the gradient of `Conv2d` with respect
 * to its input; used to upsample). `weight` is `[inChannels, outChannels/groups, kH, kW]`
 * (PyTorch's layout). Each output size is
 * `(H-1)·stride - 2·padding + dilation·(k-1) + outputPadding + 1`. Initialised as PyTorch, whose
 * fan-in for this layout is `outChannels/groups · kH · kW`.
 *
 * @throws TensorError as {@link Conv1d}; `INVALID_ARGUMENT` when `outputPadding` is not smaller
 *   than the stride or the dilation.
 * @example
 * ```ts
 * const up = new ConvTranspose2d({ inChannels: 16, outChannels: 8, kernelSize: 2, stride: 2 });
 * up.forward(ones([1, 16, 8, 8])).shape; // [1, 8, 16, 16]
 * ```
 */
export class ConvTranspose2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  /** `[inChannels, outChannels/groups, kH, kW]`. */
  weight: Parameter;
  /** `[outChannels]`, or undefined with `bias: false`. */
  bias: Parameter | undefined;

  constructor(options: ConvTranspose2dOptions) {
    super();
    const layer = 'ConvTranspose2d';
    const checks = check.all(layer);
    const o = checks.options(options, optionKeys<ConvTranspose2dOptions>({ kernelSize: true, stride: true, padding: true, outputPadding: true, dilation: true, inChannels: true, outChannels: true, groups: true, bias: true, seed: true }), { required: true });
    this.inChannels = checks.int('inChannels', o.inChannels, { min: 1 });
    this.outChannels = checks.int('outChannels', o.outChannels, { min: 1 });
    this.kernelSize = checks.pair('kernelSize', o.kernelSize, 1);
    this.stride = checks.pair('stride', o.stride ?? 1, 1);
    this.padding = checks.pair('padding', o.padding ?? 0, 0);
    this.outputPadding = checks.pair('outputPadding', o.outputPadding ?? 0, 0);
    this.dilation = checks.pair('dilation', o.dilation ?? 1, 1);
    this.groups = checks.int('groups', o.groups ?? 1, { min: 1 });
    const hasBias = checks.boolean('bias', o.bias ?? true);
    checks.done();
    checkGroups(layer, this.inChannels, this.outChannels, this.groups);
    for (let i = 0; i < 2; i++) {
      if (this.outputPadding[i]! >= Math.max(this.stride[i]!, this.dilation[i]!)) {
        throw new TensorError('INVALID_ARGUMENT', layer, `outputPadding ${JSON.stringify(this.outputPadding)} must be smaller than the stride ${JSON.stringify(this.stride)} or the dilation ${JSON.stringify(this.dilation)}`);
      }
    }
    const og = this.outChannels / this.groups;
    const [kh, kw] = this.kernelSize;
    ({ weight: this.weight, bias: this.bias } = initConv(layer, [this.inChannels, og, kh, kw], this.outChannels, og * kh * kw, hasBias, o.seed));
  }

  forward(x: Tensor): Tensor {
    check.tensor('ConvTranspose2d', 'input', x);
    check.rank('ConvTranspose2d', 'input', x, [3, 4], '[N, C, H, W] or unbatched [C, H, W]');
    check.dim('ConvTranspose2d', 'input', x, x.rank - 3, this.inChannels, 'input channels');
    return tidy(() =>
      convTranspose2d(x, this.weight, {
        stride: this.stride,
        padding: this.padding,
        outputPadding: this.outputPadding,
        dilation: this.dilation,
        groups: this.groups,
        ...(this.bias ? { bias: this.bias } : {}),
      }),
    );
  }

  override extraRepr(): string {
    return `inChannels=${this.inChannels}, outChannels=${this.outChannels}, kernelSize=${JSON.stringify(this.kernelSize)}, stride=${JSON.stringify(this.stride)}, padding=${JSON.stringify(this.padding)}, outputPadding=${JSON.stringify(this.outputPadding)}, groups=${this.groups}, bias=${this.bias !== undefined}`;
  }
}
