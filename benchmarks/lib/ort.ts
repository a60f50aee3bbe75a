/**
 * onnxruntime-web (its WebAssembly backend, SIMD, loaded from node_modules: no network) as a
 * contender, on one and on two threads in the same run.
 *
 * ORT fixes its thread count when its WebAssembly backend starts (`ort.env.wasm.numThreads`), once
 * per JavaScript realm. So the one-thread contender runs in this process's main realm, called
 * directly like Tessera and tfjs (no message in the timed region), and the two-thread contender
 * in a worker thread with its own copy of ORT (`ort-worker.mjs`). A run on the two-thread
 * contender therefore includes a message round trip to the worker (tens of microseconds; the
 * result's buffer is transferred, not copied), noticeable only on the smallest cells.
 *
 * Input residency: ORT's WebAssembly backend takes inputs only as host (`cpu`) tensors and copies
 * them into its heap on every `run` (it has no resident-input API for this backend), while
 * Tessera's and tfjs's inputs are uploaded once in the setup. The copy is part of every ORT
 * time (8 MiB per run for the 1024 matmul; the table notes say so).
 *
 * The models are tiny ONNX graphs (one MatMul, or one Conv) encoded here by hand: ORT has no
 * graph builder, and a ModelProto with one node is a few dozen protobuf fields.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

// ---------------------------------------------------------------- ONNX protobuf encoding

const utf8 = new TextEncoder();

function varint(value: number): number[] {
  const out: number[] = [];
  let v = BigInt(value);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}
const key = (field: number, wire: number): number[] => varint((field << 3) | wire);
const message = (field: number, body: readonly number[]): number[] => [...key(field, 2), ...varint(body.length), ...body];
const text = (field: number, s: string): number[] => message(field, [...utf8.encode(s)]);
const int = (field: number, v: number): number[] => [...key(field, 0), ...varint(v)];

/** ValueInfoProto of a float32 tensor: name (1), type (2) → tensor_type (1) → elem_type (1) = FLOAT, shape (2) → dim (1) → dim_value (1). */
function valueInfo(field: number, name: string, shape: readonly number[]): number[] {
  const dims = shape.flatMap((d) => message(1, int(1, d)));
  return message(field, [...text(1, name), ...message(2, message(1, [...int(1, 1), ...message(2, dims)]))]);
}

/** AttributeProto of type INTS (7): name (1), type (20), ints (8). */
function intsAttribute(name: string, values: readonly number[]): number[] {
  return message(5, [...text(1, name), ...int(20, 7), ...values.flatMap((v) => int(8, v))]);
}

/** ModelProto (IR version 8, opset 13) with one node. */
function oneNodeModel(
  op: string,
  inputs: readonly [string, number[]][],
  output: [string, number[]],
  attributes: readonly number[][] = [],
): Uint8Array {
  const node = message(1, [...inputs.flatMap(([n]) => text(1, n)), ...text(2, output[0]), ...text(4, op), ...attributes.flat()]);
  const graph = [...node, ...text(2, 'tessera-bench'), ...inputs.flatMap(([n, s]) => valueInfo(11, n, s)), ...valueInfo(12, output[0], output[1])];
  return new Uint8Array([...int(1, 8), ...message(7, graph), ...message(8, [...text(1, ''), ...int(2, 13)])]);
}

/** `C = A·B`, A `[m, k]`, B `[k, n]`. */
export function matmulModel(m: number, k: number, n: number): Uint8Array {
  return oneNodeModel('MatMul', [['A', [m, k]], ['B', [k, n]]], ['C', [m, n]]);
}

/** `Y = conv(X, W)`, NCHW / OIHW, stride 1, symmetric zero padding `pad`. */
export function convModel(x: readonly number[], w: readonly number[], pad: number): Uint8Array {
  const [n = 0, , h = 0, wd = 0] = x;
  const [o = 0, , kh = 0, kw = 0] = w;
  const y = [n, o, h + 2 * pad - kh + 1, wd + 2 * pad - kw + 1];
  return oneNodeModel('Conv', [['X', [...x]], ['W', [...w]]], ['Y', y], [
    intsAttribute('kernel_shape', [kh, kw]),
    intsAttribute('pads', [pad, pad, pad, pad]),
    intsAttribute('strides', [1, 1]),
  ]);
}

// ---------------------------------------------------------------- sessions

/** One ORT session with its inputs uploaded: `run()` runs it and reads the output back. */
export interface OrtSession {
  run(): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** A contender: ORT on a fixed number of threads. */
export interface OrtRuntime {
  readonly threads: number;
  readonly details: Record<string, unknown>;
  session(model: Uint8Array, inputs: Record<string, { data: Float32Array; shape: number[] }>): Promise<OrtSession>;
}

type Ort = typeof import('onnxruntime-web');

/**
 * Session options of every ORT cell. Spinning is off: ORT's intra-op threads otherwise busy-wait
 * after each run, which on a 2-core machine steals the CPU from the contender timed next.
 */
const SESSION_OPTIONS = {
  executionProviders: ['wasm'],
  graphOptimizationLevel: 'all',
  extra: { session: { intra_op: { allow_spinning: '0' } } },
} as const;

function wasmDir(): string {
  const require = createRequire(import.meta.url);
  // The Node entry lives in dist/, beside the .wasm and .mjs files ORT loads.
  return path.dirname(require.resolve('onnxruntime-web')) + path.sep;
}

/** ORT in this realm, on `threads` threads. */
async function mainRealm(threads: number): Promise<OrtRuntime> {
  const ort: Ort = await import('onnxruntime-web');
  ort.env.wasm.wasmPaths = wasmDir();
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  return {
    threads,
    details: { version: ort.env.versions.web, backend: 'wasm', threads, realm: 'main' },
    async session(model, inputs) {
      const session = await ort.InferenceSession.create(model, SESSION_OPTIONS);
      const feeds: Record<string, InstanceType<Ort['Tensor']>> = {};
      for (const [name, v] of Object.entries(inputs)) feeds[name] = new ort.Tensor('float32', v.data, v.shape);
      const outName = session.outputNames[0]!;
      return {
        async run() {
          const out = await session.run(feeds);
          const t = out[outName]!;
          const data = (await t.getData()) as Float32Array;
          t.dispose();
          return data;
        },
        dispose: () => session.release(),
      };
    },
  };
}

/** ORT in a worker thread (its own realm, so its own thread count). */
async function workerRealm(threads: number): Promise<OrtRuntime> {
  const worker = new Worker(new URL('./ort-worker.mjs', import.meta.url), { workerData: { threads, wasmDir: wasmDir(), sessionOptions: SESSION_OPTIONS } });
  worker.unref();
  let nextId = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  worker.on('message', (m: { id: number; ok: boolean; value?: unknown; error?: string }) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.ok) p?.resolve(m.value);
    else p?.reject(new Error(m.error));
  });
  worker.on('error', (e) => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  });
  const call = (type: string, args: Record<string, unknown> = {}): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, type, ...args });
    });
  const details = (await call('init')) as Record<string, unknown>;
  return {
    threads,
    details: { ...details, realm: 'worker thread' },
    async session(model, inputs) {
      const sid = (await call('session', { model, inputs })) as number;
      return {
        run: async () => (await call('run', { sid })) as Float32Array,
        dispose: async () => void (await call('release', { sid })),
      };
    },
  };
}

/** ORT on one thread (this realm, called directly) or two (a worker realm). */
export function startOrt(threads: 1 | 2): Promise<OrtRuntime> {
  return threads === 1 ? mainRealm(1) : workerRealm(threads);
}
