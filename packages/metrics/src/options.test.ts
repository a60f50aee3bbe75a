/** Every options object of metrics rejects unknown keys with `UNKNOWN_OPTION` (issue 14). */
import { describe, expect, it } from 'vitest';
import { TensorError } from '@tessera/tensor-core';
import * as M from './index.js';

const X = { zz_unknown: 1 } as never;
const p = [0, 1, 1];
const t = [0, 1, 0];

async function expectUnknown(run: () => unknown, message: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await run();
  } catch (e) {
    caught = e;
  }
  expect(TensorError.is(caught), `expected a TensorError, got ${String(caught)}`).toBe(true);
  expect((caught as TensorError).code, (caught as TensorError).message).toBe('UNKNOWN_OPTION');
  expect((caught as TensorError).message).toMatch(message);
}

const CASES: Array<[string, () => unknown]> = [
  ['Accuracy', () => new M.Accuracy(X)],
  ['accuracy', () => M.accuracy(p, t, X)],
  ['Precision', () => new M.Precision(X)],
  ['Recall', () => new M.Recall(X)],
  ['FBeta', () => new M.FBeta({ beta: 2, ...(X as object) })],
  ['F1Score', () => new M.F1Score(X)],
  ['ConfusionMatrix', () => new M.ConfusionMatrix(X)],
  ['MatthewsCorrCoef', () => new M.MatthewsCorrCoef(X)],
  ['CohenKappa', () => new M.CohenKappa(X)],
  ['precision', () => M.precision(p, t, X)],
  ['recall', () => M.recall(p, t, X)],
  ['fbeta', () => M.fbeta(p, t, { beta: 2, ...(X as object) })],
  ['f1Score', () => M.f1Score(p, t, X)],
  ['confusionMatrix', () => M.confusionMatrix(p, t, X)],
  ['matthewsCorrCoef', () => M.matthewsCorrCoef(p, t, X)],
  ['cohenKappa', () => M.cohenKappa(p, t, X)],
  ['AUROC', () => new M.AUROC(X)],
  ['AveragePrecision', () => new M.AveragePrecision(X)],
  ['auroc', () => M.auroc([0.1, 0.9], [0, 1], X)],
  ['averagePrecision', () => M.averagePrecision([0.1, 0.9], [0, 1], X)],
  ['rocCurve', () => M.rocCurve([0.1, 0.9], [0, 1], X)],
  ['LogLoss', () => new M.LogLoss(X)],
  ['logLoss', () => M.logLoss([0.1, 0.9], [0, 1], X)],
  ['R2Score', () => new M.R2Score(X)],
  ['r2Score', () => M.r2Score([1, 2], [1, 3], X)],
  ['confusionMatrixSvg', () => M.confusionMatrixSvg([[1, 0], [0, 1]], X)],
  ['rocCurveSvg', () => M.rocCurveSvg({ fpr: [0, 1], tpr: [0, 1] }, X)],
  ['precisionRecallCurveSvg', () => M.precisionRecallCurveSvg({ precision: [1, 1], recall: [1, 0] }, X)],
];

describe('metrics options: unknown keys are rejected', () => {
  it.each(CASES)('%s', async (name, run) => {
    void name;
    await expectUnknown(run, /unknown option 'zz_unknown'; valid options: \w+/);
  });

  it('suggests the camelCase spelling; F1 takes no beta', async () => {
    await expectUnknown(() => M.accuracy(p, t, { num_classes: 3 } as never), /did you mean 'numClasses'/);
    await expectUnknown(() => M.f1Score(p, t, { zero_division: 1 } as never), /did you mean 'zeroDivision'/);
    await expectUnknown(() => M.f1Score(p, t, { beta: 2 } as never), /^f1Score: unknown option 'beta'/);
  });
});
