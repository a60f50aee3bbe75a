/**
 * Poisson sampling of batches, the sampling the RDP analysis of DP-SGD assumes: at every step,
 * each example joins the batch independently with probability q, so batch sizes vary (and can
 * be zero). A fixed-size shuffled batch (what `DataLoader` yields) is a different mechanism, whose
 * privacy the sampled-Gaussian accountant does not cover.
 */
import { check, TensorError, randomBits } from '@tessera/tensor-core';

/** Options of {@link PoissonSampler}. */
export interface PoissonSamplerOptions {
  /** N: the number of examples. */
  readonly datasetSize: number;
  /** The mean batch size, N·q (give this or `sampleRate`). */
  readonly expectedBatchSize?: number;
  /** q: each example's probability of joining a batch (give this or `expectedBatchSize`). */
  readonly sampleRate?: number;
  /** Steps per epoch (default round(1/q), so an epoch sees N examples on average, as in Opacus). */
  readonly stepsPerEpoch?: number;
  /** Seed of the draws: an integer in [0, 2^32). Same seed, same batches. */
  readonly seed: number;
}

/**
 * Draws Poisson-sampled batches of example indices: `epoch(e)` yields `stepsPerEpoch` index
 * lists, each holding every example with probability `sampleRate`, independently. Batches of an
 * epoch depend only on `(seed, epoch, step)`, so runs are reproducible and epochs can be drawn
 * in any order. It works with any data source: gather the rows with the indices (for tensors,
 * `x.indexSelect(0, tensor(indices, [indices.length], { dtype: 'int32' }))`).
 *
 * The draws use the counter-based hash generator of tensor-core, which is fast and reproducible
 * but not cryptographically secure; see docs/privacy.md for what that means for a deployment.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a non-positive dataset size, a rate outside (0, 1],
 *   both or neither of `sampleRate` and `expectedBatchSize`, a bad seed or step count, or an
 *   unknown option.
 * @example
 * ```ts
 * const sampler = new PoissonSampler({ datasetSize: 60000, expectedBatchSize: 256, seed: 0 });
 * sampler.stepsPerEpoch; // 234
 * for (const indices of sampler.epoch(0)) console.log(indices.length); // about 256 each
 * ```
 */
export class PoissonSampler {
  readonly datasetSize: number;
  readonly sampleRate: number;
  readonly stepsPerEpoch: number;
  readonly seed: number;

  constructor(options: PoissonSamplerOptions) {
    const op = 'PoissonSampler';
    const checks = check.all(op);
    const o = checks.options(options, ['datasetSize', 'expectedBatchSize', 'sampleRate', 'stepsPerEpoch', 'seed']);
    this.datasetSize = checks.int('datasetSize', o.datasetSize, { min: 1 });
    if ((o.sampleRate === undefined) === (o.expectedBatchSize === undefined)) {
      checks.fail('INVALID_ARGUMENT', `give exactly one of sampleRate and expectedBatchSize, got ${o.sampleRate === undefined ? 'neither' : 'both'}`, 'sampleRate');
    }
    this.sampleRate =
      o.sampleRate !== undefined
        ? checks.number('sampleRate', o.sampleRate, { min: 0, max: 1, minExclusive: true })
        : checks.number('expectedBatchSize', o.expectedBatchSize ?? 1, { min: 0, max: this.datasetSize, minExclusive: true }) / this.datasetSize;
    this.seed = checks.int('seed', o.seed, { min: 0, max: 2 ** 32, maxExclusive: true });
    checks.done();
    this.stepsPerEpoch = check.int(op, 'stepsPerEpoch', o.stepsPerEpoch ?? Math.max(1, Math.round(1 / this.sampleRate)), { min: 1 });
  }

  /**
   * The indices of one step's batch (ascending).
   * @throws TensorError `INVALID_ARGUMENT` for a negative or fractional epoch or step.
   * @example `sampler.batch(0, 5)`
   */
  batch(epoch: number, step: number): Int32Array {
    const checks = check.all('PoissonSampler.batch');
    checks.int('epoch', epoch, { min: 0 });
    checks.int('step', step, { min: 0 });
    checks.done();
    // One stream per (epoch, step), keyed from the seed; 32-bit uniforms so small rates are exact enough.
    const stream = randomBits(this.seed, epoch * 0x10000 + step) ^ randomBits(this.seed ^ 0x5bd1e995, epoch);
    const threshold = this.sampleRate * 4294967296;
    const out: number[] = [];
    for (let i = 0; i < this.datasetSize; i++) if (randomBits(stream >>> 0, i) < threshold) out.push(i);
    return Int32Array.from(out);
  }

  /**
   * The batches of one epoch, `stepsPerEpoch` of them (some may be empty).
   * @example `for (const indices of sampler.epoch(e)) { ... }`
   */
  *epoch(epoch: number): Generator<Int32Array> {
    check.int('PoissonSampler.epoch', 'epoch', epoch, { min: 0 });
    for (let step = 0; step < this.stepsPerEpoch; step++) yield this.batch(epoch, step);
  }
}
