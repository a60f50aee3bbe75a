/** Small hand-built ONNX models for unit tests, encoded with the package's own protobuf messages. */
import { encodeOnnxModel, OnnxDataType, type ModelProtoInit } from '../../proto/index.js';

type NodeInit = NonNullable<NonNullable<ModelProtoInit['graph']>['node']>[number];
type TensorInit = NonNullable<NonNullable<ModelProtoInit['graph']>['initializer']>[number];

/** A float32 initializer from values. */
export function floatInit(name: string, dims: number[], values: number[]): TensorInit {
  return { name, dims, data_type: OnnxDataType.FLOAT, raw_data: new Uint8Array(new Float32Array(values).buffer) };
}

/** An int64 initializer from values. */
export function int64Init(name: string, values: number[], dims: number[] = [values.length]): TensorInit {
  return { name, dims, data_type: OnnxDataType.INT64, int64_data: values };
}

/** A tensor value-info with fixed or symbolic dims. */
export function valueInfo(name: string, dims: (number | string)[], elemType: number = OnnxDataType.FLOAT) {
  return {
    name,
    type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
  };
}

/** An int attribute. */
export const intAttr = (name: string, i: number) => ({ name, type: 2, i });
/** A float attribute. */
export const floatAttr = (name: string, f: number) => ({ name, type: 1, f });
/** An ints attribute. */
export const intsAttr = (name: string, ints: number[]) => ({ name, type: 7, ints });

export interface BuildOptions {
  readonly nodes: NodeInit[];
  readonly inputs: ReturnType<typeof valueInfo>[];
  readonly outputs: ReturnType<typeof valueInfo>[];
  readonly initializers?: TensorInit[];
  readonly opset?: number;
}

/** Encodes a one-graph model. */
export function buildModel(o: BuildOptions): Uint8Array<ArrayBuffer> {
  return encodeOnnxModel({
    ir_version: 8,
    producer_name: 'tessera-test',
    opset_import: [{ domain: '', version: o.opset ?? 17 }],
    graph: { name: 'test', node: o.nodes, input: o.inputs, output: o.outputs, initializer: o.initializers ?? [] },
  });
}
