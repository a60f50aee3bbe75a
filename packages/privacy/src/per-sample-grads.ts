/**
 * Per-sample gradients: the gradient of each example's loss with respect to every trainable
 * parameter, shaped `[B, ...parameter.shape]`. DP-SGD clips each of them before summing.
 *
 * The efficient path is the one Opacus uses ("activations × backprops"): for the layers whose
 * weight enters the output linearly, the per-example weight gradient is a product of the layer's
 * input activation and the gradient of the loss with respect to the layer's output, both of which
 * a single batched forward and backward pass provide:
 *
 * - `Linear`: `dW[b] = Σ_t dy[b,t]ᵀ x[b,t]`, `db[b] = Σ_t dy[b,t]` (t runs over the middle axes);
 * - `Conv2d`: the weight gradient of a convolution whose groups are the examples: the batch is
 *   folded into channels (`[1, B·C, H, W]`) and `conv2dBackpropFilter` runs with `B·groups`
 *   groups, giving `[B·O, C/groups, kH, kW]` in one kernel call;
 * - `Embedding`: `dW[b, v] = Σ_{t: idx[b,t] = v} dy[b,t]` (a scatter-add per example; the
 *   padding row gets none);
 * - `LayerNorm`: `dγ[b] = Σ_t dy[b,t] ⊙ x̂[b,t]`, `dβ[b] = Σ_t dy[b,t]`, with x̂ recomputed from
 *   the captured input.
 *
 * How the activations and output gradients are obtained with the public Module and autograd
 * APIs: while the loss function runs, the `forward` of each supported layer instance is shadowed
 * by an own property (as `Module.summary` traces shapes), which records the layer's input and
 * output. The output `y` is kept alive (`keep`) and the model receives a recorded view of it, so
 * `backward(loss, { wrt: [y₁, y₂, ...] })` returns exactly `∂loss/∂yᵢ` and runs only the rules
 * downstream of the layers (no aggregated weight gradients are computed). The shadowing is
 * removed before the function returns, even when it throws.
 *
 * Parameters of any other module (a custom layer, Conv1d, BatchNorm-free norms, recurrent
 * layers, ...) get the generic fallback: one forward and backward per example (`B` passes),
 * slower but exact for any differentiable model.
 */
import { backward, detach, enableAutograd, noGrad } from '@tessera/autograd';
import { Conv2d, Embedding, LayerNorm, Linear, type AnyModule } from '@tessera/layers';
import {
  describeValue,
  check,
  Tensor,
  TensorError,
  conv2dBackpropFilter,
  dispose,
  fmtShape,
  keep,
  matmul,
  scatterAdd,
  concat,
  stack,
  tensor,
  tidy,
  zeros,
  type Conv2dParams,
  type Variable,
} from '@tessera/tensor-core';

/**
 * A loss function for per-sample gradients: runs the model on a batch (the tensors of `batch`,
 * each with the examples along axis 0) and returns ONE LOSS PER EXAMPLE, shape `[B]` (for
 * instance `crossEntropy(model.forward(x), y, { reduction: 'none' })`). Examples must not
 * interact (no BatchNorm in training mode): each loss may depend on its own example only.
 */
export type PerSampleLossFn = (...batch: Tensor[]) => Tensor;

/** Options of {@link perSampleGradients}. */
export interface PerSampleGradientsOptions {
  /**
   * `'auto'` (default): activations × backprops for Linear, Conv2d, Embedding and LayerNorm,
   * the per-example loop for the parameters of any other module. `'loop'`: the per-example loop
   * for every parameter (the reference the fast path is tested against).
   */
  readonly method?: 'auto' | 'loop';
}

/** What {@link perSampleGradients} returns; the caller owns (and disposes) every tensor in it. */
export interface PerSampleGradients {
  /** Per-example gradient of each trainable parameter, `[B, ...parameter.shape]`, in module order. */
  readonly grads: Map<Variable, Tensor>;
  /** The per-example losses, `[B]` (no gradient attached). */
  readonly losses: Tensor;
  /** B. */
  readonly batchSize: number;
}

/** A supported layer and where its per-example gradients come from. */
type Supported = Linear | Conv2d | Embedding | LayerNorm;

function isSupported(m: AnyModule): m is Supported {
  return m instanceof Linear || m instanceof Conv2d || m instanceof Embedding || m instanceof LayerNorm;
}

/** One call of a supported layer: its input and (kept) output. */
interface Capture {
  readonly layer: Supported;
  readonly input: Tensor;
  readonly output: Tensor;
}

/** The parameters a supported layer owns directly (weight and bias, where trainable). */
function ownParams(layer: Supported): Variable[] {
  const out: Variable[] = [];
  if (layer.weight?.requiresGrad) out.push(layer.weight);
  const bias = layer instanceof Embedding ? undefined : layer.bias;
  if (bias?.requiresGrad) out.push(bias);
  return out;
}

/**
 * Computes the gradient of each example's loss with respect to every trainable parameter of
 * `model` (see the module comment for the method). `lossFn(...batch)` must return the losses of
 * the examples, shape `[B]`.
 *
 * Memory: the result holds `B` copies of every parameter's size; pick the batch accordingly.
 *
 * The fast path sees a parameter only through its layer's `forward`: a weight of a supported
 * layer that the model also uses directly (outside that layer) must go through `method: 'loop'`.
 * Weight sharing between supported layers (a Linear reusing an Embedding's weight) is summed
 * correctly.
 *
 * @throws TensorError `INVALID_ARGUMENT` for an empty batch list, a non-tensor in it, tensors
 *   that disagree on B, a `lossFn` that is not a function or returns no tensor, or an unknown
 *   option; `SHAPE_MISMATCH` when the losses are not shaped `[B]` or a supported layer ran on
 *   an input without a batch axis; `GRADIENT_ERROR` when the model has no trainable parameter.
 * @example
 * ```ts
 * const { grads, losses } = perSampleGradients(
 *   model,
 *   (x, y) => crossEntropy(model.forward(x), y, { reduction: 'none' }),
 *   [images, labels],
 * );
 * grads.get(model.fc.weight)!.shape; // [B, out, in]
 * dispose([[...grads.values()], losses]);
 * ```
 */
export function perSampleGradients(model: AnyModule, lossFn: PerSampleLossFn, batch: readonly Tensor[], options: PerSampleGradientsOptions = {}): PerSampleGradients {
  const op = 'perSampleGradients';
  enableAutograd();
  const { method = 'auto' } = check.options(op, options, ['method']);
  if (method !== 'auto' && method !== 'loop') throw new TensorError('INVALID_ARGUMENT', op, `method must be 'auto' or 'loop', got ${describeValue(method)}`);
  if (typeof (model as { namedModules?: unknown })?.namedModules !== 'function') throw new TensorError('INVALID_ARGUMENT', op, `model must be a Module, got ${describeValue(model)}`);
  if (typeof lossFn !== 'function') throw new TensorError('INVALID_ARGUMENT', op, `lossFn must be a function returning one loss per example, got ${describeValue(lossFn)}`);
  const batchSize = checkBatch(op, batch);
  const m = model as AnyModule;
  const params = m.parameters().filter((p) => p.requiresGrad);
  if (params.length === 0) throw new TensorError('GRADIENT_ERROR', op, `${m.constructor.name} has no trainable parameter`);

  // Which parameters the fast path covers: those owned by a supported layer.
  const layers = method === 'auto' ? m.modules().filter(isSupported) : [];
  const covered = new Set(layers.flatMap(ownParams));
  const rest = params.filter((p) => !covered.has(p));

  const grads = new Map<Variable, Tensor>();
  let losses: Tensor | undefined;
  try {
    if (layers.length > 0 && covered.size > 0) {
      const fast = activationsTimesBackprops(op, m, layers, lossFn, batch, batchSize);
      losses = fast.losses;
      for (const [p, g] of fast.grads) grads.set(p, g);
    }
    if (rest.length > 0 || losses === undefined) {
      const slow = perExampleLoop(op, lossFn, batch, batchSize, rest);
      if (losses === undefined) losses = slow.losses;
      else slow.losses.dispose();
      for (const [p, g] of slow.grads) grads.set(p, g);
    }
  } catch (error) {
    dispose([[...grads.values()], losses]);
    throw error;
  }
  // Module order, whichever path produced them.
  const ordered = new Map<Variable, Tensor>();
  for (const p of params) ordered.set(p, grads.get(p)!);
  return { grads: ordered, losses, batchSize };
}

function checkBatch(op: string, batch: readonly Tensor[]): number {
  if (!Array.isArray(batch) || batch.length === 0) throw new TensorError('INVALID_ARGUMENT', op, `batch must be a non-empty array of tensors (examples along axis 0), got ${describeValue(batch)}`);
  batch.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', op, `batch[${i}] must be a Tensor, got ${describeValue(t)}`);
    if (t.isDisposed) throw new TensorError('TENSOR_DISPOSED', op, `batch[${i}] (tensor id=${t.id}) was disposed`);
    if (t.rank === 0) throw new TensorError('SHAPE_MISMATCH', op, `batch[${i}] must have the examples along axis 0, got a scalar`);
  });
  const b = batch[0]!.shape[0]!;
  batch.forEach((t, i) => {
    if (t.shape[0] !== b) throw new TensorError('INVALID_ARGUMENT', op, `every batch tensor needs the same number of examples: batch[0].shape=${fmtShape(batch[0]!.shape)}, batch[${i}].shape=${fmtShape(t.shape)}`);
  });
  if (b === 0) throw new TensorError('INVALID_ARGUMENT', op, 'the batch is empty (B = 0); an empty Poisson batch needs no gradients: call DPOptimizer.step(null)');
  return b;
}

function checkLosses(op: string, losses: unknown, batchSize: number): Tensor {
  if (!(losses instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', op, `lossFn must return a Tensor of per-example losses, got ${describeValue(losses)}`);
  if (losses.rank !== 1 || losses.shape[0] !== batchSize) {
    throw new TensorError('SHAPE_MISMATCH', op, `lossFn must return one loss per example, shape [${batchSize}], got ${fmtShape(losses.shape)} (use reduction: 'none')`);
  }
  return losses;
}

/** One batched forward and backward; per-example gradients from the captured activations. */
function activationsTimesBackprops(op: string, model: AnyModule, layers: Supported[], lossFn: PerSampleLossFn, batch: readonly Tensor[], batchSize: number): { grads: Map<Variable, Tensor>; losses: Tensor } {
  const captures: Capture[] = [];
  // Each shadowed layer with the own `forward` property it had before (usually none), to restore.
  const shadowed: [Supported, PropertyDescriptor | undefined][] = [];
  let losses: Tensor | undefined;
  try {
    for (const layer of layers) {
      if (ownParams(layer).length === 0) continue;
      const original = layer.forward;
      shadowed.push([layer, Object.getOwnPropertyDescriptor(layer, 'forward')]);
      Object.defineProperty(layer, 'forward', {
        value: (x: Tensor): Tensor => {
          const y = original.call(layer, x);
          // Kept: the model's own tidy would free y, and backward needs it as a `wrt` target.
          captures.push({ layer, input: keep(detach(x)), output: keep(y) });
          return y.reshape(y.shape);
        },
        configurable: true,
        enumerable: false,
        writable: true,
      });
    }
    let outputGrads: Map<Tensor, Tensor>;
    try {
      const value = tidy(() => {
        const l = checkLosses(op, lossFn(...batch), batchSize);
        return [l, l.sum()];
      });
      losses = value[0]!;
      const total = value[1]!;
      try {
        if (captures.length === 0) throw new TensorError('GRADIENT_ERROR', op, 'lossFn ran none of the model\'s Linear/Conv2d/Embedding/LayerNorm layers');
        outputGrads = backward(total, { wrt: captures.map((c) => c.output) });
      } finally {
        total.dispose();
      }
    } finally {
      for (const [layer, previous] of shadowed) {
        if (previous === undefined) delete (layer as { forward?: unknown }).forward;
        else Object.defineProperty(layer, 'forward', previous);
      }
    }
    try {
      const grads = noGrad(() => tidy(() => {
        const acc = new Map<Variable, Tensor>();
        const add = (p: Variable, g: Tensor): void => {
          const previous = acc.get(p);
          acc.set(p, previous === undefined ? g : previous.add(g));
        };
        for (const c of captures) {
          const dy = outputGrads.get(c.output)!;
          for (const [p, g] of layerGrads(op, c.layer, c.input, dy, batchSize)) add(p, g);
        }
        return acc;
      }));
      const detached = detach(losses);
      losses.dispose();
      return { grads, losses: detached };
    } finally {
      dispose([...outputGrads.values()]);
    }
  } catch (error) {
    losses?.dispose();
    throw error;
  } finally {
    for (const c of captures) dispose([c.input, c.output]);
  }
}

/** The per-example gradients of one captured call of a supported layer. */
function layerGrads(op: string, layer: Supported, x: Tensor, dy: Tensor, batchSize: number): [Variable, Tensor][] {
  const out: [Variable, Tensor][] = [];
  const requireBatch = (minRank: number, what: string): void => {
    if (x.rank < minRank || x.shape[0] !== batchSize) {
      throw new TensorError('SHAPE_MISMATCH', op, `${layer.constructor.name} ran on an input of shape ${fmtShape(x.shape)}; per-sample gradients need ${what} with the ${batchSize} examples along axis 0`);
    }
  };
  if (layer instanceof Linear) {
    requireBatch(2, '[B, ..., inFeatures]');
    const x3 = x.reshape([batchSize, -1, layer.inFeatures]);
    const dy3 = dy.reshape([batchSize, -1, layer.outFeatures]);
    if (layer.weight.requiresGrad) out.push([layer.weight, matmul(dy3, x3, { transposeA: true })]);
    if (layer.bias?.requiresGrad) out.push([layer.bias, dy3.sum(1)]);
  } else if (layer instanceof Conv2d) {
    requireBatch(4, '[B, C, H, W]');
    const [, c, h, w] = x.shape as [number, number, number, number];
    const [, o, oh, ow] = dy.shape as [number, number, number, number];
    if (layer.weight.requiresGrad) {
      const [, cg, kh, kw] = layer.weight.shape as [number, number, number, number];
      const params = convParams(layer);
      // The examples become channel groups: one backprop-filter call gives every example's kernel gradient.
      const g = conv2dBackpropFilter(x.reshape([1, batchSize * c, h, w]), dy.reshape([1, batchSize * o, oh, ow]), [batchSize * o, cg, kh, kw], { ...params, groups: batchSize * params.groups });
      out.push([layer.weight, g.reshape([batchSize, o, cg, kh, kw])]);
    }
    if (layer.bias?.requiresGrad) out.push([layer.bias, dy.sum([2, 3])]);
  } else if (layer instanceof Embedding) {
    requireBatch(1, 'indices');
    if (layer.weight.requiresGrad) {
      const d = layer.embeddingDim;
      const idx = x.reshape([batchSize, -1, 1]).broadcastTo([batchSize, x.size / batchSize, d]);
      let g = scatterAdd(zeros([batchSize, layer.numEmbeddings, d], { backend: dy.backend }), idx, dy.reshape([batchSize, -1, d]), 1);
      if (layer.paddingIdx !== undefined) {
        // The padding row receives no gradient (as in the layer's own backward).
        const keepRow = Array.from({ length: layer.numEmbeddings }, (_, v) => (v === layer.paddingIdx ? 0 : 1));
        g = g.mul(tensor(keepRow, [1, layer.numEmbeddings, 1], { backend: dy.backend }));
      }
      out.push([layer.weight, g]);
    }
  } else {
    requireBatch(layer.normalizedShape.length + 1, `[B, ..., ${layer.normalizedShape.join(', ')}]`);
    const n = layer.normalizedShape.length;
    const normAxes = Array.from({ length: n }, (_, i) => x.rank - n + i);
    const middleAxes = Array.from({ length: x.rank - n - 1 }, (_, i) => i + 1);
    const mean = x.mean(normAxes, true);
    const centered = x.sub(mean);
    const variance = centered.square().mean(normAxes, true);
    const xHat = centered.div(variance.add(layer.eps).sqrt());
    const reduce = (t: Tensor): Tensor => (middleAxes.length > 0 ? t.sum(middleAxes) : t);
    if (layer.weight?.requiresGrad) out.push([layer.weight, reduce(dy.mul(xHat))]);
    if (layer.bias?.requiresGrad) out.push([layer.bias, reduce(dy)]);
  }
  return out;
}

/** The resolved convolution parameters of a Conv2d layer (its `'same'`/`'valid'` padding made explicit). */
function convParams(layer: Conv2d): Conv2dParams {
  const [kh, kw] = layer.kernelSize;
  const [dh, dw] = layer.dilation;
  let padding: [number, number, number, number];
  if (layer.padding === 'valid') padding = [0, 0, 0, 0];
  else if (layer.padding === 'same') {
    const th = dh * (kh - 1);
    const tw = dw * (kw - 1);
    padding = [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
  } else padding = [layer.padding[0], layer.padding[0], layer.padding[1], layer.padding[1]];
  return { stride: layer.stride, padding, dilation: layer.dilation, groups: layer.groups };
}

/**
 * The generic fallback: for each example, the loss of that example alone and its gradient with
 * respect to `params` (B forward and backward passes).
 */
function perExampleLoop(op: string, lossFn: PerSampleLossFn, batch: readonly Tensor[], batchSize: number, params: Variable[]): { grads: Map<Variable, Tensor>; losses: Tensor } {
  const perParam: Tensor[][] = params.map(() => []);
  const lossList: Tensor[] = [];
  try {
    for (let b = 0; b < batchSize; b++) {
      const { loss, grads } = tidy(() => {
        const one = batch.map((t) => t.slice([b], [b + 1]));
        const l = checkLosses(op, lossFn(...one), 1);
        const total = l.sum();
        const g = params.length > 0 ? backward(total, { wrt: params }) : new Map<Tensor, Tensor>();
        return { loss: detach(l), grads: params.map((p) => g.get(p)!) };
      });
      lossList.push(loss);
      grads.forEach((g, i) => perParam[i]!.push(g));
    }
    return noGrad(() => {
      const result = new Map<Variable, Tensor>();
      params.forEach((p, i) => result.set(p, stack(perParam[i]!, 0)));
      return { grads: result, losses: concat(lossList, 0) };
    });
  } finally {
    dispose([perParam, lossList]);
  }
}
