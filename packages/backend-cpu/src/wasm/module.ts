/**
 * Loading the WebAssembly kernels: the binaries are embedded as base64 (src/wasm/generated-*.ts,
 * built from assembly/ by scripts/build-wasm.mjs), so no bundler plugin, file access or fetch is
 * involved, in Node or in a browser. Each variant is decoded and compiled at most once per
 * JavaScript realm, and instantiated once per backend over that backend's own memory.
 */
import { WASM_RELAXED_SHARED } from './generated-relaxed-shared.js';
import { WASM_RELAXED } from './generated-relaxed.js';
import { WASM_SIMD_SHARED } from './generated-simd-shared.js';
import { WASM_SIMD } from './generated-simd.js';

/** A WebAssembly build of the kernels: plain SIMD, or relaxed SIMD (FMA). */
export type WasmVariant = 'simd' | 'relaxed';
/** A variant, for one thread (its own memory) or for threads (an imported shared memory). */
export type WasmBuild = WasmVariant | 'simd-shared' | 'relaxed-shared';

/** The shared-memory build of a variant. */
export const sharedBuild = (variant: WasmVariant): WasmBuild => (variant === 'simd' ? 'simd-shared' : 'relaxed-shared');

/** The exports of assembly/index.ts. Pointers are byte offsets, sizes and strides are elements. */
export interface KernelExports {
  gemmWorkspaceBytes(): number;
  sgemm(
    m: number, n: number, k: number,
    a: number, ars: number, acs: number,
    b: number, brs: number, bcs: number,
    c: number, ldc: number, ws: number,
  ): void;
  sgemmBatched(
    batch: number, m: number, n: number, k: number,
    a: number, ars: number, acs: number, aStep: number,
    b: number, brs: number, bcs: number, bStep: number,
    c: number, ws: number,
  ): void;
  conv2dForward(x: number, w: number, y: number, ws: number, ...geometry: number[]): void;
  conv2dBackpropFilter(x: number, dy: number, dw: number, ws: number, ...geometry: number[]): void;
  conv2dBackpropInput(dy: number, w: number, dx: number, ws: number, col: number, chunk: number, ...geometry: number[]): void;
  binaryF32(
    op: number, rows: number, n: number,
    a: number, sa: number, aStep: number,
    b: number, sb: number, bStep: number,
    o: number, oStep: number,
  ): void;
  compareF32(
    op: number, rows: number, n: number,
    a: number, sa: number, aStep: number,
    b: number, sb: number, bStep: number,
    o: number, oStep: number,
  ): void;
  where32(c: number, sc: number, a: number, sa: number, b: number, sb: number, o: number, n: number): void;
  transpose32(x: number, o: number, batch: number, rows: number, cols: number): void;
  maxPool2dF32(x: number, y: number, ...geometry: number[]): void;
  maxPool2dBackwardF32(dy: number, x: number, dx: number, ...geometry: number[]): void;
  unaryF32(op: number, x: number, o: number, n: number): void;
  sumRowsF32(x: number, outer: number, r: number, o: number): void;
  maxMinRowsF32(x: number, outer: number, r: number, o: number, isMax: number): void;
  adamF32(
    mode: number, n: number,
    p: number, g: number, m: number, v: number, po: number, mo: number, vo: number,
    sign: number, decay: number, l2: number, beta1: number, omb1: number, beta2: number, omb2: number, bc2: number, eps: number, step: number,
  ): void;
}

const BASE64: Record<WasmBuild, string> = {
  simd: WASM_SIMD,
  relaxed: WASM_RELAXED,
  'simd-shared': WASM_SIMD_SHARED,
  'relaxed-shared': WASM_RELAXED_SHARED,
};

const bytesCache = new Map<WasmBuild, Uint8Array<ArrayBuffer>>();
const moduleCache = new Map<WasmBuild, WebAssembly.Module>();
const validCache = new Map<WasmBuild, boolean>();

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** The bytes of a variant. */
export function wasmBytes(variant: WasmBuild): Uint8Array<ArrayBuffer> {
  let bytes = bytesCache.get(variant);
  if (!bytes) bytesCache.set(variant, (bytes = decode(BASE64[variant])));
  return bytes;
}

/**
 * Whether this engine runs a variant: `WebAssembly.validate` rejects instructions it does not
 * know (SIMD in old engines; relaxed SIMD in Node 20 without `--experimental-wasm-relaxed-simd`).
 */
export function wasmSupported(variant: WasmBuild): boolean {
  if (validCache.get(variant)) return true;
  let ok: boolean;
  try {
    ok = typeof WebAssembly === 'object' && WebAssembly.validate(wasmBytes(variant));
  } catch {
    ok = false;
  }
  // Only a success is remembered: a V8 flag set later (tests, REPLs) can still enable a variant.
  if (ok) validCache.set(variant, true);
  return ok;
}

/** The best variant this engine runs, or undefined (no WebAssembly SIMD: the TypeScript kernels). */
export function bestVariant(): WasmVariant | undefined {
  if (wasmSupported('relaxed')) return 'relaxed';
  if (wasmSupported('simd')) return 'simd';
  return undefined;
}

/** The compiled module of a variant (synchronous compile, cached). */
export function compiledModule(variant: WasmBuild): WebAssembly.Module {
  let mod = moduleCache.get(variant);
  if (!mod) moduleCache.set(variant, (mod = new WebAssembly.Module(wasmBytes(variant))));
  return mod;
}

/** Instantiates a variant over `memory`. */
export function instantiate(variant: WasmBuild, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(compiledModule(variant), { env: { memory } });
  return instance.exports as unknown as KernelExports;
}
