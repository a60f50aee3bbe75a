/**
 * The tape: autograd's recorder behind tensor-core's one `observe` hook.
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
import { bytesPerElement, isFloat, observe, retain, type OpRecord, type Tensor } from '@tessera/tensor-core';

/** A gradient rule's view of one recorded op: saved inputs and outputs, attributes, which inputs need a gradient. */
export interface SavedOp {
  readonly name: string;
  /** The op's inputs (saved copies: alive until the tape is released). */
  readonly inputs: readonly Tensor[];
  /** The op's outputs (saved copies). */
  readonly outputs: readonly Tensor[];
  readonly attrs: Readonly<Record<string, unknown>>;
  /** `needs[i]`: whether input `i` needs a gradient; a rule may skip the others (return undefined). */
  readonly needs: readonly boolean[];
}

/**
 * A gradient rule: given the gradient `dy` of the op's first output, returns one gradient per
 * input (undefined where there is none, or where it is zero), each shaped like that input.
 * Written in tensor-core ops, so the rule itself can be recorded (higher-order gradients).
 */
export type GradRule = (dy: Tensor, op: SavedOp) => (Tensor | undefined)[];

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
  /** Saved copies of inputs and outputs (values for the rule). */
  savedInputs: Tensor[];
  savedOutputs: Tensor[];
  /** A rule of its own (customGrad, argument aliases); otherwise looked up by name. */
  readonly rule?: GradRule;
  /** Set once the saved tensors were freed (after a backward without retainGraph). */
  released: boolean;
}

/** Output key → the entry that produced it. */
const producers = new WeakMap<Tensor, Entry>();
/** Saved copy → the key it copies. */
const aliases = new WeakMap<Tensor, Tensor>();
/** Entries whose saved tensors are still held. */
const live = new Set<Entry>();
let nextSeq = 0;
let disabled = 0;
let sweepAt = 1024;
/** Bytes of op outputs recorded since the last sweep (their storage is kept alive by the saved copies). */
let bytesSinceSweep = 0;
/**
 * A sweep also runs after this many bytes of recorded outputs: a forward pass that is never
 * backpropagated (an eval loop without `noGrad`) then holds at most about this much, instead of
 * everything until the tape doubles (issue 14: 602 MB for a 512-2048-10 MLP).
 */
const SWEEP_BYTES = 32 * 1024 * 1024;
let installed = false;
let onOp: ((name: string) => void) | undefined;

/** The canonical tensor (key) of `t`: itself, or the tensor a saved copy copies. */
export function keyOf(t: Tensor): Tensor {
  return aliases.get(t) ?? t;
}

/** The entry that produced `t`, if `t` was computed from a tensor that needs a gradient. */
export function producerOf(t: Tensor): Entry | undefined {
  return producers.get(keyOf(t));
}

/** Whether `t` needs a gradient: it requires one, or it was computed (and recorded) from one. */
export function needsGrad(t: Tensor): boolean {
  const k = keyOf(t);
  return k.requiresGrad || producers.has(k);
}

/** Whether ops are being recorded now. */
export function isRecording(): boolean {
  return disabled === 0;
}

/** Runs `fn` with recording switched off (`on = false`) or forced on (`on = true`, nested `grad` inside `noGrad`). */
export function withRecording<T>(on: boolean, fn: () => T): T {
  const previous = disabled;
  disabled = on ? 0 : previous + 1;
  try {
    return fn();
  } finally {
    disabled = previous;
  }
}

/** Calls `fn` with the name of every op run during `collect` (for checkGradients' messages). */
export function collectOpNames<T>(collect: () => T, fn: (name: string) => void): T {
  const previous = onOp;
  onOp = fn;
  try {
    return collect();
  } finally {
    onOp = previous;
  }
}

function save(t: Tensor): Tensor {
  const copy = retain(t);
  aliases.set(copy, keyOf(t));
  return copy;
}

/**
 * Adds an entry for an op (called by the observer, and directly for argument aliases and
 * customGrad). Only float outputs get a producer: integer and bool results carry no gradient.
 */
export function addEntry(name: string, inputs: readonly Tensor[], outputs: readonly Tensor[], attrs: Readonly<Record<string, unknown>>, rule?: GradRule): Entry {
  const entry: Entry = {
    seq: nextSeq++,
    name,
    inputs: inputs.map(keyOf),
    outputs: [...outputs],
    attrs,
    savedInputs: inputs.map(save),
    savedOutputs: outputs.map(save),
    released: false,
    ...(rule ? { rule } : {}),
  };
  for (const o of outputs) {
    if (isFloat(o.dtype)) {
      producers.set(o, entry);
      o.requiresGrad = true;
    }
  }
  live.add(entry);
  for (const o of outputs) bytesSinceSweep += o.size * bytesPerElement(o.dtype);
  if (live.size >= sweepAt || bytesSinceSweep >= SWEEP_BYTES) sweep();
  return entry;
}

function record(r: OpRecord): void {
  onOp?.(r.name);
  if (disabled > 0) return;
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

/** Frees an entry's saved tensors. Its outputs stay marked, so a later backward through them says the graph was released. */
export function release(entry: Entry): void {
  if (entry.released) return;
  entry.released = true;
  for (const t of entry.savedInputs) t.dispose();
  for (const t of entry.savedOutputs) t.dispose();
  entry.savedInputs = [];
  entry.savedOutputs = [];
  entry.inputs = [];
  live.delete(entry);
}

/**
 * Releases entries no live tensor depends on: those whose outputs were all disposed and that
 * feed no entry with a live output (e.g. a forward pass outside `noGrad` that was never
 * backpropagated). Runs when the tape doubles, so its cost is amortised.
 */
export function sweep(): void {
  const keep = new Set<Entry>();
  const stack: Entry[] = [];
  for (const e of live) {
    if (e.outputs.some((o) => !o.isDisposed)) {
      keep.add(e);
      stack.push(e);
    }
  }
  while (stack.length > 0) {
    const e = stack.pop()!;
    for (const t of e.inputs) {
      const p = producers.get(t);
      if (p && !p.released && !keep.has(p)) {
        keep.add(p);
        stack.push(p);
      }
    }
  }
  for (const e of [...live]) if (!keep.has(e)) release(e);
  sweepAt = Math.max(1024, 2 * live.size);
  bytesSinceSweep = 0;
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
  return live.size;
}

/**
 * Installs the recorder on tensor-core's `observe` hook (idempotent). Called when this module
 * loads: ops on `requiresGrad` tensors must be recorded before any autograd function is called
 * (PyTorch style). Ops on tensors that need no gradient cost one flag check per input.
 */
export function install(): void {
  if (installed) return;
  installed = true;
  observe(record);
}

install();
