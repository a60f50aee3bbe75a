/**
 * Timing: warm-up runs, then timed repetitions until both a minimum time and a minimum count are
 * reached (or a hard cap), and the median of the samples.
 */

/** How long and how often to time one benchmark cell. */
export interface TimerOptions {
  /** Warm-up runs: at least `warmupMin`, and more until `warmupMs` have passed (at most `warmupMax`). */
  readonly warmupMin: number;
  readonly warmupMax: number;
  readonly warmupMs: number;
  /** Timed runs: at least `minReps` and at least `minTimeMs` in total ... */
  readonly minReps: number;
  readonly minTimeMs: number;
  /** ... but a slow cell stops after `maxTimeMs` once it has `floorReps` samples. */
  readonly maxTimeMs: number;
  readonly floorReps: number;
  /** Never more than this many timed runs. */
  readonly maxReps: number;
}

export const DEFAULT_TIMER: TimerOptions = {
  warmupMin: 1,
  warmupMax: 10,
  warmupMs: 300,
  minReps: 5,
  minTimeMs: 1000,
  maxTimeMs: 3000,
  floorReps: 3,
  maxReps: 500,
};

export const QUICK_TIMER: TimerOptions = {
  warmupMin: 1,
  warmupMax: 5,
  warmupMs: 100,
  minReps: 5,
  minTimeMs: 200,
  maxTimeMs: 800,
  floorReps: 3,
  maxReps: 200,
};

/** Summary statistics of the timed samples, in milliseconds. */
export interface TimingResult {
  readonly medianMs: number;
  readonly meanMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly reps: number;
  readonly warmups: number;
  /** The value the first warm-up run returned (used to cross-check results between frameworks). */
  readonly firstOutput: unknown;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/** Warm-up runs of `fn`; returns the first run's output and how many runs were made. */
export async function warmUp(fn: () => unknown, options: TimerOptions): Promise<{ firstOutput: unknown; warmups: number }> {
  let firstOutput: unknown;
  let warmups = 0;
  const w0 = performance.now();
  while (warmups < options.warmupMin || (warmups < options.warmupMax && performance.now() - w0 < options.warmupMs)) {
    const out = await fn();
    if (warmups === 0) firstOutput = out;
    warmups++;
  }
  return { firstOutput, warmups };
}

/** Collects timed samples of one cell and says when it has enough. */
export class Sampler {
  readonly samples: number[] = [];
  private total = 0;
  constructor(private readonly options: TimerOptions) {}

  /**
   * Times one call of `fn`. `fn` must do the whole piece of work including reading the result
   * back, so that asynchronous backends are measured honestly; its promise (if any) is awaited
   * inside the timed region.
   */
  async sample(fn: () => unknown): Promise<void> {
    const t0 = performance.now();
    await fn();
    const dt = performance.now() - t0;
    this.samples.push(dt);
    this.total += dt;
  }

  get done(): boolean {
    const n = this.samples.length;
    const o = this.options;
    return n >= o.maxReps || (n >= o.minReps && this.total >= o.minTimeMs) || (n >= o.floorReps && this.total >= o.maxTimeMs);
  }

  result(warm: { firstOutput: unknown; warmups: number }): TimingResult {
    const n = this.samples.length;
    return {
      medianMs: median(this.samples),
      meanMs: this.total / n,
      minMs: Math.min(...this.samples),
      maxMs: Math.max(...this.samples),
      reps: n,
      warmups: warm.warmups,
      firstOutput: warm.firstOutput,
    };
  }
}
