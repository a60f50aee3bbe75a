/**
 * Conformance cases: matmul, softmax / logSoftmax / layerNorm, convolutions, pooling, adaptive
 * pooling and resize. Small cases have literal values written from the definitions; larger ones
 * compare with PyTorch, whose float64 results `scripts/gen-nn-expected.py` writes into the
 * GENERATED block below, for inputs `seq(shape, salt)` that both sides build bit for bit.
 *
 * Tolerance: inputs are exact in float32 (multiples of 1/8) and outputs stay below ~30 in
 * magnitude; a float32 kernel sums at most ~60 products, so its rounding error stays below
 * ~60 * 2^-24 * 30 ≈ 1e-4 absolute in the worst case and far less in practice; we allow
 * `atol 1e-4, rtol 1e-5` for the reductions (conv, pooling, matmul, norms).
 *
 * Every case runs inside a leak check (see `movement.ts`). The fused kernels (softmax,
 * logSoftmax, layerNorm, batchNorm, adamUpdate) are also checked against tensor-core's composite fallback by running
 * the same cases on a copy of the backend without them.
 */
import {
  adamStep,
  adaptiveAvgPool2d,
  avgPool2d,
  batchNorm,
  avgPool2dBackward,
  conv1d,
  conv2d,
  conv2dBackpropFilter,
  conv2dBackpropInput,
  convTranspose2d,
  layerNorm,
  logSoftmax,
  matmul,
  maxPool2d,
  maxPool2dBackward,
  ones,
  resize,
  scalar,
  setBackend,
  softmax,
  tensor,
  transpose,
  zeros,
  type Backend,
  type Conv2dParams,
  type Pool2dParams,
  type Tensor,
} from '@tessera/tensor-core';
import { expectTensor, expectTensorError, leakFree } from '../helpers.js';
import type { ConformanceContext } from '../index.js';



/** The deterministic input of the generator script: multiples of 1/8 in [-11/8, 11/8]. */
function seq(shape: readonly number[], salt: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, (_, i) => (((i * 37 + salt * 11) % 23) - 11) / 8);
  return tensor(values, shape);
}

const REDUCTION_TOL = { rtol: 1e-5, atol: 1e-4 };

async function expectTorch(actual: Tensor, name: string): Promise<void> {
  const c = TORCH[name];
  if (!c) throw new Error(`no generated case '${name}'; run scripts/gen-nn-expected.py`);
  await expectTensor(actual, c.values, { shape: c.shape, ...REDUCTION_TOL });
}

const conv = (p: Partial<Conv2dParams> = {}): Conv2dParams => ({
  stride: [1, 1],
  padding: [0, 0, 0, 0],
  dilation: [1, 1],
  groups: 1,
  ...p,
});
const pool = (p: Partial<Pool2dParams> = {}): Pool2dParams => ({
  kernelSize: [2, 2],
  stride: [2, 2],
  padding: [0, 0, 0, 0],
  dilation: [1, 1],
  countIncludePad: true,
  ...p,
});

/** The backend without its optional fused kernels: tensor-core's composites run instead. */
function unfused(backend: Backend): Backend {
  return Object.create(backend, {
    name: { value: `${backend.name}-unfused` },
    softmax: { value: undefined },
    logSoftmax: { value: undefined },
    layerNorm: { value: undefined },
    batchNorm: { value: undefined },
    gelu: { value: undefined },
    adamUpdate: { value: undefined },
  }) as Backend;
}

/** Conformance cases: nn. */
export function nnCases(ctx: ConformanceContext): void {
  // ---------------------------------------------------------------- matmul
  leakFree('matmul: matrices, vectors, batches and broadcast batches', async (use) => {
    const a = use(tensor([[1, 2], [3, 4]]));
    const b = use(tensor([[5, 6], [7, 8]]));
    await expectTensor(use(matmul(a, b)), [[19, 22], [43, 50]]);
    await expectTensor(use(a.matmul(use(tensor([5, 6])))), [17, 39]);
    await expectTensor(use(matmul(use(tensor([5, 6])), a)), [23, 34]);
    await expectTensor(use(matmul(use(tensor([1, 2, 3])), use(tensor([4, 5, 6])))), 32);
    await expectTensor(use(matmul(use(tensor([[1, 2, 3]])), use(tensor([[1], [2], [3]])))), [[14]]);
    // Batched with a broadcast 2-D operand, and a 1-D operand against a batch.
    const batch = use(tensor([[[1, 0], [0, 1]], [[2, 0], [0, 2]]]));
    await expectTensor(use(matmul(batch, b)), [[[5, 6], [7, 8]], [[10, 12], [14, 16]]]);
    await expectTensor(use(matmul(b, batch)), [[[5, 6], [7, 8]], [[10, 12], [14, 16]]]);
    await expectTensor(use(matmul(batch, use(tensor([1, 2])))), [[1, 2], [2, 4]]);
    await expectTensor(use(matmul(use(tensor([1, 2])), batch)), [[1, 2], [2, 4]]);
    // Batch axes that broadcast against each other: [2,1,3,4] @ [3,4,2] → [2,3,3,2].
    await expectTorch(use(matmul(use(seq([2, 1, 3, 4], 43)), use(seq([3, 4, 2], 44)))), 'matmul.broadcast');
    // Transposed operands (copies) feed matmul.
    await expectTensor(use(matmul(use(transpose(a)), a)), [[10, 14], [14, 20]]);
    // int32 stays int32.
    const ia = use(tensor([[1, 2], [3, 4]], undefined, { dtype: 'int32' }));
    await expectTensor(use(matmul(ia, ia)), [[7, 10], [15, 22]], { dtype: 'int32' });
    // Empty operands: K = 0 gives zeros, M = 0 or a zero batch gives an empty result.
    await expectTensor(use(matmul(use(zeros([2, 0])), use(zeros([0, 3])))), [[0, 0, 0], [0, 0, 0]]);
    await expectTensor(use(matmul(use(zeros([0, 2])), b)), [], { shape: [0, 2] });
    await expectTensor(use(matmul(use(zeros([0, 2, 2])), b)), [], { shape: [0, 2, 2] });
  });
  leakFree('matmul with transpose flags equals matmul of transposed copies', async (use) => {
    const a = use(tensor([[1, 2, 3], [4, 5, 6]])); // [2, 3]
    const b = use(tensor([[1, 0], [2, 1], [0, 3]])); // [3, 2]
    // aᵀ [3,2] · a [2,3] = [[17,22,27],[22,29,36],[27,36,45]]
    await expectTensor(use(matmul(a, a, { transposeA: true })), [[17, 22, 27], [22, 29, 36], [27, 36, 45]]);
    // a [2,3] · aᵀ [3,2] = [[14,32],[32,77]]
    await expectTensor(use(matmul(a, a, { transposeB: true })), [[14, 32], [32, 77]]);
    // bᵀ [2,3] · aᵀ [3,2] = (a·b)ᵀ, a·b = [[5,11],[14,23]]
    await expectTensor(use(matmul(b, a, { transposeA: true, transposeB: true })), [[5, 14], [11, 23]]);
    // Batched with a broadcast operand, against explicit transposes.
    const x = use(seq([2, 4, 3], 71));
    const w = use(seq([5, 3], 72));
    const viaCopy = use(matmul(x, use(transpose(w))));
    await expectTensor(use(matmul(x, w, { transposeB: true })), (await viaCopy.array()) as number[][][]);
    const viaCopyA = use(matmul(use(x.transpose(1, 2)), use(seq([2, 4, 2], 73))));
    await expectTensor(use(matmul(x, use(seq([2, 4, 2], 73)), { transposeA: true })), (await viaCopyA.array()) as number[][][]);
    // Flags on a 1-D operand are ignored (a vector has no matrix axes to swap).
    await expectTensor(use(matmul(use(tensor([1, 1])), a, { transposeA: true })), [5, 7, 9]);
    expectTensorError(() => matmul(a, b, { transposeB: true }), 'SHAPE_MISMATCH', /transposeA=false, transposeB=true \(3 != 2\)/);
  });
  leakFree('matmul: errors', (use) => {
    const a = use(zeros([2, 3]));
    expectTensorError(() => matmul(a, use(zeros([4, 5]))), 'SHAPE_MISMATCH', /matmul: inner dimensions must match: a.shape=\[2,3\], b.shape=\[4,5\] \(3 != 4\)/);
    expectTensorError(() => matmul(a, use(zeros([2]))), 'SHAPE_MISMATCH', /\(3 != 2\)/);
    expectTensorError(() => matmul(use(zeros([2, 2, 3])), use(zeros([3, 3, 1]))), 'SHAPE_MISMATCH', /batch dimensions/);
    expectTensorError(() => matmul(use(scalar(2)), a), 'SHAPE_MISMATCH', /at least 1 dimension/);
    expectTensorError(() => matmul(a, use(zeros([3, 2], { dtype: 'int32' }))), 'DTYPE_MISMATCH', /float32.*int32|int32/);
    expectTensorError(() => matmul(use(zeros([1, 1], { dtype: 'bool' })), use(zeros([1, 1], { dtype: 'bool' }))), 'DTYPE_MISMATCH', /bool/);
  });

  // ---------------------------------------------------------------- softmax family, layerNorm
  const softmaxCases = (label: string, prepare: () => Promise<() => Promise<void>>): void => {
    leakFree(`softmax, logSoftmax, layerNorm ${label}`, async (use) => {
      const restore = await prepare();
      try {
        const x = use(seq([2, 3, 4], 40));
        await expectTorch(use(softmax(x)), 'softmax.last');
        await expectTorch(use(x.softmax(1)), 'softmax.axis1');
        await expectTorch(use(logSoftmax(x, -1)), 'logSoftmax.last');
        await expectTorch(use(x.logSoftmax(0)), 'logSoftmax.axis0');
        await expectTorch(use(layerNorm(x, [3, 4], { weight: use(seq([3, 4], 41)), bias: use(seq([3, 4], 42)) })), 'layerNorm.affine');
        await expectTorch(use(layerNorm(x, 4, { eps: 1e-3 })), 'layerNorm.last');
        // Literal cases and numerical stability: huge logits neither overflow nor underflow.
        await expectTensor(use(softmax(use(tensor([0, Math.log(3)])))), [0.25, 0.75]);
        await expectTensor(use(softmax(use(tensor([1000, 1000])))), [0.5, 0.5]);
        await expectTensor(use(logSoftmax(use(tensor([1000, 0])))), [0, -1000]);
        await expectTensor(use(softmax(use(tensor([-Infinity, 0])))), [0, 1]);
        await expectTensor(use(softmax(use(scalar(3)))), 1);
        await expectTensor(use(softmax(use(tensor([[5], [7]])), 1)), [[1], [1]]);
        await expectTensor(use(softmax(use(zeros([0, 3])))), [], { shape: [0, 3] });
        await expectTensor(use(softmax(use(transpose(use(tensor([[0, 0], [Math.log(3), 0]])))))), [[0.25, 0.75], [0.5, 0.5]]);
        await expectTensor(use(layerNorm(use(tensor([[1, 3], [2, 2]])), [2], { eps: 1e-12 })), [[-1, 1], [0, 0]], { atol: 1e-5 });
      } finally {
        await restore();
      }
    });
  };
  softmaxCases('(backend kernels where present)', () => Promise.resolve(() => Promise.resolve()));
  softmaxCases('(tensor-core composites)', async () => {
    const original = ctx.backend();
    await setBackend(unfused(original));
    return async () => {
      await setBackend(original);
    };
  });
  // ---------------------------------------------------------------- batchNorm, adamStep
  /** `seq`'s values on the host. */
  const seqValues = (n: number, salt: number): number[] => Array.from({ length: n }, (_, i) => (((i * 37 + salt * 11) % 23) - 11) / 8);
  /** batchNorm from its definition, in float64 on the host. */
  const batchNormRef = (shape: number[], xs: number[], mean: number[], variance: number[], eps: number, w?: number[], b?: number[]): number[] => {
    const c = shape[1]!;
    const inner = shape.slice(2).reduce((a, d) => a * d, 1);
    return xs.map((v, i) => {
      const ch = Math.floor(i / inner) % c;
      return ((v - mean[ch]!) / Math.sqrt(variance[ch]! + eps)) * (w ? w[ch]! : 1) + (b ? b[ch]! : 0);
    });
  };
  const fusedCases = (label: string, prepare: () => Promise<() => Promise<void>>): void => {
    leakFree(`batchNorm ${label}`, async (use) => {
      const restore = await prepare();
      try {
        const shape = [2, 3, 2, 2];
        const xs = seqValues(24, 50);
        const mean = seqValues(3, 51);
        const variance = [0.5, 1.25, 2];
        const w = seqValues(3, 52);
        const b = seqValues(3, 53);
        const x = use(seq(shape, 50));
        const y = use(batchNorm(x, use(seq([3], 51)), use(tensor(variance)), { weight: use(seq([3], 52)), bias: use(seq([3], 53)), eps: 1e-3 }));
        await expectTensor(y, batchNormRef(shape, xs, mean, variance, 1e-3, w, b), { shape, ...REDUCTION_TOL });
        // [N, C] and [N, C, L] without affine parameters; the default eps.
        const x2 = seqValues(12, 54);
        await expectTensor(use(batchNorm(use(seq([4, 3], 54)), use(seq([3], 51)), use(tensor(variance)))), batchNormRef([4, 3], x2, mean, variance, 1e-5), { shape: [4, 3], ...REDUCTION_TOL });
        await expectTensor(use(batchNorm(use(seq([2, 3, 2], 54)), use(seq([3], 51)), use(tensor(variance)), { weight: use(seq([3], 52)) })), batchNormRef([2, 3, 2], x2, mean, variance, 1e-5, w), { shape: [2, 3, 2], ...REDUCTION_TOL });
        await expectTensor(use(batchNorm(use(tensor([[1, 2], [3, 6]])), use(tensor([2, 4])), use(tensor([1, 4])), { eps: 1e-12 })), [[-1, -1], [1, 1]], { atol: 1e-5 });
        await expectTensor(use(batchNorm(use(zeros([0, 3])), use(zeros([3])), use(ones([3])))), [], { shape: [0, 3] });
      } finally {
        await restore();
      }
    });
    leakFree(`adamStep ${label}`, async (use) => {
      const restore = await prepare();
      try {
        // Adam and AdamW from zero moments, then a second step from the returned moments, against
        // the update written out on the host in float64.
        const n = 10;
        const p0 = seqValues(n, 60);
        const g0 = seqValues(n, 61).map((v) => v + 0.0625);
        const g1 = seqValues(n, 62);
        for (const [decoupled, maximize, weightDecay] of [[false, false, 0], [false, true, 0.1], [true, false, 0.2]] as const) {
          const h = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, decoupled, maximize };
          let p = p0.slice();
          let m = new Array<number>(n).fill(0);
          let v = new Array<number>(n).fill(0);
          const host = (grads: number[], step: number): void => {
            const next = p.map((pi, i) => {
              let g = maximize ? -grads[i]! : grads[i]!;
              let q = pi;
              if (weightDecay !== 0) {
                if (decoupled) q *= 1 - h.lr * weightDecay;
                else g += weightDecay * pi;
              }
              m[i] = h.beta1 * m[i]! + (1 - h.beta1) * g;
              v[i] = h.beta2 * v[i]! + (1 - h.beta2) * g * g;
              const denom = Math.sqrt(v[i]!) / Math.sqrt(1 - h.beta2 ** step) + h.eps;
              return q - (h.lr / (1 - h.beta1 ** step)) * (m[i]! / denom);
            });
            p = next;
            m = m.slice();
            v = v.slice();
          };
          const param = use(seq([2, 5], 60));
          const grad0 = use(use(seq([2, 5], 61)).add(0.0625));
          const r1 = adamStep(param, grad0, undefined, undefined, { ...h, step: 1 });
          use(r1.param);
          use(r1.expAvg);
          use(r1.expAvgSq);
          host(g0, 1);
          const tol = { shape: [2, 5], rtol: 1e-5, atol: 1e-6 };
          await expectTensor(r1.param, p, tol);
          await expectTensor(r1.expAvg, m, tol);
          await expectTensor(r1.expAvgSq, v, { ...tol, atol: 1e-9 });
          const r2 = adamStep(r1.param, use(seq([2, 5], 62)), r1.expAvg, r1.expAvgSq, { ...h, step: 2 });
          use(r2.param);
          use(r2.expAvg);
          use(r2.expAvgSq);
          host(g1, 2);
          await expectTensor(r2.param, p, tol);
          await expectTensor(r2.expAvg, m, tol);
        }
        // AMSGrad (always the composite) returns the running maximum too.
        const r = adamStep(use(ones([3])), use(tensor([1, -2, 0])), undefined, undefined, { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, step: 1, amsgrad: true });
        use(r.param);
        use(r.expAvg);
        use(r.expAvgSq);
        use(r.maxExpAvgSq!);
        await expectTensor(r.param, [0.9, 1.1, 1], { atol: 1e-6 });
        await expectTensor(r.maxExpAvgSq!, [0.01, 0.04, 0], { atol: 1e-8 });
      } finally {
        await restore();
      }
    });
  };
  fusedCases('(backend kernels where present)', () => Promise.resolve(() => Promise.resolve()));
  fusedCases('(tensor-core composites)', async () => {
    const original = ctx.backend();
    await setBackend(unfused(original));
    return async () => {
      await setBackend(original);
    };
  });
  leakFree('batchNorm, adamStep: errors', (use) => {
    const x = use(zeros([2, 3, 4]));
    const c = use(ones([3]));
    expectTensorError(() => batchNorm(use(zeros([3])), c, c), 'SHAPE_MISMATCH', /batchNorm: input must be \[N, C, \.\.\.\]/);
    expectTensorError(() => batchNorm(x, use(ones([4])), c), 'SHAPE_MISMATCH', /mean.shape=\[4\] must be \[3\]/);
    expectTensorError(() => batchNorm(x, c, c, { weight: use(ones([3, 1])) }), 'SHAPE_MISMATCH', /weight/);
    expectTensorError(() => batchNorm(x, c, use(ones([3], { dtype: 'int32' }))), 'DTYPE_MISMATCH', /variance/);
    expectTensorError(() => batchNorm(x, c, c, { eps: 0 }), 'INVALID_ARGUMENT', /eps/);
    expectTensorError(() => batchNorm(use(zeros([2, 3], { dtype: 'int32' })), c, c), 'DTYPE_MISMATCH');
    const h = { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, step: 1 };
    expectTensorError(() => adamStep(c, use(ones([4])), undefined, undefined, h), 'SHAPE_MISMATCH', /adamStep: grad.shape=\[4\]/);
    expectTensorError(() => adamStep(c, c, undefined, undefined, { ...h, step: 0 }), 'INVALID_ARGUMENT', /step/);
    expectTensorError(() => adamStep(c, c, undefined, undefined, { ...h, lr: NaN }), 'INVALID_ARGUMENT', /lr/);
  });
  leakFree('softmax, logSoftmax, layerNorm: errors', (use) => {
    const x = use(zeros([2, 3]));
    const i = use(zeros([2, 3], { dtype: 'int32' }));
    expectTensorError(() => softmax(i), 'DTYPE_MISMATCH', /softmax: expected a float tensor/);
    expectTensorError(() => logSoftmax(i), 'DTYPE_MISMATCH', /logSoftmax/);
    expectTensorError(() => softmax(x, 2), 'AXIS_OUT_OF_RANGE', /softmax: axis 2/);
    expectTensorError(() => logSoftmax(x, -3), 'AXIS_OUT_OF_RANGE');
    expectTensorError(() => layerNorm(x, [2]), 'SHAPE_MISMATCH', /layerNorm: normalizedShape \[2\] must equal the trailing dimensions of x.shape=\[2,3\]/);
    expectTensorError(() => layerNorm(x, [4, 2, 3]), 'SHAPE_MISMATCH');
    expectTensorError(() => layerNorm(x, [3], { weight: use(ones([2])) }), 'SHAPE_MISMATCH', /weight.shape=\[2\]/);
    expectTensorError(() => layerNorm(x, [3], { bias: use(ones([3], { dtype: 'int32' })) }), 'DTYPE_MISMATCH', /bias/);
    expectTensorError(() => layerNorm(x, [3], { eps: 0 }), 'INVALID_ARGUMENT', /eps/);
    expectTensorError(() => layerNorm(x, []), 'INVALID_ARGUMENT', /normalizedShape/);
    expectTensorError(() => layerNorm(i, [3]), 'DTYPE_MISMATCH');
  });

  // ---------------------------------------------------------------- convolution
  leakFree('conv2d: literal cases, padding modes, groups, unbatched input, bias', async (use) => {
    const x = use(tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]));
    await expectTensor(use(conv2d(x, use(ones([1, 1, 2, 2])))), [[[[12, 16], [24, 28]]]]);
    await expectTensor(use(conv2d(x, use(tensor([[[[1]]]])), { stride: 2 })), [[[[1, 3], [7, 9]]]]);
    await expectTensor(use(conv2d(x, use(ones([1, 1, 3, 3])), { padding: 1 })), [[[[12, 21, 16], [27, 45, 33], [24, 39, 28]]]]);
    await expectTensor(use(conv2d(x, use(ones([1, 1, 2, 2])), { padding: 'same' })), [[[[12, 16, 9], [24, 28, 15], [15, 17, 9]]]]);
    await expectTensor(use(conv2d(x, use(ones([1, 1, 2, 2])), { padding: 'valid', bias: use(tensor([0.5])) })), [[[[12.5, 16.5], [24.5, 28.5]]]]);
    await expectTensor(use(conv2d(x, use(ones([1, 1, 2, 2])), { dilation: 2 })), [[[[20]]]]);
    await expectTorch(use(conv2d(use(seq([2, 3, 5, 5], 1)), use(seq([4, 3, 3, 3], 2)), { padding: 1, bias: use(seq([4], 3)) })), 'conv2d.basic');
    await expectTorch(use(conv2d(use(seq([1, 2, 6, 7], 4)), use(seq([3, 2, 2, 3], 5)), { stride: [2, 1], padding: [1, 0, 2, 1], dilation: [1, 2] })), 'conv2d.asym');
    await expectTorch(use(conv2d(use(seq([1, 4, 4, 4], 6)), use(seq([6, 2, 2, 3], 7)), { padding: 'same', dilation: [1, 2], groups: 2 })), 'conv2d.same');
    await expectTorch(use(conv2d(use(seq([1, 3, 4, 4], 8)), use(seq([3, 1, 3, 3], 9)), { stride: 2, padding: [1, 1], groups: 3 })), 'conv2d.depthwise');
    await expectTorch(use(conv2d(use(seq([3, 4, 4], 10)), use(seq([2, 3, 2, 2], 11)))), 'conv2d.unbatched');
    // An empty batch gives an empty result.
    await expectTensor(use(conv2d(use(zeros([0, 1, 3, 3])), use(ones([2, 1, 2, 2])))), [], { shape: [0, 2, 2, 2] });
  });
  leakFree('conv1d', async (use) => {
    await expectTensor(use(conv1d(use(tensor([[[1, 2, 3]]])), use(tensor([[[1, 1]]])))), [[[3, 5]]]);
    await expectTensor(use(conv1d(use(tensor([[1, 2, 3]])), use(tensor([[[1, -1]]])), { padding: [1, 0] })), [[-1, -1, -1]]);
    await expectTorch(use(conv1d(use(seq([2, 2, 7], 12)), use(seq([3, 2, 3], 13)), { stride: 2, padding: 1, bias: use(seq([3], 14)) })), 'conv1d.basic');
    await expectTorch(use(conv1d(use(seq([1, 2, 6], 15)), use(seq([2, 1, 2], 16)), { padding: 'same', dilation: 3, groups: 2 })), 'conv1d.same');
    expectTensorError(() => conv1d(use(zeros([1, 2, 5])), use(zeros([1, 3, 2]))), 'SHAPE_MISMATCH', /conv1d: x has 2 channels/);
    expectTensorError(() => conv1d(use(zeros([1, 2, 5, 1])), use(zeros([1, 2, 2]))), 'SHAPE_MISMATCH', /conv1d: input must be/);
    expectTensorError(() => conv1d(use(zeros([1, 2, 5])), use(zeros([1, 2, 2, 1]))), 'SHAPE_MISMATCH', /conv1d: w must be/);
    expectTensorError(() => conv1d(use(zeros([1, 2, 5])), use(zeros([1, 2, 2])), { stride: 0 }), 'INVALID_ARGUMENT', /stride/);
    expectTensorError(() => conv1d(use(zeros([1, 2, 5])), use(zeros([1, 2, 2])), { stride: 2, padding: 'same' }), 'INVALID_ARGUMENT', /same/);
  });
  leakFree('conv2d: errors', (use) => {
    const x = use(zeros([1, 4, 5, 5]));
    expectTensorError(() => conv2d(x, use(zeros([2, 3, 3, 3]))), 'SHAPE_MISMATCH', /conv2d: x has 4 channels but the weight expects 3 x groups 1 = 3/);
    expectTensorError(() => conv2d(x, use(zeros([3, 2, 3, 3])), { groups: 2 }), 'INVALID_ARGUMENT', /groups \(2\) must divide the 3 output channels/);
    expectTensorError(() => conv2d(x, use(zeros([2, 4, 3, 3])), { groups: 0 }), 'INVALID_ARGUMENT', /groups/);
    expectTensorError(() => conv2d(x, use(zeros([2, 4, 7, 3]))), 'SHAPE_MISMATCH', /kernel \(7x3 with dilation\) is larger than the padded input \(5x5\)/);
    expectTensorError(() => conv2d(x, use(zeros([2, 4, 3, 3])), { dilation: 3 }), 'SHAPE_MISMATCH', /larger than the padded input/);
    expectTensorError(() => conv2d(x, use(zeros([2, 4, 3, 3])), { stride: 0 }), 'INVALID_ARGUMENT', /stride/);
    expectTensorError(() => conv2d(x, use(zeros([2, 4, 3, 3])), { stride: [1, -1] }), 'INVALID_ARGUMENT', /stride/);
    expectTensorError(() => conv2d(x, use(zeros([2, 4, 3, 3])), { padding: -1 }), 'INVALID_ARGUMENT', /padding/);
    expectTensorError(() => conv2d(x, use(zeros([2, 4, 3, 3])), { padding: [1, 2, 3] as unknown as number }), 'INVALID_ARGUMENT', /padding/);
    expectTensorError(() => conv2d(x, use(zeros([2, 4, 3, 3])), { padding: 'same', stride: 2 }), 'INVALID_ARGUMENT', /'same' needs stride 1/);
    expectTensorError(() => conv2d(x, use(zeros([2, 4, 3, 3])), { bias: use(zeros([3])) }), 'SHAPE_MISMATCH', /bias must have shape \[2\]/);
    expectTensorError(() => conv2d(use(zeros([4, 5, 5])), use(zeros([2, 4, 3])),), 'SHAPE_MISMATCH', /w must be/);
    expectTensorError(() => conv2d(use(zeros([5, 5])), use(zeros([2, 4, 3, 3]))), 'SHAPE_MISMATCH', /conv2d: input must be \[N, C, H, W\]/);
    if (ctx.float64()) expectTensorError(() => conv2d(x, use(zeros([2, 4, 3, 3], { dtype: 'float64' }))), 'DTYPE_MISMATCH', /w has dtype float64/);
    expectTensorError(() => conv2d(use(zeros([1, 4, 5, 5], { dtype: 'int32' })), use(zeros([2, 4, 3, 3], { dtype: 'int32' }))), 'DTYPE_MISMATCH', /float/);
  });
  leakFree('conv2dBackpropInput and conv2dBackpropFilter (the gradients of conv2d)', async (use) => {
    const one = use(ones([1, 1, 2, 2]));
    await expectTensor(use(conv2dBackpropInput(one, one, [1, 1, 3, 3], conv())), [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]);
    await expectTensor(use(conv2dBackpropFilter(use(ones([1, 1, 3, 3])), one, [1, 1, 2, 2], conv())), [[[[4, 4], [4, 4]]]]);
    const p1 = conv({ stride: [2, 1], padding: [1, 1, 0, 0], dilation: [1, 2] });
    const x1 = use(seq([2, 2, 5, 6], 17));
    const w1 = use(seq([3, 2, 3, 2], 18));
    const dy1 = use(seq([2, 3, 3, 4], 19));
    await expectTorch(use(conv2dBackpropInput(dy1, w1, [2, 2, 5, 6], p1)), 'conv2d.grad.dx');
    await expectTorch(use(conv2dBackpropFilter(x1, dy1, [3, 2, 3, 2], p1)), 'conv2d.grad.dw');
    const p2 = conv({ stride: [2, 2], padding: [1, 1, 1, 1], groups: 2 });
    const x2 = use(seq([1, 4, 5, 5], 20));
    const w2 = use(seq([2, 2, 3, 3], 21));
    const dy2 = use(seq([1, 2, 3, 3], 22));
    await expectTorch(use(conv2dBackpropInput(dy2, w2, [1, 4, 5, 5], p2)), 'conv2d.gradGroups.dx');
    await expectTorch(use(conv2dBackpropFilter(x2, dy2, [2, 2, 3, 3], p2)), 'conv2d.gradGroups.dw');
    expectTensorError(() => conv2dBackpropInput(dy1, w1, [2, 2, 7, 6], p1), 'SHAPE_MISMATCH', /conv2dBackpropInput: dy.shape=\[2,3,3,4\] does not match/);
    expectTensorError(() => conv2dBackpropInput(dy1, w1, [2, 2, 5], p1), 'INVALID_ARGUMENT', /xShape/);
    expectTensorError(() => conv2dBackpropInput(dy1, w1, [2, 3, 5, 6], p1), 'SHAPE_MISMATCH', /channels/);
    expectTensorError(() => conv2dBackpropInput(dy1, w1, [2, 2, 5, 6], { ...p1, stride: [0, 1] }), 'INVALID_ARGUMENT', /stride/);
    expectTensorError(() => conv2dBackpropFilter(x1, dy1, [3, 2, 1, 2], p1), 'SHAPE_MISMATCH', /conv2dBackpropFilter: dy.shape/);
    expectTensorError(() => conv2dBackpropFilter(x1, dy1, [3, 2, 3], p1), 'INVALID_ARGUMENT', /wShape/);
    if (ctx.float64()) expectTensorError(() => conv2dBackpropFilter(x1, use(zeros([2, 3, 3, 4], { dtype: 'float64' })), [3, 2, 3, 2], p1), 'DTYPE_MISMATCH');
    expectTensorError(() => conv2dBackpropFilter(x1, dy1, [3, 2, 3, 2], { ...p1, padding: [1, 1] as unknown as Conv2dParams['padding'] }), 'INVALID_ARGUMENT', /padding/);
  });
  leakFree('convTranspose2d (PyTorch weight layout [inC, outC/groups, kH, kW])', async (use) => {
    await expectTensor(use(convTranspose2d(use(ones([1, 1, 2, 2])), use(ones([1, 1, 2, 2])))), [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]);
    await expectTensor(use(convTranspose2d(use(tensor([[[1, 2]]])), use(tensor([[[[1, 10]]]])), { stride: 2 })), [[[1, 10, 2, 20]]]);
    await expectTorch(
      use(convTranspose2d(use(seq([1, 2, 3, 3], 23)), use(seq([2, 3, 3, 3], 24)), { stride: 2, padding: 1, outputPadding: 1, bias: use(seq([3], 25)) })),
      'convTranspose2d.basic',
    );
    await expectTorch(use(convTranspose2d(use(seq([2, 4, 3, 2], 26)), use(seq([4, 1, 2, 2], 27)), { stride: [1, 2], groups: 2, dilation: [2, 1] })), 'convTranspose2d.groups');
    const x = use(zeros([1, 2, 3, 3]));
    expectTensorError(() => convTranspose2d(x, use(zeros([3, 1, 2, 2]))), 'SHAPE_MISMATCH', /convTranspose2d: x has 2 channels/);
    expectTensorError(() => convTranspose2d(x, use(zeros([2, 1, 2, 2])), { groups: 3 }), 'INVALID_ARGUMENT', /groups \(3\) must divide the 2 input channels/);
    expectTensorError(() => convTranspose2d(x, use(zeros([2, 1, 2, 2])), { outputPadding: 1 }), 'INVALID_ARGUMENT', /outputPadding \[1,1\] must be smaller than the stride/);
    expectTensorError(() => convTranspose2d(x, use(zeros([2, 1, 1, 1])), { padding: 2 }), 'SHAPE_MISMATCH', /empty/);
    expectTensorError(() => convTranspose2d(x, use(zeros([2, 1, 2, 2])), { bias: use(zeros([2])) }), 'SHAPE_MISMATCH', /bias must have shape \[1\]/);
    expectTensorError(() => convTranspose2d(x, use(zeros([2, 1, 2]))), 'SHAPE_MISMATCH', /w must be/);
  });

  // ---------------------------------------------------------------- pooling
  leakFree('maxPool2d and maxPool2dBackward', async (use) => {
    const x = use(tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]));
    await expectTensor(use(maxPool2d(x, { kernelSize: 2 })), [[[[6, 8], [14, 16]]]]);
    await expectTensor(use(maxPool2d(x, { kernelSize: [1, 4] })), [[[[4], [8], [12], [16]]]]);
    await expectTensor(use(maxPool2d(x, { kernelSize: 3, stride: 1 })), [[[[11, 12], [15, 16]]]]);
    await expectTensor(use(maxPool2d(use(tensor([[[-1, -2], [-3, -4]]])), { kernelSize: 2, padding: 1 })), [[[-1, -2], [-3, -4]]]);
    await expectTensor(use(maxPool2d(use(tensor([[[[1, 5], [3, 2]]]], undefined, { dtype: 'int32' })), { kernelSize: 2 })), [[[[5]]]], { dtype: 'int32' });
    const s = use(seq([1, 2, 5, 5], 28));
    await expectTorch(use(maxPool2d(s, { kernelSize: 3, stride: 2, padding: 1 })), 'maxPool2d.pad');
    await expectTorch(use(maxPool2d(s, { kernelSize: 2, stride: 2, ceilMode: true })), 'maxPool2d.ceil');
    await expectTorch(use(maxPool2d(s, { kernelSize: 2, stride: 1, dilation: 2 })), 'maxPool2d.dilation');
    // Backward: the first maximum of each window receives the gradient.
    await expectTensor(use(maxPool2dBackward(use(ones([1, 1, 1, 1])), use(tensor([[[[1, 2], [3, 4]]]])), pool())), [[[[0, 0], [0, 1]]]]);
    await expectTensor(use(maxPool2dBackward(use(tensor([[[[5]]]])), use(tensor([[[[7, 7], [7, 7]]]])), pool())), [[[[5, 0], [0, 0]]]]);
    await expectTorch(use(maxPool2dBackward(use(seq([1, 2, 3, 3], 29)), s, pool({ kernelSize: [3, 3], padding: [1, 1, 1, 1], countIncludePad: false }))), 'maxPool2d.grad');
    expectTensorError(() => maxPool2d(x, { kernelSize: 5 }), 'SHAPE_MISMATCH', /maxPool2d: the output would be empty/);
    expectTensorError(() => maxPool2d(x, { kernelSize: 2, padding: 2 }), 'INVALID_ARGUMENT', /at most half/);
    expectTensorError(() => maxPool2d(x, { kernelSize: 0 }), 'INVALID_ARGUMENT', /kernelSize/);
    expectTensorError(() => maxPool2d(x, { kernelSize: 2, stride: 0 }), 'INVALID_ARGUMENT', /stride/);
    expectTensorError(() => maxPool2d(use(zeros([4, 4])), { kernelSize: 2 }), 'SHAPE_MISMATCH', /\[N, C, H, W\]/);
    expectTensorError(() => maxPool2d(use(zeros([1, 1, 2, 2], { dtype: 'bool' })), { kernelSize: 2 }), 'DTYPE_MISMATCH', /bool/);
    expectTensorError(() => maxPool2dBackward(use(ones([1, 1, 2, 1])), x, pool()), 'SHAPE_MISMATCH', /maxPool2dBackward: dy.shape=\[1,1,2,1\] must be the pooled shape \[1,1,2,2\]/);
    expectTensorError(() => maxPool2dBackward(use(ones([1, 1, 2, 2])), x, pool({ stride: [0, 2] })), 'INVALID_ARGUMENT', /stride/);
  });
  leakFree('avgPool2d and avgPool2dBackward (countIncludePad, ceilMode edge windows)', async (use) => {
    const x = use(tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]));
    await expectTensor(use(avgPool2d(x, { kernelSize: 2 })), [[[[3.5, 5.5], [11.5, 13.5]]]]);
    await expectTensor(use(avgPool2d(use(tensor([[[1, 2], [3, 4]]])), { kernelSize: 2, stride: 1, padding: 1 })), [[[0.25, 0.75, 0.5], [1, 2.5, 1.5], [0.75, 1.75, 1]]]);
    await expectTensor(use(avgPool2d(use(tensor([[[1, 2], [3, 4]]])), { kernelSize: 2, stride: 1, padding: 1, countIncludePad: false })), [[[1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4]]]);
    // Ceil mode: the last window of a 3-wide row holds one cell and divides by 1 (PyTorch).
    await expectTensor(use(avgPool2d(use(tensor([[[[1, 2, 3]]]])), { kernelSize: [1, 2], ceilMode: true })), [[[[1.5, 3]]]]);
    const s = use(seq([1, 2, 5, 5], 28));
    await expectTorch(use(avgPool2d(s, { kernelSize: 3, stride: 2, padding: 1 })), 'avgPool2d.pad');
    await expectTorch(use(avgPool2d(s, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false })), 'avgPool2d.padExclude');
    await expectTorch(use(avgPool2d(s, { kernelSize: 2, stride: 2, ceilMode: true })), 'avgPool2d.ceil');
    const s6 = use(seq([1, 1, 6, 6], 30));
    await expectTorch(use(avgPool2d(s6, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true })), 'avgPool2d.ceilPad');
    await expectTorch(use(avgPool2d(s6, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false })), 'avgPool2d.ceilPadExclude');
    // Backward spreads each gradient over its window.
    await expectTensor(use(avgPool2dBackward(use(ones([1, 1, 1, 1])), [1, 1, 2, 2], pool())), [[[[0.25, 0.25], [0.25, 0.25]]]]);
    await expectTorch(use(avgPool2dBackward(use(seq([1, 2, 3, 3], 31)), [1, 2, 5, 5], pool({ kernelSize: [3, 3], padding: [1, 1, 1, 1] }))), 'avgPool2d.grad');
    expectTensorError(() => avgPool2d(use(zeros([1, 1, 2, 2], { dtype: 'int32' })), { kernelSize: 2 }), 'DTYPE_MISMATCH', /avgPool2d: expected a float tensor/);
    expectTensorError(() => avgPool2d(x, { kernelSize: 2, padding: 2 }), 'INVALID_ARGUMENT', /at most half/);
    expectTensorError(() => avgPool2d(x, { kernelSize: 5 }), 'SHAPE_MISMATCH', /empty/);
    expectTensorError(() => avgPool2d(x, { kernelSize: 2, dilation: 2 } as never), 'INVALID_ARGUMENT', /dilation/);
    expectTensorError(() => avgPool2dBackward(use(ones([1, 1, 1, 1])), [1, 1, 4, 4], pool()), 'SHAPE_MISMATCH', /avgPool2dBackward: dy.shape=\[1,1,1,1\] must be the pooled shape \[1,1,2,2\]/);
    expectTensorError(() => avgPool2dBackward(use(ones([1, 1, 1, 1])), [1, 2, 2], pool()), 'INVALID_ARGUMENT', /xShape/);
  });
  leakFree('adaptiveAvgPool2d (PyTorch bins)', async (use) => {
    await expectTensor(use(adaptiveAvgPool2d(use(tensor([[[[1, 2, 3]]]])), [1, 2])), [[[[1.5, 2.5]]]]);
    await expectTensor(use(adaptiveAvgPool2d(use(tensor([[[1, 2], [3, 4]]])), 1)), [[[2.5]]]);
    await expectTorch(use(adaptiveAvgPool2d(use(seq([1, 2, 5, 7], 32)), [3, 4])), 'adaptiveAvgPool2d.general');
    await expectTorch(use(adaptiveAvgPool2d(use(seq([2, 1, 4, 6], 33)), [2, 3])), 'adaptiveAvgPool2d.divisible');
    await expectTorch(use(adaptiveAvgPool2d(use(seq([1, 1, 3, 2], 34)), [5, 3])), 'adaptiveAvgPool2d.up');
    expectTensorError(() => adaptiveAvgPool2d(use(zeros([1, 1, 2, 2])), 0), 'INVALID_ARGUMENT', /adaptiveAvgPool2d: outputSize/);
    expectTensorError(() => adaptiveAvgPool2d(use(zeros([1, 1, 0, 2])), 1), 'SHAPE_MISMATCH', /non-empty/);
    expectTensorError(() => adaptiveAvgPool2d(use(zeros([2, 2])), 1), 'SHAPE_MISMATCH');
    expectTensorError(() => adaptiveAvgPool2d(use(zeros([1, 1, 2, 2], { dtype: 'int32' })), 1), 'DTYPE_MISMATCH');
  });

  leakFree('float64 inputs compute in float64 (where the backend stores it)', async (use) => {
    if (!ctx.float64()) return;
    const f64 = (shape: readonly number[], salt: number): Tensor => {
      const x = seq(shape, salt);
      const y = x.cast('float64');
      x.dispose();
      return use(y);
    };
    // The generated values carry 9 significant digits.
    const tight = async (actual: Tensor, name: string): Promise<void> => {
      const c = TORCH[name]!;
      await expectTensor(actual, c.values, { shape: c.shape, dtype: 'float64', rtol: 1e-8, atol: 1e-8 });
    };
    await tight(use(matmul(f64([2, 1, 3, 4], 43), f64([3, 4, 2], 44))), 'matmul.broadcast');
    await tight(use(softmax(f64([2, 3, 4], 40), 1)), 'softmax.axis1');
    await tight(use(layerNorm(f64([2, 3, 4], 40), [3, 4], { weight: f64([3, 4], 41), bias: f64([3, 4], 42) })), 'layerNorm.affine');
    await tight(use(conv2d(f64([2, 3, 5, 5], 1), f64([4, 3, 3, 3], 2), { padding: 1, bias: f64([4], 3) })), 'conv2d.basic');
    await tight(use(convTranspose2d(f64([1, 2, 3, 3], 23), f64([2, 3, 3, 3], 24), { stride: 2, padding: 1, outputPadding: 1, bias: f64([3], 25) })), 'convTranspose2d.basic');
    await tight(use(avgPool2d(f64([1, 1, 6, 6], 30), { kernelSize: 3, stride: 2, padding: 1, ceilMode: true })), 'avgPool2d.ceilPad');
    await tight(use(adaptiveAvgPool2d(f64([1, 2, 5, 7], 32), [3, 4])), 'adaptiveAvgPool2d.general');
    await tight(use(resize(f64([1, 1, 3, 4], 37), [5, 7], { mode: 'bilinear' })), 'resize.bilinear');
  });

  // ---------------------------------------------------------------- resize
  leakFree('resize: nearest and bilinear (PyTorch interpolate)', async (use) => {
    await expectTensor(use(resize(use(tensor([[[[1, 2]]]])), [1, 4])), [[[[1, 1, 2, 2]]]]);
    await expectTensor(use(resize(use(tensor([[[[1, 2, 3, 4]]]])), [1, 2])), [[[[1, 3]]]]);
    await expectTensor(use(resize(use(tensor([[[[1, 2]]]], undefined, { dtype: 'int32' })), [2, 3])), [[[[1, 1, 2], [1, 1, 2]]]], { dtype: 'int32' });
    await expectTensor(use(resize(use(tensor([[[[0, 4]]]])), [1, 4], { mode: 'bilinear' })), [[[[0, 1, 3, 4]]]]);
    await expectTensor(use(resize(use(tensor([[[[0, 4]]]])), [1, 3], { mode: 'bilinear', alignCorners: true })), [[[[0, 2, 4]]]]);
    await expectTensor(use(resize(use(tensor([[[[1, 2], [3, 4]]]])), [2, 2], { mode: 'bilinear' })), [[[[1, 2], [3, 4]]]]);
    await expectTorch(use(resize(use(seq([1, 1, 3, 5], 35)), [5, 3])), 'resize.nearestDown');
    await expectTorch(use(resize(use(seq([1, 2, 2, 3], 36)), [4, 7], { mode: 'nearest' })), 'resize.nearestUp');
    await expectTorch(use(resize(use(seq([1, 1, 3, 4], 37)), [5, 7], { mode: 'bilinear' })), 'resize.bilinear');
    await expectTorch(use(resize(use(seq([1, 2, 5, 6], 38)), [2, 3], { mode: 'bilinear', alignCorners: false })), 'resize.bilinearDown');
    await expectTorch(use(resize(use(seq([1, 1, 3, 4], 39)), [5, 2], { mode: 'bilinear', alignCorners: true })), 'resize.bilinearCorners');
    const x = use(zeros([1, 1, 2, 2]));
    expectTensorError(() => resize(x, [0, 2]), 'INVALID_ARGUMENT', /resize: size must be \[outH, outW\]/);
    expectTensorError(() => resize(x, [2, 2], { mode: 'bicubic' as 'nearest' }), 'INVALID_ARGUMENT', /mode/);
    expectTensorError(() => resize(x, [2, 2], { alignCorners: true }), 'INVALID_ARGUMENT', /alignCorners/);
    expectTensorError(() => resize(use(zeros([1, 2, 2])), [2, 2]), 'SHAPE_MISMATCH', /\[N, C, H, W\]/);
    expectTensorError(() => resize(use(zeros([1, 1, 2, 2], { dtype: 'int32' })), [3, 3], { mode: 'bilinear' }), 'DTYPE_MISMATCH');
  });
}

// BEGIN GENERATED by scripts/gen-nn-expected.py (PyTorch 1.13.0a0, float64); do not edit by hand
const TORCH: Record<string, { shape: number[]; values: number[] }> = {
  'conv2d.basic': { shape: [2, 4, 5, 5], values: [0.40625, -3.0, 4.078125, -3.578125, -2.9375, 3.015625, 0.8125, -0.65625, -5.0, 0.96875, 3.921875, -1.140625, -3.6875, 0.953125, 1.890625, 3.390625, -5.96875, 0.109375, 4.03125, 1.375, 1.9375, -5.5625, 0.734375, 4.15625, 1.734375, -1.0, -1.75, -2.375, -2.28125, 0.734375, 0.0, 0.328125, -2.453125, 3.75, -3.234375, -2.390625, -1.0, -1.265625, 2.0625, -6.328125, -6.21875, 3.0625, -1.515625, -2.5, -2.59375, -4.625, 3.40625, -2.3125, -1.5625, -0.828125, -2.765625, 0.21875, 1.953125, 3.328125, -2.0625, 2.375, 4.15625, 1.859375, -4.390625, -0.25, 4.234375, 4.171875, -0.28125, -4.734375, 1.625, 4.65625, 1.3125, -3.859375, 0.3125, 2.0625, 3.546875, -1.640625, -2.84375, 3.5, 0.5625, -0.9375, 1.828125, -4.140625, -3.28125, 2.328125, -1.0, -2.4375, -1.015625, 0.046875, 3.09375, -2.4375, -1.4375, 1.421875, 0.6875, 1.3125, -5.3125, -3.3125, 2.421875, -1.546875, -1.90625, -3.375, -1.296875, 2.015625, -2.578125, -3.796875, -1.546875, 2.453125, -3.046875, -4.234375, 4.609375, -0.28125, -3.6875, 0.953125, 0.203125, 2.578125, -1.890625, 0.109375, 4.03125, -0.3125, -1.171875, -2.0625, 0.3125, 4.234375, -0.109375, -0.96875, -3.5, 0.953125, 4.375, 0.96875, -1.75, -1.0625, 0.25, -1.09375, 1.875, -3.484375, -4.234375, -1.265625, 2.0625, -4.671875, -5.078125, -0.875, -1.515625, -2.5, -0.96875, -4.578125, -0.75, -1.765625, -2.75, -1.21875, -4.796875, 0.8125, -2.15625, -1.40625, -0.296875, -4.21875, 1.9375, 1.28125, -2.375, -1.71875, 3.875, 2.953125, -0.28125, -4.734375, 0.875, 5.234375, 2.296875, -3.859375, 0.3125, 1.25, 2.4375, 2.0, -3.84375, 0.328125, 1.265625, 2.515625, 0.8125, -2.75, 3.59375, 0.953125, 2.65625, 0.265625, -0.5625, -0.0625, 4.75, -6.375, -1.359375, 1.421875, 0.6875, 5.34375, -6.015625, -5.3125, 2.421875, -1.546875, 2.03125, -4.203125, -5.3125, 2.34375, -1.625, 1.953125, -4.1875, -3.5, 2.046875, -2.546875, -0.671875, -1.609375] },
  'conv2d.asym': { shape: [1, 3, 3, 6], values: [0.671875, 0.59375, -3.296875, -0.921875, 2.171875, 0.25, 1.28125, -4.359375, 0.046875, 3.578125, -2.59375, 3.09375, -0.0625, 2.5625, -5.140625, -1.96875, 2.640625, -2.359375, -2.15625, -0.421875, 1.109375, 0.8125, 1.234375, -0.734375, 0.984375, -1.75, 2.34375, 2.328125, -2.359375, -1.421875, -1.71875, 1.296875, -0.03125, -2.921875, 3.171875, 1.46875, 1.484375, 0.0, 1.921875, -1.046875, -3.296875, 0.4375, 1.40625, 3.015625, -1.46875, -3.59375, 2.90625, 1.96875, 0.9375, -2.484375, 2.5625, 3.3125, -4.203125, 0.625] },
  'conv2d.same': { shape: [1, 6, 4, 4], values: [1.125, -0.15625, -2.734375, 0.234375, -1.125, 1.1875, 2.3125, -2.625, 1.296875, -0.34375, 3.765625, -0.09375, -0.046875, 0.34375, -2.109375, -2.109375, -1.4375, -2.328125, 2.96875, 1.296875, -1.40625, -1.21875, -1.5625, 2.875, 3.296875, -2.984375, -1.421875, 1.578125, 1.703125, -1.84375, -2.15625, 2.171875, 3.1875, 0.890625, 1.125, -0.15625, -1.6875, 2.84375, -1.125, 1.1875, -1.890625, 1.921875, 1.296875, -0.34375, -1.9375, 2.078125, -0.046875, 0.34375, 2.15625, -0.109375, -2.984375, -1.0, -1.875, 2.328125, 0.28125, -2.765625, 0.5625, -0.625, 1.75, -1.65625, 0.15625, -0.125, 0.6875, -1.421875, -2.640625, -1.28125, 1.921875, 2.5, 0.28125, -2.671875, 0.28125, 1.578125, 1.40625, -1.1875, -3.15625, 3.53125, 0.25, -0.734375, -0.296875, 0.125, -1.328125, 0.421875, 2.15625, -0.109375, 3.875, -1.203125, -1.875, 2.328125, -0.984375, 0.046875, 0.5625, -0.625, -0.734375, 0.8125, 0.15625, -0.125] },
  'conv2d.depthwise': { shape: [1, 3, 2, 2], values: [-0.34375, 1.53125, -0.890625, 0.421875, 0.84375, 0.15625, -2.734375, -0.609375, -0.46875, -1.375, 0.65625, 0.640625] },
  'conv2d.unbatched': { shape: [2, 3, 3], values: [0.921875, -1.265625, 1.21875, 2.953125, -2.46875, -1.0625, 0.3125, 1.359375, -2.265625, -2.5, 1.46875, 1.84375, -3.875, -0.625, 1.1875, -1.65625, -0.203125, -0.90625] },
  'conv1d.basic': { shape: [2, 3, 4], values: [0.5, 0.78125, -1.078125, 1.53125, 1.078125, 0.65625, -2.078125, -0.546875, -1.578125, -0.90625, 1.953125, 2.765625, 0.546875, 1.78125, 3.15625, 1.5, -3.078125, 0.5625, -1.8125, -0.46875, 2.640625, 1.859375, 2.203125, -1.359375] },
  'conv1d.same': { shape: [1, 2, 6], values: [0.15625, 0.421875, 0.203125, 0.34375, -0.6875, 0.1875, 0.0, 1.125, -0.140625, -1.40625, 0.5625, -0.703125] },
  'conv2d.grad.dx': { shape: [2, 2, 5, 6], values: [-0.953125, 2.0625, -1.859375, 1.5, -1.21875, -0.875, 3.859375, -1.609375, -2.15625, -1.546875, -1.609375, 1.234375, -0.75, -0.96875, 4.03125, -1.953125, -0.5625, -1.296875, -1.484375, 3.828125, -0.4375, -1.984375, 0.421875, -1.40625, 1.96875, -0.765625, -1.9375, 3.9375, -0.984375, -0.640625, -0.921875, -0.640625, 0.640625, -1.46875, 1.25, -1.140625, -1.625, 3.96875, -2.140625, 1.1875, 3.890625, -1.609375, 2.0, -0.953125, -1.6875, 0.515625, -0.765625, 1.15625, -1.53125, -1.6875, 5.0625, -2.03125, -2.296875, 4.0625, -0.828125, 1.96875, -2.21875, -1.8125, 1.53125, -0.859375, -0.921875, -0.78125, -1.671875, 3.84375, -1.0625, -0.71875, 3.921875, -2.625, 1.09375, 2.0625, -1.65625, 0.828125, -0.71875, -0.9375, 1.34375, -1.765625, 1.75, -1.140625, -1.421875, 3.890625, -1.859375, -2.328125, 3.96875, -1.8125, 2.0, -0.734375, -1.75, 4.125, -0.828125, -0.484375, -0.859375, 1.9375, 0.890625, -1.9375, 1.4375, -0.953125, -1.5, 0.140625, -1.640625, 2.046875, 1.03125, -1.953125, 2.0625, -0.890625, 1.078125, 0.765625, -1.296875, 1.34375, -1.40625, -1.5625, 0.890625, -2.25, -1.5625, 3.71875, -0.765625, 2.03125, -1.96875, -1.5625, 1.71875, -0.671875] },
  'conv2d.grad.dw': { shape: [3, 2, 3, 2], values: [-2.265625, 1.84375, 0.65625, 3.734375, -0.0625, 0.171875, 1.875, -2.28125, -2.046875, 0.671875, -0.140625, 0.09375, 0.828125, 2.90625, -1.890625, -6.890625, 4.109375, -4.15625, 2.890625, -3.296875, -1.421875, 6.515625, -4.15625, -4.15625, -0.03125, 0.015625, -0.484375, -1.703125, 0.015625, -0.21875, -0.046875, 0.0, -0.796875, -0.578125, 0.09375, -0.140625] },
  'conv2d.gradGroups.dx': { shape: [1, 4, 5, 5], values: [0.0, -1.265625, 0.0, 1.96875, 0.0, -0.25, -1.953125, 1.1875, -1.953125, -0.25, 0.0, 1.96875, 0.0, -1.265625, 0.0, -0.25, -0.15625, -0.25, 1.640625, -0.25, 0.0, 1.96875, 0.0, -1.265625, 0.0, 0.171875, 0.40625, -1.375, -0.53125, 1.03125, 0.484375, 0.734375, -2.25, 0.65625, 0.40625, -0.515625, -0.609375, 1.890625, 0.25, 0.34375, 0.546875, -1.65625, 0.328125, 0.0625, 0.46875, -1.203125, -0.546875, 1.203125, 0.3125, -0.34375, 0.171875, 2.09375, -0.046875, -1.21875, 0.09375, 1.234375, -1.9375, -0.28125, 1.859375, 0.0, -0.125, -1.375, 0.015625, -1.09375, 0.15625, -0.4375, 1.546875, -0.15625, -1.84375, 1.203125, -0.0625, -1.25, 0.078125, 1.90625, -0.140625, -1.71875, -0.359375, 0.46875, 0.421875, -0.9375, -2.15625, 0.765625, 0.421875, 0.53125, 0.84375, 1.25, 0.1875, -0.15625, 0.609375, -1.5625, 0.1875, 0.0625, 0.609375, 0.90625, -2.203125, 0.625, 0.375, -0.78125, -0.640625, 1.40625] },
  'conv2d.gradGroups.dw': { shape: [2, 2, 3, 3], values: [-1.53125, 1.71875, 0.65625, -0.5625, -0.03125, 0.921875, 0.0, -0.65625, 0.390625, -0.125, -4.125, 1.28125, 0.6875, -3.078125, 1.0, 0.859375, -1.03125, 0.46875, -0.390625, -1.15625, -0.125, -4.34375, 0.625, 1.625, -2.46875, 0.21875, 0.3125, -0.578125, -0.765625, 2.5, 2.421875, -0.078125, -0.6875, 2.1875, -1.109375, -0.484375] },
  'convTranspose2d.basic': { shape: [1, 3, 6, 6], values: [-0.34375, 0.171875, 2.265625, 0.71875, 0.203125, 2.140625, -0.84375, 3.921875, 2.9375, -0.015625, 1.6875, 1.296875, 2.8125, 1.8125, 0.75, 3.796875, -0.234375, 1.390625, 1.875, 3.25, 0.984375, 2.1875, -0.984375, 3.03125, 2.375, 0.9375, 0.3125, 1.484375, 2.921875, 1.0, 2.625, 1.125, 0.25, 1.046875, 2.546875, 0.625, 0.59375, 3.3125, -0.96875, -1.25, 1.0625, 1.203125, 2.21875, -1.125, -2.34375, -0.90625, 0.640625, 0.25, -0.5, -2.109375, 1.53125, -0.921875, 0.6875, 1.953125, 0.75, -1.90625, -0.21875, 1.1875, 2.046875, -2.203125, -0.875, -1.421875, 1.15625, 2.28125, -0.40625, -1.25, -0.625, 0.203125, 1.09375, 0.046875, -0.78125, 1.609375, -2.421875, -1.8125, 0.109375, -1.421875, -2.03125, -0.09375, -2.984375, 1.734375, 0.640625, -2.15625, -0.40625, -0.796875, 0.5, -0.640625, -1.640625, 1.546875, -2.34375, -0.71875, -0.375, 0.84375, -1.421875, -0.171875, -3.1875, 0.828125, 0.1875, -1.265625, -1.953125, -0.875, 0.578125, -1.34375, 0.4375, -1.078125, -2.015625, -1.3125, 0.203125, -1.71875] },
  'convTranspose2d.groups': { shape: [2, 2, 5, 4], values: [0.265625, -1.5625, -1.796875, 0.703125, 0.8125, -0.625, -1.25, 1.640625, 1.203125, 1.203125, 1.78125, -2.859375, -0.625, 0.8125, 0.9375, -1.5625, -1.09375, 0.734375, -0.25, 0.875, 0.84375, -0.4375, 0.703125, -1.28125, 0.921875, 0.03125, 0.78125, -0.8125, -2.515625, 1.8125, 1.546875, 1.234375, -1.9375, 0.046875, -0.25, 1.03125, 1.078125, -1.578125, -1.1875, 0.484375, -1.796875, 0.703125, 0.8125, -0.625, -1.25, 1.640625, 1.359375, 0.3125, 1.78125, -2.859375, -2.3125, 1.703125, 0.9375, -1.5625, -1.09375, 0.734375, -0.25, 0.875, 1.3125, -1.5, 0.703125, -1.28125, 0.921875, 0.03125, 0.78125, -0.8125, -1.515625, 1.21875, 1.546875, 1.234375, -1.21875, -1.140625, -0.25, 1.03125, 1.078125, -1.578125, -1.1875, 0.484375, 0.5, 1.46875] },
  'maxPool2d.pad': { shape: [1, 2, 3, 3], values: [-0.125, 0.5, 1.125, 0.125, 0.75, 1.375, 0.25, 0.875, 1.375, 0.5, 1.125, 0.0, 0.75, 1.375, 0.25, 0.875, 1.375, 0.375] },
  'maxPool2d.ceil': { shape: [1, 2, 3, 3], values: [-0.125, 0.5, 1.125, 0.125, 0.75, 1.375, 0.25, 0.875, -1.375, 0.5, 1.125, -1.125, 0.75, 1.375, -0.875, 0.875, 0.375, -0.75] },
  'maxPool2d.dilation': { shape: [1, 2, 3, 3], values: [0.625, -0.5, 1.25, 0.75, -0.375, 1.375, 0.875, -0.25, 1.25, 1.25, 0.125, 1.25, 1.375, 0.25, 1.375, 1.25, 0.375, 1.25] },
  'maxPool2d.grad': { shape: [1, 2, 5, 5], values: [0.0, 0.0, 0.0, 0.0, 0.0, 1.125, 0.0, 0.0, 0.0, -1.125, 0.0, 0.0, 0.0, 0.0, 0.0, 0.625, 0.0, -0.5, 0.0, 2.0, 0.125, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.375, 0.0, 1.375, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.875, 0.0, 1.25, -0.25, 0.0, -1.375, 0.0, 0.0, -0.75, 0.0] },
  'avgPool2d.pad': { shape: [1, 2, 3, 3], values: [-0.333333333, -0.347222222, 0.0833333333, -0.375, -0.333333333, 0.25, -0.166666667, -0.0972222222, -0.0694444444, -0.0555555556, 0.0694444444, -0.277777778, 0.0416666667, 0.291666667, -0.291666667, 0.111111111, 0.0, -0.111111111] },
  'avgPool2d.padExclude': { shape: [1, 2, 3, 3], values: [-0.75, -0.520833333, 0.1875, -0.5625, -0.333333333, 0.375, -0.375, -0.145833333, -0.15625, -0.125, 0.104166667, -0.625, 0.0625, 0.291666667, -0.4375, 0.25, 0.0, -0.25] },
  'avgPool2d.ceil': { shape: [1, 2, 3, 3], values: [-0.75, -0.125, 1.0625, -0.5, 0.125, 1.3125, -0.3125, 0.3125, -1.375, -0.125, 0.5, -1.1875, 0.125, 0.75, -0.9375, 0.3125, -0.5, -0.75] },
  'avgPool2d.ceilPad': { shape: [1, 1, 4, 4], values: [0.0, 0.152777778, -0.0694444444, -0.25, -0.0416666667, 0.166666667, -0.166666667, -0.166666667, 0.222222222, 0.0833333333, -0.25, -0.208333333, -0.0625, 0.0208333333, -0.145833333, 0.125] },
  'avgPool2d.ceilPadExclude': { shape: [1, 1, 4, 4], values: [0.0, 0.229166667, -0.104166667, -0.75, -0.0625, 0.166666667, -0.166666667, -0.333333333, 0.333333333, 0.0833333333, -0.25, -0.416666667, -0.1875, 0.0416666667, -0.291666667, 0.5] },
  'avgPool2d.grad': { shape: [1, 2, 5, 5], values: [0.111111111, 0.0972222222, -0.0138888889, -0.152777778, -0.138888889, 0.166666667, 0.0833333333, -0.0833333333, -0.0972222222, -0.0138888889, 0.0555555556, -0.0138888889, -0.0694444444, 0.0555555556, 0.125, 0.0555555556, -0.138888889, -0.194444444, 0.0, 0.194444444, 0.0, -0.125, -0.125, -0.0555555556, 0.0694444444, -0.0555555556, 0.0833333333, 0.138888889, 0.152777778, 0.0138888889, -0.166666667, 0.0555555556, 0.222222222, 0.194444444, -0.0277777778, -0.111111111, -0.0277777778, 0.0833333333, 0.0416666667, -0.0416666667, 0.0416666667, 0.152777778, 0.111111111, -0.0277777778, -0.138888889, 0.152777778, 0.180555556, 0.0277777778, -0.0694444444, -0.0972222222] },
  'adaptiveAvgPool2d.general': { shape: [1, 2, 3, 4], values: [0.03125, 0.0208333333, -0.3125, 0.15625, -0.0416666667, 0.0277777778, 0.0138888889, 0.0833333333, 0.125, 0.354166667, 0.0208333333, -0.46875, 0.1875, -0.0625, 0.0833333333, 0.3125, -0.125, -0.0555555556, 0.25, 0.0, -0.4375, -0.208333333, -0.0625, -0.3125] },
  'adaptiveAvgPool2d.divisible': { shape: [2, 1, 2, 3], values: [-0.1875, -0.28125, 0.34375, -0.03125, 0.59375, -0.21875, -0.59375, 0.03125, -0.0625, 0.28125, 0.1875, 0.09375] },
  'adaptiveAvgPool2d.up': { shape: [1, 1, 5, 3], values: [-0.625, 0.25, 1.125, -0.3125, -0.15625, 0.0, 0.0, -0.5625, -1.125, 0.3125, -0.25, -0.8125, 0.625, 0.0625, -0.5] },
  'resize.nearestDown': { shape: [1, 1, 5, 3], values: [0.75, -0.375, 0.25, 0.75, -0.375, 0.25, 0.875, -0.25, 0.375, 0.875, -0.25, 0.375, 1.0, -0.125, 0.5] },
  'resize.nearestUp': { shape: [1, 2, 4, 7], values: [-0.75, -0.75, -0.75, 1.0, 1.0, -0.125, -0.125, -0.75, -0.75, -0.75, 1.0, 1.0, -0.125, -0.125, -1.25, -1.25, -1.25, 0.5, 0.5, -0.625, -0.625, -1.25, -1.25, -1.25, 0.5, 0.5, -0.625, -0.625, 1.125, 1.125, 1.125, 0.0, 0.0, -1.125, -1.125, 1.125, 1.125, 1.125, 0.0, 0.0, -1.125, -1.125, 0.625, 0.625, 0.625, -0.5, -0.5, 1.25, 1.25, 0.625, 0.625, 0.625, -0.5, -0.5, 1.25, 1.25] },
  'resize.bilinear': { shape: [1, 1, 5, 7], values: [0.625, 0.223214286, -0.419642857, 0.375, 1.16964286, 0.526785714, 0.125, -0.025, -0.0160714286, -0.00178571429, 0.3, 0.601785714, 0.616071429, 0.625, -1.0, -0.375, 0.625, 0.1875, -0.25, 0.75, 1.375, -0.25, -0.241071429, -0.226785714, 0.075, 0.376785714, 0.391071429, 0.4, 0.25, -0.151785714, -0.794642857, -2.77555756e-17, 0.794642857, 0.151785714, -0.25] },
  'resize.bilinearDown': { shape: [1, 2, 2, 3], values: [0.328125, -0.484375, 0.140625, -0.015625, 0.25, -0.203125, -0.359375, 0.265625, -0.1875, -0.703125, -0.078125, 0.1875] },
  'resize.bilinearCorners': { shape: [1, 1, 5, 2], values: [0.5, 0.0, -0.3125, 0.625, -1.125, 1.25, -0.5, 0.4375, 0.125, -0.375] },
  'softmax.last': { shape: [2, 3, 4], values: [0.0516159354, 0.2970292, 0.0964312626, 0.554923602, 0.263197438, 0.0854476976, 0.491717549, 0.159637316, 0.0516159354, 0.2970292, 0.0964312626, 0.554923602, 0.263197438, 0.0854476976, 0.491717549, 0.159637316, 0.491018691, 0.159410429, 0.0517529893, 0.29781789, 0.108349648, 0.623509176, 0.202423792, 0.0657173836] },
  'softmax.axis1': { shape: [2, 3, 4], values: [0.193138476, 0.530728953, 0.193138476, 0.530728953, 0.67411952, 0.104506727, 0.67411952, 0.104506727, 0.132742004, 0.36476432, 0.132742004, 0.36476432, 0.193138476, 0.0599777953, 0.530728953, 0.193138476, 0.67411952, 0.209343075, 0.104506727, 0.67411952, 0.132742004, 0.730679129, 0.36476432, 0.132742004] },
  'logSoftmax.last': { shape: [2, 3, 4], values: [-2.96392483, -1.21392483, -2.33892483, -0.588924829, -1.33485081, -2.45985081, -0.709850815, -1.83485081, -2.96392483, -1.21392483, -2.33892483, -0.588924829, -1.33485081, -2.45985081, -0.709850815, -1.83485081, -0.711273085, -1.83627309, -2.96127309, -1.21127309, -2.2223918, -0.472391797, -1.5973918, -2.7223918] },
  'logSoftmax.axis0': { shape: [2, 3, 4], values: [-1.22344458, -0.126928011, -1.22344458, -0.126928011, -1.22344458, -1.22344458, -0.126928011, -1.22344458, -1.22344458, -1.22344458, -1.22344458, -0.126928011, -0.348444581, -2.12692801, -0.348444581, -2.12692801, -0.348444581, -0.348444581, -2.12692801, -0.348444581, -0.348444581, -0.348444581, -0.348444581, -2.12692801] },
  'layerNorm.affine': { shape: [2, 3, 4], values: [-1.56181819, -0.0302272861, -0.936818191, 1.04979166, -0.239015159, -1.50962122, 0.112973472, -0.702613643, 1.375, -0.241420465, -1.42102274, 0.292575746, -1.14427503, 1.70440158, 0.219601051, 1.33352512, -1.73825272, -0.948599925, 1.55312617, 0.608026436, 1.375, -1.6004027, -0.714374765, 1.44040083] },
  'layerNorm.last': { shape: [2, 3, 4], values: [-1.27733871, 0.605055177, -0.605055177, 1.27733871, 0.388046044, -1.35816115, 1.35816115, -0.388046044, -1.27733871, 0.605055177, -0.605055177, 1.27733871, 0.388046044, -1.35816115, 1.35816115, -0.388046044, 1.15208683, -0.185820457, -1.52372774, 0.55746137, -0.55746137, 1.52372774, 0.185820457, -1.15208683] },
  'matmul.broadcast': { shape: [2, 3, 3, 2], values: [0.078125, -1.71875, 2.109375, 0.078125, 0.546875, -1.71875, 0.796875, 0.796875, -1.5625, -1.796875, 0.75, 0.28125, 0.796875, 0.796875, -1.28125, -1.515625, 1.3125, 0.84375, -1.015625, 1.515625, -0.78125, 1.515625, -0.546875, -1.71875, 1.984375, -1.953125, -2.171875, 1.921875, 0.859375, 1.484375, 1.75, -2.1875, -2.125, 1.96875, 0.109375, 0.734375] },
};
// END GENERATED
