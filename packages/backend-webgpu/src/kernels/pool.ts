/**
 * 2-D max and average pooling over NCHW input and their gradients, one thread per element.
 *
 * The gradients are gathers, not scatters (no atomics): maxPool2dBackward first writes each
 * window's winning input position into a scratch buffer, then every input cell sums `dy` over
 * the windows that chose it; avgPool2dBackward sums `dy / divisor` over the windows covering it.
 * Padded cells never win a max; the first maximal cell (row-major) wins ties, NaN wins.
 */
import type { Backend, Pool2dParams, TensorInfo } from '@tessera/tensor-core';
import { poolGeometry, sizeOf, type PoolGeometry } from '@tessera/tensor-core';
import type { Kernels } from '../context.js';
import { MATH, bindings, grid, main1d, u32, wgslType } from '../wgsl.js';


/** WGSL: `fn win(plane, r, t) -> i32`, the in-plane index of the first maximal cell of window (r, t), or -1. */
function argmaxWindow(q: PoolGeometry, t: string): string {
  const nanTest = t === 'f32' ? '(t_isnan(v) && !t_isnan(m))' : 'false';
  return `fn win(xoff: u32, r: u32, t: u32) -> i32 {
  var best = -1i;
  var m: ${t} = x[0];
  let h0 = i32(r * ${u32(q.sh)}) - ${q.pt}i;
  let w0 = i32(t * ${u32(q.sw)}) - ${q.pl}i;
  for (var i = 0i; i < ${q.kh}i; i++) {
    let ih = h0 + i * ${q.dh}i;
    if (ih < 0i || ih >= ${q.h}i) { continue; }
    for (var j = 0i; j < ${q.kw}i; j++) {
      let iw = w0 + j * ${q.dw}i;
      if (iw < 0i || iw >= ${q.w}i) { continue; }
      let at = ih * ${q.w}i + iw;
      let v = x[xoff + u32(at)];
      if (best < 0i || (v > m && !${t === 'f32' ? 't_isnan(m)' : 'false'}) || ${nanTest}) { m = v; best = at; }
    }
  }
  return best;
}`;
}

/** WGSL: `fn divisor(r, t) -> f32` of avg pooling. */
function divisor(q: PoolGeometry, countIncludePad: boolean): string {
  const loH = countIncludePad ? -q.pt : 0;
  const hiH = countIncludePad ? q.h + q.pb : q.h;
  const loW = countIncludePad ? -q.pl : 0;
  const hiW = countIncludePad ? q.w + q.pr : q.w;
  return `fn divisor(r: u32, t: u32) -> f32 {
  var rows = 0;
  var cols = 0;
  for (var i = 0i; i < ${q.kh}i; i++) {
    let ih = i32(r * ${u32(q.sh)}) - ${q.pt}i + i * ${q.dh}i;
    if (ih >= ${loH}i && ih < ${hiH}i) { rows++; }
  }
  for (var j = 0i; j < ${q.kw}i; j++) {
    let iw = i32(t * ${u32(q.sw)}) - ${q.pl}i + j * ${q.dw}i;
    if (iw >= ${loW}i && iw < ${hiW}i) { cols++; }
  }
  return f32(rows * cols);
}`;
}

/**
 * WGSL loop over the windows (r, t) that contain input cell (ih, iw) through patch offset (i, j):
 * `body` runs with `r`, `t` (u32) in scope.
 */
function forEachWindow(q: PoolGeometry, body: string): string {
  return `  for (var i = 0i; i < ${q.kh}i; i++) {
    let ty = ih + ${q.pt}i - i * ${q.dh}i;
    if (ty < 0i || ty % ${q.sh}i != 0i || ty / ${q.sh}i >= ${q.oh}i) { continue; }
    let r = u32(ty / ${q.sh}i);
    for (var j = 0i; j < ${q.kw}i; j++) {
      let tx = iw + ${q.pl}i - j * ${q.dw}i;
      if (tx < 0i || tx % ${q.sw}i != 0i || tx / ${q.sw}i >= ${q.ow}i) { continue; }
      let t = u32(tx / ${q.sw}i);
${body}
    }
  }`;
}

export function poolKernels(k: Kernels): Pick<Backend, 'maxPool2d' | 'maxPool2dBackward' | 'avgPool2d' | 'avgPool2dBackward'> {
  return {
    maxPool2d(x: TensorInfo, params: Pool2dParams, out: TensorInfo): void {
      const q = poolGeometry(x.shape, out.shape, params);
      const t = wgslType(out.dtype);
      const n = sizeOf(out.shape);
      const neg = t === 'f32' ? '-t_inf()' : 'bitcast<i32>(0x80000000u)';
      const code = `${MATH}
${bindings([['x', t, 'read'], ['o', t, 'read_write']])}
${argmaxWindow(q, t)}
${main1d(n, `  let plane = i / ${u32(q.oh * q.ow)};
  let p = i % ${u32(q.oh * q.ow)};
  let xoff = plane * ${u32(q.h * q.w)};
  let b = win(xoff, p / ${u32(q.ow)}, p % ${u32(q.ow)});
  if (b < 0i) { o[i] = ${neg}; } else { o[i] = x[xoff + u32(b)]; }`)}`;
      k.run(code, [x, out], grid(n));
    },

    maxPool2dBackward(dy: TensorInfo, x: TensorInfo, params: Pool2dParams, out: TensorInfo): void {
      const q = poolGeometry(x.shape, dy.shape, params);
      const t = wgslType(out.dtype);
      const windows = sizeOf(dy.shape);
      const cells = sizeOf(out.shape);
      const winners = k.scratch(Math.max(1, windows) * 4);
      const pass1 = `${MATH}
${bindings([['x', t, 'read'], ['o', 'i32', 'read_write']])}
${argmaxWindow(q, t)}
${main1d(windows, `  let plane = i / ${u32(q.oh * q.ow)};
  let p = i % ${u32(q.oh * q.ow)};
  o[i] = win(plane * ${u32(q.h * q.w)}, p / ${u32(q.ow)}, p % ${u32(q.ow)});`)}`;
      if (windows > 0) k.run(pass1, [x, winners], grid(windows));
      const pass2 = `${bindings([['dy', t, 'read'], ['wins', 'i32', 'read'], ['o', t, 'read_write']])}
${main1d(cells, `  let plane = i / ${u32(q.h * q.w)};
  let cell = i % ${u32(q.h * q.w)};
  let ih = i32(cell / ${u32(q.w)});
  let iw = i32(cell % ${u32(q.w)});
  var acc: ${t} = ${t}(0);
  let base = plane * ${u32(q.oh * q.ow)};
${windows > 0 ? forEachWindow(q, `      let wi = base + r * ${u32(q.ow)} + t;
      if (wins[wi] == i32(cell)) { acc = acc + dy[wi]; }`) : ''}
  o[i] = acc;`)}`;
      k.run(pass2, [dy, winners, out], grid(cells));
      k.release(winners);
    },

    avgPool2d(x: TensorInfo, params: Pool2dParams, out: TensorInfo): void {
      const q = poolGeometry(x.shape, out.shape, params);
      const n = sizeOf(out.shape);
      const code = `${bindings([['x', 'f32', 'read'], ['o', 'f32', 'read_write']])}
${divisor(q, params.countIncludePad)}
${main1d(n, `  let plane = i / ${u32(q.oh * q.ow)};
  let p = i % ${u32(q.oh * q.ow)};
  let r = p / ${u32(q.ow)};
  let t = p % ${u32(q.ow)};
  let xoff = plane * ${u32(q.h * q.w)};
  var s = 0.0f;
  for (var i = 0i; i < ${q.kh}i; i++) {
    let ih = i32(r * ${u32(q.sh)}) - ${q.pt}i + i * ${q.dh}i;
    if (ih < 0i || ih >= ${q.h}i) { continue; }
    for (var j = 0i; j < ${q.kw}i; j++) {
      let iw = i32(t * ${u32(q.sw)}) - ${q.pl}i + j * ${q.dw}i;
      if (iw >= 0i && iw < ${q.w}i) { s = s + x[xoff + u32(ih * ${q.w}i + iw)]; }
    }
  }
  o[i] = s / divisor(r, t);`)}`;
      k.run(code, [x, out], grid(n));
    },

    avgPool2dBackward(dy: TensorInfo, params: Pool2dParams, out: TensorInfo): void {
      const q = poolGeometry(out.shape, dy.shape, params);
      const cells = sizeOf(out.shape);
      const code = `${bindings([['dy', 'f32', 'read'], ['o', 'f32', 'read_write']])}
${divisor(q, params.countIncludePad)}
${main1d(cells, `  let plane = i / ${u32(q.h * q.w)};
  let cell = i % ${u32(q.h * q.w)};
  let ih = i32(cell / ${u32(q.w)});
  let iw = i32(cell % ${u32(q.w)});
  let base = plane * ${u32(q.oh * q.ow)};
  var acc = 0.0f;
${sizeOf(dy.shape) > 0 ? forEachWindow(q, `      acc = acc + dy[base + r * ${u32(q.ow)} + t] / divisor(r, t);`) : ''}
  o[i] = acc;`)}`;
      k.run(code, [dy, out], grid(cells));
    },
  };
}
