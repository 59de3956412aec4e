//! Seeded matrix data for the batch tests: n × d matrices of probability rows with a chosen
//! fraction of exact zeros, of logits with masked (−∞) entries and of log-probabilities.
//!
//! This stays a local generator although relent-testgen (the shared generator) has landed:
//! relent-testgen gives named single pairs (one p and one q per case, adversarial lengths and
//! values), which the single-pair tests of relent-simd and relent sweep; the batch tests need
//! whole matrices with a controlled zero fraction, sized for thread splits and GEMM tiles, and
//! their sizes and seeds were chosen on this data.
#![allow(dead_code)]

use relent_scalar::Element;

/// SplitMix64.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in 0..n.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// A probability vector of length d; each entry is 0 with probability `zero_frac`; entries
/// span several orders of magnitude.
pub fn prob<T: Element>(rng: &mut Rng, d: usize, zero_frac: f64) -> Vec<T> {
    let raw: Vec<f64> = (0..d)
        .map(|_| {
            if rng.f64() < zero_frac {
                0.0
            } else {
                (rng.f64() * 8.0 - 6.0).exp()
            }
        })
        .collect();
    let s: f64 = raw.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    raw.iter().map(|&x| T::from_f64(x / s)).collect()
}

/// n rows of length d, row-major.
pub fn prob_matrix<T: Element>(rng: &mut Rng, n: usize, d: usize, zero_frac: f64) -> Vec<T> {
    (0..n).flat_map(|_| prob::<T>(rng, d, zero_frac)).collect()
}

/// Logits (some masked with −∞ when `masked`, never all of them: a row with every logit
/// masked has no softmax, an error).
pub fn logits<T: Element>(rng: &mut Rng, len: usize, masked: bool) -> Vec<T> {
    let mut v: Vec<T> = (0..len)
        .map(|_| {
            if masked && rng.f64() < 0.1 {
                T::from_f64(f64::NEG_INFINITY)
            } else {
                T::from_f64(rng.f64() * 16.0 - 8.0)
            }
        })
        .collect();
    if v.iter().all(|x| x.to_f64() == f64::NEG_INFINITY)
        && let Some(first) = v.first_mut()
    {
        *first = T::from_f64(0.5);
    }
    v
}

/// Log-probabilities of a random distribution (−∞ where the probability is 0).
pub fn log_probs<T: Element>(rng: &mut Rng, d: usize) -> Vec<T> {
    prob::<f64>(rng, d, 0.05)
        .iter()
        .map(|&x| T::from_f64(x.ln()))
        .collect()
}

/// Every divergence, with a non-trivial temperature for logits.
pub fn all_divergences() -> Vec<relent_batch::Divergence> {
    use relent_batch::Divergence as D;
    vec![
        D::Kl,
        D::CrossEntropy,
        D::GeneralizedKl,
        D::Jeffreys,
        D::JsDivergence,
        D::JsDistance,
        D::KlLog,
        D::KlLogits { temperature: 1.0 },
        D::KlLogits { temperature: 0.7 },
    ]
}

/// Input suitable for `div` (probabilities, log-probabilities or logits), n rows of d.
/// For probabilities, zeros are placed so that p > 0 with q = 0 can happen unless `finite`.
pub fn input_for<T: Element>(
    rng: &mut Rng,
    div: relent_batch::Divergence,
    n: usize,
    d: usize,
    zero_frac: f64,
) -> Vec<T> {
    use relent_batch::Divergence as D;
    match div {
        D::KlLog => (0..n).flat_map(|_| log_probs::<T>(rng, d)).collect(),
        D::KlLogits { .. } => (0..n).flat_map(|_| logits::<T>(rng, d, true)).collect(),
        _ => prob_matrix::<T>(rng, n, d, zero_frac),
    }
}

/// Pools of 1, 2 and 4 threads.
pub fn pools() -> Vec<rayon::ThreadPool> {
    [1, 2, 4]
        .iter()
        .map(|&t| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
        })
        .collect()
}

/// The bit patterns of the values.
pub fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}
