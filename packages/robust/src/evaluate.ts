/** `robustAccuracy`: clean and adversarial accuracy of a classifier. */
import { noGrad } from '@tessera/autograd';
import { describeValue, check, Tensor, TensorError, concat, fmtShape, tidy } from '@tessera/tensor-core';
import type { Attack, AttackableModel } from './attacks.js';
import { Module } from '@tessera/layers';

/**
 * Labelled data: `{ x, y }` tensors (batched here), or an iterable / async iterable of `[x, y]` or
 * `{ x, y }` batches (a `DataLoader`; its batches stay the caller's).
 *
 * @example
 * ```ts
 * const data: LabelledData = { x: testImages, y: testLabels };
 * ```
 */
export type LabelledData =
  | { readonly x: Tensor; readonly y: Tensor }
  | Iterable<readonly Tensor[] | { readonly x: Tensor; readonly y: Tensor }>
  | AsyncIterable<readonly Tensor[] | { readonly x: Tensor; readonly y: Tensor }>;

/** Options of {@link robustAccuracy}. */
export interface RobustAccuracyOptions {
  /** Examples per batch for `{ x, y }` data (default 128). */
  readonly batchSize?: number;
  /** Stop after this many examples (default: all). */
  readonly limit?: number;
}

/** What {@link robustAccuracy} returns. */
export interface RobustAccuracyResult {
  /** Accuracy on the clean inputs. */
  readonly clean: number;
  /** Accuracy on the attack's adversarial examples. */
  readonly robust: number;
  /** Number of examples evaluated. */
  readonly count: number;
}

/** One labelled batch and whether it is ours to free. */
export interface OwnedBatch {
  readonly x: Tensor;
  readonly y: Tensor;
}

function isTensorPair(value: unknown): value is { x: Tensor; y: Tensor } {
  return typeof value === 'object' && value !== null && (value as { x?: unknown }).x instanceof Tensor && (value as { y?: unknown }).y instanceof Tensor;
}

/** Rows `[start, end)` of `t`. */
export function rows(t: Tensor, start: number, end: number): Tensor {
  return t.slice([start], [end], undefined, [0]);
}

/** Splits a batch into `[x, y]`, checking what it is. */
export function unpack(op: string, batch: unknown, index: number): OwnedBatch {
  let x: unknown;
  let y: unknown;
  if (Array.isArray(batch)) [x, y] = batch as unknown[];
  else if (typeof batch === 'object' && batch !== null) ({ x, y } = batch as { x?: unknown; y?: unknown });
  if (!(x instanceof Tensor) || !(y instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', op, `batch ${index} must be [x, y] or { x, y } with two Tensors, got ${describeValue(batch)}`);
  if (x.rank === 0 || y.rank === 0 || x.shape[0] !== y.shape[0]) {
    throw new TensorError('SHAPE_MISMATCH', op, `batch ${index}: x (shape ${fmtShape(x.shape)}) and y (shape ${fmtShape(y.shape)}) must have the same number of examples`);
  }
  return { x, y };
}

/** The batches of `data` (views of `{ x, y }` rows are freed by the caller; iterable batches are not ours). */
export async function* batchesOf(op: string, data: unknown, batchSize: number): AsyncGenerator<OwnedBatch & { owned: boolean }> {
  if (isTensorPair(data)) {
    const { x, y } = data;
    if (x.isDisposed || y.isDisposed) throw new TensorError('TENSOR_DISPOSED', op, `data.${x.isDisposed ? 'x' : 'y'} was disposed`);
    if (x.rank === 0 || y.rank === 0 || x.shape[0] !== y.shape[0]) {
      throw new TensorError('SHAPE_MISMATCH', op, `data.x (shape ${fmtShape(x.shape)}) and data.y (shape ${fmtShape(y.shape)}) must have the same number of examples`);
    }
    const n = x.shape[0]!;
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      yield { x: rows(x, start, end), y: rows(y, start, end), owned: true };
    }
    return;
  }
  const iterable = data as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown } | null;
  if (typeof iterable !== 'object' || iterable === null || (typeof iterable[Symbol.iterator] !== 'function' && typeof iterable[Symbol.asyncIterator] !== 'function')) {
    throw new TensorError('INVALID_ARGUMENT', op, `data must be { x, y } tensors or an iterable of [x, y] batches, got ${describeValue(data)}`);
  }
  let index = 0;
  for await (const batch of data as AsyncIterable<unknown>) yield { ...unpack(op, batch, index++), owned: false };
}

/**
 * The accuracy of `model` on clean inputs and on `attack`'s adversarial examples of them (the
 * adversarial accuracy that Madry et al. and torchattacks report). The model runs in evaluation
 * mode; each module's mode is restored afterwards.
 *
 * @returns `{ clean, robust, count }`.
 * @throws TensorError `INVALID_ARGUMENT` for a model that is not a Module, an attack without
 *   `generate`, unknown options or data that is neither tensors nor batches; `SHAPE_MISMATCH` when
 *   x and y disagree on the number of examples or the model does not return `[N, K]`.
 * @example
 * ```ts
 * const { clean, robust } = await robustAccuracy(model, { x: testImages, y: testLabels }, pgd({ epsilon: 0.3, steps: 40 }));
 * ```
 */
export async function robustAccuracy(model: AttackableModel, data: LabelledData, attack: Attack, options: RobustAccuracyOptions = {}): Promise<RobustAccuracyResult> {
  const op = 'robustAccuracy';
  if (!(model instanceof Module)) throw new TensorError('INVALID_ARGUMENT', op, `model must be a Module of @tessera/layers, got ${describeValue(model)}`);
  if (typeof attack !== 'object' || attack === null || typeof (attack as Attack).generate !== 'function') {
    throw new TensorError('INVALID_ARGUMENT', op, `attack must be an Attack (fgsm(...), pgd(...)), got ${describeValue(attack)}`);
  }
  const checks = check.all(op);
  checks.options(options, ['batchSize', 'limit'], { required: true });
  const batchSize = checks.int('batchSize', options?.batchSize ?? 128, { min: 1 });
  checks.done();
  const limit = options.limit === undefined ? Infinity : check.int(op, 'limit', options.limit, { min: 1 });
  const modules = model.modules();
  const modes = modules.map((m) => m.training);
  model.eval();
  let clean = 0;
  let robust = 0;
  let count = 0;
  try {
    for await (const batch of batchesOf(op, data, batchSize)) {
      try {
        if (count >= limit) break;
        const take = Math.min(batch.x.shape[0]!, limit - count);
        const hits = tidy(() => {
          const x = take < batch.x.shape[0]! ? rows(batch.x, 0, take) : batch.x;
          const y = take < batch.y.shape[0]! ? rows(batch.y, 0, take) : batch.y;
          const adversarial = attack.generate(model, x, y);
          return noGrad(() => {
            const correct = (input: Tensor): Tensor => {
              const logits = model.forward(input);
              if (logits.rank !== 2) throw new TensorError('SHAPE_MISMATCH', op, `the model must return logits [N, K], got shape ${fmtShape(logits.shape)}`);
              return logits.argmax(1).equal(y.cast('int32')).cast('float32').sum();
            };
            return concat([correct(x).reshape([1]), correct(adversarial).reshape([1])]);
          });
        });
        const [c, r] = await hits.data();
        hits.dispose();
        clean += c!;
        robust += r!;
        count += take;
      } finally {
        if (batch.owned) {
          batch.x.dispose();
          batch.y.dispose();
        }
      }
    }
  } finally {
    modules.forEach((m, i) => {
      m.training = modes[i]!;
    });
  }
  if (count === 0) throw new TensorError('INVALID_ARGUMENT', op, 'data has no examples');
  return { clean: clean / count, robust: robust / count, count };
}
