/**
 * Loss functions: plain functions `(prediction, target, options?) => Tensor` with PyTorch's
 * formulas, defaults and reductions (see docs/losses.md). Gradients come from the ops they are
 * built of, so they train through `@tessera/autograd` on every backend.
 *
 * @example
 * ```ts
 * import { crossEntropy } from '@tessera/layers';
 * const loss = crossEntropy(model.forward(x), labels, { labelSmoothing: 0.1 });
 * ```
 */
export { mseLoss, l1Loss, huberLoss, smoothL1Loss, type LossOptions, type HuberLossOptions, type SmoothL1LossOptions } from './regression.js';
export { crossEntropy, nllLoss, type CrossEntropyOptions, type NllLossOptions } from './cross-entropy.js';
export { binaryCrossEntropy, binaryCrossEntropyWithLogits, type BinaryCrossEntropyOptions, type BinaryCrossEntropyWithLogitsOptions } from './binary-cross-entropy.js';
export { klDiv, type KlDivOptions, type KlDivReduction } from './kl-div.js';
export type { Reduction } from './common.js';
