//! The route: which path computes each (function, element type, precision, backend), what it
//! hands a chunk to when it cannot take it, and the dispatcher that executes it. [`route`] is
//! the only place that decides; [`Kernels`] (the dispatcher, below it) holds one backend's token
//! and runs, for each call, the path [`route`] names — through the backend's entry point
//! (`arch/`) into the path's kernel (`f64lanes/`, `f32lanes/`).
//!
//! [`route`] is one `match` over [`Func`] with no wildcard arm, so a new function does not
//! compile until it is routed here. The crate docs show the same route as a table.
//!
//! ```
//! use relent_simd::route::{route, ElementType, Path};
//! use relent_simd::{Backend, Func, Precision};
//! let p = route(Func::Kl, ElementType::F32, Precision::Default, Backend::Avx2);
//! assert_eq!(p, Path::F32Ratio);
//! assert_eq!(p.fallback(), Some(Path::F64Term));
//! let p = route(Func::Kl, ElementType::F32, Precision::High, Backend::Avx2);
//! assert_eq!(p, Path::F64Term);
//! ```

use relent_scalar::{Element, Slice};

use crate::arch::Entries;
use crate::arch::avx2::Avx2;
use crate::arch::avx512::Avx512;
use crate::arch::portable::Portable;
use crate::arch::scalar::Scalar;
use crate::f64lanes::{
    CrossEntropy, Entropy, GaussianKlDiag, GaussianKlDiagLogvar, GeneralizedKl, Jeffreys,
    JsDivergence, Kl, KlLog, KlNormalized,
};
use crate::func::{Func, Partial};
use crate::lanes::Load;
use crate::{Backend, Output, Precision};

/// The element types the kernels read.
///
/// ```
/// use relent_simd::route::ElementType;
/// assert_eq!(ElementType::of::<f32>(), ElementType::F32);
/// assert_eq!(ElementType::F64.name(), "f64");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ElementType {
    /// `half::f16` (with the `half` feature).
    F16,
    /// `half::bf16` (with the `half` feature).
    Bf16,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
}

impl ElementType {
    /// Every element type.
    pub const ALL: [ElementType; 4] = [
        ElementType::F16,
        ElementType::Bf16,
        ElementType::F32,
        ElementType::F64,
    ];

    /// The element type of `T`.
    ///
    /// ```
    /// assert_eq!(relent_simd::route::ElementType::of::<f64>().name(), "f64");
    /// ```
    pub fn of<T: Element>() -> ElementType {
        match T::NAME {
            "f64" => ElementType::F64,
            "f32" => ElementType::F32,
            "f16" => ElementType::F16,
            _ => ElementType::Bf16,
        }
    }

    /// `"f16"`, `"bf16"`, `"f32"` or `"f64"` (as [`Element::NAME`]).
    ///
    /// ```
    /// assert_eq!(relent_simd::route::ElementType::Bf16.name(), "bf16");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            ElementType::F16 => "f16",
            ElementType::Bf16 => "bf16",
            ElementType::F32 => "f32",
            ElementType::F64 => "f64",
        }
    }
}

/// A path: one kernel module and the lanes it computes in. Grouped by bound class: the `F64*`
/// paths compute in `f64` lanes and meet 2^-49; the `F32*` paths compute in `f32` lanes and
/// meet 2^-21 (they are routed only where that is the promise: `f32` inputs at
/// [`Precision::Default`]).
///
/// ```
/// use relent_simd::route::Path;
/// assert_eq!(Path::F32Ratio.file(), "f32lanes/ratio.rs");
/// assert_eq!(Path::F64Term.fallback(), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Path {
    /// The generic kernel in `f64` lanes: one term per function over the chunk driver
    /// (`f64lanes/`, every backend). Never falls back.
    F64Term,
    /// KL from logits in `f64` lanes (`f64lanes/logits.rs`), recovering the rounding of the
    /// shifted logits (2^-49). Never falls back.
    F64Logits,
    /// KL from logits in `f64` lanes without that recovery: `f32`/`f16`/`bf16` at the default
    /// precision (its error, ≤ |α|·2^-53 of a term, is far inside 2^-21). Never falls back.
    F64LogitsShort,
    /// KL, generalised KL, normalised KL and Jensen–Shannon of `f64` inputs on AVX-512: one or
    /// two divisions and a degree-9 polynomial per vector (`f64lanes/divided.rs`); a chunk it
    /// cannot take goes to [`Path::F64Term`].
    F64Divided,
    /// The `g`-based functions (KL, generalised and normalised KL, Jeffreys, cross-entropy,
    /// entropy, Jensen–Shannon) in `f32` lanes (`f32lanes/ratio.rs`); falls back to
    /// [`Path::F64Term`] per chunk.
    F32Ratio,
    /// KL from log-probabilities and the Gaussian KL from log-variances in `f32` lanes, by a
    /// short exponential (`f32lanes/exp.rs`); falls back to [`Path::F64Term`] per chunk.
    F32Exp,
    /// KL from logits in `f32` lanes (`f32lanes/exp.rs`, beside the other exponential-based
    /// functions); falls back to
    /// [`Path::F64LogitsShort`] per chunk.
    F32Logits,
    /// The Gaussian KL with variances in `f32` lanes (`f32lanes/gaussian.rs`); falls back to
    /// [`Path::F64Term`] per chunk.
    F32Gaussian,
}

impl Path {
    /// Every path.
    pub const ALL: [Path; 8] = [
        Path::F64Term,
        Path::F64Logits,
        Path::F64LogitsShort,
        Path::F64Divided,
        Path::F32Ratio,
        Path::F32Exp,
        Path::F32Logits,
        Path::F32Gaussian,
    ];

    /// What computes a chunk this path cannot take (extreme or invalid values), deciding from
    /// the chunk's own values — or `None` for the paths that take every chunk.
    ///
    /// ```
    /// use relent_simd::route::Path;
    /// assert_eq!(Path::F32Logits.fallback(), Some(Path::F64LogitsShort));
    /// ```
    pub fn fallback(self) -> Option<Path> {
        match self {
            Path::F64Term | Path::F64Logits | Path::F64LogitsShort => None,
            Path::F64Divided | Path::F32Ratio | Path::F32Exp | Path::F32Gaussian => {
                Some(Path::F64Term)
            }
            Path::F32Logits => Some(Path::F64LogitsShort),
        }
    }

    /// The file (under `crates/relent-simd/src/`) that holds the path's kernel.
    ///
    /// ```
    /// assert_eq!(relent_simd::route::Path::F64Term.file(), "f64lanes/<function>.rs");
    /// ```
    pub fn file(self) -> &'static str {
        match self {
            Path::F64Term => "f64lanes/<function>.rs",
            Path::F64Logits | Path::F64LogitsShort => "f64lanes/logits.rs",
            Path::F64Divided => "f64lanes/divided.rs",
            Path::F32Ratio => "f32lanes/ratio.rs",
            Path::F32Exp | Path::F32Logits => "f32lanes/exp.rs",
            Path::F32Gaussian => "f32lanes/gaussian.rs",
        }
    }

    /// Whether the path computes in `f32` lanes (bound class 2^-21) rather than `f64` lanes
    /// (2^-49).
    ///
    /// ```
    /// assert!(relent_simd::route::Path::F32Exp.is_f32_lanes());
    /// ```
    pub fn is_f32_lanes(self) -> bool {
        match self {
            Path::F64Term | Path::F64Logits | Path::F64LogitsShort | Path::F64Divided => false,
            Path::F32Ratio | Path::F32Exp | Path::F32Logits | Path::F32Gaussian => true,
        }
    }
}

/// The path that computes `func` on inputs of type `element` at `precision` on `backend`.
///
/// The `f32`-lane paths exist on AVX-512 and AVX2 and are taken for `f32` inputs at the default
/// precision only; the `f64` division path on AVX-512 only. Everything else computes in `f64`
/// lanes. Results depend on the path (within the bound), never on anything else.
///
/// ```
/// use relent_simd::route::{route, ElementType, Path};
/// use relent_simd::{Backend, Func, Precision};
/// let r = |f, e, b| route(f, e, Precision::Default, b);
/// assert_eq!(r(Func::JsDivergence, ElementType::F64, Backend::Avx512), Path::F64Divided);
/// assert_eq!(r(Func::JsDivergence, ElementType::F64, Backend::Avx2), Path::F64Term);
/// assert_eq!(r(Func::KlLogits, ElementType::Bf16, Backend::Avx512), Path::F64LogitsShort);
/// assert_eq!(r(Func::KlLogits, ElementType::F32, Backend::Portable), Path::F64LogitsShort);
/// ```
pub fn route(func: Func, element: ElementType, precision: Precision, backend: Backend) -> Path {
    let f32_default = element == ElementType::F32 && precision == Precision::Default;
    let f32_lanes = f32_default && matches!(backend, Backend::Avx512 | Backend::Avx2);
    let f64_avx512 = element == ElementType::F64 && backend == Backend::Avx512;
    match func {
        Func::Kl | Func::KlNormalized | Func::GeneralizedKl | Func::JsDivergence => {
            if f32_lanes {
                Path::F32Ratio
            } else if f64_avx512 {
                Path::F64Divided
            } else {
                Path::F64Term
            }
        }
        Func::CrossEntropy | Func::Entropy | Func::Jeffreys => {
            if f32_lanes {
                Path::F32Ratio
            } else {
                Path::F64Term
            }
        }
        Func::KlLog | Func::GaussianKlDiagLogvar => {
            if f32_lanes {
                Path::F32Exp
            } else {
                Path::F64Term
            }
        }
        Func::GaussianKlDiag => {
            if f32_lanes {
                Path::F32Gaussian
            } else {
                Path::F64Term
            }
        }
        Func::KlLogits => {
            if f32_lanes {
                Path::F32Logits
            } else if element == ElementType::F64 || precision == Precision::High {
                Path::F64Logits
            } else {
                Path::F64LogitsShort
            }
        }
    }
}

// ---- The dispatcher: executes the route. ----

#[derive(Clone, Copy, Debug)]
enum Imp {
    Avx512(Avx512),
    Avx2(Avx2),
    Portable(Portable),
    Scalar(Scalar),
}

/// Every function's kernel for one backend. Obtained from [`crate::for_backend`]; each method
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

/// The slices of `ins`, whose element type is `T`, as slices of `$t` (the `Slice::$variant` of
/// `T`).
macro_rules! as_type {
    ($ins:expr, $variant:ident) => {
        $ins.map(|s| match T::slice(s) {
            Slice::$variant(x) => x,
            #[allow(unreachable_patterns)]
            _ => unreachable!("one element type per call"),
        })
    };
}

/// `$body` with `$x` bound to `ins` as slices of the concrete element type.
macro_rules! by_type {
    ($ins:expr, |$x:ident| $body:expr) => {
        match T::slice($ins[0]) {
            Slice::F32(_) => {
                let $x = as_type!($ins, F32);
                $body
            }
            Slice::F64(_) => {
                let $x = as_type!($ins, F64);
                $body
            }
            #[cfg(feature = "half")]
            Slice::F16(_) => {
                let $x = as_type!($ins, F16);
                $body
            }
            #[cfg(feature = "half")]
            Slice::BF16(_) => {
                let $x = as_type!($ins, BF16);
                $body
            }
            #[allow(unreachable_patterns)]
            _ => unreachable!("relent-scalar's `half` feature is enabled without relent-simd's"),
        }
    };
}

/// [`crate::route::Path::F64Term`]: the `f64`-lane term of `func`.
fn term<E: Entries, T: Load>(e: E, func: Func, ins: [&[T]; 4], aux: f64, whole: bool) -> Partial {
    match func {
        Func::Kl => e.term::<T, Kl>(ins, aux, whole),
        Func::KlNormalized => e.term::<T, KlNormalized>(ins, aux, whole),
        Func::CrossEntropy => e.term::<T, CrossEntropy>(ins, aux, whole),
        Func::Entropy => e.term::<T, Entropy>(ins, aux, whole),
        Func::GeneralizedKl => e.term::<T, GeneralizedKl>(ins, aux, whole),
        Func::Jeffreys => e.term::<T, Jeffreys>(ins, aux, whole),
        Func::JsDivergence => e.term::<T, JsDivergence>(ins, aux, whole),
        Func::KlLog => e.term::<T, KlLog>(ins, aux, whole),
        Func::GaussianKlDiag => e.term::<T, GaussianKlDiag>(ins, aux, whole),
        Func::GaussianKlDiagLogvar => e.term::<T, GaussianKlDiagLogvar>(ins, aux, whole),
        Func::KlLogits => unreachable!("the route sends KL from logits to its own paths"),
    }
}

/// Executes `path` for `func` on backend `e` (`param`: the temperature of `kl_logits`).
fn exec<E: Entries, T: Element>(
    e: E,
    path: Path,
    func: Func,
    ins: [&[T]; 4],
    param: f64,
    whole: bool,
) -> Partial {
    match path {
        Path::F64Term => by_type!(ins, |x| term(e, func, x, param, whole)),
        Path::F64Logits => by_type!(ins, |x| e.logits(x[0], x[1], param, whole, true)),
        Path::F64LogitsShort => by_type!(ins, |x| e.logits(x[0], x[1], param, whole, false)),
        Path::F64Divided => {
            let [p, q, _, _] = as_type!(ins, F64);
            match func {
                Func::Kl => e.divided::<Kl>(p, q, whole),
                Func::KlNormalized => e.divided::<KlNormalized>(p, q, whole),
                Func::GeneralizedKl => e.divided::<GeneralizedKl>(p, q, whole),
                Func::JsDivergence => e.divided::<JsDivergence>(p, q, whole),
                Func::CrossEntropy
                | Func::Entropy
                | Func::Jeffreys
                | Func::KlLog
                | Func::KlLogits
                | Func::GaussianKlDiag
                | Func::GaussianKlDiagLogvar => unreachable!("not routed to {}", path.file()),
            }
        }
        Path::F32Ratio => {
            let [p, q, _, _] = as_type!(ins, F32);
            match func {
                Func::Kl => e.ratio32::<Kl>(p, q, whole),
                Func::KlNormalized => e.ratio32::<KlNormalized>(p, q, whole),
                Func::GeneralizedKl => e.ratio32::<GeneralizedKl>(p, q, whole),
                Func::Jeffreys => e.ratio32::<Jeffreys>(p, q, whole),
                Func::CrossEntropy => e.ratio32::<CrossEntropy>(p, q, whole),
                Func::Entropy => e.ratio32::<Entropy>(p, q, whole),
                Func::JsDivergence => e.ratio32::<JsDivergence>(p, q, whole),
                Func::KlLog
                | Func::KlLogits
                | Func::GaussianKlDiag
                | Func::GaussianKlDiagLogvar => unreachable!("not routed to {}", path.file()),
            }
        }
        Path::F32Exp => {
            let x = as_type!(ins, F32);
            match func {
                Func::KlLog => e.exp32::<KlLog>(x, whole),
                Func::GaussianKlDiagLogvar => e.exp32::<GaussianKlDiagLogvar>(x, whole),
                Func::Kl
                | Func::KlNormalized
                | Func::CrossEntropy
                | Func::Entropy
                | Func::GeneralizedKl
                | Func::Jeffreys
                | Func::JsDivergence
                | Func::KlLogits
                | Func::GaussianKlDiag => unreachable!("not routed to {}", path.file()),
            }
        }
        Path::F32Logits => {
            let [a, b, _, _] = as_type!(ins, F32);
            e.logits32(a, b, param, whole)
        }
        Path::F32Gaussian => e.gaussian32(as_type!(ins, F32), whole),
    }
}

impl Kernels {
    /// The kernels of `b`, or `None` when the CPU cannot run it.
    pub(crate) fn new(b: Backend) -> Option<Kernels> {
        let imp = match b {
            Backend::Avx512 => Imp::Avx512(Avx512::try_new()?),
            Backend::Avx2 => Imp::Avx2(Avx2::try_new()?),
            Backend::Portable => Imp::Portable(Portable),
            Backend::Scalar => Imp::Scalar(Scalar),
        };
        Some(Kernels { imp })
    }

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

    /// The route of every call: the path for (`func`, `T`, `precision`, this backend), run over
    /// the whole input (`whole`) or as one chunk.
    fn run<T: Element>(
        &self,
        func: Func,
        args: &[&[T]],
        param: f64,
        whole: bool,
        precision: Precision,
    ) -> Partial {
        let arity = func.arity();
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
        let path = route(func, ElementType::of::<T>(), precision, self.backend());
        match self.imp {
            #[cfg(target_arch = "x86_64")]
            Imp::Avx512(t) => exec(t, path, func, ins, param, whole),
            #[cfg(target_arch = "x86_64")]
            Imp::Avx2(t) => exec(t, path, func, ins, param, whole),
            #[cfg(not(target_arch = "x86_64"))]
            Imp::Avx512(t) => match t {},
            #[cfg(not(target_arch = "x86_64"))]
            Imp::Avx2(t) => match t {},
            Imp::Portable(t) => exec(t, path, func, ins, param, whole),
            Imp::Scalar(t) => exec(t, path, func, ins, param, whole),
        }
    }

    /// `func` over whole inputs (argument order; `param` the temperature of
    /// [`Func::KlLogits`], ignored otherwise) at `precision`, with a non-finite value on valid
    /// input settled by the one non-finite policy ([`crate::settle`]): what relent's checked
    /// functions return before their own validation and clamping.
    ///
    /// # Panics
    /// If fewer inputs than the function takes are given or their lengths differ.
    ///
    /// ```
    /// use relent_simd::{for_backend, Backend, Func, Precision};
    /// let k = for_backend(Backend::Scalar).unwrap();
    /// let (p, q) = ([1e303f64, 1e303], [f64::MAX, 1e-5]); // Σg overflows, KL is finite
    /// let out = k.exact(Func::Kl, &[&p[..], &q[..]], 1.0, Precision::Default);
    /// assert_eq!(out.value, relent_scalar::kl(&p, &q));
    /// ```
    pub fn exact<T: Element>(
        &self,
        func: Func,
        inputs: &[&[T]],
        param: f64,
        precision: Precision,
    ) -> Output {
        crate::settle(
            func,
            inputs,
            param,
            self.whole(func, inputs, param, precision),
        )
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

    /// Every (function, element type, precision, backend) is routed, and consistently: an
    /// `f32`-lane path only for `f32` inputs at the default precision on AVX-512 or AVX2 (the
    /// only backends with `f32` lanes, the only combination whose promise is 2^-21); the
    /// division path only for `f64` on AVX-512; each path only for the functions its kernel
    /// computes (so the dispatcher's `unreachable!` arms are unreachable); fallbacks compute in
    /// `f64` lanes and take every chunk.
    #[test]
    fn route_is_total_and_consistent() {
        let mut seen = std::collections::HashSet::new();
        for func in Func::ALL {
            for element in ElementType::ALL {
                for precision in [Precision::Default, Precision::High] {
                    for backend in Backend::ALL {
                        let path = route(func, element, precision, backend);
                        seen.insert(path);
                        let simd = matches!(backend, Backend::Avx512 | Backend::Avx2);
                        if path.is_f32_lanes() {
                            assert!(simd && element == ElementType::F32);
                            assert_eq!(precision, Precision::Default);
                        }
                        if path == Path::F64Divided {
                            assert_eq!((element, backend), (ElementType::F64, Backend::Avx512));
                        }
                        let logits = matches!(
                            path,
                            Path::F64Logits | Path::F64LogitsShort | Path::F32Logits
                        );
                        assert_eq!(logits, func == Func::KlLogits, "{func:?} → {path:?}");
                        let computes = match path {
                            Path::F64Term => func != Func::KlLogits,
                            Path::F64Logits | Path::F64LogitsShort | Path::F32Logits => true,
                            Path::F64Divided => matches!(
                                func,
                                Func::Kl
                                    | Func::KlNormalized
                                    | Func::GeneralizedKl
                                    | Func::JsDivergence
                            ),
                            Path::F32Ratio => matches!(
                                func,
                                Func::Kl
                                    | Func::KlNormalized
                                    | Func::GeneralizedKl
                                    | Func::Jeffreys
                                    | Func::CrossEntropy
                                    | Func::Entropy
                                    | Func::JsDivergence
                            ),
                            Path::F32Exp => {
                                matches!(func, Func::KlLog | Func::GaussianKlDiagLogvar)
                            }
                            Path::F32Gaussian => func == Func::GaussianKlDiag,
                        };
                        assert!(computes, "{func:?} routed to {path:?}");
                        // 2^-49 promised: f64 inputs, or the high precision.
                        if element == ElementType::F64 || precision == Precision::High {
                            assert!(!path.is_f32_lanes() && path != Path::F64LogitsShort);
                        }
                        if let Some(fb) = path.fallback() {
                            assert!(!fb.is_f32_lanes() && fb.fallback().is_none());
                        }
                    }
                }
            }
        }
        assert_eq!(seen.len(), Path::ALL.len(), "every path is used");
    }

    /// The crate docs' route table names every path and its file, and each file exists.
    #[test]
    fn docs_name_every_path() {
        let docs = include_str!("lib.rs");
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        for path in Path::ALL {
            let name = format!("`{path:?}`");
            assert!(docs.contains(&name), "the route table lacks {name}");
            assert!(
                docs.contains(path.file()),
                "the route table lacks {}",
                path.file()
            );
            if !path.file().contains('<') {
                assert!(
                    src.join(path.file()).is_file(),
                    "{} does not exist",
                    path.file()
                );
            }
        }
    }
}
