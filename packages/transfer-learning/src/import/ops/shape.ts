/**
 * Shape and data-movement operators. Each has a host version too, so shape subgraphs evaluate on
 * the host for the shapes of the actual inputs.
 */
import {
  bernoulli, cast, concat, expand, full, gather, pad, reshape, slice, split, squeeze, takeAlongAxis, tile,
  permute, flip, type Tensor,
} from '@tessera/tensor-core';
import {
  broadcastShapes, hostConcat, hostGather, hostSlice, hostTensor, hostTranspose, isHost, numel, stridesOf,
  type HostKind, type HostTensor, type Value,
} from '../host.js';
import { readTensorProto } from '../tensor-proto.js';
import type { OpContext, OpSpec } from './types.js';
import { intsOf, normAxis } from './util.js';

// ------------------------------------------------------------------------------ shared shape logic

/** ONNX Reshape's target: 0 copies the input dim (unless allowzero), -1 is inferred. */
function reshapeTarget(ctx: OpContext, inShape: readonly number[], target: readonly number[]): number[] {
  const allowZero = ctx.attrs.int('allowzero', 0) === 1;
  const out = target.map((d, i) => (d === 0 && !allowZero ? (inShape[i] ?? ctx.fail('SHAPE_MISMATCH', `shape entry ${i} is 0 (copy) but the input has rank ${inShape.length}`)) : d));
  const inferred = out.indexOf(-1);
  if (out.filter((d) => d === -1).length > 1) ctx.fail('INVALID_ARGUMENT', `shape ${JSON.stringify(target)} has more than one -1`);
  const total = numel(inShape);
  if (inferred >= 0) {
    const known = numel(out.filter((d) => d !== -1));
    if (known === 0 || total % known !== 0) ctx.fail('SHAPE_MISMATCH', `cannot reshape ${JSON.stringify(inShape)} into ${JSON.stringify(target)}`);
    out[inferred] = total / known;
  }
  if (numel(out) !== total || out.some((d) => d < 0)) ctx.fail('SHAPE_MISMATCH', `cannot reshape ${JSON.stringify(inShape)} into ${JSON.stringify(target)}`);
  return out;
}

function squeezeAxes(ctx: OpContext, shape: readonly number[]): number[] {
  const given = ctx.opset >= 13 ? intsOf(ctx, 1, 'axes') : ctx.attrs.ints('axes');
  if (given === undefined) return shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
  const axes = given.map((a) => normAxis(ctx, a, shape.length));
  for (const a of axes) if (shape[a] !== 1) ctx.fail('SHAPE_MISMATCH', `cannot squeeze axis ${a} of size ${shape[a]} (shape ${JSON.stringify(shape)})`);
  return axes;
}

function unsqueezeShape(ctx: OpContext, shape: readonly number[]): { axes: number[]; out: number[] } {
  const given = ctx.opset >= 13 ? intsOf(ctx, 1, 'axes') : ctx.attrs.ints('axes');
  if (given === undefined) ctx.fail('INVALID_ARGUMENT', 'Unsqueeze needs axes');
  const rank = shape.length + given.length;
  const axes = given.map((a) => normAxis(ctx, a, rank)).sort((a, b) => a - b);
  if (new Set(axes).size !== axes.length) ctx.fail('INVALID_ARGUMENT', `axes repeat: ${JSON.stringify(given)}`);
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) out.push(axes.includes(i) ? 1 : shape[j++]!);
  return { axes, out };
}

interface SliceSpec {
  starts: number[];
  ends: number[];
  axes: number[];
  steps: number[];
}

function sliceSpec(ctx: OpContext, rank: number): SliceSpec {
  let starts: number[] | undefined;
  let ends: number[] | undefined;
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (ctx.opset < 10) {
    starts = ctx.attrs.ints('starts');
    ends = ctx.attrs.ints('ends');
    axes = ctx.attrs.ints('axes');
  } else {
    starts = intsOf(ctx, 1, 'starts');
    ends = intsOf(ctx, 2, 'ends');
    axes = intsOf(ctx, 3, 'axes');
    steps = intsOf(ctx, 4, 'steps');
  }
  if (starts === undefined || ends === undefined || starts.length !== ends.length) {
    ctx.fail('INVALID_ARGUMENT', `starts and ends must be given with equal lengths, got ${JSON.stringify(starts)} and ${JSON.stringify(ends)}`);
  }
  axes = (axes ?? starts.map((_, i) => i)).map((a) => normAxis(ctx, a, rank));
  steps ??= starts.map(() => 1);
  if (axes.length !== starts.length || steps.length !== starts.length) ctx.fail('INVALID_ARGUMENT', 'axes and steps must have one entry per start');
  return { starts, ends, axes, steps };
}

/** Resolved begin/step/size per axis, as numpy/ONNX slicing clamps them. */
function resolveSlice(ctx: OpContext, shape: readonly number[], spec: SliceSpec): { begin: number[]; step: number[]; size: number[] } {
  const begin = shape.map(() => 0);
  const step = shape.map(() => 1);
  const size = [...shape];
  spec.axes.forEach((axis, i) => {
    const n = shape[axis]!;
    const s = spec.steps[i]!;
    if (s === 0) ctx.fail('INVALID_ARGUMENT', `step must not be zero (axis ${axis})`);
    let b = spec.starts[i]!;
    let e = spec.ends[i]!;
    if (s > 0) {
      b = Math.min(Math.max(b < 0 ? b + n : b, 0), n);
      e = Math.min(Math.max(e < 0 ? e + n : e, 0), n);
      size[axis] = Math.max(0, Math.ceil((e - b) / s));
    } else {
      b = Math.min(Math.max(b < 0 ? b + n : b, -1), n - 1);
      e = Math.min(Math.max(e < 0 ? e + n : e, -1), n - 1);
      size[axis] = Math.max(0, Math.ceil((b - e) / -s));
    }
    begin[axis] = size[axis]! > 0 ? b : 0;
    step[axis] = s;
  });
  return { begin, step, size };
}

function splitSizes(ctx: OpContext, dim: number): number[] {
  let sizes = ctx.opset >= 13 ? intsOf(ctx, 1, 'split') : ctx.attrs.ints('split');
  if (sizes === undefined || sizes.length === 0) {
    const parts = ctx.attrs.int('num_outputs') ?? ctx.node.output.length;
    const chunk = Math.ceil(dim / parts);
    sizes = Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
  }
  if (sizes.reduce((a, b) => a + b, 0) !== dim) ctx.fail('SHAPE_MISMATCH', `split sizes ${JSON.stringify(sizes)} do not sum to the axis size ${dim}`);
  return sizes;
}

function expandShape(ctx: OpContext, shape: readonly number[], target: readonly number[]): number[] {
  const out = broadcastShapes(shape, target);
  if (!out) ctx.fail('SHAPE_MISMATCH', `cannot expand shape ${JSON.stringify(shape)} to ${JSON.stringify(target)}`);
  return out;
}

function hostBroadcast(x: HostTensor, shape: readonly number[]): HostTensor {
  const rank = shape.length;
  const padded = [...new Array<number>(rank - x.shape.length).fill(1), ...x.shape];
  const inStrides = stridesOf(padded).map((s, i) => (padded[i] === 1 ? 0 : s));
  const outStrides = stridesOf(shape);
  const n = numel(shape);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let rem = i;
    let j = 0;
    for (let d = 0; d < rank; d++) {
      const q = Math.floor(rem / outStrides[d]!);
      rem -= q * outStrides[d]!;
      j += q * inStrides[d]!;
    }
    out[i] = x.data[j]!;
  }
  return hostTensor(x.kind, shape, out);
}

function constantValue(ctx: OpContext): HostTensor {
  const t = ctx.attrs.tensor('value');
  if (t) {
    const c = readTensorProto(t, `Constant '${ctx.nodeName}'`);
    return hostTensor(c.kind, c.shape, c.values);
  }
  const f = ctx.attrs.float('value_float');
  if (f !== undefined) return hostTensor('float32', [], [f]);
  const fs = ctx.attrs.floats('value_floats');
  if (fs !== undefined) return hostTensor('float32', [fs.length], fs);
  const i = ctx.attrs.int('value_int');
  if (i !== undefined) return hostTensor('int', [], [i]);
  const is = ctx.attrs.ints('value_ints');
  if (is !== undefined) return hostTensor('int', [is.length], is);
  return ctx.fail('UNSUPPORTED', 'Constant has no value, value_float(s) or value_int(s) attribute (sparse and string constants are not supported)');
}

function rangeValues(ctx: OpContext, start: number, limit: number, delta: number): number[] {
  if (delta === 0) ctx.fail('INVALID_ARGUMENT', 'Range delta must not be zero');
  const n = Math.max(0, Math.ceil((limit - start) / delta));
  if (n > 2 ** 31 - 1) ctx.fail('INVALID_ARGUMENT', `Range of ${n} elements is too long`);
  return Array.from({ length: n }, (_, i) => start + i * delta);
}

const concatAxis = (ctx: OpContext, rank: number): number => normAxis(ctx, ctx.attrs.int('axis', 0), rank);

/** The shape and movement operators by ONNX op type. */
export const shapeOps: Record<string, OpSpec> = {
  Constant: { run: (ctx) => [constantValue(ctx)], host: (ctx) => [constantValue(ctx)] },
  Shape: {
    run: (ctx) => [shapeValue(ctx, ctx.inputs[0]!)],
    host: (ctx, [x]) => [shapeValue(ctx, x!)],
  },
  Size: {
    run: (ctx) => [hostTensor('int', [], [numel(ctx.inputs[0]!.shape)])],
    host: (_ctx, [x]) => [hostTensor('int', [], [numel(x!.shape)])],
  },
  Reshape: {
    staticInputs: [1],
    run: (ctx) => {
      const x = ctx.tensor(0);
      const target = ctx.opset >= 5 ? intsOf(ctx, 1, 'shape')! : ctx.attrs.ints('shape')!;
      return [reshape(x, reshapeTarget(ctx, x.shape, target))];
    },
    host: (ctx, [x, s]) => [hostTensor(x!.kind, reshapeTarget(ctx, x!.shape, ctx.opset >= 5 ? [...s!.data] : ctx.attrs.ints('shape')!), x!.data)],
  },
  Flatten: {
    run: (ctx) => {
      const x = ctx.tensor(0);
      const axis = ctx.attrs.int('axis', 1);
      const a = axis < 0 ? axis + x.rank : axis;
      if (a < 0 || a > x.rank) ctx.fail('AXIS_OUT_OF_RANGE', `axis ${axis} is out of range for rank ${x.rank}`);
      return [reshape(x, [numel(x.shape.slice(0, a)), numel(x.shape.slice(a))])];
    },
    host: (ctx, [x]) => {
      const axis = ctx.attrs.int('axis', 1);
      const a = axis < 0 ? axis + x!.shape.length : axis;
      return [hostTensor(x!.kind, [numel(x!.shape.slice(0, a)), numel(x!.shape.slice(a))], x!.data)];
    },
  },
  Squeeze: {
    staticInputs: [1],
    run: (ctx) => {
      const x = ctx.tensor(0);
      const axes = squeezeAxes(ctx, x.shape);
      return [axes.length === 0 ? x : squeeze(x, axes)];
    },
    host: (ctx, [x]) => {
      const axes = squeezeAxes(ctx, x!.shape);
      return [hostTensor(x!.kind, x!.shape.filter((_, i) => !axes.includes(i)), x!.data)];
    },
  },
  Unsqueeze: {
    staticInputs: [1],
    run: (ctx) => {
      const x = ctx.tensor(0);
      return [reshape(x, unsqueezeShape(ctx, x.shape).out)];
    },
    host: (ctx, [x]) => [hostTensor(x!.kind, unsqueezeShape(ctx, x!.shape).out, x!.data)],
  },
  Transpose: {
    run: (ctx) => {
      const x = ctx.tensor(0);
      const perm = ctx.attrs.ints('perm') ?? x.shape.map((_, i) => x.rank - 1 - i);
      return [x.rank < 2 ? x : permute(x, perm)];
    },
    host: (ctx, [x]) => [hostTranspose(x!, ctx.attrs.ints('perm') ?? x!.shape.map((_, i) => x!.shape.length - 1 - i))],
  },
  Concat: {
    run: (ctx) => {
      const parts = ctx.inputs.map((_, i) => ctx.tensor(i)).filter((t) => t.size > 0 || ctx.inputs.length === 1);
      const rank = ctx.inputs[0]!.shape.length;
      const axis = concatAxis(ctx, rank);
      if (parts.length === 0) return [ctx.tensor(0)];
      const dtype = parts[0]!.dtype;
      return [concat(parts.map((p) => (p.dtype === dtype ? p : cast(p, dtype))), axis)];
    },
    host: (ctx, inputs) => [hostConcat('Concat', inputs as HostTensor[], concatAxis(ctx, inputs[0]!.shape.length))],
  },
  Gather: {
    run: (ctx) => {
      const x = ctx.tensor(0);
      const axis = normAxis(ctx, ctx.attrs.int('axis', 0), x.rank);
      const idx = ctx.tensor(1);
      return [gather(x, idx.dtype === 'int32' ? idx : cast(idx, 'int32'), axis)];
    },
    host: (ctx, [x, i]) => [hostGather(ctx.nodeName, x!, i!, normAxis(ctx, ctx.attrs.int('axis', 0), x!.shape.length))],
  },
  GatherElements: {
    run: (ctx) => {
      const x = ctx.tensor(0);
      const axis = normAxis(ctx, ctx.attrs.int('axis', 0), x.rank);
      const idx = ctx.tensor(1);
      return [takeAlongAxis(x, idx.dtype === 'int32' ? idx : cast(idx, 'int32'), axis)];
    },
  },
  Slice: {
    staticInputs: [1, 2, 3, 4],
    run: (ctx) => {
      const x = ctx.tensor(0);
      const spec = sliceSpec(ctx, x.rank);
      const ends = spec.ends.map((e) => (e > 2 ** 31 ? Infinity : e < -(2 ** 31) ? -Infinity : e));
      return [slice(x, spec.starts, ends, spec.steps, spec.axes)];
    },
    host: (ctx, [x]) => {
      const r = resolveSlice(ctx, x!.shape, sliceSpec(ctx, x!.shape.length));
      return [hostSlice(x!, r.begin, r.step, r.size)];
    },
  },
  Split: {
    staticInputs: [1],
    run: (ctx) => {
      const x = ctx.tensor(0);
      const axis = normAxis(ctx, ctx.attrs.int('axis', 0), x.rank);
      return split(x, splitSizes(ctx, x.shape[axis]!), axis);
    },
    host: (ctx, [x]) => {
      const axis = normAxis(ctx, ctx.attrs.int('axis', 0), x!.shape.length);
      const sizes = splitSizes(ctx, x!.shape[axis]!);
      let start = 0;
      return sizes.map((s) => {
        const begin = x!.shape.map((_, i) => (i === axis ? start : 0));
        const size = x!.shape.map((d, i) => (i === axis ? s : d));
        start += s;
        return hostSlice(x!, begin, x!.shape.map(() => 1), size);
      });
    },
  },
  Expand: {
    staticInputs: [1],
    run: (ctx) => {
      const x = ctx.tensor(0);
      const shape = expandShape(ctx, x.shape, intsOf(ctx, 1, 'shape')!);
      return [expand(x.rank < shape.length ? reshape(x, [...new Array<number>(shape.length - x.rank).fill(1), ...x.shape]) : x, shape)];
    },
    host: (ctx, [x, s]) => [hostBroadcast(x!, expandShape(ctx, x!.shape, [...s!.data]))],
  },
  Tile: {
    staticInputs: [1],
    run: (ctx) => [tile(ctx.tensor(0), intsOf(ctx, 1, 'repeats')!)],
  },
  ConstantOfShape: {
    staticInputs: [0],
    run: (ctx) => [constantOfShape(ctx)],
  },
  Range: {
    staticInputs: [0, 1, 2],
    run: (ctx) => [rangeHost(ctx)],
    host: (ctx) => [rangeHost(ctx)],
  },
  Pad: {
    staticInputs: [1, 2, 3],
    run: (ctx) => {
      const x = ctx.tensor(0);
      const modeName = ctx.attrs.string('mode', 'constant');
      const mode = modeName === 'edge' ? 'replicate' : modeName;
      if (mode !== 'constant' && mode !== 'reflect' && mode !== 'replicate') ctx.fail('UNSUPPORTED', `Pad mode '${modeName}' is not supported`);
      let pads: number[];
      let value = 0;
      let axes: number[] | undefined;
      if (ctx.opset < 11) {
        pads = ctx.attrs.ints('pads') ?? ctx.attrs.ints('paddings') ?? [];
        value = ctx.attrs.float('value', 0);
      } else {
        pads = intsOf(ctx, 1, 'pads') ?? [];
        value = ctx.numbers(2)?.[0] ?? 0;
        axes = intsOf(ctx, 3, 'axes')?.map((a) => normAxis(ctx, a, x.rank));
      }
      const padAxes = axes ?? x.shape.map((_, i) => i);
      if (pads.length !== 2 * padAxes.length) ctx.fail('INVALID_ARGUMENT', `pads must have ${2 * padAxes.length} entries, got ${JSON.stringify(pads)}`);
      const pairs: [number, number][] = x.shape.map(() => [0, 0]);
      padAxes.forEach((a, i) => {
        pairs[a] = [pads[i]!, pads[i + padAxes.length]!];
      });
      return [pad(x, pairs, { mode: mode as 'constant' | 'reflect' | 'replicate', value })];
    },
  },
  Dropout: {
    run: (ctx) => dropout(ctx),
  },
  Flip: { run: (ctx) => [flip(ctx.tensor(0), ctx.attrs.ints('axes') ?? [])] },
};

function shapeValue(ctx: OpContext, x: Value): HostTensor {
  const shape = x.shape;
  const rank = shape.length;
  const clampAxis = (a: number): number => Math.min(Math.max(a < 0 ? a + rank : a, 0), rank);
  const start = clampAxis(ctx.attrs.int('start', 0));
  const end = clampAxis(ctx.attrs.int('end', rank));
  const dims = shape.slice(start, Math.max(start, end));
  return hostTensor('int', [dims.length], dims);
}

function constantOfShape(ctx: OpContext): HostTensor | Tensor {
  const shape = intsOf(ctx, 0, 'shape')!;
  if (shape.some((d) => d < 0)) ctx.fail('INVALID_ARGUMENT', `shape must be non-negative, got ${JSON.stringify(shape)}`);
  const t = ctx.attrs.tensor('value');
  let kind: HostKind = 'float32';
  let value = 0;
  if (t) {
    const c = readTensorProto(t, `ConstantOfShape '${ctx.nodeName}' value`);
    kind = c.kind;
    value = c.values[0] ?? 0;
  }
  const n = numel(shape);
  // Small results stay on the host (they often feed shape arithmetic); big ones are filled on the backend.
  if (n <= 4096) return hostTensor(kind, shape, new Float64Array(n).fill(value));
  return full(shape, kind === 'bool' ? value !== 0 : value, { dtype: kind === 'int' ? 'int32' : kind === 'bool' ? 'bool' : 'float32' });
}

function rangeHost(ctx: OpContext): HostTensor {
  const start = ctx.host(0);
  const limit = ctx.host(1);
  const delta = ctx.host(2);
  const values = rangeValues(ctx, start.data[0]!, limit.data[0]!, delta.data[0]!);
  return hostTensor(start.kind, [values.length], values);
}

function dropout(ctx: OpContext): Value[] {
  const x = ctx.inputs[0]!;
  // Dropout in an exported inference graph: identity in eval mode. In training mode it drops
  // with the ratio of the file (input 1 from opset 12, attribute before).
  const ratio = ctx.opset >= 12 ? (ctx.numbers(1)?.[0] ?? 0.5) : ctx.attrs.float('ratio', 0.5);
  const trainingInput = ctx.opset >= 12 ? ctx.numbers(2)?.[0] : undefined;
  const active = trainingInput !== undefined ? trainingInput !== 0 : ctx.training;
  const wantMask = ctx.node.output.length > 1 && ctx.node.output[1] !== '';
  if (!active || ratio === 0 || isHost(x)) {
    const outs: Value[] = [x];
    if (wantMask) outs.push(hostTensor('bool', x.shape, new Float64Array(numel(x.shape)).fill(1)));
    return outs;
  }
  const t = x as Tensor;
  const keep = dropoutMask(t.shape, ratio, ctx);
  const y = t.mul(keep).div(1 - ratio);
  return wantMask ? [y, keep.cast('bool')] : [y];
}

let dropoutCalls = 0;
function dropoutMask(shape: readonly number[], ratio: number, ctx: OpContext): Tensor {
  // Seeded per call so training runs are reproducible for a fixed call sequence.
  const seed = (ctx.attrs.int('seed') ?? 0x5eed) + dropoutCalls++;
  const mask = bernoulli(1 - ratio, [...shape], { seed });
  return mask.dtype === 'float32' ? mask : cast(mask, 'float32');
}
