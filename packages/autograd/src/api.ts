/**
 * The public API: `backward` (PyTorch style), `grad` / `valueAndGrad` (JAX and tfjs style),
 * `noGrad`, `detach` / `stopGradient`, and `customGrad`.
 */
import { checkOptions, TensorError, fmtShape, isFloat, reshape, retain, tidy, Tensor } from '@tessera/tensor-core';
import { runBackward, type BackwardOptions } from './backward.js';
import { addEntry, enableAutograd, isRecording, needsGrad, sweep, withRecording, type GradRule } from './tape.js';

export type { BackwardOptions } from './backward.js';

/** One gradient per tensor argument, in order. */
export type Gradients<Args extends readonly Tensor[]> = { [K in keyof Args]: Tensor };

/**
 * Backpropagates from `loss` and returns a map from each tensor in `wrt` (default: every
 * `requiresGrad` tensor the loss depends on) to its gradient, shaped and typed like it. The
 * gradients belong to the caller (dispose them, or let `tidy` do it). Afterwards the tape is
 * released, unless `retainGraph` or `createGraph` is set; `createGraph` records the gradient
 * computation so gradients can be differentiated again. A requested tensor the loss does not
 * depend on gets zeros.
 *
 * @throws TensorError `GRADIENT_ERROR` when the loss is not a scalar and no `seed` is given, when
 *   it depends on nothing that requires a gradient, or when its graph was already released;
 *   `DTYPE_MISMATCH` for an integer loss or an integer tensor in `wrt`; `TENSOR_DISPOSED` when
 *   the loss, the seed or a requested tensor was disposed; `SHAPE_MISMATCH` for a seed of the
 *   wrong shape.
 * @example
 * ```ts
 * const w = randn([3, 1], { seed: 0, requiresGrad: true });
 * const loss = x.matmul(w).sub(y).square().mean();
 * const grads = backward(loss);
 * const dw = grads.get(w)!; // shape [3, 1]
 * ```
 */
export function backward(loss: Tensor, options: BackwardOptions = {}): Map<Tensor, Tensor> {
  checkOptions('backward', options, ['wrt', 'seed', 'createGraph', 'retainGraph']);
  enableAutograd();
  return withRecording(true, () => runBackward(loss, options));
}

/** Nesting depth of grad/valueAndGrad calls: a call inside another differentiates its own gradient computation. */
let depth = 0;

/** @internal Runs `fn` as if inside a grad call, so grad calls in it record their gradients (checkGradients uses it). */
export function insideGrad<T>(fn: () => T): T {
  depth++;
  try {
    return fn();
  } finally {
    depth--;
  }
}

/** Options of {@link grad} and {@link valueAndGrad}. */
export interface GradOptions {
  /**
   * Record the gradient computation so the gradients can be differentiated again. Default:
   * automatic, on when called inside another grad/valueAndGrad with an argument that needs a
   * gradient (nested grad, Hessian-vector products); set it to nest under `backward` instead.
   */
  readonly createGraph?: boolean;
}

function checkArgs(op: string, args: readonly Tensor[]): void {
  args.forEach((a, i) => {
    if (!(a instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', op, `argument ${i} must be a Tensor, got ${typeof a}`);
    if (a.isDisposed) throw new TensorError('TENSOR_DISPOSED', op, `argument ${i} (tensor id=${a.id} shape=${fmtShape(a.shape)}) was disposed`);
    if (!isFloat(a.dtype)) {
      throw new TensorError('DTYPE_MISMATCH', op, `argument ${i} has dtype ${a.dtype}: only float tensors can be differentiated (pass integer inputs through a closure)`);
    }
  });
}

/**
 * Runs `fn` on fresh copies of `args` that require gradients, and backpropagates from its result.
 * Inside another grad (depth > 0), when an argument itself needs a gradient, the copies are
 * connected to it and the gradient computation is recorded: that is how grad(grad(f)) and
 * Hessian-vector products work.
 */
function evaluate<Args extends Tensor[]>(op: string, fn: (...args: Args) => Tensor, args: Args, options: GradOptions): { value: Tensor; grads: Tensor[] } {
  enableAutograd();
  checkOptions(op, options, ['createGraph']);
  checkArgs(op, args);
  const nested = options.createGraph ?? (depth > 0 && args.some(needsGrad));
  const identity: GradRule = (dy) => [dy];
  const copies = args.map((a) => {
    const copy = retain(a);
    copy.requiresGrad = true;
    if (nested && needsGrad(a)) addEntry('argument', [a], [copy], {}, identity);
    return copy;
  }) as Args;
  depth++;
  try {
    return withRecording(true, () =>
      tidy(() => {
        let value = fn(...copies);
        if (!(value instanceof Tensor)) {
          throw new TensorError('INVALID_ARGUMENT', op, `the function must return a Tensor, got ${value === null ? 'null' : typeof value}`);
        }
        if (value.size !== 1) {
          throw new TensorError('GRADIENT_ERROR', op, `the function must return a scalar to be differentiated, got shape ${fmtShape(value.shape)}; reduce it (e.g. .sum() or .mean())`);
        }
        if ((copies as Tensor[]).includes(value)) value = reshape(value, value.shape);
        const map = runBackward(value, { wrt: copies, createGraph: nested });
        return { value, grads: copies.map((c) => map.get(c)!) };
      }),
    );
  } catch (error) {
    // What fn recorded before it threw is garbage now.
    sweep();
    throw error;
  } finally {
    depth--;
    for (const c of copies) c.dispose();
  }
}

/**
 * Transforms a scalar-valued function into one that returns its gradients with respect to each
 * (tensor) argument, as JAX's `grad` and tfjs's `grads`. Tensors created inside `fn` are freed;
 * the gradients belong to the caller. Nest it for higher-order gradients.
 *
 * @throws TensorError `GRADIENT_ERROR` when `fn` returns a non-scalar; `DTYPE_MISMATCH` for an
 *   integer argument; `TENSOR_DISPOSED` for a disposed argument; `INVALID_ARGUMENT` when an
 *   argument or the result is not a tensor.
 * @example
 * ```ts
 * const f = (x: Tensor) => x.square().sum();
 * const [dx] = grad(f)(tensor([1, 2, 3])); // [2, 4, 6]
 * // Hessian-vector product: the gradient of <grad f(x), v>
 * const [hv] = grad((x: Tensor) => grad(f)(x)[0].mul(v).sum())(x);
 * ```
 */
export function grad<Args extends Tensor[]>(fn: (...args: Args) => Tensor, options: GradOptions = {}): (...args: Args) => Gradients<Args> {
  checkOptions('grad', options, ['createGraph']);
  enableAutograd();
  return (...args: Args) => {
    const { value, grads } = evaluate('grad', fn, args, options);
    value.dispose();
    return grads as Gradients<Args>;
  };
}

/**
 * Like {@link grad}, and also returns the value of `fn` (one forward pass for both).
 *
 * @throws TensorError as {@link grad}.
 * @example
 * ```ts
 * const lossOf = (w: Tensor) => x.matmul(w).sub(y).square().mean();
 * const { value, grads: [dw] } = valueAndGrad(lossOf)(w);
 * ```
 */
export function valueAndGrad<Args extends Tensor[]>(
  fn: (...args: Args) => Tensor,
  options: GradOptions = {},
): (...args: Args) => { value: Tensor; grads: Gradients<Args> } {
  checkOptions('valueAndGrad', options, ['createGraph']);
  enableAutograd();
  return (...args: Args) => {
    const { value, grads } = evaluate('valueAndGrad', fn, args, options);
    return { value, grads: grads as Gradients<Args> };
  };
}

/**
 * Runs `fn` without recording anything for gradients (evaluation, optimizer updates). Results
 * need no gradient. Synchronous: an `async` function's later steps would be recorded.
 *
 * @example
 * ```ts
 * const next = noGrad(() => w.sub(dw.mul(0.1))); // an SGD step, not part of any graph
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  enableAutograd();
  return withRecording(false, fn);
}

/**
 * A tensor with `x`'s values (sharing its storage) that no gradient flows through, as PyTorch's
 * `detach`. Tracked by the enclosing `tidy` like any new tensor.
 *
 * @throws TensorError `TENSOR_DISPOSED` when `x` was disposed.
 * @example
 * ```ts
 * const target = detach(prediction); // a constant for the loss below
 * const loss = prediction.sub(target).square().mean();
 * ```
 */
export function detach(x: Tensor): Tensor {
  enableAutograd();
  const out = withRecording(false, () => reshape(x, x.shape));
  // A constant by intent: no missing-gradient diagnosis follows it.
  out.gradientLostAt = undefined;
  return out;
}

/**
 * JAX's name for {@link detach}: the identity in the forward pass, zero gradient in the backward.
 *
 * @example
 * ```ts
 * const y = x.mul(stopGradient(scale)); // no gradient reaches `scale`
 * ```
 */
export function stopGradient(x: Tensor): Tensor {
  return detach(x);
}

/** What the function given to {@link customGrad} returns. */
export interface CustomGradResult {
  /** The forward result. */
  readonly value: Tensor;
  /**
   * The backward rule: from the gradient of `value`, one gradient per input (a single tensor for
   * a single input; undefined for none). `saved` holds the `save` tensors, kept alive for it.
   */
  readonly gradient: (dy: Tensor, saved: readonly Tensor[]) => Tensor | readonly (Tensor | undefined)[];
  /** Tensors the rule needs (autograd keeps them alive until backward, whatever `tidy` does). */
  readonly save?: readonly Tensor[];
}

/**
 * Defines an op with a user-written gradient, as tfjs's `customGrad` and JAX's `custom_vjp`.
 * The forward runs without recording; backward calls `gradient` instead of differentiating it.
 * Check a custom gradient with `checkGradients`.
 *
 * @throws TensorError `INVALID_ARGUMENT` when an input is not a tensor or `fn` returns no
 *   `value` tensor; `GRADIENT_ERROR` (at backward) when `gradient` returns the wrong number of
 *   gradients.
 * @example
 * ```ts
 * // Identity forward, gradient clipped to [-1, 1] backward.
 * const clipGrad = customGrad((x: Tensor) => ({ value: x.clone(), gradient: (dy) => dy.clamp(-1, 1) }));
 * const [dx] = grad((x: Tensor) => clipGrad(x).mul(10).sum())(x); // all 1
 * ```
 */
export function customGrad<Args extends Tensor[]>(fn: (...inputs: Args) => CustomGradResult): (...inputs: Args) => Tensor {
  enableAutograd();
  return (...inputs: Args) => {
    inputs.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', 'customGrad', `input ${i} must be a Tensor, got ${typeof t}`);
    });
    const result = withRecording(false, () => fn(...inputs));
    if (typeof result !== 'object' || result === null || !(result.value instanceof Tensor) || typeof result.gradient !== 'function') {
      throw new TensorError('INVALID_ARGUMENT', 'customGrad', 'the function must return { value: Tensor, gradient: (dy, saved) => gradients }');
    }
    const { value, gradient } = result;
    if (!isRecording() || !inputs.some(needsGrad)) return value;
    const saved = (result.save ?? []).map((t) => retain(t));
    const rule: GradRule = (dy) => {
      const out = gradient(dy, saved);
      const list = out instanceof Tensor ? [out] : [...out];
      if (list.length !== inputs.length) {
        throw new TensorError('GRADIENT_ERROR', 'customGrad', `the gradient function returned ${list.length} gradients for ${inputs.length} inputs`);
      }
      return list;
    };
    const entry = addEntry('customGrad', inputs, [value], {}, rule);
    // The saved tensors live as long as the entry: released with it.
    entry.extra.push(...saved);
    return value;
  };
}
