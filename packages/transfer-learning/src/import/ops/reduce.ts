/** Reductions, ArgMax/ArgMin, TopK, CumSum, Einsum. */
import {
  abs, argmax, argmin, cast, cumsum, exp, log, logSumExp, matmul, max, mean, min, mul, permute, prod, reshape,
  sqrt, sum, topk, type Tensor,
} from '@tessera/tensor-core';
import { hostReduce, hostTensor, type HostTensor } from '../host.js';
import type { OpContext, OpSpec } from './types.js';
import { intsOf, normAxis } from './util.js';

/** The axes of a ReduceX node: an attribute before `inputSince`, input 1 from then on. */
function reduceAxes(ctx: OpContext, rank: number, inputSince: number): number[] | undefined {
  const given = ctx.opset >= inputSince ? intsOf(ctx, 1, 'axes') : ctx.attrs.ints('axes');
  if (given === undefined || given.length === 0) {
    if (ctx.opset >= inputSince && ctx.attrs.int('noop_with_empty_axes', 0) === 1) return [];
    return undefined;
  }
  return given.map((a) => normAxis(ctx, a, rank));
}

function reduction(
  inputSince: number,
  device: (x: Tensor, axes: number[], keep: boolean) => Tensor,
  host?: (x: HostTensor, axes: number[], keep: boolean) => HostTensor,
): OpSpec {
  const allAxes = (rank: number): number[] => Array.from({ length: rank }, (_, i) => i);
  return {
    staticInputs: [1],
    run: (ctx) => {
      const x = ctx.tensor(0);
      const keep = ctx.attrs.int('keepdims', 1) === 1;
      const axes = reduceAxes(ctx, x.rank, inputSince);
      if (axes !== undefined && axes.length === 0) return [x];
      return [device(x, axes ?? allAxes(x.rank), keep)];
    },
    ...(host
      ? {
          host: (ctx: OpContext, [x]: readonly (HostTensor | undefined)[]) => {
            const keep = ctx.attrs.int('keepdims', 1) === 1;
            const axes = reduceAxes(ctx, x!.shape.length, inputSince);
            if (axes !== undefined && axes.length === 0) return [x!];
            return [host(x!, axes ?? allAxes(x!.shape.length), keep)];
          },
        }
      : {}),
  };
}

function argReduce(ctx: OpContext, fn: typeof argmax): Tensor {
  const x = ctx.tensor(0);
  const axis = normAxis(ctx, ctx.attrs.int('axis', 0), x.rank);
  const keep = ctx.attrs.int('keepdims', 1) === 1;
  if (ctx.attrs.int('select_last_index', 0) === 1) {
    // Last occurrence: search the flipped axis and map the index back.
    const flipped = x.flip(axis);
    const idx = fn(flipped, axis, keep);
    return idx.neg().add(x.shape[axis]! - 1);
  }
  return fn(x, axis, keep);
}

/**
 * Einsum for the forms exporters produce: every operand's letters are distinct, and the
 * equation reduces to a batched matmul after permutes (contractions, outer products, batch dims,
 * transposes, single-operand sums).
 */
function einsum(ctx: OpContext): Tensor {
  const equation = ctx.attrs.string('equation', '').replace(/\s+/g, '');
  const [lhs, rhsGiven] = equation.split('->') as [string, string | undefined];
  const terms = lhs.split(',');
  if (terms.length !== ctx.inputs.length || terms.length > 2 || lhs.includes('.')) {
    ctx.fail('UNSUPPORTED', `Einsum '${equation}' is not supported (one or two operands without ellipsis are)`);
  }
  for (const t of terms) if (new Set(t).size !== t.length) ctx.fail('UNSUPPORTED', `Einsum '${equation}': repeated letters in one operand (diagonals) are not supported`);
  const counts = new Map<string, number>();
  for (const c of terms.join('')) counts.set(c, (counts.get(c) ?? 0) + 1);
  const rhs = rhsGiven ?? [...counts.keys()].filter((c) => counts.get(c) === 1).sort().join('');
  const tensors = terms.map((_, i) => ctx.tensor(i));
  terms.forEach((t, i) => {
    if (t.length !== tensors[i]!.rank) ctx.fail('SHAPE_MISMATCH', `Einsum operand ${i} '${t}' does not match its rank ${tensors[i]!.rank}`);
  });
  const size = new Map<string, number>();
  terms.forEach((t, i) => [...t].forEach((c, j) => size.set(c, tensors[i]!.shape[j]!)));
  if (terms.length === 1) {
    const t = terms[0]!;
    const summed = [...t].map((c, i) => (rhs.includes(c) ? -1 : i)).filter((i) => i >= 0);
    let y = summed.length ? sum(tensors[0]!, summed) : tensors[0]!;
    const rest = [...t].filter((c) => rhs.includes(c));
    return rest.length > 1 ? permute(y, [...rhs].map((c) => rest.indexOf(c))) : (y = y);
  }
  const [ta, tb] = terms as [string, string];
  const [a, b] = tensors as [Tensor, Tensor];
  const inA = new Set(ta);
  const inB = new Set(tb);
  const batch = [...ta].filter((c) => inB.has(c) && rhs.includes(c));
  const contract = [...ta].filter((c) => inB.has(c) && !rhs.includes(c));
  const freeA = [...ta].filter((c) => !inB.has(c));
  const freeB = [...tb].filter((c) => !inA.has(c));
  // Letters only in one operand and not in the output are summed first.
  const sumOnly = (t: string, x: Tensor, free: string[]): [Tensor, string[]] => {
    const gone = free.filter((c) => !rhs.includes(c));
    if (gone.length === 0) return [x, free];
    return [sum(x, gone.map((c) => t.indexOf(c)), true), free];
  };
  const [a1] = sumOnly(ta, a, freeA);
  const [b1] = sumOnly(tb, b, freeB);
  const keepA = freeA.filter((c) => rhs.includes(c));
  const keepB = freeB.filter((c) => rhs.includes(c));
  const dim = (cs: string[]): number => cs.reduce((n, c) => n * size.get(c)!, 1);
  const order = (t: string, cs: string[]): number[] => cs.map((c) => t.indexOf(c));
  const droppedA = freeA.filter((c) => !rhs.includes(c));
  const droppedB = freeB.filter((c) => !rhs.includes(c));
  const pa = permute(a1, order(ta, [...batch, ...keepA, ...contract, ...droppedA]));
  const pb = permute(b1, order(tb, [...batch, ...contract, ...droppedB, ...keepB]));
  const am = reshape(pa, [dim(batch), dim(keepA), dim(contract)]);
  const bm = reshape(pb, [dim(batch), dim(contract), dim(keepB)]);
  const prodT = matmul(am, bm);
  const outLetters = [...batch, ...keepA, ...keepB];
  const y = reshape(prodT, outLetters.map((c) => size.get(c)!));
  const perm = [...rhs].map((c) => outLetters.indexOf(c));
  if (perm.some((p) => p < 0)) ctx.fail('UNSUPPORTED', `Einsum '${equation}': output letters not found in the operands`);
  return perm.every((p, i) => p === i) ? y : permute(y, perm);
}

/** The reductions and search operators by ONNX op type. */
export const reduceOps: Record<string, OpSpec> = {
  ReduceSum: reduction(13, (x, a, k) => sum(x, a, k), (x, a, k) => hostReduce(x, a, k, 0, (s, v) => s + v)),
  ReduceMean: reduction(18, (x, a, k) => mean(x, a, k), (x, a, k) => hostReduce(x, a, k, 0, (s, v) => s + v, (s, n) => s / n)),
  ReduceMax: reduction(18, (x, a, k) => max(x, a, k), (x, a, k) => hostReduce(x, a, k, -Infinity, Math.max)),
  ReduceMin: reduction(18, (x, a, k) => min(x, a, k), (x, a, k) => hostReduce(x, a, k, Infinity, Math.min)),
  ReduceProd: reduction(18, (x, a, k) => prod(x, a, k), (x, a, k) => hostReduce(x, a, k, 1, (s, v) => s * v)),
  ReduceL1: reduction(18, (x, a, k) => sum(abs(x), a, k)),
  ReduceL2: reduction(18, (x, a, k) => sqrt(sum(mul(x, x), a, k))),
  ReduceSumSquare: reduction(18, (x, a, k) => sum(mul(x, x), a, k)),
  ReduceLogSum: reduction(18, (x, a, k) => log(sum(x, a, k))),
  ReduceLogSumExp: reduction(18, (x, a, k) => logSumExp(x, a, k)),
  ArgMax: {
    run: (ctx) => [argReduce(ctx, argmax)],
    host: (ctx, [x]) => [hostArg(ctx, x!, (a, b) => a > b)],
  },
  ArgMin: {
    run: (ctx) => [argReduce(ctx, argmin)],
    host: (ctx, [x]) => [hostArg(ctx, x!, (a, b) => a < b)],
  },
  TopK: {
    staticInputs: [1],
    run: (ctx) => {
      const x = ctx.tensor(0);
      const k = ctx.opset >= 10 ? ctx.numbers(1)?.[0] : ctx.attrs.int('k');
      if (k === undefined) return ctx.fail('INVALID_ARGUMENT', 'TopK needs k');
      const axis = normAxis(ctx, ctx.attrs.int('axis', -1), x.rank);
      const largest = ctx.attrs.int('largest', 1) === 1;
      if (ctx.attrs.int('sorted', 1) !== 1) ctx.fail('UNSUPPORTED', 'TopK sorted=0 is not supported');
      const { values, indices } = topk(x, k, { axis, largest });
      return [values, indices];
    },
    check: (node) => ((node.attribute.find((a) => a.name === 'sorted')?.i ?? 1) !== 1 ? 'sorted=0 is not supported' : undefined),
  },
  CumSum: {
    staticInputs: [1],
    run: (ctx) => {
      const x = ctx.tensor(0);
      const axis = normAxis(ctx, ctx.numbers(1)?.[0] ?? 0, x.rank);
      return [cumsum(x, axis, { exclusive: ctx.attrs.int('exclusive', 0) === 1, reverse: ctx.attrs.int('reverse', 0) === 1 })];
    },
  },
  Einsum: {
    run: (ctx) => [einsum(ctx)],
    check: (node) => {
      const s = node.attribute.find((a) => a.name === 'equation')?.s;
      const eq = s ? new TextDecoder().decode(s).replace(/\s+/g, '') : '';
      const terms = eq.split('->')[0]!.split(',');
      if (eq.includes('.') || terms.length > 2) return `equation '${eq}' is not supported (one or two operands without ellipsis are)`;
      if (terms.some((t) => new Set(t).size !== t.length)) return `equation '${eq}': repeated letters in one operand are not supported`;
      return undefined;
    },
  },
};

function hostArg(ctx: OpContext, x: HostTensor, better: (a: number, b: number) => boolean): HostTensor {
  const axis = normAxis(ctx, ctx.attrs.int('axis', 0), x.shape.length);
  const keep = ctx.attrs.int('keepdims', 1) === 1;
  const last = ctx.attrs.int('select_last_index', 0) === 1;
  const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const n = x.shape[axis]!;
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = 0;
      for (let j = 1; j < n; j++) {
        const v = x.data[(o * n + j) * inner + i]!;
        const b = x.data[(o * n + best) * inner + i]!;
        if (better(v, b) || (last && v === b)) best = j;
      }
      out[o * inner + i] = best;
    }
  }
  const shape = keep ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
  return hostTensor('int', shape, out);
}

