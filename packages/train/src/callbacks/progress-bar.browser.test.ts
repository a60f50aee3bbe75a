// progressBar where `#terminal-bar` resolves to its browser file (every condition but `node`):
// no live bar, the epoch lines and onProgress still work.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { setBackend } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { Adam } from '@tessera/optim';
import { createTerminalBar } from './terminal-bar.browser.js';
import { fit, progressBar, type ProgressInfo } from '../index.js';
import { blobs, smallMlp, softmaxCrossEntropy } from '../test-utils/fixtures.js';

vi.mock('#terminal-bar', () => import('./terminal-bar.browser.js'));

const disposables: { dispose(): void }[] = [];
beforeAll(async () => {
  await setBackend(cpu());
});
afterAll(() => {
  for (const d of disposables.splice(0)) d.dispose();
});

describe('progressBar in a browser bundle', () => {
  it('has no terminal bar to offer', async () => {
    expect(await createTerminalBar({ write: () => true, isTTY: true })).toBeUndefined();
  });

  it("prints epoch lines instead of a live bar in mode 'bar', and still reports onProgress", async () => {
    const model = smallMlp();
    const data = blobs(32, 1);
    const optimizer = new Adam(model.parameters(), { lr: 0.05 });
    disposables.push(model, data.x, data.y, optimizer);
    let out = '';
    const infos: ProgressInfo[] = [];
    const stream = { write: (s: string) => ((out += s), true), isTTY: true };
    await fit(model, {
      data, epochs: 2, batchSize: 16, optimizer, loss: softmaxCrossEntropy, seed: 0, verbose: 0,
      callbacks: [progressBar({ mode: 'bar', stream, onProgress: (p) => void infos.push(p) })],
    });
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^Epoch 1\/2 - [\d.]+s - \d+ samples\/s - loss: \d\.\d{4}$/);
    expect(out).not.toMatch(/█|░/);
    expect(infos.filter((i) => i.phase === 'epoch')).toHaveLength(2);
  });
});
