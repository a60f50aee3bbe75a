/**
 * Grad-CAM on a named layer. The layer's output and its gradient are captured by a scoped forward
 * hook: for the duration of one pass, the layer instance's `forward` is shadowed by a wrapper that
 * computes the layer's output without recording, turns it into a fresh leaf that requires a
 * gradient, and hands that leaf to the rest of the model. `backward(score, { wrt: [leaf] })` then
 * gives ∂F_t/∂A without differentiating the layers before it, and the wrapper is removed in a
 * `finally`, so the model is left exactly as it was. It works for any model that calls the
 * layer's `forward` (every `Module`), not only for `Sequential`s that could be split in two.
 */
import { backward, noGrad } from '@tessera/autograd';
import { Module, type AnyModule } from '@tessera/layers';
import { describeValue, check, Tensor, TensorError, fmtShape, keep, resize, tidy } from '@tessera/tensor-core';
import { byChunks, inEvalMode, requireModel, resolveTargets, rows, targetScore, type ExplainableModel, type Target } from './model.js';

/** Options of {@link gradCam}. */
export interface GradCamOptions {
  /**
   * The layer whose output is explained: its dotted name in `model.namedModules()` (`'conv2'`,
   * `'features.3'`) or the module itself. Usually the last convolution.
   */
  readonly layer: string | AnyModule;
  /** The class to explain (see {@link Target}). */
  readonly target?: Target;
  /** Keep only positive evidence, `ReLU(map)` (default true, as the Grad-CAM paper; Captum's `LayerGradCam` defaults to false). */
  readonly relu?: boolean;
  /**
   * Resize the map to the inputs' height and width with bilinear interpolation (default true for
   * image inputs `[N, C, H, W]`); false returns it at the layer's resolution.
   */
  readonly upsample?: boolean;
  /** Examples per forward/backward pass (default 32). */
  readonly batchSize?: number;
}

const KEYS = ['layer', 'target', 'relu', 'upsample', 'batchSize'] as const;

/** Finds the layer by name (or checks that the module is part of the model). */
function findLayer(op: string, model: ExplainableModel, layer: unknown): AnyModule {
  const named = model.namedModules();
  if (typeof layer === 'string') {
    const found = named.find(([name]) => name === layer);
    if (!found) {
      const names = named.map(([name]) => name).filter((name) => name !== '');
      throw new TensorError('INVALID_ARGUMENT', op, `no layer named '${layer}' in the model (layers: ${names.join(', ') || 'none'})`);
    }
    return found[1];
  }
  if (layer instanceof Module) {
    if (!named.some(([, m]) => m === layer)) throw new TensorError('INVALID_ARGUMENT', op, `layer ${layer.constructor.name} is not a module of the model`);
    return layer;
  }
  throw new TensorError('INVALID_ARGUMENT', op, `layer must be a layer name or a Module of the model, got ${describeValue(layer)}`);
}

/**
 * Runs `fn` with `layer.forward` shadowed so that its output becomes a gradient leaf; returns what
 * `fn` returned and the captured leaf (which the caller disposes).
 */
function withCapturedOutput<T>(op: string, layer: AnyModule, fn: () => T): { result: T; activation: Tensor } {
  const hadOwn = Object.prototype.hasOwnProperty.call(layer, 'forward');
  const original = (layer as { forward: (...args: unknown[]) => unknown }).forward;
  let activation: Tensor | undefined;
  let calls = 0;
  Object.defineProperty(layer, 'forward', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: (...args: unknown[]): unknown => {
      calls++;
      if (calls > 1) throw new TensorError('INVALID_ARGUMENT', op, `layer ${layer.constructor.name} runs more than once per forward pass; Grad-CAM needs a layer that runs once`);
      const out = noGrad(() => original.apply(layer, args));
      if (!(out instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', op, `layer ${layer.constructor.name} must return a Tensor, got ${describeValue(out)}`);
      // A leaf outside every tidy scope: the model's own scopes must not free it before backward.
      const leaf = keep(out.reshape(out.shape));
      out.dispose();
      leaf.requiresGrad = true;
      activation = leaf;
      return leaf;
    },
  });
  try {
    const result = fn();
    if (activation === undefined) throw new TensorError('INVALID_ARGUMENT', op, `layer ${layer.constructor.name} did not run during the forward pass`);
    return { result, activation };
  } catch (error) {
    activation?.dispose();
    throw error;
  } finally {
    if (hadOwn) Object.defineProperty(layer, 'forward', { configurable: true, writable: true, enumerable: false, value: original });
    else delete (layer as { forward?: unknown }).forward;
  }
}

/**
 * Grad-CAM (Selvaraju et al. 2017), as Captum's `LayerGradCam`: with `A` the output `[N, C, h, w]`
 * of `layer` and `G = ∂F_t/∂A`, each channel is weighted by its mean gradient,
 * `map = Σ_c mean_hw(G_c) · A_c` (then ReLU'd, and resized to the input size by default). The
 * model runs in evaluation mode; see the module comment for how the activation is captured.
 *
 * @returns Maps `[N, 1, H, W]` (inputs' size) or `[N, 1, h, w]` (`upsample: false`).
 * @throws TensorError as {@link saliency}, and `INVALID_ARGUMENT` for an unknown layer name, a
 *   layer that is not part of the model, runs more than once or not at all;
 *   `SHAPE_MISMATCH` when the layer's output is not `[N, C, h, w]`, or for `upsample: true` with
 *   inputs that are not `[N, C, H, W]`.
 * @example
 * ```ts
 * const maps = await gradCam(model, images, { layer: 'conv2', target: labels }); // [N, 1, 28, 28]
 * ```
 */
export async function gradCam(model: ExplainableModel, inputs: Tensor, options: GradCamOptions): Promise<Tensor> {
  const op = 'gradCam';
  requireModel(op, model);
  const checks = check.all(op);
  checks.options(options, KEYS, { required: true });
  const batch = checks.floatBatch('inputs', inputs, '; only float inputs can be differentiated');
  const relu = checks.boolean('relu', options?.relu ?? true);
  const upsample = checks.boolean('upsample', options?.upsample ?? batch?.rank === 4);
  const batchSize = checks.int('batchSize', options?.batchSize ?? 32, { min: 1 });
  checks.done();
  const x = batch!;
  const layer = findLayer(op, model, options.layer);
  if (upsample && x.rank !== 4) throw new TensorError('SHAPE_MISMATCH', op, `upsample needs image inputs [N, C, H, W], got shape ${fmtShape(x.shape)}; pass upsample: false`);
  const targets = await resolveTargets(op, options.target, x.shape[0]!);
  return inEvalMode(model, () =>
    byChunks(x.shape[0]!, batchSize, (start, end) => {
      const t = targets?.subarray(start, end);
      const { result: score, activation } = withCapturedOutput(op, layer, () => targetScore(op, model.forward(rows(x, start, end)), t));
      try {
        if (activation.rank !== 4) {
          throw new TensorError('SHAPE_MISMATCH', op, `Grad-CAM needs a layer with output [N, C, h, w]; ${layer.constructor.name} returned shape ${fmtShape(activation.shape)}`);
        }
        const gradient = backward(score, { wrt: [activation] }).get(activation)!;
        return noGrad(() =>
          tidy(() => {
            const weights = gradient.mean([2, 3], true);
            let map = weights.mul(activation).sum(1, true);
            if (relu) map = map.relu();
            return upsample ? resize(map, [x.shape[2]!, x.shape[3]!], { mode: 'bilinear' }) : map;
          }),
        );
      } finally {
        activation.dispose();
      }
    }),
  );
}
