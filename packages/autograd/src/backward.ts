/**
 * Reverse mode, in micrograd's three sentences: collect the recorded ops the loss depends on;
 * visit them in reverse execution order (a topological order); each op's rule turns the gradient
 * of its output into gradients of its inputs, which are added into what those inputs already
 * received (fan-out accumulates).
 */
import { TensorError, fmtShape, isFloat, onesLike, reshape, shapesEqual, tidy, zerosLike, type Tensor } from '@tessera/tensor-core';
import { keyOf, needsGrad, producerOf, release, savedOpOf, sweep, withRecording, type Entry } from './tape.js';

/** Options of {@link backward}. */
export interface BackwardOptions {
  /** Tensors to differentiate with respect to (default: every `requiresGrad` leaf the loss depends on). */
  readonly wrt?: readonly Tensor[];
  /** Gradient of the loss itself, shaped like it (default 1; required when the loss is not a scalar). */
  readonly seed?: Tensor;
  /** Record the gradient computation, so the returned gradients can be differentiated again (implies `retainGraph`). */
  readonly createGraph?: boolean;
  /** Keep the tape after this call, for another backward through the same graph. */
  readonly retainGraph?: boolean;
}

function describe(t: Tensor): string {
  return `tensor id=${t.id} shape=${fmtShape(t.shape)} dtype=${t.dtype}`;
}

function assertUsable(t: Tensor, what: string): void {
  if (t.isDisposed) throw new TensorError('TENSOR_DISPOSED', 'backward', `${what} (${describe(t)}) was disposed`);
}

/**
 * @throws TensorError `GRADIENT_ERROR` when `t` was computed, without a recorder, from a tensor
 * that requires a gradient: the gradient through it would be silently missing.
 */
function assertRecorded(t: Tensor): void {
  if (t.gradientLostAt === undefined || t.requiresGrad || producerOf(t)) return;
  throw new TensorError(
    'GRADIENT_ERROR',
    'backward',
    `${describe(t)} was computed by op '${t.gradientLostAt}' on a tensor that requires a gradient before autograd was enabled, so that op was not recorded and its gradient would be missing: call enableAutograd() (from @tessera/autograd) once before the forward pass`,
  );
}

/** The entries `loss` depends on, in execution (topological) order. */
function collect(loss: Tensor): Entry[] {
  const seen = new Set<Entry>();
  const stack = [keyOf(loss)];
  while (stack.length > 0) {
    const key = stack.pop()!;
    assertRecorded(key);
    const entry = producerOf(key);
    if (!entry || seen.has(entry)) continue;
    if (entry.released) {
      throw new TensorError(
        'GRADIENT_ERROR',
        'backward',
        `the graph through op '${entry.name}' was released by an earlier backward; pass { retainGraph: true } to that call to backpropagate twice`,
      );
    }
    seen.add(entry);
    stack.push(...entry.inputs);
  }
  return [...seen].sort((a, b) => a.seq - b.seq);
}

/**
 * Computes the gradients of `loss` with respect to `wrt` (see {@link BackwardOptions}) and
 * releases the tape unless asked to keep it. The returned gradients belong to the caller.
 */
export function runBackward(loss: Tensor, options: BackwardOptions = {}): Map<Tensor, Tensor> {
  assertUsable(loss, 'the loss');
  if (!isFloat(loss.dtype)) {
    throw new TensorError('DTYPE_MISMATCH', 'backward', `cannot differentiate a ${loss.dtype} loss (${describe(loss)}); gradients need a float tensor`);
  }
  const { seed, wrt } = options;
  if (seed === undefined && loss.size !== 1) {
    throw new TensorError(
      'GRADIENT_ERROR',
      'backward',
      `the loss is not a scalar (${describe(loss)}): reduce it first (e.g. loss.mean()) or pass { seed } shaped like it`,
    );
  }
  if (seed !== undefined) {
    assertUsable(seed, 'the seed');
    if (!shapesEqual(seed.shape, loss.shape)) {
      throw new TensorError('SHAPE_MISMATCH', 'backward', `seed shape ${fmtShape(seed.shape)} must equal the loss shape ${fmtShape(loss.shape)}`);
    }
  }
  wrt?.forEach((t, i) => {
    assertUsable(t, `wrt[${i}]`);
    if (!isFloat(t.dtype)) {
      throw new TensorError('DTYPE_MISMATCH', 'backward', `wrt[${i}] (${describe(t)}) is not a float tensor: integer tensors have no gradient`);
    }
  });
  const createGraph = options.createGraph ?? false;
  // Without retainGraph, an op's saved tensors are freed as soon as its rule has run, so the
  // backward pass holds less at its peak than the forward left behind.
  const releaseAsWeGo = !createGraph && !(options.retainGraph ?? false);
  const entries = collect(loss);
  const lossKey = keyOf(loss);

  // Differentiate with respect to the given tensors, or every requiresGrad leaf reached.
  let targets: Tensor[];
  if (wrt) {
    targets = [...wrt];
  } else {
    const leaves = new Set<Tensor>();
    if (lossKey.requiresGrad && !producerOf(lossKey)) leaves.add(lossKey);
    for (const e of entries) for (const t of e.inputs) if (t.requiresGrad && !producerOf(t)) leaves.add(t);
    targets = [...leaves];
    if (targets.length === 0) {
      throw new TensorError(
        'GRADIENT_ERROR',
        'backward',
        `the loss (${describe(loss)}) does not depend on any tensor that requires a gradient: create parameters with { requiresGrad: true }, or use grad(fn)`,
      );
    }
    for (const t of targets) {
      if (!isFloat(t.dtype)) throw new TensorError('DTYPE_MISMATCH', 'backward', `${describe(t)} has requiresGrad set, but integer tensors cannot have gradients`);
      assertUsable(t, 'a tensor that requires a gradient');
    }
  }
  const wanted = new Set(targets.map(keyOf));

  // Only ops on a path from a target to the loss need their rule run.
  const relevant = new Set<Entry>();
  for (const e of entries) {
    if (e.inputs.some((t) => wanted.has(t) || relevant.has(producerOf(t)!))) relevant.add(e);
  }

  const grads = new Map<Tensor, Tensor>();
  const accumulate = (key: Tensor, g: Tensor): void => {
    const previous = grads.get(key);
    if (previous === undefined) {
      grads.set(key, g);
    } else {
      grads.set(key, previous.add(g));
      previous.dispose();
      g.dispose();
    }
  };

  const run = (): void => {
    accumulate(lossKey, seed === undefined ? onesLike(loss) : seed.cast(loss.dtype));
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i]!;
      if (!relevant.has(e)) continue;
      const dy = grads.get(e.outputs[0]!);
      if (dy === undefined) continue;
      const rule = e.rule;
      if (!rule) {
        throw new TensorError('GRADIENT_ERROR', 'backward', `op '${e.name}' has no gradient rule, so no gradient can flow through it to ${describe(e.inputs[0]!)}`);
      }
      const needs = e.inputs.map((t, j) => {
        const needed = isFloat(t.dtype) && (wanted.has(t) || relevant.has(producerOf(t)!));
        if (needed && !e.recordedNeeds[j]) {
          // The op kept only what the gradients needed then; this one was not among them.
          throw new TensorError(
            'GRADIENT_ERROR',
            'backward',
            `${describe(t)} did not require a gradient when op '${e.name}' used it, so nothing was recorded for it: set requiresGrad on it (or pass it to grad) before the forward pass`,
          );
        }
        return needed;
      });
      const results = tidy(() =>
        rule(dy, savedOpOf(e, needs)).map((g) =>
          // A rule may pass dy (or a saved tensor) through: give the accumulator its own view.
          g !== undefined && (g === dy || e.savedInputs.includes(g) || e.savedOutputs.includes(g)) ? reshape(g, g.shape) : g,
        ),
      );
      for (const o of e.outputs) {
        if (!wanted.has(o)) {
          grads.get(o)?.dispose();
          grads.delete(o);
        }
      }
      results.forEach((g, j) => {
        if (g === undefined) return;
        const input = e.inputs[j]!;
        if (!needs[j]) {
          g.dispose();
          return;
        }
        if (!shapesEqual(g.shape, input.shape)) {
          g.dispose();
          throw new TensorError('GRADIENT_ERROR', 'backward', `the gradient rule of '${e.name}' returned shape ${fmtShape(g.shape)} for input ${j} of shape ${fmtShape(input.shape)}`);
        }
        accumulate(input, g.dtype === input.dtype ? g : castOwned(g, input.dtype));
      });
      if (releaseAsWeGo) release(e);
    }
  };

  try {
    withRecording(createGraph, run);
  } catch (error) {
    for (const g of grads.values()) g.dispose();
    throw error;
  }

  const result = new Map<Tensor, Tensor>();
  for (const t of targets) {
    const k = keyOf(t);
    const g = grads.get(k);
    grads.delete(k);
    result.set(t, g ?? withRecording(false, () => zerosLike(t)));
  }
  for (const g of grads.values()) g.dispose();
  if (!createGraph && !(options.retainGraph ?? false)) {
    for (const e of entries) release(e);
    // Also free what no live tensor needs any more (e.g. the forward of a nested grad's value).
    sweep();
  }
  return result;
}

function castOwned(g: Tensor, dtype: Tensor['dtype']): Tensor {
  const c = g.cast(dtype);
  g.dispose();
  return c;
}

/** Whether any of `tensors` needs a gradient. */
export function anyNeedsGrad(tensors: readonly Tensor[]): boolean {
  return tensors.some(needsGrad);
}
