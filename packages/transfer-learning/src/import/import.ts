/** `inspectOnnx` and `importOnnx`: the public entry points of the ONNX importer. */
import { TensorError, checkOptions as checkOptionKeys, tensor, type Tensor } from '@tessera/tensor-core';
import { decodeOnnxModel, type GraphProto, type ModelProto, type TensorProto } from '../proto/index.js';
import { defaultOpset, findUnsupported, MAX_OPSET, MIN_OPSET, nodeName, type UnsupportedNode } from './graph.js';
import { hostTensor, numel, type HostKind, type HostTensor, type Value } from './host.js';
import { GraphExecutor, HOST_FOLD_LIMIT, OnnxModule, describeValue, isFreeSegment, planGraph, type GraphPlan, type OnnxValueInfo } from './module.js';
import { BUFFER_INPUTS, OPS } from './ops/index.js';
import { checkedDims, dataTypeName, kindOfDataType, readTensorProto, type ExternalDataMap } from './tensor-proto.js';

/** Where an ONNX model comes from: bytes, a file path (Node), or a `Response`/`Blob` (browser). */
export type OnnxSource = Uint8Array | ArrayBuffer | string | Blob | Response;

/** Bytes of external data files by location, or a function that loads one. */
export type ExternalDataResolver =
  | Readonly<Record<string, Uint8Array | ArrayBuffer>>
  | ((location: string) => Uint8Array | ArrayBuffer | Promise<Uint8Array | ArrayBuffer>);

/** Options of {@link importOnnx}. */
export interface ImportOnnxOptions {
  /**
   * Data files of an external-data model (`model.onnx` + `model.onnx.data`), by the location the
   * model names. For a path source, files beside the model are read by default.
   */
  readonly externalData?: ExternalDataResolver;
  /**
   * Float initializers and `Constant` values with at least this many elements become Parameters
   * (default 2: every float tensor but scalars); smaller ones stay constants.
   */
  readonly minParameterSize?: number;
  /** Whether the Parameters require gradients (default true; `false` imports a frozen model). */
  readonly trainable?: boolean;
  /**
   * Float dtype of the weights and constants (default `float32`, what ONNX files hold);
   * `float64` (CPU backend) makes finite-difference gradient checks precise.
   */
  readonly dtype?: 'float32' | 'float64';
}

const OPTION_KEYS = ['externalData', 'minParameterSize', 'trainable', 'dtype'];

/** What {@link inspectOnnx} reports. */
export interface OnnxReport {
  readonly irVersion: number | undefined;
  /** The default-domain opset. */
  readonly opset: number | undefined;
  readonly producer: string;
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  /** Node count per op type (subgraphs included). */
  readonly opCounts: Readonly<Record<string, number>>;
  readonly nodeCount: number;
  readonly initializerCount: number;
  /** Elements of every float initializer and float `Constant` value (the weights). */
  readonly parameterCount: number;
  /** Every node the importer cannot run (empty when `importOnnx` will succeed on the ops). */
  readonly unsupported: readonly UnsupportedNode[];
}

function graphOf(model: ModelProto): GraphProto {
  if (!model.graph) throw new TensorError('INVALID_ARGUMENT', 'importOnnx', 'the model has no graph');
  return model.graph;
}

function countOps(graph: GraphProto, counts: Record<string, number>): number {
  let n = 0;
  for (const node of graph.node) {
    const key = node.domain && node.domain !== 'ai.onnx' ? `${node.domain}.${node.op_type}` : (node.op_type ?? '?');
    counts[key] = (counts[key] ?? 0) + 1;
    n++;
    for (const attr of node.attribute) for (const g of [attr.g, ...attr.graphs]) if (g) n += countOps(g, counts);
  }
  return n;
}

function floatElements(t: TensorProto): number {
  const kind = kindOfDataType(t.data_type);
  if (kind !== 'float32' && kind !== 'float64') return 0;
  return numel(t.dims);
}

function opsetProblems(opset: number | undefined): UnsupportedNode[] {
  if (opset === undefined) return [{ opType: 'opset', node: '(model)', reason: 'the model imports no default-domain opset' }];
  if (opset < MIN_OPSET || opset > MAX_OPSET) return [{ opType: 'opset', node: '(model)', reason: `opset ${opset} is outside the supported range ${MIN_OPSET} to ${MAX_OPSET}` }];
  return [];
}

/** Graph inputs of element types a Tessera tensor cannot hold faithfully. */
function inputProblems(graph: GraphProto): UnsupportedNode[] {
  const init = new Set(graph.initializer.map((t) => t.name));
  const out: UnsupportedNode[] = [];
  for (const input of graph.input) {
    if (init.has(input.name)) continue;
    const t = input.type?.tensor_type;
    const elem = t?.elem_type;
    if (!t) out.push({ opType: 'input', node: input.name ?? '', reason: 'only tensor inputs are supported (not sequences, maps or optionals)' });
    else if (kindOfDataType(elem) === undefined || elem === 10 || elem === 16) {
      out.push({ opType: 'input', node: input.name ?? '', reason: `element type ${dataTypeName(elem)} is not supported` });
    }
  }
  return out;
}

function graphInputs(graph: GraphProto): OnnxValueInfo[] {
  const init = new Set(graph.initializer.map((t) => t.name));
  return graph.input.filter((i) => !init.has(i.name)).map((i) => describeValue(i, dataTypeName));
}

/**
 * Reads an ONNX model's bytes and reports what is in it, without importing anything: opset,
 * inputs and outputs with their dims, op counts, weight count, and every unsupported op with its
 * node name and the reason.
 *
 * @throws TensorError `INVALID_ARGUMENT` when the bytes are not an ONNX model.
 * @example
 * ```ts
 * const report = inspectOnnx(bytes);
 * if (report.unsupported.length) console.table(report.unsupported);
 * ```
 */
export function inspectOnnx(bytes: Uint8Array | ArrayBuffer): OnnxReport {
  const model = decodeOnnxModel(toBytes(bytes, 'inspectOnnx'));
  const graph = graphOf(model);
  const opset = defaultOpset(model);
  const opCounts: Record<string, number> = {};
  const nodeCount = countOps(graph, opCounts);
  let parameterCount = graph.initializer.reduce((n, t) => n + floatElements(t), 0);
  for (const node of graph.node) {
    if (node.op_type === 'Constant') for (const a of node.attribute) if (a.name === 'value' && a.t) parameterCount += floatElements(a.t);
  }
  return {
    irVersion: model.ir_version,
    opset,
    producer: [model.producer_name, model.producer_version].filter(Boolean).join(' '),
    inputs: graphInputs(graph),
    outputs: graph.output.map((o) => describeValue(o, dataTypeName)),
    opCounts,
    nodeCount,
    initializerCount: graph.initializer.length,
    parameterCount,
    unsupported: [...opsetProblems(opset), ...inputProblems(graph), ...findUnsupported(graph, opset ?? MAX_OPSET)],
  };
}

function toBytes(source: Uint8Array | ArrayBuffer, op: string): Uint8Array {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  throw new TensorError('INVALID_ARGUMENT', op, `expected a Uint8Array or ArrayBuffer, got ${source === null ? 'null' : typeof source}`);
}

async function nodeFs(): Promise<typeof import('node:fs/promises')> {
  // A computed specifier keeps bundlers from pulling node:fs into browser builds.
  const specifier = 'node:fs/promises';
  return (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as typeof import('node:fs/promises');
}

async function readSource(source: OnnxSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (typeof source === 'string') return new Uint8Array(await (await nodeFs()).readFile(source));
  if (typeof Blob !== 'undefined' && source instanceof Blob) return new Uint8Array(await source.arrayBuffer());
  if (typeof Response !== 'undefined' && source instanceof Response) {
    if (!source.ok) throw new TensorError('INVALID_ARGUMENT', 'importOnnx', `the response failed: HTTP ${source.status} ${source.statusText}`);
    return new Uint8Array(await source.arrayBuffer());
  }
  throw new TensorError('INVALID_ARGUMENT', 'importOnnx', `source must be a Uint8Array, ArrayBuffer, file path, Blob or Response, got ${source === null ? 'null' : typeof source}`);
}

function externalLocations(graph: GraphProto, out: Set<string>): Set<string> {
  const visit = (t: TensorProto): void => {
    if (t.data_location !== 1) return;
    const loc = t.external_data.find((e) => e.key === 'location')?.value;
    if (loc) out.add(loc);
  };
  graph.initializer.forEach(visit);
  for (const node of graph.node) {
    for (const a of node.attribute) {
      if (a.t) visit(a.t);
      for (const g of [a.g, ...a.graphs]) if (g) externalLocations(g, out);
    }
  }
  return out;
}

async function resolveExternal(graph: GraphProto, source: OnnxSource, resolver: ExternalDataResolver | undefined): Promise<ExternalDataMap> {
  const out = new Map<string, Uint8Array>();
  for (const location of externalLocations(graph, new Set())) {
    if (location.includes('..') || location.startsWith('/')) {
      throw new TensorError('INVALID_ARGUMENT', 'importOnnx', `external data location '${location}' must be a plain relative path`);
    }
    let data: Uint8Array | ArrayBuffer | undefined;
    if (typeof resolver === 'function') data = await resolver(location);
    else if (resolver) data = resolver[location];
    else if (typeof source === 'string') {
      // A computed specifier, as for node:fs: a literal one breaks esbuild's browser builds.
      const pathSpecifier = 'node:path';
      const { dirname, join } = (await import(/* @vite-ignore */ /* webpackIgnore: true */ pathSpecifier)) as typeof import('node:path');
      data = new Uint8Array(await (await nodeFs()).readFile(join(dirname(source), location)));
    }
    if (data === undefined) continue;
    out.set(location, data instanceof Uint8Array ? data : new Uint8Array(data));
  }
  return out;
}

/** Makes an ONNX name a dotted path of valid property names. */
function sanitizeKey(name: string): string[] {
  return name.split('.').map((seg) => {
    let s = seg.replace(/[^A-Za-z0-9_]/g, '_');
    if (s === '') s = '_';
    while (!isFreeSegment(s)) s += '_';
    return s;
  });
}

/** Assigns every weight a state-dict key; a name that would clash with another's path is flattened. */
function assignKeys(names: readonly string[]): Map<string, string> {
  const keys = new Map<string, string>();
  const leaves = new Set<string>();
  const groups = new Set<string>();
  const clashes = (parts: string[]): boolean => {
    const key = parts.join('.');
    if (leaves.has(key) || groups.has(key)) return true;
    for (let i = 1; i < parts.length; i++) if (leaves.has(parts.slice(0, i).join('.'))) return true;
    return false;
  };
  const claim = (parts: string[]): string => {
    leaves.add(parts.join('.'));
    for (let i = 1; i < parts.length; i++) groups.add(parts.slice(0, i).join('.'));
    return parts.join('.');
  };
  for (const name of names) {
    let parts = sanitizeKey(name);
    if (clashes(parts)) {
      const flat = parts.join('_');
      let candidate = flat;
      for (let i = 1; clashes([candidate]); i++) candidate = `${flat}_${i}`;
      parts = [candidate];
    }
    keys.set(name, claim(parts));
  }
  return keys;
}

/** The contents of a tensor as a host value or a backend tensor for a weight. */
function hostOf(kind: HostKind, shape: number[], values: Float32Array | Float64Array): HostTensor {
  return hostTensor(kind, shape, values instanceof Float64Array ? values : Float64Array.from(values));
}

/**
 * Imports an ONNX model as an {@link OnnxModule}: a layers `Module` whose float initializers and
 * float `Constant` values are named Parameters (BatchNormalization statistics are buffers), and
 * whose `forward` runs the graph with tensor-core ops on the active backend, differentiably.
 *
 * Checks run before anything is allocated on a backend: the opset (7 to 21), every operator
 * (all unsupported ones are listed in one error), every tensor's dims against its data, node
 * order (cycles) and that every input is defined.
 *
 * @throws TensorError `UNSUPPORTED` listing every unsupported node (type, name, reason) or an
 *   unsupported opset; `INVALID_ARGUMENT` for a corrupt or lying file (truncated, data shorter
 *   than its dims, absurd dims, a cycle, an undefined input), a missing external data file or a
 *   bad option.
 * @example
 * ```ts
 * const model = await importOnnx('resnet18.onnx');
 * model.eval();
 * const { logits } = model.forward({ input: randn([1, 3, 224, 224], { seed: 0 }) });
 * ```
 */
export async function importOnnx(source: OnnxSource, options: ImportOnnxOptions = {}): Promise<OnnxModule> {
  checkOptions(options);
  const bytes = await readSource(source);
  const model = decodeOnnxModel(bytes);
  const graph = graphOf(model);
  const opset = defaultOpset(model);
  const problems = [...opsetProblems(opset), ...inputProblems(graph), ...findUnsupported(graph, opset ?? MAX_OPSET)];
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.opType} (${p.node}): ${p.reason}`).join('; ');
    throw new TensorError('UNSUPPORTED', 'importOnnx', `${problems.length} unsupported node${problems.length > 1 ? 's' : ''}: ${list}`);
  }
  const external = await resolveExternal(graph, source, options.externalData);
  return buildModule(model, graph, opset!, external, options);
}

function checkOptions(options: ImportOnnxOptions): void {
  checkOptionKeys('importOnnx', options, OPTION_KEYS);
  const min = options.minParameterSize;
  if (min !== undefined && (!Number.isInteger(min) || min < 1)) throw new TensorError('INVALID_ARGUMENT', 'importOnnx', `minParameterSize must be a positive integer, got ${String(min)}`);
  if (options.trainable !== undefined && typeof options.trainable !== 'boolean') throw new TensorError('INVALID_ARGUMENT', 'importOnnx', `trainable must be a boolean, got ${typeof options.trainable}`);
  if (options.dtype !== undefined && options.dtype !== 'float32' && options.dtype !== 'float64') {
    throw new TensorError('INVALID_ARGUMENT', 'importOnnx', `dtype must be 'float32' or 'float64', got ${JSON.stringify(options.dtype)}`);
  }
  const ext = options.externalData;
  if (ext !== undefined && typeof ext !== 'function' && (typeof ext !== 'object' || ext === null)) {
    throw new TensorError('INVALID_ARGUMENT', 'importOnnx', `externalData must be an object of bytes by location or a function, got ${ext === null ? 'null' : typeof ext}`);
  }
}

interface Usage {
  data: boolean;
  buffer: boolean;
}

/** How each value is read: as data (→ Parameter), only as running statistics (→ buffer), or only statically. */
function usages(graph: GraphProto): Map<string, Usage> {
  const out = new Map<string, Usage>();
  const mark = (name: string, kind: 'data' | 'buffer' | 'static'): void => {
    const u = out.get(name) ?? { data: false, buffer: false };
    if (kind === 'data') u.data = true;
    if (kind === 'buffer') u.buffer = true;
    out.set(name, u);
  };
  const visit = (g: GraphProto): void => {
    for (const node of g.node) {
      const spec = OPS[node.op_type ?? ''];
      const statics = spec?.staticInputs ?? [];
      const buffers = BUFFER_INPUTS[node.op_type ?? ''] ?? [];
      node.input.forEach((name, i) => {
        if (name === '') return;
        mark(name, buffers.includes(i) ? 'buffer' : statics.includes(i) ? 'static' : 'data');
      });
      for (const a of node.attribute) {
        for (const sub of [a.g, ...a.graphs]) {
          if (!sub) continue;
          visit(sub);
        }
      }
    }
  };
  visit(graph);
  return out;
}

function buildModule(model: ModelProto, graph: GraphProto, opset: number, external: ExternalDataMap, options: ImportOnnxOptions): OnnxModule {
  const minSize = options.minParameterSize ?? 2;
  const floatDtype = options.dtype ?? 'float32';
  // Validate every weight's dims against its bytes before reading any of them.
  const constantTensors = new Map<string, { proto: TensorProto; where: string }>();
  // Subgraph (If branch) initializers join the model's weights: names are unique in practice,
  // and a clash is refused rather than guessed at.
  const collect = (g: GraphProto, prefix: string): void => {
    for (const t of g.initializer) {
      const where = `${prefix}initializer '${t.name}'`;
      checkedDims(t.dims, where);
      if (constantTensors.has(t.name ?? '')) {
        throw new TensorError('UNSUPPORTED', 'importOnnx', `${where}: the name is also used by another initializer or Constant; scoped duplicate names are not supported`);
      }
      constantTensors.set(t.name ?? '', { proto: t, where });
    }
    for (const node of g.node) for (const a of node.attribute) for (const sub of [a.g, ...a.graphs]) if (sub) collect(sub, `${prefix}${node.name || node.op_type}/${a.name}: `);
  };
  collect(graph, '');
  const constantNodes = new Set<(typeof graph.node)[number]>();
  graph.node.forEach((node, i) => {
    if (node.op_type !== 'Constant' || node.output.length !== 1) return;
    const value = node.attribute.find((a) => a.name === 'value')?.t;
    if (!value) return;
    const where = `Constant '${nodeName(node, i)}'`;
    checkedDims(value.dims, where);
    constantTensors.set(node.output[0]!, { proto: value, where });
    constantNodes.add(node);
  });

  const plan = planGraph(graph, new Set());
  const use = usages(graph);
  const weights: Array<{ onnxName: string; value: Tensor; kind: 'parameter' | 'buffer' }> = [];
  const constants = new Map<string, HostTensor>();
  const decoded = new Map<string, ReturnType<typeof readTensorProto>>();
  for (const [name, { proto, where }] of constantTensors) decoded.set(name, readTensorProto(proto, where, external));
  try {
    for (const [name, c] of decoded) {
      const u = use.get(name);
      const isFloat = c.kind === 'float32' || c.kind === 'float64';
      if (isFloat && u && (u.data || u.buffer) && numel(c.shape) >= minSize) {
        const values = floatDtype === 'float64' ? Float64Array.from(c.values) : c.values instanceof Float32Array ? c.values : Float32Array.from(c.values);
        weights.push({ onnxName: name, value: tensor(values, c.shape, { dtype: floatDtype }), kind: u.data ? 'parameter' : 'buffer' });
      } else {
        constants.set(name, hostOf(c.kind, c.shape, c.values));
      }
    }
  } catch (e) {
    for (const w of weights) w.value.dispose();
    throw e;
  }
  const keys = assignKeys(weights.map((w) => w.onnxName));
  const variables = weights.map((w) => ({ ...w, key: keys.get(w.onnxName)! }));
  const folded = foldConstants(plan, opset, constants, constantNodes);
  const inputs = graphInputs(graph);
  const inputKinds = new Map(
    graph.input.filter((i) => !constantTensors.has(i.name ?? '')).map((i) => [i.name ?? '', kindOfDataType(i.type?.tensor_type?.elem_type)] as const),
  );
  const module = new OnnxModule({
    plan: folded,
    opset,
    constants,
    variables,
    inputs,
    outputs: graph.output.map((o) => describeValue(o, dataTypeName)),
    inputKinds,
    floatDtype,
    model,
  });
  if (options.trainable === false) module.freeze();
  return module;
}

/**
 * Evaluates at import every node whose inputs are all constants (Constant nodes, integer
 * initializers, shape arithmetic on them) and drops it from the plan.
 */
function foldConstants(plan: GraphPlan, opset: number, constants: Map<string, HostTensor>, constantNodes: ReadonlySet<unknown>): GraphPlan {
  const executor = new GraphExecutor(opset, () => false, new Map());
  const kept = plan.steps.filter((step) => {
    if (constantNodes.has(step.node)) return false;
    const spec = step.spec;
    if (!spec.host || step.subgraphs.size > 0 || step.node.op_type === 'Dropout') return true;
    const inputs = step.node.input.map((n) => (n === '' ? undefined : constants.get(n)));
    if (step.node.input.some((n, i) => n !== '' && inputs[i] === undefined)) return true;
    if (inputs.some((v) => v !== undefined && numel(v.shape) > HOST_FOLD_LIMIT)) return true;
    const outputs: Value[] = executor.runStep(step, inputs);
    if (!outputs.every((v): v is HostTensor => (v as HostTensor).host === true)) return true;
    step.node.output.forEach((name, i) => {
      if (name !== '' && outputs[i]) constants.set(name, outputs[i] as HostTensor);
    });
    return false;
  });
  const uses = new Map<string, number>();
  for (const step of kept) {
    for (const input of step.node.input) if (input !== '') uses.set(input, (uses.get(input) ?? 0) + 1);
    for (const g of step.subgraphs.values()) for (const name of g.uses.keys()) uses.set(name, (uses.get(name) ?? 0) + 1);
  }
  for (const out of plan.graph.output) uses.set(out.name ?? '', (uses.get(out.name ?? '') ?? 0) + 1);
  return { graph: plan.graph, steps: kept, uses };
}
