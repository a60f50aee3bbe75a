/**
 * Gradient rules of the linear-algebra and neural-network primitives. Convolution's two backward
 * kernels are each other's adjoints, so conv2d, convTranspose2d (recorded as
 * `conv2dBackpropInput`) and the filter gradient all differentiate into one another.
 * `maxPool2d` routes the gradient to the first maximal cell of each window (PyTorch).
 *
 * Not differentiable again (second order): `maxPool2dBackward`; `avgPool2dBackward` only with
 * symmetric padding (no ceil mode).
 */
import {
  avgPool2d,
  avgPool2dBackward,
  conv2d,
  conv2dBackpropFilter,
  conv2dBackpropInput,
  matmul,
  maxPool2dBackward,
  TensorError,
  type Conv2dParams,
  type Pool2dParams,
  type Tensor,
} from '@tessera/tensor-core';
import type { GradRule } from '../tape.js';

/** conv2d's options from its kernel parameters. */
function convOptions(p: Conv2dParams): { stride: [number, number]; padding: [number, number, number, number]; dilation: [number, number]; groups: number } {
  return { stride: [...p.stride], padding: [...p.padding], dilation: [...p.dilation], groups: p.groups };
}

/** Sums a batched matmul gradient back to an operand whose batch was 1 (broadcast). */
function batchSum(g: Tensor, batch: number): Tensor {
  return batch === 1 && g.shape[0] !== 1 ? g.sum(0, true) : g;
}

/** The trailing axes a layerNorm normalized. */
function normAxes(x: Tensor, attrs: Readonly<Record<string, unknown>>): number[] {
  const n = (attrs.normalizedShape as readonly number[]).length;
  return Array.from({ length: n }, (_, i) => x.rank - n + i);
}

export const nnRules: Record<string, GradRule> = {
  // Recorded on rank-3 operands op(a) @ op(b) = [Ba, M, K] @ [Bb, K, N], Ba and Bb each 1 or B,
  // where op transposes the last two axes when attrs.transposeA/B says so. The gradients use the
  // kernel's transpose flags instead of materialising transposes.
  matmul: (dy, { inputs: [a, b], needs, attrs }) => {
    const tA = attrs.transposeA === true;
    const tB = attrs.transposeB === true;
    return [
      needs[0] ? batchSum(tA ? matmul(b!, dy, { transposeA: tB, transposeB: true }) : matmul(dy, b!, { transposeB: !tB }), a!.shape[0]!) : undefined,
      needs[1] ? batchSum(tB ? matmul(dy, a!, { transposeA: true, transposeB: tA }) : matmul(a!, dy, { transposeA: !tA }), b!.shape[0]!) : undefined,
    ];
  },
  softmax: (dy, { outputs: [y], attrs }) => [y!.mul(dy.sub(dy.mul(y!).sum(attrs.axis as number, true)))],
  logSoftmax: (dy, { outputs: [y], attrs }) => [dy.sub(y!.exp().mul(dy.sum(attrs.axis as number, true)))],
  // y = (x − mean)·rstd, so dx = rstd·(dy − mean(dy) − y·mean(dy·y)).
  layerNorm: (dy, { inputs: [x], outputs: [y], attrs }) => {
    const axes = normAxes(x!, attrs);
    const centered = x!.sub(x!.mean(axes, true));
    const rstd = centered.square().mean(axes, true).add(attrs.eps as number).rsqrt();
    return [rstd.mul(dy.sub(dy.mean(axes, true)).sub(y!.mul(dy.mul(y!).mean(axes, true))))];
  },
  // y = (x − mean)·rstd·w + b per channel (axis 1), rstd = (var + eps)^−½, xhat = (x − mean)·rstd:
  // dx = dy·w·rstd, dmean = −Σ dy·w·rstd, dvar = −½ Σ dy·w·xhat·rstd², dw = Σ dy·xhat, db = Σ dy.
  batchNorm: (dy, { inputs, attrs, needs }) => {
    const [x, mean, variance] = inputs as [Tensor, Tensor, Tensor];
    const w = attrs.weight ? inputs[3] : undefined;
    const statShape = x.shape.map((d, i) => (i === 1 ? d : 1));
    const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
    const rstd = variance.add(attrs.eps as number).rsqrt();
    const rstdB = rstd.reshape(statShape);
    const dyw = w ? dy.mul(w.reshape(statShape)) : dy;
    const needXhat = needs[2] || (w !== undefined && needs[3]);
    const xhat = needXhat ? x.sub(mean.reshape(statShape)).mul(rstdB) : undefined;
    const grads: (Tensor | undefined)[] = [
      needs[0] ? dyw.mul(rstdB) : undefined,
      needs[1] ? dyw.sum(axes).mul(rstd).neg() : undefined,
      needs[2] ? dyw.mul(xhat!).sum(axes).mul(rstd.square()).mul(-0.5) : undefined,
    ];
    if (w) grads.push(needs[3] ? dy.mul(xhat!).sum(axes) : undefined);
    if (attrs.bias) grads.push(needs[grads.length] ? dy.sum(axes) : undefined);
    return grads;
  },
  conv2d: (dy, { inputs: [x, w], attrs, needs }) => {
    const p = attrs.params as Conv2dParams;
    return [
      needs[0] ? conv2dBackpropInput(dy, w!, x!.shape, p) : undefined,
      needs[1] ? conv2dBackpropFilter(x!, dy, w!.shape, p) : undefined,
    ];
  },
  // out = Bi(d, w), the adjoint of conv2d in x: d' = conv2d(g, w), w' = Bf(g, d).
  conv2dBackpropInput: (g, { inputs: [d, w], attrs, needs }) => {
    const p = attrs.params as Conv2dParams;
    return [needs[0] ? conv2d(g, w!, convOptions(p)) : undefined, needs[1] ? conv2dBackpropFilter(g, d!, w!.shape, p) : undefined];
  },
  // out = Bf(x, d), the adjoint of conv2d in w: x' = Bi(d, g), d' = conv2d(x, g).
  conv2dBackpropFilter: (g, { inputs: [x, d], attrs, needs }) => {
    const p = attrs.params as Conv2dParams;
    return [needs[0] ? conv2dBackpropInput(d!, g, x!.shape, p) : undefined, needs[1] ? conv2d(x!, g, convOptions(p)) : undefined];
  },
  maxPool2d: (dy, { inputs: [x], attrs }) => [maxPool2dBackward(dy, x!, attrs.params as Pool2dParams)],
  avgPool2d: (dy, { inputs: [x], attrs }) => [avgPool2dBackward(dy, x!.shape, attrs.params as Pool2dParams)],
  avgPool2dBackward: (g, { attrs }) => {
    const p = attrs.params as Pool2dParams;
    if (p.padding[0] !== p.padding[1] || p.padding[2] !== p.padding[3] || p.dilation[0] !== 1 || p.dilation[1] !== 1) {
      throw new TensorError('GRADIENT_ERROR', 'avgPool2dBackward', 'second-order gradients of avgPool2d need symmetric padding (no ceilMode) and no dilation');
    }
    return [avgPool2d(g, { kernelSize: [...p.kernelSize], stride: [...p.stride], padding: [p.padding[0], p.padding[2]], countIncludePad: p.countIncludePad })];
  },
};
