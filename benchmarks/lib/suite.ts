import type { CaseDef, CaseResult } from './runner.js';

/** Options every suite gets. */
export interface SuiteOptions {
  /** The ~30 s subset. */
  readonly quick: boolean;
}

/** A group of related cases, selected on the command line by `name`. */
export interface Suite {
  readonly name: string;
  readonly title: string;
  /** Printed under the suite's table (layouts, padding, what is inside the timed region). */
  readonly notes: readonly string[];
  cases(options: SuiteOptions): Promise<CaseDef[]> | CaseDef[];
  /** Extra lines after the table (e.g. derived ratios). */
  summary?(results: readonly CaseResult[]): string | undefined;
}
