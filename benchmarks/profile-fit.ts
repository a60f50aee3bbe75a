/**
 * Where one `fit` step goes: trains the MLP 784-128-64-10 (Adam, batch 32 by default) on
 * Tessera's CPU backend wrapped in a timer per kernel call, and prints the step time, the share
 * spent inside backend kernels, and the rest (tape, autograd, allocation, optimizer dispatch,
 * garbage collection: the per-step overhead), then the kernels by time.
 *
 *   pnpm profile:fit                   # batch 32
 *   BATCH=128 pnpm profile:fit
 *
 * The wrapper adds two `performance.now()` calls per kernel (well under a microsecond each), so
 * the overhead share is, if anything, slightly overstated. For a sampled profile of the same loop:
 * `node --cpu-prof --conditions=@tessera/source --import tsx profile-fit.ts`.
 */
import * as tc from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { Sequential, Linear, ReLU, crossEntropy } from '@tessera/layers';
import { Adam } from '@tessera/optim';
import { fit } from '@tessera/train';
// The kernel table is a plain object of functions: a copy with each entry timed.
const base = cpu() as unknown as Record<string, unknown>;
const times = new Map<string, [number, number]>();
const SKIP = new Set(['allocate', 'free', 'memory', 'read', 'readSync', 'write', 'dispose']);
const wrapped: Record<string, unknown> = { ...base };
for (const [k, f] of Object.entries(base)) {
  if (typeof f !== 'function' || SKIP.has(k)) continue;
  wrapped[k] = (...args: { dtype: string; shape: number[] }[]) => {
    const t0 = performance.now();
    const r = (f as (...a: unknown[]) => unknown)(...args);
    const key = k === 'unary' || k === 'binary' || k === 'reduce' ? `${k}:${args[0]}` : k === 'gather' ? `gather:${args[0]!.dtype}[${args[0]!.shape}]` : k === 'transpose' ? `transpose[${args[0]!.shape}]${args[0]!.dtype}` : k;
    const e = times.get(key) ?? [0, 0];
    e[0] += performance.now() - t0; e[1]++;
    times.set(key, e);
    return r;
  };
}
await tc.setBackend(wrapped as unknown as tc.Backend);
const batch = Number(process.env.BATCH ?? 32);
const steps = 32;
const n = batch * steps;
const xs = new Float32Array(n * 784); for (let i = 0; i < xs.length; i++) xs[i] = Math.sin(i * 12.9898) * 0.5;
const x = tc.tensor(xs, [n, 784], { dtype: 'float32' });
const y = tc.tensor(Int32Array.from({ length: n }, (_, i) => (i * 7 + 3) % 10), [n], { dtype: 'int32' });
const model = new Sequential(new Linear({ inFeatures: 784, outFeatures: 128, seed: 1 }), new ReLU(), new Linear({ inFeatures: 128, outFeatures: 64, seed: 2 }), new ReLU(), new Linear({ inFeatures: 64, outFeatures: 10, seed: 3 }));
const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
// 10 epochs of warm-up (JIT, heap), then 20 timed.
const E = 30;
let total = 0;
for (let e = 0; e < E; e++) {
  if (e === 10) { times.clear(); total = 0; }
  const t0 = performance.now();
  await fit(model, { data: { x, y }, epochs: 1, batchSize: batch, optimizer, loss: crossEntropy, seed: e, verbose: 0 });
  total += performance.now() - t0;
}
const stepsTimed = (E - 10) * steps;
let kern = 0;
for (const [, [t]] of times) kern += t;
console.log(`per step: total ${(total / stepsTimed).toFixed(3)} ms, kernels ${(kern / stepsTimed).toFixed(3)} ms (${(100 * kern / total).toFixed(0)}%)`);
for (const [k, [t, c]] of [...times].sort((a, b) => b[1][0] - a[1][0])) console.log(k.padEnd(40), (t / stepsTimed).toFixed(4), 'ms/step', (c / stepsTimed).toFixed(1), 'calls/step');
