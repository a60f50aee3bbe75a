/**
 * `@tessera/layers`: `Module` and `Parameter`, the layers, containers, initializers, weight
 * penalties, state dicts and safetensors weight files.
 *
 * @example
 * ```ts
 * import { Sequential, Linear, ReLU, manualSeed } from '@tessera/layers';
 * manualSeed(0);
 * const model = new Sequential(new Linear({ inFeatures: 4, outFeatures: 16 }), new ReLU(), new Linear({ inFeatures: 16, outFeatures: 1 }));
 * const y = model.forward(x);
 * await model.save('model.safetensors');
 * ```
 */
export * from './module.js';
export * from './containers.js';
export * from './random.js';
export * as init from './init.js';
export * from './linear.js';
export * from './conv.js';
export * from './norm.js';
export * from './dropout.js';
export * from './embedding.js';
export * from './pooling.js';
export * from './activation.js';
export * from './penalty.js';
export * from './safetensors.js';
export * from './browser-weights.js';
export * from './losses/index.js';
export * from './recurrent/index.js';
export * from './attention/index.js';
