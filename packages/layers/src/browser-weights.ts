/**
 * Weights in a browser: a module's safetensors bytes kept in IndexedDB, offered as a download, or
 * fetched from a URL. The bytes are exactly those of `module.save()`, so a file saved here loads
 * in Node (`model.load(path)`) and in Python's safetensors, and the other way round.
 */
import { TensorError } from '@tessera/tensor-core';
import type { LoadStateDictOptions, LoadStateDictResult, Module } from './module.js';

/**
 * Where {@link saveWeightsToIndexedDB} and its siblings keep weights.
 * @example
 * ```ts
 * await saveWeightsToIndexedDB(model, 'mnist-mlp', { database: 'my-app' });
 * ```
 */
export interface IndexedDBWeightsOptions {
  /** IndexedDB database name (default `'tessera'`). */
  readonly database?: string;
  /** Object store inside it (default `'weights'`); created on first use. */
  readonly store?: string;
  /** The IndexedDB factory (default `globalThis.indexedDB`): pass one in tests or unusual hosts. */
  readonly indexedDB?: IDBFactory;
}

/** Options of {@link saveWeightsToIndexedDB}. */
export interface SaveWeightsToIndexedDBOptions extends IndexedDBWeightsOptions {
  /** String metadata stored in the safetensors header. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Options of {@link loadWeightsFromIndexedDB}. */
export interface LoadWeightsFromIndexedDBOptions extends IndexedDBWeightsOptions, LoadStateDictOptions {}

/** Options of {@link downloadWeights}. */
export interface DownloadWeightsOptions {
  /** String metadata stored in the safetensors header. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** The document that hosts the download link (default `globalThis.document`). */
  readonly document?: Document;
}

/** Options of {@link loadWeightsFromUrl}. */
export interface LoadWeightsFromUrlOptions extends LoadStateDictOptions {
  /** Passed to `fetch` (headers, credentials, an `AbortSignal`, ...). */
  readonly init?: RequestInit;
  /** The fetch function (default `globalThis.fetch`). */
  readonly fetch?: typeof fetch;
}

const STORE_KEYS = ['database', 'store', 'indexedDB'] as const;

/** Rejects unknown option names, naming the valid ones (as Python rejects an unexpected keyword). */
function checkOptions(op: string, options: unknown, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TensorError('INVALID_ARGUMENT', op, `options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new TensorError('INVALID_ARGUMENT', op, `unknown option '${key}' (valid: ${known.join(', ')})`);
  }
}

function checkName(op: string, what: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new TensorError('INVALID_ARGUMENT', op, `${what} must be a non-empty string, got ${JSON.stringify(value) ?? typeof value}`);
  return value;
}

function checkModule(op: string, module: unknown): Module {
  const m = module as Partial<Module> | null;
  if (typeof m !== 'object' || m === null || typeof m.save !== 'function' || typeof m.load !== 'function') {
    throw new TensorError('INVALID_ARGUMENT', op, `module must be a Module (with save and load), got ${module === null ? 'null' : typeof module}`);
  }
  return module as Module;
}

/** Turns an IDBRequest into a promise. */
function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Opens the database with the store, creating (or upgrading to add) the store when missing. */
async function openStore(op: string, options: IndexedDBWeightsOptions): Promise<{ db: IDBDatabase; store: string }> {
  const database = checkName(op, 'database', options.database ?? 'tessera');
  const store = checkName(op, 'store', options.store ?? 'weights');
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!factory) throw new TensorError('UNSUPPORTED', op, 'IndexedDB is not available here (a browser or worker has it; in Node pass options.indexedDB, or use model.save(path))');
  const open = (version?: number): Promise<IDBDatabase> => new Promise((resolve, reject) => {
    const req = version === undefined ? factory.open(database) : factory.open(database, version);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(store)) req.result.createObjectStore(store);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new TensorError('BACKEND_ERROR', op, `cannot open IndexedDB database '${database}': ${req.error?.message ?? 'unknown error'}`));
    req.onblocked = () => reject(new TensorError('BACKEND_ERROR', op, `IndexedDB database '${database}' is held open at an older version by another tab`));
  });
  let db = await open();
  if (!db.objectStoreNames.contains(store)) {
    // A store is added only by a version upgrade.
    const next = db.version + 1;
    db.close();
    db = await open(next);
  }
  return { db, store };
}

async function withStore<T>(op: string, options: IndexedDBWeightsOptions, mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  const { db, store } = await openStore(op, options);
  try {
    const tx = db.transaction(store, mode);
    const result = await request(fn(tx.objectStore(store)));
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new TensorError('BACKEND_ERROR', op, 'IndexedDB transaction aborted'));
    });
    return result as T;
  } finally {
    db.close();
  }
}

/**
 * Saves `module`'s weights (safetensors bytes, as `module.save()` makes them) in IndexedDB under
 * `key`, replacing what was there. Returns the number of bytes stored.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a bad key or options, `UNSUPPORTED` without IndexedDB,
 * `BACKEND_ERROR` when the database cannot be opened (quota, another tab holding an old version).
 * @example
 * ```ts
 * await saveWeightsToIndexedDB(model, 'mnist-mlp');
 * // later, or after a reload of the page:
 * await loadWeightsFromIndexedDB(model, 'mnist-mlp');
 * ```
 */
export async function saveWeightsToIndexedDB(module: Module, key: string, options: SaveWeightsToIndexedDBOptions = {}): Promise<number> {
  const op = 'saveWeightsToIndexedDB';
  checkModule(op, module);
  checkName(op, 'key', key);
  checkOptions(op, options, [...STORE_KEYS, 'metadata']);
  const bytes = await module.save(undefined, options.metadata ? { metadata: options.metadata } : {});
  await withStore(op, options, 'readwrite', (store) => store.put(bytes, key));
  return bytes.byteLength;
}

/**
 * Loads weights saved by {@link saveWeightsToIndexedDB} into `module` (onto the backend its
 * parameters live on). Key matching is strict unless `strict: false`, as {@link Module.loadStateDict}.
 *
 * @throws TensorError `INVALID_ARGUMENT` when nothing is stored under `key` (naming the stored
 * keys), as {@link Module.load} for mismatched weights, and as {@link saveWeightsToIndexedDB}.
 * @example
 * ```ts
 * const { missingKeys } = await loadWeightsFromIndexedDB(model, 'mnist-mlp', { strict: false });
 * ```
 */
export async function loadWeightsFromIndexedDB(module: Module, key: string, options: LoadWeightsFromIndexedDBOptions = {}): Promise<LoadStateDictResult> {
  const op = 'loadWeightsFromIndexedDB';
  checkModule(op, module);
  checkName(op, 'key', key);
  checkOptions(op, options, [...STORE_KEYS, 'strict']);
  const stored = await withStore<Blob | Uint8Array | ArrayBuffer | undefined>(op, options, 'readonly', (store) => store.get(key));
  if (stored === undefined) {
    const keys = await listWeightsInIndexedDB(pickStore(options));
    throw new TensorError('INVALID_ARGUMENT', op, `no weights under key '${key}' in IndexedDB database '${options.database ?? 'tessera'}' (stored: ${keys.length > 0 ? keys.map((k) => `'${k}'`).join(', ') : 'none'})`);
  }
  return module.load(stored, options.strict === undefined ? {} : { strict: options.strict });
}

function pickStore(options: IndexedDBWeightsOptions): IndexedDBWeightsOptions {
  const out: { -readonly [K in keyof IndexedDBWeightsOptions]: IndexedDBWeightsOptions[K] } = {};
  for (const k of STORE_KEYS) if (options[k] !== undefined) (out as Record<string, unknown>)[k] = options[k];
  return out;
}

/**
 * The keys of the weights stored in IndexedDB, sorted.
 * @throws TensorError as {@link saveWeightsToIndexedDB}.
 * @example
 * ```ts
 * console.log(await listWeightsInIndexedDB()); // ['mnist-mlp']
 * ```
 */
export async function listWeightsInIndexedDB(options: IndexedDBWeightsOptions = {}): Promise<string[]> {
  const op = 'listWeightsInIndexedDB';
  checkOptions(op, options, STORE_KEYS);
  const keys = await withStore<IDBValidKey[]>(op, options, 'readonly', (store) => store.getAllKeys());
  return keys.map(String).sort();
}

/**
 * Deletes the weights under `key`; returns whether there were any.
 * @throws TensorError as {@link saveWeightsToIndexedDB}.
 * @example
 * ```ts
 * await deleteWeightsFromIndexedDB('mnist-mlp');
 * ```
 */
export async function deleteWeightsFromIndexedDB(key: string, options: IndexedDBWeightsOptions = {}): Promise<boolean> {
  const op = 'deleteWeightsFromIndexedDB';
  checkName(op, 'key', key);
  checkOptions(op, options, STORE_KEYS);
  const count = await withStore<number>(op, options, 'readonly', (store) => store.count(key));
  if (count === 0) return false;
  await withStore(op, options, 'readwrite', (store) => store.delete(key));
  return true;
}

/**
 * Offers `module`'s weights to the user as a safetensors file download (a temporary object URL
 * behind a clicked link). Returns the bytes.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a bad filename or options, `UNSUPPORTED` without a
 * document (Node: use `model.save(path)`).
 * @example
 * ```ts
 * saveButton.onclick = () => downloadWeights(model, 'mnist-mlp.safetensors');
 * ```
 */
export async function downloadWeights(module: Module, filename = 'model.safetensors', options: DownloadWeightsOptions = {}): Promise<Uint8Array> {
  const op = 'downloadWeights';
  checkModule(op, module);
  checkName(op, 'filename', filename);
  checkOptions(op, options, ['metadata', 'document']);
  const doc = options.document ?? (globalThis as { document?: Document }).document;
  if (!doc || typeof URL.createObjectURL !== 'function') {
    throw new TensorError('UNSUPPORTED', op, 'downloads need a browser document; in Node use model.save(path)');
  }
  const bytes = await module.save(undefined, options.metadata ? { metadata: options.metadata } : {});
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const link = doc.createElement('a');
  link.href = url;
  link.download = filename;
  link.style.display = 'none';
  doc.body.append(link);
  try {
    link.click();
  } finally {
    link.remove();
    // Revoking at once can cancel the download in some browsers: give it a moment.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
  return bytes;
}

/**
 * Fetches safetensors weights from `url` and loads them into `module` (a file served beside the
 * page, a CDN, an object URL of a dropped file).
 *
 * @throws TensorError `INVALID_ARGUMENT` for an HTTP error status (with the status and URL) or
 * bad options, `BACKEND_ERROR` when the request itself fails (network, CORS), and as
 * {@link Module.load} for bytes that are not safetensors or do not match the module.
 * @example
 * ```ts
 * await loadWeightsFromUrl(model, new URL('./mnist-mlp.safetensors', import.meta.url));
 * ```
 */
export async function loadWeightsFromUrl(module: Module, url: string | URL, options: LoadWeightsFromUrlOptions = {}): Promise<LoadStateDictResult> {
  const op = 'loadWeightsFromUrl';
  checkModule(op, module);
  if (!(url instanceof URL)) checkName(op, 'url', url);
  checkOptions(op, options, ['init', 'fetch', 'strict']);
  const fetchFn = options.fetch ?? (globalThis as { fetch?: typeof fetch }).fetch;
  if (typeof fetchFn !== 'function') throw new TensorError('UNSUPPORTED', op, 'fetch is not available here; pass options.fetch');
  let response: Response;
  try {
    response = await fetchFn(url, options.init);
  } catch (error) {
    throw new TensorError('BACKEND_ERROR', op, `fetching ${String(url)} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) throw new TensorError('INVALID_ARGUMENT', op, `fetching ${String(url)} gave HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  return module.load(bytes, options.strict === undefined ? {} : { strict: options.strict });
}
