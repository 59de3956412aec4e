//! The accuracy the checked API promises against the reference (`relent_scalar`), as relative
//! error bounds: relent-simd's bounds table ([`relent_simd::bounds`]), named per input
//! precision for the oracles.
//!
//! `relent` computes with the SIMD kernels: 2^-49 for `f64` inputs and 2^-21 for `f32`,
//! `f16` and `bf16` inputs (`Precision::Default`), relative to the documented scale, plus the
//! underflow allowance [`UNDERFLOW`]·Σ(p + q) for the probability functions.

pub use relent_simd::bounds::UNDERFLOW;

/// Relative error bound of the checked API for `f64` inputs (the SIMD kernels: `2^-49`).
pub const REL_BOUND_F64: f64 = relent_simd::bounds::HIGH;

/// Relative error bound of the checked API for `f32`, `f16` and `bf16` inputs (the SIMD
/// kernels at `Precision::Default`: `2^-21`).
pub const REL_BOUND_F32: f64 = relent_simd::bounds::DEFAULT_NARROW;

/// Whether `got` is within `bound` of `want` relative to `scale` (the larger of |want| and
/// the sum of the absolute values of the terms, for sums that can cancel). Infinite values
/// must match exactly; NaN never matches.
pub fn within(got: f64, want: f64, bound: f64, scale: f64) -> bool {
    if got.is_nan() || want.is_nan() {
        return false;
    }
    if got == want {
        return true;
    }
    if want.is_infinite() || got.is_infinite() {
        return false;
    }
    (got - want).abs() <= bound * scale.max(want.abs())
}

#[cfg(test)]
mod tests {
    use super::within;

    #[test]
    fn within_is_strict() {
        assert!(within(1.0, 1.0, 0.0, 1.0));
        assert!(within(0.0, -0.0, 0.0, 0.0));
        assert!(!within(1.0 + f64::EPSILON, 1.0, 0.0, 1.0));
        assert!(within(1.0 + f64::EPSILON, 1.0, f64::EPSILON, 1.0));
        assert!(!within(f64::INFINITY, f64::MAX, 1.0, f64::INFINITY));
        assert!(!within(f64::NAN, f64::NAN, 1.0, 1.0));
        // Cancellation: the bound is relative to the terms, not to the small result.
        assert!(within(1e-10, 0.0, super::REL_BOUND_F32, 1e-3));
    }
}
