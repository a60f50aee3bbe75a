/** Gradual unfreezing (ULMFiT): a training callback that unfreezes more of the model each epoch. */
import { TensorError } from '@tessera/tensor-core';
import type { AnyModule } from '@tessera/layers';
import { unfreeze, type BatchNormPolicy } from './freeze.js';
import { checkInt, checkOptions, describeValue } from './options.js';
import { requireModule, select, type ParameterSelector } from './select.js';

/** One step of a {@link GradualUnfreezing} schedule. */
export interface UnfreezeStage {
  /** The epoch (0-based) at whose start the parameters are unfrozen. */
  readonly epoch: number;
  /** What to unfreeze (see {@link ParameterSelector}). */
  readonly unfreeze: ParameterSelector | readonly ParameterSelector[];
}

/** Options of {@link GradualUnfreezing}. */
export interface GradualUnfreezingOptions {
  /** The stages, in any order; several may share an epoch. */
  readonly stages: readonly UnfreezeStage[];
  /**
   * Policy for the BatchNorm layers of each stage as it is unfrozen (default: leave their
   * statistics frozen, the recommendation of {@link BatchNormPolicy}).
   */
  readonly batchNorm?: BatchNormPolicy;
  /**
   * Freeze everything the stages name when training begins (default true), so each run starts
   * from the same split. Parameters no stage names (the new head) are left as they are.
   */
  readonly freezeAtStart?: boolean;
}

/**
 * A `fit` callback that unfreezes the model in stages, from the head down (ULMFiT's gradual
 * unfreezing): at the start of each stage's epoch, its parameters start to train. Combined with
 * {@link discriminativeGroups}, the lower layers train at a lower rate once they thaw.
 *
 * It implements `onTrainBegin` and `onEpochBegin` of `@tessera/train`'s `Callback` interface
 * structurally (this package does not depend on train). `fit` of `@tessera/train` collects the
 * trainable parameters again after `onEpochBegin`, so parameters unfrozen there train in that
 * epoch; build the optimizer over `model.parameters()` (frozen ones included) or over
 * {@link discriminativeGroups}, so it already holds them.
 *
 * Stages at epochs before the run's first epoch (a resumed run, `initialEpoch`) are applied at
 * that first epoch.
 *
 * @throws TensorError `INVALID_ARGUMENT` when `model` is not a Module, an option is unknown or
 *   invalid, or a stage's selector selects nothing.
 * @example
 * ```ts
 * freeze(model, 'backbone');
 * const optimizer = new Adam(discriminativeGroups(model, [
 *   { select: 'backbone', lr: 1e-4 }, { select: 'head', lr: 1e-3 },
 * ]), { lr: 1e-3 });
 * await fit(model, { data, loss: crossEntropy, optimizer, epochs: 6, callbacks: [
 *   new GradualUnfreezing(model, { stages: [
 *     { epoch: 2, unfreeze: 'backbone.2' },
 *     { epoch: 4, unfreeze: 'backbone' },
 *   ] }),
 * ] });
 * ```
 */
export class GradualUnfreezing {
  readonly #model: AnyModule;
  readonly #stages: { epoch: number; selectors: ParameterSelector[] }[];
  readonly #batchNorm: BatchNormPolicy | undefined;
  readonly #freezeAtStart: boolean;
  #applied = new Set<number>();

  constructor(model: AnyModule, options: GradualUnfreezingOptions) {
    const op = 'GradualUnfreezing';
    requireModule(op, model);
    if (options === undefined) throw new TensorError('INVALID_ARGUMENT', op, 'options { stages } required');
    const o = checkOptions(op, options, ['stages', 'batchNorm', 'freezeAtStart']);
    if (!Array.isArray(o.stages) || o.stages.length === 0) {
      throw new TensorError('INVALID_ARGUMENT', op, `stages must be a non-empty array of { epoch, unfreeze }, got ${describeValue(o.stages)}`);
    }
    this.#stages = o.stages.map((stage, i) => {
      const s = checkOptions(`${op} stages[${i}]`, stage, ['epoch', 'unfreeze']);
      const epoch = checkInt(op, `stages[${i}].epoch`, s.epoch, 0);
      const selectors = (Array.isArray(s.unfreeze) ? s.unfreeze : [s.unfreeze]) as ParameterSelector[];
      if (selectors.length === 0 || s.unfreeze === undefined) throw new TensorError('INVALID_ARGUMENT', op, `stages[${i}].unfreeze must name what to unfreeze`);
      select(op, model, selectors); // every selector must select something, now rather than mid-training
      return { epoch, selectors };
    });
    if (o.batchNorm !== undefined && o.batchNorm !== 'frozen' && o.batchNorm !== 'train') {
      throw new TensorError('INVALID_ARGUMENT', op, `batchNorm must be 'frozen' or 'train', got ${describeValue(o.batchNorm)}`);
    }
    if (o.freezeAtStart !== undefined && typeof o.freezeAtStart !== 'boolean') {
      throw new TensorError('INVALID_ARGUMENT', op, `freezeAtStart must be a boolean, got ${describeValue(o.freezeAtStart)}`);
    }
    this.#model = model;
    this.#batchNorm = o.batchNorm;
    this.#freezeAtStart = o.freezeAtStart ?? true;
  }

  /** The epochs at which stages begin, sorted. */
  get epochs(): number[] {
    return [...new Set(this.#stages.map((s) => s.epoch))].sort((a, b) => a - b);
  }

  /** Freezes what the stages will unfreeze (with `freezeAtStart`), so each run starts from the same split. */
  onTrainBegin(): void {
    this.#applied = new Set();
    if (!this.#freezeAtStart) return;
    const everything = this.#stages.flatMap((s) => s.selectors);
    // Parameters only: the BatchNorm statistics keep the policy the user chose before fit.
    for (const [, p] of select('GradualUnfreezing', this.#model, everything)) p.requiresGrad = false;
  }

  /** Unfreezes the stages due at `epoch` (and any earlier ones not applied yet). */
  onEpochBegin(epoch: number): void {
    this.#stages.forEach((stage, i) => {
      if (stage.epoch > epoch || this.#applied.has(i)) return;
      this.#applied.add(i);
      if (this.#batchNorm === undefined) unfreeze(this.#model, ...stage.selectors);
      else unfreeze(this.#model, ...stage.selectors, { batchNorm: this.#batchNorm });
    });
  }
}
