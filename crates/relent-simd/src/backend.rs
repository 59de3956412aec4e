//! The backend policy: which instruction set the kernels run on. The one place that reads
//! `RELENT_BACKEND`; relent, relent-batch and the CLI all go through [`backend`] and
//! [`try_backend`], so the choice is made once, the same way, and never panics.

use core::fmt;
use std::sync::OnceLock;

use crate::route::Kernels;

/// A kernel implementation (instruction set).
///
/// ```
/// use relent_simd::Backend;
/// assert_eq!(Backend::Avx2.name(), "avx2");
/// assert_eq!(Backend::from_name("scalar"), Some(Backend::Scalar));
/// assert!(Backend::Scalar.is_available());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// `std::arch` AVX-512F (8 `f64` lanes).
    Avx512,
    /// `std::arch` AVX2 + FMA (4 `f64` lanes).
    Avx2,
    /// The `wide` crate (4 `f64` lanes with the build's target features).
    Portable,
    /// Plain Rust, one lane.
    Scalar,
}

impl Backend {
    /// Every backend, fastest first.
    pub const ALL: [Backend; 4] = [
        Backend::Avx512,
        Backend::Avx2,
        Backend::Portable,
        Backend::Scalar,
    ];

    /// The name used by `RELENT_BACKEND` and in reports: `"avx512"`, `"avx2"`, `"portable"`,
    /// `"scalar"`.
    ///
    /// ```
    /// assert_eq!(relent_simd::Backend::Portable.name(), "portable");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Backend::Avx512 => "avx512",
            Backend::Avx2 => "avx2",
            Backend::Portable => "portable",
            Backend::Scalar => "scalar",
        }
    }

    /// The backend called `name` (see [`Backend::name`]).
    ///
    /// ```
    /// assert_eq!(relent_simd::Backend::from_name("avx2"), Some(relent_simd::Backend::Avx2));
    /// assert_eq!(relent_simd::Backend::from_name("sse"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Backend> {
        Backend::ALL.into_iter().find(|b| b.name() == name)
    }

    /// Whether this CPU can run the backend.
    ///
    /// ```
    /// assert!(relent_simd::Backend::Portable.is_available());
    /// ```
    pub fn is_available(self) -> bool {
        for_backend(self).is_some()
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why `RELENT_BACKEND` could not be honoured.
///
/// ```
/// use relent_simd::{Backend, BackendError};
/// let e = BackendError::Unavailable(Backend::Avx512);
/// assert!(e.to_string().contains("avx512"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BackendError {
    /// The variable names no backend.
    Unknown(String),
    /// The named backend needs instructions this CPU lacks.
    Unavailable(Backend),
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackendError::Unknown(s) => write!(
                f,
                "RELENT_BACKEND={s:?} names no backend (expected avx512, avx2, portable or scalar)"
            ),
            BackendError::Unavailable(b) => write!(
                f,
                "RELENT_BACKEND={b} was requested but this CPU lacks the instructions it needs \
                 (available: {})",
                available_backends()
                    .iter()
                    .map(|b| b.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

impl std::error::Error for BackendError {}

/// The resolved choice, made once: the backend every call computes with, and the reason
/// `RELENT_BACKEND` could not be honoured (if it could not).
static CHOICE: OnceLock<(Backend, Option<BackendError>)> = OnceLock::new();

/// The backend policy, the one place that reads `RELENT_BACKEND`: a valid, available name is
/// honoured; an unset or empty variable gives the fastest backend this CPU runs; an unknown
/// name or an unavailable backend gives the fastest backend too, with the reason kept for
/// [`try_backend`]. Never panics.
fn resolve() -> (Backend, Option<BackendError>) {
    let fastest = available_backends()[0];
    match std::env::var("RELENT_BACKEND") {
        Ok(name) if !name.trim().is_empty() => match Backend::from_name(name.trim()) {
            Some(b) if b.is_available() => (b, None),
            Some(b) => (fastest, Some(BackendError::Unavailable(b))),
            None => (fastest, Some(BackendError::Unknown(name))),
        },
        // Unset, empty or not Unicode: the fastest.
        _ => (fastest, None),
    }
}

fn choice() -> &'static (Backend, Option<BackendError>) {
    CHOICE.get_or_init(resolve)
}

/// The backend `RELENT_BACKEND` asks for (the fastest available when it is unset), or the
/// reason the variable cannot be honoured. Resolved on the first call of any function of this
/// crate and cached for the life of the process; on `Ok` it equals [`backend`].
///
/// # Errors
/// [`BackendError::Unknown`] when the variable names no backend, [`BackendError::Unavailable`]
/// when this CPU cannot run the one it names (the kernels then use the fastest available
/// backend, which [`backend`] returns).
///
/// ```
/// match relent_simd::try_backend() {
///     Ok(b) => assert_eq!(b, relent_simd::backend()),
///     Err(e) => eprintln!("ignoring RELENT_BACKEND: {e}"),
/// }
/// ```
pub fn try_backend() -> Result<Backend, BackendError> {
    match choice() {
        (b, None) => Ok(*b),
        (_, Some(e)) => Err(e.clone()),
    }
}

/// The backend in use: the one `RELENT_BACKEND` forces, or the fastest this CPU runs. Chosen
/// on the first call and cached. Never panics: an unknown or unavailable `RELENT_BACKEND` is
/// ignored here (the fastest backend is used) and reported by [`try_backend`].
///
/// ```
/// let b = relent_simd::backend();
/// assert!(b.is_available());
/// println!("relent-simd backend: {b}");
/// ```
pub fn backend() -> Backend {
    choice().0
}

/// Marks the upper halves of the vector registers clean (`vzeroupper`) on x86-64 CPUs with AVX;
/// does nothing elsewhere.
///
/// Call it after foreign vector code that returns with the upper halves of the `ymm`/`zmm`
/// registers dirty, before running code compiled for baseline x86-64 (SSE encodings: Rust code
/// built without `-C target-cpu`, glibc's `log`). On Intel cores since Skylake every SSE
/// instruction executed in that state merges the upper bits (an extra µop and a false
/// dependency). relent-batch calls it after each GEMM: faer's AVX-512 microkernels return
/// without `vzeroupper`, and the `f64` logarithms and the scalar loops that follow ran ~8×
/// slower (all-pairs KL 2 000 × 2 000 × 1 024: 680 → 200 ms on a Sapphire Rapids core).
/// It changes no value, only the speed of what follows.
///
/// ```
/// relent_simd::clear_upper_vector_state();
/// ```
pub fn clear_upper_vector_state() {
    crate::arch::avx2::clear_upper_vector_state();
}

/// The backends this CPU can run, fastest first (always ends with portable, scalar).
///
/// ```
/// let all = relent_simd::available_backends();
/// assert_eq!(all.last(), Some(&relent_simd::Backend::Scalar));
/// ```
pub fn available_backends() -> Vec<Backend> {
    Backend::ALL
        .into_iter()
        .filter(|b| b.is_available())
        .collect()
}

/// The kernels of backend `b`, or `None` when the CPU cannot run it (for tests and benches;
/// ordinary calls use [`backend`]).
///
/// ```
/// use relent_simd::{for_backend, Backend, Precision};
/// let k = for_backend(Backend::Scalar).unwrap();
/// assert_eq!(k.backend(), Backend::Scalar);
/// assert_eq!(k.kl(&[0.5f64, 0.5], &[0.5, 0.5], Precision::Default).value, 0.0);
/// ```
pub fn for_backend(b: Backend) -> Option<Kernels> {
    Kernels::new(b)
}

/// The kernels of the cached backend.
pub(crate) fn kernels() -> Kernels {
    for_backend(backend()).expect("the cached backend is available")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Precision;

    /// The dispatch code's safe surface (what `cargo xtask miri` checks on top of the portable
    /// and scalar kernels): names round-trip, every available backend yields kernels that
    /// compute, unavailable ones yield none, the cached choice is stable across threads, and the
    /// upper-state reset is callable anywhere.
    #[test]
    fn safe_surface() {
        for b in Backend::ALL {
            assert_eq!(Backend::from_name(b.name()), Some(b));
            match for_backend(b) {
                Some(k) => {
                    assert!(b.is_available());
                    assert_eq!(k.backend(), b);
                    let out = k.kl(&[0.25f64, 0.75], &[0.5, 0.5], Precision::High);
                    let want = 0.25 * (0.5f64).ln() + 0.75 * (1.5f64).ln();
                    assert!((out.value - want).abs() <= 4.0 * f64::EPSILON * want);
                }
                None => assert!(!b.is_available()),
            }
        }
        assert_eq!(Backend::from_name("avx1024"), None);
        let all = available_backends();
        assert_eq!(all.last(), Some(&Backend::Scalar));
        let chosen = try_backend().expect("RELENT_BACKEND unset or valid in tests");
        assert!(all.contains(&chosen));
        let seen: Vec<Backend> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..4).map(|_| s.spawn(backend)).collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(seen.iter().all(|&b| b == chosen));
        clear_upper_vector_state();
        assert_eq!(kernels().backend(), chosen);
    }
}
