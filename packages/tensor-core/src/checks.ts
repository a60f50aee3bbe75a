/**
 * Value-dependent checks that hold on every backend (issue 14): an index out of range, a
 * probability outside [0, 1], an integer division by zero.
 *
 * A backend that reads synchronously (CPU) checks the values on the host before the op runs and
 * throws at once. An asynchronous backend (WebGPU) cannot read without stalling its queue, so the
 * check runs on the device instead: a few ops reduce the condition to a one-element flag buffer,
 * and the next read from that backend (`data()`, `array()`, `item()`, `to()`) reads every pending
 * flag in one transfer before it returns anything. A raised flag re-runs the same host check on
 * the retained inputs, so the error is the very `TensorError` (code and message) the CPU backend
 * throws, one read later, as PyTorch's device-side asserts surface at the next synchronisation.
 */
import type { Backend, TypedArray } from './backend.js';
import { TensorError, type TensorErrorCode } from './errors.js';
import { keep, markInternal, retain, tidy, unobserved, infoOf } from './engine.js';
import type { Tensor } from './tensor.js';
import * as mv from './ops/concat.js';

/** One value check: what the CPU backend would throw, and how a device computes the same verdict. */
export interface ValueCheck {
  /** The op, for the message when the inputs are no longer available. */
  readonly op: string;
  /** The code `host` throws (used when a pending check had to drop its inputs). */
  readonly code: TensorErrorCode;
  /** Runs on the host over the values of `inputs` (in order) and throws the coded TensorError. */
  readonly host: (values: readonly TypedArray[]) => void;
  /** Builds a bool tensor, true where a value is invalid (any shape; it is reduced with `any`). */
  readonly device: (inputs: readonly Tensor[]) => Tensor;
}

interface Pending {
  readonly check: ValueCheck;
  readonly flag: Tensor;
  inputs: Tensor[] | undefined;
}

/** Past this many pending checks on one backend, the oldest drop their retained inputs. */
const MAX_RETAINED = 256;
const pending = new Map<Backend, Pending[]>();

/**
 * Runs `check` over `inputs` now (synchronous backends) or on the device with the verdict read at
 * the next read from that backend (asynchronous backends). Empty inputs are never invalid.
 *
 * @throws TensorError the check's own error, at once on synchronous backends.
 * @example
 * ```ts
 * checkValues([indices], {
 *   op: 'gather', code: 'INDEX_OUT_OF_RANGE',
 *   host: ([v]) => { if (v!.some((i) => i >= n)) throw new TensorError('INDEX_OUT_OF_RANGE', 'gather', '...'); },
 *   device: ([t]) => t!.greaterEqual(n),
 * });
 * ```
 */
export function checkValues(inputs: readonly Tensor[], check: ValueCheck): void {
  if (inputs.length === 0 || inputs.every((t) => t.size === 0)) return;
  const backend = inputs[0]!.backend;
  if (backend.capabilities.syncRead && backend.readSync !== undefined) {
    check.host(inputs.map((t) => backend.readSync!(infoOf(t))));
    return;
  }
  const flag = keep(unobserved(() => tidy(() => check.device(inputs).any())));
  const retained = inputs.map((t) => retain(t));
  for (const t of [flag, ...retained]) markInternal(t);
  const list = pending.get(backend) ?? [];
  pending.set(backend, list);
  list.push({ check, flag, inputs: retained });
  if (list.length > MAX_RETAINED) {
    const old = list[list.length - 1 - MAX_RETAINED]!;
    for (const t of old.inputs ?? []) t.dispose();
    old.inputs = undefined;
  }
}

/** Number of device-side checks waiting for the next read on `backend` (for tests and memory accounting). */
export function pendingChecks(backend: Backend): number {
  return pending.get(backend)?.length ?? 0;
}

/**
 * Reads every pending flag of `backend` (one transfer) and throws the first failed check's
 * error. Called by `Tensor.data()` before it reads; the pending list is emptied either way.
 *
 * @throws TensorError the error of the first failed check, in the order the ops ran.
 */
export async function flushChecks(backend: Backend): Promise<void> {
  const list = pending.get(backend);
  if (list === undefined || list.length === 0) return;
  pending.set(backend, []);
  try {
    const flags = unobserved(() => (list.length === 1 ? list[0]!.flag.reshape([1]) : mv.stack(list.map((p) => p.flag))));
    keep(flags);
    markInternal(flags);
    let raised: TypedArray;
    try {
      raised = await backend.read(infoOf(flags));
    } finally {
      flags.dispose();
    }
    const failed = list.findIndex((_, i) => raised[i] !== 0);
    if (failed < 0) return;
    const { check, inputs } = list[failed]!;
    if (inputs !== undefined) {
      const values = await Promise.all(inputs.map((t) => backend.read(infoOf(t))));
      check.host(values);
    }
    throw new TensorError(check.code, check.op, `a device-side value check failed (the inputs were released: more than ${MAX_RETAINED} checks were pending without a read)`);
  } finally {
    for (const p of list) {
      p.flag.dispose();
      for (const t of p.inputs ?? []) t.dispose();
    }
  }
}
