//! The kernels this crate computes with: `relent-simd`'s, on the backend relent-simd resolves
//! once ([`relent_simd::backend`]: the one `RELENT_BACKEND` forces, or — when that variable is
//! unset, unknown or names a backend this CPU cannot run — the fastest this CPU has; it never
//! panics). [`try_backend`] reports an invalid variable. relent-batch computes on the same
//! backend, so single calls and batches agree bit for bit.
//!
//! # Non-finite kernel values
//!
//! A kernel value that is not finite (NaN, ±∞) on valid input is settled by
//! [`relent_simd::settle`] — the one policy, shared with relent-batch (its module docs give
//! the rule and the table): kept as +∞ only when an element shows that the exact value is +∞,
//! otherwise replaced by the exact reference (`relent-scalar`). Finite values — the normal
//! path — are returned untouched, with no extra pass.

use std::sync::OnceLock;

use relent_scalar::Element;
use relent_simd::{Backend, BackendError, Func, Kernels, Output, Precision, for_backend, settle};

/// Functions this crate computes differently from relent-simd's kernels of the same name: the
/// kernel, then [`relent_simd::settle`] (a no-op on a finite value). Examples of what it
/// settles: KL's Σg overflowing while KL = Σg + Σ(p − q) is finite (p = [1e303, 1e303]
/// against q = [MAX, 1e-5]); generalised KL's totals ∞ − ∞ for p = q = [MAX, MAX, MAX]
/// (exactly 0); Jensen–Shannon terms near the top of the `f64` range (p ≈ 1e245 against
/// q = 0); e^lp overflowing for lp > 709 in KL from log-probabilities.
pub(crate) trait Exact {
    /// KL ([`Func::Kl`]).
    fn kl_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output;
    /// Normalised KL ([`Func::KlNormalized`]).
    fn kl_normalized_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output;
    /// Cross-entropy ([`Func::CrossEntropy`]).
    fn cross_entropy_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output;
    /// Entropy ([`Func::Entropy`]).
    fn entropy_exact<T: Element>(&self, p: &[T], prec: Precision) -> Output;
    /// Generalised KL ([`Func::GeneralizedKl`]).
    fn generalized_kl_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output;
    /// Jeffreys ([`Func::Jeffreys`]).
    fn jeffreys_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output;
    /// Jensen–Shannon ([`Func::JsDivergence`]).
    fn js_divergence_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output;
    /// KL from log-probabilities ([`Func::KlLog`]).
    fn kl_log_exact<T: Element>(&self, lp: &[T], lq: &[T], prec: Precision) -> Output;
}

impl Exact for Kernels {
    fn kl_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output {
        settle(Func::Kl, &[p, q], 1.0, self.kl(p, q, prec))
    }

    fn kl_normalized_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output {
        settle(
            Func::KlNormalized,
            &[p, q],
            1.0,
            self.kl_normalized(p, q, prec),
        )
    }

    fn cross_entropy_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output {
        settle(
            Func::CrossEntropy,
            &[p, q],
            1.0,
            self.cross_entropy(p, q, prec),
        )
    }

    fn entropy_exact<T: Element>(&self, p: &[T], prec: Precision) -> Output {
        settle(Func::Entropy, &[p], 1.0, self.entropy(p, prec))
    }

    fn generalized_kl_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output {
        settle(
            Func::GeneralizedKl,
            &[p, q],
            1.0,
            self.generalized_kl(p, q, prec),
        )
    }

    fn jeffreys_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output {
        settle(Func::Jeffreys, &[p, q], 1.0, self.jeffreys(p, q, prec))
    }

    fn js_divergence_exact<T: Element>(&self, p: &[T], q: &[T], prec: Precision) -> Output {
        settle(
            Func::JsDivergence,
            &[p, q],
            1.0,
            self.js_divergence(p, q, prec),
        )
    }

    fn kl_log_exact<T: Element>(&self, lp: &[T], lq: &[T], prec: Precision) -> Output {
        settle(Func::KlLog, &[lp, lq], 1.0, self.kl_log(lp, lq, prec))
    }
}

/// The kernels of the backend in use: [`relent_simd::backend`]'s (resolved once there; this
/// caches the kernel set).
#[inline]
pub(crate) fn kernels() -> Kernels {
    static KERNELS: OnceLock<Kernels> = OnceLock::new();
    *KERNELS.get_or_init(|| {
        for_backend(relent_simd::backend())
            .or_else(|| for_backend(Backend::Scalar))
            .expect("the scalar backend runs on every CPU")
    })
}

/// The backend relent's functions compute with: the one `RELENT_BACKEND` forces
/// (`avx512`, `avx2`, `portable` or `scalar`), otherwise the fastest this CPU supports.
/// Chosen on the first call (of this function or of any computing function) and fixed for
/// the life of the process.
///
/// Never panics: if `RELENT_BACKEND` names an unknown backend or one this CPU cannot run,
/// the functions — single calls and [`batch`](crate::batch) alike — compute with the fastest
/// available one and this returns it; use [`try_backend`] to see the problem. An invalid
/// variable is a warning, not an error: the values are the fastest backend's, correct within
/// the same bounds, so nothing is refused. The `relent` command prints that warning, one line
/// on stderr, and goes on.
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
/// logits are decided exactly as the definition says), then [`relent_simd::settle`]: +∞ is
/// exact only with a masked b (−∞) where a is not masked; a shifted logit difference that
/// overflows `f64` (huge logits, tiny temperatures: the exact KL can be finite, up to 1e308)
/// is the reference's to decide. (A row that is entirely masked has no softmax: the reference
/// gives NaN and the checked call reports `ZeroTotal`.)
pub(crate) fn kl_logits<T: crate::Element>(
    a: &[T],
    b: &[T],
    temperature: f64,
    precision: Precision,
) -> Output {
    settle(
        Func::KlLogits,
        &[a, b],
        temperature,
        kernels().kl_logits(a, b, temperature, precision),
    )
}
