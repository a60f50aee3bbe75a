/**
 * Training across backends: the same seeded MLP (test-utils/mlp.ts: raw ops, `Variable`s,
 * `backward`, a hand-written Adam) trained on the CPU backend and on WebGPU follows the same loss
 * curve, and a model moved mid-training (parameters and optimizer state) from CPU to WebGPU ends
 * where the all-CPU run ends. Both backends compute in float32 from bit-identical inputs; they
 * differ only by summation order and rounding, which 50 Adam steps amplify a little, hence the
 * tolerances below (measured worst on Dawn + SwiftShader: 1.8e-5 relative on a loss, near the
 * end where the loss is 0.003).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cpu } from '@tessera/backend-cpu';
import { dispose, memory, registerBackend, setBackend, type Backend, type Tensor } from '@tessera/tensor-core';
import { describeWebGpu, probeWebGpu } from './test-utils/probe.js';
import { makeBatch, makeMlp, moveMlp, trainStep, variablesOf, type Batch, type Mlp } from './test-utils/mlp.js';

const probe = await probeWebGpu();
const reference = cpu();

const SIZES = [16, 32, 32, 4] as const;
/** Relative tolerance on each step's loss, and on the final parameters (relative to each tensor's largest value). */
const LOSS_RTOL = 1e-4;
const PARAM_TOL = 1e-3;

/** Trains `steps` steps; returns the loss of each (read after the last step: no per-step sync). `afterSteps` runs before the reads. */
async function train(model: Mlp, batch: Batch, steps: number, afterSteps?: () => void): Promise<number[]> {
  const losses: Tensor[] = [];
  for (let i = 0; i < steps; i++) losses.push(trainStep(model, batch).loss);
  afterSteps?.();
  const values = await Promise.all(losses.map((l) => l.item() as Promise<number>));
  dispose(losses);
  return values;
}

async function valuesOf(model: Mlp): Promise<Float32Array[]> {
  return Promise.all(variablesOf(model).map(async (v) => Float32Array.from(await v.data())));
}

function expectClose(label: string, got: Float32Array, want: Float32Array, tol: number): void {
  let scale = 0;
  for (const w of want) scale = Math.max(scale, Math.abs(w));
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  expect(worst, `${label}: max |difference| ${worst} vs scale ${scale}`).toBeLessThanOrEqual(tol * Math.max(scale, 1e-3));
}

function worstRelative(got: number[], want: number[]): number {
  return Math.max(...got.map((g, i) => Math.abs(g - want[i]!) / Math.abs(want[i]!)));
}

function expectCurve(got: number[], want: number[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    expect(Math.abs(g - want[i]!), `step ${i + 1}: cpu ${want[i]}, webgpu ${g}`).toBeLessThanOrEqual(LOSS_RTOL * Math.abs(want[i]!));
  });
}

describeWebGpu('training across backends', probe, (gpu) => {
  let cpuLosses: number[] = [];
  let cpuFinal: Float32Array[] = [];

  beforeAll(async () => {
    registerBackend(gpu);
    await setBackend(reference);
    // The all-CPU run both tests compare with.
    const batch = makeBatch(64, SIZES[0], SIZES[3], 7, reference);
    const model = makeMlp(SIZES, 1, reference);
    cpuLosses = await train(model, batch, 50);
    cpuFinal = await valuesOf(model);
    dispose([...variablesOf(model), batch.x, batch.targets]);
  });
  afterAll(() => gpu.dispose());

  const modelOn = (backend: Backend): { model: Mlp; batch: Batch } => ({
    model: makeMlp(SIZES, 1, backend),
    batch: makeBatch(64, SIZES[0], SIZES[3], 7, backend),
  });

  it('a seeded MLP trained 50 Adam steps on WebGPU follows the CPU loss curve', async () => {
    const tensorsBefore = memory().tensors;
    const { model, batch } = modelOn(gpu);
    const stats0 = gpu.stats();
    let stats1 = stats0;
    const losses = await train(model, batch, 50, () => (stats1 = gpu.stats()));
    expect(cpuLosses.at(-1)!).toBeLessThan(cpuLosses[0]! * 0.7); // it learns
    expectCurve(losses, cpuLosses);
    const final = await valuesOf(model);
    final.forEach((v, i) => expectClose(`variable ${i}`, v, cpuFinal[i]!, PARAM_TOL));
    dispose([...variablesOf(model), batch.x, batch.targets]);
    expect(memory().tensors).toBe(tensorsBefore);
    console.info(
      `[webgpu] MLP ${SIZES.join('-')} with Adam, per step: ${((stats1.dispatches - stats0.dispatches) / 50).toFixed(1)} dispatches, ` +
        `${((stats1.submits - stats0.submits) / 50).toFixed(2)} submits; loss ${losses[0]!.toFixed(4)} → ${losses.at(-1)!.toFixed(4)} ` +
        `(cpu ${cpuLosses.at(-1)!.toFixed(4)}); worst relative loss difference ${worstRelative(losses, cpuLosses).toExponential(1)}`,
    );
  });

  it('25 steps on CPU, model and Adam state moved to WebGPU, 25 more: ends where the all-CPU run ends', async () => {
    const tensorsBefore = memory().tensors;
    const { model, batch } = modelOn(reference);
    const first = await train(model, batch, 25);
    const cpuTensors = memory().backends['cpu']!.tensors;
    await moveMlp(model, gpu);
    for (const v of variablesOf(model)) expect(v.backend).toBe(gpu);
    // The moved variables' CPU storage is released (only the CPU batch is left there).
    expect(memory().backends['cpu']!.tensors).toBe(cpuTensors - variablesOf(model).length);
    const gpuBatch = { x: await batch.x.to(gpu), targets: await batch.targets.to(gpu) };
    dispose([batch.x, batch.targets]);
    const second = await train(model, gpuBatch, 25);
    expect(first).toEqual(cpuLosses.slice(0, 25)); // the same backend, the same arithmetic
    expectCurve(second, cpuLosses.slice(25));
    expect(model.step).toBe(50);
    const final = await valuesOf(model);
    final.forEach((v, i) => expectClose(`variable ${i}`, v, cpuFinal[i]!, PARAM_TOL));
    dispose([...variablesOf(model), gpuBatch.x, gpuBatch.targets]);
    expect(memory().tensors).toBe(tensorsBefore);
  });
});
