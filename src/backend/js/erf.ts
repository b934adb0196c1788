// Float64 error function for exact GELU (JavaScript has no Math.erf); accurate to about 1e-15.

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;

/**
 * erf(x). Below |x| = 2.5 it sums the positive-term series
 * erf(x) = 2/sqrt(pi) e^(-x^2) sum_n 2^n x^(2n+1) / (2n+1)!!, which has no cancellation;
 * above, erfc comes from its continued fraction, which converges fast there.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax >= 6) return x > 0 ? 1 : -1; // erfc(6) ~ 2e-17: below float64 resolution of 1
  if (ax < 2.5) {
    const twoX2 = 2 * x * x;
    let term = x;
    let sum = x;
    for (let n = 0; n < 200; n++) {
      term *= twoX2 / (2 * n + 3);
      sum += term;
      if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x * x) * sum;
  }
  const complement = erfcContinuedFraction(ax);
  return x > 0 ? 1 - complement : complement - 1;
}

/** erfc(x) for x >= 2.5: e^(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated from the tail. */
function erfcContinuedFraction(x: number): number {
  let tail = x;
  for (let n = 60; n >= 1; n--) tail = x + n / 2 / tail;
  return (ONE_OVER_SQRT_PI * Math.exp(-x * x)) / tail;
}
