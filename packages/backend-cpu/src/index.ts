/**
 * `@tessera/backend-cpu`: the CPU backend of Tessera, kernels on typed arrays.
 *
 * @example
 * ```ts
 * import { cpu } from '@tessera/backend-cpu';
 * const backend = cpu();
 * console.log(backend.name, backend.capabilities.dtypes);
 * ```
 */
export { cpu } from './cpu.js';
export type { CpuBackend, CpuBackendOptions, GemmTiles } from './cpu.js';
export type { WasmVariant } from './wasm/module.js';
