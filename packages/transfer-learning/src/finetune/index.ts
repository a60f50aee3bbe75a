/** Fine-tuning workflows: freezing by name, BatchNorm policy, discriminative learning rates, gradual unfreezing, feature extraction. */
export { selectParameters, type ParameterSelector } from './select.js';
export {
  freeze,
  unfreeze,
  setBatchNormPolicy,
  batchNormPolicyOf,
  trainableSummary,
  type BatchNormPolicy,
  type FreezeOptions,
  type FreezeResult,
} from './freeze.js';
export { discriminativeGroups, type GroupSpec, type DiscriminativeGroupsOptions } from './param-groups.js';
export { GradualUnfreezing, type GradualUnfreezingOptions, type UnfreezeStage } from './gradual-unfreezing.js';
export { extractFeatures, type ExtractFeaturesOptions, type FeatureSet, type LabelledBatch } from './features.js';
export { cut, cutOnnx, cutOnnxBytes } from './cut.js';
