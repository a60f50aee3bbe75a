/**
 * ONNX's own backend test cases (Debian's libonnx-testdata) through the importer: every case
 * whose operators and types the importer supports must match the reference outputs (ONNX's
 * tolerance: rtol 1e-3; atol 1e-5). On CPU every case runs; on WebGPU (SwiftShader) a seeded
 * sample of 40 runs, all of them with TESSERA_ONNX_FULL=1. Without the data the suite is skipped
 * with a message, unless TESSERA_REQUIRE_ONNX_DATA=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { setBackend, type Backend } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { webgpu } from '@tessera/backend-webgpu';
import { ONNX_TEST_DATA, SUITES, listCases, runCase, type CaseResult } from './test-utils/backend-data.js';

const hasData = existsSync(ONNX_TEST_DATA);
const full = process.env['TESSERA_ONNX_FULL'] === '1';

function summarize(results: readonly CaseResult[]): string {
  const by = (s: CaseResult['status']): number => results.filter((r) => r.status === s).length;
  return `${by('pass')} pass, ${by('fail')} fail, ${by('unsupported')} unsupported of ${results.length}`;
}

function failures(results: readonly CaseResult[]): string[] {
  return results.filter((r) => r.status === 'fail').map((r) => `${r.suite}/${r.name}: ${r.detail}`);
}

if (!hasData) {
  if (process.env['TESSERA_REQUIRE_ONNX_DATA'] === '1') {
    describe('ONNX backend test data', () => {
      it('needs the data (TESSERA_REQUIRE_ONNX_DATA=1)', () => {
        throw new Error(`TESSERA_REQUIRE_ONNX_DATA=1 but ${ONNX_TEST_DATA} does not exist (apt-get install libonnx-testdata)`);
      });
    });
  } else {
    console.warn(`[tessera] skipping the ONNX backend test data: ${ONNX_TEST_DATA} does not exist (apt-get install libonnx-testdata)`);
    describe.skip('ONNX backend test data (skipped: libonnx-testdata not installed)', () => {
      it('needs the data', () => {});
    });
  }
} else {
  describe('ONNX backend test data on backend-cpu', () => {
    beforeAll(async () => {
      await setBackend(cpu());
    });
    for (const suite of SUITES) {
      it(`${suite}: every supported case matches the reference`, async () => {
        const results: CaseResult[] = [];
        for (const name of listCases(suite)) results.push(await runCase(suite, name));
        console.log(`[onnx test data] cpu ${suite}: ${summarize(results)}`);
        expect(failures(results)).toEqual([]);
        // Coverage must not regress (figures of docs/transfer-learning.md).
        expect(results.filter((r) => r.status === 'pass').length).toBeGreaterThanOrEqual(FLOOR[suite]!);
      }, 300_000);
    }
  });

  const probe = await webgpu().then(
    (b) => ({ backend: b as Backend & { dispose(): void } }),
    (e: Error) => ({ reason: e.message }),
  );
  if ('backend' in probe) {
    describe('ONNX backend test data on backend-webgpu', () => {
      beforeAll(async () => {
        await setBackend(probe.backend);
      });
      afterAll(async () => {
        await setBackend(cpu());
        probe.backend.dispose();
      });
      it(`${full ? 'every' : 'a seeded sample of 40'} supported case${full ? '' : 's'} match the reference`, async () => {
        const all = SUITES.flatMap((suite) => listCases(suite).map((name) => ({ suite, name })));
        const picked = full ? all : sample(all, 40, 12);
        const results: CaseResult[] = [];
        for (const c of picked) results.push(await runCase(c.suite, c.name));
        console.log(`[onnx test data] webgpu: ${summarize(results)}`);
        expect(failures(results)).toEqual([]);
      }, 600_000);
    });
  } else {
    console.warn(`[tessera] skipping the ONNX backend test data on WebGPU: ${probe.reason}`);
  }
}

/** Pass counts on CPU when this suite was written; a drop is a regression. */
const FLOOR: Record<string, number> = { node: 730, 'pytorch-converted': 69, 'pytorch-operator': 31, simple: 7 };

function sample<T>(items: readonly T[], n: number, seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out.slice(0, n);
}
