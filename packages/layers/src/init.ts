/**
 * Initializers, with PyTorch's formulas and defaults (`torch.nn.init`). Each takes a shape and
 * returns a new tensor, or takes a {@link Variable} (a parameter) and fills it in place, like
 * PyTorch's trailing-underscore functions. All are seeded: pass `seed`, or the default stream of
 * {@link manualSeed} is used.
 *
 * @example
 * ```ts
 * import { init } from '@tessera/layers';
 * const w = init.xavierUniform([128, 64], { seed: 1 });            // a new tensor
 * init.kaimingNormal(model.fc.weight, { nonlinearity: 'relu' });  // refills a parameter
 * ```
 */
import {
  checkOptions,
  TensorError,
  Variable,
  fmtShape,
  full,
  getBackend,
  rand,
  randn,
  randomValueAt,
  tensor,
  toTypedArray,
  type Backend,
  type DType,
  type Tensor,
} from '@tessera/tensor-core';
import { seedOrNext } from './random.js';

/** Nonlinearities known to {@link calculateGain} (PyTorch's names in camelCase). */
export type Nonlinearity =
  | 'linear'
  | 'identity'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'convTranspose1d'
  | 'convTranspose2d'
  | 'convTranspose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leakyRelu'
  | 'selu';

/** Options shared by the initializers. */
export interface InitOptions {
  /** Seed of the random draw (default: the next seed of the {@link manualSeed} stream). */
  readonly seed?: number;
  /** dtype of a new tensor (default float32; a Variable target keeps its own). */
  readonly dtype?: DType;
  /** Backend of a new tensor (default the active one; a Variable target keeps its own). */
  readonly backend?: Backend;
}

/** Fan mode of the Kaiming initializers. */
export type FanMode = 'fanIn' | 'fanOut';

/** Options of {@link kaimingUniform} and {@link kaimingNormal}. */
export interface KaimingOptions extends InitOptions {
  /** Negative slope of the leaky ReLU that follows (default 0, as PyTorch). */
  readonly a?: number;
  /** Preserve the variance of the forward (`'fanIn'`, default) or backward (`'fanOut'`) pass. */
  readonly mode?: FanMode;
  /** The nonlinearity that follows (default `'leakyRelu'`, as PyTorch). */
  readonly nonlinearity?: Nonlinearity;
}

/** Options of the initializers that take a gain. */
export interface GainOptions extends InitOptions {
  /** Scale factor (default 1). */
  readonly gain?: number;
}

const NAMES: readonly Nonlinearity[] = ['linear', 'identity', 'conv1d', 'conv2d', 'conv3d', 'convTranspose1d', 'convTranspose2d', 'convTranspose3d', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'selu'];

/**
 * The recommended gain for a nonlinearity, as `torch.nn.init.calculate_gain`: 1 for linear,
 * convolutions and sigmoid, 5/3 for tanh, √2 for relu, √(2 / (1 + slope²)) for leakyRelu (slope
 * `param`, default 0.01), 3/4 for selu.
 *
 * @throws TensorError `INVALID_ARGUMENT` for an unknown nonlinearity or a non-finite `param`.
 * @example
 * ```ts
 * calculateGain('relu');            // 1.4142...
 * calculateGain('leakyRelu', 0.2);  // 1.3867...
 * ```
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  if (!NAMES.includes(nonlinearity)) {
    throw new TensorError('INVALID_ARGUMENT', 'calculateGain', `unknown nonlinearity ${JSON.stringify(nonlinearity)} (expected one of ${NAMES.join(', ')})`);
  }
  switch (nonlinearity) {
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) {
        throw new TensorError('INVALID_ARGUMENT', 'calculateGain', `negative slope must be a finite number, got ${String(param)}`);
      }
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      return 1;
  }
}

/**
 * Fan-in and fan-out of a weight shape, as PyTorch: for `[out, in, ...kernel]`,
 * `fanIn = in · prod(kernel)` and `fanOut = out · prod(kernel)`. (A transposed convolution's
 * weight `[inC, outC/groups, kH, kW]` therefore gets `fanIn = outC/groups · kH · kW`, PyTorch's
 * quirk, kept so default initializations match.)
 *
 * @throws TensorError `INVALID_ARGUMENT` for a shape of rank below 2.
 * @example
 * ```ts
 * calculateFans([16, 3, 5, 5]); // { fanIn: 75, fanOut: 400 }
 * ```
 */
export function calculateFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  checkShapeArg('calculateFans', shape);
  if (shape.length < 2) {
    throw new TensorError('INVALID_ARGUMENT', 'calculateFans', `fan in and fan out need a shape of rank >= 2, got ${fmtShape(shape)}`);
  }
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i]!;
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

function checkShapeArg(op: string, shape: unknown): asserts shape is readonly number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TensorError('INVALID_ARGUMENT', op, `shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
}

type Target = readonly number[] | Variable;

/** Builds the values, then either returns them or assigns them into the variable. */
function fill(op: string, target: Target, options: InitOptions, make: (shape: readonly number[], o: { dtype: DType; backend: Backend }) => Tensor): Tensor {
  if (target instanceof Variable) {
    const value = make(target.shape, { dtype: target.dtype, backend: target.backend });
    try {
      target.assign(value);
    } finally {
      value.dispose();
    }
    return target;
  }
  checkShapeArg(op, target);
  return make(target, { dtype: options.dtype ?? 'float32', backend: options.backend ?? getBackend() });
}

function finiteOption(op: string, name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TensorError('INVALID_ARGUMENT', op, `${name} must be a finite number, got ${String(value)}`);
  }
  return value;
}

function fanOf(op: string, shape: readonly number[], mode: FanMode): number {
  if (mode !== 'fanIn' && mode !== 'fanOut') {
    throw new TensorError('INVALID_ARGUMENT', op, `mode must be 'fanIn' or 'fanOut', got ${JSON.stringify(mode)}`);
  }
  const fans = calculateFans(shape);
  // A zero fan means an empty tensor: nothing is drawn, any finite value does (PyTorch: a no-op).
  return Math.max(mode === 'fanIn' ? fans.fanIn : fans.fanOut, 1);
}

/**
 * Zeros (`nn.init.zeros_`).
 * @example `init.zeros([3])`; `init.zeros(layer.bias!)`
 */
export function zeros(target: readonly number[], options?: InitOptions): Tensor;
export function zeros(target: Variable, options?: InitOptions): Variable;
export function zeros(target: Target, options: InitOptions = {}): Tensor {
  checkOptions('zeros', options, ['seed', 'dtype', 'backend']);
  return constant(target as Variable, 0, options);
}

/**
 * Ones (`nn.init.ones_`).
 * @example `init.ones([3])`
 */
export function ones(target: readonly number[], options?: InitOptions): Tensor;
export function ones(target: Variable, options?: InitOptions): Variable;
export function ones(target: Target, options: InitOptions = {}): Tensor {
  checkOptions('ones', options, ['seed', 'dtype', 'backend']);
  return constant(target as Variable, 1, options);
}

/**
 * A constant `value` (`nn.init.constant_`).
 * @throws TensorError `INVALID_ARGUMENT` for a bad shape or a non-number value.
 * @example `init.constant([2, 2], 0.5)`
 */
export function constant(target: readonly number[], value: number, options?: InitOptions): Tensor;
export function constant(target: Variable, value: number, options?: InitOptions): Variable;
export function constant(target: Target, value: number, options: InitOptions = {}): Tensor {
  checkOptions('constant', options, ['seed', 'dtype', 'backend']);
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TensorError('INVALID_ARGUMENT', 'constant', `value must be a number, got ${String(value)}`);
  return fill('constant', target, options, (shape, o) => full(shape, value, o));
}

/** Options of {@link uniform}. */
export interface UniformOptions extends InitOptions {
  /** Lower bound (default 0). */
  readonly low?: number;
  /** Upper bound, exclusive (default 1). */
  readonly high?: number;
}

/**
 * Uniform values in `[low, high)` (`nn.init.uniform_`, default `[0, 1)`).
 * @throws TensorError `INVALID_ARGUMENT` for non-finite bounds, `low > high` or a bad seed.
 * @example `init.uniform([3, 3], { low: -0.1, high: 0.1, seed: 0 })`
 */
export function uniform(target: readonly number[], options?: UniformOptions): Tensor;
export function uniform(target: Variable, options?: UniformOptions): Variable;
export function uniform(target: Target, options: UniformOptions = {}): Tensor {
  checkOptions('uniform', options, ['low', 'high', 'seed', 'dtype', 'backend']);
  const low = finiteOption('uniform', 'low', options.low ?? 0);
  const high = finiteOption('uniform', 'high', options.high ?? 1);
  if (low > high) throw new TensorError('INVALID_ARGUMENT', 'uniform', `low (${low}) must not exceed high (${high})`);
  const seed = seedOrNext('uniform', options.seed);
  return fill('uniform', target, options, (shape, o) => rand(shape, { ...o, seed, low, high }));
}

/** Options of {@link normal}. */
export interface NormalOptions extends InitOptions {
  /** Mean (default 0). */
  readonly mean?: number;
  /** Standard deviation (default 1). */
  readonly std?: number;
}

/**
 * Normal values (`nn.init.normal_`, default mean 0, std 1).
 * @throws TensorError `INVALID_ARGUMENT` for a negative std or a bad seed.
 * @example `init.normal([3, 3], { std: 0.02, seed: 0 })`
 */
export function normal(target: readonly number[], options?: NormalOptions): Tensor;
export function normal(target: Variable, options?: NormalOptions): Variable;
export function normal(target: Target, options: NormalOptions = {}): Tensor {
  checkOptions('normal', options, ['mean', 'std', 'seed', 'dtype', 'backend']);
  const mean = finiteOption('normal', 'mean', options.mean ?? 0);
  const std = finiteOption('normal', 'std', options.std ?? 1);
  if (std < 0) throw new TensorError('INVALID_ARGUMENT', 'normal', `std must be non-negative, got ${std}`);
  const seed = seedOrNext('normal', options.seed);
  return fill('normal', target, options, (shape, o) => randn(shape, { ...o, seed, mean, std }));
}

/**
 * Glorot/Xavier uniform (`nn.init.xavier_uniform_`): `U(-b, b)` with
 * `b = gain · √(6 / (fanIn + fanOut))`.
 * @throws TensorError `INVALID_ARGUMENT` for a shape of rank below 2, a bad gain or seed.
 * @example `init.xavierUniform([64, 32], { seed: 0 })`
 */
export function xavierUniform(target: readonly number[], options?: GainOptions): Tensor;
export function xavierUniform(target: Variable, options?: GainOptions): Variable;
export function xavierUniform(target: Target, options: GainOptions = {}): Tensor {
  checkOptions('xavierUniform', options, ['gain', 'seed', 'dtype', 'backend']);
  const gain = finiteOption('xavierUniform', 'gain', options.gain ?? 1);
  const seed = seedOrNext('xavierUniform', options.seed);
  return fill('xavierUniform', target, options, (shape, o) => {
    const { fanIn, fanOut } = calculateFans(shape);
    const bound = gain * Math.sqrt(6 / Math.max(fanIn + fanOut, 1));
    return rand(shape, { ...o, seed, low: -bound, high: bound });
  });
}

/**
 * Glorot/Xavier normal (`nn.init.xavier_normal_`): `N(0, std²)` with
 * `std = gain · √(2 / (fanIn + fanOut))`.
 * @throws TensorError as {@link xavierUniform}.
 * @example `init.xavierNormal([64, 32], { seed: 0 })`
 */
export function xavierNormal(target: readonly number[], options?: GainOptions): Tensor;
export function xavierNormal(target: Variable, options?: GainOptions): Variable;
export function xavierNormal(target: Target, options: GainOptions = {}): Tensor {
  checkOptions('xavierNormal', options, ['gain', 'seed', 'dtype', 'backend']);
  const gain = finiteOption('xavierNormal', 'gain', options.gain ?? 1);
  const seed = seedOrNext('xavierNormal', options.seed);
  return fill('xavierNormal', target, options, (shape, o) => {
    const { fanIn, fanOut } = calculateFans(shape);
    const std = gain * Math.sqrt(2 / Math.max(fanIn + fanOut, 1));
    return randn(shape, { ...o, seed, std });
  });
}

function kaimingStd(op: string, shape: readonly number[], options: KaimingOptions): number {
  const a = finiteOption(op, 'a', options.a ?? 0);
  const fan = fanOf(op, shape, options.mode ?? 'fanIn');
  return calculateGain(options.nonlinearity ?? 'leakyRelu', a) / Math.sqrt(fan);
}

/**
 * He/Kaiming uniform (`nn.init.kaiming_uniform_`): `U(-b, b)` with `b = gain · √(3 / fan)`,
 * `gain = calculateGain(nonlinearity, a)`. Defaults as PyTorch: `a = 0`, `mode = 'fanIn'`,
 * `nonlinearity = 'leakyRelu'`. (Linear and convolution weights use `a = √5`, which gives
 * `U(-1/√fanIn, 1/√fanIn)`.)
 * @throws TensorError `INVALID_ARGUMENT` for a shape of rank below 2, an unknown mode
 *   or nonlinearity, a bad seed.
 * @example `init.kaimingUniform([128, 64], { nonlinearity: 'relu', seed: 0 })`
 */
export function kaimingUniform(target: readonly number[], options?: KaimingOptions): Tensor;
export function kaimingUniform(target: Variable, options?: KaimingOptions): Variable;
export function kaimingUniform(target: Target, options: KaimingOptions = {}): Tensor {
  checkOptions('kaimingUniform', options, ['a', 'mode', 'nonlinearity', 'seed', 'dtype', 'backend']);
  const seed = seedOrNext('kaimingUniform', options.seed);
  return fill('kaimingUniform', target, options, (shape, o) => {
    const bound = Math.sqrt(3) * kaimingStd('kaimingUniform', shape, options);
    return rand(shape, { ...o, seed, low: -bound, high: bound });
  });
}

/**
 * He/Kaiming normal (`nn.init.kaiming_normal_`): `N(0, std²)` with `std = gain / √fan`.
 * @throws TensorError as {@link kaimingUniform}.
 * @example `init.kaimingNormal([16, 3, 3, 3], { mode: 'fanOut', nonlinearity: 'relu', seed: 0 })`
 */
export function kaimingNormal(target: readonly number[], options?: KaimingOptions): Tensor;
export function kaimingNormal(target: Variable, options?: KaimingOptions): Variable;
export function kaimingNormal(target: Target, options: KaimingOptions = {}): Tensor {
  checkOptions('kaimingNormal', options, ['a', 'mode', 'nonlinearity', 'seed', 'dtype', 'backend']);
  const seed = seedOrNext('kaimingNormal', options.seed);
  return fill('kaimingNormal', target, options, (shape, o) => randn(shape, { ...o, seed, std: kaimingStd('kaimingNormal', shape, options) }));
}

/**
 * A (semi-)orthogonal matrix (`nn.init.orthogonal_`): the `[rows, cols]` flattening
 * (`rows = shape[0]`) has orthonormal rows or columns, whichever are fewer, times `gain`. As
 * PyTorch: a standard normal matrix is QR-factorised with the signs fixed so that R has a positive
 * diagonal. The factorisation runs on the host in float64 (modified Gram–Schmidt, twice for
 * stability), which is fine for initialization sizes; the normals come from the same seeded stream
 * as `randn`, so every backend gets the same matrix.
 * @throws TensorError `INVALID_ARGUMENT` for a shape of rank below 2, a bad gain or seed.
 * @example `init.orthogonal([64, 64], { gain: Math.SQRT2, seed: 0 })`
 */
export function orthogonal(target: readonly number[], options?: GainOptions): Tensor;
export function orthogonal(target: Variable, options?: GainOptions): Variable;
export function orthogonal(target: Target, options: GainOptions = {}): Tensor {
  checkOptions('orthogonal', options, ['gain', 'seed', 'dtype', 'backend']);
  const gain = finiteOption('orthogonal', 'gain', options.gain ?? 1);
  const seed = seedOrNext('orthogonal', options.seed);
  return fill('orthogonal', target, options, (shape, o) => {
    if (shape.length < 2) {
      throw new TensorError('INVALID_ARGUMENT', 'orthogonal', `only tensors with 2 or more dimensions are supported, got shape ${fmtShape(shape)}`);
    }
    const rows = shape[0]!;
    const size = shape.reduce((a, b) => a * b, 1);
    const cols = rows === 0 ? 0 : size / rows;
    const values = orthogonalValues(rows, cols, seed);
    for (let i = 0; i < values.length; i++) values[i] = values[i]! * gain;
    return tensor(toTypedArray(values, o.dtype), shape, o);
  });
}

/** Row-major `[rows, cols]` values with orthonormal rows (rows <= cols) or columns. */
function orthogonalValues(rows: number, cols: number, seed: number): Float64Array {
  // Work on the tall orientation m x n (m >= n), whose n columns get orthonormalised.
  const transposed = rows < cols;
  const m = transposed ? cols : rows;
  const n = transposed ? rows : cols;
  // Normals in the [rows, cols] layout as randn would fill them, then read in the tall orientation.
  const a = new Float64Array(m * n);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = randomValueAt({ kind: 'normal', mean: 0, std: 1 }, seed, r * cols + c);
      if (transposed) a[c * n + r] = v;
      else a[r * n + c] = v;
    }
  }
  // Modified Gram–Schmidt over the columns of the m x n matrix `a`, in place.
  for (let j = 0; j < n; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += a[i * n + k]! * a[i * n + j]!;
        for (let i = 0; i < m; i++) a[i * n + j] = a[i * n + j]! - dot * a[i * n + k]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += a[i * n + j]! ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < m; i++) a[i * n + j] = norm > 0 ? a[i * n + j]! / norm : 0;
  }
  if (!transposed) return a;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * cols + i] = a[i * n + j]!;
  return out;
}
