/**
 * Every loss against PyTorch (src/fixtures/losses.json, scripts/generate-loss-fixtures.py):
 * values in float32 (rtol 1e-5: a few float32 roundings in logSoftmax and the reductions), the
 * input gradient in float64 against torch's autograd (1e-9), and finite differences with
 * checkGradients (float64). Literal cases document the formulas.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend, tensor, tidy, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { checkGradients, grad } from '@tessera/autograd';
import { binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy, huberLoss, klDiv, l1Loss, mseLoss, nllLoss, smoothL1Loss } from './index.js';
import { expectClose, expectNoLeaks, fromFixture, readFixture, type FixtureTensor } from './test-utils/helpers.js';

interface LossCase {
  name: string;
  fn: string;
  options: Record<string, unknown>;
  tensors: Record<string, FixtureTensor>;
  input: FixtureTensor;
  target: FixtureTensor;
  expected: { shape: number[]; values: (number | null)[] };
  grad: number[] | null;
}

const fixtures = readFixture<{ generatedWith: string; cases: LossCase[] }>('losses.json');

type LossFn = (prediction: Tensor, target: Tensor, options?: object) => Tensor;
const LOSSES: Record<string, LossFn> = {
  mseLoss,
  l1Loss,
  huberLoss,
  smoothL1Loss,
  crossEntropy,
  nllLoss,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  klDiv,
};

beforeAll(async () => {
  await setBackend(cpu());
});

/** Runs a fixture case in `dtype`, returning the loss and a disposer for the inputs. */
function run(c: LossCase, dtype: 'float32' | 'float64', input?: Tensor): { out: Tensor; free: () => void } {
  const x = input ?? fromFixture(c.input, dtype);
  const target = fromFixture(c.target, dtype);
  const extra = Object.fromEntries(Object.entries(c.tensors).map(([k, v]) => [k, fromFixture(v, dtype)]));
  const out = LOSSES[c.fn]!(x, target, { ...c.options, ...extra });
  return {
    out,
    free: () => {
      if (input === undefined) x.dispose();
      target.dispose();
      for (const t of Object.values(extra)) t.dispose();
    },
  };
}

describe(`losses match PyTorch (${fixtures.generatedWith})`, () => {
  it('covers every loss', () => {
    expect(new Set(fixtures.cases.map((c) => c.fn))).toEqual(new Set(Object.keys(LOSSES)));
  });

  for (const c of fixtures.cases) {
    it(`${c.name}: value (float32)`, async () => {
      await expectNoLeaks(async () => {
        const { out, free } = run(c, 'float32');
        expect(out.shape).toEqual(c.expected.shape);
        expect(out.dtype).toBe('float32');
        expectClose(await out.data(), c.expected.values, 1e-5, 1e-6, c.name);
        out.dispose();
        free();
      });
    });
    if (c.grad === null) continue;
    it(`${c.name}: gradient (float64) vs torch and finite differences`, async () => {
      await expectNoLeaks(async () => {
        const x = fromFixture(c.input, 'float64');
        const [dx] = grad((xi: Tensor) =>
          tidy(() => {
            const { out, free } = run(c, 'float64', xi);
            free();
            return out.sum();
          }),
        )(x);
        expectClose(await dx.data(), c.grad!, 1e-9, 1e-12, `${c.name} grad`);
        dx.dispose();
        const target = fromFixture(c.target, 'float64');
        const extra = Object.fromEntries(Object.entries(c.tensors).map(([k, v]) => [k, fromFixture(v, 'float64')]));
        await checkGradients((xi) => LOSSES[c.fn]!(xi, target, { ...c.options, ...extra }).sum(), [x], { name: c.name });
        x.dispose();
        target.dispose();
        for (const t of Object.values(extra)) t.dispose();
      });
    });
  }
});

const f64 = (values: number[], shape?: number[]): Tensor => tensor(values, shape, { dtype: 'float64' });
const labels = (values: number[], shape?: number[]): Tensor => tensor(values, shape, { dtype: 'int32' });

describe('literal values', () => {
  it('mse, l1, huber and smoothL1 on a small case', async () => {
    const a = tensor([0, 0, 0]);
    const b = tensor([0.5, 3, -1]);
    expect(await mseLoss(a, b).item()).toBeCloseTo((0.25 + 9 + 1) / 3, 6);
    expect(await l1Loss(a, b, { reduction: 'sum' }).item()).toBeCloseTo(4.5, 6);
    expect(Array.from(await huberLoss(a, b, { reduction: 'none' }).data())).toEqual([0.125, 2.5, 0.5]);
    expect(Array.from(await smoothL1Loss(a, b, { reduction: 'none', beta: 2 }).data())).toEqual([0.0625, 2, 0.25]);
    expect(Array.from(await smoothL1Loss(a, b, { reduction: 'none', beta: 0 }).data())).toEqual([0.5, 3, 1]);
  });

  it('crossEntropy equals logSumExp minus the target logit', async () => {
    const logits = tensor([[1, 2, 3]]);
    const expected = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 2;
    expect(await crossEntropy(logits, labels([1])).item()).toBeCloseTo(expected, 6);
  });

  it('crossEntropy with every target ignored is NaN under mean (as PyTorch) and 0 under sum', async () => {
    const logits = tensor([[1, 2], [3, 4]]);
    expect(Number.isNaN(await crossEntropy(logits, labels([-100, -100])).item())).toBe(true);
    expect(await crossEntropy(logits, labels([-100, -100]), { reduction: 'sum' }).item()).toBe(0);
  });

  it('an ignored target gets a zero gradient', async () => {
    const logits = f64([1, 2, 3, 4, 5, 6], [2, 3]);
    const [d] = grad((x: Tensor) => crossEntropy(x, labels([2, -100]), { labelSmoothing: 0.2 }))(logits);
    const values = Array.from(await d.data());
    expect(values.slice(3)).toEqual([0, 0, 0]);
    expect(values.slice(0, 3).some((v) => v !== 0)).toBe(true);
  });

  it('binaryCrossEntropyWithLogits is finite for huge logits', async () => {
    const out = binaryCrossEntropyWithLogits(tensor([1000, -1000, 1000]), tensor([1, 0, 0]), { reduction: 'none' });
    expect(Array.from(await out.data())).toEqual([0, 0, 1000]);
  });

  it('binaryCrossEntropy has a finite gradient at probabilities 0 and 1', async () => {
    const [d] = grad((p: Tensor) => binaryCrossEntropy(p, f64([0, 1, 0.5])))(f64([0, 1, 0.5]));
    const values = Array.from(await d.data());
    expect(values.every(Number.isFinite)).toBe(true);
  });

  it('klDiv is zero for identical distributions and batchmean divides by the batch', async () => {
    const p = tensor([[0.2, 0.8], [0.5, 0.5]]);
    const logp = p.log();
    expect(await klDiv(logp, p).item()).toBeCloseTo(0, 7);
    const q = tensor([[0.5, 0.5], [0.5, 0.5]]).log();
    const kl = 0.2 * Math.log(0.2 / 0.5) + 0.8 * Math.log(0.8 / 0.5);
    expect(await klDiv(q, p).item()).toBeCloseTo(kl / 2, 6);
    expect(await klDiv(q, p, { reduction: 'sum' }).item()).toBeCloseTo(kl, 6);
    expect(await klDiv(q, p.log(), { logTarget: true, reduction: 'sum' }).item()).toBeCloseTo(kl, 6);
  });

  it('gradients with respect to soft targets match finite differences', async () => {
    const x = f64([0.3, 0.6, 0.2, 0.9], [2, 2]);
    const y = f64([0.1, 0.7, 0.4, 0.5], [2, 2]);
    await checkGradients((a, b) => binaryCrossEntropy(a, b), [x, y]);
    await checkGradients((a, b) => binaryCrossEntropyWithLogits(a, b, { posWeight: f64([2, 0.5]) }), [x, y]);
    await checkGradients((a, b) => mseLoss(a, b), [x, y]);
    await checkGradients((a, b) => crossEntropy(a, b.softmax(1), { labelSmoothing: 0.1 }), [x, y]);
    await checkGradients((a, b) => klDiv(a.logSoftmax(1), b.logSoftmax(1), { logTarget: true }), [x, y]);
  });

  it('weights and labels trained through a weighted loss get gradients', async () => {
    const w = f64([0.5, 2, 1]);
    const x = f64([0.1, -0.3, 0.8, 1.2, 0.4, -0.5], [2, 3]);
    await checkGradients((weight) => crossEntropy(x, labels([1, 2]), { weight, labelSmoothing: 0.3 }), [w]);
  });
});
