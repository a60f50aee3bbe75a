/**
 * Conformance cases: the engine as a backend sees it. Memory scopes (`tidy`, `keep`, `dispose`,
 * `using`), the `memory()` counters, storage shared by views, reads (`data`, `dataSync`,
 * `array`, `arraySync`, `item`), disposed-tensor errors, `toString`, `requiresGrad`, the registry
 * and the `observe` hook.
 *
 * BACKEND_MISMATCH needs a second, independent backend instance; backend-cpu's own tests cover it.
 */
import { it, expect } from 'vitest';
import {
  BACKEND_SPEC_VERSION, Tensor, TensorError, add, arange, dispose, exp, getBackend, keep, memory, observe, ones,
  randn, registerBackend, tensor, tidy, zeros, type Backend, type OpRecord,
} from '@tessera/tensor-core';
import type { ConformanceContext } from '../index.js';
import { expectNoLeaks, expectTensor, expectTensorError } from '../helpers.js';

/** Live tensors and referenced bytes right now. */
function counters(): { tensors: number; bytes: number } {
  const m = memory();
  return { tensors: m.tensors, bytes: m.bytes };
}

/** Expects `promise` to reject with a `TensorError` of `code` whose message matches `message`. */
async function expectRejection(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  if (error === undefined) expect.fail(`expected a TensorError ${code}, the promise resolved`);
  if (!TensorError.is(error)) throw error;
  expect(error.code, error.message).toBe(code);
  if (message) expect(error.message).toMatch(message);
}

/** Conformance cases: engine. */
export function engineCases(ctx: ConformanceContext): void {
  // ------------------------------------------------------------------ tidy

  it('a dtype the backend does not list is refused before anything is allocated', async () => {
    const backend = ctx.backend();
    const limited = Object.create(backend, {
      name: { value: `${backend.name}-float32-only` },
      capabilities: { value: { ...backend.capabilities, dtypes: ['float32', 'int32', 'bool'] } },
    }) as Backend;
    await expectNoLeaks(() => {
      expectTensorError(() => zeros([2], { dtype: 'float64', backend: limited }), 'UNSUPPORTED', /full: backend '.*-float32-only' does not support dtype float64 \(it supports float32, int32, bool\)/);
      expectTensorError(() => tensor([1, 2], undefined, { dtype: 'float64', backend: limited }), 'UNSUPPORTED', /tensor: .*does not support dtype float64/);
      expectTensorError(() => randn([2], { seed: 1, dtype: 'float64', backend: limited }), 'UNSUPPORTED', /randn: .*float64/);
      expectTensorError(() => arange(3, undefined, 1, { dtype: 'float64', backend: limited }), 'UNSUPPORTED', /arange: .*float64/);
    });
  });

  it('tidy disposes intermediates and keeps the returned tensor', async () => {
    const x = tensor([1, 2, 3]);
    const before = counters();
    let intermediate: Tensor | undefined;
    const y = tidy(() => {
      intermediate = x.mul(2);
      return intermediate.add(1);
    });
    expect(intermediate!.isDisposed).toBe(true);
    expect(y.isDisposed).toBe(false);
    expect(x.isDisposed).toBe(false);
    expect(counters().tensors).toBe(before.tensors + 1);
    await expectTensor(y, [3, 5, 7]);
    dispose([x, y]);
  });

  it('tidy keeps tensors returned in arrays, nested arrays and plain objects', () => {
    const before = counters().tensors;
    const made: Tensor[] = [];
    const track = (t: Tensor): Tensor => {
      made.push(t);
      return t;
    };
    const result = tidy(() => {
      track(zeros([2]));
      const a = track(ones([1]));
      const b = track(zeros([3]));
      const c = track(ones([2, 2]));
      return { a, list: [b, [c]], scalar: 3, label: 'x', none: null };
    });
    const [dropped, a, b, c] = made;
    expect(dropped!.isDisposed).toBe(true);
    for (const t of [a, b, c]) expect(t!.isDisposed).toBe(false);
    expect(result.a).toBe(a);
    expect(counters().tensors).toBe(before + 3);
    dispose(result);
    expect(counters().tensors).toBe(before);
  });

  it('tidy keeps tensors returned in a Map', () => {
    const before = counters().tensors;
    let dropped: Tensor | undefined;
    const result = tidy(() => {
      dropped = zeros([2]);
      return new Map([['w', ones([2])], ['b', zeros([1])]]);
    });
    expect(dropped!.isDisposed).toBe(true);
    expect(result.get('w')!.isDisposed).toBe(false);
    expect(counters().tensors).toBe(before + 2);
    dispose(result);
    expect(counters().tensors).toBe(before);
  });

  it('nested tidy: the inner result moves to the outer scope and is freed there unless returned', () => {
    const before = counters().tensors;
    let inner: Tensor | undefined;
    let innerTemp: Tensor | undefined;
    const out = tidy(() => {
      inner = tidy(() => {
        innerTemp = ones([2]);
        return innerTemp.add(1);
      });
      expect(innerTemp!.isDisposed).toBe(true);
      expect(inner.isDisposed).toBe(false);
      return inner.mul(3);
    });
    expect(inner!.isDisposed).toBe(true);
    expect(out.isDisposed).toBe(false);
    expect(counters().tensors).toBe(before + 1);
    out.dispose();
  });

  it('keep() inside tidy survives the scope; dispose() before the scope ends is harmless', () => {
    const before = counters().tensors;
    let kept: Tensor | undefined;
    tidy(() => {
      kept = keep(ones([3]));
      const early = zeros([2]);
      early.dispose();
      const nested = tidy(() => keep(zeros([1])));
      nested.dispose();
    });
    expect(kept!.isDisposed).toBe(false);
    expect(counters().tensors).toBe(before + 1);
    kept!.dispose();
    expect(counters().tensors).toBe(before);
  });

  it('tidy disposes what it created when the function throws, and rethrows', () => {
    const before = counters().tensors;
    expect(() =>
      tidy(() => {
        ones([4]);
        zeros([2, 2]).add(zeros([3]));
      }),
    ).toThrow(/cannot be broadcast/);
    expect(counters().tensors).toBe(before);
  });

  it('tidy rejects an async function with INVALID_ARGUMENT and frees what it created', () => {
    const before = counters().tensors;
    const asyncFn = (async () => ones([2])) as unknown as () => Tensor;
    expectTensorError(() => tidy(() => {
      zeros([3]);
      return asyncFn();
    }), 'INVALID_ARGUMENT', /returned a promise/);
    // The async body ran synchronously up to its end, so its tensor was created in the scope.
    expect(counters().tensors).toBe(before);
  });

  it('tidy returning nothing frees everything it created', () => {
    const before = counters().tensors;
    const r = tidy(() => {
      exp(ones([2]).add(1));
    });
    expect(r).toBeUndefined();
    expect(counters().tensors).toBe(before);
  });

  // ------------------------------------------------------------------ dispose and using

  it('dispose() walks arrays and objects; disposing twice is harmless', () => {
    const before = counters().tensors;
    const a = ones([1]);
    const b = ones([2]);
    const c = ones([3]);
    dispose({ a, rest: [b, { c }], other: 4 });
    expect([a, b, c].every((t) => t.isDisposed)).toBe(true);
    expect(counters().tensors).toBe(before);
    a.dispose();
    dispose([a, b]);
    expect(counters().tensors).toBe(before);
  });

  it('a tensor declared with `using` is disposed at the end of its block', () => {
    const before = counters().tensors;
    let seen: Tensor | undefined;
    {
      using t = ones([2, 2]);
      seen = t;
      expect(counters().tensors).toBe(before + 1);
    }
    expect(seen.isDisposed).toBe(true);
    expect(counters().tensors).toBe(before);
  });

  it('Symbol.dispose is dispose', () => {
    const t = ones([2]);
    t[Symbol.dispose]();
    expect(t.isDisposed).toBe(true);
  });

  // ------------------------------------------------------------------ memory counters

  it('memory(): tensors and bytes go up on creation and down on dispose, per dtype size', () => {
    const name = ctx.backend().name;
    const before = memory();
    const f = zeros([3, 5]);
    const i = zeros([7], { dtype: 'int32' });
    const b = zeros([9], { dtype: 'bool' });
    const e = zeros([0, 4]);
    const during = memory();
    expect(during.tensors).toBe(before.tensors + 4);
    expect(during.bytes).toBe(before.bytes + 15 * 4 + 7 * 4 + 9 * 1);
    expect(during.backends[name]?.tensors).toBe((before.backends[name]?.tensors ?? 0) + 4);
    expect(during.backends[name]?.bytes).toBe((before.backends[name]?.bytes ?? 0) + 15 * 4 + 7 * 4 + 9);
    f.dispose();
    expect(memory().bytes).toBe(before.bytes + 7 * 4 + 9);
    dispose([i, b, e]);
    const after = memory();
    expect(after.tensors).toBe(before.tensors);
    expect(after.bytes).toBe(before.bytes);
    expect(after.backends[name]?.tensors).toBe(before.backends[name]?.tensors);
  });

  it('memory(): the backend reports bytes and buffers, and gives the bytes back when tensors are freed', () => {
    const name = ctx.backend().name;
    const before = memory().backends[name]!;
    expect(before.backendBytes).toBeGreaterThanOrEqual(0);
    expect(before.buffers).toBeGreaterThanOrEqual(0);
    const big = zeros([1024, 256]);
    const during = memory().backends[name]!;
    expect(during.backendBytes).toBeGreaterThanOrEqual(before.backendBytes);
    big.dispose();
    // A pooling backend may keep the buffer, but it must not grow from a create/free cycle.
    const after1 = memory().backends[name]!;
    for (let k = 0; k < 5; k++) zeros([1024, 256]).dispose();
    const after2 = memory().backends[name]!;
    expect(after2.backendBytes).toBeLessThanOrEqual(after1.backendBytes + 1024 * 256 * 4);
    expect(after2.buffers).toBeLessThanOrEqual(after1.buffers + 1);
  });

  it('steady state: repeating the same ops in tidy does not grow memory', () => {
    const w = ones([16, 16]);
    const step = (): void => {
      tidy(() => {
        w.mul(0.5).add(1).exp().sum(1).mean();
      });
    };
    step();
    const before = memory();
    for (let k = 0; k < 20; k++) step();
    const after = memory();
    expect(after.tensors).toBe(before.tensors);
    expect(after.bytes).toBe(before.bytes);
    const name = ctx.backend().name;
    expect(after.backends[name]!.backendBytes).toBeLessThanOrEqual(before.backends[name]!.backendBytes);
    w.dispose();
  });

  // ------------------------------------------------------------------ views

  it('reshape is a view: no new storage, and the storage lives until its last view is disposed', async () => {
    const x = arange(6, undefined, 1, { dtype: 'float32' });
    const before = counters();
    const v = x.reshape([2, 3]);
    expect(counters()).toEqual({ tensors: before.tensors + 1, bytes: before.bytes });
    v.dispose();
    await expectTensor(x, [0, 1, 2, 3, 4, 5]);
    const w = x.reshape([3, 2]);
    x.dispose();
    expect(counters()).toEqual({ tensors: before.tensors, bytes: before.bytes });
    await expectTensor(w, [[0, 1], [2, 3], [4, 5]]);
    const bytesWithStorage = counters().bytes;
    w.dispose();
    expect(counters().bytes).toBe(bytesWithStorage - 6 * 4);
  });

  // ------------------------------------------------------------------ reads

  it('data() gives the typed array of the dtype', async () => {
    const f = tensor([1.5, -2]);
    const i = tensor([3, -4], undefined, { dtype: 'int32' });
    const b = tensor([true, false]);
    const fd = await f.data();
    const id = await i.data();
    const bd = await b.data();
    expect(fd).toBeInstanceOf(Float32Array);
    expect(id).toBeInstanceOf(Int32Array);
    expect(bd).toBeInstanceOf(Uint8Array);
    expect(Array.from(fd)).toEqual([1.5, -2]);
    expect(Array.from(id)).toEqual([3, -4]);
    expect(Array.from(bd)).toEqual([1, 0]);
    dispose([f, i, b]);
  });

  it('array() nests values by shape; bool gives booleans; scalars give a number', async () => {
    const m = tensor([[1, 2, 3], [4, 5, 6]]);
    const b = tensor([[true], [false]]);
    const s = tensor(7);
    const e = zeros([2, 0]);
    const cube = arange(8).reshape([2, 2, 2]);
    expect(await m.array()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(await b.array()).toEqual([[true], [false]]);
    expect(await s.array()).toBe(7);
    expect(await e.array()).toEqual([[], []]);
    expect(await cube.array()).toEqual([[[0, 1], [2, 3]], [[4, 5], [6, 7]]]);
    expect(await zeros([0]).array()).toEqual([]);
    dispose([m, b, s, e, cube]);
  });

  it('dataSync() and arraySync() work where capabilities.syncRead, else throw SYNC_READ_UNSUPPORTED', async () => {
    const x = tensor([[1, 2], [3, 4]], undefined, { dtype: 'int32' });
    if (ctx.backend().capabilities.syncRead) {
      const d = x.dataSync();
      expect(d).toBeInstanceOf(Int32Array);
      expect(Array.from(d)).toEqual([1, 2, 3, 4]);
      expect(x.arraySync()).toEqual([[1, 2], [3, 4]]);
      d[0] = 99;
      expect(x.dataSync()[0]).toBe(1);
    } else {
      expectTensorError(() => x.dataSync(), 'SYNC_READ_UNSUPPORTED', /await t\.data\(\)/);
      expectTensorError(() => x.arraySync(), 'SYNC_READ_UNSUPPORTED');
    }
    x.dispose();
  });

  it('item() reads one-element tensors of any rank and rejects others with SHAPE_MISMATCH', async () => {
    const s = tensor(2.5);
    const one = tensor([[7]], undefined, { dtype: 'int32' });
    const two = tensor([1, 2]);
    const none = zeros([0]);
    expect(await s.item()).toBe(2.5);
    expect(await one.item()).toBe(7);
    await expectRejection(two.item(), 'SHAPE_MISMATCH', /2 elements \(shape \[2\]\)/);
    await expectRejection(none.item(), 'SHAPE_MISMATCH', /0 elements/);
    dispose([s, one, two, none]);
  });

  it('reading a disposed tensor throws TENSOR_DISPOSED naming its id, shape and dtype', async () => {
    const x = tensor([[1, 2, 3]]);
    x.dispose();
    const named = new RegExp(`id=${x.id} shape=\\[1,3\\] dtype=float32`);
    expect(x.isDisposed).toBe(true);
    await expectRejection(x.data(), 'TENSOR_DISPOSED', named);
    await expectRejection(x.array(), 'TENSOR_DISPOSED', named);
    expectTensorError(() => x.dataSync(), 'TENSOR_DISPOSED', named);
    expectTensorError(() => x.arraySync(), 'TENSOR_DISPOSED', named);
    expectTensorError(() => x.add(1), 'TENSOR_DISPOSED', /^add: .*was disposed/);
    expectTensorError(() => x.reshape([3]), 'TENSOR_DISPOSED', named);
    expectTensorError(() => add(x, x), 'TENSOR_DISPOSED', named);
    await expectRejection(x.to(ctx.backend()), 'TENSOR_DISPOSED', named);
  });

  // ------------------------------------------------------------------ identity and metadata

  it('toString() names id, shape, dtype, backend, and whether it was disposed', () => {
    const x = zeros([2, 3], { dtype: 'int32' });
    const name = ctx.backend().name;
    expect(x.toString()).toBe(`Tensor(id=${x.id}, shape=[2,3], dtype=int32, backend=${name})`);
    x.dispose();
    expect(x.toString()).toBe(`Tensor(id=${x.id}, shape=[2,3], dtype=int32, backend=${name}, disposed)`);
  });

  it('tensors have unique ids, frozen shapes, size, rank and their backend', () => {
    const a = zeros([2, 3, 4]);
    const b = zeros([]);
    expect(a.id).not.toBe(b.id);
    expect(a.size).toBe(24);
    expect(a.rank).toBe(3);
    expect(b.size).toBe(1);
    expect(b.rank).toBe(0);
    expect(Object.isFrozen(a.shape)).toBe(true);
    expect(a.backend).toBe(ctx.backend());
    dispose([a, b]);
  });

  it('requiresGrad is false by default, set by the option, and not inherited by op results', () => {
    const a = ones([2], { requiresGrad: true });
    const b = ones([2]);
    const c = a.add(b);
    expect(a.requiresGrad).toBe(true);
    expect(b.requiresGrad).toBe(false);
    expect(typeof c.requiresGrad).toBe('boolean');
    dispose([a, b, c]);
  });

  it('t.to(its own backend) returns the same tensor', async () => {
    const x = ones([2]);
    expect(await x.to(ctx.backend())).toBe(x);
    x.dispose();
  });

  // ------------------------------------------------------------------ registry

  it('getBackend() is the backend under test; an unknown name throws NO_BACKEND', () => {
    expect(getBackend()).toBe(ctx.backend());
    expect(getBackend(ctx.backend().name)).toBe(ctx.backend());
    expectTensorError(() => getBackend('no-such-backend'), 'NO_BACKEND', /no backend named 'no-such-backend'/);
  });

  it('the backend declares the current specVersion and the required capabilities', () => {
    const backend = ctx.backend();
    expect(backend.specVersion).toBe(BACKEND_SPEC_VERSION);
    for (const dtype of ['float32', 'int32', 'bool'] as const) expect(backend.capabilities.dtypes).toContain(dtype);
    expect(typeof backend.capabilities.syncRead).toBe('boolean');
    expect(backend.capabilities.maxBufferBytes).toBeGreaterThan(0);
    expect(typeof backend.name).toBe('string');
  });

  it('registerBackend refuses a backend built for another interface version (SPEC_VERSION_MISMATCH)', () => {
    const stale = { name: 'stale-backend', specVersion: 0 } as unknown as Backend;
    expectTensorError(() => registerBackend(stale), 'SPEC_VERSION_MISMATCH', /'stale-backend' implements interface version 0/);
  });

  // ------------------------------------------------------------------ observe

  it('observe() sees each op once with its inputs and outputs; removing the observer restores silence', () => {
    const records: OpRecord[] = [];
    const a = ones([2]);
    const remove = observe((r) => records.push(r));
    let y: Tensor;
    try {
      y = a.add(a);
    } finally {
      remove();
    }
    expect(records.map((r) => r.name)).toEqual(['add']);
    expect(records[0]!.inputs).toEqual([a, a]);
    expect(records[0]!.outputs).toEqual([y]);
    a.mul(2).dispose();
    expect(records.length).toBe(1);
    dispose([a, y]);
  });

  // ------------------------------------------------------------------ leaks

  it('no leaks: scopes, views, reads and clones in sequence', async () => {
    await expectNoLeaks(async () => {
      const x = tidy(() => arange(12, undefined, 1, { dtype: 'float32' }).reshape([3, 4]).mul(2));
      const v = x.reshape([4, 3]);
      await v.data();
      await x.array();
      const c = x.clone();
      dispose([x, v, c]);
      tidy(() => [ones([2]), zeros([3])]).forEach((t) => t.dispose());
    });
  });
}
