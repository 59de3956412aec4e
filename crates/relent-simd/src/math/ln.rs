//! The vector logarithm, built as a log-ratio core: `ln(p/q)` from the split exponents and
//! mantissas of `p` and `q`, so `p/q` is never formed (it cannot overflow or underflow) and
//! `p − q`-sized differences stay exact.
//!
//! Method (fdlibm's kernel, applied to a ratio of mantissas):
//! `p = mp·2^ep`, `q = mq·2^eq` with `m ∈ [1, 2)`; one mantissa is doubled if needed so that
//! `mp/mq ∈ [1/√2, √2]`, `k = ep − eq (± 1)`. With `s = (mp − mq)/(mp + mq)` (the numerator is
//! exact by Sterbenz, `|s| ≤ 3 − 2√2 ≈ 0.1716`, `z = s²`):
//! `ln(mp/mq) = 2·atanh(s) = 2s + s·z·P(z)` where `P` is fdlibm's degree-6 minimax polynomial
//! (`Lg1…Lg7`, error < 2^-58.45 on this range), and `ln(p/q) = k·ln2_hi + (2s + (s·z·P + k·ln2_lo))`.
//! One division per ratio. Subnormal inputs are pre-scaled by 2^54 (only on vectors that hold
//! one, see [`needs_sub`]) — except where the lanes' split handles them itself (AVX-512's
//! `vgetmantpd`/`vgetexppd`).
//!
//! # Accuracy
//! `ln(x)` (the ratio `x/1`): at most **2 ulp** (of `f64`) for every positive normal or
//! subnormal `f64` — measured 1.97 ulp over the stratified sweep `ln_f64_stratified_sweep`
//! (every binade incl. subnormals × 512 mantissa strata, plus 400 000 points around 1) and
//! 1.00 ulp over `f32` inputs (`ln_f32_strided_sweep`, every 997th bit pattern; the full sweep
//! `ln_every_f32` is `#[ignore]`d). The relative error of `2s` dominates (one rounding in
//! `mp + mq`, one in the
//! division). The same bound holds for `ln(p/q)` relative to `|ln(p/q)|` plus 2^-53·|k·ln 2|.

#![allow(clippy::excessive_precision)] // fdlibm's published digits, kept verbatim.

use crate::lanes::Lanes;

/// fdlibm's `Lg1…Lg7`: `P(z) ≈ (2·atanh(s) − 2s)/(s·z)`, minimax for `z ≤ 0.0294`.
pub(crate) const LG: [f64; 7] = [
    6.666666666666735130e-01,
    3.999999999940941908e-01,
    2.857142874366239149e-01,
    2.222219843214978396e-01,
    1.818357216161805012e-01,
    1.531383769920937332e-01,
    1.479819860511658591e-01,
];
/// ln 2 split so that `k·LN2_HI` is exact for |k| < 2^20.
pub(crate) const LN2_HI: f64 = 6.93147180369123816490e-01;
/// ln 2 − LN2_HI.
pub(crate) const LN2_LO: f64 = 1.90821492927058770002e-10;
const TWO54: f64 = 18_014_398_509_481_984.0;

/// The pieces of `ln(p/q)` that the kernels reuse.
#[derive(Clone, Copy)]
pub(crate) struct LogRatio<V> {
    /// `s = (mp − mq)/(mp + mq)`, `|s| ≤ 0.1716`.
    pub s: V,
    /// `s²`.
    pub z: V,
    /// `P(z)` (so that `atanh(s) = s + s·z·P(z)/2`).
    pub poly: V,
    /// The integer `k` with `p/q = 2^k·mp/mq` (as `f64`); `k = 0` ⇔ `p/q ∈ [1/√2, √2]`.
    pub k: V,
    /// `ln(p/q)`.
    pub ln: V,
}

/// Split with subnormal support when `SUB`: `x = m·2^e`, `m ∈ [1, 2)`, for positive finite `x`.
#[inline(always)]
fn frexp_full<L: Lanes, const SUB: bool>(l: L, x: L::V) -> (L::V, L::V) {
    if SUB {
        let tiny = l.lt(x, l.splat(f64::MIN_POSITIVE));
        let xs = l.select(tiny, l.mul(x, l.splat(TWO54)), x);
        let (m, e) = l.frexp(xs);
        (m, l.sub(e, l.select(tiny, l.splat(54.0), l.splat(0.0))))
    } else {
        l.frexp(x)
    }
}

/// Whether some lane has both `p`, `q` nonzero and one of them subnormal (then the slower
/// pre-scaling split is needed; zeros are handled by the callers' selects).
#[inline(always)]
pub(crate) fn needs_sub<L: Lanes>(l: L, p: L::V, q: L::V) -> bool {
    let m = l.min(p, q);
    l.any(l.and(l.lt(m, l.splat(f64::MIN_POSITIVE)), l.lt(l.splat(0.0), m)))
}

/// `P(z)` by Estrin's scheme (shorter dependency chain than Horner).
#[inline(always)]
fn poly<L: Lanes>(l: L, z: L::V) -> L::V {
    // No closure for the constants: closures do not inherit `#[target_feature]`.
    let z2 = l.mul(z, z);
    let z4 = l.mul(z2, z2);
    let a = l.fma(l.splat(LG[1]), z, l.splat(LG[0]));
    let b = l.fma(l.splat(LG[3]), z, l.splat(LG[2]));
    let d = l.fma(l.splat(LG[5]), z, l.splat(LG[4]));
    let ab = l.fma(b, z2, a);
    let dg = l.fma(l.splat(LG[6]), z2, d);
    l.fma(dg, z4, ab)
}

/// `ln(p/q)` and its pieces for positive finite `p`, `q` (`SUB` selects subnormal support).
#[inline(always)]
pub(crate) fn log_ratio_raw<L: Lanes, const SUB: bool>(l: L, p: L::V, q: L::V) -> LogRatio<L::V> {
    let (mp, ep) = frexp_full::<L, SUB>(l, p);
    let (mq, eq) = frexp_full::<L, SUB>(l, q);
    let r2 = l.splat(core::f64::consts::SQRT_2);
    let zero = l.splat(0.0);
    let one = l.splat(1.0);
    let hi = l.lt(l.mul(mq, r2), mp); // mp/mq > √2: double mq
    let lo = l.lt(l.mul(mp, r2), mq); // mp/mq < 1/√2: double mp
    let mq = l.add(mq, l.select(hi, mq, zero));
    let mp = l.add(mp, l.select(lo, mp, zero));
    let k = l.add(
        l.sub(ep, eq),
        l.sub(l.select(hi, one, zero), l.select(lo, one, zero)),
    );
    let s = l.div(l.sub(mp, mq), l.add(mp, mq));
    let z = l.mul(s, s);
    let poly = poly(l, z);
    let t = l.fma(k, l.splat(LN2_LO), l.mul(l.mul(s, z), poly));
    let ln = l.fma(k, l.splat(LN2_HI), l.add(l.add(s, s), t));
    LogRatio { s, z, poly, k, ln }
}

/// [`log_ratio_raw`] choosing the subnormal path per vector.
#[inline(always)]
pub(crate) fn log_ratio<L: Lanes>(l: L, p: L::V, q: L::V) -> LogRatio<L::V> {
    if !L::FREXP_SUBNORMAL && needs_sub(l, p, q) {
        log_ratio_raw::<L, true>(l, p, q)
    } else {
        log_ratio_raw::<L, false>(l, p, q)
    }
}

/// `ln(x)` for positive finite (normal or subnormal) lanes; other lanes unspecified.
#[inline(always)]
pub(crate) fn ln<L: Lanes>(l: L, x: L::V) -> L::V {
    log_ratio(l, x, l.splat(1.0)).ln
}

/// `g(p, q) = p·ln(p/q) − p + q` (≥ 0) from the log-ratio pieces, for positive finite `p`, `q`.
///
/// Inside the band `p/q ∈ [1/√2, √2]` (`k = 0`) it uses the cancellation-free form
/// `g = (p + q)·s²·(1 + s(1+s)·P(z)/2)` (from `(1+t)·log1p(t) − t` with `t = (p−q)/q`,
/// written in `s = (p−q)/(p+q)`), accurate to a few ulp relative however small `g` is;
/// outside it `fma(p, ln(p/q), q − p)`, where `g ≥ 0.05·p` bounds the cancellation to ~12×.
#[inline(always)]
pub(crate) fn g_from<L: Lanes>(l: L, p: L::V, q: L::V, r: &LogRatio<L::V>) -> L::V {
    let one = l.splat(1.0);
    let c = l.fma(
        l.mul(l.mul(r.poly, l.splat(0.5)), r.s),
        l.add(one, r.s),
        one,
    );
    let gb = l.mul(l.mul(l.add(p, q), r.z), c);
    let go = l.fma(p, r.ln, l.sub(q, p));
    l.select(l.eq(r.k, l.splat(0.0)), gb, go)
}

/// `g(p, q)` with the special values: `g(0, q) = q`, `g(p > 0, 0) = +∞`, `g(0, 0) = 0`.
#[inline(always)]
pub(crate) fn g<L: Lanes>(l: L, p: L::V, q: L::V) -> L::V {
    let r = log_ratio(l, p, q);
    let zero = l.splat(0.0);
    let v = g_from(l, p, q, &r);
    let v = l.select(l.eq(q, zero), l.splat(f64::INFINITY), v);
    l.select(l.eq(p, zero), q, v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::scalar::Scalar;
    use crate::testutil::{dd_ln, ulp_err};

    fn ln1(x: f64) -> f64 {
        ln(Scalar, x)
    }

    fn sweep_f32(step: usize) -> f64 {
        let mut worst = 0.0f64;
        let mut at = 0.0f32;
        let mut b: u32 = 1;
        while b < 0x7F80_0000 {
            let x = f32::from_bits(b);
            let e = ulp_err(ln1(f64::from(x)), dd_ln(f64::from(x)));
            if e > worst {
                worst = e;
                at = x;
            }
            b += step as u32;
        }
        println!("ln over f32 inputs (step {step}): max error {worst:.3} ulp (of f64) at {at:e}");
        worst
    }

    #[test]
    fn ln_f32_strided_sweep() {
        assert!(sweep_f32(997) <= 2.0);
    }

    #[test]
    #[ignore = "slow: full f32 sweep"]
    fn ln_every_f32() {
        assert!(sweep_f32(1) <= 2.0);
    }

    #[test]
    fn ln_f64_stratified_sweep() {
        // Every binade (subnormals included) × 2^12 mantissa strata, each with a pseudo-random
        // low part; plus the neighbourhood of 1 where ln is small.
        let mut worst = 0.0f64;
        let mut at = 0.0;
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut check = |x: f64| {
            let e = ulp_err(ln1(x), dd_ln(x));
            if e > worst {
                worst = e;
                at = x;
            }
        };
        for exp in 0u64..2047 {
            for hi in 0u64..(1 << 9) {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let bits = (exp << 52) | (hi << 43) | (seed >> 21);
                check(f64::from_bits(bits));
            }
        }
        for i in 1..200_000u64 {
            check(f64::from_bits(1.0f64.to_bits() + i * 7919));
            check(f64::from_bits(1.0f64.to_bits() - i * 7919));
        }
        println!("ln over f64 stratified sweep: max error {worst:.3} ulp at {at:e}");
        assert!(worst <= 2.0);
    }

    #[test]
    fn g_matches_definition() {
        let r = |p: f64, q: f64| g(Scalar, p, q);
        assert_eq!(r(0.0, 0.0), 0.0);
        assert_eq!(r(0.0, 0.5), 0.5);
        assert_eq!(r(0.5, 0.0), f64::INFINITY);
        assert_eq!(r(0.3, 0.3), 0.0);
        for &(p, q) in &[
            (1.0f64, 1.2f64),
            (1.0, 0.8),
            (1.0, 3.0),
            (0.25, 0.01),
            (1e-310, 3e-310),
        ] {
            let want = p * (p / q).ln() - p + q;
            assert!((r(p, q) - want).abs() <= 1e-12 * want.abs(), "{p} {q}");
        }
    }
}
