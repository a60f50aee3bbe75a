/**
 * The backend's lifetime in a Node process: `webgpu()` after `dispose()` works again, garbage
 * collection of disposed backends does not abort the process (Dawn aborts when it frees an
 * instance whose device had buffers, so the backend keeps one instance per process), and the
 * process exits by itself once the backends are disposed. Runs `test-utils/lifecycle-child.ts`
 * in a child process, where a crash cannot take the test runner down. The abort depends on when
 * the collector runs relative to Dawn's threads: before the fix it killed about one run in two of
 * the webgpu-swap example's tests, and this test only sometimes.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describeWebGpu, probeWebGpu } from './test-utils/probe.js';

const probe = await probeWebGpu();
if ('backend' in probe) probe.backend.dispose();

describeWebGpu('backend lifetime in Node', probe, () => {
  it('create, use, dispose four times with GCs between: no abort, and the process exits on its own', () => {
    const child = fileURLToPath(new URL('./test-utils/lifecycle-child.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--expose-gc', '--conditions=@tessera/source', '--import', 'tsx', child], {
      encoding: 'utf8',
      timeout: 45_000,
      env: process.env,
    });
    const output = `${r.stdout}\n${r.stderr}`.replace(/error: XDG_RUNTIME_DIR.*\n/g, '');
    expect(r.error?.message, `the child did not exit by itself within 45 s:\n${output}`).toBeUndefined();
    expect(r.signal, output).toBeNull();
    expect(r.status, output).toBe(0);
    expect(r.stdout).toContain('round 3 ok');
  });
});
