/**
 * `checkGradients`: analytic gradients against central finite differences, as JAX's
 * `check_grads`. Cheap checks along random directions (`<u, J v>` both ways), plus the full
 * Jacobian, element by element, for tiny inputs.
 */
import { checkOptions, optionKeys, TensorError, fmtShape, isFloat, tensor, tidy, type DType, type Tensor } from '@tessera/tensor-core';
import { backward, insideGrad, noGrad } from './api.js';
import { collectOpNames, enableAutograd, sweep } from './tape.js';

/** Options of {@link checkGradients}. */
export interface CheckGradientsOptions {
  /** Finite-difference step (default 1e-6 in float64, 1e-3 in float32). */
  readonly eps?: number;
  /** Relative tolerance (default 1e-5 in float64, 2e-2 in float32). */
  readonly rtol?: number;
  /** Absolute tolerance (default 1e-6 in float64, 2e-3 in float32). */
  readonly atol?: number;
  /** Number of random directions (default 2). */
  readonly directions?: number;
  /** Also compare the full Jacobian: `'auto'` (default) when inputs and output have at most 64 elements each. */
  readonly jacobian?: 'auto' | boolean;
  /** Seed of the random directions (default 0). */
  readonly seed?: number;
  /** Name used in the error message (default: the ops `fn` ran). */
  readonly name?: string;
  /** dtype to check in (default float64 where the backend has it, else float32). */
  readonly dtype?: 'float32' | 'float64';
}

/** One comparison of {@link GradientCheckReport}. */
export interface GradientComparison {
  readonly analytic: number;
  readonly numeric: number;
  readonly error: number;
}

/** What {@link checkGradients} measured. */
export interface GradientCheckReport {
  readonly dtype: DType;
  /** The primitive ops `fn` ran. */
  readonly ops: readonly string[];
  /** `<u, J v>` along each random direction. */
  readonly directions: readonly GradientComparison[];
  /** Full-Jacobian comparison, when it ran: the number of entries and the worst error. */
  readonly jacobian?: { readonly entries: number; readonly maxError: number };
  /** Largest absolute error over every comparison. */
  readonly maxError: number;
}

/** A small seeded generator (mulberry32 plus Box-Muller) for directions. */
function normals(seed: number): () => number {
  let s = seed >>> 0;
  const uniform = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Checks the gradients of `fn` at `inputs` against central finite differences, in float64 where
 * the backend has it. Float inputs are differentiated (integer inputs such as indices pass through
 * unchanged); `fn` may return any float shape. Along random directions `v` (inputs) and `u`
 * (output) it compares `<J^T u, v>` from backward with `(<u, f(x + εv)> − <u, f(x − εv)>) / 2ε`;
 * for tiny problems it also compares every Jacobian entry. Use it to test a {@link customGrad}.
 *
 * @returns A report of every comparison.
 * @throws TensorError `GRADIENT_ERROR` naming the ops and the worst error when a comparison fails
 *   (`|analytic − numeric| > atol + rtol·max(|analytic|, |numeric|)`); `INVALID_ARGUMENT` when no
 *   input is a float tensor or `fn` returns a non-float tensor.
 * @example
 * ```ts
 * await checkGradients((x, w) => x.matmul(w).tanh(), [randn([2, 3], { seed: 0 }), randn([3, 4], { seed: 1 })]);
 * ```
 */
export async function checkGradients(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: CheckGradientsOptions = {},
): Promise<GradientCheckReport> {
  enableAutograd();
  checkOptions('checkGradients', options, optionKeys<CheckGradientsOptions>({ eps: true, rtol: true, atol: true, directions: true, jacobian: true, seed: true, name: true, dtype: true }));
  const diff = inputs.flatMap((t, i) => (isFloat(t.dtype) ? [i] : []));
  if (diff.length === 0) throw new TensorError('INVALID_ARGUMENT', 'checkGradients', 'no input is a float tensor: nothing to differentiate');
  const backend = inputs[diff[0]!]!.backend;
  const dtype: 'float32' | 'float64' = options.dtype ?? (backend.capabilities.dtypes.includes('float64') ? 'float64' : 'float32');
  const f64 = dtype === 'float64';
  const eps = options.eps ?? (f64 ? 1e-6 : 1e-3);
  const rtol = options.rtol ?? (f64 ? 1e-5 : 2e-2);
  const atol = options.atol ?? (f64 ? 1e-6 : 2e-3);
  const random = normals(options.seed ?? 0);
  const owned: Tensor[] = [];
  const make = (values: ArrayLike<number>, shape: readonly number[]): Tensor => {
    const t = tensor(dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values), shape, { dtype, backend });
    owned.push(t);
    return t;
  };

  try {
    // Host copies of the point, in the check's dtype.
    const base = await Promise.all(inputs.map(async (t) => Float64Array.from((await t.data()) as ArrayLike<number>)));
    const point = inputs.map((t, i) => (isFloat(t.dtype) ? make(base[i]!, t.shape) : t));
    const at = (values: Map<number, Float64Array>): Tensor[] => inputs.map((t, i) => (values.has(i) ? make(values.get(i)!, t.shape) : point[i]!));
    const evaluate = async (args: Tensor[]): Promise<Float64Array> => {
      const y = tidy(() => noGrad(() => fn(...args)));
      try {
        return Float64Array.from((await y.data()) as ArrayLike<number>);
      } finally {
        y.dispose();
      }
    };

    const ops = new Set<string>();
    const y0 = collectOpNames(() => tidy(() => noGrad(() => fn(...point))), (name) => ops.add(name));
    const outShape = [...y0.shape];
    const outDtype = y0.dtype;
    y0.dispose();
    if (!isFloat(outDtype)) throw new TensorError('INVALID_ARGUMENT', 'checkGradients', `fn returned a ${outDtype} tensor; gradients need a float output`);
    const name = options.name ?? ([...ops].join(', ') || 'fn');
    const outSize = outShape.reduce((a, b) => a * b, 1);

    // Analytic vector-Jacobian products J^T u for each cotangent u (one forward, one backward each).
    const vjp = async (cotangents: readonly Float64Array[]): Promise<Float64Array[][]> => {
      const leaves = diff.map((i) => {
        const c = noGrad(() => point[i]!.clone());
        c.requiresGrad = true;
        owned.push(c);
        return c;
      });
      const args = point.map((t, i) => (diff.includes(i) ? leaves[diff.indexOf(i)]! : t));
      const out: Float64Array[][] = [];
      // As inside a grad call: a grad inside fn then records its gradients (second-order checks).
      const y = insideGrad(() => tidy(() => fn(...args)));
      owned.push(y);
      for (let k = 0; k < cotangents.length; k++) {
        const seed = make(cotangents[k]!, outShape);
        const map = backward(y, { wrt: leaves, seed, retainGraph: k < cotangents.length - 1 });
        const grads = leaves.map((l) => map.get(l)!);
        out.push(await Promise.all(grads.map(async (g) => Float64Array.from((await g.data()) as ArrayLike<number>))));
        for (const g of grads) g.dispose();
      }
      return out;
    };

    let maxError = 0;
    const failures: string[] = [];
    const compare = (analytic: number, numeric: number, where: string): GradientComparison => {
      const error = Math.abs(analytic - numeric);
      maxError = Math.max(maxError, Number.isNaN(error) ? Infinity : error);
      if (!(error <= atol + rtol * Math.max(Math.abs(analytic), Math.abs(numeric)))) {
        failures.push(`${where}: analytic ${analytic}, numeric ${numeric}`);
      }
      return { analytic, numeric, error };
    };

    // Random directions.
    const directions: GradientComparison[] = [];
    const count = options.directions ?? 2;
    const us = Array.from({ length: count }, () => Float64Array.from({ length: outSize }, random));
    const analyticVjps = await vjp(us);
    for (let d = 0; d < count; d++) {
      const v = new Map(diff.map((i) => [i, Float64Array.from({ length: inputs[i]!.size }, random)]));
      const shifted = (sign: number): Map<number, Float64Array> =>
        new Map([...v].map(([i, dir]) => [i, base[i]!.map((x, j) => x + sign * eps * dir[j]!)]));
      const plus = await evaluate(at(shifted(1)));
      const minus = await evaluate(at(shifted(-1)));
      const numeric = (dot(us[d]!, plus) - dot(us[d]!, minus)) / (2 * eps);
      const analytic = diff.reduce((s, i, n) => s + dot(analyticVjps[d]![n]!, v.get(i)!), 0);
      directions.push(compare(analytic, numeric, `direction ${d}`));
    }

    // The full Jacobian of tiny problems.
    const inSize = diff.reduce((s, i) => s + inputs[i]!.size, 0);
    const wantJacobian = options.jacobian === true || ((options.jacobian ?? 'auto') === 'auto' && inSize <= 64 && outSize <= 64);
    let jacobian: GradientCheckReport['jacobian'];
    if (wantJacobian && outSize > 0) {
      const rows = await vjp(Array.from({ length: outSize }, (_, k) => Float64Array.from({ length: outSize }, (_, j) => (j === k ? 1 : 0))));
      let entries = 0;
      const before = maxError;
      maxError = 0;
      for (const [n, i] of diff.entries()) {
        for (let j = 0; j < inputs[i]!.size; j++) {
          const shifted = (sign: number): Map<number, Float64Array> => {
            const values = base[i]!.slice();
            values[j] = values[j]! + sign * eps;
            return new Map([[i, values]]);
          };
          const plus = await evaluate(at(shifted(1)));
          const minus = await evaluate(at(shifted(-1)));
          for (let k = 0; k < outSize; k++) {
            compare(rows[k]![n]![j]!, (plus[k]! - minus[k]!) / (2 * eps), `d out[${k}] / d input${i}[${j}]`);
            entries++;
          }
        }
      }
      jacobian = { entries, maxError };
      maxError = Math.max(before, maxError);
    }

    if (failures.length > 0) {
      throw new TensorError(
        'GRADIENT_ERROR',
        'checkGradients',
        `gradient of ${name} does not match finite differences (${dtype}, eps ${eps}, rtol ${rtol}, atol ${atol}; output shape ${fmtShape(outShape)}): max error ${maxError}; ${failures.slice(0, 5).join('; ')}${failures.length > 5 ? `; and ${failures.length - 5} more` : ''}`,
      );
    }
    return { dtype, ops: [...ops], directions, ...(jacobian ? { jacobian } : {}), maxError };
  } finally {
    for (const t of owned) t.dispose();
    // Frees what a failed evaluation left on the tape.
    sweep();
  }
}
