/**
 * The `Optimizer` base class: parameter groups, per-parameter state, the validated `step`, state
 * dicts and moving state between backends. Each optimizer adds one update rule.
 */
import {
  type Checks,
  check,
  checkError,
  backendLabel,
  describeTensor,
  describeValue,
  checkOptions,
  Tensor,
  TensorError,
  Variable,
  fmtShape,
  isFloat,
  tidy,
  unobserved,
  variable,
  type Backend,
} from '@tessera/tensor-core';

/**
 * Hyperparameters every optimizer has.
 * @example
 * ```ts
 * function halveLr(opt: Optimizer<BaseOptimizerOptions>): void {
 *   for (const group of opt.paramGroups) group.lr /= 2;
 * }
 * ```
 */
export interface BaseOptimizerOptions {
  /** Learning rate (schedulers write it). */
  lr: number;
}

/**
 * One parameter group as the optimizer holds it: the parameters and every hyperparameter, with
 * defaults filled in. Hyperparameters are mutable (LR schedulers write `lr`, OneCycleLR writes
 * `momentum` or `betas`); the optimizer validates them again at every `step`.
 * @example
 * ```ts
 * const group: ParamGroup<SGDOptions> = opt.paramGroups[0]!;
 * group.lr = 0.01;
 * ```
 */
export type ParamGroup<O extends BaseOptimizerOptions> = O & {
  /** The parameters of this group (fixed at construction). */
  readonly params: readonly Variable[];
  /** The learning rate before any scheduler touched it (set by the first scheduler). */
  initialLr?: number;
};

/**
 * A parameter group as passed to a constructor: parameters plus options that override the defaults.
 * @example
 * ```ts
 * const groups: ParamGroupInput<AdamOptions>[] = [{ params: backbone, lr: 1e-5 }, { params: head }];
 * const opt = new Adam(groups, { lr: 1e-3 });
 * ```
 */
export type ParamGroupInput<O extends BaseOptimizerOptions> = Partial<O> & { readonly params: readonly Variable[] };

/**
 * What optimizer constructors accept: a list of parameters, or a list of parameter groups.
 * @example
 * ```ts
 * const params: Params<SGDOptions> = model.parameters();
 * ```
 */
export type Params<O extends BaseOptimizerOptions> = readonly Variable[] | readonly ParamGroupInput<O>[];

/**
 * The state of one parameter: its step count and the buffers (momentum, moving averages) the optimizer keeps.
 * @example
 * ```ts
 * const state = opt.getState(w); // { step: 3, buffers: Map { 'expAvg' => Variable, 'expAvgSq' => Variable } }
 * ```
 */
export interface ParamState {
  /** Number of updates applied to this parameter. */
  step: number;
  /** Buffers by name (`expAvg`, `momentumBuffer`, ...), owned by the optimizer. */
  readonly buffers: Map<string, Variable>;
}

/**
 * The serialisable state of an optimizer, in PyTorch's layout: `state` is keyed by the index of
 * a parameter over all groups in order; `paramGroups` holds each group's hyperparameters and the
 * indices of its parameters. Tensors in a state dict are copies that the holder owns.
 * @example
 * ```ts
 * const sd: OptimizerStateDict = opt.stateDict();
 * await saveCheckpoint(sd);
 * dispose(sd);
 * ```
 */
export interface OptimizerStateDict {
  state: Record<number, { step: number; [buffer: string]: Tensor | number }>;
  paramGroups: Array<Record<string, unknown> & { params: number[] }>;
}

/**
 * Options of {@link Optimizer.step}.
 * @example
 * ```ts
 * opt.step(grads, { allowUnknown: true }); // grads also holds gradients of frozen tensors
 * ```
 */
export interface StepOptions {
  /**
   * Ignore gradients of tensors that are not parameters of this optimizer (frozen parameters
   * that a backward pass still returned). By default such a gradient throws, because it usually
   * means the optimizer was built over the wrong parameter list. Default `false`.
   */
  allowUnknown?: boolean;
}

/**
 * Base class of the optimizers. A subclass provides the defaults, validates its hyperparameters
 * and implements {@link Optimizer.update} for one parameter.
 *
 * Ownership: the optimizer never disposes the gradients passed to `step` (the caller does) and
 * owns its state buffers (free them with `dispose()`). Parameters are updated in place with
 * `Variable.assign`, so their identity never changes.
 *
 * @example
 * ```ts
 * const opt = new SGD([w, b], { lr: 0.1, momentum: 0.9 });
 * const grads = backward(loss);   // Map<Tensor, Tensor> from @tessera/autograd
 * opt.step(grads);
 * dispose(grads);
 * ```
 */
export abstract class Optimizer<O extends BaseOptimizerOptions> {
  /** The options used for groups that do not override them. */
  readonly defaults: Readonly<O>;
  /** The parameter groups, in construction order. */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state (created lazily at a parameter's first update). */
  protected readonly state = new Map<Variable, ParamState>();
  /** Every parameter, for membership checks. */
  readonly #params = new Set<Tensor>();
  #disposed = false;

  /**
   * @param name The optimizer's name, used in error messages (`'SGD'`).
   * @param params Parameters or parameter groups.
   * @param defaults The optimizer's complete default hyperparameters.
   * @param options The caller's options over `defaults`: unknown keys and bad values are checked
   *   together and thrown as one `TensorError` (the first failure's code, every failure in `details`).
   */
  protected constructor(
    protected readonly name: string,
    params: Params<O>,
    defaults: O,
    options: Partial<O> = {},
  ) {
    const keys = check.all(name);
    const given = keys.options(options, Object.keys(defaults));
    const merged = { ...defaults, ...given } as O;
    this.#validate(merged, 'defaults', keys);
    this.defaults = Object.freeze(merged);
    if (!Array.isArray(params)) {
      throw new TensorError('INVALID_ARGUMENT', name, `params must be an array of Variables or of parameter groups, got ${describeValue(params)}`);
    }
    if (params.length === 0) {
      throw new TensorError('INVALID_ARGUMENT', name, 'optimizer got an empty parameter list');
    }
    const groups: readonly ParamGroupInput<O>[] = params.every((p) => p instanceof Tensor)
      ? [{ params: params as unknown as readonly Variable[] } as ParamGroupInput<O>]
      : (params as readonly ParamGroupInput<O>[]);
    for (const group of groups) this.addParamGroup(group);
  }

  /**
   * Adds a parameter group (e.g. layers unfrozen during fine-tuning). Options it does not set
   * come from the defaults.
   *
   * @throws TensorError `INVALID_ARGUMENT` for an empty group, a parameter that is not a
   * `Variable` or already belongs to this optimizer, an unknown option, or an invalid value;
   * `DTYPE_MISMATCH` for a non-float parameter; `TENSOR_DISPOSED` for a disposed one.
   * @example
   * ```ts
   * opt.addParamGroup({ params: backbone.parameters(), lr: 1e-4 });
   * ```
   */
  addParamGroup(group: ParamGroupInput<O>): void {
    this.#assertUsable('addParamGroup');
    const where = `param group ${this.paramGroups.length}`;
    if (group === null || typeof group !== 'object' || Array.isArray(group) || group instanceof Tensor) {
      throw new TensorError('INVALID_ARGUMENT', this.name, `${where} must be an object { params, ...options } or the params must all be Variables, got ${describeValue(group)}`);
    }
    if (!Array.isArray(group.params)) {
      throw new TensorError('INVALID_ARGUMENT', this.name, `${where}: params must be an array of Variables, got ${describeValue(group.params)}`);
    }
    if (group.params.length === 0) {
      throw new TensorError('INVALID_ARGUMENT', this.name, `${where} has an empty parameter list`);
    }
    const keys = check.all(this.name);
    keys.options(group, ['params', 'initialLr', ...Object.keys(this.defaults)], { what: where });
    const seen = new Set<Tensor>();
    group.params.forEach((p, i) => {
      if (!(p instanceof Variable)) {
        throw new TensorError(
          'INVALID_ARGUMENT',
          this.name,
          `${where}: params[${i}] must be a Variable (create parameters with variable(), or use Module.parameters()), got ${p instanceof Tensor ? describeTensor(p) : describeValue(p)}`,
        );
      }
      if (p.isDisposed) {
        throw new TensorError('TENSOR_DISPOSED', this.name, `${where}: params[${i}] (${describeTensor(p)}) was disposed`);
      }
      if (!isFloat(p.dtype)) {
        throw new TensorError('DTYPE_MISMATCH', this.name, `${where}: params[${i}] (${describeTensor(p)}) must have a float dtype to be optimized`);
      }
      if (this.#params.has(p) || seen.has(p)) {
        throw new TensorError('INVALID_ARGUMENT', this.name, `${where}: params[${i}] (${describeTensor(p)}) appears more than once; a parameter may belong to one group only, once`);
      }
      seen.add(p);
    });
    const merged = { ...this.defaults, ...withoutUndefined(group), params: Object.freeze([...group.params]) } as ParamGroup<O>;
    this.#validate(merged, where, keys);
    for (const p of merged.params) this.#params.add(p);
    this.paramGroups.push(merged);
  }

  /**
   * Applies one update to every parameter that has a gradient in `grads`; parameters without
   * one are left alone (like PyTorch's `grad is None`). Everything is validated before any
   * parameter changes. Runs unobserved by autograd and frees its temporaries.
   *
   * `grads` is not disposed: it is the caller's.
   *
   * @throws TensorError `INVALID_ARGUMENT` for a gradient of a tensor that is not a parameter of
   * this optimizer (unless `allowUnknown`), or a hyperparameter made invalid since construction;
   * `SHAPE_MISMATCH` / `DTYPE_MISMATCH` / `BACKEND_MISMATCH` when a gradient differs from its
   * parameter; `TENSOR_DISPOSED` for a disposed gradient or parameter, or after `dispose()`.
   * @example
   * ```ts
   * const grads = backward(loss);
   * opt.step(grads);
   * dispose(grads);
   * ```
   */
  step(grads: ReadonlyMap<Tensor, Tensor>, options: StepOptions = {}): void {
    this.#assertUsable('step');
    checkOptions(`${this.name}.step`, options, ['allowUnknown']);
    if (!(grads instanceof Map)) {
      throw new TensorError('INVALID_ARGUMENT', `${this.name}.step`, `grads must be a Map from parameter to gradient (as backward() returns), got ${describeValue(grads)}`);
    }
    this.paramGroups.forEach((g, i) => this.#validate(g, `param group ${i}`));
    if (!options.allowUnknown) {
      for (const key of grads.keys()) {
        if (!this.#params.has(key)) {
          throw new TensorError(
            'INVALID_ARGUMENT',
            `${this.name}.step`,
            `got a gradient for ${key instanceof Tensor ? describeTensor(key) : describeValue(key)}, which is not a parameter of this optimizer (pass { allowUnknown: true } to ignore gradients of frozen tensors)`,
          );
        }
      }
    }
    const work: Array<{ param: Variable; grad: Tensor; group: ParamGroup<O> }> = [];
    for (const group of this.paramGroups) {
      for (const param of group.params) {
        const grad = grads.get(param);
        if (grad === undefined) continue;
        this.#checkGradient(param, grad);
        work.push({ param, grad, group });
      }
    }
    unobserved(() => {
      for (const { param, grad, group } of work) {
        let state = this.state.get(param);
        if (state === undefined) {
          state = { step: 0, buffers: new Map() };
          this.state.set(param, state);
        }
        state.step += 1;
        const s = state;
        tidy(() => {
          this.update(param, grad, s, group);
        });
      }
    });
  }

  /**
   * The update rule for one parameter, run inside `tidy` and unobserved by autograd; `state.step`
   * has already been incremented. Implementations compute the new buffers and parameter value
   * with tensor-core ops and store them with {@link Optimizer.setBuffer} and `param.assign`.
   *
   * This is the seam for fused optimizer kernels: a backend-specific path can replace the
   * composite ops here without touching validation, state or state dicts.
   */
  protected abstract update(param: Variable, grad: Tensor, state: ParamState, group: ParamGroup<O>): void;

  /**
   * Records every invalid hyperparameter of `options` into `checks` (whose context names where
   * the values came from: `defaults`, `param group 1`); the base class throws them, with any
   * unknown-key failures of the same call, as one `TensorError`.
   */
  protected abstract validateOptions(options: O, checks: Checks): void;

  /** Validates `options` and throws the failures of `keys` (unknown options) and of the values together. */
  #validate(options: O, where: string, keys?: Checks): void {
    const values = check.all(this.name, where);
    this.validateOptions(options, values);
    const failures = [...(keys?.failures ?? []), ...values.failures];
    if (failures.length > 0) throw checkError(this.name, failures);
  }

  /** The names of every buffer this optimizer may keep per parameter (for `loadStateDict`). */
  protected abstract readonly bufferNames: readonly string[];

  /** Stores `value` as buffer `name` (creating it on first use); `value` stays the caller's. */
  protected setBuffer(state: ParamState, name: string, value: Tensor): void {
    const existing = state.buffers.get(name);
    if (existing) existing.assign(value);
    else state.buffers.set(name, variable(value, { name, requiresGrad: false }));
  }

  /** The state of `param` (undefined before its first update). */
  getState(param: Variable): Readonly<ParamState> | undefined {
    return this.state.get(param);
  }

  /**
   * A snapshot of the optimizer's state and hyperparameters (PyTorch's layout, camelCase keys).
   * The tensors are copies that the caller owns: free them with `dispose(sd)`.
   *
   * @example
   * ```ts
   * const sd = opt.stateDict();   // { state: { 0: { step: 3, expAvg, expAvgSq } }, paramGroups: [{ lr: 0.001, ..., params: [0, 1] }] }
   * other.loadStateDict(sd);
   * dispose(sd);
   * ```
   */
  stateDict(): OptimizerStateDict {
    this.#assertUsable('stateDict');
    const state: OptimizerStateDict['state'] = {};
    const paramGroups: OptimizerStateDict['paramGroups'] = [];
    let index = 0;
    for (const group of this.paramGroups) {
      const indices: number[] = [];
      for (const param of group.params) {
        const s = this.state.get(param);
        if (s) {
          const entry: { step: number; [buffer: string]: Tensor | number } = { step: s.step };
          for (const [name, buffer] of s.buffers) entry[name] = buffer.clone();
          state[index] = entry;
        }
        indices.push(index++);
      }
      const { params: _params, ...options } = group;
      paramGroups.push({ ...structuredClone(options), params: indices });
    }
    return { state, paramGroups };
  }

  /**
   * Restores state and hyperparameters from {@link Optimizer.stateDict} (of an optimizer of the
   * same kind over parameters of the same shapes, in the same group layout). Tensors are copied
   * (cast to the parameter's dtype); `sd` stays the caller's. A state tensor on another backend
   * keeps its backend: call `await opt.to(backend)` afterwards. Nothing changes when validation
   * fails.
   *
   * @throws TensorError `INVALID_ARGUMENT` when the group layout differs, for an unknown parameter
   * index, buffer name or option, or a bad step count; `SHAPE_MISMATCH` when a buffer's shape
   * differs from its parameter's; `DTYPE_MISMATCH` for a non-float buffer.
   * @example
   * ```ts
   * opt.loadStateDict(checkpoint.optimizer);
   * ```
   */
  loadStateDict(sd: OptimizerStateDict): void {
    this.#assertUsable('loadStateDict');
    const op = `${this.name}.loadStateDict`;
    if (sd === null || typeof sd !== 'object' || !Array.isArray(sd.paramGroups) || sd.state === null || typeof sd.state !== 'object') {
      throw new TensorError('INVALID_ARGUMENT', op, 'expected { state, paramGroups } as stateDict() returns');
    }
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new TensorError('INVALID_ARGUMENT', op, `the state dict has ${sd.paramGroups.length} parameter groups, this optimizer has ${this.paramGroups.length}`);
    }
    const params: Variable[] = [];
    const newGroups: ParamGroup<O>[] = [];
    sd.paramGroups.forEach((saved, i) => {
      const group = this.paramGroups[i]!;
      if (saved === null || typeof saved !== 'object' || !Array.isArray(saved.params)) {
        throw new TensorError('INVALID_ARGUMENT', op, `paramGroups[${i}] must be an object with a params array`);
      }
      if (saved.params.length !== group.params.length) {
        throw new TensorError('INVALID_ARGUMENT', op, `paramGroups[${i}] has ${saved.params.length} parameters, this optimizer's group ${i} has ${group.params.length}`);
      }
      const known = new Set(Object.keys(this.defaults));
      const options: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(saved)) {
        if (key === 'params') continue;
        if (key !== 'initialLr' && !known.has(key)) {
          throw new TensorError('INVALID_ARGUMENT', op, `paramGroups[${i}]: unknown option '${key}' (is this the state dict of another optimizer? ${this.name} knows ${[...known].join(', ')})`);
        }
        options[key] = structuredClone(value);
      }
      const merged = { ...group, ...options, params: group.params } as ParamGroup<O>;
      this.#validate(merged, `paramGroups[${i}]`);
      newGroups.push(merged);
      params.push(...group.params);
    });
    const loaded = new Map<Variable, { step: number; buffers: Array<[string, Tensor]> }>();
    for (const [key, entry] of Object.entries(sd.state)) {
      const index = Number(key);
      const param = Number.isInteger(index) && index >= 0 ? params[index] : undefined;
      if (param === undefined) {
        throw new TensorError('INVALID_ARGUMENT', op, `state has an entry for parameter index ${key}, but this optimizer has ${params.length} parameters (indices 0..${params.length - 1})`);
      }
      if (entry === null || typeof entry !== 'object') {
        throw new TensorError('INVALID_ARGUMENT', op, `state[${key}] must be an object { step, ...buffers }`);
      }
      const { step, ...buffers } = entry;
      if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) {
        throw new TensorError('INVALID_ARGUMENT', op, `state[${key}].step must be a non-negative integer, got ${describeValue(step)}`);
      }
      const list: Array<[string, Tensor]> = [];
      for (const [name, value] of Object.entries(buffers)) {
        if (!this.bufferNames.includes(name)) {
          throw new TensorError('INVALID_ARGUMENT', op, `state[${key}] has an unknown buffer '${name}' (${this.name} keeps ${this.bufferNames.join(', ')})`);
        }
        if (!(value instanceof Tensor)) {
          throw new TensorError('INVALID_ARGUMENT', op, `state[${key}].${name} must be a Tensor, got ${describeValue(value)}`);
        }
        if (value.isDisposed) {
          throw new TensorError('TENSOR_DISPOSED', op, `state[${key}].${name} (${describeTensor(value)}) was disposed`);
        }
        if (value.shape.length !== param.shape.length || value.shape.some((d, j) => d !== param.shape[j])) {
          throw new TensorError('SHAPE_MISMATCH', op, `state[${key}].${name} has shape ${fmtShape(value.shape)}, its parameter (${describeTensor(param)}) has ${fmtShape(param.shape)}`);
        }
        if (!isFloat(value.dtype)) {
          throw new TensorError('DTYPE_MISMATCH', op, `state[${key}].${name} must be a float tensor, got ${value.dtype}`);
        }
        list.push([name, value]);
      }
      loaded.set(param, { step, buffers: list });
    }
    // Everything is valid: apply.
    newGroups.forEach((g, i) => {
      this.paramGroups[i] = g;
    });
    this.#disposeState();
    for (const [param, { step, buffers }] of loaded) {
      const state: ParamState = { step, buffers: new Map() };
      tidy(() => {
        for (const [name, value] of buffers) {
          this.setBuffer(state, name, value.dtype === param.dtype ? value.clone() : value.cast(param.dtype));
        }
      });
      this.state.set(param, state);
    }
  }

  /**
   * Moves every state buffer to `backend` (call it after moving the model's parameters).
   * @example
   * ```ts
   * await model.to(gpu);
   * await opt.to(gpu);
   * ```
   */
  async to(backend: Backend): Promise<this> {
    this.#assertUsable('to');
    for (const state of this.state.values()) {
      for (const buffer of state.buffers.values()) {
        const moved = await buffer.to(backend);
        if (moved !== buffer) {
          buffer.assign(moved);
          moved.dispose();
        }
      }
    }
    return this;
  }

  /**
   * Frees every state buffer. The optimizer cannot be used afterwards. Calling twice is harmless.
   * @example
   * ```ts
   * opt.dispose();
   * ```
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposeState();
    this.#disposed = true;
  }

  /** `using opt = new Adam(...)` support. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  #disposeState(): void {
    for (const state of this.state.values()) for (const buffer of state.buffers.values()) buffer.dispose();
    this.state.clear();
  }

  #assertUsable(method: string): void {
    if (this.#disposed) throw new TensorError('TENSOR_DISPOSED', `${this.name}.${method}`, 'the optimizer was disposed; create a new one');
  }

  #checkGradient(param: Variable, grad: Tensor): void {
    const op = `${this.name}.step`;
    if (!(grad instanceof Tensor)) {
      throw new TensorError('INVALID_ARGUMENT', op, `the gradient of ${describeTensor(param)} must be a Tensor, got ${describeValue(grad)}`);
    }
    if (param.isDisposed) throw new TensorError('TENSOR_DISPOSED', op, `parameter ${describeTensor(param)} was disposed`);
    if (grad.isDisposed) throw new TensorError('TENSOR_DISPOSED', op, `the gradient (${describeTensor(grad)}) of parameter ${describeTensor(param)} was disposed`);
    if (grad.shape.length !== param.shape.length || grad.shape.some((d, i) => d !== param.shape[i])) {
      throw new TensorError('SHAPE_MISMATCH', op, `the gradient of ${describeTensor(param)} has shape ${fmtShape(grad.shape)}, expected ${fmtShape(param.shape)}`);
    }
    if (grad.dtype !== param.dtype) {
      throw new TensorError('DTYPE_MISMATCH', op, `the gradient of ${describeTensor(param)} has dtype ${grad.dtype}, expected ${param.dtype}`);
    }
    if (grad.backend !== param.backend) {
      throw new TensorError('BACKEND_MISMATCH', op, `the gradient of ${describeTensor(param)} lives on '${backendLabel(grad.backend)}', the parameter on '${backendLabel(param.backend)}'`);
    }
  }
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** @internal Records into `checks` unless `value` is a pair `[beta1, beta2]` of numbers in `[0, 1)` (Adam, AdamW, Lion). */
export function checkBetas(checks: Checks, value: unknown): void {
  if (!Array.isArray(value) || value.length !== 2) {
    checks.fail('INVALID_ARGUMENT', `betas must be a pair [beta1, beta2], got ${describeValue(value)}`, 'betas', value);
    return;
  }
  checks.number('betas[0]', value[0], { min: 0, max: 1, maxExclusive: true });
  checks.number('betas[1]', value[1], { min: 0, max: 1, maxExclusive: true });
}
