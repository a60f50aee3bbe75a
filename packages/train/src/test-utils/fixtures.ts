/** Small models and data sets for the train tests. */
import { Tensor, logSumExp, oneHot, randn, tensor, tidy } from '@tessera/tensor-core';
import { Linear, ReLU, Sequential } from '@tessera/layers';

/**
 * Mean softmax cross-entropy of logits `[N, C]` against int32 labels `[N]` (independent of the
 * layers package's loss, so these tests exercise the loop alone).
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor): Tensor {
  return tidy(() => {
    const classes = logits.shape[1]!;
    const target = oneHot(labels, classes).cast('float32');
    return logSumExp(logits, 1).sub(logits.mul(target).sum(1)).mean();
  });
}

/** Mean squared error. */
export function mse(prediction: Tensor, target: Tensor): Tensor {
  return tidy(() => prediction.sub(target).square().mean());
}

/**
 * Two Gaussian blobs in 4-D, classes 0 and 1 (separable): `n` samples.
 */
export function blobs(n: number, seed = 0): { x: Tensor; y: Tensor } {
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = i % 2;
  const y = tensor(labels, [n], { dtype: 'int32' });
  const x = tidy(() => {
    const noise = randn([n, 4], { seed });
    const centers = tensor(Float32Array.from(labels, (l) => (l === 1 ? 1.5 : -1.5)), [n, 1]);
    return noise.add(centers);
  });
  return { x, y };
}

/** A 4-8-2 MLP. */
export function smallMlp(seed = 0): Sequential {
  return new Sequential(new Linear({ inFeatures: 4, outFeatures: 8, seed }), new ReLU(), new Linear({ inFeatures: 8, outFeatures: 2, seed: seed + 1 }));
}
