//! Seeded input data for the benchmarks and the accuracy suite.
//!
//! Everything is generated in `f64` from a fixed seed and rounded once to the element type, so
//! every implementation (and the oracle) sees exactly the same numbers. The generators are
//! deliberately plain: a Dirichlet-like random probability vector, a perturbed copy of it, Zipf
//! vocabularies and Gaussian logits.
//!
//! TODO(lead): add `relent_testgen::cases` to the accuracy suite (see `accuracy::cases`); the
//! cases here are a local stand-in with the same spirit (realistic + adversarial).

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use relent_scalar::Element;

/// A seeded generator (`StdRng` from a `u64`).
pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// Rounds an `f64` vector to the element type.
pub fn cast<T: Element>(v: &[f64]) -> Vec<T> {
    v.iter().map(|&x| T::from_f64(x)).collect()
}

/// Divides by the sum so the entries add up to one (in `f64`).
pub fn normalize(v: &mut [f64]) {
    let s: f64 = v.iter().sum();
    if s > 0.0 {
        v.iter_mut().for_each(|x| *x /= s);
    }
}

/// A random probability vector: i.i.d. exponential weights, normalised (a flat Dirichlet draw).
pub fn dirichlet(n: usize, rng: &mut StdRng) -> Vec<f64> {
    let mut v: Vec<f64> = (0..n)
        .map(|_| -(1.0 - rng.random::<f64>()).ln() + 1e-12)
        .collect();
    normalize(&mut v);
    v
}

/// `p` with each entry multiplied by `1 + rel·u`, `u` uniform in [−1, 1], then normalised.
pub fn perturb(p: &[f64], rel: f64, rng: &mut StdRng) -> Vec<f64> {
    let mut v: Vec<f64> = p
        .iter()
        .map(|&x| x * (1.0 + rel * (2.0 * rng.random::<f64>() - 1.0)))
        .collect();
    normalize(&mut v);
    v
}

/// Zipf vocabulary: p_i ∝ 1 / (i + 1)^s, normalised.
pub fn zipf(n: usize, s: f64) -> Vec<f64> {
    let mut v: Vec<f64> = (0..n).map(|i| ((i + 1) as f64).powf(-s)).collect();
    normalize(&mut v);
    v
}

/// Gaussian logits with standard deviation `sd`.
pub fn logits(n: usize, sd: f64, rng: &mut StdRng) -> Vec<f64> {
    (0..n)
        .map(|_| {
            let z: f64 = StandardNormal.sample(rng);
            sd * z
        })
        .collect()
}

/// `a` plus Gaussian noise of standard deviation `sd`.
pub fn noisy(a: &[f64], sd: f64, rng: &mut StdRng) -> Vec<f64> {
    a.iter()
        .map(|&x| {
            let z: f64 = StandardNormal.sample(rng);
            x + sd * z
        })
        .collect()
}

/// The benchmark inputs at one size, in one element type.
#[derive(Clone, Debug)]
pub struct Inputs<T> {
    /// A random probability vector.
    pub p: Vec<T>,
    /// A perturbed copy of `p` (±50 %, renormalised): a realistic, well-conditioned pair.
    pub q: Vec<T>,
    /// Gaussian logits (sd 2).
    pub a: Vec<T>,
    /// `a` plus Gaussian noise (sd 0.5).
    pub b: Vec<T>,
}

/// The benchmark inputs of length `n` (seeded by `n`).
pub fn inputs<T: Element>(n: usize) -> Inputs<T> {
    let mut r = rng(0x5eed_0000 ^ n as u64);
    let p = dirichlet(n, &mut r);
    let q = perturb(&p, 0.5, &mut r);
    let a = logits(n, 2.0, &mut r);
    let b = noisy(&a, 0.5, &mut r);
    Inputs {
        p: cast(&p),
        q: cast(&q),
        a: cast(&a),
        b: cast(&b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probability_vectors_sum_to_one() {
        let mut r = rng(1);
        let p = dirichlet(1000, &mut r);
        let q = perturb(&p, 0.5, &mut r);
        for v in [&p, &q, &zipf(1000, 1.1)] {
            let s: f64 = v.iter().sum();
            assert!((s - 1.0).abs() < 1e-12, "sum {s}");
            assert!(v.iter().all(|&x| x > 0.0));
        }
    }

    #[test]
    fn inputs_are_seeded() {
        let x = inputs::<f32>(100);
        let y = inputs::<f32>(100);
        assert_eq!(x.p, y.p);
        assert_eq!(x.b, y.b);
        assert_ne!(x.p, x.q);
    }
}
