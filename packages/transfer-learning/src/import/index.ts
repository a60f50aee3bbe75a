/** The ONNX importer. */
export { importOnnx, inspectOnnx } from './import.js';
export type { ImportOnnxOptions, OnnxReport, OnnxSource, ExternalDataResolver } from './import.js';
export { OnnxModule } from './module.js';
export type { OnnxInputs, OnnxValueInfo } from './module.js';
export type { UnsupportedNode } from './graph.js';
export { MIN_OPSET, MAX_OPSET } from './graph.js';
export { supportedOnnxOps } from './supported.js';
