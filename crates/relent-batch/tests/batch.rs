//! Batch operations: shapes and errors, equality with the single-pair kernel, determinism
//! across thread pools, top-k order and ties, progress.
#![allow(clippy::needless_range_loop)]

mod common;

use common::*;
use relent_batch::{
    Divergence, Error, InvalidKind, MatRef, Method, Neighbor, Operand, Options, all_pairs,
    long_pair, one_vs_many, one_vs_many_into, pair, row_paired, row_paired_into, top_k, top_k_rows,
};
use relent_scalar::Element;
use relent_simd::bounds;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

#[test]
fn view_errors() {
    let d = [0.5f32; 10];
    assert_eq!(
        MatRef::new(&d, 3, 4).unwrap_err(),
        Error::DataTooShort {
            needed: 12,
            len: 10
        }
    );
    assert_eq!(MatRef::new(&d, 2, 0).unwrap_err(), Error::ZeroColumns);
    assert_eq!(
        MatRef::with_stride(&d, 2, 3, 2).unwrap_err(),
        Error::StrideTooSmall { stride: 2, cols: 3 }
    );
    // The last row needs no padding: (3 − 1)·4 + 2 = 10.
    let m = MatRef::with_stride(&d, 3, 2, 4).unwrap();
    assert_eq!(m.row(2).len(), 2);
    assert_eq!(
        MatRef::with_stride(&d, 3, 3, 4).unwrap_err(),
        Error::DataTooShort {
            needed: 11,
            len: 10
        }
    );
    assert_eq!(
        MatRef::with_stride(&d, usize::MAX, 2, 4).unwrap_err(),
        Error::DataTooShort {
            needed: usize::MAX,
            len: 10
        }
    );
    assert_eq!(MatRef::new(&d[..0], 0, 3).unwrap().rows(), 0);
    assert!(MatRef::<f32>::from_row(&[]).is_err());
}

#[test]
fn shape_errors() {
    let a = [0.25f64; 8];
    let (p24, p42, p22) = (
        MatRef::new(&a, 2, 4).unwrap(),
        MatRef::new(&a, 4, 2).unwrap(),
        MatRef::new(&a, 2, 2).unwrap(),
    );
    let o = Options::serial();
    assert_eq!(
        row_paired(Divergence::Kl, p24, p42, &o).unwrap_err(),
        Error::RowMismatch {
            p_rows: 2,
            q_rows: 4
        }
    );
    assert_eq!(
        row_paired(Divergence::Kl, p24, p22, &o).unwrap_err(),
        Error::ColumnMismatch {
            p_cols: 4,
            q_cols: 2
        }
    );
    let mut out = [0.0; 3];
    assert_eq!(
        row_paired_into(Divergence::Kl, p24, p24, &mut out, &o).unwrap_err(),
        Error::OutputLength { needed: 2, len: 3 }
    );
    assert_eq!(
        one_vs_many(Divergence::Kl, &a[..3], p24, &o).unwrap_err(),
        Error::ColumnMismatch {
            p_cols: 3,
            q_cols: 4
        }
    );
    assert_eq!(
        one_vs_many_into(Divergence::Kl, &a[..4], p24, &mut out, &o).unwrap_err(),
        Error::OutputLength { needed: 2, len: 3 }
    );
    assert_eq!(
        all_pairs(Divergence::Kl, p24, p42, Method::Exact, &o).unwrap_err(),
        Error::ColumnMismatch {
            p_cols: 4,
            q_cols: 2
        }
    );
    assert_eq!(
        top_k(Divergence::Kl, &a[..2], p24, 1, Method::Exact, &o).unwrap_err(),
        Error::ColumnMismatch {
            p_cols: 2,
            q_cols: 4
        }
    );
    assert_eq!(
        long_pair(Divergence::Kl, &a[..2], &a[..3], &o).unwrap_err(),
        Error::ColumnMismatch {
            p_cols: 2,
            q_cols: 3
        }
    );
    assert_eq!(
        long_pair::<f64>(Divergence::Kl, &[], &[], &o).unwrap_err(),
        Error::Empty
    );
    assert_eq!(
        pair::<f64>(Divergence::Kl, &[], &[]).unwrap_err(),
        Error::Empty
    );
    for t in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let div = Divergence::KlLogits { temperature: t };
        assert!(matches!(
            row_paired(div, p24, p24, &o).unwrap_err(),
            Error::InvalidParameter {
                name: "temperature",
                ..
            }
        ));
    }
    for div in [
        Divergence::Jeffreys,
        Divergence::JsDivergence,
        Divergence::KlLog,
    ] {
        assert_eq!(
            all_pairs(div, p24, p24, Method::Gemm, &o).unwrap_err(),
            Error::Unsupported {
                divergence: div,
                method: Method::Gemm
            }
        );
        assert!(all_pairs(div, p24, p24, Method::Auto, &o).is_ok());
    }
    // Zero rows: empty results.
    let e = MatRef::new(&a[..0], 0, 4).unwrap();
    assert!(row_paired(Divergence::Kl, e, e, &o).unwrap().is_empty());
    assert_eq!(
        all_pairs(Divergence::Kl, p24, e, Method::Gemm, &o)
            .unwrap()
            .cols(),
        0
    );
    assert!(
        top_k(Divergence::Kl, &a[..4], p24, 0, Method::Exact, &o)
            .unwrap()
            .is_empty()
    );
}

fn invalid_at(operand: Operand, row: usize, col: usize, value: f64, kind: InvalidKind) -> Error {
    Error::InvalidElement {
        operand,
        row,
        col,
        value,
        kind,
    }
}

#[test]
fn invalid_elements_are_located() {
    let mut rng = Rng::new(7);
    let (n, d) = (5, 37);
    let good: Vec<f32> = prob_matrix(&mut rng, n, d, 0.1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    for opts in [Options::serial(), Options::pool(&pool)] {
        for (val, kind) in [
            (-0.5f32, InvalidKind::Negative),
            (f32::NAN, InvalidKind::NaN),
            (f32::INFINITY, InvalidKind::Infinite),
            (f32::NEG_INFINITY, InvalidKind::Infinite),
        ] {
            let mut p = good.clone();
            let mut q = good.clone();
            q[3 * d + 20] = val; // Q first in memory order of rows, but P is reported first:
            p[4 * d + 2] = val;
            let (pm, qm) = (
                MatRef::new(&p, n, d).unwrap(),
                MatRef::new(&q, n, d).unwrap(),
            );
            let check = |e: Error, op, row, col| match e {
                Error::InvalidElement {
                    operand,
                    row: r,
                    col: c,
                    kind: k,
                    value,
                } => {
                    assert_eq!((operand, r, c, k), (op, row, col, kind));
                    assert!(value.is_nan() && kind == InvalidKind::NaN || value == f64::from(val));
                }
                e => panic!("unexpected {e:?}"),
            };
            for div in [
                Divergence::Kl,
                Divergence::JsDivergence,
                Divergence::Jeffreys,
            ] {
                check(
                    row_paired(div, pm, qm, &opts).unwrap_err(),
                    Operand::P,
                    4,
                    2,
                );
                for m in [Method::Exact, Method::Auto] {
                    check(
                        all_pairs(div, pm, qm, m, &opts).unwrap_err(),
                        Operand::P,
                        4,
                        2,
                    );
                    check(
                        top_k_rows(div, pm, qm, 2, m, &opts).unwrap_err(),
                        Operand::P,
                        4,
                        2,
                    );
                }
                check(
                    one_vs_many(div, &good[..d], qm, &opts).unwrap_err(),
                    Operand::Q,
                    3,
                    20,
                );
                check(
                    top_k(div, &good[..d], qm, 2, Method::Auto, &opts).unwrap_err(),
                    Operand::Q,
                    3,
                    20,
                );
                check(
                    one_vs_many(div, &p[4 * d..], qm, &opts).unwrap_err(),
                    Operand::P,
                    0,
                    2,
                );
                check(
                    long_pair(div, &good[..d], &q[3 * d..4 * d], &opts).unwrap_err(),
                    Operand::Q,
                    0,
                    20,
                );
                check(
                    pair(div, &good[..d], &q[3 * d..4 * d]).unwrap_err(),
                    Operand::Q,
                    0,
                    20,
                );
            }
        }
    }
    // Log domain: −∞ is masked (valid), NaN and +∞ are not.
    let mut lp: Vec<f64> = log_probs(&mut rng, 16);
    let lq: Vec<f64> = log_probs(&mut rng, 16);
    lp[3] = f64::NEG_INFINITY;
    for div in [Divergence::KlLog, Divergence::KlLogits { temperature: 2.0 }] {
        assert!(
            pair(div, &lp, &lq).unwrap().is_finite()
                || pair(div, &lp, &lq).unwrap() == f64::INFINITY
        );
        let mut bad = lp.clone();
        bad[5] = f64::INFINITY;
        assert_eq!(
            pair(div, &bad, &lq).unwrap_err(),
            invalid_at(Operand::P, 0, 5, f64::INFINITY, InvalidKind::Infinite)
        );
        bad[5] = f64::NAN;
        assert!(matches!(
            pair(div, &lq, &bad).unwrap_err(),
            Error::InvalidElement {
                operand: Operand::Q,
                col: 5,
                kind: InvalidKind::NaN,
                ..
            }
        ));
    }
}

/// Every operation equals `pair` on each pair, bit for bit, for every divergence.
fn check_equal_to_pair<T: Element>(seed: u64) {
    let mut rng = Rng::new(seed);
    for div in all_divergences() {
        for &(n, m, d) in &[(3, 4, 1), (7, 5, 33), (4, 9, 130), (2, 3, 8192 + 17)] {
            let p: Vec<T> = input_for(&mut rng, div, n, d, 0.15);
            let q: Vec<T> = input_for(&mut rng, div, m.max(n), d, 0.15);
            let pm = MatRef::new(&p, n, d).unwrap();
            let qm = MatRef::new(&q, m.max(n), d).unwrap();
            let qn = qm.slice_rows(0..n);
            let o = Options::new();
            let rp = row_paired(div, pm, qn, &o).unwrap();
            for i in 0..n {
                assert_eq!(
                    rp[i].to_bits(),
                    pair(div, pm.row(i), qn.row(i)).unwrap().to_bits(),
                    "{div:?} row {i}"
                );
                assert_eq!(
                    rp[i].to_bits(),
                    long_pair(div, pm.row(i), qn.row(i), &o).unwrap().to_bits()
                );
            }
            let ap = all_pairs(div, pm, qm, Method::Exact, &o).unwrap();
            for i in 0..n {
                let ovm = one_vs_many(div, pm.row(i), qm, &o).unwrap();
                for j in 0..qm.rows() {
                    let v = pair(div, pm.row(i), qm.row(j)).unwrap();
                    assert_eq!(ap[(i, j)].to_bits(), v.to_bits());
                    assert_eq!(ovm[j].to_bits(), v.to_bits());
                }
            }
        }
    }
}

/// `Options::with_precision(High)`: every operation equals relent-simd's single-pair kernel at
/// `Precision::High` bit for bit (and `Default` equals `Default`), on f32 rows long enough to
/// cross chunk boundaries (the f32 fast path and its f64 fallback both run per chunk).
#[test]
fn precision_option_reaches_the_kernel() {
    use relent_batch::Precision;
    let mut rng = Rng::new(21);
    let (n, d) = (3, 2 * relent_simd::CHUNK + 5);
    let mut p: Vec<f32> = input_for(&mut rng, Divergence::Kl, n, d, 0.15);
    let q: Vec<f32> = input_for(&mut rng, Divergence::Kl, n, d, 0.15);
    p[d + 7] = 0.0; // row 1: a zero in its first chunk
    let pm = MatRef::new(&p, n, d).unwrap();
    let qm = MatRef::new(&q, n, d).unwrap();
    for prec in [Precision::Default, Precision::High] {
        let o = Options::new().with_precision(prec);
        let rp = row_paired(Divergence::Kl, pm, qm, &o).unwrap();
        let ap = all_pairs(Divergence::Kl, pm, qm, Method::Exact, &o).unwrap();
        for i in 0..n {
            let want = relent_simd::kl(pm.row(i), qm.row(i), prec).value;
            assert_eq!(rp[i].to_bits(), want.to_bits(), "{prec:?} row {i}");
            let lp = long_pair(Divergence::Kl, pm.row(i), qm.row(i), &o).unwrap();
            assert_eq!(lp.to_bits(), want.to_bits(), "{prec:?} long_pair {i}");
            let ovm = one_vs_many(Divergence::Kl, pm.row(i), qm, &o).unwrap();
            for j in 0..n {
                let want = relent_simd::kl(pm.row(i), qm.row(j), prec).value;
                assert_eq!(ovm[j].to_bits(), want.to_bits());
                assert_eq!(ap[(i, j)].to_bits(), want.to_bits());
            }
        }
    }
}

#[test]
fn equal_to_pair_f32() {
    check_equal_to_pair::<f32>(11);
}

#[test]
fn equal_to_pair_f64() {
    check_equal_to_pair::<f64>(12);
}

#[cfg(feature = "half")]
#[test]
fn equal_to_pair_half() {
    check_equal_to_pair::<half::f16>(13);
    check_equal_to_pair::<half::bf16>(14);
}

/// The kernel is relent-simd's (bit for bit, also across chunks) and agrees with the exact
/// reference within relent-simd's documented bounds (Precision::Default): KL error
/// ≤ ε·(Σg + |KL|) + 2^-90·Σ(p + q), g = p·ln(p/q) − p + q (Σg is the generalised KL), ε = 2^-49
/// for f64 and 2^-21 for f32; JS, cross-entropy ≤ ε relative; kl_logits ≤ ε·(Σ pa·|la − lb| +
/// |lse a| + |lse b|). The reference (double-double) adds ≤ 2u relative.
#[test]
fn kernel_matches_reference() {
    use relent_simd::Precision::Default as Def;
    let u = f64::EPSILON / 2.0;
    let mut rng = Rng::new(21);
    for &d in &[1usize, 5, 64, 1000, 4096, 8192 + 3] {
        let p: Vec<f64> = prob(&mut rng, d, 0.1);
        let q: Vec<f64> = prob(&mut rng, d, 0.05);
        let eps = bounds::HIGH;
        let x = pair(Divergence::Kl, &p, &q).unwrap();
        assert_eq!(x.to_bits(), relent_simd::kl(&p, &q, Def).value.to_bits());
        let y = relent_scalar::kl(&p, &q);
        let g = relent_scalar::generalized_kl(&p, &q);
        let mass: f64 = p.iter().chain(&q).sum();
        if y.is_infinite() {
            assert_eq!(x, y, "d={d}");
        } else {
            let tol = eps * (g + y.abs()) + bounds::UNDERFLOW * mass + 2.0 * u * y.abs();
            assert!((x - y).abs() <= tol, "d={d}: KL {x} vs {y} (tol {tol})");
        }
        let (x, y) = (
            pair(Divergence::JsDistance, &p, &q).unwrap(),
            relent_scalar::js_distance(&p, &q),
        );
        // √ halves the relative error of JS and adds one rounding.
        assert!((x - y).abs() <= (eps + 4.0 * u) * y, "d={d}: JS {x} vs {y}");
        let (x, y) = (
            pair(Divergence::CrossEntropy, &p, &q).unwrap(),
            relent_scalar::cross_entropy(&p, &q),
        );
        assert!(
            x == y || (x - y).abs() <= (eps + 2.0 * u) * y,
            "d={d}: CE {x} vs {y}"
        );
        let (a, b): (Vec<f64>, Vec<f64>) = (logits(&mut rng, d, false), logits(&mut rng, d, false));
        let (x, y) = (
            pair(Divergence::KlLogits { temperature: 1.5 }, &a, &b).unwrap(),
            relent_scalar::kl_logits(&a, &b, 1.5),
        );
        // mag = Σ(1 + |a/t| + |b/t|) ≥ max|a/t| + max|b/t| + 2·ln d, and Σ pa·|la − lb| + |lse a|
        // + |lse b| ≤ 2·(max|a/t| + max|b/t| + 2·ln d) (pa sums to 1, |lse x| ≤ max|x| + ln d).
        let mag: f64 = a
            .iter()
            .zip(&b)
            .map(|(&a, &b)| 1.0 + (a / 1.5).abs() + (b / 1.5).abs())
            .sum::<f64>();
        let tol = eps * 2.0 * mag + 2.0 * u * y.abs();
        assert!((x - y).abs() <= tol, "d={d}: logits {x} vs {y} (tol {tol})");
    }
    // Long f32 vectors (several chunks), Precision::Default: ε = 2^-21.
    let n = 3 * 8192 + 5;
    let p: Vec<f32> = prob(&mut rng, n, 0.1);
    let q: Vec<f32> = prob(&mut rng, n, 0.0);
    let x = pair(Divergence::Kl, &p, &q).unwrap();
    assert_eq!(x.to_bits(), relent_simd::kl(&p, &q, Def).value.to_bits());
    let y = relent_scalar::kl(&p, &q);
    let g = relent_scalar::generalized_kl(&p, &q);
    let mass: f64 = p.iter().chain(&q).map(|&v| f64::from(v)).sum();
    let tol = bounds::DEFAULT_NARROW * (g + y.abs()) + bounds::UNDERFLOW * mass + 2.0 * u * y.abs();
    assert!((x - y).abs() <= tol, "{x} vs {y} (tol {tol})");
}

/// The special values of the contract survive the batch layer.
#[test]
fn special_values() {
    let p = [0.5f64, 0.5, 0.0];
    let q = [0.5f64, 0.0, 0.5];
    let o = Options::serial();
    let pm = MatRef::new(&p, 1, 3).unwrap();
    let qm = MatRef::new(&q, 1, 3).unwrap();
    assert_eq!(
        row_paired(Divergence::Kl, pm, qm, &o).unwrap()[0],
        f64::INFINITY
    );
    assert_eq!(row_paired(Divergence::Kl, pm, pm, &o).unwrap()[0], 0.0);
    let js = row_paired(Divergence::JsDivergence, pm, qm, &o).unwrap()[0];
    assert!(js > 0.0 && js <= std::f64::consts::LN_2);
    let a = [1.0f32, f32::NEG_INFINITY, 0.0];
    let b = [1.0f32, f32::NEG_INFINITY, 0.0];
    assert_eq!(
        pair(Divergence::KlLogits { temperature: 1.0 }, &a, &b).unwrap(),
        0.0
    );
    let c = [f32::NEG_INFINITY, 3.0, 0.0];
    assert_eq!(
        pair(Divergence::KlLogits { temperature: 1.0 }, &a, &c).unwrap(),
        f64::INFINITY
    );
    assert!(
        pair(Divergence::KlLogits { temperature: 1.0 }, &c, &a)
            .unwrap()
            .is_infinite()
    );
}

#[test]
fn bit_identical_across_pools() {
    let pools = pools();
    let mut rng = Rng::new(31);
    for div in [
        Divergence::Kl,
        Divergence::JsDivergence,
        Divergence::KlLogits { temperature: 0.5 },
        Divergence::GeneralizedKl,
    ] {
        let (n, m, d) = (70, 45, 40); // two blocks of P on the GEMM path
        let p: Vec<f32> = input_for(&mut rng, div, n, d, 0.2);
        let q: Vec<f32> = input_for(&mut rng, div, m.max(n), d, 0.1);
        let pm = MatRef::new(&p, n, d).unwrap();
        let qm = MatRef::new(&q, m, d).unwrap();
        let qn = MatRef::new(&q, n, d).unwrap();
        let run = |o: &Options<'_>| {
            let mut v = row_paired(div, pm, qn, o).unwrap();
            v.extend(one_vs_many(div, pm.row(3), qm, o).unwrap());
            v.extend(all_pairs(div, pm, qm, Method::Exact, o).unwrap().into_vec());
            v.extend(all_pairs(div, pm, qm, Method::Auto, o).unwrap().into_vec());
            for nb in top_k_rows(div, pm, qm, 5, Method::Auto, o)
                .unwrap()
                .into_iter()
                .flatten()
            {
                v.extend([nb.index as f64, nb.value]);
            }
            bits(&v)
        };
        let serial = run(&Options::serial());
        for pool in &pools {
            assert_eq!(
                serial,
                run(&Options::pool(pool)),
                "{div:?} with {} threads",
                pool.current_num_threads()
            );
        }
        // Long pair, many chunks.
        let len = 10 * 8192 + 123;
        let a: Vec<f32> = input_for(&mut rng, div, 1, len, 0.1);
        let b: Vec<f32> = input_for(&mut rng, div, 1, len, 0.0);
        let s = long_pair(div, &a, &b, &Options::serial()).unwrap();
        assert_eq!(s.to_bits(), pair(div, &a, &b).unwrap().to_bits());
        for pool in &pools {
            assert_eq!(
                s.to_bits(),
                long_pair(div, &a, &b, &Options::pool(pool))
                    .unwrap()
                    .to_bits()
            );
        }
    }
}

/// Brute force: sort all (value, index) pairs.
fn brute_top_k(div: Divergence, p: &[f64], q: MatRef<'_, f64>, k: usize) -> Vec<Neighbor> {
    let mut all: Vec<Neighbor> = (0..q.rows())
        .map(|j| Neighbor {
            index: j,
            value: pair(div, p, q.row(j)).unwrap(),
        })
        .collect();
    all.sort_by(|a, b| {
        a.value
            .partial_cmp(&b.value)
            .unwrap()
            .then(a.index.cmp(&b.index))
    });
    all.truncate(k);
    all
}

#[test]
fn top_k_order_ties_and_methods_agree() {
    let mut rng = Rng::new(41);
    let (m, d) = (300, 40);
    let mut q: Vec<f64> = prob_matrix(&mut rng, m, d, 0.1);
    // Exact duplicates (ties broken by index) and near-duplicates far below the GEMM bound.
    let base = q[..d].to_vec();
    for j in [17, 5, 250, 99] {
        q[j * d..(j + 1) * d].copy_from_slice(&base);
    }
    for (t, j) in [120usize, 121, 122, 123].iter().enumerate() {
        let row: Vec<f64> = base
            .iter()
            .enumerate()
            .map(|(k, &x)| if k == t { x * (1.0 + 1e-13) } else { x })
            .collect();
        q[j * d..(j + 1) * d].copy_from_slice(&row);
    }
    let qm = MatRef::new(&q, m, d).unwrap();
    let mut queries = base.clone();
    queries.extend(prob::<f64>(&mut rng, d, 0.0));
    queries.extend(&q[121 * d..122 * d]);
    let pm = MatRef::new(&queries, 3, d).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    for div in [
        Divergence::Kl,
        Divergence::CrossEntropy,
        Divergence::GeneralizedKl,
        Divergence::JsDivergence,
    ] {
        for k in [1, 3, 8, 12, m, m + 5] {
            let exact = top_k_rows(div, pm, qm, k, Method::Exact, &Options::serial()).unwrap();
            let auto = top_k_rows(div, pm, qm, k, Method::Auto, &Options::pool(&pool)).unwrap();
            assert_eq!(exact, auto, "{div:?} k={k}");
            for i in 0..3 {
                assert_eq!(exact[i], brute_top_k(div, pm.row(i), qm, k));
                assert_eq!(
                    top_k(div, pm.row(i), qm, k, Method::Auto, &Options::new()).unwrap(),
                    exact[i]
                );
                assert_eq!(
                    top_k(div, pm.row(i), qm, k, Method::Exact, &Options::serial()).unwrap(),
                    exact[i]
                );
                assert_eq!(exact[i].len(), k.min(m));
                assert!(exact[i].windows(2).all(|w| w[0].value < w[1].value
                    || (w[0].value == w[1].value && w[0].index < w[1].index)));
            }
        }
    }
    // Query 0 equals row 0 and its exact duplicates 5, 17, 99, 250 (KL exactly 0, in index
    // order); the near-duplicates 120..=123 come within the kernel's rounding of 0.
    let nn = top_k(
        Divergence::Kl,
        pm.row(0),
        qm,
        9,
        Method::Gemm,
        &Options::new(),
    )
    .unwrap();
    let mut idx: Vec<usize> = nn.iter().map(|n| n.index).collect();
    let dups: Vec<usize> = idx
        .iter()
        .copied()
        .filter(|i| [0, 5, 17, 99, 250].contains(i))
        .collect();
    assert_eq!(dups, [0, 5, 17, 99, 250]);
    assert!(
        nn.iter()
            .filter(|n| [0, 5, 17, 99, 250].contains(&n.index))
            .all(|n| n.value == 0.0)
    );
    idx.sort_unstable();
    assert_eq!(idx, [0, 5, 17, 99, 120, 121, 122, 123, 250]);
}

#[test]
fn progress_reaches_total() {
    let mut rng = Rng::new(51);
    let (n, m, d) = (100, 40, 50);
    let p: Vec<f32> = prob_matrix(&mut rng, n, d, 0.1);
    let q: Vec<f32> = prob_matrix(&mut rng, n.max(m), d, 0.1);
    let pm = MatRef::new(&p, n, d).unwrap();
    let qm = MatRef::new(&q, m, d).unwrap();
    let qn = MatRef::new(&q, n, d).unwrap();
    let long_p: Vec<f32> = prob(&mut rng, 6 * 8192 + 1, 0.1);
    let long_q: Vec<f32> = prob(&mut rng, 6 * 8192 + 1, 0.0);
    // long_pair counts relent-simd's fixed chunks (one pass, also for KlLogits).
    let long_chunks = long_p.len().div_ceil(relent_simd::CHUNK);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    type Call<'a> = Box<dyn Fn(&Options<'_>) + 'a>;
    let calls: Vec<(usize, Call<'_>)> = vec![
        (
            n,
            Box::new(|o| drop(row_paired(Divergence::Kl, pm, qn, o).unwrap())),
        ),
        (
            m,
            Box::new(|o| drop(one_vs_many(Divergence::Kl, pm.row(0), qm, o).unwrap())),
        ),
        (
            n,
            Box::new(|o| drop(all_pairs(Divergence::Kl, pm, qm, Method::Exact, o).unwrap())),
        ),
        (
            n,
            Box::new(|o| drop(all_pairs(Divergence::Kl, pm, qm, Method::Gemm, o).unwrap())),
        ),
        (
            n,
            Box::new(|o| drop(top_k_rows(Divergence::Kl, pm, qm, 3, Method::Gemm, o).unwrap())),
        ),
        (
            n,
            Box::new(|o| drop(top_k_rows(Divergence::Kl, pm, qm, 3, Method::Exact, o).unwrap())),
        ),
        (
            long_chunks,
            Box::new(|o| {
                long_pair(Divergence::Kl, &long_p, &long_q, o).unwrap();
            }),
        ),
        (
            long_chunks,
            Box::new(|o| {
                long_pair(
                    Divergence::KlLogits { temperature: 1.0 },
                    &long_p,
                    &long_q,
                    o,
                )
                .unwrap();
            }),
        ),
    ];
    for (total, call) in &calls {
        for par in [false, true] {
            let seen = Mutex::new(Vec::new());
            let cb = |done: usize, t: usize| seen.lock().unwrap().push((done, t));
            let o = if par {
                Options::pool(&pool)
            } else {
                Options::serial()
            }
            .with_progress(&cb);
            call(&o);
            let seen = seen.into_inner().unwrap();
            assert!(!seen.is_empty());
            assert!(
                seen.iter().all(|&(d, t)| t == *total && d >= 1 && d <= t),
                "{seen:?}"
            );
            assert_eq!(seen.iter().filter(|&&(d, _)| d == *total).count(), 1);
            assert_eq!(seen.iter().map(|x| x.0).max(), Some(*total));
            if !par {
                assert!(seen.windows(2).all(|w| w[0].0 < w[1].0));
            }
        }
    }
    let count = AtomicUsize::new(0);
    let cb = |_: usize, _: usize| {
        count.fetch_add(1, Ordering::Relaxed);
    };
    drop(
        row_paired(
            Divergence::Kl,
            pm,
            qn,
            &Options::serial().with_progress(&cb),
        )
        .unwrap(),
    );
    assert!(count.load(Ordering::Relaxed) >= 1);
}

#[cfg(feature = "ndarray")]
#[test]
fn ndarray_conversions() {
    use ndarray::{Array2, Axis, Slice};
    let a = Array2::from_shape_fn((4, 6), |(i, j)| (1 + i + j) as f64 / 100.0);
    let m = MatRef::try_from(a.view()).unwrap();
    assert_eq!((m.rows(), m.cols()), (4, 6));
    assert_eq!(m.to_ndarray(), a.view());
    // Row-sliced views stay contiguous; column slices and transposes do not.
    assert_eq!(
        MatRef::try_from(a.slice_axis(Axis(0), Slice::from(1..3)))
            .unwrap()
            .row(0),
        a.row(1).as_slice().unwrap()
    );
    assert_eq!(
        MatRef::try_from(a.slice_axis(Axis(1), Slice::from(..2))).unwrap_err(),
        Error::NonStandardLayout
    );
    assert_eq!(
        MatRef::try_from(a.t()).unwrap_err(),
        Error::NonStandardLayout
    );
    let strided = MatRef::with_stride(a.as_slice().unwrap(), 2, 6, 12).unwrap();
    assert_eq!(
        strided.to_ndarray(),
        a.slice_axis(Axis(0), Slice::new(0, None, 2))
    );
    let r = all_pairs(Divergence::Kl, m, m, Method::Exact, &Options::serial()).unwrap();
    let arr = r.clone().into_ndarray();
    assert_eq!(arr[[2, 3]], r[(2, 3)]);
}

/// Many +∞ entries (p > 0 where q = 0): when k exceeds the number of finite values the
/// infinite ones follow, in index order, identically on both methods.
#[test]
fn top_k_with_infinities() {
    let mut rng = Rng::new(61);
    let (n, m, d) = (70, 200, 24);
    let p: Vec<f32> = prob_matrix(&mut rng, n, d, 0.0);
    let q: Vec<f32> = prob_matrix(&mut rng, m, d, 0.08);
    let pm = MatRef::new(&p, n, d).unwrap();
    let qm = MatRef::new(&q, m, d).unwrap();
    let finite = (0..m)
        .filter(|&j| qm.row(j).iter().all(|&x| x > 0.0))
        .count();
    assert!(finite > 0 && finite < 60, "{finite} finite rows");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    for div in [
        Divergence::Kl,
        Divergence::CrossEntropy,
        Divergence::GeneralizedKl,
    ] {
        for k in [1, finite, finite + 1, 50, m] {
            let exact = top_k_rows(div, pm, qm, k, Method::Exact, &Options::serial()).unwrap();
            let gemm = top_k_rows(div, pm, qm, k, Method::Gemm, &Options::pool(&pool)).unwrap();
            assert_eq!(exact, gemm, "{div:?} k={k}");
            for row in &exact {
                assert_eq!(
                    row.iter().filter(|nb| nb.value.is_finite()).count(),
                    k.min(finite)
                );
                let inf: Vec<usize> = row
                    .iter()
                    .filter(|nb| nb.value.is_infinite())
                    .map(|nb| nb.index)
                    .collect();
                assert!(inf.windows(2).all(|w| w[0] < w[1]));
            }
        }
    }
}
