//! The AVX2+FMA backend: four `f64` lanes in `__m256d`, on `std::arch` intrinsics.
//!
//! The token [`Avx2`] is zero-sized and has one constructor, [`Avx2::try_new`], which runs the
//! run-time feature check; holding a token therefore proves the CPU has AVX2 and FMA, which is
//! the safety argument of every `unsafe` block below. The methods are `#[inline(always)]` and
//! are only fast when inlined into a `#[target_feature(enable = "avx2,fma")]` function (see
//! `arch::entries!`); called elsewhere they are still correct.
//!
//! ## `f32` lanes
//! [`Lanes32`](crate::lanes32::Lanes32) for AVX2+FMA: 8 `f32` lanes, masks as all-ones/all-zeros lanes, `vrcpps` with a
//! Newton step, and the exponent/mantissa split by bit manipulation.
//!
//! Differences from AVX-512 that the kernel's argument covers (see [`crate::f32lanes::ratio`]'s
//! `# Range`): `exponent` of a zero **or subnormal** lane is `−∞` (the biased exponent field is 0),
//! so a subnormal `p` or `q` outside the band makes `g` non-finite and sends the chunk to the
//! `f64` kernel; `exponent` of ∞ and NaN lanes is finite (128), which the kernel does not rely on
//! (such lanes reach a stream as NaN or ∞ through `p − q`, `p + q` or `g`'s other factors).
//! Merge-masked operations are an operation and a blend.
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

#[cfg(target_arch = "x86_64")]
crate::arch::entries!(Avx2, "avx2,fma", divided: no);

#[cfg(target_arch = "x86_64")]
mod imp32 {
    use super::imp::Avx2;
    use crate::lanes32::Lanes32;
    use core::arch::x86_64::*;

    // SAFETY (every block below): an `Avx2` token exists only if AVX2 and FMA were detected at
    // run time, and these methods are only inlined into `#[target_feature(enable =
    // "avx2,fma")]` entry points; loads and stores go through slices re-borrowed to exactly 8
    // elements first (so out-of-bounds is a panic before any unsafe access).
    impl Lanes32 for Avx2 {
        type V = __m256;
        type M = __m256;
        const W: usize = 8;
        #[inline(always)]
        fn splat(self, x: f32) -> __m256 {
            // SAFETY: see the impl comment (AVX present).
            unsafe { _mm256_set1_ps(x) }
        }
        #[inline(always)]
        fn load(self, s: &[f32]) -> __m256 {
            let s = &s[..8];
            // SAFETY: `s` has 8 elements; unaligned load; AVX present.
            unsafe { _mm256_loadu_ps(s.as_ptr()) }
        }
        #[inline(always)]
        fn store(self, v: __m256, out: &mut [f32]) {
            let out = &mut out[..8];
            // SAFETY: `out` has 8 elements; unaligned store; AVX present.
            unsafe { _mm256_storeu_ps(out.as_mut_ptr(), v) }
        }
        #[inline(always)]
        fn add(self, a: __m256, b: __m256) -> __m256 {
            // SAFETY: AVX present.
            unsafe { _mm256_add_ps(a, b) }
        }
        #[inline(always)]
        fn sub(self, a: __m256, b: __m256) -> __m256 {
            // SAFETY: AVX present.
            unsafe { _mm256_sub_ps(a, b) }
        }
        #[inline(always)]
        fn mul(self, a: __m256, b: __m256) -> __m256 {
            // SAFETY: AVX present.
            unsafe { _mm256_mul_ps(a, b) }
        }
        #[inline(always)]
        fn fma(self, a: __m256, b: __m256, c: __m256) -> __m256 {
            // SAFETY: FMA present.
            unsafe { _mm256_fmadd_ps(a, b, c) }
        }
        #[inline(always)]
        fn fnma(self, a: __m256, b: __m256, c: __m256) -> __m256 {
            // SAFETY: FMA present.
            unsafe { _mm256_fnmadd_ps(a, b, c) }
        }
        #[inline(always)]
        fn fms(self, a: __m256, b: __m256, c: __m256) -> __m256 {
            // SAFETY: FMA present.
            unsafe { _mm256_fmsub_ps(a, b, c) }
        }
        #[inline(always)]
        fn min(self, a: __m256, b: __m256) -> __m256 {
            // SAFETY: AVX present. (vminps returns b unless a < b.)
            unsafe { _mm256_min_ps(a, b) }
        }
        #[inline(always)]
        fn abs(self, a: __m256) -> __m256 {
            // SAFETY: AVX present.
            unsafe { _mm256_and_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFF_FFFF))) }
        }
        #[inline(always)]
        fn rcp(self, a: __m256) -> __m256 {
            // vrcpps (≤ 1.5·2^-12) and one Newton step: ≤ ~2^-22 for normal `a`, inside the
            // trait's 2^-14. (0 and subnormals give NaN or ∞, as the kernel expects of a
            // vanishing denominator: the lane ends non-finite.)
            // SAFETY: AVX and FMA present.
            unsafe {
                let x0 = _mm256_rcp_ps(a);
                _mm256_fmadd_ps(x0, _mm256_fnmadd_ps(a, x0, _mm256_set1_ps(1.0)), x0)
            }
        }
        #[inline(always)]
        fn mantissa(self, a: __m256) -> __m256 {
            // Sign and fraction of `a` with the exponent of 1.0: `m ∈ [1, 2)` for normal lanes.
            // SAFETY: AVX present.
            unsafe {
                let keep = _mm256_castsi256_ps(_mm256_set1_epi32(0x807F_FFFFu32 as i32));
                _mm256_or_ps(_mm256_and_ps(a, keep), _mm256_set1_ps(1.0))
            }
        }
        #[inline(always)]
        fn exponent(self, a: __m256) -> __m256 {
            // The biased exponent field less 127; a zero field (0 or subnormal) gives −∞.
            // SAFETY: AVX2 present.
            unsafe {
                let field = _mm256_and_si256(
                    _mm256_srli_epi32::<23>(_mm256_castps_si256(a)),
                    _mm256_set1_epi32(0xFF),
                );
                let e = _mm256_cvtepi32_ps(_mm256_sub_epi32(field, _mm256_set1_epi32(127)));
                let zero = _mm256_castsi256_ps(_mm256_cmpeq_epi32(field, _mm256_setzero_si256()));
                _mm256_blendv_ps(e, _mm256_set1_ps(f32::NEG_INFINITY), zero)
            }
        }
        #[inline(always)]
        fn le(self, a: __m256, b: __m256) -> __m256 {
            // SAFETY: AVX present.
            unsafe { _mm256_cmp_ps::<_CMP_LE_OQ>(a, b) }
        }
        #[inline(always)]
        fn lt(self, a: __m256, b: __m256) -> __m256 {
            // SAFETY: AVX present.
            unsafe { _mm256_cmp_ps::<_CMP_LT_OQ>(a, b) }
        }
        #[inline(always)]
        fn eq(self, a: __m256, b: __m256) -> __m256 {
            // SAFETY: AVX present.
            unsafe { _mm256_cmp_ps::<_CMP_EQ_OQ>(a, b) }
        }
        #[inline(always)]
        fn nan(self, a: __m256) -> __m256 {
            // SAFETY: AVX present.
            unsafe { _mm256_cmp_ps::<_CMP_UNORD_Q>(a, a) }
        }
        #[inline(always)]
        fn select(self, m: __m256, a: __m256, b: __m256) -> __m256 {
            // SAFETY: AVX present. (blendv takes the second source where the mask is set.)
            unsafe { _mm256_blendv_ps(b, a, m) }
        }
        #[inline(always)]
        fn mask_add(self, src: __m256, m: __m256, a: __m256, b: __m256) -> __m256 {
            self.select(m, self.add(a, b), src)
        }
        #[inline(always)]
        fn mask_sub(self, src: __m256, m: __m256, a: __m256, b: __m256) -> __m256 {
            self.select(m, self.sub(a, b), src)
        }
        #[inline(always)]
        fn mask_mul(self, src: __m256, m: __m256, a: __m256, b: __m256) -> __m256 {
            self.select(m, self.mul(a, b), src)
        }
        #[inline(always)]
        fn maskz_sub(self, m: __m256, a: __m256, b: __m256) -> __m256 {
            // SAFETY: AVX present.
            unsafe { _mm256_and_ps(m, _mm256_sub_ps(a, b)) }
        }
        #[inline(always)]
        fn prefetch(self, s: &[f32], i: usize) {
            // SAFETY: `prefetcht0` never faults, whatever the address (here possibly past the
            // end of `s`: `wrapping_add` forms it without dereferencing); SSE is present.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(s.as_ptr().wrapping_add(i).cast::<i8>()) }
        }
        #[inline(always)]
        fn any(self, m: __m256) -> bool {
            // SAFETY: AVX present.
            unsafe { _mm256_movemask_ps(m) != 0 }
        }
        #[inline(always)]
        fn max(self, a: __m256, b: __m256) -> __m256 {
            // SAFETY: AVX present.
            unsafe { _mm256_max_ps(a, b) }
        }
        #[inline(always)]
        fn ne(self, a: __m256, b: __m256) -> __m256 {
            // SAFETY: AVX present.
            unsafe { _mm256_cmp_ps::<_CMP_NEQ_OQ>(a, b) }
        }
        #[inline(always)]
        fn nlt(self, a: __m256, b: __m256) -> __m256 {
            // SAFETY: AVX present.
            unsafe { _mm256_cmp_ps::<_CMP_NLT_UQ>(a, b) }
        }
        #[inline(always)]
        fn mor(self, a: __m256, b: __m256) -> __m256 {
            // SAFETY: AVX present.
            unsafe { _mm256_or_ps(a, b) }
        }
        #[inline(always)]
        fn mask_min(self, src: __m256, m: __m256, a: __m256, b: __m256) -> __m256 {
            self.select(m, self.min(a, b), src)
        }
        #[inline(always)]
        fn scale2(self, y: __m256, k: __m256) -> __m256 {
            // 2^k from its bits: (k + 127) << 23 is the biased exponent field of a normal
            // number for k ∈ [−126, 127].
            // SAFETY: AVX2 present.
            unsafe {
                let e = _mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127));
                _mm256_mul_ps(y, _mm256_castsi256_ps(_mm256_slli_epi32::<23>(e)))
            }
        }
        #[inline(always)]
        fn div(self, a: __m256, b: __m256) -> __m256 {
            // SAFETY: AVX present.
            unsafe { _mm256_div_ps(a, b) }
        }
    }
}

/// `vzeroupper` where the CPU has AVX (see [`crate::clear_upper_vector_state`]); nothing
/// elsewhere.
pub(crate) fn clear_upper_vector_state() {
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
