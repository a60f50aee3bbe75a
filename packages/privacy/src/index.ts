/**
 * `@tessera/privacy`: differentially private training. DP-SGD as an optimizer wrapper
 * ({@link DPOptimizer}), per-sample gradients ({@link perSampleGradients}), Poisson sampling of
 * batches ({@link PoissonSampler}) and an RDP accountant for the sampled Gaussian mechanism
 * ({@link RdpAccountant}) that turns the training run into an (ε, δ) guarantee.
 *
 * @example
 * ```ts
 * import { DPOptimizer, PoissonSampler, perSampleGradients } from '@tessera/privacy';
 * const sampler = new PoissonSampler({ datasetSize: n, expectedBatchSize: 256, seed: 0 });
 * const dp = new DPOptimizer(new SGD(model.parameters(), { lr: 0.1 }), {
 *   noiseMultiplier: 1.1, maxGradNorm: 1, expectedBatchSize: 256, datasetSize: n, seed: 0,
 * });
 * for (const indices of sampler.epoch(0)) {
 *   const x = images.indexSelect(0, indexTensor(indices));
 *   ...
 * }
 * ```
 */
export { DPOptimizer, type DPOptimizerOptions } from './dp-optimizer.js';
export { PoissonSampler, type PoissonSamplerOptions } from './poisson-sampler.js';
export { perSampleGradients, type PerSampleGradients, type PerSampleGradientsOptions, type PerSampleLossFn } from './per-sample-grads.js';
export { RdpAccountant, type RdpAccountantOptions, type AccountantStep, type GetEpsilonOptions } from './accountant.js';
export {
  DEFAULT_RDP_ORDERS,
  computeRdp,
  rdpToEpsilon,
  logErfc,
  type RdpConversion,
  type RdpToEpsilonOptions,
  type PrivacySpent,
} from './rdp.js';
