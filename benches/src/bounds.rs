//! The documented error bounds: what relent promises, per function and element type.
//!
//! The benchmarks assert relent's rows against the oracle within these bounds before timing,
//! and the accuracy report flags any measured maximum above them, so the documented bound and
//! the measured one cannot drift apart silently.
//!
//! The numbers are relent-simd's bounds table, [`relent_simd::bounds`]
//! (`crates/relent-simd/src/bounds.rs`: ε = 2^-21 for `f32`/`f16`/`bf16` inputs at
//! `Precision::Default`, 2^-49 for `f64` inputs and at `Precision::High`, relative to each
//! function's scale S, `bounds::scale`); this module only arranges them per benchmarked
//! function and element type. The scales are those of the `# Accuracy` sections of
//! `relent_simd::{kl, js_divergence, cross_entropy, entropy, kl_logits}` (KL: the value when
//! `Σg ≲ |KL|`, e.g. normalised inputs; kl_logits: `Σ pa·|la − lb| + |lse(a)| + |lse(b)|`,
//! [`kl_logits_scale`]).
//!
//! `cargo xtask accuracy-report --check` fails when a relent row's measured maximum exceeds
//! its bound here ([`crate::accuracy::Row::violates_bound`]).

use crate::impls::Func;

/// The documented relative-error bound of relent's default precision for 16/32-bit inputs
/// ([`relent_simd::bounds::DEFAULT_NARROW`], 2^-21).
pub const DEFAULT_F32: f64 = relent_simd::bounds::DEFAULT_NARROW;
/// The documented relative-error bound for f64 inputs (always computed at high precision)
/// and for the `…-precise` rows ([`relent_simd::bounds::HIGH`], 2^-49).
pub const HIGH_F64: f64 = relent_simd::bounds::HIGH;

/// One documented bound: the maximum relative error of `func` on `dtype` inputs.
#[derive(Clone, Copy, Debug)]
pub struct Bound {
    /// The function.
    pub func: Func,
    /// The element type's name (`"f32"`, `"f64"`, `"f16"`, `"bf16"`).
    pub dtype: &'static str,
    /// The bound on |computed − exact| / |exact|.
    pub relative: f64,
    /// How the docs write it.
    pub text: &'static str,
}

macro_rules! table {
    ($($f:ident),*) => {
        &[$(
            Bound { func: Func::$f, dtype: "f32", relative: DEFAULT_F32, text: "2^-21" },
            Bound { func: Func::$f, dtype: "f16", relative: DEFAULT_F32, text: "2^-21" },
            Bound { func: Func::$f, dtype: "bf16", relative: DEFAULT_F32, text: "2^-21" },
            Bound { func: Func::$f, dtype: "f64", relative: HIGH_F64, text: "2^-49" },
        )*]
    };
}

/// The documented bounds (see the module docs for where each is stated).
pub const DOCUMENTED: &[Bound] = table!(Kl, Js, CrossEntropy, Entropy, KlLogits);

/// The bound an implementation of relent is judged by: the high-precision bound for the
/// `…-precise` rows (see [`crate::impls::PRECISE_SUFFIX`]) and for f64, else the default one.
pub fn for_impl(func: Func, dtype: &str, imp: &str) -> Option<Bound> {
    if imp.ends_with(crate::impls::PRECISE_SUFFIX) {
        documented(func, dtype).map(|b| Bound {
            relative: HIGH_F64,
            text: "2^-49",
            ..b
        })
    } else {
        documented(func, dtype)
    }
}

/// The documented bound for `func` on `dtype` inputs.
pub fn documented(func: Func, dtype: &str) -> Option<Bound> {
    DOCUMENTED
        .iter()
        .copied()
        .find(|b| b.func == func && b.dtype == dtype)
}

/// The scale that `kl_logits`' documented bound is relative to, over the logit rows `a`, `b`
/// at temperature 1: Σ p·|ln p − ln q| + |lse(a)| + |lse(b)| (the streaming form cancels the
/// two log-sum-exps, so its error is a fraction of them, not of a small KL). Evaluated in
/// plain `f64`: a scale needs no more than a few digits.
pub fn kl_logits_scale(a: &[f64], b: &[f64]) -> f64 {
    let lse = |v: &[f64]| {
        let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
    };
    let (la, lb) = (lse(a), lse(b));
    let terms: f64 = a
        .iter()
        .zip(b)
        .filter(|(x, _)| x.is_finite())
        .map(|(x, y)| ((x - la).exp() * ((x - la) - (y - lb))).abs())
        .filter(|t| t.is_finite())
        .sum();
    terms + la.abs() + lb.abs()
}

/// The relative bound (of the value `want`) that a bound `relative` to `scale` amounts to.
pub fn relative_to_value(relative: f64, scale: f64, want: f64) -> f64 {
    relative * (scale / want.abs()).max(1.0)
}

/// Relative error of `got` against `want`, for finite non-zero `want`; a NaN or non-finite
/// `got` counts as infinitely wrong.
pub fn relative_error(got: f64, want: f64) -> f64 {
    if !got.is_finite() {
        return f64::INFINITY;
    }
    ((got - want) / want).abs()
}

/// Whether `want` is a special value (0, ±∞, NaN) that must be returned exactly rather than
/// within a relative bound.
pub fn is_special(want: f64) -> bool {
    want == 0.0 || !want.is_finite()
}

/// Whether `got` agrees with the oracle's `want` within `bound` (special values exactly).
pub fn agrees(got: f64, want: f64, bound: f64) -> bool {
    if is_special(want) {
        got == want || (got.is_nan() && want.is_nan())
    } else {
        relative_error(got, want) <= bound
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_and_dtype_has_a_bound() {
        for f in Func::ALL {
            for d in ["f32", "f64", "f16", "bf16"] {
                assert!(documented(f, d).is_some(), "{f:?} {d}");
            }
        }
        assert_eq!(DEFAULT_F32, 2f64.powi(-21));
        assert_eq!(HIGH_F64, 2f64.powi(-49));
        // The table agrees with relent-simd's ε per element type and precision.
        use relent_simd::{Precision, bounds::epsilon_named};
        for b in DOCUMENTED {
            assert_eq!(
                b.relative,
                epsilon_named(b.dtype, Precision::Default),
                "{b:?}"
            );
            let high = for_impl(b.func, b.dtype, crate::impls::PRECISE_SUFFIX).unwrap();
            assert_eq!(
                high.relative,
                epsilon_named(b.dtype, Precision::High),
                "{b:?}"
            );
        }
    }

    #[test]
    fn agreement() {
        assert!(agrees(1.0 + 1e-7, 1.0, DEFAULT_F32));
        assert!(!agrees(1.0 + 1e-5, 1.0, DEFAULT_F32));
        assert!(agrees(0.0, 0.0, 0.0));
        assert!(!agrees(1e-30, 0.0, 1.0));
        assert!(agrees(f64::INFINITY, f64::INFINITY, 0.0));
        assert!(!agrees(1e300, f64::INFINITY, 1.0));
        assert!(!agrees(f64::NAN, 1.0, 1.0));
    }
}
