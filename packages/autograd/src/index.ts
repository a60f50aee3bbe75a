/**
 * `@tessera/autograd`: reverse-mode automatic differentiation for Tessera, recorded through
 * tensor-core's `observe` hook. Importing it runs nothing: `enableAutograd()` (which every
 * autograd function calls) attaches the recorder; ops on tensors that need no gradient are not
 * recorded.
 *
 * @example
 * ```ts
 * import { randn, tensor, type Tensor } from '@tessera/tensor-core';
 * import { backward, enableAutograd, valueAndGrad } from '@tessera/autograd';
 *
 * enableAutograd(); // once, before the first forward pass on requiresGrad tensors
 * const lossOf = (w: Tensor) => x.matmul(w).sub(y).square().mean();
 * const { value, grads: [dw] } = valueAndGrad(lossOf)(w);      // functional (JAX, tfjs)
 * const w2 = randn([3, 1], { seed: 0, requiresGrad: true });
 * const dw2 = backward(lossOf(w2)).get(w2);                    // PyTorch style
 * ```
 */
export { backward, grad, valueAndGrad, noGrad, detach, stopGradient, customGrad } from './api.js';
export type { BackwardOptions, Gradients, GradOptions, CustomGradResult } from './api.js';
export { checkGradients } from './check.js';
export type { CheckGradientsOptions, GradientCheckReport, GradientComparison } from './check.js';
export { unbroadcast } from './unbroadcast.js';
export { gradientRules } from './gradients/index.js';
export { enableAutograd, isAutogradEnabled, tapeSize, sweep as releaseUnusedRecords, type GradRule, type SavedOp } from './tape.js';
