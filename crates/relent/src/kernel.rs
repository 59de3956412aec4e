//! The kernels this crate computes with: `relent-simd`'s, on one backend chosen on the first
//! call and cached here.
//!
//! `relent_simd`'s own functions panic when `RELENT_BACKEND` is invalid; this crate promises
//! never to panic, so it resolves the choice once itself: the backend `RELENT_BACKEND` forces,
//! or — when that variable is unset or invalid — the fastest this CPU has. [`try_backend`]
//! still reports an invalid variable.
//!
//! # Non-finite kernel values
//!
//! The kernels compute in `f64` with intermediates (Σg and Σ(p − q) for KL, e^lp, shifted
//! logits divided by a tiny temperature, …) that can overflow on valid input whose exact value
//! is finite — or NaN (∞ − ∞) where it is +∞. So every function here takes a kernel value that
//! is not finite (NaN, ±∞) as a *suspect* ([`settle`]): it is kept as +∞ only when an element
//! shows that the exact value is +∞ (a cheap scan that stops at the first witness, e.g. p > 0
//! with q = 0), and is otherwise replaced by the exact reference (`relent-scalar`), which
//! carries its own exponent and rounds a value beyond `f64::MAX` to ±∞ correctly. Finite
//! kernel values — the normal path — are returned untouched, with no extra pass.

use std::sync::OnceLock;

use relent_scalar::Element;
use relent_simd::{Backend, BackendError, Kernels, Output, Precision, for_backend};

/// Functions this crate computes differently from relent-simd's kernels of the same name: the
/// kernel, then [`settle`] when its value is not finite.
pub(crate) trait Exact {
    /// KL: +∞ is exact only with some p > 0 where q = 0; otherwise a non-finite kernel value
    /// (Σg overflowing while KL = Σg + Σ(p − q) is finite, e.g. p = [1e303, 1e303] against
    /// q = [MAX, 1e-5]; or ∞ − ∞ = NaN) is replaced by the reference.
    fn kl_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output;
    /// Normalised KL: as [`Exact::kl_exact`].
    fn kl_normalized_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output;
    /// Cross-entropy: +∞ is exact only with some p > 0 where q = 0 (a NaN can be such a +∞
    /// against terms whose sum overflows to −∞).
    fn cross_entropy_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output;
    /// Entropy: never +∞ for finite input; a non-finite kernel value (a sum beyond the `f64`
    /// range) is the reference's to round.
    fn entropy_exact<T: Element>(&self, p: &[T], prec: Precision) -> Output;
    /// Generalised KL: as [`Exact::kl_exact`] (e.g. p = q = [MAX, MAX, MAX] makes the kernel's
    /// totals ∞ − ∞; the value is exactly 0).
    fn generalized_kl_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output;
    /// Jeffreys: +∞ is exact only where exactly one of p, q is 0.
    fn jeffreys_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output;
    /// Jensen–Shannon: never +∞ for finite input (terms near the top of the `f64` range, e.g.
    /// p ≈ 1e245 against q = 0, overflow the kernel): the reference decides.
    fn js_divergence_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output;
    /// KL from log-probabilities: +∞ is exact only with some lq = −∞ where lp > −∞; otherwise
    /// (e^lp overflowing for lp > 709, lp − lq beyond the `f64` range) the reference decides.
    fn kl_log_exact<T: Element>(&self, lp: &[T], lq: &[T], prec: Precision) -> Output;
}

/// `out`, or — when its value is not finite on valid input — +∞ if `infinite` finds an
/// element that makes the exact value +∞, else the exact reference's value. `infinite` and
/// `reference` run only on that (rare) path.
fn settle(out: Output, infinite: impl FnOnce() -> bool, reference: impl FnOnce() -> f64) -> Output {
    if out.invalid || out.value.is_finite() {
        return out;
    }
    let value = if infinite() {
        f64::INFINITY
    } else {
        reference()
    };
    Output {
        value,
        invalid: false,
    }
}

/// Whether some pair of elements satisfies `f` (on the values widened to `f64`).
fn any_pair<T: Element>(a: &[T], b: &[T], f: impl Fn(f64, f64) -> bool) -> bool {
    a.iter().zip(b).any(|(x, y)| f(x.to_f64(), y.to_f64()))
}

/// Mass where the other side has none: some p > 0 with q = 0 (KL, cross-entropy, …: +∞).
fn mass_without_support<T: Element>(p: &[T], q: &[T]) -> bool {
    any_pair(p, q, |x, y| x > 0.0 && y == 0.0)
}

/// Some probability lp > −∞ (or softmax entry, a > −∞) where lq = −∞ (b = −∞): +∞.
fn log_mass_without_support<T: Element>(lp: &[T], lq: &[T]) -> bool {
    any_pair(lp, lq, |x, y| {
        x > f64::NEG_INFINITY && y == f64::NEG_INFINITY
    })
}

impl Exact for Kernels {
    fn kl_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output {
        settle(
            self.kl(p, q, prec),
            || mass_without_support(p, q),
            || relent_scalar::kl(p, q),
        )
    }

    fn kl_normalized_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output {
        settle(
            self.kl_normalized(p, q, prec),
            || mass_without_support(p, q),
            || relent_scalar::kl_normalized(p, q),
        )
    }

    fn cross_entropy_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output {
        settle(
            self.cross_entropy(p, q, prec),
            || mass_without_support(p, q),
            || relent_scalar::cross_entropy(p, q),
        )
    }

    fn entropy_exact<T: Element>(&self, p: &[T], prec: Precision) -> Output {
        settle(
            self.entropy(p, prec),
            || false,
            || relent_scalar::entropy(p),
        )
    }

    fn generalized_kl_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output {
        settle(
            self.generalized_kl(p, q, prec),
            || mass_without_support(p, q),
            || relent_scalar::generalized_kl(p, q),
        )
    }

    fn jeffreys_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output {
        settle(
            self.jeffreys(p, q, prec),
            || any_pair(p, q, |x, y| (x == 0.0) != (y == 0.0)),
            || relent_scalar::jeffreys(p, q),
        )
    }

    fn js_divergence_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output {
        settle(
            self.js_divergence(p, q, prec),
            || false,
            || relent_scalar::js_divergence(p, q),
        )
    }

    fn kl_log_exact<T: Element>(&self, lp: &[T], lq: &[T], prec: Precision) -> Output {
        settle(
            self.kl_log(lp, lq, prec),
            || log_mass_without_support(lp, lq),
            || relent_scalar::kl_log(lp, lq),
        )
    }
}

/// The kernels of the backend in use (resolved once).
#[inline]
pub(crate) fn kernels() -> Kernels {
    static KERNELS: OnceLock<Kernels> = OnceLock::new();
    *KERNELS.get_or_init(|| {
        let chosen = relent_simd::try_backend().unwrap_or_else(|_| fastest());
        for_backend(chosen)
            .or_else(|| for_backend(Backend::Scalar))
            .expect("the scalar backend runs on every CPU")
    })
}

/// The fastest backend this CPU runs (the scalar one at worst).
fn fastest() -> Backend {
    available_backends()
        .first()
        .copied()
        .unwrap_or(Backend::Scalar)
}

/// The backend relent's functions compute with: the one `RELENT_BACKEND` forces
/// (`avx512`, `avx2`, `portable` or `scalar`), otherwise the fastest this CPU supports.
/// Chosen on the first call (of this function or of any computing function) and fixed for
/// the life of the process.
///
/// Never panics: if `RELENT_BACKEND` names an unknown backend or one this CPU cannot run,
/// the functions compute with the fastest available one and this returns it; use
/// [`try_backend`] to see the problem.
///
/// ```
/// let b = relent::backend();
/// println!("relent kernels: {b}"); // e.g. "avx512" or "avx2"
/// assert!(b.is_available());
/// if let Ok(forced) = std::env::var("RELENT_BACKEND") {
///     if relent::try_backend().is_ok() {
///         assert_eq!(b.name(), forced.trim());
///     }
/// }
/// ```
pub fn backend() -> Backend {
    kernels().backend()
}

/// The backend `RELENT_BACKEND` asks for (or the fastest available when it is unset), or the
/// reason the variable cannot be honoured: a name that is not `avx512`, `avx2`, `portable` or
/// `scalar` ([`BackendError::Unknown`]), or a backend this CPU cannot run
/// ([`BackendError::Unavailable`]). On `Ok` it equals [`backend`].
///
/// ```
/// match relent::try_backend() {
///     Ok(b) => assert_eq!(b, relent::backend()),
///     Err(e) => eprintln!("ignoring RELENT_BACKEND: {e}"),
/// }
/// ```
///
/// # Errors
///
/// A [`BackendError`] when `RELENT_BACKEND` is set to an unknown or unsupported backend.
pub fn try_backend() -> Result<Backend, BackendError> {
    relent_simd::try_backend()
}

/// The backends this CPU can run, fastest first (always ending with `portable`, `scalar`):
/// the names `RELENT_BACKEND` accepts here.
///
/// ```
/// let all = relent::available_backends();
/// assert!(all.contains(&relent::Backend::Scalar));
/// assert!(all.contains(&relent::backend()));
/// ```
pub fn available_backends() -> Vec<Backend> {
    relent_simd::available_backends()
}

/// `kl_logits`: the kernel (it shifts by the row maxima before dividing by the temperature, so
/// tiny temperatures, logits near `f64::MAX` and underflowed probabilities against masked
/// logits are decided exactly as the definition says), then [`settle`]: +∞ is exact only with
/// a masked b (−∞) where a is not masked; a shifted logit difference that overflows `f64`
/// (huge logits, tiny temperatures: the exact KL can be finite, up to 1e308) is the
/// reference's to decide. (A row that is entirely masked has no softmax: the reference gives
/// NaN and the checked call reports `ZeroTotal`.)
pub(crate) fn kl_logits<T: crate::Element>(
    a: &[T],
    b: &[T],
    temperature: f64,
    precision: relent_simd::Precision,
) -> relent_simd::Output {
    settle(
        kernels().kl_logits(a, b, temperature, precision),
        || log_mass_without_support(a, b),
        || relent_scalar::kl_logits(a, b, temperature),
    )
}
