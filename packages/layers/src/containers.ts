/** Containers: `Sequential`, `ModuleList`, `ModuleDict`. */
import { TensorError, tidy, type Tensor } from '@tessera/tensor-core';
import { Module, type AnyModule } from './module.js';

/** A module that maps one tensor to one tensor (what a {@link Sequential} chains). */
export type Layer = Module<[Tensor], Tensor>;

function requireModule(op: string, value: unknown, what: string): asserts value is AnyModule {
  if (!(value instanceof Module)) {
    throw new TensorError('INVALID_ARGUMENT', op, `${what} must be a Module, got ${value === null ? 'null' : typeof value === 'object' ? ((value as object).constructor?.name ?? 'object') : typeof value}`);
  }
}

function normIndex(op: string, index: number, length: number): number {
  if (!Number.isInteger(index) || index < -length || index >= length) {
    throw new TensorError('INDEX_OUT_OF_RANGE', op, `index ${index} is out of range for ${length} modules`);
  }
  return index < 0 ? index + length : index;
}

/**
 * Layers applied one after another (PyTorch's `Sequential`): `forward(x)` feeds each layer's
 * output to the next and frees the intermediate results. Children are named `'0'`, `'1'`, ...
 * (so state-dict keys are `0.weight`, as PyTorch), or by the keys of a record. Layers may be
 * passed as arguments (PyTorch) or as one array (Keras).
 *
 * @throws TensorError `INVALID_ARGUMENT` when an element is not a Module.
 * @example
 * ```ts
 * const model = new Sequential(
 *   new Linear({ inFeatures: 4, outFeatures: 16 }),
 *   new ReLU(),
 *   new Linear({ inFeatures: 16, outFeatures: 2 }),
 * );
 * const named = new Sequential({ fc: new Linear({ inFeatures: 4, outFeatures: 2 }), act: new Tanh() });
 * model.forward(ones([8, 4])).shape; // [8, 2]
 * ```
 */
export class Sequential extends Module {
  constructor(...layers: Layer[] | [readonly Layer[]] | [Readonly<Record<string, Layer>>]) {
    super();
    const first = layers[0];
    if (layers.length === 1 && Array.isArray(first)) {
      // `new Sequential([a, b, c])`, as Keras writes it.
      (first as unknown[]).forEach((m) => this.append(m as Layer));
    } else if (layers.length === 1 && first !== undefined && !(first instanceof Module) && typeof first === 'object' && first !== null) {
      for (const [name, m] of Object.entries(first)) {
        requireModule('Sequential', m, `layer '${name}'`);
        this.registerModule(name, m);
      }
    } else {
      (layers as unknown[]).forEach((m) => this.append(m as Layer));
    }
  }

  /** Number of layers. */
  get length(): number {
    return this.children().length;
  }

  /**
   * The layer at `index` (negative counts from the end).
   * @throws TensorError `INDEX_OUT_OF_RANGE`.
   */
  at(index: number): Layer {
    const children = this.children();
    return children[normIndex('Sequential.at', index, children.length)] as Layer;
  }

  /**
   * Adds a layer at the end, named by its position. Returns this container.
   * @throws TensorError `INVALID_ARGUMENT` when `layer` is not a Module.
   */
  append(layer: Layer): this {
    requireModule('Sequential', layer, `layer ${this.length}`);
    this.registerModule(String(this.length), layer);
    return this;
  }

  [Symbol.iterator](): Iterator<Layer> {
    return (this.children() as Layer[])[Symbol.iterator]();
  }

  forward(x: Tensor): Tensor {
    const layers = this.children() as Layer[];
    if (layers.length === 0) return x.reshape(x.shape);
    return tidy(() => layers.reduce((h, layer) => layer.forward(h), x));
  }
}

/**
 * A list of modules whose parameters are registered (PyTorch's `ModuleList`): use it instead of
 * a plain array, which `Module` does not search. It has no `forward` of its own.
 *
 * @throws TensorError `INVALID_ARGUMENT` when an element is not a Module.
 * @example
 * ```ts
 * class Deep extends Module {
 *   blocks = new ModuleList(Array.from({ length: 4 }, () => new Linear({ inFeatures: 8, outFeatures: 8 })));
 *   forward(x: Tensor): Tensor {
 *     return tidy(() => [...this.blocks].reduce((h, b) => b.forward(h).relu(), x));
 *   }
 * }
 * ```
 */
export class ModuleList<M extends AnyModule = AnyModule> extends Module<never[], never> {
  constructor(modules: Iterable<M> = []) {
    super();
    this.extend(modules);
  }

  /** Number of modules. */
  get length(): number {
    return this.children().length;
  }

  /**
   * The module at `index` (negative counts from the end).
   * @throws TensorError `INDEX_OUT_OF_RANGE`.
   */
  at(index: number): M {
    const children = this.children();
    return children[normIndex('ModuleList.at', index, children.length)] as M;
  }

  /**
   * Adds a module at the end. Returns this list.
   * @throws TensorError `INVALID_ARGUMENT` when `module` is not a Module.
   */
  append(module: M): this {
    requireModule('ModuleList', module, `element ${this.length}`);
    this.registerModule(String(this.length), module);
    return this;
  }

  /** Adds several modules at the end. Returns this list. */
  extend(modules: Iterable<M>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  [Symbol.iterator](): Iterator<M> {
    return (this.children() as M[])[Symbol.iterator]();
  }

  /** @throws TensorError `UNSUPPORTED`: a ModuleList is a container; call its modules. */
  forward(): never {
    throw new TensorError('UNSUPPORTED', 'ModuleList', 'a ModuleList has no forward; iterate over it and call each module');
  }
}

/**
 * Modules by name, registered (PyTorch's `ModuleDict`); names must not clash with the methods of
 * the class (`get`, `keys`, ...). It has no `forward` of its own.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a value that is not a Module or a clashing name.
 * @example
 * ```ts
 * const heads = new ModuleDict({ cls: new Linear({ inFeatures: 8, outFeatures: 3 }), box: new Linear({ inFeatures: 8, outFeatures: 4 }) });
 * heads.get('cls')!.forward(features);
 * ```
 */
export class ModuleDict<M extends AnyModule = AnyModule> extends Module<never[], never> {
  constructor(modules: Readonly<Record<string, M>> | Iterable<[string, M]> = {}) {
    super();
    const entries = Symbol.iterator in (modules as object) ? [...(modules as Iterable<[string, M]>)] : Object.entries(modules as Record<string, M>);
    for (const [name, m] of entries) this.set(name, m);
  }

  /** Number of modules. */
  get size(): number {
    return this.children().length;
  }

  /** The module called `name`, or undefined. */
  get(name: string): M | undefined {
    return this.namedChildren().find(([n]) => n === name)?.[1] as M | undefined;
  }

  /** Whether a module is called `name`. */
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /**
   * Adds or replaces the module called `name`. Returns this dict.
   * @throws TensorError `INVALID_ARGUMENT` for a non-Module or a name that clashes with a method.
   */
  set(name: string, module: M): this {
    requireModule('ModuleDict', module, `'${name}'`);
    this.registerModule(name, module);
    return this;
  }

  /** Removes the module called `name` (not disposing it); returns whether it was there. */
  delete(name: string): boolean {
    if (!this.has(name)) return false;
    delete (this as unknown as Record<string, unknown>)[name];
    return true;
  }

  /** The names, in insertion order. */
  keys(): string[] {
    return this.namedChildren().map(([n]) => n);
  }

  /** The modules, in insertion order. */
  values(): M[] {
    return this.children() as M[];
  }

  /** `[name, module]` pairs, in insertion order. */
  entries(): [string, M][] {
    return this.namedChildren() as [string, M][];
  }

  [Symbol.iterator](): Iterator<[string, M]> {
    return this.entries()[Symbol.iterator]();
  }

  /** @throws TensorError `UNSUPPORTED`: a ModuleDict is a container; call its modules. */
  forward(): never {
    throw new TensorError('UNSUPPORTED', 'ModuleDict', 'a ModuleDict has no forward; get a module and call it');
  }
}
