//! The lane abstraction: a small set of `#[inline(always)]` operations on vectors of `f64`
//! lanes that every kernel is written against once.
//!
//! A backend is a zero-sized *token* type implementing [`Lanes`]; the vector and mask types are
//! associated types. For the `std::arch` backends the token can only be created by the run-time
//! feature check ([`crate::arch::avx2::Avx2::try_new`], [`crate::arch::avx512::Avx512::try_new`]), so holding one proves the
//! CPU supports the instructions its methods use. Kernels are generic functions over the token;
//! [`crate::arch`] instantiates them inside `#[target_feature]` entry points so that the
//! inlined methods compile to AVX2/AVX-512 code in an ordinary (non `-C target-cpu`) build.
//!
//! Every computation here happens in `f64` lanes: `f32`, `f16` and `bf16` inputs are widened on
//! load (exactly), which is what lets one kernel meet the 2^-49 accuracy target for every input
//! type. (The default-precision `f32` path has its own `f32`-lane abstraction, `lanes32`.)

/// Operations on `W` lanes of `f64`. All methods are `#[inline(always)]` in the implementations
/// so that they inline into the `#[target_feature]` kernel entry points.
///
/// Semantics shared by every backend (the kernels' results depend on them):
/// - `min(a, b)` returns `a` where `a < b`, else `b` (x86 `minpd`: a NaN in `a` yields `b`);
///   `max(a, b)` returns `a` where `a > b`, else `b`.
/// - comparisons are ordered (false when either side is NaN).
/// - `fma` is fused (one rounding) on AVX2/AVX-512, and on the portable/scalar backends when
///   the build has FMA (otherwise two roundings; the error bounds allow either).
pub(crate) trait Lanes: Copy + Send + Sync + 'static {
    /// `W` lanes of `f64`.
    type V: Copy;
    /// A lane mask.
    type M: Copy;
    /// Number of lanes.
    const W: usize;
    /// Whether [`Lanes::fma`] is fused (one rounding), so that residuals such as
    /// `fma(−q, b, a)` of a quotient `q = a/b` are exact.
    const FUSED_FMA: bool;
    /// Every lane `x`.
    fn splat(self, x: f64) -> Self::V;
    /// Loads the first `W` values of `s` (panics if `s` is shorter).
    fn load_f64(self, s: &[f64]) -> Self::V;
    /// Loads and widens the first `W` values of `s` (panics if `s` is shorter).
    fn load_f32(self, s: &[f32]) -> Self::V;
    /// Stores the lanes into the first `W` slots of `out` (panics if shorter).
    fn store(self, v: Self::V, out: &mut [f64]);
    /// `a + b`.
    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a - b`.
    fn sub(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a * b`.
    fn mul(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a / b` (correctly rounded).
    fn div(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a * b + c` with one rounding.
    fn fma(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// `a` where `a < b`, else `b`.
    fn min(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a` where `a > b`, else `b`.
    fn max(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a < b` (ordered).
    fn lt(self, a: Self::V, b: Self::V) -> Self::M;
    /// `a <= b` (ordered).
    fn le(self, a: Self::V, b: Self::V) -> Self::M;
    /// `a == b` (ordered).
    fn eq(self, a: Self::V, b: Self::V) -> Self::M;
    /// `a & b`.
    fn and(self, a: Self::M, b: Self::M) -> Self::M;
    /// `a | b`.
    fn or(self, a: Self::M, b: Self::M) -> Self::M;
    /// `!a`.
    fn not(self, a: Self::M) -> Self::M;
    /// `m ? a : b` per lane.
    fn select(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V;
    /// Whether any lane of `m` is set.
    fn any(self, m: Self::M) -> bool;
    /// Exponent/mantissa split of positive normal finite lanes: `(m, e)` with `x = m·2^e`,
    /// `m ∈ [1, 2)` and `e` an integer held as `f64`. Other inputs give unspecified lanes.
    fn frexp(self, x: Self::V) -> (Self::V, Self::V);
    /// `|a|`.
    #[inline(always)]
    fn abs(self, a: Self::V) -> Self::V {
        self.max(a, self.sub(self.splat(0.0), a))
    }
    /// `a·b − c` with one rounding.
    #[inline(always)]
    fn fms(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V {
        self.fma(a, b, self.sub(self.splat(0.0), c))
    }
    /// `m ? a + b : src` per lane (AVX-512: one merge-masked instruction).
    #[inline(always)]
    fn mask_add(self, src: Self::V, m: Self::M, a: Self::V, b: Self::V) -> Self::V {
        self.select(m, self.add(a, b), src)
    }
    /// `m ? a − b : src` per lane (AVX-512: one merge-masked instruction).
    #[inline(always)]
    fn mask_sub(self, src: Self::V, m: Self::M, a: Self::V, b: Self::V) -> Self::V {
        self.select(m, self.sub(a, b), src)
    }
    /// `m ? a·b : src` per lane (AVX-512: one merge-masked instruction).
    #[inline(always)]
    fn mask_mul(self, src: Self::V, m: Self::M, a: Self::V, b: Self::V) -> Self::V {
        self.select(m, self.mul(a, b), src)
    }
    /// Whether [`Lanes::frexp`] also splits positive subnormal lanes exactly (then the
    /// kernels skip their per-vector subnormal test and pre-scaling).
    const FREXP_SUBNORMAL: bool = false;
    /// `2^k` for integer-valued lanes `k ∈ [-1022, 1023]`.
    fn pow2i(self, k: Self::V) -> Self::V;
    /// Round to nearest integer, ties to even.
    fn round(self, x: Self::V) -> Self::V;
    /// `y·2^k` for integer-valued `k ∈ [-1083, 1025]`, with results in the subnormal range
    /// and overflow to ±∞ right: the default applies `2^k` as two normal factors (the
    /// second multiplication rounds once into the subnormal range); AVX-512 overrides it with
    /// `vscalefpd` (one rounding, any `k`).
    #[inline(always)]
    fn scale2(self, y: Self::V, k: Self::V) -> Self::V {
        let k1 = self.round(self.mul(k, self.splat(0.5)));
        let k2 = self.sub(k, k1);
        self.mul(self.mul(y, self.pow2i(k1)), self.pow2i(k2))
    }
}

/// Element types a kernel loads (widened to `f64` lanes).
pub(crate) trait Load: Copy + Send + Sync + 'static {
    /// Loads the first `L::W` elements of `s`.
    fn load<L: Lanes>(l: L, s: &[Self]) -> L::V;
    /// The element nearest to `x` (padding values are exact in every type).
    fn from_f64(x: f64) -> Self;
}

impl Load for f64 {
    #[inline(always)]
    fn load<L: Lanes>(l: L, s: &[Self]) -> L::V {
        l.load_f64(s)
    }
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x
    }
}

impl Load for f32 {
    #[inline(always)]
    fn load<L: Lanes>(l: L, s: &[Self]) -> L::V {
        l.load_f32(s)
    }
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x as f32
    }
}

#[cfg(feature = "half")]
macro_rules! half_load {
    ($t:ty) => {
        impl Load for $t {
            #[inline(always)]
            fn load<L: Lanes>(l: L, s: &[Self]) -> L::V {
                // Widen through f32 (exact for both formats), then load as f32 lanes.
                let mut buf = [0.0f32; 16];
                for (d, x) in buf.iter_mut().zip(&s[..L::W]) {
                    *d = x.to_f32();
                }
                l.load_f32(&buf)
            }
            #[inline(always)]
            fn from_f64(x: f64) -> Self {
                <$t>::from_f64(x)
            }
        }
    };
}
#[cfg(feature = "half")]
half_load!(half::f16);
#[cfg(feature = "half")]
half_load!(half::bf16);
