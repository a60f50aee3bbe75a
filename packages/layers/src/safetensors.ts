/**
 * safetensors, the weight format of Hugging Face and PyTorch tools: an 8-byte little-endian header
 * length, a JSON header `{name: {dtype, shape, data_offsets: [start, end]}, "__metadata__": {...}}`
 * padded with spaces to 8 bytes, then the raw little-endian tensor bytes. A small encoder and
 * decoder (no maintained npm package exists); file access is Node-only and loaded on demand, so
 * browser bundles never see `node:fs`.
 */
import { checkOptions, TensorError, Tensor, fmtShape, getBackend, tensor, type Backend, type DType, type TypedArray } from '@tessera/tensor-core';

/** Where safetensors bytes come from: a file path (Node), bytes, an ArrayBuffer, or a Blob/File (browser). */
export type SafetensorsSource = string | Uint8Array | ArrayBuffer | Blob;

/** Options of {@link serializeSafetensors} and {@link saveSafetensors}. */
export interface SaveSafetensorsOptions {
  /** String metadata stored under `__metadata__` (as `safetensors.torch.save_file(..., metadata=)`). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Options of {@link deserializeSafetensors} and {@link loadSafetensors}. */
export interface LoadSafetensorsOptions {
  /** Backend to create the tensors on (default: the active one). */
  readonly backend?: Backend;
}

/** A decoded safetensors file. */
export interface SafetensorsContents {
  /** The tensors by name, in header order (sorted by name in files Tessera writes). */
  readonly tensors: Map<string, Tensor>;
  /** The `__metadata__` record (empty when absent). */
  readonly metadata: Record<string, string>;
}

const WRITE_DTYPES: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };
const ITEM_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1, U16: 2, U32: 4 };
/** Header sizes past this are refused as corrupt (the reference implementation's limit). */
const MAX_HEADER = 100_000_000;

function littleEndianHost(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

function entriesOf(op: string, dict: Map<string, Tensor> | Readonly<Record<string, Tensor>>): [string, Tensor][] {
  if (typeof dict !== 'object' || dict === null) throw new TensorError('INVALID_ARGUMENT', op, `expected a Map or an object of tensors, got ${String(dict)}`);
  const entries: [string, unknown][] = dict instanceof Map ? [...dict.entries()] : Object.entries(dict);
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', op, `'${name}' is not a Tensor`);
    if (name === '__metadata__' || name === '') throw new TensorError('INVALID_ARGUMENT', op, `'${name}' is not a valid tensor name`);
  }
  return entries as [string, Tensor][];
}

/**
 * Encodes tensors as safetensors bytes. Tensors are laid out by decreasing element size, then by
 * name (as the Python library does, so every tensor is aligned), and the header keys are sorted.
 * float32 → `F32`, float64 → `F64`, int32 → `I32`, bool → `BOOL`. Async because tensor reads are.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a non-tensor value, a reserved name or non-string
 *   metadata; `TENSOR_DISPOSED`.
 * @example
 * ```ts
 * const bytes = await serializeSafetensors(model.stateDict({ keepVars: true }), { metadata: { epoch: '3' } });
 * ```
 */
export async function serializeSafetensors(dict: Map<string, Tensor> | Readonly<Record<string, Tensor>>, options: SaveSafetensorsOptions = {}): Promise<Uint8Array<ArrayBuffer>> {
  checkOptions('serializeSafetensors', options, ['metadata']);
  const op = 'serializeSafetensors';
  if (!littleEndianHost()) throw new TensorError('UNSUPPORTED', op, 'safetensors needs a little-endian host');
  const entries = entriesOf(op, dict);
  const metadata = options.metadata;
  if (metadata !== undefined) {
    if (typeof metadata !== 'object' || metadata === null) throw new TensorError('INVALID_ARGUMENT', op, 'metadata must be a record of strings');
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new TensorError('INVALID_ARGUMENT', op, `metadata values must be strings, '${k}' is ${typeof v}`);
    }
  }
  const ordered = [...entries].sort(([a, ta], [b, tb]) => ITEM_BYTES[WRITE_DTYPES[tb.dtype]]! - ITEM_BYTES[WRITE_DTYPES[ta.dtype]]! || (a < b ? -1 : a > b ? 1 : 0));
  const datas: Uint8Array[] = [];
  const header: Record<string, unknown> = {};
  if (metadata !== undefined && Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  const specs: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, t] of ordered) {
    const values = await t.data();
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    specs[name] = { dtype: WRITE_DTYPES[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes.byteLength] };
    datas.push(bytes);
    offset += bytes.byteLength;
  }
  for (const name of Object.keys(specs).sort()) header[name] = specs[name];
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const head = new Uint8Array(8 + padded + offset);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, 8);
  head.fill(0x20, 8 + json.length, 8 + padded);
  let at = 8 + padded;
  for (const d of datas) {
    head.set(d, at);
    at += d.byteLength;
  }
  return head;
}

function fail(message: string): never {
  throw new TensorError('INVALID_ARGUMENT', 'loadSafetensors', message);
}

/** Converts raw little-endian bytes of a safetensors dtype to a Tessera dtype's typed array. */
function decodeValues(name: string, dtype: string, raw: Uint8Array, size: number, backend: Backend): { values: TypedArray; dtype: DType } {
  const copy = new Uint8Array(raw).buffer; // an aligned copy (Buffer.slice would be a view)
  const hasF64 = backend.capabilities.dtypes.includes('float64');
  const floats = (source: ArrayLike<number>): { values: TypedArray; dtype: DType } => ({ values: Float32Array.from(source), dtype: 'float32' });
  const ints = (source: ArrayLike<number | bigint>): { values: TypedArray; dtype: DType } => {
    const out = new Int32Array(size);
    for (let i = 0; i < size; i++) {
      const v = Number(source[i]!);
      if (v < -2147483648 || v > 2147483647) fail(`'${name}' holds ${dtype} value ${v}, outside the int32 range`);
      out[i] = v;
    }
    return { values: out, dtype: 'int32' };
  };
  switch (dtype) {
    case 'F32':
      return { values: new Float32Array(copy), dtype: 'float32' };
    case 'F64':
      return hasF64 ? { values: new Float64Array(copy), dtype: 'float64' } : floats(new Float64Array(copy));
    case 'F16': {
      const h = new Uint16Array(copy);
      return floats(Array.from(h, halfToFloat));
    }
    case 'BF16': {
      const h = new Uint16Array(copy);
      const f = new Float32Array(size);
      new Uint32Array(f.buffer).set(Array.from(h, (v) => v << 16));
      return { values: f, dtype: 'float32' };
    }
    case 'I32':
      return { values: new Int32Array(copy), dtype: 'int32' };
    case 'I64':
      return ints(new BigInt64Array(copy));
    case 'U32':
      return ints(new Uint32Array(copy));
    case 'I16':
      return ints(new Int16Array(copy));
    case 'U16':
      return ints(new Uint16Array(copy));
    case 'I8':
      return ints(new Int8Array(copy));
    case 'U8':
      return ints(new Uint8Array(copy));
    case 'BOOL':
      return { values: new Uint8Array(copy), dtype: 'bool' };
    default:
      return fail(`'${name}' has unsupported dtype ${dtype}`);
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/**
 * Decodes safetensors bytes into tensors on `backend`. F32, F64, I32 and BOOL load as they are;
 * F16 and BF16 become float32; I64, I16, I8, U8, U16 and U32 become int32 (an I64 value outside
 * the int32 range throws); F64 becomes float32 on a backend without float64.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a malformed file (short, bad header length or JSON,
 *   offsets outside the data or not matching the shape, unknown dtype), naming the problem.
 * @example
 * ```ts
 * const { tensors, metadata } = deserializeSafetensors(bytes);
 * ```
 */
export function deserializeSafetensors(bytes: Uint8Array | ArrayBuffer, options: LoadSafetensorsOptions = {}): SafetensorsContents {
  checkOptions('deserializeSafetensors', options, ['backend']);
  if (!littleEndianHost()) throw new TensorError('UNSUPPORTED', 'loadSafetensors', 'safetensors needs a little-endian host');
  const data = bytes instanceof Uint8Array ? bytes : bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : fail(`expected bytes (Uint8Array or ArrayBuffer), got ${String(bytes)}`);
  if (data.byteLength < 8) fail(`the data is too short for a safetensors file (${data.byteLength} bytes)`);
  const headerLength = Number(new DataView(data.buffer, data.byteOffset, 8).getBigUint64(0, true));
  if (headerLength > MAX_HEADER || 8 + headerLength > data.byteLength) {
    fail(`header length ${headerLength} does not fit in ${data.byteLength} bytes: not a safetensors file, or truncated`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(data.subarray(8, 8 + headerLength)));
  } catch (e) {
    fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('the header must be a JSON object');
  const backend = options.backend ?? getBackend();
  const body = data.subarray(8 + headerLength);
  const metadata: Record<string, string> = {};
  const meta = (header as Record<string, unknown>)['__metadata__'];
  if (meta !== undefined) {
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) fail('__metadata__ must be an object of strings');
    for (const [k, v] of Object.entries(meta)) {
      // The format's metadata is a string-to-string map; anything else is refused, not stringified.
      if (typeof v !== 'string') fail(`__metadata__ values must be strings, '${k}' is ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);
      metadata[k] = v;
    }
  }
  checkLayout(header as Record<string, unknown>, body.byteLength);
  const tensors = new Map<string, Tensor>();
  try {
    for (const [name, spec] of Object.entries(header as Record<string, unknown>)) {
      if (name === '__metadata__') continue;
      const s = spec as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      if (typeof s !== 'object' || s === null || typeof s.dtype !== 'string' || !Array.isArray(s.shape) || !Array.isArray(s.data_offsets)) {
        fail(`'${name}' needs dtype, shape and data_offsets, got ${JSON.stringify(spec)}`);
      }
      const shape = s.shape as unknown[];
      if (!shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) fail(`'${name}' has a bad shape ${JSON.stringify(shape)}`);
      const itemBytes = ITEM_BYTES[s.dtype];
      if (itemBytes === undefined) fail(`'${name}' has unsupported dtype ${s.dtype}`);
      const [start, end] = s.data_offsets as unknown[];
      if (s.data_offsets.length !== 2 || !Number.isInteger(start) || !Number.isInteger(end) || (start as number) < 0 || (end as number) < (start as number) || (end as number) > body.byteLength) {
        fail(`'${name}' has data_offsets ${JSON.stringify(s.data_offsets)} outside the ${body.byteLength} data bytes`);
      }
      const size = (shape as number[]).reduce((a, b) => a * b, 1);
      if ((end as number) - (start as number) !== size * itemBytes) {
        fail(`'${name}' (${s.dtype}, shape ${fmtShape(shape as number[])}) needs ${size * itemBytes} bytes, data_offsets give ${(end as number) - (start as number)}`);
      }
      const { values, dtype } = decodeValues(name, s.dtype, body.subarray(start as number, end as number), size, backend);
      tensors.set(name, tensor(values, shape as number[], { dtype, backend }));
    }
  } catch (e) {
    for (const t of tensors.values()) t.dispose();
    throw e;
  }
  return { tensors, metadata };
}

/**
 * The tensors' byte ranges must tile the data exactly, as the reference implementation checks:
 * sorted by offset, each starts where the previous one ends, the first at 0 and the last at the
 * end. Overlapping ranges (two tensors reading the same bytes) and gaps (hidden bytes) are refused.
 * Malformed entries are left to the per-tensor checks.
 */
function checkLayout(header: Record<string, unknown>, bodyBytes: number): void {
  const ranges: Array<{ name: string; start: number; end: number }> = [];
  for (const [name, spec] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const offsets = (spec as { data_offsets?: unknown } | null)?.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o))) return;
    if (offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > bodyBytes) return;
    ranges.push({ name, start: offsets[0] as number, end: offsets[1] as number });
  }
  ranges.sort((a, b) => a.start - b.start || a.end - b.end);
  let expected = 0;
  for (const r of ranges) {
    if (r.start < expected) fail(`'${r.name}' has data_offsets [${r.start}, ${r.end}] overlapping the previous tensor, which ends at ${expected}`);
    if (r.start > expected) fail(`'${r.name}' has data_offsets [${r.start}, ${r.end}], leaving a gap: the previous tensor ends at ${expected}`);
    expected = Math.max(expected, r.end);
  }
  if (expected !== bodyBytes) fail(`the tensors cover ${expected} of the ${bodyBytes} data bytes; the rest is not accounted for`);
}

async function nodeFs(): Promise<typeof import('node:fs/promises')> {
  // A computed specifier keeps bundlers from pulling node:fs into browser builds.
  const specifier = 'node:fs/promises';
  return (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as typeof import('node:fs/promises');
}

/**
 * Encodes tensors as safetensors and, given a `path`, writes them to that file (Node only).
 * Returns the bytes either way (in a browser, offer them as a download:
 * `new Blob([bytes])`).
 *
 * @throws TensorError as {@link serializeSafetensors}; file-system errors as Node raises them.
 * @example
 * ```ts
 * await saveSafetensors(model.stateDict({ keepVars: true }), 'model.safetensors');
 * ```
 */
export async function saveSafetensors(dict: Map<string, Tensor> | Readonly<Record<string, Tensor>>, path?: string, options: SaveSafetensorsOptions = {}): Promise<Uint8Array<ArrayBuffer>> {
  checkOptions('saveSafetensors', options, ['metadata']);
  const bytes = await serializeSafetensors(dict, options);
  if (path !== undefined) {
    if (typeof path !== 'string') throw new TensorError('INVALID_ARGUMENT', 'saveSafetensors', `path must be a string, got ${typeof path}`);
    await (await nodeFs()).writeFile(path, bytes);
  }
  return bytes;
}

/**
 * Reads safetensors from a file path (Node), bytes, an ArrayBuffer or a Blob/File (browser) into
 * a state dict of new tensors that the caller owns. See {@link deserializeSafetensors} for dtypes.
 *
 * @throws TensorError as {@link deserializeSafetensors}; `INVALID_ARGUMENT` for another source.
 * @example
 * ```ts
 * const dict = await loadSafetensors('model.safetensors');
 * model.loadStateDict(dict);
 * dispose(dict);
 * ```
 */
export async function loadSafetensors(source: SafetensorsSource, options: LoadSafetensorsOptions = {}): Promise<Map<string, Tensor>> {
  checkOptions('loadSafetensors', options, ['backend']);
  let bytes: Uint8Array;
  if (typeof source === 'string') bytes = await (await nodeFs()).readFile(source);
  else if (source instanceof Uint8Array) bytes = source;
  else if (source instanceof ArrayBuffer) bytes = new Uint8Array(source);
  else if (typeof Blob !== 'undefined' && source instanceof Blob) bytes = new Uint8Array(await source.arrayBuffer());
  else throw new TensorError('INVALID_ARGUMENT', 'loadSafetensors', `source must be a path, Uint8Array, ArrayBuffer or Blob, got ${source === null ? 'null' : typeof source}`);
  return deserializeSafetensors(bytes, options).tensors;
}
