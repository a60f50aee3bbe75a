/** Discriminative learning rates: optimizer parameter groups chosen by name. */
import { TensorError } from '@tessera/tensor-core';
import type { AnyModule, Parameter } from '@tessera/layers';
import type { BaseOptimizerOptions, ParamGroupInput } from '@tessera/optim';
import { checkOptions, describeValue } from './options.js';
import { requireModule, select, type ParameterSelector } from './select.js';

/**
 * One group of {@link discriminativeGroups}: the parameters `select` selects, with the optimizer
 * options that override the optimizer's defaults for them (`lr`, `weightDecay`, ...).
 * @example
 * ```ts
 * const group: GroupSpec<AdamOptions> = { select: /^backbone\./, lr: 1e-5 };
 * ```
 */
export type GroupSpec<O extends BaseOptimizerOptions = BaseOptimizerOptions> = Partial<O> & {
  /** One selector or several (see {@link ParameterSelector}). */
  readonly select: ParameterSelector | readonly ParameterSelector[];
};

/** Options of {@link discriminativeGroups}. */
export interface DiscriminativeGroupsOptions {
  /**
   * What to do with parameters no group selects: `'error'` (default) throws, naming them;
   * `'default'` puts them in a last group with the optimizer's defaults; `'exclude'` leaves them
   * out of the optimizer (they never train, even when unfrozen later).
   */
  readonly rest?: 'error' | 'default' | 'exclude';
}

/**
 * Parameter groups for an optimizer of `@tessera/optim`, one per spec, so the pretrained backbone
 * learns slowly and the new head fast (ULMFiT's discriminative fine-tuning). A parameter goes to
 * the first spec that selects it. Frozen parameters are included, so that a later `unfreeze`
 * (for example by {@link GradualUnfreezing}) trains them at their group's rate without rebuilding
 * the optimizer.
 *
 * @throws TensorError `INVALID_ARGUMENT` when `model` is not a Module, a spec is malformed or
 *   selects nothing, a spec selects only parameters an earlier spec took, or (with `rest: 'error'`)
 *   some parameters belong to no group.
 * @example
 * ```ts
 * const groups = discriminativeGroups<AdamOptions>(model, [
 *   { select: 'backbone', lr: 1e-4 },
 *   { select: 'head', lr: 1e-3 },
 * ]);
 * const optimizer = new Adam(groups, { lr: 1e-3 });
 * ```
 */
export function discriminativeGroups<O extends BaseOptimizerOptions = BaseOptimizerOptions>(
  model: AnyModule,
  specs: readonly GroupSpec<NoInfer<O>>[],
  options?: DiscriminativeGroupsOptions,
): ParamGroupInput<O>[] {
  const op = 'discriminativeGroups';
  requireModule(op, model);
  const { rest = 'error' } = checkOptions(op, options, ['rest']);
  if (!['error', 'default', 'exclude'].includes(rest)) {
    throw new TensorError('INVALID_ARGUMENT', op, `rest must be 'error', 'default' or 'exclude', got ${describeValue(rest)}`);
  }
  if (!Array.isArray(specs) || specs.length === 0) {
    throw new TensorError('INVALID_ARGUMENT', op, `specs must be a non-empty array of { select, ...optimizer options }, got ${describeValue(specs)}`);
  }
  const taken = new Set<Parameter>();
  const groups: ParamGroupInput<O>[] = specs.map((spec, i) => {
    if (typeof spec !== 'object' || spec === null || !('select' in spec)) {
      throw new TensorError('INVALID_ARGUMENT', op, `specs[${i}] must be an object { select, ...optimizer options }, got ${describeValue(spec)}`);
    }
    const { select: selector, ...hyper } = spec;
    const selectors = (Array.isArray(selector) ? selector : [selector]) as ParameterSelector[];
    const params = select(op, model, selectors).map(([, p]) => p).filter((p) => !taken.has(p));
    if (params.length === 0) {
      throw new TensorError('INVALID_ARGUMENT', op, `specs[${i}] selects only parameters that earlier specs already took; order specs from the most specific to the most general`);
    }
    for (const p of params) taken.add(p);
    return { ...hyper, params } as unknown as ParamGroupInput<O>;
  });
  const left = model.namedParameters().filter(([, p]) => !taken.has(p));
  if (left.length > 0) {
    if (rest === 'error') {
      throw new TensorError('INVALID_ARGUMENT', op, `no group selects ${left.length} parameter${left.length > 1 ? 's' : ''}: ${left.map(([n]) => n).join(', ')}; add a spec for them or pass { rest: 'default' }`);
    }
    if (rest === 'default') groups.push({ params: left.map(([, p]) => p) } as unknown as ParamGroupInput<O>);
  }
  return groups;
}
