/**
 * `@tessera/conformance`: the suite every Tessera backend must pass. Call `runConformance` inside
 * a vitest test file of your backend:
 *
 * @example
 * ```ts
 * // my-backend.conformance.test.ts
 * import { runConformance } from '@tessera/conformance';
 * import { myBackend } from './index.js';
 * runConformance(() => myBackend());
 * // without float64: compare gradients with the CPU backend instead of finite differences
 * runConformance(() => myBackend(), { reference: () => cpu() });
 * ```
 */
import { beforeAll, describe } from 'vitest';
import { checkOptions, optionKeys, setBackend, type Backend } from '@tessera/tensor-core';
import { creationCases } from './cases/creation.js';
import { elementwiseCases } from './cases/elementwise.js';
import { reduceCases } from './cases/reduce.js';
import { movementCases } from './cases/movement.js';
import { nnCases } from './cases/nn.js';
import { engineCases } from './cases/engine.js';
import { gradientCases } from './cases/gradients.js';
import { invalidValueCases } from './cases/invalid-values.js';

export { expectTensor, expectTensorError, expectNoLeaks, TOLERANCE } from './helpers.js';

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  /** Case groups to skip, by name: `creation`, `elementwise`, `reduce`, `movement`, `nn`, `engine`, `gradients`, `invalid values`. */
  readonly skip?: readonly string[];
  /**
   * A reference backend (usually the CPU backend) for backends without float64: the gradient
   * cases then compare each op's forward values and gradients on the backend under test with the
   * reference's, from the same float32 inputs, within float32 tolerance (see `cases/gradients.ts`).
   * Without it, those cases are skipped on such backends. Created once, on first use.
   */
  readonly reference?: () => Backend | Promise<Backend>;
}

/** What each case group receives. */
export interface ConformanceContext {
  /** The backend under test (active while the cases run). */
  backend(): Backend;
  /** Whether the backend stores float64. */
  readonly float64: () => boolean;
  /** The reference backend of {@link ConformanceOptions.reference} (created on first call), or undefined. */
  readonly reference: (() => Promise<Backend>) | undefined;
}

/** Registers the conformance suite (vitest `describe` blocks) against `makeBackend()`. */
export function runConformance(makeBackend: () => Backend | Promise<Backend>, options: ConformanceOptions = {}): void {
  checkOptions('runConformance', options, optionKeys<ConformanceOptions>({ skip: true, reference: true }));
  let backend: Backend | undefined;
  let reference: Promise<Backend> | undefined;
  const makeReference = options.reference;
  const ctx: ConformanceContext = {
    backend: () => backend!,
    float64: () => backend!.capabilities.dtypes.includes('float64'),
    reference: makeReference === undefined ? undefined : () => (reference ??= Promise.resolve(makeReference())),
  };
  const groups: Record<string, (ctx: ConformanceContext) => void> = {
    creation: creationCases,
    elementwise: elementwiseCases,
    reduce: reduceCases,
    movement: movementCases,
    nn: nnCases,
    engine: engineCases,
    gradients: gradientCases,
    'invalid values': invalidValueCases,
  };
  describe('conformance', () => {
    beforeAll(async () => {
      backend = await setBackend(makeBackend());
    });
    for (const [name, register] of Object.entries(groups)) {
      if (options.skip?.includes(name)) continue;
      describe(name, () => register(ctx));
    }
  });
}
