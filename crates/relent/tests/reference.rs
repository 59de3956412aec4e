//! The checked API against the exact reference (`relent-scalar`, double-double): on the shared
//! generator's cases (`relent-testgen`), every result lies within the documented bound of the
//! reference value, for every function and `_bits` twin, every element type, both precisions
//! (the crate root and `relent::precise`), on the backend in use (run the suite under
//! `RELENT_BACKEND=scalar|portable|avx2|avx512` to cover each).
//!
//! The tolerance is derived from the bounds, never picked:
//! - the kernel's documented bound ε·S (crate docs, `# Accuracy`): ε = 2^-49 for `f64` inputs
//!   and for `precise`, 2^-21 for `f32`/`f16`/`bf16` at the default precision; S the
//!   function's scale, computed here from the inputs (plain `f64` sums of magnitudes, whose
//!   own relative error, ≤ n·2^-53, only perturbs the bound in its ~10th digit);
//! - plus KL's additive 2^-90·Σ(p + q) (its exact Σ(p − q)), ÷ Σp for KL-normalised;
//! - plus the documented underflow allowance: 8·2^-1074 per element (÷ Σp for KL-normalised);
//! - plus the reference's own error: ≤ 2^-50 of its value and 2^-98·(S + Σ(p + q)) before
//!   rounding (relent-scalar: a few 2^-100 of the sum of its terms' magnitudes);
//! - `_bits` twins: the same divided by ln 2, plus 2^-52 of the value (one division);
//! - the JS distance: the divergence's tolerance δ propagated through the square root,
//!   |√a − √b| = |a − b| / (√a + √b), plus one rounding.
//!
//! Also checked on every case: `relent::unchecked::*` returns the same bits as the checked
//! function, results do not depend on the slice's alignment (the checked call reads a
//! misaligned copy), +∞ exactly where the reference is +∞, and the expected error for empty
//! and zero-total inputs. The largest observed error (as a fraction of S) is printed per
//! function, element type and precision: `cargo test -p relent --test reference -- --nocapture`.
// Sweeps over every generated case: far too slow under Miri, which runs the other suites.
#![cfg(not(miri))]

use std::collections::BTreeMap;
use std::f64::consts::LN_2;

use relent::{Element, Error};
use relent_simd::bounds;
use relent_testgen::Case;

/// 2^-1074, the smallest subnormal.
const TINY: f64 = f64::from_bits(1);

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Prec {
    Default,
    High,
}

/// The documented ε of `T` at `prec` (relent-simd's bounds table).
fn eps<T: Element>(prec: Prec) -> f64 {
    bounds::epsilon::<T>(match prec {
        Prec::Default => relent::Precision::Default,
        Prec::High => relent::Precision::High,
    })
}

/// How a result relates to its base divergence.
#[derive(Clone, Copy, PartialEq)]
enum Unit {
    Nats,
    Bits,
    /// √(divergence)
    Sqrt,
    /// √(divergence / ln 2)
    SqrtBits,
}

/// The worst observed |err| / S per (function, type, precision).
#[derive(Default)]
struct Tally(BTreeMap<(String, &'static str, Prec), (f64, String)>);

impl Tally {
    fn note(&mut self, key: (String, &'static str, Prec), rel: f64, case: &str) {
        let e = self.0.entry(key).or_insert((0.0, String::new()));
        if rel > e.0 {
            *e = (rel, case.to_string());
        }
    }
    fn print(&self) {
        println!("backend: {}", relent::backend());
        for ((f, t, p), (rel, case)) in &self.0 {
            let l = if *rel > 0.0 {
                format!("2^{:.1}", rel.log2())
            } else {
                "0".into()
            };
            println!("{f:>22} {t:>4} {p:?}: max |err|/S = {rel:.3e} ({l}) at {case}");
        }
    }
}

/// One result against the reference. `want` and `scale` describe the base divergence (in
/// nats); `unit` says how the result was derived from it; `extra` is the absolute part of the
/// bound (KL's 2^-90 term, underflow) in nats.
#[allow(clippy::too_many_arguments)]
fn check(
    what: &str,
    got: f64,
    want_base: f64,
    want: f64,
    eps: f64,
    scale: f64,
    extra: f64,
    unit: Unit,
) -> f64 {
    if want.is_infinite() || got.is_infinite() || want_base.is_infinite() {
        assert_eq!(got, want, "{what}: got {got:e}, reference {want:e}");
        return 0.0;
    }
    assert!(
        got.is_finite(),
        "{what}: got {got:e}, reference {want:e} (finite)"
    );
    // The base divergence's tolerance: kernel bound + absolute terms + the reference's error.
    let delta = eps * scale + extra + 2f64.powi(-50) * want_base.abs() + 2f64.powi(-98) * scale;
    let err = (got - want).abs();
    let tol = match unit {
        Unit::Nats => delta,
        Unit::Bits => delta / LN_2 + 2f64.powi(-52) * want.abs(),
        Unit::Sqrt | Unit::SqrtBits => {
            let d = if unit == Unit::Sqrt {
                delta
            } else {
                delta / LN_2
            };
            if got + want > 0.0 {
                d / (got + want) + 2f64.powi(-52) * want
            } else {
                0.0
            }
        }
    };
    assert!(
        err <= tol,
        "{what}: got {got:e}, reference {want:e}: error {err:e} > tolerance {tol:e} \
         (ε = {eps:e}, S = {scale:e})"
    );
    // The error as a fraction of S, in the base unit (not counted for underflowed scales).
    let base_err = match unit {
        Unit::Nats => err,
        Unit::Bits => err * LN_2,
        Unit::Sqrt => err * (got + want),
        Unit::SqrtBits => err * (got + want) * LN_2,
    };
    if scale > 1e-290 {
        base_err / scale
    } else {
        0.0
    }
}

fn f64s<T: Element>(v: &[T]) -> Vec<f64> {
    v.iter().map(|x| x.to_f64()).collect()
}

fn all_zero(v: &[f64]) -> bool {
    v.iter().all(|&x| x == 0.0)
}

type Checked<T> = fn(&[T], &[T]) -> Result<f64, Error>;
type Unchecked<T> = fn(&[T], &[T]) -> f64;
type Reference<T> = fn(&[T], &[T]) -> f64;

/// A pairwise function with its flavours, its reference and how it relates to its base.
struct Pair<T> {
    name: &'static str,
    default: Checked<T>,
    precise: Checked<T>,
    unchecked: Unchecked<T>,
    /// The reference of this very function (bits included).
    reference: Reference<T>,
    /// The reference of the base divergence (nats, before a square root).
    base: Reference<T>,
    unit: Unit,
}

macro_rules! pair {
    ($name:ident, $bits:ident, $base:ident, $nats_unit:ident, $bits_unit:ident) => {
        [
            Pair::<T> {
                name: stringify!($name),
                default: |p, q| relent::$name(p, q),
                precise: |p, q| relent::precise::$name(p, q),
                unchecked: |p, q| relent::unchecked::$name(p, q),
                reference: |p, q| relent_scalar::$name(p, q),
                base: |p, q| relent_scalar::$base(p, q),
                unit: Unit::$nats_unit,
            },
            Pair::<T> {
                name: stringify!($bits),
                default: |p, q| relent::$bits(p, q),
                precise: |p, q| relent::precise::$bits(p, q),
                unchecked: |p, q| relent::unchecked::$bits(p, q),
                reference: |p, q| relent_scalar::$bits(p, q),
                base: |p, q| relent_scalar::$base(p, q),
                unit: Unit::$bits_unit,
            },
        ]
    };
}

fn pairs<T: Element>() -> Vec<Pair<T>> {
    let mut v = Vec::new();
    v.extend(pair!(kl, kl_bits, kl, Nats, Bits));
    v.extend(pair!(
        kl_normalized,
        kl_normalized_bits,
        kl_normalized,
        Nats,
        Bits
    ));
    v.extend(pair!(
        cross_entropy,
        cross_entropy_bits,
        cross_entropy,
        Nats,
        Bits
    ));
    v.extend(pair!(
        generalized_kl,
        generalized_kl_bits,
        generalized_kl,
        Nats,
        Bits
    ));
    v.extend(pair!(jeffreys, jeffreys_bits, jeffreys, Nats, Bits));
    v.extend(pair!(
        js_divergence,
        js_divergence_bits,
        js_divergence,
        Nats,
        Bits
    ));
    v.extend(pair!(
        js_distance,
        js_distance_bits,
        js_divergence,
        Sqrt,
        SqrtBits
    ));
    v.extend(pair!(kl_log, kl_log_bits, kl_log, Nats, Bits));
    v.extend([
        Pair::<T> {
            name: "entropy",
            default: |p, _| relent::entropy(p),
            precise: |p, _| relent::precise::entropy(p),
            unchecked: |p, _| relent::unchecked::entropy(p),
            reference: |p, _| relent_scalar::entropy(p),
            base: |p, _| relent_scalar::entropy(p),
            unit: Unit::Nats,
        },
        Pair::<T> {
            name: "entropy_bits",
            default: |p, _| relent::entropy_bits(p),
            precise: |p, _| relent::precise::entropy_bits(p),
            unchecked: |p, _| relent::unchecked::entropy_bits(p),
            reference: |p, _| relent_scalar::entropy_bits(p),
            base: |p, _| relent_scalar::entropy(p),
            unit: Unit::Bits,
        },
    ]);
    v
}

/// The scale S of the base divergence `base` (see the crate's `# Accuracy` sections) and the
/// absolute part of its bound, from the inputs as stored.
fn scale_of<T: Element>(base: &str, p: &[T], q: &[T], want_base: f64) -> (f64, f64) {
    let (pf, qf) = (f64s(p), f64s(q));
    let n = pf.len() as f64;
    let sum = |v: &[f64]| v.iter().sum::<f64>();
    // Underflow allowance, plus the reference's own error before rounding: a few 2^-100 of
    // its terms' magnitudes, which for probability terms are ≤ Σ(p + q) (not the value).
    let underflow = 8.0 * n * TINY
        + if base == "kl_log" {
            0.0
        } else {
            2f64.powi(-98) * (sum(&pf) + sum(&qf))
        };
    let abs_terms = |a: &[f64], b: &[f64]| {
        a.iter()
            .zip(b)
            .map(|(&x, &y)| if x == 0.0 { 0.0 } else { (x * y.ln()).abs() })
            .sum::<f64>()
    };
    match base {
        "kl" => {
            let g = relent_scalar::generalized_kl(p, q);
            (
                g + want_base.abs(),
                bounds::UNDERFLOW * (sum(&pf) + sum(&qf)) + underflow,
            )
        }
        "kl_normalized" => {
            let (sp, sq) = (sum(&pf), sum(&qf));
            let g = relent_scalar::generalized_kl(p, q);
            (
                g / sp + want_base.abs() + (sq / sp).ln().abs(),
                (bounds::UNDERFLOW * (sp + sq) + underflow) / sp,
            )
        }
        "cross_entropy" => (abs_terms(&pf, &qf), underflow),
        "entropy" => (abs_terms(&pf, &pf), underflow),
        "kl_log" => {
            let s = pf
                .iter()
                .zip(&qf)
                .map(|(&a, &b)| {
                    if a == f64::NEG_INFINITY {
                        0.0
                    } else {
                        (a.exp() * (a - b)).abs()
                    }
                })
                .sum::<f64>();
            (s, underflow)
        }
        // Every term ≥ 0: the value itself.
        _ => (want_base.abs(), underflow),
    }
}

/// Log-probabilities (log-softmax in f64, rounded once to T) from logits.
fn log_probs<T: Element>(v: &[T]) -> Vec<T> {
    let x = f64s(v);
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return v.to_vec();
    }
    let s: f64 = x.iter().map(|&a| (a - m).exp()).sum();
    let lse = m + s.ln();
    x.iter().map(|&a| T::from_f64(a - lse)).collect()
}

/// log-sum-exp of x (−∞ entries are masked).
fn lse(x: &[f64]) -> f64 {
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    m + x.iter().map(|&a| (a - m).exp()).sum::<f64>().ln()
}

/// S for kl_logits: Σ p·|ln p − ln q| + |lse(a/t)| + |lse(b/t)|.
fn logits_scale<T: Element>(a: &[T], b: &[T], t: f64) -> f64 {
    let x: Vec<f64> = a.iter().map(|v| v.to_f64() / t).collect();
    let y: Vec<f64> = b.iter().map(|v| v.to_f64() / t).collect();
    let (lx, ly) = (lse(&x), lse(&y));
    let terms: f64 = x
        .iter()
        .zip(&y)
        .filter(|(xi, _)| **xi != f64::NEG_INFINITY)
        .map(|(&xi, &yi)| ((xi - lx).exp() * ((xi - lx) - (yi - ly))).abs())
        .sum();
    terms + lx.abs() + ly.abs()
}

fn expect_err(what: &str, got: Result<f64, Error>, want: Error) {
    assert_eq!(got, Err(want), "{what}");
}

/// Every pairwise function on every probability case (and `kl_log` on log-softmaxed logit
/// cases), both precisions.
fn probability_cases<T: Element>(seed: u64, tally: &mut Tally) {
    let cases = relent_testgen::cases::<T>(seed);
    let logit = relent_testgen::logit_cases::<T>(seed ^ 0x10_6175);
    let log_cases: Vec<Case<T>> = logit
        .iter()
        .map(|c| Case {
            name: format!("log_softmax({})", c.name),
            p: log_probs(&c.p),
            q: log_probs(&c.q),
        })
        .collect();
    for f in pairs::<T>() {
        let set = if f.name.starts_with("kl_log") {
            &log_cases
        } else {
            &cases
        };
        for (i, c) in set.iter().enumerate() {
            let what = |prec: &str| format!("{}<{}> {prec} on {}", f.name, T::NAME, c.name);
            let (buf_p, rp) = relent_testgen::with_offset(&c.p, i % 8);
            let (buf_q, rq) = relent_testgen::with_offset(&c.q, (i + 3) % 8);
            let (mp, mq) = (&buf_p[rp], &buf_q[rq]);
            if c.p.is_empty() {
                expect_err(&what("default"), (f.default)(mp, mq), Error::Empty);
                expect_err(&what("precise"), (f.precise)(mp, mq), Error::Empty);
                continue;
            }
            if f.name.starts_with("kl_normalized") {
                let zero = if all_zero(&f64s(&c.p)) {
                    Some("p")
                } else if all_zero(&f64s(&c.q)) {
                    Some("q")
                } else {
                    None
                };
                if let Some(arg) = zero {
                    expect_err(
                        &what("default"),
                        (f.default)(mp, mq),
                        Error::ZeroTotal { arg },
                    );
                    expect_err(
                        &what("precise"),
                        (f.precise)(mp, mq),
                        Error::ZeroTotal { arg },
                    );
                    continue;
                }
            }
            let want = (f.reference)(&c.p, &c.q);
            let want_base = (f.base)(&c.p, &c.q);
            let base_name = match f.name {
                n if n.starts_with("js_") => "js_divergence",
                n => n.trim_end_matches("_bits"),
            };
            let (scale, extra) = scale_of(base_name, &c.p, &c.q, want_base);
            // Documented exemption: f64 inputs at the bottom of the range (every value below
            // 1e-290), whose terms underflow into subnormals, then divided by the tiny Σp.
            let bottom = T::NAME == "f64"
                && f64s(&c.p)
                    .iter()
                    .chain(&f64s(&c.q))
                    .all(|x| x.abs() < 1e-290);
            if bottom && base_name == "kl_normalized" {
                let got = (f.default)(mp, mq).unwrap();
                assert_eq!(got.is_finite(), want.is_finite(), "{}", what("default"));
                continue;
            }
            for (prec, func) in [(Prec::Default, f.default), (Prec::High, f.precise)] {
                let w = what(&format!("{prec:?}"));
                let got = func(mp, mq).unwrap_or_else(|e| panic!("{w}: unexpected error {e}"));
                let rel = check(
                    &w,
                    got,
                    want_base,
                    want,
                    eps::<T>(prec),
                    scale,
                    extra,
                    f.unit,
                );
                tally.note((f.name.to_string(), T::NAME, prec), rel, &c.name);
                if prec == Prec::Default {
                    let u = (f.unchecked)(&c.p, &c.q);
                    assert_eq!(
                        u.to_bits(),
                        got.to_bits(),
                        "{w}: unchecked {u:e} != {got:e}"
                    );
                }
            }
        }
    }
}

/// kl_logits (and bits) on the logit cases at a few temperatures.
fn logit_cases<T: Element>(seed: u64, tally: &mut Tally) {
    let cases = relent_testgen::logit_cases::<T>(seed);
    for (i, c) in cases.iter().enumerate() {
        let t = [1.0, 0.5, 3.0, 0.9][i % 4];
        let (buf_a, ra) = relent_testgen::with_offset(&c.p, i % 8);
        let (buf_b, rb) = relent_testgen::with_offset(&c.q, (i + 5) % 8);
        let (ma, mb) = (&buf_a[ra], &buf_b[rb]);
        let masked = |v: &[T]| v.iter().all(|x| x.to_f64() == f64::NEG_INFINITY);
        let want = relent_scalar::kl_logits(&c.p, &c.q, t);
        let want_bits = relent_scalar::kl_logits_bits(&c.p, &c.q, t);
        if masked(&c.q) {
            let e = Error::ZeroTotal { arg: "logits_b" };
            expect_err(&c.name, relent::kl_logits(ma, mb, t), e);
            continue;
        }
        let scale = logits_scale(&c.p, &c.q, t);
        let underflow = 8.0 * c.p.len() as f64 * TINY;
        type L<T> = fn(&[T], &[T], f64) -> Result<f64, Error>;
        let flavours: [(&str, Prec, L<T>, Unit, f64); 4] = [
            (
                "kl_logits",
                Prec::Default,
                relent::kl_logits,
                Unit::Nats,
                want,
            ),
            (
                "kl_logits",
                Prec::High,
                relent::precise::kl_logits,
                Unit::Nats,
                want,
            ),
            (
                "kl_logits_bits",
                Prec::Default,
                relent::kl_logits_bits,
                Unit::Bits,
                want_bits,
            ),
            (
                "kl_logits_bits",
                Prec::High,
                relent::precise::kl_logits_bits,
                Unit::Bits,
                want_bits,
            ),
        ];
        for (name, prec, func, unit, w) in flavours {
            let what = format!("{name}<{}> {prec:?} t={t} on {}", T::NAME, c.name);
            let got = func(ma, mb, t).unwrap_or_else(|e| panic!("{what}: unexpected error {e}"));
            let rel = check(&what, got, want, w, eps::<T>(prec), scale, underflow, unit);
            tally.note((name.to_string(), T::NAME, prec), rel, &c.name);
            if prec == Prec::Default {
                let u = if unit == Unit::Nats {
                    relent::unchecked::kl_logits(&c.p, &c.q, t)
                } else {
                    relent::unchecked::kl_logits_bits(&c.p, &c.q, t)
                };
                assert_eq!(u.to_bits(), got.to_bits(), "{what}: unchecked differs");
            }
        }
    }
}

/// A precision and the checked result at it.
type Flavour = (Prec, Result<f64, Error>);

/// The Gaussian KLs on the Gaussian cases (`logvar/…` cases with log-variances).
fn gaussian_cases<T: Element>(seed: u64, tally: &mut Tally) {
    for (i, c) in relent_testgen::gaussian_cases::<T>(seed).iter().enumerate() {
        let logvar = c.name.starts_with("logvar/");
        let off = |v: &[T], k: usize| relent_testgen::with_offset(v, (i + k) % 8);
        let (a, ra) = off(&c.mu_p, 0);
        let (b, rb) = off(&c.var_p, 1);
        let (cc, rc) = off(&c.mu_q, 2);
        let (d, rd) = off(&c.var_q, 3);
        let args = [&a[ra], &b[rb], &cc[rc], &d[rd]];
        let (name, want, flavours): (&str, f64, [Flavour; 2]) = if logvar {
            (
                "gaussian::kl_diag_logvar",
                relent_scalar::gaussian::kl_diag_logvar(&c.mu_p, &c.var_p, &c.mu_q, &c.var_q),
                [
                    (
                        Prec::Default,
                        relent::gaussian::kl_diag_logvar(args[0], args[1], args[2], args[3]),
                    ),
                    (
                        Prec::High,
                        relent::precise::gaussian::kl_diag_logvar(
                            args[0], args[1], args[2], args[3],
                        ),
                    ),
                ],
            )
        } else {
            (
                "gaussian::kl_diag",
                relent_scalar::gaussian::kl_diag(&c.mu_p, &c.var_p, &c.mu_q, &c.var_q),
                [
                    (
                        Prec::Default,
                        relent::gaussian::kl_diag(args[0], args[1], args[2], args[3]),
                    ),
                    (
                        Prec::High,
                        relent::precise::gaussian::kl_diag(args[0], args[1], args[2], args[3]),
                    ),
                ],
            )
        };
        let finite = |v: &[T]| v.iter().all(|x| x.to_f64().is_finite());
        if ![&c.mu_p, &c.var_p, &c.mu_q, &c.var_q]
            .iter()
            .all(|v| finite(v))
        {
            // Parameters beyond the element type's range (e^30 in f16): an error, not a value.
            for (_, r) in flavours {
                assert!(
                    matches!(r, Err(Error::InvalidElement { .. })),
                    "{name}: {r:?}"
                );
            }
            continue;
        }
        if c.mu_p.is_empty() {
            for (prec, r) in flavours {
                expect_err(&format!("{name} {prec:?}"), r, Error::Empty);
            }
            continue;
        }
        let underflow = 8.0 * c.mu_p.len() as f64 * TINY;
        for (prec, r) in flavours {
            let what = format!("{name}<{}> {prec:?} on {}", T::NAME, c.name);
            let got = r.unwrap_or_else(|e| panic!("{what}: unexpected error {e}"));
            let rel = check(
                &what,
                got,
                want,
                want,
                eps::<T>(prec),
                want.abs(),
                underflow,
                Unit::Nats,
            );
            tally.note((name.to_string(), T::NAME, prec), rel, &c.name);
            if prec == Prec::Default {
                let u = if logvar {
                    relent::unchecked::gaussian::kl_diag_logvar(
                        &c.mu_p, &c.var_p, &c.mu_q, &c.var_q,
                    )
                } else {
                    relent::unchecked::gaussian::kl_diag(&c.mu_p, &c.var_p, &c.mu_q, &c.var_q)
                };
                assert_eq!(u.to_bits(), got.to_bits(), "{what}: unchecked differs");
            }
        }
    }
}

fn all<T: Element>(seed: u64) {
    let mut tally = Tally::default();
    probability_cases::<T>(seed, &mut tally);
    logit_cases::<T>(seed, &mut tally);
    gaussian_cases::<T>(seed, &mut tally);
    tally.print();
}

#[test]
fn f64_within_the_documented_bound_of_the_reference() {
    all::<f64>(0x5EED_0001);
}

#[test]
fn f32_within_the_documented_bound_of_the_reference() {
    all::<f32>(0x5EED_0002);
}

#[cfg(feature = "half")]
#[test]
fn f16_and_bf16_within_the_documented_bound_of_the_reference() {
    all::<half::f16>(0x5EED_0003);
    all::<half::bf16>(0x5EED_0004);
}

/// `relent::backend()` names a backend this CPU runs, the one `RELENT_BACKEND` forces when it
/// is set (and valid), and `try_backend` agrees.
#[test]
fn backend_is_available_and_honours_relent_backend() {
    let b = relent::backend();
    assert!(b.is_available(), "{b}");
    assert!(relent::available_backends().contains(&b));
    match std::env::var("RELENT_BACKEND") {
        Ok(name) if !name.trim().is_empty() => match relent::try_backend() {
            Ok(t) => {
                assert_eq!(t, b);
                assert_eq!(b.name(), name.trim());
            }
            Err(e) => {
                // Reported, and the functions fall back to the fastest backend.
                println!("RELENT_BACKEND={name:?} is invalid: {e}");
                assert_eq!(b, relent::available_backends()[0]);
            }
        },
        _ => {
            assert_eq!(relent::try_backend(), Ok(b));
            assert_eq!(b, relent::available_backends()[0]);
        }
    }
    println!("relent backend: {b}");
}
