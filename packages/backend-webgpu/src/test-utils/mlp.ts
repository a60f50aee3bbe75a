/**
 * Test helper: a tiny seeded MLP classifier and a hand-written Adam, written with raw
 * tensor-core ops, `Variable`s and autograd's `backward` only (no layers or optim package), so the
 * same training step runs on the CPU backend, on WebGPU in Node, and in a browser page
 * (`browser.test.ts` bundles this file). Initial values come from a host-side generator, not a
 * backend's RNG, so every backend starts from bit-identical float32 values.
 */
import { dispose, logSoftmax, tensor, tidy, variable, type Backend, type Tensor, type Variable } from '@tessera/tensor-core';
import { backward, enableAutograd, noGrad } from '@tessera/autograd';

/** Deterministic numbers in [-1, 1) from a 32-bit hash (the same in Node and in a browser). */
export function hostNumbers(size: number, seed: number): Float32Array {
  let s = (seed * 2654435761 + 1) >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    s = Math.imul(s ^ (s >>> 13), 3266489909) >>> 0;
    out[i] = ((s ^ (s >>> 16)) >>> 0) / 2147483648 - 1;
  }
  return out;
}

/** A batch of inputs `x` [batch, features] and one-hot targets [batch, classes] on `backend`. */
export interface Batch {
  readonly x: Tensor;
  readonly targets: Tensor;
}

/** A seeded batch: inputs from {@link hostNumbers}, labels from a fixed rule on them (so the task is learnable). */
export function makeBatch(batch: number, features: number, classes: number, seed: number, backend: Backend): Batch {
  const xs = hostNumbers(batch * features, seed);
  const onehot = new Float32Array(batch * classes);
  for (let i = 0; i < batch; i++) {
    let score = 0;
    for (let j = 0; j < features; j++) score += xs[i * features + j]! * (j % 3 === 0 ? 1 : -0.5);
    const label = Math.min(classes - 1, Math.max(0, Math.floor((score + 1.5) * (classes / 3))));
    onehot[i * classes + label] = 1;
  }
  return { x: tensor(xs, [batch, features], { backend }), targets: tensor(onehot, [batch, classes], { backend }) };
}

/** The model's parameters and Adam's state (first and second moments), all `Variable`s so they can move between backends. */
export interface Mlp {
  readonly params: Variable[];
  readonly m: Variable[];
  readonly v: Variable[];
  /** Adam steps taken. */
  step: number;
}

/** An MLP `sizes[0] → sizes[1] → … → sizes.at(-1)` (relu, then tanh, alternating) with seeded weights, on `backend`. */
export function makeMlp(sizes: readonly number[], seed: number, backend: Backend): Mlp {
  const params: Variable[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [fanIn, fanOut] = [sizes[l]!, sizes[l + 1]!];
    const scale = Math.sqrt(3 / fanIn);
    const w = tensor(hostNumbers(fanIn * fanOut, seed * 100 + l).map((u) => u * scale), [fanIn, fanOut], { backend });
    const b = tensor(hostNumbers(fanOut, seed * 100 + 50 + l).map((u) => u * 0.1), [fanOut], { backend });
    params.push(variable(w, { name: `w${l}` }), variable(b, { name: `b${l}` }));
    dispose([w, b]);
  }
  const zerosLike = (p: Variable): Variable => {
    const z = tensor(new Float32Array(p.size), p.shape, { backend });
    const out = variable(z, { requiresGrad: false });
    z.dispose();
    return out;
  };
  return { params, m: params.map(zerosLike), v: params.map(zerosLike), step: 0 };
}

/** The logits of `x`. */
export function forward(model: Mlp, x: Tensor): Tensor {
  let h = x;
  const layers = model.params.length / 2;
  for (let l = 0; l < layers; l++) {
    h = h.matmul(model.params[2 * l]!).add(model.params[2 * l + 1]!);
    if (l + 1 < layers) h = l % 2 === 0 ? h.relu() : h.tanh();
  }
  return h;
}

/** Mean softmax cross-entropy of the logits against one-hot targets. */
export function crossEntropy(logits: Tensor, targets: Tensor): Tensor {
  return logSoftmax(logits).mul(targets).sum(1).mean().neg();
}

/** Adam's hyperparameters. */
export const ADAM = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

/**
 * One training step: loss, gradients by `backward`, and an Adam update written out (bias
 * corrected, as PyTorch). Returns the loss (the caller's to dispose) and, when `keepGrads`, the
 * gradients (the caller's too).
 */
export function trainStep(model: Mlp, batch: Batch, keepGrads = false): { loss: Tensor; grads: Tensor[] } {
  enableAutograd(); // before the forward pass below: backward(loss) needs it recorded
  return tidy(() => {
    const loss = crossEntropy(forward(model, batch.x), batch.targets);
    const map = backward(loss, { wrt: model.params });
    const grads = model.params.map((p) => map.get(p)!);
    model.step++;
    const { lr, beta1, beta2, eps } = ADAM;
    const c1 = 1 - beta1 ** model.step;
    const c2 = 1 - beta2 ** model.step;
    noGrad(() =>
      model.params.forEach((p, i) => {
        const g = grads[i]!;
        const m = model.m[i]!.mul(beta1).add(g.mul(1 - beta1));
        const v = model.v[i]!.mul(beta2).add(g.square().mul(1 - beta2));
        const next = p.sub(m.div(c1).div(v.div(c2).sqrt().add(eps)).mul(lr));
        model.m[i]!.assign(m);
        model.v[i]!.assign(v);
        p.assign(next);
      }),
    );
    return { loss, grads: keepGrads ? grads : [] };
  });
}

/** Moves the parameters and Adam's state to `backend` (`variable.assign(await variable.to(backend))`). */
export async function moveMlp(model: Mlp, backend: Backend): Promise<void> {
  for (const v of [...model.params, ...model.m, ...model.v]) {
    if (v.backend === backend) continue;
    const moved = await v.to(backend);
    v.assign(moved);
    moved.dispose();
  }
}

/** Every variable of the model, for reading back or disposing. */
export function variablesOf(model: Mlp): Variable[] {
  return [...model.params, ...model.m, ...model.v];
}
