/**
 * Rényi differential privacy (RDP) of the sampled Gaussian mechanism, and its conversion to
 * (ε, δ)-differential privacy.
 *
 * The sampled Gaussian mechanism adds N(0, σ²) noise to the sum of a Poisson-sampled batch of
 * sensitivity-1 contributions (each example joins with probability q): DP-SGD's step with
 * σ = noiseMultiplier. Mironov, Talwar and Zhang, "Rényi Differential Privacy of the Sampled
 * Gaussian Mechanism" (2019), give its RDP of order α as log(A_α)/(α−1) with
 *
 * - integer α (their Section 3.3, eq. for integer orders):
 *   A_α = Σ_{k=0}^{α} C(α,k) (1−q)^{α−k} q^k exp((k²−k)/(2σ²));
 * - fractional α (their Section 3.3, the two-sided series): A_α = A₀ + A₁ with, for i ≥ 0 and
 *   j = α − i, z₀ = σ² log(1/q − 1) + 1/2,
 *   A₀ = Σ C(α,i) q^i (1−q)^j exp((i²−i)/(2σ²)) · ½ erfc((i − z₀)/(√2 σ)),
 *   A₁ = Σ C(α,i) q^j (1−q)^i exp((j²−j)/(2σ²)) · ½ erfc((z₀ − j)/(√2 σ)),
 *   where C(α,i) is the generalised binomial coefficient (it alternates in sign once i > α).
 *
 * Everything is computed in log space, so orders up to the hundreds and small q neither
 * overflow nor underflow. RDP composes by addition: `steps` steps have `steps` times the RDP.
 */
import { describeValue, check, TensorError } from '@tessera/tensor-core';

/**
 * The RDP orders searched by default: 1.1, 1.2, ..., 10.9 and 12, 13, ..., 63, the list that
 * TensorFlow Privacy and Opacus search.
 */
export const DEFAULT_RDP_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10),
  ...Array.from({ length: 52 }, (_, i) => 12 + i),
]);

/** log(e^a + e^b) without overflow. */
function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const hi = Math.max(a, b);
  return hi + Math.log1p(Math.exp(Math.min(a, b) - hi));
}

/** A signed number held as sign · e^logAbs (the fractional series has negative terms). */
interface SignedLog {
  sign: -1 | 0 | 1;
  logAbs: number;
}

function signedAdd(acc: SignedLog, sign: -1 | 1, logAbs: number): SignedLog {
  if (acc.sign === 0) return { sign, logAbs };
  if (acc.sign === sign) return { sign, logAbs: logAdd(acc.logAbs, logAbs) };
  // Opposite signs: the larger magnitude keeps its sign.
  if (acc.logAbs === logAbs) return { sign: 0, logAbs: -Infinity };
  const [big, small, bigSign] = acc.logAbs > logAbs ? [acc.logAbs, logAbs, acc.sign] : [logAbs, acc.logAbs, sign];
  return { sign: bigSign, logAbs: big + Math.log1p(-Math.exp(small - big)) };
}

/** erf(x) by its Maclaurin series; accurate to ~1e-15 absolute for |x| ≤ 2. */
function erfSeries(x: number): number {
  let term = x;
  let sum = x;
  const x2 = x * x;
  for (let n = 1; n < 200; n++) {
    term *= -x2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/**
 * log(erfc(x)) for any real x, to about 1e-13 relative: the erf series near zero, Laplace's
 * continued fraction erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))) for
 * x > 2 (in log form, so it never underflows), and erfc(x) = 2 − erfc(−x) for x < −2.
 *
 * @example
 * ```ts
 * logErfc(0); // 0
 * logErfc(30); // −904.0...: erfc(30) itself underflows a double
 * ```
 */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === Infinity) return -Infinity;
  if (x === -Infinity) return Math.LN2;
  if (Math.abs(x) <= 2) return Math.log1p(-erfSeries(x));
  if (x < 0) return Math.log(2 - Math.exp(logErfc(-x)));
  // Backward evaluation of the continued fraction; 120 levels converge for every x > 2.
  let f = x;
  for (let n = 120; n >= 1; n--) f = x + n / 2 / f;
  return -x * x - 0.5 * Math.log(Math.PI) - Math.log(f);
}

/** log A_α for integer α ≥ 2. */
function logAInteger(q: number, sigma: number, alpha: number): number {
  let logA = -Infinity;
  let logBinom = 0;
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  for (let k = 0; k <= alpha; k++) {
    logA = logAdd(logA, logBinom + k * logQ + (alpha - k) * log1mQ + (k * k - k) / (2 * sigma * sigma));
    logBinom += Math.log((alpha - k) / (k + 1));
  }
  return logA;
}

/** log A_α for fractional α > 1, by the two-sided series, until both terms fall below e^−30. */
function logAFractional(q: number, sigma: number, alpha: number): number {
  let a0: SignedLog = { sign: 0, logAbs: -Infinity };
  let a1: SignedLog = { sign: 0, logAbs: -Infinity };
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  const s2 = Math.SQRT2 * sigma;
  let logBinom = 0;
  let sign: -1 | 1 = 1;
  for (let i = 0; ; i++) {
    const j = alpha - i;
    const logS0 = logBinom + i * logQ + j * log1mQ + (i * i - i) / (2 * sigma * sigma) + Math.log(0.5) + logErfc((i - z0) / s2);
    const logS1 = logBinom + j * logQ + i * log1mQ + (j * j - j) / (2 * sigma * sigma) + Math.log(0.5) + logErfc((z0 - j) / s2);
    a0 = signedAdd(a0, sign, logS0);
    a1 = signedAdd(a1, sign, logS1);
    if (Math.max(logS0, logS1) < -30 && i > alpha) break;
    if (i > 100_000) throw new TensorError('INVALID_ARGUMENT', 'computeRdp', `the RDP series did not converge for order ${alpha}, q=${q}, noise multiplier ${sigma}`);
    const ratio = (alpha - i) / (i + 1);
    logBinom += Math.log(Math.abs(ratio));
    if (ratio < 0) sign = sign === 1 ? -1 : 1;
  }
  const total = signedAdd(a0, a1.sign === -1 ? -1 : 1, a1.logAbs);
  if (total.sign <= 0) throw new TensorError('INVALID_ARGUMENT', 'computeRdp', `the RDP series gave a non-positive value for order ${alpha}, q=${q}, noise multiplier ${sigma}`);
  return total.logAbs;
}

/** RDP of one step of the sampled Gaussian mechanism at one order. */
function rdpOneStep(q: number, sigma: number, alpha: number): number {
  if (q === 0) return 0;
  if (sigma === 0) return Infinity;
  // No sampling: the plain Gaussian mechanism, whose RDP is α/(2σ²).
  if (q === 1) return alpha / (2 * sigma * sigma);
  if (Number.isInteger(alpha)) return logAInteger(q, sigma, alpha) / (alpha - 1);
  return logAFractional(q, sigma, alpha) / (alpha - 1);
}

function checkOrders(op: string, orders: unknown): readonly number[] {
  if (!Array.isArray(orders) || orders.length === 0) {
    throw new TensorError('INVALID_ARGUMENT', op, `orders must be a non-empty array of numbers > 1, got ${describeValue(orders)}`);
  }
  orders.forEach((a, i) => {
    if (typeof a !== 'number' || !Number.isFinite(a) || !(a > 1)) {
      throw new TensorError('INVALID_ARGUMENT', op, `orders[${i}] must be a finite number > 1, got ${describeValue(a)}`);
    }
  });
  return orders as readonly number[];
}

/**
 * The RDP at each order of `steps` compositions of the sampled Gaussian mechanism with sampling
 * rate `sampleRate` (q) and noise multiplier `noiseMultiplier` (σ, the noise standard deviation
 * over the clipping norm).
 *
 * @param sampleRate q in [0, 1]: each example's probability of joining a batch (Poisson
 *   sampling), `expectedBatchSize / datasetSize`.
 * @param noiseMultiplier σ ≥ 0.
 * @param steps Number of steps, an integer ≥ 0.
 * @param orders Rényi orders α > 1 (default {@link DEFAULT_RDP_ORDERS}).
 * @returns The RDP ε_α for each order, in order.
 * @throws TensorError `INVALID_ARGUMENT` for a rate outside [0, 1], a negative or non-finite
 *   noise multiplier, a negative or fractional step count, or an order ≤ 1.
 * @example
 * ```ts
 * const rdp = computeRdp(256 / 60000, 1.1, 14063, [2, 4, 8, 16, 32]);
 * ```
 */
export function computeRdp(sampleRate: number, noiseMultiplier: number, steps: number, orders: readonly number[] = DEFAULT_RDP_ORDERS): number[] {
  const op = 'computeRdp';
  const checks = check.all(op);
  const q = checks.number('sampleRate', sampleRate, { min: 0, max: 1 });
  const sigma = checks.number('noiseMultiplier', noiseMultiplier, { min: 0 });
  const n = checks.int('steps', steps, { min: 0 });
  checks.done();
  return checkOrders(op, orders).map((alpha) => (n === 0 ? 0 : rdpOneStep(q, sigma, alpha) * n));
}

/**
 * How RDP becomes (ε, δ):
 * - `'classic'`: ε = min_α ε_α + log(1/δ)/(α−1) (Mironov 2017, Proposition 3); what
 *   TensorFlow Privacy's MNIST tutorial table was computed with.
 * - `'improved'`: ε = min_α ε_α + log((α−1)/α) − (log δ + log α)/(α−1) (Balle et al. 2020,
 *   "Hypothesis testing interpretations and Rényi differential privacy", Theorem 21), which
 *   Opacus uses: always at most the classic value, for the same guarantee.
 */
export type RdpConversion = 'classic' | 'improved';

/** Options of {@link rdpToEpsilon}. */
export interface RdpToEpsilonOptions {
  /** Default `'classic'`. */
  readonly conversion?: RdpConversion;
}

/** ε and the order that attains it. */
export interface PrivacySpent {
  /** The ε of (ε, δ)-DP. */
  readonly epsilon: number;
  /** The Rényi order at which the minimum was found (the best order). */
  readonly bestOrder: number;
}

/**
 * Converts RDP values (`rdp[i]` at `orders[i]`) to the smallest ε of (ε, δ)-DP.
 *
 * @throws TensorError `INVALID_ARGUMENT` when the arrays differ in length, an order is ≤ 1, an
 *   RDP value is negative or NaN, δ is outside (0, 1), or the conversion is unknown.
 * @example
 * ```ts
 * const orders = DEFAULT_RDP_ORDERS;
 * const { epsilon } = rdpToEpsilon(orders, computeRdp(256 / 60000, 1.1, 14063, orders), 1e-5);
 * ```
 */
export function rdpToEpsilon(orders: readonly number[], rdp: readonly number[], delta: number, options: RdpToEpsilonOptions = {}): PrivacySpent {
  const op = 'rdpToEpsilon';
  const { conversion = 'classic' } = check.options(op, options, ['conversion']);
  checkOrders(op, orders);
  if (!Array.isArray(rdp) || rdp.length !== orders.length) {
    throw new TensorError('INVALID_ARGUMENT', op, `rdp must be an array with one value per order (${orders.length}), got ${describeValue(rdp)}`);
  }
  rdp.forEach((r, i) => {
    if (typeof r !== 'number' || Number.isNaN(r) || r < 0) throw new TensorError('INVALID_ARGUMENT', op, `rdp[${i}] must be a number >= 0, got ${describeValue(r)}`);
  });
  const d = check.number(op, 'delta', delta, { min: 0, max: 1, minExclusive: true, maxExclusive: true });
  if (conversion !== 'classic' && conversion !== 'improved') {
    throw new TensorError('INVALID_ARGUMENT', op, `conversion must be 'classic' or 'improved', got ${describeValue(conversion)}`);
  }
  let best = Infinity;
  let bestOrder = orders[0]!;
  orders.forEach((alpha, i) => {
    const r = rdp[i]!;
    const eps = conversion === 'classic' ? r - Math.log(d) / (alpha - 1) : r + Math.log((alpha - 1) / alpha) - (Math.log(d) + Math.log(alpha)) / (alpha - 1);
    if (eps < best) {
      best = eps;
      bestOrder = alpha;
    }
  });
  // The improved bound can dip below zero where the RDP is tiny; ε is never negative.
  return { epsilon: Math.max(0, best), bestOrder };
}
