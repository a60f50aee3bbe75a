/**
 * The speed gate of CI (`.ci/run`): a handful of ratios, each timed **interleaved** in this one
 * process against a reference (one run of each side in turn, the fastest runs compared), with margins wide
 * enough that load on a shared 2-core machine cannot trip them while a 20x regression fails.
 * Absolute times are never asserted; the ratios are printed, and the process exits non-zero when
 * one is below its floor (measured twice before failing: noise rarely strikes twice).
 *
 *   pnpm gate            # from benchmarks/ (~1 min on 2 cores)
 *
 * Cases (ratio = reference median / Tessera median, so above 1 means Tessera is faster):
 * - Adam step vs SGD step on the same 784x128 parameter, Tessera both: Adam may take at most 3x
 *   the SGD time (it was 13–93x before the fused kernel was fixed; issue 10);
 * - MLP 784-128-64-10 `fit` at batch 32 vs tfjs-wasm `model.fit`: >= 1.0x;
 * - matmul 512 vs tfjs-wasm: >= 0.7x (the issue suggested 0.9x; runs on the loaded session machine
 *   gave 0.91–1.32x, too close to 0.9 for a gate that must not trip on noise; a 20x regression
 *   still fails it);
 * - CNN 8-16 `fit` at batch 32 vs tfjs-cpu `model.fit`: >= 20x.
 * The training cases reuse the benchmark suite's setups, so their first epochs are also
 * cross-checked (per-batch losses from identical initial weights) before any timing.
 */
import os from 'node:os';
import * as tc from '@tessera/tensor-core';
import { flattenOutput, normalArray, relativeError } from './lib/data.js';
import { activate, initFrameworks, type FrameworkId } from './lib/frameworks.js';
import type { Prepared } from './lib/runner.js';
import { tfRun, tf } from './lib/tfjs.js';
import { tesseraSetup, tfjsSetup, trainingData } from './suites/training.js';

/** One side of a ratio: a setup, and the framework to activate before each run. */
interface Side {
  readonly label: string;
  readonly framework: FrameworkId;
  setup(): Prepared | Promise<Prepared>;
}

interface GateCase {
  readonly name: string;
  /** The ratio must be at least this (reference time / Tessera time). */
  readonly floor: number;
  /** How the floor reads in the output. */
  readonly rule: string;
  readonly tessera: Side;
  readonly reference: Side;
  /** Timed runs per side (after one warm-up run each). */
  readonly reps: number;
  /** Outputs compared at this tolerance (relative to max(1, max|ref|)); undefined: not comparable. */
  readonly tolerance?: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function timeOnce(side: Side, p: Prepared): Promise<number> {
  await activate(side.framework);
  const t0 = performance.now();
  await p.run();
  return performance.now() - t0;
}

/**
 * Reference time / Tessera time, both timed in turn; throws when the warm-up outputs differ. The
 * ratio is of the fastest runs: on a shared machine other processes only ever add time, so the
 * minimum is the estimate least moved by them (the medians are printed beside it).
 */
async function measure(c: GateCase): Promise<{ ratio: number; medianRatio: number; tesseraMs: number; referenceMs: number; check: string }> {
  await activate(c.tessera.framework);
  const t = await c.tessera.setup();
  await activate(c.reference.framework);
  const r = await c.reference.setup();
  try {
    await activate(c.tessera.framework);
    const tOut = await t.run();
    await activate(c.reference.framework);
    const rOut = await r.run();
    let check = 'not compared';
    if (c.tolerance !== undefined) {
      const err = relativeError(flattenOutput(rOut), flattenOutput(tOut));
      if (!(err <= c.tolerance)) throw new Error(`${c.name}: outputs differ (relative error ${err}, tolerance ${c.tolerance})`);
      check = `outputs agree (${err.toExponential(1)})`;
    }
    const ts: number[] = [];
    const rs: number[] = [];
    for (let i = 0; i < c.reps; i++) {
      ts.push(await timeOnce(c.tessera, t));
      rs.push(await timeOnce(c.reference, r));
    }
    const tesseraMs = Math.min(...ts);
    const referenceMs = Math.min(...rs);
    return { ratio: referenceMs / tesseraMs, medianRatio: median(rs) / median(ts), tesseraMs, referenceMs, check };
  } finally {
    t.dispose();
    r.dispose();
  }
}

// ---------------------------------------------------------------- cases

/** `steps` optimizer steps on one 784x128 parameter with a fixed gradient. */
function optimizerSide(kind: 'Adam' | 'SGD', steps: number): Side {
  return {
    label: `${kind} step x${steps}`,
    framework: 'tessera',
    setup: async () => {
      const { Adam, SGD } = await import('@tessera/optim');
      const w = tc.variable(tc.tensor(normalArray(784 * 128, 5), [784, 128], { dtype: 'float32' }));
      const g = tc.tensor(normalArray(784 * 128, 6, 0.01), [784, 128], { dtype: 'float32' });
      const opt = kind === 'Adam' ? new Adam([w], { lr: 1e-3 }) : new SGD([w], { lr: 1e-3 });
      const grads = new Map([[w as tc.Tensor, g]]);
      return {
        run: () => {
          for (let i = 0; i < steps; i++) opt.step(grads);
          return undefined;
        },
        dispose: () => {
          opt.dispose();
          tc.dispose([w, g]);
        },
      };
    },
  };
}

function matmulSide(framework: 'tessera' | 'tfjs-wasm', n: number): Side {
  const a = normalArray(n * n, 11 + n);
  const b = normalArray(n * n, 12 + n);
  return {
    label: `matmul ${n}`,
    framework,
    setup: () => {
      if (framework === 'tessera') {
        const [ta, tb] = [tc.tensor(a, [n, n], { dtype: 'float32' }), tc.tensor(b, [n, n], { dtype: 'float32' })];
        return {
          run: async () => {
            const y = tc.matmul(ta, tb);
            try {
              return await y.data();
            } finally {
              y.dispose();
            }
          },
          dispose: () => tc.dispose([ta, tb]),
        };
      }
      const [fa, fb] = [tf.tensor2d(a, [n, n]), tf.tensor2d(b, [n, n])];
      return { run: () => tfRun(() => tf.matMul(fa, fb)), dispose: () => tf.dispose([fa, fb]) };
    },
  };
}

function fitSide(framework: 'tessera' | 'tfjs-wasm' | 'tfjs-cpu', kind: 'mlp' | 'cnn', steps: number): Side {
  const d = trainingData(kind, 32, steps);
  return {
    label: `${kind.toUpperCase()} fit b32 x${steps} steps`,
    framework,
    setup: () => (framework === 'tessera' ? tesseraSetup(d) : tfjsSetup(d)),
  };
}

const CASES: readonly GateCase[] = [
  {
    name: 'Adam step vs SGD step (784x128, Tessera)',
    floor: 1 / 3,
    rule: 'Adam <= 3x SGD',
    tessera: optimizerSide('Adam', 20),
    reference: optimizerSide('SGD', 20),
    reps: 15,
  },
  {
    name: 'MLP 784-128-64-10 fit b32 vs tfjs-wasm model.fit',
    floor: 1.0,
    rule: '>= 1.0x tfjs-wasm',
    tessera: fitSide('tessera', 'mlp', 16),
    reference: fitSide('tfjs-wasm', 'mlp', 16),
    reps: 7,
    tolerance: 1e-3,
  },
  {
    name: 'matmul 512 vs tfjs-wasm',
    floor: 0.7,
    rule: '>= 0.7x tfjs-wasm',
    tessera: matmulSide('tessera', 512),
    reference: matmulSide('tfjs-wasm', 512),
    // The tightest floor (the two are close to even): more runs for a steadier minimum.
    reps: 15,
    tolerance: 1e-3,
  },
  {
    name: 'CNN 8-16 fit b32 vs tfjs-cpu model.fit',
    floor: 20,
    rule: '>= 20x tfjs-cpu',
    tessera: fitSide('tessera', 'cnn', 2),
    reference: fitSide('tfjs-cpu', 'cnn', 2),
    reps: 3,
    tolerance: 1e-3,
  },
];

async function main(): Promise<void> {
  const started = performance.now();
  const infos = await initFrameworks({ ort: false });
  for (const fw of ['tessera', 'tfjs-cpu', 'tfjs-wasm'] as const) {
    if (!infos[fw].ok) throw new Error(`${fw} is unavailable: ${infos[fw].error}`);
  }
  const cpus = os.cpus();
  console.log(`speed gate: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} logical CPUs, Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const failures: string[] = [];
  for (const c of CASES) {
    let m = await measure(c);
    let note = '';
    if (m.ratio < c.floor) {
      // A second measurement before failing: a burst of load rarely hits the same case twice.
      const again = await measure(c);
      note = ` (first try ${m.ratio.toFixed(2)}x, measured again)`;
      if (again.ratio > m.ratio) m = again;
    }
    const ok = m.ratio >= c.floor;
    const ratio = c.floor < 1 && c.rule.includes('<=') ? `Tessera ${(1 / m.ratio).toFixed(2)}x the reference time` : `${m.ratio.toFixed(2)}x`;
    console.log(
      `  ${ok ? 'ok  ' : 'FAIL'} ${c.name}: ${ratio} [${c.rule}]  (fastest ${m.tesseraMs.toFixed(2)} / ${m.referenceMs.toFixed(2)} ms, ratio of medians ${m.medianRatio.toFixed(2)}x; ${m.check})${note}`,
    );
    if (!ok) failures.push(c.name);
  }
  console.log(`speed gate: ${failures.length === 0 ? 'passed' : `FAILED (${failures.join('; ')})`} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  process.exitCode = failures.length === 0 ? 0 : 1;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
