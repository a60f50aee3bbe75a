/** flip, tile and repeat: composites of slice, concat and expand. */
import { normalizeAxis } from '../shape.js';
import { Tensor } from '../tensor.js';
import { requireInt, requireTensor } from './util.js';
import { expand } from './expand.js';
import { reshape } from './reshape.js';
import { requireIntList } from './movement-util.js';


/**
 * numpy `tile`: repeats the whole of `x` `reps[i]` times along axis `i`. When `reps` is shorter
 * than the rank, it is padded with leading 1s; when longer, `x` gains leading axes.
 *
 * @throws TensorError `INVALID_ARGUMENT` unless `reps` holds non-negative integers.
 * @example
 * ```ts
 * tile(tensor([1, 2]), [2]); // [1, 2, 1, 2]
 * tile(tensor([1, 2]), [2, 1]); // [[1, 2], [1, 2]]
 * ```
 */
export function tile(x: Tensor, reps: readonly number[]): Tensor {
  requireTensor('tile', x);
  requireIntList('tile', 'reps', reps, 0);
  const rank = Math.max(x.rank, reps.length);
  const shape = [...new Array<number>(rank - x.rank).fill(1), ...x.shape];
  const r = [...new Array<number>(rank - reps.length).fill(1), ...reps];
  // [d0, d1] → [1, d0, 1, d1] → expand to [r0, d0, r1, d1] → [r0*d0, r1*d1].
  const interleaved = shape.flatMap((d) => [1, d]);
  const target = shape.flatMap((d, i) => [r[i]!, d]);
  const view = reshape(x, interleaved);
  try {
    const expanded = expand(view, target);
    try {
      return reshape(expanded, shape.map((d, i) => d * r[i]!));
    } finally {
      expanded.dispose();
    }
  } finally {
    view.dispose();
  }
}

/**
 * numpy `repeat` (PyTorch `repeat_interleave`): repeats each element `repeats` times along
 * `axis`; without an axis, `x` is flattened first.
 *
 * @throws TensorError `INVALID_ARGUMENT` unless `repeats` is a non-negative integer;
 *   `AXIS_OUT_OF_RANGE`.
 * @example
 * ```ts
 * repeat(tensor([1, 2]), 2); // [1, 1, 2, 2]
 * repeat(tensor([[1, 2], [3, 4]]), 2, 1); // [[1, 1, 2, 2], [3, 3, 4, 4]]
 * ```
 */
export function repeat(x: Tensor, repeats: number, axis?: number): Tensor {
  requireTensor('repeat', x);
  requireInt('repeat', 'repeats', repeats, 0);
  if (axis === undefined) {
    const flat = reshape(x, [x.size]);
    try {
      return repeat(flat, repeats, 0);
    } finally {
      flat.dispose();
    }
  }
  const a = normalizeAxis(axis, x.rank, 'repeat');
  const inserted = [...x.shape.slice(0, a + 1), 1, ...x.shape.slice(a + 1)];
  const target = [...x.shape.slice(0, a + 1), repeats, ...x.shape.slice(a + 1)];
  const view = reshape(x, inserted);
  try {
    const expanded = expand(view, target);
    try {
      const shape = [...x.shape];
      shape[a] = shape[a]! * repeats;
      return reshape(expanded, shape);
    } finally {
      expanded.dispose();
    }
  } finally {
    view.dispose();
  }
}
