// Elementwise float32 kernels: binary ops on rows whose operands each have stride 0 (broadcast)
// or 1, unary ops, and reductions over the innermost axis. Every op here is exactly the float32
// rounding of the TypeScript kernel's float64 result (IEEE add/sub/mul/div/sqrt are correctly
// rounded; f32x4.max/min propagate NaN like Math.max/min; nearest rounds half to even), except
// sums, which accumulate in float64 in another order.
//
// The op is a parameter of an inlined loop, and each `case` calls it with a constant, so the
// optimizer specializes one loop per op.

export const BIN_ADD: i32 = 0;
export const BIN_SUB: i32 = 1;
export const BIN_MUL: i32 = 2;
export const BIN_DIV: i32 = 3;
export const BIN_MAX: i32 = 4;
export const BIN_MIN: i32 = 5;

// @ts-ignore: decorator
@inline function vbin(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case BIN_ADD: return f32x4.add(a, b);
    case BIN_SUB: return f32x4.sub(a, b);
    case BIN_MUL: return f32x4.mul(a, b);
    case BIN_DIV: return f32x4.div(a, b);
    case BIN_MAX: return f32x4.max(a, b);
    default: return f32x4.min(a, b);
  }
}

// @ts-ignore: decorator
@inline function sbin(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case BIN_ADD: return a + b;
    case BIN_SUB: return a - b;
    case BIN_MUL: return a * b;
    case BIN_DIV: return a / b;
    case BIN_MAX: return max<f32>(a, b);
    default: return min<f32>(a, b);
  }
}

// @ts-ignore: decorator
@inline function binaryLoop(op: i32, a: usize, sa: i32, b: usize, sb: i32, o: usize, n: i32): void {
  let i = 0;
  if (sa == 1 && sb == 1) {
    for (; i + 4 <= n; i += 4) {
      const k = <usize>i << 2;
      v128.store(o + k, vbin(op, v128.load(a + k), v128.load(b + k)));
    }
    for (; i < n; i++) {
      const k = <usize>i << 2;
      store<f32>(o + k, sbin(op, load<f32>(a + k), load<f32>(b + k)));
    }
  } else if (sa == 0 && sb == 1) {
    const xs = load<f32>(a);
    const x = f32x4.splat(xs);
    for (; i + 4 <= n; i += 4) {
      const k = <usize>i << 2;
      v128.store(o + k, vbin(op, x, v128.load(b + k)));
    }
    for (; i < n; i++) {
      const k = <usize>i << 2;
      store<f32>(o + k, sbin(op, xs, load<f32>(b + k)));
    }
  } else if (sa == 1 && sb == 0) {
    const ys = load<f32>(b);
    const y = f32x4.splat(ys);
    for (; i + 4 <= n; i += 4) {
      const k = <usize>i << 2;
      v128.store(o + k, vbin(op, v128.load(a + k), y));
    }
    for (; i < n; i++) {
      const k = <usize>i << 2;
      store<f32>(o + k, sbin(op, load<f32>(a + k), ys));
    }
  } else {
    const v = sbin(op, load<f32>(a), load<f32>(b));
    for (; i < n; i++) store<f32>(o + (<usize>i << 2), v);
  }
}

/**
 * `o[i] = a[i*sa] op b[i*sb]` for `i < n`, float32; `sa` and `sb` are 0 or 1. `rows` rows of this
 * are done, operand `t` advancing by `step_t` elements between rows (a [rows, n] + [n] broadcast
 * is one call).
 */
export function binaryF32(
  op: i32, rows: i32, n: i32,
  a: usize, sa: i32, aStep: i32,
  b: usize, sb: i32, bStep: i32,
  o: usize, oStep: i32,
): void {
  for (let r = 0; r < rows; r++) {
    switch (op) {
      case BIN_ADD: binaryLoop(BIN_ADD, a, sa, b, sb, o, n); break;
      case BIN_SUB: binaryLoop(BIN_SUB, a, sa, b, sb, o, n); break;
      case BIN_MUL: binaryLoop(BIN_MUL, a, sa, b, sb, o, n); break;
      case BIN_DIV: binaryLoop(BIN_DIV, a, sa, b, sb, o, n); break;
      case BIN_MAX: binaryLoop(BIN_MAX, a, sa, b, sb, o, n); break;
      default: binaryLoop(BIN_MIN, a, sa, b, sb, o, n); break;
    }
    a += <usize>aStep << 2;
    b += <usize>bStep << 2;
    o += <usize>oStep << 2;
  }
}

export const UN_NEG: i32 = 0;
export const UN_ABS: i32 = 1;
export const UN_SQRT: i32 = 2;
export const UN_RELU: i32 = 3;
export const UN_SQUARE: i32 = 4;
export const UN_RECIPROCAL: i32 = 5;
export const UN_FLOOR: i32 = 6;
export const UN_CEIL: i32 = 7;
export const UN_ROUND: i32 = 8;

// @ts-ignore: decorator
@inline function vun(op: i32, x: v128): v128 {
  switch (op) {
    case UN_NEG: return f32x4.neg(x);
    case UN_ABS: return f32x4.abs(x);
    case UN_SQRT: return f32x4.sqrt(x);
    // max(NaN, 0) is NaN, as PyTorch's relu; max(-0, 0) is +0.
    case UN_RELU: return f32x4.max(x, f32x4.splat(0));
    case UN_SQUARE: return f32x4.mul(x, x);
    case UN_RECIPROCAL: return f32x4.div(f32x4.splat(1), x);
    case UN_FLOOR: return f32x4.floor(x);
    case UN_CEIL: return f32x4.ceil(x);
    default: return f32x4.nearest(x);
  }
}

// @ts-ignore: decorator
@inline function unaryLoop(op: i32, x: usize, o: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const k = <usize>i << 2;
    v128.store(o + k, vun(op, v128.load(x + k)));
  }
  for (; i < n; i++) {
    // A lane of a vector op on the scalar: the same result as the loop above.
    const k = <usize>i << 2;
    store<f32>(o + k, f32x4.extract_lane(vun(op, f32x4.splat(load<f32>(x + k))), 0));
  }
}

/** `o[i] = op(x[i])` for `i < n`, float32. */
export function unaryF32(op: i32, x: usize, o: usize, n: i32): void {
  switch (op) {
    case UN_NEG: unaryLoop(UN_NEG, x, o, n); break;
    case UN_ABS: unaryLoop(UN_ABS, x, o, n); break;
    case UN_SQRT: unaryLoop(UN_SQRT, x, o, n); break;
    case UN_RELU: unaryLoop(UN_RELU, x, o, n); break;
    case UN_SQUARE: unaryLoop(UN_SQUARE, x, o, n); break;
    case UN_RECIPROCAL: unaryLoop(UN_RECIPROCAL, x, o, n); break;
    case UN_FLOOR: unaryLoop(UN_FLOOR, x, o, n); break;
    case UN_CEIL: unaryLoop(UN_CEIL, x, o, n); break;
    default: unaryLoop(UN_ROUND, x, o, n); break;
  }
}

/** Row sums of an `[outer, r]` float32 matrix into `o` (float32), accumulated in float64. */
export function sumRowsF32(x: usize, outer: i32, r: i32, o: usize): void {
  for (let row = 0; row < outer; row++) {
    let lo = f64x2.splat(0);
    let hi = f64x2.splat(0);
    let j = 0;
    for (; j + 4 <= r; j += 4) {
      const v = v128.load(x + (<usize>j << 2));
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
      hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
    }
    const both = f64x2.add(lo, hi);
    let s = f64x2.extract_lane(both, 0) + f64x2.extract_lane(both, 1);
    for (; j < r; j++) s += <f64>load<f32>(x + (<usize>j << 2));
    store<f32>(o + (<usize>row << 2), <f32>s);
    x += <usize>r << 2;
  }
}

/**
 * Row maxima (`isMax`) or minima of an `[outer, r]` float32 matrix. NaN wins (f32x4.max/min
 * propagate it); an empty row gives -Infinity (max) or +Infinity (min).
 */
export function maxMinRowsF32(x: usize, outer: i32, r: i32, o: usize, isMax: bool): void {
  for (let row = 0; row < outer; row++) {
    const init: f32 = isMax ? -Infinity : Infinity;
    let m = f32x4.splat(init);
    let j = 0;
    if (isMax) {
      for (; j + 4 <= r; j += 4) m = f32x4.max(m, v128.load(x + (<usize>j << 2)));
    } else {
      for (; j + 4 <= r; j += 4) m = f32x4.min(m, v128.load(x + (<usize>j << 2)));
    }
    let s: f32;
    if (isMax) {
      s = max<f32>(max<f32>(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max<f32>(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
      for (; j < r; j++) s = max<f32>(s, load<f32>(x + (<usize>j << 2)));
    } else {
      s = min<f32>(min<f32>(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), min<f32>(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
      for (; j < r; j++) s = min<f32>(s, load<f32>(x + (<usize>j << 2)));
    }
    store<f32>(o + (<usize>row << 2), s);
    x += <usize>r << 2;
  }
}

export const CMP_EQ: i32 = 0;
export const CMP_NE: i32 = 1;
export const CMP_LT: i32 = 2;
export const CMP_LE: i32 = 3;
export const CMP_GT: i32 = 4;
export const CMP_GE: i32 = 5;

// @ts-ignore: decorator
@inline function scmp(op: i32, a: f32, b: f32): u8 {
  switch (op) {
    case CMP_EQ: return <u8>(a == b);
    case CMP_NE: return <u8>(a != b);
    case CMP_LT: return <u8>(a < b);
    case CMP_LE: return <u8>(a <= b);
    case CMP_GT: return <u8>(a > b);
    default: return <u8>(a >= b);
  }
}

// @ts-ignore: decorator
@inline function compareLoop(op: i32, a: usize, sa: i32, b: usize, sb: i32, o: usize, n: i32): void {
  const da = <usize>sa << 2;
  const db = <usize>sb << 2;
  for (let i = 0; i < n; i++) {
    store<u8>(o + <usize>i, scmp(op, load<f32>(a), load<f32>(b)));
    a += da;
    b += db;
  }
}

/** Comparisons of float32 rows into bool (uint8) rows; the layout arguments as {@link binaryF32}. */
export function compareF32(
  op: i32, rows: i32, n: i32,
  a: usize, sa: i32, aStep: i32,
  b: usize, sb: i32, bStep: i32,
  o: usize, oStep: i32,
): void {
  for (let r = 0; r < rows; r++) {
    switch (op) {
      case CMP_EQ: compareLoop(CMP_EQ, a, sa, b, sb, o, n); break;
      case CMP_NE: compareLoop(CMP_NE, a, sa, b, sb, o, n); break;
      case CMP_LT: compareLoop(CMP_LT, a, sa, b, sb, o, n); break;
      case CMP_LE: compareLoop(CMP_LE, a, sa, b, sb, o, n); break;
      case CMP_GT: compareLoop(CMP_GT, a, sa, b, sb, o, n); break;
      default: compareLoop(CMP_GE, a, sa, b, sb, o, n); break;
    }
    a += <usize>aStep << 2;
    b += <usize>bStep << 2;
    o += <usize>oStep;
  }
}

/**
 * `o[i] = c[i*sc] != 0 ? a[i*sa] : b[i*sb]` on 32-bit elements (float32 or int32: only bits
 * move), `c` bool (uint8); strides 0 or 1.
 */
export function where32(c: usize, sc: i32, a: usize, sa: i32, b: usize, sb: i32, o: usize, n: i32): void {
  const da = <usize>sa << 2;
  const db = <usize>sb << 2;
  const dc = <usize>sc;
  for (let i = 0; i < n; i++) {
    store<i32>(o + (<usize>i << 2), select<i32>(load<i32>(a), load<i32>(b), load<u8>(c) != 0));
    a += da;
    b += db;
    c += dc;
  }
}

/** `o[b][j][i] = x[b][i][j]`: a batch of `rows × cols` matrices of 32-bit elements, transposed in 16×16 blocks. */
export function transpose32(x: usize, o: usize, batch: i32, rows: i32, cols: i32): void {
  const plane = <usize>(rows * cols) << 2;
  for (let z = 0; z < batch; z++) {
    for (let i0 = 0; i0 < rows; i0 += 16) {
      const i1 = min(rows, i0 + 16);
      for (let j0 = 0; j0 < cols; j0 += 16) {
        const j1 = min(cols, j0 + 16);
        for (let i = i0; i < i1; i++) {
          let src = x + (<usize>(i * cols + j0) << 2);
          let dst = o + (<usize>(j0 * rows + i) << 2);
          const step = <usize>rows << 2;
          for (let j = j0; j < j1; j++) {
            store<i32>(dst, load<i32>(src));
            src += 4;
            dst += step;
          }
        }
      }
    }
    x += plane;
    o += plane;
  }
}
