//! What the crate computes, as data: [`Func`] names every function, and [`Partial`] is the
//! accumulated state of one function over a run of whole chunks — the unit of the
//! deterministic fold (chunks of [`CHUNK`] elements combined in index order, so a chunk-parallel
//! batch gives the bits of the single call).

use crate::Output;
use crate::dd::Dd;

/// Elements per chunk: the unit of the deterministic fold (see [`Partial`]).
pub const CHUNK: usize = 4096;

/// Every function the crate computes: the one list the other crates' function enums derive
/// from (relent-batch's `Divergence::func`, the CLI's table, the benches). Deliberately not
/// `#[non_exhaustive]`: a new function fails to compile in every exhaustive `match` — the
/// route ([`crate::route::route`]) first — until it is routed and mapped.
///
/// ```
/// use relent_simd::Func;
/// assert_eq!(Func::ALL.len(), 11);
/// assert_eq!(Func::GaussianKlDiag.arity(), 4);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Func {
    /// [`crate::kl`].
    Kl,
    /// [`crate::kl_normalized`].
    KlNormalized,
    /// [`crate::cross_entropy`].
    CrossEntropy,
    /// [`crate::entropy`].
    Entropy,
    /// [`crate::generalized_kl`].
    GeneralizedKl,
    /// [`crate::jeffreys`].
    Jeffreys,
    /// [`crate::js_divergence`].
    JsDivergence,
    /// [`crate::kl_log`].
    KlLog,
    /// [`crate::kl_logits`].
    KlLogits,
    /// [`crate::gaussian_kl_diag`].
    GaussianKlDiag,
    /// [`crate::gaussian_kl_diag_logvar`].
    GaussianKlDiagLogvar,
}

impl Func {
    /// Every function, in declaration order.
    ///
    /// ```
    /// assert!(relent_simd::Func::ALL.contains(&relent_simd::Func::KlLogits));
    /// ```
    pub const ALL: [Func; 11] = [
        Func::Kl,
        Func::KlNormalized,
        Func::CrossEntropy,
        Func::Entropy,
        Func::GeneralizedKl,
        Func::Jeffreys,
        Func::JsDivergence,
        Func::KlLog,
        Func::KlLogits,
        Func::GaussianKlDiag,
        Func::GaussianKlDiagLogvar,
    ];

    /// How many slices the function reads (1, 2 or 4).
    ///
    /// ```
    /// assert_eq!(relent_simd::Func::Entropy.arity(), 1);
    /// ```
    pub const fn arity(self) -> usize {
        match self {
            Func::Entropy => 1,
            Func::GaussianKlDiag | Func::GaussianKlDiagLogvar => 4,
            Func::Kl
            | Func::KlNormalized
            | Func::CrossEntropy
            | Func::GeneralizedKl
            | Func::Jeffreys
            | Func::JsDivergence
            | Func::KlLog
            | Func::KlLogits => 2,
        }
    }
}

/// The accumulated state of one function over a run of whole chunks.
///
/// A full-length result is `partials.fold(Partial::new(f), combine).finish()` over the
/// [`CHUNK`]-sized chunks in index order; computing the chunks on different threads and
/// combining them in the same order gives the same bits as the serial call.
///
/// ```
/// use relent_simd::{for_backend, backend, Func, Partial, Precision, CHUNK};
/// let p = vec![1.0f64 / 10_000.0; 10_000];
/// let q: Vec<f64> = (0..10_000).map(|i| (1.0 + (i % 7) as f64) / 40_000.0).collect();
/// let k = for_backend(backend()).unwrap();
/// let whole = k.kl(&p, &q, Precision::Default);
/// let folded = p
///     .chunks(CHUNK)
///     .zip(q.chunks(CHUNK))
///     .map(|(p, q)| k.partial(Func::Kl, &[p, q], 1.0))
///     .fold(Partial::new(Func::Kl), Partial::combine)
///     .finish();
/// assert_eq!(whole.value.to_bits(), folded.value.to_bits());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Partial {
    pub(crate) func: Func,
    /// The streams' sums; `s[3]` is used by `kl_logits` only (`D = Σ (e^α − e^β)`).
    pub(crate) s: [Dd; 4],
    /// `kl_logits` only: the shifts (maxima) the sums are relative to.
    pub(crate) m: [f64; 2],
    /// `kl_logits` only: the temperature (0 in the empty partial).
    pub(crate) t: f64,
    pub(crate) invalid: bool,
    /// Whether this is the empty partial of [`Partial::new`] (so `combine` can return the
    /// other side unchanged: folds starting from it give the same bits as the whole call).
    pub(crate) empty: bool,
}

impl Partial {
    /// The empty partial of `func` (the identity of [`Partial::combine`]).
    ///
    /// ```
    /// use relent_simd::{Func, Partial};
    /// assert_eq!(Partial::new(Func::Kl).finish().value, 0.0);
    /// ```
    pub fn new(func: Func) -> Partial {
        Partial {
            func,
            s: [Dd::default(); 4],
            m: [f64::NEG_INFINITY; 2],
            t: 0.0,
            invalid: false,
            empty: true,
        }
    }

    /// A partial that kernels fill in (not the identity: `empty` is false).
    pub(crate) fn filled(func: Func) -> Partial {
        Partial {
            empty: false,
            ..Partial::new(func)
        }
    }

    /// The function this partial accumulates.
    ///
    /// ```
    /// use relent_simd::{Func, Partial};
    /// assert_eq!(Partial::new(Func::Entropy).func(), Func::Entropy);
    /// ```
    pub fn func(&self) -> Func {
        self.func
    }

    /// Folds `next` (the following chunks) into `self`. Not commutative in the last bits:
    /// combine in index order for reproducible results.
    ///
    /// # Panics
    /// If the two partials belong to different functions.
    ///
    /// ```
    /// use relent_simd::{Func, Partial};
    /// let a = Partial::new(Func::Kl);
    /// assert_eq!(a.combine(Partial::new(Func::Kl)).finish().value, 0.0);
    /// ```
    pub fn combine(self, next: Partial) -> Partial {
        assert_eq!(
            self.func, next.func,
            "combining partials of different functions"
        );
        if next.empty {
            return self;
        }
        if self.empty {
            return next;
        }
        let invalid = self.invalid | next.invalid;
        if self.func == Func::KlLogits {
            // Sums are relative to the maxima m (shifts α = (x − m)/t): rescale both sides to
            // the larger shift. With δa = (m_a − ma)/t, δb = (m_b − mb)/t (≤ 0), the shifted
            // logits become α + δa, β + δb, so Sa → e^δa·Sa, Sb → e^δb·Sb and
            // W = Σ e^α·(α − β) → e^δa·(W + (δa − δb)·Sa). A side whose rescaled p-mass
            // vanishes (e^δa = 0: every shifted logit −∞ in f64) contributes nothing to W, Sa.
            let mut out = Partial::filled(Func::KlLogits);
            out.invalid = invalid;
            let t = if self.t == 0.0 { next.t } else { self.t };
            out.t = t;
            let ma = self.m[0].max(next.m[0]);
            let mb = self.m[1].max(next.m[1]);
            // δ = (m − big)/t, shift first then divide; −∞ for an all-masked side.
            let d = |m: f64, big: f64| {
                if m == f64::NEG_INFINITY {
                    f64::NEG_INFINITY
                } else {
                    (m - big) / t
                }
            };
            // D = Sa − Sb (summed per element as e^α − e^β, so that a row's dominant 1 never
            // absorbs the small terms whose difference ln(Sb/Sa) is made of) → e^δa·D where
            // both shifts move alike, else e^δa·Sa − e^δb·Sb.
            let side = |p: &Partial| -> [Dd; 4] {
                let (da, db) = (d(p.m[0], ma), d(p.m[1], mb));
                let (fa, fb) = (da.exp(), db.exp());
                let sb = if fb == 0.0 {
                    Dd::default()
                } else {
                    p.s[2].scale(fb)
                };
                let sa = if fa == 0.0 {
                    Dd::default()
                } else {
                    p.s[1].scale(fa)
                };
                let dd = if fa != fb {
                    sa.add(sb.neg())
                } else if fa == 0.0 {
                    Dd::default()
                } else {
                    p.s[3].scale(fa)
                };
                if p.s[0].hi == f64::INFINITY {
                    // A finite logit against a masked one: +∞ whatever the rescaling.
                    return [Dd::new(f64::INFINITY, 0.0), p.s[1].scale(fa), sb, dd];
                }
                if fa == 0.0 {
                    return [Dd::default(), Dd::default(), sb, dd];
                }
                let w = if db == f64::NEG_INFINITY {
                    // p > 0 somewhere on this side where q = 0.
                    Dd::new(f64::INFINITY, 0.0)
                } else {
                    // δa − δb, preferably as ((m_a − m_b) − (ma − mb))/t (exact differences).
                    let d1 = ((p.m[0] - p.m[1]) - (ma - mb)) / t;
                    let dd = if d1.is_finite() { d1 } else { da - db };
                    let sa = p.s[1];
                    p.s[0].add(Dd::new(sa.hi * dd, sa.lo * dd)).scale(fa)
                };
                [w, sa, sb, dd]
            };
            let (x, y) = (side(&self), side(&next));
            out.m = [ma, mb];
            out.s = [0, 1, 2, 3].map(|i| x[i].add(y[i]));
            return out;
        }
        Partial {
            func: self.func,
            s: [
                self.s[0].add(next.s[0]),
                self.s[1].add(next.s[1]),
                self.s[2].add(next.s[2]),
                self.s[3].add(next.s[3]),
            ],
            m: self.m,
            t: self.t,
            invalid,
            empty: false,
        }
    }

    /// The function's value from the accumulated sums.
    ///
    /// # Accuracy
    /// As documented on each function; this step adds at most one rounding.
    ///
    /// # Special values
    /// `invalid` is set when an element outside the function's domain was seen; the value is
    /// then unspecified.
    ///
    /// ```
    /// use relent_simd::{Func, Partial};
    /// let out = Partial::new(Func::Entropy).finish();
    /// assert!(!out.invalid);
    /// ```
    pub fn finish(self) -> Output {
        let [a, b, c, d] = self.s;
        let value = match self.func {
            Func::Kl => a.add(b).value(),
            Func::KlNormalized => {
                // KL(p/Sp ‖ q/Sq) = G/Sp + 1 − Sq/Sp + ln(Sq/Sp) = G/Sp − φ(t), t = (Sq−Sp)/Sp,
                // φ(t) = t − ln(1 + t) ≥ 0.
                let (sp, sq) = (b.value(), c.value());
                let t = c.add(b.neg()).value() / sp;
                if a.hi == f64::INFINITY {
                    a.hi
                } else {
                    a.value() / sp - phi(t, sq / sp)
                }
            }
            Func::JsDivergence | Func::GaussianKlDiag | Func::GaussianKlDiagLogvar => {
                0.5 * a.value()
            }
            Func::KlLogits => {
                // KL = W/Sa + ln(Sb/Sa), W = Σ e^α·(α − β); ln(Sb/Sa) = ln(1 − D/Sa) with
                // D = Sa − Sb summed on its own (Sb − Sa from the two sums would have lost the
                // small terms next to each row's dominant e^0 = 1), or ln of the ratio where
                // it is far from 1 (there 1 − D/Sa would round off Sb/Sa's low bits).
                let (w, sa, sb) = (a.value(), b.value(), c.value());
                if self.m[0] == f64::NEG_INFINITY || sa == 0.0 {
                    0.0
                } else if sb == 0.0 || w == f64::INFINITY {
                    f64::INFINITY
                } else {
                    let r = sb / sa;
                    let l = if (0.5..=2.0).contains(&r) {
                        (-d.value() / sa).ln_1p()
                    } else {
                        r.ln()
                    };
                    w / sa + l
                }
            }
            _ => a.value(),
        };
        Output {
            value,
            invalid: self.invalid,
        }
    }
}

impl Partial {
    /// For [`Func::KlNormalized`]: whether the streaming form `G/Sp − φ(t)` of
    /// [`Partial::finish`] keeps the documented bound — both totals in `[2^-900, 2^900]` and
    /// `φ(t) ≤ KL` (so `G/Sp − φ(t)` cancels at most 2×: error ≤ 2·ε_G·KL). Typical inputs
    /// (both already normalised, or totals within a few per cent) pass; where the totals
    /// differ a lot, `φ(t)` dominates and the caller computes exactly instead.
    pub(crate) fn normalized_well_conditioned(&self) -> bool {
        let [a, b, c, _] = self.s;
        let (sp, sq) = (b.value(), c.value());
        let (lo, hi) = (2f64.powi(-900), 2f64.powi(900));
        if !(sp >= lo && sp <= hi && sq >= lo && sq <= hi) {
            return false;
        }
        if a.hi == f64::INFINITY {
            return true;
        }
        let t = c.add(b.neg()).value() / sp;
        2.0 * phi(t, sq / sp) <= a.value() / sp
    }
}

/// `t − ln(1 + t)` for `t = r − 1 > −1` (both given: `t` from the exact difference of the
/// totals, `r` their rounded quotient), relative-accurate near 0. Above `t = −1/2` the
/// logarithm is `ln_1p(t)`: `t`'s own rounding error enters `φ` damped by `φ'(t) = t/(1 + t)`,
/// while `ln(r)` would carry `r`'s rounding, 2^-53 absolute, undamped (2^-45 of a `φ` of
/// 0.0016 — found by the fuzzer at `t = −0.055`). Below it, `1 + t` is small and only `r` is
/// relative-accurate.
fn phi(t: f64, r: f64) -> f64 {
    if t > -0.5 && t.abs() >= 0.05 {
        t - t.ln_1p()
    } else if t.abs() < 0.05 {
        // Σ_{j≥2} (−1)^j t^j / j, 24 terms (0.05^22 < 2^-90), summed smallest first.
        let mut terms = [0.0f64; 24];
        let mut pw = t * t;
        for (j, slot) in terms.iter_mut().enumerate() {
            let jj = (j + 2) as f64;
            *slot = if j % 2 == 0 { pw / jj } else { -pw / jj };
            pw *= t;
        }
        terms.iter().rev().sum()
    } else {
        t - r.ln()
    }
}
