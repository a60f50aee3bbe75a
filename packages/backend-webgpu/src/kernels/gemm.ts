/// <reference types="@webgpu/types" />
/**
 * Matrix multiplication and convolution as one tiled GEMM.
 *
 * A workgroup of 16×16 threads computes a tile of C of (16·rows)×(16·cols), each thread a
 * rows×cols block held in registers, at rows `lid.y + 16·i` and columns `lid.x + 16·j` (strided, so
 * neighbouring threads read neighbouring words of workgroup memory and store neighbouring words of
 * C). The shared dimension advances `depth` at a time: the workgroup stages a slice of A and of B
 * in workgroup memory, then every thread reads rows + cols values per step for rows·cols
 * multiply-adds. Edge tiles load zeros. Large products use 8×8 blocks (128×128 tiles: 4 reads per
 * 16 multiply-adds instead of 2), smaller ones 4×4 (64×64 tiles keep enough workgroups in flight).
 *
 * The GEMM reads its operands through `loadA(b, m, k)` and `loadB(b, k, n)` and writes through
 * `store(b, m, n, v)`, so the convolutions are implicit GEMMs: `loadB` computes the im2col
 * element on the fly (no column matrix is materialised) —
 *
 * - conv2d:               `y[g] (og × N·oH·oW)      = W[g] (og × cg·kH·kW) · col(x)`
 * - conv2dBackpropInput:  `dx[g] (cg × N·H·W)       = W[g]ᵀ (cg × og·kH·kW) · col'(dy)` (a gather, no atomics)
 * - conv2dBackpropFilter: `dW[g] (og × cg·kH·kW)    = dy[g] (og × N·oH·oW) · col(x)ᵀ`
 *
 * with the group in the z dimension of the grid.
 */
import { convGeometry, type Backend, type Conv2dParams, type ConvGeometry, type TensorInfo } from '@tessera/tensor-core';
import type { Kernels, Operand } from '../context.js';
import { bindings, u32, wgslType, type Scalar } from '../wgsl.js';

const MAX_GROUPS = 65535;

/**
 * The register block of one GEMM thread: `rows`×`cols` outputs, with the shared dimension staged
 * `depth` at a time. The workgroup's tile of C is (16·rows)×(16·cols).
 */
export interface GemmTile {
  readonly rows: 4 | 8;
  readonly cols: 4 | 8;
  readonly depth: 8 | 16;
}

const SMALL_TILE: GemmTile = { rows: 4, cols: 4, depth: 16 };
const LARGE_TILE: GemmTile = { rows: 8, cols: 8, depth: 16 };

/**
 * The tile for an m×n product (per batch): 128×128 once there are at least 256 of them (two
 * waves on a 132-multiprocessor H200: below that, 64×64 tiles keep more of it busy; measured
 * there with `benchmarks/gpu/matmul-tiles.ts`: at 1024² the 4×4 blocks ran 1.3× faster than the
 * 8×8, at 2048² and 4096² the 8×8 blocks 1.4× faster than the 4×4).
 */
export function chooseGemmTile(m: number, n: number, batches: number): GemmTile {
  return Math.ceil(m / 128) * Math.ceil(n / 128) * batches >= 256 ? LARGE_TILE : SMALL_TILE;
}

interface GemmSpec {
  readonly t: Scalar;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** Grid z extent (batches or groups). */
  readonly batches: number;
  /** WGSL body of `fn loadA(b: u32, m: u32, k: u32) -> T`, called only with m < M, k < K. */
  readonly loadA: string;
  readonly loadB: string;
  /** WGSL body of `fn store(b: u32, m: u32, n: u32, v: T)`, called only with m < M, n < N. */
  readonly store: string;
  /** Whether consecutive k of A are adjacent in memory (then threads load along k). */
  readonly aAlongK: boolean;
  /** Whether consecutive n of B are adjacent in memory. */
  readonly bAlongN: boolean;
  /** Storage declarations: names `a`, `b`, `o` at bindings 0, 1, 2. */
  readonly operands: readonly [Operand, Operand, Operand];
  readonly types?: readonly [Scalar, Scalar, Scalar];
}

function runGemm(k: Kernels, s: GemmSpec, fixedTile: GemmTile | undefined): void {
  const { t, m, n } = s;
  if (m === 0 || n === 0 || s.batches === 0) return;
  const { rows, cols, depth: TK } = fixedTile ?? chooseGemmTile(m, n, s.batches);
  const tileM = 16 * rows;
  const tileN = 16 * cols;
  const zero = t === 'f32' ? '0.0f' : t === 'i32' ? '0i' : '0u';
  const [ta, tb, to] = s.types ?? [t, t, t];
  const tilesN = Math.ceil(n / tileN);
  const tilesM = Math.ceil(m / tileM);
  // Grids beyond 65,535 tiles along n or m, or batches along z, are split into several dispatches,
  // each with its offsets baked into the shader.
  for (let z0 = 0; z0 < s.batches; z0 += MAX_GROUPS) {
    for (let y0 = 0; y0 < tilesM; y0 += MAX_GROUPS) {
    for (let x0 = 0; x0 < tilesN; x0 += MAX_GROUPS) {
      const code = `${bindings([['a', ta, 'read'], ['b', tb, 'read'], ['o', to, 'read_write']])}
const M = ${u32(m)};
const N = ${u32(n)};
const K = ${u32(s.k)};
fn loadA(bz: u32, m: u32, k: u32) -> ${t} {
${s.loadA}
}
fn loadB(bz: u32, k: u32, n: u32) -> ${t} {
${s.loadB}
}
fn store(bz: u32, m: u32, n: u32, v: ${t}) {
${s.store}
}
var<workgroup> As: array<array<${t}, ${tileM}>, ${TK}>;
var<workgroup> Bs: array<array<${t}, ${tileN}>, ${TK}>;
@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let tid = lid.y * 16u + lid.x;
  let bz = wid.z + ${u32(z0)};
  let m0 = (wid.y + ${u32(y0)}) * ${tileM}u;
  let n0 = (wid.x + ${u32(x0)}) * ${tileN}u;
  var acc: array<array<${t}, ${cols}>, ${rows}>;
  for (var k0 = 0u; k0 < K; k0 += ${TK}u) {
    for (var l = 0u; l < ${(tileM * TK) / 256}u; l++) {
      let e = tid + l * 256u;
      let am = ${s.aAlongK ? `e / ${TK}u` : `e % ${tileM}u`};
      let ak = ${s.aAlongK ? `e % ${TK}u` : `e / ${tileM}u`};
      var av: ${t} = ${zero};
      if (m0 + am < M && k0 + ak < K) { av = loadA(bz, m0 + am, k0 + ak); }
      As[ak][am] = av;
    }
    for (var l = 0u; l < ${(tileN * TK) / 256}u; l++) {
      let e = tid + l * 256u;
      let bn = ${s.bAlongN ? `e % ${tileN}u` : `e / ${TK}u`};
      let bk = ${s.bAlongN ? `e / ${tileN}u` : `e % ${TK}u`};
      var bv: ${t} = ${zero};
      if (n0 + bn < N && k0 + bk < K) { bv = loadB(bz, k0 + bk, n0 + bn); }
      Bs[bk][bn] = bv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${TK}u; kk++) {
      var av: array<${t}, ${rows}>;
      var bv: array<${t}, ${cols}>;
      for (var i = 0u; i < ${rows}u; i++) { av[i] = As[kk][lid.y + i * 16u]; }
      for (var j = 0u; j < ${cols}u; j++) { bv[j] = Bs[kk][lid.x + j * 16u]; }
      for (var i = 0u; i < ${rows}u; i++) {
        for (var j = 0u; j < ${cols}u; j++) {
          acc[i][j] = ${t === 'f32' ? 'fma(av[i], bv[j], acc[i][j])' : 'acc[i][j] + av[i] * bv[j]'};
        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < ${rows}u; i++) {
    let mm = m0 + lid.y + i * 16u;
    if (mm >= M) { break; }
    for (var j = 0u; j < ${cols}u; j++) {
      let nn = n0 + lid.x + j * 16u;
      if (nn < N) { store(bz, mm, nn, acc[i][j]); }
    }
  }
}`;
      const gx = Math.min(MAX_GROUPS, tilesN - x0);
      const gy = Math.min(MAX_GROUPS, tilesM - y0);
      const gz = Math.min(MAX_GROUPS, s.batches - z0);
      k.run(code, s.operands, [gx, gy, gz]);
    }
    }
  }
}


/** WGSL: the signed input coordinate `iy`/`ix` (as i32) of patch offset (i, j) at output (oy, ox). */
function patchCoords(q: ConvGeometry): string {
  return `  let iy = i32(oy * ${u32(q.sh)} + i * ${u32(q.dh)}) - ${q.pt}i;
  let ix = i32(ox * ${u32(q.sw)} + j * ${u32(q.dw)}) - ${q.pl}i;`;
}

export function gemmKernels(k: Kernels, fixedTile?: GemmTile): Pick<Backend, 'matmul' | 'conv2d' | 'conv2dBackpropInput' | 'conv2dBackpropFilter'> {
  return {
    matmul(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean, out: TensorInfo): void {
      const [batches = 1, m = 0, n = 0] = out.shape;
      const kd = transposeA ? a.shape[1]! : a.shape[2]!;
      const aBatch = a.shape[0] === 1 ? 0 : m * kd;
      const bBatch = b.shape[0] === 1 ? 0 : kd * n;
      const t = wgslType(out.dtype);
      if (kd === 0) {
        k.run(`${bindings([['o', t, 'read_write']])}
@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = g.x + g.y * nwg.x * 256u;
  if (i < ${u32(batches * m * n)}) { o[i] = ${t}(0); }
}`, [out], zeroGrid(batches * m * n));
        return;
      }
      runGemm(k, {
        t, m, n, k: kd, batches,
        loadA: `  return a[bz * ${u32(aBatch)} + ${transposeA ? `k * M + m` : `m * K + k`}];`,
        loadB: `  return b[bz * ${u32(bBatch)} + ${transposeB ? `n * K + k` : `k * N + n`}];`,
        store: `  o[(bz * M + m) * N + n] = v;`,
        aAlongK: !transposeA,
        bAlongN: !transposeB,
        operands: [a, b, out],
      }, fixedTile);
    },

    conv2d(x: TensorInfo, w: TensorInfo, params: Conv2dParams, out: TensorInfo): void {
      const q = convGeometry(x.shape, w.shape, out.shape, params);
      const t = wgslType(out.dtype);
      const kk = q.cg * q.kh * q.kw;
      const ohw = q.oh * q.ow;
      if (kk === 0 || q.n === 0) return zeroFill(k, out, t);
      runGemm(k, {
        t, m: q.og, n: q.n * ohw, k: kk, batches: q.g,
        // W[g·og + m, k] with k = (c, i, j).
        loadA: `  return a[(bz * ${u32(q.og)} + m) * K + k];`,
        loadB: `  let img = n / ${u32(ohw)};
  let p = n % ${u32(ohw)};
  let oy = p / ${u32(q.ow)};
  let ox = p % ${u32(q.ow)};
  let c = k / ${u32(q.kh * q.kw)};
  let r = k % ${u32(q.kh * q.kw)};
  let i = r / ${u32(q.kw)};
  let j = r % ${u32(q.kw)};
${patchCoords(q)}
  if (iy < 0i || ix < 0i || iy >= ${q.h}i || ix >= ${q.w}i) { return ${t}(0); }
  return b[((img * ${u32(q.c)} + bz * ${u32(q.cg)} + c) * ${u32(q.h)} + u32(iy)) * ${u32(q.w)} + u32(ix)];`,
        store: `  let img = n / ${u32(ohw)};
  let p = n % ${u32(ohw)};
  o[(img * ${u32(q.o)} + bz * ${u32(q.og)} + m) * ${u32(ohw)} + p] = v;`,
        aAlongK: true,
        bAlongN: q.sw === 1,
        operands: [w, x, out],
      }, fixedTile);
    },

    conv2dBackpropInput(dy: TensorInfo, w: TensorInfo, params: Conv2dParams, out: TensorInfo): void {
      const q = convGeometry(out.shape, w.shape, dy.shape, params);
      const t = wgslType(out.dtype);
      const khw = q.kh * q.kw;
      const hw = q.h * q.w;
      const kd = q.og * khw;
      if (kd === 0 || q.oh * q.ow === 0) return zeroFill(k, out, t);
      runGemm(k, {
        t, m: q.cg, n: q.n * hw, k: kd, batches: q.g,
        // Wᵀ: element (c, (o, i, j)) = W[g·og + o, c, i, j].
        loadA: `  let oc = k / ${u32(khw)};
  let r = k % ${u32(khw)};
  return a[((bz * ${u32(q.og)} + oc) * ${u32(q.cg)} + m) * ${u32(khw)} + r];`,
        // dy at the output position whose patch (i, j) lands on input (iy, ix), or 0 if none does.
        loadB: `  let img = n / ${u32(hw)};
  let p = n % ${u32(hw)};
  let iy = p / ${u32(q.w)};
  let ix = p % ${u32(q.w)};
  let oc = k / ${u32(khw)};
  let r = k % ${u32(khw)};
  let i = r / ${u32(q.kw)};
  let j = r % ${u32(q.kw)};
  let ty = i32(iy) + ${q.pt}i - i32(i * ${u32(q.dh)});
  let tx = i32(ix) + ${q.pl}i - i32(j * ${u32(q.dw)});
  if (ty < 0i || tx < 0i || ty % ${q.sh}i != 0i || tx % ${q.sw}i != 0i) { return ${t}(0); }
  let oy = u32(ty / ${q.sh}i);
  let ox = u32(tx / ${q.sw}i);
  if (oy >= ${u32(q.oh)} || ox >= ${u32(q.ow)}) { return ${t}(0); }
  return b[((img * ${u32(q.o)} + bz * ${u32(q.og)} + oc) * ${u32(q.oh)} + oy) * ${u32(q.ow)} + ox];`,
        store: `  let img = n / ${u32(hw)};
  let p = n % ${u32(hw)};
  o[(img * ${u32(q.c)} + bz * ${u32(q.cg)} + m) * ${u32(hw)} + p] = v;`,
        aAlongK: false,
        bAlongN: q.sw === 1 && q.dw === 1,
        operands: [w, dy, out],
      }, fixedTile);
    },

    conv2dBackpropFilter(x: TensorInfo, dy: TensorInfo, params: Conv2dParams, out: TensorInfo): void {
      const q = convGeometry(x.shape, out.shape, dy.shape, params);
      const t = wgslType(out.dtype);
      const khw = q.kh * q.kw;
      const ohw = q.oh * q.ow;
      const kd = q.n * ohw;
      if (kd === 0) return zeroFill(k, out, t);
      runGemm(k, {
        t, m: q.og, n: q.cg * khw, k: kd, batches: q.g,
        // dy[g]: element (o, (img, p)).
        loadA: `  let img = k / ${u32(ohw)};
  let p = k % ${u32(ohw)};
  return a[(img * ${u32(q.o)} + bz * ${u32(q.og)} + m) * ${u32(ohw)} + p];`,
        // col(x)ᵀ: element ((img, oy, ox), (c, i, j)).
        loadB: `  let img = k / ${u32(ohw)};
  let p = k % ${u32(ohw)};
  let oy = p / ${u32(q.ow)};
  let ox = p % ${u32(q.ow)};
  let c = n / ${u32(khw)};
  let r = n % ${u32(khw)};
  let i = r / ${u32(q.kw)};
  let j = r % ${u32(q.kw)};
${patchCoords(q)}
  if (iy < 0i || ix < 0i || iy >= ${q.h}i || ix >= ${q.w}i) { return ${t}(0); }
  return b[((img * ${u32(q.c)} + bz * ${u32(q.cg)} + c) * ${u32(q.h)} + u32(iy)) * ${u32(q.w)} + u32(ix)];`,
        store: `  o[(bz * ${u32(q.og)} + m) * N + n] = v;`,
        aAlongK: true,
        bAlongN: false,
        operands: [dy, x, out],
      }, fixedTile);
    },
  };
}

function zeroGrid(n: number): [number, number, number] {
  const groups = Math.ceil(n / 256);
  return groups <= MAX_GROUPS ? [groups, 1, 1] : [MAX_GROUPS, Math.ceil(groups / MAX_GROUPS), 1];
}

function zeroFill(k: Kernels, out: TensorInfo, t: Scalar): void {
  const n = out.shape.reduce((a, b) => a * b, 1);
  k.run(`${bindings([['o', t, 'read_write']])}
@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = g.x + g.y * nwg.x * 256u;
  if (i < ${u32(n)}) { o[i] = ${t}(0); }
}`, [out], zeroGrid(n));
}
