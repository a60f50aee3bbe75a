/**
 * `Module`: the base class of layers and models. A module owns parameters (trainable
 * {@link Variable}s), buffers (non-trainable state such as BatchNorm's running statistics) and
 * submodules, and finds them by walking its own properties in declaration order, so plain class
 * fields register themselves as in PyTorch.
 */
import {
  backendLabel,
  checkOptions,
  Tensor,
  TensorError,
  Variable,
  fmtShape,
  getBackend,
  isFloat,
  tidy,
  unobserved,
  variable,
  zeros,
  type Backend,
  type DType,
} from '@tessera/tensor-core';
import { loadSafetensors, saveSafetensors, type SafetensorsSource } from './safetensors.js';

/**
 * A trainable tensor of a module. A `Parameter` IS a tensor-core {@link Variable}: use it directly
 * in ops (`x.matmul(this.weight.T)`), hand it to optimizers (`model.parameters()`), and look its
 * gradient up by identity in the map `backward(loss)` returns. Training replaces its value with
 * `assign`, so its identity never changes.
 */
export type Parameter = Variable;

/** Options of {@link parameter}. */
export interface ParameterOptions {
  /** Name for messages (modules set it to the dotted path, e.g. `fc1.weight`). */
  readonly name?: string;
  /** Whether gradients are computed for it (default true). */
  readonly requiresGrad?: boolean;
}

/**
 * Makes a {@link Parameter} from `value`, which it consumes: the parameter takes over the storage
 * and `value` is disposed (pass `value.clone()` to keep yours). A {@link Variable} is returned as
 * it is (with the options applied).
 *
 * @throws TensorError `DTYPE_MISMATCH` when a gradient is required of a non-float tensor;
 *   `TENSOR_DISPOSED`.
 * @example
 * ```ts
 * class Scale extends Module {
 *   gain = parameter(ones([1]));
 *   forward(x: Tensor): Tensor { return x.mul(this.gain); }
 * }
 * ```
 */
export function parameter(value: Tensor, options: ParameterOptions = {}): Parameter {
  checkOptions('parameter', options, ['name', 'requiresGrad']);
  return toVariable('parameter', value, options.requiresGrad ?? true, options.name);
}

/** A Variable from `value` (consumed); `requiresGrad` undefined keeps a Variable's own flag (true for a plain tensor). */
function toVariable(op: string, value: Tensor, requiresGrad: boolean | undefined, name: string | undefined): Variable {
  if (!(value instanceof Tensor)) {
    throw new TensorError('INVALID_ARGUMENT', op, `expected a Tensor, got ${describe(value)}`);
  }
  requiresGrad ??= value instanceof Variable ? value.requiresGrad : true;
  if (requiresGrad && !isFloat(value.dtype)) {
    throw new TensorError('DTYPE_MISMATCH', op, `only float tensors can require gradients, got dtype ${value.dtype} (shape ${fmtShape(value.shape)}); pass requiresGrad: false`);
  }
  if (value instanceof Variable) {
    value.requiresGrad = requiresGrad;
    if (name !== undefined) value.name = name;
    return value;
  }
  const v = variable(value, { requiresGrad, ...(name === undefined ? {} : { name }) });
  value.dispose();
  return v;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Tensor) return `Tensor(shape=${fmtShape(value.shape)}, dtype=${value.dtype})`;
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

/** Any module, whatever its forward signature. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModule = Module<any[], any>;

/** A state dict: tensors by dotted name (`fc1.weight`, `bn.runningMean`), in module order. */
export type StateDict = Map<string, Tensor>;

/** Options of {@link Module.stateDict}. */
export interface StateDictOptions {
  /**
   * Return the module's own Variables instead of copies (PyTorch's `keep_vars`). They stay the
   * module's: do not dispose them. Default false: copies that the caller owns and disposes.
   */
  readonly keepVars?: boolean;
}

/** Options of {@link Module.loadStateDict}. */
export interface LoadStateDictOptions {
  /**
   * Require the keys to match exactly (default true). With `false`, missing and unexpected keys
   * are reported in the result instead of thrown; shape and dtype mismatches always throw.
   */
  readonly strict?: boolean;
}

/** What {@link Module.loadStateDict} returns: the keys it could not match (empty in strict mode). */
export interface LoadStateDictResult {
  readonly missingKeys: string[];
  readonly unexpectedKeys: string[];
}

/** Options of {@link Module.summary}. */
export interface SummaryOptions {
  /**
   * Shape of an input to run through `forward` (in eval mode, with zeros, recording nothing) to
   * report each module's output shape. Omit it for a table without output shapes.
   */
  readonly inputShape?: readonly number[];
  /** dtype of that input (default float32; int32 for models that start with an Embedding). */
  readonly inputDtype?: DType;
}

/** Options of {@link Module.registerBuffer}. */
export interface BufferOptions {
  /** Whether the buffer is part of the state dict (default true), as PyTorch's `persistent`. */
  readonly persistent?: boolean;
}

type Kind = 'parameter' | 'buffer' | 'module';

const RESERVED = new Set(['training']);

/**
 * The base class of every layer and model. Subclass it, declare layers and parameters as class
 * fields, and implement `forward`. Fields holding a `Module` become submodules and fields holding a
 * {@link Variable} become parameters, in declaration order, with no registration call (as in
 * PyTorch); buffers (state that is saved but not trained) are declared with
 * {@link Module.registerBuffer}. Lists and maps of modules must be a {@link ModuleList} or
 * {@link ModuleDict}: plain arrays are not searched.
 *
 * Type parameters: the argument list and result of `forward` (default: one tensor in, one out).
 *
 * Memory: parameters and buffers are Variables, which no `tidy` scope frees: a model lives until
 * `dispose()`. `forward` frees its own temporaries and returns new tensors that the caller owns.
 *
 * @example
 * ```ts
 * class Mlp extends Module {
 *   fc1 = new Linear({ inFeatures: 4, outFeatures: 16 });
 *   act = new ReLU();
 *   fc2 = new Linear({ inFeatures: 16, outFeatures: 2 });
 *   forward(x: Tensor): Tensor {
 *     return tidy(() => this.fc2.forward(this.act.forward(this.fc1.forward(x))));
 *   }
 * }
 * const model = new Mlp();
 * model.namedParameters().map(([name]) => name); // ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
 * const opt = new Adam(model.parameters(), { lr: 1e-3 });
 * ```
 */
export abstract class Module<Args extends unknown[] = [Tensor], Out = Tensor> {
  /** Training mode (true) or evaluation mode (false); set it with {@link Module.train} / {@link Module.eval}. */
  training = true;
  readonly #buffers = new Set<string>();
  readonly #nonPersistent = new Set<string>();

  /** The computation. Implementations should free their temporaries (`tidy`) and return new tensors. */
  abstract forward(...inputs: Args): Out;

  // ------------------------------------------------------------------ registration

  /**
   * Registers `value` as the parameter `name` (a plain tensor is consumed, as {@link parameter})
   * and sets the property `this[name]`. Only needed for names computed at run time; a class field
   * holding a Variable registers itself.
   *
   * @throws TensorError `INVALID_ARGUMENT` for a bad name (empty, dotted, or a method/property of
   *   the class); `DTYPE_MISMATCH` for a non-float tensor.
   * @example
   * ```ts
   * for (let i = 0; i < 3; i++) this.registerParameter(`w${i}`, zeros([4]));
   * ```
   */
  registerParameter(name: string, value: Tensor | undefined): Parameter | undefined {
    this.#checkName('registerParameter', name, 'parameter');
    const v = value === undefined ? undefined : toVariable('registerParameter', value, undefined, undefined);
    this.#buffers.delete(name);
    this.#nonPersistent.delete(name);
    this.#define(name, v);
    return v;
  }

  /**
   * Registers `value` as the buffer `name`: state that `stateDict`, `to` and `dispose` handle but
   * that is not a parameter (no gradient; not in `parameters()`). A plain tensor is consumed. The
   * property `this[name]` is set; a later assignment to the same name stays a buffer.
   *
   * @throws TensorError `INVALID_ARGUMENT` for a bad name.
   * @example
   * ```ts
   * class Counter extends Module {
   *   count = this.registerBuffer('count', zeros([], { dtype: 'int32' }));
   *   forward(x: Tensor): Tensor { return x; }
   * }
   * ```
   */
  registerBuffer<T extends Tensor | undefined>(name: string, value: T, options: BufferOptions = {}): T extends Tensor ? Variable : undefined {
    checkOptions('registerBuffer', options, ['persistent']);
    this.#checkName('registerBuffer', name, 'buffer');
    const v = value === undefined ? undefined : toVariable('registerBuffer', value, false, undefined);
    this.#buffers.add(name);
    if (options.persistent === false) this.#nonPersistent.add(name);
    else this.#nonPersistent.delete(name);
    this.#define(name, v);
    return v as T extends Tensor ? Variable : undefined;
  }

  /**
   * Registers `module` as the submodule `name` and sets `this[name]`. Only needed for names
   * computed at run time; a class field holding a Module registers itself.
   *
   * @throws TensorError `INVALID_ARGUMENT` for a bad name or a value that is not a Module.
   * @example
   * ```ts
   * for (let i = 0; i < depth; i++) this.registerModule(`block${i}`, new Block());
   * ```
   */
  registerModule<M extends AnyModule | undefined>(name: string, module: M): M {
    this.#checkName('registerModule', name, 'module');
    if (module !== undefined && !(module instanceof Module)) {
      throw new TensorError('INVALID_ARGUMENT', 'registerModule', `'${name}' must be a Module, got ${describe(module)}`);
    }
    if ((module as unknown) === this) throw new TensorError('INVALID_ARGUMENT', 'registerModule', `a module cannot be its own submodule ('${name}')`);
    this.#buffers.delete(name);
    this.#define(name, module);
    return module;
  }

  #checkName(op: string, name: string, what: string): void {
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new TensorError('INVALID_ARGUMENT', op, `${what} name must be a non-empty string without '.', got ${JSON.stringify(name)}`);
    }
    const own = Object.getOwnPropertyDescriptor(this, name);
    const isSlot = own !== undefined && (own.value === undefined || own.value instanceof Module || own.value instanceof Tensor);
    if (RESERVED.has(name) || (!isSlot && (own !== undefined || name in this))) {
      throw new TensorError('INVALID_ARGUMENT', op, `cannot register ${what} '${name}': ${this.constructor.name} already has a property or method of that name`);
    }
  }

  #define(name: string, value: unknown): void {
    Object.defineProperty(this, name, { value, writable: true, enumerable: true, configurable: true });
  }

  /** This module's own parameters, buffers and submodules, in property order. */
  #members(): Array<{ name: string; kind: Kind; value: Variable | AnyModule }> {
    const out: Array<{ name: string; kind: Kind; value: Variable | AnyModule }> = [];
    for (const name of Object.keys(this)) {
      const value: unknown = (this as Record<string, unknown>)[name];
      if (value instanceof Module) out.push({ name, kind: 'module', value });
      else if (value instanceof Variable) out.push({ name, kind: this.#buffers.has(name) ? 'buffer' : 'parameter', value });
    }
    return out;
  }

  // ------------------------------------------------------------------ traversal

  /**
   * The direct submodules with their names.
   * @example `model.namedChildren().map(([name]) => name)`
   */
  namedChildren(): [string, AnyModule][] {
    return this.#members()
      .filter((m) => m.kind === 'module')
      .map((m) => [m.name, m.value as AnyModule]);
  }

  /** The direct submodules. */
  children(): AnyModule[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /**
   * This module and all its descendants, depth first, with dotted names (`''` for this one). A
   * module reachable twice appears once, under its first name.
   * @example `model.namedModules().filter(([, m]) => m instanceof Linear)`
   */
  namedModules(prefix = ''): [string, AnyModule][] {
    const out: [string, AnyModule][] = [];
    const seen = new Set<AnyModule>();
    const visit = (module: AnyModule, name: string): void => {
      if (seen.has(module)) return;
      seen.add(module);
      out.push([name, module]);
      for (const [child, m] of module.namedChildren()) visit(m, name === '' ? child : `${name}.${child}`);
    };
    visit(this, prefix);
    return out;
  }

  /** This module and all its descendants, depth first. */
  modules(): AnyModule[] {
    return this.namedModules().map(([, m]) => m);
  }

  #named(kind: 'parameter' | 'buffer', recurse: boolean, dedupe: boolean, persistentOnly: boolean): [string, Variable][] {
    const out: [string, Variable][] = [];
    const seen = new Set<Variable>();
    const modules: [string, AnyModule][] = recurse ? this.namedModules() : [['', this]];
    for (const [prefix, module] of modules) {
      for (const m of module.#members()) {
        if (m.kind !== kind) continue;
        if (persistentOnly && module.#nonPersistent.has(m.name)) continue;
        const v = m.value as Variable;
        if (dedupe && seen.has(v)) continue;
        seen.add(v);
        out.push([prefix === '' ? m.name : `${prefix}.${m.name}`, v]);
      }
    }
    return out;
  }

  /**
   * Every parameter with its dotted name (`fc1.weight`), in module order; a parameter shared by
   * two modules appears once. Sets each parameter's `name` to that dotted name (for messages).
   * @param recurse Include submodules' parameters (default true).
   * @example
   * ```ts
   * for (const [name, p] of model.namedParameters()) console.log(name, p.shape);
   * ```
   */
  namedParameters(recurse = true): [string, Parameter][] {
    const out = this.#named('parameter', recurse, true, false);
    for (const [name, v] of out) v.name = name;
    return out;
  }

  /**
   * Every parameter (frozen ones included), for optimizers: `new Adam(model.parameters())`.
   * Filter on `p.requiresGrad` to skip frozen ones.
   * @example `new SGD(model.parameters(), { lr: 0.1 })`
   */
  parameters(recurse = true): Parameter[] {
    return this.namedParameters(recurse).map(([, p]) => p);
  }

  /**
   * Every buffer with its dotted name (`bn.runningMean`), non-persistent ones included.
   * @example `model.namedBuffers().map(([name]) => name)`
   */
  namedBuffers(recurse = true): [string, Variable][] {
    const out = this.#named('buffer', recurse, true, false);
    for (const [name, v] of out) v.name = name;
    return out;
  }

  /** Every buffer. */
  buffers(recurse = true): Variable[] {
    return this.namedBuffers(recurse).map(([, b]) => b);
  }

  /**
   * Calls `fn` on every submodule (children first) and then on this module, as PyTorch's `apply`
   * (custom initialization). Returns this module.
   * @example
   * ```ts
   * model.apply((m) => { if (m instanceof Linear) init.xavierUniform(m.weight); });
   * ```
   */
  apply(fn: (module: AnyModule) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  // ------------------------------------------------------------------ modes

  /**
   * Sets training mode (`true`, the default) or evaluation mode on this module and every
   * descendant. Dropout and BatchNorm behave differently in the two. Returns this module.
   * @throws TensorError `INVALID_ARGUMENT` when `mode` is not a boolean.
   * @example `model.train(); ... model.eval();`
   */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new TensorError('INVALID_ARGUMENT', 'train', `mode must be a boolean, got ${describe(mode)}`);
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Stops gradients for every parameter (`requiresGrad = false`), as for a frozen backbone.
   * Frozen parameters are still in `parameters()` and the state dict. Returns this module.
   * @example `model.backbone.freeze();`
   */
  freeze(): this {
    for (const p of this.parameters()) p.requiresGrad = false;
    return this;
  }

  /** Undoes {@link Module.freeze}: every parameter requires gradients again. */
  unfreeze(): this {
    for (const p of this.parameters()) p.requiresGrad = true;
    return this;
  }

  // ------------------------------------------------------------------ memory and backends

  /**
   * Moves every parameter and buffer to `backend` (a backend object or a registered name) in
   * place: identities stay, so optimizers built before still work (move their state too).
   * @throws TensorError `NO_BACKEND` for an unknown name.
   * @example `await model.to(webgpuBackend);`
   */
  async to(backend: Backend | string): Promise<this> {
    const target = typeof backend === 'string' ? getBackend(backend) : backend;
    for (const v of this.#allVariables()) {
      const moved = await v.to(target);
      if (moved !== v) {
        v.assign(moved);
        moved.dispose();
      }
    }
    return this;
  }

  #allVariables(): Variable[] {
    return [...new Set([...this.parameters(), ...this.buffers()])];
  }

  /**
   * Frees every parameter and buffer of this module and its descendants. Each keeps its dotted
   * name in this module, so using the module afterwards fails with a `TENSOR_DISPOSED` that says
   * which: `variable '0.weight' (tensor id=12 shape=[8,4] dtype=float32) was disposed`.
   * @example
   * ```ts
   * model.dispose();
   * ```
   */
  dispose(): void {
    // Named from this module, the one the user holds, whatever names other owners gave before.
    const named = [...this.namedParameters(), ...this.namedBuffers()];
    for (const [, v] of named) v.dispose();
  }

  /** `using model = new Mlp()` support. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  // ------------------------------------------------------------------ state dicts

  /**
   * The parameters and persistent buffers by dotted name, in PyTorch's order (each module's
   * parameters, then its buffers, then its children). A parameter shared by two modules appears
   * under both names, as in PyTorch. Values are copies that the caller owns (dispose them, e.g.
   * with `dispose(dict)`), unless `keepVars`.
   * @example
   * ```ts
   * const dict = model.stateDict();
   * other.loadStateDict(dict);
   * dispose(dict);
   * ```
   */
  stateDict(options: StateDictOptions = {}): StateDict {
    checkOptions('stateDict', options, ['keepVars']);
    const out: StateDict = new Map();
    for (const [prefix, module] of this.namedModules()) {
      for (const kind of ['parameter', 'buffer'] as const) {
        for (const [name, v] of module.#named(kind, false, false, true)) {
          const key = prefix === '' ? name : `${prefix}.${name}`;
          out.set(key, options.keepVars ? v : unobserved(() => v.clone()));
        }
      }
    }
    return out;
  }

  /**
   * Loads parameters and buffers from `dict` (a Map or a plain object), in place: identities stay.
   * Everything is checked before anything is assigned, and one error lists every missing,
   * unexpected, mis-shaped, mis-typed or misplaced key. The module shares the values' storage (no
   * copy; tensors are immutable), so the caller may dispose `dict` afterwards. Float values of
   * another float dtype are cast. Keys in PyTorch's snake_case (`bn.running_mean`) are accepted for
   * the camelCase names (`bn.runningMean`), so PyTorch state dicts load as they are.
   *
   * @throws TensorError `SHAPE_MISMATCH` when a shape differs, `DTYPE_MISMATCH` for an
   *   incompatible dtype, `BACKEND_MISMATCH` for a value on another backend (move it with
   *   `await t.to(backend)`), `INVALID_ARGUMENT` for missing or unexpected keys (strict mode),
   *   non-tensor values or disposed tensors; the code is that of the first kind present in this
   *   order, and the message lists all of them.
   * @example
   * ```ts
   * const { missingKeys } = model.loadStateDict(dict, { strict: false });
   * ```
   */
  loadStateDict(dict: StateDict | Readonly<Record<string, Tensor>>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    checkOptions('loadStateDict', options, ['strict']);
    const op = 'loadStateDict';
    if (typeof dict !== 'object' || dict === null) throw new TensorError('INVALID_ARGUMENT', op, `dict must be a Map or an object of tensors, got ${describe(dict)}`);
    const strict = options.strict ?? true;
    const entries: [string, unknown][] = dict instanceof Map ? [...dict.entries()] : Object.entries(dict);
    const expected = new Map<string, Variable>();
    for (const [key, v] of this.stateDict({ keepVars: true })) expected.set(key, v as Variable);

    const unexpectedKeys: string[] = [];
    const shapeProblems: string[] = [];
    const dtypeProblems: string[] = [];
    const backendProblems: string[] = [];
    const valueProblems: string[] = [];
    const found = new Set<string>();
    const plan: [Variable, Tensor][] = [];
    for (const [key, value] of entries) {
      const target = expected.has(key) ? key : camelKey(key);
      const v = expected.get(target);
      if (v === undefined) {
        unexpectedKeys.push(key);
        continue;
      }
      found.add(target);
      if (!(value instanceof Tensor)) {
        valueProblems.push(`${key}: expected a Tensor, got ${describe(value)}`);
        continue;
      }
      if (value.isDisposed) {
        valueProblems.push(`${key}: the tensor (id=${value.id}) was disposed`);
        continue;
      }
      if (value.shape.length !== v.shape.length || value.shape.some((d, i) => d !== v.shape[i])) {
        shapeProblems.push(`${key}: checkpoint ${fmtShape(value.shape)}, model ${fmtShape(v.shape)}`);
      } else if (value.dtype !== v.dtype && !(isFloat(value.dtype) && isFloat(v.dtype))) {
        dtypeProblems.push(`${key}: checkpoint ${value.dtype}, model ${v.dtype}`);
      } else if (value.backend !== v.backend) {
        backendProblems.push(`${key}: checkpoint on '${backendLabel(value.backend)}', model on '${backendLabel(v.backend)}'`);
      } else {
        plan.push([v, value]);
      }
    }
    const missingKeys = [...expected.keys()].filter((k) => !found.has(k));
    const parts: string[] = [];
    if (shapeProblems.length) parts.push(`shape mismatches: ${shapeProblems.join('; ')}`);
    if (dtypeProblems.length) parts.push(`dtype mismatches: ${dtypeProblems.join('; ')}`);
    if (backendProblems.length) parts.push(`backend mismatches (move with await t.to(backend)): ${backendProblems.join('; ')}`);
    if (valueProblems.length) parts.push(`bad values: ${valueProblems.join('; ')}`);
    if (strict && missingKeys.length) parts.push(`missing keys: ${missingKeys.join(', ')}`);
    if (strict && unexpectedKeys.length) parts.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
    if (parts.length) {
      const code = shapeProblems.length ? 'SHAPE_MISMATCH' : dtypeProblems.length ? 'DTYPE_MISMATCH' : backendProblems.length ? 'BACKEND_MISMATCH' : 'INVALID_ARGUMENT';
      throw new TensorError(code, op, `cannot load the state dict into ${this.constructor.name}: ${parts.join('. ')}`);
    }
    for (const [v, value] of plan) {
      if (value.dtype === v.dtype) {
        v.assign(value);
      } else {
        const cast = unobserved(() => value.cast(v.dtype));
        v.assign(cast);
        cast.dispose();
      }
    }
    return { missingKeys: strict ? [] : missingKeys, unexpectedKeys: strict ? [] : unexpectedKeys };
  }

  /**
   * Writes the state dict as a safetensors file (Node: a path) and returns its bytes (browsers:
   * omit the path and keep or download the bytes).
   * @example
   * ```ts
   * await model.save('model.safetensors');
   * const bytes = await model.save(); // Uint8Array
   * ```
   */
  async save(path?: string, options: { metadata?: Record<string, string> } = {}): Promise<Uint8Array<ArrayBuffer>> {
    checkOptions('save', options, ['metadata']);
    return saveSafetensors(this.stateDict({ keepVars: true }), path, options);
  }

  /**
   * Loads weights from safetensors (a path in Node, or bytes / an ArrayBuffer / a Blob) into this
   * module, onto the backend its parameters live on. See {@link Module.loadStateDict}.
   * @throws TensorError as {@link Module.loadStateDict} and {@link loadSafetensors}.
   * @example `await model.load('model.safetensors');`
   */
  async load(source: SafetensorsSource, options: LoadStateDictOptions = {}): Promise<LoadStateDictResult> {
    checkOptions('load', options, ['strict']);
    const first = this.#allVariables()[0];
    const dict = await loadSafetensors(source, first ? { backend: first.backend } : {});
    try {
      return this.loadStateDict(dict, options);
    } finally {
      for (const t of dict.values()) t.dispose();
    }
  }

  // ------------------------------------------------------------------ printing

  /** Extra text for `toString()` (a layer's options), as PyTorch's `extra_repr`. */
  extraRepr(): string {
    return '';
  }

  /**
   * A tree of the modules, as PyTorch prints one:
   * `Mlp(\n  (fc1): Linear(inFeatures=4, outFeatures=16, bias=true)\n  ...)`.
   */
  toString(): string {
    const extra = this.extraRepr();
    const children = this.namedChildren();
    if (children.length === 0) return `${this.constructor.name}(${extra})`;
    const lines = [...(extra ? [extra] : []), ...children.map(([name, m]) => `(${name}): ${m.toString()}`)];
    return `${this.constructor.name}(\n  ${lines.join('\n').split('\n').join('\n  ')}\n)`;
  }

  /**
   * A table of the modules (name, type, output shape when `inputShape` is given, parameter
   * count of each subtree) and the totals: all parameters, trainable, frozen, and buffer
   * elements. With `inputShape`, one forward pass runs on zeros in eval mode without recording
   * gradients or touching BatchNorm statistics; the modes are restored afterwards.
   *
   * @throws whatever `forward` throws for that input.
   * @example
   * ```ts
   * console.log(model.summary({ inputShape: [1, 4] }));
   * ```
   */
  summary(options: SummaryOptions = {}): string {
    checkOptions('summary', options, ['inputShape', 'inputDtype']);
    const modules = this.namedModules();
    const shapes = new Map<AnyModule, string>();
    if (options.inputShape !== undefined) this.#traceShapes(options.inputShape, options.inputDtype ?? 'float32', shapes);
    const count = (ps: Variable[]): number => ps.reduce((n, p) => n + p.size, 0);
    const rows: [string, string, string][] = [['Layer (type)', 'Output shape', 'Param #']];
    for (const [name, m] of modules) {
      if (m === this && modules.length > 1) continue;
      const depth = name === '' ? 0 : name.split('.').length - 1;
      rows.push([`${'  '.repeat(depth)}${name === '' ? '' : `${name} `}(${m.constructor.name})`, shapes.get(m) ?? '', count(m.parameters()).toLocaleString('en-US')]);
    }
    const params = this.parameters();
    const total = count(params);
    const trainable = count(params.filter((p) => p.requiresGrad));
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
    const line = (r: [string, string, string]): string => `${r[0].padEnd(widths[0]!)}  ${r[1].padEnd(widths[1]!)}  ${r[2].padStart(widths[2]!)}`.trimEnd();
    const width = widths[0]! + widths[1]! + widths[2]! + 4;
    return [
      line(rows[0]!),
      '='.repeat(width),
      ...rows.slice(1).map(line),
      '='.repeat(width),
      `Total params: ${total.toLocaleString('en-US')}`,
      `Trainable params: ${trainable.toLocaleString('en-US')}`,
      `Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`,
      `Buffer elements: ${count(this.buffers()).toLocaleString('en-US')}`,
    ].join('\n');
  }

  #traceShapes(inputShape: readonly number[], dtype: DType, shapes: Map<AnyModule, string>): void {
    const modules = this.modules();
    const modes = modules.map((m) => m.training);
    for (const m of modules) {
      const original = m.forward;
      Object.defineProperty(m, 'forward', {
        value: (...args: unknown[]) => {
          const out: unknown = (original as (...a: unknown[]) => unknown).apply(m, args);
          shapes.set(m, describeOutput(out));
          return out;
        },
        configurable: true,
        enumerable: false,
        writable: true,
      });
    }
    this.eval();
    try {
      unobserved(() =>
        tidy(() => {
          const backend = this.#allVariables()[0]?.backend;
          (this.forward as unknown as (x: Tensor) => unknown)(zeros(inputShape, { dtype, ...(backend ? { backend } : {}) }));
        }),
      );
    } finally {
      modules.forEach((m, i) => {
        delete (m as { forward?: unknown }).forward;
        m.training = modes[i]!;
      });
    }
  }
}

function describeOutput(out: unknown): string {
  if (out instanceof Tensor) return fmtShape(out.shape);
  if (Array.isArray(out)) return out.map(describeOutput).join(', ');
  return '';
}

/** `bn.running_mean` → `bn.runningMean` (the last segment only). */
function camelKey(key: string): string {
  const dot = key.lastIndexOf('.');
  const last = key.slice(dot + 1).replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return key.slice(0, dot + 1) + last;
}
