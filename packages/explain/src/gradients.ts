/** Gradient attributions: saliency, gradient × input and SmoothGrad. */
import { check, hash32, randn, stack, tidy, type Tensor } from '@tessera/tensor-core';
import { byChunks, inEvalMode, inputGradient, requireModel, resolveTargets, rows, type ExplainableModel, type Target } from './model.js';

/** Options of {@link saliency}. */
export interface SaliencyOptions {
  /** The class to explain (see {@link Target}); optional for a model with one output. */
  readonly target?: Target;
  /** Return `|gradient|` (default true, as Captum's `Saliency`); false gives the signed gradient. */
  readonly abs?: boolean;
  /** Examples per forward/backward pass (default 32): bounds the memory in use. */
  readonly batchSize?: number;
}

/** Options of {@link gradientXInput}. */
export interface GradientXInputOptions {
  /** The class to explain (see {@link Target}). */
  readonly target?: Target;
  /** Examples per forward/backward pass (default 32). */
  readonly batchSize?: number;
}

/** Options of {@link smoothGrad}. */
export interface SmoothGradOptions {
  /** The class to explain (see {@link Target}). */
  readonly target?: Target;
  /** Noisy copies of each example (default 20). */
  readonly samples?: number;
  /**
   * Standard deviation of the Gaussian noise, in input units (default 0.15: 15% of a [0, 1]
   * input range, within the 10-20% Smilkov et al. found best).
   */
  readonly stdev?: number;
  /** Seed of the noise (default 0): the same seed gives the same map on every backend and batch size. */
  readonly seed?: number;
  /** Average `|gradient|` instead of the gradient (default false; Captum's `NoiseTunnel(Saliency)` is true). */
  readonly abs?: boolean;
  /** Multiply the averaged gradient by the input (SmoothGrad of gradient × input; default false). */
  readonly multiplyByInputs?: boolean;
  /** Noisy examples per forward/backward pass (default 32). */
  readonly batchSize?: number;
}

const SALIENCY_KEYS = ['target', 'abs', 'batchSize'] as const;
const GXI_KEYS = ['target', 'batchSize'] as const;
const SMOOTH_KEYS = ['target', 'samples', 'stdev', 'seed', 'abs', 'multiplyByInputs', 'batchSize'] as const;

/**
 * Vanilla gradients (Simonyan et al. 2014): the gradient of the target class's output with
 * respect to each input value, `|∂F_t(x)/∂x|` by default, as Captum's `Saliency`. The model runs
 * in evaluation mode (each module's mode is restored afterwards); examples are processed
 * `batchSize` at a time.
 *
 * @param model Any `Module` with one tensor in and logits `[N, K]` out.
 * @param inputs A float batch `[N, ...]`.
 * @returns Attributions shaped like `inputs` (the caller owns them).
 * @throws TensorError `INVALID_ARGUMENT` for an unknown option, a bad target (not an index, out of
 *   range, missing for a multi-output model) or a model that is not a Module; `SHAPE_MISMATCH`
 *   when the target count differs from N or the model does not return `[N, K]`;
 *   `DTYPE_MISMATCH` for integer inputs; `TENSOR_DISPOSED`.
 * @example
 * ```ts
 * const map = await saliency(model, images, { target: labels }); // [N, 1, 28, 28], >= 0
 * ```
 */
export async function saliency(model: ExplainableModel, inputs: Tensor, options: SaliencyOptions = {}): Promise<Tensor> {
  const op = 'saliency';
  requireModel(op, model);
  const checks = check.all(op);
  checks.options(options, SALIENCY_KEYS, { required: true });
  const x = checks.floatBatch('inputs', inputs, '; only float inputs can be differentiated')!;
  const abs = checks.boolean('abs', options?.abs ?? true);
  const batchSize = checks.int('batchSize', options?.batchSize ?? 32, { min: 1 });
  checks.done();
  const targets = await resolveTargets(op, options.target, x.shape[0]!);
  return inEvalMode(model, () =>
    byChunks(x.shape[0]!, batchSize, (start, end) => {
      const g = inputGradient(op, model, rows(x, start, end), targets?.subarray(start, end));
      return abs ? g.abs() : g;
    }),
  );
}

/**
 * Gradient × input (Shrikumar et al. 2016): `x · ∂F_t(x)/∂x`, Captum's `InputXGradient`; for a
 * linear model it is each feature's exact contribution to the output.
 *
 * @returns Attributions shaped like `inputs`.
 * @throws TensorError as {@link saliency}.
 * @example
 * ```ts
 * const contributions = await gradientXInput(model, features, { target: 1 });
 * ```
 */
export async function gradientXInput(model: ExplainableModel, inputs: Tensor, options: GradientXInputOptions = {}): Promise<Tensor> {
  const op = 'gradientXInput';
  requireModel(op, model);
  const checks = check.all(op);
  checks.options(options, GXI_KEYS, { required: true });
  const x = checks.floatBatch('inputs', inputs, '; only float inputs can be differentiated')!;
  const batchSize = checks.int('batchSize', options?.batchSize ?? 32, { min: 1 });
  checks.done();
  const targets = await resolveTargets(op, options.target, x.shape[0]!);
  return inEvalMode(model, () =>
    byChunks(x.shape[0]!, batchSize, (start, end) => {
      const xb = rows(x, start, end);
      return inputGradient(op, model, xb, targets?.subarray(start, end)).mul(xb);
    }),
  );
}

/** The seed of the noise of example `example`, sample `sample`: independent of how examples are batched. */
function noiseSeed(seed: number, example: number, sample: number): number {
  return hash32((hash32((seed ^ 0x5bd1e995) >>> 0) + Math.imul(example, 0x9e3779b1) + Math.imul(sample, 0x85ebca6b)) >>> 0);
}

/**
 * SmoothGrad (Smilkov et al. 2017): the gradient averaged over `samples` noisy copies of each
 * example, `mean_s ∂F_t(x + ε_s)/∂x` with `ε_s ~ N(0, stdev²)`, which removes much of the visual
 * noise of plain gradients. Captum's `NoiseTunnel(..., nt_type='smoothgrad')`. The noise of
 * example `i`, sample `s` is `randn` with a seed derived from `(seed, i, s)`, so a map does not
 * depend on the backend or the batch size.
 *
 * @returns Attributions shaped like `inputs`.
 * @throws TensorError as {@link saliency}, and `INVALID_ARGUMENT` for `samples < 1`, a negative
 *   `stdev` or a seed outside `[0, 2^32)`.
 * @example
 * ```ts
 * const map = await smoothGrad(model, images, { target: labels, samples: 25, stdev: 0.15, seed: 1 });
 * ```
 */
export async function smoothGrad(model: ExplainableModel, inputs: Tensor, options: SmoothGradOptions = {}): Promise<Tensor> {
  const op = 'smoothGrad';
  requireModel(op, model);
  const checks = check.all(op);
  checks.options(options, SMOOTH_KEYS, { required: true });
  const x = checks.floatBatch('inputs', inputs, '; only float inputs can be differentiated')!;
  const samples = checks.int('samples', options?.samples ?? 20, { min: 1 });
  const stdev = checks.number('stdev', options?.stdev ?? 0.15, { min: 0 });
  const seed = checks.int('seed', options?.seed ?? 0, { min: 0, max: 2 ** 32 - 1 });
  const abs = checks.boolean('abs', options?.abs ?? false);
  const multiplyByInputs = checks.boolean('multiplyByInputs', options?.multiplyByInputs ?? false);
  const batchSize = checks.int('batchSize', options?.batchSize ?? 32, { min: 1 });
  checks.done();
  const n = x.shape[0]!;
  const targets = await resolveTargets(op, options.target, n);
  const exampleShape = x.shape.slice(1);
  // One example at a time when samples fill a batch, else several examples with all their samples.
  const examplesPerChunk = Math.max(1, Math.floor(batchSize / samples));
  const samplesPerPass = Math.min(samples, batchSize);
  return inEvalMode(model, () =>
    byChunks(n, examplesPerChunk, (start, end) => {
      const e = end - start;
      const xb = rows(x, start, end);
      let total: Tensor | undefined;
      for (let s0 = 0; s0 < samples; s0 += samplesPerPass) {
        const s1 = Math.min(samples, s0 + samplesPerPass);
        const next = tidy(() => {
          // Rows are sample-major: [s0 copies of the e examples, s0+1 copies, ...].
          const noisy: Tensor[] = [];
          for (let s = s0; s < s1; s++) {
            const noise = stack(Array.from({ length: e }, (_, i) => randn(exampleShape, { seed: noiseSeed(seed, start + i, s), std: stdev, dtype: x.dtype, backend: x.backend })));
            noisy.push(xb.add(noise));
          }
          let g = inputGradient(op, model, noisy.length === 1 ? noisy[0]! : stackRows(noisy), targets?.subarray(start, end), s1 - s0);
          if (abs) g = g.abs();
          const summed = g.reshape([s1 - s0, e, ...exampleShape]).sum(0);
          return total === undefined ? summed : total.add(summed);
        });
        total?.dispose();
        total = next;
      }
      const mean = total!.div(samples);
      return multiplyByInputs ? mean.mul(xb) : mean;
    }),
  );
}

/** Concatenates batches along the batch axis. */
function stackRows(parts: readonly Tensor[]): Tensor {
  const [first] = parts;
  return stack(parts, 0).reshape([parts.length * first!.shape[0]!, ...first!.shape.slice(1)]);
}
