// A worker thread hosting its own onnxruntime-web (see ort.ts): ORT fixes its thread count once per
// realm, so the two-thread contender lives here. Messages: init, session, run, release.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-web';

ort.env.wasm.wasmPaths = workerData.wasmDir;
ort.env.wasm.numThreads = workerData.threads;
ort.env.logLevel = 'error';

const sessions = new Map();
let nextSession = 0;

const handlers = {
  init: () => ({ version: ort.env.versions.web, backend: 'wasm', threads: workerData.threads }),
  async session({ model, inputs }) {
    const session = await ort.InferenceSession.create(model, workerData.sessionOptions);
    const feeds = {};
    for (const [name, v] of Object.entries(inputs)) feeds[name] = new ort.Tensor('float32', v.data, v.shape);
    const sid = nextSession++;
    sessions.set(sid, { session, feeds, out: session.outputNames[0] });
    return sid;
  },
  async run({ sid }) {
    const { session, feeds, out } = sessions.get(sid);
    const result = await session.run(feeds);
    const t = result[out];
    const data = await t.getData();
    t.dispose();
    return data;
  },
  async release({ sid }) {
    await sessions.get(sid)?.session.release();
    sessions.delete(sid);
  },
};

parentPort.on('message', async (m) => {
  try {
    const value = await handlers[m.type](m);
    // A result that owns its whole buffer moves to the main thread instead of being copied.
    const whole = ArrayBuffer.isView(value) && value.byteOffset === 0 && value.byteLength === value.buffer.byteLength && !(value.buffer instanceof SharedArrayBuffer);
    parentPort.postMessage({ id: m.id, ok: true, value }, whole ? [value.buffer] : []);
  } catch (e) {
    parentPort.postMessage({ id: m.id, ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }
});
