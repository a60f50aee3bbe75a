/** Integrated Gradients with Riemann and Gauss–Legendre quadrature, and its completeness check. */
import { describeValue, check, Tensor, TensorError, concat, fmtShape, full, tensor, tidy } from '@tessera/tensor-core';
import { byChunks, inEvalMode, inputGradient, requireModel, resolveTargets, rows, targetOutputs, type ExplainableModel, type Target } from './model.js';

/** Quadrature rules for the path integral (Captum's names in camelCase). */
export type IntegrationMethod = 'gaussLegendre' | 'riemannTrapezoid' | 'riemannLeft' | 'riemannRight' | 'riemannMiddle';

const METHODS: readonly IntegrationMethod[] = ['gaussLegendre', 'riemannTrapezoid', 'riemannLeft', 'riemannRight', 'riemannMiddle'];

/** Options of {@link integratedGradients}. */
export interface IntegratedGradientsOptions {
  /** The class to explain (see {@link Target}). */
  readonly target?: Target;
  /**
   * The reference input: a number (every value; default 0, a black image), or a tensor shaped like
   * the inputs or like one example (`[1, ...]` or without the batch axis).
   */
  readonly baseline?: number | Tensor;
  /** Points on the straight path from the baseline to the input (default 50, as Captum). */
  readonly steps?: number;
  /** Quadrature rule (default `'gaussLegendre'`, as Captum). */
  readonly method?: IntegrationMethod;
  /**
   * Rows per forward/backward pass, counting every path point of every example (default 64,
   * Captum's `internal_batch_size`): bounds the memory in use.
   */
  readonly batchSize?: number;
}

/** What {@link integratedGradients} returns. */
export interface IntegratedGradientsResult {
  /** Attributions shaped like the inputs. */
  readonly attributions: Tensor;
  /**
   * The completeness error of each example `[N]`: `sum(attributions) − (F_t(x) − F_t(baseline))`
   * (Captum's convergence delta). Near 0 when the path integral is well approximated; raise
   * `steps` when it is not.
   */
  readonly delta: Tensor;
}

const KEYS = ['target', 'baseline', 'steps', 'method', 'batchSize'] as const;

const legendreCache = new Map<number, { nodes: Float64Array; weights: Float64Array }>();

/**
 * Gauss–Legendre nodes and weights on [-1, 1] (numpy's `leggauss`): Newton's method on the
 * Legendre polynomial P_n from Chebyshev starting points, in float64. n points integrate
 * polynomials of degree 2n − 1 exactly.
 *
 * @throws TensorError `INVALID_ARGUMENT` unless `n` is an integer >= 1.
 * @example
 * ```ts
 * gaussLegendre(2); // { nodes: [-0.5773..., 0.5773...], weights: [1, 1] }
 * ```
 */
export function gaussLegendre(n: number): { nodes: Float64Array; weights: Float64Array } {
  check.int('gaussLegendre', 'n', n, { min: 1 });
  const cached = legendreCache.get(n);
  if (cached) return cached;
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let iter = 0; iter < 100; iter++) {
      // P_n(x) and P_n'(x) by the three-term recurrence.
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      const pn = n === 1 ? x : p1;
      const pPrev = n === 1 ? 1 : p0;
      dp = (n * (x * pn - pPrev)) / (x * x - 1);
      const dx = pn / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-15) break;
    }
    // Recompute the derivative at the converged node for the weight.
    let p0 = 1;
    let p1 = x;
    for (let k = 2; k <= n; k++) {
      const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
      p0 = p1;
      p1 = p2;
    }
    dp = n === 1 ? 1 : (n * (x * p1 - p0)) / (x * x - 1);
    const w = 2 / ((1 - x * x) * dp * dp);
    nodes[i] = -x;
    nodes[n - 1 - i] = x;
    weights[i] = w;
    weights[n - 1 - i] = w;
  }
  if (n % 2 === 1) nodes[(n - 1) / 2] = 0;
  const rule = { nodes, weights };
  legendreCache.set(n, rule);
  return rule;
}

/**
 * The points `alphas` in [0, 1] and weights of a quadrature rule with `steps` points, as Captum's
 * `approximation_parameters`: the integral of g over [0, 1] is about `sum_i weights[i] g(alphas[i])`.
 *
 * @throws TensorError `INVALID_ARGUMENT` for an unknown method or too few steps (the trapezoid
 *   rule needs 2).
 * @example
 * ```ts
 * integrationRule('riemannTrapezoid', 3); // { alphas: [0, 0.5, 1], weights: [0.25, 0.5, 0.25] }
 * ```
 */
export function integrationRule(method: IntegrationMethod, steps: number): { alphas: Float64Array; weights: Float64Array } {
  const op = 'integrationRule';
  const checks = check.all(op);
  checks.oneOf('method', method, METHODS);
  checks.int('steps', steps, { min: method === 'riemannTrapezoid' ? 2 : 1 });
  checks.done();
  const alphas = new Float64Array(steps);
  const weights = new Float64Array(steps);
  if (method === 'gaussLegendre') {
    const { nodes, weights: w } = gaussLegendre(steps);
    for (let i = 0; i < steps; i++) {
      alphas[i] = 0.5 * (nodes[i]! + 1);
      weights[i] = 0.5 * w[i]!;
    }
  } else if (method === 'riemannTrapezoid') {
    for (let i = 0; i < steps; i++) {
      alphas[i] = i / (steps - 1);
      weights[i] = 1 / (steps - 1);
    }
    weights[0]! /= 2;
    weights[steps - 1]! /= 2;
  } else {
    const offset = method === 'riemannLeft' ? 0 : method === 'riemannRight' ? 1 : 0.5;
    for (let i = 0; i < steps; i++) {
      alphas[i] = (i + offset) / steps;
      weights[i] = 1 / steps;
    }
  }
  return { alphas, weights };
}

/** The baseline as a tensor broadcastable against the inputs. */
function resolveBaseline(op: string, baseline: unknown, x: Tensor): Tensor {
  if (baseline === undefined || typeof baseline === 'number') {
    const value = baseline ?? 0;
    if (!Number.isFinite(value)) throw new TensorError('INVALID_ARGUMENT', op, `baseline must be a finite number or a Tensor, got ${describeValue(baseline)}`);
    return full([1, ...x.shape.slice(1)], value, { dtype: x.dtype, backend: x.backend });
  }
  if (!(baseline instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', op, `baseline must be a number or a Tensor, got ${describeValue(baseline)}`);
  if (baseline.isDisposed) throw new TensorError('TENSOR_DISPOSED', op, `baseline (tensor id=${baseline.id}) was disposed`);
  const example = x.shape.slice(1);
  const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
  if (same(baseline.shape, x.shape)) return baseline.cast(x.dtype);
  if (same(baseline.shape, example)) return baseline.cast(x.dtype).reshape([1, ...example]);
  if (baseline.shape[0] === 1 && same(baseline.shape.slice(1), example)) return baseline.cast(x.dtype);
  throw new TensorError(
    'SHAPE_MISMATCH',
    op,
    `baseline shape ${fmtShape(baseline.shape)} must equal the inputs' ${fmtShape(x.shape)}, one example's ${fmtShape([1, ...example])} or ${fmtShape(example)}`,
  );
}

/**
 * Integrated Gradients (Sundararajan et al. 2017), as Captum's `IntegratedGradients`:
 *
 *     IG_i(x) = (x_i − x'_i) · ∫₀¹ ∂F_t(x' + α(x − x'))/∂x_i dα
 *
 * with the baseline x', the integral approximated by `method` with `steps` points. By the
 * completeness axiom the attributions of an example sum to `F_t(x) − F_t(x')`; the returned
 * `delta` is how far they are from it. Rows (examples × path points) are processed `batchSize`
 * at a time; the model runs in evaluation mode.
 *
 * @returns `{ attributions, delta }`; the caller owns both.
 * @throws TensorError as {@link saliency}, and `INVALID_ARGUMENT` for a bad method or step count,
 *   `SHAPE_MISMATCH` for a baseline of another shape.
 * @example
 * ```ts
 * const { attributions, delta } = await integratedGradients(model, images, { target: labels, steps: 64 });
 * console.log(await delta.data()); // each close to 0
 * ```
 */
export async function integratedGradients(model: ExplainableModel, inputs: Tensor, options: IntegratedGradientsOptions = {}): Promise<IntegratedGradientsResult> {
  const op = 'integratedGradients';
  requireModel(op, model);
  const checks = check.all(op);
  checks.options(options, KEYS, { required: true });
  const x = checks.floatBatch('inputs', inputs, '; only float inputs can be differentiated')!;
  const method = checks.oneOf('method', options?.method ?? 'gaussLegendre', METHODS);
  const steps = checks.int('steps', options?.steps ?? 50, { min: method === 'riemannTrapezoid' ? 2 : 1 });
  const batchSize = checks.int('batchSize', options?.batchSize ?? 64, { min: 1 });
  checks.done();
  const n = x.shape[0]!;
  const targets = await resolveTargets(op, options.target, n);
  const base = resolveBaseline(op, options.baseline, x);
  const { alphas, weights } = integrationRule(method, steps);
  const exampleShape = x.shape.slice(1);
  const ones = exampleShape.map(() => 1);
  // Examples per chunk, and path points per pass for those examples: rows = points × examples <= batchSize.
  const examplesPerChunk = Math.max(1, Math.min(n, batchSize));
  try {
    return await inEvalMode(model, async () => {
      const attributions = await byChunks(n, examplesPerChunk, (start, end) => {
        const e = end - start;
        const xb = rows(x, start, end);
        const bb = base.shape[0] === 1 ? base : rows(base, start, end);
        const diff = xb.sub(bb);
        const pointsPerPass = Math.max(1, Math.floor(batchSize / e));
        let total: Tensor | undefined;
        for (let p0 = 0; p0 < steps; p0 += pointsPerPass) {
          const p1 = Math.min(steps, p0 + pointsPerPass);
          const next = tidy(() => {
            const a = tensor(alphas.subarray(p0, p1), [p1 - p0, 1, ...ones], { dtype: x.dtype, backend: x.backend });
            const w = tensor(weights.subarray(p0, p1), [p1 - p0, 1, ...ones], { dtype: x.dtype, backend: x.backend });
            // Path points, point-major: [points, e, ...] flattened to rows.
            const path = bb.add(a.mul(diff)).reshape([(p1 - p0) * e, ...exampleShape]);
            const g = inputGradient(op, model, path, targets?.subarray(start, end), p1 - p0);
            const summed = g.reshape([p1 - p0, e, ...exampleShape]).mul(w).sum(0);
            return total === undefined ? summed : total.add(summed);
          });
          total?.dispose();
          total = next;
        }
        return total!.mul(diff);
      });
      try {
        const delta = tidy(() => {
          const parts: Tensor[] = [];
          for (let start = 0; start < n; start += batchSize) {
            const end = Math.min(n, start + batchSize);
            const t = targets?.subarray(start, end);
            const xb = rows(x, start, end);
            const bb = base.shape[0] === 1 ? base.broadcastTo([end - start, ...exampleShape]) : rows(base, start, end);
            const sums = rows(attributions, start, end).reshape([end - start, -1]).sum(1);
            parts.push(sums.sub(targetOutputs(op, model, xb, t).sub(targetOutputs(op, model, bb, t))));
          }
          return parts.length === 1 ? parts[0]! : concat(parts, 0);
        });
        return { attributions, delta };
      } catch (error) {
        attributions.dispose();
        throw error;
      }
    });
  } finally {
    if (base !== options.baseline) base.dispose();
  }
}
