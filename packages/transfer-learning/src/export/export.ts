/**
 * `exportOnnx`: writes a Tessera Module as an ONNX model by tracing the ops one forward pass runs
 * (tensor-core's `observe` hook, the one autograd's tape uses) and mapping each recorded op to ONNX
 * nodes with the table of `op-map.ts`. Parameters and buffers become initializers named by their
 * dotted paths.
 */
import { Tensor, TensorError, Variable, concat, fmtShape, observe, retain, tidy, type DType, type OpRecord } from '@tessera/tensor-core';
import type { AnyModule } from '@tessera/layers';
import { encodeOnnxModel, type GraphProto, type ModelProto, type ModelProtoInit, type ValueInfoProto } from '../proto/index.js';
import { GraphBuilder, onnxType, type OnnxElementType } from './builder.js';
import { ONNX_EXPORTERS, type OpExportContext } from './op-map.js';
import { checkOptions, describeValue } from '../finetune/options.js';
import { requireModule } from '../finetune/select.js';
import { IMPORTED_GRAPH, moduleOf, planSplices, readWeights, sourceMetadata, spliceOutputNames, spliceValueInfo, withImportedGraphsAsSteps, writeSplice, type Splice } from './imported.js';
import { onnxModuleParts } from '../import/module.js';

/** The opsets {@link exportOnnx} writes. */
export const EXPORT_OPSETS = { min: 13, max: 21, default: 17 } as const;

/**
 * Axes of an input or output whose size may change: a list of axes (named `<name>_<axis>`), or
 * axis → symbolic name, as `torch.onnx.export`'s `dynamic_axes` (`{ 0: 'batch' }`).
 */
export type DynamicAxes = readonly number[] | Readonly<Record<number, string>>;

/** Options of {@link exportOnnx}. */
export interface ExportOnnxOptions {
  /**
   * Example inputs for the traced forward pass: one tensor (`forward(x)`), an array
   * (`forward(...xs)`), or a record of named tensors passed as one argument
   * (`forward({ input: x })`, as imported models take them; the keys become the ONNX input
   * names). Their shapes are the model's input shapes, except for dynamic axes. To name the
   * inputs of a model whose forward takes tensors, use `inputNames`.
   */
  readonly inputs: Tensor | readonly Tensor[] | Readonly<Record<string, Tensor>>;
  /** ONNX opset to write, 13 to 21 (default 17, which Debian's onnx 1.12 checker and every current runtime read). */
  readonly opset?: number;
  /** Dynamic axes by input or output name, e.g. `{ input: { 0: 'batch' }, output: { 0: 'batch' } }`. */
  readonly dynamicAxes?: Readonly<Record<string, DynamicAxes>>;
  /** Names of the graph inputs (default: the record's keys, `input`, or `input_0`, `input_1`, ...). */
  readonly inputNames?: readonly string[];
  /** Names of the graph outputs (default: the record's keys, `output`, or `output_0`, ...). */
  readonly outputNames?: readonly string[];
  /** The graph's name (default: the module's class name). */
  readonly graphName?: string;
}

const KNOWN = ['inputs', 'opset', 'dynamicAxes', 'inputNames', 'outputNames', 'graphName'];

/** IR version per opset: the oldest IR that carries the opset, so older runtimes and checkers read the file. */
function irVersionOf(opset: number): number {
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

interface Trace {
  readonly records: OpRecord[];
  readonly inputs: Tensor[];
  readonly outputs: Tensor[];
  /** Tensors that no traced op produced and that are neither inputs nor parameters, with a retained copy. */
  readonly constants: Map<Tensor, Tensor>;
  /** Indices of records whose inputs were all constants (their outputs are constants too). */
  readonly folded: Set<number>;
}

/**
 * Exports `module` to ONNX bytes (a `.onnx` file): the module runs once in eval mode on
 * `options.inputs` while every op it runs is recorded, and each recorded op becomes ONNX nodes.
 * Parameters and buffers become initializers under their dotted names (`features.0.weight`), so
 * other tools (and Tessera's importer) find them by name; constants the forward pass creates are
 * written as initializers too.
 *
 * An imported model inside `module` (from `importOnnx`, `cut` or `cutOnnx`) is not re-traced: its
 * original graph is written (nodes, names, opset, metadata) with the current weights, and the
 * layers around it are traced and appended. Its opset is kept, so `opset` must then be omitted or
 * equal to it.
 *
 * Supported: `Sequential` and `Module` subclasses built from layers whose ops have an ONNX mapping
 * (Linear, Conv2d, ConvTranspose2d, pooling, BatchNorm and LayerNorm, Dropout in eval, Flatten,
 * activations, Softmax/LogSoftmax, Embedding, ...; see `docs/transfer-learning.md`). What the
 * trace cannot see is baked in: control flow runs once, so a forward pass that branches on values
 * exports the branch the example took; values read back to JavaScript become constants.
 *
 * With `dynamicAxes`, the model is traced twice (the second time with those axes one larger) to
 * find which sizes follow them; a constant or a reshape that depends on them in a way ONNX cannot
 * express is reported.
 *
 * @throws TensorError `INVALID_ARGUMENT` for a bad module or option (unknown keys, an opset out of
 *   range or other than an imported graph's, names that do not match); `UNSUPPORTED` for new
 *   layers on an imported graph older than opset 13, or imported graphs of different opsets; `UNSUPPORTED` listing, all at once, every op without an ONNX
 *   mapping (with counts) and every op variant the mapping cannot write; whatever `forward` throws.
 * @example
 * ```ts
 * const model = new Sequential(new Linear({ inFeatures: 4, outFeatures: 8 }), new ReLU(), new Linear({ inFeatures: 8, outFeatures: 2 }));
 * const bytes = await exportOnnx(model, {
 *   inputs: { input: zeros([1, 4]) },
 *   dynamicAxes: { input: { 0: 'batch' }, output: { 0: 'batch' } },
 * });
 * await writeFile('model.onnx', bytes);
 * ```
 */
export async function exportOnnx(module: AnyModule, options: ExportOnnxOptions): Promise<Uint8Array> {
  const op = 'exportOnnx';
  requireModule(op, module);
  if (options === undefined) throw new TensorError('INVALID_ARGUMENT', op, 'options { inputs } required');
  const o = checkOptions(op, options, KNOWN);
  const opset = o.opset;
  if (opset !== undefined && (typeof opset !== 'number' || !Number.isInteger(opset) || opset < EXPORT_OPSETS.min || opset > EXPORT_OPSETS.max)) {
    throw new TensorError('INVALID_ARGUMENT', op, `opset must be an integer from ${EXPORT_OPSETS.min} to ${EXPORT_OPSETS.max}, got ${describeValue(opset)}`);
  }
  const { tensors: inputs, names: defaultInputNames, args, keyed } = readInputs(op, o.inputs);
  if (o.inputNames !== undefined) names(op, 'inputNames', o.inputNames, defaultInputNames);
  const dynamic = o.dynamicAxes ?? {};
  if (typeof dynamic !== 'object' || dynamic === null || Array.isArray(dynamic)) throw new TensorError('INVALID_ARGUMENT', op, `dynamicAxes must be an object by input/output name, got ${describeValue(dynamic)}`);

  const modules = module.modules();
  const modes = modules.map((m) => m.training);
  module.eval();
  const traces: TraceWithKeys[] = [];
  try {
    traces.push(trace(op, module, inputs, args));
    // An input or output that is an imported graph's own keeps that graph's name by default.
    const inputNames = names(op, 'inputNames', o.inputNames, keyed ? defaultInputNames : importedNames(traces[0]!, inputs, 'inputs', defaultInputNames));
    const outputNames = names(op, 'outputNames', o.outputNames, traces[0]!.outputKeys ?? importedNames(traces[0]!, traces[0]!.outputs, 'outputs', defaultOutputNames(traces[0]!.outputs.length, undefined)));
    const symbols = readDynamicAxes(op, dynamic, inputNames, inputs, outputNames, traces[0]!.outputs);
    const growing = inputs.map((_, i) => [...(symbols.get(inputNames[i]!)?.keys() ?? [])]);
    if (growing.some((axes) => axes.length > 0)) {
      const bigger = inputs.map((x, i) => grow(x, growing[i]!));
      try {
        traces.push(trace(op, module, bigger, args));
      } finally {
        for (let i = 0; i < bigger.length; i++) if (bigger[i] !== inputs[i]) bigger[i]!.dispose();
      }
    }
    return await write({ op, module, opset, inputNames, outputNames, symbols, traces, graphName: o.graphName });
  } finally {
    modules.forEach((m, i) => (m.training = modes[i]!));
    for (const t of traces) {
      for (const c of t.constants.values()) c.dispose();
      for (const out of t.outputs) out.dispose();
    }
  }
}

/** The arguments `forward` takes, built from the input tensors (the second trace passes larger ones). */
type ForwardArgs = (inputs: Tensor[]) => unknown[];

function readInputs(op: string, value: unknown): { tensors: Tensor[]; names: string[]; args: ForwardArgs; keyed: boolean } {
  if (value instanceof Tensor) return { tensors: [value], names: ['input'], args: (xs) => [xs[0]], keyed: false };
  if (Array.isArray(value) && value.length > 0 && value.every((v) => v instanceof Tensor)) {
    return { tensors: [...value], names: value.length === 1 ? ['input'] : value.map((_, i) => `input_${i}`), args: (xs) => xs, keyed: false };
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length > 0 && entries.every(([, v]) => v instanceof Tensor)) {
      const keys = entries.map(([k]) => k);
      return { tensors: entries.map(([, v]) => v as Tensor), names: keys, args: (xs) => [Object.fromEntries(keys.map((k, i) => [k, xs[i]!]))], keyed: true };
    }
  }
  throw new TensorError('INVALID_ARGUMENT', op, `inputs must be a Tensor, a non-empty array of Tensors or a record of Tensors, got ${describeValue(value)}`);
}

function names(op: string, what: string, given: readonly string[] | undefined, defaults: string[]): string[] {
  if (given === undefined) return defaults;
  if (!Array.isArray(given) || given.length !== defaults.length || !given.every((n) => typeof n === 'string' && n !== '')) {
    throw new TensorError('INVALID_ARGUMENT', op, `${what} must be ${defaults.length} non-empty string${defaults.length > 1 ? 's' : ''} (one per ${what === 'inputNames' ? 'input' : 'output'}), got ${JSON.stringify(given)}`);
  }
  if (new Set(given).size !== given.length) throw new TensorError('INVALID_ARGUMENT', op, `${what} must be distinct, got ${JSON.stringify(given)}`);
  return [...given];
}

/**
 * Default names of the model's inputs (or outputs): where one is an input (output) of an imported
 * graph, that graph's name for it; otherwise the generic default.
 */
function importedNames(first: Trace, tensors: readonly Tensor[], side: 'inputs' | 'outputs', defaults: string[]): string[] {
  const out = tensors.map((t, i) => {
    for (const r of first.records) {
      if (r.name !== IMPORTED_GRAPH) continue;
      const at = r[side].indexOf(t);
      if (at >= 0) return onnxModuleParts(moduleOf(r))[side][at]!.name;
    }
    return defaults[i]!;
  });
  return new Set(out).size === out.length ? out : defaults;
}

function defaultOutputNames(count: number, keys: string[] | undefined): string[] {
  if (keys) return keys;
  return count === 1 ? ['output'] : Array.from({ length: count }, (_, i) => `output_${i}`);
}

/** Symbolic names of the dynamic axes, by input/output name. */
function readDynamicAxes(op: string, dynamic: Readonly<Record<string, DynamicAxes>>, inputNames: string[], inputs: Tensor[], outputNames: string[], outputs: Tensor[]): Map<string, Map<number, string>> {
  const out = new Map<string, Map<number, string>>();
  for (const [name, spec] of Object.entries(dynamic)) {
    const inIndex = inputNames.indexOf(name);
    const outIndex = outputNames.indexOf(name);
    if (inIndex < 0 && outIndex < 0) {
      throw new TensorError('INVALID_ARGUMENT', op, `dynamicAxes names '${name}', which is neither an input (${inputNames.join(', ')}) nor an output (${outputNames.join(', ')})`);
    }
    const rank = (inIndex >= 0 ? inputs[inIndex]! : outputs[outIndex]!).rank;
    const axes = new Map<number, string>();
    const entries: [number, string][] = Array.isArray(spec)
      ? (spec as number[]).map((a) => [a, `${name}_${a}`])
      : typeof spec === 'object' && spec !== null
        ? Object.entries(spec).map(([a, s]) => [Number(a), s as string])
        : [];
    if (entries.length === 0) throw new TensorError('INVALID_ARGUMENT', op, `dynamicAxes.${name} must be a non-empty list of axes or an object axis → name, got ${describeValue(spec)}`);
    for (const [axis, symbol] of entries) {
      if (!Number.isInteger(axis) || axis < 0 || axis >= rank) throw new TensorError('AXIS_OUT_OF_RANGE', op, `dynamicAxes.${name}: axis ${axis} is out of range for rank ${rank}`);
      if (typeof symbol !== 'string' || symbol === '') throw new TensorError('INVALID_ARGUMENT', op, `dynamicAxes.${name}[${axis}] must be a non-empty name, got ${describeValue(symbol)}`);
      axes.set(axis, symbol);
    }
    out.set(name, axes);
  }
  return out;
}

/** `x` one larger along each of `axes` (its first slice repeated), for the second trace. */
function grow(x: Tensor, axes: number[]): Tensor {
  if (axes.length === 0) return x;
  return tidy(() => {
    let y = x;
    for (const axis of axes) {
      const begin = y.shape.map(() => 0);
      const end = y.shape.map((d, i) => (i === axis ? 1 : d));
      y = concat([y, y.slice(begin, end)], axis);
    }
    return y;
  });
}

interface TraceWithKeys extends Trace {
  readonly outputKeys: string[] | undefined;
}

function trace(op: string, module: AnyModule, inputs: Tensor[], args: ForwardArgs): TraceWithKeys {
  const records: OpRecord[] = [];
  const produced = new Set<Tensor>();
  const known = new Set<Tensor>([...inputs, ...module.parameters(), ...module.buffers()]);
  const constants = new Map<Tensor, Tensor>();
  const folded = new Set<number>();
  const observer = (r: OpRecord): void => {
    let allConstant = r.inputs.length > 0;
    for (const t of r.inputs) {
      if (produced.has(t) || known.has(t)) {
        if (!constants.has(t)) allConstant = false;
        continue;
      }
      if (!constants.has(t)) constants.set(t, retain(t));
    }
    if (allConstant) {
      // Computed from constants only (e.g. `full(...).mul(2)`): the result is a constant as well.
      folded.add(records.length);
      for (const t of r.outputs) constants.set(t, retain(t));
    }
    for (const t of r.outputs) produced.add(t);
    records.push({ name: r.name, inputs: [...r.inputs], outputs: [...r.outputs], attrs: r.attrs });
  };
  const restore = observe(observer);
  let outputKeys: string[] | undefined;
  let result: unknown;
  try {
    result = tidy(() =>
      withImportedGraphsAsSteps(observer, () => {
        const out = (module.forward as (...a: unknown[]) => unknown)(...args(inputs));
        if (out instanceof Tensor || Array.isArray(out)) return out as Tensor | Tensor[];
        if (typeof out === 'object' && out !== null) {
          outputKeys = Object.keys(out);
          return Object.values(out) as Tensor[];
        }
        return out as Tensor;
      }),
    );
  } catch (e) {
    for (const c of constants.values()) c.dispose();
    throw e;
  } finally {
    restore();
  }
  let outputs: Tensor[];
  if (result instanceof Tensor) outputs = [result];
  else if (Array.isArray(result) && result.length > 0 && result.every((t) => t instanceof Tensor)) outputs = result as Tensor[];
  else {
    for (const c of constants.values()) c.dispose();
    throw new TensorError('INVALID_ARGUMENT', op, `forward must return a Tensor, an array of Tensors or a record of Tensors, got ${describeValue(result)}`);
  }
  return { records, inputs, outputs, constants, folded, outputKeys };
}

interface WriteArgs {
  readonly op: string;
  readonly module: AnyModule;
  /** The opset asked for (undefined: the default, or the imported graph's). */
  readonly opset: number | undefined;
  readonly inputNames: string[];
  readonly outputNames: string[];
  readonly symbols: Map<string, Map<number, string>>;
  readonly traces: Trace[];
  readonly graphName: string | undefined;
}

/**
 * The opset and model metadata an export with imported graphs keeps: their own. Opsets are not
 * converted, so every imported graph must share one, an explicit `opset` must equal it, and new
 * layers (written at opset 13 to 21) need a graph in that range.
 */
function importedSource(op: string, records: readonly OpRecord[], asked: number | undefined, hasNewLayers: boolean): { opset: number; model: ModelProto } | undefined {
  const graphs = records.filter((r) => r.name === IMPORTED_GRAPH).map((r) => onnxModuleParts(moduleOf(r)));
  if (graphs.length === 0) return undefined;
  const opsets = [...new Set(graphs.map((g) => g.opset))];
  if (opsets.length > 1) throw new TensorError('UNSUPPORTED', op, `the imported graphs use different opsets (${opsets.join(', ')}); one ONNX model has one opset and exportOnnx does not convert them`);
  const opset = opsets[0]!;
  if (asked !== undefined && asked !== opset) {
    throw new TensorError('INVALID_ARGUMENT', op, `the model contains an imported graph of opset ${opset}, which is written as it is; opset ${asked} was asked for (omit opset or pass ${opset})`);
  }
  if (hasNewLayers && (opset < EXPORT_OPSETS.min || opset > EXPORT_OPSETS.max)) {
    throw new TensorError('UNSUPPORTED', op, `the imported graph uses opset ${opset}, and the layers added to it are written at opsets ${EXPORT_OPSETS.min} to ${EXPORT_OPSETS.max} only; export the imported model alone, or convert it to a newer opset first`);
  }
  return { opset, model: graphs[0]!.model };
}

function shapesDiffer(a: readonly number[], b: readonly number[]): boolean[] {
  return a.map((d, i) => d !== b[i]);
}

async function write(args: WriteArgs): Promise<Uint8Array> {
  const { op, module, inputNames, outputNames, symbols, traces } = args;
  const [first, second] = traces as [Trace, Trace | undefined];
  const problems: string[] = [];
  const traced = first.records.filter((r, i) => r.name !== IMPORTED_GRAPH && !first.folded.has(i));
  const source = importedSource(op, first.records, args.opset, traced.length > 0);
  const opset = source?.opset ?? args.opset ?? EXPORT_OPSETS.default;

  // The two traces must run the same ops for the shapes of the second to explain the first.
  if (second) {
    const a = first.records.map((r) => r.name);
    const b = second.records.map((r) => r.name);
    const at = a.findIndex((n, i) => n !== b[i]);
    if (a.length !== b.length || at >= 0) {
      throw new TensorError('UNSUPPORTED', op, `the forward pass runs different ops when the dynamic axes change size (op ${at >= 0 ? at : Math.min(a.length, b.length)}: '${a[at] ?? '(end)'}' vs '${b[at] ?? '(end)'}'); it cannot be exported with these dynamicAxes`);
    }
  }

  const builder = new GraphBuilder();
  const nameOf = new Map<Tensor, string>();
  const dynamicOf = new Map<Tensor, boolean[]>();
  first.inputs.forEach((t, i) => {
    nameOf.set(t, builder.reserve(inputNames[i]!));
    dynamicOf.set(t, second ? shapesDiffer(t.shape, second.inputs[i]!.shape) : t.shape.map(() => false));
  });
  first.records.forEach((r, i) => {
    r.outputs.forEach((t, j) => dynamicOf.set(t, second ? shapesDiffer(t.shape, second.records[i]!.outputs[j]!.shape) : t.shape.map(() => false)));
  });

  // Unmapped ops, all at once.
  const missing = new Map<string, number>();
  first.records.forEach((r, i) => {
    if (!first.folded.has(i) && r.name !== IMPORTED_GRAPH && !(r.name in ONNX_EXPORTERS)) missing.set(r.name, (missing.get(r.name) ?? 0) + 1);
  });
  if (missing.size > 0) {
    const list = [...missing].map(([n, c]) => `${n} (${c}×)`).join(', ');
    throw new TensorError('UNSUPPORTED', op, `${missing.size} op${missing.size > 1 ? 's' : ''} of ${module.constructor.name}'s forward pass ha${missing.size > 1 ? 've' : 's'} no ONNX mapping: ${list}`);
  }

  // Imported graphs keep their original names: they are claimed before the new layers' names.
  const splices = planSplices(first.records, builder, new Map(outputNames.map((n, i) => [n, first.outputs[i]!])));
  const spliceOf = new Map<OpRecord, Splice>(splices.map((sp) => [sp.record, sp]));
  for (const sp of splices) {
    const outNames = spliceOutputNames(sp);
    sp.record.outputs.forEach((t, j) => {
      if (!nameOf.has(t)) nameOf.set(t, outNames[j]!);
    });
  }
  const importedWeights = await readWeights(splices);

  // Parameters and buffers used by the graph: initializers under their dotted names.
  const variables = new Map<Tensor, string>();
  for (const [n, v] of [...module.namedParameters(), ...module.namedBuffers()]) if (!variables.has(v)) variables.set(v, n);
  const used = new Set<Tensor>();
  first.records.forEach((r, i) => {
    if (!first.folded.has(i)) for (const t of r.inputs) used.add(t);
  });
  for (const t of first.outputs) used.add(t);
  for (const [v, n] of variables) {
    if (!used.has(v)) continue;
    const name = builder.has(n) ? builder.fresh(n) : builder.reserve(n);
    nameOf.set(v, name);
    builder.initializer(name, await (v as Variable).data(), elementType(op, v.dtype), v.shape);
    dynamicOf.set(v, v.shape.map(() => false));
  }

  // Constants: values must not depend on the dynamic axes.
  const dropped = new Set<Tensor>();
  const secondConstants = second ? [...second.constants.entries()] : [];
  const firstConstants = [...first.constants.entries()];
  for (let k = 0; k < firstConstants.length; k++) {
    const [t, copy] = firstConstants[k]!;
    if (!used.has(t)) continue;
    const values = await copy.data();
    if (second) {
      const other = secondConstants[k]?.[1];
      const otherValues = other && other.shape.length === copy.shape.length && !shapesDiffer(copy.shape, other.shape).some(Boolean) ? await other.data() : undefined;
      if (otherValues === undefined || otherValues.some((v, i) => v !== values[i] && !(Number.isNaN(v) && Number.isNaN(values[i]!)))) {
        problems.push(`a constant of shape ${fmtShape(copy.shape)} created in the forward pass depends on the size of a dynamic axis (a mean over it, a tensor of its size); compute it from the input instead or export without dynamicAxes`);
        dropped.add(t);
        continue;
      }
    }
    nameOf.set(t, builder.initializer(builder.fresh('const'), values, elementType(op, copy.dtype), copy.shape));
    dynamicOf.set(t, copy.shape.map(() => false));
  }

  // Output names go to the ops that produce them; an output that is an input, a parameter or a repeated tensor gets an Identity.
  const outputAlias: [Tensor, string][] = [];
  first.outputs.forEach((t, i) => {
    const name = outputNames[i]!;
    if (nameOf.get(t) === name && first.outputs.indexOf(t) === i) return; // an imported graph's output under its own name
    if (nameOf.has(t) || first.outputs.indexOf(t) !== i) outputAlias.push([t, builder.has(name) ? builder.fresh(name) : builder.reserve(name)]);
    else nameOf.set(t, builder.reserve(name));
  });

  first.records.forEach((r, i) => {
    if (first.folded.has(i)) return;
    const splice = spliceOf.get(r);
    if (splice) {
      if (r.inputs.some((t) => dropped.has(t))) return;
      writeSplice(op, splice, r.inputs.map((t) => nameOf.get(t)!), builder, importedWeights);
      return;
    }
    for (const t of r.outputs) if (!nameOf.has(t)) nameOf.set(t, builder.fresh(r.name));
    const ctx: OpExportContext = {
      opset,
      attrs: r.attrs,
      inputs: r.inputs.map((t) => nameOf.get(t) ?? ''),
      outputs: r.outputs.map((t) => nameOf.get(t)!),
      inputShapes: r.inputs.map((t) => t.shape),
      outputShapes: r.outputs.map((t) => t.shape),
      inputDtypes: r.inputs.map((t) => t.dtype),
      outputDtypes: r.outputs.map((t) => t.dtype),
      inputDynamic: r.inputs.map((t) => dynamicOf.get(t) ?? t.shape.map(() => false)),
      outputDynamic: r.outputs.map((t) => dynamicOf.get(t)!),
      graph: builder,
      unsupported(reason: string): never {
        throw new UnsupportedVariant(`${r.name} (op ${i}): ${reason}`);
      },
    };
    // An op fed by a constant reported above adds no new problem.
    if (r.inputs.some((t) => dropped.has(t))) return;
    try {
      ONNX_EXPORTERS[r.name]!(ctx);
    } catch (e) {
      if (e instanceof UnsupportedVariant) problems.push(e.message);
      else throw e;
    }
  });
  for (const [t, name] of outputAlias) builder.node('Identity', [nameOf.get(t)!], [name]);

  if (problems.length > 0) {
    throw new TensorError('UNSUPPORTED', op, `${module.constructor.name} cannot be exported (${problems.length} problem${problems.length > 1 ? 's' : ''}): ${problems.join('; ')}`);
  }

  // Value infos with symbolic dims.
  const inputSymbols = new Map<string, string>(); // "size1/size2" of an input's dynamic axis → its symbol
  const valueInfo = (name: string, t: Tensor, dynamicMask: boolean[], given: Map<number, string> | undefined, sizes2: readonly number[] | undefined): Partial<ValueInfoProto> => ({
    name,
    type: {
      tensor_type: {
        elem_type: onnxType(elementType(op, t.dtype)),
        shape: {
          dim: t.shape.map((d, axis) => {
            const symbol = given?.get(axis) ?? (dynamicMask[axis] ? (inputSymbols.get(`${d}/${sizes2?.[axis]}`) ?? `${name}_${axis}`) : undefined);
            return symbol === undefined ? { dim_value: d } : { dim_param: symbol };
          }),
        },
      },
    },
  });
  const inputs = first.inputs.map((t, i) => {
    const given = symbols.get(inputNames[i]!);
    for (const [axis, symbol] of given ?? []) if (second) inputSymbols.set(`${t.shape[axis]}/${second.inputs[i]!.shape[axis]}`, symbol);
    return valueInfo(inputNames[i]!, t, dynamicOf.get(t)!, given, second?.inputs[i]!.shape);
  });
  const outputs = first.outputs.map((t, i) => valueInfo(outputNames[i]!, t, dynamicOf.get(t) ?? t.shape.map(() => false), symbols.get(outputNames[i]!), second?.outputs[i]!.shape));
  if (!source) {
    const model = builder.model({ opset, irVersion: irVersionOf(opset), name: args.graphName ?? module.constructor.name, inputs, outputs, producerVersion: '0.0.0' });
    return encodeOnnxModel(model);
  }
  // An imported graph alone keeps its declared inputs and outputs (symbolic dims included) unless
  // dynamicAxes say otherwise; with new layers the traced shapes are the truth.
  if (traced.length === 0) {
    const original = (side: 'input' | 'output', tensors: readonly Tensor[], names: readonly string[], infos: Partial<ValueInfoProto>[]): void => {
      tensors.forEach((t, i) => {
        if (symbols.has(names[i]!)) return;
        for (const r of first.records) {
          const at = r.name === IMPORTED_GRAPH ? r[`${side}s`].indexOf(t) : -1;
          if (at < 0) continue;
          const parts = onnxModuleParts(moduleOf(r));
          const graph = parts.model.graph as GraphProto;
          const declared = graph[side].find((v) => v.name === parts[`${side}s`][at]!.name);
          if (declared?.type) infos[i] = { ...declared, name: names[i]! };
          return;
        }
      });
    };
    original('input', first.inputs, inputNames, inputs);
    original('output', first.outputs, outputNames, outputs);
  }
  const base = builder.model({ opset, irVersion: irVersionOf(opset), name: args.graphName ?? source.model.graph?.name ?? module.constructor.name, inputs, outputs, producerVersion: '0.0.0' });
  const meta = sourceMetadata(source.model);
  const sourceGraph = source.model.graph as GraphProto;
  const model: ModelProtoInit = {
    ...base,
    ...meta,
    ir_version: Math.max(meta.ir_version ?? 0, traced.length > 0 ? irVersionOf(opset) : 0),
    graph: { ...base.graph, value_info: spliceValueInfo(splices), ...(sourceGraph.doc_string ? { doc_string: sourceGraph.doc_string } : {}) },
  } as ModelProtoInit;
  return encodeOnnxModel(model);
}

class UnsupportedVariant extends Error {}

function elementType(op: string, dtype: DType): OnnxElementType {
  if (dtype === 'float32' || dtype === 'float64' || dtype === 'int32' || dtype === 'bool') return dtype;
  throw new TensorError('UNSUPPORTED', op, `dtype ${String(dtype)} has no ONNX element type here`);
}
