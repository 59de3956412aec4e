//! KL from log-probabilities and from logits.
//!
//! `kl_log` sums `e^lp·(lp − lq)` with `e^lp` as an exact-exponent double-double and
//! `lp − lq` formed exactly. `kl_logits` never materialises a softmax: with `α = a/t`,
//! `β = b/t` (each a double-double quotient), log-sum-exps `LA`, `LB` and
//! `c = (α − LA) − (β − LB) = ln(p/q)`, it sums `p·(c − 1 + e^-c) ≥ 0` over `p > 0` plus `q`
//! over the masked `p = 0` entries — equal to KL because both softmaxes sum to exactly 1 —
//! so there is no cancellation for near-identical logits.

use crate::Element;
use crate::dd::{Dd, Ext, LN2};
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
        s.add(m.mul(Dd::sum(a, -b)), k);
    }
    if inf { Ext::special(f64::INFINITY) } else { s }
}

/// `x/t` as a double-double (exact residual through a fused multiply-add).
#[inline]
fn div_t(x: f64, t: f64) -> Dd {
    let q1 = x / t;
    let r = (-q1).mul_add(t, x);
    Dd::sum(q1, r / t)
}

/// ln Σ e^{x/t} over the finite entries, or `None` when every entry is −∞.
fn log_sum_exp<T: Element>(v: &[T], t: f64) -> Option<Dd> {
    let mut mx = f64::NEG_INFINITY;
    for &x in v {
        mx = mx.max(x.to_f64());
    }
    if mx == f64::NEG_INFINITY {
        return None;
    }
    let m = div_t(mx, t);
    let mut s = Ext::ZERO;
    for &x in v {
        let x = x.to_f64();
        if x != f64::NEG_INFINITY {
            let (w, k) = exp_split(div_t(x, t).sub(m));
            s.add(w, k);
        }
    }
    let s = s.normalized();
    Some(m.add(ln_dd(s.v)).add(LN2.mul_f64(f64::from(s.e))))
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
    let Some(la) = log_sum_exp(a, t) else {
        return Ext::special(f64::NAN);
    };
    let mut inf = false;
    let lb = log_sum_exp(b, t);
    let mut s = Ext::ZERO;
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (x.to_f64(), y.to_f64());
        if x == f64::NEG_INFINITY {
            if y != f64::NEG_INFINITY {
                // p = 0, q > 0: contributes q (see the module docs).
                let (w, k) = exp_split(div_t(y, t).sub(lb.unwrap_or(Dd::ZERO)));
                s.add(w, k);
            }
            continue;
        }
        let Some(lb) = lb else {
            inf = true;
            continue;
        };
        if y == f64::NEG_INFINITY {
            inf = true;
            continue;
        }
        let lp = div_t(x, t).sub(la);
        let lq = div_t(y, t).sub(lb);
        let c = lp.sub(lq);
        let (pm, pk) = exp_split(lp);
        if c.hi.abs() <= 0.5 {
            // p·(e^{-c} − 1 + c)
            s.add(pm.mul(expm1_minus_near(c.neg())), pk);
        } else {
            // p·c − p + q, at p's exponent or q's, whichever is larger.
            let (qm, qk) = exp_split(lq);
            let e = pk.max(qk);
            let x = pm.scale(pk - e);
            let y = qm.scale(qk - e);
            s.add(x.mul(c).sub(x).add(y), e);
        }
    }
    if inf {
        return Ext::special(f64::INFINITY);
    }
    s
}
