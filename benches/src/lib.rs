//! # relent-benches
//!
//! relent's benchmarks and accuracy report, with the peers measured in the same run.
//!
//! - [`impls`]: the table of named implementations per function and element type — relent's
//!   rows (the only place that calls relent), the peers, and the streaming-read limit.
//! - [`data`]: seeded inputs.
//! - [`bounds`]: the documented error bounds the benchmarks assert and the report checks.
//! - [`accuracy`]: the accuracy suite (cases and error measurement), run by
//!   `cargo xtask accuracy-report` through the `accuracy` binary.
//!
//! The heavy peers (numkong, simsimd, ndarray-stats: C builds) are behind the `peers` feature.
//! The straightforward AVX2 baseline kernel and the dispatched bandwidth sum live in
//! `relent_simd::bench_baseline` (feature `baseline`), the one crate allowed to hold `unsafe`.

#![forbid(unsafe_code)]

pub mod accuracy;
pub mod bounds;
pub mod data;
pub mod impls;

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
