/**
 * The few distribution functions the significance statistics need, accurate to about
 * 1e-15 (checked against scipy in test/stats/normal.test.ts): the standard normal CDF and
 * quantile, the complementary error function, the chi-square survival function with one
 * degree of freedom, and the binomial CDF. No dependency has them to that accuracy
 * (simple-statistics' errorFunction is good to about 1e-7).
 */

const SQRT_PI = Math.sqrt(Math.PI);

/**
 * erfc(x). For |x| < 2.5: 1 - erf(x), erf from its series with positive terms,
 * erf(x) = 2/sqrt(pi) e^(-x^2) sum_n (2x^2)^n x / (1*3*...*(2n+1)), which never cancels.
 * For x >= 2.5: the continued fraction
 * erfc(x) = e^(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))),
 * evaluated by the modified Lentz method, which keeps its relative accuracy in the tail.
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2.5) return 1 - erfSeries(x);
  if (x > 27) return 0; // below the smallest double
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 5000; k++) {
    const a = k / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? 1 / tiny : 1 / d;
    c = x + a / c;
    if (Math.abs(c) < tiny) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (SQRT_PI * f);
}

function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 500; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return (2 / SQRT_PI) * Math.exp(-x2) * sum;
}

/** The standard normal CDF, Phi(z) = erfc(-z/sqrt 2)/2. */
export function normalCdf(z: number): number {
  return erfc(-z / Math.SQRT2) / 2;
}

/**
 * The standard normal quantile, Phi^-1(p), for p in (0, 1): bisection to the last bit
 * on normalCdf, then a Newton step, in the lower tail (the upper by symmetry, where Phi
 * itself is too close to 1 to invert finely). NaN outside (0, 1).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return NaN;
  if (p > 0.5) return -normalQuantile(1 - p);
  let lo = -40;
  let hi = 0;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * Math.max(1, Math.abs(lo)); i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  const z = (lo + hi) / 2;
  const density = Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI);
  return density > 0 ? z - (normalCdf(z) - p) / density : z;
}

/** P(X > x) for X chi-square with one degree of freedom: erfc(sqrt(x/2)). */
export function chiSquare1Sf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x <= 0) return 1;
  return erfc(Math.sqrt(x / 2));
}

/** ln(n!) for a whole n >= 0: exact products below 20, Stirling's series above. */
export function logFactorial(n: number): number {
  if (n < 20) {
    let f = 1;
    for (let k = 2; k <= n; k++) f *= k;
    return Math.log(f);
  }
  const x = n + 1; // ln(n!) = lnGamma(n + 1)
  const x2 = x * x;
  const series = (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / (1188 * x2)) / x2) / x2) / x2) / x;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series;
}

/**
 * P(X <= k) for X ~ Binomial(n, p): the terms summed from the largest one down, each
 * obtained from its neighbour by the ratio of binomial coefficients, so no term
 * overflows and the sum keeps its relative accuracy.
 */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  const q = 1 - p;
  const logPmf = (j: number) =>
    logFactorial(n) - logFactorial(j) - logFactorial(n - j) + j * Math.log(p) + (n - j) * Math.log(q);
  // the pmf increases up to the mode; sum from min(k, mode) downwards, then upwards to k
  const mode = Math.min(k, Math.floor((n + 1) * p));
  const peak = logPmf(mode);
  let sum = 1;
  let term = 1;
  for (let j = mode; j > 0; j--) {
    term *= (j / (n - j + 1)) * (q / p);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  term = 1;
  for (let j = mode + 1; j <= k; j++) {
    term *= ((n - j + 1) / j) * (p / q);
    sum += term;
  }
  return Math.min(1, Math.exp(peak) * sum);
}
