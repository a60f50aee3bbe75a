import { opSpecs, type GradRule } from '@tessera/tensor-core';

/**
 * Every gradient rule, by the op name tensor-core records: a view of tensor-core's op table,
 * where each rule is defined beside its op with the tensors it saves (`getOpSpec(name).gradient`).
 *
 * @example
 * ```ts
 * Object.keys(gradientRules).includes('conv2d'); // true
 * ```
 */
export const gradientRules: Readonly<Record<string, GradRule>> = Object.freeze(
  Object.fromEntries(
    Object.values(opSpecs()).flatMap((spec) => (spec.gradient === 'none' ? [] : [[spec.name, spec.gradient.rule as GradRule] as const])),
  ),
);
