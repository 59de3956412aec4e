//! The vector exponential `e^x` and `e^x − 1 − x`, on `f64` lanes.
//!
//! Method: `x = k·ln2 + r`, `k = round(x/ln2)`, `|r| ≤ ln2/2` (Cody–Waite with fdlibm's
//! `ln2_hi`/`ln2_lo`, exact for the |k| ≤ 1100 used here); `e^r = 1 + r + r²·Q(r)` with
//! `Q(r) = Σ_{j=2}^{13} r^{j−2}/j!` (truncation < 2^-57 relative); `2^k` applied as two
//! factors `2^k1·2^k2` so that results in the subnormal range and overflow to +∞ come out right.
//! Inputs are clamped to `[-750, 710]` first (beyond which the result is 0 or +∞); `x = −∞`
//! gives 0.
//!
//! `e^x − 1 − x` reuses the structure: for `k = 0` it is exactly `r²·Q(r)`, relative-accurate
//! however small; otherwise `|x| > 0.34` and the plain form loses at most ~3 bits.
//!
//! # Accuracy
//! `exp`: at most **1 ulp** over the stratified sweep in `exp_sweep` (printed).

use crate::lanes::Lanes;
use crate::math::ln::{LN2_HI, LN2_LO};

/// `1/j!` for `j = 2..=13`.
const INV_FACT: [f64; 12] = [
    1.0 / 2.0,
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
    1.0 / 5040.0,
    1.0 / 40320.0,
    1.0 / 362880.0,
    1.0 / 3628800.0,
    1.0 / 39916800.0,
    1.0 / 479001600.0,
    1.0 / 6227020800.0,
];

/// `(k, r, r²·Q(r))` with `x = k·ln2 + r`, `x` clamped to `[-750, 710]`.
#[inline(always)]
fn reduce<L: Lanes>(l: L, x: L::V) -> (L::V, L::V, L::V) {
    reduce_in(l, x, -750.0, 710.0)
}

/// `(k, r, r²·Q(r))` with `x = k·ln2 + r`, `x` clamped to `[lo, hi]` (within ±2200, where
/// `x − k·LN2_HI` is exact: Sterbenz, and `k·LN2_HI` is exact for |k| < 2^20).
#[inline(always)]
fn reduce_in<L: Lanes>(l: L, x: L::V, lo: f64, hi: f64) -> (L::V, L::V, L::V) {
    let x = l.min(l.max(x, l.splat(lo)), l.splat(hi));
    let k = l.round(l.mul(x, l.splat(core::f64::consts::LOG2_E)));
    let r = l.fma(k, l.splat(-LN2_HI), x);
    let r = l.fma(k, l.splat(-LN2_LO), r);
    // Q by Estrin in r², then r²·Q.
    let r2 = l.mul(r, r);
    let r4 = l.mul(r2, r2);
    let r8 = l.mul(r4, r4);
    let c = INV_FACT;
    let p01 = l.fma(l.splat(c[1]), r, l.splat(c[0]));
    let p23 = l.fma(l.splat(c[3]), r, l.splat(c[2]));
    let p45 = l.fma(l.splat(c[5]), r, l.splat(c[4]));
    let p67 = l.fma(l.splat(c[7]), r, l.splat(c[6]));
    let p89 = l.fma(l.splat(c[9]), r, l.splat(c[8]));
    let pab = l.fma(l.splat(c[11]), r, l.splat(c[10]));
    let q03 = l.fma(p23, r2, p01);
    let q47 = l.fma(p67, r2, p45);
    let q8b = l.fma(pab, r2, p89);
    let q07 = l.fma(q47, r4, q03);
    let q = l.fma(q8b, r8, q07);
    (k, r, l.mul(r2, q))
}

/// `2^k·y` for integer `k ∈ [-1083, 1025]`, rounded once ([`Lanes::scale2`]: the same bits on every backend).
#[inline(always)]
fn scale<L: Lanes>(l: L, y: L::V, k: L::V) -> L::V {
    l.scale2(y, k)
}

/// `e^x` (NaN lanes give unspecified values).
#[inline(always)]
pub(crate) fn exp<L: Lanes>(l: L, x: L::V) -> L::V {
    let (k, r, c) = reduce(l, x);
    let er = l.add(l.splat(1.0), l.add(r, c));
    scale(l, er, k)
}

/// `Q(r) ≈ (e^r − 1 − r)/r²` on `|r| ≤ ln2/2 + 10^-4`, degree 4, minimax for the relative error
/// of `1 + r + r²Q(r)` against `e^r`: 2^-28.3.
const Q_SHORT: [f64; 5] = [
    0.499_999_934_403_639_43,
    0.166_665_205_213_524_18,
    0.041_668_389_343_226_91,
    0.008_368_730_270_851_71,
    0.001_381_457_102_715_990_2,
];

/// `e^x` to ~2^-27 relative (for the `f32` default bound of 2^-21): [`exp`] with a degree-4
/// polynomial and a one-step reduction (`k·ln2` with `ln 2` rounded to `f64`: 2^-43 absolute
/// in `r` for `|k| ≤ 1100`). Same range handling: `x` clamped to `[-750, 710]`, subnormal
/// results and overflow to +∞ right, `x = −∞` gives 0.
#[inline(always)]
pub(crate) fn exp_short<L: Lanes>(l: L, x: L::V) -> L::V {
    let x = l.min(l.max(x, l.splat(-750.0)), l.splat(710.0));
    let k = l.round(l.mul(x, l.splat(core::f64::consts::LOG2_E)));
    let r = l.fma(k, l.splat(-core::f64::consts::LN_2), x);
    let mut q = l.splat(Q_SHORT[4]);
    for &c in Q_SHORT[..4].iter().rev() {
        q = l.fma(q, r, l.splat(c));
    }
    let er = l.add(l.splat(1.0), l.fma(l.mul(r, r), q, r));
    scale(l, er, k)
}

/// `e^x·d` for lanes with `x ∈ [-1500, -600]` (others: unspecified) and finite `d`, without
/// rounding `e^x` on its own: where `e^x` is subnormal (x < −708.4) or below the subnormal
/// range, rounding it first and then multiplying by a large `|d|` would amplify an absolute
/// error of up to 2^-1075 by `|d|`. Computed as `(e^r·(d/16))·2^(k+4)` with `x = k·ln2 + r`:
/// the product of normal numbers is rounded relatively (≤ 1 ulp from `e^r`, ½ from the
/// product), then the power of two is applied in three factors ≤ 1, each of which may round
/// into the subnormal range once (≤ 2^-1075, scaled down by the later factors): ≤ 1.5·2^-1074
/// absolute in all. (`d/16` keeps the product finite for |d| up to `f64::MAX`; it is exact
/// unless |d| < 2^-1018, where the result underflows to 0 anyway.)
#[inline(always)]
pub(crate) fn exp_mul_tiny<L: Lanes>(l: L, x: L::V, d: L::V) -> L::V {
    let (k, r, c) = reduce_in(l, x, -1500.0, -600.0);
    let er = l.add(l.splat(1.0), l.add(r, c));
    let u = l.mul(er, l.mul(d, l.splat(1.0 / 16.0)));
    // k + 4 ∈ [-2160, -862], split into factors in [-1000, 0] (pow2i's range is ≥ -1022).
    let kk = l.add(k, l.splat(4.0));
    let k1 = l.max(kk, l.splat(-1000.0));
    let rest = l.sub(kk, k1);
    let k2 = l.max(rest, l.splat(-1000.0));
    let k3 = l.sub(rest, k2);
    l.mul(l.mul(l.mul(u, l.pow2i(k1)), l.pow2i(k2)), l.pow2i(k3))
}

/// `e^x − 1 − x` (≥ 0), relative-accurate near 0.
#[inline(always)]
pub(crate) fn expm1mx<L: Lanes>(l: L, x: L::V) -> L::V {
    let (k, r, c) = reduce(l, x);
    let er = l.add(l.splat(1.0), l.add(r, c));
    let big = l.sub(l.sub(scale(l, er, k), l.splat(1.0)), x);
    l.select(l.eq(k, l.splat(0.0)), c, big)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::scalar::Scalar;
    use crate::testutil::{dd_exp, ulp_err};

    #[test]
    fn exp_sweep() {
        let mut worst = 0.0f64;
        let mut at = 0.0;
        let mut seed = 12345u64;
        for i in 0..2_000_000u64 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (seed >> 11) as f64 / (1u64 << 53) as f64;
            let x = if i % 2 == 0 {
                -745.0 + u * (709.7 + 745.0)
            } else {
                (u - 0.5) * 2.0
            };
            let want = dd_exp(x);
            if want.0 < f64::MIN_POSITIVE {
                continue;
            }
            let e = ulp_err(exp(Scalar, x), want);
            if e > worst {
                worst = e;
                at = x;
            }
        }
        println!("exp: max error {worst:.3} ulp at {at:e}");
        assert!(worst <= 1.0);
        assert_eq!(exp(Scalar, f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(Scalar, 710.0), f64::INFINITY);
        assert_eq!(exp(Scalar, 0.0), 1.0);
    }

    /// `exp_short` over the same stratified sweep: ≤ 2^-27 relative (documented).
    #[test]
    fn exp_short_sweep() {
        let mut worst = 0.0f64;
        let mut seed = 777u64;
        for i in 0..2_000_000u64 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (seed >> 11) as f64 / (1u64 << 53) as f64;
            let x = if i % 2 == 0 {
                -708.0 + u * (709.7 + 708.0)
            } else {
                (u - 0.5) * 2.0
            };
            let want = dd_exp(x).0;
            worst = worst.max(((exp_short(Scalar, x) - want) / want).abs());
        }
        println!("exp_short: max relative error 2^{:.2}", worst.log2());
        assert!(
            worst <= 2f64.powi(-27),
            "exp_short off by 2^{:.2}",
            worst.log2()
        );
        assert_eq!(exp_short(Scalar, f64::NEG_INFINITY), 0.0);
        assert_eq!(exp_short(Scalar, 710.0), f64::INFINITY);
        assert_eq!(exp_short(Scalar, 0.0), 1.0);
    }

    #[test]
    fn expm1mx_small_and_large() {
        let mut worst = 0.0f64;
        for i in 1..100_000 {
            let x = (i as f64 - 50_000.0) * 1e-5;
            // Reference: the Taylor series Σ_{j≥2} x^j/j! summed smallest first (|x| < 0.5,
            // 30 terms: truncation < 2^-100 relative, rounding a few ulp).
            let mut terms = [0.0f64; 30];
            let mut t = x * x / 2.0;
            for (j, slot) in terms.iter_mut().enumerate() {
                *slot = t;
                t *= x / (j + 3) as f64;
            }
            let want: f64 = terms.iter().rev().sum();
            let got = expm1mx(Scalar, x);
            worst = worst.max(((got - want) / want).abs());
        }
        println!("expm1mx: max relative error {worst:e}");
        assert!(worst < 2f64.powi(-48));
    }
}
