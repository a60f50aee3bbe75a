/** The one helper every broadcasting gradient rule shares. */
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { sum } from './reduce.js';
import { reshape } from './reshape.js';

/**
 * Sums `dy` (the gradient of a broadcast result) back to an input of `shape`: over the leading
 * axes broadcasting added and over the axes where the input had size 1. Returns `dy` itself
 * when the shapes already match.
 *
 * @example
 * ```ts
 * // a: [3, 1], b: [4]; a.add(b) has shape [3, 4]
 * unbroadcast(ones([3, 4]), [3, 1]); // [[4], [4], [4]]
 * unbroadcast(ones([3, 4]), [4]);    // [3, 3, 3, 3]
 * ```
 */
export function unbroadcast(dy: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(dy.shape, shape)) return dy;
  const lead = dy.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < dy.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && dy.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length > 0 ? sum(dy, axes, true) : dy;
  return reshape(summed, shape);
}
