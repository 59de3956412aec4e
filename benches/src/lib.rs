//! Support for relent's benchmarks: a straightforward AVX2 KL kernel (the baseline the SIMD
//! kernels are compared with), a streaming-read bandwidth line, and data generators.

pub mod baseline;

/// A reproducible pseudo-random probability vector of length `n` (sums to 1), in `f64`.
///
/// ```
/// let p = relent_benches::probabilities(100, 1);
/// assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
/// ```
pub fn probabilities(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut v: Vec<f64> = (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            0.05 + ((s >> 11) as f64) / (1u64 << 53) as f64
        })
        .collect();
    let t: f64 = v.iter().sum();
    v.iter_mut().for_each(|x| *x /= t);
    v
}
