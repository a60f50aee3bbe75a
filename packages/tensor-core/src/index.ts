/**
 * `@tessera/tensor-core`: tensors, dtypes, broadcasting, the `Backend` interface, the engine and
 * the op library.
 *
 * @example
 * ```ts
 * import { randn, setBackend } from '@tessera/tensor-core';
 * import { cpu } from '@tessera/backend-cpu';
 * await setBackend(cpu());
 * const y = randn([64, 128], { seed: 1 }).matmul(randn([128, 10], { seed: 2 })).relu().sum(1);
 * console.log(y.shape, await y.data());
 * ```
 */
export * from './backend.js';
export * from './dtype.js';
export * from './errors.js';
export { checkOptions, optionKeys, toCamelCase, unknownOptionMessages, isPlainObject } from './options.js';
export { check, Checks, checkError, describeValue, describeTensor, type Bounds } from './check.js';
export { checkValues, flushChecks, pendingChecks, type ValueCheck } from './checks.js';
export * from './rng.js';
export * from './shape.js';
export * from './backend-utils.js';
export { Tensor, Variable, variable, type NestedArray } from './tensor.js';
export {
  setBackend,
  registerBackend,
  getBackend,
  backendLabel,
  observe,
  isObserved,
  tidy,
  keep,
  dispose,
  memory,
  enableLeakDetector,
  disableLeakDetector,
  retain,
  unobserved,
  asOneOp,
  runKernel,
  runOp,
  viewOf,
  type OpRecord,
  type OpObserver,
  type OutputSpec,
  type MemoryInfo,
  type TensorContainer,
} from './engine.js';
export * from './ops/index.js';
export { opSpecs, getOpSpec } from './op-table.js';
export {
  defineOp,
  resolveSaves,
  type AnyOpSpec,
  type GradRule,
  type NoAttrs,
  type OnnxAttributeValue,
  type OnnxExportContext,
  type OnnxGraphWriter,
  type OnnxMapping,
  type OpGradient,
  type OpSpec,
  type SavedOp,
  type Saves,
} from './op-spec.js';
