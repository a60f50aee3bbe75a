/**
 * Attention layers with PyTorch's semantics and state-dict keys: `MultiHeadAttention`
 * (`nn.MultiheadAttention`) and `TransformerEncoderLayer`.
 *
 * @example
 * ```ts
 * import { MultiHeadAttention } from '@tessera/layers';
 * const mha = new MultiHeadAttention({ embedDim: 16, numHeads: 4, batchFirst: true });
 * const { output, weights } = mha.forward(x, x, x, { isCausal: true });
 * ```
 */
export { MultiHeadAttention, type MultiHeadAttentionOptions, type AttentionOptions, type AttentionResult } from './multi-head-attention.js';
export { TransformerEncoderLayer, type TransformerEncoderLayerOptions, type TransformerEncoderLayerForwardOptions } from './transformer-encoder-layer.js';
