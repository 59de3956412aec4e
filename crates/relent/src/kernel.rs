//! The kernels this crate computes with: `relent-simd`'s, on one backend chosen on the first
//! call and cached here.
//!
//! `relent_simd`'s own functions panic when `RELENT_BACKEND` is invalid; this crate promises
//! never to panic, so it resolves the choice once itself: the backend `RELENT_BACKEND` forces,
//! or — when that variable is unset or invalid — the fastest this CPU has. [`try_backend`]
//! still reports an invalid variable.

use std::sync::OnceLock;

use relent_scalar::Element;
use relent_simd::{Backend, BackendError, Kernels, Output, Precision, for_backend};

/// Functions this crate computes differently from relent-simd's kernels of the same name.
pub(crate) trait Exact {
    /// KL from log-probabilities: the kernel, unless it returns NaN on valid input (terms
    /// beyond the `f64` range, e.g. log-probabilities above 709 whose e^lp overflows), where
    /// the exact reference, which carries its own exponent, gives the right ±∞ or value.
    fn kl_log_exact<T: Element>(&self, lp: &[T], lq: &[T], prec: Precision) -> Output;
    /// Jensen–Shannon: the kernel, unless it overflows to a non-finite value on valid input
    /// (terms near the top of the `f64` range, e.g. p ≈ 1e245 against q = 0), where the exact
    /// reference gives the value — which is finite whenever Σ(p + q)·ln 2 is.
    fn js_divergence_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output;
    /// KL: the kernel, unless it returns NaN on valid input — its form Σg + (Σp − Σq) gives
    /// ∞ − ∞ when both totals overflow (e.g. q = [0, MAX, MAX, MAX] against p > 0) — where the
    /// exact reference gives the value (+∞ there: mass where q has none).
    fn kl_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output;
    /// Cross-entropy: the kernel, unless it returns NaN on valid input (a +∞ term, p > 0 with
    /// q = 0, against terms whose sum overflows to −∞), where the exact reference decides.
    fn cross_entropy_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output;
    /// Generalised KL: the kernel, unless it returns NaN on valid input (totals that overflow,
    /// e.g. p = q = [MAX, MAX, MAX], whose value is exactly 0), where the exact reference
    /// decides.
    fn generalized_kl_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output;
}

/// `out`, or — when the kernel returned NaN (or, with `finite`, any non-finite value) on
/// valid input — the exact reference's value.
fn or_reference(out: Output, finite: bool, reference: impl FnOnce() -> f64) -> Output {
    let suspect = if finite {
        !out.value.is_finite()
    } else {
        out.value.is_nan()
    };
    if out.invalid || !suspect {
        return out;
    }
    Output {
        value: reference(),
        invalid: false,
    }
}

impl Exact for Kernels {
    fn kl_log_exact<T: Element>(&self, lp: &[T], lq: &[T], prec: Precision) -> Output {
        let out = self.kl_log(lp, lq, prec);
        if out.invalid || !out.value.is_nan() {
            return out;
        }
        Output {
            value: relent_scalar::kl_log(lp, lq),
            invalid: false,
        }
    }

    fn js_divergence_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output {
        or_reference(self.js_divergence(p, q, prec), true, || {
            relent_scalar::js_divergence(p, q)
        })
    }

    fn kl_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output {
        or_reference(self.kl(p, q, prec), false, || relent_scalar::kl(p, q))
    }

    fn generalized_kl_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output {
        or_reference(self.generalized_kl(p, q, prec), false, || {
            relent_scalar::generalized_kl(p, q)
        })
    }

    fn cross_entropy_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output {
        or_reference(self.cross_entropy(p, q, prec), false, || {
            relent_scalar::cross_entropy(p, q)
        })
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
/// logits are decided exactly as the definition says).
pub(crate) fn kl_logits<T: crate::Element>(
    a: &[T],
    b: &[T],
    temperature: f64,
    precision: relent_simd::Precision,
) -> relent_simd::Output {
    kernels().kl_logits(a, b, temperature, precision)
}
