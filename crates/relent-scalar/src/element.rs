//! The element types relent accepts: `f32`, `f64`, and with the `half` feature `f16` and `bf16`.
//!
//! [`Element`] is sealed. Downstream crates (the SIMD kernels, the batch layer) dispatch on the
//! concrete type through [`Element::slice`], which hands back the slice as a [`Slice`] enum.

mod sealed {
    pub trait Sealed {}
}

/// A borrowed slice of one of the supported element types.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Slice<'a> {
    /// `f32` elements.
    F32(&'a [f32]),
    /// `f64` elements.
    F64(&'a [f64]),
    /// IEEE half-precision elements.
    #[cfg(feature = "half")]
    F16(&'a [half::f16]),
    /// bfloat16 elements.
    #[cfg(feature = "half")]
    BF16(&'a [half::bf16]),
}

/// A floating-point element type relent computes over. Results are always `f64`.
///
/// ```
/// use relent_scalar::Element;
/// assert_eq!(0.5f32.to_f64(), 0.5);
/// assert_eq!(<f64 as Element>::NAME, "f64");
/// ```
pub trait Element:
    Copy + Send + Sync + PartialOrd + core::fmt::Debug + 'static + sealed::Sealed
{
    /// The type's name, e.g. `"f32"`.
    const NAME: &'static str;
    /// Widens the value to `f64` (exactly: every supported type is a subset of `f64`).
    fn to_f64(self) -> f64;
    /// Rounds an `f64` to this type (for generating test data and parsing input).
    fn from_f64(x: f64) -> Self;
    /// The slice as a [`Slice`], for dispatching on the concrete type.
    fn slice(s: &[Self]) -> Slice<'_>;
}

impl sealed::Sealed for f32 {}
impl Element for f32 {
    const NAME: &'static str = "f32";
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn slice(s: &[Self]) -> Slice<'_> {
        Slice::F32(s)
    }
}

impl sealed::Sealed for f64 {}
impl Element for f64 {
    const NAME: &'static str = "f64";
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn slice(s: &[Self]) -> Slice<'_> {
        Slice::F64(s)
    }
}

#[cfg(feature = "half")]
impl sealed::Sealed for half::f16 {}
#[cfg(feature = "half")]
impl Element for half::f16 {
    const NAME: &'static str = "f16";
    #[inline(always)]
    fn to_f64(self) -> f64 {
        half::f16::to_f64(self)
    }
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        half::f16::from_f64(x)
    }
    #[inline(always)]
    fn slice(s: &[Self]) -> Slice<'_> {
        Slice::F16(s)
    }
}

#[cfg(feature = "half")]
impl sealed::Sealed for half::bf16 {}
#[cfg(feature = "half")]
impl Element for half::bf16 {
    const NAME: &'static str = "bf16";
    #[inline(always)]
    fn to_f64(self) -> f64 {
        half::bf16::to_f64(self)
    }
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        half::bf16::from_f64(x)
    }
    #[inline(always)]
    fn slice(s: &[Self]) -> Slice<'_> {
        Slice::BF16(s)
    }
}
