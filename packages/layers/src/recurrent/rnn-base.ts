/**
 * The shared machinery of {@link RNN}, {@link LSTM} and {@link GRU}: options, parameters with
 * PyTorch's names and initialization, input checks, and the loop over layers, directions and time
 * steps. Each time step is a few tensor-core ops (matmul, sigmoid/tanh, slices), so the layers
 * run and differentiate on every backend.
 */
import { check, Tensor, TensorError, concat, fmtShape, split, stack, optionKeys, tidy, zeros, type Variable } from '@tessera/tensor-core';
import { Dropout } from '../dropout.js';
import * as init from '../init.js';
import { Module, type Parameter } from '../module.js';
import { deriveSeed, seedOrNext } from '../random.js';

/** Options shared by {@link RNN}, {@link LSTM} and {@link GRU} (PyTorch's, in camelCase). */
export interface RecurrentOptions {
  /** Features of each input step (the last axis of the input). */
  readonly inputSize: number;
  /** Features of the hidden state. */
  readonly hiddenSize: number;
  /** Stacked layers; layer `l + 1` reads the output sequence of layer `l` (default 1). */
  readonly numLayers?: number;
  /** Learn the biases `bias_ih` and `bias_hh` (default true). */
  readonly bias?: boolean;
  /** Input and output are `[N, L, features]` instead of `[L, N, features]` (default false). Hidden states stay `[layers·D, N, H]`, as in PyTorch. */
  readonly batchFirst?: boolean;
  /** Dropout probability on the outputs of every layer but the last, in training mode (default 0). */
  readonly dropout?: number;
  /** Run a second pass from the last step to the first and concatenate both (default false). */
  readonly bidirectional?: boolean;
  /** Seed of the initialization and of the dropout masks (default: the {@link manualSeed} stream). */
  readonly seed?: number;
}

/** Parameters of one layer and direction, as {@link RecurrentBase.cellWeights} returns them. */
export interface CellWeights {
  /** `[gates·H, inputs]`: `weight_ih_l{k}` (`_reverse` for the backward direction). */
  readonly weightIh: Parameter;
  /** `[gates·H, H]`: `weight_hh_l{k}`. */
  readonly weightHh: Parameter;
  /** `[gates·H]`: `bias_ih_l{k}`, or undefined with `bias: false`. */
  readonly biasIh: Parameter | undefined;
  /** `[gates·H]`: `bias_hh_l{k}`, or undefined with `bias: false`. */
  readonly biasHh: Parameter | undefined;
}

const RECURRENT_KEYS = optionKeys<RecurrentOptions>({ inputSize: true, hiddenSize: true, numLayers: true, bias: true, batchFirst: true, dropout: true, bidirectional: true, seed: true });

/** @internal The recurrence of one kind of cell. */
export type CellKind = 'rnnTanh' | 'rnnRelu' | 'lstm' | 'gru';

const GATES: Record<CellKind, number> = { rnnTanh: 1, rnnRelu: 1, lstm: 4, gru: 3 };

/** One direction of one layer, ready to step: transposed weights computed once per forward. */
interface Cell {
  readonly whhT: Tensor;
  readonly bhh: Tensor | undefined;
}

/**
 * The base of {@link RNN}, {@link LSTM} and {@link GRU} (exported for typing; construct those).
 * Parameters are registered under PyTorch's names
 * (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, then `..._l0_reverse`, layer by
 * layer), so state dicts exchange with `torch.nn.RNN/LSTM/GRU` unchanged; read them with
 * {@link RecurrentBase.cellWeights}.
 */
export abstract class RecurrentBase<State> extends Module<[Tensor, State?], { output: Tensor; hidden: State }> {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  /** @internal */
  protected readonly kind: CellKind;
  readonly #layerName: string;
  readonly #dropout: Dropout | undefined;

  /** @internal */
  protected constructor(layer: string, kind: CellKind, options: RecurrentOptions) {
    super();
    const checks = check.all(layer);
    const o = checks.options(options, kind === 'rnnTanh' || kind === 'rnnRelu' ? [...RECURRENT_KEYS, 'nonlinearity'] : RECURRENT_KEYS, { required: true });
    this.#layerName = layer;
    this.kind = kind;
    this.inputSize = checks.int('inputSize', o.inputSize, { min: 1 });
    this.hiddenSize = checks.int('hiddenSize', o.hiddenSize, { min: 1 });
    this.numLayers = checks.int('numLayers', o.numLayers ?? 1, { min: 1 });
    this.bias = checks.boolean('bias', o.bias ?? true);
    this.batchFirst = checks.boolean('batchFirst', o.batchFirst ?? false);
    this.dropout = checks.number('dropout', o.dropout ?? 0, { min: 0, max: 1 });
    this.bidirectional = checks.boolean('bidirectional', o.bidirectional ?? false);
    checks.done();
    const seed = seedOrNext(layer, o.seed);
    // PyTorch: every weight and bias ~ U(-1/√H, 1/√H).
    const bound = 1 / Math.sqrt(this.hiddenSize);
    const rows = GATES[kind] * this.hiddenSize;
    let stream = 0;
    const draw = (shape: number[]): Tensor => init.uniform(shape, { low: -bound, high: bound, seed: deriveSeed(seed, stream++) });
    for (let l = 0; l < this.numLayers; l++) {
      const inputs = l === 0 ? this.inputSize : this.hiddenSize * this.directions;
      for (let d = 0; d < this.directions; d++) {
        const suffix = `l${l}${d === 1 ? '_reverse' : ''}`;
        this.registerParameter(`weight_ih_${suffix}`, draw([rows, inputs]));
        this.registerParameter(`weight_hh_${suffix}`, draw([rows, this.hiddenSize]));
        if (this.bias) {
          this.registerParameter(`bias_ih_${suffix}`, draw([rows]));
          this.registerParameter(`bias_hh_${suffix}`, draw([rows]));
        }
      }
    }
    this.#dropout = this.dropout > 0 && this.numLayers > 1 ? new Dropout({ p: this.dropout, seed: deriveSeed(seed, 0x10000) }) : undefined;
  }

  /** 2 when bidirectional, else 1. */
  get directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  /**
   * The parameters of layer `layer`, forward direction (or backward with `reverse`), looked up
   * by their PyTorch names.
   * @throws TensorError `INVALID_ARGUMENT` for a layer or direction the module does not have.
   * @example
   * ```ts
   * const { weightIh, weightHh } = lstm.cellWeights(0); // weight_ih_l0, weight_hh_l0
   * ```
   */
  cellWeights(layer: number, reverse = false): CellWeights {
    if (!Number.isInteger(layer) || layer < 0 || layer >= this.numLayers) {
      throw new TensorError('INVALID_ARGUMENT', this.#layerName, `layer must be an integer in [0, ${this.numLayers - 1}], got ${String(layer)}`);
    }
    if (reverse && !this.bidirectional) {
      throw new TensorError('INVALID_ARGUMENT', this.#layerName, 'reverse weights exist only with bidirectional: true');
    }
    const suffix = `l${layer}${reverse ? '_reverse' : ''}`;
    const own = this as unknown as Record<string, Variable | undefined>;
    return {
      weightIh: own[`weight_ih_${suffix}`]!,
      weightHh: own[`weight_hh_${suffix}`]!,
      biasIh: own[`bias_ih_${suffix}`],
      biasHh: own[`bias_hh_${suffix}`],
    };
  }

  /** @internal Splits the state argument into hidden (and cell) tensors, checked. */
  protected abstract unpackState(state: State | undefined, expected: number[]): { h: Tensor | undefined; c: Tensor | undefined };
  /** @internal Packs the final states. */
  protected abstract packState(h: Tensor, c: Tensor | undefined): State;

  /** @internal Checks a state tensor against `[layers·D, N, H]` (unbatched: `[layers·D, H]`). */
  protected checkState(name: string, state: unknown, expected: number[], dtype: string): Tensor {
    const t = check.tensor(this.#layerName, name, state);
    if (t.shape.length !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
      throw new TensorError(
        'SHAPE_MISMATCH',
        this.#layerName,
        `${name} must have shape [numLayers·directions, batch, hiddenSize] = ${fmtShape(expected)} for this input, got ${name}.shape=${fmtShape(t.shape)}`,
      );
    }
    if (t.dtype !== dtype) {
      throw new TensorError('DTYPE_MISMATCH', this.#layerName, `${name} has dtype ${t.dtype}, the input has ${dtype}; they must match`);
    }
    return t;
  }

  /**
   * Runs the sequence through every layer and direction.
   *
   * @param input `[L, N, inputSize]` (`[N, L, inputSize]` with `batchFirst`), or `[L, inputSize]` unbatched.
   * @param state Initial state (zeros when omitted).
   * @returns `output`: `[L, N, D·hiddenSize]` (`[N, L, D·hiddenSize]` with `batchFirst`; `[L, D·hiddenSize]`
   *   unbatched), the last layer's hidden state at every step (both directions concatenated);
   *   `hidden`: the final state of every layer and direction, `[numLayers·D, N, hiddenSize]`.
   * @throws TensorError `SHAPE_MISMATCH` for an input of the wrong rank, feature size or an
   *   empty sequence, or a state of the wrong shape (the expected shape is named);
   *   `DTYPE_MISMATCH` when the input is not of the parameters' float dtype; `TENSOR_DISPOSED`.
   */
  override forward(input: Tensor, state?: State): { output: Tensor; hidden: State } {
    const layer = this.#layerName;
    const x = check.tensor(layer, 'input', input);
    if (x.rank !== 2 && x.rank !== 3) {
      throw new TensorError('SHAPE_MISMATCH', layer, `expected input of shape ${this.batchFirst ? '[N, L, inputSize]' : '[L, N, inputSize]'} or [L, inputSize] (unbatched), got ${fmtShape(x.shape)}`);
    }
    if (x.shape[x.rank - 1] !== this.inputSize) {
      throw new TensorError('SHAPE_MISMATCH', layer, `expected inputSize=${this.inputSize} features in the last axis, got input shape ${fmtShape(x.shape)}`);
    }
    const dtype = (this as unknown as Record<string, Variable>)['weight_ih_l0']!.dtype;
    if (x.dtype !== dtype) {
      throw new TensorError('DTYPE_MISMATCH', layer, `input has dtype ${x.dtype}, the parameters have ${dtype}; cast the input`);
    }
    const batched = x.rank === 3;
    const steps = batched && this.batchFirst ? x.shape[1]! : x.shape[0]!;
    const batch = batched ? (this.batchFirst ? x.shape[0]! : x.shape[1]!) : 1;
    if (steps === 0) throw new TensorError('SHAPE_MISMATCH', layer, `the sequence is empty: input shape ${fmtShape(x.shape)}`);
    const stateShape = batched ? [this.numLayers * this.directions, batch, this.hiddenSize] : [this.numLayers * this.directions, this.hiddenSize];
    const given = this.unpackState(state, stateShape);

    const result = tidy(() => {
      // Work in [L, N, features] throughout.
      const seq = batched ? (this.batchFirst ? x.transpose(0, 1) : x) : x.unsqueeze(1);
      const full = [this.numLayers * this.directions, batch, this.hiddenSize];
      const h0 = given.h === undefined ? zeros(full, { dtype, backend: x.backend }) : batched ? given.h : given.h.unsqueeze(1);
      const c0 = this.kind !== 'lstm' ? undefined : given.c === undefined ? zeros(full, { dtype, backend: x.backend }) : batched ? given.c : given.c.unsqueeze(1);
      const h0s = split(h0, 1, 0).map((t) => t.squeeze(0));
      const c0s = c0 === undefined ? undefined : split(c0, 1, 0).map((t) => t.squeeze(0));
      const finalH: Tensor[] = [];
      const finalC: Tensor[] = [];
      let layerInput = seq;
      for (let l = 0; l < this.numLayers; l++) {
        const outputs: Tensor[] = [];
        for (let d = 0; d < this.directions; d++) {
          const index = l * this.directions + d;
          const run = this.#runDirection(layerInput, this.cellWeights(l, d === 1), d === 1, h0s[index]!, c0s?.[index]);
          outputs.push(run.output);
          finalH.push(run.h);
          if (run.c !== undefined) finalC.push(run.c);
        }
        layerInput = outputs.length === 1 ? outputs[0]! : concat(outputs, 2);
        if (l < this.numLayers - 1 && this.training && this.#dropout !== undefined) layerInput = this.#dropout.forward(layerInput);
      }
      let output = layerInput;
      if (!batched) output = output.squeeze(1);
      else if (this.batchFirst) output = output.transpose(0, 1);
      let h = stack(finalH, 0);
      let c = finalC.length > 0 ? stack(finalC, 0) : undefined;
      if (!batched) {
        h = h.squeeze(1);
        c = c?.squeeze(1);
      }
      return { output, h, c };
    });
    return { output: result.output, hidden: this.packState(result.h, result.c) };
  }

  /** One direction of one layer over the whole sequence `[L, N, inputs]`. Call inside `tidy`. */
  #runDirection(seq: Tensor, w: CellWeights, reverse: boolean, h0: Tensor, c0: Tensor | undefined): { output: Tensor; h: Tensor; c: Tensor | undefined } {
    // The input projection of every step in one matmul: [L, N, gates·H].
    let projected = seq.matmul(w.weightIh.T);
    if (w.biasIh !== undefined) projected = projected.add(w.biasIh);
    const inputs = split(projected, 1, 0).map((t) => t.squeeze(0));
    const cell: Cell = { whhT: w.weightHh.T, bhh: w.biasHh };
    const outputs = new Array<Tensor>(inputs.length);
    let h = h0;
    let c = c0;
    for (let s = 0; s < inputs.length; s++) {
      const t = reverse ? inputs.length - 1 - s : s;
      const next = this.#step(inputs[t]!, h, c, cell);
      h = next.h;
      c = next.c;
      outputs[t] = h;
    }
    return { output: stack(outputs, 0), h, c };
  }

  /** One time step: `gx` is the input projection `[N, gates·H]` (with `bias_ih`). */
  #step(gx: Tensor, h: Tensor, c: Tensor | undefined, cell: Cell): { h: Tensor; c: Tensor | undefined } {
    let gh = h.matmul(cell.whhT);
    if (cell.bhh !== undefined) gh = gh.add(cell.bhh);
    const H = this.hiddenSize;
    switch (this.kind) {
      case 'rnnTanh':
        return { h: gx.add(gh).tanh(), c: undefined };
      case 'rnnRelu':
        return { h: gx.add(gh).relu(), c: undefined };
      case 'lstm': {
        // Gate order i, f, g, o (PyTorch).
        const [i, f, g, o] = split(gx.add(gh), H, 1) as [Tensor, Tensor, Tensor, Tensor];
        const cNext = f.sigmoid().mul(c!).add(i.sigmoid().mul(g.tanh()));
        return { h: o.sigmoid().mul(cNext.tanh()), c: cNext };
      }
      case 'gru': {
        // Gate order r, z, n; n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)) (PyTorch).
        const [xr, xz, xn] = split(gx, H, 1) as [Tensor, Tensor, Tensor];
        const [hr, hz, hn] = split(gh, H, 1) as [Tensor, Tensor, Tensor];
        const r = xr.add(hr).sigmoid();
        const z = xz.add(hz).sigmoid();
        const n = xn.add(r.mul(hn)).tanh();
        // (1 − z)·n + z·h = n + z·(h − n)
        return { h: n.add(z.mul(h.sub(n))), c: undefined };
      }
    }
  }

  override extraRepr(): string {
    const parts = [`${this.inputSize}, ${this.hiddenSize}`];
    if (this.numLayers !== 1) parts.push(`numLayers=${this.numLayers}`);
    if (this.kind === 'rnnRelu') parts.push(`nonlinearity='relu'`);
    if (!this.bias) parts.push('bias=false');
    if (this.batchFirst) parts.push('batchFirst=true');
    if (this.dropout !== 0) parts.push(`dropout=${this.dropout}`);
    if (this.bidirectional) parts.push('bidirectional=true');
    return parts.join(', ');
  }
}
