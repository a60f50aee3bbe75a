/** Every error path of the public functions: a TensorError with a code and the offending value. */
import { describe, expect, it } from 'vitest';
import { cpu } from '@tessera/backend-cpu';
import { crossEntropy } from '@tessera/layers';
import { ones, setBackend, zeros } from '@tessera/tensor-core';
import { adversarialData, adversarialFit, fgsm, pgd, robustAccuracy } from './index.js';
import { buildModel, labels, sgd } from './test-utils/fixtures.js';

await setBackend(cpu());

async function rejects(run: Promise<unknown> | (() => unknown), code: string, message: RegExp): Promise<void> {
  const promise = typeof run === 'function' ? Promise.resolve().then(run) : run;
  await expect(promise).rejects.toMatchObject({ name: 'TensorError', code, message: expect.stringMatching(message) });
}

describe('attack options', () => {
  it('reject unknown keys and bad values', async () => {
    await rejects(() => fgsm({ epsilon: 0.1, steps: 3 } as never), 'UNKNOWN_OPTION', /unknown option 'steps'; valid options: epsilon, clip, loss, seed, randomStart, stepSize/);
    await rejects(() => pgd({ epsilon: 0.1, alpha: 0.01 } as never), 'UNKNOWN_OPTION', /unknown option 'alpha'/);
    await rejects(() => pgd(undefined as never), 'INVALID_ARGUMENT', /options must be a plain object, got undefined/);
    await rejects(() => fgsm({} as never), 'INVALID_ARGUMENT', /epsilon must be a finite number >= 0, got undefined/);
    await rejects(() => fgsm({ epsilon: -0.1 }), 'INVALID_ARGUMENT', /epsilon must be a finite number >= 0, got number -0.1/);
    await rejects(() => pgd({ epsilon: NaN }), 'INVALID_ARGUMENT', /epsilon must be a finite number >= 0, got number NaN/);
    await rejects(() => pgd({ epsilon: 0.1, steps: 0 }), 'INVALID_ARGUMENT', /steps must be an integer >= 1, got number 0/);
    await rejects(() => pgd({ epsilon: 0.1, stepSize: -1 }), 'INVALID_ARGUMENT', /stepSize must be a finite number >= 0, got number -1/);
    await rejects(() => pgd({ epsilon: 0.1, norm: 'l1' as never }), 'INVALID_ARGUMENT', /norm must be one of 'linf', 'l2', got "l1"/);
    await rejects(() => pgd({ epsilon: 0.1, randomStart: 'yes' as never }), 'INVALID_ARGUMENT', /randomStart must be a boolean, got "yes"/);
    await rejects(() => pgd({ epsilon: 0.1, clip: [1, 0] }), 'INVALID_ARGUMENT', /clip must be \[low, high\] with finite low <= high, or null, got \[1,0\]/);
    await rejects(() => pgd({ epsilon: 0.1, clip: [0, Infinity] }), 'INVALID_ARGUMENT', /clip must be \[low, high\]/);
    await rejects(() => pgd({ epsilon: 0.1, clip: 1 as never }), 'INVALID_ARGUMENT', /clip must be \[low, high\] .* got number 1/);
    await rejects(() => pgd({ epsilon: 0.1, seed: 1.5 }), 'INVALID_ARGUMENT', /seed must be an integer in \[0, 4294967295\], got number 1.5/);
    await rejects(() => fgsm({ epsilon: 0.1, loss: 'ce' as never }), 'INVALID_ARGUMENT', /loss must be a function \(prediction, target\) => scalar Tensor, got "ce"/);
    expect(pgd({ epsilon: 0.3, steps: 40 }).name).toBe('PGD-40 L∞ ε=0.3');
    expect(fgsm({ epsilon: 0.3, randomStart: true }).name).toBe('FGSM (random start) L∞ ε=0.3');
  });

  it('reject bad models, inputs, labels and losses at generate', async () => {
    const model = buildModel('mlp');
    const attack = fgsm({ epsilon: 0.1 });
    const x = ones([2, 5]);
    const y = labels([0, 1]);
    await rejects(() => attack.generate({} as never, x, y), 'INVALID_ARGUMENT', /model must be a Module of @tessera\/layers, got Object/);
    await rejects(() => attack.generate(model, 'x' as never, y), 'INVALID_ARGUMENT', /x must be a Tensor with the batch axis first, got "x"/);
    const ints = zeros([2, 5], { dtype: 'int32' });
    await rejects(() => attack.generate(model, ints, y), 'DTYPE_MISMATCH', /x must be a float tensor, got dtype int32 .*; only float inputs can be differentiated/);
    await rejects(() => attack.generate(model, x, [0, 1] as never), 'INVALID_ARGUMENT', /y must be a Tensor of targets, got an array of length 2/);
    const three = labels([0, 1, 2]);
    await rejects(() => attack.generate(model, x, three), 'SHAPE_MISMATCH', /y must have one target per example: x has 2 \(shape \[2,5\]\), y has shape \[3\]/);
    const gone = labels([0, 1]);
    gone.dispose();
    await rejects(() => attack.generate(model, x, gone), 'TENSOR_DISPOSED', /y \(tensor id=\d+ shape=\[2\]\) was disposed/);
    const perExample = fgsm({ epsilon: 0.1, loss: (p, t) => crossEntropy(p, t, { reduction: 'none' }) });
    await rejects(() => perExample.generate(model, x, y), 'SHAPE_MISMATCH', /the loss must return a scalar Tensor, got shape \[2\]/);
    await rejects(() => pgd({ epsilon: 0.1, steps: 2, loss: () => 3 as never }).generate(model, x, y), 'SHAPE_MISMATCH', /the loss must return a scalar Tensor, got number 3/);
    for (const t of [x, y, ints, three]) t.dispose();
    model.dispose();
  });
});

describe('robustAccuracy and adversarial training', () => {
  it('reject bad arguments', async () => {
    const model = buildModel('mlp');
    const attack = fgsm({ epsilon: 0.1 });
    const x = ones([2, 5]);
    const y = labels([0, 1]);
    const short = labels([0]);
    await rejects(robustAccuracy({} as never, { x, y }, attack), 'INVALID_ARGUMENT', /model must be a Module of @tessera\/layers, got Object/);
    await rejects(robustAccuracy(model, { x, y }, {} as never), 'INVALID_ARGUMENT', /attack must be an Attack \(fgsm\(...\), pgd\(...\)\), got Object/);
    await rejects(robustAccuracy(model, { x, y }, attack, { batch: 3 } as never), 'UNKNOWN_OPTION', /unknown option 'batch'; valid options: batchSize, limit/);
    await rejects(robustAccuracy(model, { x, y }, attack, { limit: 0 }), 'INVALID_ARGUMENT', /limit must be an integer >= 1, got number 0/);
    await rejects(robustAccuracy(model, 5 as never, attack), 'INVALID_ARGUMENT', /data must be \{ x, y \} tensors or an iterable of \[x, y\] batches, got number 5/);
    await rejects(robustAccuracy(model, { x, y: short }, attack), 'SHAPE_MISMATCH', /data.x \(shape \[2,5\]\) and data.y \(shape \[1\]\) must have the same number of examples/);
    await rejects(robustAccuracy(model, [[x]], attack), 'INVALID_ARGUMENT', /batch 0 must be \[x, y\] or \{ x, y \} with two Tensors, got an array of length 1/);
    await rejects(robustAccuracy(model, [[x, short]], attack), 'SHAPE_MISMATCH', /batch 0: x \(shape \[2,5\]\) and y \(shape \[1\]\) must have the same number of examples/);
    await rejects(robustAccuracy(model, [], attack), 'INVALID_ARGUMENT', /data has no examples/);
    await rejects(() => adversarialData({} as never, { x, y }, attack), 'INVALID_ARGUMENT', /model must be a Module/);
    await rejects(() => adversarialData(model, { x, y }, null as never), 'INVALID_ARGUMENT', /attack must be an Attack/);
    await rejects(() => adversarialData(model, { x, y }, attack, { fraction: 0 }), 'INVALID_ARGUMENT', /fraction must be a number in \(0, 1\], got number 0/);
    await rejects(() => adversarialData(model, { x, y }, attack, { attackMode: 'test' as never }), 'INVALID_ARGUMENT', /attackMode must be one of 'eval', 'train', got "test"/);
    await rejects(() => adversarialData(model, { x, y }, attack, { epochs: 2 } as never), 'UNKNOWN_OPTION', /unknown option 'epochs'/);
    await rejects(() => adversarialData(model, 7 as never, attack), 'INVALID_ARGUMENT', /data must be \{ x, y \} tensors or an iterable of \[x, y\] batches, got number 7/);
    const optimizer = sgd(model.parameters(), 0.01);
    await rejects(adversarialFit(model, { data: { x, y }, epochs: 1, optimizer, loss: crossEntropy, attack, validationSplit: 0.2 } as never), 'INVALID_ARGUMENT', /validationSplit is not supported: split the data yourself and pass validation/);
    // fit's own checks still apply.
    await rejects(adversarialFit(model, { data: { x, y }, epochs: 0, optimizer, loss: crossEntropy, attack, verbose: 0 }), 'INVALID_ARGUMENT', /epochs must be an integer >= 1/);
    await rejects(adversarialFit(model, { data: { x, y }, epochs: 1, optimizer, loss: crossEntropy, attack, verbose: 0, shuffle: 'no' as never }), 'INVALID_ARGUMENT', /shuffle must be a boolean/);
    for (const t of [x, y, short]) t.dispose();
    model.dispose();
  });
});

describe('every bad option of one call in one error (issue 11)', () => {
  it('pgd lists a misspelt key and each bad value, keeping the first code', async () => {
    await expect(Promise.resolve().then(() => pgd({ epsilon: -1, steps: 0, norm: 'l1', alpha: 0.1 } as never))).rejects.toMatchObject({
      code: 'UNKNOWN_OPTION',
      details: [{ name: 'options' }, { name: 'epsilon' }, { name: 'steps' }, { name: 'norm' }],
      message: expect.stringMatching(/unknown option 'alpha'.*; and 3 more problems: epsilon must be a finite number >= 0, got number -1; steps must be an integer >= 1, got number 0; norm must be one of 'linf', 'l2', got "l1"$/),
    });
  });

  it('fgsm reports a bad clip and a bad loss together', async () => {
    await expect(Promise.resolve().then(() => fgsm({ epsilon: 0.1, clip: [1, 0], loss: 'ce' as never }))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: [{ name: 'clip' }, { name: 'loss' }],
    });
  });
});
