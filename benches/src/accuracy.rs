//! The accuracy suite: a fixed, seeded set of realistic and adversarial inputs, and the error
//! of every implementation on them against the oracle (relent-scalar).
//!
//! Per function, element type and implementation, [`measure`] reports the maximum and median
//! relative error over the cases whose exact value is finite and non-zero, and separately how
//! many *special* cases (exact value 0 or +∞: identical inputs, q = 0 where p > 0, masked
//! logits) the implementation got wrong — those must be returned exactly.

use crate::bounds;
use crate::data::{cast, dirichlet, logits, noisy, normalize, perturb, rng, zipf};
use crate::impls::{Dtype, Func, Kind, computing};
use rand::RngExt;
use rand::rngs::StdRng;
use relent_scalar::Element;

/// One input pair of the suite.
#[derive(Clone, Debug)]
pub struct Case<T> {
    /// Short description, e.g. `"zipf-32k"`.
    pub name: String,
    /// First input (p, or logits a).
    pub x: Vec<T>,
    /// Second input (q, or logits b).
    pub y: Vec<T>,
}

/// The smallest positive normal number of the element type.
fn min_normal<T: Element>() -> f64 {
    match T::NAME {
        "f64" => f64::MIN_POSITIVE,
        "f16" => 6.103_515_625e-5,
        _ => f32::MIN_POSITIVE as f64,
    }
}

/// Probability vectors with `frac` of the entries set to zero.
fn sparse(n: usize, frac: f64, r: &mut StdRng) -> Vec<f64> {
    let mut v = dirichlet(n, r);
    for x in v.iter_mut() {
        if r.random::<f64>() < frac {
            *x = 0.0;
        }
    }
    normalize(&mut v);
    v
}

/// Log-uniform weights over `decades` orders of magnitude, normalised.
fn log_uniform(n: usize, decades: f64, r: &mut StdRng) -> Vec<f64> {
    let mut v: Vec<f64> = (0..n)
        .map(|_| 10f64.powf(-decades * r.random::<f64>()))
        .collect();
    normalize(&mut v);
    v
}

/// Swaps neighbouring entries with probability `prob` (a vocabulary whose ranks drift).
fn drift(p: &[f64], prob: f64, r: &mut StdRng) -> Vec<f64> {
    let mut v = p.to_vec();
    let mut i = 0;
    while i + 1 < v.len() {
        if r.random::<f64>() < prob {
            v.swap(i, i + 1);
            i += 1;
        }
        i += 1;
    }
    v
}

fn case<T: Element>(name: &str, x: &[f64], y: &[f64]) -> Case<T> {
    Case {
        name: name.to_string(),
        x: cast(x),
        y: cast(y),
    }
}

/// The probability-vector cases (for KL, JS, cross-entropy, entropy).
pub fn probability_cases<T: Element>(seed: u64) -> Vec<Case<T>> {
    let r = &mut rng(seed);
    let mut v = Vec::new();
    let p = dirichlet(1000, r);
    v.push(case("random-1k", &p, &dirichlet(1000, r)));
    v.push(case("identical-1k", &p, &p));
    let p = dirichlet(4096, r);
    v.push(case("perturbed-10%-4k", &p, &perturb(&p, 0.1, r)));
    v.push(case("near-identical-1e-3-4k", &p, &perturb(&p, 1e-3, r)));
    v.push(case("near-identical-1e-6-4k", &p, &perturb(&p, 1e-6, r)));
    let z = zipf(32_000, 1.07);
    v.push(case(
        "zipf-32k-s1.1-vs-s1.0",
        &zipf(32_000, 1.1),
        &zipf(32_000, 1.0),
    ));
    v.push(case("zipf-32k-rank-drift", &z, &drift(&z, 0.05, r)));
    v.push(case(
        "zipf-262k-rank-drift",
        &zipf(262_144, 1.0),
        &drift(&zipf(262_144, 1.0), 0.02, r),
    ));
    let s = sparse(10_000, 0.9, r);
    v.push(case("sparse-p-90%-zeros-10k", &s, &dirichlet(10_000, r)));
    let mut q = perturb(&s, 0.3, r);
    q.iter_mut().zip(&s).for_each(|(q, &p)| {
        if p == 0.0 {
            *q = 0.0;
        }
    });
    normalize(&mut q);
    v.push(case("sparse-both-shared-zeros-10k", &s, &q));
    // q = 0 where p > 0: KL and cross-entropy are +inf.
    let p = dirichlet(1000, r);
    let mut q = dirichlet(1000, r);
    q[17] = 0.0;
    v.push(case("q-zero-where-p-positive-1k", &p, &q));
    // Disjoint supports: KL = +inf, JS = ln 2.
    let (mut p, mut q) = (dirichlet(1000, r), dirichlet(1000, r));
    for i in 0..1000 {
        if i % 2 == 0 {
            p[i] = 0.0;
        } else {
            q[i] = 0.0;
        }
    }
    normalize(&mut p);
    normalize(&mut q);
    v.push(case("disjoint-supports-1k", &p, &q));
    // Subnormals of the element type mixed with normal values.
    let tiny = min_normal::<T>();
    let sub = |r: &mut StdRng| -> Vec<f64> {
        let mut x = dirichlet(1000, r);
        for (i, x) in x.iter_mut().enumerate() {
            if i % 3 == 0 {
                *x = tiny * (0.01 + 0.98 * r.random::<f64>());
            }
        }
        x
    };
    let (a, b) = (sub(r), sub(r));
    v.push(case("subnormals-1k", &a, &b));
    // Every entry near the smallest normal (e.g. 1e-300-ish for f64).
    let lo = |r: &mut StdRng| -> Vec<f64> {
        (0..1000)
            .map(|_| tiny * (1.0 + 99.0 * r.random::<f64>()))
            .collect()
    };
    let (a, b) = (lo(r), lo(r));
    v.push(case("tiny-normals-1k", &a, &b));
    let mut p = dirichlet(4096, r);
    p.iter_mut().for_each(|x| *x *= 1e-3);
    p[7] = 0.999;
    normalize(&mut p);
    v.push(case("peaked-4k", &p, &dirichlet(4096, r)));
    v.push(case(
        "log-uniform-20-decades-4k",
        &log_uniform(4096, 20.0, r),
        &log_uniform(4096, 20.0, r),
    ));
    let counts = |r: &mut StdRng| -> Vec<f64> {
        (0..5000)
            .map(|_| 1.0 + (r.random::<f64>() * 1000.0).floor())
            .collect()
    };
    let (a, b) = (counts(r), counts(r));
    v.push(case("unnormalized-counts-5k", &a, &b));
    let p = dirichlet(1_000_000, r);
    v.push(case("long-1M-perturbed-10%", &p, &perturb(&p, 0.1, r)));
    v
}

/// The logit cases (for KL from logits).
pub fn logit_cases<T: Element>(seed: u64) -> Vec<Case<T>> {
    let r = &mut rng(seed);
    let mut v = Vec::new();
    let a = logits(32_000, 2.0, r);
    v.push(case("gaussian-sd2-32k", &a, &noisy(&a, 0.5, r)));
    v.push(case("identical-32k", &a, &a));
    v.push(case("near-identical-1e-4-32k", &a, &noisy(&a, 1e-4, r)));
    let big: Vec<f64> = logits(4096, 10.0, r).iter().map(|x| x + 1e4).collect();
    v.push(case("large-offset-1e4-4k", &big, &noisy(&big, 1.0, r)));
    let a = logits(4096, 2.0, r);
    let mut b = noisy(&a, 0.5, r);
    let mut am = a.clone();
    for i in (0..4096).step_by(5) {
        am[i] = f64::NEG_INFINITY;
        b[i] = f64::NEG_INFINITY;
    }
    v.push(case("masked-both-4k", &am, &b));
    let mut bm = noisy(&a, 0.5, r);
    bm[100] = f64::NEG_INFINITY;
    v.push(case("masked-in-b-only-4k", &a, &bm));
    let a = logits(4096, 20.0, r);
    v.push(case("peaked-sd20-4k", &a, &noisy(&a, 2.0, r)));
    let a = logits(262_144, 3.0, r);
    v.push(case("vocab-262k", &a, &noisy(&a, 0.3, r)));
    let a = logits(1_000_000, 2.0, r);
    v.push(case("long-1M", &a, &noisy(&a, 0.5, r)));
    v
}

/// The cases for `func`: this suite's realistic and adversarial cases, then relent-testgen's
/// shared cases (`relent_testgen::cases` for probabilities, `relent_testgen::logit_cases` for
/// logits; lengths 0..=129 with odd tails, zeros, subnormals, huge/tiny ratios, near-identical
/// pairs, disjoint supports, Zipf vocabularies), prefixed `testgen/`. Empty cases are skipped
/// by [`measure`] (relent's checked API rejects them, so no implementation is judged on them).
pub fn cases<T: Element>(func: Func) -> Vec<Case<T>> {
    let (mut v, shared) = if func.takes_logits() {
        (
            logit_cases(0xacc0_0002),
            relent_testgen::logit_cases::<T>(0xacc0_0004),
        )
    } else {
        (
            probability_cases(0xacc0_0001),
            relent_testgen::cases::<T>(0xacc0_0003),
        )
    };
    v.extend(shared.into_iter().map(|c| Case {
        name: format!("testgen/{}", c.name),
        x: c.p,
        y: c.q,
    }));
    v
}

/// The accuracy of one implementation of one function on one element type.
#[derive(Clone, Debug)]
pub struct Row {
    /// The function.
    pub func: Func,
    /// The element type's name.
    pub dtype: &'static str,
    /// The implementation's name.
    pub imp: String,
    /// Whether it is relent's (checked against the documented bound).
    pub is_relent: bool,
    /// Maximum relative error over the regular (finite, non-zero) cases.
    pub max_rel: f64,
    /// Median relative error over the regular cases.
    pub median_rel: f64,
    /// The case with the maximum error.
    pub worst: String,
    /// The number of regular cases.
    pub regular: usize,
    /// Special cases (exact 0 or +∞) answered wrongly, with what was returned.
    pub special_wrong: Vec<(String, f64, f64)>,
    /// The number of special cases.
    pub special: usize,
    /// The documented bound, for relent's rows.
    pub bound: Option<bounds::Bound>,
    /// Maximum error in units of the function's documented scale ([`Func::scale`]), after the
    /// documented absolute allowance for underflow ([`UNDERFLOW_ALLOWANCE`]): what the bound
    /// is checked against.
    pub max_scaled: f64,
}

/// The documented absolute allowance for terms that underflow below 2^-1022 (relent's crate
/// docs: up to 8·2^-1074), so values in or near the subnormal range are judged absolutely.
pub const UNDERFLOW_ALLOWANCE: f64 = 8.0 * f64::from_bits(1);

impl Row {
    /// Whether relent's measured maximum exceeds its documented bound (or a special case is
    /// wrong). Always false for peers.
    pub fn violates_bound(&self) -> bool {
        match (self.is_relent, self.bound) {
            (true, Some(b)) => {
                self.max_scaled.is_nan()
                    || self.max_scaled > b.relative
                    || !self.special_wrong.is_empty()
            }
            _ => false,
        }
    }
}

/// Measures every implementation of `func` on `T` over the suite.
pub fn measure<T: Dtype>(func: Func) -> Vec<Row> {
    let mut cases = cases::<T>(func);
    cases.retain(|c| !c.x.is_empty());
    let want: Vec<f64> = cases.iter().map(|c| func.oracle(&c.x, &c.y)).collect();
    let scale: Vec<f64> = cases.iter().map(|c| func.scale(&c.x, &c.y)).collect();
    computing::<T>(func)
        .into_iter()
        .map(|imp| {
            let mut errs: Vec<(f64, &str)> = Vec::new();
            let mut special_wrong = Vec::new();
            let mut special = 0;
            let mut max_scaled = 0.0f64;
            for ((c, &w), &sc) in cases.iter().zip(&want).zip(&scale) {
                let got = (imp.prepare)(&c.x, &c.y)();
                if !bounds::is_special(w) {
                    let e = if got.is_finite() {
                        ((got - w).abs() - UNDERFLOW_ALLOWANCE).max(0.0) / sc.max(w.abs())
                    } else {
                        f64::INFINITY
                    };
                    if e.is_nan() || e > max_scaled {
                        max_scaled = e;
                    }
                }
                if bounds::is_special(w) {
                    special += 1;
                    if !bounds::agrees(got, w, 0.0) {
                        special_wrong.push((c.name.clone(), got, w));
                    }
                } else {
                    errs.push((bounds::relative_error(got, w), &c.name));
                }
            }
            let (max_rel, worst) = errs.iter().fold((0.0f64, ""), |(m, n), &(e, c)| {
                if e.is_nan() || e > m { (e, c) } else { (m, n) }
            });
            let mut sorted: Vec<f64> = errs.iter().map(|e| e.0).collect();
            sorted.sort_by(f64::total_cmp);
            let median_rel = if sorted.is_empty() {
                0.0
            } else {
                let k = sorted.len();
                if k % 2 == 1 {
                    sorted[k / 2]
                } else {
                    0.5 * (sorted[k / 2 - 1] + sorted[k / 2])
                }
            };
            Row {
                func,
                dtype: T::NAME,
                is_relent: imp.kind == Kind::Relent,
                bound: bounds::for_impl(func, T::NAME, &imp.name),
                imp: imp.name,
                max_rel,
                median_rel,
                worst: worst.to_string(),
                regular: errs.len(),
                special_wrong,
                special,
                max_scaled,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_are_valid_inputs() {
        for c in probability_cases::<f32>(1) {
            assert_eq!(c.x.len(), c.y.len(), "{}", c.name);
            assert!(
                c.x.iter().chain(&c.y).all(|&v| v >= 0.0 && v.is_finite()),
                "{}",
                c.name
            );
        }
        for c in logit_cases::<f64>(1) {
            assert_eq!(c.x.len(), c.y.len(), "{}", c.name);
            assert!(
                c.x.iter()
                    .chain(&c.y)
                    .all(|&v| !v.is_nan() && v < f64::INFINITY)
            );
        }
    }

    #[test]
    fn a_relent_row_above_its_documented_bound_is_flagged() {
        let row = |is_relent: bool, max_rel: f64, wrong: usize| Row {
            func: Func::Kl,
            dtype: "f32",
            imp: "x".into(),
            is_relent,
            max_rel,
            median_rel: 0.0,
            worst: String::new(),
            regular: 1,
            special_wrong: vec![("c".into(), 1.0, 0.0); wrong],
            special: 1,
            bound: bounds::documented(Func::Kl, "f32"),
            max_scaled: max_rel,
        };
        assert!(!row(true, bounds::DEFAULT_F32, 0).violates_bound());
        assert!(row(true, 2.0 * bounds::DEFAULT_F32, 0).violates_bound());
        assert!(row(true, f64::NAN, 0).violates_bound());
        assert!(row(true, 0.0, 1).violates_bound());
        assert!(
            !row(false, 1.0, 1).violates_bound(),
            "peers are recorded, not judged"
        );
    }

    #[test]
    fn special_cases_have_special_oracle_values() {
        let cs = probability_cases::<f64>(1);
        let get = |n: &str| cs.iter().find(|c| c.name == n).unwrap();
        let c = get("identical-1k");
        assert_eq!(Func::Kl.oracle(&c.x, &c.y), 0.0);
        let c = get("q-zero-where-p-positive-1k");
        assert_eq!(Func::Kl.oracle(&c.x, &c.y), f64::INFINITY);
        let c = get("subnormals-1k");
        assert!(c.x.iter().any(|&v| v > 0.0 && v < f64::MIN_POSITIVE));
    }
}
