/**
 * Freezing and unfreezing by name, the BatchNorm policy of a fine-tuned model, and a summary of
 * what trains.
 */
import { TensorError, Variable, fmtShape } from '@tessera/tensor-core';
import type { AnyModule } from '@tessera/layers';
import { OnnxModule } from '../import/index.js';
import { checkOptions, describeValue } from './options.js';
import { requireModule, select, selectModules, type ParameterSelector } from './select.js';

/**
 * What BatchNorm layers do while a model trains:
 *
 * - `'frozen'` (the default): they normalise with their stored running statistics and never
 *   update them, as in eval mode, even inside `model.train()`. Their scale and shift still train
 *   if their parameters are unfrozen. This is what the Keras and fast.ai fine-tuning guides
 *   recommend for pretrained models: a small fine-tuning batch gives noisy statistics that would
 *   overwrite the ones learned on the large dataset, and moving them shifts every feature the
 *   head was learning from.
 * - `'train'`: ordinary training-mode BatchNorm (batch statistics, running averages updated).
 *   Choose it when the new data differs a lot from the pretraining data (other sensors, other
 *   image statistics) and batches are large (32 or more).
 *
 * @example
 * ```ts
 * const policy: BatchNormPolicy = 'frozen';
 * ```
 */
export type BatchNormPolicy = 'frozen' | 'train';

/** Options of {@link freeze} and {@link unfreeze}. */
export interface FreezeOptions {
  /**
   * What happens to the BatchNorm layers that the selectors cover. `freeze` defaults to
   * `'frozen'` (frozen weights and frozen statistics); `unfreeze` defaults to leaving each
   * layer's policy as it is, so statistics frozen earlier stay frozen (see {@link BatchNormPolicy}).
   */
  readonly batchNorm?: BatchNormPolicy;
}

/** What {@link freeze} and {@link unfreeze} changed. */
export interface FreezeResult {
  /** Dotted names of the parameters the call selected. */
  readonly parameters: string[];
  /** Paths of the BatchNorm layers whose policy the call set. */
  readonly batchNormLayers: string[];
}

const POLICIES: readonly BatchNormPolicy[] = ['frozen', 'train'];
/** BatchNorm layers whose statistics are frozen: their `training` is pinned to false. */
const pinned = new WeakSet<AnyModule>();

/**
 * Stops gradients for the parameters `selectors` select (`requiresGrad = false`), as for a
 * pretrained backbone, and by default also freezes the running statistics of the BatchNorm layers
 * they cover. With no selector, the whole model. Frozen parameters stay in `parameters()`, the
 * state dict and any optimizer; `fit` skips them.
 *
 * @throws TensorError `INVALID_ARGUMENT` when `model` is not a Module, a selector is malformed or
 *   selects nothing (the message lists the candidates), or an option is unknown or invalid.
 * @example
 * ```ts
 * const model = new Sequential({ backbone, head: new Linear({ inFeatures: 64, outFeatures: 10 }) });
 * freeze(model, 'backbone');            // or /^backbone\./
 * console.log(trainableSummary(model)); // backbone.* frozen, head.* trainable
 * ```
 */
export function freeze(model: AnyModule, ...args: Array<ParameterSelector | FreezeOptions>): FreezeResult {
  return setFrozen('freeze', model, args, true);
}

/**
 * Makes the parameters `selectors` select trainable again (all of them with no selector). The
 * BatchNorm statistics stay as they are unless `{ batchNorm: 'train' }` is passed.
 *
 * @throws TensorError as {@link freeze}; `DTYPE_MISMATCH` is impossible (parameters are float).
 * @example
 * ```ts
 * unfreeze(model, /^backbone\.layer4\./);                     // statistics stay frozen
 * unfreeze(model, 'backbone', { batchNorm: 'train' });        // statistics train too
 * ```
 */
export function unfreeze(model: AnyModule, ...args: Array<ParameterSelector | FreezeOptions>): FreezeResult {
  return setFrozen('unfreeze', model, args, false);
}

function splitArgs(op: string, args: Array<ParameterSelector | FreezeOptions>): { selectors: ParameterSelector[]; options: FreezeOptions } {
  const last = args[args.length - 1];
  const hasOptions = typeof last === 'object' && last !== null && !(last instanceof RegExp);
  const options = checkOptions<FreezeOptions>(op, hasOptions ? (last as FreezeOptions) : undefined, ['batchNorm']);
  if (options.batchNorm !== undefined && !POLICIES.includes(options.batchNorm)) {
    throw new TensorError('INVALID_ARGUMENT', op, `batchNorm must be one of ${POLICIES.map((p) => `'${p}'`).join(', ')}, got ${describeValue(options.batchNorm)}`);
  }
  return { selectors: (hasOptions ? args.slice(0, -1) : args) as ParameterSelector[], options };
}

function setFrozen(op: string, model: AnyModule, args: Array<ParameterSelector | FreezeOptions>, frozen: boolean): FreezeResult {
  requireModule(op, model);
  const { selectors, options } = splitArgs(op, args);
  const all = selectors.length === 0;
  const chosen = all ? model.namedParameters() : select(op, model, selectors);
  for (const [, p] of chosen) p.requiresGrad = !frozen;
  const policy = options.batchNorm ?? (frozen ? 'frozen' : undefined);
  const layers: string[] = [];
  if (policy !== undefined) {
    const covered = all ? model.namedModules() : selectModules(model, selectors);
    for (const [path, m] of batchNormHolders(model, covered)) {
      applyPolicy(m, policy, model.training);
      layers.push(path);
    }
  }
  restoreNames(model);
  return { parameters: chosen.map(([n]) => n), batchNormLayers: layers };
}

/**
 * The modules among `covered` that hold BatchNorm statistics and decide their mode. Weight groups
 * inside an imported graph are skipped: the graph's nodes read the mode of the imported model.
 */
function batchNormHolders(model: AnyModule, covered: [string, AnyModule][]): [string, AnyModule][] {
  const imported = model.namedModules().filter(([, m]) => m instanceof OnnxModule).map(([path]) => path);
  const inside = (path: string): boolean => imported.some((p) => path !== p && (p === '' || path.startsWith(`${p}.`)));
  const out = covered.filter(([path, m]) => !inside(path) && isBatchNorm(m));
  restoreNames(model);
  return out;
}

/** Gives parameters and buffers their dotted names in `model` again (walking a submodule renames them). */
function restoreNames(model: AnyModule): void {
  model.namedParameters();
  model.namedBuffers();
}

/**
 * Sets the {@link BatchNormPolicy} of every BatchNorm layer of `model` (or of those `selectors`
 * cover) without touching which parameters train. Returns the paths of the layers it set.
 *
 * A BatchNorm layer is any module with `runningMean` and `runningVar` buffers (the layers'
 * `BatchNorm1d`/`BatchNorm2d` and imported `BatchNormalization` nodes alike). Frozen statistics
 * survive `model.train()`, which `fit` calls at every epoch: the layer's `training` flag stays
 * false until the policy is set back to `'train'`.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a bad model, policy or selector, or when no BatchNorm
 *   layer is covered.
 * @example
 * ```ts
 * setBatchNormPolicy(model, 'frozen');   // every BN layer: eval-mode statistics while training
 * setBatchNormPolicy(model, 'train', 'head');
 * ```
 */
export function setBatchNormPolicy(model: AnyModule, policy: BatchNormPolicy, ...selectors: ParameterSelector[]): string[] {
  const op = 'setBatchNormPolicy';
  requireModule(op, model);
  if (!POLICIES.includes(policy)) {
    throw new TensorError('INVALID_ARGUMENT', op, `policy must be one of ${POLICIES.map((p) => `'${p}'`).join(', ')}, got ${describeValue(policy)}`);
  }
  if (selectors.length > 0) select(op, model, selectors); // validates each selector (each must select something)
  const covered = selectors.length === 0 ? model.namedModules() : selectModules(model, selectors);
  const layers = batchNormHolders(model, covered);
  if (layers.length === 0) {
    throw new TensorError('INVALID_ARGUMENT', op, `no BatchNorm layer (a module with runningMean and runningVar buffers) in ${selectors.length === 0 ? model.constructor.name : 'the selected modules'}`);
  }
  for (const [, m] of layers) applyPolicy(m, policy, model.training);
  return layers.map(([path]) => path);
}

/**
 * The policy a BatchNorm layer currently follows (`'frozen'` when its statistics are pinned).
 * @throws TensorError `INVALID_ARGUMENT` when `layer` is not a BatchNorm layer.
 * @example `batchNormPolicyOf(model.bn1); // 'frozen'`
 */
export function batchNormPolicyOf(layer: AnyModule): BatchNormPolicy {
  if (!(layer instanceof OnnxModule ? true : isBatchNorm(layer))) throw new TensorError('INVALID_ARGUMENT', 'batchNormPolicyOf', `expected a BatchNorm layer (a module with runningMean and runningVar buffers), got ${describeValue(layer)}`);
  return pinned.has(layer) ? 'frozen' : 'train';
}

/**
 * @internal Whether `m` keeps BatchNorm running statistics: a BatchNorm layer (`runningMean` and
 * `runningVar` buffers), or an imported ONNX model with float buffers (the statistics of its
 * `BatchNormalization` nodes). An imported graph follows one policy as a whole: its nodes read the
 * mode of the model that holds them.
 */
export function isBatchNorm(m: AnyModule): boolean {
  const fields = m as unknown as Record<string, unknown>;
  // Property reads, not namedBuffers(false), which would rename the buffers to local names.
  if (fields['runningMean'] instanceof Variable && fields['runningVar'] instanceof Variable) return true;
  if (!(m instanceof OnnxModule)) return false;
  const floatBuffers = m.namedBuffers().some(([, b]) => b.dtype === 'float32' || b.dtype === 'float64');
  return floatBuffers; // namedBuffers named them relative to m: callers restore the model's names

}

function applyPolicy(m: AnyModule, policy: BatchNormPolicy, modelTraining: boolean): void {
  if (policy === 'frozen') {
    if (pinned.has(m)) return;
    // An accessor instead of the data property: Module.train() assigns `training` on every
    // descendant, and the assignment must not switch the layer back to batch statistics.
    Object.defineProperty(m, 'training', { get: () => false, set: () => undefined, configurable: true, enumerable: true });
    pinned.add(m);
  } else {
    if (!pinned.has(m)) return;
    Object.defineProperty(m, 'training', { value: modelTraining, writable: true, configurable: true, enumerable: true });
    pinned.delete(m);
  }
}

/**
 * A table of every parameter: name, shape, element count and whether it trains, with the totals
 * and the BatchNorm layers whose statistics are frozen. `model.summary()` shows the same totals
 * per module; this one shows the split parameter by parameter, which is what you check after a
 * `freeze`.
 *
 * @throws TensorError `INVALID_ARGUMENT` when `model` is not a Module.
 * @example
 * ```ts
 * freeze(model, 'backbone');
 * console.log(trainableSummary(model));
 * // Parameter           Shape       Params  Trains
 * // backbone.0.weight   [16,1,3,3]     144  frozen
 * // ...
 * // Trainable params: 650 of 3,098 (21.0%)
 * ```
 */
export function trainableSummary(model: AnyModule): string {
  requireModule('trainableSummary', model);
  const named = model.namedParameters();
  const rows: [string, string, string, string][] = [['Parameter', 'Shape', 'Params', 'Trains']];
  for (const [name, p] of named) rows.push([name, fmtShape(p.shape), p.size.toLocaleString('en-US'), p.requiresGrad ? 'yes' : 'frozen']);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: [string, string, string, string]): string => `${r[0].padEnd(widths[0]!)}  ${r[1].padEnd(widths[1]!)}  ${r[2].padStart(widths[2]!)}  ${r[3]}`.trimEnd();
  const total = named.reduce((n, [, p]) => n + p.size, 0);
  const trainable = named.reduce((n, [, p]) => n + (p.requiresGrad ? p.size : 0), 0);
  const frozenBn = batchNormHolders(model, model.namedModules()).filter(([, m]) => pinned.has(m)).map(([path]) => path || '(root)');
  const pct = total === 0 ? 0 : (100 * trainable) / total;
  return [
    line(rows[0]!),
    ...rows.slice(1).map(line),
    `Trainable params: ${trainable.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} (${pct.toFixed(1)}%)`,
    `Frozen params: ${(total - trainable).toLocaleString('en-US')}`,
    `BatchNorm layers with frozen statistics: ${frozenBn.length === 0 ? 'none' : frozenBn.join(', ')}`,
  ].join('\n');
}
