/** Feature extraction: run a frozen backbone once and keep its outputs, so head training costs only the head. */
import { Tensor, TensorError, concat, fmtShape, keep, tidy } from '@tessera/tensor-core';
import { noGrad } from '@tessera/autograd';
import { deserializeSafetensors, saveSafetensors, type AnyModule } from '@tessera/layers';
import { checkInt, checkOptions, describeValue } from './options.js';
import { requireModule } from './select.js';

/** Options of {@link extractFeatures}. */
export interface ExtractFeaturesOptions {
  /** Samples per forward pass when the input is one tensor (default 64). */
  readonly batchSize?: number;
  /**
   * A safetensors file (Node) that keeps the features between runs: read when it exists and was
   * written for this backbone and this data, else computed and written. The check compares the
   * backbone's parameter names and shapes and, for a tensor input, its shape; it reads neither
   * the weights nor the data, so delete the file after changing them.
   */
  readonly cache?: string;
}

/** A labelled batch as `fit` reads them: `[x, y]` or `{ x, y }`. */
export type LabelledBatch = readonly [Tensor, Tensor] | readonly Tensor[] | { readonly x: Tensor; readonly y: Tensor };

/** The features of a labelled dataset and its targets, ready for `fit({ data: { x, y } })`. */
export interface FeatureSet {
  /** Backbone outputs, one row per sample (`[N, ...featureShape]`). The caller owns it. */
  readonly x: Tensor;
  /** The targets, concatenated in the same order. The caller owns it. */
  readonly y: Tensor;
}

/**
 * Runs `backbone` once over a dataset, in eval mode and without recording gradients, and returns
 * its outputs in one tensor (in memory, on the backend the backbone runs on). Train a new head on
 * these features instead of on the images, and every epoch costs the head's forward and backward
 * only.
 *
 * When this is the right call: the backbone stays frozen for the whole run (a linear probe, or
 * head training before any unfreezing), the inputs are the same every epoch (no random
 * augmentation: augmented images give new features each epoch, which a cache cannot hold), and the
 * features fit in memory (`N × featureSize × 4` bytes). Otherwise run the backbone inside the
 * model with its parameters frozen ({@link freeze}), which costs a backbone forward per batch.
 *
 * Input: a tensor `[N, ...]` (split into `batchSize` slices), or an iterable or async iterable of
 * labelled batches (`[x, y]` or `{ x, y }`, e.g. a `DataLoader`), which gives a {@link FeatureSet}
 * with the targets. Batches of a non-array iterable are disposed after use unless it declares
 * `ownsBatches: true`, as `fit` does. The modes of the backbone's modules are restored afterwards.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a bad backbone, input or option, a backbone that does
 *   not return a tensor, or an empty dataset; `SHAPE_MISMATCH` when batches give features of
 *   different shapes; whatever the backbone throws.
 * @example
 * ```ts
 * freeze(backbone);
 * const features = await extractFeatures(backbone, trainImages, { batchSize: 128 });
 * const head = new Linear({ inFeatures: features.shape[1]!, outFeatures: 10 });
 * await fit(head, { data: { x: features, y: trainLabels }, loss: crossEntropy, optimizer, epochs: 20 });
 * ```
 */
export async function extractFeatures(backbone: AnyModule, data: Tensor, options?: ExtractFeaturesOptions): Promise<Tensor>;
export async function extractFeatures(backbone: AnyModule, data: Iterable<LabelledBatch> | AsyncIterable<LabelledBatch>, options?: ExtractFeaturesOptions): Promise<FeatureSet>;
export async function extractFeatures(
  backbone: AnyModule,
  data: Tensor | Iterable<LabelledBatch> | AsyncIterable<LabelledBatch>,
  options?: ExtractFeaturesOptions,
): Promise<Tensor | FeatureSet> {
  const op = 'extractFeatures';
  requireModule(op, backbone);
  const o = checkOptions(op, options, ['batchSize', 'cache']);
  const batchSize = checkInt(op, 'batchSize', o.batchSize ?? 64, 1);
  if (o.cache !== undefined && (typeof o.cache !== 'string' || o.cache === '')) throw new TensorError('INVALID_ARGUMENT', op, `cache must be a file path, got ${describeValue(o.cache)}`);
  if (o.cache !== undefined) {
    const key = cacheKey(backbone, data);
    const cached = await readCache(o.cache, key, backbone);
    if (cached) return data instanceof Tensor ? cached.x : cached;
    const result = await extractFeatures(backbone, data as Tensor, { batchSize });
    const set = result instanceof Tensor ? { x: result } : (result as FeatureSet);
    await saveSafetensors(set instanceof Tensor ? { x: set } : { ...set }, o.cache, { metadata: { 'tessera.features': key } });
    return result;
  }
  const modules = backbone.modules();
  const modes = modules.map((m) => m.training);
  backbone.eval();
  const features: Tensor[] = [];
  const targets: Tensor[] = [];
  const run = (x: Tensor): Tensor => {
    const out: unknown = noGrad(() => tidy(() => backbone.forward(x)));
    if (!(out instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', op, `the backbone's forward must return one Tensor, got ${describeValue(out)}`);
    const first = features[0];
    if (first !== undefined && (first.rank !== out.rank || first.shape.slice(1).some((d, i) => d !== out.shape[i + 1]))) {
      out.dispose();
      throw new TensorError('SHAPE_MISMATCH', op, `batches give features of different shapes: ${fmtShape(first.shape)} and ${fmtShape(out.shape)}`);
    }
    return out;
  };
  try {
    if (data instanceof Tensor) {
      if (data.isDisposed) throw new TensorError('TENSOR_DISPOSED', op, `data (tensor id=${data.id}) was disposed`);
      if (data.rank === 0 || data.shape[0] === 0) throw new TensorError('INVALID_ARGUMENT', op, `data must be [N, ...] with N >= 1, got shape ${fmtShape(data.shape)}`);
      const n = data.shape[0]!;
      for (let start = 0; start < n; start += batchSize) {
        const end = Math.min(n, start + batchSize);
        const slice = tidy(() => data.slice([start], [end]));
        try {
          features.push(run(slice));
        } finally {
          slice.dispose();
        }
      }
      return keep(concatAll(features));
    }
    const iterable = data as { [Symbol.asyncIterator]?: unknown; [Symbol.iterator]?: unknown; ownsBatches?: unknown };
    if (typeof data !== 'object' || data === null || (typeof iterable[Symbol.asyncIterator] !== 'function' && typeof iterable[Symbol.iterator] !== 'function')) {
      throw new TensorError('INVALID_ARGUMENT', op, `data must be a Tensor or an iterable of [x, y] / { x, y } batches, got ${describeValue(data)}`);
    }
    const disposeBatches = !Array.isArray(data) && iterable.ownsBatches !== true;
    let index = 0;
    for await (const batch of data as AsyncIterable<LabelledBatch>) {
      const [x, y] = unpack(op, batch, index++);
      try {
        features.push(run(x));
        targets.push(disposeBatches ? y : tidy(() => y.clone()));
      } finally {
        if (disposeBatches) x.dispose();
      }
    }
    if (features.length === 0) throw new TensorError('INVALID_ARGUMENT', op, 'data yielded no batch');
    return { x: keep(concatAll(features)), y: keep(concatAll(targets)) };
  } catch (e) {
    for (const t of [...features, ...targets]) t.dispose();
    throw e;
  } finally {
    modules.forEach((m, i) => (m.training = modes[i]!));
  }
}

/** What the cached features were computed from: the backbone's parameter names and shapes, and the input's shape. */
function cacheKey(backbone: AnyModule, data: unknown): string {
  const params = backbone.namedParameters().map(([n, p]) => `${n}${fmtShape(p.shape)}`).join(',');
  return JSON.stringify({ params, input: data instanceof Tensor ? fmtShape(data.shape) : 'batches' });
}

async function readCache(path: string, key: string, backbone: AnyModule): Promise<FeatureSet | undefined> {
  const fs = await nodeFs();
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch {
    return undefined; // no cache yet
  }
  const backend = backbone.parameters()[0]?.backend;
  const { tensors, metadata } = deserializeSafetensors(bytes, backend ? { backend } : {});
  const x = tensors.get('x');
  if (metadata['tessera.features'] === key && x !== undefined) {
    const y = tensors.get('y');
    return (y === undefined ? { x } : { x, y }) as FeatureSet;
  }
  for (const t of tensors.values()) t.dispose();
  return undefined; // written for another backbone or other data: recompute
}

async function nodeFs(): Promise<typeof import('node:fs/promises')> {
  // A computed specifier keeps bundlers from pulling node:fs into browser builds.
  const specifier = 'node:fs/promises';
  return (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as typeof import('node:fs/promises');
}

/** Concatenates and frees the parts (one part is returned as it is). */
function concatAll(parts: Tensor[]): Tensor {
  if (parts.length === 1) return parts[0]!;
  const out = tidy(() => concat(parts, 0));
  for (const t of parts) t.dispose();
  parts.length = 0;
  return out;
}

function unpack(op: string, batch: unknown, index: number): [Tensor, Tensor] {
  if (Array.isArray(batch) && batch.length === 2 && batch[0] instanceof Tensor && batch[1] instanceof Tensor) return [batch[0], batch[1]];
  if (typeof batch === 'object' && batch !== null && 'x' in batch && 'y' in batch) {
    const { x, y } = batch as { x: unknown; y: unknown };
    if (x instanceof Tensor && y instanceof Tensor) return [x, y];
  }
  throw new TensorError('INVALID_ARGUMENT', op, `batch ${index} must be [x, y] or { x, y } with two Tensors, got ${describeValue(batch)}`);
}
