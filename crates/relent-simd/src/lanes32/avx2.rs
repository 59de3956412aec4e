//! [`Lanes32`] for AVX2+FMA: 8 `f32` lanes, masks as all-ones/all-zeros lanes, `vrcpps` with a
//! Newton step, and the exponent/mantissa split by bit manipulation.
//!
//! Differences from AVX-512 that the kernel's argument covers (see [`crate::fast32`]'s
//! `# Range`): `exp` of a zero **or subnormal** lane is `−∞` (the biased exponent field is 0),
//! so a subnormal `p` or `q` outside the band makes `g` non-finite and sends the chunk to the
//! `f64` kernel; `exp` of ∞ and NaN lanes is finite (128), which the kernel does not rely on
//! (such lanes reach a stream as NaN or ∞ through `p − q`, `p + q` or `g`'s other factors).
//! Merge-masked operations are an operation and a blend.
#![allow(unsafe_code)]

#[cfg(target_arch = "x86_64")]
mod imp {
    use super::super::Lanes32;
    use crate::lanes::avx2::Avx2;
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
        fn mant(self, a: __m256) -> __m256 {
            // Sign and fraction of `a` with the exponent of 1.0: `m ∈ [1, 2)` for normal lanes.
            // SAFETY: AVX present.
            unsafe {
                let keep = _mm256_castsi256_ps(_mm256_set1_epi32(0x807F_FFFFu32 as i32));
                _mm256_or_ps(_mm256_and_ps(a, keep), _mm256_set1_ps(1.0))
            }
        }
        #[inline(always)]
        fn exp(self, a: __m256) -> __m256 {
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
