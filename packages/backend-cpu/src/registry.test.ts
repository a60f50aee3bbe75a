/**
 * tensor-core's backend registry (setBackend / registerBackend / getBackend / backendLabel),
 * exercised with real CPU backends: names, the habits users bring from tfjs, and two backend
 * objects under one name.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TensorError, add, backendLabel, getBackend, memory, registerBackend, setBackend, tensor, type Backend } from '@tessera/tensor-core';
import { cpu } from './index.js';

function expectError(fn: () => unknown, code: string, message: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TensorError);
    expect((e as TensorError).code).toBe(code);
    expect((e as Error).message).toMatch(message);
    return;
  }
  throw new Error(`expected a TensorError ${code}`);
}

async function expectRejection(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TensorError);
  expect((error as TensorError).code).toBe(code);
  expect((error as Error).message).toMatch(message);
}

const first = cpu();
afterAll(async () => {
  await setBackend(first);
});

describe('setBackend', () => {
  it('accepts the name of a registered backend (the tfjs habit)', async () => {
    await setBackend(first);
    const other = cpu();
    registerBackend(other);
    // The name selects the latest object registered under it.
    expect(await setBackend('cpu')).toBe(other);
    expect(getBackend()).toBe(other);
    await setBackend(first);
    expect(await setBackend('cpu')).toBe(first);
    expect(getBackend('cpu')).toBe(first);
  });

  it('says what to pass for a name nothing is registered under', async () => {
    await setBackend(first);
    await expectRejection(
      setBackend('webgpu'),
      'NO_BACKEND',
      /^setBackend: no backend named 'webgpu' is registered \(registered: 'cpu'\)\. A name selects a backend registered before; create one first by passing its object: await setBackend\(webgpu\(\)\), with webgpu of @tessera\/backend-webgpu$/,
    );
    await expectRejection(setBackend('cuda'), 'NO_BACKEND', /no backend named 'cuda'.*await setBackend\(cpu\(\)\) \(from '@tessera\/backend-cpu'\) or await setBackend\(webgpu\(\)\)/);
    // Nothing changed.
    expect(getBackend()).toBe(first);
  });

  it('rejects a factory that was not called, and objects that are not backends, instead of a version mismatch', async () => {
    await expectRejection(setBackend(cpu as unknown as Backend), 'INVALID_ARGUMENT', /expected a Backend object .*got a function \(cpu\): call it, setBackend\(cpu\(\)\)/);
    await expectRejection(setBackend({ name: 'webgpu' } as unknown as Backend), 'INVALID_ARGUMENT', /got an object that is not one \(no specVersion, no allocate; keys: name\)/);
    await expectRejection(setBackend(null as unknown as Backend), 'INVALID_ARGUMENT', /got null/);
    expectError(() => registerBackend('cpu' as unknown as Backend), 'INVALID_ARGUMENT', /got the string 'cpu' \(pass the backend object, or the name of a registered backend to setBackend\)/);
    const old = { ...first, specVersion: 0 } as unknown as Backend;
    await expectRejection(setBackend(old), 'SPEC_VERSION_MISMATCH', /backend 'cpu' implements interface version 0, this tensor-core expects \d+/);
    const unnamed = Object.assign(Object.create(first) as Backend, { name: '' });
    await expectRejection(setBackend(unnamed), 'INVALID_ARGUMENT', /a backend needs a non-empty string name/);
    expect(getBackend()).toBe(first);
  });
});

describe('two backends under one name', () => {
  it('are told apart in BACKEND_MISMATCH and memory() (cpu, cpu#2)', async () => {
    await setBackend(first);
    const a = tensor([1, 2]);
    const twin = cpu();
    await setBackend(twin);
    const b = tensor([3, 4]);
    const labelA = backendLabel(first);
    const labelB = backendLabel(twin);
    expect(labelA).toBe('cpu');
    expect(labelB).toMatch(/^cpu#\d+$/);
    expect(Object.keys(memory().backends)).toEqual(expect.arrayContaining([labelA, labelB]));
    expectError(() => add(a, b), 'BACKEND_MISMATCH', new RegExp(`tensor id=${a.id} on 'cpu', tensor id=${b.id} on '${labelB}'; move one with t.to\\(backend\\)`));
    a.dispose();
    b.dispose();
    await setBackend(first);
  });
});
