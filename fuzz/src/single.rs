//! Target `checked_single`: the checked single-pair API of `relent`.
//!
//! # Input format
//!
//! Every byte string decodes (missing bytes read as 0):
//!
//! | byte(s) | meaning |
//! |---|---|
//! | 0 | function: index into [`FUNCS`] (mod its length) |
//! | 1 | element type: `f32`, `f64`, `f16`, `bf16` (mod 4) |
//! | 2 (+8) | temperature: < 200 a common value, < 240 a special (0, −0, −1, NaN, ±∞, 5e-324, MAX), else the next 8 bytes as `f64` bits |
//! | 3 (+2) | length n: < 250 → `b % 130`, else 130 + the next `u16` mod 2000 |
//! | 4 (+1) | shape: < 200 all lengths n; < 240 identical arguments (each argument a copy of the first of its domain); else argument `(b − 240) % nargs` gets length `next % 130` |
//! | then | the elements, argument after argument, each from a tag byte (see [`element`]) |
//!
//! # Oracle
//!
//! - The expected error is computed independently ([`expected`]): lengths, emptiness, the
//!   temperature, the first element outside its domain (arguments in signature order, lowest
//!   index first) with its value and kind, then zero totals. `Err` must be exactly it
//!   (values compared by bits); `Ok` only when none is expected.
//! - `Ok(v)`: never NaN; ≥ 0 where the contract says so; within [`crate::bounds`] of
//!   `relent_scalar` (relative to the larger of |value| and Σ|terms| where terms of both
//!   signs can cancel); exactly 0 for a divergence of identical arguments.

use relent::{Element, Error, InvalidKind};

use crate::bounds;
use crate::bytes::Reader;

/// The contract's domains (relent's "Domains" table), stated independently of `relent`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dom {
    /// Probabilities: finite and ≥ 0 (`-0.0` allowed).
    Prob,
    /// Log-probabilities and logits: anything but NaN and +∞.
    Log,
    /// Gaussian means and log-variances: finite.
    Finite,
    /// Variances: finite and > 0.
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

/// How the error bound scales.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Relative to the value (sums of non-negative terms).
    Value,
    /// Relative to Σ|terms| in nats (sums whose terms can have both signs).
    Terms(Terms),
}

/// Which sum of absolute terms bounds a cancelling sum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Terms {
    /// Σg + |KL| with g = p·ln(p/q) − p + q ≥ 0 (the documented scale of `kl`).
    Kl,
    /// Σ |p·ln q|.
    CrossEntropy,
    /// Σ |p·ln p|.
    Entropy,
    /// Σ |e^lp·(lp − lq)|.
    KlLog,
    /// Σg/Σp + KLₙ + |ln(Σq/Σp)| (g the generalised-KL terms), plus an absolute
    /// 2^-90·Σ(p + q)/Σp: the documented scale of `kl_normalized`.
    KlNormalized,
    /// Σ p·|ln p − ln q| + |lse(a/t)| + |lse(b/t)| with p = softmax(a/t), q = softmax(b/t):
    /// the documented scale of `kl_logits` (its streaming form cancels the log-sum-exp
    /// shifts, so the error is relative to them, not to a tiny KL).
    Logits,
}

/// One function of the checked API with its reference.
pub struct Func {
    /// The name, as in `relent`.
    pub name: &'static str,
    /// Argument names and domains, in signature order.
    pub args: &'static [(&'static str, Dom)],
    /// Takes a temperature.
    pub temperature: bool,
    /// Refuses zero totals (all zeros / all masked).
    pub normalises: bool,
    /// Documented ≥ 0.
    pub non_negative: bool,
    /// Identical arguments give exactly 0.
    pub zero_on_identical: bool,
    /// In bits (the reference and the terms are divided by ln 2).
    pub bits: bool,
    /// How the bound scales.
    pub scale: Scale,
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

macro_rules! funcs {
    ($($name:literal $args:ident t=$t:literal norm=$n:literal nonneg=$nn:literal zero=$z:literal bits=$b:literal $scale:expr;)*) => {
        /// Every function of the checked single-pair API (the order fixes the input format:
        /// append only).
        pub const FUNCS: &[Func] = &[$(Func {
            name: $name,
            args: $args,
            temperature: $t,
            normalises: $n,
            non_negative: $nn,
            zero_on_identical: $z,
            bits: $b,
            scale: $scale,
        }),*];
    };
}

use Scale::{Terms as T, Value as V};
funcs! {
    "kl" PQ t=false norm=false nonneg=false zero=true bits=false T(Terms::Kl);
    "kl_bits" PQ t=false norm=false nonneg=false zero=true bits=true T(Terms::Kl);
    "kl_normalized" PQ t=false norm=true nonneg=true zero=true bits=false T(Terms::KlNormalized);
    "kl_normalized_bits" PQ t=false norm=true nonneg=true zero=true bits=true T(Terms::KlNormalized);
    "cross_entropy" PQ t=false norm=false nonneg=false zero=false bits=false T(Terms::CrossEntropy);
    "cross_entropy_bits" PQ t=false norm=false nonneg=false zero=false bits=true T(Terms::CrossEntropy);
    "entropy" P t=false norm=false nonneg=false zero=false bits=false T(Terms::Entropy);
    "entropy_bits" P t=false norm=false nonneg=false zero=false bits=true T(Terms::Entropy);
    "generalized_kl" PQ t=false norm=false nonneg=true zero=true bits=false V;
    "generalized_kl_bits" PQ t=false norm=false nonneg=true zero=true bits=true V;
    "jeffreys" PQ t=false norm=false nonneg=true zero=true bits=false V;
    "jeffreys_bits" PQ t=false norm=false nonneg=true zero=true bits=true V;
    "js_divergence" PQ t=false norm=false nonneg=true zero=true bits=false V;
    "js_divergence_bits" PQ t=false norm=false nonneg=true zero=true bits=true V;
    "js_distance" PQ t=false norm=false nonneg=true zero=true bits=false V;
    "js_distance_bits" PQ t=false norm=false nonneg=true zero=true bits=true V;
    "kl_log" LOG t=false norm=false nonneg=false zero=true bits=false T(Terms::KlLog);
    "kl_log_bits" LOG t=false norm=false nonneg=false zero=true bits=true T(Terms::KlLog);
    "kl_logits" LOGITS t=true norm=true nonneg=true zero=true bits=false T(Terms::Logits);
    "kl_logits_bits" LOGITS t=true norm=true nonneg=true zero=true bits=true T(Terms::Logits);
    "gaussian::kl_diag" GAUSS t=false norm=false nonneg=true zero=true bits=false V;
    "gaussian::kl_diag_logvar" GAUSS_LOGVAR t=false norm=false nonneg=true zero=true bits=false V;
}

/// The checked call, by index into [`FUNCS`].
fn call<E: Elem>(i: usize, a: &[&[E]], t: f64) -> Result<f64, Error> {
    use relent::gaussian as g;
    match i {
        0 => relent::kl(a[0], a[1]),
        1 => relent::kl_bits(a[0], a[1]),
        2 => relent::kl_normalized(a[0], a[1]),
        3 => relent::kl_normalized_bits(a[0], a[1]),
        4 => relent::cross_entropy(a[0], a[1]),
        5 => relent::cross_entropy_bits(a[0], a[1]),
        6 => relent::entropy(a[0]),
        7 => relent::entropy_bits(a[0]),
        8 => relent::generalized_kl(a[0], a[1]),
        9 => relent::generalized_kl_bits(a[0], a[1]),
        10 => relent::jeffreys(a[0], a[1]),
        11 => relent::jeffreys_bits(a[0], a[1]),
        12 => relent::js_divergence(a[0], a[1]),
        13 => relent::js_divergence_bits(a[0], a[1]),
        14 => relent::js_distance(a[0], a[1]),
        15 => relent::js_distance_bits(a[0], a[1]),
        16 => relent::kl_log(a[0], a[1]),
        17 => relent::kl_log_bits(a[0], a[1]),
        18 => relent::kl_logits(a[0], a[1], t),
        19 => relent::kl_logits_bits(a[0], a[1], t),
        20 => g::kl_diag(a[0], a[1], a[2], a[3]),
        _ => g::kl_diag_logvar(a[0], a[1], a[2], a[3]),
    }
}

/// The reference value (`relent_scalar`) by index into [`FUNCS`].
fn reference<E: Elem>(i: usize, a: &[&[E]], t: f64) -> f64 {
    use relent_scalar as s;
    use relent_scalar::gaussian as g;
    match i {
        0 => s::kl(a[0], a[1]),
        1 => s::kl_bits(a[0], a[1]),
        2 => s::kl_normalized(a[0], a[1]),
        3 => s::kl_normalized_bits(a[0], a[1]),
        4 => s::cross_entropy(a[0], a[1]),
        5 => s::cross_entropy_bits(a[0], a[1]),
        6 => s::entropy(a[0]),
        7 => s::entropy_bits(a[0]),
        8 => s::generalized_kl(a[0], a[1]),
        9 => s::generalized_kl_bits(a[0], a[1]),
        10 => s::jeffreys(a[0], a[1]),
        11 => s::jeffreys_bits(a[0], a[1]),
        12 => s::js_divergence(a[0], a[1]),
        13 => s::js_divergence_bits(a[0], a[1]),
        14 => s::js_distance(a[0], a[1]),
        15 => s::js_distance_bits(a[0], a[1]),
        16 => s::kl_log(a[0], a[1]),
        17 => s::kl_log_bits(a[0], a[1]),
        18 => s::kl_logits(a[0], a[1], t),
        19 => s::kl_logits_bits(a[0], a[1], t),
        20 => g::kl_diag(a[0], a[1], a[2], a[3]),
        _ => g::kl_diag_logvar(a[0], a[1], a[2], a[3]),
    }
}

/// An element type the fuzzer can build from raw bits.
pub trait Elem: Element {
    /// Bytes of one element.
    const SIZE: usize;
    /// The element with these bits (little-endian, `SIZE` bytes used).
    fn from_le(bytes: [u8; 8]) -> Self;
    /// The documented bound for inputs of this type.
    const BOUND: f64;
}

impl Elem for f64 {
    const SIZE: usize = 8;
    const BOUND: f64 = bounds::REL_BOUND_F64;
    fn from_le(b: [u8; 8]) -> Self {
        f64::from_le_bytes(b)
    }
}

impl Elem for f32 {
    const SIZE: usize = 4;
    const BOUND: f64 = bounds::REL_BOUND_F32;
    fn from_le(b: [u8; 8]) -> Self {
        f32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }
}

impl Elem for half::f16 {
    const SIZE: usize = 2;
    const BOUND: f64 = bounds::REL_BOUND_F32;
    fn from_le(b: [u8; 8]) -> Self {
        half::f16::from_le_bytes([b[0], b[1]])
    }
}

impl Elem for half::bf16 {
    const SIZE: usize = 2;
    const BOUND: f64 = bounds::REL_BOUND_F32;
    fn from_le(b: [u8; 8]) -> Self {
        half::bf16::from_le_bytes([b[0], b[1]])
    }
}

/// Special element values (rounded to the element type).
pub const SPECIALS: [f64; 20] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    1e-300,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    1.401298464324817e-45,
    f64::MAX,
    f64::MIN,
    1e300,
    1e38,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    -f64::NAN,
    700.0,
    -745.0,
];

/// Common temperatures (selector < 200).
pub const TEMPERATURES: [f64; 8] = [1.0, 0.5, 2.0, 0.1, 10.0, 1e-3, 1e3, 0.7];

/// Special temperatures (selector 200..240).
pub const SPECIAL_TEMPERATURES: [f64; 8] = [
    0.0,
    -0.0,
    -1.0,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    5e-324,
    f64::MAX,
];

/// One element from a tag byte: `< 128` a value typical of the domain (probabilities
/// `tag/127` with exact zeros, logits `−tag/8`, means `(tag−64)/8`, variances `(tag+1)/32`),
/// `< 192` one of [`SPECIALS`], else raw bits from the next `E::SIZE` bytes.
pub fn element<E: Elem>(r: &mut Reader<'_>, dom: Dom) -> E {
    let tag = r.u8();
    match tag {
        0..=127 => {
            let t = f64::from(tag);
            E::from_f64(match dom {
                Dom::Prob => t / 127.0,
                Dom::Log => -t / 8.0,
                Dom::Finite => (t - 64.0) / 8.0,
                Dom::Positive => (t + 1.0) / 32.0,
            })
        }
        128..=191 => E::from_f64(SPECIALS[usize::from(tag - 128) % SPECIALS.len()]),
        _ => {
            let mut b = [0u8; 8];
            for x in b.iter_mut().take(E::SIZE) {
                *x = r.u8();
            }
            E::from_le(b)
        }
    }
}

/// A decoded input.
pub struct Input<E> {
    /// Index into [`FUNCS`].
    pub func: usize,
    /// The slice arguments.
    pub args: Vec<Vec<E>>,
    /// The temperature.
    pub temperature: f64,
    /// The arguments were made identical (same domain: copies of the first).
    pub identical: bool,
}

/// The header fields: (function, element type, temperature, lengths, identical).
fn header(r: &mut Reader<'_>) -> (usize, u8, f64, usize, u8) {
    let func = usize::from(r.u8()) % FUNCS.len();
    let dtype = r.u8() % 4;
    let ts = r.u8();
    let t = match ts {
        0..=199 => TEMPERATURES[usize::from(ts) % TEMPERATURES.len()],
        200..=239 => SPECIAL_TEMPERATURES[usize::from(ts - 200) % SPECIAL_TEMPERATURES.len()],
        _ => f64::from_bits(r.u64()),
    };
    let nb = r.u8();
    let n = if nb < 250 {
        usize::from(nb) % 130
    } else {
        130 + usize::from(r.u16()) % 2000
    };
    (func, dtype, t, n, r.u8())
}

/// Decodes the elements after the header.
fn body<E: Elem>(r: &mut Reader<'_>, func: usize, t: f64, n: usize, shape: u8) -> Input<E> {
    let f = &FUNCS[func];
    let mut lens = vec![n; f.args.len()];
    if shape >= 240 {
        let k = usize::from(shape - 240) % f.args.len();
        lens[k] = usize::from(r.u8()) % 130;
    }
    let identical = (200..240).contains(&shape);
    let mut args: Vec<Vec<E>> = Vec::with_capacity(f.args.len());
    for (k, &(_, dom)) in f.args.iter().enumerate() {
        let same = f.args[..k].iter().position(|&(_, d)| d == dom);
        match same {
            Some(j) if identical => {
                let copy = args[j].clone();
                args.push(copy);
            }
            _ => args.push((0..lens[k]).map(|_| element::<E>(r, dom)).collect()),
        }
    }
    Input {
        func,
        args,
        temperature: t,
        identical,
    }
}

/// The error the contract predicts, in its precedence order, or `None` for valid input.
pub fn expected<E: Element>(f: &Func, args: &[&[E]], t: f64) -> Option<Error> {
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

/// Errors equal field by field, values by bits (signs of zero count; any two NaNs are equal:
/// Rust does not specify NaN payloads through `f32` → `f64` conversions).
pub fn same_error(a: &Error, b: &Error) -> bool {
    match (a, b) {
        (
            Error::InvalidElement {
                arg,
                index,
                value,
                kind,
            },
            Error::InvalidElement {
                arg: a2,
                index: i2,
                value: v2,
                kind: k2,
            },
        ) => (arg, index, kind) == (a2, i2, k2) && same_value(*value, *v2),
        (
            Error::InvalidParameter { name, value },
            Error::InvalidParameter {
                name: n2,
                value: v2,
            },
        ) => name == n2 && same_value(*value, *v2),
        _ => a == b,
    }
}

fn same_value(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Σ|terms| of a cancelling sum, in nats, in plain `f64` (a scale for the bound, not a
/// value: its own rounding does not matter).
pub fn abs_terms<E: Element>(terms: Terms, a: &[&[E]], t: f64) -> f64 {
    let x = |s: &[E], i: usize| s[i].to_f64();
    if terms == Terms::Logits {
        return logits_scale(a[0], a[1], t);
    }
    let n = a[0].len();
    (0..n)
        .map(|i| match terms {
            Terms::Kl => {
                // g = p·ln(p/q) − p + q ≥ 0 (q where p = 0): KL's documented scale is Σg + |KL|.
                let (p, q) = (x(a[0], i), x(a[1], i));
                if p == 0.0 {
                    return q;
                }
                (p * (p.ln() - q.ln()) - p + q).abs()
            }
            Terms::CrossEntropy | Terms::Entropy => {
                let p = x(a[0], i);
                if p == 0.0 {
                    return 0.0;
                }
                let q = if terms == Terms::Entropy {
                    p
                } else {
                    x(a[1], i)
                };
                let l = q.ln();
                (p * l).abs()
            }
            Terms::Logits | Terms::KlNormalized => unreachable!("handled by the caller"),
            Terms::KlLog => {
                let (lp, lq) = (x(a[0], i), x(a[1], i));
                // A masked lp, or lp = lq (also where e^lp overflows: the term is exactly 0,
                // not ∞·0), contributes 0.
                if lp == f64::NEG_INFINITY || lp == lq {
                    return 0.0;
                }
                (lp.exp() * (lp - lq)).abs()
            }
        })
        .sum()
}

/// The log-sum-exp of `x/t` and the shifted logits `(x − max)/t` (−∞ where masked), in plain
/// `f64` (a scale, not a value).
fn lse<E: Element>(x: &[E], t: f64) -> (f64, Vec<f64>) {
    let m = x
        .iter()
        .map(|v| v.to_f64())
        .fold(f64::NEG_INFINITY, f64::max);
    let alpha: Vec<f64> = x.iter().map(|v| (v.to_f64() - m) / t).collect();
    let s: f64 = alpha.iter().map(|a| a.exp()).sum();
    (m / t + s.ln(), alpha)
}

/// `kl_logits`' documented scale Σ p·|ln p − ln q| + |lse(a/t)| + |lse(b/t)|.
fn logits_scale<E: Element>(a: &[E], b: &[E], t: f64) -> f64 {
    let (la, alpha) = lse(a, t);
    let (lb, beta) = lse(b, t);
    let (sa, sb) = (
        alpha.iter().map(|x| x.exp()).sum::<f64>().ln(),
        beta.iter().map(|x| x.exp()).sum::<f64>().ln(),
    );
    let terms: f64 = alpha
        .iter()
        .zip(&beta)
        .filter(|(x, _)| **x != f64::NEG_INFINITY)
        .map(|(x, y)| {
            let (lp, lq) = (x - sa, y - sb);
            lp.exp() * (lp - lq).abs()
        })
        .sum();
    terms + la.abs() + lb.abs()
}

/// The arguments for a failure message: each argument's length and its elements that are
/// not zero (up to 24 of them), with their indices.
fn show<E: Element>(args: &[Vec<E>]) -> String {
    let one = |a: &Vec<E>| {
        let nz: Vec<String> = a
            .iter()
            .enumerate()
            .filter(|(_, x)| x.to_f64() != 0.0)
            .take(24)
            .map(|(i, x)| format!("{i}: {:?}", x.to_f64()))
            .collect();
        format!("n={} {{{}}}", a.len(), nz.join(", "))
    };
    let all: Vec<String> = args.iter().map(one).collect();
    format!("[{}] (zeros omitted)", all.join("; "))
}

/// Runs one decoded input and checks the oracle; panics with a description on a violation.
pub fn run<E: Elem>(input: &Input<E>) {
    let f = &FUNCS[input.func];
    let a: Vec<&[E]> = input.args.iter().map(Vec::as_slice).collect();
    let t = input.temperature;
    let got = call(input.func, &a, t);
    let want = expected(f, &a, t);
    let ctx = || {
        format!(
            "{}<{}>(t = {t:?}) on {}",
            f.name,
            E::NAME,
            show(&input.args)
        )
    };
    let v = match (got, want) {
        (Err(g), Some(w)) => {
            assert!(
                same_error(&g, &w),
                "{}: got Err({g:?}), want Err({w:?})",
                ctx()
            );
            return;
        }
        (Err(g), None) => panic!("{}: got Err({g:?}) on valid input", ctx()),
        (Ok(v), Some(w)) => panic!("{}: got Ok({v:?}), want Err({w:?})", ctx()),
        (Ok(v), None) => v,
    };
    assert!(!v.is_nan(), "{}: Ok(NaN)", ctx());
    if f.non_negative {
        assert!(v >= 0.0, "{}: Ok({v:?}) < 0", ctx());
    }
    if input.identical && f.zero_on_identical {
        assert!(v == 0.0, "{}: Ok({v:?}) on identical arguments", ctx());
    }
    // The reference on the same (valid) input, clamped to the documented range as the
    // checked API's contract says.
    let mut r = reference(input.func, &a, t);
    if f.non_negative && r < 0.0 {
        r = 0.0;
    }
    let scale = match f.scale {
        Scale::Value => r.abs(),
        Scale::Terms(Terms::KlNormalized) => {
            // Totals that overflow (f64::MAX entries) are taken in units of 2^64, with the
            // terms that divide by them (a NaN scale would fail every comparison).
            let sum = |v: &[E], k: f64| v.iter().map(|x| x.to_f64() * k).sum::<f64>();
            let big = !(sum(a[0], 1.0) + sum(a[1], 1.0)).is_finite();
            let k = if big { 2f64.powi(-64) } else { 1.0 };
            let (sp, sq) = (sum(a[0], k), sum(a[1], k));
            let nats = r.abs() * if f.bits { std::f64::consts::LN_2 } else { 1.0 };
            let s = abs_terms(Terms::Kl, &a, t) * k / sp
                + nats
                + (sq / sp).ln().abs()
                + bounds::UNDERFLOW * (sp + sq) / sp / E::BOUND;
            if f.bits {
                s / std::f64::consts::LN_2
            } else {
                s
            }
        }
        Scale::Terms(terms) => {
            let mut s = abs_terms(terms, &a, t);
            if terms == Terms::Kl {
                // KL's documented S = Σg + |KL| (g the generalised-KL terms), plus an absolute
                // 2^-90·Σ(p + q), expressed relative to the bound.
                let n: f64 = a[0].iter().chain(a[1]).map(|x| x.to_f64()).sum();
                s += r.abs() * if f.bits { std::f64::consts::LN_2 } else { 1.0 }
                    + bounds::UNDERFLOW * n / E::BOUND;
            }
            if f.bits {
                s / std::f64::consts::LN_2
            } else {
                s
            }
        }
    };
    // The crate docs' absolute allowance for terms that underflow below 2^-1022: 8·2^-1074
    // per such term (in the result's unit); through the square root of the JS distance, √ of
    // it.
    let mut under = 8.0 * f64::from_bits(1) * underflowing(f, &a, t).max(1) as f64;
    if f.bits {
        under /= std::f64::consts::LN_2;
    }
    if f.name.starts_with("js_distance") {
        under = under.sqrt();
    }
    let close = bounds::within(v, r, E::BOUND, scale)
        || (v.is_finite() && r.is_finite() && (v - r).abs() <= E::BOUND * scale + under);
    assert!(
        close,
        "{}: Ok({v:?}), reference {r:?} (bound {:e} × {scale:e})",
        ctx(),
        E::BOUND
    );
}

/// How many terms may underflow below 2^-1022, by the crate docs' description of the inputs
/// that can make one: an index where a probability (or Gaussian parameter) is non-zero and
/// below about 1e-300 (2^-996), or where a log-probability (`kl_log`) or a scaled, shifted
/// logit (x − max)/t (`kl_logits`) is finite and below −700. An over-count is harmless: the
/// allowance is absolute and tiny.
pub fn underflowing<E: Element>(f: &Func, a: &[&[E]], t: f64) -> usize {
    let n = a[0].len();
    let logit_max: Vec<f64> = a
        .iter()
        .map(|s| {
            s.iter()
                .map(|x| x.to_f64())
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .collect();
    (0..n)
        .filter(|&i| {
            f.args.iter().zip(a).enumerate().any(|(k, (&(_, dom), s))| {
                let x = s.get(i).map_or(0.0, |x| x.to_f64());
                match dom {
                    Dom::Log if f.temperature => {
                        let z = (x - logit_max[k]) / t;
                        z > f64::NEG_INFINITY && z < -700.0
                    }
                    Dom::Log => x > f64::NEG_INFINITY && x < -700.0,
                    _ => x != 0.0 && x.abs() < 2f64.powi(-996),
                }
            })
        })
        .count()
}

/// The fuzz entry point: decodes `data` and checks the oracle.
pub fn check(data: &[u8]) {
    let mut r = Reader::new(data);
    let (func, dtype, t, n, shape) = header(&mut r);
    match dtype {
        0 => run(&body::<f32>(&mut r, func, t, n, shape)),
        1 => run(&body::<f64>(&mut r, func, t, n, shape)),
        2 => run(&body::<half::f16>(&mut r, func, t, n, shape)),
        _ => run(&body::<half::bf16>(&mut r, func, t, n, shape)),
    }
}
