//! Distribution helpers: the raw `f64` material the case generators round to each element type.
//!
//! Every function takes the random generator explicitly, so a seed fixes the output.

use rand::RngExt;
use rand::rngs::StdRng;
use rand_distr::{Exp1, StandardNormal};

/// A seeded generator (ChaCha12 via `StdRng`; deterministic for a given `rand` version).
///
/// ```
/// use rand::RngExt;
/// let a: f64 = relent_testgen::distributions::rng(7).random();
/// let b: f64 = relent_testgen::distributions::rng(7).random();
/// assert_eq!(a, b);
/// ```
pub fn rng(seed: u64) -> StdRng {
    rand::SeedableRng::seed_from_u64(seed)
}

/// `v / Σv` (an empty or all-zero vector is returned unchanged).
///
/// ```
/// let v = relent_testgen::distributions::normalize(vec![1.0, 3.0]);
/// assert_eq!(v, [0.25, 0.75]);
/// ```
pub fn normalize(mut v: Vec<f64>) -> Vec<f64> {
    let s: f64 = v.iter().sum();
    if s > 0.0 {
        v.iter_mut().for_each(|x| *x /= s);
    }
    v
}

/// A Zipf law over `n` ranks: `p_k ∝ k^-s`, `k = 1..=n` (LLM vocabularies: `s ≈ 1.1`).
///
/// ```
/// let z = relent_testgen::distributions::zipf(4, 1.0);
/// assert!((z.iter().sum::<f64>() - 1.0).abs() < 1e-15 && z[0] == 2.0 * z[1]);
/// ```
pub fn zipf(n: usize, s: f64) -> Vec<f64> {
    normalize((1..=n).map(|k| (k as f64).powf(-s)).collect())
}

/// A uniformly random point of the probability simplex (flat Dirichlet: normalised Exp(1)).
///
/// ```
/// let p = relent_testgen::distributions::random_simplex(10, &mut relent_testgen::distributions::rng(1));
/// assert!(p.iter().all(|&x| x > 0.0) && (p.iter().sum::<f64>() - 1.0).abs() < 1e-14);
/// ```
pub fn random_simplex(n: usize, rng: &mut StdRng) -> Vec<f64> {
    normalize((0..n).map(|_| rng.sample::<f64, _>(Exp1)).collect())
}

/// `p·(1 + δ·u)`, `u` uniform in (−1, 1), renormalised: a near-identical partner of `p`.
///
/// ```
/// let mut r = relent_testgen::distributions::rng(3);
/// let p = relent_testgen::distributions::random_simplex(5, &mut r);
/// let q = relent_testgen::distributions::perturb(&p, 1e-6, &mut r);
/// assert!(p.iter().zip(&q).all(|(a, b)| ((a - b) / a).abs() < 1e-5));
/// ```
pub fn perturb(p: &[f64], delta: f64, rng: &mut StdRng) -> Vec<f64> {
    normalize(
        p.iter()
            .map(|&x| x * (1.0 + delta * rng.random_range(-1.0..1.0)))
            .collect(),
    )
}

/// `n` logits `scale·N(0, 1)`.
///
/// ```
/// let l = relent_testgen::distributions::logits(8, 3.0, &mut relent_testgen::distributions::rng(2));
/// assert_eq!(l.len(), 8);
/// ```
pub fn logits(n: usize, scale: f64, rng: &mut StdRng) -> Vec<f64> {
    (0..n)
        .map(|_| scale * rng.sample::<f64, _>(StandardNormal))
        .collect()
}

/// Parameters of two diagonal Gaussians: `[mu_p, var_p, mu_q, var_q]`, means `N(0, 2²)`,
/// variances log-uniform in `[e^-range, e^range]`.
///
/// ```
/// let [mp, vp, mq, vq] = relent_testgen::distributions::gaussian_params(6, 5.0, &mut relent_testgen::distributions::rng(4));
/// assert!(vp.iter().chain(&vq).all(|&v| v > 0.0) && mp.len() == 6 && mq.len() == 6);
/// ```
pub fn gaussian_params(n: usize, range: f64, rng: &mut StdRng) -> [Vec<f64>; 4] {
    let mut mean = || {
        (0..n)
            .map(|_| 2.0 * rng.sample::<f64, _>(StandardNormal))
            .collect()
    };
    let (mp, mq): (Vec<f64>, Vec<f64>) = (mean(), mean());
    let mut var = || {
        (0..n)
            .map(|_| rng.random_range(-range..range).exp())
            .collect()
    };
    let (vp, vq): (Vec<f64>, Vec<f64>) = (var(), var());
    [mp, vp, mq, vq]
}
