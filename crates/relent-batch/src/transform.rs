//! Row transforms: a row of non-negative weights, natural-log probabilities or logits turned
//! into the probabilities (`f64`) that a divergence of probabilities reads.
//!
//! A divergence without a kernel for its input's form — Jensen–Shannon of logits, Jeffreys of
//! counts, cross-entropy of log-probabilities — is computed in two steps: transform each row
//! into probabilities, then run the probability kernel on the transformed rows. This module is
//! the first step, shared by the `relent` command and the Python package:
//!
//! | transform | input row `x` | output `p̂` |
//! |---|---|---|
//! | [`Transform::Normalize`], [`normalize`] | weights ≥ 0 (counts, histograms) | xᵢ / Σx |
//! | [`Transform::Exp`], [`exp`] | natural-log probabilities | e^xᵢ |
//! | [`Transform::Softmax`], [`softmax`] | logits at a temperature t | e^((xᵢ − max x)/t) / Σⱼ e^((xⱼ − max x)/t) |
//!
//! Every row is computed in `f64` whatever the element type (widening is exact), by itself and
//! serially, in index order: the output depends only on the row's values, never on the thread
//! count or on [`Options`]. The functions validate their input and return the crate's
//! [`Error`] instead of panicking.
//!
//! # Accuracy
//!
//! Each output probability p̂ᵢ carries a relative error ηᵢ (u = 2^-53, first order):
//!
//! - normalisation, p̂ᵢ = xᵢ/Σx with Σx a compensated (Neumaier) sum, within 2u·Σx of the
//!   exact sum (Higham, *Accuracy and Stability of Numerical Algorithms*, §4.3), and one
//!   rounding of the division: |ηᵢ| ≤ 3u;
//! - e^x (the inputs are exact): |ηᵢ| ≤ 2u, one ulp of the platform's `exp` (glibc's is within
//!   one ulp; Rust does not promise more than the platform's libm);
//! - softmax, p̂ᵢ = e^αᵢ/Σe^α with αᵢ = (xᵢ − max x)/t ≤ 0: two roundings of αᵢ (relative
//!   error 2u, which `exp` turns into an error of 2u·|αᵢ| in e^αᵢ), one ulp of `exp` (2u), the
//!   same errors inside the sum (at most 2u·ᾱ + 2u relative, ᾱ = Σⱼ p̂ⱼ·|αⱼ|), the compensated
//!   sum (2u) and the division (u): |ηᵢ| ≤ (2|αᵢ| + 2ᾱ + 7)·u. Only αᵢ ≥ −745 give a
//!   non-zero p̂ᵢ, so |ηᵢ| ≤ 2987u.
//!
//! # Special values
//!
//! A probability below the smallest `f64` (2^-1074) after the transformation is 0:
//! log-probabilities below about −745, logits more than 745·t below their row's maximum,
//! weights below about 2^-1074·Σx. −∞ as a log-probability or a logit is probability 0
//! (masked), exactly. See each function for the rest.

use relent_scalar::Element;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::exec::{self, Ticker};
use crate::{Divergence, Error, InvalidKind, MatRef, Matrix, Operand, Options};

/// How a row becomes probabilities (see the [module docs](self) for the table, the accuracy
/// and the special values).
///
/// ```
/// use relent_batch::transform::Transform;
/// let mut p = [0.0; 3];
/// Transform::Normalize.apply(&[1.0f32, 3.0, 0.0], &mut p)?;
/// assert_eq!(p, [0.25, 0.75, 0.0]);
/// Transform::Softmax { temperature: 1.0 }.apply(&[0.0f64, 0.0, f64::NEG_INFINITY], &mut p)?;
/// assert_eq!(p, [0.5, 0.5, 0.0]);
/// # Ok::<(), relent_batch::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Transform {
    /// Each weight divided by the row's sum ([`normalize`]).
    Normalize,
    /// e^x of each natural-log probability ([`exp`]).
    Exp,
    /// softmax(x / t) of a row of logits ([`softmax`]).
    Softmax {
        /// The softmax temperature; must be finite and positive.
        temperature: f64,
    },
}

impl Transform {
    /// Transforms one row `x` into `out` (of the same length).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a temperature that is not finite and positive,
    /// [`Error::OutputLength`] if `out` is not as long as `x`, [`Error::Empty`] for an empty
    /// row, [`Error::InvalidElement`] (operand `P`, row 0) for the first element outside the
    /// transform's domain (see [`normalize`], [`exp`], [`softmax`]), then [`Error::ZeroTotal`]
    /// (operand `P`, row 0) for a row without mass. `out` is unspecified after an error.
    ///
    /// # Accuracy
    /// See the [module docs](self#accuracy).
    ///
    /// # Special values
    /// See the [module docs](self#special-values) and each function.
    ///
    /// ```
    /// use relent_batch::transform::Transform;
    /// let mut p = [0.0; 2];
    /// Transform::Exp.apply(&[0.0f64, f64::NEG_INFINITY], &mut p)?;
    /// assert_eq!(p, [1.0, 0.0]);
    /// # Ok::<(), relent_batch::Error>(())
    /// ```
    pub fn apply<T: Element>(self, x: &[T], out: &mut [f64]) -> Result<(), Error> {
        self.check()?;
        if out.len() != x.len() {
            return Err(Error::OutputLength {
                needed: x.len(),
                len: out.len(),
            });
        }
        if x.is_empty() {
            return Err(Error::Empty);
        }
        self.row(x, 0, out)
    }

    /// Transforms every row of `m` into a new `rows × cols` [`Matrix`].
    ///
    /// See [`Transform::rows_into`] (errors, determinism).
    ///
    /// ```
    /// use relent_batch::{MatRef, Options, transform::Transform};
    /// let counts = MatRef::new(&[1.0f32, 1.0, 2.0, 6.0], 2, 2)?;
    /// let p = Transform::Normalize.rows(counts, &Options::new())?;
    /// assert_eq!(p.row(0), &[0.5, 0.5]);
    /// assert_eq!(p.row(1), &[0.25, 0.75]);
    /// # Ok::<(), relent_batch::Error>(())
    /// ```
    pub fn rows<T: Element>(self, m: MatRef<'_, T>, opts: &Options<'_>) -> Result<Matrix, Error> {
        let mut out = Matrix::zeros(m.rows(), m.cols());
        self.rows_into(m, out.as_mut_slice(), opts)?;
        Ok(out)
    }

    /// Transforms every row of `m` into `out` (row-major, `rows × cols`, packed).
    ///
    /// Rows run in parallel as `opts` says; each is transformed by itself, so every output row
    /// equals [`Transform::apply`] on the same row, bit for bit, for any thread count.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`], [`Error::OutputLength`]; [`Error::InvalidElement`] or
    /// [`Error::ZeroTotal`] (operand `P`) of the lowest row that has one (within a row, an
    /// invalid element before the lack of mass). `out` is unspecified after an error.
    ///
    /// # Accuracy
    /// See the [module docs](self#accuracy).
    ///
    /// ```
    /// use relent_batch::{MatRef, Options, transform::Transform};
    /// let logits = MatRef::new(&[0.0f64, 0.0, 1.0, f64::NEG_INFINITY], 2, 2)?;
    /// let mut p = [0.0; 4];
    /// Transform::Softmax { temperature: 2.0 }.rows_into(logits, &mut p, &Options::serial())?;
    /// assert_eq!(p, [0.5, 0.5, 1.0, 0.0]);
    /// # Ok::<(), relent_batch::Error>(())
    /// ```
    pub fn rows_into<T: Element>(
        self,
        m: MatRef<'_, T>,
        out: &mut [f64],
        opts: &Options<'_>,
    ) -> Result<(), Error> {
        self.check()?;
        let (rows, cols) = (m.rows(), m.cols());
        if out.len() != rows * cols {
            return Err(Error::OutputLength {
                needed: rows * cols,
                len: out.len(),
            });
        }
        let bad = AtomicBool::new(false);
        let ticker = Ticker::new(opts, rows);
        let per_task = crate::rows::rows_per_task(cols);
        exec::for_each_chunk_mut(opts, out, per_task * cols, |start, chunk| {
            let row0 = start / cols;
            for (k, o) in chunk.chunks_mut(cols).enumerate() {
                if self.row(m.row(row0 + k), row0 + k, o).is_err() {
                    bad.store(true, Ordering::Relaxed);
                }
            }
            ticker.tick(chunk.len() / cols);
        });
        if bad.load(Ordering::Relaxed) {
            // Error path only: the lowest row's error, found in index order.
            let mut scratch = vec![0.0; cols];
            for (r, x) in m.iter_rows().enumerate() {
                self.row(x, r, &mut scratch)?;
            }
        }
        Ok(())
    }

    /// Checks the transform's parameter (the temperature of `Softmax`).
    fn check(self) -> Result<(), Error> {
        match self {
            Transform::Softmax { temperature } => Divergence::KlLogits { temperature }.check(),
            Transform::Normalize | Transform::Exp => Ok(()),
        }
    }

    /// Why `v` is not a valid input element; `None` when it is. Weights are probabilities
    /// (finite, ≥ 0); log-probabilities and logits may be −∞ but not NaN or +∞.
    fn classify(self, v: f64) -> Option<InvalidKind> {
        match self {
            Transform::Normalize => Divergence::Kl.classify(v),
            Transform::Exp | Transform::Softmax { .. } => Divergence::KlLog.classify(v),
        }
    }

    /// Validates and transforms row `row` (non-empty, `out` as long) of operand `P`.
    fn row<T: Element>(self, x: &[T], row: usize, out: &mut [f64]) -> Result<(), Error> {
        // A branch-free pass (NaN fails every comparison), the detailed scan only on failure.
        let fine = match self {
            Transform::Normalize => x.iter().fold(true, |ok, v| {
                ok & (0.0..f64::INFINITY).contains(&v.to_f64())
            }),
            Transform::Exp | Transform::Softmax { .. } => x
                .iter()
                .fold(true, |ok, v| ok & (v.to_f64() < f64::INFINITY)),
        };
        if !fine && let Some((col, value, kind)) = self.first_invalid(x) {
            return Err(Error::InvalidElement {
                operand: Operand::P,
                row,
                col,
                value,
                kind,
            });
        }
        let has_mass = match self {
            Transform::Normalize => normalize_unchecked(x, out),
            Transform::Exp => {
                exp_unchecked(x, out);
                true
            }
            Transform::Softmax { temperature } => softmax_unchecked(x, temperature, out),
        };
        if has_mass {
            Ok(())
        } else {
            Err(Error::ZeroTotal {
                operand: Operand::P,
                row,
            })
        }
    }

    /// The first invalid element of `x`: (column, value, kind).
    fn first_invalid<T: Element>(self, x: &[T]) -> Option<(usize, f64, InvalidKind)> {
        x.iter().enumerate().find_map(|(c, v)| {
            let v = v.to_f64();
            self.classify(v).map(|k| (c, v, k))
        })
    }
}

/// Normalises a row of weights: `out[i] = x[i] / Σx`, the sum compensated (Neumaier).
///
/// # Errors
/// [`Error::OutputLength`], [`Error::Empty`]; [`Error::InvalidElement`] (operand `P`, row 0)
/// for the first negative, NaN or infinite weight; [`Error::ZeroTotal`] for a row of zeros.
///
/// # Accuracy
/// |ηᵢ| ≤ 3u relative per probability (u = 2^-53; see the [module docs](self#accuracy)).
///
/// # Special values
/// Zeros stay 0. A sum beyond `f64::MAX` does not overflow: the row is then scaled by 2^-64
/// first (exact for every weight ≥ 2^-958; a smaller one is below 2^-1981 of the sum and gives
/// 0 either way). A weight below about 2^-1074·Σx gives 0.
///
/// ```
/// let mut p = [0.0; 4];
/// relent_batch::transform::normalize(&[2.0f32, 0.0, 1.0, 1.0], &mut p)?;
/// assert_eq!(p, [0.5, 0.0, 0.25, 0.25]);
/// let mut big = [0.0; 2];
/// relent_batch::transform::normalize(&[f64::MAX, f64::MAX], &mut big)?;
/// assert_eq!(big, [0.5, 0.5]);
/// # Ok::<(), relent_batch::Error>(())
/// ```
pub fn normalize<T: Element>(x: &[T], out: &mut [f64]) -> Result<(), Error> {
    Transform::Normalize.apply(x, out)
}

/// e^x of each natural-log probability: `out[i] = e^lp[i]`.
///
/// # Errors
/// [`Error::OutputLength`], [`Error::Empty`]; [`Error::InvalidElement`] (operand `P`, row 0)
/// for the first NaN or +∞.
///
/// # Accuracy
/// |ηᵢ| ≤ 2u relative (u = 2^-53), one ulp of the platform's `exp` (see the
/// [module docs](self#accuracy)).
///
/// # Special values
/// −∞ (probability 0) gives exactly 0; a value below about −745 gives 0 (underflow); a value
/// above ln(`f64::MAX`) ≈ 709.78 gives +∞ (e^lp is beyond the `f64` range).
///
/// ```
/// let mut p = [0.0; 3];
/// relent_batch::transform::exp(&[0.0f64, f64::NEG_INFINITY, 710.0], &mut p)?;
/// assert_eq!(p, [1.0, 0.0, f64::INFINITY]);
/// # Ok::<(), relent_batch::Error>(())
/// ```
pub fn exp<T: Element>(lp: &[T], out: &mut [f64]) -> Result<(), Error> {
    Transform::Exp.apply(lp, out)
}

/// softmax(x / t) of a row of logits: `out[i] = e^αᵢ / Σⱼ e^αⱼ` with αᵢ = (xᵢ − max x)/t ≤ 0
/// (so e^αᵢ never overflows), the sum compensated (Neumaier).
///
/// # Errors
/// [`Error::InvalidParameter`] for a temperature that is not finite and positive,
/// [`Error::OutputLength`], [`Error::Empty`]; [`Error::InvalidElement`] (operand `P`, row 0)
/// for the first NaN or +∞; [`Error::ZeroTotal`] for a row whose logits are all −∞ (no
/// softmax exists).
///
/// # Accuracy
/// |ηᵢ| ≤ (2|αᵢ| + 2ᾱ + 7)·u relative, ᾱ = Σⱼ p̂ⱼ·|αⱼ|, at most 2987u for a non-zero p̂ᵢ
/// (u = 2^-53; see the [module docs](self#accuracy)).
///
/// # Special values
/// A masked logit (−∞) gives exactly 0; a logit more than about 745·t below the row's maximum
/// gives 0 (underflow); the row's maximum gives a positive probability.
///
/// ```
/// let mut p = [0.0; 3];
/// relent_batch::transform::softmax(&[1.0f32, 1.0, f32::NEG_INFINITY], 0.5, &mut p)?;
/// assert_eq!(p, [0.5, 0.5, 0.0]);
/// # Ok::<(), relent_batch::Error>(())
/// ```
pub fn softmax<T: Element>(logits: &[T], temperature: f64, out: &mut [f64]) -> Result<(), Error> {
    Transform::Softmax { temperature }.apply(logits, out)
}

/// 2^-64: the scale of a row of weights whose sum overflows (exact for every weight ≥ 2^-958).
const OVERFLOW_SCALE: f64 = 1.0 / 18_446_744_073_709_551_616.0;

/// [`normalize`] on a valid row; false (and `out` unspecified) when the row sums to 0.
fn normalize_unchecked<T: Element>(x: &[T], out: &mut [f64]) -> bool {
    let s = compensated_sum(x.iter().map(|v| v.to_f64()));
    if s == 0.0 {
        return false;
    }
    if s.is_finite() {
        for (o, v) in out.iter_mut().zip(x) {
            *o = v.to_f64() / s;
        }
    } else {
        // Σx ≤ n·f64::MAX: scaled by 2^-64 it is finite for any slice that fits in memory.
        let s = compensated_sum(x.iter().map(|v| v.to_f64() * OVERFLOW_SCALE));
        for (o, v) in out.iter_mut().zip(x) {
            *o = (v.to_f64() * OVERFLOW_SCALE) / s;
        }
    }
    true
}

/// [`exp`] on a valid row.
fn exp_unchecked<T: Element>(lp: &[T], out: &mut [f64]) {
    for (o, v) in out.iter_mut().zip(lp) {
        *o = v.to_f64().exp();
    }
}

/// [`softmax`] on a valid row and temperature; false (and `out` unspecified) when every logit
/// is −∞.
fn softmax_unchecked<T: Element>(x: &[T], t: f64, out: &mut [f64]) -> bool {
    let m = x
        .iter()
        .map(|v| v.to_f64())
        .fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return false;
    }
    // α = (x − m) / t ≤ 0: e^α never overflows; −∞ (masked) gives exactly 0.
    for (o, v) in out.iter_mut().zip(x) {
        *o = ((v.to_f64() - m) / t).exp();
    }
    let s = compensated_sum(out.iter().copied());
    out.iter_mut().for_each(|v| *v /= s);
    true
}

/// Neumaier's compensated sum (Kahan–Babuška): within 2u·Σ|x| + O(n·u²)·Σ|x| of the exact
/// sum (Higham, *Accuracy and Stability of Numerical Algorithms*, §4.3), u = 2^-53.
fn compensated_sum(xs: impl Iterator<Item = f64>) -> f64 {
    let (mut s, mut c) = (0.0f64, 0.0f64);
    for x in xs {
        let t = s + x;
        c += if s.abs() >= x.abs() {
            (s - t) + x
        } else {
            (x - t) + s
        };
        s = t;
    }
    s + c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compensated_sum_recovers_lost_low_parts() {
        // Naive summation gives 0 here; the exact sum is 2.
        let xs = [1.0, 1e100, 1.0, -1e100];
        assert_eq!(compensated_sum(xs.into_iter()), 2.0);
        assert_eq!(compensated_sum([0.1f64; 10].into_iter()), 1.0);
    }

    #[test]
    fn overflow_scale_is_two_to_the_minus_64() {
        assert_eq!(OVERFLOW_SCALE, 2f64.powi(-64));
    }
}
