/**
 * Choosing parameters by name: the one vocabulary that freezing, BatchNorm policy, learning-rate
 * groups and gradual unfreezing share, so that `/^backbone\./` or `'backbone.layer4'` means the same
 * parameters everywhere.
 */
import { TensorError, type Variable } from '@tessera/tensor-core';
import { Module, type AnyModule, type Parameter } from '@tessera/layers';
import { OnnxModule } from '../import/index.js';
import { describeValue } from './options.js';

/**
 * Which parameters a fine-tuning call acts on:
 *
 * - a `RegExp`, tested against each parameter's dotted name (`backbone.0.weight`);
 * - a string: a module path or a parameter name; it selects that parameter, or every parameter of
 *   that module and its descendants (`'backbone'` selects `backbone.0.weight`, not `backboneExtra.w`);
 * - a function `(name, parameter) => boolean`.
 *
 * @example
 * ```ts
 * const selectors: ParameterSelector[] = [/^backbone\./, 'head.0', (name) => name.endsWith('.bias')];
 * ```
 */
export type ParameterSelector = RegExp | string | ((name: string, parameter: Parameter) => boolean);

/** @internal Checks `model` is a layers Module. */
export function requireModule(op: string, model: unknown): asserts model is AnyModule {
  if (!(model instanceof Module)) {
    throw new TensorError('INVALID_ARGUMENT', op, `model must be a Module of @tessera/layers, got ${describeValue(model)}`);
  }
}

function list(names: readonly string[], max = 20): string {
  if (names.length === 0) return '(none)';
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')}, ... (${names.length - max} more)`;
}

/** @internal Whether the dotted `name` is `path` or lies under it. */
export function isUnder(name: string, path: string): boolean {
  return path === '' || name === path || name.startsWith(`${path}.`);
}

/**
 * The parameters of `model` that any of `selectors` selects, as `[name, parameter]` in module
 * order. Every selector must select something: one that selects nothing is a typo more often
 * than not, so it throws, listing the names it could have meant.
 *
 * @throws TensorError `INVALID_ARGUMENT` when `model` is not a Module, a selector is not a RegExp,
 *   string or function, or a selector selects no parameter (the message lists module paths and
 *   parameter names).
 * @example
 * ```ts
 * selectParameters(model, /^backbone\./).map(([name]) => name); // ['backbone.0.weight', ...]
 * ```
 */
export function selectParameters(model: AnyModule, ...selectors: ParameterSelector[]): [string, Parameter][] {
  const op = 'selectParameters';
  requireModule(op, model);
  return select(op, model, selectors);
}

/** @internal {@link selectParameters} with the op name of the caller for messages. */
export function select(op: string, model: AnyModule, selectors: readonly ParameterSelector[]): [string, Parameter][] {
  const named = model.namedParameters();
  const chosen = new Set<Variable>();
  for (const selector of selectors) {
    const test = matcher(op, selector);
    let any = false;
    for (const [name, p] of named) {
      if (test(name, p)) {
        chosen.add(p);
        any = true;
      }
    }
    if (!any) throw nothingSelected(op, model, selector, named);
  }
  return named.filter(([, p]) => chosen.has(p));
}

function matcher(op: string, selector: unknown): (name: string, p: Parameter) => boolean {
  if (selector instanceof RegExp) {
    // A global or sticky RegExp keeps state between calls to test(); a copy without the flags does not.
    const re = new RegExp(selector.source, selector.flags.replace(/[gy]/g, ''));
    return (name) => re.test(name);
  }
  if (typeof selector === 'string') return (name) => isUnder(name, selector);
  if (typeof selector === 'function') {
    return (name, p) => {
      const result: unknown = (selector as (n: string, p: Parameter) => unknown)(name, p);
      if (typeof result !== 'boolean') throw new TensorError('INVALID_ARGUMENT', op, `a selector function must return a boolean, got ${describeValue(result)} for '${name}'`);
      return result;
    };
  }
  throw new TensorError('INVALID_ARGUMENT', op, `a selector must be a RegExp, a module path or parameter name (string), or a function (name, parameter) => boolean, got ${describeValue(selector)}`);
}

function nothingSelected(op: string, model: AnyModule, selector: ParameterSelector, named: [string, Parameter][]): TensorError {
  const shown = selector instanceof RegExp ? String(selector) : typeof selector === 'string' ? `'${selector}'` : 'the selector function';
  const paths = model.namedModules().filter(([n, m]) => n !== '' && m.parameters().length > 0).map(([n]) => n);
  model.namedParameters(); // m.parameters() named the parameters relative to m; restore the dotted names.
  return new TensorError(
    'INVALID_ARGUMENT',
    op,
    `${shown} selects no parameter of ${model.constructor.name}. Module paths with parameters: ${list(paths)}. Parameters: ${list(named.map(([n]) => n))}`,
  );
}

/**
 * The modules of `model` (with their paths) that `selectors` cover: a module is covered when a
 * string selector names it or an ancestor, or when a RegExp or function selector selects one of
 * its parameters, or (RegExp) matches one of its buffers' names. An imported ONNX model counts its
 * weight groups' parameters and buffers as its own.
 * @internal
 */
export function selectModules(model: AnyModule, selectors: readonly ParameterSelector[]): [string, AnyModule][] {
  const out: [string, AnyModule][] = [];
  for (const [path, m] of model.namedModules()) {
    // An imported graph keeps its weights in child groups: it is covered by any of them.
    const recurse = m instanceof OnnxModule;
    const full = (n: string): string => (path === '' ? n : `${path}.${n}`);
    const params = m.namedParameters(recurse).map(([n, p]) => [full(n), p] as const);
    const names = [...params.map(([n]) => n), ...m.namedBuffers(recurse).map(([n]) => full(n))];
    const covered = selectors.some((s) => {
      if (typeof s === 'string') return isUnder(path, s);
      if (s instanceof RegExp) {
        const re = new RegExp(s.source, s.flags.replace(/[gy]/g, ''));
        return names.some((n) => re.test(n));
      }
      return params.some(([n, p]) => s(n, p));
    });
    if (covered) out.push([path, m]);
  }
  // namedParameters(false) renamed the parameters to their local names; restore the dotted ones.
  model.namedParameters();
  model.namedBuffers();
  return out;
}
