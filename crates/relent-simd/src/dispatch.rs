//! Run-time backend choice: detection, the cached choice, `RELENT_BACKEND`, and the
//! `#[target_feature]` entry points that instantiate the generic kernels per ISA.
//!
//! The choice is made once (first call) and cached in a `OnceLock`. Every later call loads
//! it, re-creates the backend's zero-sized token (whose only constructor is the feature check,
//! itself cached by std) and calls the kernel instantiated inside a
//! `#[target_feature(enable = "avx2,fma")]` (or `"avx512f,fma"`) function, so a default
//! `cargo build` (no `-C target-cpu`) runs AVX2/AVX-512 code where the CPU has it.
#![allow(unsafe_code)]

use core::fmt;
use std::sync::OnceLock;

use relent_scalar::{Element, Slice};

use crate::chunked::{self, Func, Partial, Term};
use crate::kernels::{self, logits};
use crate::lanes::Load;
use crate::lanes::avx2::Avx2;
use crate::lanes::avx512::Avx512;
use crate::lanes::portable::Portable;
use crate::lanes::scalar::Scalar;
use crate::{Output, Precision};

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
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU has AVX (checked just above), the only feature `zeroupper` enables.
        unsafe { zeroupper() }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
fn zeroupper() {
    std::arch::x86_64::_mm256_zeroupper();
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
    let imp = match b {
        Backend::Avx512 => Imp::Avx512(Avx512::try_new()?),
        Backend::Avx2 => Imp::Avx2(Avx2::try_new()?),
        Backend::Portable => Imp::Portable(Portable),
        Backend::Scalar => Imp::Scalar(Scalar),
    };
    Some(Kernels { imp })
}

/// The kernels of the cached backend.
pub(crate) fn kernels() -> Kernels {
    for_backend(backend()).expect("the cached backend is available")
}

#[derive(Clone, Copy, Debug)]
enum Imp {
    Avx512(Avx512),
    Avx2(Avx2),
    Portable(Portable),
    Scalar(Scalar),
}

/// Every function's kernel for one backend. Obtained from [`for_backend`]; each method
/// behaves like the crate-level function of the same name (see there for accuracy and special
/// values) but on this backend.
///
/// ```
/// use relent_simd::{for_backend, available_backends, Precision};
/// for b in available_backends() {
///     let k = for_backend(b).unwrap();
///     let out = k.entropy(&[0.5f32, 0.5], Precision::High);
///     assert!((out.value - std::f64::consts::LN_2).abs() < 1e-15);
/// }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Kernels {
    imp: Imp,
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn avx2_entry<T: Load, F: Term>(t: Avx2, ins: [&[T]; 4], aux: f64, whole: bool) -> Partial {
    if whole {
        chunked::run_all::<Avx2, T, F>(t, ins, aux)
    } else {
        chunked::run_chunk::<Avx2, T, F>(t, ins, aux)
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
fn avx512_entry<T: Load, F: Term>(t: Avx512, ins: [&[T]; 4], aux: f64, whole: bool) -> Partial {
    if whole {
        chunked::run_all::<Avx512, T, F>(t, ins, aux)
    } else {
        chunked::run_chunk::<Avx512, T, F>(t, ins, aux)
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn avx2_logits<T: Load>(t: Avx2, a: &[T], b: &[T], temp: f64, whole: bool, exact: bool) -> Partial {
    logits::run(t, a, b, temp, whole, exact)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
fn avx512_logits<T: Load>(
    t: Avx512,
    a: &[T],
    b: &[T],
    temp: f64,
    whole: bool,
    exact: bool,
) -> Partial {
    logits::run(t, a, b, temp, whole, exact)
}

/// Folds `$part` — an expression of the chunk range `$r` giving that chunk's [`Partial`] —
/// over the fixed [`crate::CHUNK`]-sized chunks of `0..$n` in index order (one chunk of
/// everything when `!$whole`; one empty range when `$n = 0`). A macro, not a function taking a
/// closure: a closure would not inherit the caller's target features.
macro_rules! fold_chunks {
    ($func:expr, $n:expr, $whole:expr, |$r:ident| $part:expr) => {{
        let n: usize = $n;
        let step = if $whole { crate::CHUNK } else { n.max(1) };
        let mut acc = Partial::new($func);
        let mut start = 0;
        loop {
            let end = (start + step).min(n);
            let $r = start..end;
            acc = acc.combine($part);
            start = end;
            if start >= n {
                break acc;
            }
        }
    }};
}

/// A fast path's chunk, or — where it returns `None` — the generic kernel `F`'s (the same for
/// a chunk whichever way the input was split, so batch folds give the same bits).
macro_rules! or_generic {
    ($fast:expr, $lanes:ty, $t:expr, $elt:ty, $f:ty, $ins:expr) => {
        match $fast {
            Some(part) => part,
            None => chunked::run_chunk::<$lanes, $elt, $f>($t, $ins, 1.0),
        }
    };
}

/// The fast `f32` path of a `g`-based function on AVX-512 ([`crate::fast32`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
fn avx512_fast32<const MODE: u8, F: Term>(t: Avx512, p: &[f32], q: &[f32], whole: bool) -> Partial {
    fold_chunks!(F::FUNC, p.len(), whole, |r| {
        let (pc, qc) = (&p[r.clone()], &q[r]);
        let fast = crate::fast32::chunk::<Avx512, MODE>(t, pc, qc);
        or_generic!(fast, Avx512, t, f32, F, [pc, qc, pc, pc])
    })
}

/// [`avx512_fast32`] on AVX2+FMA (8 `f32` lanes; see `lanes32::avx2`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn avx2_fast32<const MODE: u8, F: Term>(t: Avx2, p: &[f32], q: &[f32], whole: bool) -> Partial {
    fold_chunks!(F::FUNC, p.len(), whole, |r| {
        let (pc, qc) = (&p[r.clone()], &q[r]);
        let fast = crate::fast32::chunk::<Avx2, MODE>(t, pc, qc);
        or_generic!(fast, Avx2, t, f32, F, [pc, qc, pc, pc])
    })
}

/// The fast `f32` path of KL from log-probabilities and the Gaussian KL from log-variances
/// on AVX-512 ([`crate::fastexp32`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
fn avx512_fastexp32<F: Term>(t: Avx512, ins: [&[f32]; 4], whole: bool) -> Partial {
    fold_chunks!(F::FUNC, ins[0].len(), whole, |r| {
        let c = ins.map(|s| &s[r.clone()]);
        let fast = if F::FUNC == Func::KlLog {
            crate::fastexp32::kl_log_chunk(t, c[0], c[1])
        } else {
            crate::fastexp32::logvar_chunk(t, c)
        };
        or_generic!(fast, Avx512, t, f32, F, c)
    })
}

/// [`avx512_fastexp32`] on AVX2+FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn avx2_fastexp32<F: Term>(t: Avx2, ins: [&[f32]; 4], whole: bool) -> Partial {
    fold_chunks!(F::FUNC, ins[0].len(), whole, |r| {
        let c = ins.map(|s| &s[r.clone()]);
        let fast = if F::FUNC == Func::KlLog {
            crate::fastexp32::kl_log_chunk(t, c[0], c[1])
        } else {
            crate::fastexp32::logvar_chunk(t, c)
        };
        or_generic!(fast, Avx2, t, f32, F, c)
    })
}

/// `kl_logits` for `f32` inputs at the default precision on AVX-512
/// ([`crate::fastexp32::logits_chunk`]); other chunks take the generic kernel.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
fn avx512_logits32(t: Avx512, a: &[f32], b: &[f32], temp: f64, whole: bool) -> Partial {
    fold_chunks!(Func::KlLogits, a.len(), whole, |r| {
        let (ac, bc) = (&a[r.clone()], &b[r]);
        match crate::fastexp32::logits_chunk(t, ac, bc, temp) {
            Some(part) => part,
            None => logits::run_chunk::<Avx512, f32, false>(t, ac, bc, temp),
        }
    })
}

/// [`avx512_logits32`] on AVX2+FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn avx2_logits32(t: Avx2, a: &[f32], b: &[f32], temp: f64, whole: bool) -> Partial {
    fold_chunks!(Func::KlLogits, a.len(), whole, |r| {
        let (ac, bc) = (&a[r.clone()], &b[r]);
        match crate::fastexp32::logits_chunk(t, ac, bc, temp) {
            Some(part) => part,
            None => logits::run_chunk::<Avx2, f32, false>(t, ac, bc, temp),
        }
    })
}

/// The fast `f32` path of `gaussian_kl_diag` on AVX-512 ([`crate::gauss32`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
fn avx512_gauss32(t: Avx512, ins: [&[f32]; 4], whole: bool) -> Partial {
    fold_chunks!(Func::GaussianKlDiag, ins[0].len(), whole, |r| {
        let c = ins.map(|s| &s[r.clone()]);
        let fast = crate::gauss32::chunk(t, c);
        or_generic!(fast, Avx512, t, f32, kernels::GaussianKlDiag, c)
    })
}

/// [`avx512_gauss32`] on AVX2+FMA (8 `f32` lanes).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn avx2_gauss32(t: Avx2, ins: [&[f32]; 4], whole: bool) -> Partial {
    fold_chunks!(Func::GaussianKlDiag, ins[0].len(), whole, |r| {
        let c = ins.map(|s| &s[r.clone()]);
        let fast = crate::gauss32::chunk(t, c);
        or_generic!(fast, Avx2, t, f32, kernels::GaussianKlDiag, c)
    })
}

/// The AVX-512 path of KL, generalised KL, normalised KL and Jensen–Shannon for `f64` inputs
/// ([`crate::fast64`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
fn avx512_fast64<const MODE: u8, F: Term>(t: Avx512, p: &[f64], q: &[f64], whole: bool) -> Partial {
    fold_chunks!(F::FUNC, p.len(), whole, |r| {
        let (pc, qc) = (&p[r.clone()], &q[r]);
        let fast = crate::fast64::chunk::<Avx512, MODE>(t, pc, qc);
        or_generic!(fast, Avx512, t, f64, F, [pc, qc, pc, pc])
    })
}

fn generic_entry<L: crate::lanes::Lanes, T: Load, F: Term>(
    l: L,
    ins: [&[T]; 4],
    aux: f64,
    whole: bool,
) -> Partial {
    if whole {
        chunked::run_all::<L, T, F>(l, ins, aux)
    } else {
        chunked::run_chunk::<L, T, F>(l, ins, aux)
    }
}

impl Kernels {
    /// The backend these kernels run on.
    ///
    /// ```
    /// let k = relent_simd::for_backend(relent_simd::backend()).unwrap();
    /// assert_eq!(k.backend(), relent_simd::backend());
    /// ```
    pub fn backend(&self) -> Backend {
        match self.imp {
            Imp::Avx512(_) => Backend::Avx512,
            Imp::Avx2(_) => Backend::Avx2,
            Imp::Portable(_) => Backend::Portable,
            Imp::Scalar(_) => Backend::Scalar,
        }
    }

    fn go_term<T: Load, F: Term>(&self, ins: [&[T]; 4], aux: f64, whole: bool) -> Partial {
        match self.imp {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the token exists only if AVX-512F and FMA were detected on this CPU.
            Imp::Avx512(t) => unsafe { avx512_entry::<T, F>(t, ins, aux, whole) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the token exists only if AVX2 and FMA were detected on this CPU.
            Imp::Avx2(t) => unsafe { avx2_entry::<T, F>(t, ins, aux, whole) },
            Imp::Portable(t) => generic_entry::<Portable, T, F>(t, ins, aux, whole),
            Imp::Scalar(t) => generic_entry::<Scalar, T, F>(t, ins, aux, whole),
            #[cfg(not(target_arch = "x86_64"))]
            _ => unreachable!(),
        }
    }

    /// `kl_logits`; `exact`: recover the rounding of the shifted logits (for the 2^-49
    /// bound: `f64` inputs and [`Precision::High`]).
    fn go_logits<T: Load>(&self, a: &[T], b: &[T], temp: f64, whole: bool, exact: bool) -> Partial {
        match self.imp {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the token exists only if AVX-512F and FMA were detected on this CPU.
            Imp::Avx512(t) => unsafe { avx512_logits(t, a, b, temp, whole, exact) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the token exists only if AVX2 and FMA were detected on this CPU.
            Imp::Avx2(t) => unsafe { avx2_logits(t, a, b, temp, whole, exact) },
            Imp::Portable(t) => logits::run(t, a, b, temp, whole, exact),
            Imp::Scalar(t) => logits::run(t, a, b, temp, whole, exact),
            #[cfg(not(target_arch = "x86_64"))]
            _ => unreachable!(),
        }
    }

    fn go<T: Load>(
        &self,
        func: Func,
        ins: [&[T]; 4],
        aux: f64,
        whole: bool,
        precision: Precision,
    ) -> Partial {
        use kernels::*;
        match func {
            Func::Kl => self.go_term::<T, Kl>(ins, aux, whole),
            Func::KlNormalized => self.go_term::<T, KlNormalized>(ins, aux, whole),
            Func::CrossEntropy => self.go_term::<T, CrossEntropy>(ins, aux, whole),
            Func::Entropy => self.go_term::<T, Entropy>(ins, aux, whole),
            Func::GeneralizedKl => self.go_term::<T, GeneralizedKl>(ins, aux, whole),
            Func::Jeffreys => self.go_term::<T, Jeffreys>(ins, aux, whole),
            Func::JsDivergence => self.go_term::<T, JsDivergence>(ins, aux, whole),
            Func::KlLog => self.go_term::<T, KlLog>(ins, aux, whole),
            Func::GaussianKlDiag => self.go_term::<T, GaussianKlDiag>(ins, aux, whole),
            Func::GaussianKlDiagLogvar => self.go_term::<T, GaussianKlDiagLogvar>(ins, aux, whole),
            Func::KlLogits => {
                let wide = core::any::TypeId::of::<T>() == core::any::TypeId::of::<f64>();
                let exact = wide || precision == Precision::High;
                self.go_logits(ins[0], ins[1], aux, whole, exact)
            }
        }
    }

    /// Type dispatch: `T` to the concrete element type.
    fn run<T: Element>(
        &self,
        func: Func,
        args: &[&[T]],
        param: f64,
        whole: bool,
        precision: Precision,
    ) -> Partial {
        let arity = match func {
            Func::Entropy => 1,
            Func::GaussianKlDiag | Func::GaussianKlDiagLogvar => 4,
            _ => 2,
        };
        assert!(
            args.len() >= arity,
            "{func:?} takes {arity} inputs, {} given",
            args.len()
        );
        let n = args[0].len();
        for a in &args[..arity] {
            assert_eq!(a.len(), n, "{func:?}: inputs must have equal lengths");
        }
        let ins: [&[T]; 4] = [0, 1, 2, 3].map(|i| if i < arity { args[i] } else { args[0] });
        macro_rules! typed {
            ($variant:ident, $t:ty) => {{
                let ins: [&[$t]; 4] = ins.map(|s| match T::slice(s) {
                    Slice::$variant(x) => x,
                    _ => unreachable!("one element type per call"),
                });
                self.go::<$t>(func, ins, param, whole, precision)
            }};
        }
        match T::slice(ins[0]) {
            #[cfg(target_arch = "x86_64")]
            Slice::F32(p)
                if precision == Precision::Default
                    && matches!(self.imp, Imp::Avx512(_) | Imp::Avx2(_))
                    && crate::fast32::mode(func).is_some() =>
            {
                let Slice::F32(q) = T::slice(ins[1]) else {
                    unreachable!("one element type per call")
                };
                use crate::fast32::{CE, ENT, GKL, JEF, JS, KL, KLN};
                use kernels::{
                    CrossEntropy, Entropy, GeneralizedKl, Jeffreys, JsDivergence, Kl, KlNormalized,
                };
                macro_rules! fast32 {
                    ($entry:ident, $t:expr) => {
                        match func {
                            Func::Kl => $entry::<KL, Kl>($t, p, q, whole),
                            Func::GeneralizedKl => $entry::<GKL, GeneralizedKl>($t, p, q, whole),
                            Func::Jeffreys => $entry::<JEF, Jeffreys>($t, p, q, whole),
                            Func::CrossEntropy => $entry::<CE, CrossEntropy>($t, p, q, whole),
                            Func::Entropy => $entry::<ENT, Entropy>($t, p, q, whole),
                            Func::JsDivergence => $entry::<JS, JsDivergence>($t, p, q, whole),
                            _ => $entry::<KLN, KlNormalized>($t, p, q, whole),
                        }
                    };
                }
                match self.imp {
                    // SAFETY: the token exists only if AVX-512F and FMA were detected on this
                    // CPU.
                    Imp::Avx512(t) => unsafe { fast32!(avx512_fast32, t) },
                    // SAFETY: the token exists only if AVX2 and FMA were detected on this CPU.
                    Imp::Avx2(t) => unsafe { fast32!(avx2_fast32, t) },
                    _ => unreachable!(),
                }
            }
            #[cfg(target_arch = "x86_64")]
            Slice::F32(_)
                if precision == Precision::Default
                    && func == Func::GaussianKlDiag
                    && matches!(self.imp, Imp::Avx512(_) | Imp::Avx2(_)) =>
            {
                let ins: [&[f32]; 4] = ins.map(|s| match T::slice(s) {
                    Slice::F32(x) => x,
                    _ => unreachable!("one element type per call"),
                });
                match self.imp {
                    // SAFETY: the token exists only if AVX-512F and FMA were detected on this
                    // CPU.
                    Imp::Avx512(t) => unsafe { avx512_gauss32(t, ins, whole) },
                    // SAFETY: the token exists only if AVX2 and FMA were detected on this CPU.
                    Imp::Avx2(t) => unsafe { avx2_gauss32(t, ins, whole) },
                    _ => unreachable!(),
                }
            }
            #[cfg(target_arch = "x86_64")]
            Slice::F64(p)
                if matches!(self.imp, Imp::Avx512(_)) && crate::fast64::mode(func).is_some() =>
            {
                let Imp::Avx512(t) = self.imp else {
                    unreachable!()
                };
                let Slice::F64(q) = T::slice(ins[1]) else {
                    unreachable!("one element type per call")
                };
                use crate::fast64::{GKL, JS, KL};
                use kernels::{GeneralizedKl, JsDivergence, Kl, KlNormalized};
                // SAFETY: the token exists only if AVX-512F and FMA were detected on this CPU.
                unsafe {
                    match func {
                        Func::Kl => avx512_fast64::<KL, Kl>(t, p, q, whole),
                        Func::GeneralizedKl => avx512_fast64::<GKL, GeneralizedKl>(t, p, q, whole),
                        Func::JsDivergence => avx512_fast64::<JS, JsDivergence>(t, p, q, whole),
                        _ => avx512_fast64::<{ crate::fast64::KLN }, KlNormalized>(t, p, q, whole),
                    }
                }
            }
            #[cfg(target_arch = "x86_64")]
            Slice::F32(_)
                if precision == Precision::Default
                    && matches!(self.imp, Imp::Avx512(_) | Imp::Avx2(_))
                    && matches!(
                        func,
                        Func::KlLog | Func::GaussianKlDiagLogvar | Func::KlLogits
                    ) =>
            {
                let ins: [&[f32]; 4] = ins.map(|s| match T::slice(s) {
                    Slice::F32(x) => x,
                    _ => unreachable!("one element type per call"),
                });
                use kernels::{GaussianKlDiagLogvar, KlLog};
                let log = func == Func::KlLog;
                if func == Func::KlLogits {
                    let (a, b) = (ins[0], ins[1]);
                    return match self.imp {
                        // SAFETY: the token exists only if AVX-512F and FMA were detected on
                        // this CPU.
                        Imp::Avx512(t) => unsafe { avx512_logits32(t, a, b, param, whole) },
                        // SAFETY: the token exists only if AVX2 and FMA were detected on this
                        // CPU.
                        Imp::Avx2(t) => unsafe { avx2_logits32(t, a, b, param, whole) },
                        _ => unreachable!(),
                    };
                }
                match self.imp {
                    // SAFETY: the token exists only if AVX-512F and FMA were detected on this
                    // CPU.
                    Imp::Avx512(t) if log => unsafe { avx512_fastexp32::<KlLog>(t, ins, whole) },
                    // SAFETY: as above.
                    Imp::Avx512(t) => unsafe {
                        avx512_fastexp32::<GaussianKlDiagLogvar>(t, ins, whole)
                    },
                    // SAFETY: the token exists only if AVX2 and FMA were detected on this CPU.
                    Imp::Avx2(t) if log => unsafe { avx2_fastexp32::<KlLog>(t, ins, whole) },
                    // SAFETY: as above.
                    Imp::Avx2(t) => unsafe {
                        avx2_fastexp32::<GaussianKlDiagLogvar>(t, ins, whole)
                    },
                    _ => unreachable!(),
                }
            }
            Slice::F32(_) => typed!(F32, f32),
            Slice::F64(_) => typed!(F64, f64),
            #[cfg(feature = "half")]
            Slice::F16(_) => typed!(F16, half::f16),
            #[cfg(feature = "half")]
            Slice::BF16(_) => typed!(BF16, half::bf16),
            #[allow(unreachable_patterns)]
            _ => unreachable!("relent-scalar's `half` feature is enabled without relent-simd's"),
        }
    }

    /// The [`Partial`] of `func` over one run of inputs (normally one [`crate::CHUNK`]-sized
    /// chunk; any length works and is processed as a single chunk). `inputs` holds the
    /// function's slices in argument order (1, 2 or 4 of equal length); `param` is the
    /// temperature for [`Func::KlLogits`] and ignored otherwise.
    ///
    /// # Panics
    /// If fewer inputs than the function takes are given or their lengths differ.
    ///
    /// ```
    /// use relent_simd::{for_backend, Backend, Func, Partial};
    /// let k = for_backend(Backend::Portable).unwrap();
    /// let part = k.partial(Func::Entropy, &[&[0.25f64, 0.75][..]], 1.0);
    /// let h = Partial::new(Func::Entropy).combine(part).finish().value;
    /// assert!((h - 0.5623351446188083).abs() < 1e-15);
    /// ```
    pub fn partial<T: Element>(&self, func: Func, inputs: &[&[T]], param: f64) -> Partial {
        self.run(func, inputs, param, false, Precision::Default)
    }

    /// [`Kernels::partial`] at a given [`Precision`] (`partial` is `Precision::Default`).
    ///
    /// # Panics
    /// As [`Kernels::partial`].
    ///
    /// ```
    /// use relent_simd::{backend, for_backend, Func, Partial, Precision};
    /// let k = for_backend(backend()).unwrap();
    /// let part = k.partial_with(Func::Kl, &[&[0.5f32, 0.5][..], &[0.25, 0.75]], 1.0, Precision::High);
    /// let v = Partial::new(Func::Kl).combine(part).finish().value;
    /// assert!((v - 0.14384103622589045).abs() < 1e-16);
    /// ```
    pub fn partial_with<T: Element>(
        &self,
        func: Func,
        inputs: &[&[T]],
        param: f64,
        precision: Precision,
    ) -> Partial {
        self.run(func, inputs, param, false, precision)
    }

    fn whole<T: Element>(
        &self,
        func: Func,
        inputs: &[&[T]],
        param: f64,
        precision: Precision,
    ) -> Output {
        let part = self.run(func, inputs, param, true, precision);
        if func == Func::KlNormalized && !part.invalid && !part.normalized_well_conditioned() {
            // Totals far apart (or near the ends of the f64 range): the streaming form would
            // cancel; the exact reference rescales by powers of two in double-double.
            return Output {
                value: relent_scalar::kl_normalized(inputs[0], inputs[1]),
                invalid: false,
            };
        }
        part.finish()
    }
}

macro_rules! kernel_methods {
    ($($(#[$m:meta])* $name:ident($($a:ident),*) => $func:ident;)*) => {
        impl Kernels {
            $(
                $(#[$m])*
                pub fn $name<T: Element>(&self, $($a: &[T],)* precision: Precision) -> Output {
                    self.whole(Func::$func, &[$($a),*], 1.0, precision)
                }
            )*

            /// [`crate::kl_logits`] on this backend.
            ///
            /// # Panics
            /// If the lengths differ.
            pub fn kl_logits<T: Element>(&self, a: &[T], b: &[T], temperature: f64, precision: Precision) -> Output {
                self.whole(Func::KlLogits, &[a, b], temperature, precision)
            }
        }
    };
}

kernel_methods! {
    /// [`crate::kl`] on this backend.
    ///
    /// # Panics
    /// If the lengths differ.
    kl(p, q) => Kl;
    /// [`crate::kl_normalized`] on this backend.
    ///
    /// # Panics
    /// If the lengths differ.
    kl_normalized(p, q) => KlNormalized;
    /// [`crate::cross_entropy`] on this backend.
    ///
    /// # Panics
    /// If the lengths differ.
    cross_entropy(p, q) => CrossEntropy;
    /// [`crate::entropy`] on this backend.
    entropy(p) => Entropy;
    /// [`crate::generalized_kl`] on this backend.
    ///
    /// # Panics
    /// If the lengths differ.
    generalized_kl(p, q) => GeneralizedKl;
    /// [`crate::jeffreys`] on this backend.
    ///
    /// # Panics
    /// If the lengths differ.
    jeffreys(p, q) => Jeffreys;
    /// [`crate::js_divergence`] on this backend.
    ///
    /// # Panics
    /// If the lengths differ.
    js_divergence(p, q) => JsDivergence;
    /// [`crate::kl_log`] on this backend.
    ///
    /// # Panics
    /// If the lengths differ.
    kl_log(lp, lq) => KlLog;
    /// [`crate::gaussian_kl_diag`] on this backend.
    ///
    /// # Panics
    /// If the lengths differ.
    gaussian_kl_diag(mu_p, var_p, mu_q, var_q) => GaussianKlDiag;
    /// [`crate::gaussian_kl_diag_logvar`] on this backend.
    ///
    /// # Panics
    /// If the lengths differ.
    gaussian_kl_diag_logvar(mu_p, logvar_p, mu_q, logvar_q) => GaussianKlDiagLogvar;
}

#[cfg(test)]
mod tests {
    use super::*;

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
