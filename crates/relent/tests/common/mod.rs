//! The checked API as a table, shared by the hostile-input and concurrency tests: every
//! function (with its `_bits` twin) with its argument names and domains, stated here
//! independently of `relent`'s own validation code, and the error the contract predicts.
#![allow(dead_code)] // each test file uses a different part of the table

use relent::{Element, Error, InvalidKind};

/// The contract's domains (lib.rs "Domains" table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dom {
    /// Finite and ≥ 0 (`-0.0` allowed).
    Prob,
    /// Anything but NaN and +∞.
    Log,
    /// Finite.
    Finite,
    /// Finite and > 0.
    Positive,
}

/// What the contract says is wrong with `x` in `dom`, if anything.
pub fn kind(dom: Dom, x: f64) -> Option<InvalidKind> {
    let bad = match dom {
        Dom::Prob => !(x.is_finite() && x >= 0.0),
        Dom::Log => x.is_nan() || x == f64::INFINITY,
        Dom::Finite => !x.is_finite(),
        Dom::Positive => !(x.is_finite() && x > 0.0),
    };
    if !bad {
        None
    } else if x.is_nan() {
        Some(InvalidKind::NaN)
    } else if x.is_infinite() {
        Some(InvalidKind::Infinite)
    } else if x == 0.0 {
        Some(InvalidKind::Zero)
    } else {
        Some(InvalidKind::Negative)
    }
}

/// A call: the slice arguments in signature order and the temperature (ignored by functions
/// without one).
pub type Call<T> = fn(&[&[T]], f64) -> Result<f64, Error>;

/// One checked function.
#[derive(Clone, Copy)]
pub struct Func<T> {
    pub name: &'static str,
    /// Argument names and domains, in signature order.
    pub args: &'static [(&'static str, Dom)],
    pub temperature: bool,
    /// Refuses a zero total (all zeros / all masked): `kl_normalized`, `kl_logits`.
    pub normalises: bool,
    /// The documented range is ≥ 0.
    pub non_negative: bool,
    pub call: Call<T>,
}

const PQ: &[(&str, Dom)] = &[("p", Dom::Prob), ("q", Dom::Prob)];
const P: &[(&str, Dom)] = &[("p", Dom::Prob)];
const LOG: &[(&str, Dom)] = &[("lp", Dom::Log), ("lq", Dom::Log)];
const LOGITS: &[(&str, Dom)] = &[("logits_a", Dom::Log), ("logits_b", Dom::Log)];
const GAUSS: &[(&str, Dom)] = &[
    ("mu_p", Dom::Finite),
    ("var_p", Dom::Positive),
    ("mu_q", Dom::Finite),
    ("var_q", Dom::Positive),
];
const GAUSS_LOGVAR: &[(&str, Dom)] = &[
    ("mu_p", Dom::Finite),
    ("logvar_p", Dom::Finite),
    ("mu_q", Dom::Finite),
    ("logvar_q", Dom::Finite),
];

macro_rules! table {
    ($($name:literal, $args:ident, $t:literal, $norm:literal, $nonneg:literal, $call:expr;)*) => {
        vec![$(Func {
            name: $name,
            args: $args,
            temperature: $t,
            normalises: $norm,
            non_negative: $nonneg,
            call: $call,
        }),*]
    };
}

/// Every checked function of the single-pair API.
pub fn funcs<T: Element>() -> Vec<Func<T>> {
    use relent::gaussian;
    table! {
        "kl", PQ, false, false, false, |a, _| relent::kl(a[0], a[1]);
        "kl_bits", PQ, false, false, false, |a, _| relent::kl_bits(a[0], a[1]);
        "kl_normalized", PQ, false, true, true, |a, _| relent::kl_normalized(a[0], a[1]);
        "kl_normalized_bits", PQ, false, true, true, |a, _| relent::kl_normalized_bits(a[0], a[1]);
        "cross_entropy", PQ, false, false, false, |a, _| relent::cross_entropy(a[0], a[1]);
        "cross_entropy_bits", PQ, false, false, false, |a, _| relent::cross_entropy_bits(a[0], a[1]);
        "entropy", P, false, false, false, |a, _| relent::entropy(a[0]);
        "entropy_bits", P, false, false, false, |a, _| relent::entropy_bits(a[0]);
        "generalized_kl", PQ, false, false, true, |a, _| relent::generalized_kl(a[0], a[1]);
        "generalized_kl_bits", PQ, false, false, true, |a, _| relent::generalized_kl_bits(a[0], a[1]);
        "jeffreys", PQ, false, false, true, |a, _| relent::jeffreys(a[0], a[1]);
        "jeffreys_bits", PQ, false, false, true, |a, _| relent::jeffreys_bits(a[0], a[1]);
        "js_divergence", PQ, false, false, true, |a, _| relent::js_divergence(a[0], a[1]);
        "js_divergence_bits", PQ, false, false, true, |a, _| relent::js_divergence_bits(a[0], a[1]);
        "js_distance", PQ, false, false, true, |a, _| relent::js_distance(a[0], a[1]);
        "js_distance_bits", PQ, false, false, true, |a, _| relent::js_distance_bits(a[0], a[1]);
        "kl_log", LOG, false, false, false, |a, _| relent::kl_log(a[0], a[1]);
        "kl_log_bits", LOG, false, false, false, |a, _| relent::kl_log_bits(a[0], a[1]);
        "kl_logits", LOGITS, true, true, true, |a, t| relent::kl_logits(a[0], a[1], t);
        "kl_logits_bits", LOGITS, true, true, true, |a, t| relent::kl_logits_bits(a[0], a[1], t);
        "gaussian::kl_diag", GAUSS, false, false, true,
            |a, _| gaussian::kl_diag(a[0], a[1], a[2], a[3]);
        "gaussian::kl_diag_logvar", GAUSS_LOGVAR, false, false, true,
            |a, _| gaussian::kl_diag_logvar(a[0], a[1], a[2], a[3]);
    }
}

/// The error the contract predicts for `f` on `args` at temperature `t`, in its precedence
/// order (length, empty, parameter, first invalid element, zero total), or `None`.
pub fn expected<T: Element>(f: &Func<T>, args: &[&[T]], t: f64) -> Option<Error> {
    let n = args[0].len();
    if let Some(k) = (1..args.len()).find(|&k| args[k].len() != n) {
        return Some(Error::LengthMismatch {
            first: f.args[0].0,
            first_len: n,
            second: f.args[k].0,
            second_len: args[k].len(),
        });
    }
    if n == 0 {
        return Some(Error::Empty);
    }
    if f.temperature && !(t.is_finite() && t > 0.0) {
        return Some(Error::InvalidParameter {
            name: "temperature",
            value: t,
        });
    }
    for (&(arg, dom), a) in f.args.iter().zip(args) {
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
    if f.normalises {
        for (&(arg, dom), a) in f.args.iter().zip(args) {
            let massless = a.iter().all(|x| match dom {
                Dom::Log => x.to_f64() == f64::NEG_INFINITY,
                _ => x.to_f64() == 0.0,
            });
            if massless {
                return Some(Error::ZeroTotal { arg });
            }
        }
    }
    None
}

/// Bit-level identity of two results: errors by their fields with values compared by bits
/// (so the sign of zero counts), values by bits. Any two NaNs are the same value: Rust does
/// not specify NaN payloads through conversions such as `f32` → `f64` (and Miri varies them).
fn same_value(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Bit-level identity of two results (see [`same_value`]).
pub fn same(a: &Result<f64, Error>, b: &Result<f64, Error>) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => same_value(*x, *y),
        (
            Err(Error::InvalidElement {
                arg,
                index,
                value,
                kind,
            }),
            Err(Error::InvalidElement {
                arg: a2,
                index: i2,
                value: v2,
                kind: k2,
            }),
        ) => (arg, index, kind) == (a2, i2, k2) && same_value(*value, *v2),
        (
            Err(Error::InvalidParameter { name, value }),
            Err(Error::InvalidParameter {
                name: n2,
                value: v2,
            }),
        ) => name == n2 && same_value(*value, *v2),
        (Err(x), Err(y)) => x == y,
        _ => false,
    }
}

/// Valid data for a domain: deterministic, with zeros among the probabilities (at the same
/// positions in every probability argument), never all zero / all masked.
pub fn valid<T: Element>(dom: Dom, n: usize) -> Vec<T> {
    (0..n)
        .map(|i| {
            let x = match dom {
                Dom::Prob if i % 5 == 3 => 0.0,
                Dom::Prob => f64::from((i % 7) as u8 + 1) / 8.0,
                Dom::Log => -f64::from((i % 7) as u8) / 4.0,
                Dom::Finite => f64::from((i % 5) as u8) - 2.0,
                Dom::Positive => 0.5 + f64::from((i % 3) as u8),
            };
            T::from_f64(x)
        })
        .collect()
}

/// Valid arguments of length `n` for `f`.
pub fn valid_args<T: Element>(f: &Func<T>, n: usize) -> Vec<Vec<T>> {
    f.args.iter().map(|&(_, dom)| valid(dom, n)).collect()
}

/// Borrows owned arguments as the call expects them.
pub fn refs<T>(args: &[Vec<T>]) -> Vec<&[T]> {
    args.iter().map(Vec::as_slice).collect()
}
