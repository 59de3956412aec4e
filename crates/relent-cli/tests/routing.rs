//! The CLI's one table of divergences (`compute::Divergence`): every variant maps to the
//! relent-batch divergence, relent's checked function and the relent-simd function that compute
//! the same thing — checked bit for bit on the same rows, for every variant clap knows — and the
//! transformed routes are relent-batch's row transforms followed by the `f64` checked function.

use std::collections::HashSet;

use clap::ValueEnum;
use relent::batch::transform;
use relent_cli::compute::{self, Divergence, InputKind, Spec};

fn spec(divergence: Divergence, input: InputKind, bits: bool) -> Spec {
    Spec {
        divergence,
        input,
        temperature: 0.8,
        normalize: false,
        bits,
    }
}

/// Two rows of positive numbers (with a zero), seeded.
fn rows(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut p: Vec<f64> = (0..n).map(|_| next() + 0.01).collect();
    let q: Vec<f64> = (0..n).map(|_| next() + 0.01).collect();
    p[3] = 0.0;
    (p, q)
}

#[test]
fn every_divergence_is_its_batch_divergence_bit_for_bit() {
    let (p, q) = rows(257);
    let ln2 = std::f64::consts::LN_2;
    for &d in Divergence::value_variants() {
        let batch = relent::batch::pair(d.batch(), &p, &q).unwrap();
        let nats = compute::pair(&spec(d, InputKind::Probs, false), &p, &q).unwrap();
        assert_eq!(nats.to_bits(), batch.to_bits(), "{d:?}");
        // In bits, as the checked `_bits` twin: ÷ ln 2, the distance from the divergence.
        let bits = compute::pair(&spec(d, InputKind::Probs, true), &p, &q).unwrap();
        let want = if d == Divergence::JsDistance {
            let js = relent::batch::pair(relent::batch::Divergence::JsDivergence, &p, &q);
            (js.unwrap() / ln2).sqrt()
        } else {
            batch / ln2
        };
        assert_eq!(bits.to_bits(), want.to_bits(), "{d:?} in bits");
    }
}

#[test]
fn names_and_functions_are_distinct() {
    let all = Divergence::value_variants();
    let names: HashSet<_> = all.iter().map(|d| d.name()).collect();
    let checked: HashSet<_> = all.iter().map(|d| d.checked_name()).collect();
    assert_eq!((names.len(), checked.len()), (all.len(), all.len()));
    // One relent-simd function per divergence, the distance sharing the divergence's kernel.
    let funcs: HashSet<_> = all.iter().map(|d| d.batch().func()).collect();
    assert_eq!(funcs.len(), all.len() - 1);
    assert_eq!(
        Divergence::JsDistance.batch().func(),
        Divergence::Js.batch().func()
    );
}

#[test]
fn transformed_routes_are_the_batch_transforms_then_the_checked_function() {
    let (p, q) = rows(100);
    let (mut lp, lq): (Vec<f64>, Vec<f64>) = (
        p.iter().map(|v| v.ln()).collect(),
        q.iter().map(|v| 3.0 * v - 1.0).collect(),
    );
    lp[7] = f64::NEG_INFINITY;
    let mut a = vec![0.0; p.len()];
    let mut b = vec![0.0; p.len()];
    let cases = [
        (
            Divergence::Ce,
            relent::cross_entropy::<f64> as fn(&[f64], &[f64]) -> _,
        ),
        (Divergence::Jeffreys, relent::jeffreys::<f64>),
        (Divergence::Js, relent::js_divergence::<f64>),
        (Divergence::JsDistance, relent::js_distance::<f64>),
    ];
    for (d, f) in cases {
        // --normalize
        let s = Spec {
            normalize: true,
            ..spec(d, InputKind::Probs, false)
        };
        transform::normalize(&p, &mut a).unwrap();
        transform::normalize(&q, &mut b).unwrap();
        let want = f(&a, &b).unwrap();
        assert_eq!(compute::pair(&s, &p, &q).unwrap().to_bits(), want.to_bits());
        // --input logprobs
        transform::exp(&lp, &mut a).unwrap();
        transform::exp(&lq, &mut b).unwrap();
        let s = spec(d, InputKind::Logprobs, false);
        let want = f(&a, &b).unwrap();
        assert_eq!(
            compute::pair(&s, &lp, &lq).unwrap().to_bits(),
            want.to_bits()
        );
        // --input logits at t = 0.8
        transform::softmax(&lp, 0.8, &mut a).unwrap();
        transform::softmax(&lq, 0.8, &mut b).unwrap();
        let s = spec(d, InputKind::Logits, false);
        let want = f(&a, &b).unwrap();
        assert_eq!(
            compute::pair(&s, &lp, &lq).unwrap().to_bits(),
            want.to_bits()
        );
    }
    // Generalised KL is transformed for log-probabilities only (normalised rows make it KL).
    transform::exp(&lp, &mut a).unwrap();
    transform::exp(&lq, &mut b).unwrap();
    let s = spec(Divergence::Gkl, InputKind::Logprobs, true);
    let want = relent::generalized_kl_bits(&a, &b).unwrap();
    assert_eq!(
        compute::pair(&s, &lp, &lq).unwrap().to_bits(),
        want.to_bits()
    );
}
