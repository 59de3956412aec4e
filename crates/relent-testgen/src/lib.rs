//! # relent-testgen — the shared test-case generator (dev-only)
//!
//! One generator of adversarial inputs for every relent crate, so that the reference, the
//! kernels, the batch layer and the API are all tested on the same cases: lengths `0..=129`
//! plus odd long tails (1023, 1543, 4099), random probability vectors, exact zeros in p only,
//! in q only and in both, subnormals, values near the bottom of the normal range, huge and
//! tiny ratios p/q, near-identical pairs (relative perturbations 1e-3 … 1e-12), disjoint
//! supports, Zipf vocabularies, peaked and all-equal distributions; logits with masked (−∞)
//! entries and large magnitudes; diagonal Gaussian parameters; and misaligned copies
//! ([`with_offset`]) so kernels are tested at every element offset `0..8`.
//!
//! Everything is generated in `f64` from a seeded `StdRng` and rounded once to the element
//! type (`Element::from_f64`), so the same seed gives the same cases on every run.
//!
//! ```
//! let cases = relent_testgen::cases::<f32>(42);
//! for c in &cases {
//!     assert_eq!(c.p.len(), c.q.len());
//!     let _ = relent_scalar::kl(&c.p, &c.q); // the oracle, or a kernel under test
//! }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod backend_env;
pub mod distributions;

use std::ops::Range;

use distributions as d;
use rand::RngExt;
use rand::rngs::StdRng;
use relent_scalar::Element;

/// One test case: a name that says how it was made (kind and length) and two equal-length
/// vectors (probabilities for [`cases`], logits for [`logit_cases`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Case<T> {
    /// `"<kind>/n=<len>"`, e.g. `"zeros_q/n=17"`.
    pub name: String,
    /// The first argument (p, or the logits a).
    pub p: Vec<T>,
    /// The second argument (q, or the logits b).
    pub q: Vec<T>,
}

/// Parameters of two diagonal Gaussians (for `gaussian::kl_diag`; `var_*` are variances,
/// or log-variances in the cases named `logvar/…`).
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianCase<T> {
    /// How it was made, e.g. `"near_identical/n=64"`.
    pub name: String,
    /// Means of p.
    pub mu_p: Vec<T>,
    /// Variances (or log-variances) of p.
    pub var_p: Vec<T>,
    /// Means of q.
    pub mu_q: Vec<T>,
    /// Variances (or log-variances) of q.
    pub var_q: Vec<T>,
}

/// The lengths every generator covers: `0..=129` and the long odd tails.
pub const LONG_TAILS: [usize; 3] = [1023, 1536 + 7, 4099];

/// The kinds of probability cases, in the order [`cases`] cycles through them.
pub const KINDS: [&str; 15] = [
    "random",
    "zeros_p",
    "zeros_q",
    "zeros_both",
    "subnormal",
    "tiny",
    "huge_ratio",
    "near_identical",
    "disjoint",
    "zipf",
    "peaked",
    "all_equal",
    "identical",
    "unnormalized",
    "mixed_scales",
];

/// Smallest positive normal value of `T`'s format, as f64.
fn min_normal<T: Element>() -> f64 {
    match T::NAME {
        "f64" => f64::MIN_POSITIVE,
        "f16" => 6.103_515_625e-5,
        _ => f64::from(f32::MIN_POSITIVE), // f32, bf16
    }
}

fn round<T: Element>(v: &[f64]) -> Vec<T> {
    v.iter().map(|&x| T::from_f64(x)).collect()
}

fn log_uniform(rng: &mut StdRng, lo: f64, hi: f64) -> f64 {
    (rng.random_range(lo.ln()..hi.ln())).exp()
}

/// Builds one probability case of the given kind and length (in f64, before rounding).
fn make(kind: &str, n: usize, rng: &mut StdRng, tiny: f64) -> (Vec<f64>, Vec<f64>) {
    let zero_some = |v: &mut Vec<f64>, frac: f64, rng: &mut StdRng| {
        for x in v.iter_mut() {
            if rng.random::<f64>() < frac {
                *x = 0.0;
            }
        }
    };
    match kind {
        "random" => (d::random_simplex(n, rng), d::random_simplex(n, rng)),
        "zeros_p" => {
            let mut p = d::random_simplex(n, rng);
            zero_some(&mut p, 0.3, rng);
            (d::normalize(p), d::random_simplex(n, rng))
        }
        "zeros_q" => {
            let p = d::random_simplex(n, rng);
            let mut q = d::random_simplex(n, rng);
            zero_some(&mut q, 0.2, rng);
            (p, d::normalize(q))
        }
        "zeros_both" => {
            let (mut p, mut q) = (d::random_simplex(n, rng), d::random_simplex(n, rng));
            for i in 0..n {
                let r = rng.random::<f64>();
                if r < 0.25 {
                    (p[i], q[i]) = (0.0, 0.0);
                } else if r < 0.4 {
                    p[i] = 0.0;
                }
            }
            (d::normalize(p), d::normalize(q))
        }
        "subnormal" => {
            // Below the smallest normal of the element type, down to a few subnormal ulps.
            let f = |rng: &mut StdRng| log_uniform(rng, tiny * 1e-5, tiny * 0.99);
            let p: Vec<f64> = (0..n).map(|_| f(rng)).collect();
            let q = p
                .iter()
                .map(|&x| {
                    if rng.random::<bool>() {
                        x * rng.random_range(0.5..2.0)
                    } else {
                        f(rng)
                    }
                })
                .collect();
            (p, q)
        }
        "tiny" => {
            let f = |rng: &mut StdRng| tiny * 1e3 * rng.random_range(0.5..2.0);
            let p: Vec<f64> = (0..n).map(|_| f(rng)).collect();
            let q = p.iter().map(|&x| x * rng.random_range(0.8..1.25)).collect();
            (p, q)
        }
        "huge_ratio" => {
            // p/q and q/p far beyond the element type's range.
            let p = (0..n)
                .map(|i| {
                    if i % 2 == 0 {
                        rng.random_range(0.1..1.0)
                    } else {
                        tiny * 4.0 * rng.random_range(1.0..2.0)
                    }
                })
                .collect();
            let q = (0..n)
                .map(|i| {
                    if i % 2 == 1 {
                        rng.random_range(0.1..1.0)
                    } else {
                        tiny * 4.0 * rng.random_range(1.0..2.0)
                    }
                })
                .collect();
            (p, q)
        }
        "near_identical" => {
            let p = d::random_simplex(n, rng);
            let delta = log_uniform(rng, 1e-12, 1e-3);
            let q = d::perturb(&p, delta, rng);
            (p, q)
        }
        "disjoint" => {
            let p = d::normalize(
                (0..n)
                    .map(|i| {
                        if i % 2 == 0 {
                            rng.random::<f64>() + 0.01
                        } else {
                            0.0
                        }
                    })
                    .collect(),
            );
            let q = d::normalize(
                (0..n)
                    .map(|i| {
                        if i % 2 == 1 {
                            rng.random::<f64>() + 0.01
                        } else {
                            0.0
                        }
                    })
                    .collect(),
            );
            (p, q)
        }
        "zipf" => {
            let p = d::zipf(n, 1.1);
            let q = d::normalize(
                p.iter()
                    .map(|&x| x * (0.3 * rng.random_range(-1.0..1.0f64)).exp())
                    .collect(),
            );
            (p, q)
        }
        "peaked" => {
            let mut p: Vec<f64> = (0..n).map(|_| 1e-9 * rng.random::<f64>()).collect();
            let mut q: Vec<f64> = (0..n).map(|_| 1e-6 * rng.random::<f64>()).collect();
            if n > 0 {
                let k = rng.random_range(0..n);
                (p[k], q[k]) = (1.0, 1.0);
            }
            (d::normalize(p), d::normalize(q))
        }
        "all_equal" => (vec![1.0 / n as f64; n], vec![1.0 / n as f64; n]),
        "identical" => {
            let p = d::random_simplex(n, rng);
            (p.clone(), p)
        }
        "unnormalized" => {
            let p = d::random_simplex(n, rng)
                .into_iter()
                .map(|x| 3.7 * x)
                .collect();
            let q = d::random_simplex(n, rng)
                .into_iter()
                .map(|x| 0.6 * x)
                .collect();
            (p, q)
        }
        "mixed_scales" => {
            // Magnitudes spread over the whole normal range of the type, some zeros.
            let lo = tiny * 10.0;
            let f = |rng: &mut StdRng| {
                if rng.random::<f64>() < 0.1 {
                    0.0
                } else {
                    log_uniform(rng, lo, 1.0)
                }
            };
            let p = (0..n).map(|_| f(rng)).collect();
            let q = (0..n).map(|_| f(rng)).collect();
            (p, q)
        }
        _ => unreachable!("unknown kind {kind}"),
    }
}

/// The shared probability cases for element type `T`, deterministic in `seed`.
///
/// For every length `n` in `0..=129` three kinds (cycling through [`KINDS`]), so every kind
/// appears at about 26 lengths including both tails of every lane width; then every kind at
/// each of [`LONG_TAILS`]; then a Zipf (s = 1.1) vocabulary of 32 003 entries. Values are
/// rounded to `T` once; "subnormal" and "tiny" scale to `T`'s own range. Cases named
/// `zeros_q/…`, `disjoint/…` and `huge_ratio/…` may have `q = 0` where `p > 0` (KL = +∞).
///
/// ```
/// let cases = relent_testgen::cases::<f64>(1);
/// assert!(cases.iter().any(|c| c.p.is_empty()));
/// assert!(cases.iter().any(|c| c.p.len() == 4099));
/// assert_eq!(cases, relent_testgen::cases::<f64>(1));
/// ```
pub fn cases<T: Element>(seed: u64) -> Vec<Case<T>> {
    let mut rng = d::rng(seed);
    let tiny = min_normal::<T>();
    let mut out = Vec::new();
    let mut push = |kind: &str, n: usize, rng: &mut StdRng| {
        let (p, q) = make(kind, n, rng, tiny);
        out.push(Case {
            name: format!("{kind}/n={n}"),
            p: round(&p),
            q: round(&q),
        });
    };
    for n in 0..=129 {
        for j in 0..3 {
            push(KINDS[(3 * n + j) % KINDS.len()], n, &mut rng);
        }
    }
    for n in LONG_TAILS {
        for kind in KINDS {
            push(kind, n, &mut rng);
        }
    }
    push("zipf", 32_003, &mut rng);
    out
}

/// The kinds of logit cases.
pub const LOGIT_KINDS: [&str; 8] = [
    "random",
    "near_identical",
    "identical",
    "shifted",
    "masked_both",
    "masked_a_only",
    "masked_b",
    "large",
];

/// The shared logit cases (`p` = a, `q` = b) for `T`, deterministic in `seed`: lengths
/// `1..=129` (an empty softmax is undefined) and [`LONG_TAILS`], with scales from 0.01 to
/// 10⁴ (so temperatures 0.1 … 10 matter), −∞ masks in both, in `a` only, and in `b` only
/// (`masked_b/…`: KL = +∞ where a is finite), shifted copies (KL = 0 in exact arithmetic),
/// identical copies (KL = 0 exactly). At least one entry of `a` is always finite.
///
/// ```
/// let cases = relent_testgen::logit_cases::<f32>(5);
/// assert!(cases.iter().any(|c| c.p.iter().any(|x| *x == f32::NEG_INFINITY)));
/// ```
pub fn logit_cases<T: Element>(seed: u64) -> Vec<Case<T>> {
    let mut rng = d::rng(seed);
    let big = if T::NAME == "f16" { 3e4 } else { 1e4 };
    let mut out = Vec::new();
    let lengths: Vec<usize> = (1..=129).chain(LONG_TAILS).collect();
    for (i, &n) in lengths.iter().enumerate() {
        for j in 0..2 {
            let kind = LOGIT_KINDS[(2 * i + j) % LOGIT_KINDS.len()];
            let scale = [0.01, 1.0, 3.0, 30.0][rng.random_range(0..4)];
            let a = d::logits(n, scale, &mut rng);
            let mut b: Vec<f64> = a
                .iter()
                .map(|&x| x + scale * rng.random_range(-1.0..1.0))
                .collect();
            let mut a = a;
            let mask = |v: &mut Vec<f64>, rng: &mut StdRng, keep: usize| {
                for (k, x) in v.iter_mut().enumerate() {
                    if k != keep && rng.random::<f64>() < 0.3 {
                        *x = f64::NEG_INFINITY;
                    }
                }
            };
            match kind {
                "near_identical" => {
                    let delta = log_uniform(&mut rng, 1e-9, 1e-3);
                    b = a
                        .iter()
                        .map(|&x| x + delta * rng.random_range(-1.0..1.0))
                        .collect();
                }
                "identical" => b = a.clone(),
                "shifted" => b = a.iter().map(|&x| x + 7.25).collect(),
                "masked_both" => {
                    mask(&mut a, &mut rng, 0);
                    for k in 0..n {
                        if a[k] == f64::NEG_INFINITY {
                            b[k] = f64::NEG_INFINITY;
                        }
                    }
                }
                "masked_a_only" => mask(&mut a, &mut rng, 0),
                "masked_b" => mask(&mut b, &mut rng, 0),
                "large" => {
                    a = (0..n).map(|_| big * rng.random_range(-1.0..1.0)).collect();
                    b = a
                        .iter()
                        .map(|&x| x + 0.01 * big * rng.random_range(-1.0..1.0))
                        .collect();
                }
                _ => {}
            }
            out.push(Case {
                name: format!("{kind}/n={n}"),
                p: round(&a),
                q: round(&b),
            });
        }
    }
    out
}

/// Diagonal-Gaussian cases for `T`: random parameters (variances over e^±7), near-identical
/// (relative perturbation 1e-6), identical, and wide-range variances; lengths `0..=129` in
/// steps and [`LONG_TAILS`]. Names starting `logvar/` hold log-variances in `var_*`.
///
/// ```
/// let g = relent_testgen::gaussian_cases::<f64>(3);
/// assert!(g.iter().all(|c| c.mu_p.len() == c.var_q.len()));
/// ```
pub fn gaussian_cases<T: Element>(seed: u64) -> Vec<GaussianCase<T>> {
    let mut rng = d::rng(seed);
    let mut out = Vec::new();
    let lengths: Vec<usize> = (0..=129).step_by(7).chain(LONG_TAILS).collect();
    for &n in &lengths {
        for kind in [
            "random",
            "near_identical",
            "identical",
            "wide",
            "logvar/random",
            "logvar/near_identical",
        ] {
            let range = if kind == "wide" { 30.0 } else { 7.0 };
            let [mp, vp, mut mq, mut vq] = d::gaussian_params(n, range, &mut rng);
            match kind {
                "near_identical" | "logvar/near_identical" => {
                    mq = mp
                        .iter()
                        .map(|&x| x + 1e-6 * rng.random_range(-1.0..1.0))
                        .collect();
                    vq = vp
                        .iter()
                        .map(|&x| x * (1.0 + 1e-6 * rng.random_range(-1.0..1.0)))
                        .collect();
                }
                "identical" => (mq, vq) = (mp.clone(), vp.clone()),
                _ => {}
            }
            let (vp, vq) = if kind.starts_with("logvar/") {
                (
                    vp.iter().map(|v| v.ln()).collect(),
                    vq.iter().map(|v| v.ln()).collect(),
                )
            } else {
                (vp, vq)
            };
            out.push(GaussianCase {
                name: format!("{kind}/n={n}"),
                mu_p: round(&mp),
                var_p: round::<T>(&vp)
                    .into_iter()
                    .map(|v| {
                        if kind.starts_with("logvar/") || v.to_f64() > 0.0 {
                            v
                        } else {
                            T::from_f64(min_normal::<T>())
                        }
                    })
                    .collect(),
                mu_q: round(&mq),
                var_q: round::<T>(&vq)
                    .into_iter()
                    .map(|v| {
                        if kind.starts_with("logvar/") || v.to_f64() > 0.0 {
                            v
                        } else {
                            T::from_f64(min_normal::<T>())
                        }
                    })
                    .collect(),
            });
        }
    }
    out
}

/// A copy of `v` placed at element `offset` of a fresh buffer: `buf[range] == v` and the
/// slice starts `offset` elements past the buffer's (allocator-aligned) start, so kernels can
/// be tested at every alignment. The padding before and after (8 elements) is NaN, so a kernel
/// that reads outside its slice shows it.
///
/// ```
/// let (buf, r) = relent_testgen::with_offset(&[1.0f32, 2.0], 3);
/// assert_eq!(&buf[r.clone()], &[1.0, 2.0]);
/// assert_eq!(r.start, 3);
/// assert!(buf[0].is_nan());
/// ```
pub fn with_offset<T: Element>(v: &[T], offset: usize) -> (Vec<T>, Range<usize>) {
    with_offset_fill(v, offset, T::from_f64(f64::NAN))
}

/// [`with_offset`] with an explicit padding value.
///
/// ```
/// let (buf, r) = relent_testgen::with_offset_fill(&[7u8], 2, 0);
/// assert_eq!((buf[r.start], r.start, buf[0]), (7, 2, 0));
/// ```
pub fn with_offset_fill<T: Copy>(v: &[T], offset: usize, fill: T) -> (Vec<T>, Range<usize>) {
    let mut buf = Vec::with_capacity(offset + v.len() + 8);
    buf.extend(std::iter::repeat_n(fill, offset));
    buf.extend_from_slice(v);
    buf.extend(std::iter::repeat_n(fill, 8));
    (buf, offset..offset + v.len())
}

/// [`with_offset_fill`] padded with copies of the first element (an empty `v` gives an empty
/// buffer), returning the buffer and the start index.
///
/// ```
/// let (buf, start) = relent_testgen::misaligned(&[5u8, 6, 7], 5);
/// assert_eq!(&buf[start..start + 3], &[5, 6, 7]);
/// ```
pub fn misaligned<T: Copy>(v: &[T], offset: usize) -> (Vec<T>, usize) {
    match v.first() {
        Some(&f) => {
            let (buf, r) = with_offset_fill(v, offset, f);
            (buf, r.start)
        }
        None => (Vec::new(), 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_covering() {
        let a = cases::<f32>(9);
        assert_eq!(a, cases::<f32>(9));
        assert_ne!(a, cases::<f32>(10));
        for n in 0..=129 {
            assert!(a.iter().any(|c| c.p.len() == n), "length {n} missing");
        }
        for kind in KINDS {
            let k = a
                .iter()
                .filter(|c| c.name.starts_with(&format!("{kind}/")))
                .count();
            assert!(k >= 20, "kind {kind} only {k} times");
        }
        for c in &a {
            assert_eq!(c.p.len(), c.q.len(), "{}", c.name);
            assert!(
                c.p.iter().chain(&c.q).all(|&x| x >= 0.0 && x.is_finite()),
                "{}",
                c.name
            );
        }
    }

    #[test]
    fn adversarial_values_present() {
        let c64 = cases::<f64>(1);
        let all = |pred: &dyn Fn(f64) -> bool| {
            c64.iter()
                .flat_map(|c| c.p.iter().chain(&c.q))
                .any(|&x| pred(x))
        };
        assert!(
            all(&|x| x > 0.0 && x < f64::MIN_POSITIVE),
            "no f64 subnormals"
        );
        assert!(all(&|x| x > 1e-305 && x < 1e-295), "no values near 1e-300");
        let c32 = cases::<f32>(1);
        assert!(
            c32.iter()
                .flat_map(|c| c.p.iter())
                .any(|&x| x > 0.0 && x < f32::MIN_POSITIVE),
            "no f32 subnormals"
        );
        assert!(
            c64.iter()
                .any(|c| c.p.iter().zip(&c.q).any(|(&p, &q)| p > 0.0 && q == 0.0))
        );
        assert!(
            c64.iter()
                .any(|c| c.p.iter().zip(&c.q).any(|(&p, &q)| p == 0.0 && q > 0.0))
        );
        assert!(c64.iter().any(|c| c.p.len() == 32_003));
        // Near-identical pairs really are near.
        for c in c64.iter().filter(|c| c.name.starts_with("near_identical/")) {
            for (&p, &q) in c.p.iter().zip(&c.q) {
                assert!((p - q).abs() <= 1e-2 * p, "{}", c.name);
            }
        }
    }

    #[test]
    fn logits_and_gaussians() {
        let l = logit_cases::<f64>(2);
        assert_eq!(l, logit_cases::<f64>(2));
        for c in &l {
            assert!(c.p.iter().any(|x| x.is_finite()), "{}: all masked", c.name);
            assert!(
                c.p.iter()
                    .chain(&c.q)
                    .all(|x| !x.is_nan() && *x != f64::INFINITY)
            );
        }
        assert!(l.iter().any(|c| c.name.starts_with("masked_b/")));
        for g in gaussian_cases::<f32>(2) {
            if !g.name.starts_with("logvar/") {
                assert!(
                    g.var_p
                        .iter()
                        .chain(&g.var_q)
                        .all(|&v| v > 0.0 && v.is_finite()),
                    "{}",
                    g.name
                );
            }
        }
    }

    #[test]
    fn offsets() {
        let v: Vec<f64> = (0..13).map(f64::from).collect();
        for off in 0..8 {
            let (buf, r) = with_offset(&v, off);
            assert_eq!(&buf[r.clone()], &v[..]);
            assert!(
                buf[..r.start]
                    .iter()
                    .chain(&buf[r.end..])
                    .all(|x| x.is_nan())
            );
            let (buf, s) = misaligned(&v, off);
            assert_eq!(&buf[s..s + v.len()], &v[..]);
        }
    }
}
