//! [`Lanes32`] for AVX-512F: 16 `f32` lanes, `__mmask16` masks, `vrcp14ps`, `vgetmantps`,
//! `vgetexpps`.
#![allow(unsafe_code)]

#[cfg(target_arch = "x86_64")]
mod imp {
    use super::super::Lanes32;
    use crate::lanes::avx512::Avx512;
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
        fn mant(self, a: __m512) -> __m512 {
            // SAFETY: AVX-512F present (`vgetmantps`, interval [1, 2), sign of the source).
            unsafe { _mm512_getmant_ps::<_MM_MANT_NORM_1_2, _MM_MANT_SIGN_SRC>(a) }
        }
        #[inline(always)]
        fn exp(self, a: __m512) -> __m512 {
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
                let (t, e) = crate::chunked::two_sum(a, b);
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
