/** ONNX export of Tessera modules by tracing. */
export { exportOnnx, EXPORT_OPSETS, type ExportOnnxOptions, type DynamicAxes } from './export.js';
export { ONNX_EXPORTERS, exportableOps, type OpExporter, type OpExportContext } from './op-map.js';
export type { GraphBuilder } from './builder.js';
