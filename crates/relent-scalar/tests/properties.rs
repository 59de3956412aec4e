//! Properties of the reference that hold for every input: non-negativity, exact zeros,
//! identities between functions (within bounds derived below), symmetry, scaling invariance,
//! and no panic on any bit pattern. Inputs come from proptest and from the shared generator
//! `relent-testgen`.

use proptest::prelude::*;
use relent_scalar::{self as r, Element, gaussian};
use relent_testgen::{cases, gaussian_cases, logit_cases};

/// Unit roundoff of f64.
const U: f64 = f64::EPSILON / 2.0;

/// Probability vectors with Σp = Σq = 1 exactly: integers over 2^20 (exact in f32 and f64).
fn exact_simplex_pair() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (1usize..48).prop_flat_map(|n| {
        let v = || proptest::collection::vec(0u32..1000, n);
        (v(), v()).prop_map(|(a, b)| (to_simplex(&a), to_simplex(&b)))
    })
}

/// Integer weights → multiples of 2^-20 summing to exactly 1 (the remainder goes to the
/// largest weight), or a single 1 when every weight is 0.
fn to_simplex(w: &[u32]) -> Vec<f64> {
    let total: u64 = w.iter().map(|&x| u64::from(x)).sum();
    let scale = 1u64 << 20;
    let mut units: Vec<u64> = w
        .iter()
        .map(|&x| (u64::from(x) * scale).checked_div(total).unwrap_or(0))
        .collect();
    let given: u64 = units.iter().sum();
    let imax = (0..w.len()).max_by_key(|&i| w[i]).unwrap_or(0);
    units[imax] += scale - given;
    units.iter().map(|&u| u as f64 / scale as f64).collect()
}

fn pos_vec() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (0usize..40).prop_flat_map(|n| {
        let v = || {
            proptest::collection::vec(
                prop_oneof![Just(0.0), 1e-300f64..1.0, 1e-320f64..1e-300, 1.0f64..1e10],
                n,
            )
        };
        (v(), v())
    })
}

fn f32v(v: &[f64]) -> Vec<f32> {
    v.iter().map(|&x| x as f32).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: if cfg!(miri) { 4 } else { 256 }, ..ProptestConfig::default() })]

    #[test]
    fn nonnegative_and_exact_zero((p, q) in exact_simplex_pair()) {
        // Σp = Σq = 1 exactly, so the exact KL, Jeffreys and JS are ≥ 0, and rounding to
        // nearest keeps a non-negative value non-negative.
        prop_assert!(r::kl(&p, &q) >= 0.0);
        prop_assert!(r::jeffreys(&p, &q) >= 0.0);
        prop_assert!(r::js_divergence(&p, &q) >= 0.0);
        prop_assert!(r::js_divergence(&p, &q) <= r::LN_2);
        prop_assert!(r::js_divergence(&f32v(&p), &f32v(&q)) <= r::LN_2);
        for f in [r::kl::<f64>, r::jeffreys, r::js_divergence, r::generalized_kl, r::kl_normalized] {
            prop_assert_eq!(f(&p, &p), 0.0);
        }
        let lp: Vec<f64> = p.iter().map(|x| x.ln()).collect();
        prop_assert_eq!(r::kl_log(&lp, &lp), 0.0);
        prop_assert_eq!(r::kl_logits(&lp, &lp, 0.7), 0.0);
    }

    #[test]
    fn unnormalized_nonnegative((p, q) in pos_vec()) {
        // Exact values ≥ 0 for any non-negative inputs; the computed values are rounded from
        // double-double results within 2^-100 relative of non-negative sums of non-negative
        // terms (or clamped where the exact value is proven ≥ 0).
        prop_assert!(r::generalized_kl(&p, &q) >= 0.0);
        prop_assert!(r::jeffreys(&p, &q) >= 0.0);
        prop_assert!(r::js_divergence(&p, &q) >= 0.0);
        let kn = r::kl_normalized(&p, &q);
        prop_assert!(kn >= 0.0 || kn.is_nan());
    }

    #[test]
    fn cross_entropy_is_entropy_plus_kl((p, q) in pos_vec()) {
        // Exactly CE = H + KL on the same inputs. Each computed value is the exact value
        // rounded once (error ≤ u|x|, plus ≤ 2^-100|terms| before rounding, absorbed by using
        // 2u), and forming H + KL rounds once more (≤ u|CE|). So
        // |CE − (H + KL)| ≤ 2u(|CE| + |H| + |KL|) + u|CE| ≤ 3u(|CE| + |H| + |KL|).
        let (ce, h, kl) = (r::cross_entropy(&p, &q), r::entropy(&p), r::kl(&p, &q));
        if ce.is_finite() {
            let bound = 3.0 * U * (ce.abs() + h.abs() + kl.abs());
            prop_assert!((ce - (h + kl)).abs() <= bound, "ce {ce:e} h {h:e} kl {kl:e}");
        } else {
            prop_assert!(kl == f64::INFINITY && ce == f64::INFINITY);
        }
    }

    #[test]
    fn symmetric((p, q) in pos_vec()) {
        prop_assert_eq!(r::jeffreys(&p, &q).to_bits(), r::jeffreys(&q, &p).to_bits());
        prop_assert_eq!(r::js_divergence(&p, &q).to_bits(), r::js_divergence(&q, &p).to_bits());
        prop_assert_eq!(r::js_distance(&p, &q).to_bits(), r::js_distance(&q, &p).to_bits());
    }

    #[test]
    fn kl_normalized_scaling((p, q) in pos_vec(), k in -40i32..40, c in 0.01f64..100.0) {
        let base = r::kl_normalized(&p, &q);
        // By a power of two, when exact for every element: bit-identical.
        let s = 2f64.powi(k);
        let (ps, qs): (Vec<f64>, Vec<f64>) = (p.iter().map(|x| x * s).collect(), q.iter().map(|x| x * s).collect());
        if ps.iter().zip(&p).all(|(a, b)| a / s == *b) && qs.iter().zip(&q).all(|(a, b)| a / s == *b) {
            prop_assert_eq!(r::kl_normalized(&ps, &q).to_bits(), base.to_bits());
            prop_assert_eq!(r::kl_normalized(&p, &qs).to_bits(), base.to_bits());
        }
        // By an arbitrary factor: q'ᵢ = cqᵢ(1 + εᵢ), |εᵢ| ≤ u, perturbs each ln(p̃ᵢ/q̃ᵢ) by at
        // most 2u/(1 − u), so the exact value moves by ≤ 2.01u (weights p̃ᵢ sum to 1);
        // both computed values add ≤ u|·| rounding: bound 2.01u + u(|R| + |R'|) → 4u + 2u·max.
        let qc: Vec<f64> = q.iter().map(|x| x * c).collect();
        // Subnormal (or underflowing) elements round with more than u relative error: skip.
        let sub = |x: &f64| *x != 0.0 && x.abs() < f64::MIN_POSITIVE;
        let inexact = q.iter().chain(&qc).any(sub) || q.iter().zip(&qc).any(|(a, b)| (*a == 0.0) != (*b == 0.0));
        if base.is_finite() && !inexact {
            let scaled = r::kl_normalized(&p, &qc);
            let bound = 4.0 * U + 2.0 * U * base.abs().max(scaled.abs());
            prop_assert!((scaled - base).abs() <= bound, "{base:e} vs {scaled:e}");
        }
    }

    #[test]
    fn no_panic_on_any_bits(a in proptest::collection::vec(any::<u64>(), 0..12),
                            b in proptest::collection::vec(any::<u64>(), 0..12),
                            t in any::<u64>()) {
        let (p, q): (Vec<f64>, Vec<f64>) = (a.iter().map(|&x| f64::from_bits(x)).collect(), b.iter().map(|&x| f64::from_bits(x)).collect());
        let (p32, q32): (Vec<f32>, Vec<f32>) = (a.iter().map(|&x| f32::from_bits(x as u32)).collect(), b.iter().map(|&x| f32::from_bits((x >> 32) as u32)).collect());
        all_functions(&p, &q, f64::from_bits(t));
        all_functions(&p32, &q32, f64::from_bits(t));
        // Mismatched lengths use the shared prefix.
        let n = p.len().min(q.len());
        prop_assert_eq!(r::kl(&p, &q).to_bits(), r::kl(&p[..n], &q[..n]).to_bits());
    }
}

fn all_functions<T: Element>(p: &[T], q: &[T], t: f64) {
    let _ = (
        r::kl(p, q),
        r::kl_bits(p, q),
        r::kl_normalized(p, q),
        r::kl_normalized_bits(p, q),
    );
    let _ = (
        r::cross_entropy(p, q),
        r::cross_entropy_bits(p, q),
        r::entropy(p),
        r::entropy_bits(p),
    );
    let _ = (
        r::generalized_kl(p, q),
        r::generalized_kl_bits(p, q),
        r::jeffreys(p, q),
        r::jeffreys_bits(p, q),
    );
    let _ = (
        r::js_divergence(p, q),
        r::js_divergence_bits(p, q),
        r::js_distance(p, q),
        r::js_distance_bits(p, q),
    );
    let _ = (
        r::kl_log(p, q),
        r::kl_log_bits(p, q),
        r::kl_logits(p, q, t),
        r::kl_logits_bits(p, q, 1.0),
    );
    let _ = (
        gaussian::kl_diag(p, q, q, p),
        gaussian::kl_diag_logvar(p, q, q, p),
    );
}

/// Properties over the shared generator's cases, both element types.
fn generator_properties<T: Element>() {
    for c in cases::<T>(0x5CA1A8) {
        let (p, q) = (&c.p, &c.q);
        for f in [r::kl::<T>, r::jeffreys, r::js_divergence, r::generalized_kl] {
            assert_eq!(f(p, p), 0.0, "{}", c.name);
        }
        if !p.is_empty() && p.iter().any(|x| x.to_f64() > 0.0) {
            assert_eq!(r::kl_normalized(p, p), 0.0, "{}", c.name);
        }
        assert!(r::generalized_kl(p, q) >= 0.0, "{}", c.name);
        assert!(r::jeffreys(p, q) >= 0.0, "{}", c.name);
        let js = r::js_divergence(p, q);
        assert!(js >= 0.0, "{}", c.name);
        assert_eq!(js.to_bits(), r::js_divergence(q, p).to_bits(), "{}", c.name);
        assert_eq!(
            r::jeffreys(p, q).to_bits(),
            r::jeffreys(q, p).to_bits(),
            "{}",
            c.name
        );
        let kn = r::kl_normalized(p, q);
        assert!(
            kn >= 0.0 || (kn.is_nan() && p.iter().all(|x| x.to_f64() == 0.0)),
            "{}",
            c.name
        );
        let (ce, h, kl) = (r::cross_entropy(p, q), r::entropy(p), r::kl(p, q));
        if ce.is_finite() {
            assert!(
                (ce - (h + kl)).abs() <= 3.0 * U * (ce.abs() + h.abs() + kl.abs()),
                "{}",
                c.name
            );
        } else {
            assert_eq!(kl, f64::INFINITY, "{}", c.name);
        }
        // +∞ exactly when some p > 0 meets q = 0.
        let inf = p
            .iter()
            .zip(q)
            .any(|(a, b)| a.to_f64() > 0.0 && b.to_f64() == 0.0);
        assert_eq!(kl == f64::INFINITY, inf, "{}", c.name);
    }
    for c in logit_cases::<T>(0x10617) {
        let v = r::kl_logits(&c.p, &c.q, 1.0);
        assert!(v >= 0.0, "{}: {v}", c.name);
        assert_eq!(r::kl_logits(&c.p, &c.p, 0.5), 0.0, "{}", c.name);
        let inf =
            c.p.iter()
                .zip(&c.q)
                .any(|(a, b)| a.to_f64() > f64::NEG_INFINITY && b.to_f64() == f64::NEG_INFINITY);
        assert_eq!(v == f64::INFINITY, inf, "{}", c.name);
    }
    for g in gaussian_cases::<T>(0x6A55) {
        if g.name.starts_with("logvar/") {
            let v = gaussian::kl_diag_logvar(&g.mu_p, &g.var_p, &g.mu_q, &g.var_q);
            assert!(v >= 0.0, "{}", g.name);
            assert_eq!(
                gaussian::kl_diag_logvar(&g.mu_p, &g.var_p, &g.mu_p, &g.var_p),
                0.0
            );
        } else {
            let v = gaussian::kl_diag(&g.mu_p, &g.var_p, &g.mu_q, &g.var_q);
            assert!(v >= 0.0, "{}", g.name);
            assert_eq!(gaussian::kl_diag(&g.mu_p, &g.var_p, &g.mu_p, &g.var_p), 0.0);
        }
    }
}

#[test]
#[cfg_attr(miri, ignore = "sweeps thousands of generated cases: hours under Miri")]
fn generator_cases_f64() {
    generator_properties::<f64>();
}

#[test]
#[cfg_attr(miri, ignore = "sweeps thousands of generated cases: hours under Miri")]
fn generator_cases_f32() {
    generator_properties::<f32>();
}
