/**
 * Movement kernels (they always copy): transpose and slice as strided gathers, concat as one
 * strided copy per input, pad, gather, and scatterAdd (a copy, then atomic adds: compare-and-swap
 * on the float bits for float32, `atomicAdd` for int32).
 */
import type { Backend, PadMode, TensorInfo } from '@tessera/tensor-core';
import { collapseLoops, sizeOf, stridesOf } from '@tessera/tensor-core';
import type { Kernels } from '../context.js';
import { MATH, WORD, bindings, grid, lit, main1d, offsets, u32, wgslType } from '../wgsl.js';

/** Copies the strided view (`offset`, `strides` over `shape`) of `x` into contiguous `out`. */
function stridedCopy(k: Kernels, x: TensorInfo, offset: number, strides: readonly number[], out: TensorInfo): void {
  const n = sizeOf(out.shape);
  const t = wgslType(out.dtype);
  const plan = collapseLoops(out.shape, [strides, stridesOf(out.shape)]);
  const code = `${bindings([['x', t, 'read'], ['o', t, 'read_write']])}
${main1d(n, `${offsets({ shape: plan.shape, strides: [plan.strides[0]!] }, ['ix'], 'i', [offset])}
  o[i] = x[ix];`)}`;
  k.run(code, [x, out], grid(n));
}

export function movementKernels(k: Kernels): Pick<Backend, 'transpose' | 'slice' | 'concat' | 'pad' | 'gather' | 'scatterAdd'> {
  return {
    transpose(x: TensorInfo, perm: readonly number[], out: TensorInfo): void {
      const xs = stridesOf(x.shape);
      stridedCopy(k, x, 0, perm.map((p) => xs[p]!), out);
    },

    slice(x: TensorInfo, begin: readonly number[], step: readonly number[], out: TensorInfo): void {
      const xs = stridesOf(x.shape);
      let offset = 0;
      for (let d = 0; d < xs.length; d++) offset += (begin[d] ?? 0) * xs[d]!;
      stridedCopy(k, x, offset, xs.map((s, d) => s * (step[d] ?? 1)), out);
    },

    concat(inputs: readonly TensorInfo[], axis: number, out: TensorInfo): void {
      const shape = out.shape;
      let outer = 1;
      for (let d = 0; d < axis; d++) outer *= shape[d]!;
      let inner = 1;
      for (let d = axis + 1; d < shape.length; d++) inner *= shape[d]!;
      const outRow = (shape[axis] ?? 1) * inner;
      const t = wgslType(out.dtype);
      let start = 0;
      for (const x of inputs) {
        const chunk = (x.shape[axis] ?? 1) * inner;
        const n = outer * chunk;
        if (n > 0) {
          if (outer === 1) {
            k.runtime.copy(k.buffer(x), 0, k.buffer(out), start * WORD, chunk * WORD);
          } else {
            const code = `${bindings([['x', t, 'read'], ['o', t, 'read_write']])}
${main1d(n, `  o[(i / ${u32(chunk)}) * ${u32(outRow)} + ${u32(start)} + i % ${u32(chunk)}] = x[i];`)}`;
            k.run(code, [x, out], grid(n));
          }
        }
        start += chunk;
      }
    },

    pad(x: TensorInfo, pads: readonly (readonly [number, number])[], mode: PadMode, value: number, out: TensorInfo): void {
      const n = sizeOf(out.shape);
      const t = wgslType(out.dtype);
      const rank = out.shape.length;
      if (rank === 0) {
        k.copy(x, out, WORD);
        return;
      }
      const xs = stridesOf(x.shape);
      const lines: string[] = ['  var r = i;', '  var src = 0u;', '  var inside = true;'];
      for (let d = rank - 1; d >= 0; d--) {
        const size = x.shape[d]!;
        const before = pads[d]?.[0] ?? 0;
        lines.push(`  { let c = i32(r % ${u32(out.shape[d]!)}); r = r / ${u32(out.shape[d]!)};`);
        lines.push(`    var j = c - ${before}i;`);
        if (mode === 'constant' || size === 0) {
          lines.push(`    if (j < 0i || j >= ${size}i) { inside = false; j = 0i; }`);
        } else if (mode === 'replicate') {
          lines.push(`    j = clamp(j, 0i, ${size - 1}i);`);
        } else {
          lines.push(`    if (j < 0i) { j = -j; } else if (j >= ${size}i) { j = ${2 * (size - 1)}i - j; }`);
        }
        lines.push(`    src += u32(j) * ${u32(xs[d]!)}; }`);
      }
      const code = `${MATH}
${bindings([['x', t, 'read'], ['o', t, 'read_write']])}
${main1d(n, `${lines.join('\n')}
  if (inside) { o[i] = x[src]; } else { o[i] = ${lit(value, out.dtype)}; }`)}`;
      k.run(code, [x, out], grid(n));
    },

    gather(x: TensorInfo, indices: TensorInfo, axis: number, out: TensorInfo): void {
      const n = sizeOf(out.shape);
      const t = wgslType(out.dtype);
      const xs = stridesOf(x.shape);
      const size = x.shape[axis] ?? 1;
      const zeroed = xs.map((s, d) => (d === axis ? 0 : s));
      const plan = collapseLoops(indices.shape, [zeroed]);
      const code = `${bindings([['x', t, 'read'], ['idx', 'i32', 'read'], ['o', t, 'read_write']])}
${main1d(n, `${offsets(plan, ['base'], 'i')}
  var j = idx[i];
  if (j < 0i) { j = j + ${size}i; }
  o[i] = x[base + u32(j) * ${u32(xs[axis] ?? 1)}];`)}`;
      k.run(code, [x, indices, out], grid(n));
    },

    scatterAdd(x: TensorInfo, indices: TensorInfo, updates: TensorInfo, axis: number, out: TensorInfo): void {
      const total = sizeOf(out.shape);
      k.copy(x, out, total * WORD);
      const n = sizeOf(indices.shape);
      if (n === 0) return;
      const t = wgslType(out.dtype);
      const os = stridesOf(out.shape);
      const size = out.shape[axis] ?? 1;
      const zeroed = os.map((s, d) => (d === axis ? 0 : s));
      // `updates` may be larger than `indices` (only the indexed part is read): its own strides.
      const plan = collapseLoops(indices.shape, [zeroed, stridesOf(updates.shape)]);
      const add =
        t === 'f32'
          ? `  loop {
    let old = atomicLoad(&o[at]);
    let next = bitcast<u32>(bitcast<f32>(old) + u[ub]);
    if (atomicCompareExchangeWeak(&o[at], old, next).exchanged) { break; }
  }`
          : `  atomicAdd(&o[at], ${t === 'i32' ? 'u[ub]' : 'u[ub]'});`;
      const atomicType = t === 'i32' ? 'atomic<i32>' : 'atomic<u32>';
      const code = `${bindings([['idx', 'i32', 'read'], ['u', t, 'read'], ['o', atomicType, 'read_write']])}
${main1d(n, `${offsets(plan, ['ob', 'ub'], 'i')}
  var j = idx[i];
  if (j < 0i) { j = j + ${size}i; }
  let at = ob + u32(j) * ${u32(os[axis] ?? 1)};
${add}`)}`;
      k.run(code, [indices, updates, out], grid(n));
    },
  };
}
