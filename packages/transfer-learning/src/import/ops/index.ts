/** The operator table: every ONNX operator (default domain) the importer runs. */
import { elementwiseOps } from './elementwise.js';
import { nnOps } from './nn.js';
import { reduceOps } from './reduce.js';
import { shapeOps } from './shape.js';
import { controlOps } from './control.js';
import { recurrentOps } from './recurrent.js';
import { extraOps } from './extra.js';
import type { OpSpec } from './types.js';

export type { OpSpec, OpContext, NodeState } from './types.js';
export { Attributes } from './types.js';

/** Operators by ONNX op type (default domain `''` / `ai.onnx`). */
export const OPS: Readonly<Record<string, OpSpec>> = {
  ...elementwiseOps,
  ...shapeOps,
  ...nnOps,
  ...reduceOps,
  ...controlOps,
  ...recurrentOps,
  ...extraOps,
};

/** Inputs that hold running statistics (buffers, not Parameters) by op type. */
export const BUFFER_INPUTS: Readonly<Record<string, readonly number[]>> = {
  BatchNormalization: [3, 4],
};
