/**
 * The tape keeps only what each gradient rule declares in its op's `saves` (issue 11), and a
 * rule that reads anything else fails loudly. Every gradient test of the repository runs with
 * this guard on, so a rule that under-declares fails there too.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getOpSpec, memory, opSpecs, randn, setBackend, tensor, tidy, TensorError, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { backward, gradientRules, releaseUnusedRecords, tapeSize, enableAutograd } from './index.js';
import { addEntry, release, savedOpOf } from './tape.js';

beforeAll(async () => {
  await setBackend(cpu());
  enableAutograd();
});

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return TensorError.is(e) ? e.code : `not a TensorError: ${String(e)}`;
  }
  return undefined;
};

describe('saves', () => {
  it('every differentiable op of the table declares its saves, and autograd reads its rules from the table', () => {
    const specs = Object.values(opSpecs());
    expect(specs.length).toBeGreaterThan(60);
    for (const spec of specs) {
      if (spec.gradient === 'none') continue;
      expect(typeof spec.gradient.rule).toBe('function');
      expect(gradientRules[spec.name]).toBe(spec.gradient.rule);
      expect(spec.gradient.saves).toBeDefined();
    }
    expect(getOpSpec('softmax')!.gradient).toMatchObject({ saves: { outputs: [0] } });
  });

  it('an intermediate no rule declares is freed by tidy, one that is declared is kept', () => {
    const w = randn([1000], { seed: 1, requiresGrad: true });
    releaseUnusedRecords();
    const before = memory().bytes;
    // add saves nothing (its gradient is dy, reduced to the input shapes); relu saves its output.
    const loss = tidy(() => w.add(1).relu().sum());
    const held = memory().bytes - before;
    // The loss (4 bytes) and relu's output (4,000 bytes): add's output (4,000 more) is gone.
    expect(held).toBe(4 + 4000);
    const g = backward(loss).get(w)!;
    expect(tapeSize()).toBe(0);
    g.dispose();
    loss.dispose();
    w.dispose();
  });

  it('matmul keeps only the operand the needed gradient reads', () => {
    const x = randn([64, 100], { seed: 2 });
    const w = randn([100, 10], { seed: 3, requiresGrad: true });
    releaseUnusedRecords();
    const before = memory().tensors;
    const y = tidy(() => x.matmul(w));
    // y, and one saved copy (of x, which dW = xᵀ·dy reads); w is not saved (dx is not needed).
    expect(memory().tensors - before).toBe(2);
    backward(y.sum()).get(w)!.dispose();
    y.dispose();
    x.dispose();
    w.dispose();
  });

  it('a rule reading an input or output its saves do not declare throws GRADIENT_ERROR', () => {
    const x = tensor([1, 2, 3]).mul(1);
    x.requiresGrad = true;
    const y = tensor([2, 3, 4]);
    // exp saves only its output; mul (x needs a gradient, y not) saves only y.
    const expEntry = addEntry('exp', [x], [y], {});
    const op = savedOpOf(expEntry, [true]);
    expect(op.outputs[0]).toBeDefined();
    expect(codeOf(() => op.inputs[0])).toBe('GRADIENT_ERROR');
    expect(() => op.inputs[0]).toThrow(/read input 0, which its saves do not declare/);
    // (y is now the recorded output of exp, so it needs a gradient; c does not.)
    const c = tensor([2, 3, 4]);
    const z = tensor([0, 0, 0]);
    const mulEntry = addEntry('mul', [x, c], [z], {});
    const mulOp = savedOpOf(mulEntry, [true, false]);
    expect(codeOf(() => mulOp.inputs[0])).toBe('GRADIENT_ERROR');
    expect(codeOf(() => mulOp.outputs[0])).toBe('GRADIENT_ERROR');
    expect(mulOp.inputShapes).toEqual([[3], [3]]);
    release(expEntry);
    release(mulEntry);
    for (const t of [x, y, c, z] as Tensor[]) t.dispose();
  });

  it('differentiating with respect to a tensor that did not require a gradient when used says so', () => {
    const x = randn([3], { seed: 4 });
    const w = randn([3], { seed: 5, requiresGrad: true });
    const loss = x.mul(w).sum();
    expect(() => backward(loss, { wrt: [x] })).toThrow(/did not require a gradient when op 'mul' used it/);
    releaseUnusedRecords();
    for (const t of [x, w, loss]) t.dispose();
  });
});
