//! Every error variant with its fields and message, and the order in which problems are
//! reported.

use relent::gaussian::{kl_diag, kl_diag_logvar};
use relent::{Error, InvalidKind};

#[test]
fn length_mismatch_names_both_arguments_and_lengths() {
    let e = relent::kl(&[0.5f64, 0.5], &[1.0f64]).unwrap_err();
    assert_eq!(
        e,
        Error::LengthMismatch {
            first: "p",
            first_len: 2,
            second: "q",
            second_len: 1
        }
    );
    assert_eq!(
        e.to_string(),
        "length mismatch: `p` has 2 elements but `q` has 1"
    );

    let e = relent::kl_logits(&[0.0f32], &[], 1.0).unwrap_err();
    assert_eq!(
        e,
        Error::LengthMismatch {
            first: "logits_a",
            first_len: 1,
            second: "logits_b",
            second_len: 0
        }
    );
    let e = kl_diag(&[0.0f64; 3], &[1.0; 3], &[0.0; 3], &[1.0; 2]).unwrap_err();
    assert_eq!(
        e,
        Error::LengthMismatch {
            first: "mu_p",
            first_len: 3,
            second: "var_q",
            second_len: 2
        }
    );
    // The first differing argument is reported.
    let e = kl_diag_logvar(&[0.0f64; 3], &[1.0; 4], &[0.0; 5], &[1.0; 2]).unwrap_err();
    assert_eq!(
        e,
        Error::LengthMismatch {
            first: "mu_p",
            first_len: 3,
            second: "logvar_p",
            second_len: 4
        }
    );
}

#[test]
fn empty() {
    let none: [f64; 0] = [];
    assert_eq!(relent::kl(&none, &none), Err(Error::Empty));
    assert_eq!(relent::entropy::<f32>(&[]), Err(Error::Empty));
    assert_eq!(relent::kl_logits::<f32>(&[], &[], 1.0), Err(Error::Empty));
    assert_eq!(kl_diag::<f64>(&[], &[], &[], &[]), Err(Error::Empty));
    assert_eq!(
        Error::Empty.to_string(),
        "empty input: the slices have no elements"
    );
}

#[test]
fn invalid_element_probability_kinds() {
    let p = [0.5f64, 0.5];
    let cases = [
        (-1.0, InvalidKind::Negative),
        (-1e-310, InvalidKind::Negative),
        (f64::NAN, InvalidKind::NaN),
        (f64::INFINITY, InvalidKind::Infinite),
        (f64::NEG_INFINITY, InvalidKind::Infinite),
    ];
    for (bad, kind) in cases {
        let q = [0.5, bad];
        let e = relent::kl(&p, &q).unwrap_err();
        match e {
            Error::InvalidElement {
                arg,
                index,
                value,
                kind: k,
            } => {
                assert_eq!((arg, index, k), ("q", 1, kind));
                assert_eq!(value.to_bits(), bad.to_bits());
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    let e = relent::jeffreys(&[0.1f32, -0.5, f32::NAN], &[0.0f32; 3]).unwrap_err();
    assert_eq!(
        e,
        Error::InvalidElement {
            arg: "p",
            index: 1,
            value: -0.5,
            kind: InvalidKind::Negative
        }
    );
    assert_eq!(e.to_string(), "invalid element: `p[1]` = -0.5 is negative");
    // Tiny and huge values are shown with an exponent.
    let e = relent::kl(&[0.5f64], &[-1e-300f64]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid element: `q[0]` = -1e-300 is negative"
    );
    // -0.0 is a valid probability.
    assert_eq!(relent::entropy(&[-0.0f64, 1.0]), Ok(0.0));
}

#[test]
fn invalid_element_log_domain() {
    // −∞ is fine (probability 0 / masked), +∞ and NaN are not.
    assert!(relent::kl_log(&[0.0f64, f64::NEG_INFINITY], &[0.0, f64::NEG_INFINITY]).is_ok());
    let e = relent::kl_log(&[0.0f64, 0.0], &[f64::INFINITY, 0.0]).unwrap_err();
    assert_eq!(
        e,
        Error::InvalidElement {
            arg: "lq",
            index: 0,
            value: f64::INFINITY,
            kind: InvalidKind::Infinite
        }
    );
    let e = relent::kl_logits(&[1.0f32, f32::NAN], &[0.0, 0.0], 1.0).unwrap_err();
    assert!(matches!(
        e,
        Error::InvalidElement {
            arg: "logits_a",
            index: 1,
            kind: InvalidKind::NaN,
            ..
        }
    ));
    assert_eq!(e.to_string(), "invalid element: `logits_a[1]` = NaN is NaN");
}

#[test]
fn invalid_element_gaussian() {
    let ok = [0.0f64, 1.0];
    let e = kl_diag(&ok, &[1.0, 1.0], &ok, &[1.0, 0.0]).unwrap_err();
    assert_eq!(
        e,
        Error::InvalidElement {
            arg: "var_q",
            index: 1,
            value: 0.0,
            kind: InvalidKind::Zero
        }
    );
    let e = kl_diag(&ok, &[1.0, -2.0], &ok, &[1.0, 1.0]).unwrap_err();
    assert_eq!(
        e,
        Error::InvalidElement {
            arg: "var_p",
            index: 1,
            value: -2.0,
            kind: InvalidKind::Negative
        }
    );
    let e = kl_diag(&[0.0, f64::NEG_INFINITY], &[1.0, 1.0], &ok, &[1.0, 1.0]).unwrap_err();
    assert!(matches!(
        e,
        Error::InvalidElement {
            arg: "mu_p",
            index: 1,
            kind: InvalidKind::Infinite,
            ..
        }
    ));
    let e = kl_diag_logvar(&ok, &ok, &ok, &[0.0, f64::INFINITY]).unwrap_err();
    assert!(matches!(
        e,
        Error::InvalidElement {
            arg: "logvar_q",
            index: 1,
            kind: InvalidKind::Infinite,
            ..
        }
    ));
    // Negative log-variances are fine.
    assert!(kl_diag_logvar(&ok, &[-3.0, -700.0], &ok, &[-3.0, -700.0]).is_ok());
}

#[test]
fn zero_total() {
    let e = relent::kl_normalized(&[0.0f64, 0.0], &[1.0, 1.0]).unwrap_err();
    assert_eq!(e, Error::ZeroTotal { arg: "p" });
    assert_eq!(
        e.to_string(),
        "zero total: every element of `p` is zero (or masked), it cannot be normalised"
    );
    let e = relent::kl_normalized_bits(&[1.0f32, 0.0], &[0.0, -0.0]).unwrap_err();
    assert_eq!(e, Error::ZeroTotal { arg: "q" });
    let m = f32::NEG_INFINITY;
    let e = relent::kl_logits(&[0.0f32, 1.0], &[m, m], 2.0).unwrap_err();
    assert_eq!(e, Error::ZeroTotal { arg: "logits_b" });
    // Functions that do not normalise accept all-zero input.
    assert_eq!(relent::kl(&[0.0f64, 0.0], &[0.0, 0.0]), Ok(0.0));
    assert_eq!(relent::entropy(&[0.0f64]), Ok(0.0));
}

#[test]
fn invalid_parameter() {
    let a = [0.0f64, 1.0];
    for t in [0.0, -0.0, -1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let e = relent::kl_logits(&a, &a, t).unwrap_err();
        match e {
            Error::InvalidParameter { name, value } => {
                assert_eq!(name, "temperature");
                assert_eq!(value.to_bits(), t.to_bits());
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(relent::kl_logits_bits(&a, &a, t).is_err());
    }
    assert_eq!(
        relent::kl_logits(&a, &a, -1.0).unwrap_err().to_string(),
        "invalid parameter: `temperature` = -1.0 must be finite and greater than 0"
    );
    assert!(relent::kl_logits(&a, &a, f64::MIN_POSITIVE).is_ok());
}

#[test]
fn precedence_is_lengths_empty_parameter_elements_totals() {
    let nan = f64::NAN;
    // Lengths before everything else.
    assert!(matches!(
        relent::kl_logits(&[nan], &[nan, nan], -1.0),
        Err(Error::LengthMismatch { .. })
    ));
    // Empty before the parameter.
    assert_eq!(relent::kl_logits::<f64>(&[], &[], -1.0), Err(Error::Empty));
    // The parameter before elements.
    assert!(matches!(
        relent::kl_logits(&[nan], &[nan], 0.0),
        Err(Error::InvalidParameter { .. })
    ));
    // The first argument's elements before the second's, the lowest index first.
    assert!(matches!(
        relent::kl(&[0.0, -1.0, nan], &[nan, nan, nan]),
        Err(Error::InvalidElement {
            arg: "p",
            index: 1,
            ..
        })
    ));
    // Elements before totals.
    assert!(matches!(
        relent::kl_normalized(&[0.0, 0.0], &[1.0, nan]),
        Err(Error::InvalidElement {
            arg: "q",
            index: 1,
            ..
        })
    ));
    // Totals: the first argument first.
    assert_eq!(
        relent::kl_normalized(&[0.0, 0.0], &[0.0, 0.0]),
        Err(Error::ZeroTotal { arg: "p" })
    );
}

#[test]
fn errors_are_std_errors_and_send_sync() {
    let boxed: Box<dyn std::error::Error + Send + Sync + 'static> =
        Box::new(Error::ZeroTotal { arg: "p" });
    assert!(boxed.to_string().contains("`p`"));
}

/// `relent::precise` reports exactly the crate root's errors.
#[test]
fn precise_reports_the_same_errors() {
    let nan = f32::NAN;
    let m = f32::NEG_INFINITY;
    let cases: [(Result<f64, Error>, Result<f64, Error>); 6] = [
        (
            relent::kl(&[0.5f32], &[0.5, 0.5]),
            relent::precise::kl(&[0.5f32], &[0.5, 0.5]),
        ),
        (
            relent::entropy::<f32>(&[]),
            relent::precise::entropy::<f32>(&[]),
        ),
        (
            relent::kl_logits(&[0.0f32], &[nan], -1.0),
            relent::precise::kl_logits(&[0.0f32], &[nan], -1.0),
        ),
        (
            relent::jeffreys(&[0.5f32, 0.5], &[0.5, f32::INFINITY]),
            relent::precise::jeffreys(&[0.5f32, 0.5], &[0.5, f32::INFINITY]),
        ),
        (
            relent::kl_normalized_bits(&[0.0f32, 0.0], &[1.0, 1.0]),
            relent::precise::kl_normalized_bits(&[0.0f32, 0.0], &[1.0, 1.0]),
        ),
        (
            relent::kl_logits(&[m, m], &[0.0f32, 1.0], 1.0),
            relent::precise::kl_logits(&[m, m], &[0.0f32, 1.0], 1.0),
        ),
    ];
    for (root, precise) in cases {
        assert_eq!(root, precise);
    }
    assert_eq!(
        relent::precise::kl(&[0.5f32, 0.5], &[0.5, -0.5]),
        Err(Error::InvalidElement {
            arg: "q",
            index: 1,
            value: -0.5,
            kind: InvalidKind::Negative
        })
    );
    assert_eq!(
        relent::kl_logits(&[m, m], &[0.0f32, 1.0], 1.0),
        Err(Error::ZeroTotal { arg: "logits_a" })
    );
    assert!(matches!(
        relent::precise::gaussian::kl_diag(&[0.0f32], &[0.0], &[0.0], &[1.0]),
        Err(Error::InvalidElement {
            arg: "var_p",
            kind: InvalidKind::Zero,
            ..
        })
    ));
}
