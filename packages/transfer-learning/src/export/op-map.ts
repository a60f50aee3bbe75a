/**
 * How each recorded tensor-core primitive becomes ONNX nodes: one entry per op name, keyed like
 * the op table of tensor-core and the gradient rules of autograd. When tensor-core's op table
 * gains an ONNX field (issue 11), these entries move there unchanged: each is a function of the
 * op's recorded attributes and its inputs' and outputs' shapes, and nothing else.
 */
import type { DType } from '@tessera/tensor-core';
import type { GraphBuilder, OnnxElementType } from './builder.js';
import { onnxType } from './builder.js';

/** What an exporter sees of one recorded op and how it writes nodes. */
export interface OpExportContext {
  /** The opset being written. */
  readonly opset: number;
  /** The recorded attributes. */
  readonly attrs: Readonly<Record<string, unknown>>;
  /** ONNX names of the op's inputs and of the outputs it must produce. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Shapes and dtypes of inputs and outputs, as traced. */
  readonly inputShapes: readonly (readonly number[])[];
  readonly outputShapes: readonly (readonly number[])[];
  readonly inputDtypes: readonly DType[];
  readonly outputDtypes: readonly DType[];
  /** Per axis of each input / output: whether its size follows a dynamic axis of a graph input. */
  readonly inputDynamic: readonly (readonly boolean[])[];
  readonly outputDynamic: readonly (readonly boolean[])[];
  readonly graph: GraphBuilder;
  /** Throws the op's "cannot export this variant" error (collected with the other problems). */
  unsupported(reason: string): never;
}

/** Writes the ONNX nodes of one recorded op. */
export type OpExporter = (ctx: OpExportContext) => void;

/** An int64 constant (shapes, axes, pads). */
function int64(ctx: OpExportContext, values: readonly number[], dims: readonly number[] = [values.length]): string {
  return ctx.graph.constant(values, 'int64', dims);
}

/** A scalar constant of the dtype of `like` (e.g. the 1 of `exp(x) - 1`). */
function scalarLike(ctx: OpExportContext, value: number, dtype: DType): string {
  return ctx.graph.constant([value], dtype as OnnxElementType, []);
}

/**
 * A target shape for Reshape: static dims as they are, the one dim that follows a dynamic axis as
 * -1 (Reshape infers it). Two dynamic dims cannot be written without shape arithmetic.
 */
function reshapeTarget(ctx: OpExportContext, shape: readonly number[], dynamic: readonly boolean[]): string {
  const count = dynamic.filter(Boolean).length;
  if (count > 1) ctx.unsupported(`the target shape ${JSON.stringify(shape)} has ${count} axes that follow a dynamic input axis; at most one can be inferred`);
  return int64(ctx, shape.map((d, i) => (dynamic[i] ? -1 : d)));
}

const unary = (opType: string): OpExporter => (ctx) => void ctx.graph.node(opType, [ctx.inputs[0]!], ctx.outputs);
const binary = (opType: string): OpExporter => (ctx) => void ctx.graph.node(opType, [ctx.inputs[0]!, ctx.inputs[1]!], ctx.outputs);

/** Reductions run on an input whose reduced axes were moved last (`attrs.axes` name the original axes): reduce the trailing ones, then restore keepDims' shape. */
function reduction(opType: string, axesAsInputFrom: number): OpExporter {
  return (ctx) => {
    const rank = ctx.inputShapes[0]!.length;
    const n = (ctx.attrs['axes'] as number[]).length;
    const axes = Array.from({ length: n }, (_, i) => rank - n + i);
    const keepDims = ctx.attrs['keepDims'] === true;
    const out = keepDims && n > 0 ? [ctx.graph.fresh(opType)] : ctx.outputs;
    if (n === 0) {
      ctx.graph.node('Identity', [ctx.inputs[0]!], out);
    } else if (ctx.opset >= axesAsInputFrom) {
      ctx.graph.node(opType, [ctx.inputs[0]!, int64(ctx, axes)], out, { keepdims: 0 });
    } else {
      ctx.graph.node(opType, [ctx.inputs[0]!], out, { axes, keepdims: 0 });
    }
    if (keepDims && n > 0) ctx.graph.node('Reshape', [out[0]!, reshapeTarget(ctx, ctx.outputShapes[0]!, ctx.outputDynamic[0]!)], ctx.outputs);
  };
}

function argReduction(opType: string): OpExporter {
  return (ctx) => {
    const rank = ctx.inputShapes[0]!.length;
    const n = (ctx.attrs['axes'] as number[]).length;
    let x = ctx.inputs[0]!;
    if (n !== 1) {
      // Flattened argmax: the kept axes stay, the reduced ones become one trailing axis.
      const shape = ctx.inputShapes[0]!;
      const keptShape = shape.slice(0, rank - n);
      x = ctx.graph.node('Reshape', [x, reshapeTarget(ctx, [...keptShape, shape.slice(rank - n).reduce((a, b) => a * b, 1)], [...ctx.inputDynamic[0]!.slice(0, rank - n), false])])[0]!;
    }
    const keptRank = rank - n;
    const [idx] = ctx.graph.node(opType, [x], 1, { axis: keptRank, keepdims: 0, select_last_index: 0 });
    const keepDims = ctx.attrs['keepDims'] === true;
    const cast = keepDims ? [ctx.graph.fresh('Cast')] : ctx.outputs;
    ctx.graph.node('Cast', [idx!], cast, { to: onnxType('int32') });
    if (keepDims) ctx.graph.node('Reshape', [cast[0]!, reshapeTarget(ctx, ctx.outputShapes[0]!, ctx.outputDynamic[0]!)], ctx.outputs);
  };
}

/** ONNX `pads` of a 2-D op from Tessera's `[top, bottom, left, right]`: `[top, left, bottom, right]`. */
function pads2d(padding: readonly number[]): number[] {
  return [padding[0]!, padding[2]!, padding[1]!, padding[3]!];
}

interface ConvParams {
  stride: [number, number];
  padding: [number, number, number, number];
  dilation: [number, number];
  groups: number;
}
interface PoolParams {
  kernelSize: [number, number];
  stride: [number, number];
  padding: [number, number, number, number];
  dilation: [number, number];
  countIncludePad: boolean;
}

function requireBatched(ctx: OpExportContext, op: string): void {
  if (ctx.inputShapes[0]!.length !== 4) ctx.unsupported(`${op} of an unbatched input ${JSON.stringify(ctx.inputShapes[0])}: ONNX needs [N, C, H, W]; add a batch axis before the layer`);
}

function pool(opType: 'MaxPool' | 'AveragePool'): OpExporter {
  return (ctx) => {
    requireBatched(ctx, opType);
    const p = ctx.attrs['params'] as PoolParams;
    const [, , h, w] = ctx.inputShapes[0]!;
    const [, , oh, ow] = ctx.outputShapes[0]!;
    // Tessera reports the output size, not the rounding: ceil_mode is whatever reproduces it.
    const floorSize = (size: number, k: number, s: number, pb: number, pe: number, d: number): number => Math.floor((size + pb + pe - d * (k - 1) - 1) / s) + 1;
    const ceil = floorSize(h!, p.kernelSize[0], p.stride[0], p.padding[0], p.padding[1], p.dilation[0]) !== oh || floorSize(w!, p.kernelSize[1], p.stride[1], p.padding[2], p.padding[3], p.dilation[1]) !== ow;
    const dilated = p.dilation[0] !== 1 || p.dilation[1] !== 1;
    if (opType === 'AveragePool' && dilated && ctx.opset < 19) ctx.unsupported(`dilated average pooling needs opset 19 or later (exporting opset ${ctx.opset})`);
    ctx.graph.node(opType, [ctx.inputs[0]!], ctx.outputs, {
      kernel_shape: p.kernelSize,
      strides: p.stride,
      pads: pads2d(p.padding),
      ...(dilated ? { dilations: p.dilation } : {}),
      ...(ceil ? { ceil_mode: 1 } : {}),
      ...(opType === 'AveragePool' ? { count_include_pad: p.countIncludePad ? 1 : 0 } : {}),
    });
  };
}

/**
 * The mapping table: recorded tensor-core op name → ONNX nodes. An op missing here cannot be
 * exported; {@link exportOnnx} lists every such op of a model at once.
 */
export const ONNX_EXPORTERS: Readonly<Record<string, OpExporter>> = {
  // ----------------------------------------------------------------------------- elementwise
  neg: unary('Neg'),
  abs: unary('Abs'),
  sign: unary('Sign'),
  exp: unary('Exp'),
  log: unary('Log'),
  sqrt: unary('Sqrt'),
  reciprocal: unary('Reciprocal'),
  sin: unary('Sin'),
  cos: unary('Cos'),
  tanh: unary('Tanh'),
  sigmoid: unary('Sigmoid'),
  relu: unary('Relu'),
  erf: unary('Erf'),
  floor: unary('Floor'),
  ceil: unary('Ceil'),
  round: unary('Round'), // both round half to even
  softplus: unary('Softplus'),
  logicalNot: unary('Not'),
  isNaN: unary('IsNaN'),
  clone: unary('Identity'),
  square: (ctx) => void ctx.graph.node('Mul', [ctx.inputs[0]!, ctx.inputs[0]!], ctx.outputs),
  rsqrt: (ctx) => {
    const [s] = ctx.graph.node('Sqrt', [ctx.inputs[0]!]);
    ctx.graph.node('Reciprocal', [s!], ctx.outputs);
  },
  expm1: (ctx) => {
    const [e] = ctx.graph.node('Exp', [ctx.inputs[0]!]);
    ctx.graph.node('Sub', [e!, scalarLike(ctx, 1, ctx.inputDtypes[0]!)], ctx.outputs);
  },
  log1p: (ctx) => {
    const [s] = ctx.graph.node('Add', [ctx.inputs[0]!, scalarLike(ctx, 1, ctx.inputDtypes[0]!)]);
    ctx.graph.node('Log', [s!], ctx.outputs);
  },
  isFinite: (ctx) => {
    const [inf] = ctx.graph.node('IsInf', [ctx.inputs[0]!]);
    const [nan] = ctx.graph.node('IsNaN', [ctx.inputs[0]!]);
    const [bad] = ctx.graph.node('Or', [inf!, nan!]);
    ctx.graph.node('Not', [bad!], ctx.outputs);
  },
  gelu: (ctx) => {
    const approximate = ctx.attrs['approximate'] === 'tanh' ? 'tanh' : 'none';
    const x = ctx.inputs[0]!;
    if (ctx.opset >= 20) {
      ctx.graph.node('Gelu', [x], ctx.outputs, { approximate });
      return;
    }
    const dt = ctx.inputDtypes[0]!;
    let inner: string;
    if (approximate === 'none') {
      // x·Φ(x) = 0.5·x·(1 + erf(x/√2))
      const [scaled] = ctx.graph.node('Mul', [x, scalarLike(ctx, Math.SQRT1_2, dt)]);
      [inner] = ctx.graph.node('Erf', [scaled!]) as [string];
    } else {
      // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
      const [x3] = ctx.graph.node('Mul', [x, x]);
      const [x3b] = ctx.graph.node('Mul', [x3!, x]);
      const [c] = ctx.graph.node('Mul', [x3b!, scalarLike(ctx, 0.044715, dt)]);
      const [s] = ctx.graph.node('Add', [x, c!]);
      const [k] = ctx.graph.node('Mul', [s!, scalarLike(ctx, Math.sqrt(2 / Math.PI), dt)]);
      [inner] = ctx.graph.node('Tanh', [k!]) as [string];
    }
    const [onePlus] = ctx.graph.node('Add', [inner, scalarLike(ctx, 1, dt)]);
    const [half] = ctx.graph.node('Mul', [x, scalarLike(ctx, 0.5, dt)]);
    ctx.graph.node('Mul', [half!, onePlus!], ctx.outputs);
  },
  clamp: (ctx) => {
    const dt = ctx.inputDtypes[0]!;
    const bound = (v: unknown): string => (typeof v === 'number' ? scalarLike(ctx, v, dt) : '');
    const inputs = [ctx.inputs[0]!, bound(ctx.attrs['min']), bound(ctx.attrs['max'])];
    while (inputs[inputs.length - 1] === '') inputs.pop();
    ctx.graph.node('Clip', inputs, ctx.outputs);
  },
  add: binary('Add'),
  sub: binary('Sub'),
  mul: binary('Mul'),
  div: binary('Div'),
  pow: binary('Pow'),
  maximum: binary('Max'),
  minimum: binary('Min'),
  equal: binary('Equal'),
  less: binary('Less'),
  lessEqual: binary('LessOrEqual'),
  greater: binary('Greater'),
  greaterEqual: binary('GreaterOrEqual'),
  logicalAnd: binary('And'),
  logicalOr: binary('Or'),
  logicalXor: binary('Xor'),
  notEqual: (ctx) => {
    const [eq] = ctx.graph.node('Equal', [ctx.inputs[0]!, ctx.inputs[1]!]);
    ctx.graph.node('Not', [eq!], ctx.outputs);
  },
  mod: (ctx) => {
    const [a, b] = [ctx.inputs[0]!, ctx.inputs[1]!];
    if (ctx.inputDtypes[0] === 'int32') {
      ctx.graph.node('Mod', [a, b], ctx.outputs, { fmod: 0 }); // sign of the divisor, as Python
      return;
    }
    // Float Mod in ONNX is C's fmod (sign of the dividend); Python's remainder is a − floor(a/b)·b.
    const [q] = ctx.graph.node('Div', [a, b]);
    const [f] = ctx.graph.node('Floor', [q!]);
    const [m] = ctx.graph.node('Mul', [f!, b]);
    ctx.graph.node('Sub', [a, m!], ctx.outputs);
  },
  where: (ctx) => void ctx.graph.node('Where', [ctx.inputs[0]!, ctx.inputs[1]!, ctx.inputs[2]!], ctx.outputs),
  cast: (ctx) => void ctx.graph.node('Cast', [ctx.inputs[0]!], ctx.outputs, { to: onnxType(ctx.attrs['dtype'] as DType) }),

  // ----------------------------------------------------------------------------- reductions
  sum: reduction('ReduceSum', 13),
  max: reduction('ReduceMax', 18),
  min: reduction('ReduceMin', 18),
  prod: reduction('ReduceProd', 18),
  argmax: argReduction('ArgMax'),
  argmin: argReduction('ArgMin'),
  cumsum: (ctx) => {
    ctx.graph.node('CumSum', [ctx.inputs[0]!, int64(ctx, [ctx.attrs['axis'] as number], [])], ctx.outputs, {
      exclusive: ctx.attrs['exclusive'] === true ? 1 : 0,
      reverse: ctx.attrs['reverse'] === true ? 1 : 0,
    });
  },

  // ----------------------------------------------------------------------------- movement
  reshape: (ctx) => void ctx.graph.node('Reshape', [ctx.inputs[0]!, reshapeTarget(ctx, ctx.outputShapes[0]!, ctx.outputDynamic[0]!)], ctx.outputs),
  transpose: (ctx) => void ctx.graph.node('Transpose', [ctx.inputs[0]!], ctx.outputs, { perm: ctx.attrs['perm'] as number[] }),
  expand: (ctx) => {
    const shape = ctx.outputShapes[0]!;
    const inShape = ctx.inputShapes[0]!;
    const offset = shape.length - inShape.length;
    // Expand broadcasts: a 1 in the target keeps the input's size, which is how a dynamic axis passes through.
    const target = shape.map((d, i) => {
      if (!ctx.outputDynamic[0]![i]) return d;
      if (i < offset || !ctx.inputDynamic[0]![i - offset]) ctx.unsupported(`expanding to a size that follows a dynamic axis (axis ${i} of ${JSON.stringify(shape)}) from a static one`);
      return 1;
    });
    ctx.graph.node('Expand', [ctx.inputs[0]!, int64(ctx, target)], ctx.outputs);
  },
  slice: (ctx) => {
    const begin = ctx.attrs['begin'] as number[];
    const step = ctx.attrs['step'] as number[];
    const inShape = ctx.inputShapes[0]!;
    const outShape = ctx.outputShapes[0]!;
    const axes: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    const steps: number[] = [];
    const FAR = 2 ** 53 - 1;
    begin.forEach((b, axis) => {
      const s = step[axis]!;
      const size = outShape[axis]!;
      if (ctx.outputDynamic[0]![axis]) {
        if (!(b === 0 && s === 1 && ctx.inputDynamic[0]![axis])) ctx.unsupported(`a slice of axis ${axis}, which follows a dynamic axis, that does not keep it whole`);
        axes.push(axis);
        starts.push(0);
        ends.push(FAR);
        steps.push(1);
        return;
      }
      if (b === 0 && s === 1 && size === inShape[axis]) return; // the whole axis
      const end = b + size * s;
      axes.push(axis);
      starts.push(b);
      // A negative step that runs past the first element needs an end before index 0, which a negative index cannot say.
      ends.push(end < 0 ? -FAR : end);
      steps.push(s);
    });
    if (axes.length === 0) {
      ctx.graph.node('Identity', [ctx.inputs[0]!], ctx.outputs);
      return;
    }
    ctx.graph.node('Slice', [ctx.inputs[0]!, int64(ctx, starts), int64(ctx, ends), int64(ctx, axes), int64(ctx, steps)], ctx.outputs);
  },
  concat: (ctx) => void ctx.graph.node('Concat', ctx.inputs, ctx.outputs, { axis: ctx.attrs['axis'] as number }),
  pad: (ctx) => {
    const pads = ctx.attrs['pads'] as [number, number][];
    const mode = ctx.attrs['mode'] as string;
    const onnxMode = mode === 'replicate' ? 'edge' : mode;
    const inputs = [ctx.inputs[0]!, int64(ctx, [...pads.map((p) => p[0]), ...pads.map((p) => p[1])])];
    if (mode === 'constant') inputs.push(scalarLike(ctx, (ctx.attrs['value'] as number) ?? 0, ctx.inputDtypes[0]!));
    ctx.graph.node('Pad', inputs, ctx.outputs, { mode: onnxMode });
  },
  // tensor-core's gather takes along an axis with an index of the input's rank (GatherElements).
  gather: (ctx) => void ctx.graph.node('GatherElements', [ctx.inputs[0]!, ctx.inputs[1]!], ctx.outputs, { axis: ctx.attrs['axis'] as number }),
  scatterAdd: (ctx) => {
    if (ctx.opset < 16) ctx.unsupported(`ScatterElements with reduction='add' needs opset 16 or later (exporting opset ${ctx.opset})`);
    ctx.graph.node('ScatterElements', [ctx.inputs[0]!, ctx.inputs[1]!, ctx.inputs[2]!], ctx.outputs, { axis: ctx.attrs['axis'] as number, reduction: 'add' });
  },

  // ----------------------------------------------------------------------------- nn
  matmul: (ctx) => {
    const flip = (name: string): string => ctx.graph.node('Transpose', [name], 1, { perm: [0, 2, 1] })[0]!;
    const a = ctx.attrs['transposeA'] === true ? flip(ctx.inputs[0]!) : ctx.inputs[0]!;
    const b = ctx.attrs['transposeB'] === true ? flip(ctx.inputs[1]!) : ctx.inputs[1]!;
    ctx.graph.node('MatMul', [a, b], ctx.outputs);
  },
  softmax: (ctx) => void ctx.graph.node('Softmax', [ctx.inputs[0]!], ctx.outputs, { axis: ctx.attrs['axis'] as number }),
  logSoftmax: (ctx) => void ctx.graph.node('LogSoftmax', [ctx.inputs[0]!], ctx.outputs, { axis: ctx.attrs['axis'] as number }),
  conv2d: (ctx) => {
    requireBatched(ctx, 'Conv');
    const p = ctx.attrs['params'] as ConvParams;
    const w = ctx.inputShapes[1]!;
    ctx.graph.node('Conv', [ctx.inputs[0]!, ctx.inputs[1]!], ctx.outputs, {
      kernel_shape: [w[2]!, w[3]!],
      strides: p.stride,
      pads: pads2d(p.padding),
      dilations: p.dilation,
      group: p.groups,
    });
  },
  // A transposed convolution is the input gradient of a convolution; the weight layout [inC, outC/g, kH, kW] is ONNX's.
  conv2dBackpropInput: (ctx) => {
    requireBatched(ctx, 'ConvTranspose');
    const p = ctx.attrs['params'] as ConvParams;
    const w = ctx.inputShapes[1]!;
    const [, , h, wd] = ctx.inputShapes[0]!;
    const [, , oh, ow] = ctx.outputShapes[0]!;
    const natural = (size: number, k: number, s: number, d: number, pb: number, pe: number): number => s * (size - 1) + d * (k - 1) + 1 - pb - pe;
    const outputPadding = [oh! - natural(h!, w[2]!, p.stride[0], p.dilation[0], p.padding[0], p.padding[1]), ow! - natural(wd!, w[3]!, p.stride[1], p.dilation[1], p.padding[2], p.padding[3])];
    ctx.graph.node('ConvTranspose', [ctx.inputs[0]!, ctx.inputs[1]!], ctx.outputs, {
      kernel_shape: [w[2]!, w[3]!],
      strides: p.stride,
      pads: pads2d(p.padding),
      dilations: p.dilation,
      group: p.groups,
      ...(outputPadding.some((v) => v !== 0) ? { output_padding: outputPadding } : {}),
    });
  },
  maxPool2d: pool('MaxPool'),
  avgPool2d: pool('AveragePool'),
  batchNorm: (ctx) => {
    const [x, mean, variance] = ctx.inputs as [string, string, string];
    const c = ctx.inputShapes[1]![0]!;
    const dt = ctx.inputDtypes[0]! as OnnxElementType;
    let next = 3;
    const weight = ctx.attrs['weight'] === true ? ctx.inputs[next++]! : ctx.graph.filled(1, dt, [c]);
    const bias = ctx.attrs['bias'] === true ? ctx.inputs[next++]! : ctx.graph.filled(0, dt, [c]);
    ctx.graph.node('BatchNormalization', [x, weight, bias, mean, variance], ctx.outputs, { epsilon: { float: ctx.attrs['eps'] as number } });
  },
  layerNorm: (ctx) => {
    const normalized = ctx.attrs['normalizedShape'] as number[];
    const eps = ctx.attrs['eps'] as number;
    const dt = ctx.inputDtypes[0]!;
    const x = ctx.inputs[0]!;
    if (ctx.opset >= 17) {
      const scale = ctx.graph.filled(1, dt as OnnxElementType, normalized);
      ctx.graph.node('LayerNormalization', [x, scale], ctx.outputs, { axis: -normalized.length, epsilon: { float: eps } });
      return;
    }
    const rank = ctx.inputShapes[0]!.length;
    const axes = normalized.map((_, i) => rank - normalized.length + i);
    const mean = (input: string): string => ctx.graph.node('ReduceMean', [input], 1, { axes, keepdims: 1 })[0]!;
    const [centered] = ctx.graph.node('Sub', [x, mean(x)]);
    const [sq] = ctx.graph.node('Mul', [centered!, centered!]);
    const [shifted] = ctx.graph.node('Add', [mean(sq!), scalarLike(ctx, eps, dt)]);
    const [std] = ctx.graph.node('Sqrt', [shifted!]);
    ctx.graph.node('Div', [centered!, std!], ctx.outputs);
  },
};

/** Names of the tensor-core ops the exporter can write (for docs and messages). */
export function exportableOps(): string[] {
  return Object.keys(ONNX_EXPORTERS).sort();
}
