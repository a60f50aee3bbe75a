/**
 * The ONNX graph under construction: nodes, initializers and fresh names, with the helpers the op
 * mapping table uses (constants, attributes). Nothing here knows about tensor-core ops.
 */
import type { DType } from '@tessera/tensor-core';
import { OnnxAttributeType, OnnxDataType, type AttributeProto, type ModelProtoInit, type NodeProto, type TensorProto } from '../proto/index.js';

/** An attribute value as the mapping table writes it: numbers are INT when integral unless marked float. */
export type AttributeValue =
  | number
  | string
  | readonly number[]
  | { readonly float: number }
  | { readonly floats: readonly number[] }
  | { readonly tensor: { readonly values: readonly number[]; readonly dtype: OnnxElementType; readonly dims: readonly number[] } };

type NodeInit = Partial<Omit<NodeProto, 'attribute'>> & { attribute: Partial<AttributeProto>[] };
type TensorInit = Partial<TensorProto>;

/** ONNX element types of the dtypes Tessera exports, and of int64 (shapes, axes). */
export type OnnxElementType = DType | 'int64';

/** @internal The `TensorProto.DataType` of a dtype. */
export function onnxType(dtype: OnnxElementType): number {
  switch (dtype) {
    case 'float32':
      return OnnxDataType.FLOAT;
    case 'float64':
      return OnnxDataType.DOUBLE;
    case 'int32':
      return OnnxDataType.INT32;
    case 'bool':
      return OnnxDataType.BOOL;
    case 'int64':
      return OnnxDataType.INT64;
  }
}

/** @internal Little-endian bytes of `values` as `dtype` (ONNX's `raw_data` layout). */
export function rawBytes(values: ArrayLike<number>, dtype: OnnxElementType): Uint8Array {
  const n = values.length;
  switch (dtype) {
    case 'float32':
      return bytesOf(Float32Array.from(values));
    case 'float64':
      return bytesOf(Float64Array.from(values));
    case 'int32':
      return bytesOf(Int32Array.from(values));
    case 'bool':
      return Uint8Array.from(values, (v) => (v ? 1 : 0));
    case 'int64': {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) out[i] = BigInt(Math.trunc(values[i]!));
      return bytesOf(out);
    }
  }
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  // Typed arrays are in the platform's byte order; every platform Tessera runs on is little-endian, as ONNX's raw_data.
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

function attribute(name: string, value: AttributeValue): Partial<AttributeProto> {
  if (typeof value === 'string') return { name, type: OnnxAttributeType.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') return Number.isInteger(value) ? { name, type: OnnxAttributeType.INT, i: value } : { name, type: OnnxAttributeType.FLOAT, f: value };
  if ('float' in value) return { name, type: OnnxAttributeType.FLOAT, f: value.float };
  if ('floats' in value) return { name, type: OnnxAttributeType.FLOATS, floats: [...value.floats] };
  if ('tensor' in value) {
    const { values, dtype, dims } = value.tensor;
    return { name, type: OnnxAttributeType.TENSOR, t: { dims: [...dims], data_type: onnxType(dtype), raw_data: rawBytes(values, dtype) } as TensorProto };
  }
  return { name, type: OnnxAttributeType.INTS, ints: [...(value as readonly number[])] };
}

/** @internal Collects the nodes and initializers of one graph. */
export class GraphBuilder {
  readonly nodes: NodeInit[] = [];
  readonly initializers: TensorInit[] = [];
  readonly #used = new Set<string>();
  readonly #nodeNames = new Set<string>();
  #counter = 0;

  /** Reserves `name` (graph inputs, parameter names); returns it. */
  reserve(name: string): string {
    this.#used.add(name);
    return name;
  }

  /** Whether `name` is taken by a value (input, initializer, node output). */
  has(name: string): boolean {
    return this.#used.has(name);
  }

  /** A name not used yet, from `prefix`. */
  fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.#counter++}`;
    while (this.#used.has(name) || this.#nodeNames.has(name));
    this.#used.add(name);
    return name;
  }

  /** Whether a node is named `name` (node names are a namespace of their own in ONNX). */
  hasNode(name: string): boolean {
    return this.#nodeNames.has(name);
  }

  /** Reserves the node name `name`; returns it. */
  reserveNode(name: string): string {
    this.#nodeNames.add(name);
    return name;
  }

  /** A node name not used yet, from `prefix`. */
  freshNode(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.#counter++}`;
    while (this.#nodeNames.has(name));
    this.#nodeNames.add(name);
    return name;
  }

  /** Adds a node; `outputs` are names or a count of fresh names. Returns the output names. */
  node(opType: string, inputs: readonly string[], outputs: readonly string[] | number = 1, attributes: Record<string, AttributeValue | undefined> = {}): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(opType)) : [...outputs];
    const encoded = Object.entries(attributes)
      .filter((e): e is [string, AttributeValue] => e[1] !== undefined)
      .map(([k, v]) => attribute(k, v));
    this.nodes.push({ op_type: opType, name: this.reserveNode(this.fresh(`${opType}_node`)), input: [...inputs], output: outs, attribute: encoded });
    return outs;
  }

  /** Adds an initializer with `values`; returns its name. */
  initializer(name: string, values: ArrayLike<number>, dtype: OnnxElementType, dims: readonly number[]): string {
    this.initializers.push({ name, dims: [...dims], data_type: onnxType(dtype), raw_data: rawBytes(values, dtype) });
    return name;
  }

  /** A constant initializer with a fresh name (shape `dims`, default 1-D). */
  constant(values: ArrayLike<number>, dtype: OnnxElementType, dims: readonly number[] = [values.length]): string {
    return this.initializer(this.fresh('const'), values, dtype, dims);
  }

  /**
   * A tensor of `dims` filled with `value`, computed by a `ConstantOfShape` node rather than
   * stored: an importer reads a stored float tensor as a weight (a trainable parameter), and a
   * LayerNorm's unit scale is not one.
   */
  filled(value: number, dtype: OnnxElementType, dims: readonly number[]): string {
    const [out] = this.node('ConstantOfShape', [this.constant(dims, 'int64')], 1, { value: { tensor: { values: [value], dtype, dims: [1] } } });
    return out!;
  }

  /** The model around the graph. */
  model(options: { opset: number; irVersion: number; name: string; inputs: unknown[]; outputs: unknown[]; producerVersion: string; docString?: string }): ModelProtoInit {
    return {
      ir_version: options.irVersion,
      opset_import: [{ domain: '', version: options.opset }],
      producer_name: 'tessera',
      producer_version: options.producerVersion,
      ...(options.docString ? { doc_string: options.docString } : {}),
      graph: {
        name: options.name,
        node: this.nodes,
        initializer: this.initializers,
        input: options.inputs,
        output: options.outputs,
      } as ModelProtoInit['graph'],
    };
  }
}
