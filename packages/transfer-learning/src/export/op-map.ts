/**
 * How each recorded tensor-core op becomes ONNX nodes: read from tensor-core's op table, where
 * each op's spec carries its mapping beside its kernel call and gradient rule (issue 11). Each
 * mapping is a function of the op's recorded attributes and its inputs' and outputs' shapes, and
 * writes through the exporter's `GraphBuilder` (which satisfies tensor-core's `OnnxGraphWriter`).
 */
import { opSpecs, type OnnxExportContext } from '@tessera/tensor-core';

/** What an exporter sees of one recorded op and how it writes nodes (tensor-core's `OnnxExportContext`). */
export type OpExportContext = OnnxExportContext;

/** Writes the ONNX nodes of one recorded op. */
export type OpExporter = (ctx: OpExportContext) => void;

/**
 * The mapping table: recorded tensor-core op name → ONNX nodes, from every op spec with an
 * `onnx` field. An op missing here cannot be exported; {@link exportOnnx} lists every such op of
 * a model at once.
 */
export const ONNX_EXPORTERS: Readonly<Record<string, OpExporter>> = Object.freeze(
  Object.fromEntries(Object.values(opSpecs()).flatMap((spec) => (spec.onnx ? [[spec.name, spec.onnx.write as OpExporter] as const] : []))),
);

/** Names of the tensor-core ops the exporter can write (for docs and messages). */
export function exportableOps(): string[] {
  return Object.keys(ONNX_EXPORTERS).sort();
}
