//! KL from log-probabilities and from logits.
//!
//! `kl_log` sums `e^lp·(lp − lq)` with `e^lp` as an exact-exponent double-double and
//! `lp − lq` formed exactly. `kl_logits` never materialises a softmax: with `α = (a − max a)/t`,
//! `β = (b − max b)/t` (each a double-double quotient of an exact difference), log-sum-exps `LA`, `LB` and
//! `c = (α − LA) − (β − LB) = ln(p/q)`, it sums `p·(c − 1 + e^-c) ≥ 0` over `p > 0` plus `q`
//! over the masked `p = 0` entries — equal to KL because both softmaxes sum to exactly 1 —
//! so there is no cancellation for near-identical logits.

use crate::Element;
use crate::dd::{Dd, Ext, LN2, diff_split};
use crate::log::{exp_split, expm1_minus_near, ln_dd};

pub(crate) fn kl_log_ext<T: Element>(lp: &[T], lq: &[T]) -> Ext {
    let mut s = Ext::ZERO;
    let mut inf = false;
    for (&a, &b) in lp.iter().zip(lq) {
        let (a, b) = (a.to_f64(), b.to_f64());
        if a.is_nan() || b.is_nan() || a == f64::INFINITY || b == f64::INFINITY {
            return Ext::special(f64::NAN);
        }
        if a == f64::NEG_INFINITY {
            continue;
        }
        if b == f64::NEG_INFINITY {
            inf = true;
            continue;
        }
        let (m, k) = exp_split(Dd::from(a));
        let (d, dk) = diff_split(a, b);
        s.add(m.mul(d), k + dk);
    }
    if inf { Ext::special(f64::INFINITY) } else { s }
}

/// `(x − m)/t` as a double-double, where `m` is the row's largest logit: the shifted,
/// scaled logit, ≤ 0. Shifting before dividing keeps it finite when `x/t` alone would
/// overflow (a tiny temperature, logits near the top of the range). `None` when it is −∞
/// in `f64` (the entry is masked, or its probability e^{(x−m)/t} is below every
/// representable number): probability zero, exactly as a masked entry.
#[inline]
fn shifted(x: f64, m: f64, t: f64) -> Option<Dd> {
    if x == f64::NEG_INFINITY {
        return None;
    }
    let d = x - m;
    if d == f64::NEG_INFINITY {
        return None;
    }
    let d = Dd::sum(x, -m);
    let q1 = d.hi / t;
    if q1 == f64::NEG_INFINITY {
        return None;
    }
    let r = (-q1).mul_add(t, d.hi) + d.lo;
    Some(Dd::sum(q1, r / t))
}

/// The row's largest logit `m` and ln Σ e^{(x−m)/t} over its entries of non-zero
/// probability, or `None` when every entry is −∞.
fn log_sum_exp<T: Element>(v: &[T], t: f64) -> Option<(f64, Dd)> {
    let mut mx = f64::NEG_INFINITY;
    for &x in v {
        mx = mx.max(x.to_f64());
    }
    if mx == f64::NEG_INFINITY {
        return None;
    }
    let mut s = Ext::ZERO;
    for &x in v {
        if let Some(z) = shifted(x.to_f64(), mx, t) {
            let (w, k) = exp_split(z);
            s.add(w, k);
        }
    }
    let s = s.normalized();
    Some((mx, ln_dd(s.v).add(LN2.mul_f64(f64::from(s.e)))))
}

pub(crate) fn kl_logits_ext<T: Element>(a: &[T], b: &[T], t: f64) -> Ext {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    if !(t > 0.0 && t < f64::INFINITY) {
        return Ext::special(f64::NAN);
    }
    let ok = |x: f64| !(x.is_nan() || x == f64::INFINITY);
    if !a
        .iter()
        .zip(b)
        .all(|(x, y)| ok(x.to_f64()) && ok(y.to_f64()))
    {
        return Ext::special(f64::NAN);
    }
    let Some((ma, la)) = log_sum_exp(a, t) else {
        return Ext::special(f64::NAN);
    };
    let mut inf = false;
    let lb = log_sum_exp(b, t);
    let mut s = Ext::ZERO;
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (x.to_f64(), y.to_f64());
        // ln p and ln q, or None where the probability is zero.
        let lp = shifted(x, ma, t).map(|z| z.sub(la));
        let lq = lb.and_then(|(mb, lb)| shifted(y, mb, t).map(|z| z.sub(lb)));
        let Some(lp) = lp else {
            if x > f64::NEG_INFINITY && y == f64::NEG_INFINITY {
                // A finite logit against a masked one: p > 0 mathematically (even when its
                // shifted logit is −∞ in f64) where q = 0.
                inf = true;
                continue;
            }
            if let Some(lq) = lq {
                // p = 0, q > 0: contributes q (see the module docs).
                let (w, k) = exp_split(lq);
                s.add(w, k);
            }
            continue;
        };
        let Some(lq) = lq else {
            // p > 0, q = 0 (or b has no finite entry at all).
            inf = true;
            continue;
        };
        let c = lp.sub(lq);
        let (pm, pk) = exp_split(lp);
        if c.hi.abs() <= 0.5 {
            // p·(e^{-c} − 1 + c)
            s.add(pm.mul(expm1_minus_near(c.neg())), pk);
        } else {
            // p·c − p + q, at p's exponent or q's, whichever is larger; p·c with c's own
            // exponent split off, so that it never overflows (c can be near the top of the
            // f64 range when a scaled logit is).
            let (qm, qk) = exp_split(lq);
            let e = pk.max(qk);
            let x = pm.scale(pk - e);
            let y = qm.scale(qk - e);
            let c = Ext::new(c, 0).normalized();
            s.add(x.mul(c.v), e + c.e);
            s.add(y.sub(x), e);
        }
    }
    if inf {
        return Ext::special(f64::INFINITY);
    }
    s
}
