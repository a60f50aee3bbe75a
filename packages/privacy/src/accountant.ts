/**
 * `RdpAccountant`: keeps the history of a DP-SGD run (noise multiplier, sampling rate and number
 * of steps of each phase) and turns it into (ε, δ) on demand, as Opacus's `RDPAccountant` and
 * TensorFlow Privacy's `compute_rdp` + `get_privacy_spent` do.
 */
import { describeValue, check, TensorError } from '@tessera/tensor-core';
import { DEFAULT_RDP_ORDERS, computeRdp, rdpToEpsilon, type PrivacySpent, type RdpConversion } from './rdp.js';

/** Options of {@link RdpAccountant}. */
export interface RdpAccountantOptions {
  /** Rényi orders to search (default {@link DEFAULT_RDP_ORDERS}). */
  readonly orders?: readonly number[];
}

/** One phase of training: `steps` steps with the same noise and sampling rate. */
export interface AccountantStep {
  /** σ: noise standard deviation over the clipping norm. */
  readonly noiseMultiplier: number;
  /** q: the probability that an example joins a batch (`expectedBatchSize / datasetSize`). */
  readonly sampleRate: number;
  /** Number of steps (default 1). */
  readonly steps?: number;
}

/** Options of {@link RdpAccountant.getEpsilon} and {@link RdpAccountant.getPrivacySpent}. */
export interface GetEpsilonOptions {
  /** RDP to (ε, δ) conversion (default `'classic'`, see {@link RdpConversion}). */
  readonly conversion?: RdpConversion;
}

/**
 * The privacy accountant of a training run. Record each optimizer step (or a run of steps) with
 * {@link RdpAccountant.step}; ask for ε at any time. Steps with the same noise multiplier and
 * sampling rate are merged, so a long run costs one RDP evaluation per distinct setting.
 *
 * @example
 * ```ts
 * const accountant = new RdpAccountant();
 * accountant.step({ noiseMultiplier: 1.12, sampleRate: 256 / 60000, steps: 60 * 234 });
 * accountant.getEpsilon(1e-5); // 2.92, the TensorFlow Privacy MNIST tutorial's figure
 * ```
 */
export class RdpAccountant {
  /** The orders searched. */
  readonly orders: readonly number[];
  readonly #history: { noiseMultiplier: number; sampleRate: number; steps: number }[] = [];
  /** RDP of one step per setting, by `σ,q`. */
  readonly #perStep = new Map<string, number[]>();

  constructor(options: RdpAccountantOptions = {}) {
    const { orders = DEFAULT_RDP_ORDERS } = check.options('RdpAccountant', options, ['orders']);
    // Validates the orders once (computeRdp checks them).
    computeRdp(0, 1, 0, orders);
    this.orders = Object.freeze([...orders]);
  }

  /**
   * Records `steps` steps of the sampled Gaussian mechanism.
   * @throws TensorError `INVALID_ARGUMENT` for a rate outside [0, 1], a negative noise
   *   multiplier, a negative or fractional step count, or an unknown key.
   * @example `accountant.step({ noiseMultiplier: 1.1, sampleRate: 0.01 });`
   */
  step(step: AccountantStep): void {
    const op = 'RdpAccountant.step';
    if (step === null || typeof step !== 'object') throw new TensorError('INVALID_ARGUMENT', op, `expected { noiseMultiplier, sampleRate, steps? }, got ${describeValue(step)}`);
    const checks = check.all(op);
    checks.options(step, ['noiseMultiplier', 'sampleRate', 'steps']);
    const noiseMultiplier = checks.number('noiseMultiplier', step.noiseMultiplier, { min: 0 });
    const sampleRate = checks.number('sampleRate', step.sampleRate, { min: 0, max: 1 });
    const steps = checks.int('steps', step.steps ?? 1, { min: 0 });
    checks.done();
    const last = this.#history.at(-1);
    if (last && last.noiseMultiplier === noiseMultiplier && last.sampleRate === sampleRate) last.steps += steps;
    else this.#history.push({ noiseMultiplier, sampleRate, steps });
  }

  /** The recorded phases, oldest first (copies). */
  get history(): AccountantStep[] {
    return this.#history.map((h) => ({ ...h }));
  }

  /** Total number of recorded steps. */
  get steps(): number {
    return this.#history.reduce((n, h) => n + h.steps, 0);
  }

  /** The accumulated RDP at each of {@link RdpAccountant.orders}. */
  rdp(): number[] {
    const total = this.orders.map(() => 0);
    for (const h of this.#history) {
      const key = `${h.noiseMultiplier},${h.sampleRate}`;
      let one = this.#perStep.get(key);
      if (!one) {
        one = computeRdp(h.sampleRate, h.noiseMultiplier, 1, this.orders);
        this.#perStep.set(key, one);
      }
      one.forEach((r, i) => (total[i]! += r * h.steps));
    }
    return total;
  }

  /**
   * ε of (ε, δ)-DP for the run so far, and the best order.
   * @throws TensorError `INVALID_ARGUMENT` for δ outside (0, 1) or an unknown conversion.
   * @example `const { epsilon, bestOrder } = accountant.getPrivacySpent(1e-5);`
   */
  getPrivacySpent(delta: number, options: GetEpsilonOptions = {}): PrivacySpent {
    check.options('RdpAccountant.getPrivacySpent', options, ['conversion']);
    return rdpToEpsilon(this.orders, this.rdp(), delta, options);
  }

  /**
   * ε of (ε, δ)-DP for the run so far.
   * @throws TensorError as {@link RdpAccountant.getPrivacySpent}.
   * @example `console.log(\`ε = ${accountant.getEpsilon(1e-5).toFixed(2)}\`);`
   */
  getEpsilon(delta: number, options: GetEpsilonOptions = {}): number {
    return this.getPrivacySpent(delta, options).epsilon;
  }
}
