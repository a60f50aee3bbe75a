/**
 * `@tessera/privacy`: differentially private training. DP-SGD as an optimizer wrapper
 * ({@link DPOptimizer}), per-sample gradients ({@link perSampleGradients}), Poisson sampling of
 * batches ({@link PoissonSampler}) and an RDP accountant for the sampled Gaussian mechanism
 * ({@link RdpAccountant}) that turns the training run into an (ε, δ) guarantee.
 *
 * @example
 * ```ts
 * import { DPOptimizer, PoissonSampler, perSampleGradients } from '@tessera/privacy';
 * const sampler = new PoissonSampler({ datasetSize: n, expectedBatchSize: 256, seed: 1 });
 * const dp = new DPOptimizer(new SGD(model.parameters(), { lr: 0.32 }), {
 *   noiseMultiplier: 1.2, maxGradNorm: 1, expectedBatchSize: 256, datasetSize: n, seed: 2,
 * });
 * for (const indices of sampler.epoch(0)) {
 *   const rows = tensor(indices, [indices.length], { dtype: 'int32' });
 *   const [x, y] = [images.indexSelect(0, rows), labels.indexSelect(0, rows)];
 *   const psg = perSampleGradients(model, (xb, yb) => crossEntropy(model.forward(xb), yb, { reduction: 'none' }), [x, y]);
 *   dp.step(psg);
 *   dispose([[...psg.grads.values()], psg.losses, rows, x, y]);
 * }
 * dp.getEpsilon(1e-5);
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
