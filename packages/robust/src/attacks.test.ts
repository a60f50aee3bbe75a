/**
 * FGSM and PGD against torchattacks' rules computed in PyTorch (scripts/generate-fixtures.py), and
 * the properties every attack must have: the loss goes up, every value stays in the ε-ball and
 * the clip range (asserted exactly, in float32), and runs are reproducible.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '@tessera/backend-cpu';
import { noGrad } from '@tessera/autograd';
import { crossEntropy } from '@tessera/layers';
import { memory, rand, setBackend, type Tensor } from '@tessera/tensor-core';
import { fgsm, pgd, type Attack } from './index.js';
import { buildModel, expectClose, fixture, labels, toTensor } from './test-utils/fixtures.js';

beforeAll(async () => {
  await setBackend(cpu());
});

async function lossOf(model: ReturnType<typeof buildModel>, x: Tensor, y: Tensor): Promise<number> {
  const logits = noGrad(() => model.forward(x));
  const loss = noGrad(() => crossEntropy(logits, y));
  const value = await loss.item();
  logits.dispose();
  loss.dispose();
  return value;
}

describe.each(['mlp', 'cnn'] as const)('%s against the PyTorch fixture', (name) => {
  const f = fixture.models[name];
  it.each(f.attacks.map((c, i) => [`${c.attack} ${c.options.norm ?? ''} ε=${c.options.epsilon}`, i] as const))('%s', async (_label, i) => {
    const c = f.attacks[i]!;
    const model = buildModel(name);
    model.eval();
    const x = toTensor(f.x);
    const y = labels(f.y);
    expect(await lossOf(model, x, y)).toBeCloseTo(f.cleanLoss, 5);
    const attack = c.attack === 'fgsm' ? fgsm({ epsilon: c.options.epsilon }) : pgd({ ...c.options, randomStart: false });
    const before = memory().tensors;
    const adversarial = attack.generate(model, x, y);
    expect(memory().tensors).toBe(before + 1);
    expectClose(await adversarial.data(), c.adversarial.values, 2e-6, 'adversarial');
    expect(await lossOf(model, adversarial, y)).toBeCloseTo(c.loss, 5);
    expect(c.loss).toBeGreaterThan(f.cleanLoss);
    for (const t of [adversarial, x, y]) t.dispose();
    model.dispose();
  });
});

/** Checks x − ε <= x' <= x + ε exactly as float32 computes x ± ε (ε rounded to float32 too), and the clip range exactly. */
async function expectInLinfBall(x: Tensor, adversarial: Tensor, epsilon: number, clip: readonly [number, number]): Promise<void> {
  const xs = await x.data();
  const as = await adversarial.data();
  for (let i = 0; i < xs.length; i++) {
    const lo = Math.max(Math.fround(xs[i]! - Math.fround(epsilon)), clip[0]);
    const hi = Math.min(Math.fround(xs[i]! + Math.fround(epsilon)), clip[1]);
    if (!(as[i]! >= lo && as[i]! <= hi)) expect.fail(`element ${i}: ${as[i]} outside [${lo}, ${hi}] (x = ${xs[i]}, ε = ${epsilon})`);
  }
}

async function l2Norms(x: Tensor, adversarial: Tensor): Promise<number[]> {
  const xs = await x.data();
  const as = await adversarial.data();
  const per = xs.length / x.shape[0]!;
  return Array.from({ length: x.shape[0]! }, (_, n) => {
    let sum = 0;
    for (let j = n * per; j < (n + 1) * per; j++) sum += (as[j]! - xs[j]!) ** 2;
    return Math.sqrt(sum);
  });
}

describe('properties', () => {
  const cases: [string, Attack, readonly [number, number]][] = [
    ['FGSM', fgsm({ epsilon: 0.2 }), [0, 1]],
    ['FGSM, random start', fgsm({ epsilon: 0.2, stepSize: 0.25, randomStart: true, seed: 3 }), [0, 1]],
    ['PGD L∞, random start', pgd({ epsilon: 0.15, steps: 10, stepSize: 0.05, seed: 1 }), [0, 1]],
    ['PGD L∞, narrow clip', pgd({ epsilon: 0.3, steps: 5, clip: [0.2, 0.7] }), [0.2, 0.7]],
  ];
  it.each(cases)('%s raises the loss and stays in the ε-ball and the clip range', async (_label, attack, clip) => {
    const model = buildModel('cnn');
    model.eval();
    const x = rand([16, 1, 6, 6], { seed: 11 });
    const y = labels(Array.from({ length: 16 }, (_, i) => i % 3));
    const adversarial = attack.generate(model, x, y);
    await expectInLinfBall(x, adversarial, attack.epsilon, clip);
    expect(await lossOf(model, adversarial, y)).toBeGreaterThan(await lossOf(model, x, y));
    for (const t of [adversarial, x, y]) t.dispose();
    model.dispose();
  });

  it('PGD L2 stays in the L2 ball (up to float32 rounding) and the clip range', async () => {
    const model = buildModel('cnn');
    model.eval();
    const x = rand([16, 1, 6, 6], { seed: 12 });
    const y = labels(Array.from({ length: 16 }, (_, i) => (i * 2) % 3));
    for (const randomStart of [true, false]) {
      const attack = pgd({ epsilon: 0.5, steps: 8, stepSize: 0.2, norm: 'l2', randomStart, seed: 5 });
      const adversarial = attack.generate(model, x, y);
      const values = await adversarial.data();
      expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...values)).toBeLessThanOrEqual(1);
      const norms = await l2Norms(x, adversarial);
      // float32 rescaling: a relative error of a few ulps.
      for (const n of norms) expect(n).toBeLessThanOrEqual(0.5 * (1 + 1e-5));
      // The budget is used: 8 steps of 0.2 reach the boundary for most examples.
      expect(norms.filter((n) => n > 0.45).length).toBeGreaterThan(8);
      expect(await lossOf(model, adversarial, y)).toBeGreaterThan(await lossOf(model, x, y));
      adversarial.dispose();
    }
    x.dispose();
    y.dispose();
    model.dispose();
  });

  it('ε = 0 returns the inputs; random starts are seeded and differ between calls', async () => {
    const model = buildModel('mlp');
    const x = rand([6, 5], { seed: 2 });
    const y = labels([0, 1, 2, 0, 1, 2]);
    const none = pgd({ epsilon: 0, steps: 3 }).generate(model, x, y);
    expect(Array.from(await none.data())).toEqual(Array.from(await x.data()));
    // Small steps: large ones would push every value to the ball's boundary whatever the start.
    const a = pgd({ epsilon: 0.1, steps: 1, stepSize: 0.01, seed: 7 });
    const b = pgd({ epsilon: 0.1, steps: 1, stepSize: 0.01, seed: 7 });
    const a1 = a.generate(model, x, y);
    const b1 = b.generate(model, x, y);
    const a2 = a.generate(model, x, y);
    expect(Array.from(await a1.data())).toEqual(Array.from(await b1.data()));
    expect(Array.from(await a2.data())).not.toEqual(Array.from(await a1.data()));
    for (const t of [none, a1, b1, a2, x, y]) t.dispose();
    model.dispose();
  });

  it('a custom loss and no clipping', async () => {
    const model = buildModel('mlp');
    const x = rand([4, 5], { seed: 4 });
    const y = labels([0, 1, 2, 0]);
    // A loss of minus the first logit: the attack pushes logit 0 down, whatever the label.
    const attack = fgsm({ epsilon: 2, clip: null, loss: (p) => p.slice([0, 0], [4, 1]).sum().neg() });
    const adversarial = attack.generate(model, x, y);
    const values = await adversarial.data();
    expect(Math.max(...values)).toBeGreaterThan(1); // not clipped to [0, 1]
    const before = model.forward(x);
    const after = model.forward(adversarial);
    const b0 = await before.data();
    const a0 = await after.data();
    for (let i = 0; i < 4; i++) expect(a0[i * 3]!).toBeLessThan(b0[i * 3]!);
    for (const t of [adversarial, before, after, x, y]) t.dispose();
    model.dispose();
  });
});
