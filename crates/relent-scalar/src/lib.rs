//! # relent-scalar — the exact reference
//!
//! Plain-Rust definitions of every function of relent's contract (Kullback–Leibler divergence
//! and its family), computed in double-double arithmetic so that each result is within a few
//! units of 2^-100 of the exact value of the formula on the numbers as stored, then rounded to
//! `f64`. This crate is the oracle the fast kernels are tested against; it favours accuracy
//! over speed (tens of nanoseconds per element).
//!
//! Functions take slices and return the value directly; checking input belongs to the
//! `relent` crate. Slices of different lengths are read over their **shared prefix** (the
//! shorter length). Inputs outside a function's domain (negative, NaN or infinite
//! probabilities; NaN or +∞ log-probabilities or logits) give NaN, never a panic.
//!
//! How it stays exact (see the modules' docs):
//! * every element is split exactly into mantissa and exponent, each term is computed on the
//!   mantissas and carries the exponent into an exponent-carrying double-double accumulator,
//!   so subnormals, values near 1e-300 and ratios p/q beyond the `f64` range are exact;
//! * `ln(p/q)` is never formed by dividing: within a factor 2 it is `2·atanh((p−q)/(p+q))`
//!   with `p − q` exact, otherwise `ln p − ln q` with split exponents;
//! * sums that could cancel are rewritten as sums of non-negative terms (Bregman terms
//!   `p·ln(p/q) − p + q`, Jensen–Shannon terms, `r − 1 − ln r`) plus exact differences.
//!
//! **Accuracy contract (tested):** every function, on `f64` and `f32` inputs, returns a value
//! within 4 ulp of `f64` (relative error ≤ 2^-50) of the exact value of its formula on the
//! numbers as stored — checked against mpmath fixtures (≥ 256 bits) in `tests/fixtures.rs` (the
//! measured maximum is below 2^-53: the results are correctly rounded, or within a hair). The
//! double-double result is within a few units of 2^-100 of the exact value (relative to the
//! sum of the absolute terms) before its one final rounding; functions summing non-negative
//! terms (generalised KL, normalised KL, Jeffreys, JS, `kl_logits`, Gaussians) meet the bound
//! unconditionally, the others (`kl`, `cross_entropy`, `entropy`, `kl_log` on inputs that
//! make terms of both signs) whenever the sum cancels by less than 2^50. Results in the
//! subnormal range are accurate to 2^-1074 absolute instead.
//!
//! ```
//! let p = [0.5f64, 0.5];
//! let q = [0.25f64, 0.75];
//! let kl = relent_scalar::kl(&p, &q);
//! assert!((kl - (0.5 * (2.0f64).ln() + 0.5 * (2.0f64 / 3.0).ln())).abs() < 1e-16);
//! assert_eq!(relent_scalar::kl(&p, &p), 0.0);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod dd;
mod divergence;
mod element;
pub mod gaussian;
mod log;
mod logits;
mod pair;

pub use element::{Element, Slice};

use dd::{Ext, LN2 as LN2_DD};

/// ln 2, to convert nats into bits.
pub const LN_2: f64 = core::f64::consts::LN_2;

fn bits(x: Ext) -> f64 {
    x.div_dd(LN2_DD).to_f64()
}

/// Kullback–Leibler divergence Σ p·ln(p/q) over the numbers as given (SciPy
/// `rel_entr(p, q).sum()`); inputs need not be normalised.
///
/// ```
/// use relent_scalar::kl;
/// assert_eq!(kl(&[1.0f32, 0.0], &[0.5, 0.5]), std::f64::consts::LN_2);
/// assert_eq!(kl(&[0.5f64, 0.5], &[1.0, 0.0]), f64::INFINITY);
/// ```
///
/// # Accuracy
/// ≤ 4 ulp (relative error ≤ 2^-50, tested) unless the sum cancels by more than 2^50. Pairs
/// within a factor 2 contribute [p·ln(p/q) − p + q] (a positive series) + (p − q) (exact);
/// pairs further apart p·ln(p/q) from split exponents; the double-double sum is within about
/// 2^-100·Σ|terms| of the exact value before the final rounding.
///
/// # Special values
/// A term with p = 0 is 0 (also when q = 0); p > 0 with q = 0 gives +∞; `kl(p, p) = 0`
/// exactly; empty input gives 0; a negative, NaN or infinite element gives NaN.
pub fn kl<T: Element>(p: &[T], q: &[T]) -> f64 {
    divergence::kl_ext(p, q).to_f64()
}

/// KL(p/Σp ‖ q/Σq) without materialising the normalised vectors (SciPy `entropy(p, q)`).
///
/// ```
/// use relent_scalar::kl_normalized;
/// // Scaling either side does not change the value.
/// assert_eq!(kl_normalized(&[2.0f64, 2.0], &[1.0, 3.0]), kl_normalized(&[0.5f64, 0.5], &[0.25, 0.75]));
/// ```
///
/// # Accuracy
/// Within a few units of 2^-100 (relative) of the exact value, computed as
/// Σ[p̃·ln(p̃/q̃) − p̃ + q̃]/P̃ − (r − 1 − ln r) with p̃, q̃ scaled by powers of two so that
/// P̃ = Σp̃ and Q̃ = Σq̃ lie in [1, 2), r = Q̃/P̃ (a positive series): scaling p or q by a
/// power of two gives bit-identical results.
///
/// # Special values
/// Σp = 0 (or empty input) gives NaN; p > 0 with q = 0 gives +∞; identical or proportional
/// (by a power of two) inputs give exactly 0; the result is never negative; a negative, NaN or
/// infinite element gives NaN.
pub fn kl_normalized<T: Element>(p: &[T], q: &[T]) -> f64 {
    divergence::kl_normalized_ext(p, q).to_f64()
}

/// Cross-entropy −Σ p·ln q.
///
/// ```
/// use relent_scalar::cross_entropy;
/// assert_eq!(cross_entropy(&[1.0f64], &[0.5]), std::f64::consts::LN_2);
/// ```
///
/// # Accuracy
/// Within a few units of 2^-100 of the exact value (each p·ln q in double-double with split
/// exponents, double-double sum), then rounded.
///
/// # Special values
/// p = 0 terms are 0 (also when q = 0); p > 0 with q = 0 gives +∞; a negative, NaN or infinite
/// element gives NaN.
pub fn cross_entropy<T: Element>(p: &[T], q: &[T]) -> f64 {
    divergence::cross_entropy_ext(p, q).to_f64()
}

/// Shannon entropy −Σ p·ln p.
///
/// ```
/// use relent_scalar::entropy;
/// assert_eq!(entropy(&[0.5f32, 0.5, 0.0]), std::f64::consts::LN_2);
/// ```
///
/// # Accuracy
/// Within a few units of 2^-100 of the exact value, then rounded.
///
/// # Special values
/// p = 0 terms are 0; a negative, NaN or infinite element gives NaN; empty input gives 0.
pub fn entropy<T: Element>(p: &[T]) -> f64 {
    divergence::entropy_ext(p).to_f64()
}

/// Generalised KL Σ [p·ln(p/q) − p + q] (SciPy `kl_div` summed), for unnormalised measures.
///
/// ```
/// use relent_scalar::generalized_kl;
/// assert_eq!(generalized_kl(&[0.0f64, 1.0], &[2.0, 1.0]), 2.0);
/// ```
///
/// # Accuracy
/// Every term is non-negative and computed to a few units of 2^-104 relative, so the result is
/// within a few units of 2^-100 of the exact value, then rounded.
///
/// # Special values
/// A term with p = 0 is q; p > 0 with q = 0 gives +∞; identical inputs give exactly 0; a
/// negative, NaN or infinite element gives NaN.
pub fn generalized_kl<T: Element>(p: &[T], q: &[T]) -> f64 {
    divergence::generalized_kl_ext(p, q).to_f64()
}

/// Jeffreys divergence KL(p‖q) + KL(q‖p) = Σ (p−q)·ln(p/q) (the population stability index).
///
/// ```
/// use relent_scalar::jeffreys;
/// let (p, q) = ([0.2f64, 0.8], [0.6f64, 0.4]);
/// assert_eq!(jeffreys(&p, &q), jeffreys(&q, &p));
/// ```
///
/// # Accuracy
/// Every term is non-negative and computed to a few units of 2^-104 relative; the result is
/// within a few units of 2^-100 of the exact value, then rounded. Exactly symmetric.
///
/// # Special values
/// A term with p = q = 0 is 0; exactly one of p, q zero gives +∞; identical inputs give 0; a
/// negative, NaN or infinite element gives NaN.
pub fn jeffreys<T: Element>(p: &[T], q: &[T]) -> f64 {
    divergence::jeffreys_ext(p, q).to_f64()
}

/// Jensen–Shannon divergence ½KL(p‖m) + ½KL(q‖m), m = (p+q)/2.
///
/// ```
/// use relent_scalar::js_divergence;
/// assert_eq!(js_divergence(&[1.0f64, 0.0], &[0.0, 1.0]), std::f64::consts::LN_2);
/// ```
///
/// # Accuracy
/// Every term ½[p·ln(2p/(p+q)) + q·ln(2q/(p+q))] is non-negative (a positive series in
/// (p−q)/(p+q) within a factor 2, with p + q exact in double-double); the result is within a
/// few units of 2^-100 of the exact value, then rounded. Exactly symmetric.
///
/// # Special values
/// Never negative; identical inputs give exactly 0; when Σp ≤ 1 and Σq ≤ 1 the result is at
/// most `LN_2` (the exact value is at most ln 2 then); a negative, NaN or infinite element
/// gives NaN.
pub fn js_divergence<T: Element>(p: &[T], q: &[T]) -> f64 {
    divergence::js_ext(p, q).to_f64()
}

/// Jensen–Shannon distance √(JS divergence).
///
/// ```
/// use relent_scalar::js_distance;
/// assert_eq!(js_distance(&[0.3f64, 0.7], &[0.3, 0.7]), 0.0);
/// ```
///
/// # Accuracy
/// The square root of the double-double divergence, about one rounding.
///
/// # Special values
/// As [`js_divergence`].
pub fn js_distance<T: Element>(p: &[T], q: &[T]) -> f64 {
    divergence::js_ext(p, q).sqrt_f64()
}

/// KL from natural-log probabilities: Σ e^lp·(lp − lq).
///
/// ```
/// use relent_scalar::kl_log;
/// let lp = [0.5f64.ln(), 0.5f64.ln()];
/// assert_eq!(kl_log(&lp, &lp), 0.0);
/// assert_eq!(kl_log(&[0.0f64, f64::NEG_INFINITY], &[0.5f64.ln(), 0.0]), std::f64::consts::LN_2);
/// ```
///
/// # Accuracy
/// Each e^lp·(lp − lq) to a few units of 2^-104 (lp − lq exact, e^lp in double-double), summed
/// in double-double: within 2^-100·Σ|terms| of the exact value, then rounded.
///
/// # Special values
/// lp = −∞ is zero probability (term 0, also when lq = −∞); lq = −∞ with lp finite gives +∞;
/// NaN or +∞ anywhere gives NaN.
pub fn kl_log<T: Element>(lp: &[T], lq: &[T]) -> f64 {
    logits::kl_log_ext(lp, lq).to_f64()
}

/// KL(softmax(a/t) ‖ softmax(b/t)), fused: no softmax is materialised.
///
/// ```
/// use relent_scalar::kl_logits;
/// let a = [1.0f32, 2.0, f32::NEG_INFINITY];
/// assert_eq!(kl_logits(&a, &a, 1.0), 0.0);
/// // Shifting logits does not change the softmax.
/// let b = [11.0f32, 12.0, f32::NEG_INFINITY];
/// assert!(kl_logits(&a, &b, 0.7).abs() < 1e-30);
/// ```
///
/// # Accuracy
/// Computed as Σ p·(c − 1 + e^−c) over p > 0 plus Σ q over masked p, c = ln(p/q), all
/// non-negative; a/t and b/t are double-double quotients; within a few units of 2^-100 of the
/// exact value, relative to the terms, then rounded.
///
/// # Special values
/// −∞ logits are zero probability (never NaN); a finite a with b = −∞ gives +∞; every a = −∞,
/// NaN or +∞ anywhere, or t not positive and finite gives NaN; a = b gives exactly 0.
pub fn kl_logits<T: Element>(a: &[T], b: &[T], temperature: f64) -> f64 {
    logits::kl_logits_ext(a, b, temperature).to_f64()
}

macro_rules! bits {
    ($($name:ident => $ext:path, $base:ident($($a:ident),*);)*) => {$(
        #[doc = concat!("[`", stringify!($base), "`] in bits (divided by ln 2 in double-double).")]
        ///
        /// ```
        #[doc = concat!("let v = [0.25f64, 0.75];\nlet w = [0.5f64, 0.5];\nlet _ = relent_scalar::",
            stringify!($name), "(", bits!(@args $($a),*), ");")]
        /// ```
        ///
        /// # Accuracy
        #[doc = concat!("As [`", stringify!($base), "`]: the double-double result is divided by ln 2 before rounding.")]
        ///
        /// # Special values
        #[doc = concat!("As [`", stringify!($base), "`].")]
        pub fn $name<T: Element>($($a: &[T]),*) -> f64 { bits($ext($($a),*)) }
    )*};
    (@args $a:ident) => { "&v" };
    (@args $a:ident, $b:ident) => { "&v, &w" };
}
bits! {
    kl_bits => divergence::kl_ext, kl(p, q);
    kl_normalized_bits => divergence::kl_normalized_ext, kl_normalized(p, q);
    cross_entropy_bits => divergence::cross_entropy_ext, cross_entropy(p, q);
    entropy_bits => divergence::entropy_ext, entropy(p);
    generalized_kl_bits => divergence::generalized_kl_ext, generalized_kl(p, q);
    jeffreys_bits => divergence::jeffreys_ext, jeffreys(p, q);
    js_divergence_bits => divergence::js_ext, js_divergence(p, q);
    kl_log_bits => logits::kl_log_ext, kl_log(lp, lq);
}

/// [`js_distance`] in bits: √(JS divergence in bits).
///
/// ```
/// assert_eq!(relent_scalar::js_distance_bits(&[1.0f64, 0.0], &[0.0, 1.0]), 1.0);
/// ```
///
/// # Accuracy
/// As [`js_distance`].
///
/// # Special values
/// As [`js_divergence`].
pub fn js_distance_bits<T: Element>(p: &[T], q: &[T]) -> f64 {
    divergence::js_ext(p, q).div_dd(LN2_DD).sqrt_f64()
}

/// [`kl_logits`] in bits.
///
/// ```
/// let a = [0.0f64, 1.0];
/// assert_eq!(relent_scalar::kl_logits_bits(&a, &a, 2.0), 0.0);
/// ```
///
/// # Accuracy
/// As [`kl_logits`]: the double-double result is divided by ln 2 before rounding.
///
/// # Special values
/// As [`kl_logits`].
pub fn kl_logits_bits<T: Element>(a: &[T], b: &[T], temperature: f64) -> f64 {
    bits(logits::kl_logits_ext(a, b, temperature))
}
