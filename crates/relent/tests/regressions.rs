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

/// Fuzzer (`checked_single`, minimized): a log-probability of −`f64::MAX` made the reference
/// multiply e^lp's mantissa by lp − lq ≈ −1.8e308 before applying e^lp's exponent: the
/// product overflowed and the result was `Ok(NaN)`. The term is e^(−1.8e308)·(−1.8e308): 0.
#[test]
fn kl_log_of_huge_log_probability_differences_is_not_nan() {
    let mut lp = vec![-0.0f64; 128];
    lp[0] = f64::MIN;
    let lq = vec![-0.0f64; 128];
    assert_eq!(relent::kl_log(&lp, &lq), Ok(0.0));
    assert_eq!(relent::kl_log_bits(&lp, &lq), Ok(0.0));
    // lp − lq beyond the f64 range, with e^lp = 0 and with e^lp = 1.
    assert_eq!(relent::kl_log(&[-1e308f64], &[f64::MAX]), Ok(0.0));
    assert_eq!(relent::kl_log(&[0.0f64, -1e308], &[0.0, f64::MAX]), Ok(0.0));
    assert_eq!(relent::kl_log(&[0.0f64], &[f64::MIN]), Ok(f64::MAX));
    assert_eq!(relent::kl_log(&[1.0f64], &[f64::MIN]), Ok(f64::INFINITY));
    assert_eq!(
        relent::kl_log(&[1.0f64], &[f64::MAX]),
        Ok(f64::NEG_INFINITY)
    );
    // f64::MAX/2 still fits: e^0 · (0 − (−MAX/2)).
    assert_eq!(
        relent::kl_log(&[0.0f64], &[f64::MIN / 2.0]),
        Ok(f64::MAX / 2.0)
    );
    // A huge log-probability: e^700 · 1.
    let v = relent::kl_log(&[700.0f64], &[699.0]).unwrap();
    assert!((v - 700f64.exp()).abs() <= 4.0 * f64::EPSILON * v, "{v}");
}

/// Fuzzer (`checked_single`, minimized): log-variances whose difference overflows `f64`
/// (1e38 against −`f64::MAX`) made the reference add e^c and −(1 + c) as +∞ and −∞: NaN.
/// The exact term is beyond `f64::MAX`: +∞.
#[test]
fn gaussian_logvar_with_overflowing_differences_is_not_nan() {
    let z = [0.0f64];
    let kl = |lp: f64, lq: f64| relent::gaussian::kl_diag_logvar(&z, &[lp], &z, &[lq]);
    assert_eq!(kl(1e38, f64::MIN), Ok(f64::INFINITY));
    assert_eq!(kl(1e38, -8.0), Ok(f64::INFINITY));
    // c = lp − lq = −2·MAX: e^c = 0, ½(−1 − c) = MAX − ½, which rounds to MAX.
    assert_eq!(kl(f64::MIN, f64::MAX), Ok(f64::MAX));
    assert_eq!(kl(f64::MIN, 0.0), Ok(f64::MAX / 2.0));
    // Means whose difference overflows: (μp − μq)² e^-lq = 4·MAX² → +∞; with a tiny e^-lq
    // (lq = 1000) it is finite again.
    let m =
        |mp: f64, mq: f64, lq: f64| relent::gaussian::kl_diag_logvar(&[mp], &[0.0], &[mq], &[lq]);
    assert_eq!(m(f64::MAX, f64::MIN, 0.0), Ok(f64::INFINITY));
    let v = m(f64::MAX, f64::MIN, 1000.0).unwrap();
    // ≈ ½·4·MAX²·e^-1000 = 2·MAX²·e^-1000 (the other parts are ~10^-180 of it).
    let ln_want = 2f64.ln() + 2.0 * f64::MAX.ln() - 1000.0;
    assert!((v.ln() - ln_want).abs() < 1e-12, "{v}");
    let v = relent::gaussian::kl_diag(&[f64::MAX], &[1.0], &[f64::MIN], &[1e300]).unwrap();
    // ½ (ln 1e300 + 1e-300 − 1 + 4·MAX²/1e300) = +∞ (4·MAX²/1e300 ≈ 1.3e317).
    assert_eq!(v, f64::INFINITY);
    let v = relent::gaussian::kl_diag(&[f64::MAX], &[1.0], &[f64::MIN], &[f64::MAX]).unwrap();
    // ½ (ln MAX + 1/MAX − 1 + 4·MAX²/MAX) ≈ 2·MAX = +∞.
    assert_eq!(v, f64::INFINITY);
}

/// Fuzzer (`checked_single`): forty Gaussian terms near `f64::MAX` each (log-variance of q
/// at `f64::MAX`) overflowed the reference's double-double accumulator, whose mantissa was
/// not renormalised: ∞ − ∞ = `Ok(NaN)`. The sum is +∞; and a sum that exceeds `f64::MAX`
/// only before the final halving is finite.
#[test]
fn gaussian_sums_beyond_f64_max_before_halving() {
    let n = 40;
    let (mu, lp, lq) = (vec![0.0f64; n], vec![2.125f64; n], vec![f64::MAX; n]);
    assert_eq!(
        relent::gaussian::kl_diag_logvar(&mu, &lp, &mu, &lq),
        Ok(f64::INFINITY)
    );
    // ½ · 6 · (MAX/4 − 1): the terms sum to 1.5·MAX, the result is 0.75·MAX.
    let (mu, lp, lq) = (vec![0.0f64; 6], vec![0.0f64; 6], vec![f64::MAX / 4.0; 6]);
    let v = relent::gaussian::kl_diag_logvar(&mu, &lp, &mu, &lq).unwrap();
    let want = 0.75 * f64::MAX;
    assert!((v - want).abs() <= 4.0 * f64::EPSILON * want, "{v}");
    // The same through kl_log: six terms e^0·(0 − (−MAX/4)) = 1.5·MAX in total: +∞.
    assert_eq!(
        relent::kl_log(&[0.0f64; 6], &[f64::MIN / 4.0; 6]),
        Ok(f64::INFINITY)
    );
    // ... and in bits, three of them (0.75·MAX nats, > MAX bits): +∞, never NaN.
    assert_eq!(
        relent::kl_log_bits(&[0.0f64; 3], &[f64::MIN / 4.0; 3]),
        Ok(f64::INFINITY)
    );
}
