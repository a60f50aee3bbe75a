/** Cutting an ONNX model at an intermediate tensor: the backbone a new head is put on. */
import { TensorError, type Tensor } from '@tessera/tensor-core';
import { decodeOnnxModel, encodeOnnxModel, type GraphProto, type ModelProtoInit, type NodeProto, type ValueInfoProto } from '../proto/index.js';
import { importOnnx, type ImportOnnxOptions } from '../import/index.js';
import { OnnxModule, describeValue as describeGraphValue, onnxModuleParts } from '../import/module.js';
import { dataTypeName } from '../import/tensor-proto.js';
import { describeValue } from './options.js';

/** Every value name a graph's nodes read, subgraphs (If/Loop bodies) included. */
function inputsOf(node: NodeProto): string[] {
  const names = [...node.input];
  for (const a of node.attribute) for (const g of [...(a.g ? [a.g] : []), ...a.graphs]) for (const n of g.node) names.push(...inputsOf(n));
  return names.filter((n) => n !== '');
}

function list(names: readonly string[], max = 40): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')}, ... (${names.length - max} more)`;
}

/**
 * The bytes of an ONNX model cut after `outputs`: those tensors (or the first output of nodes of
 * those names) become the graph's outputs, and every node, initializer and input they do not
 * depend on is dropped. Use it to take a pretrained network's backbone, then put a new head on it
 * (see {@link cutOnnx}).
 *
 * @throws TensorError `INVALID_ARGUMENT` when the bytes are not an ONNX model, `outputs` is empty,
 *   or a name is neither a tensor nor a node of the graph (the message lists the node names and
 *   their output tensors, in graph order).
 * @example
 * ```ts
 * const backbone = cutOnnxBytes(bytes, '/features/features.18/Relu_output_0');
 * ```
 */
export function cutOnnxBytes(bytes: Uint8Array | ArrayBuffer, outputs: string | readonly string[]): Uint8Array {
  const op = 'cutOnnx';
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer)) throw new TensorError('INVALID_ARGUMENT', op, `bytes must be a Uint8Array or an ArrayBuffer, got ${describeValue(bytes)}`);
  const wanted = typeof outputs === 'string' ? [outputs] : outputs;
  if (!Array.isArray(wanted) || wanted.length === 0 || !wanted.every((n) => typeof n === 'string' && n !== '')) {
    throw new TensorError('INVALID_ARGUMENT', op, `outputs must be a tensor or node name, or a non-empty list of them, got ${JSON.stringify(outputs)}`);
  }
  const model = decodeOnnxModel(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  const { graph } = pruneGraph(op, model.graph as GraphProto, wanted);
  return encodeOnnxModel({ ...model, graph } as ModelProtoInit);
}

/** @internal A graph cut after `wanted` (tensor or node names), and every value name it still reads. */
export function pruneGraph(op: string, graph: GraphProto, wanted: readonly string[]): { graph: GraphProto; outputs: string[]; needed: Set<string> } {
  const produced = new Set(graph.node.flatMap((n) => n.output));
  const known = new Set([...produced, ...graph.input.map((i) => i.name ?? '')]);
  const names = wanted.map((name) => {
    if (known.has(name)) return name;
    const node = graph.node.find((n) => n.name === name);
    if (node?.output[0]) return node.output[0];
    const candidates = graph.node.map((n) => `${n.name || '(unnamed)'} → ${n.output.filter((o) => o !== '').join(', ')}`);
    throw new TensorError('INVALID_ARGUMENT', op, `'${name}' is neither a tensor nor a node of the graph. Nodes and their outputs: ${list(candidates)}`);
  });

  // Nodes are in topological order (the ONNX rule): one backward pass finds what the outputs need.
  const needed = new Set(names);
  const kept: NodeProto[] = [];
  for (let i = graph.node.length - 1; i >= 0; i--) {
    const node = graph.node[i]!;
    if (!node.output.some((o) => needed.has(o))) continue;
    kept.unshift(node);
    for (const input of inputsOf(node)) needed.add(input);
  }
  const typeOf = new Map<string, ValueInfoProto>();
  for (const v of [...graph.value_info, ...graph.output, ...graph.input]) if (v.name) typeOf.set(v.name, v);
  const cut = {
    ...graph,
    node: kept,
    initializer: graph.initializer.filter((t) => needed.has(t.name ?? '')),
    input: graph.input.filter((i) => needed.has(i.name ?? '')),
    // The type is kept when the file declares it; otherwise the name alone (importers infer it).
    output: names.map((n) => typeOf.get(n) ?? ({ name: n } as ValueInfoProto)),
    value_info: graph.value_info.filter((v) => needed.has(v.name ?? '')),
  } as GraphProto;
  return { graph: cut, outputs: names, needed };
}

/**
 * Imports the part of an ONNX model that computes `outputs` (tensor or node names): a pretrained
 * network cut before its classifier, as a Module whose `forward` returns those tensors by name.
 * Compose it with a new head:
 *
 * @throws TensorError as {@link cutOnnxBytes} and `importOnnx`.
 * @example
 * ```ts
 * const backbone = await cutOnnx(bytes, 'features');
 * class Classifier extends Module {
 *   backbone = backbone;
 *   head = new Linear({ inFeatures: 64, outFeatures: 10 });
 *   forward(x: Tensor): Tensor {
 *     return tidy(() => this.head.forward(this.backbone.forward({ image: x })['features']!));
 *   }
 * }
 * ```
 */
export async function cutOnnx(bytes: Uint8Array | ArrayBuffer, outputs: string | readonly string[], options?: ImportOnnxOptions): Promise<OnnxModule> {
  return importOnnx(cutOnnxBytes(bytes, outputs), options);
}

/**
 * The backbone of an imported model: the part of `model` that computes the tensor `output` (a
 * tensor name, or a node name for the node's first output), as a Module whose `forward` returns
 * that tensor. Everything after it is dropped. Compose it with new layers:
 * `new Sequential([backbone, new Flatten(), new Linear({ inFeatures: 64, outFeatures: 10 })])`.
 *
 * The backbone **shares** its weights with `model` (the same Parameter and buffer objects, not
 * copies): training, freezing or moving one changes the other, and disposing either disposes the
 * shared weights (disposing both is harmless). `exportOnnx` of the backbone, or of a model built
 * on it, writes the original graph's nodes up to `output`, with its names and opset.
 *
 * @throws TensorError `INVALID_ARGUMENT` when `model` is not an imported model (use
 *   {@link cutOnnx} on bytes) or `output` is not a non-empty string; `INVALID_ARGUMENT` listing
 *   every node and its output tensors (in graph order) when `output` names neither a tensor nor a
 *   node of the graph.
 * @example
 * ```ts
 * const model = await importOnnx(bytes);
 * const backbone = cut(model, 'features');
 * const classifier = new Sequential([backbone, new Linear({ inFeatures: 64, outFeatures: 10 })]);
 * freeze(classifier, '0');
 * ```
 */
export function cut(model: OnnxModule<Tensor | Record<string, Tensor>>, output: string): OnnxModule<Tensor> {
  const op = 'cut';
  if (!(model instanceof OnnxModule)) {
    throw new TensorError('INVALID_ARGUMENT', op, `model must be an imported ONNX model (importOnnx or cut), got ${describeValue(model)}; for the bytes of a model use cutOnnx`);
  }
  if (typeof output !== 'string' || output === '') throw new TensorError('INVALID_ARGUMENT', op, `output must be a tensor or node name, got ${describeValue(output)}`);
  const parts = onnxModuleParts(model);
  const source = parts.model.graph as GraphProto;
  const pruned = pruneGraph(op, source, [output]);
  const name = pruned.outputs[0]!;
  // The model's plan was already folded at import: keep its steps for the nodes the cut needs.
  const keptNodes = new Set(pruned.graph.node);
  const steps = parts.plan.steps.filter((step) => keptNodes.has(step.node));
  const uses = new Map<string, number>();
  for (const step of steps) {
    for (const input of step.node.input) if (input !== '') uses.set(input, (uses.get(input) ?? 0) + 1);
    for (const g of step.subgraphs.values()) for (const used of g.uses.keys()) uses.set(used, (uses.get(used) ?? 0) + 1);
  }
  uses.set(name, (uses.get(name) ?? 0) + 1);
  const buffers = new Set<Tensor>(model.buffers());
  const variables = [...parts.variables]
    .filter(([onnxName]) => pruned.needed.has(onnxName))
    .map(([onnxName, value]) => ({ onnxName, key: parts.keys.get(onnxName)!, value, kind: buffers.has(value) ? ('buffer' as const) : ('parameter' as const) }));
  const inputNames = new Set(pruned.graph.input.map((i) => i.name ?? ''));
  const backbone = new OnnxModule<Tensor>({
    plan: { graph: pruned.graph, steps, uses },
    opset: parts.opset,
    constants: parts.constants,
    variables,
    inputs: parts.inputs.filter((i) => inputNames.has(i.name)),
    outputs: [describeGraphValue(pruned.graph.output[0]!, dataTypeName)],
    inputKinds: parts.inputKinds,
    floatDtype: parts.floatDtype,
    model: { ...parts.model, graph: pruned.graph },
    single: name,
  });
  // namedParameters() of the new module renamed the shared weights; give them the model's names back.
  model.namedParameters();
  model.namedBuffers();
  if (!model.training) backbone.eval();
  return backbone;
}
