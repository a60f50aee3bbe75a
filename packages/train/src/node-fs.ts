/** File output for the callbacks that write files (Node only; browsers use the in-memory forms). */
import { TensorError } from '@tessera/tensor-core';

type Fs = typeof import('node:fs/promises');

/** `node:fs/promises`, imported on first use so that browser bundles never see it. */
export async function nodeFs(op: string): Promise<Fs> {
  // A computed specifier keeps bundlers from pulling node:fs into browser builds.
  const specifier = 'node:fs/promises';
  try {
    return (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as Fs;
  } catch {
    throw new TensorError('UNSUPPORTED', op, 'writing files needs Node.js (node:fs); in a browser use the in-memory form instead');
  }
}

/** Writes `data` to `path`, creating the parent directories. */
export async function writeFileWithDirs(op: string, path: string, data: string | Uint8Array, append = false): Promise<void> {
  const fs = await nodeFs(op);
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  if (slash > 0) await fs.mkdir(path.slice(0, slash), { recursive: true });
  if (append) await fs.appendFile(path, data);
  else await fs.writeFile(path, data);
}
