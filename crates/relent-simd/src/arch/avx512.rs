//! The AVX-512F backend: eight `f64` lanes in `__m512d`, masks in `__mmask8`.
//!
//! Same structure and safety argument as `avx2`: the zero-sized token [`Avx512`] is created only
//! by [`Avx512::try_new`] after the run-time check for AVX-512F (which also implies FMA on every
//! AVX-512 CPU; both are checked). Only AVX-512F instructions are used (no DQ/VL), so any
//! AVX-512 CPU runs it.
//!
//! ## `f32` lanes
//! [`Lanes32`](crate::lanes32::Lanes32) for AVX-512F: 16 `f32` lanes, `__mmask16` masks, `vrcp14ps`, `vgetmantps`,
//! `vgetexpps`.
#![allow(unsafe_code)]

#[cfg(target_arch = "x86_64")]
mod imp {
    use crate::lanes::Lanes;
    use core::arch::x86_64::*;

    /// Proof that the CPU supports AVX-512F (and FMA). Only [`Avx512::try_new`] creates one.
    #[derive(Clone, Copy, Debug)]
    pub(crate) struct Avx512 {
        _private: (),
    }

    impl Avx512 {
        /// A token if the CPU supports AVX-512F and FMA.
        #[inline(always)]
        pub(crate) fn try_new() -> Option<Self> {
            (is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("fma"))
                .then_some(Avx512 { _private: () })
        }
    }

    const TWO52_1023: f64 = 4_503_599_627_370_496.0 + 1023.0;

    impl Lanes for Avx512 {
        type V = __m512d;
        type M = __mmask8;
        const W: usize = 8;
        // vgetmantpd/vgetexppd normalise subnormal inputs (MXCSR.DAZ is never set by Rust).
        const FREXP_SUBNORMAL: bool = true;
        const FUSED_FMA: bool = true;
        #[inline(always)]
        fn splat(self, x: f64) -> __m512d {
            // SAFETY: the token proves AVX-512F.
            unsafe { _mm512_set1_pd(x) }
        }
        #[inline(always)]
        fn load_f64(self, s: &[f64]) -> __m512d {
            let s = &s[..8];
            // SAFETY: `s` has 8 readable f64 (checked above); the token proves AVX-512F.
            unsafe { _mm512_loadu_pd(s.as_ptr()) }
        }
        #[inline(always)]
        fn load_f32(self, s: &[f32]) -> __m512d {
            let s = &s[..8];
            // SAFETY: `s` has 8 readable f32 (32 bytes, checked above); the token proves
            // AVX-512F (which implies AVX for the 256-bit load).
            unsafe { _mm512_cvtps_pd(_mm256_loadu_ps(s.as_ptr())) }
        }
        #[inline(always)]
        fn store(self, v: __m512d, out: &mut [f64]) {
            let out = &mut out[..8];
            // SAFETY: `out` has 8 writable f64 (checked above); the token proves AVX-512F.
            unsafe { _mm512_storeu_pd(out.as_mut_ptr(), v) }
        }
        #[inline(always)]
        fn add(self, a: __m512d, b: __m512d) -> __m512d {
            // SAFETY: the token proves AVX-512F.
            unsafe { _mm512_add_pd(a, b) }
        }
        #[inline(always)]
        fn sub(self, a: __m512d, b: __m512d) -> __m512d {
            // SAFETY: the token proves AVX-512F.
            unsafe { _mm512_sub_pd(a, b) }
        }
        #[inline(always)]
        fn mul(self, a: __m512d, b: __m512d) -> __m512d {
            // SAFETY: the token proves AVX-512F.
            unsafe { _mm512_mul_pd(a, b) }
        }
        #[inline(always)]
        fn div(self, a: __m512d, b: __m512d) -> __m512d {
            // SAFETY: the token proves AVX-512F.
            unsafe { _mm512_div_pd(a, b) }
        }
        #[inline(always)]
        fn fma(self, a: __m512d, b: __m512d, c: __m512d) -> __m512d {
            // SAFETY: the token proves AVX-512F.
            unsafe { _mm512_fmadd_pd(a, b, c) }
        }
        #[inline(always)]
        fn min(self, a: __m512d, b: __m512d) -> __m512d {
            // SAFETY: the token proves AVX-512F. (vminpd returns b unless a < b.)
            unsafe { _mm512_min_pd(a, b) }
        }
        #[inline(always)]
        fn max(self, a: __m512d, b: __m512d) -> __m512d {
            // SAFETY: the token proves AVX-512F. (vmaxpd returns b unless a > b.)
            unsafe { _mm512_max_pd(a, b) }
        }
        #[inline(always)]
        fn lt(self, a: __m512d, b: __m512d) -> __mmask8 {
            // SAFETY: the token proves AVX-512F.
            unsafe { _mm512_cmp_pd_mask::<_CMP_LT_OQ>(a, b) }
        }
        #[inline(always)]
        fn le(self, a: __m512d, b: __m512d) -> __mmask8 {
            // SAFETY: the token proves AVX-512F.
            unsafe { _mm512_cmp_pd_mask::<_CMP_LE_OQ>(a, b) }
        }
        #[inline(always)]
        fn eq(self, a: __m512d, b: __m512d) -> __mmask8 {
            // SAFETY: the token proves AVX-512F.
            unsafe { _mm512_cmp_pd_mask::<_CMP_EQ_OQ>(a, b) }
        }
        #[inline(always)]
        fn and(self, a: __mmask8, b: __mmask8) -> __mmask8 {
            a & b
        }
        #[inline(always)]
        fn or(self, a: __mmask8, b: __mmask8) -> __mmask8 {
            a | b
        }
        #[inline(always)]
        fn not(self, a: __mmask8) -> __mmask8 {
            !a
        }
        #[inline(always)]
        fn select(self, m: __mmask8, a: __m512d, b: __m512d) -> __m512d {
            // SAFETY: the token proves AVX-512F. (mask_blend takes the second source where set.)
            unsafe { _mm512_mask_blend_pd(m, b, a) }
        }
        #[inline(always)]
        fn abs(self, a: __m512d) -> __m512d {
            // SAFETY: the token proves AVX-512F.
            unsafe { _mm512_abs_pd(a) }
        }
        #[inline(always)]
        fn fms(self, a: __m512d, b: __m512d, c: __m512d) -> __m512d {
            // SAFETY: the token proves AVX-512F.
            unsafe { _mm512_fmsub_pd(a, b, c) }
        }
        #[inline(always)]
        fn mask_add(self, src: __m512d, m: __mmask8, a: __m512d, b: __m512d) -> __m512d {
            // SAFETY: the token proves AVX-512F.
            unsafe { _mm512_mask_add_pd(src, m, a, b) }
        }
        #[inline(always)]
        fn mask_sub(self, src: __m512d, m: __mmask8, a: __m512d, b: __m512d) -> __m512d {
            // SAFETY: the token proves AVX-512F.
            unsafe { _mm512_mask_sub_pd(src, m, a, b) }
        }
        #[inline(always)]
        fn mask_mul(self, src: __m512d, m: __mmask8, a: __m512d, b: __m512d) -> __m512d {
            // SAFETY: the token proves AVX-512F.
            unsafe { _mm512_mask_mul_pd(src, m, a, b) }
        }
        #[inline(always)]
        fn any(self, m: __mmask8) -> bool {
            m != 0
        }
        #[inline(always)]
        fn frexp(self, x: __m512d) -> (__m512d, __m512d) {
            // vgetmantpd (interval [1, 2)) and vgetexppd (⌊log2 x⌋ as f64): two µops where
            // the bit manipulation takes five; exact for every positive finite x.
            // SAFETY: the token proves AVX-512F.
            unsafe {
                (
                    _mm512_getmant_pd::<_MM_MANT_NORM_1_2, _MM_MANT_SIGN_SRC>(x),
                    _mm512_getexp_pd(x),
                )
            }
        }
        #[inline(always)]
        fn pow2i(self, k: __m512d) -> __m512d {
            // SAFETY: the token proves AVX-512F.
            unsafe {
                let t = _mm512_add_pd(k, _mm512_set1_pd(TWO52_1023));
                _mm512_castsi512_pd(_mm512_slli_epi64::<52>(_mm512_castpd_si512(t)))
            }
        }
        #[inline(always)]
        fn scale2(self, y: __m512d, k: __m512d) -> __m512d {
            // SAFETY: the token proves AVX-512F (`vscalefpd`: y·2^⌊k⌋, one rounding).
            unsafe { _mm512_scalef_pd(y, k) }
        }
        #[inline(always)]
        fn round(self, x: __m512d) -> __m512d {
            // SAFETY: the token proves AVX-512F. (imm 0: round to nearest even, keep 0 fraction bits.)
            unsafe { _mm512_roundscale_pd::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(x) }
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod imp {
    /// Never constructible off x86-64.
    #[derive(Clone, Copy, Debug)]
    pub(crate) enum Avx512 {}
    impl Avx512 {
        pub(crate) fn try_new() -> Option<Self> {
            None
        }
    }
}

pub(crate) use imp::Avx512;

#[cfg(target_arch = "x86_64")]
crate::arch::entries!(Avx512, "avx512f,fma", divided: yes);

#[cfg(target_arch = "x86_64")]
mod imp32 {
    use super::imp::Avx512;
    use crate::lanes32::Lanes32;
    use core::arch::x86_64::*;

    // SAFETY (every block below): an `Avx512` token exists only if AVX-512F and FMA were
    // detected at run time, and these methods are only inlined into `#[target_feature(enable =
    // "avx512f,fma")]` entry points; loads and stores go through slices re-borrowed to exactly
    // 16 elements first (so out-of-bounds is a panic before any unsafe access).
    impl Lanes32 for Avx512 {
        type V = __m512;
        type M = __mmask16;
        const W: usize = 16;
        #[inline(always)]
        fn splat(self, x: f32) -> __m512 {
            // SAFETY: see the impl comment (AVX-512F present).
            unsafe { _mm512_set1_ps(x) }
        }
        #[inline(always)]
        fn load(self, s: &[f32]) -> __m512 {
            let s = &s[..16];
            // SAFETY: `s` has 16 elements; unaligned load; AVX-512F present.
            unsafe { _mm512_loadu_ps(s.as_ptr()) }
        }
        #[inline(always)]
        fn store(self, v: __m512, out: &mut [f32]) {
            let out = &mut out[..16];
            // SAFETY: `out` has 16 elements; unaligned store; AVX-512F present.
            unsafe { _mm512_storeu_ps(out.as_mut_ptr(), v) }
        }
        #[inline(always)]
        fn add(self, a: __m512, b: __m512) -> __m512 {
            // SAFETY: AVX-512F present.
            unsafe { _mm512_add_ps(a, b) }
        }
        #[inline(always)]
        fn sub(self, a: __m512, b: __m512) -> __m512 {
            // SAFETY: AVX-512F present.
            unsafe { _mm512_sub_ps(a, b) }
        }
        #[inline(always)]
        fn mul(self, a: __m512, b: __m512) -> __m512 {
            // SAFETY: AVX-512F present.
            unsafe { _mm512_mul_ps(a, b) }
        }
        #[inline(always)]
        fn fma(self, a: __m512, b: __m512, c: __m512) -> __m512 {
            // SAFETY: AVX-512F present.
            unsafe { _mm512_fmadd_ps(a, b, c) }
        }
        #[inline(always)]
        fn fnma(self, a: __m512, b: __m512, c: __m512) -> __m512 {
            // SAFETY: AVX-512F present.
            unsafe { _mm512_fnmadd_ps(a, b, c) }
        }
        #[inline(always)]
        fn fms(self, a: __m512, b: __m512, c: __m512) -> __m512 {
            // SAFETY: AVX-512F present.
            unsafe { _mm512_fmsub_ps(a, b, c) }
        }
        #[inline(always)]
        fn min(self, a: __m512, b: __m512) -> __m512 {
            // SAFETY: AVX-512F present.
            unsafe { _mm512_min_ps(a, b) }
        }
        #[inline(always)]
        fn abs(self, a: __m512) -> __m512 {
            // SAFETY: AVX-512F present.
            unsafe { _mm512_abs_ps(a) }
        }
        #[inline(always)]
        fn rcp(self, a: __m512) -> __m512 {
            // SAFETY: AVX-512F present (`vrcp14ps`, relative error < 2^-14).
            unsafe { _mm512_rcp14_ps(a) }
        }
        #[inline(always)]
        fn mantissa(self, a: __m512) -> __m512 {
            // SAFETY: AVX-512F present (`vgetmantps`, interval [1, 2), sign of the source).
            unsafe { _mm512_getmant_ps::<_MM_MANT_NORM_1_2, _MM_MANT_SIGN_SRC>(a) }
        }
        #[inline(always)]
        fn exponent(self, a: __m512) -> __m512 {
            // SAFETY: AVX-512F present (`vgetexpps`: ⌊log2 |a|⌋, −∞ for 0).
            unsafe { _mm512_getexp_ps(a) }
        }
        #[inline(always)]
        fn le(self, a: __m512, b: __m512) -> __mmask16 {
            // SAFETY: AVX-512F present.
            unsafe { _mm512_cmp_ps_mask::<_CMP_LE_OQ>(a, b) }
        }
        #[inline(always)]
        fn lt(self, a: __m512, b: __m512) -> __mmask16 {
            // SAFETY: AVX-512F present.
            unsafe { _mm512_cmp_ps_mask::<_CMP_LT_OQ>(a, b) }
        }
        #[inline(always)]
        fn eq(self, a: __m512, b: __m512) -> __mmask16 {
            // SAFETY: AVX-512F present.
            unsafe { _mm512_cmp_ps_mask::<_CMP_EQ_OQ>(a, b) }
        }
        #[inline(always)]
        fn nan(self, a: __m512) -> __mmask16 {
            // SAFETY: AVX-512F present.
            unsafe { _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(a, a) }
        }
        #[inline(always)]
        fn select(self, m: __mmask16, a: __m512, b: __m512) -> __m512 {
            // SAFETY: AVX-512F present.
            unsafe { _mm512_mask_blend_ps(m, b, a) }
        }
        #[inline(always)]
        fn mask_add(self, src: __m512, m: __mmask16, a: __m512, b: __m512) -> __m512 {
            // SAFETY: AVX-512F present.
            unsafe { _mm512_mask_add_ps(src, m, a, b) }
        }
        #[inline(always)]
        fn mask_sub(self, src: __m512, m: __mmask16, a: __m512, b: __m512) -> __m512 {
            // SAFETY: AVX-512F present.
            unsafe { _mm512_mask_sub_ps(src, m, a, b) }
        }
        #[inline(always)]
        fn mask_mul(self, src: __m512, m: __mmask16, a: __m512, b: __m512) -> __m512 {
            // SAFETY: AVX-512F present.
            unsafe { _mm512_mask_mul_ps(src, m, a, b) }
        }
        #[inline(always)]
        fn maskz_sub(self, m: __mmask16, a: __m512, b: __m512) -> __m512 {
            // SAFETY: AVX-512F present.
            unsafe { _mm512_maskz_sub_ps(m, a, b) }
        }
        #[inline(always)]
        fn prefetch(self, s: &[f32], i: usize) {
            // SAFETY: `prefetcht0` never faults, whatever the address (here possibly past the
            // end of `s`: `wrapping_add` forms it without dereferencing); SSE is present.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(s.as_ptr().wrapping_add(i).cast::<i8>()) }
        }
        #[inline(always)]
        fn any(self, m: __mmask16) -> bool {
            m != 0
        }
        #[inline(always)]
        fn max(self, a: __m512, b: __m512) -> __m512 {
            // SAFETY: AVX-512F present.
            unsafe { _mm512_max_ps(a, b) }
        }
        #[inline(always)]
        fn ne(self, a: __m512, b: __m512) -> __mmask16 {
            // SAFETY: AVX-512F present.
            unsafe { _mm512_cmp_ps_mask::<_CMP_NEQ_OQ>(a, b) }
        }
        #[inline(always)]
        fn nlt(self, a: __m512, b: __m512) -> __mmask16 {
            // SAFETY: AVX-512F present.
            unsafe { _mm512_cmp_ps_mask::<_CMP_NLT_UQ>(a, b) }
        }
        #[inline(always)]
        fn mor(self, a: __mmask16, b: __mmask16) -> __mmask16 {
            a | b
        }
        #[inline(always)]
        fn mask_min(self, src: __m512, m: __mmask16, a: __m512, b: __m512) -> __m512 {
            // SAFETY: AVX-512F present.
            unsafe { _mm512_mask_min_ps(src, m, a, b) }
        }
        #[inline(always)]
        fn scale2(self, y: __m512, k: __m512) -> __m512 {
            // SAFETY: AVX-512F present (`vscalefps`: y·2^⌊k⌋, one rounding, any k).
            unsafe { _mm512_scalef_ps(y, k) }
        }
        #[inline(always)]
        fn fold(self, hi: __m512, lo: __m512) -> (f64, f64) {
            // The trait's pairwise tree, level by level on 512/256/128-bit halves (the same
            // operations in the same order, so the same bits as the scalar default).
            // SAFETY: AVX-512F present (it implies AVX and AVX2 for the narrower halves).
            unsafe {
                let wide = |v: __m512| {
                    let a = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
                    let b = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(
                        _mm512_castps_pd(v),
                    )));
                    (a, b)
                };
                let (h0, h1) = wide(hi);
                let (c0, c1) = wide(lo);
                let s = _mm512_add_pd(h0, h1);
                let bb = _mm512_sub_pd(s, h0);
                let e = _mm512_add_pd(
                    _mm512_sub_pd(h0, _mm512_sub_pd(s, bb)),
                    _mm512_sub_pd(h1, bb),
                );
                let c = _mm512_add_pd(_mm512_add_pd(c0, c1), e);
                let (a, b) = (_mm512_castpd512_pd256(s), _mm512_extractf64x4_pd::<1>(s));
                let (ca, cb) = (_mm512_castpd512_pd256(c), _mm512_extractf64x4_pd::<1>(c));
                let s = _mm256_add_pd(a, b);
                let bb = _mm256_sub_pd(s, a);
                let e = _mm256_add_pd(_mm256_sub_pd(a, _mm256_sub_pd(s, bb)), _mm256_sub_pd(b, bb));
                let c = _mm256_add_pd(_mm256_add_pd(ca, cb), e);
                let (a, b) = (_mm256_castpd256_pd128(s), _mm256_extractf128_pd::<1>(s));
                let (ca, cb) = (_mm256_castpd256_pd128(c), _mm256_extractf128_pd::<1>(c));
                let s = _mm_add_pd(a, b);
                let bb = _mm_sub_pd(s, a);
                let e = _mm_add_pd(_mm_sub_pd(a, _mm_sub_pd(s, bb)), _mm_sub_pd(b, bb));
                let c = _mm_add_pd(_mm_add_pd(ca, cb), e);
                let (a, b) = (_mm_cvtsd_f64(s), _mm_cvtsd_f64(_mm_unpackhi_pd(s, s)));
                let (ca, cb) = (_mm_cvtsd_f64(c), _mm_cvtsd_f64(_mm_unpackhi_pd(c, c)));
                let (t, e) = crate::dd::two_sum(a, b);
                (t, ca + cb + e)
            }
        }
        #[inline(always)]
        fn div(self, a: __m512, b: __m512) -> __m512 {
            // SAFETY: AVX-512F present.
            unsafe { _mm512_div_ps(a, b) }
        }
    }
}
