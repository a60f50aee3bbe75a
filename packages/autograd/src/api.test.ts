import { beforeAll, describe, expect, it } from 'vitest';
import {
  asOneOp,
  clamp,
  dispose,
  matmul,
  maxPool2d,
  memory,
  randn,
  setBackend,
  tensor,
  tidy,
  TensorError,
  unobserved,
  zeros,
  type Tensor,
  type TensorErrorCode,
} from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { backward, checkGradients, customGrad, detach, grad, noGrad, stopGradient, tapeSize, unbroadcast, valueAndGrad, enableAutograd } from './index.js';
import { sweep } from './tape.js';

beforeAll(async () => {
  await setBackend(cpu());
  enableAutograd();
});

const values = async (t: Tensor): Promise<number[]> => Array.from(await t.data());
const close = async (t: Tensor, expected: number[], digits = 5): Promise<void> => {
  const got = await values(t);
  expect(got.length).toBe(expected.length);
  got.forEach((g, i) => expect(g).toBeCloseTo(expected[i]!, digits));
};

function expectError(fn: () => unknown, code: TensorErrorCode, message?: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(TensorError.is(error), `expected a TensorError ${code}, got ${String(error)}`).toBe(true);
  expect((error as TensorError).code).toBe(code);
  if (message) expect((error as TensorError).message).toMatch(message);
}

/**
 * Runs `fn` and checks that it left no tensor and no tape entry behind. Entries of forward
 * tensors disposed after the last backward are freed by the next one (or a sweep), so sweep first.
 */
async function noLeaks(fn: () => Promise<void> | void): Promise<void> {
  sweep();
  const before = memory().tensors;
  await fn();
  sweep();
  expect(tapeSize()).toBe(0);
  expect(memory().tensors).toBe(before);
}

describe('backward (PyTorch style)', () => {
  it('returns gradients keyed by the requiresGrad tensors the loss depends on', async () => {
    await noLeaks(async () => {
      const x = tensor([[1, 2, 3], [4, 5, 6]]);
      const y = tensor([[1], [2]]);
      const w = tensor([[1], [0], [-1]], [3, 1], { requiresGrad: true });
      const unused = tensor([1, 2], [2], { requiresGrad: true });
      const loss = tidy(() => x.matmul(w).sub(y).square().mean());
      const grads = backward(loss);
      expect(tapeSize()).toBe(0); // released at once
      expect([...grads.keys()]).toEqual([w]);
      // r = xw − y = [-3, -4]; dL/dw = 2/2 · xᵀ r = [-19, -26, -33]
      await close(grads.get(w)!, [-19, -26, -33]);
      dispose([x, y, w, unused, loss, [...grads.values()]]);
    });
  });

  it('accumulates at fan-out, including a tensor used twice by one op', async () => {
    await noLeaks(async () => {
      const x = tensor([1, 2, 3], [3], { requiresGrad: true });
      const g = tidy(() => backward(x.mul(x).add(x).add(x.exp().mul(2)).sum()).get(x)!);
      await close(g, [1, 2, 3].map((v) => 2 * v + 1 + 2 * Math.exp(v)));
      dispose([x, g]);
    });
  });

  it('gives zeros for a requested tensor the loss does not depend on', async () => {
    await noLeaks(async () => {
      const a = tensor([1, 2], [2], { requiresGrad: true });
      const b = tensor([3], [1], { requiresGrad: true });
      const grads = tidy(() => backward(a.sum(), { wrt: [a, b] }));
      await close(grads.get(a)!, [1, 1]);
      await close(grads.get(b)!, [0]);
      dispose([a, b, [...grads.values()]]);
    });
  });

  it('takes a seed for a non-scalar loss', async () => {
    await noLeaks(async () => {
      const x = tensor([1, 2], [2], { requiresGrad: true });
      const seed = tensor([10, 100], [2]);
      const g = tidy(() => backward(x.square(), { seed }).get(x)!);
      await close(g, [20, 400]);
      dispose([x, seed, g]);
    });
  });

  it('releases the tape; retainGraph keeps it for a second backward', async () => {
    await noLeaks(async () => {
      const x = tensor([2], [1], { requiresGrad: true });
      const loss = tidy(() => x.square().mul(x).sum());
      expect(tapeSize()).toBeGreaterThan(0);
      const first = backward(loss, { retainGraph: true });
      const second = backward(loss);
      await close(first.get(x)!, [12]);
      await close(second.get(x)!, [12]);
      expect(tapeSize()).toBe(0);
      expectError(() => backward(loss), 'GRADIENT_ERROR', /released by an earlier backward/);
      dispose([x, loss, [...first.values()], [...second.values()]]);
    });
  });

  it("is not disturbed by the user's tidy freeing intermediates", async () => {
    await noLeaks(async () => {
      const x = tensor([0.5, -1], [2], { requiresGrad: true });
      const loss = tidy(() => x.tanh().mul(x.sigmoid()).sum()); // every intermediate is freed here
      const g = backward(loss).get(x)!;
      const s = (v: number): number => 1 / (1 + Math.exp(-v));
      await close(g, [0.5, -1].map((v) => (1 - Math.tanh(v) ** 2) * s(v) + Math.tanh(v) * s(v) * (1 - s(v))));
      dispose([x, loss, g]);
    });
  });
});

describe('grad and valueAndGrad (functional)', () => {
  it('valueAndGrad returns the value and one gradient per argument', async () => {
    await noLeaks(async () => {
      const a = tensor([1, 2]);
      const b = tensor([3, 4]);
      const { value, grads } = valueAndGrad((p: Tensor, q: Tensor) => p.mul(q).sum())(a, b);
      expect(await value.item()).toBe(11);
      await close(grads[0], [3, 4]);
      await close(grads[1], [1, 2]);
      expect(a.requiresGrad).toBe(false); // arguments are not marked
      dispose([a, b, value, grads]);
    });
  });

  it('matches backward on the issue example', async () => {
    await noLeaks(async () => {
      const x = randn([8, 3], { seed: 1 });
      const y = randn([8, 1], { seed: 2 });
      const lossOf = (w: Tensor): Tensor => tidy(() => x.matmul(w).sub(y).square().mean());
      const w = randn([3, 1], { seed: 0 });
      const { value, grads } = valueAndGrad(lossOf)(w);
      const w2 = randn([3, 1], { seed: 0, requiresGrad: true });
      const loss2 = lossOf(w2);
      const grads2 = backward(loss2);
      expect(await value.item()).toBeCloseTo(await loss2.item(), 6);
      await close(grads2.get(w2)!, await values(grads[0]));
      dispose([x, y, w, w2, value, grads, loss2, [...grads2.values()]]);
    });
  });

  it('works inside noGrad', async () => {
    await noLeaks(async () => {
      const x = tensor([3]);
      const [g] = noGrad(() => grad((a: Tensor) => a.square().sum())(x));
      await close(g, [6]);
      dispose([x, g]);
    });
  });
});

describe('noGrad, detach, stopGradient', () => {
  it('noGrad records nothing', async () => {
    await noLeaks(async () => {
      const w = tensor([1, 2], [2], { requiresGrad: true });
      const y = noGrad(() => tidy(() => w.mul(2).sum()));
      expect(tapeSize()).toBe(0);
      expect(y.requiresGrad).toBe(false);
      expectError(() => backward(y), 'GRADIENT_ERROR', /does not depend on any tensor that requires a gradient/);
      dispose([w, y]);
    });
  });

  it('ops on tensors that need no gradient are not recorded', () => {
    const a = randn([4, 4], { seed: 3 });
    const b = tidy(() => a.matmul(a).relu().sum());
    expect(tapeSize()).toBe(0);
    dispose([a, b]);
  });

  it('detach and stopGradient block the gradient', async () => {
    await noLeaks(async () => {
      const x = tensor([2, 3], [2], { requiresGrad: true });
      const g = tidy(() => backward(x.mul(detach(x)).add(x.mul(stopGradient(x))).sum()).get(x)!);
      await close(g, [4, 6]);
      dispose([x, g]);
    });
  });
});

describe('customGrad', () => {
  const clipGrad = customGrad((x: Tensor) => ({ value: x.clone(), gradient: (dy: Tensor) => clamp(dy, -1, 1) }));

  it('uses the user-written backward', async () => {
    await noLeaks(async () => {
      const x = tensor([1, 2]);
      const [g] = grad((a: Tensor) => clipGrad(a).mul(10).sum())(x);
      await close(g, [1, 1]);
      dispose([x, g]);
    });
  });

  it('keeps saved tensors alive and passes them back', async () => {
    const cube = customGrad((x: Tensor) => {
      const square = x.square();
      return { value: square.mul(x), save: [square], gradient: (dy: Tensor, [s]: readonly Tensor[]) => dy.mul(s!).mul(3) };
    });
    await noLeaks(async () => {
      const x = tensor([2, -1], [2], { dtype: 'float64', requiresGrad: true });
      const loss = tidy(() => cube(x).sum()); // tidy frees `square`; the saved copy lives on
      const g = backward(loss).get(x)!;
      await close(g, [12, 3]);
      dispose([x, loss, g]);
      const y = tensor([0.3, 1.7], [2], { dtype: 'float64' });
      await checkGradients((a) => cube(a), [y]);
      y.dispose();
    });
  });

  it('says when the backward returns the wrong number of gradients', async () => {
    const bad = customGrad((a: Tensor, b: Tensor) => ({ value: a.add(b), gradient: (dy: Tensor) => [dy] }));
    const a = tensor([1]);
    const b = tensor([2]);
    expectError(() => grad(bad)(a, b), 'GRADIENT_ERROR', /returned 1 gradients for 2 inputs/);
    expectError(() => customGrad((_: Tensor) => ({}) as never)(a), 'INVALID_ARGUMENT');
    dispose([a, b]);
  });
});

describe('higher-order gradients', () => {
  it('Hessian-vector product with nested grad (elementwise, reduction, matmul)', async () => {
    await noLeaks(async () => {
      // f(w) = ½|Aw|² + Σ w³: H = AᵀA + diag(6w)
      const a = tensor([[1, 2], [3, 4], [5, 6]], [3, 2], { dtype: 'float64' });
      const w = tensor([0.5, -1], [2], { dtype: 'float64' });
      const v = tensor([1, 2], [2], { dtype: 'float64' });
      const f = (p: Tensor): Tensor => matmul(a, p).square().sum().mul(0.5).add(p.pow(3).sum());
      const [hv] = grad((p: Tensor) => grad(f)(p)[0].mul(v).sum())(w);
      // AᵀA = [[35, 44], [44, 56]]; AᵀA v = [123, 156]; diag(6w) v = [3, -12]
      await close(hv, [126, 144], 8);
      dispose([a, w, v, hv]);
    });
  });

  it('Hessian-vector product with backward({ createGraph })', async () => {
    await noLeaks(async () => {
      const x = tensor([1, 2, 3], [3], { dtype: 'float64', requiresGrad: true });
      const v = tensor([1, 0, -1], [3], { dtype: 'float64' });
      const hv = tidy(() => {
        const g = backward(x.exp().mul(x).sum().add(x.sum().square()), { createGraph: true }).get(x)!;
        return backward(g.mul(v).sum(), { wrt: [x] }).get(x)!;
      });
      // H = diag((x + 2)eˣ) + 2·11ᵀ; (11ᵀ)v = 0
      await close(hv, [3 * Math.E, 0, -5 * Math.exp(3)], 8);
      dispose([x, v, hv]);
    });
  });

  it('third derivative of a scalar function', async () => {
    await noLeaks(async () => {
      const x = tensor([0.7], [1], { dtype: 'float64' });
      const d = (f: (t: Tensor) => Tensor) => (t: Tensor): Tensor => grad((p: Tensor) => f(p).sum())(t)[0];
      const third = d(d(d((t) => t.sin())))(x);
      await close(third, [-Math.cos(0.7)], 10);
      dispose([x, third]);
    });
  });

  it('says when an op has no second-order rule', () => {
    const x = randn([1, 1, 4, 4], { seed: 4 });
    expectError(
      () => grad((p: Tensor) => grad((q: Tensor) => maxPool2d(q, { kernelSize: 2 }).square().sum())(p)[0].sum())(x),
      'GRADIENT_ERROR',
      /'maxPool2dBackward' has no gradient rule/,
    );
    x.dispose();
  });
});

describe('errors', () => {
  it('a non-scalar loss without a seed', () => {
    const x = tensor([1, 2], [2], { requiresGrad: true });
    const y = x.mul(2);
    expectError(() => backward(y), 'GRADIENT_ERROR', /not a scalar .* seed/);
    expectError(() => backward(y, { seed: tensor([1, 2, 3]) }), 'SHAPE_MISMATCH');
    expectError(() => grad((a: Tensor) => a.mul(2))(x), 'GRADIENT_ERROR', /must return a scalar/);
    dispose([x, y]);
    noGrad(() => undefined);
  });

  it('integer tensors', () => {
    const i = tensor([1, 2], [2], { dtype: 'int32' });
    const f = tensor([1, 2], [2], { requiresGrad: true });
    expectError(() => grad((a: Tensor) => a.sum())(i), 'DTYPE_MISMATCH', /argument 0 has dtype int32/);
    expectError(() => backward(f.sum(), { wrt: [i] }), 'DTYPE_MISMATCH', /integer tensors have no gradient/);
    const intLoss = tidy(() => f.cast('int32').sum());
    expectError(() => backward(intLoss), 'DTYPE_MISMATCH', /int32 loss/);
    const marked = tensor([1, 2], [2], { dtype: 'int32', requiresGrad: true });
    expectError(() => backward(marked.add(f).sum()), 'DTYPE_MISMATCH', /integer tensors cannot have gradients/);
    dispose([i, f, intLoss, marked]);
  });

  it('disposed tensors', () => {
    const x = tensor([1, 2], [2], { requiresGrad: true });
    const loss = x.square().sum();
    const gone = tensor([1]);
    gone.dispose();
    expectError(() => backward(loss, { wrt: [gone] }), 'TENSOR_DISPOSED', /wrt\[0\].*was disposed/);
    expectError(() => grad((a: Tensor) => a.sum())(gone), 'TENSOR_DISPOSED', /argument 0/);
    x.dispose();
    expectError(() => backward(loss), 'TENSOR_DISPOSED', /a tensor that requires a gradient/);
    loss.dispose();
    expectError(() => backward(loss), 'TENSOR_DISPOSED', /the loss/);
  });

  it('checkGradients reports a wrong gradient with the op and the error', async () => {
    const wrong = customGrad((x: Tensor) => ({ value: x.square(), gradient: (dy: Tensor) => dy.mul(x) })); // should be 2x
    const x = tensor([0.5, 1.5], [2], { dtype: 'float64' });
    await expect(checkGradients((a) => wrong(a), [x])).rejects.toThrow(/gradient of .* does not match finite differences .* max error/);
    await expect(checkGradients((a) => a, [tensor([1], [1], { dtype: 'int32' })])).rejects.toThrow(/no input is a float tensor/);
    x.dispose();
  });
});

describe('internals', () => {
  it('unbroadcast sums over broadcast axes', async () => {
    const dy = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const a = unbroadcast(dy, [3]);
    const b = unbroadcast(dy, [2, 1]);
    const c = unbroadcast(dy, []);
    await close(a, [5, 7, 9]);
    await close(b, [6, 15]);
    await close(c, [21]);
    expect(unbroadcast(dy, [2, 3])).toBe(dy);
    dispose([dy, a, b, c]);
  });

  it('clamp recorded as one op passes the gradient at its bounds', async () => {
    // tensor-core may record clamp as one op; this checks the rule for that case.
    const oneOpClamp = (x: Tensor, min: number, max: number): Tensor => asOneOp('clamp', [x], { min, max }, () => [clamp(x, min, max)])[0]!;
    const x = tensor([-2, -1, 0, 1, 2], [5]);
    const [g] = grad((a: Tensor) => oneOpClamp(a, -1, 1).sum())(x);
    await close(g, [0, 1, 1, 1, 0]);
    dispose([x, g]);
    void unobserved;
  });

  it('frees the tape of a forward pass that was never backpropagated once its outputs are gone', () => {
    const w = tensor([1, 2], [2], { requiresGrad: true });
    sweep();
    const before = memory().tensors;
    const baseline = tapeSize();
    for (let i = 0; i < 3000; i++) {
      tidy(() => {
        w.mul(2).add(1).sum();
      });
    }
    expect(tapeSize()).toBeLessThan(baseline + 2048);
    const probe = tensor([1], [1], { requiresGrad: true });
    const g = tidy(() => backward(probe.sum()).get(probe)!); // a backward sweeps the rest
    expect(tapeSize()).toBe(baseline);
    dispose([probe, g]);
    expect(memory().tensors).toBe(before);
    w.dispose();
  });

  it('zeros of a creation function are leaves without a tape', () => {
    const before = tapeSize();
    const z = zeros([2], { requiresGrad: true });
    expect(tapeSize()).toBe(before);
    z.dispose();
  });
});
