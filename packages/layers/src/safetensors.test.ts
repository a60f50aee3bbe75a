import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispose, memory, setBackend, tensor, tidy, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { noGrad } from '@tessera/autograd';
import {
  BatchNorm1d,
  Linear,
  Sequential,
  deserializeSafetensors,
  loadSafetensors,
  saveSafetensors,
  serializeSafetensors,
} from './index.js';
import { expectClose, expectTensorError, fixturePath, readFixture } from './test-utils/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-layers-'));

beforeAll(async () => {
  await setBackend(cpu());
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The small model both sides use: Linear(3, 2) then BatchNorm1d(2), with literal weights. */
function makeModel(): Sequential {
  const model = new Sequential(new Linear({ inFeatures: 3, outFeatures: 2, seed: 0 }), new BatchNorm1d({ numFeatures: 2 }));
  const dict = {
    '0.weight': tensor([[0.5, -1.25, 3], [0, 0.001, -7.5]]),
    '0.bias': tensor([0.25, -0.5]),
    '1.weight': tensor([1.5, 0.75]),
    '1.bias': tensor([-0.125, 2]),
    '1.runningMean': tensor([0.1, -0.2]),
    '1.runningVar': tensor([2, 0.5]),
    '1.numBatchesTracked': tensor(3, [], { dtype: 'int32' }),
  };
  model.loadStateDict(dict);
  dispose(dict);
  return model.eval();
}

const INPUT = [[1, 2, 3], [-1, 0.5, 0], [0, 0, 1]];

function extras(): Record<string, Tensor> {
  return {
    counts: tensor([-1, 0, 2147483647], undefined, { dtype: 'int32' }),
    mask: tensor([[true, false], [false, true]]),
    scalar: tensor(3.5),
    empty: tensor([], [0, 3]),
    precise: tensor(new Float64Array([0.1, 1 / 3])),
  };
}

describe('safetensors', () => {
  it('round-trips every dtype, shape and metadata', async () => {
    const before = memory().tensors;
    const dict = extras();
    const bytes = await serializeSafetensors(dict, { metadata: { note: 'hi' } });
    const { tensors, metadata } = deserializeSafetensors(bytes);
    expect(metadata).toEqual({ note: 'hi' });
    expect([...tensors.keys()]).toEqual(['counts', 'empty', 'mask', 'precise', 'scalar']);
    for (const [name, t] of Object.entries(dict)) {
      const back = tensors.get(name)!;
      expect(back.shape, name).toEqual(t.shape);
      expect(back.dtype, name).toBe(t.dtype);
      expect(Array.from(await back.data()), name).toEqual(Array.from(await t.data()));
    }
    // Header: 8-byte length, JSON padded with spaces to a multiple of 8.
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { data_offsets: number[] }>;
    expect(Object.keys(header)).toEqual(['__metadata__', 'counts', 'empty', 'mask', 'precise', 'scalar']);
    expect(header.precise!.data_offsets).toEqual([0, 16]);
    dispose([dict, [...tensors.values()]]);
    expect(memory().tensors).toBe(before);
  });

  it('writes a file that Python reads (byte-exact fixture, checked by scripts/safetensors-interop.py)', async () => {
    const model = makeModel();
    const extra = extras();
    const all = new Map<string, Tensor>([...model.stateDict({ keepVars: true }), ...Object.entries(extra)]);
    const bytes = await model.save(undefined, { metadata: { framework: 'tessera', epoch: '3' } });
    const withExtras = await serializeSafetensors(all, { metadata: { framework: 'tessera', epoch: '3' } });
    expect(bytes.length).toBeLessThan(withExtras.length);
    const x = tensor(INPUT);
    const y = noGrad(() => model.forward(x));
    const expected = {
      metadata: { framework: 'tessera', epoch: '3' },
      tensors: Object.fromEntries(await Promise.all([...all].map(async ([k, t]) => [k, { shape: t.shape, dtype: { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' }[t.dtype], values: Array.from(await t.data(), Number) }]))),
      input: INPUT,
      output: Array.from(await y.data()),
    };
    const file = fixturePath('tessera.safetensors');
    const json = `${JSON.stringify(expected)}\n`;
    if (process.env.UPDATE_FIXTURES || !existsSync(file)) {
      writeFileSync(file, withExtras);
      writeFileSync(fixturePath('tessera-expected.json'), json);
    }
    expect(Buffer.from(readFileSync(file)).equals(Buffer.from(withExtras)), 'tessera.safetensors is stale: rerun with UPDATE_FIXTURES=1, then the python script').toBe(true);
    // The tensors must match exactly; the forward output only to float32 rounding (kernels may
    // change their summation order).
    const committed = JSON.parse(readFileSync(fixturePath('tessera-expected.json'), 'utf8')) as typeof expected;
    expect({ ...committed, output: [] }).toEqual(JSON.parse(JSON.stringify({ ...expected, output: [] })));
    expectClose(expected.output, committed.output, 'forward output');
    dispose([x, y, extra]);
    model.dispose();
  });

  it('reads a file written in Python from a torch state_dict (snake_case keys, I64, F16, BF16, U8)', async () => {
    const expected = readFixture<{ input: number[]; inputShape: number[]; output: number[]; half: number[]; bf16: number[]; long: number[]; bytes: number[] }>('python.json');
    const model = new Sequential(new Linear({ inFeatures: 3, outFeatures: 2, seed: 0 }), new BatchNorm1d({ numFeatures: 2 }));
    const result = await model.load(fixturePath('python.safetensors'), { strict: false });
    expect(result.missingKeys).toEqual([]);
    expect(result.unexpectedKeys.sort()).toEqual(['extra.bf16', 'extra.bytes', 'extra.half', 'extra.long']);
    expect(await (model.at(1) as BatchNorm1d).numBatchesTracked!.item()).toBe(1);
    model.eval();
    const x = tensor(expected.input, expected.inputShape);
    const y = noGrad(() => model.forward(x));
    expectClose(await y.data(), expected.output, 'torch output', 1e-6, 1e-5);
    const { tensors, metadata } = deserializeSafetensors(readFileSync(fixturePath('python.safetensors')));
    expect(metadata).toEqual({ format: 'pt', writer: 'safetensors-interop.py' });
    expect(tensors.get('extra.half')!.dtype).toBe('float32');
    expect(Array.from(await tensors.get('extra.half')!.data())).toEqual(expected.half);
    expect(Array.from(await tensors.get('extra.bf16')!.data())).toEqual(expected.bf16.map((v) => Math.fround(v)));
    expect(tensors.get('extra.long')!.dtype).toBe('int32');
    expect(tensors.get('extra.long')!.shape).toEqual([2, 2]);
    expect(Array.from(await tensors.get('extra.long')!.data())).toEqual(expected.long);
    expect(Array.from(await tensors.get('extra.bytes')!.data())).toEqual(expected.bytes);
    dispose([x, y, [...tensors.values()]]);
    model.dispose();
  });

  it('saves to and loads from files, bytes, ArrayBuffers and Blobs', async () => {
    const model = makeModel();
    const path = join(dir, 'model.safetensors');
    const bytes = await model.save(path);
    expect(Buffer.from(readFileSync(path)).equals(Buffer.from(bytes))).toBe(true);
    const sources = [path, bytes, bytes.slice().buffer, new Blob([bytes])];
    for (const source of sources) {
      const other = new Sequential(new Linear({ inFeatures: 3, outFeatures: 2, seed: 9 }), new BatchNorm1d({ numFeatures: 2 }));
      expect(await other.load(source)).toEqual({ missingKeys: [], unexpectedKeys: [] });
      const a = model.stateDict();
      const b = other.stateDict();
      for (const [k, t] of a) expect(Array.from(await b.get(k)!.data()), k).toEqual(Array.from(await t.data()));
      dispose([a, b]);
      other.dispose();
    }
    const dict = await loadSafetensors(path);
    expect([...dict.keys()].sort()).toEqual(['0.bias', '0.weight', '1.bias', '1.numBatchesTracked', '1.runningMean', '1.runningVar', '1.weight']);
    dispose(dict);
    await saveSafetensors({ a: tensor([1]) }, join(dir, 'a.safetensors'));
    const loaded = await loadSafetensors(join(dir, 'a.safetensors'));
    expect(Array.from(await loaded.get('a')!.data())).toEqual([1]);
    dispose(loaded);
    model.dispose();
  });

  it('rejects bad input with a message naming the problem', async () => {
    const ok = await serializeSafetensors({ a: tensor([1, 2]) });
    const corrupt = (edit: (b: Uint8Array) => Uint8Array): Uint8Array => edit(ok.slice());
    const withHeader = (header: string, body = new Uint8Array(8)): Uint8Array => {
      const text = new TextEncoder().encode(header);
      const out = new Uint8Array(8 + text.length + body.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
      out.set(text, 8);
      out.set(body, 8 + text.length);
      return out;
    };
    await expectTensorError(() => deserializeSafetensors(new Uint8Array(3)), 'INVALID_ARGUMENT', /too short for a safetensors file \(3 bytes\)/);
    await expectTensorError(() => deserializeSafetensors(corrupt((b) => b.subarray(0, 20))), 'INVALID_ARGUMENT', /header length \d+ does not fit in 20 bytes/);
    await expectTensorError(() => deserializeSafetensors(withHeader('{not json')), 'INVALID_ARGUMENT', /the header is not valid JSON/);
    await expectTensorError(() => deserializeSafetensors(withHeader('[1]')), 'INVALID_ARGUMENT', /the header must be a JSON object/);
    await expectTensorError(() => deserializeSafetensors(withHeader('{"a":{"dtype":"F32","shape":[2]}}')), 'INVALID_ARGUMENT', /'a' needs dtype, shape and data_offsets/);
    await expectTensorError(() => deserializeSafetensors(withHeader('{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}')), 'INVALID_ARGUMENT', /'a' has unsupported dtype C64/);
    await expectTensorError(() => deserializeSafetensors(withHeader('{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,8]}}')), 'INVALID_ARGUMENT', /'a' has a bad shape \[-1\]/);
    await expectTensorError(() => deserializeSafetensors(withHeader('{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}')), 'INVALID_ARGUMENT', /data_offsets \[0,16\] outside the 8 data bytes/);
    await expectTensorError(() => deserializeSafetensors(withHeader('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}')), 'INVALID_ARGUMENT', /needs 12 bytes, data_offsets give 8/);
    await expectTensorError(() => deserializeSafetensors(withHeader('{"__metadata__":3}')), 'INVALID_ARGUMENT', /__metadata__ must be an object of strings/);
    const huge = new Uint8Array(8);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    await expectTensorError(() => deserializeSafetensors(huge), 'INVALID_ARGUMENT', /header length 1099511627776 does not fit/);
    const tooBig = new BigInt64Array([2n ** 40n]);
    await expectTensorError(
      () => deserializeSafetensors(withHeader('{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}', new Uint8Array(tooBig.buffer))),
      'INVALID_ARGUMENT',
      /'a' holds I64 value 1099511627776, outside the int32 range/,
    );
    await expectTensorError(() => deserializeSafetensors('x' as unknown as Uint8Array), 'INVALID_ARGUMENT', /expected bytes/);
    await expectTensorError(() => loadSafetensors(42 as unknown as Uint8Array), 'INVALID_ARGUMENT', /source must be a path, Uint8Array, ArrayBuffer or Blob, got number/);
    await expectTensorError(() => serializeSafetensors({ a: [1] as unknown as Tensor }), 'INVALID_ARGUMENT', /'a' is not a Tensor/);
    const t = tensor([1]);
    await expectTensorError(() => serializeSafetensors({ __metadata__: t }), 'INVALID_ARGUMENT', /'__metadata__' is not a valid tensor name/);
    await expectTensorError(() => serializeSafetensors({ a: t }, { metadata: { n: 3 as unknown as string } }), 'INVALID_ARGUMENT', /metadata values must be strings, 'n' is number/);
    await expectTensorError(() => serializeSafetensors(null as unknown as Map<string, Tensor>), 'INVALID_ARGUMENT', /expected a Map or an object of tensors/);
    await expectTensorError(() => saveSafetensors({ a: t }, 5 as unknown as string), 'INVALID_ARGUMENT', /path must be a string/);
    t.dispose();
    await expectTensorError(() => serializeSafetensors({ a: t }), 'TENSOR_DISPOSED', /was disposed/);
    // Overlapping ranges, gaps and unaccounted bytes are refused, as the reference implementation does.
    await expectTensorError(() => deserializeSafetensors(withHeader('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}')), 'INVALID_ARGUMENT', /'b' has data_offsets \[4, 8\] overlapping the previous tensor, which ends at 8/);
    await expectTensorError(() => deserializeSafetensors(withHeader('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}')), 'INVALID_ARGUMENT', /'a' has data_offsets \[4, 8\], leaving a gap: the previous tensor ends at 0/);
    await expectTensorError(() => deserializeSafetensors(withHeader('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}')), 'INVALID_ARGUMENT', /the tensors cover 4 of the 8 data bytes/);
    // Metadata is a map of strings: an object is refused, not turned into "[object Object]".
    await expectTensorError(() => deserializeSafetensors(withHeader('{"__metadata__":{"k":{"x":1}},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}')), 'INVALID_ARGUMENT', /__metadata__ values must be strings, 'k' is object/);
    // A failed load frees what it had created.
    const before = memory().tensors;
    const twoThenBad = withHeader('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,12]}}', new Uint8Array(12));
    await expectTensorError(() => deserializeSafetensors(twoThenBad), 'INVALID_ARGUMENT', /'b' \(F32, shape \[1\]\) needs 4 bytes/);
    expect(memory().tensors).toBe(before);
    tidy(() => undefined);
  });
});
