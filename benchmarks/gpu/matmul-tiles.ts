/**
 * Compute-only matrix-product throughput on a GPU: every GEMM register tile of backend-webgpu
 * (and its default choice) beside tfjs-backend-webgpu, same Dawn device family, inputs resident.
 * Each figure chains `reps` products without reading any back, then reads one number of the last
 * (so the queue drains), and divides: the rate of the kernel itself, which the WebGPU suite's
 * matmul rows (they read the whole product back each run) cannot show for large sizes.
 *
 *   node bench-tiles.mjs [--sizes 1024,2048,4096]     # from bundle.sh's folder on the GPU machine
 */
import * as tc from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { webgpu, type GemmTile, type WebGpuBackend } from '@tessera/backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { normalArray } from '../lib/data.js';

interface Dawn {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const sizes = (arg('--sizes') ?? '1024,2048,4096').split(',').map(Number);
const TILES: (GemmTile | undefined)[] = [undefined, ...[4, 8].flatMap((rows) => [4, 8].flatMap((cols) => [8, 16].map((depth) => ({ rows, cols, depth }) as GemmTile)))];

const dawn = (await import('webgpu')) as unknown as Dawn;
Object.assign(globalThis, dawn.globals);
const gpu = dawn.create(['backend=vulkan']);
const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
if (!adapter) throw new Error('no WebGPU adapter');
const info = adapter.info;
console.log(`adapter: ${[info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ')}`);
const host = cpu({ threads: 1 });
await tc.setBackend(host);

/** Median seconds per product over `rounds` rounds of `reps` chained products. */
async function timeChain(run: () => void, sync: () => Promise<void>, reps: number, rounds: number): Promise<number> {
  for (let i = 0; i < 2; i++) run();
  await sync();
  const per: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) run();
    await sync();
    per.push((performance.now() - t0) / 1000 / reps);
  }
  per.sort((a, b) => a - b);
  return per[Math.floor(per.length / 2)]!;
}

const rows: string[] = [];
const label = (t: GemmTile | undefined): string => (t ? `${t.rows}x${t.cols} d${t.depth}` : 'default');
for (const n of sizes) {
  const reps = n >= 4096 ? 10 : n >= 2048 ? 20 : 50;
  const aData = normalArray(n * n, 1);
  const bData = normalArray(n * n, 2);
  const flops = 2 * n * n * n;
  let reference: Float32Array | undefined;
  for (const tile of TILES) {
    const backend: WebGpuBackend = await webgpu({ gpu, ...(tile ? { gemmTile: tile } : {}) });
    tc.registerBackend(backend);
    await tc.setBackend(backend);
    const a = tc.tensor(aData, [n, n]);
    const b = tc.tensor(bData, [n, n]);
    // One row of the product checks each tile against the first (the default).
    const y = tc.matmul(a, b);
    const row = (await y.slice([n - 1, 0], [n, n]).data()) as Float32Array;
    reference ??= row;
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(row[i]! - reference[i]!) / (1 + Math.abs(reference[i]!)));
    y.dispose();
    let last: tc.Tensor | undefined;
    const s = await timeChain(
      () => {
        last?.dispose();
        last = tc.matmul(a, b);
      },
      async () => {
        const probe = last!.slice([0, 0], [1, 1]);
        await probe.data();
        probe.dispose();
      },
      reps,
      5,
    );
    last?.dispose();
    rows.push(`matmul ${n} | Tessera ${label(tile)} | ${(s * 1e3).toFixed(3)} ms | ${(flops / s / 1e9).toFixed(1)} GFLOP/s | vs default ${worst.toExponential(1)}`);
    console.log(rows.at(-1));
    tc.dispose([a, b]);
    await tc.setBackend(host);
    backend.dispose();
  }
  // tfjs-backend-webgpu on the same Dawn instance.
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
  await tf.setBackend('webgpu');
  await tf.ready();
  const ta = tf.tensor(aData, [n, n]);
  const tb = tf.tensor(bData, [n, n]);
  let lastTf: tf.Tensor | undefined;
  const s = await timeChain(
    () => {
      lastTf?.dispose();
      lastTf = tf.matMul(ta, tb);
    },
    async () => {
      const probe = tf.slice(lastTf!, [0, 0], [1, 1]);
      await probe.data();
      probe.dispose();
    },
    reps,
    5,
  );
  const tfRow = (await tf.slice(lastTf!, [n - 1, 0], [1, n]).data()) as Float32Array;
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(tfRow[i]! - reference![i]!) / (1 + Math.abs(reference![i]!)));
  lastTf?.dispose();
  tf.dispose([ta, tb]);
  rows.push(`matmul ${n} | tfjs-webgpu ${tf.version_core} | ${(s * 1e3).toFixed(3)} ms | ${(flops / s / 1e9).toFixed(1)} GFLOP/s | vs Tessera default ${worst.toExponential(1)}`);
  console.log(rows.at(-1));
  await tf.setBackend('cpu');
}
console.log('\nsize | contender | ms per product | rate | max relative difference\n' + rows.join('\n'));
