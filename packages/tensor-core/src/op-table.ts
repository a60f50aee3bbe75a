/**
 * The op table: every op the engine records, by name, merged from the family files under `ops/`
 * (each family defines its ops' specs beside their code). Autograd reads gradient rules and
 * saves here, `scripts/gen-ops-doc.ts` generates `docs/ops.md` from it, and the ONNX exporter
 * reads each op's `onnx` mapping.
 */
import { TensorError } from './errors.js';
import type { AnyOpSpec } from './op-spec.js';
import { concatSpecs } from './ops/concat.js';
import { convSpecs } from './ops/conv.js';
import { elementwiseSpecs } from './ops/elementwise.js';
import { expandSpecs } from './ops/expand.js';
import { gatherSpecs } from './ops/gather.js';
import { matmulSpecs } from './ops/matmul.js';
import { normsSpecs } from './ops/norms.js';
import { optimSpecs } from './ops/optim.js';
import { padSpecs } from './ops/pad.js';
import { poolSpecs } from './ops/pool.js';
import { reduceSpecs } from './ops/reduce.js';
import { reshapeSpecs } from './ops/reshape.js';
import { sliceSpecs } from './ops/slice.js';
import { softmaxSpecs } from './ops/softmax.js';
import { transposeSpecs } from './ops/transpose.js';

function buildTable(): Readonly<Record<string, AnyOpSpec>> {
  const table: Record<string, AnyOpSpec> = Object.create(null) as Record<string, AnyOpSpec>;
  const families = [elementwiseSpecs, reduceSpecs, reshapeSpecs, expandSpecs, transposeSpecs, sliceSpecs, concatSpecs, padSpecs, gatherSpecs, matmulSpecs, softmaxSpecs, normsSpecs, convSpecs, poolSpecs, optimSpecs];
  for (const family of families) {
    for (const spec of family) {
      if (spec.name in table) throw new TensorError('INVALID_ARGUMENT', 'opSpecs', `op '${spec.name}' is defined twice (families '${table[spec.name]!.family}' and '${spec.family}')`);
      table[spec.name] = spec;
    }
  }
  return Object.freeze(table);
}

let table: Readonly<Record<string, AnyOpSpec>> | undefined;

/**
 * Every recorded op's spec, by name (built on first use, so importing tensor-core runs nothing).
 *
 * @example
 * ```ts
 * Object.keys(opSpecs()).includes('matmul'); // true
 * ```
 */
export function opSpecs(): Readonly<Record<string, AnyOpSpec>> {
  return (table ??= buildTable());
}

/**
 * The spec of the recorded op `name`, or undefined for a name outside the table (an op a
 * third party records with `runKernel('myOp', …)`).
 *
 * @example
 * ```ts
 * getOpSpec('softmax')?.gradient; // { saves: { outputs: [0] }, rule }
 * ```
 */
export function getOpSpec(name: string): AnyOpSpec | undefined {
  return opSpecs()[name];
}
