/**
 * Scalar math the standard library lacks: erf, round half to even, Python's modulo, integer
 * power with int32 wrap-around.
 */

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;

/**
 * erf to about 1e-15 (float64). For |x| < 2.5 the all-positive series
 * `erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1))` (no cancellation); above, the
 * continued fraction of erfc, evaluated bottom-up.
 */
export function erf(x: number): number {
  if (x !== x) return x;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    const twoX2 = 2 * x2;
    for (let n = 1; n < 200; n++) {
      term *= twoX2 / (2 * n + 1);
      sum += term;
      if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  if (ax >= 6) return x > 0 ? 1 : -1;
  const r = erfcLarge(ax);
  return x > 0 ? 1 - r : r - 1;
}

/** erfc(x) for x ≥ 2.5: e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))). */
function erfcLarge(x: number): number {
  let f = x;
  for (let k = 60; k >= 1; k--) f = x + k / 2 / f;
  return (ONE_OVER_SQRT_PI * Math.exp(-x * x)) / f;
}

/**
 * A faster erf for float32 outputs (absolute error below 2e-7): the Taylor series near zero,
 * where relative accuracy matters, and Abramowitz–Stegun 7.1.26 elsewhere.
 */
export function erfFast(x: number): number {
  const ax = Math.abs(x);
  if (ax < 0.5) {
    const x2 = x * x;
    // Σ (−1)ⁿ x^(2n+1) / (n!(2n+1)), n ≤ 7: truncation < 3e-10 relative at |x| = 0.5.
    return (
      TWO_OVER_SQRT_PI *
      x *
      (1 + x2 * (-1 / 3 + x2 * (1 / 10 + x2 * (-1 / 42 + x2 * (1 / 216 + x2 * (-1 / 1320 + x2 * (1 / 9360 + x2 * (-1 / 75600))))))))
    );
  }
  if (x !== x) return x;
  const t = 1 / (1 + 0.3275911 * ax);
  const y =
    1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-ax * ax);
  return x > 0 ? y : -y;
}

/** Rounds half to even (banker's rounding), as numpy and PyTorch. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round rounds halves up; step back to the even neighbour.
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Python's modulo: the result has the sign of the divisor. */
export function pyMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/** int32 power with wrap-around; negative exponents give the truncated reciprocal. */
export function intPow(base: number, exp: number): number {
  if (exp < 0) return base === 1 ? 1 : base === -1 ? (exp & 1 ? -1 : 1) : 0;
  let r = 1;
  let b = base | 0;
  let e = exp;
  while (e > 0) {
    if (e & 1) r = Math.imul(r, b);
    b = Math.imul(b, b);
    e = Math.floor(e / 2);
  }
  return r;
}

/** Float power; `1 ** x` is 1 even for NaN `x`, as C's `pow` (JavaScript says NaN). */
export function floatPow(a: number, b: number): number {
  return a === 1 ? 1 : Math.pow(a, b);
}
