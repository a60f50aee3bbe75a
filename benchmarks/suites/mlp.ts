/**
 * One MLP training step, 784-128-64-10 (ReLU), mean softmax cross-entropy against one-hot labels:
 * the forward pass alone, and forward + backward (the loss and the gradients of all six
 * parameters, read back). No optimizer update: both frameworks would do the same small axpy.
 *
 * Tessera uses `@tessera/autograd`; TensorFlow.js uses `tf.variableGrads`. The loss is written
 * with the same composite formula in both, `mean(logSumExp(logits, 1) - sum(logits * y, 1))`,
 * so both differentiate the same graph.
 */
import * as tc from '@tessera/tensor-core';
import type { Tensor } from '@tessera/tensor-core';
import { normalArray } from '../lib/data.js';
import type { FrameworkId } from '../lib/frameworks.js';
import type { CaseDef, CaseResult, Setup } from '../lib/runner.js';
import type { Suite } from '../lib/suite.js';
import { tesseraOp, tesseraTensor } from '../lib/tessera.js';
import { tf } from '../lib/tfjs.js';
import { fmtMs, fmtNum, renderTable } from '../lib/table.js';

const SIZES = [784, 128, 64, 10] as const;
const PARAM_NAMES = ['W1', 'b1', 'W2', 'b2', 'W3', 'b3'] as const;

interface MlpData {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly params: { name: string; shape: number[]; data: Float32Array }[];
}

function mlpData(batch: number): MlpData {
  const x = normalArray(batch * SIZES[0], 51);
  const y = new Float32Array(batch * SIZES[3]);
  for (let i = 0; i < batch; i++) y[i * SIZES[3] + ((i * 7 + 3) % SIZES[3])] = 1;
  const params: MlpData['params'] = [];
  for (let l = 0; l < 3; l++) {
    const fanIn = SIZES[l]!;
    const fanOut = SIZES[l + 1]!;
    params.push({ name: `W${l + 1}`, shape: [fanIn, fanOut], data: normalArray(fanIn * fanOut, 60 + l, Math.sqrt(2 / fanIn)) });
    params.push({ name: `b${l + 1}`, shape: [fanOut], data: normalArray(fanOut, 70 + l, 0.01) });
  }
  return { x, y, params };
}

// ---------------------------------------------------------------- Tessera

type Matmul = typeof tc.matmul;

function tesseraLoss(matmul: Matmul, x: Tensor, y: Tensor, p: readonly Tensor[]): Tensor {
  const [W1, b1, W2, b2, W3, b3] = p as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
  const h1 = matmul(x, W1).add(b1).relu();
  const h2 = matmul(h1, W2).add(b2).relu();
  const logits = matmul(h2, W3).add(b3);
  return tc.mean(tc.logSumExp(logits, 1).sub(tc.sum(logits.mul(y), 1)));
}

/** The autograd entry points this suite can use, whichever the package ends up exporting. */
interface AutogradApi {
  /** Loss and gradients of `f` with respect to `params`, in order. */
  lossAndGrads(f: (...params: Tensor[]) => Tensor, params: readonly Tensor[]): { value: Tensor; grads: Tensor[] };
  /** Runs `fn` without recording (forward-only timing). */
  noGrad<T>(fn: () => T): T;
  readonly description: string;
}

function toArray(grads: unknown, params: readonly Tensor[]): Tensor[] {
  if (Array.isArray(grads)) return grads as Tensor[];
  if (grads instanceof Map) return params.map((p) => grads.get(p) as Tensor);
  if (grads instanceof tc.Tensor) return [grads];
  throw new Error(`unrecognised gradient container: ${Object.prototype.toString.call(grads)}`);
}

async function loadAutograd(): Promise<AutogradApi> {
  const ag = (await import('@tessera/autograd')) as Record<string, unknown>;
  const noGrad = typeof ag.noGrad === 'function' ? (ag.noGrad as <T>(fn: () => T) => T) : <T>(fn: () => T) => fn();
  if (typeof ag.valueAndGrad === 'function') {
    const valueAndGrad = ag.valueAndGrad as (f: (...a: Tensor[]) => Tensor) => (...a: Tensor[]) => { value: Tensor; grads: unknown };
    return {
      description: 'valueAndGrad(fn)(...params)',
      noGrad,
      lossAndGrads: (f, params) => {
        const { value, grads } = valueAndGrad(f)(...params);
        return { value, grads: toArray(grads, params) };
      },
    };
  }
  if (typeof ag.backward === 'function') {
    const backward = ag.backward as (loss: Tensor) => Map<Tensor, Tensor>;
    return {
      description: 'backward(loss)',
      noGrad,
      lossAndGrads: (f, params) => {
        for (const p of params) p.requiresGrad = true;
        const value = f(...params);
        return { value, grads: toArray(backward(value), params) };
      },
    };
  }
  throw new Error('@tessera/autograd exports neither valueAndGrad nor backward');
}

function tesseraSetups(d: MlpData, autograd: AutogradApi | undefined): { fwd: Setup; fwdBwd?: Setup } {
  const make = () => {
    const matmul = tesseraOp<Matmul>('matmul');
    const x = tesseraTensor(d.x, [d.x.length / SIZES[0], SIZES[0]]);
    const y = tesseraTensor(d.y, [d.y.length / SIZES[3], SIZES[3]]);
    const params = d.params.map((p) => tesseraTensor(p.data, p.shape));
    const dispose = () => tc.dispose([x, y, ...params]);
    return { matmul, x, y, params, dispose };
  };
  const fwd: Setup = () => {
    const { matmul, x, y, params, dispose } = make();
    const noGrad = autograd?.noGrad ?? (<T>(fn: () => T) => fn());
    return {
      run: async () => {
        const loss = noGrad(() => tc.tidy(() => tesseraLoss(matmul, x, y, params)));
        try {
          return await loss.data();
        } finally {
          loss.dispose();
        }
      },
      dispose,
    };
  };
  if (!autograd) return { fwd };
  const fwdBwd: Setup = () => {
    const { matmul, x, y, params, dispose } = make();
    const f = (...p: Tensor[]) => tesseraLoss(matmul, x, y, p);
    return {
      run: async () => {
        const outs = tc.tidy(() => {
          const { value, grads } = autograd.lossAndGrads(f, params);
          return [value, ...grads];
        });
        try {
          const read: ArrayLike<number>[] = [];
          for (const t of outs) read.push(await t.data());
          return read;
        } finally {
          tc.dispose(outs);
        }
      },
      dispose,
    };
  };
  return { fwd, fwdBwd };
}

// ---------------------------------------------------------------- TensorFlow.js

let nextVar = 0;

function tfjsSetups(d: MlpData): { fwd: Setup; fwdBwd: Setup } {
  const make = () => {
    const batch = d.x.length / SIZES[0];
    const x = tf.tensor2d(d.x, [batch, SIZES[0]]);
    const y = tf.tensor2d(d.y, [batch, SIZES[3]]);
    // tidy frees the initial values (a variable keeps its own reference to the data).
    const vars = d.params.map((p, i) =>
      tf.tidy(() => tf.variable(tf.tensor(p.data, p.shape), true, `mlp_${batch}_${p.name}_${i}_${tf.getBackend()}_${nextVar++}`)),
    );
    const loss = () => {
      const [W1, b1, W2, b2, W3, b3] = vars as [tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable];
      const h1 = tf.relu(tf.add(tf.matMul(x, W1), b1));
      const h2 = tf.relu(tf.add(tf.matMul(h1, W2), b2));
      const logits = tf.add(tf.matMul(h2, W3), b3);
      return tf.mean(tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, y), 1))) as tf.Scalar;
    };
    const dispose = () => tf.dispose([x, y, ...vars]);
    return { vars, loss, dispose };
  };
  return {
    fwd: () => {
      const { loss, dispose } = make();
      return {
        run: () => {
          const l = tf.tidy(loss);
          try {
            return l.dataSync();
          } finally {
            l.dispose();
          }
        },
        dispose,
      };
    },
    fwdBwd: () => {
      const { vars, loss, dispose } = make();
      return {
        run: () => {
          // The tensors leave tidy and are read outside it, as Tessera's are: returning the
          // read-back arrays from tidy would make tfjs scan ~110k numbers for tensors (issue 10).
          const outs = tf.tidy(() => {
            const { value, grads } = tf.variableGrads(loss, vars);
            return [value, ...vars.map((v) => grads[v.name]!)];
          });
          try {
            return outs.map((t) => t.dataSync() as Float32Array);
          } finally {
            tf.dispose(outs);
          }
        },
        dispose,
      };
    },
  };
}

// ---------------------------------------------------------------- suite

async function mlpCases(batches: readonly number[]): Promise<CaseDef[]> {
  let autograd: AutogradApi | undefined;
  let reason: string | undefined;
  try {
    autograd = await loadAutograd();
  } catch (e) {
    reason = `@tessera/autograd not usable: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
    console.log(`  [mlp] Tessera forward+backward skipped — ${reason}`);
  }
  const cases: CaseDef[] = [];
  for (const batch of batches) {
    const d = mlpData(batch);
    const t = tesseraSetups(d, autograd);
    const j = tfjsSetups(d);
    const flopsFwd = 2 * batch * (784 * 128 + 128 * 64 + 64 * 10);
    cases.push({
      suite: 'mlp',
      id: `mlp/${batch}/fwd`,
      group: `mlp/${batch}`,
      label: `MLP b${batch} forward`,
      flops: flopsFwd,
      setups: { tessera: t.fwd, 'tfjs-cpu': j.fwd, 'tfjs-wasm': j.fwd },
    });
    cases.push({
      suite: 'mlp',
      id: `mlp/${batch}/fwdbwd`,
      group: `mlp/${batch}`,
      label: `MLP b${batch} fwd+bwd`,
      // Backward ≈ two matmuls (dX and dW) per forward matmul: count 3x the forward FLOPs.
      flops: 3 * flopsFwd,
      tolerance: 2e-3,
      setups: { ...(t.fwdBwd ? { tessera: t.fwdBwd } : {}), 'tfjs-cpu': j.fwdBwd, 'tfjs-wasm': j.fwdBwd },
      ...(reason ? { skipped: { tessera: reason } } : {}),
    });
  }
  return cases;
}

function mlpSummary(results: readonly CaseResult[]): string | undefined {
  const rows: (string | undefined)[][] = [];
  const batches = [...new Set(results.map((r) => r.id.split('/')[1]!))];
  for (const b of batches) {
    const fwd = results.find((r) => r.id === `mlp/${b}/fwd`);
    const fb = results.find((r) => r.id === `mlp/${b}/fwdbwd`);
    for (const fw of ['tessera', 'tfjs-cpu', 'tfjs-wasm'] as FrameworkId[]) {
      const f = fwd?.cells[fw]?.medianMs;
      const t = fb?.cells[fw]?.medianMs;
      const bwd = f !== undefined && t !== undefined ? t - f : undefined;
      rows.push([`b${b}`, fw, fmtMs(f), fmtMs(t), fmtMs(bwd), fmtNum(bwd !== undefined && f ? bwd / f : undefined, 2)]);
    }
  }
  if (rows.length === 0) return undefined;
  return renderTable(
    [
      { title: 'batch', align: 'left' },
      { title: 'framework', align: 'left' },
      { title: 'fwd ms' },
      { title: 'fwd+bwd ms' },
      { title: 'bwd ms (diff)' },
      { title: 'bwd/fwd' },
    ],
    rows,
  );
}

export const mlpSuite: Suite = {
  name: 'mlp',
  title: 'MLP 784-128-64-10 training step (ReLU, softmax cross-entropy)',
  notes: [
    'fwd = loss only (Tessera under noGrad); fwd+bwd = loss + gradients of W1,b1,W2,b2,W3,b3, all read back. No optimizer update.',
    'Tessera: @tessera/autograd; tfjs: tf.variableGrads. Same loss formula: mean(logSumExp(logits,1) - sum(logits*y,1)).',
    'GFLOP/s: forward = 2·B·(784·128+128·64+64·10); fwd+bwd counted as 3x that.',
  ],
  cases: ({ quick }) => mlpCases(quick ? [32] : [32, 128]),
  summary: mlpSummary,
};
