//! # relent — relative entropy, exactly
//!
//! relent computes the Kullback–Leibler divergence and its family (cross-entropy, entropy,
//! Jeffreys, Jensen–Shannon, KL from log-probabilities or logits, Gaussian KL) for `f32` and
//! `f64` slices (and `f16` / `bf16` with the `half` feature). Every function of this crate is
//! *checked*: it validates its input, returns a typed [`Error`] that names the offending
//! argument and index, and never panics. Results are `f64`, in nats; each function has a
//! `_bits` twin that reports bits.
//!
//! ```
//! let p = [0.5f64, 0.5];
//! let q = [0.25f64, 0.75];
//! let nats = relent::kl(&p, &q)?;
//! assert!((nats - 0.5 * (4.0f64 / 3.0).ln()).abs() < 1e-15);
//!
//! // Errors name what and where.
//! let err = relent::kl(&p, &[0.25f64, f64::NAN]).unwrap_err();
//! assert_eq!(err.to_string(), "invalid element: `q[1]` = NaN is NaN");
//! # Ok::<(), relent::Error>(())
//! ```
//!
//! ## The contract
//!
//! | function | definition (natural log; `_bits` twins divide by ln 2) |
//! |---|---|
//! | [`kl`]`(p, q)` | Σ p·ln(p/q) over the numbers as given (SciPy `rel_entr(p, q).sum()`) |
//! | [`kl_normalized`]`(p, q)` | KL(p/Σp ‖ q/Σq) without materialising (SciPy `entropy(p, q)`) |
//! | [`cross_entropy`]`(p, q)` | −Σ p·ln q |
//! | [`entropy`]`(p)` | −Σ p·ln p |
//! | [`generalized_kl`]`(p, q)` | Σ p·ln(p/q) − p + q (SciPy `kl_div` summed) |
//! | [`jeffreys`]`(p, q)` | KL(p‖q) + KL(q‖p) = Σ (p−q)·ln(p/q) (population stability index) |
//! | [`js_divergence`]`(p, q)` | ½KL(p‖m) + ½KL(q‖m), m = (p+q)/2 |
//! | [`js_distance`]`(p, q)` | √JS |
//! | [`kl_log`]`(lp, lq)` | Σ e^lp·(lp − lq) from natural-log probabilities |
//! | [`kl_logits`]`(logits_a, logits_b, t)` | KL(softmax(a/t) ‖ softmax(b/t)), fused and stable |
//! | [`gaussian::kl_diag`] | ½ Σ [ln(σq²/σp²) + (σp² + (μp−μq)²)/σq² − 1] |
//! | [`gaussian::kl_diag_logvar`] | the same with log-variances ln σ² as inputs |
//!
//! ## Domains
//!
//! | argument | allowed |
//! |---|---|
//! | probabilities `p`, `q` | finite and ≥ 0 (`-0.0` is fine); not necessarily normalised |
//! | log-probabilities `lp`, `lq` | anything but NaN and +∞; −∞ is probability 0 |
//! | logits `logits_a`, `logits_b` | anything but NaN and +∞; −∞ is a masked entry |
//! | `temperature` | finite and > 0 |
//! | Gaussian means, log-variances | finite |
//! | Gaussian variances | finite and > 0 |
//!
//! ## Special values
//!
//! The same for every function, every element type and (later) every kernel:
//!
//! - a term with p = 0 is 0, also when q = 0 (0·ln 0 = 0);
//! - p > 0 with q = 0 gives +∞ — a correct answer, not an error;
//! - masked logits (−∞) and log-probabilities of −∞ are probability zero, never NaN;
//! - no ε is ever added;
//! - KL of probability vectors, Jeffreys and JS are never negative, identical inputs give
//!   exactly 0, and JS ≤ ln 2 for probability vectors.
//!
//! ## Errors
//!
//! Every function returns `Result<f64, Error>`. The first problem is reported, in this
//! order, whatever the input:
//!
//! 1. [`Error::LengthMismatch`]: a slice's length differs from the first slice's;
//! 2. [`Error::Empty`]: the slices are empty;
//! 3. [`Error::InvalidParameter`]: the temperature is not finite and > 0;
//! 4. [`Error::InvalidElement`]: the first element outside its domain, scanning the
//!    arguments in signature order and each from index 0;
//! 5. [`Error::ZeroTotal`]: a function that normalises ([`kl_normalized`], [`kl_logits`])
//!    got an all-zero (or all-masked) slice.
//!
//! ## Accuracy
//!
//! For now every function computes through the reference implementation (`relent-scalar`):
//! the result is within 4 ulp (of `f64`) of the exact value of the definition applied to the
//! inputs as given. The SIMD kernels will come with their own documented bounds.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
pub mod gaussian;
mod validate;

pub use error::{Error, InvalidKind};

/// The examples of the repository's README, run as doc tests so that they stay correct.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
pub use relent_scalar::Element;

/// Many pairs at once, on every core: row-paired, one-vs-many, all-pairs (exact or by a
/// matrix product), top-k nearest, and one very long pair split across threads.
///
/// This is the `relent-batch` crate. Its inputs are checked like the single-pair API's
/// (shapes, and every element against the divergence's domain, reported by matrix, row and
/// column in [`batch::Error`]), and its results are bit-identical for any number of threads.
///
/// ```
/// use relent::batch::{Divergence, MatRef, Options};
/// let p = [0.5f32, 0.5, 0.9, 0.1];
/// let q = [0.25f32, 0.75, 0.5, 0.5];
/// let (p, q) = (MatRef::new(&p, 2, 2)?, MatRef::new(&q, 2, 2)?);
/// let kl = relent::batch::row_paired(Divergence::Kl, p, q, &Options::new())?;
/// assert_eq!(kl[1], relent::kl(&[0.9f32, 0.1], &[0.5, 0.5]).unwrap());
/// # Ok::<(), relent::batch::Error>(())
/// ```
pub use relent_batch as batch;

/// The `half` crate, whose `f16` and `bf16` are accepted as [`Element`]s.
#[cfg(feature = "half")]
pub use half;

use validate::{Arg, Domain, Totals};

/// The range a function's exact value lies in, whatever the (valid) input.
mod range {
    /// Any sign: the value is returned as computed.
    #[inline]
    pub(crate) fn any(v: f64) -> f64 {
        v
    }
    /// The exact value is ≥ 0 for every valid input (each term is ≥ 0, or the inputs are
    /// normalised): a computed value below 0 can only be rounding, and 0 is closer to the
    /// exact value, so it is returned instead. The contract's "never negative".
    #[inline]
    pub(crate) fn non_negative(v: f64) -> f64 {
        if v < 0.0 { 0.0 } else { v }
    }
}

/// The accuracy statement shared by every function (until the kernels land).
macro_rules! accuracy_doc {
    () => {
        "Within 4 ulp (of `f64`) of the exact value of the definition, evaluated on the inputs \
         as given (the bound of the reference implementation, `relent-scalar`, which computes \
         this function today; the SIMD kernels will document their own bounds)."
    };
}

/// What a domain allows, for the `# Errors` sections.
macro_rules! invalid_doc {
    (Probability) => {
        "negative, NaN or ±∞"
    };
    (Log) => {
        "NaN or +∞ (−∞ is allowed: probability zero)"
    };
}

/// The zero-total line of an `# Errors` section (by the totals rule and the first argument's
/// domain).
macro_rules! totals_doc {
    (Any $(, $dom:ident)*) => {
        ""
    };
    (NonZero, Probability $(, $dom:ident)*) => {
        "- [`Error::ZeroTotal`] if a slice is all zeros: it cannot be normalised."
    };
    (NonZero, Log $(, $dom:ident)*) => {
        "- [`Error::ZeroTotal`] if every logit of a row is masked (−∞): its softmax does not \
         exist."
    };
}

/// Generates a checked function and its `_bits` twin over the function of the same name in
/// `relent_scalar`, with specific docs: the hand-written summary and `# Special values`, and
/// generated `# Accuracy`, `# Errors` and example sections.
macro_rules! checked {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident, $bits:ident ( $($arg:ident : $dom:ident),+ $(; $par:ident)? ) $tot:ident $range:ident;
        example: $setup:literal, $call:literal, $check:literal;
        bits: $unit:literal, $factor:literal;
    )*) => {$(
        $(#[doc = $doc])*
        ///
        /// # Accuracy
        ///
        #[doc = accuracy_doc!()]
        ///
        /// # Errors
        ///
        #[doc = concat!("- [`Error::LengthMismatch`] if the slices (`", stringify!($($arg),+),
            "`) differ in length; [`Error::Empty`] if they are empty.")]
        $(
        #[doc = concat!("- [`Error::InvalidParameter`] if `", stringify!($par),
            "` is not finite and > 0.")]
        )?
        $(
        #[doc = concat!("- [`Error::InvalidElement`] if an element of `", stringify!($arg),
            "` is ", invalid_doc!($dom), ".")]
        )+
        #[doc = totals_doc!($tot $(, $dom)+)]
        ///
        /// # Example
        ///
        #[doc = concat!("```\n", $setup, "\nlet v = relent::", stringify!($name), "(", $call,
            ")?;\n", $check, "\n# Ok::<(), relent::Error>(())\n```")]
        pub fn $name<T: Element>($($arg: &[T]),+ $(, $par: f64)?) -> Result<f64, Error> {
            validate::run(
                &[$(Arg::new(stringify!($arg), $arg, Domain::$dom)),+],
                &[$((stringify!($par), $par))?],
                Totals::$tot,
                || relent_scalar::$name($($arg),+ $(, $par)?),
            )
            .map(range::$range)
        }

        #[doc = concat!("[`", stringify!($name), "`] in bits: the value ", $unit, ".")]
        ///
        #[doc = concat!("Same domain, special values and errors as [`", stringify!($name),
            "`]; +∞ stays +∞ and 0 stays 0.")]
        ///
        /// # Accuracy
        ///
        #[doc = accuracy_doc!()]
        ///
        /// # Errors
        ///
        #[doc = concat!("As [`", stringify!($name), "`].")]
        ///
        /// # Example
        ///
        #[doc = concat!("```\n", $setup, "\nlet bits = relent::", stringify!($bits), "(", $call,
            ")?;\nlet nats = relent::", stringify!($name), "(", $call, ")?;\n",
            "assert!((bits - nats / ", $factor, ").abs() <= 1e-15 * bits.abs());",
            "\n# Ok::<(), relent::Error>(())\n```")]
        pub fn $bits<T: Element>($($arg: &[T]),+ $(, $par: f64)?) -> Result<f64, Error> {
            validate::run(
                &[$(Arg::new(stringify!($arg), $arg, Domain::$dom)),+],
                &[$((stringify!($par), $par))?],
                Totals::$tot,
                || relent_scalar::$bits($($arg),+ $(, $par)?),
            )
            .map(range::$range)
        }
    )*};
}

checked! {
    /// Kullback–Leibler divergence KL(p ‖ q) = Σ p·ln(p/q), over the numbers as given
    /// (SciPy's `rel_entr(p, q).sum()`).
    ///
    /// The inputs are not normalised: for probability vectors the result is ≥ 0; for
    /// arbitrary non-negative masses it can be negative (use [`kl_normalized`] or
    /// [`generalized_kl`] for those).
    ///
    /// # Special values
    ///
    /// - a term with `p[i] = 0` is 0, also when `q[i] = 0`;
    /// - `p[i] > 0` with `q[i] = 0` gives +∞;
    /// - `kl(p, p)` is exactly 0.
    fn kl, kl_bits(p: Probability, q: Probability) Any any;
    example: "let p = [0.5f64, 0.5];\nlet q = [0.25f64, 0.75];",
        "&p, &q",
        "assert!((v - 0.5 * (4.0f64 / 3.0).ln()).abs() < 1e-15);\n\
         // Mass where q has none: +∞, not an error.\n\
         assert_eq!(relent::kl(&[0.5f32, 0.5], &[1.0f32, 0.0])?, f64::INFINITY);";
    bits: "divided by ln 2", "std::f64::consts::LN_2";

    /// KL divergence of the normalised inputs, KL(p/Σp ‖ q/Σq), computed without
    /// materialising the normalised vectors (SciPy's `entropy(p, q)`).
    ///
    /// Use it for histograms and counts. The result is ≥ 0 and does not change when `p` or
    /// `q` is scaled by a positive constant.
    ///
    /// # Special values
    ///
    /// - a term with `p[i] = 0` is 0, also when `q[i] = 0`;
    /// - `p[i] > 0` with `q[i] = 0` gives +∞;
    /// - `kl_normalized(p, p)` is exactly 0.
    fn kl_normalized, kl_normalized_bits(p: Probability, q: Probability) NonZero non_negative;
    example: "let counts_p = [2.0f64, 2.0];\nlet counts_q = [1.0f64, 3.0];",
        "&counts_p, &counts_q",
        "assert!((v - 0.5 * (4.0f64 / 3.0).ln()).abs() < 1e-15);";
    bits: "divided by ln 2", "std::f64::consts::LN_2";

    /// Cross-entropy H(p, q) = −Σ p·ln q.
    ///
    /// Equals [`entropy`]`(p) + `[`kl`]`(p, q)`.
    ///
    /// # Special values
    ///
    /// - a term with `p[i] = 0` is 0, also when `q[i] = 0`;
    /// - `p[i] > 0` with `q[i] = 0` gives +∞.
    fn cross_entropy, cross_entropy_bits(p: Probability, q: Probability) Any any;
    example: "let p = [0.5f64, 0.5];\nlet q = [0.25f64, 0.75];",
        "&p, &q",
        "assert!((v - 0.5 * (16.0f64 / 3.0).ln()).abs() < 1e-15);";
    bits: "divided by ln 2", "std::f64::consts::LN_2";

    /// Shannon entropy H(p) = −Σ p·ln p.
    ///
    /// # Special values
    ///
    /// - a term with `p[i] = 0` is 0;
    /// - a one-hot vector has entropy exactly 0; the uniform distribution over n outcomes
    ///   has ln n.
    fn entropy, entropy_bits(p: Probability) Any any;
    example: "let p = [0.25f32; 4];",
        "&p",
        "assert!((v - 4.0f64.ln()).abs() < 1e-15);";
    bits: "divided by ln 2", "std::f64::consts::LN_2";

    /// Generalised KL divergence Σ [p·ln(p/q) − p + q] (SciPy's `kl_div(p, q).sum()`), the
    /// divergence for unnormalised non-negative measures.
    ///
    /// Every term is ≥ 0, so the result is ≥ 0 whatever the totals.
    ///
    /// # Special values
    ///
    /// - a term with `p[i] = 0` is `q[i]`;
    /// - `p[i] > 0` with `q[i] = 0` gives +∞;
    /// - `generalized_kl(p, p)` is exactly 0.
    fn generalized_kl, generalized_kl_bits(p: Probability, q: Probability) Any non_negative;
    example: "let p = [1.0f64, 2.0];\nlet q = [2.0f64, 2.0];",
        "&p, &q",
        "assert!((v - (1.0 - 2.0f64.ln())).abs() < 1e-15);";
    bits: "divided by ln 2", "std::f64::consts::LN_2";

    /// Jeffreys divergence KL(p‖q) + KL(q‖p) = Σ (p−q)·ln(p/q), the symmetric KL (also known
    /// as the population stability index).
    ///
    /// Every term is ≥ 0, so the result is ≥ 0 whatever the totals.
    ///
    /// # Special values
    ///
    /// - a term with `p[i] = q[i]` (including both 0) is 0;
    /// - one side 0 and the other > 0 gives +∞;
    /// - `jeffreys(p, q) == jeffreys(q, p)`, and `jeffreys(p, p)` is exactly 0.
    fn jeffreys, jeffreys_bits(p: Probability, q: Probability) Any non_negative;
    example: "let p = [0.5f64, 0.5];\nlet q = [0.25f64, 0.75];",
        "&p, &q",
        "assert!((v - 0.25 * 3.0f64.ln()).abs() < 1e-15);";
    bits: "divided by ln 2", "std::f64::consts::LN_2";

    /// Jensen–Shannon divergence ½KL(p‖m) + ½KL(q‖m) with m = (p+q)/2.
    ///
    /// Symmetric and always finite. For probability vectors 0 ≤ JS ≤ ln 2.
    ///
    /// # Special values
    ///
    /// - zeros need no care: a term with `p[i] = 0` (or `q[i] = 0`) contributes only the
    ///   other side's part, finite;
    /// - `js_divergence(p, p)` is exactly 0; disjoint supports give ln 2.
    fn js_divergence, js_divergence_bits(p: Probability, q: Probability) Any non_negative;
    example: "let p = [1.0f64, 0.0];\nlet q = [0.0f64, 1.0];",
        "&p, &q",
        "assert!((v - std::f64::consts::LN_2).abs() < 1e-15);";
    bits: "divided by ln 2", "std::f64::consts::LN_2";

    /// Jensen–Shannon distance √JS, a metric on probability vectors.
    ///
    /// For probability vectors 0 ≤ distance ≤ √(ln 2).
    ///
    /// # Special values
    ///
    /// - as [`js_divergence`]: always finite, 0 for identical inputs, √(ln 2) for
    ///   disjoint supports.
    fn js_distance, js_distance_bits(p: Probability, q: Probability) Any non_negative;
    example: "let p = [1.0f64, 0.0];\nlet q = [0.0f64, 1.0];",
        "&p, &q",
        "assert!((v - std::f64::consts::LN_2.sqrt()).abs() < 1e-15);";
    bits: "√(JS in bits), i.e. divided by √(ln 2)", "std::f64::consts::LN_2.sqrt()";

    /// KL divergence from natural-log probabilities: Σ e^lp·(lp − lq).
    ///
    /// Use it when the model already produces log-probabilities (log-softmax outputs).
    ///
    /// # Special values
    ///
    /// - `lp[i] = −∞` (probability 0) contributes 0, also when `lq[i] = −∞`;
    /// - `lq[i] = −∞` with `lp[i]` finite gives +∞;
    /// - `kl_log(lp, lp)` is exactly 0.
    fn kl_log, kl_log_bits(lp: Log, lq: Log) Any any;
    example: "let lp = [0.5f64.ln(), 0.5f64.ln(), f64::NEG_INFINITY];\n\
              let lq = [0.25f64.ln(), 0.75f64.ln(), f64::NEG_INFINITY];",
        "&lp, &lq",
        "assert!((v - 0.5 * (4.0f64 / 3.0).ln()).abs() < 1e-14);";
    bits: "divided by ln 2", "std::f64::consts::LN_2";

    /// KL divergence between the softmax distributions of two logit rows at a temperature:
    /// KL(softmax(a/t) ‖ softmax(b/t)), fused and numerically stable (no softmax is
    /// materialised, no overflow for large logits).
    ///
    /// The result is ≥ 0 and does not change when a constant is added to a row.
    ///
    /// # Special values
    ///
    /// - a masked logit (−∞) is probability 0: masked in `logits_a` contributes 0, also when
    ///   masked in `logits_b` too;
    /// - masked in `logits_b` but not in `logits_a` gives +∞;
    /// - `kl_logits(a, a, t)` is exactly 0.
    fn kl_logits, kl_logits_bits(logits_a: Log, logits_b: Log; temperature) NonZero non_negative;
    example: "let logits_a = [0.0f32, 0.0, f32::NEG_INFINITY];\n\
              let logits_b = [0.0f32, 3.0f32.ln(), f32::NEG_INFINITY];\n\
              // softmax(a) = [1/2, 1/2, 0], softmax(b) = [1/4, 3/4, 0]",
        "&logits_a, &logits_b, 1.0",
        "assert!((v - 0.5 * (4.0f64 / 3.0).ln()).abs() < 1e-7);";
    bits: "divided by ln 2", "std::f64::consts::LN_2";
}
