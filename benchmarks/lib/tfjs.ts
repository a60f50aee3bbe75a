/** Small helpers for the TensorFlow.js side of the benchmarks. */
import * as tf from '@tensorflow/tfjs-core';

/** Runs `fn` in a `tf.tidy`, reads its result synchronously (inside the timed region) and disposes it. */
export function tfRun(fn: () => tf.Tensor): Float32Array {
  const y = tf.tidy(fn);
  try {
    return y.dataSync() as Float32Array;
  } finally {
    y.dispose();
  }
}

/** A float32 tfjs tensor on the active tfjs backend from shared input data. */
export function tfTensor(values: Float32Array, shape: readonly number[]): tf.Tensor {
  return tf.tensor(values, shape as number[], 'float32');
}

export { tf };
