/**
 * Static checks of an ONNX graph before anything is allocated: the opset, every operator's
 * support, node order (a topological sort that finds cycles), and that every input is defined.
 */
import { TensorError } from '@tessera/tensor-core';
import type { GraphProto, ModelProto, NodeProto } from '../proto/index.js';
import { OPS } from './ops/index.js';

/**
 * The default-domain opsets the importer implements (6 for the legacy `broadcast`/`axis`
 * attributes of PyTorch's oldest exports, through 21).
 */
export const MIN_OPSET = 6;
export const MAX_OPSET = 21;

/** One operator the importer cannot run. */
export interface UnsupportedNode {
  /** The op type, with its domain when that is not the default one (`com.microsoft.FusedConv`). */
  readonly opType: string;
  /** The node's name (or `OpType#index` when it has none), with the path of enclosing subgraphs. */
  readonly node: string;
  /** Why. */
  readonly reason: string;
}

/** A node's display name: its own, or `OpType#index`. */
export function nodeName(node: NodeProto, index: number, prefix = ''): string {
  return prefix + (node.name && node.name.length > 0 ? node.name : `${node.op_type ?? '?'}#${index}`);
}

function isDefaultDomain(domain: string | undefined): boolean {
  return domain === undefined || domain === '' || domain === 'ai.onnx';
}

/** The default-domain opset a model imports. */
export function defaultOpset(model: ModelProto): number | undefined {
  const entry = model.opset_import.find((o) => isDefaultDomain(o.domain));
  return entry?.version;
}

/** Every node (subgraphs included) that the importer cannot run, with the reason. */
export function findUnsupported(graph: GraphProto, opset: number, prefix = ''): UnsupportedNode[] {
  const out: UnsupportedNode[] = [];
  graph.node.forEach((node, i) => {
    const name = nodeName(node, i, prefix);
    const opType = node.op_type ?? '';
    if (!isDefaultDomain(node.domain)) {
      out.push({ opType: `${node.domain}.${opType}`, node: name, reason: `domain '${node.domain}' is not supported (only the default ONNX domain is)` });
      return;
    }
    const spec = OPS[opType];
    if (!spec) {
      out.push({ opType, node: name, reason: 'no implementation' });
      return;
    }
    const reason = spec.check?.(node, opset);
    if (reason) out.push({ opType, node: name, reason });
    for (const attr of node.attribute) {
      if (attr.g) out.push(...findUnsupported(attr.g, opset, `${name}/${attr.name}/`));
      for (const g of attr.graphs) out.push(...findUnsupported(g, opset, `${name}/${attr.name}/`));
    }
  });
  return out;
}

/** Names a subgraph reads from enclosing scopes (ONNX subgraphs may use outer values directly). */
export function outerReferences(graph: GraphProto): Set<string> {
  const defined = new Set<string>([...graph.input.map((i) => i.name ?? ''), ...graph.initializer.map((t) => t.name ?? '')]);
  const out = new Set<string>();
  for (const node of graph.node) {
    for (const name of node.input) if (name !== '' && !defined.has(name)) out.add(name);
    for (const attr of node.attribute) {
      for (const g of [attr.g, ...attr.graphs]) {
        if (!g) continue;
        for (const name of outerReferences(g)) if (!defined.has(name)) out.add(name);
      }
    }
    for (const name of node.output) defined.add(name);
  }
  return out;
}

/**
 * The nodes of `graph` in an order where every input is defined before use (ONNX requires
 * files to be sorted, but not every exporter complies). `outer` are names visible from
 * enclosing graphs.
 *
 * @throws TensorError `INVALID_ARGUMENT` naming the node for an input nothing defines, a value
 *   defined twice, or a cycle.
 */
export function sortNodes(graph: GraphProto, outer: ReadonlySet<string>, prefix = ''): NodeProto[] {
  const available = new Set<string>([...outer, ...graph.input.map((i) => i.name ?? ''), ...graph.initializer.map((t) => t.name ?? '')]);
  const producer = new Map<string, number>();
  graph.node.forEach((node, i) => {
    for (const out of node.output) {
      if (out === '') continue;
      if (producer.has(out) || (available.has(out) && !outer.has(out))) {
        throw new TensorError('INVALID_ARGUMENT', 'importOnnx', `node '${nodeName(node, i, prefix)}' defines '${out}', which is already defined`);
      }
      producer.set(out, i);
    }
  });
  const needs = (node: NodeProto): string[] => {
    const names = node.input.filter((n) => n !== '');
    for (const attr of node.attribute) {
      for (const g of [attr.g, ...attr.graphs]) if (g) names.push(...outerReferences(g));
    }
    return names;
  };
  graph.node.forEach((node, i) => {
    for (const name of needs(node)) {
      if (!available.has(name) && !producer.has(name)) {
        throw new TensorError('INVALID_ARGUMENT', 'importOnnx', `node '${nodeName(node, i, prefix)}' (${node.op_type}) reads '${name}', which no graph input, initializer or node defines`);
      }
    }
  });
  // Depth-first topological sort; a node met again while on the stack closes a cycle.
  const state = new Uint8Array(graph.node.length); // 0 new, 1 on stack, 2 done
  const order: NodeProto[] = [];
  const visit = (start: number): void => {
    const stack: Array<[number, number]> = [[start, 0]];
    state[start] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [i, next] = top;
      const inputs = needs(graph.node[i]!);
      if (next < inputs.length) {
        top[1]++;
        const p = producer.get(inputs[next]!);
        if (p === undefined) continue;
        if (state[p] === 1) {
          throw new TensorError('INVALID_ARGUMENT', 'importOnnx', `the graph has a cycle through node '${nodeName(graph.node[p]!, p, prefix)}' (${graph.node[p]!.op_type}) and '${nodeName(graph.node[i]!, i, prefix)}'`);
        }
        if (state[p] === 0) {
          state[p] = 1;
          stack.push([p, 0]);
        }
        continue;
      }
      state[i] = 2;
      order.push(graph.node[i]!);
      stack.pop();
    }
  };
  for (let i = 0; i < graph.node.length; i++) if (state[i] === 0) visit(i);
  return order;
}
