/**
 * Reads the contents of an ONNX `TensorProto` (initializers, `Constant` values, tensor
 * attributes), checking the declared dims against the bytes present before allocating anything.
 */
import { TensorError, fmtShape } from '@tessera/tensor-core';
import { OnnxDataType, type TensorProto } from '../proto/index.js';
import type { HostKind } from './host.js';

/** The largest element count an imported tensor may declare (2^31 - 1, the int32 index range). */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/** Contents of a tensor: float32 data stays a Float32Array, everything else is float64 numbers. */
export interface TensorContents {
  readonly kind: HostKind;
  readonly shape: number[];
  readonly values: Float32Array | Float64Array;
}

/** Bytes of external data files, by the `location` named in the model. */
export type ExternalDataMap = ReadonlyMap<string, Uint8Array>;

const BYTES: Partial<Record<number, number>> = {
  [OnnxDataType.FLOAT]: 4,
  [OnnxDataType.UINT8]: 1,
  [OnnxDataType.INT8]: 1,
  [OnnxDataType.UINT16]: 2,
  [OnnxDataType.INT16]: 2,
  [OnnxDataType.INT32]: 4,
  [OnnxDataType.INT64]: 8,
  [OnnxDataType.BOOL]: 1,
  [OnnxDataType.FLOAT16]: 2,
  [OnnxDataType.DOUBLE]: 8,
  [OnnxDataType.UINT32]: 4,
  [OnnxDataType.UINT64]: 8,
  [OnnxDataType.BFLOAT16]: 2,
};

const TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(OnnxDataType).map(([k, v]) => [v, k]));

/** The name of an ONNX element type (`FLOAT`, `INT64`) for messages. */
export function dataTypeName(type: number | undefined): string {
  return TYPE_NAMES[type ?? 0] ?? `unknown type ${type}`;
}

/** The host kind of an ONNX element type, or undefined for types the importer cannot hold. */
export function kindOfDataType(type: number | undefined): HostKind | undefined {
  switch (type) {
    case OnnxDataType.FLOAT:
    case OnnxDataType.FLOAT16:
    case OnnxDataType.BFLOAT16:
      return 'float32';
    case OnnxDataType.DOUBLE:
      return 'float64';
    case OnnxDataType.BOOL:
      return 'bool';
    case OnnxDataType.INT8:
    case OnnxDataType.INT16:
    case OnnxDataType.INT32:
    case OnnxDataType.INT64:
    case OnnxDataType.UINT8:
    case OnnxDataType.UINT16:
    case OnnxDataType.UINT32:
    case OnnxDataType.UINT64:
      return 'int';
    default:
      return undefined;
  }
}

/**
 * Checks the dims of a tensor (`where` names it in messages) and returns its element count.
 * @throws TensorError `INVALID_ARGUMENT` for negative, fractional or absurd dims.
 */
export function checkedDims(dims: readonly number[], where: string): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new TensorError('INVALID_ARGUMENT', 'importOnnx', `${where}: invalid dims ${JSON.stringify(dims)} (each must be a non-negative integer)`);
    }
    n *= d;
  }
  if (n > MAX_ELEMENTS) {
    throw new TensorError('INVALID_ARGUMENT', 'importOnnx', `${where}: dims ${fmtShape(dims)} declare ${n} elements, more than the ${MAX_ELEMENTS} an imported tensor may hold`);
  }
  return n;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function externalBytes(t: TensorProto, where: string, external: ExternalDataMap | undefined): Uint8Array {
  const entries = new Map(t.external_data.map((e) => [e.key ?? '', e.value ?? '']));
  const location = entries.get('location');
  if (!location) throw new TensorError('INVALID_ARGUMENT', 'importOnnx', `${where}: external data without a 'location' entry`);
  const file = external?.get(location);
  if (!file) {
    throw new TensorError('INVALID_ARGUMENT', 'importOnnx', `${where}: its data lives in the external file '${location}'; pass options.externalData to resolve it`);
  }
  const offset = Number(entries.get('offset') ?? 0);
  const length = entries.has('length') ? Number(entries.get('length')) : file.length - offset;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > file.length) {
    throw new TensorError('INVALID_ARGUMENT', 'importOnnx', `${where}: external data range offset=${entries.get('offset')} length=${entries.get('length')} lies outside '${location}' (${file.length} bytes)`);
  }
  return file.subarray(offset, offset + length);
}

/**
 * Decodes `t`. `where` names the tensor in messages (`initializer 'conv1.weight'`).
 *
 * @throws TensorError `INVALID_ARGUMENT` when the data is shorter or longer than its dims say,
 *   or dims are absurd; `UNSUPPORTED` for string and complex tensors.
 */
export function readTensorProto(t: TensorProto, where: string, external?: ExternalDataMap): TensorContents {
  const type = t.data_type ?? OnnxDataType.UNDEFINED;
  const kind = kindOfDataType(type);
  if (kind === undefined) {
    throw new TensorError('UNSUPPORTED', 'importOnnx', `${where}: element type ${dataTypeName(type)} is not supported`);
  }
  const shape = [...t.dims];
  const n = checkedDims(shape, where);
  const raw = t.data_location === 1 ? externalBytes(t, where, external) : t.raw_data;
  if (raw !== undefined && (raw.length > 0 || t.data_location === 1)) {
    const size = BYTES[type]!;
    if (raw.length !== n * size) {
      throw new TensorError('INVALID_ARGUMENT', 'importOnnx', `${where}: raw data holds ${raw.length} bytes, but dims ${fmtShape(shape)} of ${dataTypeName(type)} need ${n * size}`);
    }
    return { kind, shape, values: decodeRaw(type, raw, n) };
  }
  const field = typedField(t, type);
  if (field.length !== n) {
    throw new TensorError('INVALID_ARGUMENT', 'importOnnx', `${where}: holds ${field.length} values, but dims ${fmtShape(shape)} need ${n}`);
  }
  if (type === OnnxDataType.FLOAT) return { kind, shape, values: Float32Array.from(field) };
  if (type === OnnxDataType.FLOAT16) return { kind, shape, values: Float32Array.from(field, halfToFloat) };
  if (type === OnnxDataType.BFLOAT16) return { kind, shape, values: Float32Array.from(field, bf16ToFloat) };
  return { kind, shape, values: Float64Array.from(field) };
}

function bf16ToFloat(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, (bits & 0xffff) << 16);
  return view.getFloat32(0);
}

/** Which repeated field holds a tensor's values when it has no raw data (onnx.proto's table). */
function typedField(t: TensorProto, type: number): readonly number[] {
  switch (type) {
    case OnnxDataType.FLOAT:
      return t.float_data;
    case OnnxDataType.DOUBLE:
      return t.double_data;
    case OnnxDataType.INT64:
      return t.int64_data;
    case OnnxDataType.UINT32:
    case OnnxDataType.UINT64:
      return t.uint64_data;
    default:
      // INT32, INT16, INT8, UINT16, UINT8, BOOL, FLOAT16 and BFLOAT16 (bit patterns) use int32_data.
      return t.int32_data;
  }
}

function decodeRaw(type: number, raw: Uint8Array, n: number): Float32Array | Float64Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (type === OnnxDataType.FLOAT) {
    // Copy: the view into the file may be unaligned for a Float32Array.
    const out = new Float32Array(n);
    new Uint8Array(out.buffer).set(raw);
    if (!LITTLE_ENDIAN) for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
    return out;
  }
  if (type === OnnxDataType.FLOAT16) return Float32Array.from({ length: n }, (_, i) => halfToFloat(view.getUint16(i * 2, true)));
  if (type === OnnxDataType.BFLOAT16) return Float32Array.from({ length: n }, (_, i) => bf16ToFloat(view.getUint16(i * 2, true)));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    switch (type) {
      case OnnxDataType.DOUBLE: out[i] = view.getFloat64(i * 8, true); break;
      case OnnxDataType.INT64: out[i] = Number(view.getBigInt64(i * 8, true)); break;
      case OnnxDataType.UINT64: out[i] = Number(view.getBigUint64(i * 8, true)); break;
      case OnnxDataType.INT32: out[i] = view.getInt32(i * 4, true); break;
      case OnnxDataType.UINT32: out[i] = view.getUint32(i * 4, true); break;
      case OnnxDataType.INT16: out[i] = view.getInt16(i * 2, true); break;
      case OnnxDataType.UINT16: out[i] = view.getUint16(i * 2, true); break;
      case OnnxDataType.INT8: out[i] = view.getInt8(i); break;
      default: out[i] = view.getUint8(i); // UINT8, BOOL
    }
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
