// Browser persistence in Node: IndexedDB from fake-indexeddb (an in-memory implementation of the
// IndexedDB API), a stub document for downloads, a local HTTP server for fetch. The real browser
// path (Chromium's IndexedDB, a download, fetch of an object URL) runs in scripts/bundle-test.mjs.
import { resolveObjectURL } from 'node:buffer';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memory, setBackend, tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { noGrad } from '@tessera/autograd';
import {
  Linear,
  ReLU,
  Sequential,
  deleteWeightsFromIndexedDB,
  downloadWeights,
  listWeightsInIndexedDB,
  loadWeightsFromIndexedDB,
  loadWeightsFromUrl,
  saveWeightsToIndexedDB,
} from './index.js';
import { expectTensorError } from './test-utils/helpers.js';

const live: { dispose(): void }[] = [];
beforeAll(async () => {
  await setBackend(cpu());
});
afterAll(() => {
  for (const m of live.splice(0)) m.dispose();
});

function model(seed: number, hidden = 5): Sequential {
  const m = new Sequential(new Linear({ inFeatures: 3, outFeatures: hidden, seed }), new ReLU(), new Linear({ inFeatures: hidden, outFeatures: 2, seed: seed + 1 }));
  live.push(m);
  return m;
}

async function outputs(m: Sequential): Promise<number[]> {
  const x = tensor([[1, -2, 0.5], [0, 3, -1]]);
  const y = noGrad(() => m.forward(x));
  const values = Array.from(await y.data());
  x.dispose();
  y.dispose();
  return values;
}

describe('IndexedDB weights', () => {
  it('saves a model and loads it into another one: same outputs, same bytes as save()', async () => {
    const indexedDB = new IDBFactory();
    const source = model(1);
    const target = model(7);
    expect(await outputs(target)).not.toEqual(await outputs(source));
    const bytes = await saveWeightsToIndexedDB(source, 'mlp', { indexedDB });
    expect(bytes).toBe((await source.save()).byteLength);
    const before = memory().tensors;
    expect(await loadWeightsFromIndexedDB(target, 'mlp', { indexedDB })).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(memory().tensors).toBe(before);
    expect(await outputs(target)).toEqual(await outputs(source));
    expect(await listWeightsInIndexedDB({ indexedDB })).toEqual(['mlp']);
  });

  it('keeps several stores in one database (adding a store upgrades the database)', async () => {
    const indexedDB = new IDBFactory();
    await saveWeightsToIndexedDB(model(1), 'a', { indexedDB, database: 'app' });
    await saveWeightsToIndexedDB(model(2), 'b', { indexedDB, database: 'app', store: 'checkpoints' });
    expect(await listWeightsInIndexedDB({ indexedDB, database: 'app' })).toEqual(['a']);
    expect(await listWeightsInIndexedDB({ indexedDB, database: 'app', store: 'checkpoints' })).toEqual(['b']);
    const target = model(9);
    await loadWeightsFromIndexedDB(target, 'b', { indexedDB, database: 'app', store: 'checkpoints' });
    expect(await outputs(target)).toEqual(await outputs(model(2)));
  });

  it('replaces weights saved under the same key, and deletes them', async () => {
    const indexedDB = new IDBFactory();
    await saveWeightsToIndexedDB(model(1), 'm', { indexedDB });
    await saveWeightsToIndexedDB(model(3), 'm', { indexedDB });
    const target = model(9);
    await loadWeightsFromIndexedDB(target, 'm', { indexedDB });
    expect(await outputs(target)).toEqual(await outputs(model(3)));
    expect(await deleteWeightsFromIndexedDB('m', { indexedDB })).toBe(true);
    expect(await deleteWeightsFromIndexedDB('m', { indexedDB })).toBe(false);
    expect(await listWeightsInIndexedDB({ indexedDB })).toEqual([]);
  });

  it('reports missing and unexpected keys with strict: false, and throws on a shape mismatch', async () => {
    const indexedDB = new IDBFactory();
    await saveWeightsToIndexedDB(new Sequential(new Linear({ inFeatures: 3, outFeatures: 5, seed: 1 })), 'one', { indexedDB });
    const result = await loadWeightsFromIndexedDB(model(4), 'one', { indexedDB, strict: false });
    expect(result.missingKeys).toEqual(['2.weight', '2.bias']);
    await saveWeightsToIndexedDB(model(1, 4), 'narrow', { indexedDB });
    await expectTensorError(() => loadWeightsFromIndexedDB(model(1, 5), 'narrow', { indexedDB }), 'SHAPE_MISMATCH', /0\.weight/);
  });

  it('names the stored keys when nothing is under the key', async () => {
    const indexedDB = new IDBFactory();
    await expectTensorError(() => loadWeightsFromIndexedDB(model(1), 'nope', { indexedDB }), 'INVALID_ARGUMENT', /no weights under key 'nope' in IndexedDB database 'tessera' \(stored: none\)/);
    await saveWeightsToIndexedDB(model(1), 'mlp', { indexedDB });
    await expectTensorError(() => loadWeightsFromIndexedDB(model(1), 'mpl', { indexedDB }), 'INVALID_ARGUMENT', /stored: 'mlp'/);
  });

  it('rejects bad arguments and unknown options, naming the valid ones', async () => {
    const indexedDB = new IDBFactory();
    await expectTensorError(() => saveWeightsToIndexedDB(model(1), '', { indexedDB }), 'INVALID_ARGUMENT', /saveWeightsToIndexedDB: key must be a non-empty string, got ""/);
    await expectTensorError(() => saveWeightsToIndexedDB(model(1), 'k', { indexedDB, databse: 'x' } as never), 'INVALID_ARGUMENT', /unknown option 'databse' \(valid: database, store, indexedDB, metadata\)/);
    await expectTensorError(() => loadWeightsFromIndexedDB(model(1), 'k', { indexedDB, strcit: false } as never), 'INVALID_ARGUMENT', /unknown option 'strcit' \(valid: database, store, indexedDB, strict\)/);
    await expectTensorError(() => listWeightsInIndexedDB(null as never), 'INVALID_ARGUMENT', /options must be an object, got null/);
    await expectTensorError(() => deleteWeightsFromIndexedDB(3 as never, { indexedDB }), 'INVALID_ARGUMENT', /key must be a non-empty string, got 3/);
    await expectTensorError(() => saveWeightsToIndexedDB({} as never, 'k', { indexedDB }), 'INVALID_ARGUMENT', /module must be a Module/);
    await expectTensorError(() => saveWeightsToIndexedDB(model(1), 'k', { indexedDB, store: '' }), 'INVALID_ARGUMENT', /store must be a non-empty string/);
  });

  it('says what to do where there is no IndexedDB (Node)', async () => {
    expect((globalThis as { indexedDB?: unknown }).indexedDB).toBeUndefined();
    await expectTensorError(() => saveWeightsToIndexedDB(model(1), 'k'), 'UNSUPPORTED', /IndexedDB is not available here .*model\.save\(path\)/);
  });
});

describe('downloadWeights', () => {
  /** The part of a document downloadWeights uses, recording what happens to the link. */
  function stubDocument() {
    const events: string[] = [];
    const link = { href: '', download: '', style: { display: '' }, click: () => void events.push('click'), remove: () => void events.push('remove') };
    const doc = { createElement: (tag: string) => (events.push(`create ${tag}`), link), body: { append: () => void events.push('append') } };
    return { doc: doc as unknown as Document, link, events };
  }

  it('clicks a hidden link to an object URL of the safetensors bytes', async () => {
    const m = model(1);
    const { doc, link, events } = stubDocument();
    const bytes = await downloadWeights(m, 'mlp.safetensors', { document: doc, metadata: { epoch: '3' } });
    expect(events).toEqual(['create a', 'append', 'click', 'remove']);
    expect(link.download).toBe('mlp.safetensors');
    expect(link.style.display).toBe('none');
    const blob = resolveObjectURL(link.href);
    expect(blob).toBeDefined();
    expect(new Uint8Array(await blob!.arrayBuffer())).toEqual(bytes);
    expect(bytes).toEqual(await m.save(undefined, { metadata: { epoch: '3' } }));
    URL.revokeObjectURL(link.href);
  });

  it('needs a document, and checks its arguments', async () => {
    await expectTensorError(() => downloadWeights(model(1)), 'UNSUPPORTED', /downloads need a browser document; in Node use model\.save\(path\)/);
    const { doc } = stubDocument();
    await expectTensorError(() => downloadWeights(model(1), '', { document: doc }), 'INVALID_ARGUMENT', /filename must be a non-empty string/);
    await expectTensorError(() => downloadWeights(model(1), 'a', { document: doc, doc } as never), 'INVALID_ARGUMENT', /unknown option 'doc' \(valid: metadata, document\)/);
  });
});

describe('loadWeightsFromUrl', () => {
  let server: Server;
  let base = '';
  let served = new Uint8Array();
  beforeAll(async () => {
    served = await model(5).save();
    server = createServer((req, res) => {
      if (req.url === '/mlp.safetensors') res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(served);
      else if (req.url === '/garbage') res.writeHead(200).end('not safetensors');
      else res.writeHead(404, 'Not Found').end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fetches safetensors bytes and loads them', async () => {
    const target = model(9);
    expect(await loadWeightsFromUrl(target, `${base}/mlp.safetensors`)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(await outputs(target)).toEqual(await outputs(model(5)));
    const viaUrl = model(11);
    await loadWeightsFromUrl(viaUrl, new URL('/mlp.safetensors', base), { init: { headers: { accept: 'application/octet-stream' } } });
    expect(await outputs(viaUrl)).toEqual(await outputs(model(5)));
  });

  it('uses the fetch it is given', async () => {
    const urls: string[] = [];
    const fakeFetch = (async (url: string | URL) => (urls.push(String(url)), new Response(served))) as typeof fetch;
    const target = model(9);
    await loadWeightsFromUrl(target, 'weights://mlp', { fetch: fakeFetch });
    expect(urls).toEqual(['weights://mlp']);
    expect(await outputs(target)).toEqual(await outputs(model(5)));
  });

  it('reports HTTP errors, failed requests and bytes that are not safetensors', async () => {
    await expectTensorError(() => loadWeightsFromUrl(model(1), `${base}/missing.safetensors`), 'INVALID_ARGUMENT', /fetching http:\/\/127\.0\.0\.1:\d+\/missing\.safetensors gave HTTP 404 Not Found/);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expectTensorError(() => loadWeightsFromUrl(model(1), `http://127.0.0.1:${port}/x`), 'BACKEND_ERROR', /fetching http:\/\/127\.0\.0\.1:\d+\/x failed/);
    await expect(loadWeightsFromUrl(model(1), `${base}/garbage`)).rejects.toThrow(/safetensors|header/i);
    await expectTensorError(() => loadWeightsFromUrl(model(1), '', {}), 'INVALID_ARGUMENT', /url must be a non-empty string/);
    await expectTensorError(() => loadWeightsFromUrl(model(1), base, { headers: {} } as never), 'INVALID_ARGUMENT', /unknown option 'headers' \(valid: init, fetch, strict\)/);
  });
});
