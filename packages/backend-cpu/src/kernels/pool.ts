/**
 * 2-D max and average pooling over NCHW input, and their gradients. Padded cells never win a
 * max; they count toward an average's divisor only with `countIncludePad`. The max gradient goes
 * to the first maximal cell of each window in row-major order (as PyTorch); NaN wins a max.
 */
import { poolGeometry, type Pool2dParams, type PoolGeometry, type TensorInfo } from '@tessera/tensor-core';
import { dataOf } from '../storage.js';

type Float = Float32Array | Float64Array;


/** Flat index (within its plane) of the first maximal cell of window (r, t), or -1 if none is inside. */
function argmaxWindow(x: Float, xOff: number, q: PoolGeometry, r: number, t: number): number {
  let best = -1;
  let m = -Infinity;
  const h0 = r * q.sh - q.pt;
  const w0 = t * q.sw - q.pl;
  for (let i = 0; i < q.kh; i++) {
    const ih = h0 + i * q.dh;
    if (ih < 0 || ih >= q.h) continue;
    for (let j = 0; j < q.kw; j++) {
      const iw = w0 + j * q.dw;
      if (iw < 0 || iw >= q.w) continue;
      const v = x[xOff + ih * q.w + iw]!;
      // Strictly greater keeps the first maximum; the first NaN wins and stays.
      if (best < 0 || v > m || (v !== v && m === m)) {
        m = v;
        best = ih * q.w + iw;
      }
    }
  }
  return best;
}

export function maxPool2d(xInfo: TensorInfo, params: Pool2dParams, outInfo: TensorInfo): void {
  const q = poolGeometry(xInfo.shape, outInfo.shape, params);
  const x = dataOf(xInfo) as Float;
  const y = dataOf(outInfo) as Float;
  const hw = q.h * q.w;
  let o = 0;
  for (let pl = 0; pl < q.planes; pl++) {
    const xOff = pl * hw;
    for (let r = 0; r < q.oh; r++) {
      for (let t = 0; t < q.ow; t++) {
        const k = argmaxWindow(x, xOff, q, r, t);
        y[o++] = k < 0 ? -Infinity : x[xOff + k]!;
      }
    }
  }
}

export function maxPool2dBackward(dyInfo: TensorInfo, xInfo: TensorInfo, params: Pool2dParams, outInfo: TensorInfo): void {
  const q = poolGeometry(xInfo.shape, dyInfo.shape, params);
  const x = dataOf(xInfo) as Float;
  const dy = dataOf(dyInfo) as Float;
  const dx = dataOf(outInfo) as Float;
  dx.fill(0);
  const hw = q.h * q.w;
  let o = 0;
  for (let pl = 0; pl < q.planes; pl++) {
    const xOff = pl * hw;
    for (let r = 0; r < q.oh; r++) {
      for (let t = 0; t < q.ow; t++, o++) {
        const k = argmaxWindow(x, xOff, q, r, t);
        if (k >= 0) dx[xOff + k] = dx[xOff + k]! + dy[o]!;
      }
    }
  }
}

/** Divisor of window (r, t): inside cells, or with `countIncludePad` every cell inside the padded extent. */
function divisor(q: PoolGeometry, r: number, t: number, countIncludePad: boolean): number {
  const hiH = countIncludePad ? q.h + q.pb : q.h;
  const loH = countIncludePad ? -q.pt : 0;
  const hiW = countIncludePad ? q.w + q.pr : q.w;
  const loW = countIncludePad ? -q.pl : 0;
  let rows = 0;
  let cols = 0;
  for (let i = 0; i < q.kh; i++) {
    const ih = r * q.sh - q.pt + i * q.dh;
    if (ih >= loH && ih < hiH) rows++;
  }
  for (let j = 0; j < q.kw; j++) {
    const iw = t * q.sw - q.pl + j * q.dw;
    if (iw >= loW && iw < hiW) cols++;
  }
  return rows * cols;
}

export function avgPool2d(xInfo: TensorInfo, params: Pool2dParams, outInfo: TensorInfo): void {
  const q = poolGeometry(xInfo.shape, outInfo.shape, params);
  const x = dataOf(xInfo) as Float;
  const y = dataOf(outInfo) as Float;
  const hw = q.h * q.w;
  let o = 0;
  for (let pl = 0; pl < q.planes; pl++) {
    const xOff = pl * hw;
    for (let r = 0; r < q.oh; r++) {
      for (let t = 0; t < q.ow; t++) {
        let s = 0;
        for (let i = 0; i < q.kh; i++) {
          const ih = r * q.sh - q.pt + i * q.dh;
          if (ih < 0 || ih >= q.h) continue;
          for (let j = 0; j < q.kw; j++) {
            const iw = t * q.sw - q.pl + j * q.dw;
            if (iw >= 0 && iw < q.w) s += x[xOff + ih * q.w + iw]!;
          }
        }
        y[o++] = s / divisor(q, r, t, params.countIncludePad);
      }
    }
  }
}

export function avgPool2dBackward(dyInfo: TensorInfo, params: Pool2dParams, outInfo: TensorInfo): void {
  const q = poolGeometry(outInfo.shape, dyInfo.shape, params);
  const dy = dataOf(dyInfo) as Float;
  const dx = dataOf(outInfo) as Float;
  dx.fill(0);
  const hw = q.h * q.w;
  let o = 0;
  for (let pl = 0; pl < q.planes; pl++) {
    const xOff = pl * hw;
    for (let r = 0; r < q.oh; r++) {
      for (let t = 0; t < q.ow; t++, o++) {
        const g = dy[o]! / divisor(q, r, t, params.countIncludePad);
        for (let i = 0; i < q.kh; i++) {
          const ih = r * q.sh - q.pt + i * q.dh;
          if (ih < 0 || ih >= q.h) continue;
          for (let j = 0; j < q.kw; j++) {
            const iw = t * q.sw - q.pl + j * q.dw;
            if (iw >= 0 && iw < q.w) dx[xOff + ih * q.w + iw] = dx[xOff + ih * q.w + iw]! + g;
          }
        }
      }
    }
  }
}
