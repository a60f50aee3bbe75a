/**
 * The op table's types: one {@link OpSpec} per op the engine records, defined beside the op in its
 * family's file (`ops/conv.ts` holds conv2d's spec, kernel call and gradient rule). Everything that
 * needs to know about an op reads this one entry: the engine (kernel call, shape inference),
 * autograd (the gradient rule and the tensors it saves), `docs/ops.md` (generated from the table)
 * and the ONNX exporter (the `onnx` field).
 *
 * tensor-core never runs a gradient rule itself: rules are plain functions written in
 * tensor-core ops, which autograd calls while it walks its tape backwards.
 */
import type { Backend, TensorInfo } from './backend.js';
import type { DType } from './dtype.js';
import type { Tensor } from './tensor.js';

/** Attributes of an op without any. */
export type NoAttrs = Readonly<Record<never, never>>;

/** The shape and dtype of one kernel output. */
export interface OutputSpec {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/**
 * A gradient rule's view of one recorded op: the saved inputs and outputs it declared, the
 * shapes and dtypes of every input (metadata, always kept), the typed attributes, and which
 * inputs need a gradient.
 *
 * Reading an input or output the rule did not declare in its `saves` throws `GRADIENT_ERROR`:
 * the tape did not keep it.
 */
export interface SavedOp<A = Readonly<Record<string, unknown>>> {
  readonly name: string;
  /** The op's inputs; only the indices in `saves.inputs` are readable (saved copies). */
  readonly inputs: readonly Tensor[];
  /** The op's outputs; only the indices in `saves.outputs` are readable. */
  readonly outputs: readonly Tensor[];
  /** Shape of every input, saved or not. */
  readonly inputShapes: readonly (readonly number[])[];
  /** Dtype of every input, saved or not. */
  readonly inputDtypes: readonly DType[];
  readonly attrs: A;
  /** `needs[i]`: whether input `i` needs a gradient; a rule may skip the others (return undefined). */
  readonly needs: readonly boolean[];
}

/**
 * A gradient rule: given the gradient `dy` of the op's first output, returns one gradient per
 * input (undefined where there is none, or where it is zero), each shaped like that input.
 * Written in tensor-core ops, so the rule itself can be recorded (higher-order gradients).
 */
export type GradRule<A = Readonly<Record<string, unknown>>> = (dy: Tensor, op: SavedOp<A>) => (Tensor | undefined)[];

/** The inputs and outputs (by position) a gradient rule reads. */
export interface Saves {
  readonly inputs?: readonly number[];
  readonly outputs?: readonly number[];
}

/**
 * An op's gradient: the rule and what it saves. `saves` may depend on which inputs need a
 * gradient when the op runs (matmul's `dA` needs `b` only, `dB` needs `a` only).
 */
export interface OpGradient<A> {
  readonly saves: Saves | ((needs: readonly boolean[], attrs: A) => Saves);
  /** For `saves` given as a function: what it keeps, in words (docs/ops.md). */
  readonly savesNote?: string;
  readonly rule: GradRule<A>;
}

/** The subset of an ONNX graph builder an op's mapping writes with. */
export interface OnnxGraphWriter {
  /** A fresh value name with a readable prefix. */
  fresh(prefix: string): string;
  /** Appends a node; returns its output names (`outputs` as a count makes fresh names). */
  node(opType: string, inputs: readonly string[], outputs?: readonly string[] | number, attributes?: Record<string, OnnxAttributeValue | undefined>): string[];
  /** A constant initializer; returns its name. */
  constant(values: ArrayLike<number>, dtype: DType | 'int64', dims?: readonly number[]): string;
  /** A tensor of `dims` filled with `value`, computed by a node rather than stored (not a weight on import). */
  filled(value: number, dtype: DType | 'int64', dims: readonly number[]): string;
}

/** An ONNX node attribute value: numbers are INT when integral unless marked float. */
export type OnnxAttributeValue =
  | number
  | string
  | readonly number[]
  | { readonly float: number }
  | { readonly floats: readonly number[] }
  | { readonly tensor: { readonly values: readonly number[]; readonly dtype: DType | 'int64'; readonly dims: readonly number[] } };

/** What an op's ONNX mapping sees of one traced op, and how it writes nodes. */
export interface OnnxExportContext<A = Readonly<Record<string, unknown>>> {
  /** The opset being written. */
  readonly opset: number;
  /** The recorded attributes. */
  readonly attrs: A;
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
  readonly graph: OnnxGraphWriter;
  /** Throws the op's "cannot export this variant" error (collected with the other problems). */
  unsupported(reason: string): never;
}

/** An op's ONNX mapping: writes the nodes of one traced op. */
export interface OnnxMapping<A> {
  /** The ONNX operator types it writes (for docs/ops.md), e.g. `['Conv']`. */
  readonly opTypes: readonly string[];
  readonly write: (ctx: OnnxExportContext<A>) => void;
}

/**
 * One op of the table.
 *
 * @example
 * ```ts
 * const spec = getOpSpec('conv2d')!;
 * spec.family;                 // 'conv'
 * spec.gradient !== 'none';    // true: autograd differentiates it
 * spec.onnx?.opTypes;          // ['Conv']
 * ```
 */
export interface OpSpec<A = Readonly<Record<string, unknown>>> {
  /** The name the engine records (`OpRecord.name`). */
  readonly name: string;
  /** The family file that defines it (`ops/<family>.ts`). */
  readonly family: string;
  /** One sentence for docs/ops.md. */
  readonly summary: string;
  /**
   * How it computes: `kernel` (a required backend kernel), `fused` (an optional backend kernel
   * with a composite fallback in tensor-core), `view` (no kernel: shares storage), or `composite`
   * (recorded as one op, computed from others).
   */
  readonly kind: 'kernel' | 'fused' | 'view' | 'composite';
  /** The backend kernel it calls (`'unary'`, `'conv2d'`, ...), when it calls one. */
  readonly backendKernel?: keyof Backend;
  /** Output shapes and dtypes from the (validated) inputs and attributes. */
  readonly infer?: (inputs: readonly Tensor[], attrs: A) => OutputSpec[];
  /** The kernel call: fills `outputs` from `inputs`. */
  readonly kernel?: (backend: Backend, inputs: readonly TensorInfo[], outputs: readonly TensorInfo[], attrs: A) => void;
  /** The gradient rule and what it saves, or `'none'` for ops that have no gradient (comparisons, argmax, ...). */
  readonly gradient: OpGradient<A> | 'none';
  /** How the exporter writes it as ONNX nodes (absent: not exportable). */
  readonly onnx?: OnnxMapping<A>;
}

/**
 * An entry of the table with its attribute type erased. Each op's attributes are checked where
 * the op is defined (its spec, its rule) and where it is recorded (`runKernel(spec, …)`); the
 * table itself only stores them.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOpSpec = OpSpec<any>;

/**
 * Checks and returns `spec` (identity at runtime; it gives the literal its attribute type).
 *
 * @example
 * ```ts
 * interface ScaleAttrs { readonly factor: number }
 * const scaleSpec = defineOp<ScaleAttrs>({ name: 'scale', family: 'custom', summary: 'x·factor', kind: 'composite', gradient: 'none' });
 * ```
 */
export function defineOp<A>(spec: OpSpec<A>): OpSpec<A> {
  return Object.freeze(spec);
}

/** The saves of `gradient` for an op whose inputs' needs are `needs`. */
export function resolveSaves<A>(gradient: OpGradient<A>, needs: readonly boolean[], attrs: A): Saves {
  return typeof gradient.saves === 'function' ? gradient.saves(needs, attrs) : gradient.saves;
}
