//! The bounds table: the one statement of how close every function's value is to the exact
//! one. The harness, relent's tests, the benches, the fuzz oracles, relent-batch and the CLI
//! tests import it from here instead of restating the numbers.
//!
//! Every function promises `|value − exact| ≤ ε·S + A`: ε from [`epsilon`] (by element type
//! and [`Precision`]), S the function's scale ([`scale`], stated in words; the tests compute
//! it) and A the underflow allowance ([`UNDERFLOW`]·Σ(p + q), for the probability functions
//! whose tiny terms may underflow; 0 elsewhere).
//!
//! ```
//! use relent_simd::{bounds, Func, Precision};
//! assert_eq!(bounds::epsilon::<f64>(Precision::Default), bounds::HIGH);
//! assert_eq!(bounds::epsilon::<f32>(Precision::Default), bounds::DEFAULT_NARROW);
//! assert_eq!(bounds::epsilon::<f32>(Precision::High), 2f64.powi(-49));
//! assert!(bounds::scale(Func::Kl).contains("Σg"));
//! ```

use relent_scalar::Element;

use crate::{Func, Precision};

/// ε for `f64` inputs at any precision and for every input type at [`Precision::High`]: 2^-49.
pub const HIGH: f64 = 1.0 / (1u64 << 49) as f64;

/// ε for `f32`, `f16` and `bf16` inputs at [`Precision::Default`]: 2^-21.
pub const DEFAULT_NARROW: f64 = 1.0 / (1u64 << 21) as f64;

/// The underflow allowance per unit of mass: terms of size below ~2^-1022 relative to the
/// inputs may be lost, so the probability functions add `UNDERFLOW·Σ(p + q)` to `ε·S`.
pub const UNDERFLOW: f64 = 1.0 / (1u128 << 90) as f64;

/// The documented relative bound ε for element type `T` at `precision`.
///
/// ```
/// use relent_simd::{bounds, Precision};
/// assert_eq!(bounds::epsilon::<f32>(Precision::Default), 2f64.powi(-21));
/// ```
pub fn epsilon<T: Element>(precision: Precision) -> f64 {
    epsilon_named(T::NAME, precision)
}

/// [`epsilon`] by the element type's name (`"f64"`, `"f32"`, `"f16"`, `"bf16"`), for callers
/// that hold the type only as data (file readers, reports).
///
/// ```
/// use relent_simd::{bounds, Precision};
/// assert_eq!(bounds::epsilon_named("bf16", Precision::Default), bounds::DEFAULT_NARROW);
/// assert_eq!(bounds::epsilon_named("f64", Precision::Default), bounds::HIGH);
/// ```
pub fn epsilon_named(element: &str, precision: Precision) -> f64 {
    if element == "f64" || precision == Precision::High {
        HIGH
    } else {
        DEFAULT_NARROW
    }
}

/// The scale S of `func`'s bound `ε·S + A`, in words (g = p·ln(p/q) − p + q ≥ 0).
///
/// ```
/// use relent_simd::{bounds, Func};
/// assert_eq!(bounds::scale(Func::Jeffreys), "the value");
/// ```
pub fn scale(func: Func) -> &'static str {
    match func {
        Func::Kl => {
            "Σg + |KL| (the value itself when Σg ≲ |KL|: normalised inputs), plus the underflow allowance"
        }
        Func::KlNormalized
        | Func::CrossEntropy
        | Func::Entropy
        | Func::GeneralizedKl
        | Func::Jeffreys
        | Func::JsDivergence
        | Func::GaussianKlDiag
        | Func::GaussianKlDiagLogvar => "the value",
        Func::KlLog => "Σ e^lp·|lp − lq|",
        Func::KlLogits => "Σ pa·|la − lb| + |lse(a/t)| + |lse(b/t)|",
    }
}
