/**
 * `@tessera/robust`: adversarial robustness for any `Module`. Attacks (FGSM, PGD with L∞ and L2
 * budgets, random starts, clipping to the valid input range) with torchattacks' update rules,
 * `robustAccuracy`, and adversarial training through `fit` (Madry's PGD training, Wong's fast FGSM
 * training), on every backend.
 *
 * @example
 * ```ts
 * import { pgd, fgsm, robustAccuracy, adversarialFit } from '@tessera/robust';
 * const attack = pgd({ epsilon: 0.3, stepSize: 0.01, steps: 40 });
 * console.log(await robustAccuracy(model, { x: testImages, y: testLabels }, attack)); // { clean, robust, count }
 * await adversarialFit(model, { data: train, epochs: 5, optimizer, loss: crossEntropy, attack: fgsm({ epsilon: 0.3, stepSize: 0.375, randomStart: true }) });
 * ```
 */
export { fgsm, pgd, type Attack, type AttackableModel, type AttackLoss, type FgsmOptions, type PgdOptions } from './attacks.js';
export { robustAccuracy, type LabelledData, type RobustAccuracyOptions, type RobustAccuracyResult } from './evaluate.js';
export { adversarialData, adversarialFit, type AdversarialBatches, type AdversarialDataOptions, type AdversarialFitOptions } from './training.js';
