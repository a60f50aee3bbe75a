import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { cpu } from '@tessera/backend-cpu';
import { memory, setBackend } from '@tessera/tensor-core';
import { explainMnist } from './main.js';

beforeAll(async () => {
  await setBackend(cpu());
});

// A fast variant of `pnpm start` (3 epochs on ~8,000 digits): 300 digits, 1 epoch.
it('writes the attribution grid as SVG and PNG, with a small completeness error, without leaking', async () => {
  const before = memory().tensors;
  const outDir = mkdtempSync(join(tmpdir(), 'explain-mnist-'));
  const { maxDelta, files } = await explainMnist({ trainPerClass: 30, epochs: 1, steps: 16, outDir });
  expect(files.every((f) => existsSync(f))).toBe(true);
  const svg = readFileSync(files[0]!, 'utf8');
  expect(svg.match(/<image /g)).toHaveLength(50);
  expect(svg).toContain('Grad-CAM (conv2)');
  expect(maxDelta).toBeLessThan(0.02);
  expect(memory().tensors).toBe(before);
});
