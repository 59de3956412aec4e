//! The row transforms (`relent_batch::transform`): values against a reference with a tolerance
//! derived from the documented bound (printed), special values, typed errors, and the same bits
//! for one row, a matrix, any thread count and any row stride.
//!
//! u = 2^-53 throughout. References: a double-double sum (exact to a rounding) for
//! normalisation and softmax, and mpmath (50 digits, `mpmath.exp` of the exact `f64` inputs,
//! rounded to the nearest `f64`) for fixed cases of `exp` and softmax.

mod common;

use common::Rng;
use relent_batch::transform::{self, Transform};
use relent_batch::{Error, InvalidKind, MatRef, Operand, Options};

const U: f64 = f64::EPSILON / 2.0;

/// Σx in double-double (TwoSum per term), rounded once: within u of the exact sum (the low
/// part's own rounding errors are O(n·u²)).
fn dd_sum(xs: impl Iterator<Item = f64>) -> f64 {
    let (mut hi, mut lo) = (0.0f64, 0.0f64);
    for x in xs {
        let s = hi + x;
        let b = s - hi;
        lo += (hi - (s - b)) + (x - b);
        hi = s;
    }
    hi + lo
}

/// Asserts |got − want| ≤ rel·want for each element (both non-negative; 0 exactly).
fn assert_close(got: &[f64], want: &[f64], rel: impl Fn(usize) -> f64, what: &str) {
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        // A zero reference (underflow, masked) must be exactly 0.
        let tol = if w == 0.0 { 0.0 } else { rel(i) * w };
        assert!(
            (g - w).abs() <= tol,
            "{what}[{i}]: {g:e} vs reference {w:e}, error {:e} > tolerance {tol:e}",
            (g - w).abs()
        );
    }
}

/// Weights over many orders of magnitude, some zero.
fn weights(rng: &mut Rng, n: usize) -> Vec<f64> {
    (0..n)
        .map(|_| {
            if rng.f64() < 0.1 {
                0.0
            } else {
                (rng.f64() * 60.0 - 30.0).exp()
            }
        })
        .collect()
}

#[test]
fn normalize_is_within_its_bound_of_a_double_double_reference() {
    // Transform: |η| ≤ 3u (documented). Reference x/S with S the double-double sum rounded
    // (≤ u) and one division (≤ u): ≤ 2u. Together ≤ 5u; 1.01 for second-order terms.
    let rel = 1.01 * 5.0 * U;
    println!("normalize: tolerance {rel:e} relative");
    let mut rng = Rng::new(7);
    for n in [1usize, 2, 7, 100, 4097] {
        let x = weights(&mut rng, n);
        if x.iter().all(|&v| v == 0.0) {
            continue;
        }
        let s = dd_sum(x.iter().copied());
        let want: Vec<f64> = x.iter().map(|v| v / s).collect();
        let mut got = vec![f64::NAN; n];
        transform::normalize(&x, &mut got).unwrap();
        assert_close(&got, &want, |_| rel, &format!("normalize f64 n={n}"));
        // f32 input: widened exactly, the same bound on the f32 values.
        let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let s = dd_sum(x32.iter().map(|&v| f64::from(v)));
        let want: Vec<f64> = x32.iter().map(|&v| f64::from(v) / s).collect();
        transform::normalize(&x32, &mut got).unwrap();
        assert_close(&got, &want, |_| rel, &format!("normalize f32 n={n}"));
    }
}

#[test]
fn normalize_special_values() {
    let mut p = [f64::NAN; 3];
    // Zeros stay 0; a single positive weight is probability 1.
    transform::normalize(&[0.0f64, 5e-300, 0.0], &mut p).unwrap();
    assert_eq!(p, [0.0, 1.0, 0.0]);
    // A sum beyond f64::MAX is scaled by 2^-64, not overflowed: the quotients are those of
    // the unscaled weights.
    transform::normalize(&[f64::MAX, f64::MAX, 0.0], &mut p).unwrap();
    assert_eq!(p, [0.5, 0.5, 0.0]);
    let big = 2f64.powi(1023);
    transform::normalize(&[big, big, big], &mut p).unwrap();
    assert_eq!(p, [1.0 / 3.0; 3]);
    // A weight below 2^-1074 of the sum underflows to 0.
    transform::normalize(&[f64::MAX, 1e-300, f64::MAX], &mut p).unwrap();
    assert_eq!(p, [0.5, 0.0, 0.5]);
    // Subnormal weights alone are normalised exactly.
    let tiny = f64::from_bits(1);
    transform::normalize(&[tiny, 3.0 * tiny, 0.0], &mut p).unwrap();
    assert_eq!(p, [0.25, 0.75, 0.0]);
}

#[test]
fn exp_is_the_platform_exp_and_within_one_ulp_of_mpmath() {
    // The definition: e^x of the widened element, bit for bit.
    let mut rng = Rng::new(11);
    let lp: Vec<f64> = (0..1000).map(|_| rng.f64() * 1400.0 - 740.0).collect();
    let mut got = vec![f64::NAN; lp.len()];
    transform::exp(&lp, &mut got).unwrap();
    for (g, x) in got.iter().zip(&lp) {
        assert_eq!(g.to_bits(), x.exp().to_bits(), "e^{x}");
    }
    // Against mpmath, correctly rounded (≤ u): one ulp of exp (2u) + u = 3u.
    let cases = [
        (1.0, std::f64::consts::E), // mpmath agrees: e rounded
        (-1.0, 0.36787944117144233),
        (10.0, 22026.465794806718),
        (-700.0, 9.85967654375977e-305),
        (0.5, 1.6487212707001282),
        (709.0, 8.218407461554972e+307),
        (-3.25, 0.03877420783172201),
        (123.456, 4.132944352778106e+53),
    ];
    let rel = 3.0 * U;
    println!("exp: tolerance {rel:e} relative");
    let (x, want): (Vec<f64>, Vec<f64>) = cases.into_iter().unzip();
    let mut got = vec![f64::NAN; x.len()];
    transform::exp(&x, &mut got).unwrap();
    assert_close(&got, &want, |_| rel, "exp");
}

#[test]
fn exp_special_values() {
    let mut p = [f64::NAN; 5];
    let lp = [f64::NEG_INFINITY, 0.0, -746.0, 709.5, 710.0];
    transform::exp(&lp, &mut p).unwrap();
    assert_eq!(p[0], 0.0); // masked: exactly 0
    assert_eq!(p[1], 1.0);
    assert_eq!(p[2], 0.0); // below the smallest subnormal
    assert!(p[3].is_finite());
    assert_eq!(p[4], f64::INFINITY); // beyond f64::MAX
    // f32 log-probabilities, −∞ included.
    let mut p = [f64::NAN; 2];
    transform::exp(&[f32::NEG_INFINITY, -0.5f32], &mut p).unwrap();
    assert_eq!(p, [0.0, (-0.5f64).exp()]);
}

#[test]
fn softmax_is_within_its_bound_of_a_double_double_reference() {
    // Logits on a grid of 2^-10 in [−16, 16] and power-of-two temperatures: α = (x − m)/t is
    // exact, so the documented |η| ≤ (2|α| + 2ᾱ + 7)u is 7u. Reference e^α/S, S the double-
    // double sum of the e^α rounded: one ulp of exp (2u), the terms' errors in the sum (2u),
    // the sum's rounding (u), the division (u): 6u. Together 13u; 1.01 for second order.
    let rel = 1.01 * 13.0 * U;
    println!("softmax (exact α): tolerance {rel:e} relative");
    let mut rng = Rng::new(13);
    for t in [0.5, 1.0, 2.0] {
        for n in [1usize, 3, 64, 1000] {
            let x: Vec<f64> = (0..n)
                .map(|_| {
                    if rng.f64() < 0.1 {
                        f64::NEG_INFINITY
                    } else {
                        (rng.below(1 << 15) as f64 - 16384.0) / 1024.0
                    }
                })
                .collect();
            let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if m == f64::NEG_INFINITY {
                continue;
            }
            let e: Vec<f64> = x.iter().map(|v| ((v - m) / t).exp()).collect();
            let s = dd_sum(e.iter().copied());
            let want: Vec<f64> = e.iter().map(|v| v / s).collect();
            let mut got = vec![f64::NAN; n];
            transform::softmax(&x, t, &mut got).unwrap();
            assert_close(&got, &want, |_| rel, &format!("softmax t={t} n={n}"));
            // f32 logits on the same grid are the same numbers.
            let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
            let mut got32 = vec![f64::NAN; n];
            transform::softmax(&x32, t, &mut got32).unwrap();
            assert_eq!(got, got32, "f32 logits t={t} n={n}");
        }
    }
}

#[test]
fn softmax_is_within_its_documented_bound_of_mpmath() {
    // t = 0.7: α is rounded. Bound (2|αᵢ| + 2ᾱ + 7)u, plus u for the reference's rounding.
    let x = [
        0.3,
        -1.7,
        2.9,
        f64::NEG_INFINITY,
        2.899999999,
        -40.0,
        5.0,
        -600.0,
    ];
    let want = [
        0.0011022795373028839,
        6.330680099240194e-05,
        0.04522572474466915,
        0.0,
        0.04522572468006096,
        1.094808098720948e-28,
        0.9083829642369746,
        0.0,
    ];
    let t = 0.7;
    let alpha: Vec<f64> = x.iter().map(|v| ((v - 5.0) / t).abs()).collect();
    let alpha_bar: f64 = want
        .iter()
        .zip(&alpha)
        .filter(|(p, _)| **p > 0.0)
        .map(|(p, a)| p * a)
        .sum();
    let rel = |i: usize| (2.0 * alpha[i] + 2.0 * alpha_bar + 8.0) * U;
    let mut got = [f64::NAN; 8];
    transform::softmax(&x, t, &mut got).unwrap();
    for i in 0..x.len() {
        println!("softmax t=0.7 [{i}]: tolerance {:e} relative", rel(i));
    }
    assert_close(&got, &want, rel, "softmax t=0.7");
    // The masked logit and the one 864 temperatures below the maximum are exactly 0.
    assert_eq!((got[3], got[7]), (0.0, 0.0));
}

#[test]
fn softmax_special_values() {
    let ninf = f64::NEG_INFINITY;
    let mut p = [f64::NAN; 4];
    // One unmasked logit: probability 1, the masked ones exactly 0.
    transform::softmax(&[ninf, -3.0, ninf, ninf], 1.0, &mut p).unwrap();
    assert_eq!(p, [0.0, 1.0, 0.0, 0.0]);
    // Huge logits and tiny temperatures do not overflow (α ≤ 0).
    transform::softmax(&[f64::MAX, f64::MAX, -f64::MAX, 0.0], 1e-300, &mut p).unwrap();
    assert_eq!(p, [0.5, 0.5, 0.0, 0.0]);
    // Every logit masked: no softmax.
    assert_eq!(
        transform::softmax(&[ninf, ninf], 1.0, &mut p[..2]),
        Err(Error::ZeroTotal {
            operand: Operand::P,
            row: 0
        })
    );
}

#[test]
fn errors_are_typed_and_name_the_first_invalid_element() {
    let mut p = [0.0; 4];
    let invalid = |col, value, kind| {
        Err(Error::InvalidElement {
            operand: Operand::P,
            row: 0,
            col,
            value,
            kind,
        })
    };
    assert_eq!(
        transform::normalize(&[0.5f64, -1.0, f64::NAN, 0.0], &mut p),
        invalid(1, -1.0, InvalidKind::Negative)
    );
    let e = transform::normalize(&[0.5f64, 1.0, f64::NAN, -1.0], &mut p).unwrap_err();
    assert!(matches!(
        e,
        Error::InvalidElement {
            col: 2,
            kind: InvalidKind::NaN,
            ..
        }
    ));
    assert_eq!(
        transform::normalize(&[0.5f64, f64::INFINITY, 0.0, 0.0], &mut p),
        invalid(1, f64::INFINITY, InvalidKind::Infinite)
    );
    assert_eq!(
        transform::normalize(&[0.0f32; 4], &mut p),
        Err(Error::ZeroTotal {
            operand: Operand::P,
            row: 0
        })
    );
    // Log domain: −∞ is fine, +∞ is not.
    assert_eq!(
        transform::exp(&[f64::NEG_INFINITY, 0.0, f64::INFINITY, 0.0], &mut p),
        invalid(2, f64::INFINITY, InvalidKind::Infinite)
    );
    assert_eq!(
        transform::softmax(&[0.0, -1.0, 0.0, f64::INFINITY], 1.0, &mut p),
        invalid(3, f64::INFINITY, InvalidKind::Infinite)
    );
    // An invalid element before the lack of mass.
    let ninf = f64::NEG_INFINITY;
    assert!(matches!(
        transform::softmax(&[ninf, ninf, f64::NAN, ninf], 1.0, &mut p),
        Err(Error::InvalidElement { col: 2, .. })
    ));
    for t in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let e = transform::softmax(&[0.0f64; 4], t, &mut p).unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidParameter {
                    name: "temperature",
                    ..
                }
            ),
            "{e}"
        );
    }
    assert_eq!(
        transform::exp(&[0.0f64; 3], &mut p),
        Err(Error::OutputLength { needed: 3, len: 4 })
    );
    assert_eq!(transform::normalize::<f64>(&[], &mut []), Err(Error::Empty));
}

#[test]
fn rows_are_the_same_bits_for_any_thread_count_and_stride() {
    let (rows, cols) = (300, 37);
    let mut rng = Rng::new(17);
    let w: Vec<f64> = weights(&mut rng, rows * cols);
    let mut logits: Vec<f32> = (0..rows * cols)
        .map(|_| (rng.f64() * 40.0 - 20.0) as f32)
        .collect();
    logits[5] = f32::NEG_INFINITY;
    let pools: Vec<rayon::ThreadPool> = [2, 3]
        .iter()
        .map(|&n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap()
        })
        .collect();
    // Every weight row has mass (weights are 0 with probability 0.1 each).
    let w: Vec<f64> = w
        .chunks(cols)
        .flat_map(|r| {
            let mut r = r.to_vec();
            r[0] += 1.0;
            r
        })
        .collect();
    fn check<T: relent_scalar::Element>(
        tr: Transform,
        data: &[T],
        rows: usize,
        cols: usize,
        pools: &[rayon::ThreadPool],
    ) {
        let m = MatRef::new(data, rows, cols).unwrap();
        let mut want = vec![0.0; rows * cols];
        for (r, o) in want.chunks_mut(cols).enumerate() {
            tr.apply(m.row(r), o).unwrap();
        }
        let serial = tr.rows(m, &Options::serial()).unwrap();
        assert_eq!(serial.as_slice(), &want[..], "{tr:?} serial");
        assert_eq!(
            tr.rows(m, &Options::new()).unwrap().as_slice(),
            &want[..],
            "{tr:?} current pool"
        );
        for pool in pools {
            let mut out = vec![0.0; rows * cols];
            tr.rows_into(m, &mut out, &Options::pool(pool)).unwrap();
            assert_eq!(out, want, "{tr:?} pool of {}", pool.current_num_threads());
        }
        // Every other row of the same buffer (stride 2·cols).
        let strided = MatRef::with_stride(data, rows / 2, cols, 2 * cols).unwrap();
        let out = tr.rows(strided, &Options::new()).unwrap();
        for r in 0..rows / 2 {
            assert_eq!(
                out.row(r),
                &want[2 * r * cols..][..cols],
                "{tr:?} stride row {r}"
            );
        }
    }
    check(Transform::Normalize, &w, rows, cols, &pools);
    check(Transform::Exp, &logits, rows, cols, &pools);
    check(
        Transform::Softmax { temperature: 0.7 },
        &logits,
        rows,
        cols,
        &pools,
    );
}

#[test]
fn rows_report_the_lowest_row_with_an_error() {
    let (rows, cols) = (2000, 3);
    let mut x = vec![1.0f64; rows * cols];
    // Row 1500: an invalid element; row 700: no mass; row 1900: both.
    x[1500 * cols + 2] = -2.0;
    x[700 * cols..701 * cols].fill(0.0);
    x[1900 * cols..1901 * cols].fill(0.0);
    x[1900 * cols + 1] = f64::NAN;
    let m = MatRef::new(&x, rows, cols).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    for opts in [Options::serial(), Options::new(), Options::pool(&pool)] {
        assert_eq!(
            Transform::Normalize.rows(m, &opts).unwrap_err(),
            Error::ZeroTotal {
                operand: Operand::P,
                row: 700
            }
        );
        let later = m.slice_rows(701..rows);
        assert_eq!(
            Transform::Normalize.rows(later, &opts).unwrap_err(),
            Error::InvalidElement {
                operand: Operand::P,
                row: 1500 - 701,
                col: 2,
                value: -2.0,
                kind: InvalidKind::Negative
            }
        );
        let last = m.slice_rows(1900..rows);
        assert!(matches!(
            Transform::Normalize.rows(last, &opts).unwrap_err(),
            Error::InvalidElement {
                row: 0,
                col: 1,
                kind: InvalidKind::NaN,
                ..
            }
        ));
    }
    let mut out = vec![0.0; 5];
    assert_eq!(
        Transform::Exp.rows_into(m, &mut out, &Options::new()),
        Err(Error::OutputLength {
            needed: rows * cols,
            len: 5
        })
    );
    assert!(matches!(
        Transform::Softmax { temperature: 0.0 }.rows(m, &Options::new()),
        Err(Error::InvalidParameter { .. })
    ));
}
