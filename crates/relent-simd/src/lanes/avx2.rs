//! The AVX2+FMA backend: four `f64` lanes in `__m256d`, on `std::arch` intrinsics.
//!
//! The token [`Avx2`] is zero-sized and has one constructor, [`Avx2::try_new`], which runs the
//! run-time feature check; holding a token therefore proves the CPU has AVX2 and FMA, which is
//! the safety argument of every `unsafe` block below. The methods are `#[inline(always)]` and
//! are only fast when inlined into a `#[target_feature(enable = "avx2,fma")]` function (see
//! `dispatch`); called elsewhere they are still correct.
#![allow(unsafe_code)]

#[cfg(target_arch = "x86_64")]
mod imp {
    use crate::lanes::Lanes;
    use core::arch::x86_64::*;

    /// Proof that the CPU supports AVX2 and FMA. Only [`Avx2::try_new`] creates one.
    #[derive(Clone, Copy, Debug)]
    pub(crate) struct Avx2 {
        _private: (),
    }

    impl Avx2 {
        /// A token if the CPU supports AVX2 and FMA (std caches the detection).
        #[inline(always)]
        pub(crate) fn try_new() -> Option<Self> {
            (is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"))
                .then_some(Avx2 { _private: () })
        }
    }

    const TWO52_1023: f64 = 4_503_599_627_370_496.0 + 1023.0;

    impl Lanes for Avx2 {
        type V = __m256d;
        type M = __m256d;
        const W: usize = 4;
        const FUSED_FMA: bool = true;
        #[inline(always)]
        fn splat(self, x: f64) -> __m256d {
            // SAFETY: the token proves AVX is available.
            unsafe { _mm256_set1_pd(x) }
        }
        #[inline(always)]
        fn load_f64(self, s: &[f64]) -> __m256d {
            let s = &s[..4];
            // SAFETY: `s` has 4 readable f64 (checked above); the token proves AVX.
            unsafe { _mm256_loadu_pd(s.as_ptr()) }
        }
        #[inline(always)]
        fn load_f32(self, s: &[f32]) -> __m256d {
            let s = &s[..4];
            // SAFETY: `s` has 4 readable f32 (16 bytes, checked above); the token proves AVX.
            unsafe { _mm256_cvtps_pd(_mm_loadu_ps(s.as_ptr())) }
        }
        #[inline(always)]
        fn store(self, v: __m256d, out: &mut [f64]) {
            let out = &mut out[..4];
            // SAFETY: `out` has 4 writable f64 (checked above); the token proves AVX.
            unsafe { _mm256_storeu_pd(out.as_mut_ptr(), v) }
        }
        #[inline(always)]
        fn add(self, a: __m256d, b: __m256d) -> __m256d {
            // SAFETY: the token proves AVX.
            unsafe { _mm256_add_pd(a, b) }
        }
        #[inline(always)]
        fn sub(self, a: __m256d, b: __m256d) -> __m256d {
            // SAFETY: the token proves AVX.
            unsafe { _mm256_sub_pd(a, b) }
        }
        #[inline(always)]
        fn mul(self, a: __m256d, b: __m256d) -> __m256d {
            // SAFETY: the token proves AVX.
            unsafe { _mm256_mul_pd(a, b) }
        }
        #[inline(always)]
        fn div(self, a: __m256d, b: __m256d) -> __m256d {
            // SAFETY: the token proves AVX.
            unsafe { _mm256_div_pd(a, b) }
        }
        #[inline(always)]
        fn fma(self, a: __m256d, b: __m256d, c: __m256d) -> __m256d {
            // SAFETY: the token proves FMA.
            unsafe { _mm256_fmadd_pd(a, b, c) }
        }
        #[inline(always)]
        fn min(self, a: __m256d, b: __m256d) -> __m256d {
            // SAFETY: the token proves AVX. (vminpd returns b unless a < b.)
            unsafe { _mm256_min_pd(a, b) }
        }
        #[inline(always)]
        fn max(self, a: __m256d, b: __m256d) -> __m256d {
            // SAFETY: the token proves AVX. (vmaxpd returns b unless a > b.)
            unsafe { _mm256_max_pd(a, b) }
        }
        #[inline(always)]
        fn lt(self, a: __m256d, b: __m256d) -> __m256d {
            // SAFETY: the token proves AVX.
            unsafe { _mm256_cmp_pd::<_CMP_LT_OQ>(a, b) }
        }
        #[inline(always)]
        fn le(self, a: __m256d, b: __m256d) -> __m256d {
            // SAFETY: the token proves AVX.
            unsafe { _mm256_cmp_pd::<_CMP_LE_OQ>(a, b) }
        }
        #[inline(always)]
        fn eq(self, a: __m256d, b: __m256d) -> __m256d {
            // SAFETY: the token proves AVX.
            unsafe { _mm256_cmp_pd::<_CMP_EQ_OQ>(a, b) }
        }
        #[inline(always)]
        fn and(self, a: __m256d, b: __m256d) -> __m256d {
            // SAFETY: the token proves AVX.
            unsafe { _mm256_and_pd(a, b) }
        }
        #[inline(always)]
        fn or(self, a: __m256d, b: __m256d) -> __m256d {
            // SAFETY: the token proves AVX.
            unsafe { _mm256_or_pd(a, b) }
        }
        #[inline(always)]
        fn not(self, a: __m256d) -> __m256d {
            // SAFETY: the token proves AVX.
            unsafe { _mm256_xor_pd(a, _mm256_castsi256_pd(_mm256_set1_epi64x(-1))) }
        }
        #[inline(always)]
        fn select(self, m: __m256d, a: __m256d, b: __m256d) -> __m256d {
            // SAFETY: the token proves AVX. (blendv takes the second source where m is set.)
            unsafe { _mm256_blendv_pd(b, a, m) }
        }
        #[inline(always)]
        fn any(self, m: __m256d) -> bool {
            // SAFETY: the token proves AVX.
            unsafe { _mm256_movemask_pd(m) != 0 }
        }
        #[inline(always)]
        fn frexp(self, x: __m256d) -> (__m256d, __m256d) {
            // SAFETY: the token proves AVX2 (integer shifts and logic on ymm).
            unsafe {
                let b = _mm256_castpd_si256(x);
                let m = _mm256_or_si256(
                    _mm256_and_si256(b, _mm256_set1_epi64x(0x000F_FFFF_FFFF_FFFF)),
                    _mm256_set1_epi64x(0x3FF0_0000_0000_0000),
                );
                let e = _mm256_or_si256(
                    _mm256_srli_epi64::<52>(b),
                    _mm256_set1_epi64x(0x4330_0000_0000_0000),
                );
                let e = _mm256_sub_pd(_mm256_castsi256_pd(e), _mm256_set1_pd(TWO52_1023));
                (_mm256_castsi256_pd(m), e)
            }
        }
        #[inline(always)]
        fn pow2i(self, k: __m256d) -> __m256d {
            // SAFETY: the token proves AVX2.
            unsafe {
                let t = _mm256_add_pd(k, _mm256_set1_pd(TWO52_1023));
                _mm256_castsi256_pd(_mm256_slli_epi64::<52>(_mm256_castpd_si256(t)))
            }
        }
        #[inline(always)]
        fn round(self, x: __m256d) -> __m256d {
            // SAFETY: the token proves AVX.
            unsafe { _mm256_round_pd::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(x) }
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod imp {
    /// Never constructible off x86-64.
    #[derive(Clone, Copy, Debug)]
    pub(crate) enum Avx2 {}
    impl Avx2 {
        pub(crate) fn try_new() -> Option<Self> {
            None
        }
    }
}

pub(crate) use imp::Avx2;
