// Max pooling over NCHW float32 and its gradient: the TypeScript kernel's semantics exactly
// (padded cells never win; the first maximal cell of a window wins, row-major; the first NaN wins
// and stays), so the forward values and the routing of the gradient are identical.

/** Flat index (within its plane) of the winning cell of window (r, t), or -1 if none is inside. */
// @ts-ignore: decorator
@inline function argmaxWindow(
  x: usize, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32, r: i32, t: i32,
): i32 {
  let best = -1;
  let m: f32 = -Infinity;
  const h0 = r * sh - pt;
  const w0 = t * sw - pl;
  for (let i = 0; i < kh; i++) {
    const ih = h0 + i * dh;
    if (<u32>ih >= <u32>h) continue;
    for (let j = 0; j < kw; j++) {
      const iw = w0 + j * dw;
      if (<u32>iw >= <u32>w) continue;
      const k = ih * w + iw;
      const v = load<f32>(x + (<usize>k << 2));
      if (best < 0 || v > m || (v != v && m == m)) {
        m = v;
        best = k;
      }
    }
  }
  return best;
}

/**
 * 2×2 windows with stride 2 and no padding: four outputs per step from two rows of eight inputs
 * (a vertical f32x4.max, then the even and odd lanes). The value equals the scalar loop's: the
 * maximum, or NaN when the window holds one (f32x4.max propagates NaN).
 */
function maxPool2x2F32(x: usize, y: usize, planes: i32, h: i32, w: i32, oh: i32, ow: i32): void {
  const hw = <usize>(h * w) << 2;
  const rowBytes = <usize>w << 2;
  for (let p = 0; p < planes; p++) {
    for (let r = 0; r < oh; r++) {
      const r0 = x + <usize>(2 * r) * rowBytes;
      const r1 = r0 + rowBytes;
      let t = 0;
      for (; t + 4 <= ow; t += 4) {
        const k = <usize>(2 * t) << 2;
        const m0 = f32x4.max(v128.load(r0 + k), v128.load(r1 + k));
        const m1 = f32x4.max(v128.load(r0 + k, 16), v128.load(r1 + k, 16));
        const even = v128.shuffle<f32>(m0, m1, 0, 2, 4, 6);
        const odd = v128.shuffle<f32>(m0, m1, 1, 3, 5, 7);
        v128.store(y, f32x4.max(even, odd));
        y += 16;
      }
      for (; t < ow; t++) {
        const k = <usize>(2 * t) << 2;
        store<f32>(y, max<f32>(max<f32>(load<f32>(r0 + k), load<f32>(r0 + k, 4)), max<f32>(load<f32>(r1 + k), load<f32>(r1 + k, 4))));
        y += 4;
      }
    }
    x += hw;
  }
}

/** `y` [planes, oh, ow] = max over each window of `x` [planes, h, w]. */
export function maxPool2dF32(
  x: usize, y: usize, planes: i32, h: i32, w: i32, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
): void {
  if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && pt == 0 && pl == 0 && dh == 1 && dw == 1 && 2 * oh <= h && 2 * ow <= w) {
    maxPool2x2F32(x, y, planes, h, w, oh, ow);
    return;
  }
  const hw = <usize>(h * w) << 2;
  for (let p = 0; p < planes; p++) {
    for (let r = 0; r < oh; r++) {
      for (let t = 0; t < ow; t++) {
        const k = argmaxWindow(x, h, w, kh, kw, sh, sw, pt, pl, dh, dw, r, t);
        store<f32>(y, k < 0 ? -Infinity : load<f32>(x + (<usize>k << 2)));
        y += 4;
      }
    }
    x += hw;
  }
}

/** The winner of a 2×2 window at `r0` (row 1 at `r0 + rowBytes`): byte offset 0, 4, rowBytes or rowBytes + 4. */
// @ts-ignore: decorator
@inline function argmax2x2(r0: usize, rowBytes: usize): usize {
  let best: usize = 0;
  let m = load<f32>(r0);
  let v = load<f32>(r0, 4);
  if (v > m || (v != v && m == m)) { m = v; best = 4; }
  v = load<f32>(r0 + rowBytes);
  if (v > m || (v != v && m == m)) { m = v; best = rowBytes; }
  v = load<f32>(r0 + rowBytes, 4);
  if (v > m || (v != v && m == m)) { best = rowBytes + 4; }
  return best;
}

/** `dx` (overwritten) receives each `dy` cell at its window's winning cell of `x`. */
export function maxPool2dBackwardF32(
  dy: usize, x: usize, dx: usize, planes: i32, h: i32, w: i32, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
): void {
  const hw = <usize>(h * w) << 2;
  memory.fill(dx, 0, <usize>planes * hw);
  if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && pt == 0 && pl == 0 && dh == 1 && dw == 1 && 2 * oh <= h && 2 * ow <= w) {
    // Every window lies inside: no bounds checks.
    const rowBytes = <usize>w << 2;
    for (let p = 0; p < planes; p++) {
      for (let r = 0; r < oh; r++) {
        const off = <usize>(2 * r) * rowBytes;
        for (let t = 0; t < ow; t++) {
          const k = off + (<usize>(2 * t) << 2);
          const d = dx + k + argmax2x2(x + k, rowBytes);
          store<f32>(d, load<f32>(d) + load<f32>(dy));
          dy += 4;
        }
      }
      x += hw;
      dx += hw;
    }
    return;
  }
  for (let p = 0; p < planes; p++) {
    for (let r = 0; r < oh; r++) {
      for (let t = 0; t < ow; t++) {
        const k = argmaxWindow(x, h, w, kh, kw, sh, sw, pt, pl, dh, dw, r, t);
        if (k >= 0) {
          const d = dx + (<usize>k << 2);
          store<f32>(d, load<f32>(d) + load<f32>(dy));
        }
        dy += 4;
      }
    }
    x += hw;
    dx += hw;
  }
}
