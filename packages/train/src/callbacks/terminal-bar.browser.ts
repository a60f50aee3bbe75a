/**
 * `progressBar`'s terminal bar where there is no terminal (browsers, workers): none. Progress
 * then reaches the page through `onProgress` and one console line per epoch. Chosen by the
 * `#terminal-bar` import of `@tessera/train` under every condition but `node`.
 */
import type { TerminalBar } from './terminal-bar-types.js';

/** No live bar outside Node.js: `progressBar` falls back to epoch lines. */
export async function createTerminalBar(_stream: { write(text: string): unknown; isTTY?: boolean }): Promise<TerminalBar | undefined> {
  return undefined;
}
