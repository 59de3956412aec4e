//! Inputs that once broke a contract (found by the hostile-input tests and the fuzzers in
//! `fuzz/`), kept so they stay fixed. Each test says what went wrong.

use relent_simd::bounds;

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

/// Fuzzer (`checked_single` on random inputs, then minimized): p = 2^-1074 (the smallest
/// subnormal) against q = 0 made relent-simd's Jensen–Shannon kernel compute m = (p + q)/2,
/// which rounds to 0, and then p·ln(p/m) = +∞. JS is always finite; the exact value here
/// (½·2^-1074·ln 2) rounds to 0. The checked API and the batch kernel now take the exact
/// reference's value whenever the kernel's is not finite.
#[test]
fn js_of_the_smallest_subnormal_against_zero_is_finite() {
    use relent::batch::{Divergence, MatRef, Options, long_pair, pair, row_paired};
    let p = [5e-324f64, 0.5];
    let q = [0.0f64, 0.5];
    assert_eq!(relent::js_divergence(&p, &q), Ok(0.0));
    assert_eq!(relent::js_divergence(&q, &p), Ok(0.0));
    assert_eq!(relent::js_distance(&p, &q), Ok(0.0));
    assert_eq!(relent::unchecked::js_divergence(&p, &q), 0.0);
    for div in [Divergence::JsDivergence, Divergence::JsDistance] {
        assert_eq!(pair(div, &p, &q), Ok(0.0));
        assert_eq!(long_pair(div, &p, &q, &Options::serial()), Ok(0.0));
        let (pm, qm) = (
            MatRef::new(&p, 1, 2).unwrap(),
            MatRef::new(&q, 1, 2).unwrap(),
        );
        assert_eq!(row_paired(div, pm, qm, &Options::serial()), Ok(vec![0.0]));
    }
}

/// Fuzzer (`batch`): a row of logits that are all masked (−∞) has no softmax — the checked
/// `relent::kl_logits` reports `ZeroTotal` — but the batch calls returned `Ok(+∞)` or
/// `Ok(0)` for it. They now report `batch::Error::ZeroTotal` with the operand and row, after
/// any invalid element; also when no pair is computed (the other operand has no rows).
#[test]
fn batch_kl_logits_of_an_all_masked_row_is_an_error() {
    use relent::batch::{
        Divergence, Error, MatRef, Method, Operand, Options, all_pairs, one_vs_many, pair,
        row_paired, top_k,
    };
    let d = Divergence::KlLogits { temperature: 0.5 };
    let a = [-1.0f64, 0.5, 2.0];
    let m = [f64::NEG_INFINITY; 3];
    let zt = |operand, row| Some(Error::ZeroTotal { operand, row });
    assert_eq!(pair(d, &a, &m).err(), zt(Operand::Q, 0));
    assert_eq!(pair(d, &m, &a).err(), zt(Operand::P, 0));
    assert!(matches!(
        relent::kl_logits(&a, &m, 0.5),
        Err(relent::Error::ZeroTotal { arg: "logits_b" })
    ));
    let rows = [a, a, m].concat();
    let qm = MatRef::new(&rows, 3, 3).unwrap();
    let o = Options::serial();
    assert_eq!(one_vs_many(d, &a, qm, &o).err(), zt(Operand::Q, 2));
    let pm = MatRef::new(&rows, 3, 3).unwrap();
    assert_eq!(row_paired(d, pm, pm, &o).err(), zt(Operand::P, 2));
    assert_eq!(
        all_pairs(d, pm, qm, Method::Exact, &o).unwrap_err(),
        Error::ZeroTotal {
            operand: Operand::P,
            row: 2
        }
    );
    assert_eq!(
        top_k(d, &a, qm, 1, Method::Exact, &o).err(),
        zt(Operand::Q, 2)
    );
    // An invalid element comes first, wherever it is.
    let mut bad = rows.clone();
    bad[4] = f64::NAN;
    let bm = MatRef::new(&bad, 3, 3).unwrap();
    assert!(matches!(
        row_paired(d, bm, bm, &o),
        Err(Error::InvalidElement { row: 1, col: 1, .. })
    ));
    // No pair computed (Q has no rows): still checked.
    let none = MatRef::new(&rows[..0], 0, 3).unwrap();
    assert_eq!(one_vs_many(d, &m, none, &o).err(), zt(Operand::P, 0));
    assert_eq!(
        all_pairs(d, pm, none, Method::Exact, &o).unwrap_err(),
        Error::ZeroTotal {
            operand: Operand::P,
            row: 2
        }
    );
}

/// Fuzzer (`batch`, random inputs): a query with a NaN against a corpus with no rows was
/// accepted by `one_vs_many` (and by `top_k` with the exact method, while the GEMM method
/// refused it), and `all_pairs` accepted invalid elements when either operand had no rows.
/// `top_k` also reported `Unsupported` before an invalid temperature (`top_k_rows` the
/// reverse). Input is now checked whatever the amount of work, in one precedence.
#[test]
fn batch_checks_input_even_without_work() {
    use relent::batch::{
        Divergence, Error, InvalidKind, MatRef, Method, Operand, Options, all_pairs, one_vs_many,
        top_k, top_k_rows,
    };
    let o = Options::serial();
    let query = [0.5f32, f32::NAN];
    let empty = MatRef::new(&[0.0f32; 0], 0, 2).unwrap();
    let nan_at = |operand: Operand| move |e: Error| matches!(e, Error::InvalidElement { operand: o, row: 0, col: 1, kind: InvalidKind::NaN, .. } if o == operand);
    assert!(nan_at(Operand::P)(
        one_vs_many(Divergence::Kl, &query, empty, &o).unwrap_err()
    ));
    for method in [Method::Exact, Method::Gemm] {
        assert!(nan_at(Operand::P)(
            top_k(Divergence::Kl, &query, empty, 3, method, &o).unwrap_err()
        ));
    }
    let bad = MatRef::new(&query, 1, 2).unwrap();
    assert!(nan_at(Operand::P)(
        all_pairs(Divergence::Kl, bad, empty, Method::Exact, &o).unwrap_err()
    ));
    assert!(nan_at(Operand::Q)(
        all_pairs(Divergence::Kl, empty, bad, Method::Exact, &o).unwrap_err()
    ));
    // The temperature before the method, in top_k as in top_k_rows.
    let bad_t = Divergence::KlLogits { temperature: -1.0 };
    let q = MatRef::new(&[0.0f32; 4], 2, 2).unwrap();
    let want = Error::InvalidParameter {
        name: "temperature",
        value: -1.0,
    };
    assert_eq!(
        top_k(bad_t, &[0.0f32, 0.0], q, 1, Method::Gemm, &o),
        Err(want.clone())
    );
    assert_eq!(top_k_rows(bad_t, q, q, 1, Method::Gemm, &o), Err(want));
}

/// Fuzzer (`batch`, random inputs): KL of logits at a huge temperature (t = f64::MAX) has a
/// tiny negative rounding residue (−9.3e-310) that relent-batch returned as is, while the
/// checked `relent::kl_logits` returns 0 (KL of softmaxes is never negative). The batch
/// kernel now clamps as the checked API does (KL of logits, generalised KL, Jeffreys, JS), so
/// its values are bit-identical to the checked ones.
#[test]
fn batch_kl_logits_is_never_negative() {
    use relent::batch::{Divergence, Options, long_pair, pair};
    let a = [-3.0f64, 0.0, -0.5, f64::NEG_INFINITY];
    let b = [0.0f64, -1.0, -2.0, f64::NEG_INFINITY];
    let t = f64::MAX;
    let checked = relent::kl_logits(&a, &b, t).unwrap();
    assert!(checked >= 0.0);
    let d = Divergence::KlLogits { temperature: t };
    assert_eq!(pair(d, &a, &b).unwrap().to_bits(), checked.to_bits());
    assert_eq!(
        long_pair(d, &a, &b, &Options::serial()).unwrap().to_bits(),
        checked.to_bits()
    );
}

/// Fuzzer (`batch`, minimized by hand): KL with p > 0 where q = 0 and q's total above
/// `f64::MAX` came back as `Ok(NaN)` from the checked API and from the batch calls:
/// relent-simd's KL kernel computes Σg + (Σp − Σq), and +∞ − ∞ is NaN. The exact value is
/// +∞ (mass where q has none). The same guard covers cross-entropy (+∞ from q = 0 against
/// terms whose sum overflows to −∞).
#[test]
fn kl_with_overflowing_totals_is_not_nan() {
    use relent::batch::{Divergence, MatRef, Method, Options, pair, top_k};
    let p = [0.74f64, 0.74, 0.27, 0.31];
    let q = [0.0f64, f64::MAX, f64::MAX, f64::MAX];
    assert_eq!(relent::kl(&p, &q), Ok(f64::INFINITY));
    assert_eq!(relent::kl_bits(&p, &q), Ok(f64::INFINITY));
    assert_eq!(relent::unchecked::kl(&p, &q), f64::INFINITY);
    assert_eq!(pair(Divergence::Kl, &p, &q), Ok(f64::INFINITY));
    // Through top-k (GEMM candidates, kernel values): the pair is still returned, as +∞.
    let corpus = [q, [0.25; 4]].concat();
    let qm = MatRef::new(&corpus, 2, 4).unwrap();
    for method in [Method::Exact, Method::Gemm] {
        let nn = top_k(Divergence::Kl, &p, qm, 2, method, &Options::serial()).unwrap();
        assert_eq!(nn.len(), 2, "{method:?}");
        assert_eq!((nn[1].index, nn[1].value), (0, f64::INFINITY), "{method:?}");
    }
    let (p, q) = ([1.0f64, f64::MAX], [0.0f64, 1e300]);
    let ce = relent::cross_entropy(&p, &q).unwrap();
    assert!(!ce.is_nan());
    assert_eq!(
        pair(Divergence::CrossEntropy, &p, &q).unwrap().to_bits(),
        ce.to_bits()
    );
}

/// Fuzzer (`batch`): with an element of `f64::MAX` in both p and q the GEMM path computes
/// p·ln p − p·ln q as ∞ − ∞ = NaN (its documented bound is infinite there). Top-k by GEMM used
/// that NaN as a candidate's bounds, so the pair was never a candidate and top-k by GEMM
/// returned fewer (or other) neighbours than the exact method; an overflowed −∞ or +∞ was also
/// taken as exact. Such values now leave the pair a candidate, re-scored by the kernel.
#[test]
fn gemm_top_k_keeps_pairs_whose_gemm_value_overflows() {
    use relent::batch::{Divergence, MatRef, Method, Options, top_k, top_k_rows};
    let m = f64::MAX;
    let p = [1.0f64, 1.0, 1.0, 1.0, 1.0, m];
    let corpus = [
        [0.6f64, 0.38, 0.19, 0.35, 0.41, m],
        [0.5f64, 0.5, 0.5, 0.5, 0.5, 0.5],
        [0.9f64, 0.1, 0.2, 0.3, 0.4, m],
    ]
    .concat();
    let qm = MatRef::new(&corpus, 3, 6).unwrap();
    let o = Options::serial();
    for k in [1, 2, 3] {
        let exact = top_k(Divergence::Kl, &p, qm, k, Method::Exact, &o).unwrap();
        let gemm = top_k(Divergence::Kl, &p, qm, k, Method::Gemm, &o).unwrap();
        assert_eq!(gemm, exact, "k = {k}");
        let pm = MatRef::new(&p, 1, 6).unwrap();
        let rows = top_k_rows(Divergence::Kl, pm, qm, k, Method::Gemm, &o).unwrap();
        assert_eq!(rows[0], exact, "k = {k}");
        assert_eq!(exact.len(), k);
    }
}

/// Fuzzer (`batch`): generalised KL of p = q = [MAX, MAX, MAX] came back as `Ok(NaN)` from
/// the checked API (identical arguments must give exactly 0): relent-simd's kernel sums
/// totals that overflow (∞ − ∞). The checked API and the batch kernel take the exact
/// reference's value when the kernel returns NaN on valid input.
#[test]
fn generalized_kl_of_identical_huge_vectors_is_zero() {
    use relent::batch::{Divergence, pair};
    let p = [f64::MAX; 3];
    assert_eq!(relent::generalized_kl(&p, &p), Ok(0.0));
    assert_eq!(relent::generalized_kl_bits(&p, &p), Ok(0.0));
    assert_eq!(pair(Divergence::GeneralizedKl, &p, &p), Ok(0.0));
}

/// Fuzzer (`checked_single`, input once in `fuzz/known-failures/checked_single/`, now in the
/// corpus): relent-simd's `kl_log` rounded e^lp to the subnormal grid (lp ≈ −745) before
/// multiplying by lp − lq, so the rounding error (up to 2^-1075) was amplified by |lp − lq|:
/// eight terms e^-745·(−745 − 0) gave −2.94e-320 against the exact −1.68e-320, far outside
/// the documented ε·S (+ 8·2^-1074 per underflowing term). Below lp = −1500 it even dropped
/// terms that are normal numbers (e^-1000·MAX ≈ 9e-127 came back as 0). The kernel now
/// keeps e^lp as e^r·2^k until after the product for lp in [−1500, −700).
#[test]
fn kl_log_with_subnormal_probabilities_within_bound() {
    let mut lp = vec![0.0f64; 49];
    lp[18..26].fill(-745.0);
    let lq = vec![0.0f64; 49];
    let want = scaled_kl_log(&lp, &lq);
    let s: f64 = lp.iter().map(|&x| x.exp() * x.abs()).sum();
    let allowance = 8.0 * 8.0 * f64::from_bits(1);
    let got = relent::kl_log(&lp, &lq).unwrap();
    assert!(
        (got - want).abs() <= bounds::HIGH * s + allowance,
        "{got:e} vs {want:e}"
    );
    // In bits (the fuzzer's input), and from f32 inputs (−745 is exact in f32).
    let got = relent::kl_log_bits(&lp, &lq).unwrap();
    let want_bits = want / std::f64::consts::LN_2;
    assert!(
        (got - want_bits).abs() <= bounds::HIGH * s + allowance,
        "{got:e} vs {want_bits:e}"
    );
    let (lp32, lq32): (Vec<f32>, Vec<f32>) = (
        lp.iter().map(|&x| x as f32).collect(),
        lq.iter().map(|&x| x as f32).collect(),
    );
    let got = relent::kl_log(&lp32, &lq32).unwrap();
    assert!(
        (got - want).abs() <= bounds::DEFAULT_NARROW * s + allowance,
        "{got:e} vs {want:e}"
    );
    // e^-1000 is below the subnormal range, the term e^-1000·(−1000 − MIN) ≈ MAX·e^-1000 ≈
    // 9.1e-127 is not: computed as (MAX·e^-500)·e^-500, within 3 roundings (< 2^-51).
    let got = relent::kl_log(&[-1000.0f64], &[f64::MIN]).unwrap();
    let want = f64::MAX * (-500.0f64).exp() * (-500.0f64).exp();
    assert!(
        (got - want).abs() <= (bounds::HIGH + bounds::HIGH / 4.0) * want,
        "{got:e} vs {want:e}"
    );
    // Masked and very negative log-probabilities are still exactly 0 terms.
    assert_eq!(
        relent::kl_log(&[f64::NEG_INFINITY, -1e9, 0.0], &[0.0, 0.0, 0.0]),
        Ok(0.0)
    );
}

/// Σ e^lp·(lp − lq) with e^lp kept as 2^k·m until after the product (exact enough here: the
/// eight equal terms are e^-745·(−745), each computed in scaled form).
fn scaled_kl_log(lp: &[f64], lq: &[f64]) -> f64 {
    lp.iter()
        .zip(lq)
        .filter(|(a, _)| **a != 0.0)
        .map(|(a, b)| ((a + 100.0).exp() * (a - b)) * (-100.0f64).exp())
        .sum::<f64>()
}

/// Within `rel` of `want` (relative), or equal (infinities, zeros).
fn close(got: f64, want: f64, rel: f64) -> bool {
    got == want || (got - want).abs() <= rel * want.abs()
}

/// Fuzzer (`checked_single`): KL whose generalised-KL part Σg exceeds `f64::MAX` while KL
/// itself is finite (≈ 7e305) came back as `Ok(+∞)`: relent-simd's kernel computes
/// KL = Σg + Σ(p − q) and Σg overflows; the checked API took the reference only on NaN.
/// Now any non-finite kernel value is +∞ only where some p > 0 meets q = 0, and the exact
/// reference's value otherwise. Where the exact value itself exceeds `f64::MAX` (Σg here),
/// +∞ is its correct rounding.
#[test]
fn kl_whose_generalized_part_overflows_is_finite() {
    let m = f64::MAX;
    let (p, q) = ([1e303f64, 1e303], [m, 1e-5]);
    // 1e303·ln(1e303/MAX) + 1e303·ln(1e308): no cancellation, a few ulp in plain f64.
    let want = 1e303 * ((1e303 / m).ln() + 1e308f64.ln());
    let eps = bounds::HIGH;
    let v = relent::kl(&p, &q).unwrap();
    assert!(close(v, want, eps), "{v:e} vs {want:e}");
    let b = relent::kl_bits(&p, &q).unwrap();
    let want_bits = want / std::f64::consts::LN_2;
    assert!(close(b, want_bits, eps + 2f64.powi(-53)), "{b:e}");
    assert_eq!(relent::unchecked::kl(&p, &q).to_bits(), v.to_bits());
    assert_eq!(relent::precise::kl(&p, &q), Ok(v));
    // The batch calls give the same bits (relent-batch applies the same rule).
    use relent::batch::{Divergence, Options, long_pair, pair};
    assert_eq!(
        pair(Divergence::Kl, &p, &q).map(f64::to_bits),
        Ok(v.to_bits())
    );
    assert_eq!(
        long_pair(Divergence::Kl, &p, &q, &Options::serial()).map(f64::to_bits),
        Ok(v.to_bits())
    );
    // f32 inputs near the top of their range cannot overflow Σg; f64 only.
    // Σg = KL − Σ(p − q) ≈ MAX + 7e305: beyond f64::MAX, so +∞ is right for generalised KL.
    assert_eq!(relent::generalized_kl(&p, &q), Ok(f64::INFINITY));
    // Cross-entropy of the same input is finite: −1e303·(ln MAX + ln 1e-5).
    let ce = relent::cross_entropy(&p, &q).unwrap();
    let want_ce = -1e303 * (m.ln() + 1e-5f64.ln());
    assert!(close(ce, want_ce, eps), "{ce:e}");
    // With mass where q has none, +∞ stays (without the reference).
    let (p3, q3) = ([1e303f64, 1e303, 1.0], [m, 1e-5, 0.0]);
    assert_eq!(relent::kl(&p3, &q3), Ok(f64::INFINITY));
    assert_eq!(relent::kl_bits(&p3, &q3), Ok(f64::INFINITY));
}

/// Fuzzer (`checked_single`): KL of logits with huge logits or a tiny temperature came back
/// as `Ok(+∞)` where the exact value is finite (1e306–1e308): relent-simd's streaming sum
/// W = Σ e^α·(α − β) overflows although each shifted logit α = (a − max a)/t,
/// β = (b − max b)/t is finite and KL = W/Sa + ln(Sb/Sa) is not beyond `f64::MAX`. Now only
/// a logit that *is* −∞ (masked) in b where a is not makes +∞ without the exact reference.
#[test]
fn kl_logits_whose_streaming_sum_overflows_is_finite() {
    let eps = bounds::HIGH;
    let ln2 = std::f64::consts::LN_2;
    // softmax(a/t) = [⅓, ⅓, ⅓]; b/t = [0, −1e308, −1e308]:
    // KL = ⅓·ln ⅓ + 2·⅓·(ln ⅓ + 1e308) = ln ⅓ + ⅔·1e308 (ln ⅓ is below its ulp).
    let (a, b) = ([0.0f64; 3], [0.0f64, -1.0, -1.0]);
    let want = 2.0 / 3.0 * 1e308;
    let v = relent::kl_logits(&a, &b, 1e-308).unwrap();
    assert!(close(v, want, eps), "{v:e} vs {want:e}");
    let bits = relent::kl_logits_bits(&a, &b, 1e-308).unwrap();
    assert!(close(bits, want / ln2, eps + 2f64.powi(-53)), "{bits:e}");
    assert_eq!(
        relent::unchecked::kl_logits(&a, &b, 1e-308).to_bits(),
        v.to_bits()
    );
    let d = relent::batch::Divergence::KlLogits {
        temperature: 1e-308,
    };
    assert_eq!(
        relent::batch::pair(d, &a, &b).map(f64::to_bits),
        Ok(v.to_bits())
    );
    // Huge logits at t = 1: β = [0, −MAX, −MAX], KL = ln ⅓ + ⅔·MAX (0.96·MAX in bits).
    let m = f64::MAX;
    let (a, b) = ([m; 3], [m, 0.0, 0.0]);
    let want = 2.0 / 3.0 * m;
    let v = relent::kl_logits(&a, &b, 1.0).unwrap();
    assert!(close(v, want, eps), "{v:e} vs {want:e}");
    let bits = relent::kl_logits_bits(&a, &b, 1.0).unwrap();
    assert!(close(bits, want / ln2, eps + 2f64.powi(-53)), "{bits:e}");
    // Three such entries against one: KL = ln ¼ + ¾·MAX, in bits 1.08·MAX: +∞.
    assert_eq!(
        relent::kl_logits_bits(&[m; 4], &[m, 0.0, 0.0, 0.0], 1.0),
        Ok(f64::INFINITY)
    );
    // f32 logits, a tiny temperature: ⅔·3e38/1e-270 = 2e308 > MAX: +∞ is the rounding.
    let (a, b) = ([0.0f32; 3], [0.0f32, -3e38, -3e38]);
    assert_eq!(relent::kl_logits(&a, &b, 1e-270), Ok(f64::INFINITY));
    // ... and at 1e-269 it is finite, ⅔·3e38/1e-269 ≈ 2e307.
    let want = 2.0 / 3.0 * (3e38f32 as f64 / 1e-269);
    let v = relent::kl_logits(&a, &b, 1e-269).unwrap();
    assert!(close(v, want, eps), "{v:e} vs {want:e}");
    // A masked logit in b against an unmasked one in a stays +∞.
    let v = relent::kl_logits(&[0.0f64; 3], &[0.0, -1.0, f64::NEG_INFINITY], 1e-308);
    assert_eq!(v, Ok(f64::INFINITY));
    // All-masked rows are still refused.
    assert!(matches!(
        relent::kl_logits(&[0.0f64, 0.0], &[f64::NEG_INFINITY; 2], 0.5),
        Err(relent::Error::ZeroTotal { arg: "logits_b" })
    ));
}

/// Fuzzer (`checked_single`): the Jensen–Shannon distance of inputs near `f64::MAX` came back
/// as `Ok(+∞)` (≈ 1.9e154 in bits): JS itself (or JS in bits) exceeds `f64::MAX`, and the
/// square root was taken of that overflowed value. √JS is finite; it is now taken from the
/// exact reference's double-double JS when JS (or JS / ln 2) overflows.
#[test]
fn js_distance_of_a_divergence_beyond_f64_max_is_finite() {
    let eps = bounds::HIGH;
    let (m, ln2) = (f64::MAX, std::f64::consts::LN_2);
    // q = 0: JS = ½·Σp·ln 2 exactly.
    let (p, q) = ([m; 4], [0.0f64; 4]);
    assert_eq!(relent::js_divergence(&p, &q), Ok(f64::INFINITY)); // 2·MAX·ln 2 > MAX
    let d = relent::js_distance(&p, &q).unwrap();
    let want = (2.0 * ln2).sqrt() * m.sqrt();
    assert!(close(d, want, eps), "{d:e} vs {want:e}");
    let d = relent::js_distance_bits(&p, &q).unwrap();
    let want = 2f64.sqrt() * m.sqrt(); // √(2·MAX) ≈ 1.9e154
    assert!(close(d, want, eps + 2f64.powi(-53)), "{d:e} vs {want:e}");
    assert_eq!(
        relent::unchecked::js_distance_bits(&p, &q).to_bits(),
        d.to_bits()
    );
    let nats = relent::js_distance(&p, &q).unwrap();
    use relent::batch::{Divergence, pair};
    assert_eq!(
        pair(Divergence::JsDistance, &p, &q).map(f64::to_bits),
        Ok(nats.to_bits())
    );
    // JS finite (1.25·MAX·ln 2 ≈ 0.87·MAX), in bits beyond MAX (1.25·MAX): the intermediate
    // JS / ln 2 overflowed.
    let p = [m, m, m / 2.0];
    let q = [0.0f64; 3];
    let js = relent::js_divergence(&p, &q).unwrap();
    assert!(close(js, 1.25 * ln2 * m, eps), "{js:e}");
    assert_eq!(relent::js_divergence_bits(&p, &q), Ok(f64::INFINITY));
    let d = relent::js_distance_bits(&p, &q).unwrap();
    let want = 1.25f64.sqrt() * m.sqrt();
    assert!(close(d, want, eps + 2f64.powi(-53)), "{d:e} vs {want:e}");
    let d = relent::js_distance(&p, &q).unwrap();
    let want = (1.25 * ln2).sqrt() * m.sqrt();
    assert!(close(d, want, eps), "{d:e} vs {want:e}");
}

/// Fuzzer (`checked_single`, with the fixes above): JS in bits of inputs whose exact value is
/// exactly `f64::MAX` bits (two entries of `f64::MAX` against zeros: ½·2·MAX·ln 2 nats) came
/// back as `Ok(+∞)`: the nats value, within its bound of MAX·ln 2, was divided by ln 2 and
/// rounded past `f64::MAX`. Where a finite nats value overflows in bits, the `_bits` twins now
/// take the exact reference's bits value.
#[test]
fn bits_of_a_value_at_f64_max_is_not_infinite() {
    let m = f64::MAX;
    // Each entry with MAX on one side and 0 on the other adds ½·MAX·ln 2 nats = ½·MAX bits:
    // two of them make exactly MAX bits.
    let (p2, q2) = ([m, 0.0, 0.5], [0.0f64, m, 0.5]);
    assert_eq!(relent::js_divergence_bits(&p2, &q2), Ok(m));
    assert_eq!(relent::unchecked::js_divergence_bits(&p2, &q2), m);
    assert_eq!(relent::precise::js_divergence_bits(&p2, &q2), Ok(m));
    // Three such entries: 1.5·MAX bits, +∞.
    let (p3, q3) = ([m, m, 0.0, 0.5], [0.0f64, 0.0, m, 0.5]);
    assert_eq!(relent::js_divergence_bits(&p3, &q3), Ok(f64::INFINITY));
}

/// Fuzzer (device run, session 3): `kl_logits` of huge logits against small ones at a
/// subnormal temperature returned 0 — `(x − y) − (ma − mb)` absorbed y — where the KL is
/// ≈ 1.48e308 nats (+∞ in bits: beyond `f64::MAX`).
#[test]
#[cfg(feature = "half")]
fn kl_logits_huge_against_small_at_tiny_temperature() {
    use half::bf16;
    let a = [
        bf16::from_f64(8.43229009826056e36),
        bf16::from_f64(-2.125),
        bf16::from_f64(-11.375),
    ];
    let b = [
        bf16::from_f64(-0.625),
        bf16::from_f64(0.0),
        bf16::from_f64(-8.75),
    ];
    let t = 4.215471958499966e-309;
    let want = relent_scalar::kl_logits(&a, &b, t);
    assert!(want > 1e308, "reference {want:e}");
    let got = relent::kl_logits(&a, &b, t).unwrap();
    assert!(
        (got - want).abs() <= bounds::DEFAULT_NARROW * want,
        "{got:e} vs {want:e}"
    );
    assert_eq!(relent::kl_logits_bits(&a, &b, t).unwrap(), f64::INFINITY);
}

/// Fuzzer (device run, session 3): the Gaussian KL lost its mean term where (μp − μq)²
/// underflows although (μp − μq)²/σq² is normal, and was off by 2e-10 relative where a
/// subnormal variance made g's intermediates subnormal.
#[test]
fn gaussian_kl_with_intermediate_underflow() {
    let (mp, vp) = ([1e-300, 1e-300, -4.6313527468071996e-282], [1e-300; 3]);
    let (mq, vq) = ([1e-300; 3], [1e-300; 3]);
    let want = relent_scalar::gaussian::kl_diag(&mp, &vp, &mq, &vq);
    assert!(want > 1e-263, "reference {want:e}");
    let got = relent::gaussian::kl_diag(&mp, &vp, &mq, &vq).unwrap();
    assert!(
        (got - want).abs() <= bounds::HIGH * want,
        "{got:e} vs {want:e}"
    );

    let mp = [6.3797317671644824e-304, -8.0];
    let vp = [0.03125, 8.9644738e-315];
    let mq = [-8.0, -8.0];
    let vq = [0.03125, 5e-324];
    let want = relent_scalar::gaussian::kl_diag(&mp, &vp, &mq, &vq);
    let got = relent::gaussian::kl_diag(&mp, &vp, &mq, &vq).unwrap();
    assert!(
        (got - want).abs() <= bounds::HIGH * want,
        "{got:e} vs {want:e}"
    );
}

/// `kl_logits`' documented scale S = Σ p·|ln p − ln q| + |lse(a/t)| + |lse(b/t)| (p, q the
/// softmaxes), with each log-sum-exp as m/t + ln_1p(Σ of the other e^α) so that a peaked
/// row's tiny lse is not rounded to 0 (which would make the check stricter than documented).
fn logits_scale(a: &[f64], b: &[f64], t: f64) -> f64 {
    let lse = |x: &[f64]| -> (f64, f64, Vec<f64>) {
        let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let al: Vec<f64> = x.iter().map(|v| (v - m) / t).collect();
        let top = al.iter().position(|&v| v == 0.0).unwrap();
        let rest: f64 = (al.iter().enumerate())
            .filter(|&(i, _)| i != top)
            .map(|(_, v)| v.exp())
            .sum();
        (m / t + rest.ln_1p(), rest.ln_1p(), al)
    };
    let (la, sa, al) = lse(a);
    let (lb, sb, be) = lse(b);
    let terms: f64 = (al.iter().zip(&be))
        .filter(|(x, _)| **x != f64::NEG_INFINITY)
        .map(|(x, y)| (x - sa).exp() * ((x - sa) - (y - sb)).abs())
        .sum();
    terms + la.abs() + lb.abs()
}

/// `kl_logits` of `a`, `b` at `t` on every backend and through the checked API (nats and
/// bits) is within 2^-49·S of the reference.
fn assert_logits_within_bound(a: &[f64], b: &[f64], t: f64) {
    let s = logits_scale(a, b, t);
    let want = relent_scalar::kl_logits(a, b, t);
    let bound = bounds::HIGH * s;
    let check = |what: &str, got: f64| {
        assert!(
            (got - want).abs() <= bound,
            "{what}: {got:e} vs {want:e}, error {:.2} × 2^-49·S (S = {s:e})",
            (got - want).abs() / bound
        );
    };
    for bk in relent_simd::available_backends() {
        let k = relent_simd::for_backend(bk).unwrap();
        check(
            bk.name(),
            k.kl_logits(a, b, t, relent_simd::Precision::Default).value,
        );
    }
    check("relent::kl_logits", relent::kl_logits(a, b, t).unwrap());
    let bits = relent::kl_logits_bits(a, b, t).unwrap();
    let want_bits = relent_scalar::kl_logits_bits(a, b, t);
    let ln2 = std::f64::consts::LN_2;
    assert!(
        (bits - want_bits).abs() <= bound / ln2,
        "kl_logits_bits: {bits:e} vs {want_bits:e}"
    );
}

/// `kl_logits` of two peaked rows: each row's dominant e^0 = 1 absorbed, in its lane's sum,
/// the small terms that ln(Sb/Sa) is made of (Sb − Sa came from the two rounded sums), so a
/// tail sharing a lane with the maximum was lost: [0, −650] against [0, −800] on the
/// one-lane backend was 0.7% off (error 2^-7 of S), [0, −∞ ×7, −40] against
/// [0, −∞ ×7, −40.5] on every backend 2^-2.7 of S. The kernel now sums D = Σ (e^α − e^β)
/// on its own.
#[test]
fn kl_logits_of_peaked_rows_keeps_the_tail() {
    assert_logits_within_bound(&[0.0, -650.0], &[0.0, -800.0], 1.0);
    let ninf = f64::NEG_INFINITY;
    for (x, y) in [(-40.0, -40.5), (-40.0, -80.0), (-650.0, -800.0)] {
        let mut a = vec![ninf; 9];
        let mut b = vec![ninf; 9];
        (a[0], a[8], b[0], b[8]) = (0.0, x, 0.0, y);
        assert_logits_within_bound(&a, &b, 1.0);
    }
    // Across chunks (relent_simd::CHUNK = 4096), with the maxima in different chunks.
    let mut a = vec![-60.0f64; 10_000];
    let mut b = vec![-60.0f64; 10_000];
    (a[5000], a[9000], b[5000], b[9000]) = (0.0, -40.0, 0.0, -40.5);
    assert_logits_within_bound(&a, &b, 1.0);
    (b[5000], b[50]) = (-60.0, 0.0);
    assert_logits_within_bound(&a, &b, 1.0);
    // A uniform row against a peaked one: Sb/Sa ≈ 1e-6, where 1 − D/Sa would round off the
    // ratio's low bits.
    let a = vec![0.0f64; 1_000_000];
    let mut b = vec![-1000.0f64; 1_000_000];
    b[0] = 0.0;
    assert_logits_within_bound(&a, &b, 1.0);
    assert_logits_within_bound(&b, &a, 1.0);
}

/// Fuzzer (`checked_single`, `fuzz/corpus/checked_single/kl-logits-f64-huge-scaled-logits-a`
/// and `-b`): `kl_logits(_bits)` of `f64` logits was off by 2^-46.9 and 2^-45.6 of S (2^-49
/// documented). The shifted logit α = fl(fl(x − m)/t) is off by up to |α|·2^-53, so e^α is
/// off by that much relative — here α ≈ −375 and −271, with weights e^α multiplied by
/// ln q ≈ −1e297 and −1.6e306, terms that make up S. The same happened with ordinary logits
/// whose peaked rows put S in their tails ([0, −4] against [0, −8] at t = 0.1: 2^-48.7). The
/// kernel now recovers the rounding (TwoSum and the division's remainder) for `f64` inputs
/// and `Precision::High`.
#[test]
fn kl_logits_of_rounded_shifted_logits_within_bound() {
    // -a: kl_logits_bits, t = 0.001.
    let mut a = vec![0.0f64; 49];
    a[..11].copy_from_slice(&[
        -0.375,
        0.0,
        -7.375,
        0.0,
        -0.0,
        -7.625,
        -5.375,
        -6.625,
        -15.25,
        -4.75,
        -1.565008398418351e-209,
    ]);
    a[44..48].copy_from_slice(&[-745.0; 4]);
    a[48] = -1.1575873795301373e294;
    let mut b = vec![-14.875f64; 49];
    b[..9].copy_from_slice(&[
        -1.157117770045541e294,
        6.604898770656971e-304,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        -12.0,
    ]);
    assert_logits_within_bound(&a, &b, 0.001);
    // -b: kl_logits, t = 2.6870679498266252e-306.
    let a = [0.0, -0.375, 0.0, 0.0, -8.125, 7.2903641020126465e-304, 0.0];
    let b = [-4.375, -4.125, 0.0, 0.0, 0.0, 0.0, 0.0];
    assert_logits_within_bound(&a, &b, 2.6870679498266252e-306);
    // Ordinary logits, peaked rows.
    assert_logits_within_bound(&[0.0, -4.0], &[0.0, -8.0], 0.1);
    assert_logits_within_bound(&[0.0, -7.3], &[0.0, -4e16], 0.1);
    assert_logits_within_bound(&[0.0, -0.7], &[0.0, -4e60], 0.001);
    // The f32 path at Precision::High takes the same correction.
    let (x, y) = ([0.0f32, -0.7], [0.0f32, -4e30]);
    let (xf, yf) = (x.map(f64::from), y.map(f64::from));
    let want = relent_scalar::kl_logits(&x, &y, 0.001);
    let got = relent::precise::kl_logits(&x, &y, 0.001).unwrap();
    let bound = bounds::HIGH * logits_scale(&xf, &yf, 0.001);
    assert!((got - want).abs() <= bound, "{got:e} vs {want:e}");
}

/// Fuzzer (session 4): normalised KL of totals 5 % apart lost 2^-45 of its value: `φ(t) =
/// t − ln(1 + t)` took `ln` of the rounded quotient of the totals (2^-53 absolute, undamped)
/// for |t| ≥ 0.05; it now takes `ln_1p(t)` there (down to t = −1/2). Checked against the
/// documented scale S = Σg/Σp + KLn + |ln(Σq/Σp)| on every backend.
#[test]
fn kl_normalized_of_totals_five_percent_apart_within_bound() {
    let p = [
        0.787_401_574_803_149_7f64,
        0.598_425_196_850_393_7,
        0.779_527_559_055_118_1,
        0.606_299_212_598_425_2,
        0.645_669_291_338_582_6,
    ];
    let q = [0.645_669_291_338_582_6f64; 5];
    let want = relent_scalar::kl_normalized(&p, &q);
    let (sp, sq): (f64, f64) = (p.iter().sum(), q.iter().sum());
    let g = relent_scalar::generalized_kl(&p, &q);
    let scale = g / sp + want + (sq / sp).ln().abs();
    for b in relent_simd::available_backends() {
        let k = relent_simd::for_backend(b).expect("available");
        let got = k
            .kl_normalized(&p, &q, relent_simd::Precision::Default)
            .value;
        assert!(
            (got - want).abs() <= bounds::HIGH * scale,
            "{b}: {got:e} vs {want:e} (error 2^{:.1} of S)",
            ((got - want).abs() / scale).log2()
        );
    }
    let got = relent::kl_normalized(&p, &q).unwrap();
    assert!((got - want).abs() <= bounds::HIGH * scale);
    let got = relent::kl_normalized_bits(&p, &q).unwrap();
    let want_bits = relent_scalar::kl_normalized_bits(&p, &q);
    assert!((got - want_bits).abs() <= bounds::HIGH * scale / std::f64::consts::LN_2);
}

/// Fuzzer (session 4): Jeffreys of `f32` `−0.0` against `1.0` came out finite (20.9 instead of
/// +∞) on the `f32`-lane path, whose zero test used `mp + mq` (−1 + 1 for `−0.0` against a
/// power of two); it tests `p + q` again.
#[test]
fn jeffreys_of_negative_zero_against_a_power_of_two_is_infinite() {
    let mut p = vec![1.0f32; 19];
    p[0] = -0.0;
    p[3] = 0.25;
    let q = vec![1.0f32; 19];
    assert_eq!(relent::jeffreys(&p, &q), Ok(f64::INFINITY));
    assert_eq!(relent::jeffreys(&q, &p), Ok(f64::INFINITY));
    assert_eq!(relent::jeffreys_bits(&p, &q), Ok(f64::INFINITY));
    let (p64, q64): (Vec<f64>, Vec<f64>) = (
        p.iter().map(|&x| f64::from(x)).collect(),
        q.iter().map(|&x| f64::from(x)).collect(),
    );
    assert_eq!(relent::jeffreys(&p64, &q64), Ok(f64::INFINITY));
}

/// Fuzzer (session 4): `kl_logits` of `f64` logits at a subnormal temperature (1e-308) missed
/// the bound (2^-46.8 of S): the shifted logits' rounding was not recovered there (the
/// division's remainder is exact for normal divisors only); it is now, in units 2^54 larger.
#[test]
fn kl_logits_at_a_subnormal_temperature_within_bound() {
    let a = [
        0.0,
        -2.125,
        -5.487_458_202_157_236e303,
        1.527_565_515_358_906_4e-306,
        0.0,
        0.0,
        -1.0,
    ];
    let b = [-1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
    let t = 1.000_000_001_036_130_7e-308;
    assert_logits_within_bound(&a, &b, t);
}
