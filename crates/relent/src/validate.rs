//! Input validation for the checked API, shaped for kernels that validate in-kernel.
//!
//! A checked call runs in this order (see [`run`]):
//!
//! 1. [`shape`]: equal lengths, then non-empty (O(1));
//! 2. [`params`]: scalar parameters such as the temperature (O(1));
//! 3. the kernel (`relent-simd`) computes the value **and** a flag saying it saw an element
//!    outside the domain, raised from lane masks at almost no cost;
//! 4. only if the flag is set, [`first_invalid`] scans the arguments in order to find the
//!    first offending element and builds the [`Error::InvalidElement`];
//! 5. [`totals`]: functions that normalise refuse a slice whose total is zero — checked only
//!    when the kernel's value is NaN, ±∞ or 0, as an all-zero slice always makes it.
//!
//! So the valid path costs one pass over the data (the kernel's), and the error path finds the same first
//! offending element whatever the kernel, backend or thread count.

use relent_simd::Output;

use crate::{Element, Error, InvalidKind};

/// The set of values a slice argument may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Domain {
    /// Probabilities (or unnormalised masses): finite and ≥ 0; `-0.0` is fine.
    Probability,
    /// Natural-log probabilities and logits: anything but NaN and +∞ (−∞ is probability 0).
    Log,
    /// Finite numbers (Gaussian means, log-variances).
    Finite,
    /// Finite and > 0 (variances).
    Positive,
}

impl Domain {
    /// What is wrong with `x` in this domain, if anything. NaN is reported first, then
    /// infinities, then sign problems (so −∞ as a probability is `Infinite`).
    #[inline]
    pub(crate) fn check(self, x: f64) -> Option<InvalidKind> {
        if x.is_nan() {
            return Some(InvalidKind::NaN);
        }
        match self {
            Domain::Probability | Domain::Finite | Domain::Positive if x.is_infinite() => {
                Some(InvalidKind::Infinite)
            }
            Domain::Log if x == f64::INFINITY => Some(InvalidKind::Infinite),
            Domain::Probability | Domain::Positive if x < 0.0 => Some(InvalidKind::Negative),
            Domain::Positive if x == 0.0 => Some(InvalidKind::Zero),
            _ => None,
        }
    }
}

/// One slice argument of a checked function: its name (as in the signature), its data and
/// its domain.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Arg<'a, T> {
    pub(crate) name: &'static str,
    pub(crate) data: &'a [T],
    pub(crate) domain: Domain,
}

impl<'a, T> Arg<'a, T> {
    pub(crate) const fn new(name: &'static str, data: &'a [T], domain: Domain) -> Self {
        Arg { name, data, domain }
    }
}

/// Which arguments must not sum to zero (functions that normalise).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Totals {
    /// No normalisation: zero totals are fine.
    Any,
    /// Every argument must have a non-zero total: a non-zero element (probabilities) or a
    /// non-masked element (logits, −∞ is masked).
    NonZero,
}

/// Step 1: lengths (every argument against the first), then emptiness.
pub(crate) fn shape<T>(args: &[Arg<'_, T>]) -> Result<(), Error> {
    let first = &args[0];
    for a in &args[1..] {
        if a.data.len() != first.data.len() {
            return Err(Error::LengthMismatch {
                first: first.name,
                first_len: first.data.len(),
                second: a.name,
                second_len: a.data.len(),
            });
        }
    }
    if first.data.is_empty() {
        return Err(Error::Empty);
    }
    Ok(())
}

/// Step 2: scalar parameters must be finite and > 0.
pub(crate) fn params(params: &[(&'static str, f64)]) -> Result<(), Error> {
    for &(name, value) in params {
        if !(value.is_finite() && value > 0.0) {
            return Err(Error::InvalidParameter { name, value });
        }
    }
    Ok(())
}

/// Step 4 (error path only): the first offending element, arguments in order, lowest index
/// first, as an [`Error::InvalidElement`]. `None` if every element is valid.
pub(crate) fn first_invalid<T: Element>(args: &[Arg<'_, T>]) -> Option<Error> {
    args.iter().find_map(|a| {
        a.data.iter().enumerate().find_map(|(index, x)| {
            let value = x.to_f64();
            a.domain.check(value).map(|kind| Error::InvalidElement {
                arg: a.name,
                index,
                value,
                kind,
            })
        })
    })
}

/// Step 5: for functions that normalise, every argument needs a non-zero total. Assumes the
/// elements are valid.
pub(crate) fn totals<T: Element>(args: &[Arg<'_, T>], totals: Totals) -> Result<(), Error> {
    if totals == Totals::Any {
        return Ok(());
    }
    for a in args {
        let zero = match a.domain {
            Domain::Log => a.data.iter().all(|x| x.to_f64() == f64::NEG_INFINITY),
            _ => a.data.iter().all(|x| x.to_f64() == 0.0),
        };
        if zero {
            return Err(Error::ZeroTotal { arg: a.name });
        }
    }
    Ok(())
}

/// A whole checked call: shape, parameters, kernel, then the error path or the totals.
///
/// `kernel` runs once, on input whose shape and parameters are valid; its `invalid` flag
/// (raised in-kernel from lane masks) is the only validity test on the success path. Only when
/// it is set are the arguments scanned for the first offending element. The totals rule needs
/// no pass either: an all-zero (or all-masked) argument makes the kernel's value special —
/// NaN (0/0), +∞ (mass where the other side has none) or 0 (nothing to sum) — so the scan for
/// a non-zero element, which stops at the first one, runs only for such values.
pub(crate) fn run<T: Element>(
    args: &[Arg<'_, T>],
    parameters: &[(&'static str, f64)],
    needs: Totals,
    kernel: impl FnOnce() -> Output,
) -> Result<f64, Error> {
    shape(args)?;
    params(parameters)?;
    let out = kernel();
    if out.invalid {
        let err = first_invalid(args);
        debug_assert!(
            err.is_some(),
            "the kernel flagged an element that validation accepts"
        );
        // Unreachable (the kernel and `Domain::check` flag the same elements); `Empty` keeps
        // this path free of panics in release builds.
        return Err(err.unwrap_or(Error::Empty));
    }
    if needs == Totals::NonZero && !(out.value.is_finite() && out.value != 0.0) {
        totals(args, needs)?;
    }
    Ok(out.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        use Domain::*;
        use InvalidKind::*;
        assert_eq!(Probability.check(-0.0), None);
        assert_eq!(Probability.check(-1e-300), Some(Negative));
        assert_eq!(Probability.check(f64::NEG_INFINITY), Some(Infinite));
        assert_eq!(Probability.check(f64::INFINITY), Some(Infinite));
        assert_eq!(Probability.check(f64::NAN), Some(NaN));
        assert_eq!(Log.check(f64::NEG_INFINITY), None);
        assert_eq!(Log.check(f64::INFINITY), Some(Infinite));
        assert_eq!(Log.check(-5.0), None);
        assert_eq!(Finite.check(-5.0), None);
        assert_eq!(Finite.check(f64::NEG_INFINITY), Some(Infinite));
        assert_eq!(Positive.check(0.0), Some(Zero));
        assert_eq!(Positive.check(-0.0), Some(Zero));
        assert_eq!(Positive.check(-2.0), Some(Negative));
        assert_eq!(Positive.check(f64::MIN_POSITIVE / 4.0), None);
    }
}
