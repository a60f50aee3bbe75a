/**
 * Helpers the op specs' ONNX mappings share (moved from transfer-learning's exporter, which now
 * reads the mappings from the op table). Nothing here writes protobuf: a mapping only calls the
 * exporter's graph writer.
 */
import type { DType } from '../dtype.js';
import type { NoAttrs, OnnxExportContext, OnnxMapping } from '../op-spec.js';

/** ONNX `TensorProto.DataType` numbers of Tessera's dtypes (the standard's values). */
const ONNX_DATA_TYPES: Readonly<Record<DType, number>> = { float32: 1, int32: 6, bool: 9, float64: 11 };

/** The ONNX data type number of `dtype` (Cast's `to`). */
export function onnxDataType(dtype: DType): number {
  return ONNX_DATA_TYPES[dtype];
}

/** An int64 constant (shapes, axes, pads). */
export function int64<A>(ctx: OnnxExportContext<A>, values: readonly number[], dims: readonly number[] = [values.length]): string {
  return ctx.graph.constant(values, 'int64', dims);
}

/** A scalar constant of `dtype` (e.g. the 1 of `exp(x) - 1`). */
export function scalarLike<A>(ctx: OnnxExportContext<A>, value: number, dtype: DType): string {
  return ctx.graph.constant([value], dtype, []);
}

/**
 * A target shape for Reshape: static dims as they are, the one dim that follows a dynamic axis as
 * -1 (Reshape infers it). Two dynamic dims cannot be written without shape arithmetic.
 */
export function reshapeTarget<A>(ctx: OnnxExportContext<A>, shape: readonly number[], dynamic: readonly boolean[]): string {
  const count = dynamic.filter(Boolean).length;
  if (count > 1) ctx.unsupported(`the target shape ${JSON.stringify(shape)} has ${count} axes that follow a dynamic input axis; at most one can be inferred`);
  return int64(ctx, shape.map((d, i) => (dynamic[i] ? -1 : d)));
}

/** One ONNX node of `opType` on the op's inputs. */
export function onnxNode<A = NoAttrs>(opType: string, arity = 1): OnnxMapping<A> {
  return { opTypes: [opType], write: (ctx) => void ctx.graph.node(opType, ctx.inputs.slice(0, arity), ctx.outputs) };
}

/** A mapping writing several node types (listed for docs/ops.md). */
export function onnxNodes<A>(opTypes: readonly string[], write: (ctx: OnnxExportContext<A>) => void): OnnxMapping<A> {
  return { opTypes, write };
}

/** ONNX `pads` of a 2-D op from Tessera's `[top, bottom, left, right]`: `[top, left, bottom, right]`. */
export function pads2d(padding: readonly number[]): number[] {
  return [padding[0]!, padding[2]!, padding[1]!, padding[3]!];
}

/** @throws the exporter's collected error unless the op's input is batched `[N, C, H, W]`. */
export function requireBatched<A>(ctx: OnnxExportContext<A>, op: string): void {
  if (ctx.inputShapes[0]!.length !== 4) ctx.unsupported(`${op} of an unbatched input ${JSON.stringify(ctx.inputShapes[0])}: ONNX needs [N, C, H, W]; add a batch axis before the layer`);
}
