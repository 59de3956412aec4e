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

use relent_simd::{Backend, BackendError, Kernels, for_backend};

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
