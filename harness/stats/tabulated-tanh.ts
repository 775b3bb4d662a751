/**
 * tanh from a table of Taylor polynomials, within 2 ulp of 1 (4.4e-16) of Math.tanh
 * everywhere (tested), and about twice as fast as anything built on Math.exp or
 * Math.expm1 in V8: the length-controlled bootstrap evaluates it about 10^8 times in a full
 * run (227 models x 1,000 refits x ~510 items), where it was half of the run's CPU time.
 *
 * [0, 20) is cut into intervals of width 1/32; on each, tanh is its degree-8 Taylor
 * polynomial about the midpoint, in v = 32 (|x| - midpoint), |v| <= 1/2 (computed exactly).
 * tanh's Taylor series about any real point converges within pi/2 (its poles are at
 * i pi/2 + k i pi), so the coefficients of u^n are at most about (2/pi)^n and the
 * truncation error is about (1/64 x 2/pi)^9 = 1e-18. The coefficients come from tanh' =
 * 1 - tanh^2 as a recurrence on the series (n + 1) a(n+1) = -sum a(i) a(n-i), from
 * a(0) = Math.tanh(midpoint). Beyond 20, tanh is 1 in double precision (from 19.06).
 */
const PER_UNIT = 32;
const DEGREE = 8;
const WIDTH = DEGREE + 1;
const LIMIT = 20 * PER_UNIT;

const COEFFICIENTS = (() => {
  const table = new Float64Array(LIMIT * WIDTH);
  const a = new Float64Array(WIDTH);
  for (let k = 0; k < LIMIT; k++) {
    a[0] = Math.tanh((k + 0.5) / PER_UNIT);
    a[1] = 1 - a[0] * a[0];
    for (let n = 1; n < DEGREE; n++) {
      let s = 0;
      for (let i = 0; i <= n; i++) s += a[i]! * a[n - i]!;
      a[n + 1] = -s / (n + 1);
    }
    // scaled to v: u = v / 32, so a(n) u^n = (a(n) / 32^n) v^n
    for (let n = 0; n < WIDTH; n++) table[k * WIDTH + n] = a[n]! / PER_UNIT ** n;
  }
  return table;
})();

export function tabulatedTanh(x: number): number {
  const s = (x < 0 ? -x : x) * PER_UNIT;
  if (s >= LIMIT) return x < 0 ? -1 : 1;
  const k = s | 0; // s < 640 (NaN: 0, and NaN comes out)
  const v = s - k - 0.5;
  const c = COEFFICIENTS;
  const o = k * WIDTH;
  const t =
    c[o]! +
    v *
      (c[o + 1]! +
        v *
          (c[o + 2]! +
            v *
              (c[o + 3]! +
                v * (c[o + 4]! + v * (c[o + 5]! + v * (c[o + 6]! + v * (c[o + 7]! + v * c[o + 8]!)))))));
  return x < 0 ? -t : t;
}
