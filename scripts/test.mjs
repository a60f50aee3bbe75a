#!/usr/bin/env node
// Runs every test runner of the repository (vitest for now) and ends with the totals line
// `N passed, N failed` so a run that executed no test is visible.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// WebGPU tests run on SwiftShader's Vulkan driver where Debian's Chromium ships it (see
// docs/webgpu.md); elsewhere they skip with a reason, unless TESSERA_REQUIRE_WEBGPU=1.
const swiftShader = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(swiftShader)) process.env.VK_ICD_FILENAMES = swiftShader;

const dir = mkdtempSync(join(tmpdir(), 'tessera-test-'));
const report = join(dir, 'vitest.json');
const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)];
const run = spawnSync('npx', args, { stdio: 'inherit' });

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed = json.numPassedTests ?? 0;
  failed = (json.numFailedTests ?? 0) + (json.numFailedTestSuites ?? 0);
  skipped = (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
} catch {
  failed += 1; // no report: the runner itself failed
}
rmSync(dir, { recursive: true, force: true });
// Test steps of .ci/run outside vitest (scripts/bundle-test.mjs: bundlers and headless Chromium)
// leave their counts in $TESSERA_CI_RESULTS; they count in the totals.
const ciResults = process.env.TESSERA_CI_RESULTS;
if (ciResults && existsSync(ciResults)) {
  for (const file of readdirSync(ciResults).filter((f) => f.endsWith('.json')).sort()) {
    const counts = JSON.parse(readFileSync(join(ciResults, file), 'utf8'));
    console.log(`${file}: ${counts.passed} passed, ${counts.failed} failed`);
    passed += counts.passed;
    failed += counts.failed;
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(run.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
