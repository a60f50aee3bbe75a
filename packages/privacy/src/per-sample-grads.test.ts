import { beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '@tessera/backend-cpu';
import { Embedding, Linear, Module, crossEntropy } from '@tessera/layers';
import { Text, Vision } from './test-utils/models.js';
import { TensorError, dispose, memory, randint, randn, setBackend, tidy, type Tensor } from '@tessera/tensor-core';
import { perSampleGradients } from './per-sample-grads.js';

beforeAll(async () => {
  await setBackend(cpu());
});

async function expectClose(a: Tensor, b: Tensor, tol = 1e-5): Promise<void> {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = [await a.data(), await b.data()];
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!) / (1e-3 + Math.abs(y[i]!)));
  expect(worst).toBeLessThan(tol);
}

describe('perSampleGradients', () => {

  it('matches the per-example loop for Conv2d, Linear on 3-D input and LayerNorm', async () => {
    const model = new Vision();
    const x = randn([5, 2, 6, 6], { seed: 7 });
    const y = randint(0, 3, [5], { seed: 8 });
    const before = memory().tensors;
    const lossFn = (xb: Tensor, yb: Tensor): Tensor => crossEntropy(model.forward(xb), yb, { reduction: 'none' });
    const fast = perSampleGradients(model, lossFn, [x, y]);
    const slow = perSampleGradients(model, lossFn, [x, y], { method: 'loop' });
    expect([...fast.grads.keys()]).toEqual(model.parameters());
    for (const [p, g] of fast.grads) {
      expect(g.shape).toEqual([5, ...p.shape]);
      await expectClose(g, slow.grads.get(p)!);
    }
    await expectClose(fast.losses, slow.losses);
    dispose([[...fast.grads.values()], [...slow.grads.values()], fast.losses, slow.losses]);
    // Nothing the computation made outlives it once the caller disposed what it got.
    expect(memory().tensors).toBe(before);
    dispose([x, y]);
    model.dispose();
  });

  it('matches the loop for Embedding with padding, a fallback layer and a layer called twice', async () => {
    const model = new Text();
    const idx = tidy(() => randint(0, 7, [4, 6], { seed: 9 }));
    const target = randn([4, 4], { seed: 10 });
    const before = memory().tensors;
    const lossFn = (i: Tensor, t: Tensor): Tensor => model.forward(i).sub(t).square().sum(1);
    const fast = perSampleGradients(model, lossFn, [idx, target]);
    const slow = perSampleGradients(model, lossFn, [idx, target], { method: 'loop' });
    for (const [p, g] of fast.grads) await expectClose(g, slow.grads.get(p)!);
    // The padding row never gets a gradient.
    const emb = await fast.grads.get(model.emb.weight)!.array() as number[][][];
    expect(emb.every((rows) => rows[0]!.every((v) => v === 0))).toBe(true);
    dispose([[...fast.grads.values()], [...slow.grads.values()], fast.losses, slow.losses]);
    expect(memory().tensors).toBe(before);
    dispose([idx, target]);
    model.dispose();
  });

  it('sums the contributions of a weight shared by an Embedding and a Linear (tied weights)', async () => {
    class Tied extends Module<[Tensor]> {
      emb = new Embedding({ numEmbeddings: 6, embeddingDim: 3, seed: 11 });
      head = new Linear({ inFeatures: 3, outFeatures: 6, bias: false, seed: 12 });
      constructor() {
        super();
        this.head.weight.dispose();
        this.head.weight = this.emb.weight;
      }
      forward(idx: Tensor): Tensor {
        return tidy(() => this.head.forward(this.emb.forward(idx).mean(1)));
      }
    }
    const model = new Tied();
    const idx = randint(0, 6, [3, 4], { seed: 13 });
    const y = randint(0, 6, [3], { seed: 14 });
    const before = memory().tensors;
    const lossFn = (i: Tensor, t: Tensor): Tensor => crossEntropy(model.forward(i), t, { reduction: 'none' });
    const fast = perSampleGradients(model, lossFn, [idx, y]);
    const slow = perSampleGradients(model, lossFn, [idx, y], { method: 'loop' });
    expect([...fast.grads.keys()]).toEqual([model.emb.weight]);
    await expectClose(fast.grads.get(model.emb.weight)!, slow.grads.get(model.emb.weight)!);
    dispose([[...fast.grads.values()], [...slow.grads.values()], fast.losses, slow.losses]);
    expect(memory().tensors).toBe(before);
    dispose([idx, y]);
    model.dispose();
  });

  it('goes through a forward the instance already overrides, and restores it', async () => {
    const model = new Linear({ inFeatures: 2, outFeatures: 1, seed: 0 });
    let calls = 0;
    const own = (x: Tensor): Tensor => {
      calls++;
      return Linear.prototype.forward.call(model, x);
    };
    Object.defineProperty(model, 'forward', { value: own, configurable: true, writable: true });
    const x = randn([3, 2], { seed: 1 });
    const { grads, losses } = perSampleGradients(model, (xb) => model.forward(xb).square().sum(1), [x]);
    expect(calls).toBe(1);
    expect(model.forward).toBe(own);
    // d/dW (w·x + b)² = 2(w·x + b) x per example.
    const [w, b, xs, gw] = await Promise.all([model.weight.data(), model.bias!.data(), x.data(), grads.get(model.weight)!.data()]);
    for (let i = 0; i < 3; i++) {
      const out = w[0]! * xs[2 * i]! + w[1]! * xs[2 * i + 1]! + b[0]!;
      expect(gw[2 * i]).toBeCloseTo(2 * out * xs[2 * i]!, 5);
      expect(gw[2 * i + 1]).toBeCloseTo(2 * out * xs[2 * i + 1]!, 5);
    }
    dispose([[...grads.values()], losses, x]);
    model.dispose();
  });

  it('rejects bad input with coded errors', () => {
    const model = new Linear({ inFeatures: 3, outFeatures: 2, seed: 0 });
    const x = randn([4, 3], { seed: 0 });
    const before = memory().tensors;
    const good = (xb: Tensor): Tensor => model.forward(xb).sum(1);
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (e) {
        if (TensorError.is(e)) return `${e.code}: ${e.message}`;
        throw e;
      }
      return undefined;
    };
    expect(code(() => perSampleGradients(model, good, [x], { method: 'fast' as 'auto' }))).toMatch(/^INVALID_ARGUMENT.*method/);
    expect(code(() => perSampleGradients(model, good, [x], { batchSize: 2 } as object))).toMatch(/^UNKNOWN_OPTION.*unknown option 'batchSize'/);
    expect(code(() => perSampleGradients(model, good, []))).toMatch(/^INVALID_ARGUMENT.*non-empty/);
    expect(code(() => perSampleGradients({} as Module, good, [x]))).toMatch(/^INVALID_ARGUMENT.*Module/);
    expect(code(() => perSampleGradients(model, 3 as never, [x]))).toMatch(/^INVALID_ARGUMENT.*lossFn/);
    const y = randn([5], { seed: 1 });
    expect(code(() => perSampleGradients(model, good, [x, y]))).toMatch(/^INVALID_ARGUMENT.*same number of examples/);
    expect(code(() => perSampleGradients(model, (xb) => model.forward(xb).sum(), [x]))).toMatch(/^SHAPE_MISMATCH.*one loss per example, shape \[4\], got \[\]/);
    expect(code(() => perSampleGradients(model, (xb) => model.forward(xb).sum(), [x], { method: 'loop' }))).toMatch(/^SHAPE_MISMATCH/);
    expect(code(() => perSampleGradients(model, () => model.forward(randn([3], { seed: 0 })).sum(0).reshape([1]).tile([4]), [x]))).toMatch(/^SHAPE_MISMATCH.*Linear ran on an input of shape \[3\]/);
    expect(code(() => perSampleGradients(model, good, [x, 'labels' as never]))).toMatch(/^INVALID_ARGUMENT.*batch\[1\] must be a Tensor, got "labels"/);
    const scalar = randn([], { seed: 0 });
    expect(code(() => perSampleGradients(model, good, [scalar]))).toMatch(/^SHAPE_MISMATCH.*batch\[0\] must have the examples along axis 0/);
    expect(code(() => perSampleGradients(model, () => 3 as never, [x]))).toMatch(/^INVALID_ARGUMENT.*must return a Tensor of per-example losses, got number 3/);
    expect(code(() => perSampleGradients(model, (xb) => xb.sum(1), [x]))).toMatch(/^GRADIENT_ERROR.*ran none of the model's Linear\/Conv2d\/Embedding\/LayerNorm layers/);
    const gone = randn([4, 3], { seed: 0 });
    gone.dispose();
    expect(code(() => perSampleGradients(model, good, [gone]))).toMatch(/^TENSOR_DISPOSED.*batch\[0\]/);
    const empty = randn([0, 3], { seed: 0 });
    expect(code(() => perSampleGradients(model, good, [empty]))).toMatch(/^INVALID_ARGUMENT.*empty/);
    model.freeze();
    expect(code(() => perSampleGradients(model, good, [x]))).toMatch(/^GRADIENT_ERROR.*no trainable parameter/);
    model.unfreeze();
    // The layer is left as it was, even after a throw.
    expect(Object.hasOwn(model, 'forward')).toBe(false);
    dispose([y, empty, scalar]);
    expect(memory().tensors).toBe(before);
  });
});
