//! The dispatcher: [`Kernels`] holds one backend's token and executes, for each call, the path
//! [`crate::route::route`] names for (function, element type, precision, backend). It decides
//! nothing itself: the route does.

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
use crate::route::{ElementType, Path, route};
use crate::{Backend, Output, Precision};

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
