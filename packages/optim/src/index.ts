/**
 * `@tessera/optim`: optimizers (SGD, Adam, AdamW, RMSprop, Adagrad, Lion) with parameter groups
 * and state dicts, learning-rate schedulers, and gradient clipping. The update formulas are
 * PyTorch's, checked against torch trajectories to float32 rounding.
 *
 * @example
 * ```ts
 * import { Adam, CosineAnnealingLR, clipGradNorm } from '@tessera/optim';
 * const opt = new Adam(model.parameters(), { lr: 1e-3 });
 * const scheduler = new CosineAnnealingLR(opt, { tMax: epochs });
 * for (let epoch = 0; epoch < epochs; epoch++) {
 *   const grads = backward(loss());
 *   const { grads: clipped, totalNorm } = clipGradNorm(grads, 1);
 *   opt.step(clipped);
 *   dispose([grads, clipped, totalNorm]);
 *   scheduler.step();
 * }
 * ```
 */
export {
  Optimizer,
  type BaseOptimizerOptions,
  type ParamGroup,
  type ParamGroupInput,
  type Params,
  type ParamState,
  type OptimizerStateDict,
  type StepOptions,
} from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
export { Adagrad, type AdagradOptions } from './adagrad.js';
export { Lion, type LionOptions } from './lion.js';
export {
  LRScheduler,
  StepLR,
  MultiStepLR,
  ExponentialLR,
  LinearLR,
  LambdaLR,
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  type AnyOptimizer,
  type SchedulerGroup,
  type LRSchedulerStateDict,
  type StepLROptions,
  type MultiStepLROptions,
  type ExponentialLROptions,
  type LinearLROptions,
  type LambdaLROptions,
  type LrLambda,
  type CosineAnnealingLROptions,
  type CosineAnnealingWarmRestartsOptions,
} from './lr-scheduler.js';
export { OneCycleLR, type OneCycleLROptions } from './one-cycle-lr.js';
export { SequentialLR, type SequentialLROptions } from './sequential-lr.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions, type ReduceLROnPlateauStateDict } from './reduce-lr-on-plateau.js';
export { clipGradNorm, clipGradValue, type ClipGradNormOptions, type ClipGradNormResult } from './clip-grad.js';
