/** `Embedding`: a lookup table of vectors indexed by integer ids. */
import { check, checkOptions, TensorError, arange, fmtShape, optionKeys, tidy, unobserved, where, type Tensor } from '@tessera/tensor-core';
import * as init from './init.js';
import { Module, parameter, type Parameter } from './module.js';
import { seedOrNext } from './random.js';

/** Options of {@link Embedding}. */
export interface EmbeddingOptions {
  /** Size of the vocabulary (rows of the table). */
  readonly numEmbeddings: number;
  /** Size of each vector. */
  readonly embeddingDim: number;
  /**
   * An id whose vector starts at zeros and gets no gradient (padding), as PyTorch; negative values
   * count from the end.
   */
  readonly paddingIdx?: number;
  /** Seed of the initialization (default: the {@link manualSeed} stream). */
  readonly seed?: number;
}

/**
 * A table of `numEmbeddings` vectors of size `embeddingDim` (PyTorch's `Embedding`): `forward`
 * maps int32 ids of any shape `[...]` to `[..., embeddingDim]`. `weight` starts as `N(0, 1)`,
 * as PyTorch, with the `paddingIdx` row zeroed.
 *
 * @throws TensorError `INVALID_ARGUMENT` for bad sizes or a `paddingIdx` outside the table; at
 *   `forward`, `DTYPE_MISMATCH` for non-int32 ids and `INDEX_OUT_OF_RANGE` for an id outside
 *   `[-numEmbeddings, numEmbeddings)`.
 * @example
 * ```ts
 * const emb = new Embedding({ numEmbeddings: 1000, embeddingDim: 64, paddingIdx: 0 });
 * emb.forward(tensor([[1, 2, 0]], undefined, { dtype: 'int32' })).shape; // [1, 3, 64]
 * ```
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | undefined;
  /** `[numEmbeddings, embeddingDim]`. */
  weight: Parameter;

  constructor(options: EmbeddingOptions) {
    super();
    const layer = 'Embedding';
    const checks = check.all(layer);
    const o = checks.options(options, optionKeys<EmbeddingOptions>({ numEmbeddings: true, embeddingDim: true, paddingIdx: true, seed: true }), { required: true });
    this.numEmbeddings = checks.int('numEmbeddings', o.numEmbeddings, { min: 1 });
    this.embeddingDim = checks.int('embeddingDim', o.embeddingDim, { min: 1 });
    checks.done();
    this.paddingIdx = checkPaddingIdx(o.paddingIdx, this.numEmbeddings);
    const seed = seedOrNext(layer, o.seed);
    const pad = this.paddingIdx;
    this.weight = parameter(
      tidy(() => {
        const w = init.normal([this.numEmbeddings, this.embeddingDim], { seed });
        if (pad === undefined) return w;
        return where(arange(this.numEmbeddings).equal(pad).reshape([this.numEmbeddings, 1]), 0, w);
      }),
    );
  }

  /**
   * An embedding holding `weights` `[numEmbeddings, embeddingDim]` (consumed, as
   * {@link parameter}), frozen unless `freeze: false` (PyTorch's `Embedding.from_pretrained`).
   * @throws TensorError `SHAPE_MISMATCH` unless `weights` is 2-D; as the constructor.
   * @example
   * ```ts
   * const emb = Embedding.fromPretrained(tensor([[0, 0], [1, 1]]), { freeze: false });
   * ```
   */
  static fromPretrained(weights: Tensor, options: { freeze?: boolean; paddingIdx?: number } = {}): Embedding {
    checkOptions('Embedding.fromPretrained', options, ['freeze', 'paddingIdx']);
    check.tensor('Embedding.fromPretrained', 'weights', weights);
    if (weights.rank !== 2) {
      throw new TensorError('SHAPE_MISMATCH', 'Embedding.fromPretrained', `weights must be [numEmbeddings, embeddingDim], got ${fmtShape(weights.shape)}`);
    }
    const freeze = check.boolean('Embedding.fromPretrained', 'freeze', options.freeze ?? true);
    const emb = new Embedding({ numEmbeddings: weights.shape[0]!, embeddingDim: weights.shape[1]!, seed: 0, ...(options.paddingIdx === undefined ? {} : { paddingIdx: options.paddingIdx }) });
    emb.weight.dispose();
    emb.weight = parameter(weights, { requiresGrad: !freeze });
    return emb;
  }

  forward(indices: Tensor): Tensor {
    check.tensor('Embedding', 'indices', indices);
    if (indices.dtype !== 'int32') {
      throw new TensorError('DTYPE_MISMATCH', 'Embedding', `indices must be int32, got ${indices.dtype} (shape ${fmtShape(indices.shape)})`);
    }
    const pad = this.paddingIdx;
    return tidy(() => {
      const rows = this.weight.gather(indices, 0);
      if (pad === undefined) return rows;
      // Padding positions read the same values through a view that no gradient flows through.
      const constant = unobserved(() => this.weight.reshape(this.weight.shape)).gather(indices, 0);
      const isPad = indices.equal(pad).logicalOr(indices.equal(pad - this.numEmbeddings)).unsqueeze(-1);
      return where(isPad, constant, rows);
    });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === undefined ? '' : `, paddingIdx=${this.paddingIdx}`}`;
  }
}

function checkPaddingIdx(value: unknown, n: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -n || value >= n) {
    throw new TensorError('INVALID_ARGUMENT', 'Embedding', `paddingIdx must be an integer in [-${n}, ${n}), got ${JSON.stringify(value)}`);
  }
  return value < 0 ? value + n : value;
}
