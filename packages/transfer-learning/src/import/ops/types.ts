/**
 * What an ONNX operator implementation sees, and how it declares itself.
 */
import { TensorError, type Tensor, type TensorErrorCode } from '@tessera/tensor-core';
import { OnnxAttributeType, type AttributeProto, type GraphProto, type NodeProto, type TensorProto } from '../../proto/index.js';
import type { HostTensor, Value } from '../host.js';

/** Running state an operator keeps between calls (BatchNormalization's running statistics). */
export interface NodeState {
  /** The Variable bound to input `index` of this node, when that input is a parameter or buffer. */
  variableOf(index: number): import('@tessera/tensor-core').Variable | undefined;
}

/** The call of one node. */
export interface OpContext {
  readonly node: NodeProto;
  /** The node's name, or `OpType#index` when it has none, for messages. */
  readonly nodeName: string;
  /** The default-domain opset the model imports. */
  readonly opset: number;
  /** Training mode of the imported module. */
  readonly training: boolean;
  /** The inputs by position; `undefined` for an omitted optional input (`''`). */
  readonly inputs: readonly (Value | undefined)[];
  readonly attrs: Attributes;
  readonly state: NodeState;
  /** Input `index` as a backend tensor (host values are sent to the active backend). */
  tensor(index: number): Tensor;
  /** Any value as a backend tensor. */
  tensorOf(value: Value): Tensor;
  /** Like {@link OpContext.tensor}, `undefined` when the input is omitted. */
  optionalTensor(index: number): Tensor | undefined;
  /** Input `index` as a host value (read from the backend if it must be; see `readHost`). */
  host(index: number): HostTensor;
  /** Input `index` as a list of numbers, `undefined` when omitted. */
  numbers(index: number): number[] | undefined;
  /** Runs a subgraph (If / Loop bodies) with the enclosing values visible. */
  runSubgraph(graph: GraphProto, inputs: readonly Value[]): Value[];
  /** Throws a TensorError naming this node. */
  fail(code: TensorErrorCode, message: string): never;
}

/** An ONNX operator. */
export interface OpSpec {
  /** Runs the node on backend tensors (host inputs are converted by `ctx.tensor`). */
  run(ctx: OpContext): Value[];
  /**
   * Runs the node on the host when every input is a host value: shape arithmetic and constant
   * folding. Ops without it send host inputs to the backend.
   */
  host?(ctx: OpContext, inputs: readonly (HostTensor | undefined)[]): HostTensor[];
  /** Inputs read as host values (shapes, axes, pads, scales): constants never become Parameters there. */
  readonly staticInputs?: readonly number[];
  /** Why this node cannot be imported (an attribute value the implementation lacks), or undefined. */
  check?(node: NodeProto, opset: number): string | undefined;
}

/** Typed access to a node's attributes. */
export class Attributes {
  readonly #byName: Map<string, AttributeProto>;
  readonly #where: string;

  constructor(node: NodeProto, where: string) {
    this.#byName = new Map(node.attribute.map((a) => [a.name ?? '', a]));
    this.#where = where;
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  #get(name: string, types: readonly number[], what: string): AttributeProto | undefined {
    const a = this.#byName.get(name);
    if (a === undefined) return undefined;
    // Old exporters leave `type` unset; trust the field then.
    if (a.type !== undefined && a.type !== 0 && !types.includes(a.type)) {
      throw new TensorError('INVALID_ARGUMENT', 'importOnnx', `${this.#where}: attribute '${name}' must be ${what}, got attribute type ${a.type}`);
    }
    return a;
  }

  int(name: string, fallback: number): number;
  int(name: string): number | undefined;
  int(name: string, fallback?: number): number | undefined {
    return this.#get(name, [OnnxAttributeType.INT], 'an int')?.i ?? fallback;
  }

  float(name: string, fallback: number): number;
  float(name: string): number | undefined;
  float(name: string, fallback?: number): number | undefined {
    return this.#get(name, [OnnxAttributeType.FLOAT], 'a float')?.f ?? fallback;
  }

  string(name: string, fallback: string): string;
  string(name: string): string | undefined;
  string(name: string, fallback?: string): string | undefined {
    const s = this.#get(name, [OnnxAttributeType.STRING], 'a string')?.s;
    return s === undefined ? fallback : new TextDecoder().decode(s);
  }

  ints(name: string): number[] | undefined {
    const a = this.#get(name, [OnnxAttributeType.INTS], 'a list of ints');
    return a === undefined ? undefined : [...a.ints];
  }

  floats(name: string): number[] | undefined {
    const a = this.#get(name, [OnnxAttributeType.FLOATS], 'a list of floats');
    return a === undefined ? undefined : [...a.floats];
  }

  strings(name: string): string[] | undefined {
    const a = this.#get(name, [OnnxAttributeType.STRINGS], 'a list of strings');
    return a === undefined ? undefined : a.strings.map((s) => new TextDecoder().decode(s));
  }

  tensor(name: string): TensorProto | undefined {
    return this.#get(name, [OnnxAttributeType.TENSOR], 'a tensor')?.t;
  }

  graph(name: string): GraphProto | undefined {
    return this.#get(name, [OnnxAttributeType.GRAPH], 'a graph')?.g;
  }
}
