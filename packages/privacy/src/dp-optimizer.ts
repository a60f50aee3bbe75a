/**
 * `DPOptimizer`: DP-SGD (Abadi et al. 2016) as a wrapper around any optimizer of
 * `@tessera/optim`. Each step takes per-sample gradients, clips every example's gradient to
 * total L2 norm `maxGradNorm` (over all parameters together), sums them, adds Gaussian noise of
 * standard deviation `noiseMultiplier · maxGradNorm` to the sum, divides by `expectedBatchSize`
 * and hands the result to the wrapped optimizer, whose update rule (SGD, momentum, Adam, ...) is
 * then pure post-processing and costs no privacy.
 */
import { noGrad } from '@tessera/autograd';
import type { Optimizer, BaseOptimizerOptions } from '@tessera/optim';
import { describeValue, check, Tensor, TensorError, dispose, fmtShape, hash32, matmul, randn, tidy, type Variable } from '@tessera/tensor-core';
import { RdpAccountant, type GetEpsilonOptions } from './accountant.js';
import type { PerSampleGradients } from './per-sample-grads.js';

/** Options of {@link DPOptimizer}. */
export interface DPOptimizerOptions {
  /** σ: the noise standard deviation in units of `maxGradNorm` (≥ 0; 0 means no privacy). */
  readonly noiseMultiplier: number;
  /** C: every example's gradient is scaled down to at most this total L2 norm (> 0). */
  readonly maxGradNorm: number;
  /** The mean batch size N·q the noisy sum is divided by (an integer ≥ 1). */
  readonly expectedBatchSize: number;
  /** Seed of the noise: an integer in [0, 2^32). Step k of a run draws the same noise every time. */
  readonly seed: number;
  /**
   * N, the number of training examples. With it, every step is recorded in
   * {@link DPOptimizer.accountant} at sampling rate `expectedBatchSize / datasetSize`, and
   * {@link DPOptimizer.getEpsilon} reports the privacy spent.
   */
  readonly datasetSize?: number;
  /** An accountant to record into (default: a new {@link RdpAccountant} when `datasetSize` is given). */
  readonly accountant?: RdpAccountant;
}

/** Added to the norm before dividing, so a zero gradient does not divide by zero (as Opacus). */
const NORM_EPS = 1e-6;

/**
 * DP-SGD around an optimizer. Compute per-sample gradients of a Poisson-sampled batch with
 * {@link perSampleGradients}, then call {@link DPOptimizer.step}; for an empty batch call
 * `step(null)` (the step still adds noise and still counts). Schedulers and state dicts work on
 * the wrapped optimizer ({@link DPOptimizer.optimizer}).
 *
 * Every trainable parameter of the wrapped optimizer must get a per-sample gradient: a parameter
 * updated from unclipped gradients would void the guarantee.
 *
 * @throws TensorError `INVALID_ARGUMENT` for an optimizer that is not one, a bad or unknown
 *   option, or `accountant` that is not an RdpAccountant.
 * @example
 * ```ts
 * const dp = new DPOptimizer(new SGD(model.parameters(), { lr: 0.25 }), {
 *   noiseMultiplier: 1.12, maxGradNorm: 1, expectedBatchSize: 256, datasetSize: 60000, seed: 0,
 * });
 * const sampler = new PoissonSampler({ datasetSize: 60000, expectedBatchSize: 256, seed: 1 });
 * for (const indices of sampler.epoch(0)) {
 *   if (indices.length === 0) { dp.step(null); continue; }
 *   const rows = tensor(indices, [indices.length], { dtype: 'int32' });
 *   const [x, y] = [images.indexSelect(0, rows), labels.indexSelect(0, rows)];
 *   const psg = perSampleGradients(model, (xb, yb) => crossEntropy(model.forward(xb), yb, { reduction: 'none' }), [x, y]);
 *   dp.step(psg);
 *   dispose([[...psg.grads.values()], psg.losses, rows, x, y]);
 * }
 * console.log(`ε = ${dp.getEpsilon(1e-5).toFixed(2)}`);
 * ```
 */
export class DPOptimizer<O extends BaseOptimizerOptions = BaseOptimizerOptions> {
  /** The wrapped optimizer (schedulers, state dicts and `to(backend)` go to it). */
  readonly optimizer: Optimizer<O>;
  readonly noiseMultiplier: number;
  readonly maxGradNorm: number;
  readonly expectedBatchSize: number;
  readonly seed: number;
  /** The accountant every step is recorded in, when `datasetSize` or `accountant` was given. */
  readonly accountant: RdpAccountant | undefined;
  /** q = expectedBatchSize / datasetSize, when known. */
  readonly sampleRate: number | undefined;
  #steps = 0;

  constructor(optimizer: Optimizer<O>, options: DPOptimizerOptions) {
    const op = 'DPOptimizer';
    if (optimizer === null || typeof optimizer !== 'object' || typeof (optimizer as { step?: unknown }).step !== 'function' || !Array.isArray((optimizer as { paramGroups?: unknown }).paramGroups)) {
      throw new TensorError('INVALID_ARGUMENT', op, `expected an optimizer from @tessera/optim (new SGD(...)), got ${describeValue(optimizer)}`);
    }
    if (options === undefined) throw new TensorError('INVALID_ARGUMENT', op, 'options { noiseMultiplier, maxGradNorm, expectedBatchSize, seed } are required');
    const checks = check.all(op);
    const o = checks.options(options, ['noiseMultiplier', 'maxGradNorm', 'expectedBatchSize', 'seed', 'datasetSize', 'accountant']);
    this.optimizer = optimizer;
    this.noiseMultiplier = checks.number('noiseMultiplier', o.noiseMultiplier, { min: 0 });
    this.maxGradNorm = checks.number('maxGradNorm', o.maxGradNorm, { min: 0, minExclusive: true });
    this.expectedBatchSize = checks.int('expectedBatchSize', o.expectedBatchSize, { min: 1 });
    this.seed = checks.int('seed', o.seed, { min: 0 });
    checks.done();
    if (this.seed >= 2 ** 32) throw new TensorError('INVALID_ARGUMENT', op, `seed must be an integer in [0, 2^32), got ${this.seed}`);
    if (o.datasetSize !== undefined) {
      const n = check.int(op, 'datasetSize', o.datasetSize, { min: 1 });
      if (n < this.expectedBatchSize) throw new TensorError('INVALID_ARGUMENT', op, `datasetSize (${n}) must be at least expectedBatchSize (${this.expectedBatchSize})`);
      this.sampleRate = this.expectedBatchSize / n;
    }
    if (o.accountant !== undefined && !(o.accountant instanceof RdpAccountant)) {
      throw new TensorError('INVALID_ARGUMENT', op, `accountant must be an RdpAccountant, got ${describeValue(o.accountant)}`);
    }
    if (o.accountant !== undefined && this.sampleRate === undefined) {
      throw new TensorError('INVALID_ARGUMENT', op, 'an accountant needs datasetSize (the sampling rate is expectedBatchSize / datasetSize)');
    }
    this.accountant = o.accountant ?? (this.sampleRate !== undefined ? new RdpAccountant() : undefined);
  }

  /** Number of steps taken. */
  get steps(): number {
    return this.#steps;
  }

  /** The trainable parameters of the wrapped optimizer, in group order. */
  #params(): Variable[] {
    return this.optimizer.paramGroups.flatMap((g) => g.params.filter((p) => p.requiresGrad));
  }

  /**
   * One DP-SGD step from per-sample gradients (`[B, ...shape]` per parameter; the result of
   * {@link perSampleGradients} or a map of the same form), or `null` for an empty batch. The
   * gradients stay the caller's.
   *
   * @throws TensorError `INVALID_ARGUMENT` when a trainable parameter has no per-sample gradient,
   *   a gradient belongs to no parameter of the optimizer, or the input is not a map;
   *   `SHAPE_MISMATCH` when a gradient is not `[B, ...parameter.shape]` or parameters disagree
   *   on B; `TENSOR_DISPOSED` for a disposed gradient.
   * @example `dp.step(perSampleGradients(model, lossFn, [x, y]));`
   */
  step(perSample: PerSampleGradients | ReadonlyMap<Tensor, Tensor> | null): void {
    const op = 'DPOptimizer.step';
    const candidate: unknown = perSample === null ? null : perSample instanceof Map ? perSample : (perSample as PerSampleGradients | undefined)?.grads;
    if (candidate !== null && !(candidate instanceof Map)) {
      throw new TensorError('INVALID_ARGUMENT', op, `expected per-sample gradients (a Map or perSampleGradients' result) or null for an empty batch, got ${describeValue(perSample)}`);
    }
    const map = candidate as ReadonlyMap<Tensor, Tensor> | null;
    const params = this.#params();
    const batchSize = map === null ? 0 : this.#check(op, map, params);
    const stepIndex = this.#steps;
    const noisy = noGrad(() =>
      tidy(() => {
        const flat = map === null ? [] : params.map((p) => map.get(p)!.reshape([batchSize, -1]));
        // Each example's total norm over every parameter, then its clipping factor min(1, C / norm).
        let factor: Tensor | undefined;
        if (batchSize > 0) {
          const squared = flat.map((g) => g.square().sum(1)).reduce((a, b) => a.add(b));
          factor = squared.sqrt().add(NORM_EPS).reciprocal().mul(this.maxGradNorm).clamp(0, 1).reshape([1, batchSize]);
        }
        const out = new Map<Tensor, Tensor>();
        params.forEach((p, i) => {
          const summed = factor === undefined ? undefined : matmul(factor, flat[i]!).reshape(p.shape);
          const std = this.noiseMultiplier * this.maxGradNorm;
          const noise = randn(p.shape, { seed: noiseSeed(this.seed, stepIndex, i), std, dtype: p.dtype, backend: p.backend });
          out.set(p, (summed === undefined ? noise : summed.add(noise)).div(this.expectedBatchSize));
        });
        return out;
      }),
    );
    try {
      this.optimizer.step(noisy);
    } finally {
      dispose([...noisy.values()]);
    }
    this.#steps++;
    if (this.accountant && this.sampleRate !== undefined) this.accountant.step({ noiseMultiplier: this.noiseMultiplier, sampleRate: this.sampleRate });
  }

  /** Validates the per-sample gradients and returns B. */
  #check(op: string, map: ReadonlyMap<Tensor, Tensor>, params: Variable[]): number {
    const known = new Set<Tensor>(params);
    for (const key of map.keys()) {
      if (!known.has(key)) throw new TensorError('INVALID_ARGUMENT', op, `a per-sample gradient is keyed by ${describeValue(key)}, which is not a trainable parameter of the wrapped optimizer`);
    }
    let batchSize: number | undefined;
    let first = '';
    for (const p of params) {
      const g = map.get(p);
      const name = (p as Variable & { name?: string }).name;
      const label = `parameter ${name ? `'${name}' ` : ''}(shape ${fmtShape(p.shape)})`;
      if (g === undefined) throw new TensorError('INVALID_ARGUMENT', op, `${label} has no per-sample gradient; every trained parameter must be clipped`);
      if (!(g instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', op, `the gradient of ${label} must be a Tensor, got ${describeValue(g)}`);
      if (g.isDisposed) throw new TensorError('TENSOR_DISPOSED', op, `the per-sample gradient of ${label} (tensor id=${g.id}) was disposed`);
      if (g.rank !== p.rank + 1 || g.shape.slice(1).some((d, i) => d !== p.shape[i])) {
        throw new TensorError('SHAPE_MISMATCH', op, `the per-sample gradient of ${label} must be [B, ${p.shape.join(', ')}], got ${fmtShape(g.shape)}`);
      }
      if (batchSize === undefined) {
        batchSize = g.shape[0]!;
        first = label;
      } else if (g.shape[0] !== batchSize) {
        throw new TensorError('SHAPE_MISMATCH', op, `per-sample gradients disagree on B: ${first} has ${batchSize}, ${label} has ${g.shape[0]}`);
      }
    }
    return batchSize ?? 0;
  }

  /**
   * ε of (ε, δ)-DP spent so far (RDP accountant).
   * @throws TensorError `INVALID_ARGUMENT` when the optimizer was built without `datasetSize`,
   *   or for δ outside (0, 1).
   * @example `dp.getEpsilon(1e-5)`
   */
  getEpsilon(delta: number, options: GetEpsilonOptions = {}): number {
    if (!this.accountant) throw new TensorError('INVALID_ARGUMENT', 'DPOptimizer.getEpsilon', 'no accountant: pass datasetSize to the DPOptimizer to account for privacy');
    return this.accountant.getEpsilon(delta, options);
  }

  /** Frees the wrapped optimizer's state. */
  dispose(): void {
    this.optimizer.dispose();
  }
}

/** The noise seed of parameter `index` at step `step`: distinct streams, reproducible from the seed. */
function noiseSeed(seed: number, step: number, index: number): number {
  return hash32((hash32((seed ^ Math.imul(step + 1, 0x9e3779b1)) >>> 0) + Math.imul(index + 1, 0x85ebca6b)) >>> 0);
}
