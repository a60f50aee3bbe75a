/**
 * Conformance cases: invalid values and invalid operands (issue 14). Every backend gives the same
 * verdict: the coded `TensorError` the CPU backend throws, with the same message. A backend that
 * reads synchronously throws at the op; an asynchronous one (WebGPU) checks on the device and
 * throws at the next read of any tensor on it, after which it works normally again.
 */
import { it, expect } from 'vitest';
import {
  TensorError, add, cumsum, setBackend, exp, eye, floorDiv, prod, resize, registerBackend, type Backend, full, gather, indexSelect, memory, mod, oneHot, pendingChecks, scatterAdd, sum,
  takeAlongAxis, tensor, tidy, where, zeros, type Tensor, type TensorErrorCode,
} from '@tessera/tensor-core';
import type { ConformanceContext } from '../index.js';
import { expectTensor, expectTensorError } from '../helpers.js';

const int = (values: number[] | number[][]): Tensor => tensor(values, undefined, { dtype: 'int32' });

async function expectRejection(promise: Promise<unknown>, code: TensorErrorCode, message: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  expect(TensorError.is(caught) && caught.code, String(caught)).toBe(code);
  expect((caught as Error).message).toMatch(message);
}

/**
 * Runs `op` (in a tidy scope) and reads its result; expects the error, thrown by the op or by the
 * read, then checks that the backend is usable again and nothing leaked.
 */
async function expectInvalid(op: () => Tensor, code: TensorErrorCode, message: RegExp): Promise<void> {
  const before = memory().tensors;
  let caught: unknown;
  let out: Tensor | undefined;
  try {
    out = tidy(op);
    await out.data();
  } catch (e) {
    caught = e;
  } finally {
    out?.dispose();
  }
  if (caught === undefined) expect.fail(`expected a TensorError ${code}, the op returned a value`);
  if (!TensorError.is(caught)) throw caught;
  expect(caught.code, caught.message).toBe(code);
  expect(caught.message).toMatch(message);
  const ok = tensor([1, 2]);
  await expectTensor(ok, [1, 2]);
  ok.dispose();
  expect(memory().tensors).toBe(before);
}

/** Conformance cases: invalid values and operands. */
export function invalidValueCases(ctx: ConformanceContext): void {
  it('gather / indexSelect / takeAlongAxis / scatterAdd: an index out of range', async () => {
    const m = (): Tensor => tensor([[1, 2], [3, 4], [5, 6]]);
    await expectInvalid(() => gather(m(), int([7])), 'INDEX_OUT_OF_RANGE', /^gather: index 7 is out of range for an axis of size 3 \(valid: -3 to 2\); at flat position 0 of indices shape \[1\]$/);
    await expectInvalid(() => gather(m(), int([0, -4])), 'INDEX_OUT_OF_RANGE', /^gather: index -4 is out of range .* at flat position 1 /);
    await expectInvalid(() => indexSelect(m(), 0, int([2, 3])), 'INDEX_OUT_OF_RANGE', /^indexSelect: index 3 is out of range for an axis of size 3/);
    await expectInvalid(() => takeAlongAxis(m(), int([[0], [5], [1]]), 1), 'INDEX_OUT_OF_RANGE', /^takeAlongAxis: index 5 is out of range for an axis of size 2/);
    await expectInvalid(() => scatterAdd(zeros([2]), int([0, 2]), tensor([1, 1]), 0), 'INDEX_OUT_OF_RANGE', /^scatterAdd: index 2 is out of range/);
  });

  it('oneHot: a class index out of range', async () => {
    await expectInvalid(() => oneHot(int([1, 7]), 3), 'INDEX_OUT_OF_RANGE', /^oneHot: index 7 is out of range for 3 classes \(valid: 0 to 2\); at flat position 1 of indices shape \[2\]$/);
    await expectInvalid(() => oneHot(int([-1]), 3), 'INDEX_OUT_OF_RANGE', /index -1/);
  });

  it('floorDiv / mod of integers by zero', async () => {
    await expectInvalid(() => floorDiv(int([7, 8]), int([2, 0])), 'INVALID_ARGUMENT', /^floorDiv: integer division by zero \(the divisor is 0 at flat index 1\)/);
    await expectInvalid(() => mod(int([7]), int([0])), 'INVALID_ARGUMENT', /^mod: integer division by zero/);
    await expectInvalid(() => mod(int([7]), 0), 'INVALID_ARGUMENT', /^mod: integer division by zero/);
    // Float division by zero is IEEE (inf / nan), as PyTorch.
    await expectTensor(tidy(() => mod(tensor([7]), 0)), [NaN]);
  });

  it('the first failed check wins, and valid checks leave nothing pending', async () => {
    const a = tidy(() => oneHot(int([0, 1]), 2));
    await expectTensor(a, [[1, 0], [0, 1]]);
    a.dispose();
    expect(pendingChecks(ctx.backend())).toBe(0);
    const before = memory().tensors;
    let caught: unknown;
    let first: Tensor | undefined;
    let second: Tensor | undefined;
    try {
      // A synchronous backend throws at the first op; an asynchronous one at the read.
      first = tidy(() => gather(tensor([1, 2]), int([9])));
      second = tidy(() => floorDiv(int([1]), int([0])));
      await second.data();
    } catch (e) {
      caught = e;
    } finally {
      first?.dispose();
      second?.dispose();
    }
    expect(TensorError.is(caught) && caught.message).toMatch(/^gather: index 9/);
    expect(pendingChecks(ctx.backend())).toBe(0);
    expect(memory().tensors).toBe(before);
  });

  it('asynchronous backends: past 256 pending checks the oldest keep their verdict, not their inputs', async () => {
    if (ctx.backend().capabilities.syncRead) return; // checked at the op: nothing is ever pending
    const before = memory().tensors;
    const bad = tidy(() => oneHot(int([5]), 3));
    for (let i = 0; i < 300; i++) tidy(() => void oneHot(int([0]), 3));
    expect(pendingChecks(ctx.backend())).toBe(301);
    let caught: unknown;
    try {
      await bad.data();
    } catch (e) {
      caught = e;
    }
    bad.dispose();
    expect(TensorError.is(caught) && caught.code).toBe('INDEX_OUT_OF_RANGE');
    expect((caught as Error).message).toMatch(/^oneHot: a device-side value check failed \(the inputs were released: more than 256 checks were pending without a read\)$/);
    expect(pendingChecks(ctx.backend())).toBe(0);
    expect(memory().tensors).toBe(before);
  });

  it('non-tensor operands: only numbers and booleans are scalars', () => {
    const t = tensor([1, 2]);
    try {
      expectTensorError(() => add(t, null as never), 'INVALID_ARGUMENT', /^add: b must be a Tensor, a number or a boolean, got null$/);
      expectTensorError(() => add(undefined as never, t), 'INVALID_ARGUMENT', /^add: a must be .* got undefined$/);
      expectTensorError(() => add(t, [1, 2] as never), 'INVALID_ARGUMENT', /^add: b must be .* got an array \[1,2\]$/);
      expectTensorError(() => t.mul('2' as never), 'INVALID_ARGUMENT', /^mul: b must be .* got string "2"$/);
      expectTensorError(() => exp(null as never), 'INVALID_ARGUMENT', /^exp: x must be a Tensor, a number or a boolean, got null$/);
      expectTensorError(() => full([2], 'x' as never), 'INVALID_ARGUMENT', /^full: value must be a number or a boolean, got string "x"$/);
      expectTensorError(() => where(null as never, t, t), 'INVALID_ARGUMENT', /^where: condition must be .* got null$/);
      expectTensorError(() => where(tensor([true, false]), t, {} as never), 'INVALID_ARGUMENT', /^where: b must be .* got Object$/);
      expectTensorError(() => sum(null as never), 'INVALID_ARGUMENT', /^sum: input must be a Tensor, got null$/);
      expectTensorError(() => t.clamp('0' as never), 'INVALID_ARGUMENT', /^clamp: min must be a number, got string "0"$/);
    } finally {
      t.dispose();
    }
  });

  it('tidy(async ...): the caller gets the error, and the orphaned promise cannot crash the process later', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      const x = tensor([1, 2]);
      expectTensorError(
        () => tidy((async () => {
          const y = x.add(1);
          await new Promise((resolve) => setTimeout(resolve, 1));
          return y.add(1); // y was freed when tidy returned: this rejects
        }) as unknown as () => Tensor),
        'INVALID_ARGUMENT',
        /returned a promise/,
      );
      x.dispose();
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });

  it('t.to(name) resolves registered names; two backends under one name are told apart', async () => {
    const t = tensor([1, 2]);
    try {
      const same = await t.to(ctx.backend().name);
      expect(same).toBe(t);
      await expectRejection(t.to('no-such-backend'), 'NO_BACKEND', /^getBackend: no backend named 'no-such-backend' is registered \(registered: .*\)$/);
      const original = ctx.backend();
      const twin = Object.create(original) as Backend;
      registerBackend(twin);
      try {
        const labels = Object.keys(memory().backends).filter((k) => k === original.name || k.startsWith(`${original.name}#`));
        expect(labels.length).toBeGreaterThanOrEqual(2);
        await setBackend(twin);
        const other = tensor([1, 2]);
        expectTensorError(() => add(t, other), 'BACKEND_MISMATCH', new RegExp(`on '${original.name}', tensor id=\\d+ on '${original.name}#\\d+'`));
        other.dispose();
      } finally {
        await setBackend(original);
        registerBackend(original);
      }
      expectTensorError(() => registerBackend('cpu' as never), 'INVALID_ARGUMENT', /got the string 'cpu'/);
    } finally {
      t.dispose();
    }
  });

  it('int32 sum, prod and cumsum never wrap', async () => {
    const big = (): Tensor => int([2 ** 30, 2 ** 30, 2 ** 30]);
    await expectInvalid(() => sum(big()), 'INVALID_ARGUMENT', /^sum: the int32 result overflows: 3221225472 at flat index 0 is outside \[-2147483648, 2147483647\]; cast the input to float32 or float64 first$/);
    await expectInvalid(() => int([[1, 2], [2 ** 30, 2 ** 30]]).sum(1), 'INVALID_ARGUMENT', /^sum: the int32 result overflows: 2147483648 at flat index 1/);
    await expectInvalid(() => prod(int([65536, 65536])), 'INVALID_ARGUMENT', /^prod: the int32 result overflows: 4294967296 at flat index 0/);
    await expectInvalid(() => cumsum(big(), 0), 'INVALID_ARGUMENT', /^cumsum: the int32 result overflows: 2147483648 at flat index 1/);
    // In range, the integer result stands (well inside float32's exact range too).
    await expectTensor(tidy(() => sum(int([2 ** 29, 2 ** 29, -(2 ** 30), 5]))), 5);
    await expectTensor(tidy(() => cumsum(int([-(2 ** 30), -(2 ** 30)]), 0)), [-(2 ** 30), -(2 ** 31)]);
  });

  it('sizes beyond a buffer are a coded OUT_OF_MEMORY before any allocation, on every backend', () => {
    const before = memory().tensors;
    expectTensorError(() => zeros([1e6, 1e6]), 'OUT_OF_MEMORY', /^full: 1000000000000 elements of float32 need 4000000000000 bytes; backend '.*' holds at most \d+ bytes per tensor$/);
    expectTensorError(() => eye(1e6), 'OUT_OF_MEMORY', /^eye: 1000000000000 elements of float32 need/);
    const start = performance.now();
    const img = zeros([1, 3, 4, 4]);
    expectTensorError(() => resize(img, [1e6, 1e6]), 'OUT_OF_MEMORY', /^resize: /);
    img.dispose();
    expect(performance.now() - start).toBeLessThan(1000);
    expect(memory().tensors).toBe(before);
  });

  it('creation never wraps a value silently into int32', () => {
    expectTensorError(() => tensor([1e10], [1], { dtype: 'int32' }), 'INVALID_ARGUMENT', /^tensor: value 10000000000 at flat index 0 does not fit int32/);
    expectTensorError(() => tensor([NaN], [1], { dtype: 'int32' }), 'INVALID_ARGUMENT', /value NaN/);
    expectTensorError(() => full([1], 2 ** 31, { dtype: 'int32' }), 'INVALID_ARGUMENT', /^full: value 2147483648/);
  });
}
