import * as ort from 'onnxruntime-web';
import { createRequire } from 'node:module';
import path from 'node:path';
const require = createRequire(import.meta.url);
const dir = path.dirname(require.resolve('onnxruntime-web')) + '/';
ort.env.wasm.wasmPaths = dir;
ort.env.wasm.numThreads = Number(process.argv[2] ?? 1);
ort.env.wasm.simd = true;
// protobuf writer
const enc = new TextEncoder();
function varint(n) { const out = []; n = BigInt(n); do { let b = Number(n & 0x7fn); n >>= 7n; if (n) b |= 0x80; out.push(b); } while (n); return out; }
const field = (f, wt) => varint((f << 3) | wt);
const msg = (f, bytes) => [...field(f, 2), ...varint(bytes.length), ...bytes];
const str = (f, s) => msg(f, [...enc.encode(s)]);
const int = (f, v) => [...field(f, 0), ...varint(v)];
const valueInfo = (f, name, shape) => msg(f, [...str(1, name), ...msg(2, msg(1, [...int(1, 1), ...msg(2, shape.flatMap((d) => msg(1, int(1, d))))]))]);
function matmulModel(n) {
  const node = msg(1, [...str(1, 'A'), ...str(1, 'B'), ...str(2, 'C'), ...str(4, 'MatMul')]);
  const graph = [...node, ...str(2, 'g'), ...valueInfo(11, 'A', [n, n]), ...valueInfo(11, 'B', [n, n]), ...valueInfo(12, 'C', [n, n])];
  return new Uint8Array([...int(1, 8), ...msg(7, graph), ...msg(8, [...str(1, ''), ...int(2, 13)])]);
}
const n = 1024;
const s = await ort.InferenceSession.create(matmulModel(n), { executionProviders: ['wasm'] });
const a = new ort.Tensor('float32', new Float32Array(n*n).map((_, i) => Math.sin(i)), [n, n]);
const b = new ort.Tensor('float32', new Float32Array(n*n).map((_, i) => Math.cos(i)), [n, n]);
for (let r = 0; r < 3; r++) await s.run({ A: a, B: b });
let best = Infinity;
for (let r = 0; r < 10; r++) { const t0 = performance.now(); const o = await s.run({ A: a, B: b }); await o.C.getData(); best = Math.min(best, performance.now() - t0); }
console.log('threads', ort.env.wasm.numThreads, 'best ms', best.toFixed(1), 'GFLOP/s', (2*n**3/best/1e6).toFixed(1));
process.exit(0);
