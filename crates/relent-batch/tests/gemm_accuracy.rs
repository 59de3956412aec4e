//! The GEMM path of all-pairs: q = 0 / p = 0 handled exactly, and the documented error bound
//! (crate docs, `# Accuracy`) holds against a compensated f64 reference whose own error is
//! bounded and added.

mod common;

use common::*;
use relent_batch::{Divergence, MatRef, Method, Options, all_pairs, gemm_error_bound};
use relent_scalar::Element;

const U: f64 = f64::EPSILON / 2.0;

/// Neumaier sum.
fn nsum(xs: impl Iterator<Item = f64>) -> f64 {
    let (mut s, mut c) = (0.0f64, 0.0f64);
    for x in xs {
        let t = s + x;
        c += if s.abs() >= x.abs() {
            (s - t) + x
        } else {
            (x - t) + s
        };
        s = t;
    }
    s + c
}

fn ln0(x: f64) -> f64 {
    if x == 0.0 { 0.0 } else { x.ln() }
}

/// Reference value, the magnitude of the GEMM bound (A + B [+ Σp + Σq]) and the reference's
/// own error bound.
///
/// Each reference term p·(ln p − ln q) has two logarithms within 1 ulp (2u relative), one
/// subtraction and one product: error ≤ 4.02u·(p·|ln p| + p·|ln q|); the Neumaier sum adds
/// ≤ 2u·|sum| + O(d·u²)·Σ|terms|. So e_ref = 5u·(A + B) + 2u·|ref| (+ 3u·(Σp + Σq) for the sums
/// of generalised KL).
fn reference(div: Divergence, p: &[f64], q: &[f64]) -> (f64, f64, f64) {
    if p.iter().zip(q).any(|(&p, &q)| p > 0.0 && q == 0.0) && div != Divergence::CrossEntropy
        || div == Divergence::CrossEntropy && p.iter().zip(q).any(|(&p, &q)| p > 0.0 && q == 0.0)
    {
        return (f64::INFINITY, 0.0, 0.0);
    }
    let a: f64 = p.iter().zip(q).map(|(&p, &q)| p * ln0(q).abs()).sum();
    let b: f64 = p.iter().map(|&p| p * ln0(p).abs()).sum();
    let (sp, sq) = (nsum(p.iter().copied()), nsum(q.iter().copied()));
    match div {
        Divergence::CrossEntropy => {
            let v = -nsum(p.iter().zip(q).map(|(&p, &q)| p * ln0(q)));
            (v, a, 5.0 * U * a + 2.0 * U * v.abs())
        }
        _ => {
            let kl = nsum(
                p.iter()
                    .zip(q)
                    .map(|(&p, &q)| if p == 0.0 { 0.0 } else { p * (p.ln() - q.ln()) }),
            );
            if div == Divergence::GeneralizedKl {
                let v = kl + (sq - sp);
                (
                    v,
                    a + b + sp + sq,
                    5.0 * U * (a + b) + 3.0 * U * (sp + sq) + 2.0 * U * v.abs(),
                )
            } else {
                (kl, a + b, 5.0 * U * (a + b) + 2.0 * U * kl.abs())
            }
        }
    }
}

/// Checks every entry of the GEMM all-pairs against the reference; returns the largest
/// observed error / bound.
fn check<T: Element>(div: Divergence, p: &[T], q: &[T], n: usize, m: usize, d: usize) -> f64 {
    let pm = MatRef::new(p, n, d).unwrap();
    let qm = MatRef::new(q, m, d).unwrap();
    let got = all_pairs(div, pm, qm, Method::Gemm, &Options::new()).unwrap();
    let mut worst: f64 = 0.0;
    for i in 0..n {
        let pi: Vec<f64> = pm.row(i).iter().map(|x| x.to_f64()).collect();
        for j in 0..m {
            let qj: Vec<f64> = qm.row(j).iter().map(|x| x.to_f64()).collect();
            let (r, mag, e_ref) = reference(div, &pi, &qj);
            let v = got[(i, j)];
            if r.is_infinite() {
                assert_eq!(v, r, "{div:?} ({i}, {j}) must be +inf");
                continue;
            }
            let bound = gemm_error_bound(d, mag, v);
            let err = (v - r).abs();
            assert!(
                err <= bound + e_ref,
                "{div:?} d={d} ({i}, {j}): {v} vs {r}, err {err:e} > {bound:e} + {e_ref:e}"
            );
            worst = worst.max(err / (bound + e_ref));
        }
    }
    worst
}

#[test]
fn gemm_error_bound_holds() {
    let mut rng = Rng::new(71);
    for div in [
        Divergence::Kl,
        Divergence::CrossEntropy,
        Divergence::GeneralizedKl,
    ] {
        for &(n, m, d, zf) in &[
            (9usize, 7usize, 1usize, 0.0),
            (70, 13, 33, 0.2),
            (5, 2100, 40, 0.1),
            (6, 5, 1024, 0.05),
        ] {
            let p: Vec<f64> = prob_matrix(&mut rng, n, d, zf);
            let mut q: Vec<f64> = prob_matrix(&mut rng, m, d, zf / 2.0);
            // Near-identical pairs: KL ≪ H, the cancellation case.
            for r in 0..n.min(m) {
                for k in 0..d {
                    if rng.below(3) == 0 {
                        q[r * d + k] = p[r * d + k] * (1.0 + 1e-9 * (rng.f64() - 0.5));
                    } else {
                        q[r * d + k] = p[r * d + k];
                    }
                }
            }
            let w64 = check(div, &p, &q, n, m, d);
            let p32: Vec<f32> = p.iter().map(|&x| x as f32).collect();
            let q32: Vec<f32> = q.iter().map(|&x| x as f32).collect();
            let w32 = check(div, &p32, &q32, n, m, d);
            eprintln!("{div:?} n={n} m={m} d={d}: worst err/bound f64 {w64:.3e}, f32 {w32:.3e}");
        }
        // Unnormalised measures with entries > 1 (the max(ln q, 0) GEMM of the bound).
        let (n, m, d) = (4, 6, 50);
        let p: Vec<f64> = (0..n * d)
            .map(|_| {
                if rng.below(5) == 0 {
                    0.0
                } else {
                    rng.f64() * 30.0
                }
            })
            .collect();
        let q: Vec<f64> = (0..m * d).map(|_| rng.f64() * 30.0 + 1e-3).collect();
        let w = check(div, &p, &q, n, m, d);
        eprintln!("{div:?} unnormalised: worst err/bound {w:.3e}");
    }
}

#[test]
fn gemm_zeros_exact() {
    // p = 0 where q = 0: finite; p > 0 where q = 0: +inf; equal rows: tiny.
    let d = 4;
    let p = [
        0.5f64, 0.5, 0.0, 0.0, /**/ 0.25, 0.25, 0.25, 0.25, /**/ 0.0, 0.0, 0.0, 1.0,
    ];
    let q = [
        0.5f64, 0.5, 0.0, 0.0, /**/ 0.0, 0.5, 0.5, 0.0, /**/ 0.25, 0.25, 0.25, 0.25,
    ];
    let pm = MatRef::new(&p, 3, d).unwrap();
    let qm = MatRef::new(&q, 3, d).unwrap();
    for div in [
        Divergence::Kl,
        Divergence::CrossEntropy,
        Divergence::GeneralizedKl,
    ] {
        let g = all_pairs(div, pm, qm, Method::Gemm, &Options::serial()).unwrap();
        let e = all_pairs(div, pm, qm, Method::Exact, &Options::serial()).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let (g, e) = (g[(i, j)], e[(i, j)]);
                assert!(!g.is_nan(), "{div:?} ({i}, {j}) NaN");
                assert_eq!(
                    g.is_infinite(),
                    e.is_infinite(),
                    "{div:?} ({i}, {j}): {g} vs {e}"
                );
                if e.is_finite() {
                    assert!((g - e).abs() <= 1e-15, "{div:?} ({i}, {j}): {g} vs {e}");
                }
            }
        }
        assert_eq!(g[(1, 1)], f64::INFINITY);
        assert_eq!(g[(0, 1)], f64::INFINITY);
        assert!(g[(0, 0)].is_finite() && g[(2, 2)].is_finite() && g[(1, 2)].is_finite());
    }
    let kl = all_pairs(Divergence::Kl, pm, qm, Method::Gemm, &Options::serial()).unwrap();
    assert!(kl[(0, 0)].abs() <= gemm_error_bound(d, 2.0 * std::f64::consts::LN_2, 0.0));
}
