/**
 * tensor-core's checking kit (issue 11): each check's message and code, and a collector that
 * reports every failure of one call in one TensorError with the first failure's code.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { TensorError, check, checkOptions, describeValue, describeTensor, ones, setBackend, tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';

beforeAll(async () => {
  await setBackend(cpu());
});

function caught(fn: () => unknown): TensorError {
  try {
    fn();
  } catch (e) {
    if (TensorError.is(e)) return e;
    throw e;
  }
  throw new Error('expected a TensorError, nothing was thrown');
}

describe('describe', () => {
  it('names every kind of value without throwing', () => {
    expect(describeValue(null)).toBe('null');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(-1)).toBe('number -1');
    expect(describeValue(Number.NaN)).toBe('number NaN');
    expect(describeValue('tanh')).toBe('"tanh"');
    expect(describeValue([1, 2])).toBe('an array of length 2');
    expect(describeValue(() => 1)).toBe('a function');
    expect(describeValue(new Map())).toBe('Map');
    expect(describeValue(3n)).toBe('bigint 3');
    expect(describeValue(Symbol('s'))).toBe('Symbol(s)');
    const t = ones([2, 3]);
    expect(describeValue(t)).toBe('Tensor(shape=[2,3], dtype=float32)');
    expect(describeTensor(t)).toMatch(/^tensor id=\d+ shape=\[2,3\] dtype=float32$/);
    t.dispose();
    expect(describeValue(t)).toMatch(/^Tensor\(id=\d+, disposed\)$/);
  });
});

describe('single checks', () => {
  it('return the value when it passes', () => {
    expect(check.int('op', 'n', 3, { min: 1 })).toBe(3);
    expect(check.number('op', 'lr', 0.5, { min: 0, max: 1 })).toBe(0.5);
    expect(check.positive('op', 'eps', 1e-8)).toBe(1e-8);
    expect(check.range('op', 'max', Infinity, { min: 0 })).toBe(Infinity);
    expect(check.pair('op', 'k', 3)).toEqual([3, 3]);
    expect(check.pair('op', 'k', [2, 4], 1)).toEqual([2, 4]);
    expect(check.oneOf('op', 'mode', 'sum', ['mean', 'sum'])).toBe('sum');
    expect(check.boolean('op', 'bias', false)).toBe(false);
    expect(check.string('op', 'key', 'a')).toBe('a');
  });

  it.each<[string, () => unknown, string, RegExp]>([
    ['int', () => check.int('Linear', 'inFeatures', 0, { min: 1 }), 'INVALID_ARGUMENT', /^Linear: inFeatures must be an integer >= 1, got number 0$/],
    ['int range', () => check.int('f', 'k', 11, { min: 1, max: 10 }), 'INVALID_ARGUMENT', /k must be an integer in \[1, 10\], got number 11/],
    ['int not a number', () => check.int('f', 'k', '3', { min: 1 }), 'INVALID_ARGUMENT', /got "3"/],
    ['number NaN', () => check.number('f', 'lr', Number.NaN), 'INVALID_ARGUMENT', /lr must be a finite number, got number NaN/],
    ['number open bound', () => check.number('f', 'p', 1, { min: 0, max: 1, maxExclusive: true }), 'INVALID_ARGUMENT', /p must be a finite number in \[0, 1\), got number 1/],
    ['finite max only', () => check.finite('f', 'p', 2, { max: 1 }), 'INVALID_ARGUMENT', /p must be a finite number <= 1, got number 2/],
    ['positive', () => check.positive('f', 'eps', 0), 'INVALID_ARGUMENT', /eps must be a finite number > 0, got number 0/],
    ['range NaN', () => check.range('f', 'max', Number.NaN, { min: 0 }), 'INVALID_ARGUMENT', /max must be a number >= 0, got number NaN/],
    ['pair', () => check.pair('f', 'stride', [1, 0]), 'INVALID_ARGUMENT', /stride must be an integer >= 1 or a pair of them, got \[1,0\]/],
    ['oneOf', () => check.oneOf('f', 'reduction', 'avg', ['mean', 'sum']), 'INVALID_ARGUMENT', /reduction must be one of 'mean', 'sum', got "avg"/],
    ['boolean', () => check.boolean('f', 'bias', 1), 'INVALID_ARGUMENT', /bias must be a boolean, got number 1/],
    ['string', () => check.string('f', 'key', ''), 'INVALID_ARGUMENT', /key must be a non-empty string, got ""/],
    ['function', () => check.function('f', 'loss', 'ce', 'a loss function'), 'INVALID_ARGUMENT', /loss must be a loss function, got "ce"/],
    ['tensor', () => check.tensor('f', 'x', [1, 2]), 'INVALID_ARGUMENT', /x must be a Tensor, got an array of length 2/],
    ['dtype', () => check.dtype('f', 'x', tensor([1], [1], { dtype: 'int32' }), 'float'), 'DTYPE_MISMATCH', /x must be a float tensor, got dtype int32 \(shape \[1\]\)/],
    ['dtype list', () => check.dtype('f', 'y', ones([1]), ['int32']), 'DTYPE_MISMATCH', /y must be a int32 tensor, got dtype float32/],
    ['shape', () => check.shape('f', 'x', ones([2, 4]), [null, 3]), 'SHAPE_MISMATCH', /expected x of shape \[\*,3\], got \[2,4\]/],
    ['rank', () => check.rank('Conv2d', 'input', ones([2]), [3, 4], '[N, C, H, W]'), 'SHAPE_MISMATCH', /expected input of shape \[N, C, H, W\], got \[2\]/],
    ['dim', () => check.dim('Linear', 'input', ones([2, 3]), -1, 4, 'input features'), 'SHAPE_MISMATCH', /expected 4 input features \(axis 1\), got input shape \[2,3\]/],
    ['options', () => check.options('Adam', { lr: 1, bais: 0 }, ['lr', 'bias']), 'UNKNOWN_OPTION', /unknown option 'bais' \(did you mean 'bias'\?\)/],
    ['options not an object', () => check.options('Adam', [1] as never, ['lr']), 'INVALID_ARGUMENT', /options must be a plain object, got an array of length 1/],
    ['options required', () => check.options('fit', undefined, ['epochs'], { required: true }), 'INVALID_ARGUMENT', /options must be a plain object, got undefined/],
  ])('%s fails with a coded message', (_name, call, code, message) => {
    const e = caught(call);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(e.details).toHaveLength(1);
  });

  it('reports a disposed tensor by id and shape', () => {
    const t = ones([2]);
    t.dispose();
    const e = caught(() => check.tensor('f', 'x', t));
    expect(e.code).toBe('TENSOR_DISPOSED');
    expect(e.message).toMatch(/x \(tensor id=\d+ shape=\[2\]\) was disposed/);
  });
});

describe('collecting a call', () => {
  it('reports every failure in one error with the first code', () => {
    const c = check.all('Conv2d');
    const o = c.options({ inChannels: 0, outChannels: 'x', kernelSize: 3, bais: true } as Record<string, unknown>, ['inChannels', 'outChannels', 'kernelSize', 'bias']);
    const inChannels = c.int('inChannels', o['inChannels'], { min: 1 });
    c.int('outChannels', o['outChannels'], { min: 1 });
    c.pair('kernelSize', o['kernelSize']);
    expect(inChannels).toBe(1); // a stand-in so the checks after it still run
    expect(c.ok).toBe(false);
    const e = caught(() => c.done());
    expect(e.code).toBe('UNKNOWN_OPTION');
    expect(e.message).toMatch(/^Conv2d: unknown option 'bais' \(did you mean 'bias'\?\).*; and 2 more problems: inChannels must be an integer >= 1, got number 0; outChannels must be an integer >= 1, got "x"$/);
    expect(e.details.map((d) => [d.code, d.name])).toEqual([
      ['UNKNOWN_OPTION', 'options'],
      ['INVALID_ARGUMENT', 'inChannels'],
      ['INVALID_ARGUMENT', 'outChannels'],
    ]);
    expect(e.details[2]!.value).toBe('x');
  });

  it('keeps a single failure exactly as a single check reports it', () => {
    const c = check.all('Linear');
    c.int('inFeatures', 4, { min: 1 });
    c.int('outFeatures', -1, { min: 1 });
    expect(caught(() => c.done()).message).toBe('Linear: outFeatures must be an integer >= 1, got number -1');
  });

  it('passes silently when every check passes', () => {
    const c = check.all('f');
    c.boolean('a', true);
    c.fail('SHAPE_MISMATCH', 'custom');
    expect(c.failures).toHaveLength(1);
    const ok = check.all('f');
    ok.boolean('a', true);
    expect(() => ok.done()).not.toThrow();
  });

  it('checkOptions lists every unknown key of one object', () => {
    const e = caught(() => checkOptions('DataLoader', { batch_size: 1, shufle: true }, ['batchSize', 'shuffle']));
    expect(e.code).toBe('UNKNOWN_OPTION');
    expect(e.message).toMatch(/unknown option 'batch_size' \(did you mean 'batchSize'\?\).*and 1 more problem: unknown option 'shufle' \(did you mean 'shuffle'\?\)/);
    expect(e.details).toHaveLength(2);
  });
});
