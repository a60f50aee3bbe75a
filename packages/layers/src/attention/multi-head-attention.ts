/**
 * `MultiHeadAttention`: PyTorch's `nn.MultiheadAttention` (scaled dot-product attention over
 * `numHeads` heads, with padding and attention masks), built from tensor-core ops.
 */
import { check, Tensor, TensorError, fmtShape, isFloat, split, tensor, optionKeys, tidy, where, type Variable } from '@tessera/tensor-core';
import { Dropout } from '../dropout.js';
import * as init from '../init.js';
import { Linear } from '../linear.js';
import { Module, type Parameter } from '../module.js';
import { deriveSeed, seedOrNext } from '../random.js';

/** Options of {@link MultiHeadAttention} (PyTorch's, in camelCase). */
export interface MultiHeadAttentionOptions {
  /** Model width `E` (the query's features and the output's). */
  readonly embedDim: number;
  /** Number of heads; must divide `embedDim`. */
  readonly numHeads: number;
  /** Dropout probability on the attention weights, in training mode (default 0). */
  readonly dropout?: number;
  /** Learn biases in the input and output projections (default true). */
  readonly bias?: boolean;
  /** Features of the key (default `embedDim`). */
  readonly kdim?: number;
  /** Features of the value (default `embedDim`). */
  readonly vdim?: number;
  /** Inputs and output are `[N, L, E]` instead of `[L, N, E]` (default false, as PyTorch). */
  readonly batchFirst?: boolean;
  /** Seed of the initialization and the dropout masks (default: the {@link manualSeed} stream). */
  readonly seed?: number;
}

/** Options of {@link MultiHeadAttention.forward}. */
export interface AttentionOptions {
  /**
   * `[N, S]` (`[S]` unbatched): bool, `true` = this key is padding and is ignored; or float,
   * added to the scores.
   */
  readonly keyPaddingMask?: Tensor;
  /**
   * `[L, S]` or `[N·numHeads, L, S]` (`[numHeads, L, S]` unbatched): bool, `true` = query `i`
   * may not attend to key `j`; or float, added to the scores (use `-Infinity` to mask).
   */
  readonly attnMask?: Tensor;
  /** Return the attention weights (default true). */
  readonly needWeights?: boolean;
  /** Average the returned weights over the heads (default true): `[N, L, S]` instead of `[N, numHeads, L, S]`. */
  readonly averageAttnWeights?: boolean;
  /** Mask the future: query `i` attends to keys `j <= i` only (combined with `attnMask` when both are given). */
  readonly isCausal?: boolean;
}

/** What {@link MultiHeadAttention.forward} returns. */
export interface AttentionResult {
  /** `[L, N, E]` (`[N, L, E]` with `batchFirst`; `[L, E]` unbatched). */
  readonly output: Tensor;
  /** The attention weights (after dropout, as PyTorch), or undefined with `needWeights: false`. */
  readonly weights: Tensor | undefined;
}

/**
 * Multi-head attention (PyTorch `nn.MultiheadAttention`):
 * `out = concat_h(softmax(Q_h K_hᵀ / √d + mask) V_h) · W_oᵀ + b_o`, with `Q = query·W_qᵀ + b_q`
 * and likewise for `K` and `V`, `d = embedDim / numHeads`.
 *
 * Parameters carry PyTorch's names so state dicts exchange as they are: `in_proj_weight`
 * `[3E, E]` and `in_proj_bias` `[3E]` (or `q_proj_weight`, `k_proj_weight`, `v_proj_weight`
 * when `kdim`/`vdim` differ from `embedDim`), and `out_proj` (a {@link Linear}). Initialization
 * as PyTorch: Xavier-uniform projections, zero biases, `out_proj.weight` as a Linear.
 *
 * Masks: a bool mask marks with `true` what may NOT be attended (PyTorch's convention); those
 * scores become `-Infinity` before the softmax. A query whose keys are all masked gets NaN
 * output and weights, as in PyTorch (the softmax of a row of `-Infinity`): mask padding queries
 * out of the loss instead. `add_bias_kv` and `add_zero_attn` are not supported.
 *
 * @throws TensorError `INVALID_ARGUMENT` for bad options (`embedDim` not divisible by
 *   `numHeads`, ...); at `forward`, `SHAPE_MISMATCH` / `DTYPE_MISMATCH` naming the shapes.
 * @example
 * ```ts
 * const mha = new MultiHeadAttention({ embedDim: 16, numHeads: 4, batchFirst: true, seed: 0 });
 * const x = randn([2, 5, 16], { seed: 1 });
 * const padding = tensor([[false, false, false, true, true], [false, false, false, false, false]]);
 * const { output, weights } = mha.forward(x, x, x, { keyPaddingMask: padding });
 * output.shape;  // [2, 5, 16]
 * weights!.shape; // [2, 5, 5]
 * ```
 */
export class MultiHeadAttention extends Module<[Tensor, Tensor, Tensor, AttentionOptions?], AttentionResult> {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  /** Whether query, key and value share the packed `in_proj_weight` (kdim = vdim = embedDim). */
  readonly sameEmbedDim: boolean;
  readonly #dropout: Dropout | undefined;

  constructor(options: MultiHeadAttentionOptions) {
    super();
    const layer = 'MultiHeadAttention';
    const checks = check.all(layer);
    const o = checks.options(options, optionKeys<MultiHeadAttentionOptions>({ embedDim: true, numHeads: true, dropout: true, bias: true, kdim: true, vdim: true, batchFirst: true, seed: true }), { required: true });
    this.embedDim = checks.int('embedDim', o.embedDim, { min: 1 });
    this.numHeads = checks.int('numHeads', o.numHeads, { min: 1 });
    this.kdim = checks.int('kdim', o.kdim ?? this.embedDim, { min: 1 });
    this.vdim = checks.int('vdim', o.vdim ?? this.embedDim, { min: 1 });
    this.dropout = checks.number('dropout', o.dropout ?? 0, { min: 0, max: 1 });
    const hasBias = checks.boolean('bias', o.bias ?? true);
    this.batchFirst = checks.boolean('batchFirst', o.batchFirst ?? false);
    checks.done();
    if (this.embedDim % this.numHeads !== 0) {
      throw new TensorError('INVALID_ARGUMENT', layer, `embedDim (${this.embedDim}) must be divisible by numHeads (${this.numHeads})`);
    }
    this.headDim = this.embedDim / this.numHeads;
    const seed = seedOrNext(layer, o.seed);
    const E = this.embedDim;
    this.sameEmbedDim = this.kdim === E && this.vdim === E;
    // Registration order is PyTorch's state-dict order.
    if (this.sameEmbedDim) {
      this.registerParameter('in_proj_weight', init.xavierUniform([3 * E, E], { seed: deriveSeed(seed, 0) }));
    } else {
      this.registerParameter('q_proj_weight', init.xavierUniform([E, E], { seed: deriveSeed(seed, 1) }));
      this.registerParameter('k_proj_weight', init.xavierUniform([E, this.kdim], { seed: deriveSeed(seed, 2) }));
      this.registerParameter('v_proj_weight', init.xavierUniform([E, this.vdim], { seed: deriveSeed(seed, 3) }));
    }
    if (hasBias) this.registerParameter('in_proj_bias', init.zeros([3 * E]));
    const outProj = new Linear({ inFeatures: E, outFeatures: E, bias: hasBias, seed: deriveSeed(seed, 4) });
    if (outProj.bias) init.zeros(outProj.bias);
    this.registerModule('out_proj', outProj);
    this.#dropout = this.dropout > 0 ? new Dropout({ p: this.dropout, seed: deriveSeed(seed, 5) }) : undefined;
  }

  /** The output projection (`out_proj`, a Linear `[E, E]`). */
  get outProj(): Linear {
    return (this as unknown as { out_proj: Linear }).out_proj;
  }

  /** Projection weights `[E, E]`, `[E, kdim]`, `[E, vdim]` and biases `[E]` (slices of the packed ones). Call inside `tidy`. */
  #projections(): { weights: [Tensor, Tensor, Tensor]; biases: [Tensor, Tensor, Tensor] | undefined } {
    const own = this as unknown as Record<string, Parameter | undefined>;
    const bias = own['in_proj_bias'];
    const biases = bias === undefined ? undefined : (split(bias, this.embedDim, 0) as [Tensor, Tensor, Tensor]);
    if (this.sameEmbedDim) return { weights: split(own['in_proj_weight']!, this.embedDim, 0) as [Tensor, Tensor, Tensor], biases };
    return { weights: [own['q_proj_weight']!, own['k_proj_weight']!, own['v_proj_weight']!], biases };
  }

  /**
   * Attends from `query` to `key`/`value`.
   *
   * @param query `[L, N, E]` (`[N, L, E]` with `batchFirst`), or `[L, E]` unbatched.
   * @param key `[S, N, kdim]` (`[N, S, kdim]`), or `[S, kdim]`.
   * @param value `[S, N, vdim]` (`[N, S, vdim]`), or `[S, vdim]`.
   * @returns `output` `[L, N, E]` (`[N, L, E]`; `[L, E]`) and, with `needWeights`, `weights`
   *   `[N, L, S]` (`[N, numHeads, L, S]` without averaging; no `N` axis unbatched).
   * @throws TensorError `SHAPE_MISMATCH` for inputs or masks of the wrong shape (both shapes are
   *   named); `DTYPE_MISMATCH` for inputs not of the parameters' dtype or masks neither bool nor
   *   float; `INVALID_ARGUMENT` for bad options; `TENSOR_DISPOSED`.
   */
  override forward(query: Tensor, key: Tensor, value: Tensor, options: AttentionOptions = {}): AttentionResult {
    const layer = 'MultiHeadAttention';
    const o = check.options(layer, options, optionKeys<AttentionOptions>({ keyPaddingMask: true, attnMask: true, needWeights: true, averageAttnWeights: true, isCausal: true }), { required: true });
    const q = check.tensor(layer, 'query', query);
    const k = check.tensor(layer, 'key', key);
    const v = check.tensor(layer, 'value', value);
    const needWeights = check.boolean(layer, 'needWeights', o.needWeights ?? true);
    const average = check.boolean(layer, 'averageAttnWeights', o.averageAttnWeights ?? true);
    const isCausal = check.boolean(layer, 'isCausal', o.isCausal ?? false);
    const dims = this.#checkInputs(q, k, v);
    const { batched, batch: N, targetLength: L, sourceLength: S } = dims;
    const masks = this.#checkMasks(o, dims);
    const E = this.embedDim;
    const heads = this.numHeads;

    const result = tidy(() => {
      // Work batch-first: [N, L, features].
      const toBatchFirst = (t: Tensor): Tensor => (!batched ? t.unsqueeze(0) : this.batchFirst ? t : t.transpose(0, 1));
      const { weights: [wq, wk, wv], biases } = this.#projections();
      const project = (t: Tensor, w: Tensor, b: Tensor | undefined, length: number): Tensor => {
        const y = toBatchFirst(t).matmul(w.T);
        // [N, len, E] → [N, heads, len, headDim]
        return (b === undefined ? y : y.add(b)).reshape([N, length, heads, this.headDim]).permute([0, 2, 1, 3]);
      };
      const qh = project(q, wq, biases?.[0], L).mul(1 / Math.sqrt(this.headDim));
      const kh = project(k, wk, biases?.[1], S);
      const vh = project(v, wv, biases?.[2], S);
      let scores = qh.matmul(kh.transpose(2, 3)); // [N, heads, L, S]
      for (const mask of this.#additiveMasks(masks, isCausal, dims, q.dtype, q)) scores = scores.add(mask);
      let attention = scores.softmax(-1);
      if (this.training && this.#dropout !== undefined) attention = this.#dropout.forward(attention);
      const context = attention.matmul(vh).permute([0, 2, 1, 3]).reshape([N, L, E]);
      let output = this.outProj.forward(context);
      output = !batched ? output.squeeze(0) : this.batchFirst ? output : output.transpose(0, 1);
      let weights: Tensor | undefined;
      if (needWeights) {
        weights = average ? attention.mean(1) : attention;
        if (!batched) weights = weights.squeeze(0);
      }
      return { output, weights };
    });
    return { output: result.output, weights: result.weights };
  }

  #checkInputs(q: Tensor, k: Tensor, v: Tensor): { batched: boolean; batch: number; targetLength: number; sourceLength: number } {
    const layer = 'MultiHeadAttention';
    const layout = this.batchFirst ? '[N, L, E]' : '[L, N, E]';
    if (q.rank !== 2 && q.rank !== 3) {
      throw new TensorError('SHAPE_MISMATCH', layer, `expected query of shape ${layout} or [L, E] (unbatched), got query.shape=${fmtShape(q.shape)}`);
    }
    if (k.rank !== q.rank || v.rank !== q.rank) {
      throw new TensorError('SHAPE_MISMATCH', layer, `query, key and value must have the same rank: query.shape=${fmtShape(q.shape)}, key.shape=${fmtShape(k.shape)}, value.shape=${fmtShape(v.shape)}`);
    }
    const dtype = (this.outProj.weight as Variable).dtype;
    for (const [name, t] of [['query', q], ['key', k], ['value', v]] as const) {
      if (t.dtype !== dtype) {
        throw new TensorError('DTYPE_MISMATCH', layer, `${name} has dtype ${t.dtype}, the parameters have ${dtype}; cast the input`);
      }
    }
    for (const [name, t, features, option] of [['query', q, this.embedDim, 'embedDim'], ['key', k, this.kdim, 'kdim'], ['value', v, this.vdim, 'vdim']] as const) {
      if (t.shape[t.rank - 1] !== features) {
        throw new TensorError('SHAPE_MISMATCH', layer, `expected ${option}=${features} features in the last axis of ${name}, got ${name}.shape=${fmtShape(t.shape)}`);
      }
    }
    const batched = q.rank === 3;
    const batchAxis = this.batchFirst ? 0 : 1;
    const seqAxis = batched ? 1 - batchAxis : 0;
    if (batched && (k.shape[batchAxis] !== q.shape[batchAxis] || v.shape[batchAxis] !== q.shape[batchAxis])) {
      throw new TensorError('SHAPE_MISMATCH', layer, `query, key and value must have the same batch size (axis ${batchAxis}): query.shape=${fmtShape(q.shape)}, key.shape=${fmtShape(k.shape)}, value.shape=${fmtShape(v.shape)}`);
    }
    if (k.shape[seqAxis] !== v.shape[seqAxis]) {
      throw new TensorError('SHAPE_MISMATCH', layer, `key and value must have the same sequence length (axis ${seqAxis}): key.shape=${fmtShape(k.shape)}, value.shape=${fmtShape(v.shape)}`);
    }
    return { batched, batch: batched ? q.shape[batchAxis]! : 1, targetLength: q.shape[seqAxis]!, sourceLength: k.shape[seqAxis]! };
  }

  #checkMasks(o: AttentionOptions, dims: { batched: boolean; batch: number; targetLength: number; sourceLength: number }): { padding: Tensor | undefined; attn: Tensor | undefined } {
    const layer = 'MultiHeadAttention';
    const { batched, batch: N, targetLength: L, sourceLength: S } = dims;
    const checkMask = (name: string, value: Tensor | undefined, allowed: number[][], described: string): Tensor | undefined => {
      if (value === undefined) return undefined;
      const t = check.tensor(layer, name, value);
      if (t.dtype !== 'bool' && !isFloat(t.dtype)) {
        throw new TensorError('DTYPE_MISMATCH', layer, `${name} must be bool (true = masked) or float (added to the scores), got dtype ${t.dtype}`);
      }
      if (!allowed.some((shape) => shape.length === t.rank && shape.every((d, i) => d === t.shape[i]))) {
        throw new TensorError('SHAPE_MISMATCH', layer, `${name} must have shape ${described} = ${allowed.map(fmtShape).join(' or ')} for this input, got ${name}.shape=${fmtShape(t.shape)}`);
      }
      return t;
    };
    const heads = this.numHeads;
    return {
      padding: checkMask('keyPaddingMask', o.keyPaddingMask, batched ? [[N, S]] : [[S]], batched ? '[N, S]' : '[S]'),
      attn: checkMask('attnMask', o.attnMask, batched ? [[L, S], [N * heads, L, S]] : [[L, S], [heads, L, S]], batched ? '[L, S] or [N·numHeads, L, S]' : '[L, S] or [numHeads, L, S]'),
    };
  }

  /** The masks as float tensors that broadcast against the scores `[N, heads, L, S]`. Call inside `tidy`. */
  #additiveMasks(masks: { padding: Tensor | undefined; attn: Tensor | undefined }, isCausal: boolean, dims: { batch: number; targetLength: number; sourceLength: number }, dtype: Tensor['dtype'], like: Tensor): Tensor[] {
    const { batch: N, targetLength: L, sourceLength: S } = dims;
    const additive = (m: Tensor): Tensor => (m.dtype === 'bool' ? where(m, -Infinity, 0).cast(dtype) : m.dtype === dtype ? m : m.cast(dtype));
    const out: Tensor[] = [];
    if (masks.attn !== undefined) {
      const m = additive(masks.attn);
      out.push(m.rank === 2 ? m : m.reshape([N, this.numHeads, L, S]));
    }
    if (masks.padding !== undefined) out.push(additive(masks.padding).reshape([N, 1, 1, S]));
    if (isCausal) {
      // Query i may attend to keys j <= i: mask where j > i (the strict upper triangle).
      const upper = new Uint8Array(L * S);
      for (let i = 0; i < L; i++) for (let j = i + 1; j < S; j++) upper[i * S + j] = 1;
      out.push(additive(tensor(upper, [L, S], { dtype: 'bool', backend: like.backend })));
    }
    return out;
  }

  override extraRepr(): string {
    const parts = [`embedDim=${this.embedDim}`, `numHeads=${this.numHeads}`];
    if (this.dropout !== 0) parts.push(`dropout=${this.dropout}`);
    if (!this.sameEmbedDim) parts.push(`kdim=${this.kdim}`, `vdim=${this.vdim}`);
    if (this.batchFirst) parts.push('batchFirst=true');
    return parts.join(', ');
  }
}
