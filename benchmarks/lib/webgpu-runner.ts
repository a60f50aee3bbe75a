/**
 * Times the `webgpu` suite's cases: Tessera's WebGPU backend beside tfjs-backend-webgpu, set up
 * and warmed up one after the other, then timed interleaved (one run each in turn), as
 * `runner.ts` does for the CPU contenders. Each run includes reading the result back (the only
 * point where either waits for the GPU) and disposing what it made. Also counts the compute
 * dispatches and queue submits of one (warm) run, checks the outputs against each other and
 * that live tensors stay flat.
 */
import * as tc from '@tessera/tensor-core';
import { flattenOutput, relativeError } from './data.js';
import { tf } from './tfjs.js';
import { Sampler, warmUp, type TimerOptions } from './timer.js';
import type { Prepared, Setup } from './runner.js';
import type { GpuCounters, WebGpuContenders } from './webgpu-contenders.js';

export type WebGpuContender = 'tessera-webgpu' | 'tfjs-webgpu';
export const WEBGPU_CONTENDERS: readonly WebGpuContender[] = ['tessera-webgpu', 'tfjs-webgpu'];

export interface WebGpuCaseDef {
  readonly id: string;
  readonly label: string;
  readonly flops?: number;
  /** Accepted relative error between the two outputs (default 1e-3). */
  readonly tolerance?: number;
  readonly setups: Partial<Record<WebGpuContender, Setup>>;
}

export interface WebGpuCell {
  readonly medianMs?: number;
  readonly minMs?: number;
  readonly reps?: number;
  readonly gflops?: number;
  /** Compute dispatches and submits of one warm run. */
  readonly dispatches?: number;
  readonly submits?: number;
  readonly memDeltaTensors?: number;
  readonly error?: string;
}

export interface WebGpuCaseResult {
  readonly id: string;
  readonly label: string;
  readonly flops?: number;
  readonly tolerance: number;
  /** Relative error of Tessera's output against tfjs-webgpu's. */
  readonly relError?: number;
  readonly cells: Partial<Record<WebGpuContender, WebGpuCell>>;
}

const errorText = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}`.split('\n')[0]!.slice(0, 300) : String(e));

const liveTensors = (c: WebGpuContender): number => (c === 'tessera-webgpu' ? tc.memory().tensors : tf.memory().numTensors);

/** Runs one case on both contenders. */
export async function runWebGpuCase(def: WebGpuCaseDef, contenders: WebGpuContenders, timer: TimerOptions): Promise<WebGpuCaseResult> {
  const counters = (c: WebGpuContender): GpuCounters => (c === 'tessera-webgpu' ? contenders.tesseraCounters() : contenders.tfjsCounters());
  const cells: Partial<Record<WebGpuContender, WebGpuCell>> = {};
  const outputs: Partial<Record<WebGpuContender, Float64Array>> = {};
  const live: { c: WebGpuContender; p: Prepared; sampler: Sampler; warm: { firstOutput: unknown; warmups: number }; before: number; counts: GpuCounters }[] = [];
  try {
    for (const c of WEBGPU_CONTENDERS) {
      const setup = def.setups[c];
      const available = c === 'tessera-webgpu' ? contenders.tessera !== undefined : contenders.tfjsOk;
      if (!setup || !available) continue;
      try {
        const p = await setup();
        const warm = await warmUp(() => p.run(), timer);
        outputs[c] = flattenOutput(p.canonical ? p.canonical(warm.firstOutput) : warm.firstOutput);
        // One more warm run, counted.
        const c0 = counters(c);
        await p.run();
        const c1 = counters(c);
        live.push({ c, p, sampler: new Sampler(timer), warm, before: liveTensors(c), counts: { dispatches: c1.dispatches - c0.dispatches, submits: c1.submits - c0.submits } });
      } catch (e) {
        cells[c] = { error: errorText(e) };
      }
    }
    let active = [...live];
    while (active.length > 0) {
      for (const l of active) {
        try {
          await l.sampler.sample(() => l.p.run());
        } catch (e) {
          cells[l.c] = { error: errorText(e) };
        }
      }
      active = active.filter((l) => !l.sampler.done && cells[l.c]?.error === undefined);
    }
    for (const l of live) {
      if (cells[l.c]?.error !== undefined) continue;
      const t = l.sampler.result(l.warm);
      cells[l.c] = {
        medianMs: t.medianMs,
        minMs: t.minMs,
        reps: t.reps,
        ...(def.flops !== undefined ? { gflops: def.flops / (t.medianMs * 1e6) } : {}),
        dispatches: l.counts.dispatches,
        submits: l.counts.submits,
        memDeltaTensors: liveTensors(l.c) - l.before,
      };
    }
  } finally {
    for (const l of live) {
      try {
        l.p.dispose();
      } catch {
        /* nothing more to do */
      }
    }
  }
  const a = outputs['tfjs-webgpu'];
  const b = outputs['tessera-webgpu'];
  return {
    id: def.id,
    label: def.label,
    ...(def.flops !== undefined ? { flops: def.flops } : {}),
    tolerance: def.tolerance ?? 1e-3,
    ...(a && b ? { relError: relativeError(a, b) } : {}),
    cells,
  };
}
