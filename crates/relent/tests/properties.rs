//! Properties of the checked API over arbitrary input (proptest with a fixed seed):
//!
//! - it never panics, for arbitrary `f32`/`f64` bit patterns and lengths 0..=129;
//! - it returns `Err` exactly when the input violates the domain, and then exactly the error
//!   an independent statement of the contract's precedence predicts;
//! - `Ok` values of KL-normalised, generalised KL, Jeffreys, JS and KL of logits are ≥ 0;
//! - on exactly normalised probability vectors, KL ≥ 0 and JS ≤ ln 2 (within the documented
//!   bound: ε = 2^-49 relative for `f64` and `precise`, 2^-21 for `f32` by default).
//!
//! The property tests run on the backend in use; run them under each `RELENT_BACKEND` to
//! check that errors are decided identically on every backend.

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use relent::{Element, Error};
use relent_simd::bounds;
use std::f64::consts::LN_2;

mod common;
use common::{Dom, kind};

/// The error the contract predicts, or `None` if the input is valid.
fn expected<T: Element>(
    args: &[(&'static str, &[T], Dom)],
    temperature: Option<f64>,
    normalises: bool,
) -> Option<Error> {
    let (n0, a0, _) = args[0];
    if let Some(&(n, a, _)) = args[1..].iter().find(|(_, a, _)| a.len() != a0.len()) {
        return Some(Error::LengthMismatch {
            first: n0,
            first_len: a0.len(),
            second: n,
            second_len: a.len(),
        });
    }
    if a0.is_empty() {
        return Some(Error::Empty);
    }
    if let Some(t) = temperature
        && !(t.is_finite() && t > 0.0)
    {
        return Some(Error::InvalidParameter {
            name: "temperature",
            value: t,
        });
    }
    for &(arg, a, dom) in args {
        for (index, x) in a.iter().enumerate() {
            let value = x.to_f64();
            if let Some(kind) = kind(dom, value) {
                return Some(Error::InvalidElement {
                    arg,
                    index,
                    value,
                    kind,
                });
            }
        }
    }
    if normalises {
        for &(arg, a, dom) in args {
            let empty_mass = a.iter().all(|x| {
                let x = x.to_f64();
                if dom == Dom::Log {
                    x == f64::NEG_INFINITY
                } else {
                    x == 0.0
                }
            });
            if empty_mass {
                return Some(Error::ZeroTotal { arg });
            }
        }
    }
    None
}

/// The same value bit for bit, or both NaN.
fn same_value(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Compares a result with the prediction. Errors compare by their fields (NaN values by
/// bits); `Ok` must come exactly when no error is predicted.
fn agree(what: &str, got: Result<f64, Error>, want: Option<Error>) -> Result<(), TestCaseError> {
    match (got, want) {
        (Ok(_), None) => Ok(()),
        (
            Err(Error::InvalidElement {
                arg,
                index,
                value,
                kind,
            }),
            Some(Error::InvalidElement {
                arg: a2,
                index: i2,
                value: v2,
                kind: k2,
            }),
        ) => {
            prop_assert_eq!((arg, index, kind), (a2, i2, k2), "{}", what);
            // Any two NaNs agree: Rust leaves NaN payloads through f32 → f64 unspecified
            // (Miri varies them).
            prop_assert!(same_value(value, v2), "{}: {:?} vs {:?}", what, value, v2);
            Ok(())
        }
        (
            Err(Error::InvalidParameter { name, value }),
            Some(Error::InvalidParameter {
                name: n2,
                value: v2,
            }),
        ) => {
            prop_assert_eq!(name, n2, "{}", what);
            prop_assert!(same_value(value, v2), "{}: {:?} vs {:?}", what, value, v2);
            Ok(())
        }
        (got, want) => {
            prop_assert_eq!(got.err(), want, "{}", what);
            Ok(())
        }
    }
}

fn non_negative(what: &str, r: Result<f64, Error>) -> Result<(), TestCaseError> {
    if let Ok(v) = r {
        prop_assert!(v >= 0.0, "{}: {} is not >= 0", what, v);
    }
    Ok(())
}

/// Every probability-pair function on (p, q).
fn pair<T: Element>(p: &[T], q: &[T]) -> Result<(), TestCaseError> {
    let args = [("p", p, Dom::Prob), ("q", q, Dom::Prob)];
    let want = expected(&args, None, false);
    let want_normalised = expected(&args, None, true);
    type F<T> = fn(&[T], &[T]) -> Result<f64, Error>;
    let plain: [(&str, F<T>, bool); 22] = [
        ("kl", relent::kl, false),
        ("kl_bits", relent::kl_bits, false),
        ("cross_entropy", relent::cross_entropy, false),
        ("cross_entropy_bits", relent::cross_entropy_bits, false),
        ("generalized_kl", relent::generalized_kl, true),
        ("generalized_kl_bits", relent::generalized_kl_bits, true),
        ("jeffreys", relent::jeffreys, true),
        ("jeffreys_bits", relent::jeffreys_bits, true),
        ("js_divergence", relent::js_divergence, true),
        ("js_divergence_bits", relent::js_divergence_bits, true),
        ("js_distance", relent::js_distance, true),
        ("js_distance_bits", relent::js_distance_bits, true),
        ("kl_normalized", relent::kl_normalized, true),
        ("kl_normalized_bits", relent::kl_normalized_bits, true),
        ("precise::kl", relent::precise::kl, false),
        ("precise::kl_bits", relent::precise::kl_bits, false),
        (
            "precise::cross_entropy",
            relent::precise::cross_entropy,
            false,
        ),
        (
            "precise::generalized_kl",
            relent::precise::generalized_kl,
            true,
        ),
        ("precise::jeffreys", relent::precise::jeffreys, true),
        (
            "precise::js_divergence",
            relent::precise::js_divergence,
            true,
        ),
        (
            "precise::js_distance_bits",
            relent::precise::js_distance_bits,
            true,
        ),
        (
            "precise::kl_normalized",
            relent::precise::kl_normalized,
            true,
        ),
    ];
    for (name, f, nonneg) in plain {
        let r = f(p, q);
        let w = if name
            .trim_start_matches("precise::")
            .starts_with("kl_normalized")
        {
            want_normalised
        } else {
            want
        };
        agree(name, r, w)?;
        if nonneg {
            non_negative(name, r)?;
        }
    }
    let one = [("p", p, Dom::Prob)];
    agree("entropy", relent::entropy(p), expected(&one, None, false))?;
    agree(
        "entropy_bits",
        relent::entropy_bits(p),
        expected(&one, None, false),
    )?;
    agree(
        "precise::entropy",
        relent::precise::entropy(p),
        expected(&one, None, false),
    )?;
    Ok(())
}

/// The log-domain functions on (a, b) at temperature t.
fn logs<T: Element>(a: &[T], b: &[T], t: f64) -> Result<(), TestCaseError> {
    let args = [("lp", a, Dom::Log), ("lq", b, Dom::Log)];
    agree("kl_log", relent::kl_log(a, b), expected(&args, None, false))?;
    agree(
        "precise::kl_log",
        relent::precise::kl_log(a, b),
        expected(&args, None, false),
    )?;
    agree(
        "kl_log_bits",
        relent::kl_log_bits(a, b),
        expected(&args, None, false),
    )?;
    let args = [("logits_a", a, Dom::Log), ("logits_b", b, Dom::Log)];
    let want = expected(&args, Some(t), true);
    // Whatever the magnitudes (scaled logits that overflow, probabilities that underflow
    // where the other side is masked), the result is ≥ 0 and never NaN.
    for (name, r) in [
        ("kl_logits", relent::kl_logits(a, b, t)),
        ("kl_logits_bits", relent::kl_logits_bits(a, b, t)),
        ("precise::kl_logits", relent::precise::kl_logits(a, b, t)),
    ] {
        agree(name, r, want)?;
        non_negative(name, r)?;
    }
    Ok(())
}

/// The Gaussian functions, with (a, b) as means and (c, d) as variances / log-variances.
fn gaussians<T: Element>(a: &[T], b: &[T], c: &[T], d: &[T]) -> Result<(), TestCaseError> {
    let args = [("mu_p", a, Dom::Finite), ("var_p", c, Dom::Positive)];
    let args = [
        args[0],
        args[1],
        ("mu_q", b, Dom::Finite),
        ("var_q", d, Dom::Positive),
    ];
    let r = relent::gaussian::kl_diag(a, c, b, d);
    agree("kl_diag", r, expected(&args, None, false))?;
    let r = relent::precise::gaussian::kl_diag(a, c, b, d);
    agree("precise::kl_diag", r, expected(&args, None, false))?;
    let args = [
        ("mu_p", a, Dom::Finite),
        ("logvar_p", c, Dom::Finite),
        ("mu_q", b, Dom::Finite),
        ("logvar_q", d, Dom::Finite),
    ];
    let r = relent::gaussian::kl_diag_logvar(a, c, b, d);
    agree("kl_diag_logvar", r, expected(&args, None, false))?;
    let r = relent::precise::gaussian::kl_diag_logvar(a, c, b, d);
    agree("precise::kl_diag_logvar", r, expected(&args, None, false))?;
    Ok(())
}

const SPECIALS: [f64; 12] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    1e-300,
    5e-324,
    -5e-324,
    f64::MAX,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    1e300,
];

macro_rules! strategies {
    ($t:ty, $bits:ty, $elem:ident, $slice:ident, $lens:ident) => {
        /// One element: arbitrary bits, a value in the domains' common range, or a special.
        fn $elem() -> impl Strategy<Value = $t> {
            prop_oneof![
                3 => any::<$bits>().prop_map(<$t>::from_bits),
                6 => (-30.0f64..1.0).prop_map(|x| <$t as Element>::from_f64(x.clamp(0.0, 1.0))),
                2 => (-30.0f64..5.0).prop_map(<$t as Element>::from_f64),
                2 => prop::sample::select(SPECIALS.to_vec()).prop_map(<$t as Element>::from_f64),
            ]
        }

        /// A slice of length `n`: either only "nice" values (often valid in every domain's
        /// sense: in [0, 1] with zeros) or arbitrary ones.
        fn $slice(n: usize) -> impl Strategy<Value = Vec<$t>> {
            prop_oneof![
                prop::collection::vec(
                    prop_oneof![
                        4 => (0.0f64..1.0).prop_map(<$t as Element>::from_f64),
                        1 => Just(<$t as Element>::from_f64(0.0)),
                        1 => Just(<$t as Element>::from_f64(5e-324)),
                    ],
                    n
                ),
                prop::collection::vec($elem(), n),
            ]
        }

        /// Four slices: mostly of one length, sometimes of arbitrary lengths.
        fn $lens() -> impl Strategy<Value = [Vec<$t>; 4]> {
            (0usize..=129, prop::collection::vec(prop_oneof![9 => Just(None), 1 => (0usize..=129).prop_map(Some)], 4))
                .prop_flat_map(|(n, other)| {
                    let len = |i: usize| other[i].unwrap_or(n);
                    ($slice(len(0)), $slice(len(1)), $slice(len(2)), $slice(len(3)))
                })
                .prop_map(|(a, b, c, d)| [a, b, c, d])
        }
    };
}

strategies!(f64, u64, elem64, slice64, slices64);
strategies!(f32, u32, elem32, slice32, slices32);

fn temperature() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => 0.05f64..10.0,
        1 => any::<u64>().prop_map(f64::from_bits),
        1 => prop::sample::select(SPECIALS.to_vec()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 4 } else { 768 },
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(0x007E_1EA7),
        ..ProptestConfig::default()
    })]

    #[test]
    fn f64_never_panics_and_errs_exactly_on_domain_violations(s in slices64(), t in temperature()) {
        let [a, b, c, d] = &s;
        pair(a, b)?;
        logs(a, b, t)?;
        gaussians(a, b, c, d)?;
    }

    #[test]
    fn f32_never_panics_and_errs_exactly_on_domain_violations(s in slices32(), t in temperature()) {
        let [a, b, c, d] = &s;
        pair(a, b)?;
        logs(a, b, t)?;
        gaussians(a, b, c, d)?;
    }

    /// Exactly normalised probability vectors (k/2^m, Σ = 1 exactly): KL ≥ 0 and
    /// JS ≤ ln 2, within the documented bound ε (JS's scale is its value).
    #[test]
    fn kl_non_negative_and_js_at_most_ln2_on_distributions(
        wp in prop::collection::vec(0u32..4, 1..=129),
        wq in prop::collection::vec(0u32..4, 1..=129),
    ) {
        let n = wp.len().min(wq.len());
        let dist = |w: &[u32]| -> Option<Vec<f64>> {
            let total: u32 = w.iter().sum();
            if total == 0 { return None; }
            // Make the total a power of two by adding the remainder to the last non-zero
            // weight, so that every k / 2^m and their sum are exact.
            let m = total.next_power_of_two();
            let mut w = w.to_vec();
            let last = w.iter().rposition(|&x| x > 0)?;
            w[last] += m - total;
            Some(w.iter().map(|&k| f64::from(k) / f64::from(m)).collect())
        };
        let (Some(p), Some(q)) = (dist(&wp[..n]), dist(&wq[..n])) else { return Ok(()) };
        prop_assert_eq!(p.iter().sum::<f64>(), 1.0);
        prop_assert_eq!(q.iter().sum::<f64>(), 1.0);
        let kl = relent::kl(&p, &q).unwrap();
        prop_assert!(kl >= 0.0, "kl = {}", kl);
        // The bound on the divergence, plus one rounding for the bits' division or the root.
        let high = bounds::HIGH + f64::EPSILON;
        let js = relent::js_divergence(&p, &q).unwrap();
        prop_assert!((0.0..=LN_2 * (1.0 + high)).contains(&js), "js = {}", js);
        let jsd = relent::js_distance(&p, &q).unwrap();
        prop_assert!((0.0..=LN_2.sqrt() * (1.0 + high)).contains(&jsd), "jsd = {}", jsd);
        let bits = relent::js_divergence_bits(&p, &q).unwrap();
        prop_assert!((0.0..=1.0 + high).contains(&bits), "js bits = {}", bits);
        // k/2^m with m ≤ 9 is exact in f32 too.
        let p32: Vec<f32> = p.iter().map(|&x| x as f32).collect();
        let q32: Vec<f32> = q.iter().map(|&x| x as f32).collect();
        prop_assert!(relent::kl(&p32, &q32).unwrap() >= 0.0);
        prop_assert!(relent::precise::kl(&p32, &q32).unwrap() >= 0.0);
        let default = bounds::DEFAULT_NARROW;
        prop_assert!(relent::js_divergence(&p32, &q32).unwrap() <= LN_2 * (1.0 + default));
        prop_assert!(relent::precise::js_divergence(&p32, &q32).unwrap() <= LN_2 * (1.0 + high));
    }
}

/// Extreme scaled logits, yet well-defined distributions. A logit divided by a tiny
/// temperature overflows: softmax(b/t) is one-hot, softmax(a/t) uniform, so the exact KL is
/// +∞ (in f64). A probability e^-800 underflows where the other side is masked: the exact
/// term is +∞.
#[test]
fn kl_logits_survives_extreme_scaled_logits() {
    let v = relent::kl_logits(&[0.0f64, -800.0], &[0.0, f64::NEG_INFINITY], 1.0).unwrap();
    assert_eq!(v, f64::INFINITY);
    let v = relent::kl_logits(&[0.0f64, 0.0], &[0.0, 0.5], 1e-310).unwrap();
    assert_eq!(v, f64::INFINITY);
    let v = relent::kl_logits(&[1e308f64, 0.0], &[1e308, 0.0], 0.5).unwrap();
    assert_eq!(v, 0.0);
}
