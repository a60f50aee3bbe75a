/**
 * Recurrent layers with PyTorch's semantics and state-dict keys: `RNN`, `LSTM`, `GRU`
 * (multi-layer, bidirectional, batchFirst).
 *
 * @example
 * ```ts
 * import { LSTM } from '@tessera/layers';
 * const lstm = new LSTM({ inputSize: 8, hiddenSize: 16, numLayers: 2, seed: 0 });
 * const { output, hidden: [h, c] } = lstm.forward(x);
 * ```
 */
export { RNN, LSTM, GRU, type RNNOptions, type RecurrentResult } from './rnn.js';
export { RecurrentBase, type RecurrentOptions, type CellWeights } from './rnn-base.js';
