/**
 * WebGPU: the CPU suites' cases (matmul 128–1024, the two conv2d cases, elementwise, sum
 * reductions, MLP forward and forward+backward) on Tessera's WebGPU backend beside
 * `@tensorflow/tfjs-backend-webgpu`, in the same process on the same Dawn instance, plus
 * dispatches and submits per Adam training step of an MLP and a small CNN.
 *
 * The suite times its own two contenders (the CPU runner's columns are fixed), so the CPU table
 * printed above its tables is empty; its results also go to `results/webgpu-latest.json` (or
 * `$TESSERA_WEBGPU_BENCH_JSON`).
 *
 * On a software adapter (SwiftShader, what CI has) times mean nothing: only the dispatch and
 * submit counts, and at most the ratios to tfjs-webgpu on the same adapter. Real numbers come
 * from `benchmarks/gpu/run-on-gpu.sh` on a GPU machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tc from '@tessera/tensor-core';
import type { Tensor, Variable } from '@tessera/tensor-core';
import { backward, noGrad, valueAndGrad } from '@tessera/autograd';
import { Adam } from '@tessera/optim';
import { nchwToNhwc, nhwcToNchw, normalArray, oihwToHwio, permuteArray } from '../lib/data.js';
import type { Setup } from '../lib/runner.js';
import type { Suite } from '../lib/suite.js';
import { fmtMs, fmtNum, fmtRatio, renderTable } from '../lib/table.js';
import { tf } from '../lib/tfjs.js';
import { DEFAULT_TIMER, QUICK_TIMER } from '../lib/timer.js';
import { startWebGpuContenders, type WebGpuContenders } from '../lib/webgpu-contenders.js';
import { runWebGpuCase, type WebGpuCaseDef, type WebGpuCaseResult } from '../lib/webgpu-runner.js';

const MI = 1024 * 1024;

// ---------------------------------------------------------------- helpers

const tensorOf = (values: Float32Array, shape: readonly number[]): Tensor => tc.tensor(values, shape, { dtype: 'float32' });

async function readTessera(make: () => Tensor): Promise<ArrayLike<number>> {
  const y = tc.tidy(make);
  try {
    return (await y.data()) as ArrayLike<number>;
  } finally {
    y.dispose();
  }
}

async function readTfjs(make: () => tf.Tensor): Promise<ArrayLike<number>> {
  const y = tf.tidy(make);
  try {
    return await y.data();
  } finally {
    y.dispose();
  }
}

/** A case whose Tessera and tfjs runs are one expression each over shared inputs. */
function opCase(
  id: string,
  label: string,
  inputs: { data: Float32Array; shape: number[]; tfShape?: number[]; tfData?: Float32Array }[],
  tessera: (...xs: Tensor[]) => Tensor,
  tfjs: (...xs: tf.Tensor[]) => tf.Tensor,
  extra: { flops?: number; tolerance?: number; canonical?: (out: unknown) => unknown } = {},
): WebGpuCaseDef {
  return {
    id,
    label,
    ...(extra.flops !== undefined ? { flops: extra.flops } : {}),
    ...(extra.tolerance !== undefined ? { tolerance: extra.tolerance } : {}),
    setups: {
      'tessera-webgpu': () => {
        const xs = inputs.map((i) => tensorOf(i.data, i.shape));
        return { run: () => readTessera(() => tessera(...xs)), dispose: () => tc.dispose(xs) };
      },
      'tfjs-webgpu': () => {
        const xs = inputs.map((i) => tf.tensor(i.tfData ?? i.data, i.tfShape ?? i.shape, 'float32'));
        return {
          run: () => readTfjs(() => tfjs(...xs)),
          ...(extra.canonical ? { canonical: extra.canonical } : {}),
          dispose: () => tf.dispose(xs),
        };
      },
    },
  };
}

// ---------------------------------------------------------------- op cases (as the CPU suites)

function matmulCase(n: number): WebGpuCaseDef {
  return opCase(
    `matmul/${n}`,
    `matmul ${n}x${n} · ${n}x${n}`,
    [{ data: normalArray(n * n, 11 + n), shape: [n, n] }, { data: normalArray(n * n, 12 + n), shape: [n, n] }],
    (a, b) => tc.matmul(a!, b!),
    (a, b) => tf.matMul(a!, b!),
    { flops: 2 * n * n * n },
  );
}

function convCase(n: number, c: number, h: number, w: number, o: number, k: number): WebGpuCaseDef {
  const x = normalArray(n * c * h * w, 21 + c);
  const wt = normalArray(o * c * k * k, 22 + c, Math.sqrt(2 / (c * k * k)));
  return opCase(
    `conv/${h}x${w}x${c}-${o}`,
    `conv2d ${n}x${h}x${w}x${c} → ${o}, ${k}x${k}`,
    [
      { data: x, shape: [n, c, h, w], tfData: nchwToNhwc(x, [n, c, h, w]), tfShape: [n, h, w, c] },
      { data: wt, shape: [o, c, k, k], tfData: oihwToHwio(wt, [o, c, k, k]), tfShape: [k, k, c, o] },
    ],
    (a, b) => tc.conv2d(a!, b!, { stride: 1, padding: (k - 1) / 2 }),
    (a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'),
    { flops: 2 * n * o * h * w * c * k * k, canonical: (out) => nhwcToNchw(out as Float32Array, [n, h, w, o]) },
  );
}

function addMulCase(n: number): WebGpuCaseDef {
  const [a, b, c] = [31, 32, 33].map((s) => normalArray(n, s + n));
  return opCase(
    `addmul/${n}`,
    `(a+b)*c, ${n / MI}M float32`,
    [a!, b!, c!].map((d) => ({ data: d, shape: [n] })),
    (x, y, z) => x!.add(y!).mul(z!),
    (x, y, z) => tf.mul(tf.add(x!, y!), z!),
  );
}

function biasAddCase(rows: number, cols: number): WebGpuCaseDef {
  return opCase(
    `biasadd/${rows}x${cols}`,
    `x[${rows},${cols}] + b[${cols}] (broadcast)`,
    [{ data: normalArray(rows * cols, 34), shape: [rows, cols] }, { data: normalArray(cols, 35), shape: [cols] }],
    (x, b) => x!.add(b!),
    (x, b) => tf.add(x!, b!),
  );
}

function sumCase(label: string, id: string, shape: number[], axis: number | undefined): WebGpuCaseDef {
  const size = shape.reduce((a, b) => a * b, 1);
  return opCase(id, label, [{ data: normalArray(size, 41 + shape.length), shape }], (x) => tc.sum(x!, axis), (x) => tf.sum(x!, axis), {
    tolerance: axis === undefined ? 1e-2 : 1e-3,
  });
}

// ---------------------------------------------------------------- models

const MLP_SIZES = [784, 128, 64, 10] as const;

interface ModelData {
  readonly name: string;
  readonly batch: number;
  /** Input in Tessera's layout and in tfjs's (NHWC for the CNN). */
  readonly x: { data: Float32Array; shape: number[]; tfData: Float32Array; tfShape: number[] };
  readonly y: Float32Array;
  readonly classes: number;
  readonly params: { shape: number[]; data: Float32Array; tfShape: number[]; tfData: Float32Array }[];
  /** Forward pass to logits. */
  tessera(x: Tensor, p: readonly Tensor[]): Tensor;
  tfjs(x: tf.Tensor, p: readonly tf.Tensor[]): tf.Tensor;
  /** Multiply-adds of one forward pass (FLOPs = 2·this). */
  readonly macs: number;
}

function oneHot(batch: number, classes: number): Float32Array {
  const y = new Float32Array(batch * classes);
  for (let i = 0; i < batch; i++) y[i * classes + ((i * 7 + 3) % classes)] = 1;
  return y;
}

function mlpData(batch: number): ModelData {
  const x = normalArray(batch * MLP_SIZES[0], 51);
  const params: ModelData['params'] = [];
  for (let l = 0; l < 3; l++) {
    const [fanIn, fanOut] = [MLP_SIZES[l]!, MLP_SIZES[l + 1]!];
    const w = normalArray(fanIn * fanOut, 60 + l, Math.sqrt(2 / fanIn));
    const b = normalArray(fanOut, 70 + l, 0.01);
    params.push({ shape: [fanIn, fanOut], data: w, tfShape: [fanIn, fanOut], tfData: w }, { shape: [fanOut], data: b, tfShape: [fanOut], tfData: b });
  }
  return {
    name: `MLP 784-128-64-10 b${batch}`,
    batch,
    x: { data: x, shape: [batch, 784], tfData: x, tfShape: [batch, 784] },
    y: oneHot(batch, 10),
    classes: 10,
    params,
    tessera: (x, p) => {
      const [W1, b1, W2, b2, W3, b3] = p as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
      const h1 = tc.matmul(x, W1).add(b1).relu();
      const h2 = tc.matmul(h1, W2).add(b2).relu();
      return tc.matmul(h2, W3).add(b3);
    },
    tfjs: (x, p) => {
      const [W1, b1, W2, b2, W3, b3] = p;
      const h1 = tf.relu(tf.add(tf.matMul(x, W1!), b1!));
      const h2 = tf.relu(tf.add(tf.matMul(h1, W2!), b2!));
      return tf.add(tf.matMul(h2, W3!), b3!);
    },
    macs: batch * (784 * 128 + 128 * 64 + 64 * 10),
  };
}

/** conv 3x3x8, relu, maxpool 2, conv 3x3x16, relu, maxpool 2, dense 10, on 28x28x1 images. */
function cnnData(batch: number): ModelData {
  const [H, W] = [28, 28];
  const x = normalArray(batch * H * W, 81);
  const conv = (o: number, c: number, seed: number) => {
    const w = normalArray(o * c * 9, seed, Math.sqrt(2 / (c * 9)));
    return { shape: [o, c, 3, 3], data: w, tfShape: [3, 3, c, o], tfData: oihwToHwio(w, [o, c, 3, 3]) };
  };
  const bias = (n: number, seed: number) => {
    const b = normalArray(n, seed, 0.01);
    return { shape: [n], data: b, tfShape: [n], tfData: b };
  };
  // Dense weights in Tessera's flatten order (c, h, w); tfjs flattens NHWC as (h, w, c).
  const flat = 16 * 7 * 7;
  const dense = normalArray(flat * 10, 85, Math.sqrt(2 / flat));
  const denseTf = permuteArray(dense, [16, 7, 7, 10], [1, 2, 0, 3]);
  return {
    name: `CNN 28x28x1 c8-c16-d10 b${batch}`,
    batch,
    x: { data: x, shape: [batch, 1, H, W], tfData: x, tfShape: [batch, H, W, 1] },
    y: oneHot(batch, 10),
    classes: 10,
    params: [conv(8, 1, 82), bias(8, 83), conv(16, 8, 84), bias(16, 86), { shape: [flat, 10], data: dense, tfShape: [flat, 10], tfData: denseTf }, bias(10, 87)],
    tessera: (x, p) => {
      const [w1, b1, w2, b2, w3, b3] = p as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
      let h = tc.maxPool2d(tc.conv2d(x, w1, { padding: 1, bias: b1 }).relu(), { kernelSize: 2 });
      h = tc.maxPool2d(tc.conv2d(h, w2, { padding: 1, bias: b2 }).relu(), { kernelSize: 2 });
      return tc.matmul(h.reshape([x.shape[0]!, flat]), w3).add(b3);
    },
    tfjs: (x, p) => {
      const [w1, b1, w2, b2, w3, b3] = p;
      let h = tf.maxPool(tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'), b1!)) as tf.Tensor4D, 2, 2, 'valid');
      h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h, w2 as tf.Tensor4D, 1, 'same'), b2!)) as tf.Tensor4D, 2, 2, 'valid');
      return tf.add(tf.matMul(tf.reshape(h, [x.shape[0]!, flat]), w3!), b3!);
    },
    macs: batch * (28 * 28 * 8 * 9 + 14 * 14 * 16 * 8 * 9 + flat * 10),
  };
}

/** The same loss formula in both: mean(logSumExp(logits, 1) - sum(logits * y, 1)). */
const tesseraLoss = (logits: Tensor, y: Tensor): Tensor => tc.mean(tc.logSumExp(logits, 1).sub(tc.sum(logits.mul(y), 1)));
const tfjsLoss = (logits: tf.Tensor, y: tf.Tensor): tf.Scalar => tf.mean(tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, y), 1))) as tf.Scalar;

/** Forward only, and forward + backward (loss and every gradient read back), as the CPU `mlp` suite. */
function modelCases(d: ModelData): WebGpuCaseDef[] {
  const tesseraInputs = () => ({
    x: tensorOf(d.x.data, d.x.shape),
    y: tensorOf(d.y, [d.batch, d.classes]),
    params: d.params.map((p) => tensorOf(p.data, p.shape)),
  });
  const tfjsInputs = () => ({
    x: tf.tensor(d.x.tfData, d.x.tfShape, 'float32'),
    y: tf.tensor(d.y, [d.batch, d.classes], 'float32'),
    // tidy frees the initial values (a variable keeps its own reference to the data).
    vars: d.params.map((p) => tf.tidy(() => tf.variable(tf.tensor(p.tfData, p.tfShape, 'float32')))),
  });
  const fwd: Record<'tessera-webgpu' | 'tfjs-webgpu', Setup> = {
    'tessera-webgpu': () => {
      const { x, y, params } = tesseraInputs();
      return { run: () => readTessera(() => noGrad(() => tesseraLoss(d.tessera(x, params), y))), dispose: () => tc.dispose([x, y, ...params]) };
    },
    'tfjs-webgpu': () => {
      const { x, y, vars } = tfjsInputs();
      return { run: () => readTfjs(() => tfjsLoss(d.tfjs(x, vars), y)), dispose: () => tf.dispose([x, y, ...vars]) };
    },
  };
  const fwdBwd: Record<'tessera-webgpu' | 'tfjs-webgpu', Setup> = {
    'tessera-webgpu': () => {
      const { x, y, params } = tesseraInputs();
      const f = (...p: Tensor[]): Tensor => tesseraLoss(d.tessera(x, p), y);
      return {
        run: async () => {
          const outs = tc.tidy(() => {
            const { value, grads } = valueAndGrad(f)(...params);
            return [value, ...grads];
          });
          try {
            return await Promise.all(outs.map((t) => t.data()));
          } finally {
            tc.dispose(outs);
          }
        },
        dispose: () => tc.dispose([x, y, ...params]),
      };
    },
    'tfjs-webgpu': () => {
      const { x, y, vars } = tfjsInputs();
      return {
        run: async () => {
          const outs = tf.tidy(() => {
            const { value, grads } = tf.variableGrads(() => tfjsLoss(d.tfjs(x, vars), y), vars);
            return [value, ...vars.map((v) => grads[v.name]!)];
          });
          try {
            return await Promise.all(outs.map((t) => t.data()));
          } finally {
            tf.dispose(outs);
          }
        },
        // Gradients in Tessera's layout for the cross-check (conv filters HWIO → OIHW, dense rows).
        canonical: (out) => (out as Float32Array[]).map((g, i) => (i === 0 ? g : toTesseraLayout(d, i - 1, g))),
        dispose: () => tf.dispose([x, y, ...vars]),
      };
    },
  };
  return [
    { id: `${d.name}/fwd`, label: `${d.name} forward`, flops: 2 * d.macs, setups: fwd },
    { id: `${d.name}/fwdbwd`, label: `${d.name} fwd+bwd`, flops: 6 * d.macs, tolerance: 2e-3, setups: fwdBwd },
  ];
}

/** A tfjs parameter (or gradient) converted to Tessera's layout. */
function toTesseraLayout(d: ModelData, i: number, g: Float32Array): Float32Array {
  const p = d.params[i]!;
  if (p.shape.length === 4) return permuteArray(g, p.tfShape, [3, 2, 0, 1]); // HWIO → OIHW
  if (p.data !== p.tfData) return permuteArray(g, [7, 7, 16, 10], [2, 0, 1, 3]); // (h,w,c) rows → (c,h,w)
  return g;
}

/** One Adam training step (lr 1e-3) per run, the loss read back. */
interface Trainer {
  step(): Promise<number>;
  /** A step without reading anything (for the per-step dispatch count). */
  stepNoRead(): void;
  dispose(): void;
}

function tesseraTrainer(d: ModelData): Trainer {
  const x = tensorOf(d.x.data, d.x.shape);
  const y = tensorOf(d.y, [d.batch, d.classes]);
  const vars: Variable[] = d.params.map((p) => {
    const t = tensorOf(p.data, p.shape);
    const v = tc.variable(t);
    t.dispose();
    return v;
  });
  const opt = new Adam(vars, { lr: 1e-3 });
  const once = (): Tensor =>
    tc.tidy(() => {
      const loss = tesseraLoss(d.tessera(x, vars), y);
      opt.step(backward(loss, { wrt: vars }));
      return loss;
    });
  return {
    step: async () => {
      const loss = once();
      try {
        return (await loss.item()) as number;
      } finally {
        loss.dispose();
      }
    },
    stepNoRead: () => once().dispose(),
    dispose: () => {
      opt.dispose();
      tc.dispose([x, y, ...vars]);
    },
  };
}

function tfjsTrainer(d: ModelData): Trainer {
  const x = tf.tensor(d.x.tfData, d.x.tfShape, 'float32');
  const y = tf.tensor(d.y, [d.batch, d.classes], 'float32');
  const vars = d.params.map((p) => tf.tidy(() => tf.variable(tf.tensor(p.tfData, p.tfShape, 'float32'))));
  const opt = tf.train.adam(1e-3);
  const once = (): tf.Scalar => opt.minimize(() => tfjsLoss(d.tfjs(x, vars), y), true, vars)!;
  return {
    step: async () => {
      const loss = once();
      try {
        return (await loss.data())[0]!;
      } finally {
        loss.dispose();
      }
    },
    stepNoRead: () => once().dispose(),
    dispose: () => {
      opt.dispose();
      tf.dispose([x, y, ...vars]);
    },
  };
}

function trainCase(d: ModelData): WebGpuCaseDef {
  const setup = (make: (d: ModelData) => Trainer): Setup => () => {
    const t = make(d);
    return { run: () => t.step(), dispose: () => t.dispose() };
  };
  // The first warm-up run is step 1 from the same weights in both: its losses are compared.
  return {
    id: `${d.name}/train`,
    label: `${d.name} Adam step`,
    flops: 6 * d.macs,
    tolerance: 1e-4,
    setups: { 'tessera-webgpu': setup(tesseraTrainer), 'tfjs-webgpu': setup(tfjsTrainer) },
  };
}

/** Dispatches and submits per training step: `steps` steps without reads, then one read. */
interface StepFigures {
  readonly model: string;
  readonly contender: string;
  readonly dispatches?: number;
  readonly submits?: number;
  readonly error?: string;
}

async function stepFigures(d: ModelData, contenders: WebGpuContenders, steps: number): Promise<StepFigures[]> {
  const out: StepFigures[] = [];
  const entries = [
    ['Tessera WebGPU', contenders.tessera !== undefined, tesseraTrainer, () => contenders.tesseraCounters()],
    ['tfjs-webgpu', contenders.tfjsOk, tfjsTrainer, () => contenders.tfjsCounters()],
  ] as const;
  for (const [name, ok, make, counters] of entries) {
    if (!ok) continue;
    let t: Trainer | undefined;
    try {
      t = make(d);
      await t.step(); // warm-up: pipelines, optimizer state
      const c0 = counters();
      for (let i = 0; i < steps; i++) t.stepNoRead();
      const c1 = counters();
      await t.step(); // drain
      out.push({ model: d.name, contender: name, dispatches: (c1.dispatches - c0.dispatches) / steps, submits: (c1.submits - c0.submits) / steps });
    } catch (e) {
      out.push({ model: d.name, contender: name, error: e instanceof Error ? e.message.split('\n')[0]! : String(e) });
    } finally {
      t?.dispose();
    }
  }
  return out;
}

// ---------------------------------------------------------------- suite

let report: string | undefined;

function opsTable(results: readonly WebGpuCaseResult[]): string {
  const cell = (r: WebGpuCaseResult, c: 'tessera-webgpu' | 'tfjs-webgpu'): string => {
    const x = r.cells[c];
    if (!x) return '—';
    return x.error ? 'ERROR' : fmtMs(x.medianMs);
  };
  const pair = (r: WebGpuCaseResult, f: (x: NonNullable<WebGpuCaseResult['cells']['tessera-webgpu']>) => string): string =>
    [r.cells['tessera-webgpu'], r.cells['tfjs-webgpu']].map((x) => (x && !x.error ? f(x) : '—')).join(' / ');
  return renderTable(
    [
      { title: 'benchmark', align: 'left' },
      { title: 'Tessera ms' },
      { title: 'tfjs-webgpu ms' },
      { title: 'Tessera vs tfjs-webgpu' },
      { title: 'GFLOP/s T / tf' },
      { title: 'dispatches T / tf' },
      { title: 'submits T / tf' },
      { title: 'check', align: 'left' },
      { title: 'memory', align: 'left' },
    ],
    results.map((r) => {
      const t = r.cells['tessera-webgpu']?.medianMs;
      const o = r.cells['tfjs-webgpu']?.medianMs;
      const grows = Object.entries(r.cells).filter(([, x]) => x?.memDeltaTensors !== undefined && x.memDeltaTensors !== 0);
      return [
        r.label,
        cell(r, 'tessera-webgpu'),
        cell(r, 'tfjs-webgpu'),
        fmtRatio(t !== undefined && o !== undefined ? o / t : undefined),
        r.flops !== undefined ? pair(r, (x) => fmtNum(x.gflops, x.gflops !== undefined && x.gflops < 10 ? 2 : 1)) : '—',
        pair(r, (x) => String(x.dispatches ?? '—')),
        pair(r, (x) => String(x.submits ?? '—')),
        r.relError === undefined ? '—' : r.relError <= r.tolerance ? 'ok' : `DIFF ${r.relError.toExponential(1)}`,
        grows.length ? `GROWS ${grows.map(([c, x]) => `${c} ${x!.memDeltaTensors}t`).join(', ')}` : 'flat',
      ];
    }),
  );
}

function stepsTable(figures: readonly StepFigures[]): string {
  return renderTable(
    [{ title: 'model (Adam step)', align: 'left' }, { title: 'framework', align: 'left' }, { title: 'dispatches/step' }, { title: 'submits/step' }],
    figures.map((f) => [f.model, f.contender, f.error ? `ERROR ${f.error}` : fmtNum(f.dispatches, 1), f.error ? '' : fmtNum(f.submits, 2)]),
  );
}

async function runSuite(requestedQuick: boolean): Promise<void> {
  const lines: string[] = [];
  let contenders: WebGpuContenders;
  try {
    contenders = await startWebGpuContenders();
  } catch (e) {
    report = `  WebGPU unavailable, suite skipped: ${e instanceof Error ? e.message : String(e)}`;
    return;
  }
  // On a software adapter times carry no information and the big cases take minutes: run the
  // quick list (the dispatch counts are the same) unless TESSERA_WEBGPU_BENCH_FULL=1.
  const quick = requestedQuick || (contenders.software && process.env['TESSERA_WEBGPU_BENCH_FULL'] !== '1');
  const timer = quick ? QUICK_TIMER : DEFAULT_TIMER;
  const stepsCounted = contenders.software ? 3 : 10;
  lines.push(`adapter: ${contenders.adapter}${quick && !requestedQuick ? ' (software adapter: quick case list; TESSERA_WEBGPU_BENCH_FULL=1 for all)' : ''}`);
  lines.push(`  Tessera WebGPU: ${contenders.tessera ? 'ok' : `UNAVAILABLE: ${contenders.tesseraError}`}; tfjs-webgpu ${tf.version_core}: ${contenders.tfjsOk ? 'ok' : `UNAVAILABLE: ${contenders.tfjsError}`}`);
  if (contenders.software) {
    lines.push('  !! Software adapter (SwiftShader): the times below mean nothing about GPU speed. Only the dispatch and submit');
    lines.push('  !! counts, and at most the ratios to tfjs-webgpu on the same adapter, carry information. Run benchmarks/gpu/run-on-gpu.sh on a GPU.');
  }
  const cases: WebGpuCaseDef[] = [
    ...(quick ? [128, 256, 512] : [128, 256, 512, 1024]).map(matmulCase),
    // The large products only on a hardware adapter: on SwiftShader one 4096 product takes minutes.
    ...(quick || contenders.software ? [] : [2048, 4096].map(matmulCase)),
    ...(quick || contenders.software ? [] : [convCase(32, 64, 56, 56, 64, 3)]),
    convCase(32, 1, 28, 28, 32, 3),
    convCase(32, 16, 32, 32, 32, 3),
    addMulCase(MI),
    ...(quick ? [] : [addMulCase(4 * MI)]),
    biasAddCase(1024, 1024),
    sumCase('sum axis 1 of [1024,1024]', 'sum/1024x1024/axis1', [1024, 1024], 1),
    sumCase('sum axis 0 of [1024,1024]', 'sum/1024x1024/axis0', [1024, 1024], 0),
    ...(quick ? [] : [sumCase('sum all of [4M]', 'sum/4M/all', [4 * MI], undefined)]),
    ...(quick ? [32] : [32, 128]).flatMap((b) => modelCases(mlpData(b))),
    trainCase(mlpData(32)),
    trainCase(cnnData(32)),
  ];
  const results: WebGpuCaseResult[] = [];
  let figures: StepFigures[] = [];
  try {
    await contenders.activate();
    for (const def of cases) {
      results.push(await runWebGpuCase(def, contenders, timer));
      process.stdout.write('.');
    }
    figures = [...(await stepFigures(mlpData(32), contenders, stepsCounted)), ...(await stepFigures(cnnData(32), contenders, stepsCounted))];
  } finally {
    await contenders.close();
  }
  process.stdout.write('\n');
  lines.push('');
  lines.push(opsTable(results));
  lines.push('  * Each run includes reading the result back (await data()) and disposing what it made; ratio = tfjs-webgpu median / Tessera median.');
  lines.push('  * dispatches / submits: compute dispatches and queue submits of one warm run (the read back adds one submit).');
  lines.push('  * Layouts: Tessera NCHW + OIHW, tfjs NHWC + HWIO (its native layout); outputs and gradients compared in Tessera\'s layout.');
  lines.push('  * Adam step rows: forward, backward and the Adam update (Tessera: @tessera/optim Adam; tfjs: tf.train.adam), loss read back;');
  lines.push('    "check" compares the first step\'s loss (the same weights in both).');
  lines.push('  * tfjs-webgpu may run ops on small CPU-resident tensors on its CPU backend (WEBGPU_CPU_FORWARD); those make no dispatch.');
  lines.push('');
  lines.push(`Dispatches and submits per Adam training step (${stepsCounted} steps without reads, batch 32):`);
  lines.push(stepsTable(figures));
  const errors = results.flatMap((r) => Object.entries(r.cells).filter(([, x]) => x?.error).map(([c, x]) => `  ! ${r.label} [${c}]: ${x!.error}`));
  lines.push(...errors);
  report = lines.join('\n');

  const here = path.dirname(fileURLToPath(import.meta.url));
  const out = process.env['TESSERA_WEBGPU_BENCH_JSON'] ?? path.join(here, '..', 'results', 'webgpu-latest.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(
    out,
    JSON.stringify({ date: new Date().toISOString(), quick, adapter: contenders.adapter, software: contenders.software, timer, results, trainingSteps: figures }, null, 2) + '\n',
  );
  writeFileSync(out.replace(/\.json$/, '') + '.txt', report + '\n');
}

export const webgpuSuite: Suite = {
  name: 'webgpu',
  title: 'WebGPU: Tessera backend-webgpu vs tfjs-backend-webgpu (same process, same Dawn instance)',
  notes: [
    'This suite times its own two contenders, so the CPU table above is empty; its tables follow.',
    'Also written to benchmarks/results/webgpu-latest.json (or $TESSERA_WEBGPU_BENCH_JSON) and .txt.',
  ],
  cases: async ({ quick }) => {
    await runSuite(quick);
    return [];
  },
  summary: () => report,
};
