/**
 * Runs benchmark cases on every framework, cross-checks their outputs and checks that memory
 * stays flat while a cell is timed. tfjs's memory counters cover all its backends, so a tfjs
 * leak shows on both tfjs cells.
 */
import { flattenOutput, relativeError } from './data.js';
import { activate, memoryOf, type FrameworkId, type FrameworkInfos, FRAMEWORKS } from './frameworks.js';
import { Sampler, warmUp, type TimerOptions } from './timer.js';

/** One framework's ready-to-time piece of work. */
export interface Prepared {
  /**
   * Does the work once, reads the result back (`await t.data()` / `dataSync()`) and disposes
   * every tensor it made. Returns the values read (compared between frameworks).
   */
  run(): unknown;
  /** Converts `run`'s (or `check`'s) output to the common layout for the cross-check (e.g. NHWC → NCHW). */
  canonical?(out: unknown): unknown;
  /**
   * For rows whose timed output cannot match between frameworks (random draws of each
   * framework's own generator): the same kind of work with fixed parameters, run once untimed,
   * whose output is cross-checked instead.
   */
  check?(): unknown;
  /** Frees the inputs. */
  dispose(): void;
}

export type Setup = () => Prepared | Promise<Prepared>;

export interface CaseDef {
  readonly suite: string;
  /** Stable key, e.g. `matmul/512`. */
  readonly id: string;
  /** Row label. */
  readonly label: string;
  /** Floating-point operations per run, for GFLOP/s. */
  readonly flops?: number;
  /** Accepted relative error against the reference (default 1e-3). */
  readonly tolerance?: number;
  readonly setups: Partial<Record<FrameworkId, Setup>>;
  /** Why a framework has no cell here. */
  readonly skipped?: Partial<Record<FrameworkId, string>>;
  /** Consecutive cases with the same group are timed together, interleaved (default: alone). */
  readonly group?: string;
  /**
   * Why this row's outputs are not compared (printed in the check column). Without it, a row
   * with two or more timed contenders and no comparison fails the run.
   */
  readonly unchecked?: string;
}

export interface CellResult {
  readonly framework: FrameworkId;
  readonly medianMs?: number;
  readonly meanMs?: number;
  readonly minMs?: number;
  readonly reps?: number;
  readonly warmups?: number;
  readonly gflops?: number;
  /** Live tensors / bytes after the timed runs minus before them (0 = flat). */
  readonly memDeltaTensors?: number;
  readonly memDeltaBytes?: number;
  /** Relative error of the output against the reference framework's. */
  readonly relError?: number;
  readonly checkedAgainst?: FrameworkId;
  readonly error?: string;
  readonly skipped?: string;
}

export interface CaseResult {
  readonly suite: string;
  readonly id: string;
  readonly label: string;
  readonly flops?: number;
  readonly tolerance: number;
  readonly unchecked?: string;
  readonly cells: Partial<Record<FrameworkId, CellResult>>;
}

/** Reference order for the cross-check: the first of these that produced an output. */
const REFERENCE_ORDER: readonly FrameworkId[] = ['tfjs-cpu', 'tfjs-wasm', 'tessera'];

const errorText = (e: unknown): string => {
  if (e instanceof Error) return `${e.name}: ${e.message}`.split('\n')[0]!.slice(0, 300);
  return String(e);
};

declare const gc: undefined | (() => void);

/**
 * Runs a group of cases (usually one) on every framework. All cells of the group are set up and
 * warmed up one after another, then timed **interleaved** (one run of each cell in turn, until
 * each has enough samples), so that load from other processes hits them all alike and the ratios
 * between frameworks, and between the cases of one group, stay meaningful.
 */
export async function runGroup(
  defs: readonly CaseDef[],
  infos: FrameworkInfos,
  timer: TimerOptions,
  log: (line: string) => void,
): Promise<CaseResult[]> {
  interface Live {
    def: CaseDef;
    fw: FrameworkId;
    prepared: Prepared;
    warm: { firstOutput: unknown; warmups: number };
    sampler: Sampler;
    before: { tensors: number; bytes: number };
  }
  const cellsOf = new Map<CaseDef, Partial<Record<FrameworkId, CellResult>>>(defs.map((d) => [d, {}]));
  const outputsOf = new Map<CaseDef, Partial<Record<FrameworkId, Float64Array>>>(defs.map((d) => [d, {}]));
  const live: Live[] = [];
  const prepared: Prepared[] = [];
  const fail = (def: CaseDef, fw: FrameworkId, e: unknown): void => {
    cellsOf.get(def)![fw] = { framework: fw, error: errorText(e) };
    log(`  ${def.label} [${fw}] ERROR ${errorText(e)}`);
  };
  try {
    if (typeof gc === 'function') gc();
    for (const def of defs) {
      const cells = cellsOf.get(def)!;
      for (const fw of FRAMEWORKS) {
        const info = infos[fw];
        const setup = def.setups[fw];
        if (!info.ok) {
          cells[fw] = { framework: fw, skipped: `framework unavailable: ${info.error ?? ''}` };
          continue;
        }
        if (!setup) {
          cells[fw] = { framework: fw, skipped: def.skipped?.[fw] ?? 'not implemented' };
          continue;
        }
        try {
          await activate(fw);
          const p = await setup();
          prepared.push(p);
          const warm = await warmUp(() => p.run(), timer);
          const checked = p.check ? await p.check() : warm.firstOutput;
          outputsOf.get(def)![fw] = flattenOutput(p.canonical ? p.canonical(checked) : checked);
          live.push({ def, fw, prepared: p, warm, sampler: new Sampler(timer), before: { tensors: 0, bytes: 0 } });
        } catch (e) {
          fail(def, fw, e);
        }
      }
    }
    for (const l of live) l.before = memoryOf(l.fw);
    // Interleaved timing.
    const failed = (l: Live): boolean => cellsOf.get(l.def)![l.fw]?.error !== undefined;
    let active = [...live];
    while (active.length > 0) {
      for (const l of active) {
        try {
          await activate(l.fw);
          await l.sampler.sample(() => l.prepared.run());
        } catch (e) {
          fail(l.def, l.fw, e);
        }
      }
      active = active.filter((l) => !l.sampler.done && !failed(l));
    }
    for (const l of live) {
      if (failed(l)) continue;
      const t = l.sampler.result(l.warm);
      const after = memoryOf(l.fw);
      cellsOf.get(l.def)![l.fw] = {
        framework: l.fw,
        medianMs: t.medianMs,
        meanMs: t.meanMs,
        minMs: t.minMs,
        reps: t.reps,
        warmups: t.warmups,
        ...(l.def.flops !== undefined ? { gflops: l.def.flops / (t.medianMs * 1e6) } : {}),
        memDeltaTensors: after.tensors - l.before.tensors,
        memDeltaBytes: after.bytes - l.before.bytes,
      };
      log(`  ${l.def.label} [${l.fw}] ${t.medianMs.toFixed(3)} ms median of ${t.reps}`);
    }
  } finally {
    for (const p of prepared) {
      try {
        p.dispose();
      } catch {
        /* nothing more to do */
      }
    }
  }
  return defs.map((def) => crossCheck(def, cellsOf.get(def)!, outputsOf.get(def)!));
}

/** Compares every framework's output with the reference framework's. */
function crossCheck(
  def: CaseDef,
  cells: Partial<Record<FrameworkId, CellResult>>,
  outputs: Partial<Record<FrameworkId, Float64Array>>,
): CaseResult {
  const tolerance = def.tolerance ?? 1e-3;
  const ref = REFERENCE_ORDER.find((fw) => outputs[fw] !== undefined && outputs[fw]!.length > 0);
  if (ref) {
    for (const fw of FRAMEWORKS) {
      const out = outputs[fw];
      if (!out || fw === ref) continue;
      cells[fw] = { ...cells[fw]!, relError: relativeError(outputs[ref]!, out), checkedAgainst: ref };
    }
  }
  return {
    suite: def.suite,
    id: def.id,
    label: def.label,
    ...(def.flops !== undefined ? { flops: def.flops } : {}),
    tolerance,
    ...(def.unchecked !== undefined ? { unchecked: def.unchecked } : {}),
    cells,
  };
}
