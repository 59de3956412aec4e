//! Everything `unsafe` for one instruction set lives in one file here: its token (the proof,
//! created only by the run-time feature check, that the CPU has the instructions), its
//! operations on `f64` lanes ([`crate::lanes::Lanes`]) and on `f32` lanes
//! ([`crate::lanes32::Lanes32`]), and its entry points ([`Entries`], generated once for every
//! `std::arch` backend by [`entries!`]). The portable and scalar backends hold no `unsafe`.

pub(crate) mod avx2;
pub(crate) mod avx512;
pub(crate) mod portable;
pub(crate) mod scalar;

use crate::driver::Term;
use crate::func::Partial;
use crate::lanes::{Lanes, Load};

/// A backend's entry points: one per [`crate::route::Path`], each the path's generic kernel
/// (chunk loop and per-chunk fallback included) instantiated for the backend. On the
/// `std::arch` backends each is a `#[target_feature]` function, so the inlined lane
/// operations compile to that instruction set in an ordinary build; the method is safe
/// because the token proves the features. The dispatcher ([`crate::Kernels`], `route.rs`) calls the one
/// [`crate::route::route`] names; `whole` folds every chunk of the input, otherwise the input
/// is one chunk.
pub(crate) trait Entries: Lanes {
    /// [`crate::route::Path::F64Term`].
    fn term<T: Load, F: Term>(self, ins: [&[T]; 4], aux: f64, whole: bool) -> Partial;
    /// [`crate::route::Path::F64Logits`] (`exact`) and
    /// [`crate::route::Path::F64LogitsShort`].
    fn logits<T: Load>(self, a: &[T], b: &[T], temp: f64, whole: bool, exact: bool) -> Partial;
    /// [`crate::route::Path::F64Divided`] (AVX-512 only).
    fn divided<F: Term>(self, p: &[f64], q: &[f64], whole: bool) -> Partial;
    /// [`crate::route::Path::F32Ratio`] (`std::arch` backends only).
    fn ratio32<F: Term>(self, p: &[f32], q: &[f32], whole: bool) -> Partial;
    /// [`crate::route::Path::F32Exp`] (`std::arch` backends only).
    fn exp32<F: Term>(self, ins: [&[f32]; 4], whole: bool) -> Partial;
    /// [`crate::route::Path::F32Logits`] (`std::arch` backends only).
    fn logits32(self, a: &[f32], b: &[f32], temp: f64, whole: bool) -> Partial;
    /// [`crate::route::Path::F32Gaussian`] (`std::arch` backends only).
    fn gaussian32(self, ins: [&[f32]; 4], whole: bool) -> Partial;
}

/// The entry points the route never sends to a backend: `divided` (every backend but
/// AVX-512, whose `Lanes::FREXP_SUBNORMAL` it needs) and the `f32`-lane ones (every backend
/// without `f32` lanes). Their bodies say so instead of computing.
macro_rules! unrouted {
    (divided) => {
        fn divided<F: crate::driver::Term>(
            self,
            _: &[f64],
            _: &[f64],
            _: bool,
        ) -> crate::func::Partial {
            unreachable!("the route sends f64lanes/divided.rs to AVX-512 only")
        }
    };
    (f32 lanes) => {
        fn ratio32<F: crate::driver::Term>(
            self,
            _: &[f32],
            _: &[f32],
            _: bool,
        ) -> crate::func::Partial {
            unreachable!("the route sends no f32-lane path to a backend without f32 lanes")
        }
        fn exp32<F: crate::driver::Term>(self, _: [&[f32]; 4], _: bool) -> crate::func::Partial {
            unreachable!("the route sends no f32-lane path to a backend without f32 lanes")
        }
        fn logits32(self, _: &[f32], _: &[f32], _: f64, _: bool) -> crate::func::Partial {
            unreachable!("the route sends no f32-lane path to a backend without f32 lanes")
        }
        fn gaussian32(self, _: [&[f32]; 4], _: bool) -> crate::func::Partial {
            unreachable!("the route sends no f32-lane path to a backend without f32 lanes")
        }
    };
}
pub(crate) use unrouted;

/// [`Entries`] for a backend without `#[target_feature]` (portable, scalar): the `f64`-lane
/// paths; the route sends no other path here.
macro_rules! plain_entries {
    ($tok:ty) => {
        impl crate::arch::Entries for $tok {
            fn term<T: crate::lanes::Load, F: crate::driver::Term>(
                self,
                ins: [&[T]; 4],
                aux: f64,
                whole: bool,
            ) -> crate::func::Partial {
                crate::driver::run::<Self, T, F>(self, ins, aux, whole)
            }
            fn logits<T: crate::lanes::Load>(
                self,
                a: &[T],
                b: &[T],
                temp: f64,
                whole: bool,
                exact: bool,
            ) -> crate::func::Partial {
                crate::f64lanes::logits::run(self, a, b, temp, whole, exact)
            }
            crate::arch::unrouted!(divided);
            crate::arch::unrouted!(f32 lanes);
        }
    };
}
pub(crate) use plain_entries;

/// [`Entries`] for a `std::arch` backend: every path instantiated inside a
/// `#[target_feature(enable = $features)]` function (written once here for every ISA), called
/// through a safe method whose token proves the features.
#[cfg(target_arch = "x86_64")]
macro_rules! entries {
    // `divided`: whether the backend runs `f64lanes/divided.rs` (it needs an exact split of
    // subnormals, `Lanes::FREXP_SUBNORMAL`: AVX-512's `vgetexppd`).
    (@divided yes, $tok:ident) => {
        fn divided<F: crate::driver::Term>(
            self,
            p: &[f64],
            q: &[f64],
            whole: bool,
        ) -> crate::func::Partial {
            // SAFETY: the token proves the features (see above).
            unsafe { entries::divided::<F>(self, p, q, whole) }
        }
    };
    (@divided no, $tok:ident) => {
        crate::arch::unrouted!(divided);
    };
    (@divided_fn yes, $tok:ident, $features:literal) => {
        #[target_feature(enable = $features)]
        pub(super) fn divided<F: Term>(t: $tok, p: &[f64], q: &[f64], whole: bool) -> Partial {
            crate::f64lanes::divided::run::<$tok, F>(t, p, q, whole)
        }
    };
    (@divided_fn no, $tok:ident, $features:literal) => {};
    ($tok:ident, $features:literal, divided: $divided:ident) => {
        /// The `#[target_feature]` instantiations of every path for this backend.
        mod entries {
            use super::$tok;
            use crate::driver::Term;
            use crate::func::Partial;
            use crate::lanes::Load;

            #[target_feature(enable = $features)]
            pub(super) fn term<T: Load, F: Term>(
                t: $tok,
                ins: [&[T]; 4],
                aux: f64,
                whole: bool,
            ) -> Partial {
                crate::driver::run::<$tok, T, F>(t, ins, aux, whole)
            }
            #[target_feature(enable = $features)]
            pub(super) fn logits<T: Load>(
                t: $tok,
                a: &[T],
                b: &[T],
                temp: f64,
                whole: bool,
                exact: bool,
            ) -> Partial {
                crate::f64lanes::logits::run(t, a, b, temp, whole, exact)
            }
            crate::arch::entries!(@divided_fn $divided, $tok, $features);
            #[target_feature(enable = $features)]
            pub(super) fn ratio32<F: Term>(t: $tok, p: &[f32], q: &[f32], whole: bool) -> Partial {
                crate::f32lanes::ratio::run::<$tok, F>(t, p, q, whole)
            }
            #[target_feature(enable = $features)]
            pub(super) fn exp32<F: Term>(t: $tok, ins: [&[f32]; 4], whole: bool) -> Partial {
                crate::f32lanes::exp::run::<$tok, F>(t, ins, whole)
            }
            #[target_feature(enable = $features)]
            pub(super) fn logits32(t: $tok, a: &[f32], b: &[f32], temp: f64, whole: bool) -> Partial {
                crate::f32lanes::exp::run_logits(t, a, b, temp, whole)
            }
            #[target_feature(enable = $features)]
            pub(super) fn gaussian32(t: $tok, ins: [&[f32]; 4], whole: bool) -> Partial {
                crate::f32lanes::gaussian::run(t, ins, whole)
            }
        }

        // SAFETY (every block below): a token exists only if the run-time feature check found
        // every feature `$features` names, which is all the `entries` functions enable.
        impl crate::arch::Entries for $tok {
            fn term<T: crate::lanes::Load, F: crate::driver::Term>(
                self,
                ins: [&[T]; 4],
                aux: f64,
                whole: bool,
            ) -> crate::func::Partial {
                // SAFETY: the token proves the features (see above).
                unsafe { entries::term::<T, F>(self, ins, aux, whole) }
            }
            fn logits<T: crate::lanes::Load>(
                self,
                a: &[T],
                b: &[T],
                temp: f64,
                whole: bool,
                exact: bool,
            ) -> crate::func::Partial {
                // SAFETY: the token proves the features (see above).
                unsafe { entries::logits(self, a, b, temp, whole, exact) }
            }
            crate::arch::entries!(@divided $divided, $tok);
            fn ratio32<F: crate::driver::Term>(
                self,
                p: &[f32],
                q: &[f32],
                whole: bool,
            ) -> crate::func::Partial {
                // SAFETY: the token proves the features (see above).
                unsafe { entries::ratio32::<F>(self, p, q, whole) }
            }
            fn exp32<F: crate::driver::Term>(
                self,
                ins: [&[f32]; 4],
                whole: bool,
            ) -> crate::func::Partial {
                // SAFETY: the token proves the features (see above).
                unsafe { entries::exp32::<F>(self, ins, whole) }
            }
            fn logits32(self, a: &[f32], b: &[f32], temp: f64, whole: bool) -> crate::func::Partial {
                // SAFETY: the token proves the features (see above).
                unsafe { entries::logits32(self, a, b, temp, whole) }
            }
            fn gaussian32(self, ins: [&[f32]; 4], whole: bool) -> crate::func::Partial {
                // SAFETY: the token proves the features (see above).
                unsafe { entries::gaussian32(self, ins, whole) }
            }
        }
    };
}
#[cfg(target_arch = "x86_64")]
pub(crate) use entries;
