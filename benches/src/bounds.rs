//! The documented error bounds: what relent promises, per function and element type.
//!
//! The benchmarks assert relent's rows against the oracle within these bounds before timing,
//! and the accuracy report flags any measured maximum above them, so the documented bound and
//! the measured one cannot drift apart silently.
//!
//! relent-simd exports no bounds table yet, so the table lives here and restates the bounds
//! as the docs state them:
//! - CONTRACT.md / DESIGN.md (`Precision::Default`: f32/f16/bf16 inputs ≤ 2^-21 relative
//!   error; `Precision::High` and f64 inputs ≤ 2^-49);
//! - the `# Accuracy` sections of `relent_simd::{kl, js_divergence, cross_entropy, entropy,
//!   kl_logits}` and the crate docs of relent-simd (`crates/relent-simd/src/lib.rs`), which
//!   state ≤ 2^-49 relative for every input type (KL: when `Σg ≲ |KL|`, e.g. normalised
//!   inputs; kl_logits: relative to `Σ pa·|la − lb| + |lse(a)| + |lse(b)|`).
//!
//! `cargo xtask accuracy-report --check` fails when a relent row's measured maximum exceeds
//! its bound here ([`crate::accuracy::Row::violates_bound`]).
//! TODO(lead): move this table next to the kernels (e.g. `relent_simd::BOUNDS`), test the API
//! docs against it, and import it here.

use crate::impls::Func;

/// The documented relative-error bound of relent's default precision for 16/32-bit inputs.
pub const DEFAULT_F32: f64 = 1.0 / (1u64 << 21) as f64;
/// The documented relative-error bound for f64 inputs (always computed at high precision).
pub const HIGH_F64: f64 = 1.0 / (1u64 << 49) as f64;

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
