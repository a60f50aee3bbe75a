/**
 * Property-based fuzzing of the public ops (issue 14), with fast-check: generated shapes,
 * broadcasting pairs, dtypes, axes, edge values (±0, ±Inf, NaN, denormals, empty dimensions) and
 * bad arguments. Every call must either match the float64 CPU reference within tolerance or throw
 * a coded `TensorError`, and every backend must give the CPU backend's verdict: the same error
 * code, or values within tolerance of the CPU's.
 *
 * Seeded and bounded for CI (`TESSERA_FUZZ_RUNS`, default 100 runs per property, ~15 s; a nightly run sets
 * e.g. 2000). A failure prints fast-check's seed and shrunk counterexample.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tc from '@tessera/tensor-core';
import { TensorError, setBackend, tensor, tidy, type Backend, type DType, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { webgpu } from '@tessera/backend-webgpu';

const RUNS = Number(process.env['TESSERA_FUZZ_RUNS'] ?? 100);
const SEED = Number(process.env['TESSERA_FUZZ_SEED'] ?? 20261204);
const params = { numRuns: RUNS, seed: SEED, endOnFailure: true } as const;

const reference = cpu();
let gpu: Backend | undefined;
let gpuReason = '';

beforeAll(async () => {
  await setBackend(reference);
  try {
    gpu = await webgpu();
  } catch (e) {
    gpuReason = (e as Error).message;
    if (process.env['TESSERA_REQUIRE_WEBGPU'] === '1') throw new Error(`TESSERA_REQUIRE_WEBGPU=1 but no WebGPU backend: ${gpuReason}`);
    console.warn(`[tessera] fuzz: WebGPU skipped (${gpuReason}); CPU against its float64 reference only`);
  }
});
afterAll(async () => {
  await setBackend(reference);
  (gpu as { dispose?: () => void } | undefined)?.dispose?.();
});

/** What a call gave: values (with shape and dtype) or a coded error. */
type Verdict = { kind: 'value'; shape: number[]; dtype: DType; values: number[] } | { kind: 'error'; code: string; message: string };

/** Runs `make` on `backend` (inputs built there) and reads the result; a TensorError is a verdict, anything else fails. */
async function verdictOn(backend: Backend, make: () => Tensor | { values: Tensor }): Promise<Verdict> {
  await setBackend(backend);
  let out: Tensor | undefined;
  try {
    const r = tidy(() => {
      const v = make();
      return v instanceof tc.Tensor ? v : v.values;
    });
    out = r;
    const values = Array.from(await r.data(), Number);
    return { kind: 'value', shape: [...r.shape], dtype: r.dtype, values };
  } catch (e) {
    if (TensorError.is(e)) return { kind: 'error', code: e.code, message: e.message };
    throw new Error(`not a coded TensorError: ${String(e)}`);
  } finally {
    out?.dispose();
    await setBackend(reference);
  }
}

function close(got: number, want: number, rtol: number, atol: number): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (!Number.isFinite(want)) return got === want;
  return Math.abs(got - want) <= atol + rtol * Math.abs(want);
}

function expectSameVerdict(got: Verdict, want: Verdict, rtol: number, atol: number, label: string): void {
  expect(got.kind, `${label}: ${JSON.stringify(got).slice(0, 200)} vs ${JSON.stringify(want).slice(0, 200)}`).toBe(want.kind);
  if (got.kind === 'error' && want.kind === 'error') {
    expect(got.code, `${label}: ${got.message} vs ${want.message}`).toBe(want.code);
    return;
  }
  if (got.kind !== 'value' || want.kind !== 'value') return;
  expect(got.shape, label).toEqual(want.shape);
  expect(got.dtype, label).toBe(want.dtype);
  got.values.forEach((g, i) => {
    if (!close(g, want.values[i]!, rtol, atol)) expect.fail(`${label}: element ${i}: ${g} vs ${want.values[i]}`);
  });
}

// ---------------------------------------------------------------- generators

const EDGE = [0, -0, 1, -1, 0.5, -2.5, 3, 1e30, -1e30, 3.4e38, Infinity, -Infinity, NaN];
/** Denormals: the CPU keeps them, GPUs may flush them to zero, so they are compared with the float64 reference only. */
const DENORMAL = [1e-40, -1e-40];

const dim = fc.integer({ min: 0, max: 3 });
/** Two shapes that broadcast (sometimes not: the verdict is then SHAPE_MISMATCH everywhere). */
const shapePair = fc
  .tuple(fc.array(dim, { minLength: 0, maxLength: 3 }), fc.array(fc.constantFrom('same', 'one', 'drop', 'other'), { maxLength: 3 }))
  .map(([a, how]) => {
    const b = a.map((d, i) => (how[i] === 'one' ? 1 : how[i] === 'other' ? d + 1 : d));
    return [a, how[0] === 'drop' ? b.slice(1) : b] as const;
  });

const floatValue = (denormals: boolean) => fc.constantFrom(...EDGE, ...(denormals ? DENORMAL : []));
const intValue = fc.integer({ min: -1000, max: 1000 }).chain((v) => fc.constantFrom(v, 0));

function valuesFor(shape: readonly number[], dtype: DType, denormals: boolean): fc.Arbitrary<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  const item = dtype === 'bool' ? fc.constantFrom(0, 1) : dtype === 'int32' ? intValue : floatValue(denormals);
  return fc.array(item, { minLength: n, maxLength: n });
}

const dtype = fc.constantFrom<DType>('float32', 'int32', 'bool');

const operand = (shape: readonly number[], denormals: boolean) =>
  dtype.chain((dt) => valuesFor(shape, dt, denormals).map((values) => ({ shape: [...shape], dtype: dt, values })));

type Operand = { shape: number[]; dtype: DType; values: number[] };
/** The operand as a tensor; as float64 from float32 values it holds the float32-rounded values, so both see the same numbers. */
const build = (o: Operand, asDtype?: DType): Tensor =>
  tensor(o.values.map((v) => (o.dtype === 'bool' ? v !== 0 : o.dtype === 'float32' ? Math.fround(v) : v)), o.shape, { dtype: asDtype ?? o.dtype });

// ---------------------------------------------------------------- properties

const BINARY = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'floorDiv', 'mod', 'equal', 'less', 'greaterEqual', 'logicalAnd'] as const;
type BinaryName = (typeof BINARY)[number];
const binary = (name: BinaryName) => (tc as unknown as Record<BinaryName, (a: Tensor, b: Tensor) => Tensor>)[name];

/**
 * The float64 reference: the same op on float64 inputs, then the float32 output dtype by rounding
 * (so float32 overflow to ±Inf is expected, not a mismatch). Integer and bool ops are exact.
 */
async function reference64(name: BinaryName, a: Operand, b: Operand): Promise<Verdict> {
  const plain = await verdictOn(reference, () => binary(name)(build(a), build(b)));
  if (plain.kind === 'error' || plain.dtype !== 'float32') return plain;
  const wide = await verdictOn(reference, () => binary(name)(build(a, 'float64'), build(b, 'float64')));
  if (wide.kind === 'error') return wide;
  return { ...plain, values: wide.values.map((v) => Math.fround(v)) };
}

describe(`fuzz (${RUNS} runs per property, seed ${SEED})`, () => {
  it('binary ops: broadcasting, promotion and edge values match the float64 reference on CPU, and the CPU on every backend', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...BINARY), shapePair, fc.boolean(), fc.nat(), async (name, [sa, sb], denormals, pick) => {
        const [a, b] = fc.sample(fc.tuple(operand(sa, denormals), operand(sb, denormals)), { numRuns: 1, seed: pick })[0]!;
        const label = `${name}(${JSON.stringify(a)}, ${JSON.stringify(b)})`;
        const onCpu = await verdictOn(reference, () => binary(name)(build(a), build(b)));
        // floorDiv/mod on float round twice (division, floor): the float64 reference may land
        // on the other side of an integer; compare them with the CPU float32 result only.
        if (name !== 'floorDiv' && name !== 'mod') expectSameVerdict(onCpu, await reference64(name, a, b), 1e-6, 1e-45, `cpu ${label}`);
        if (gpu && !denormals) expectSameVerdict(await verdictOn(gpu, () => binary(name)(build(a), build(b))), onCpu, 2e-6, 1e-37, `webgpu ${label}`);
      }),
      params,
    );
  });

  const UNARY = ['neg', 'abs', 'exp', 'log', 'sqrt', 'tanh', 'sigmoid', 'relu', 'floor', 'round', 'isNaN', 'isFinite'] as const;
  it('unary ops on edge values: coded errors or values, the same on every backend', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...UNARY), fc.array(dim, { maxLength: 3 }), fc.nat(), async (name, shape, pick) => {
        const x = fc.sample(operand(shape, false), { numRuns: 1, seed: pick })[0]!;
        const op = (tc as unknown as Record<string, (t: Tensor) => Tensor>)[name]!;
        const onCpu = await verdictOn(reference, () => op(build(x)));
        const wide = await verdictOn(reference, () => op(build(x, x.dtype === 'float32' ? 'float64' : x.dtype)));
        if (onCpu.kind === 'value' && wide.kind === 'value' && onCpu.dtype === 'float32') expectSameVerdict(onCpu, { ...wide, dtype: 'float32', values: wide.values.map(Math.fround) }, 1e-6, 1e-45, `cpu ${name}`);
        else expectSameVerdict(onCpu, wide.kind === 'value' ? { ...wide, dtype: onCpu.kind === 'value' ? onCpu.dtype : wide.dtype } : wide, 0, 0, `cpu ${name}`);
        // GPU transcendental functions are accurate to a few ulp (WGSL's precision table).
        if (gpu) expectSameVerdict(await verdictOn(gpu, () => op(build(x))), onCpu, 2e-5, 1e-30, `webgpu ${name}(${JSON.stringify(x)})`);
      }),
      params,
    );
  });

  const REDUCE = ['sum', 'mean', 'max', 'min', 'prod', 'argmax', 'any'] as const;
  it('reductions over random axes (bad axes and empty dimensions included): the same verdict on every backend', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...REDUCE), fc.array(dim, { maxLength: 3 }), fc.integer({ min: -4, max: 3 }), fc.boolean(), fc.nat(), async (name, shape, axis, keepDims, pick) => {
        const x = fc.sample(operand(shape, false), { numRuns: 1, seed: pick })[0]!;
        const op = (t: Tensor): Tensor =>
          name === 'argmax' ? tc.argmax(t, axis) : (tc as unknown as Record<string, (t: Tensor, a: number, k: boolean) => Tensor>)[name]!(t, axis, keepDims);
        const onCpu = await verdictOn(reference, () => op(build(x)));
        if (gpu) expectSameVerdict(await verdictOn(gpu, () => op(build(x))), onCpu, 1e-5, 1e-30, `webgpu ${name}(${JSON.stringify(x)}, ${axis}, ${keepDims})`);
      }),
      params,
    );
  });

  it('index ops with indices in and out of range: the same value or the same INDEX_OUT_OF_RANGE on every backend', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(fc.integer({ min: -6, max: 6 }), { maxLength: 5 }), fc.constantFrom('gather', 'oneHot', 'indexSelect'), async (n, idx, name) => {
        const make = (): Tensor => {
          const indices = tensor(idx, [idx.length], { dtype: 'int32' });
          const table = tc.arange(0, n * 2).reshape([n, 2]);
          return name === 'gather' ? tc.gather(table, indices) : name === 'oneHot' ? tc.oneHot(indices, n) : tc.indexSelect(table, 0, indices);
        };
        const onCpu = await verdictOn(reference, make);
        const inRange = idx.every((i) => (name === 'oneHot' ? i >= 0 && i < n : i >= -n && i < n));
        expect(onCpu.kind).toBe(inRange ? 'value' : 'error');
        if (onCpu.kind === 'error') expect(onCpu.code).toBe('INDEX_OUT_OF_RANGE');
        if (gpu) {
          const onGpu = await verdictOn(gpu, make);
          expectSameVerdict(onGpu, onCpu, 0, 0, `webgpu ${name}(${n}, ${JSON.stringify(idx)})`);
          if (onGpu.kind === 'error' && onCpu.kind === 'error') expect(onGpu.message).toBe(onCpu.message);
        }
      }),
      params,
    );
  });

  const BAD = [null, undefined, 'x', [1, 2], { a: 1 }, () => 1, Symbol('s'), 10n];
  it('bad arguments are coded TensorErrors (never a crash, a NaN or a silent coercion), the same on every backend', async () => {
    const calls: Array<[string, (bad: unknown) => unknown]> = [
      ['add(t, bad)', (bad) => tc.add(tensor([1, 2]), bad as never)],
      ['add(bad, t)', (bad) => tc.add(bad as never, tensor([1, 2]))],
      ['exp(bad)', (bad) => tc.exp(bad as never)],
      ['where(bad, a, b)', (bad) => tc.where(bad as never, tensor([1]), tensor([2]))],
      ['where(c, a, bad)', (bad) => tc.where(tensor([true]), tensor([1]), bad as never)],
      ['sum(bad)', (bad) => tc.sum(bad as never)],
      ['full(shape, bad)', (bad) => tc.full([2], bad as never)],
      ['reshape(t, bad)', (bad) => tc.reshape(tensor([1, 2]), bad as never)],
      ['matmul(t, bad)', (bad) => tc.matmul(tensor([[1]]), bad as never)],
      ['clamp(t, bad)', (bad) => tc.clamp(tensor([1]), bad as never)],
      ['cumsum(t, 0, bad)', (bad) => tc.cumsum(tensor([1]), 0, bad as never)],
      ['tensor(values, shape, bad)', (bad) => tc.tensor([1], [1], bad as never)],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...calls), fc.constantFrom(...BAD), async ([label, call], bad) => {
        for (const backend of gpu ? [reference, gpu] : [reference]) {
          const v = await verdictOn(backend, () => {
            const r = call(bad);
            // `undefined` options are allowed (defaults); anything else must be refused.
            if (r instanceof tc.Tensor) return r;
            return tensor([0]);
          });
          if (Array.isArray(bad) && label.startsWith('reshape')) continue; // [1, 2] is a shape
          if (bad === undefined && label.startsWith('cumsum')) continue;
          if (bad === undefined && label.startsWith('tensor(')) continue;
          if (bad === undefined && label.startsWith('clamp')) {
            expect(v.kind).toBe('error'); // neither bound given
            continue;
          }
          expect(v.kind, `${label} with ${String(bad)} on ${backend.name}: ${JSON.stringify(v).slice(0, 160)}`).toBe('error');
          if (v.kind === 'error') expect(['INVALID_ARGUMENT', 'UNKNOWN_OPTION', 'SHAPE_MISMATCH']).toContain(v.code);
        }
      }),
      params,
    );
  });
});
