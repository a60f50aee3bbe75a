import { describe, expect, it } from 'vitest';
import { TensorError } from '@tessera/tensor-core';
import { decodeOnnxModel, encodeOnnxModel, OnnxDataType } from './index.js';

describe('ONNX protobuf messages', () => {
  it('round-trips a model through encode and decode', () => {
    const weights = new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6]).buffer);
    const bytes = encodeOnnxModel({
      ir_version: 8,
      producer_name: 'tessera-test',
      opset_import: [{ domain: '', version: 17 }],
      graph: {
        name: 'g',
        node: [{ op_type: 'MatMul', name: 'mm', input: ['x', 'w'], output: ['y'] },
          { op_type: 'Slice', input: ['y'], output: ['z'], attribute: [{ name: 'ends', type: 7, ints: [-9007199254740991, 3] }] }],
        initializer: [{ name: 'w', dims: [2, 3], data_type: OnnxDataType.FLOAT, raw_data: weights }],
        input: [{ name: 'x', type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_param: 'N' }, { dim_value: 2 }] } } } }],
        output: [{ name: 'z', type: { tensor_type: { elem_type: 1 } } }],
      },
    });
    expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
    expect(bytes.buffer.byteLength).toBe(bytes.length);
    const model = decodeOnnxModel(bytes);
    expect(model.ir_version).toBe(8);
    expect(model.opset_import).toEqual([{ domain: '', version: 17 }]);
    const graph = model.graph!;
    expect(graph.node.map((n) => n.op_type)).toEqual(['MatMul', 'Slice']);
    expect(graph.node[0]!.attribute).toEqual([]);
    expect(graph.node[1]!.attribute[0]!.ints).toEqual([-9007199254740991, 3]);
    expect(graph.initializer[0]!.dims).toEqual([2, 3]);
    expect(Array.from(graph.initializer[0]!.raw_data!)).toEqual(Array.from(weights));
    expect(graph.input[0]!.type!.tensor_type!.shape!.dim).toEqual([{ dim_param: 'N' }, { dim_value: 2 }]);
  });

  it('rejects truncated and non-ONNX bytes with a coded TensorError', () => {
    const bytes = encodeOnnxModel({ ir_version: 8, graph: { name: 'a-long-enough-graph-name', node: [{ op_type: 'Relu' }] } });
    const cut = bytes.subarray(0, bytes.length - 5);
    expect(() => decodeOnnxModel(cut)).toThrow(TensorError);
    expect(() => decodeOnnxModel(cut)).toThrow(/truncated or corrupt/);
    expect(() => decodeOnnxModel(new Uint8Array(0))).toThrow(/empty/);
    expect(() => decodeOnnxModel(new TextEncoder().encode('\xff\xff\xff\xff not onnx'))).toThrow(/not a valid ONNX/);
    expect(() => decodeOnnxModel([1, 2] as unknown as Uint8Array)).toThrow(/expected a Uint8Array, got Array/);
  });

  it('rejects an encode input that does not fit the schema', () => {
    expect(() => encodeOnnxModel({ ir_version: 'eight' as unknown as number })).toThrow(/does not fit onnx.ModelProto/);
  });
});
