//! **Benchmark reference points, not part of relent's API** (feature `baseline`, hidden from
//! the docs): the straightforward AVX2 KL kernel the SIMD kernels are measured against, and the
//! streaming-read bandwidth lines.
//!
//! - [`kl_f32`] / [`kl_f64`]: a simple loop that evaluates a polynomial log per element the
//!   obvious way (`p·(ln p − ln q)`, Cephes-style log, one plain lane-sum accumulator in the
//!   input precision). Its accuracy is *not* relent's: no bound is promised.
//! - [`sum2_f32`] / [`sum2_f64`]: Σp + Σq with AVX2 (what the baseline reads, nothing more).
//! - [`sum_words`]: a wrapping sum of 64-bit words, dispatched to AVX-512F or AVX2 (four
//!   independent 512/256-bit accumulators: enough loads in flight to reach the L1/L2 load rate),
//!   falling back to a scalar loop. It does no arithmetic worth the name, so its time is the
//!   cost of reading the data: the bandwidth line of the benchmark report.
//!
//! It lives here because this crate is the one allowed to hold `unsafe` (`std::arch`
//! intrinsics and `#[target_feature]` calls after a feature check); the benches crate forbids it.
#![allow(unsafe_code)]
// fdlibm's/Cephes' published digits, kept verbatim.
#![allow(clippy::excessive_precision)]

/// Straightforward AVX2 KL for `f32`, or `None` without AVX2+FMA.
///
/// ```
/// let p = [0.5f32, 0.5];
/// if let Some(v) = relent_simd::bench_baseline::kl_f32(&p, &p) { assert!(v.abs() < 1e-6); }
/// ```
pub fn kl_f32(p: &[f32], q: &[f32]) -> Option<f64> {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        // SAFETY: AVX2 and FMA were detected just above.
        return Some(unsafe { imp::kl_f32(p, q) });
    }
    let _ = (p, q);
    None
}

/// Straightforward AVX2 KL for `f64`, or `None` without AVX2+FMA.
///
/// ```
/// let p = [0.5f64, 0.5];
/// if let Some(v) = relent_simd::bench_baseline::kl_f64(&p, &p) { assert!(v.abs() < 1e-12); }
/// ```
pub fn kl_f64(p: &[f64], q: &[f64]) -> Option<f64> {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        // SAFETY: AVX2 and FMA were detected just above.
        return Some(unsafe { imp::kl_f64(p, q) });
    }
    let _ = (p, q);
    None
}

/// Bandwidth line: Σp + Σq with AVX2 (f32), or `None` without AVX2.
///
/// ```
/// if let Some(s) = relent_simd::bench_baseline::sum2_f32(&[1.0; 64], &[2.0; 64]) { assert_eq!(s, 192.0); }
/// ```
pub fn sum2_f32(p: &[f32], q: &[f32]) -> Option<f64> {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 was detected just above.
        return Some(unsafe { imp::sum2_f32(p, q) });
    }
    let _ = (p, q);
    None
}

/// Bandwidth line: Σp + Σq with AVX2 (f64), or `None` without AVX2.
///
/// ```
/// if let Some(s) = relent_simd::bench_baseline::sum2_f64(&[1.0; 64], &[2.0; 64]) { assert_eq!(s, 192.0); }
/// ```
pub fn sum2_f64(p: &[f64], q: &[f64]) -> Option<f64> {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 was detected just above.
        return Some(unsafe { imp::sum2_f64(p, q) });
    }
    let _ = (p, q);
    None
}

/// The wrapping sum of `x`, read with the widest vectors the CPU has (AVX-512F, else AVX2, else
/// a scalar loop; the choice is [`is_x86_feature_detected!`], cached by std).
///
/// ```
/// let v: Vec<u64> = (0..100).collect();
/// assert_eq!(relent_simd::bench_baseline::sum_words(&v), 4950);
/// ```
pub fn sum_words(x: &[u64]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f") {
            // SAFETY: AVX-512F was detected just above.
            return unsafe { imp::sum_words_avx512(x) };
        }
        if is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 was detected just above.
            return unsafe { imp::sum_words_avx2(x) };
        }
    }
    sum_words_scalar(x)
}

/// The same sum one word at a time (the reference for [`sum_words`], and its fallback).
///
/// ```
/// assert_eq!(relent_simd::bench_baseline::sum_words_scalar(&[u64::MAX, 2]), 1);
/// ```
pub fn sum_words_scalar(x: &[u64]) -> u64 {
    x.iter().fold(0u64, |s, &w| s.wrapping_add(w))
}

#[cfg(target_arch = "x86_64")]
mod imp {
    use core::arch::x86_64::*;

    #[inline(always)]
    unsafe fn ln_ps(x: __m256) -> __m256 {
        // SAFETY: called only from AVX2+FMA functions.
        unsafe {
            // Cephes logf: x = m·2^e, m ∈ [√½, √2), degree-8 polynomial.
            let xi = _mm256_castps_si256(x);
            let e = _mm256_sub_epi32(_mm256_srli_epi32::<23>(xi), _mm256_set1_epi32(127));
            let m = _mm256_castsi256_ps(_mm256_or_si256(
                _mm256_and_si256(xi, _mm256_set1_epi32(0x007F_FFFF)),
                _mm256_set1_epi32(0x3F80_0000),
            ));
            let mut e = _mm256_cvtepi32_ps(e);
            let big = _mm256_cmp_ps::<_CMP_GT_OQ>(m, _mm256_set1_ps(core::f32::consts::SQRT_2));
            let m = _mm256_blendv_ps(m, _mm256_mul_ps(m, _mm256_set1_ps(0.5)), big);
            e = _mm256_add_ps(e, _mm256_and_ps(big, _mm256_set1_ps(1.0)));
            let f = _mm256_sub_ps(m, _mm256_set1_ps(1.0));
            let c = [
                7.037_683_6e-2f32,
                -1.151_461e-1,
                1.167_699_9e-1,
                -1.242_014_1e-1,
                1.424_932_3e-1,
                -1.666_805_8e-1,
                2.000_071_4e-1,
                -2.499_999_4e-1,
                3.333_333e-1,
            ];
            let mut y = _mm256_set1_ps(c[0]);
            for &ci in &c[1..] {
                y = _mm256_fmadd_ps(y, f, _mm256_set1_ps(ci));
            }
            let f2 = _mm256_mul_ps(f, f);
            y = _mm256_mul_ps(_mm256_mul_ps(y, f2), f);
            y = _mm256_fnmadd_ps(f2, _mm256_set1_ps(0.5), y);
            _mm256_fmadd_ps(
                e,
                _mm256_set1_ps(core::f32::consts::LN_2),
                _mm256_add_ps(f, y),
            )
        }
    }

    #[inline(always)]
    unsafe fn ln_pd(x: __m256d) -> __m256d {
        // SAFETY: called only from AVX2+FMA functions.
        unsafe {
            let xi = _mm256_castpd_si256(x);
            let m = _mm256_castsi256_pd(_mm256_or_si256(
                _mm256_and_si256(xi, _mm256_set1_epi64x(0x000F_FFFF_FFFF_FFFF)),
                _mm256_set1_epi64x(0x3FF0_0000_0000_0000),
            ));
            let ebits = _mm256_or_si256(
                _mm256_srli_epi64::<52>(xi),
                _mm256_set1_epi64x(0x4330_0000_0000_0000),
            );
            let mut e = _mm256_sub_pd(
                _mm256_castsi256_pd(ebits),
                _mm256_set1_pd(4_503_599_627_370_496.0 + 1023.0),
            );
            let big = _mm256_cmp_pd::<_CMP_GT_OQ>(m, _mm256_set1_pd(core::f64::consts::SQRT_2));
            let m = _mm256_blendv_pd(m, _mm256_mul_pd(m, _mm256_set1_pd(0.5)), big);
            e = _mm256_add_pd(e, _mm256_and_pd(big, _mm256_set1_pd(1.0)));
            // ln m = 2 atanh(s), s = (m−1)/(m+1): series with fdlibm's coefficients.
            let s = _mm256_div_pd(
                _mm256_sub_pd(m, _mm256_set1_pd(1.0)),
                _mm256_add_pd(m, _mm256_set1_pd(1.0)),
            );
            let z = _mm256_mul_pd(s, s);
            let lg = [
                1.479819860511658591e-01,
                1.531383769920937332e-01,
                1.818357216161805012e-01,
                2.222219843214978396e-01,
                2.857142874366239149e-01,
                3.999999999940941908e-01,
                6.666666666666735130e-01,
            ];
            let mut r = _mm256_set1_pd(lg[0]);
            for &c in &lg[1..] {
                r = _mm256_fmadd_pd(r, z, _mm256_set1_pd(c));
            }
            let t = _mm256_mul_pd(_mm256_mul_pd(s, z), r);
            _mm256_fmadd_pd(
                e,
                _mm256_set1_pd(core::f64::consts::LN_2),
                _mm256_add_pd(_mm256_add_pd(s, s), t),
            )
        }
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn kl_f32(p: &[f32], q: &[f32]) -> f64 {
        let n = p.len().min(q.len());
        let mut acc = _mm256_setzero_ps();
        let mut i = 0;
        while i + 8 <= n {
            // SAFETY: i + 8 ≤ n, so 8 floats are readable from both slices.
            let (x, y) = unsafe {
                (
                    _mm256_loadu_ps(p.as_ptr().add(i)),
                    _mm256_loadu_ps(q.as_ptr().add(i)),
                )
            };
            // SAFETY: this function runs with AVX2+FMA enabled.
            let t = unsafe { _mm256_mul_ps(x, _mm256_sub_ps(ln_ps(x), ln_ps(y))) };
            let nz = _mm256_cmp_ps::<_CMP_NEQ_OQ>(x, _mm256_setzero_ps());
            acc = _mm256_add_ps(acc, _mm256_and_ps(nz, t));
            i += 8;
        }
        let mut lanes = [0.0f32; 8];
        // SAFETY: `lanes` has room for 8 floats.
        unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), acc) };
        let mut s: f64 = lanes.iter().map(|&x| f64::from(x)).sum();
        for j in i..n {
            if p[j] != 0.0 {
                s += f64::from(p[j]) * (f64::from(p[j]) / f64::from(q[j])).ln();
            }
        }
        s
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn kl_f64(p: &[f64], q: &[f64]) -> f64 {
        let n = p.len().min(q.len());
        let mut acc = _mm256_setzero_pd();
        let mut i = 0;
        while i + 4 <= n {
            // SAFETY: i + 4 ≤ n, so 4 doubles are readable from both slices.
            let (x, y) = unsafe {
                (
                    _mm256_loadu_pd(p.as_ptr().add(i)),
                    _mm256_loadu_pd(q.as_ptr().add(i)),
                )
            };
            // SAFETY: this function runs with AVX2+FMA enabled.
            let t = unsafe { _mm256_mul_pd(x, _mm256_sub_pd(ln_pd(x), ln_pd(y))) };
            let nz = _mm256_cmp_pd::<_CMP_NEQ_OQ>(x, _mm256_setzero_pd());
            acc = _mm256_add_pd(acc, _mm256_and_pd(nz, t));
            i += 4;
        }
        let mut lanes = [0.0f64; 4];
        // SAFETY: `lanes` has room for 4 doubles.
        unsafe { _mm256_storeu_pd(lanes.as_mut_ptr(), acc) };
        let mut s: f64 = lanes.iter().sum();
        for j in i..n {
            if p[j] != 0.0 {
                s += p[j] * (p[j] / q[j]).ln();
            }
        }
        s
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn sum2_f32(p: &[f32], q: &[f32]) -> f64 {
        let n = p.len().min(q.len());
        let (mut a, mut b, mut c, mut d) = (
            _mm256_setzero_ps(),
            _mm256_setzero_ps(),
            _mm256_setzero_ps(),
            _mm256_setzero_ps(),
        );
        let mut i = 0;
        while i + 16 <= n {
            // SAFETY: i + 16 ≤ n, so 16 floats are readable from both slices.
            unsafe {
                a = _mm256_add_ps(a, _mm256_loadu_ps(p.as_ptr().add(i)));
                b = _mm256_add_ps(b, _mm256_loadu_ps(q.as_ptr().add(i)));
                c = _mm256_add_ps(c, _mm256_loadu_ps(p.as_ptr().add(i + 8)));
                d = _mm256_add_ps(d, _mm256_loadu_ps(q.as_ptr().add(i + 8)));
            }
            i += 16;
        }
        let mut lanes = [0.0f32; 8];
        // SAFETY: `lanes` has room for 8 floats.
        unsafe {
            _mm256_storeu_ps(
                lanes.as_mut_ptr(),
                _mm256_add_ps(_mm256_add_ps(a, b), _mm256_add_ps(c, d)),
            )
        };
        let mut s: f64 = lanes.iter().map(|&x| f64::from(x)).sum();
        for j in i..n {
            s += f64::from(p[j]) + f64::from(q[j]);
        }
        s
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn sum2_f64(p: &[f64], q: &[f64]) -> f64 {
        let n = p.len().min(q.len());
        let (mut a, mut b, mut c, mut d) = (
            _mm256_setzero_pd(),
            _mm256_setzero_pd(),
            _mm256_setzero_pd(),
            _mm256_setzero_pd(),
        );
        let mut i = 0;
        while i + 8 <= n {
            // SAFETY: i + 8 ≤ n, so 8 doubles are readable from both slices.
            unsafe {
                a = _mm256_add_pd(a, _mm256_loadu_pd(p.as_ptr().add(i)));
                b = _mm256_add_pd(b, _mm256_loadu_pd(q.as_ptr().add(i)));
                c = _mm256_add_pd(c, _mm256_loadu_pd(p.as_ptr().add(i + 4)));
                d = _mm256_add_pd(d, _mm256_loadu_pd(q.as_ptr().add(i + 4)));
            }
            i += 8;
        }
        let mut lanes = [0.0f64; 4];
        // SAFETY: `lanes` has room for 4 doubles.
        unsafe {
            _mm256_storeu_pd(
                lanes.as_mut_ptr(),
                _mm256_add_pd(_mm256_add_pd(a, b), _mm256_add_pd(c, d)),
            )
        };
        let mut s: f64 = lanes.iter().sum();
        for j in i..n {
            s += p[j] + q[j];
        }
        s
    }

    #[target_feature(enable = "avx512f")]
    pub(super) fn sum_words_avx512(x: &[u64]) -> u64 {
        let n = x.len();
        let mut acc = [_mm512_setzero_si512(); 4];
        let mut i = 0;
        while i + 32 <= n {
            for (k, a) in acc.iter_mut().enumerate() {
                // SAFETY: i + 8k + 8 ≤ i + 32 ≤ n, so 8 words are readable.
                let v = unsafe { _mm512_loadu_si512(x.as_ptr().add(i + 8 * k).cast()) };
                *a = _mm512_add_epi64(*a, v);
            }
            i += 32;
        }
        let v = _mm512_add_epi64(
            _mm512_add_epi64(acc[0], acc[1]),
            _mm512_add_epi64(acc[2], acc[3]),
        );
        let s = _mm512_reduce_add_epi64(v) as u64;
        s.wrapping_add(super::sum_words_scalar(&x[i..]))
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn sum_words_avx2(x: &[u64]) -> u64 {
        let n = x.len();
        let mut acc = [_mm256_setzero_si256(); 4];
        let mut i = 0;
        while i + 16 <= n {
            for (k, a) in acc.iter_mut().enumerate() {
                // SAFETY: i + 4k + 4 ≤ i + 16 ≤ n, so 4 words are readable.
                let v = unsafe { _mm256_loadu_si256(x.as_ptr().add(i + 4 * k).cast()) };
                *a = _mm256_add_epi64(*a, v);
            }
            i += 16;
        }
        let v = _mm256_add_epi64(
            _mm256_add_epi64(acc[0], acc[1]),
            _mm256_add_epi64(acc[2], acc[3]),
        );
        let mut lanes = [0u64; 4];
        // SAFETY: `lanes` has room for 4 words.
        unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast(), v) };
        super::sum_words_scalar(&lanes).wrapping_add(super::sum_words_scalar(&x[i..]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sum_words_matches_the_scalar_sum_at_every_length_and_offset() {
        let v: Vec<u64> = (0..300u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        for off in 0..8 {
            for len in 0..=(129 + 64) {
                let x = &v[off..off + len];
                assert_eq!(sum_words(x), sum_words_scalar(x), "off {off} len {len}");
            }
        }
    }

    #[test]
    fn baseline_kl_is_close_to_the_reference_on_probabilities() {
        // A plain f32 lane sum of 1000 terms with a ~2-ulp log: well within 1e-4 relative;
        // f64: within 1e-12. (Not a relent bound: the baseline promises none.)
        let n = 1003;
        let p: Vec<f64> = (1..=n).map(|i| i as f64).collect();
        let q: Vec<f64> = (1..=n).map(|i| (n + 1 - i) as f64).collect();
        let (sp, sq): (f64, f64) = (p.iter().sum(), q.iter().sum());
        let p: Vec<f64> = p.iter().map(|x| x / sp).collect();
        let q: Vec<f64> = q.iter().map(|x| x / sq).collect();
        let want = relent_scalar::kl(&p, &q);
        if let Some(v) = kl_f64(&p, &q) {
            assert!(((v - want) / want).abs() < 1e-12, "{v} vs {want}");
        }
        let (p32, q32): (Vec<f32>, Vec<f32>) = (
            p.iter().map(|&x| x as f32).collect(),
            q.iter().map(|&x| x as f32).collect(),
        );
        let want = relent_scalar::kl(&p32, &q32);
        if let Some(v) = kl_f32(&p32, &q32) {
            assert!(((v - want) / want).abs() < 1e-4, "{v} vs {want}");
        }
    }
}
