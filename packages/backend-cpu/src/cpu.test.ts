import { describe, expect, it } from 'vitest';
import { BACKEND_SPEC_VERSION, type Backend } from '@tessera/tensor-core';
import { cpu } from './index.js';

describe('cpu()', () => {
  it('describes itself', () => {
    const b: Backend = cpu();
    expect(b.name).toBe('cpu');
    expect(b.specVersion).toBe(BACKEND_SPEC_VERSION);
    expect(b.capabilities).toEqual({ dtypes: ['float32', 'int32', 'bool', 'float64'], syncRead: true, maxBufferBytes: 2 ** 31 - 1 });
  });

  it('stores each dtype in its typed array and counts memory', async () => {
    const b = cpu();
    const f = b.allocate(3, 'float32');
    const d = b.allocate(2, 'float64');
    const i = b.allocate(2, 'int32');
    const o = b.allocate(4, 'bool');
    expect(b.memory()).toEqual({ bytes: 12 + 16 + 8 + 4, buffers: 4 });
    b.write(f, new Float32Array([1, 2, 3]));
    b.write(o, new Float32Array([0, 0.5, -1, NaN]));
    const rf = await b.read({ handle: f, shape: [3], dtype: 'float32' });
    expect(rf).toBeInstanceOf(Float32Array);
    expect(Array.from(rf)).toEqual([1, 2, 3]);
    expect(Array.from(b.readSync({ handle: o, shape: [4], dtype: 'bool' }))).toEqual([0, 1, 1, 1]);
    expect(b.readSync({ handle: d, shape: [2], dtype: 'float64' })).toBeInstanceOf(Float64Array);
    expect(b.readSync({ handle: i, shape: [2], dtype: 'int32' })).toBeInstanceOf(Int32Array);
    // Reads are copies.
    rf[0] = 100;
    expect(b.readSync({ handle: f, shape: [3], dtype: 'float32' })[0]).toBe(1);
    b.free(f);
    b.free(f);
    b.free(d);
    expect(b.memory()).toEqual({ bytes: 12, buffers: 2 });
    b.free(i);
    b.free(o);
    expect(b.memory()).toEqual({ bytes: 0, buffers: 0 });
    b.dispose();
  });

  it('keeps separate counters per instance', () => {
    const a = cpu();
    const b = cpu();
    a.allocate(10, 'float32');
    expect(b.memory()).toEqual({ bytes: 0, buffers: 0 });
  });
});
