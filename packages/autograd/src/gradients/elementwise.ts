/**
 * Gradient rules of the elementwise primitives. `x`/`a`/`b` are the op's inputs, `y` its output,
 * `dy` the gradient of `y`. Rounding ops (`sign`, `floor`, `ceil`, `round`) have zero gradient
 * (undefined). Ties follow PyTorch: `relu'(0) = 0`, `|x|'(0) = 0`, and `maximum`/`minimum` split
 * the gradient 0.5/0.5 where `a == b`.
 */
import { isFloat, where, type Tensor } from '@tessera/tensor-core';
import type { GradRule } from '../tape.js';
import { unbroadcast } from '../unbroadcast.js';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

const zero: GradRule = () => [undefined];

/** Weight of `a` where `a` wins a maximum/minimum: 1 where strictly better, 0.5 on ties, 0 elsewhere. */
function winWeight(a: Tensor, b: Tensor, better: 'greater' | 'less'): Tensor {
  const wins = a[better](b).cast(a.dtype);
  const ties = a.equal(b).cast(a.dtype).mul(0.5);
  return wins.add(ties);
}

/** Rules of the binary ops, reduced to the broadcast input shapes. */
function binary(f: (dy: Tensor, a: Tensor, b: Tensor, y: Tensor) => [Tensor | undefined, Tensor | undefined]): GradRule {
  return (dy, op) => {
    const [a, b] = op.inputs as [Tensor, Tensor];
    const [ga, gb] = f(dy, a, b, op.outputs[0]!);
    return [ga && op.needs[0] ? unbroadcast(ga, a.shape) : undefined, gb && op.needs[1] ? unbroadcast(gb, b.shape) : undefined];
  };
}

export const elementwiseRules: Record<string, GradRule> = {
  neg: (dy) => [dy.neg()],
  abs: (dy, { inputs: [x] }) => [dy.mul(x!.sign())],
  sign: zero,
  floor: zero,
  ceil: zero,
  round: zero,
  exp: (dy, { outputs: [y] }) => [dy.mul(y!)],
  log: (dy, { inputs: [x] }) => [dy.div(x!)],
  log1p: (dy, { inputs: [x] }) => [dy.div(x!.add(1))],
  expm1: (dy, { outputs: [y] }) => [dy.mul(y!.add(1))],
  sqrt: (dy, { outputs: [y] }) => [dy.div(y!.mul(2))],
  rsqrt: (dy, { inputs: [x], outputs: [y] }) => [dy.mul(y!).div(x!).mul(-0.5)],
  square: (dy, { inputs: [x] }) => [dy.mul(x!).mul(2)],
  reciprocal: (dy, { outputs: [y] }) => [dy.mul(y!.square()).neg()],
  sin: (dy, { inputs: [x] }) => [dy.mul(x!.cos())],
  cos: (dy, { inputs: [x] }) => [dy.mul(x!.sin()).neg()],
  tanh: (dy, { outputs: [y] }) => [dy.mul(y!.square().neg().add(1))],
  sigmoid: (dy, { outputs: [y] }) => [dy.mul(y!).mul(y!.neg().add(1))],
  relu: (dy, { inputs: [x] }) => [where(x!.greater(0), dy, 0)],
  erf: (dy, { inputs: [x] }) => [dy.mul(x!.square().neg().exp().mul(TWO_OVER_SQRT_PI))],
  softplus: (dy, { inputs: [x] }) => [dy.mul(x!.sigmoid())],
  gelu: (dy, { inputs: [x], attrs }) => {
    if (attrs.approximate === 'tanh') {
      const x2 = x!.square();
      const t = x!.add(x2.mul(x!).mul(0.044715)).mul(SQRT_2_OVER_PI).tanh();
      const dt = t.square().neg().add(1).mul(x2.mul(3 * 0.044715).add(1)).mul(SQRT_2_OVER_PI);
      return [dy.mul(t.add(1).mul(0.5).add(x!.mul(0.5).mul(dt)))];
    }
    const cdf = x!.mul(Math.SQRT1_2).erf().add(1).mul(0.5);
    const pdf = x!.square().mul(-0.5).exp().mul(INV_SQRT_2PI);
    return [dy.mul(cdf.add(x!.mul(pdf)))];
  },
  /** `clamp` as one op (when tensor-core records it so): the bounds themselves pass the gradient, as PyTorch. */
  clamp: (dy, { inputs: [x], attrs }) => {
    let inside = x!.equal(x!);
    if (typeof attrs.min === 'number') inside = inside.logicalAnd(x!.greaterEqual(attrs.min));
    if (typeof attrs.max === 'number') inside = inside.logicalAnd(x!.lessEqual(attrs.max));
    return [where(inside, dy, 0)];
  },
  cast: (dy, { inputs: [x] }) => [isFloat(x!.dtype) ? dy.cast(x!.dtype) : undefined],
  clone: (dy) => [dy],
  expand: (dy, { inputs: [x] }) => [unbroadcast(dy, x!.shape)],
  where: (dy, { inputs: [c, a, b], needs }) => [
    undefined,
    needs[1] ? unbroadcast(where(c!, dy, 0), a!.shape) : undefined,
    needs[2] ? unbroadcast(where(c!, 0, dy), b!.shape) : undefined,
  ],

  add: binary((dy) => [dy, dy]),
  sub: binary((dy) => [dy, dy.neg()]),
  mul: binary((dy, a, b) => [dy.mul(b), dy.mul(a)]),
  div: binary((dy, a, b) => [dy.div(b), dy.mul(a).div(b.square()).neg()]),
  // PyTorch's masks: no 0·∞ where the exponent is 0, nor where the base is 0 and the exponent >= 0.
  pow: binary((dy, a, b, y) => [
    where(b.equal(0), 0, dy.mul(b).mul(a.pow(b.sub(1)))),
    where(a.equal(0).logicalAnd(b.greaterEqual(0)), 0, dy.mul(y).mul(a.log())),
  ]),
  maximum: binary((dy, a, b) => {
    const w = winWeight(a, b, 'greater');
    return [dy.mul(w), dy.mul(w.neg().add(1))];
  }),
  minimum: binary((dy, a, b) => {
    const w = winWeight(a, b, 'less');
    return [dy.mul(w), dy.mul(w.neg().add(1))];
  }),
  mod: binary((dy, a, b) => [dy, dy.mul(a.div(b).floor()).neg()]),
  atan2: binary((dy, a, b) => {
    const r = a.square().add(b.square());
    return [dy.mul(b).div(r), dy.mul(a).div(r).neg()];
  }),
};
