/** Every error path of the losses: codes and messages that name the offending values. */
import { beforeAll, describe, it } from 'vitest';
import { setBackend, tensor, type Tensor } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy, huberLoss, klDiv, l1Loss, mseLoss, nllLoss, smoothL1Loss } from './index.js';
import { expectNoLeaks, expectTensorError } from './test-utils/helpers.js';

beforeAll(async () => {
  await setBackend(cpu());
});

const labels = (values: number[], shape?: number[]): Tensor => tensor(values, shape, { dtype: 'int32' });

describe('elementwise losses', () => {
  const elementwise = { mseLoss, l1Loss, huberLoss, smoothL1Loss, binaryCrossEntropy, binaryCrossEntropyWithLogits, klDiv };
  for (const [name, fn] of Object.entries(elementwise)) {
    describe(name, () => {
      it('names both shapes on a shape mismatch', async () => {
        await expectTensorError(() => fn(tensor([[0.5], [0.5]]), tensor([0.5, 0.5])), 'SHAPE_MISMATCH', /input\.shape=\[2,1\], target\.shape=\[2\]/);
      });
      it('rejects integer targets and inputs', async () => {
        await expectTensorError(() => fn(tensor([0.5, 0.5]), labels([1, 0])), 'DTYPE_MISMATCH', /target must be a float tensor, got dtype int32/);
        await expectTensorError(() => fn(labels([1, 0]), tensor([0.5, 0.5])), 'DTYPE_MISMATCH', /input must be a float tensor/);
      });
      it('rejects an unknown reduction', async () => {
        await expectTensorError(() => fn(tensor([0.5]), tensor([0.5]), { reduction: 'avg' as 'mean' }), 'INVALID_ARGUMENT', /reduction must be one of .*got "avg"/);
      });
      it('rejects non-tensors, disposed tensors and bad options', async () => {
        await expectTensorError(() => fn([1, 2] as unknown as Tensor, tensor([0.5])), 'INVALID_ARGUMENT', /input must be a Tensor, got an array of length 2/);
        const gone = tensor([0.5]);
        gone.dispose();
        await expectTensorError(() => fn(tensor([0.5]), gone), 'TENSOR_DISPOSED', /target \(tensor id=\d+ shape=\[1\]\) was disposed/);
        await expectTensorError(() => fn(tensor([0.5]), tensor([0.5]), 'mean' as unknown as object), 'INVALID_ARGUMENT', /options must be a plain object, got "mean"/);
      });
    });
  }

  it('huberLoss needs delta > 0, smoothL1Loss beta >= 0', async () => {
    const a = tensor([1]);
    await expectTensorError(() => huberLoss(a, a, { delta: 0 }), 'INVALID_ARGUMENT', /delta must be a finite number > 0, got number 0/);
    await expectTensorError(() => huberLoss(a, a, { delta: NaN }), 'INVALID_ARGUMENT', /delta/);
    await expectTensorError(() => smoothL1Loss(a, a, { beta: -1 }), 'INVALID_ARGUMENT', /beta must be a finite number >= 0, got number -1/);
  });

  it('binaryCrossEntropy rejects probabilities outside [0, 1] and pointing to logits', async () => {
    await expectTensorError(() => binaryCrossEntropy(tensor([0.5, 1.5]), tensor([1, 0])), 'INVALID_ARGUMENT', /found 1\.5 at flat index 1.*binaryCrossEntropyWithLogits/);
    await expectTensorError(() => binaryCrossEntropy(tensor([NaN]), tensor([1])), 'INVALID_ARGUMENT', /found NaN/);
  });

  it('weights and posWeight must broadcast to the input and be float', async () => {
    const x = tensor([[0.5, 0.5, 0.5]]);
    await expectTensorError(() => binaryCrossEntropy(x, x, { weight: tensor([1, 2]) }), 'SHAPE_MISMATCH', /weight\.shape=\[2\] must broadcast to input\.shape=\[1,3\]/);
    await expectTensorError(() => binaryCrossEntropyWithLogits(x, x, { weight: tensor([[1], [2]]) }), 'SHAPE_MISMATCH', /weight\.shape=\[2,1\]/);
    await expectTensorError(() => binaryCrossEntropyWithLogits(x, x, { posWeight: tensor([1, 2]) }), 'SHAPE_MISMATCH', /posWeight\.shape=\[2\]/);
    await expectTensorError(() => binaryCrossEntropyWithLogits(x, x, { posWeight: labels([1, 2, 3]) }), 'DTYPE_MISMATCH', /posWeight must be a float tensor/);
    await expectTensorError(() => binaryCrossEntropy(x, x, { weight: labels([1, 2, 3]) }), 'DTYPE_MISMATCH', /weight must be a float tensor/);
  });

  it('klDiv accepts batchmean and rejects a non-boolean logTarget', async () => {
    const x = tensor([[0.5]]);
    await expectTensorError(() => klDiv(x, x, { reduction: 'avg' as 'mean' }), 'INVALID_ARGUMENT', /'batchmean', 'mean', 'sum', 'none'/);
    await expectTensorError(() => klDiv(x, x, { logTarget: 1 as unknown as boolean }), 'INVALID_ARGUMENT', /logTarget must be a boolean, got number 1/);
  });
});

describe('crossEntropy and nllLoss', () => {
  const logits = (): Tensor => tensor([[1, 2, 3], [4, 5, 6]]);
  for (const [name, fn] of Object.entries({ crossEntropy, nllLoss })) {
    describe(name, () => {
      it('names both shapes when class-index targets have the wrong shape', async () => {
        await expectTensorError(() => fn(logits(), labels([0, 1, 2])), 'SHAPE_MISMATCH', /input\.shape=\[2,3\] needs target\.shape=\[2\], got target\.shape=\[3\]/);
        await expectTensorError(() => fn(logits(), labels([0, 1], [2, 1])), 'SHAPE_MISMATCH', /got target\.shape=\[2,1\]/);
      });
      it('rejects labels out of range, naming the label and its position', async () => {
        await expectTensorError(() => fn(logits(), labels([0, 3])), 'INDEX_OUT_OF_RANGE', /target label 3 at \[1\] is out of range for 3 classes \(valid: 0 to 2, or ignoreIndex=-100\)/);
        await expectTensorError(() => fn(logits(), labels([-1, 0])), 'INDEX_OUT_OF_RANGE', /target label -1 at \[0\]/);
        await expectTensorError(() => fn(logits(), labels([-100, 0]), { ignoreIndex: 5 }), 'INDEX_OUT_OF_RANGE', /label -100 .* ignoreIndex=5/);
      });
      it('rejects bool targets, integer inputs and scalar inputs', async () => {
        await expectTensorError(() => fn(logits(), tensor([true, false])), 'DTYPE_MISMATCH', /target must be int32/);
        await expectTensorError(() => fn(labels([1, 2]), labels([0])), 'DTYPE_MISMATCH', /input must be a float tensor/);
        await expectTensorError(() => fn(tensor(1), labels([0])), 'SHAPE_MISMATCH', /input must be \[C\], \[N, C\] or \[N, C, d1, \.\.\.\], got a scalar/);
      });
      it('checks the class weight', async () => {
        await expectTensorError(() => fn(logits(), labels([0, 1]), { weight: tensor([1, 2]) }), 'SHAPE_MISMATCH', /weight must have shape \[C\] = \[3\] \(C from input\.shape=\[2,3\]\), got weight\.shape=\[2\]/);
        await expectTensorError(() => fn(logits(), labels([0, 1]), { weight: labels([1, 2, 3]) }), 'DTYPE_MISMATCH', /weight must be a float tensor/);
      });
      it('checks reduction and ignoreIndex', async () => {
        await expectTensorError(() => fn(logits(), labels([0, 1]), { reduction: 'batchmean' as 'mean' }), 'INVALID_ARGUMENT', /reduction must be one of 'mean', 'sum', 'none', got "batchmean"/);
        await expectTensorError(() => fn(logits(), labels([0, 1]), { ignoreIndex: 0.5 }), 'INVALID_ARGUMENT', /ignoreIndex must be an integer, got number 0\.5/);
      });
      it('frees everything when it throws', async () => {
        const x = logits();
        await expectNoLeaks(async () => {
          const t = labels([0, 7]);
          await expectTensorError(() => fn(x, t), 'INDEX_OUT_OF_RANGE', /label 7/);
          const w = tensor([1]);
          await expectTensorError(() => fn(x, t, { weight: w }), 'SHAPE_MISMATCH', /weight/);
          t.dispose();
          w.dispose();
        });
      });
    });
  }

  it('crossEntropy checks labelSmoothing', async () => {
    await expectTensorError(() => crossEntropy(logits(), labels([0, 1]), { labelSmoothing: 1.5 }), 'INVALID_ARGUMENT', /labelSmoothing must be a finite number in \[0, 1\], got number 1\.5/);
    await expectTensorError(() => crossEntropy(logits(), labels([0, 1]), { labelSmoothing: -0.1 }), 'INVALID_ARGUMENT', /labelSmoothing/);
  });

  it('crossEntropy: probability targets must match the input shape; float indices get a hint', async () => {
    await expectTensorError(() => crossEntropy(logits(), tensor([0, 2])), 'SHAPE_MISMATCH', /probability target must have the shape of input: input\.shape=\[2,3\], target\.shape=\[2\]; for class indices pass an int32 target/);
    await expectTensorError(() => crossEntropy(logits(), tensor([[0.5, 0.5]])), 'SHAPE_MISMATCH', /target\.shape=\[1,2\]$/);
  });

  it('nllLoss rejects float targets', async () => {
    await expectTensorError(() => nllLoss(logits(), tensor([0, 1])), 'DTYPE_MISMATCH', /target must be int32 class indices, got dtype float32/);
  });
});
