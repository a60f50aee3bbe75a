/** Typed access to the torch reference trajectories (scripts/generate-fixtures.py) and test helpers. */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

export interface OptimizerCase {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop' | 'Adagrad' | 'Lion';
  options: Record<string, unknown>;
  groups: Array<Record<string, unknown> & { params: number[] }> | null;
  params: Array<{ shape: number[]; initial: number[]; grads: Array<number[] | null>; trajectory: number[][] }>;
}

export interface SchedulerCase {
  name: string;
  scheduler: string;
  options: Record<string, unknown>;
  optimizer: 'SGD' | 'Adam';
  groupLrs: number[];
  lrs: number[][];
  schedulers?: Array<{ scheduler: string; options: Record<string, unknown> }>;
  metrics?: number[];
  momentum?: number[][];
}

export interface ClipCase {
  name: string;
  maxNorm: number;
  normType: number | 'Infinity';
  grads: Array<{ shape: number[]; values: number[] }>;
  clipped: number[][];
  totalNorm: number;
}

export const fixtures = JSON.parse(readFileSync(new URL('../fixtures/torch-trajectories.json', import.meta.url), 'utf8')) as {
  generatedWith: string;
  optimizers: OptimizerCase[];
  schedulers: SchedulerCase[];
  clipGradNorm: ClipCase[];
};

/**
 * Asserts |actual − expected| <= rtol·|expected| + atol elementwise, naming the first offender.
 */
export function expectClose(actual: ArrayLike<number>, expected: readonly number[], rtol: number, atol: number, what = ''): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const tol = rtol * Math.abs(e) + atol;
    if (!(Math.abs(a - e) <= tol)) {
      expect.fail(`${what}[${i}]: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)} > ${tol})\nactual:   ${Array.from(actual).join(', ')}\nexpected: ${expected.join(', ')}`);
    }
  }
}
