/**
 * A PyTorch-exported CNN with BatchNorm (src/fixtures/torch-cnn.onnx, from
 * scripts/gen-torch-models.py): forward outputs, parameter gradients of Σ y·u and, in training
 * mode, the updated running statistics must equal PyTorch's own (src/fixtures/torch-cnn.json).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend, tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { backward, enableAutograd } from '@tessera/autograd';
import { importOnnx } from '../index.js';

// These tests run forward passes on requiresGrad parameters before their first autograd call.
enableAutograd();

interface ModeFixture {
  y: number[];
  grads: Record<string, number[]>;
  runningMean: Record<string, number[]>;
  runningVar: Record<string, number[]>;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/torch-cnn.json', import.meta.url), 'utf8')) as {
  x: number[];
  xShape: number[];
  u: number[];
  modes: Record<'eval' | 'train', ModeFixture>;
};
const bytes = new Uint8Array(readFileSync(new URL('../fixtures/torch-cnn.onnx', import.meta.url)));

function expectClose(actual: ArrayLike<number>, expected: readonly number[], what: string, tol = 1e-4): void {
  expect(actual.length, what).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(Number(actual[i]) - expected[i]!) / (tol + tol * Math.abs(expected[i]!)));
  expect(worst, what).toBeLessThanOrEqual(1);
}

beforeAll(async () => {
  await setBackend(cpu());
});

describe('PyTorch CNN with BatchNorm', () => {
  for (const mode of ['eval', 'train'] as const) {
    it(`matches PyTorch's outputs and parameter gradients in ${mode} mode`, async () => {
      const model = await importOnnx(bytes);
      model[mode]();
      const expected = fixture.modes[mode];
      const x = tensor(fixture.x, fixture.xShape);
      const u = tensor(fixture.u, [fixture.xShape[0]!, 4]);
      const { y } = model.forward({ x });
      expectClose(await y!.data(), expected.y, `${mode} y`);
      const grads = backward(y!.mul(u).sum());
      const params = new Map(model.namedParameters());
      expect([...params.keys()].sort()).toEqual(Object.keys(expected.grads).sort());
      for (const [name, g] of Object.entries(expected.grads)) {
        expectClose(await grads.get(params.get(name)!)!.data(), g, `${mode} grad ${name}`);
      }
      const buffers = new Map(model.namedBuffers());
      for (const [name, v] of [...Object.entries(expected.runningMean), ...Object.entries(expected.runningVar)]) {
        expectClose(await buffers.get(name)!.data(), v, `${mode} ${name}`);
      }
      model.dispose();
    });
  }
});
