import type { GradRule } from '../tape.js';
import { elementwiseRules } from './elementwise.js';
import { movementRules } from './movement.js';
import { nnRules } from './nn.js';
import { reduceRules } from './reduce.js';

/**
 * Every gradient rule, by the op name tensor-core records (see the files of this folder).
 *
 * @example
 * ```ts
 * Object.keys(gradientRules).includes('conv2d'); // true
 * ```
 */
export const gradientRules: Readonly<Record<string, GradRule>> = {
  ...elementwiseRules,
  ...reduceRules,
  ...movementRules,
  ...nnRules,
};
