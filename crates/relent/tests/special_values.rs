//! The contract's special values, for both element types.

use std::f64::consts::LN_2;

use relent_simd::bounds;

const INF: f64 = f64::INFINITY;

#[test]
fn zero_p_terms_vanish_even_with_zero_q() {
    assert_eq!(relent::kl(&[0.0f64, 1.0], &[0.0, 1.0]), Ok(0.0));
    assert_eq!(relent::kl(&[0.0f32, 1.0], &[0.0, 1.0]), Ok(0.0));
    assert_eq!(relent::cross_entropy(&[0.0f64, 1.0], &[0.0, 1.0]), Ok(0.0));
    assert_eq!(relent::entropy(&[0.0f64, 1.0]), Ok(0.0));
    assert_eq!(relent::kl_normalized(&[0.0f64, 3.0], &[0.0, 3.0]), Ok(0.0));
    assert_eq!(relent::jeffreys(&[0.0f64, 1.0], &[0.0, 1.0]), Ok(0.0));
    assert_eq!(relent::js_divergence(&[0.0f64, 1.0], &[0.0, 1.0]), Ok(0.0));
    assert_eq!(relent::generalized_kl(&[0.0f64, 1.0], &[0.0, 1.0]), Ok(0.0));
    // p = 0 with q > 0: generalized_kl's term is q.
    assert_eq!(relent::generalized_kl(&[0.0f64], &[0.25]), Ok(0.25));
}

#[test]
fn mass_where_q_has_none_is_infinite() {
    assert_eq!(relent::kl(&[0.5f64, 0.5], &[1.0, 0.0]), Ok(INF));
    assert_eq!(relent::kl_bits(&[0.5f32, 0.5], &[1.0, 0.0]), Ok(INF));
    assert_eq!(relent::kl(&[1e-300f64, 1.0], &[0.0, 1.0]), Ok(INF));
    assert_eq!(relent::kl_normalized(&[0.5f64, 0.5], &[1.0, 0.0]), Ok(INF));
    assert_eq!(relent::cross_entropy(&[0.5f64, 0.5], &[1.0, 0.0]), Ok(INF));
    assert_eq!(relent::generalized_kl(&[0.5f64, 0.5], &[1.0, 0.0]), Ok(INF));
    assert_eq!(relent::jeffreys(&[1.0f64, 0.0], &[0.5, 0.5]), Ok(INF));
    assert_eq!(relent::kl_log(&[0.0f64], &[f64::NEG_INFINITY]), Ok(INF));
    let m = f64::NEG_INFINITY;
    assert_eq!(relent::kl_logits(&[0.0f64, 0.0], &[0.0, m], 1.0), Ok(INF));
    // JS stays finite.
    let js = relent::js_divergence(&[1.0f64, 0.0], &[0.0, 1.0]).unwrap();
    assert!(js.is_finite());
}

#[test]
fn masked_logits_are_zero_probability_never_nan() {
    let m = f32::NEG_INFINITY;
    let a = [1.0f32, 2.0, m, 0.5];
    let b = [0.0f32, 2.5, m, 1.0];
    let masked = relent::kl_logits(&a, &b, 1.0).unwrap();
    let unmasked = relent::kl_logits(&[1.0f32, 2.0, 0.5], &[0.0, 2.5, 1.0], 1.0).unwrap();
    assert!(!masked.is_nan());
    assert!(
        (masked - unmasked).abs() <= 1e-12 * unmasked,
        "{masked} vs {unmasked}"
    );
    // Masked in a only: zero probability under p, contributes nothing.
    let a_only = relent::kl_logits(&[1.0f32, m], &[1.0, 1.0], 1.0).unwrap();
    assert!((a_only - 2.0f64.ln()).abs() < 1e-12, "{a_only}");
    // kl_log: lp = −∞ with lq = −∞ is 0.
    assert_eq!(
        relent::kl_log(&[0.0f64, f64::NEG_INFINITY], &[0.0, f64::NEG_INFINITY]),
        Ok(0.0)
    );
}

#[test]
fn identical_inputs_give_exactly_zero() {
    let p = [0.1f64, 0.2, 0.3, 0.4, 0.0];
    assert_eq!(relent::kl(&p, &p), Ok(0.0));
    assert_eq!(relent::kl_normalized(&p, &p), Ok(0.0));
    assert_eq!(relent::jeffreys(&p, &p), Ok(0.0));
    assert_eq!(relent::js_divergence(&p, &p), Ok(0.0));
    assert_eq!(relent::js_distance(&p, &p), Ok(0.0));
    assert_eq!(relent::generalized_kl(&p, &p), Ok(0.0));
    let l = [-1.0f32, 0.5, f32::NEG_INFINITY];
    assert_eq!(relent::kl_logits(&l, &l, 0.7), Ok(0.0));
    assert_eq!(relent::kl_log(&l, &l), Ok(0.0));
    let mu = [0.5f64, -2.0];
    let var = [0.25f64, 4.0];
    assert_eq!(relent::gaussian::kl_diag(&mu, &var, &mu, &var), Ok(0.0));
    assert_eq!(
        relent::gaussian::kl_diag_logvar(&mu, &var, &mu, &var),
        Ok(0.0)
    );
}

#[test]
fn js_bounds_and_bits() {
    // The documented bound: ε = 2^-49 relative (JS's scale is its value) for f64 inputs, plus
    // one rounding (2^-53) for the bits' division.
    let eps = bounds::HIGH;
    let js = relent::js_divergence(&[0.5f64, 0.5, 0.0], &[0.0, 0.0, 1.0]).unwrap();
    // Disjoint supports: ln 2.
    assert!((js - LN_2).abs() <= eps * LN_2, "{js}");
    let bits = relent::js_divergence_bits(&[0.5f64, 0.5, 0.0], &[0.0, 0.0, 1.0]).unwrap();
    assert!((bits - 1.0).abs() <= eps + 2f64.powi(-53), "{bits}");
    // f32 inputs: 2^-21 by default, 2^-49 in `precise`; the root halves the relative error.
    let d = relent::js_distance_bits(&[1.0f32, 0.0], &[0.0, 1.0]).unwrap();
    assert!(
        (d - 1.0).abs() <= bounds::DEFAULT_NARROW / 2.0 + 2f64.powi(-52),
        "{d}"
    );
    let d = relent::precise::js_distance_bits(&[1.0f32, 0.0], &[0.0, 1.0]).unwrap();
    assert!((d - 1.0).abs() <= eps / 2.0 + 2f64.powi(-52), "{d}");
}

#[test]
fn temperature_scales_logits() {
    let a = [2.0f64, 0.0];
    let b = [0.0f64, 2.0];
    let t2 = relent::kl_logits(&a, &b, 2.0).unwrap();
    let t1 = relent::kl_logits(&[1.0f64, 0.0], &[0.0, 1.0], 1.0).unwrap();
    assert!((t2 - t1).abs() <= 1e-15, "{t2} vs {t1}");
    // Adding a constant to a row changes nothing.
    let shifted = relent::kl_logits(&[1002.0f64, 1000.0], &b, 2.0).unwrap();
    assert!((shifted - t2).abs() <= 1e-12, "{shifted} vs {t2}");
}

/// The special values do not depend on the precision or on validation.
#[test]
fn precise_and_unchecked_share_the_special_values() {
    let m = f32::NEG_INFINITY;
    let p = [0.1f32, 0.2, 0.3, 0.4, 0.0];
    let q = [0.4f32, 0.3, 0.2, 0.1, 0.0];
    assert_eq!(relent::precise::kl(&p, &p), Ok(0.0));
    assert_eq!(relent::unchecked::kl(&p, &p), 0.0);
    assert_eq!(relent::precise::js_divergence(&p, &p), Ok(0.0));
    assert_eq!(relent::unchecked::jeffreys(&p, &p), 0.0);
    assert_eq!(relent::precise::kl(&[0.5f32, 0.5], &[1.0, 0.0]), Ok(INF));
    assert_eq!(relent::unchecked::kl(&[0.5f32, 0.5], &[1.0, 0.0]), INF);
    assert_eq!(relent::precise::kl(&[0.0f32, 1.0], &[0.0, 1.0]), Ok(0.0));
    assert_eq!(
        relent::unchecked::cross_entropy(&[0.0f32, 1.0], &[0.0, 1.0]),
        0.0
    );
    let a = [1.0f32, 2.0, m];
    assert_eq!(relent::precise::kl_logits(&a, &a, 0.7), Ok(0.0));
    assert_eq!(relent::unchecked::kl_logits(&a, &a, 0.7), 0.0);
    assert_eq!(
        relent::precise::kl_logits(&[0.0f32, 0.0], &[0.0, m], 1.0),
        Ok(INF)
    );
    // Jeffreys, JS, and kl_logits are never negative in any flavour.
    for v in [
        relent::precise::jeffreys(&p, &q).unwrap(),
        relent::unchecked::jeffreys(&p, &q),
        relent::precise::js_divergence(&p, &q).unwrap(),
        relent::unchecked::js_distance(&p, &q),
        relent::precise::kl_logits(&a, &[2.0, 1.0, m], 1.0).unwrap(),
    ] {
        assert!(v > 0.0, "{v}");
    }
}
