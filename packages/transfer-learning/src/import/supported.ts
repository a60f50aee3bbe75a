import { OPS } from './ops/index.js';

/**
 * The ONNX operators (default domain) the importer runs, sorted; `docs/transfer-learning.md`'s
 * table is generated from this list.
 * @example `supportedOnnxOps().includes('Conv') // true`
 */
export function supportedOnnxOps(): string[] {
  return Object.keys(OPS).sort();
}
