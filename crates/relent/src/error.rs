//! The error type of the checked API: what went wrong, and where.
//!
//! Every checked function reports the first problem it finds, in a fixed order (see the
//! crate-level "Errors" section): lengths, then empty input, then scalar parameters, then the
//! first invalid element (arguments in order, lowest index first), then totals that must not
//! be zero. The messages name the argument and the index, so they can be shown as they are.

use core::fmt;

/// Why a checked function refused its input.
///
/// ```
/// let err = relent::kl(&[0.5f64, 0.5], &[1.0f64]).unwrap_err();
/// assert_eq!(
///     err,
///     relent::Error::LengthMismatch { first: "p", first_len: 2, second: "q", second_len: 1 }
/// );
/// assert_eq!(err.to_string(), "length mismatch: `p` has 2 elements but `q` has 1");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two slices that must have the same length do not. `first` is the function's first
    /// slice argument, `second` the first one whose length differs from it.
    #[error("length mismatch: `{first}` has {first_len} elements but `{second}` has {second_len}")]
    LengthMismatch {
        /// The name of the first slice argument (e.g. `"p"`).
        first: &'static str,
        /// Its length.
        first_len: usize,
        /// The name of the slice argument whose length differs (e.g. `"q"`).
        second: &'static str,
        /// Its length.
        second_len: usize,
    },
    /// The slices are empty: there is nothing to measure.
    #[error("empty input: the slices have no elements")]
    Empty,
    /// An element is outside the function's domain.
    #[error("invalid element: `{arg}[{index}]` = {value:?} is {kind}")]
    InvalidElement {
        /// The name of the slice argument (e.g. `"p"`, `"q"`, `"logits_a"`, `"var_q"`).
        arg: &'static str,
        /// The index of the first offending element in that slice.
        index: usize,
        /// The element's value, widened to `f64` (exactly).
        value: f64,
        /// What is wrong with it.
        kind: InvalidKind,
    },
    /// A function that normalises its input got a slice whose total is zero: all elements
    /// zero (probabilities) or all masked with −∞ (logits).
    #[error("zero total: every element of `{arg}` is zero (or masked), it cannot be normalised")]
    ZeroTotal {
        /// The name of the slice argument.
        arg: &'static str,
    },
    /// A scalar parameter is outside its domain (the temperature must be finite and > 0).
    #[error("invalid parameter: `{name}` = {value:?} must be finite and greater than 0")]
    InvalidParameter {
        /// The parameter's name (e.g. `"temperature"`).
        name: &'static str,
        /// Its value.
        value: f64,
    },
}

/// What is wrong with an element reported by [`Error::InvalidElement`].
///
/// ```
/// use relent::{Error, InvalidKind};
/// let err = relent::entropy(&[0.5f32, -0.25]).unwrap_err();
/// assert!(matches!(err, Error::InvalidElement { arg: "p", index: 1, kind: InvalidKind::Negative, .. }));
/// assert_eq!(InvalidKind::Negative.to_string(), "negative");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InvalidKind {
    /// Less than zero (a probability or a variance). `-0.0` is not negative.
    Negative,
    /// Not a number.
    NaN,
    /// Infinite: ±∞ for probabilities, means, variances and log-variances; +∞ for
    /// log-probabilities and logits (where −∞ is allowed and means probability zero).
    Infinite,
    /// Zero where a strictly positive value is required (a variance).
    Zero,
}

impl fmt::Display for InvalidKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InvalidKind::Negative => "negative",
            InvalidKind::NaN => "NaN",
            InvalidKind::Infinite => "infinite",
            InvalidKind::Zero => "zero (a variance must be greater than 0)",
        })
    }
}
