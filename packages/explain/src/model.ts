/**
 * What every attribution method shares: the model in evaluation mode, the target classes, the
 * score whose gradient is the attribution, and batching in chunks of a bounded size.
 */
import { grad, noGrad } from '@tessera/autograd';
import type { Layer } from '@tessera/layers';
import { Module } from '@tessera/layers';
import { type Checks, describeValue, check, Tensor, TensorError, concat, fmtShape, oneHot, tensor, tidy } from '@tessera/tensor-core';

/**
 * The class to explain: one index for every example, one index per example, or an int32 tensor
 * `[N]` of indices. May be left out when the model has a single output column.
 *
 * @example
 * ```ts
 * const target: Target = [3, 1, 4]; // the classes of three examples
 * ```
 */
export type Target = number | readonly number[] | Tensor;

/**
 * A model the methods explain: any `Module` of `@tessera/layers` with one tensor in and one out
 * (logits `[N, K]`): a `Sequential`, a subclass, an imported ONNX model.
 *
 * @example
 * ```ts
 * const model: ExplainableModel = new Sequential(new Linear({ inFeatures: 4, outFeatures: 3 }));
 * ```
 */
export type ExplainableModel = Layer;

/** Checks that `model` is a Module. */
export function requireModel(op: string, model: unknown): ExplainableModel {
  if (!(model instanceof Module)) throw new TensorError('INVALID_ARGUMENT', op, `model must be a Module of @tessera/layers, got ${describeValue(model)}`);
  return model as ExplainableModel;
}

/**
 * The target of each of `n` examples, on the host. Class indices are checked against the model's
 * output width later, by {@link targetScore}.
 */
export async function resolveTargets(op: string, target: unknown, n: number): Promise<Int32Array | undefined> {
  if (target === undefined) return undefined;
  if (typeof target === 'number') {
    check.int(op, 'target', target, { min: 0 });
    return new Int32Array(n).fill(target);
  }
  let values: ArrayLike<number>;
  if (target instanceof Tensor) {
    if (target.isDisposed) throw new TensorError('TENSOR_DISPOSED', op, `target (tensor id=${target.id} shape=${fmtShape(target.shape)}) was disposed`);
    if (target.dtype !== 'int32' || target.rank !== 1) {
      throw new TensorError('INVALID_ARGUMENT', op, `target must be an int32 tensor [N] of class indices, got ${describeValue(target)}`);
    }
    values = (await target.data()) as Int32Array;
  } else if (Array.isArray(target)) {
    values = target as number[];
    (target as unknown[]).forEach((t, i) => check.int(op, `target[${i}]`, t, { min: 0 }));
  } else {
    throw new TensorError('INVALID_ARGUMENT', op, `target must be a class index, an array of indices or an int32 tensor, got ${describeValue(target)}`);
  }
  if (values.length !== n) throw new TensorError('SHAPE_MISMATCH', op, `target has ${values.length} entries but the inputs have ${n} examples`);
  const out = Int32Array.from(values);
  out.forEach((t, i) => {
    if (t < 0) throw new TensorError('INVALID_ARGUMENT', op, `target[${i}] must be a class index >= 0, got ${t}`);
  });
  return out;
}

/**
 * The sum over the rows of `logits` of each row's target output: its gradient with respect to the
 * inputs is every example's own gradient at once (examples do not interact in evaluation mode).
 * `repeat` repeats the targets (rows are `repeat` copies of the examples, as in Integrated Gradients).
 */
export function targetScore(op: string, logits: Tensor, targets: Int32Array | undefined, repeat = 1): Tensor {
  if (!(logits instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', op, `model.forward must return a Tensor, got ${describeValue(logits)}`);
  const rows = logits.shape[0];
  const flat = logits.rank === 1 ? logits.reshape([rows!, 1]) : logits;
  if (flat.rank !== 2) throw new TensorError('SHAPE_MISMATCH', op, `the model must return [N, classes] (or [N]), got shape ${fmtShape(logits.shape)}`);
  const classes = flat.shape[1]!;
  if (targets === undefined) {
    if (classes !== 1) throw new TensorError('INVALID_ARGUMENT', op, `target is required: the model returns ${classes} outputs per example (shape ${fmtShape(logits.shape)})`);
    return flat.sum();
  }
  targets.forEach((t, i) => {
    if (t >= classes) throw new TensorError('INVALID_ARGUMENT', op, `target[${i}] = ${t} is out of range for a model with ${classes} outputs`);
  });
  const repeated = repeat === 1 ? targets : Int32Array.from({ length: targets.length * repeat }, (_, i) => targets[i % targets.length]!);
  if (repeated.length !== rows) throw new TensorError('SHAPE_MISMATCH', op, `the model returned ${rows} rows for ${repeated.length} inputs`);
  const mask = oneHot(tensor(repeated, [repeated.length], { dtype: 'int32', backend: logits.backend }), classes, { dtype: logits.dtype });
  return flat.mul(mask).sum();
}

/** The gradient of the examples' target outputs with respect to `x` (shaped like `x`). */
export function inputGradient(op: string, model: ExplainableModel, x: Tensor, targets: Int32Array | undefined, repeat = 1): Tensor {
  return grad((input: Tensor) => targetScore(op, model.forward(input), targets, repeat))(x)[0];
}

/** The examples' target outputs `[N]`, unrecorded. */
export function targetOutputs(op: string, model: ExplainableModel, x: Tensor, targets: Int32Array | undefined): Tensor {
  return noGrad(() =>
    tidy(() => {
      const logits = model.forward(x);
      const flat = logits.rank === 1 ? logits.reshape([logits.shape[0]!, 1]) : logits;
      const classes = flat.shape[1]!;
      if (targets === undefined) return flat.reshape([flat.shape[0]!]);
      const mask = oneHot(tensor(targets, [targets.length], { dtype: 'int32', backend: logits.backend }), classes, { dtype: logits.dtype });
      return flat.mul(mask).sum(1);
    }),
  );
}

/**
 * Runs `fn` with every module of `model` in evaluation mode (no dropout noise, batch norm with its
 * running statistics: an explanation of the model that predicts), then restores each module's own
 * mode.
 */
export async function inEvalMode<T>(model: ExplainableModel, fn: () => Promise<T>): Promise<T> {
  const modules = model.modules();
  const modes = modules.map((m) => m.training);
  model.eval();
  try {
    return await fn();
  } finally {
    modules.forEach((m, i) => {
      m.training = modes[i]!;
    });
  }
}

/** Rows `[start, end)` of `x`. */
export function rows(x: Tensor, start: number, end: number): Tensor {
  return x.slice([start], [end], undefined, [0]);
}

/**
 * Runs `chunk` on consecutive row ranges of at most `batchSize` examples of `x` (each in its own
 * `tidy`, so peak memory is that of one chunk) and concatenates the results along axis 0.
 */
export async function byChunks(n: number, batchSize: number, chunk: (start: number, end: number) => Tensor): Promise<Tensor> {
  const parts: Tensor[] = [];
  try {
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      parts.push(tidy(() => chunk(start, end)));
      // A macrotask between chunks, so that a browser page stays responsive during long runs.
      if (end < n) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    if (parts.length === 1) return parts.pop()!;
    return concat(parts, 0);
  } finally {
    for (const p of parts) p.dispose();
  }
}
