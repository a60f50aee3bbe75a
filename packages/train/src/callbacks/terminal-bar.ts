/**
 * The live terminal bar of `progressBar`, for Node.js: cli-progress, imported on first use.
 * `@tessera/train` reaches this file through its `#terminal-bar` import under the `node`
 * condition; browser bundles get `terminal-bar.browser.ts` instead and never see cli-progress
 * (whose `readline`/`events` imports would break them).
 */
import type { TerminalBar } from './terminal-bar-types.js';

/** Opens a cli-progress bar writing to `stream`. */
export async function createTerminalBar(stream: { write(text: string): unknown; isTTY?: boolean }): Promise<TerminalBar | undefined> {
  const { default: cli } = await import('cli-progress');
  return new cli.SingleBar(
    {
      format: '{epochLabel} {bar} {value}/{total} | {metrics} | {rate} samples/s | ETA {etaText}',
      stream: stream as NodeJS.WritableStream,
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
      fps: 10,
      noTTYOutput: stream.isTTY !== true,
    },
    cli.Presets.shades_classic,
  );
}
