/**
 * `TransformerEncoderLayer`: PyTorch's `nn.TransformerEncoderLayer` (self-attention and a
 * feed-forward block, each with a residual connection and LayerNorm, post-norm or pre-norm).
 */
import { check, describeValue, TensorError, fmtShape, optionKeys, tidy, type Tensor } from '@tessera/tensor-core';
import { Dropout } from '../dropout.js';
import { Linear } from '../linear.js';
import { Module } from '../module.js';
import { LayerNorm } from '../norm.js';
import { deriveSeed, seedOrNext } from '../random.js';
import { MultiHeadAttention } from './multi-head-attention.js';

/** Options of {@link TransformerEncoderLayer} (PyTorch's, in camelCase). */
export interface TransformerEncoderLayerOptions {
  /** Model width `E`. */
  readonly dModel: number;
  /** Attention heads; must divide `dModel`. */
  readonly nhead: number;
  /** Width of the feed-forward block (default 2048). */
  readonly dimFeedforward?: number;
  /** Dropout probability after attention, inside and after the feed-forward block (default 0.1). */
  readonly dropout?: number;
  /** Activation of the feed-forward block: `'relu'` (default), `'gelu'` (exact), or a function. */
  readonly activation?: 'relu' | 'gelu' | ((x: Tensor) => Tensor);
  /** LayerNorm epsilon (default 1e-5). */
  readonly layerNormEps?: number;
  /** Input and output are `[N, S, E]` instead of `[S, N, E]` (default false). */
  readonly batchFirst?: boolean;
  /** Pre-norm (`x + block(norm(x))`) instead of post-norm (`norm(x + block(x))`, the default). */
  readonly normFirst?: boolean;
  /** Learn biases in the linear layers and LayerNorms (default true). */
  readonly bias?: boolean;
  /** Seed of the initialization and the dropout masks (default: the {@link manualSeed} stream). */
  readonly seed?: number;
}

/** Options of {@link TransformerEncoderLayer.forward}. */
export interface TransformerEncoderLayerForwardOptions {
  /** Attention mask `[S, S]` or `[N·nhead, S, S]`, bool (`true` = masked) or float (added). */
  readonly srcMask?: Tensor;
  /** `[N, S]` bool (`true` = padding) or float. */
  readonly srcKeyPaddingMask?: Tensor;
  /** Mask the future (a causal mask, combined with `srcMask`). */
  readonly isCausal?: boolean;
}

/**
 * One Transformer encoder layer (PyTorch `nn.TransformerEncoderLayer`). Post-norm (default):
 * `x = norm1(x + dropout1(selfAttn(x)))`, `x = norm2(x + dropout2(linear2(dropout(act(linear1(x))))))`;
 * pre-norm with `normFirst`: `x = x + dropout1(selfAttn(norm1(x)))`, `x = x + ff(norm2(x))`.
 *
 * Submodules carry PyTorch's names (`self_attn`, `linear1`, `dropout`, `linear2`, `norm1`,
 * `norm2`, `dropout1`, `dropout2`) so state dicts exchange with PyTorch as they are; `selfAttn`
 * is a typed alias of `self_attn`. Padding queries produce NaN rows only when all their keys are
 * masked (see {@link MultiHeadAttention}).
 *
 * @throws TensorError `INVALID_ARGUMENT` for bad options; at `forward`, as {@link MultiHeadAttention}.
 * @example
 * ```ts
 * const layer = new TransformerEncoderLayer({ dModel: 32, nhead: 4, dimFeedforward: 64, batchFirst: true, seed: 0 });
 * const y = layer.forward(randn([2, 10, 32], { seed: 1 }), { isCausal: true });
 * y.shape; // [2, 10, 32]
 * ```
 */
export class TransformerEncoderLayer extends Module<[Tensor, TransformerEncoderLayerForwardOptions?], Tensor> {
  readonly dModel: number;
  readonly nhead: number;
  readonly dimFeedforward: number;
  readonly batchFirst: boolean;
  readonly normFirst: boolean;
  readonly activation: 'relu' | 'gelu' | ((x: Tensor) => Tensor);
  // PyTorch's attribute names (state-dict keys), in PyTorch's order.
  readonly self_attn: MultiHeadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;

  constructor(options: TransformerEncoderLayerOptions) {
    super();
    const layer = 'TransformerEncoderLayer';
    const checks = check.all(layer);
    const o = checks.options(options, optionKeys<TransformerEncoderLayerOptions>({ dModel: true, nhead: true, dimFeedforward: true, dropout: true, activation: true, layerNormEps: true, batchFirst: true, normFirst: true, bias: true, seed: true }), { required: true });
    this.dModel = checks.int('dModel', o.dModel, { min: 1 });
    this.nhead = checks.int('nhead', o.nhead, { min: 1 });
    this.dimFeedforward = checks.int('dimFeedforward', o.dimFeedforward ?? 2048, { min: 1 });
    const p = checks.number('dropout', o.dropout ?? 0.1, { min: 0, max: 1 });
    const activation = o.activation ?? 'relu';
    if (activation !== 'relu' && activation !== 'gelu' && typeof activation !== 'function') {
      checks.fail('INVALID_ARGUMENT', `activation must be 'relu', 'gelu' or a function, got ${describeValue(activation)}`, 'activation', activation);
    }
    this.activation = activation;
    const eps = checks.number('layerNormEps', o.layerNormEps ?? 1e-5, { min: 0, minExclusive: true });
    this.batchFirst = checks.boolean('batchFirst', o.batchFirst ?? false);
    this.normFirst = checks.boolean('normFirst', o.normFirst ?? false);
    const bias = checks.boolean('bias', o.bias ?? true);
    checks.done();
    if (this.dModel % this.nhead !== 0) {
      throw new TensorError('INVALID_ARGUMENT', layer, `dModel (${this.dModel}) must be divisible by nhead (${this.nhead})`);
    }
    const seed = seedOrNext(layer, o.seed);
    this.self_attn = new MultiHeadAttention({ embedDim: this.dModel, numHeads: this.nhead, dropout: p, bias, batchFirst: this.batchFirst, seed: deriveSeed(seed, 0) });
    this.linear1 = new Linear({ inFeatures: this.dModel, outFeatures: this.dimFeedforward, bias, seed: deriveSeed(seed, 1) });
    this.dropout = new Dropout({ p, seed: deriveSeed(seed, 2) });
    this.linear2 = new Linear({ inFeatures: this.dimFeedforward, outFeatures: this.dModel, bias, seed: deriveSeed(seed, 3) });
    this.norm1 = new LayerNorm({ normalizedShape: this.dModel, eps, bias });
    this.norm2 = new LayerNorm({ normalizedShape: this.dModel, eps, bias });
    this.dropout1 = new Dropout({ p, seed: deriveSeed(seed, 4) });
    this.dropout2 = new Dropout({ p, seed: deriveSeed(seed, 5) });
  }

  /** Alias of `self_attn` (PyTorch's name, kept for state dicts). */
  get selfAttn(): MultiHeadAttention {
    return this.self_attn;
  }

  /**
   * Encodes `src`: `[S, N, E]` (`[N, S, E]` with `batchFirst`) or `[S, E]` unbatched.
   * @returns A tensor shaped like `src`.
   * @throws TensorError `SHAPE_MISMATCH` / `DTYPE_MISMATCH` for `src` or a mask that does not fit,
   *   naming the shapes; `INVALID_ARGUMENT` for bad options.
   */
  override forward(src: Tensor, options: TransformerEncoderLayerForwardOptions = {}): Tensor {
    const layer = 'TransformerEncoderLayer';
    const o = check.options(layer, options, optionKeys<TransformerEncoderLayerForwardOptions>({ srcMask: true, srcKeyPaddingMask: true, isCausal: true }), { required: true });
    const x = check.tensor(layer, 'src', src);
    if ((x.rank !== 2 && x.rank !== 3) || x.shape[x.rank - 1] !== this.dModel) {
      throw new TensorError('SHAPE_MISMATCH', layer, `expected src of shape ${this.batchFirst ? '[N, S, dModel]' : '[S, N, dModel]'} or [S, dModel] (unbatched) with dModel=${this.dModel}, got src.shape=${fmtShape(x.shape)}`);
    }
    const attention = {
      ...(o.srcMask === undefined ? {} : { attnMask: o.srcMask }),
      ...(o.srcKeyPaddingMask === undefined ? {} : { keyPaddingMask: o.srcKeyPaddingMask }),
      ...(o.isCausal === undefined ? {} : { isCausal: o.isCausal }),
      needWeights: false,
    };
    const selfAttention = (t: Tensor): Tensor => this.dropout1.forward(this.self_attn.forward(t, t, t, attention).output);
    const feedForward = (t: Tensor): Tensor => this.dropout2.forward(this.linear2.forward(this.dropout.forward(this.#activate(this.linear1.forward(t)))));
    return tidy(() => {
      if (this.normFirst) {
        const h = x.add(selfAttention(this.norm1.forward(x)));
        return h.add(feedForward(this.norm2.forward(h)));
      }
      const h = this.norm1.forward(x.add(selfAttention(x)));
      return this.norm2.forward(h.add(feedForward(h)));
    });
  }

  #activate(t: Tensor): Tensor {
    if (this.activation === 'relu') return t.relu();
    if (this.activation === 'gelu') return t.gelu();
    return this.activation(t);
  }

  override extraRepr(): string {
    const act = typeof this.activation === 'function' ? 'custom' : this.activation;
    return `dModel=${this.dModel}, nhead=${this.nhead}, dimFeedforward=${this.dimFeedforward}, activation=${act}${this.normFirst ? ', normFirst=true' : ''}${this.batchFirst ? ', batchFirst=true' : ''}`;
  }
}
