//! Inputs that once broke a contract (found by the hostile-input tests and the fuzzers in
//! `fuzz/`), kept so they stay fixed. Each test says what went wrong.

/// A finite sum near `f64::MAX` converted to bits (÷ ln 2) overflowed inside the reference's
/// double-double division and came back as `Ok(NaN)`; the value in bits is −∞ (overflow),
/// the value in nats is finite.
#[test]
fn bits_of_a_sum_near_f64_max_is_not_nan() {
    let lp = [1.0f64 / 3.0; 3];
    let lq = [1.0 / 3.0, 1.0 / 3.0, 1e308];
    let nats = relent::kl_log(&lp, &lq).unwrap();
    // e^(1/3)·(1/3 − 1e308), exactly representable range: ≈ −1.3956e308.
    let want = (1.0f64 / 3.0).exp() * (1.0 / 3.0 - 1e308);
    assert!(
        (nats - want).abs() <= 4.0 * f64::EPSILON * want.abs(),
        "{nats}"
    );
    assert_eq!(relent::kl_log_bits(&lp, &lq), Ok(f64::NEG_INFINITY));
    // Halving keeps the bits value finite: ≈ −1.0067e308.
    let lq_half = [1.0 / 3.0, 1.0 / 3.0, 0.5e308];
    let bits = relent::kl_log_bits(&lp, &lq_half).unwrap();
    let want = (1.0f64 / 3.0).exp() * (1.0 / 3.0 - 0.5e308) / std::f64::consts::LN_2;
    assert!(
        (bits - want).abs() <= 4.0 * f64::EPSILON * want.abs(),
        "{bits}"
    );
}
