/**
 * The engine: backend registry, runtime switch, kernel dispatch, the `observe` hook, memory
 * scopes and counters. One engine per copy of tensor-core; nothing registers itself on import.
 */
import { BACKEND_SPEC_VERSION, type Backend, type DataHandle, type TensorInfo } from './backend.js';
import { bytesPerElement, type DType } from './dtype.js';
import { TensorError, fmtShape } from './errors.js';
import { sizeOf } from './shape.js';
import { Tensor, Variable, type Storage } from './tensor.js';
import type { OpSpec, OutputSpec } from './op-spec.js';

export type { OutputSpec } from './op-spec.js';

/** What the `observe` hook sees of one op: its name, inputs, outputs and attributes. */
export interface OpRecord {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: Readonly<Record<string, unknown>>;
}

/** A function called after every op (autograd's tape recorder). */
export type OpObserver = (record: OpRecord) => void;

/** Counters returned by {@link memory}. */
export interface MemoryInfo {
  /** Live (not disposed) tensors over all backends (those held for pending value checks, see `pendingChecks`, are not counted). */
  readonly tensors: number;
  /** Bytes of storage referenced by live tensors, over all backends. */
  readonly bytes: number;
  /** Per backend name: live tensors, their storage bytes, and what the backend itself reports. */
  readonly backends: Readonly<Record<string, { tensors: number; bytes: number; backendBytes: number; buffers: number }>>;
}

type Scope = Set<Tensor>;

class Engine {
  readonly backends = new Map<string, Backend>();
  active: Backend | undefined;
  readonly scopes: Scope[] = [];
  observer: OpObserver | undefined;
  nextId = 0;
  readonly counts = new Map<Backend, { tensors: number; bytes: number }>();
  /** How each registered backend is named in memory() and messages (unique, unlike `name`). */
  readonly labels = new Map<Backend, string>();
  leakRegistry: FinalizationRegistry<string> | undefined;
  /** Nesting depth of ops whose inner ops are an implementation detail (not observed). */
  silentDepth = 0;
}

const engine = new Engine();

/**
 * Makes `backend` the one where new tensors are created (registering it first). A backend is a
 * value: pass the object a backend package creates (`cpu()`, `await webgpu()`), or the name of a
 * backend registered before (`setBackend('cpu')` after `setBackend(cpu())`, the tfjs habit).
 *
 * @returns The backend now active.
 * @throws TensorError `NO_BACKEND` for a name no backend is registered under (the message lists
 *   the registered ones and says how to create one); `INVALID_ARGUMENT` for something that is not
 *   a backend (a factory not called: `setBackend(cpu)`); `SPEC_VERSION_MISMATCH` when the backend
 *   implements another interface version.
 * @example
 * ```ts
 * import { cpu } from '@tessera/backend-cpu';
 * await setBackend(cpu());
 * await setBackend('cpu'); // the backend registered under that name
 * ```
 */
export async function setBackend(backend: Backend | Promise<Backend> | string): Promise<Backend> {
  if (typeof backend === 'string') {
    const named = engine.backends.get(backend);
    if (!named) {
      const registered = [...engine.backends.keys()];
      throw new TensorError(
        'NO_BACKEND',
        'setBackend',
        `no backend named '${backend}' is registered (registered: ${registered.map((n) => `'${n}'`).join(', ') || 'none'}). ` +
          `A name selects a backend registered before; create one first by passing its object: ${factoryHint(backend)}`,
      );
    }
    engine.active = named;
    return named;
  }
  const b = await backend;
  registerBackend(b);
  engine.active = b;
  return b;
}

/** How to create the backend a user named (`'webgpu'` → `await setBackend(await webgpu())`). */
function factoryHint(name: string): string {
  if (name === 'webgpu') return 'await setBackend(webgpu()), with webgpu of @tessera/backend-webgpu';
  if (name === 'cpu' || name === 'wasm') return 'await setBackend(cpu()), with cpu of @tessera/backend-cpu';
  return "await setBackend(cpu()) (from '@tessera/backend-cpu') or await setBackend(webgpu()) (from '@tessera/backend-webgpu')";
}

/**
 * Adds a backend to the registry without making it active (for `t.to(backend)` and
 * `setBackend(name)`). A second backend object under a name already taken (two `cpu()`) is
 * registered too, labelled `cpu#2` in `memory()` and in error messages; the name then selects
 * the latest one.
 * @throws TensorError `INVALID_ARGUMENT` for something that is not a backend object,
 *   `SPEC_VERSION_MISMATCH` for a backend of another interface version.
 * @example
 * ```ts
 * const gpu = await webgpu();
 * registerBackend(gpu);
 * const onGpu = await t.to('webgpu');
 * ```
 */
export function registerBackend(backend: Backend): void {
  if (typeof backend !== 'object' || backend === null) {
    throw new TensorError('INVALID_ARGUMENT', 'setBackend', `expected a Backend object (e.g. cpu() from @tessera/backend-cpu), got ${describeNonBackend(backend)}`);
  }
  if (backend.specVersion === undefined && typeof (backend as { allocate?: unknown }).allocate !== 'function') {
    const keys = Object.keys(backend).slice(0, 6);
    throw new TensorError(
      'INVALID_ARGUMENT',
      'setBackend',
      `expected a Backend object (e.g. cpu() from @tessera/backend-cpu), got an object that is not one (no specVersion, no allocate; keys: ${keys.join(', ') || 'none'})`,
    );
  }
  if (backend.specVersion !== BACKEND_SPEC_VERSION) {
    throw new TensorError(
      'SPEC_VERSION_MISMATCH',
      'setBackend',
      `backend '${String(backend.name)}' implements interface version ${String(backend.specVersion)}, this tensor-core expects ${BACKEND_SPEC_VERSION}: install versions of the backend and of @tessera/tensor-core made for each other`,
    );
  }
  if (typeof backend.name !== 'string' || backend.name === '') {
    throw new TensorError('INVALID_ARGUMENT', 'setBackend', `a backend needs a non-empty string name, got ${String(backend.name)}`);
  }
  engine.backends.set(backend.name, backend);
  if (!engine.counts.has(backend)) {
    // A second backend object under a taken name (two cpu() instances) gets its own label,
    // `cpu#2`, in memory() and in messages: the name alone would merge or confuse them.
    const taken = [...engine.counts.keys()].filter((b) => b.name === backend.name).length;
    engine.labels.set(backend, taken === 0 ? backend.name : `${backend.name}#${taken + 1}`);
    engine.counts.set(backend, { tensors: 0, bytes: 0 });
  }
}

function describeNonBackend(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return `the string '${value}' (pass the backend object, or the name of a registered backend to setBackend)`;
  if (typeof value === 'function') {
    const name = (value as { name?: string }).name || 'the factory';
    return `a function (${name}): call it, setBackend(${name}())`;
  }
  return typeof value;
}

/**
 * How `backend` is named in messages and in `memory()`: its `name`, or `name#k` for the k-th
 * backend object registered under the same name (two `cpu()` instances are `cpu` and `cpu#2`).
 * @example
 * ```ts
 * throw new Error(`the gradient lives on '${backendLabel(grad.backend)}'`);
 * ```
 */
export function backendLabel(backend: Backend): string {
  return engine.labels.get(backend) ?? backend.name;
}

/**
 * The active backend, or the registered backend called `name`.
 * @throws TensorError `NO_BACKEND` when none is set (or none has that name).
 * @example
 * ```ts
 * const active = getBackend();
 * const cpuBackend = getBackend('cpu');
 * ```
 */
export function getBackend(name?: string): Backend {
  const b = name === undefined ? engine.active : engine.backends.get(name);
  if (!b) {
    throw new TensorError(
      'NO_BACKEND',
      'getBackend',
      name === undefined
        ? 'no backend is set: call `await setBackend(cpu())` (from @tessera/backend-cpu) first'
        : `no backend named '${name}' is registered (registered: ${[...engine.backends.keys()].join(', ') || 'none'})`,
    );
  }
  return b;
}

/**
 * Installs the op observer (autograd's recorder). There is one hook; installing replaces the
 * previous one. Returns a function that removes it.
 */
export function observe(observer: OpObserver | undefined): () => void {
  const previous = engine.observer;
  engine.observer = observer;
  return () => {
    engine.observer = previous;
  };
}

/** Whether an observer is installed (ops skip building records when not). */
export function isObserved(): boolean {
  return engine.observer !== undefined && engine.silentDepth === 0;
}

// ---------------------------------------------------------------- tensors and storage

/** @internal Creates a tensor object over `storage` and tracks it in the current scope. */
export function makeTensor(storage: Storage, shape: readonly number[], dtype: DType): Tensor {
  const t = new Tensor(engine.nextId++, storage, Object.freeze([...shape]), dtype);
  storage.refs++;
  const c = engine.counts.get(storage.backend);
  if (c) c.tensors++;
  const scope = engine.scopes[engine.scopes.length - 1];
  if (scope) scope.add(t);
  engine.leakRegistry?.register(t, `tensor id=${t.id} shape=${fmtShape(shape)} dtype=${dtype}`, t);
  return t;
}

/** @internal A variable sharing `storage` (untracked by tidy scopes: variables live until disposed). */
export function makeVariable(storage: Storage, shape: readonly number[], dtype: DType): Variable {
  const v = new Variable(engine.nextId++, storage, Object.freeze([...shape]), dtype);
  storage.refs++;
  const c = engine.counts.get(storage.backend);
  if (c) c.tensors++;
  engine.leakRegistry?.register(v, `variable id=${v.id} shape=${fmtShape(shape)} dtype=${dtype}`, v);
  return v;
}

/** @internal Points `v` at `storage`, releasing its previous storage when unused. */
export function swapStorage(v: Variable, storage: Storage): void {
  const old = v.storage;
  storage.refs++;
  const cNew = engine.counts.get(storage.backend);
  const cOld = engine.counts.get(old.backend);
  if (cNew !== cOld) {
    if (cOld) cOld.tensors--;
    if (cNew) cNew.tensors++;
  }
  v.storage = storage;
  old.refs--;
  if (old.refs === 0) {
    if (cOld) cOld.bytes -= old.bytes;
    old.backend.free(old.handle);
  }
}

/** @throws TensorError `UNSUPPORTED` when `backend` does not list `dtype` in its capabilities. */
function requireSupportedDtype(backend: Backend, dtype: DType, op: string): void {
  if (!backend.capabilities.dtypes.includes(dtype)) {
    throw new TensorError('UNSUPPORTED', op, `backend '${backend.name}' does not support dtype ${dtype} (it supports ${backend.capabilities.dtypes.join(', ')})`);
  }
}

/**
 * @internal Checks, before anything is allocated (on the host or the device), that `size`
 * elements of `dtype` fit one buffer of `backend`.
 * @throws TensorError `OUT_OF_MEMORY` naming the bytes needed and the backend's limit.
 */
export function requireAllocatable(backend: Backend, size: number, dtype: DType, op: string): void {
  const bytes = size * bytesPerElement(dtype);
  const max = backend.capabilities.maxBufferBytes;
  if (!(bytes <= max)) {
    throw new TensorError('OUT_OF_MEMORY', op, `${size} elements of ${dtype} need ${bytes} bytes; backend '${backend.name}' holds at most ${max} bytes per tensor`);
  }
}

/** @internal Allocates storage on `backend`. */
export function allocateStorage(backend: Backend, size: number, dtype: DType, op = 'allocate'): Storage {
  requireSupportedDtype(backend, dtype, op);
  requireAllocatable(backend, size, dtype, op);
  const bytes = size * bytesPerElement(dtype);
  let handle: DataHandle;
  try {
    handle = backend.allocate(size, dtype);
  } catch (e) {
    if (TensorError.is(e)) throw e;
    // A backend out of memory (a WebAssembly heap at its limit) says so with a plain RangeError.
    throw new TensorError('OUT_OF_MEMORY', op, `backend '${backend.name}' could not allocate ${bytes} bytes: ${(e as Error).message}`);
  }
  const c = engine.counts.get(backend);
  if (c) c.bytes += bytes;
  return { handle, backend, refs: 0, bytes };
}

/** Tensors the library holds for itself (pending value checks): not counted as live tensors. */
const internalTensors = new WeakSet<Tensor>();

/**
 * @internal Stops counting `t` in `memory().tensors` (its bytes still count): value checks
 * pending until the next read hold a flag and their inputs, which are not the caller's tensors
 * and must not read as leaks.
 */
export function markInternal(t: Tensor): void {
  if (internalTensors.has(t) || t.isDisposed) return;
  internalTensors.add(t);
  const c = engine.counts.get(t.storage.backend);
  if (c) c.tensors--;
}

/** @internal Called by `Tensor.dispose`. */
export function releaseTensor(t: Tensor, storage: Storage): void {
  const c = engine.counts.get(storage.backend);
  if (internalTensors.has(t)) internalTensors.delete(t);
  else if (c) c.tensors--;
  for (const scope of engine.scopes) scope.delete(t);
  engine.leakRegistry?.unregister(t);
  storage.refs--;
  if (storage.refs === 0) {
    if (c) c.bytes -= storage.bytes;
    storage.backend.free(storage.handle);
  }
}

/** @internal The kernel view of a tensor. */
export function infoOf(t: Tensor): TensorInfo {
  return { handle: t.storage.handle, shape: t.shape, dtype: t.dtype };
}

/**
 * @internal Checks that a tensor is usable by `op`.
 * @throws TensorError `TENSOR_DISPOSED`.
 */
export function assertLive(t: Tensor, op: string): void {
  if (!(t instanceof Tensor)) {
    const got = t === null ? 'null' : Array.isArray(t) ? 'an array' : typeof t === 'object' ? ((t as object).constructor?.name ?? 'object') : `${typeof t} ${String(t)}`;
    throw new TensorError('INVALID_ARGUMENT', op, `input must be a Tensor, got ${got}`);
  }
  if (t.isDisposed) {
    throw new TensorError(
      'TENSOR_DISPOSED',
      op,
      `${t instanceof Variable && t.name !== undefined ? `variable '${t.name}' (tensor id=${t.id} shape=${fmtShape(t.shape)} dtype=${t.dtype})` : `tensor id=${t.id} shape=${fmtShape(t.shape)} dtype=${t.dtype}`} was disposed before it was used`,
    );
  }
}

function commonBackend(op: string, inputs: readonly Tensor[]): Backend {
  let backend: Backend | undefined;
  let first: Tensor | undefined;
  for (const t of inputs) {
    assertLive(t, op);
    if (backend === undefined) {
      backend = t.backend;
      first = t;
    } else if (t.backend !== backend) {
      throw new TensorError(
        'BACKEND_MISMATCH',
        op,
        `inputs live on different backends: tensor id=${first!.id} on '${backendLabel(backend)}', tensor id=${t.id} on '${backendLabel(t.backend)}'; move one with t.to(backend)`,
      );
    }
  }
  return backend ?? getBackend();
}

/**
 * @internal Runs one kernel: checks inputs, allocates the outputs, calls `kernel` (skipped when
 * every output is empty), tracks the outputs and reports the op to the observer.
 */
export function runKernel<A>(
  op: string | OpSpec<A>,
  inputs: readonly Tensor[],
  attrs: A,
  outputs: readonly OutputSpec[],
  kernel: (backend: Backend, inputs: TensorInfo[], outputs: TensorInfo[]) => void,
): Tensor[] {
  const name = typeof op === 'string' ? op : op.name;
  const backend = commonBackend(name, inputs);
  // Every output dtype is checked before the first allocation, so a refusal leaks nothing.
  for (const spec of outputs) requireSupportedDtype(backend, spec.dtype, name);
  const storages = outputs.map((spec) => allocateStorage(backend, sizeOf(spec.shape), spec.dtype, name));
  const outInfos: TensorInfo[] = outputs.map((spec, i) => ({ handle: storages[i]!.handle, shape: spec.shape, dtype: spec.dtype }));
  if (outputs.some((spec) => sizeOf(spec.shape) > 0)) {
    try {
      kernel(backend, inputs.map(infoOf), outInfos);
    } catch (e) {
      for (const s of storages) {
        const c = engine.counts.get(backend);
        if (c) c.bytes -= s.bytes;
        backend.free(s.handle);
      }
      throw e;
    }
  }
  const result = outputs.map((spec, i) => makeTensor(storages[i]!, spec.shape, spec.dtype));
  notify(name, inputs, result, attrs as Record<string, unknown>);
  return result;
}

/**
 * @internal Runs the op `spec` describes end to end: its `infer` gives the outputs, its `kernel`
 * fills them (through {@link runKernel}: backend checks, allocation, the observer).
 */
export function runOp<A>(spec: OpSpec<A>, inputs: readonly Tensor[], attrs: A): Tensor[] {
  const { infer, kernel } = spec;
  if (infer === undefined || kernel === undefined) {
    throw new TensorError('UNSUPPORTED', spec.name, `op '${spec.name}' has no kernel call in its spec (it is a ${spec.kind} op)`);
  }
  return runKernel(spec, inputs, attrs, infer(inputs, attrs), (backend, ins, outs) => kernel(backend, ins, outs, attrs));
}

/** @internal A new tensor that shares `x`'s storage with another shape (reshape is free). */
export function viewOf<A>(op: string | OpSpec<A>, x: Tensor, shape: readonly number[], attrs: A): Tensor {
  const name = typeof op === 'string' ? op : op.name;
  assertLive(x, name);
  const t = makeTensor(x.storage, shape, x.dtype);
  notify(name, [x], [t], attrs as Record<string, unknown>);
  return t;
}

/** @internal Tensor from host values on a backend. */
export function fromValues(values: import('./backend.js').TypedArray, shape: readonly number[], dtype: DType, backend: Backend = getBackend()): Tensor {
  const storage = allocateStorage(backend, values.length, dtype, 'tensor');
  if (values.length > 0) backend.write(storage.handle, values);
  return makeTensor(storage, shape, dtype);
}

function notify(name: string, inputs: readonly Tensor[], outputs: readonly Tensor[], attrs: Record<string, unknown>): void {
  if (engine.silentDepth > 0) return;
  if (engine.observer !== undefined) engine.observer({ name, inputs, outputs, attrs });
  // Without an observer nothing records gradients: remember, on the outputs, the first op that
  // ran on a tensor needing one, so autograd's backward can say why a gradient is missing
  // instead of returning a wrong one. Inside noGrad-like silent scopes nothing is marked.
  for (const t of inputs) {
    const lost = t.gradientLostAt ?? (engine.observer === undefined && t.requiresGrad ? name : undefined);
    if (lost !== undefined) {
      for (const o of outputs) o.gradientLostAt ??= lost;
      return;
    }
  }
}

/**
 * @internal Runs `fn` without reporting its inner ops to the observer, then reports one record
 * for the whole op. Used by ops that have their own gradient rule but are built from others.
 */
export function asOneOp<A>(op: string | OpSpec<A>, inputs: readonly Tensor[], attrs: A, fn: () => Tensor[]): Tensor[] {
  const name = typeof op === 'string' ? op : op.name;
  engine.silentDepth++;
  let outputs: Tensor[];
  try {
    outputs = fn();
  } finally {
    engine.silentDepth--;
  }
  notify(name, inputs, outputs, attrs as Record<string, unknown>);
  return outputs;
}

/** @internal Runs `fn` without reporting any op to the observer (e.g. inside `noGrad`). */
export function unobserved<T>(fn: () => T): T {
  engine.silentDepth++;
  try {
    return fn();
  } finally {
    engine.silentDepth--;
  }
}

/**
 * @internal A tensor sharing `t`'s storage that no `tidy` scope tracks: it lives until it is
 * disposed explicitly. Autograd keeps the tensors a gradient rule needs this way.
 */
export function retain(t: Tensor): Tensor {
  assertLive(t, 'retain');
  engine.scopes.push(new Set());
  try {
    const r = makeTensor(t.storage, t.shape, t.dtype);
    r.requiresGrad = t.requiresGrad;
    return r;
  } finally {
    engine.scopes.pop();
  }
}

// ---------------------------------------------------------------- scopes

/** What {@link tidy} may return: tensors, possibly nested in arrays and objects, and plain values. */
export type TensorContainer = Tensor | readonly TensorContainer[] | { readonly [key: string]: TensorContainer } | number | string | boolean | null | undefined | void;

function collect(value: unknown, into: Set<Tensor>): void {
  if (value instanceof Tensor) into.add(value);
  else if (Array.isArray(value)) for (const v of value) collect(v, into);
  else if (value instanceof Map) for (const v of value.values()) collect(v, into);
  else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, into);
  }
}

/**
 * Runs `fn` and disposes every tensor it created, except those it returns (in an array, plain
 * object or Map) and those passed to {@link keep}. Returned tensors move to the enclosing scope.
 *
 * @throws TensorError `INVALID_ARGUMENT` when `fn` returns a promise (scopes are synchronous).
 * @example
 * ```ts
 * const y = tidy(() => x.mul(2).add(1)); // the intermediate x*2 is freed
 * ```
 */
export function tidy<T extends TensorContainer | Map<unknown, Tensor>>(fn: () => T): T {
  const scope: Scope = new Set();
  engine.scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    engine.scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  engine.scopes.pop();
  if (result instanceof Promise) {
    for (const t of scope) t.dispose();
    // The caller gets the error below; the orphaned promise's own rejection (likely a
    // disposed-tensor error, as its tensors were just freed) must not kill the process later.
    result.catch(() => undefined);
    throw new TensorError('INVALID_ARGUMENT', 'tidy', 'the function returned a promise; tidy scopes are synchronous (await outside tidy)');
  }
  const kept = new Set<Tensor>();
  collect(result, kept);
  const parent = engine.scopes[engine.scopes.length - 1];
  for (const t of scope) {
    if (kept.has(t)) parent?.add(t);
    else t.dispose();
  }
  return result;
}

/**
 * Excludes `t` from every enclosing `tidy` scope; it lives until disposed.
 * @example
 * ```ts
 * let w!: Tensor;
 * tidy(() => { w = keep(randn([3, 3], { seed: 0 })); });
 * ```
 */
export function keep<T extends Tensor>(t: T): T {
  for (const scope of engine.scopes) scope.delete(t);
  return t;
}

/** Disposes every tensor in `tensors` (nested arrays and objects are walked). */
export function dispose(tensors: unknown): void {
  const all = new Set<Tensor>();
  collect(tensors, all);
  for (const t of all) t.dispose();
}

/**
 * Memory counters: live tensors and bytes, per backend.
 * @example
 * ```ts
 * const before = memory().tensors;
 * tidy(() => { zeros([10]).add(1); });
 * memory().tensors === before; // true
 * ```
 */
export function memory(): MemoryInfo {
  let tensors = 0;
  let bytes = 0;
  const backends: Record<string, { tensors: number; bytes: number; backendBytes: number; buffers: number }> = {};
  for (const [backend, c] of engine.counts) {
    tensors += c.tensors;
    bytes += c.bytes;
    const m = backend.memory();
    backends[engine.labels.get(backend) ?? backend.name] = { tensors: c.tensors, bytes: c.bytes, backendBytes: m.bytes, buffers: m.buffers };
  }
  return { tensors, bytes, backends };
}

/**
 * Debug mode: reports tensors that were garbage-collected without `dispose()` (a leak) to
 * `onLeak` (default `console.warn`). Only a detector: it never frees memory.
 */
export function enableLeakDetector(onLeak: (description: string) => void = (d) => console.warn(`[tessera] leaked ${d}`)): void {
  engine.leakRegistry = new FinalizationRegistry(onLeak);
}

/** Turns the leak detector off. */
export function disableLeakDetector(): void {
  engine.leakRegistry = undefined;
}

/** @internal Handle access for backends moving data (`t.to`). */
export type { DataHandle };
