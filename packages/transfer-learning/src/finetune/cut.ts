/** Cutting an ONNX model at an intermediate tensor: the backbone a new head is put on. */
import { TensorError } from '@tessera/tensor-core';
import { decodeOnnxModel, encodeOnnxModel, type GraphProto, type ModelProtoInit, type NodeProto, type ValueInfoProto } from '../proto/index.js';
import { importOnnx, type ImportOnnxOptions, type OnnxModule } from '../import/index.js';
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
  const graph = model.graph as GraphProto;
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
  const cut: ModelProtoInit = {
    ...model,
    graph: {
      ...graph,
      node: kept,
      initializer: graph.initializer.filter((t) => needed.has(t.name ?? '')),
      input: graph.input.filter((i) => needed.has(i.name ?? '')),
      // The type is kept when the file declares it; otherwise the name alone (importers infer it).
      output: names.map((n) => typeOf.get(n) ?? { name: n }),
      value_info: graph.value_info.filter((v) => needed.has(v.name ?? '')),
    },
  } as ModelProtoInit;
  return encodeOnnxModel(cut);
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
