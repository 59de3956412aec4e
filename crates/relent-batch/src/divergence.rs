//! Which function of the relent family a batch call computes.
//!
//! One enum instead of one batch function per divergence: every operation of this crate takes a
//! [`Divergence`] and computes it for each pair of rows it visits. Each divergence names the
//! relent-simd function that computes it ([`Divergence::func`]): relent-simd's `Func` is the
//! one list of functions, and this enum (and the CLI's, through it) maps to it.

use relent_simd::Func;

use crate::{Error, InvalidKind};

/// A divergence between two vectors, computed per pair of rows.
///
/// Definitions are those of relent's contract (natural log; see the `relent` crate):
///
/// | variant | value for one pair `(p, q)` |
/// |---|---|
/// | `Kl` | Σ p·ln(p/q) |
/// | `CrossEntropy` | −Σ p·ln q |
/// | `GeneralizedKl` | Σ p·ln(p/q) − p + q |
/// | `Jeffreys` | Σ (p−q)·ln(p/q) |
/// | `JsDivergence` | ½KL(p‖m) + ½KL(q‖m), m = (p+q)/2 |
/// | `JsDistance` | √JsDivergence |
/// | `KlLog` | Σ e^lp·(lp − lq), from natural-log probabilities |
/// | `KlLogits { temperature: t }` | KL(softmax(a/t) ‖ softmax(b/t)) |
///
/// # Special values
/// A term with p = 0 is 0 (also when q = 0); p > 0 with q = 0 gives +∞. For `KlLog` and
/// `KlLogits`, −∞ is a masked entry (zero probability), never NaN. Probabilities must be finite
/// and non-negative; log-probabilities and logits must not be NaN or +∞ (otherwise
/// [`Error::InvalidElement`]). A `KlLogits` row whose logits are all −∞ has no softmax:
/// [`Error::ZeroTotal`].
///
/// ```
/// use relent_batch::{Divergence, MatRef, Options, row_paired};
/// let p = [0.5f64, 0.5];
/// let q = [0.25f64, 0.75];
/// let (p, q) = (MatRef::new(&p, 1, 2)?, MatRef::new(&q, 1, 2)?);
/// let kl = row_paired(Divergence::Kl, p, q, &Options::serial())?;
/// let expected = 0.5 * (0.5f64 / 0.25).ln() + 0.5 * (0.5f64 / 0.75).ln();
/// assert!((kl[0] - expected).abs() < 1e-15);
/// # Ok::<(), relent_batch::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Divergence {
    /// Kullback–Leibler divergence Σ p·ln(p/q).
    Kl,
    /// Cross-entropy −Σ p·ln q.
    CrossEntropy,
    /// Generalised KL Σ p·ln(p/q) − p + q, for unnormalised measures.
    GeneralizedKl,
    /// Jeffreys divergence KL(p‖q) + KL(q‖p).
    Jeffreys,
    /// Jensen–Shannon divergence (≤ ln 2 for probability vectors).
    JsDivergence,
    /// Jensen–Shannon distance, the square root of the divergence.
    JsDistance,
    /// KL from natural-log probabilities.
    KlLog,
    /// KL between the softmaxes of two logit vectors at a temperature (finite, > 0).
    KlLogits {
        /// The softmax temperature; must be finite and positive.
        temperature: f64,
    },
}

impl Divergence {
    /// Whether the inputs are log-domain values (log-probabilities or logits), for which −∞ is a
    /// valid, masked entry and only NaN and +∞ are invalid.
    ///
    /// ```
    /// use relent_batch::Divergence;
    /// assert!(Divergence::KlLog.is_log_domain());
    /// assert!(!Divergence::Kl.is_log_domain());
    /// ```
    pub fn is_log_domain(self) -> bool {
        matches!(self, Divergence::KlLog | Divergence::KlLogits { .. })
    }

    /// The relent-simd function whose kernel computes this divergence (the one list of
    /// functions, [`relent_simd::Func`], that every crate maps to). `JsDistance` is computed
    /// by the Jensen–Shannon kernel and its square root taken afterwards.
    ///
    /// One exhaustive `match` with no wildcard arm: a new divergence does not compile until it
    /// is mapped here.
    ///
    /// ```
    /// use relent_batch::Divergence;
    /// use relent_simd::Func;
    /// assert_eq!(Divergence::CrossEntropy.func(), Func::CrossEntropy);
    /// assert_eq!(Divergence::JsDistance.func(), Func::JsDivergence);
    /// assert_eq!(Divergence::KlLogits { temperature: 2.0 }.func(), Func::KlLogits);
    /// ```
    pub fn func(self) -> Func {
        match self {
            Divergence::Kl => Func::Kl,
            Divergence::CrossEntropy => Func::CrossEntropy,
            Divergence::GeneralizedKl => Func::GeneralizedKl,
            Divergence::Jeffreys => Func::Jeffreys,
            Divergence::JsDivergence | Divergence::JsDistance => Func::JsDivergence,
            Divergence::KlLog => Func::KlLog,
            Divergence::KlLogits { .. } => Func::KlLogits,
        }
    }

    /// Checks the divergence's parameters (the temperature of `KlLogits`).
    pub(crate) fn check(self) -> Result<(), Error> {
        if let Divergence::KlLogits { temperature } = self
            && !(temperature.is_finite() && temperature > 0.0)
        {
            return Err(Error::InvalidParameter {
                name: "temperature",
                value: temperature,
            });
        }
        Ok(())
    }

    /// Classifies one element for this divergence's domain; `None` when valid.
    #[inline]
    pub(crate) fn classify(self, x: f64) -> Option<InvalidKind> {
        if x.is_nan() {
            Some(InvalidKind::NaN)
        } else if self.is_log_domain() {
            (x == f64::INFINITY).then_some(InvalidKind::Infinite)
        } else if x.is_infinite() {
            Some(InvalidKind::Infinite)
        } else if x < 0.0 {
            Some(InvalidKind::Negative)
        } else {
            None
        }
    }
}
