/**
 * `RNN`, `LSTM` and `GRU`: PyTorch's recurrent layers (`torch.nn.RNN/LSTM/GRU`), with the same
 * gate order, formulas, initialization, shapes and state-dict keys.
 */
import { TensorError, type Tensor } from '@tessera/tensor-core';
import { RecurrentBase, type RecurrentOptions } from './rnn-base.js';

/** Options of {@link RNN}. */
export interface RNNOptions extends RecurrentOptions {
  /** The activation of the recurrence (default `'tanh'`). */
  readonly nonlinearity?: 'tanh' | 'relu';
}

/** What the recurrent layers return: the output sequence and the final state. */
export interface RecurrentResult<State> {
  /** `[L, N, D·hiddenSize]` (`[N, L, D·hiddenSize]` with `batchFirst`; `[L, D·hiddenSize]` unbatched). */
  readonly output: Tensor;
  /** The final state of every layer and direction, `[numLayers·D, N, hiddenSize]` each. */
  readonly hidden: State;
}

/**
 * Elman RNN (PyTorch `nn.RNN`): `h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh)` (or ReLU),
 * over `numLayers` stacked layers, optionally bidirectional. Parameters carry PyTorch's names
 * (`weight_ih_l0`, `bias_hh_l1_reverse`, ...) so state dicts exchange with PyTorch as they are;
 * every weight starts ~ `U(−1/√hiddenSize, 1/√hiddenSize)`.
 *
 * `forward(input, h0?)` takes `[L, N, inputSize]` (`[N, L, inputSize]` with `batchFirst`, or
 * `[L, inputSize]` unbatched) and an optional `h0: [numLayers·D, N, hiddenSize]` (zeros by
 * default), and returns `{ output, hidden }` (see {@link RecurrentResult}).
 *
 * @throws TensorError `INVALID_ARGUMENT` for bad options (sizes, `dropout` outside `[0, 1]`, an
 *   unknown `nonlinearity`); at `forward`, `SHAPE_MISMATCH` / `DTYPE_MISMATCH` naming the
 *   expected shape or dtype.
 * @example
 * ```ts
 * const rnn = new RNN({ inputSize: 8, hiddenSize: 16, numLayers: 2, batchFirst: true, seed: 0 });
 * const { output, hidden } = rnn.forward(randn([4, 10, 8], { seed: 1 }));
 * output.shape; // [4, 10, 16]
 * hidden.shape; // [2, 4, 16]
 * ```
 */
export class RNN extends RecurrentBase<Tensor> {
  /** The activation of the recurrence. */
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(options: RNNOptions) {
    const nonlinearity = options?.nonlinearity ?? 'tanh';
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') {
      throw new TensorError('INVALID_ARGUMENT', 'RNN', `nonlinearity must be 'tanh' or 'relu', got ${JSON.stringify(nonlinearity)}`);
    }
    super('RNN', nonlinearity === 'tanh' ? 'rnnTanh' : 'rnnRelu', options);
    this.nonlinearity = nonlinearity;
  }

  protected override unpackState(state: Tensor | undefined, expected: number[]): { h: Tensor | undefined; c: undefined } {
    return { h: state === undefined ? undefined : this.checkState('h0', state, expected, this.cellWeights(0).weightIh.dtype), c: undefined };
  }

  protected override packState(h: Tensor): Tensor {
    return h;
  }
}

/**
 * Long short-term memory (PyTorch `nn.LSTM`), gates in PyTorch's order `i, f, g, o`:
 * `i = σ(·), f = σ(·), g = tanh(·), o = σ(·)`, `c_t = f ⊙ c_{t−1} + i ⊙ g`, `h_t = o ⊙ tanh(c_t)`,
 * each gate `x_t·W_iᵀ + b_i + h_{t−1}·W_hᵀ + b_h` with the four gates stacked in
 * `weight_ih_l{k}: [4·hiddenSize, inputs]`. Parameters, initialization and shapes as {@link RNN}.
 *
 * `forward(input, [h0, c0]?)` returns `{ output, hidden: [hN, cN] }`.
 *
 * @throws TensorError as {@link RNN}; `INVALID_ARGUMENT` when the state is not a pair `[h0, c0]`.
 * @example
 * ```ts
 * const lstm = new LSTM({ inputSize: 8, hiddenSize: 16, bidirectional: true, seed: 0 });
 * const { output, hidden: [h, c] } = lstm.forward(randn([10, 4, 8], { seed: 1 }));
 * output.shape; // [10, 4, 32]
 * h.shape;      // [2, 4, 16]
 * ```
 */
export class LSTM extends RecurrentBase<[Tensor, Tensor]> {
  constructor(options: RecurrentOptions) {
    super('LSTM', 'lstm', options);
  }

  protected override unpackState(state: [Tensor, Tensor] | undefined, expected: number[]): { h: Tensor | undefined; c: Tensor | undefined } {
    if (state === undefined) return { h: undefined, c: undefined };
    if (!Array.isArray(state) || state.length !== 2) {
      throw new TensorError('INVALID_ARGUMENT', 'LSTM', `the initial state must be a pair [h0, c0], got ${Array.isArray(state) ? `an array of ${(state as unknown[]).length}` : typeof state}`);
    }
    const dtype = this.cellWeights(0).weightIh.dtype;
    return { h: this.checkState('h0', state[0], expected, dtype), c: this.checkState('c0', state[1], expected, dtype) };
  }

  protected override packState(h: Tensor, c: Tensor | undefined): [Tensor, Tensor] {
    return [h, c!];
  }
}

/**
 * Gated recurrent unit (PyTorch `nn.GRU`), gates in PyTorch's order `r, z, n`:
 * `r = σ(W_ir x + b_ir + W_hr h + b_hr)`, `z = σ(W_iz x + b_iz + W_hz h + b_hz)`,
 * `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))`, `h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}`.
 * Parameters (`[3·hiddenSize, ·]`), initialization and shapes as {@link RNN}.
 *
 * @throws TensorError as {@link RNN}.
 * @example
 * ```ts
 * const gru = new GRU({ inputSize: 8, hiddenSize: 16, seed: 0 });
 * const { output, hidden } = gru.forward(randn([10, 8], { seed: 1 })); // unbatched
 * output.shape; // [10, 16]
 * hidden.shape; // [1, 16]
 * ```
 */
export class GRU extends RecurrentBase<Tensor> {
  constructor(options: RecurrentOptions) {
    super('GRU', 'gru', options);
  }

  protected override unpackState(state: Tensor | undefined, expected: number[]): { h: Tensor | undefined; c: undefined } {
    return { h: state === undefined ? undefined : this.checkState('h0', state, expected, this.cellWeights(0).weightIh.dtype), c: undefined };
  }

  protected override packState(h: Tensor): Tensor {
    return h;
  }
}
