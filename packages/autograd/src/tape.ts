/**
 * The tape: autograd's recorder behind tensor-core's one `observe` hook, attached by
 * `enableAutograd()` (never by importing this package).
 *
 * An op is recorded only when one of its inputs needs a gradient (a `requiresGrad` tensor, or a
 * tensor computed from one) and recording is enabled (not inside `noGrad`). Each record becomes an
 * {@link Entry} that keeps `retain`ed copies of the op's inputs and outputs, so a user's `tidy` or
 * `dispose` cannot free what the gradient rule needs. Entries are numbered in execution order, so
 * that order is already a topological order of the graph: backward walks it in reverse.
 *
 * Tensors are keyed by identity. A saved copy maps back to the tensor it copies (its key), so ops
 * applied to saved copies while gradients are being recorded (higher-order gradients) connect to
 * the original graph.
 */
import {
  bytesPerElement,
  getOpSpec,
  isFloat,
  observe,
  resolveSaves,
  retain,
  TensorError,
  type DType,
  type GradRule,
  type OpRecord,
  type SavedOp,
  type Saves,
  type Tensor,
} from '@tessera/tensor-core';

export type { GradRule, SavedOp } from '@tessera/tensor-core';

/** One recorded op. */
export interface Entry {
  /** Execution order: a topological order of the graph. */
  readonly seq: number;
  readonly name: string;
  /** Input keys (canonical tensors, for identity). */
  inputs: Tensor[];
  /** Output keys. */
  outputs: Tensor[];
  readonly attrs: Readonly<Record<string, unknown>>;
  /** Saved copies of the inputs and outputs the rule declared (undefined elsewhere). */
  savedInputs: (Tensor | undefined)[];
  savedOutputs: (Tensor | undefined)[];
  /** Other tensors kept for the rule (customGrad's `save`), released with the entry. */
  readonly extra: Tensor[];
  /** Shapes and dtypes of every input (metadata: kept whether or not the tensor is). */
  readonly inputShapes: readonly (readonly number[])[];
  readonly inputDtypes: readonly DType[];
  /** Which inputs needed a gradient when the op ran (what the saves were chosen for). */
  readonly recordedNeeds: readonly boolean[];
  /** The rule: its own (customGrad, argument aliases) or the op table's. */
  readonly rule: GradRule | undefined;
  /** Set once the saved tensors were freed (after a backward without retainGraph). */
  released: boolean;
}

/**
 * Autograd's state, owned by one object rather than the module: the recorded entries, which
 * tensor each output and saved copy stands for, and whether recording is on. Created by
 * {@link enableAutograd} (or the first autograd call), which attaches its recorder to
 * tensor-core's engine through the one `observe` hook; importing this package creates nothing.
 */
export class Tape {
  /** Output key → the entry that produced it. */
  readonly producers = new WeakMap<Tensor, Entry>();
  /** Saved copy → the key it copies. */
  readonly aliases = new WeakMap<Tensor, Tensor>();
  /** Entries whose saved tensors are still held. */
  readonly live = new Set<Entry>();
  nextSeq = 0;
  /** Nesting depth of noGrad (recording is on at 0). */
  disabled = 0;
  sweepAt = 1024;
  /** Bytes of op outputs recorded since the last sweep (their storage is kept alive by the saved copies). */
  bytesSinceSweep = 0;
  onOp: ((name: string) => void) | undefined;
  /** Whether {@link record} is installed on the engine. */
  attached = false;
  /** The engine observer: records an op when one of its inputs needs a gradient. */
  readonly record = (r: OpRecord): void => recordOp(this, r);
}

let current: Tape | undefined;

/** The tape (created on first use; attached to the engine by {@link enableAutograd}). */
function tape(): Tape {
  return (current ??= new Tape());
}

/**
 * Switches autograd on: attaches the tape's recorder to tensor-core's engine (its one `observe`
 * hook), so ops on tensors that require a gradient are recorded from now on. Idempotent. Every
 * autograd function (`backward`, `grad`, `valueAndGrad`, `noGrad`, `customGrad`, ...) calls it, so
 * only code that runs a forward pass on `requiresGrad` tensors before its first autograd call
 * (a PyTorch-style loop ending in `backward(loss)`) needs to call it itself, once, at start-up.
 * Ops on tensors that need no gradient cost one flag check per input.
 *
 * @example
 * ```ts
 * import { enableAutograd, backward } from '@tessera/autograd';
 * enableAutograd();
 * const w = randn([3, 1], { seed: 0, requiresGrad: true });
 * const grads = backward(x.matmul(w).square().mean());
 * ```
 */
export function enableAutograd(): void {
  const t = tape();
  if (t.attached) return;
  t.attached = true;
  observe(t.record);
}

/** Whether {@link enableAutograd} has run (ops on `requiresGrad` tensors are being recorded). */
export function isAutogradEnabled(): boolean {
  return current?.attached === true;
}

/**
 * A sweep also runs after this many bytes of recorded outputs: a forward pass that is never
 * backpropagated (an eval loop without `noGrad`) then holds at most about this much, instead of
 * everything until the tape doubles (issue 14: 602 MB for a 512-2048-10 MLP).
 */
const SWEEP_BYTES = 32 * 1024 * 1024;

/** The canonical tensor (key) of `t`: itself, or the tensor a saved copy copies. */
export function keyOf(t: Tensor): Tensor {
  return current?.aliases.get(t) ?? t;
}

/** The entry that produced `t`, if `t` was computed from a tensor that needs a gradient. */
export function producerOf(t: Tensor): Entry | undefined {
  return current?.producers.get(keyOf(t));
}

/** Whether `t` needs a gradient: it requires one, or it was computed (and recorded) from one. */
export function needsGrad(t: Tensor): boolean {
  const k = keyOf(t);
  return k.requiresGrad || current?.producers.has(k) === true;
}

/** Whether ops are being recorded now. */
export function isRecording(): boolean {
  return (current?.disabled ?? 0) === 0;
}

/** Runs `fn` with recording switched off (`on = false`) or forced on (`on = true`, nested `grad` inside `noGrad`). */
export function withRecording<T>(on: boolean, fn: () => T): T {
  const state = tape();
  const previous = state.disabled;
  state.disabled = on ? 0 : previous + 1;
  try {
    return fn();
  } finally {
    state.disabled = previous;
  }
}

/** Calls `fn` with the name of every op run during `collect` (for checkGradients' messages). */
export function collectOpNames<T>(collect: () => T, fn: (name: string) => void): T {
  const state = tape();
  const previous = state.onOp;
  state.onOp = fn;
  try {
    return collect();
  } finally {
    state.onOp = previous;
  }
}

function save(t: Tensor): Tensor {
  const copy = retain(t);
  tape().aliases.set(copy, keyOf(t));
  return copy;
}

const NOTHING: Saves = {};

/**
 * Adds an entry for an op (called by the observer, and directly for argument aliases and
 * customGrad with a rule of their own, which saves nothing). An op of the table keeps only what
 * its gradient declares in `saves`; an op without a rule keeps nothing. Only float outputs get a
 * producer: integer and bool results carry no gradient.
 */
export function addEntry(name: string, inputs: readonly Tensor[], outputs: readonly Tensor[], attrs: Readonly<Record<string, unknown>>, ownRule?: GradRule): Entry {
  const state = tape();
  const recordedNeeds = inputs.map((t) => isFloat(t.dtype) && needsGrad(t));
  let rule = ownRule;
  let saves = NOTHING;
  if (rule === undefined) {
    const gradient = getOpSpec(name)?.gradient;
    if (gradient !== undefined && gradient !== 'none') {
      rule = gradient.rule;
      saves = resolveSaves(gradient, recordedNeeds, attrs);
    }
  }
  const keepInputs = saves.inputs ?? [];
  const keepOutputs = saves.outputs ?? [];
  const entry: Entry = {
    seq: state.nextSeq++,
    name,
    inputs: inputs.map(keyOf),
    outputs: [...outputs],
    attrs,
    savedInputs: inputs.map((t, i) => (keepInputs.includes(i) ? save(t) : undefined)),
    savedOutputs: outputs.map((t, i) => (keepOutputs.includes(i) ? save(t) : undefined)),
    extra: [],
    inputShapes: inputs.map((t) => t.shape),
    inputDtypes: inputs.map((t) => t.dtype),
    recordedNeeds,
    rule,
    released: false,
  };
  for (const o of outputs) {
    if (isFloat(o.dtype)) {
      state.producers.set(o, entry);
      o.requiresGrad = true;
    }
  }
  state.live.add(entry);
  for (const o of outputs) state.bytesSinceSweep += o.size * bytesPerElement(o.dtype);
  if (state.live.size >= state.sweepAt || state.bytesSinceSweep >= SWEEP_BYTES) sweep();
  return entry;
}

function recordOp(state: Tape, r: OpRecord): void {
  state.onOp?.(r.name);
  if (state.disabled > 0) return;
  let needed = false;
  for (const t of r.inputs) {
    if (needsGrad(t)) {
      needed = true;
      break;
    }
  }
  if (!needed || !r.outputs.some((o) => isFloat(o.dtype))) return;
  addEntry(r.name, r.inputs, r.outputs, r.attrs);
}

/**
 * `saved` as the rule sees it: the saved tensors at their positions, and a getter that throws
 * `GRADIENT_ERROR` at every position the rule did not declare, so a rule reading a tensor the
 * tape did not keep fails loudly (in tests) instead of reading freed memory.
 */
function guarded(op: string, kind: 'input' | 'output', saved: readonly (Tensor | undefined)[]): Tensor[] {
  const view = new Array<Tensor>(saved.length);
  saved.forEach((t, i) => {
    if (t !== undefined) {
      view[i] = t;
      return;
    }
    Object.defineProperty(view, i, {
      enumerable: true,
      get(): never {
        throw new TensorError(
          'GRADIENT_ERROR',
          op,
          `the gradient rule of '${op}' read ${kind} ${i}, which its saves do not declare (the tape did not keep it); add ${i} to saves.${kind}s of the op's spec`,
        );
      },
    });
  });
  return view;
}

/** What the rule of `entry` is called with. */
export function savedOpOf(entry: Entry, needs: readonly boolean[]): SavedOp {
  return {
    name: entry.name,
    inputs: guarded(entry.name, 'input', entry.savedInputs),
    outputs: guarded(entry.name, 'output', entry.savedOutputs),
    inputShapes: entry.inputShapes,
    inputDtypes: entry.inputDtypes,
    attrs: entry.attrs,
    needs,
  };
}

/** Frees an entry's saved tensors. Its outputs stay marked, so a later backward through them says the graph was released. */
export function release(entry: Entry): void {
  if (entry.released) return;
  entry.released = true;
  for (const t of entry.savedInputs) t?.dispose();
  for (const t of entry.savedOutputs) t?.dispose();
  for (const t of entry.extra) t.dispose();
  entry.extra.length = 0;
  entry.savedInputs = [];
  entry.savedOutputs = [];
  entry.inputs = [];
  current?.live.delete(entry);
}

/**
 * Releases entries no live tensor depends on: those whose outputs were all disposed and that
 * feed no entry with a live output (e.g. a forward pass outside `noGrad` that was never
 * backpropagated). Runs when the tape doubles, so its cost is amortised.
 */
export function sweep(): void {
  const state = current;
  if (state === undefined) return;
  const keep = new Set<Entry>();
  const stack: Entry[] = [];
  for (const e of state.live) {
    if (e.outputs.some((o) => !o.isDisposed)) {
      keep.add(e);
      stack.push(e);
    }
  }
  while (stack.length > 0) {
    const e = stack.pop()!;
    for (const t of e.inputs) {
      const p = state.producers.get(t);
      if (p && !p.released && !keep.has(p)) {
        keep.add(p);
        stack.push(p);
      }
    }
  }
  for (const e of [...state.live]) if (!keep.has(e)) release(e);
  state.sweepAt = Math.max(1024, 2 * state.live.size);
  state.bytesSinceSweep = 0;
}

/**
 * Number of recorded ops whose saved tensors are still held (for tests and debugging): 0 after a
 * backward in a training loop.
 *
 * @example
 * ```ts
 * const grads = backward(loss);
 * tapeSize(); // 0: the tape was released
 * ```
 */
export function tapeSize(): number {
  return current?.live.size ?? 0;
}
