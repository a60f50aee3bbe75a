/**
 * `OnnxModule`: an imported ONNX graph as a layers `Module`. Weights are Parameters (running
 * statistics are buffers) on named submodules that follow the ONNX names' dotted paths, and
 * `forward` runs the nodes with tensor-core ops, so every backend runs it and autograd
 * differentiates it.
 */
import { TensorError, Tensor, Variable, fmtShape, tidy, type TensorErrorCode } from '@tessera/tensor-core';
import { Module, type SummaryOptions } from '@tessera/layers';
import type { GraphProto, ModelProto, NodeProto, ValueInfoProto } from '../proto/index.js';
import { nodeName, sortNodes } from './graph.js';
import { hostTensor, isHost, kindOf, numel, toDevice, valueKind, type HostTensor, type Value } from './host.js';
import { Attributes, OPS, type OpContext, type OpSpec } from './ops/index.js';

/** Inputs of {@link OnnxModule.forward}: tensors by graph input name, or the tensor of a one-input graph. */
export type OnnxInputs = Tensor | Readonly<Record<string, Tensor>>;

/** A graph input: its name, element type and dims (`number` fixed, `string` symbolic, `null` unknown). */
export interface OnnxValueInfo {
  readonly name: string;
  /** ONNX element type name (`FLOAT`, `INT64`), or `undefined` for non-tensor values. */
  readonly elemType: string | undefined;
  readonly dims: readonly (number | string | null)[] | undefined;
}

/** A prepared (sub)graph: sorted nodes with their names and op specs. */
export interface GraphPlan {
  readonly graph: GraphProto;
  readonly steps: readonly PlanStep[];
  /** How many steps read each value, for freeing intermediates early. */
  readonly uses: ReadonlyMap<string, number>;
}

/** One node of a plan. */
export interface PlanStep {
  readonly node: NodeProto;
  readonly name: string;
  readonly spec: OpSpec;
  readonly attrs: Attributes;
  /** Prepared subgraphs by attribute name (If branches). */
  readonly subgraphs: ReadonlyMap<GraphProto, GraphPlan>;
}

/** Prepares `graph` for execution (sorted, names resolved); checks were done by the caller. */
export function planGraph(graph: GraphProto, outer: ReadonlySet<string>, prefix = ''): GraphPlan {
  const order = sortNodes(graph, outer, prefix);
  const index = new Map(graph.node.map((n, i) => [n, i]));
  const uses = new Map<string, number>();
  const steps = order.map((node): PlanStep => {
    const name = nodeName(node, index.get(node)!, prefix);
    const subgraphs = new Map<GraphProto, GraphPlan>();
    const visible = new Set<string>([...outer, ...graph.input.map((i) => i.name ?? ''), ...graph.initializer.map((t) => t.name ?? ''), ...graph.node.flatMap((n) => n.output)]);
    for (const attr of node.attribute) {
      for (const g of [attr.g, ...attr.graphs]) if (g) subgraphs.set(g, planGraph(g, visible, `${name}/${attr.name}/`));
    }
    for (const input of node.input) if (input !== '') uses.set(input, (uses.get(input) ?? 0) + 1);
    for (const g of subgraphs.values()) for (const name of g.uses.keys()) uses.set(name, (uses.get(name) ?? 0) + 1);
    return { node, name, spec: OPS[node.op_type ?? '']!, attrs: new Attributes(node, `node '${name}' (${node.op_type})`), subgraphs };
  });
  for (const out of graph.output) uses.set(out.name ?? '', (uses.get(out.name ?? '') ?? 0) + 1);
  return { graph, steps, uses };
}

function fail(code: TensorErrorCode, where: string, message: string): never {
  throw new TensorError(code, 'onnx', `${where}: ${message}`);
}

/** Reads a device tensor to the host (shapes, axes and other static inputs computed on the device). */
function readHost(value: Value, where: string): HostTensor {
  if (isHost(value)) return value;
  if (!value.backend.readSync) {
    fail('SYNC_READ_UNSUPPORTED', where, `needs the values of a tensor computed on backend '${value.backend.name}', which reads asynchronously; run this model on a backend with synchronous reads or make the value a constant`);
  }
  return hostTensor(kindOf(value.dtype), value.shape, value.dataSync() as ArrayLike<number>);
}

/** Execution of plans against a scope of values. */
export class GraphExecutor {
  readonly #opset: number;
  readonly #training: () => boolean;
  readonly #variables: ReadonlyMap<string, Variable>;
  readonly #floatDtype: 'float32' | 'float64';

  constructor(opset: number, training: () => boolean, variables: ReadonlyMap<string, Variable>, floatDtype: 'float32' | 'float64' = 'float32') {
    this.#floatDtype = floatDtype;
    this.#opset = opset;
    this.#training = training;
    this.#variables = variables;
  }

  /**
   * Runs `plan` with `scope` (name → value; read-only, enclosing values included) and returns
   * the graph outputs. Intermediates are freed as soon as their last reader has run.
   */
  run(plan: GraphPlan, scope: ReadonlyMap<string, Value>): Value[] {
    const values = new Map<string, Value>();
    const remaining = new Map(plan.uses);
    const refs = new Map<Tensor, number>();
    const protectedTensors = new Set<Tensor>();
    for (const v of scope.values()) if (v instanceof Tensor) protectedTensors.add(v);
    const lookup = (name: string): Value | undefined => values.get(name) ?? scope.get(name);
    const release = (name: string): void => {
      const left = (remaining.get(name) ?? 0) - 1;
      remaining.set(name, left);
      if (left > 0) return;
      const v = values.get(name);
      values.delete(name);
      if (!(v instanceof Tensor) || protectedTensors.has(v)) return;
      const r = (refs.get(v) ?? 1) - 1;
      if (r > 0) refs.set(v, r);
      else {
        refs.delete(v);
        if (!(v instanceof Variable)) v.dispose();
      }
    };
    for (const step of plan.steps) {
      const inputs = step.node.input.map((name) => {
        if (name === '') return undefined;
        const v = lookup(name);
        if (v === undefined) fail('INVALID_ARGUMENT', `node '${step.name}' (${step.node.op_type})`, `input '${name}' has no value`);
        return v;
      });
      const outputs = this.runStep(step, inputs, (name) => lookup(name));
      const wanted = step.node.output;
      if (outputs.length < wanted.filter((o) => o !== '').length) {
        fail('BACKEND_ERROR', `node '${step.name}' (${step.node.op_type})`, `produced ${outputs.length} outputs, the graph expects ${wanted.length}`);
      }
      wanted.forEach((name, i) => {
        const v = outputs[i];
        if (name === '' || v === undefined) {
          if (v instanceof Tensor && !protectedTensors.has(v) && !(v instanceof Variable) && !inputs.includes(v) && !refs.has(v)) v.dispose();
          return;
        }
        values.set(name, v);
        if (v instanceof Tensor) refs.set(v, (refs.get(v) ?? 0) + 1);
        if (!remaining.has(name)) release(name);
      });
      for (const name of step.node.input) if (name !== '') release(name);
      for (const sub of step.subgraphs.values()) for (const name of sub.uses.keys()) release(name);
    }
    return plan.graph.output.map((o) => {
      const v = lookup(o.name ?? '');
      if (v === undefined) fail('INVALID_ARGUMENT', 'onnx graph', `output '${o.name}' is never computed`);
      return v;
    });
  }

  /** Runs one node on its input values (`lookup` resolves names for subgraphs and state). */
  runStep(step: PlanStep, inputs: (Value | undefined)[], lookup: (name: string) => Value | undefined = () => undefined): Value[] {
    const where = `node '${step.name}' (${step.node.op_type})`;
    const allHost = inputs.every((v) => v === undefined || isHost(v));
    const ctx: OpContext = {
      node: step.node,
      nodeName: step.name,
      opset: this.#opset,
      training: this.#training(),
      inputs,
      attrs: step.attrs,
      state: {
        variableOf: (i) => {
          const name = step.node.input[i];
          const v = name ? lookup(name) : undefined;
          return v instanceof Variable && name !== undefined && this.#variables.get(name) === v ? v : undefined;
        },
      },
      tensor: (i) => {
        const v = inputs[i];
        if (v === undefined) fail('INVALID_ARGUMENT', where, `input ${i} is required`);
        return isHost(v) ? toDevice(v, this.#floatDtype) : v;
      },
      tensorOf: (v) => (isHost(v) ? toDevice(v, this.#floatDtype) : v),
      optionalTensor: (i) => {
        const v = inputs[i];
        return v === undefined ? undefined : isHost(v) ? toDevice(v, this.#floatDtype) : v;
      },
      host: (i) => {
        const v = inputs[i];
        if (v === undefined) fail('INVALID_ARGUMENT', where, `input ${i} is required`);
        return readHost(v, where);
      },
      numbers: (i) => {
        const v = inputs[i];
        return v === undefined ? undefined : [...readHost(v, where).data];
      },
      runSubgraph: (graph, subInputs) => {
        const plan = step.subgraphs.get(graph);
        if (!plan) fail('INVALID_ARGUMENT', where, 'unknown subgraph');
        const scope = new Map<string, Value>();
        // The subgraph sees every value of the enclosing graph by name.
        for (const name of plan.uses.keys()) {
          const v = lookup(name);
          if (v !== undefined) scope.set(name, v);
        }
        graph.input.forEach((input, i) => {
          const v = subInputs[i];
          if (v !== undefined) scope.set(input.name ?? '', v);
        });
        return this.run(plan, scope);
      },
      fail: (code, message) => fail(code, where, message),
    };
    try {
      if (allHost && step.spec.host && inputs.every((v) => v === undefined || numel(v.shape) <= HOST_FOLD_LIMIT)) {
        return step.spec.host(ctx, inputs as (HostTensor | undefined)[]);
      }
      return step.spec.run(ctx);
    } catch (e) {
      if (TensorError.is(e) && !e.message.includes(`node '${step.name}'`)) {
        const own = e.message.startsWith(`${e.op}: `) ? e.message.slice(e.op.length + 2) : e.message;
        throw new TensorError(e.code, e.op, `${own} (in ${where})`);
      }
      throw e;
    }
  }
}

/** Host values up to this many elements are computed on the host when every input is a host value. */
export const HOST_FOLD_LIMIT = 1 << 16;

/** Describes a graph input or output. */
export function describeValue(info: ValueInfoProto, typeName: (t: number | undefined) => string): OnnxValueInfo {
  const t = info.type?.tensor_type;
  return {
    name: info.name ?? '',
    elemType: t ? typeName(t.elem_type) : undefined,
    dims: t?.shape ? t.shape.dim.map((d) => (d.dim_value !== undefined ? d.dim_value : d.dim_param !== undefined && d.dim_param !== '' ? d.dim_param : null)) : undefined,
  };
}

/** Internal construction data of an {@link OnnxModule}. */
export interface OnnxModuleInit {
  readonly plan: GraphPlan;
  readonly opset: number;
  readonly constants: ReadonlyMap<string, HostTensor>;
  /** ONNX name → (dotted key, value, kind). */
  readonly variables: ReadonlyArray<{ onnxName: string; key: string; value: Tensor; kind: 'parameter' | 'buffer' }>;
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly inputKinds: ReadonlyMap<string, ReturnType<typeof valueKind> | undefined>;
  readonly floatDtype: 'float32' | 'float64';
  /** The model the graph came from (metadata, opsets); its `graph` is the graph this module runs. */
  readonly model: ModelProto;
  /** The one output `forward` returns as a tensor (a backbone made by `cut`); undefined: all, by name. */
  readonly single?: string;
}

/** @internal What `cut` and `exportOnnx` read of an imported model. */
export interface OnnxModuleParts {
  readonly plan: GraphPlan;
  readonly opset: number;
  readonly constants: ReadonlyMap<string, HostTensor>;
  /** ONNX name → the weight (Parameter or buffer). */
  readonly variables: ReadonlyMap<string, Variable>;
  /** ONNX name → state-dict key. */
  readonly keys: ReadonlyMap<string, string>;
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly inputKinds: OnnxModuleInit['inputKinds'];
  readonly floatDtype: 'float32' | 'float64';
  readonly model: ModelProto;
  readonly single: string | undefined;
}

/**
 * @internal Called instead of running an imported graph while `exportOnnx` traces a forward
 * pass: `run` computes the outputs (every graph output by name); the tracer records the graph as
 * one step so the export can write the original nodes.
 */
export type ImportedGraphTracer = (module: OnnxModule<Tensor | Record<string, Tensor>>, inputs: readonly Tensor[], run: () => Record<string, Tensor>) => Record<string, Tensor>;

let activeTracer: ImportedGraphTracer | undefined;

/** @internal Installs `tracer` for imported graphs' forward passes; returns the function that restores the previous one. */
export function traceImportedGraphs(tracer: ImportedGraphTracer | undefined): () => void {
  const previous = activeTracer;
  activeTracer = tracer;
  return () => {
    activeTracer = previous;
  };
}

let partsOf: (module: OnnxModule<Tensor | Record<string, Tensor>>) => OnnxModuleParts;

/** @internal The plan, weights and source model of an imported model. */
export function onnxModuleParts(module: OnnxModule<Tensor | Record<string, Tensor>>): OnnxModuleParts {
  return partsOf(module);
}

/** A submodule holding the weights of one dotted-path prefix. */
class OnnxWeights extends Module<[], never> {
  forward(): never {
    throw new TensorError('INVALID_ARGUMENT', 'OnnxWeights.forward', 'a weight group of an imported ONNX model has no forward; call the model itself');
  }
}

const PROBE = new OnnxWeights();

/**
 * An imported ONNX model. `forward` takes the graph inputs by name (or the one input's tensor)
 * and returns every graph output by name, or, for a backbone made by `cut` (`OnnxModule<Tensor>`),
 * the one output it was cut at as a tensor, so it composes in a `Sequential`. Its float weights
 * are Parameters under their ONNX names (see {@link OnnxModule.parameterKey});
 * BatchNormalization's running statistics are buffers. The module keeps the graph it came from,
 * so `exportOnnx` writes that graph again with the current weights.
 *
 * @example
 * ```ts
 * const model = await importOnnx(bytes);
 * const { logits } = model.forward({ input: x });
 * model.eval();
 * ```
 */
export class OnnxModule<Out extends Tensor | Record<string, Tensor> = Record<string, Tensor>> extends Module<[OnnxInputs], Out> {
  readonly #plan: GraphPlan;
  readonly #opset: number;
  readonly #model: ModelProto;
  readonly #single: string | undefined;
  readonly #constants: ReadonlyMap<string, HostTensor>;
  readonly #byOnnxName = new Map<string, Variable>();
  readonly #keys = new Map<string, string>();
  readonly #inputs: readonly OnnxValueInfo[];
  readonly #outputs: readonly OnnxValueInfo[];
  readonly #inputKinds: OnnxModuleInit['inputKinds'];
  readonly #executor: GraphExecutor;
  readonly #floatDtype: 'float32' | 'float64';

  /** @internal Built by `importOnnx`. */
  constructor(init: OnnxModuleInit) {
    super();
    this.#plan = init.plan;
    this.#constants = init.constants;
    this.#inputs = init.inputs;
    this.#outputs = init.outputs;
    this.#inputKinds = init.inputKinds;
    for (const v of init.variables) {
      const variable = this.#place(v.key, v.value, v.kind);
      variable.name = v.key;
      this.#byOnnxName.set(v.onnxName, variable);
      this.#keys.set(v.onnxName, v.key);
    }
    this.#executor = new GraphExecutor(init.opset, () => this.training, this.#byOnnxName, init.floatDtype);
    this.#floatDtype = init.floatDtype;
    this.#opset = init.opset;
    this.#model = init.model;
    this.#single = init.single;
  }

  static {
    partsOf = (m) => ({
      plan: m.#plan,
      opset: m.#opset,
      constants: m.#constants,
      variables: m.#byOnnxName,
      keys: m.#keys,
      inputs: m.#inputs,
      outputs: m.#outputs,
      inputKinds: m.#inputKinds,
      floatDtype: m.#floatDtype,
      model: m.#model,
      single: m.#single,
    });
  }

  #place(key: string, value: Tensor, kind: 'parameter' | 'buffer'): Variable {
    const parts = key.split('.');
    let owner: Module<never[], unknown> = this as unknown as Module<never[], unknown>;
    for (const part of parts.slice(0, -1)) {
      const existing = (owner as unknown as Record<string, unknown>)[part];
      owner = existing instanceof OnnxWeights ? existing : owner.registerModule(part, new OnnxWeights());
    }
    const leaf = parts[parts.length - 1]!;
    return kind === 'parameter' ? owner.registerParameter(leaf, value)! : owner.registerBuffer(leaf, value);
  }

  /** The graph inputs (initializers excluded), with their declared element types and dims. */
  get inputs(): readonly OnnxValueInfo[] {
    return this.#inputs;
  }

  /** The graph outputs. */
  get outputs(): readonly OnnxValueInfo[] {
    return this.#outputs;
  }

  /**
   * The state-dict key of the weight the ONNX file calls `onnxName` (`layer1.0.conv1.weight`
   * stays as it is; characters a dotted path cannot hold become `_`), or undefined.
   * @example `model.parameterKey('onnx::Conv_193') // 'onnx__Conv_193'`
   */
  parameterKey(onnxName: string): string | undefined {
    return this.#keys.get(onnxName);
  }

  /**
   * Runs the graph. Returns every graph output by name (a backbone made by `cut`: the one output
   * it was cut at); integer outputs (ONNX int64) come back as int32 tensors.
   *
   * @throws TensorError `INVALID_ARGUMENT` for a missing or unknown input name (the message
   *   lists the expected ones); `SHAPE_MISMATCH` when an input's rank or a fixed dim differs from
   *   the file's declaration; `DTYPE_MISMATCH` for a float/integer mix-up; errors of the ops,
   *   with the node's name.
   */
  forward(inputs: OnnxInputs): Out {
    const given = this.#bindInputs(inputs);
    const run = (): Record<string, Tensor> => this.#run(given);
    const all = activeTracer ? activeTracer(this, this.#inputs.map((i) => given.get(i.name)!), run) : run();
    return (this.#single === undefined ? all : all[this.#single]!) as Out;
  }

  #run(given: Map<string, Tensor>): Record<string, Tensor> {
    return tidy(() => {
      const scope = new Map<string, Value>(this.#constants);
      for (const [name, v] of this.#byOnnxName) scope.set(name, v);
      for (const [name, v] of given) scope.set(name, v);
      const values = this.#executor.run(this.#plan, scope);
      const out: Record<string, Tensor> = {};
      this.#outputs.forEach((o, i) => {
        const v = values[i]!;
        let t = isHost(v) ? toDevice(v, this.#floatDtype) : v;
        // Outputs must be new tensors the caller owns, never an input or a weight.
        if (t instanceof Variable || [...given.values()].includes(t)) t = t.clone();
        out[o.name] = t;
      });
      return out;
    });
  }

  #bindInputs(inputs: OnnxInputs): Map<string, Tensor> {
    const names = this.#inputs.map((i) => i.name);
    const map = new Map<string, Tensor>();
    if (inputs instanceof Tensor) {
      if (names.length !== 1) {
        throw new TensorError('INVALID_ARGUMENT', 'OnnxModule.forward', `the model has ${names.length} inputs (${names.join(', ')}); pass an object of tensors by name`);
      }
      map.set(names[0]!, inputs);
    } else if (typeof inputs === 'object' && inputs !== null) {
      for (const [k, v] of Object.entries(inputs)) map.set(k, v);
    } else {
      throw new TensorError('INVALID_ARGUMENT', 'OnnxModule.forward', `inputs must be a Tensor or an object of tensors by input name, got ${inputs === null ? 'null' : typeof inputs}`);
    }
    const unknown = [...map.keys()].filter((k) => !names.includes(k));
    const missing = names.filter((k) => !map.has(k));
    if (unknown.length > 0 || missing.length > 0) {
      const parts = [
        ...(missing.length ? [`missing ${missing.map((n) => `'${n}'`).join(', ')}`] : []),
        ...(unknown.length ? [`unknown ${unknown.map((n) => `'${n}'`).join(', ')}`] : []),
      ];
      throw new TensorError('INVALID_ARGUMENT', 'OnnxModule.forward', `${parts.join('; ')} (the model's inputs: ${names.join(', ')})`);
    }
    for (const info of this.#inputs) {
      const t = map.get(info.name)!;
      if (!(t instanceof Tensor)) throw new TensorError('INVALID_ARGUMENT', 'OnnxModule.forward', `input '${info.name}' must be a Tensor, got ${typeof t}`);
      if (info.dims) {
        const fixedMismatch = info.dims.some((d, i) => typeof d === 'number' && d > 0 && t.shape[i] !== d);
        if (t.rank !== info.dims.length || fixedMismatch) {
          throw new TensorError('SHAPE_MISMATCH', 'OnnxModule.forward', `input '${info.name}' must have shape [${info.dims.map((d) => d ?? '?').join(',')}], got ${fmtShape(t.shape)}`);
        }
      }
      const want = this.#inputKinds.get(info.name);
      const have = kindOf(t.dtype);
      const wantFloat = want === 'float32' || want === 'float64';
      const haveFloat = have === 'float32' || have === 'float64';
      if (want !== undefined && wantFloat !== haveFloat) {
        throw new TensorError('DTYPE_MISMATCH', 'OnnxModule.forward', `input '${info.name}' is ${info.elemType} in the model, got a ${t.dtype} tensor`);
      }
    }
    return map;
  }

  /**
   * The layers summary followed by every weight: state-dict key, ONNX name (when it differs),
   * shape, element count, and whether it trains (`frozen`) or is a buffer.
   * @example `console.log(model.summary());`
   */
  override summary(options: SummaryOptions = {}): string {
    const rows: string[][] = [['Weight', 'ONNX name', 'Shape', 'Count', 'Trains']];
    const kind = new Map<Variable, string>();
    for (const [, p] of this.namedParameters()) kind.set(p, p.requiresGrad ? 'yes' : 'frozen');
    for (const [, b] of this.namedBuffers()) kind.set(b, 'buffer');
    for (const [onnxName, v] of this.#byOnnxName) {
      const key = this.#keys.get(onnxName)!;
      rows.push([key, onnxName === key ? '' : onnxName, fmtShape(v.shape), String(v.size), kind.get(v) ?? '']);
    }
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    const lines = rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd());
    lines.splice(1, 0, '-'.repeat(lines[0]!.length));
    return `${super.summary(options)}\n\n${lines.join('\n')}`;
  }

  override extraRepr(): string {
    return `inputs=[${this.#inputs.map((i) => i.name).join(', ')}], outputs=[${this.#outputs.map((o) => o.name).join(', ')}], nodes=${this.#plan.steps.length}`;
  }
}

/** Whether `segment` can be a property of a weight group (not a Module method or field). */
export function isFreeSegment(segment: string): boolean {
  // OnnxModule's own members (inputs, outputs, parameterKey) count at every level, for simplicity.
  return !(segment in PROBE) && !(segment in OnnxModule.prototype) && segment !== 'training';
}
