//! Hostile input through the checked API, for every function and element type:
//!
//! - NaN, ±∞, negative numbers (and zero variances) at the first, middle and last position
//!   and in every tail lane (the last 16 positions) of every argument, lengths 1..=129, with
//!   later offenders in the same and in later arguments: the error names the right argument,
//!   the FIRST offending index, the value (by bits) and the kind;
//! - negative zero is a valid zero (bit-identical results), except as a variance;
//! - all-zero and all-masked vectors; subnormal-only vectors; mismatched lengths and the
//!   precedence of errors;
//! - no `Ok` is ever NaN.
//!
//! Two tests past 2^31 elements are `#[ignore]`d (about 9 GB each): 2^31 + 7 `f32` elements
//! (the index of an error past `u32::MAX`), and 2^31 + 3 `f16` elements against closed forms,
//! with `relent::batch::long_pair` bit-identical to the checked call.

mod common;

use common::{Dom, Func, expected, funcs, kind, refs, same, valid_args};
use relent::{Element, Error, InvalidKind};
use relent_simd::bounds;

/// 2^k exactly, for a normal `k` (`powi` is not guaranteed exact, and Miri perturbs it).
fn pow2(k: i32) -> f64 {
    f64::from_bits(((1023 + k) as u64) << 52)
}

/// Values outside `dom`, each paired with the kind the contract gives it. Chosen to be exact
/// in every element type (f16 included: 2^-24 is its smallest subnormal).
fn offenders<T: Element>(dom: Dom) -> Vec<T> {
    let tiny = pow2(-24);
    let all = [
        f64::NAN,
        -f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -1.0,
        -tiny,
        0.0,
        -0.0,
    ];
    all.iter()
        .map(|&x| T::from_f64(x))
        .filter(|x| kind(dom, x.to_f64()).is_some())
        .collect()
}

/// Positions to poison in a slice of length `n`: first, second, middle, and the last 16
/// (every tail lane of every vector width up to 16 lanes).
fn positions(n: usize) -> Vec<usize> {
    let mut v = vec![0, 1, n / 2];
    v.extend(n.saturating_sub(16)..n);
    v.retain(|&i| i < n);
    v.sort_unstable();
    v.dedup();
    v
}

fn check_ok_not_nan(name: &str, r: &Result<f64, Error>) {
    if let Ok(v) = r {
        assert!(!v.is_nan(), "{name}: Ok(NaN)");
    }
}

/// One function, one length: every argument, position and offender.
fn poison_sweep<T: Element>(f: &Func<T>, n: usize) {
    let base = valid_args(f, n);
    for (k, &(arg, dom)) in f.args.iter().enumerate() {
        for bad in offenders::<T>(dom) {
            for &i in &positions(n) {
                let mut args = base.clone();
                args[k][i] = bad;
                // Later offenders must not be reported instead: one at the end of the same
                // argument and one at the start of every later argument.
                if i + 1 < n {
                    args[k][n - 1] = T::from_f64(f64::NAN);
                }
                for later in &mut args[k + 1..] {
                    later[0] = T::from_f64(f64::NAN);
                }
                let got = (f.call)(&refs(&args), 1.0);
                let value = bad.to_f64();
                let want = Err(Error::InvalidElement {
                    arg,
                    index: i,
                    value,
                    kind: kind(dom, value).unwrap(),
                });
                assert!(
                    same(&got, &want),
                    "{}<{}>: n={n}, {arg}[{i}] = {value:?}: got {got:?}, want {want:?}",
                    f.name,
                    T::NAME
                );
            }
        }
    }
}

fn invalid_elements<T: Element>() {
    for f in funcs::<T>() {
        // The `_bits` twins share the validation: a few lengths suffice for them.
        let lengths: Vec<usize> = if cfg!(miri) {
            vec![1, 2, 17]
        } else if f.name.ends_with("_bits") {
            vec![1, 2, 17, 64, 129]
        } else {
            (1..=129).collect()
        };
        for n in lengths {
            poison_sweep(&f, n);
        }
    }
}

#[test]
fn invalid_elements_f64() {
    invalid_elements::<f64>();
}

#[test]
fn invalid_elements_f32() {
    invalid_elements::<f32>();
}

#[cfg(feature = "half")]
#[test]
fn invalid_elements_f16_bf16() {
    invalid_elements::<relent::half::f16>();
    invalid_elements::<relent::half::bf16>();
}

/// Flips the sign of every zero.
fn flip_zeros<T: Element>(v: &[T]) -> Vec<T> {
    v.iter()
        .map(|&x| {
            if x.to_f64() == 0.0 {
                T::from_f64(-x.to_f64())
            } else {
                x
            }
        })
        .collect()
}

fn negative_zero<T: Element>() {
    for f in funcs::<T>() {
        for n in [4, 9, 16, 33, 129] {
            let args = valid_args(&f, n);
            let flipped: Vec<Vec<T>> = args.iter().map(|a| flip_zeros(a)).collect();
            assert!(
                flipped.iter().zip(&args).any(|(a, b)| a
                    .iter()
                    .zip(b)
                    .any(|(x, y)| x.to_f64().to_bits() != y.to_f64().to_bits())),
                "{}: the base data has zeros to flip (n = {n})",
                f.name
            );
            let want = (f.call)(&refs(&args), 1.0);
            let got = (f.call)(&refs(&flipped), 1.0);
            assert!(want.is_ok(), "{}: {want:?}", f.name);
            assert!(
                same(&got, &want),
                "{}<{}>, n={n}: -0.0 gave {got:?}, +0.0 gave {want:?}",
                f.name,
                T::NAME
            );
        }
    }
    // Whole vectors of -0.0.
    let z = vec![T::from_f64(-0.0); 7];
    let one = {
        let mut v = z.clone();
        v[3] = T::from_f64(1.0);
        v
    };
    assert_eq!(relent::kl(&z, &z), Ok(0.0));
    assert_eq!(relent::entropy(&z), Ok(0.0));
    assert_eq!(relent::kl(&one, &one), Ok(0.0));
    assert_eq!(relent::kl_normalized(&one, &one), Ok(0.0));
    assert_eq!(
        relent::kl_normalized(&z, &one),
        Err(Error::ZeroTotal { arg: "p" })
    );
    // As a variance, -0.0 is zero: invalid, and reported with its sign.
    let ones = vec![T::from_f64(1.0); 7];
    let e = relent::gaussian::kl_diag(&ones, &ones, &ones, &z).unwrap_err();
    match e {
        Error::InvalidElement {
            arg: "var_q",
            index: 0,
            value,
            kind: InvalidKind::Zero,
        } => assert_eq!(value.to_bits(), (-0.0f64).to_bits()),
        e => panic!("{e:?}"),
    }
    // A logit or log-variance of -0.0 is 0.
    assert_eq!(relent::kl_logits(&z, &z, 1.0), Ok(0.0));
    assert_eq!(relent::kl_log(&z, &z), Ok(0.0));
    assert_eq!(relent::gaussian::kl_diag_logvar(&z, &z, &z, &z), Ok(0.0));
}

#[test]
fn negative_zero_is_zero() {
    negative_zero::<f64>();
    negative_zero::<f32>();
    #[cfg(feature = "half")]
    {
        negative_zero::<relent::half::f16>();
        negative_zero::<relent::half::bf16>();
    }
}

fn all_zero<T: Element>() {
    for n in [1, 2, 7, 8, 64, 129] {
        let z = vec![T::from_f64(0.0); n];
        let q: Vec<T> = (0..n).map(|i| T::from_f64(1.0 / (i + 1) as f64)).collect();
        let gkl_q: f64 = relent::generalized_kl(&z, &q).unwrap();
        for (name, r) in [
            ("kl(0, 0)", relent::kl(&z, &z)),
            ("kl(0, q)", relent::kl(&z, &q)),
            ("kl_bits(0, q)", relent::kl_bits(&z, &q)),
            ("cross_entropy(0, 0)", relent::cross_entropy(&z, &z)),
            ("cross_entropy(0, q)", relent::cross_entropy(&z, &q)),
            ("entropy(0)", relent::entropy(&z)),
            ("generalized_kl(0, 0)", relent::generalized_kl(&z, &z)),
            ("jeffreys(0, 0)", relent::jeffreys(&z, &z)),
            ("js_divergence(0, 0)", relent::js_divergence(&z, &z)),
            ("js_distance(0, 0)", relent::js_distance(&z, &z)),
        ] {
            assert_eq!(r, Ok(0.0), "{name}, n={n}, {}", T::NAME);
        }
        // Σ (0 − 0 + q) = Σ q, within the documented bound: 2^-49 for f64 (here 8 ulp, with
        // the naive sum's own error), 2^-21 for narrower inputs at the default precision.
        let sum_q: f64 = q.iter().map(|x| x.to_f64()).sum();
        let tol = if T::NAME == "f64" {
            8.0 * f64::EPSILON
        } else {
            bounds::DEFAULT_NARROW
        };
        assert!((gkl_q - sum_q).abs() <= tol * sum_q, "{gkl_q} vs {sum_q}");
        assert_eq!(relent::jeffreys(&z, &q), Ok(f64::INFINITY));
        assert_eq!(relent::kl(&q, &z), Ok(f64::INFINITY));
        let js = relent::js_divergence(&z, &q).unwrap();
        assert!(js.is_finite() && js > 0.0);
        // Normalising needs mass.
        assert_eq!(
            relent::kl_normalized(&z, &q),
            Err(Error::ZeroTotal { arg: "p" })
        );
        assert_eq!(
            relent::kl_normalized(&q, &z),
            Err(Error::ZeroTotal { arg: "q" })
        );
        assert_eq!(
            relent::kl_normalized_bits(&z, &z),
            Err(Error::ZeroTotal { arg: "p" })
        );
        // Masked logits: all −∞ has no softmax; a −∞ log-probability is probability 0.
        let m = vec![T::from_f64(f64::NEG_INFINITY); n];
        let zl = vec![T::from_f64(0.0); n];
        assert_eq!(
            relent::kl_logits(&m, &zl, 1.0),
            Err(Error::ZeroTotal { arg: "logits_a" })
        );
        assert_eq!(
            relent::kl_logits(&zl, &m, 2.0),
            Err(Error::ZeroTotal { arg: "logits_b" })
        );
        assert_eq!(relent::kl_log(&m, &m), Ok(0.0));
        assert_eq!(relent::kl_log(&m, &zl), Ok(0.0));
        assert_eq!(relent::kl_log(&zl, &m), Ok(f64::INFINITY));
        // Uniform logits (all 0) against themselves.
        assert_eq!(relent::kl_logits(&zl, &zl, 0.5), Ok(0.0));
    }
}

#[test]
fn all_zero_vectors() {
    all_zero::<f64>();
    all_zero::<f32>();
    #[cfg(feature = "half")]
    {
        all_zero::<relent::half::f16>();
        all_zero::<relent::half::bf16>();
    }
}

/// Vectors made only of subnormals: `k · 2^-1074` (f64) or `k · 2^-149` (f32), small k.
fn subnormals<T: Element>(min_sub: f64, n: usize, seed: usize) -> Vec<T> {
    (0..n)
        .map(|i| T::from_f64(min_sub * ((i * 7 + seed * 3) % 11 + 1) as f64))
        .collect()
}

fn subnormal_only<T: Element>(min_sub: f64, scale: f64) {
    for n in [1, 2, 5, 8, 31, 64, 129] {
        let p: Vec<T> = subnormals(min_sub, n, 0);
        let q: Vec<T> = subnormals(min_sub, n, 1);
        assert!(p.iter().all(|x| x.to_f64() < f64::from(f32::MIN_POSITIVE)));
        for f in funcs::<T>() {
            if matches!(f.args[0].1, Dom::Prob) {
                let args: Vec<&[T]> = if f.args.len() == 1 {
                    vec![&p]
                } else {
                    vec![&p, &q]
                };
                let r = (f.call)(&args, 1.0);
                check_ok_not_nan(f.name, &r);
                assert!(r.is_ok(), "{}: {r:?}", f.name);
                if f.non_negative {
                    assert!(r.unwrap() >= 0.0, "{}: {r:?}", f.name);
                }
                // Identical inputs: exactly 0 for the divergences.
                let same_args: Vec<&[T]> = args.iter().map(|_| p.as_slice()).collect();
                if f.args.len() == 2 && f.name.starts_with(['k', 'j', 'g']) {
                    assert_eq!((f.call)(&same_args, 1.0), Ok(0.0), "{}(p, p)", f.name);
                }
            }
        }
        // The entropy of a positive vector is positive and finite (each −p·ln p > 0).
        let h = relent::entropy(&p).unwrap();
        assert!(h > 0.0 && h.is_finite(), "entropy {h}");
        // Normalising: subnormal vectors give the value of the same vectors scaled into the
        // normal range by a power of two (the exact value is the same), each within the
        // documented bound — 2^-49 for f64, 2^-21 for narrower inputs at the default precision.
        let ps: Vec<T> = p.iter().map(|x| T::from_f64(x.to_f64() * scale)).collect();
        let qs: Vec<T> = q.iter().map(|x| T::from_f64(x.to_f64() * scale)).collect();
        assert!(ps.iter().all(|x| x.to_f64() >= 1e-30));
        let a = relent::kl_normalized(&p, &q).unwrap();
        let b = relent::kl_normalized(&ps, &qs).unwrap();
        let exact = relent_scalar::kl_normalized(&p, &q);
        let tol = bounds::epsilon::<T>(relent::Precision::Default);
        for v in [a, b] {
            assert!((v - exact).abs() <= tol * exact, "n = {n}: {v} vs {exact}");
        }
        // Subnormal probabilities against normal ones and vice versa.
        let normal = vec![T::from_f64(0.5); n];
        let a = relent::kl(&p, &normal).unwrap();
        assert!(a.is_finite() && a <= 0.0, "kl(sub, 0.5) = {a}"); // p < q termwise
        let b = relent::kl(&normal, &p).unwrap();
        assert!(b.is_finite() && b > 0.0, "kl(0.5, sub) = {b}");
    }
}

#[test]
fn subnormal_only_vectors() {
    subnormal_only::<f64>(f64::from_bits(1), pow2(1000));
    subnormal_only::<f32>(f64::from(f32::from_bits(1)), pow2(100));
}

fn mismatched<T: Element>() {
    for f in funcs::<T>() {
        if f.args.len() == 1 {
            continue;
        }
        for n in [0usize, 1, 5, 129] {
            for k in 1..f.args.len() {
                for m in [0, 1, n + 1, n.saturating_sub(1), 1000] {
                    if m == n {
                        continue;
                    }
                    let mut args = valid_args(&f, n);
                    args[k] = common::valid(f.args[k].1, m);
                    // Every other error is present too: the mismatch wins.
                    if n > 0 {
                        args[0][0] = T::from_f64(f64::NAN);
                    }
                    let got = (f.call)(&refs(&args), f64::NAN);
                    let want = Err(Error::LengthMismatch {
                        first: f.args[0].0,
                        first_len: n,
                        second: f.args[k].0,
                        second_len: m,
                    });
                    assert_eq!(got, want, "{}<{}> n={n} m={m}", f.name, T::NAME);
                    // A second mismatching argument later on is not the one reported.
                    if k + 1 < f.args.len() {
                        args[k + 1] = common::valid(f.args[k + 1].1, m + 3);
                        assert_eq!((f.call)(&refs(&args), 1.0), want, "{}", f.name);
                    }
                }
            }
        }
    }
}

#[test]
fn mismatched_lengths_win_over_everything() {
    mismatched::<f64>();
    mismatched::<f32>();
    #[cfg(feature = "half")]
    mismatched::<relent::half::bf16>();
}

/// The precedence of errors: length, empty, parameter, element, zero total.
#[test]
fn error_precedence() {
    for f in funcs::<f32>() {
        let empty: Vec<Vec<f32>> = f.args.iter().map(|_| Vec::new()).collect();
        assert_eq!((f.call)(&refs(&empty), f64::NAN), Err(Error::Empty));
        let mut args = valid_args(&f, 9);
        args[0][4] = f32::NAN;
        if f.temperature {
            for t in [0.0, -0.0, -1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                let got = (f.call)(&refs(&args), t);
                let want = Err(Error::InvalidParameter {
                    name: "temperature",
                    value: t,
                });
                assert!(same(&got, &want), "{}: t = {t}: {got:?}", f.name);
            }
            // The smallest positive and the largest finite temperatures are valid.
            let ok = valid_args(&f, 9);
            for t in [f64::from_bits(1), f64::MAX] {
                let r = (f.call)(&refs(&ok), t);
                assert!(matches!(r, Ok(v) if v >= 0.0), "{}: t = {t}: {r:?}", f.name);
            }
        }
        // Elements before totals: an all-zero p with a NaN in q reports the NaN.
        if f.normalises {
            let mut args = valid_args(&f, 9);
            let zero = if f.args[0].1 == Dom::Log {
                f32::NEG_INFINITY
            } else {
                0.0
            };
            args[0].iter_mut().for_each(|x| *x = zero);
            args[1][8] = f32::NAN;
            let got = (f.call)(&refs(&args), 1.0);
            assert!(
                matches!(got, Err(Error::InvalidElement { index: 8, .. })),
                "{}: {got:?}",
                f.name
            );
            let want = expected(&f, &refs(&args), 1.0).unwrap();
            assert!(same(&got, &Err(want)), "{}: {got:?}", f.name);
        }
    }
}

/// No `Ok(NaN)` and exactly the predicted errors on the shared generator's adversarial cases,
/// with hostile values spliced in.
#[test]
#[cfg_attr(
    miri,
    ignore = "generates the shared cases (40 000 elements): slow under Miri"
)]
fn generator_cases_with_spliced_specials() {
    let specials = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -0.0,
        -1e-300,
        1e308,
    ];
    for (ci, c) in relent_testgen::cases::<f64>(0x0405_711E)
        .iter()
        .chain(&relent_testgen::logit_cases::<f64>(0x0405_711F))
        .filter(|c| c.p.len() <= 129)
        .enumerate()
    {
        for f in funcs::<f64>() {
            let mut args: Vec<Vec<f64>> = f
                .args
                .iter()
                .enumerate()
                .map(|(k, _)| if k % 2 == 0 { c.p.clone() } else { c.q.clone() })
                .collect();
            for (j, s) in [None, Some(ci % specials.len())].into_iter().enumerate() {
                if let Some(s) = s
                    && !args[j % args.len()].is_empty()
                {
                    let nargs = args.len();
                    let a = &mut args[j % nargs];
                    let at = (ci * 31) % a.len();
                    a[at] = specials[s];
                }
                let t = [1.0, 0.25, 7.0][ci % 3];
                let got = (f.call)(&refs(&args), t);
                check_ok_not_nan(&format!("{} on {}: {args:?}", f.name, c.name), &got);
                if f.non_negative
                    && let Ok(v) = got
                {
                    assert!(v >= 0.0, "{} on {}: {v}", f.name, c.name);
                }
                let want = expected(&f, &refs(&args), t);
                let matches = match (&got, &want) {
                    (Ok(_), None) => true,
                    (Err(_), Some(w)) => same(&got, &Err(*w)),
                    _ => false,
                };
                assert!(
                    matches,
                    "{} on {}: got {got:?}, want {want:?}",
                    f.name, c.name
                );
            }
        }
    }
}

/// Lengths past `u32::MAX`: the index of an error is not truncated, and the values are right.
/// One `f32` slice of 2^31 + 7 elements (8.6 GB), used as both arguments.
#[test]
#[ignore = "needs ~9 GB of memory and minutes"]
fn huge_length_past_u32() {
    let n = (1usize << 31) + 7;
    let mut p = vec![0f32; n];
    // 2^31 entries of 2^-31 (exact), 7 zeros: a uniform distribution, H = 31 ln 2.
    p[..1 << 31].fill(pow2(-31) as f32);
    let h = relent::entropy(&p).unwrap();
    let want = 31.0 * std::f64::consts::LN_2;
    assert!(
        (h - want).abs() <= 8.0 * f64::EPSILON * want,
        "{h} vs {want}"
    );
    assert_eq!(relent::kl(&p, &p), Ok(0.0));
    let i = n - 3;
    p[i] = f32::NAN;
    match relent::kl(&p, &p) {
        Err(Error::InvalidElement {
            arg: "p",
            index,
            kind: InvalidKind::NaN,
            ..
        }) => assert_eq!(index, i),
        r => panic!("{r:?}"),
    }
}

/// Lengths past 2^31 with `f16` inputs (4.3 GB per vector): two constant vectors of
/// n = 2^31 + 3 elements, a = 2^-10 and b = 2^-11 (exact in `f16`), against the closed forms
/// KL(a‖b) = n·a·ln 2, KL(a‖a) = 0, cross-entropy n·a·11·ln 2 — within the documented bound
/// ε·S (ε = 2^-21 for `f16`; S = Σg + |KL| for KL, the value for cross-entropy) — and
/// `relent::batch::long_pair` on 1 and 2 threads bit-identical to `relent::kl`.
#[cfg(feature = "half")]
#[test]
#[ignore = "needs ~9 GB of memory"]
fn huge_length_f16_closed_form() {
    use relent::batch::{Divergence, Options, long_pair};
    use relent::half::f16;
    let n = (1usize << 31) + 3;
    let (a, b) = (pow2(-10), pow2(-11));
    let p = vec![f16::from_f64(a); n];
    let q = vec![f16::from_f64(b); n];
    assert_eq!(p[n - 1].to_f64(), a);
    assert_eq!(q[n - 1].to_f64(), b);
    let eps = bounds::DEFAULT_NARROW;
    let nf = n as f64;
    let ln2 = std::f64::consts::LN_2;

    let kl = relent::kl(&p, &q).unwrap();
    let want = nf * a * ln2;
    // g = a·ln(a/b) − a + b ≥ 0 per element.
    let sum_g = nf * (a * ln2 - a + b);
    let bound = eps * (sum_g + want);
    assert!(
        (kl - want).abs() <= bound,
        "kl {kl} vs {want} (bound {bound:e})"
    );
    assert_eq!(relent::kl(&p, &p), Ok(0.0));
    let ce = relent::cross_entropy(&p, &q).unwrap();
    let want_ce = nf * a * 11.0 * ln2;
    assert!(
        (ce - want_ce).abs() <= eps * want_ce,
        "cross-entropy {ce} vs {want_ce}"
    );

    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let v = long_pair(Divergence::Kl, &p, &q, &Options::pool(&pool)).unwrap();
        assert_eq!(v.to_bits(), kl.to_bits(), "long_pair on {threads} threads");
        let z = long_pair(Divergence::Kl, &p, &p, &Options::pool(&pool)).unwrap();
        assert_eq!(z, 0.0);
    }
}
