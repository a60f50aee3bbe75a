/**
 * The random fill: element `i` is exactly tensor-core's `randomValueAt(distribution, seed, i)`,
 * the reference every backend reproduces. Storing into the output's typed array rounds to
 * float32, or truncates to int32 (randint and bernoulli values are already integers).
 */
import type { RandomDistribution, TensorInfo } from '@tessera/tensor-core';
import { randomValueAt } from '@tessera/tensor-core';
import { dataOf } from '../storage.js';

export function random(outInfo: TensorInfo, distribution: RandomDistribution, seed: number): void {
  const o = dataOf(outInfo);
  const n = o.length;
  for (let i = 0; i < n; i++) o[i] = randomValueAt(distribution, seed, i);
}
