/**
 * `@tessera/transfer-learning`: import pretrained ONNX models as trainable Tessera Modules.
 *
 * @example
 * ```ts
 * import { inspectOnnx, importOnnx } from '@tessera/transfer-learning';
 * const report = inspectOnnx(bytes);
 * const model = await importOnnx(bytes);
 * const { logits } = model.forward({ input: x });
 * ```
 */
export * from './proto/index.js';
export * from './finetune/index.js';
export * from './import/index.js';
export * from './export/index.js';
