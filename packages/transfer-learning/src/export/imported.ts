/**
 * Imported graphs inside an export: while `exportOnnx` traces, an imported model's forward pass is
 * recorded as one step (not as the tensor-core ops it runs), and the writer copies that model's
 * original ONNX nodes, names and metadata into the export with the current weights.
 */
import { TensorError, observe, type OpRecord, type Tensor, type Variable } from '@tessera/tensor-core';
import { OnnxDataType, type AttributeProto, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from '../proto/index.js';
import { onnxModuleParts, traceImportedGraphs, type OnnxModule, type OnnxModuleParts } from '../import/module.js';
import { rawBytes, type GraphBuilder, type OnnxElementType } from './builder.js';

/** The name of the trace record that stands for a whole imported graph. */
export const IMPORTED_GRAPH = 'onnx.importedGraph';

type AnyOnnxModule = OnnxModule<Tensor | Record<string, Tensor>>;

/**
 * While `body` runs, every imported model's forward pass is reported to `observer` as one
 * {@link IMPORTED_GRAPH} record (inputs and outputs in the graph's order, `attrs.module` the model)
 * and its inner ops are not reported.
 */
export function withImportedGraphsAsSteps<T>(observer: (record: OpRecord) => void, body: () => T): T {
  const restore = traceImportedGraphs((module, inputs, run) => {
    const restoreObserver = observe(undefined);
    let out: Record<string, Tensor>;
    try {
      out = run();
    } finally {
      restoreObserver();
    }
    const outputs = onnxModuleParts(module).outputs.map((o) => out[o.name]!);
    observer({ name: IMPORTED_GRAPH, inputs: [...inputs], outputs, attrs: { module } });
    return out;
  });
  try {
    return body();
  } finally {
    restore();
  }
}

/** The imported model of an {@link IMPORTED_GRAPH} record. */
export function moduleOf(record: OpRecord): AnyOnnxModule {
  return record.attrs['module'] as AnyOnnxModule;
}

/** How one imported-graph record is written: the names of its values in the export. */
export interface Splice {
  readonly record: OpRecord;
  readonly parts: OnnxModuleParts;
  readonly graph: GraphProto;
  /** Whether this is the first call of its model (its initializers are written with it). */
  readonly first: boolean;
  /** Original value / node name → name in the export (graph inputs excluded: they take the caller's names). */
  readonly rename: Map<string, string>;
  /** Graph outputs no node produces (an input or initializer passed through): written by an Identity. */
  readonly passThrough: Map<string, string>;
}

/**
 * Plans the names of every imported-graph record, in trace order. The first call of each model
 * keeps its original names where they are free; later calls and clashes get fresh ones. Called
 * before any other name but the graph inputs is reserved, so the original names win, except over
 * the export's output names.
 */
export function planSplices(records: readonly OpRecord[], builder: GraphBuilder, exportOutputs: ReadonlyMap<string, Tensor>): Splice[] {
  const initializerNames = new Map<AnyOnnxModule, Map<string, string>>();
  const splices: Splice[] = [];
  for (const record of records) {
    if (record.name !== IMPORTED_GRAPH) continue;
    const module = moduleOf(record);
    const parts = onnxModuleParts(module);
    const graph = parts.model.graph as GraphProto;
    const first = !initializerNames.has(module);
    // A name the export's outputs take is kept only by the value that is that output.
    const outputOf = new Map(parts.outputs.map((o, j) => [o.name, record.outputs[j]]));
    const claim = (name: string): string => {
      const taken = exportOutputs.get(name);
      const free = !builder.has(name) && (taken === undefined || taken === outputOf.get(name));
      return first && free ? builder.reserve(name) : builder.fresh(name);
    };
    const rename = new Map<string, string>();
    if (first) {
      const own = new Map<string, string>();
      for (const t of graph.initializer) own.set(t.name ?? '', claim(t.name ?? ''));
      initializerNames.set(module, own);
    }
    for (const [from, to] of initializerNames.get(module)!) rename.set(from, to);
    for (const node of graph.node) {
      for (const out of node.output) if (out !== '' && !rename.has(out)) rename.set(out, claim(out));
    }
    const passThrough = new Map<string, string>();
    for (const out of graph.output) {
      const name = out.name ?? '';
      if (graph.node.some((n) => n.output.includes(name))) continue;
      passThrough.set(name, builder.fresh(name));
    }
    splices.push({ record, parts, graph, first, rename, passThrough });
  }
  return splices;
}

/** The export names of a splice's outputs, in the graph's output order. */
export function spliceOutputNames(splice: Splice): string[] {
  return splice.parts.outputs.map((o) => splice.passThrough.get(o.name) ?? splice.rename.get(o.name)!);
}

const WEIGHT_TYPES: Partial<Record<number, OnnxElementType>> = { [OnnxDataType.FLOAT]: 'float32', [OnnxDataType.DOUBLE]: 'float64' };
const CONSTANT_TYPES: Partial<Record<number, OnnxElementType>> = {
  ...WEIGHT_TYPES,
  [OnnxDataType.INT32]: 'int32',
  [OnnxDataType.INT64]: 'int64',
  [OnnxDataType.BOOL]: 'bool',
};

/** Reads every weight of the splices' models once (the writer is async, the rewriting is not). */
export async function readWeights(splices: readonly Splice[]): Promise<Map<Variable, ArrayLike<number>>> {
  const out = new Map<Variable, ArrayLike<number>>();
  for (const s of splices) {
    if (!s.first) continue;
    for (const v of s.parts.variables.values()) if (!out.has(v)) out.set(v, (await v.data()) as ArrayLike<number>);
  }
  return out;
}

/**
 * Writes one splice into `builder`: (first call) its initializers with the current weights, then
 * the original nodes with their names (renamed where they clashed) reading `inputNames` for the
 * graph inputs.
 */
export function writeSplice(op: string, splice: Splice, inputNames: readonly string[], builder: GraphBuilder, weights: ReadonlyMap<Variable, ArrayLike<number>>): void {
  const { parts, graph, rename } = splice;
  const inputOf = new Map(parts.inputs.map((info, i) => [info.name, inputNames[i]!]));
  const ren = (name: string): string => (name === '' ? '' : (inputOf.get(name) ?? rename.get(name) ?? name));
  const updated = (t: TensorProto, name: string, where: string): TensorProto => {
    const v = parts.variables.get(t.name ?? name);
    if (v) {
      const dtype = WEIGHT_TYPES[t.data_type ?? 0];
      if (!dtype) throw new TensorError('UNSUPPORTED', op, `${where}: the weight '${t.name ?? name}' is stored as ONNX type ${t.data_type} in the imported model; only FLOAT and DOUBLE weights are written back`);
      return { ...t, float_data: [], double_data: [], int32_data: [], int64_data: [], external_data: [], data_location: 0, raw_data: rawBytes(weights.get(v)!, dtype) } as TensorProto;
    }
    if (t.data_location === 1) {
      // External data was read at import; the export holds every value inline.
      const host = parts.constants.get(t.name ?? name);
      const dtype = CONSTANT_TYPES[t.data_type ?? 0];
      if (!host || !dtype) throw new TensorError('UNSUPPORTED', op, `${where}: the constant '${t.name ?? name}' lives in external data of a type the export cannot write inline (ONNX type ${t.data_type})`);
      return { ...t, external_data: [], data_location: 0, raw_data: rawBytes(host.data, dtype) } as TensorProto;
    }
    return t;
  };
  const rewriteGraph = (g: GraphProto, where: string): GraphProto => ({
    ...g,
    initializer: g.initializer.map((t) => updated(t, t.name ?? '', where)),
    node: g.node.map((n) => rewriteNode(n, where, false)),
  });
  const rewriteNode = (node: NodeProto, where: string, top: boolean): NodeProto => {
    const constantOut = node.op_type === 'Constant' ? node.output[0] : undefined;
    const attribute = node.attribute.map((a): AttributeProto => {
      const next = { ...a };
      if (a.t && constantOut !== undefined && a.name === 'value') next.t = updated(a.t, constantOut, `${where}: Constant '${node.name ?? constantOut}'`);
      if (a.g) next.g = rewriteGraph(a.g, `${where}: ${node.name ?? node.op_type}/${a.name}`);
      if (a.graphs.length > 0) next.graphs = a.graphs.map((g) => rewriteGraph(g, `${where}: ${node.name ?? node.op_type}/${a.name}`));
      return next;
    });
    // Subgraph-local names are left as they are (ONNX forbids them to shadow outer names); outer names follow `ren`.
    return { ...node, name: node.name && top ? uniqueNodeName(builder, node.name) : node.name, input: node.input.map(ren), output: node.output.map(ren), attribute } as NodeProto;
  };
  const where = `imported graph '${graph.name ?? ''}'`;
  if (splice.first) {
    for (const t of graph.initializer) builder.initializers.push({ ...updated(t, t.name ?? '', where), name: rename.get(t.name ?? '')! });
  }
  for (const node of graph.node) builder.nodes.push(rewriteNode(node, where, true) as never);
  for (const [from, to] of splice.passThrough) builder.node('Identity', [ren(from)], [to]);
}

function uniqueNodeName(builder: GraphBuilder, name: string): string {
  return builder.hasNode(name) ? builder.freshNode(name) : builder.reserveNode(name);
}

/** The value infos of the splices' graphs under their export names (first call of each model). */
export function spliceValueInfo(splices: readonly Splice[]): ValueInfoProto[] {
  const out: ValueInfoProto[] = [];
  for (const s of splices) {
    for (const v of s.graph.value_info) {
      const name = s.rename.get(v.name ?? '');
      if (name !== undefined) out.push({ ...v, name });
    }
  }
  return out;
}

/** The model-level fields an export of imported graphs keeps from the first one. */
export function sourceMetadata(model: ModelProto): Partial<ModelProto> {
  const { ir_version, opset_import, producer_name, producer_version, domain, model_version, doc_string, metadata_props, functions } = model;
  return { ir_version, opset_import, producer_name, producer_version, domain, model_version, doc_string, metadata_props, functions };
}
