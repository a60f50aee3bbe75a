/**
 * Adversarial training through `fit`'s public API: the training data is wrapped in a batch
 * iterable that replaces each batch's inputs by the attack's adversarial examples against the
 * model as it is at that step (Madry et al.'s min-max training with PGD, or Wong et al.'s fast
 * FGSM with a random start). `fit` reads the batches one at a time, so each attack sees the
 * weights of the previous step; no change to `fit` is needed.
 */
import { describeValue, check, concat, gather, tensor, TensorError, tidy, type Tensor } from '@tessera/tensor-core';
import { fit, permutation, type FitOptions, type History } from '@tessera/train';
import { Module } from '@tessera/layers';
import type { Attack, AttackableModel } from './attacks.js';
import { unpack, type LabelledData } from './evaluate.js';

/** Options of {@link adversarialData}. */
export interface AdversarialDataOptions {
  /** Examples per batch for `{ x, y }` data (default 32; batch iterables keep their own). */
  readonly batchSize?: number;
  /** Reshuffle `{ x, y }` data every pass (default true). */
  readonly shuffle?: boolean;
  /** Seed of the shuffle (default 0). */
  readonly seed?: number;
  /**
   * The model's mode while the attack runs (default `'eval'`: no dropout noise in the attack's
   * gradients, batch norm with running statistics; each module's mode is restored for the training
   * step). `'train'` attacks the model in training mode, as Wong et al.'s code does.
   */
  readonly attackMode?: 'eval' | 'train';
  /**
   * Fraction of each batch that is attacked (default 1: Madry's purely adversarial training); 0.5
   * trains on half clean, half adversarial examples, as Goodfellow et al.
   */
  readonly fraction?: number;
}

const DATA_KEYS = ['batchSize', 'shuffle', 'seed', 'attackMode', 'fraction'] as const;

/** A batch iterable for `fit`, with its number of batches when known. */
export interface AdversarialBatches extends AsyncIterable<[Tensor, Tensor]> {
  /** Batches per pass (for `{ x, y }` data and iterables with a length). */
  readonly length?: number;
}

/**
 * Wraps `data` so that every batch's inputs are replaced by `attack`'s adversarial examples against
 * `model` at the moment the batch is read: pass it as `fit`'s `data` for adversarial training. The
 * yielded batches are new tensors that `fit` frees after each step.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a model that is not a Module, an attack without
 *   `generate`, unknown or bad options, or data that is neither tensors nor batches.
 * @example
 * ```ts
 * const attack = pgd({ epsilon: 0.3, stepSize: 0.01, steps: 40 });
 * await fit(model, { data: adversarialData(model, { x, y }, attack, { batchSize: 50 }), epochs: 10, optimizer, loss: crossEntropy });
 * ```
 */
export function adversarialData(model: AttackableModel, data: LabelledData, attack: Attack, options: AdversarialDataOptions = {}): AdversarialBatches {
  const op = 'adversarialData';
  if (!(model instanceof Module)) throw new TensorError('INVALID_ARGUMENT', op, `model must be a Module of @tessera/layers, got ${describeValue(model)}`);
  if (typeof attack !== 'object' || attack === null || typeof (attack as Attack).generate !== 'function') {
    throw new TensorError('INVALID_ARGUMENT', op, `attack must be an Attack (fgsm(...), pgd(...)), got ${describeValue(attack)}`);
  }
  const checks = check.all(op);
  checks.options(options, DATA_KEYS, { required: true });
  const batchSize = checks.int('batchSize', options?.batchSize ?? 32, { min: 1 });
  const shuffle = checks.boolean('shuffle', options?.shuffle ?? true);
  const seed = checks.int('seed', options?.seed ?? 0, { min: 0, max: 2 ** 32 - 1 });
  const attackMode = checks.oneOf('attackMode', options?.attackMode ?? 'eval', ['eval', 'train'] as const);
  checks.done();
  const fraction = options.fraction ?? 1;
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction <= 1)) throw new TensorError('INVALID_ARGUMENT', op, `fraction must be a number in (0, 1], got ${describeValue(fraction)}`);
  const pair = typeof data === 'object' && data !== null && 'x' in data && 'y' in data ? (data as { x: Tensor; y: Tensor }) : undefined;
  if (!pair && (typeof data !== 'object' || data === null || (!(Symbol.iterator in data) && !(Symbol.asyncIterator in data)))) {
    throw new TensorError('INVALID_ARGUMENT', op, `data must be { x, y } tensors or an iterable of [x, y] batches, got ${describeValue(data)}`);
  }
  const sourceLength = (data as { length?: unknown }).length;
  const length = pair ? Math.ceil(pair.x.shape[0]! / batchSize) : typeof sourceLength === 'number' ? sourceLength : undefined;
  // A loader's batches are freed by whoever reads them unless it says it owns them.
  const sourceOwnsBatches = !pair && (Array.isArray(data) || (data as { ownsBatches?: unknown }).ownsBatches === true);
  let pass = 0;

  const attackBatch = (x: Tensor, y: Tensor): [Tensor, Tensor] => {
    const modules = model.modules();
    const modes = modules.map((m) => m.training);
    if (attackMode === 'eval') model.eval();
    else model.train(true);
    try {
      return tidy(() => {
        const n = x.shape[0]!;
        const attacked = Math.max(1, Math.round(n * fraction));
        if (attacked === n) return [attack.generate(model, x, y), y.clone()];
        const head = x.slice([0], [attacked], undefined, [0]);
        const adversarial = attack.generate(model, head, y.slice([0], [attacked], undefined, [0]));
        return [concat([adversarial, x.slice([attacked], [n], undefined, [0])], 0), y.clone()];
      });
    } finally {
      modules.forEach((m, i) => {
        m.training = modes[i]!;
      });
    }
  };

  async function* batches(): AsyncGenerator<[Tensor, Tensor]> {
    const epoch = pass++;
    if (pair) {
      const n = pair.x.shape[0]!;
      const order = shuffle ? permutation(n, (seed + Math.imul(epoch, 0x9e3779b1)) >>> 0) : undefined;
      for (let start = 0; start < n; start += batchSize) {
        const end = Math.min(n, start + batchSize);
        const [bx, by] = tidy(() => {
          if (!order) return [pair.x.slice([start], [end], undefined, [0]), pair.y.slice([start], [end], undefined, [0])];
          const index = tensor(order.subarray(start, end), [end - start], { dtype: 'int32', backend: pair.x.backend });
          return [gather(pair.x, index, 0), gather(pair.y, index, 0)];
        });
        try {
          yield attackBatch(bx!, by!);
        } finally {
          bx!.dispose();
          by!.dispose();
        }
      }
      return;
    }
    let index = 0;
    for await (const raw of data as AsyncIterable<unknown>) {
      const { x, y } = unpack(op, raw, index++);
      try {
        yield attackBatch(x, y);
      } finally {
        if (!sourceOwnsBatches) {
          x.dispose();
          y.dispose();
        }
      }
    }
  }

  return {
    ...(length === undefined ? {} : { length }),
    [Symbol.asyncIterator]: () => batches(),
  };
}

/** Options of {@link adversarialFit}: `fit`'s options with the attack. */
export interface AdversarialFitOptions extends Omit<FitOptions, 'validationSplit'> {
  /** The attack that makes each training batch adversarial (`pgd(...)` for Madry, `fgsm({ randomStart: true, ... })` for fast training). */
  readonly attack: Attack;
  /** The model's mode while the attack runs (see {@link AdversarialDataOptions.attackMode}). */
  readonly attackMode?: 'eval' | 'train';
  /** Fraction of each batch that is attacked (see {@link AdversarialDataOptions.fraction}). */
  readonly adversarialFraction?: number;
}

/**
 * `fit` with adversarial training: the same options as `@tessera/train`'s `fit` (callbacks,
 * validation on clean data, metrics, ...) plus an `attack`; every training batch is replaced by
 * adversarial examples against the current weights ({@link adversarialData}). Validation data
 * stays clean; measure robustness with {@link robustAccuracy}.
 *
 * @returns `fit`'s `History`.
 * @throws TensorError as `fit`, and as {@link adversarialData}; `INVALID_ARGUMENT` for
 *   `validationSplit` (split the data yourself and pass `validation`).
 * @example
 * ```ts
 * await adversarialFit(model, {
 *   data: { x: trainImages, y: trainLabels }, epochs: 5, batchSize: 50,
 *   optimizer: new Adam(model.parameters(), { lr: 1e-3 }), loss: crossEntropy,
 *   attack: fgsm({ epsilon: 0.3, stepSize: 0.375, randomStart: true }), // Wong et al.
 * });
 * ```
 */
export async function adversarialFit(model: AttackableModel, options: AdversarialFitOptions): Promise<History> {
  const op = 'adversarialFit';
  if (typeof options !== 'object' || options === null) throw new TensorError('INVALID_ARGUMENT', op, `options must be an object, got ${describeValue(options)}`);
  if ('validationSplit' in options) throw new TensorError('INVALID_ARGUMENT', op, 'validationSplit is not supported: split the data yourself and pass validation');
  const { attack, attackMode, adversarialFraction, data, ...rest } = options;
  const wrapped = adversarialData(model, data as LabelledData, attack, {
    ...(rest.batchSize === undefined ? {} : { batchSize: rest.batchSize }),
    ...(rest.shuffle === undefined ? {} : { shuffle: rest.shuffle }),
    ...(rest.seed === undefined ? {} : { seed: rest.seed }),
    ...(attackMode === undefined ? {} : { attackMode }),
    ...(adversarialFraction === undefined ? {} : { fraction: adversarialFraction }),
  });
  return fit(model, { ...rest, data: wrapped });
}
