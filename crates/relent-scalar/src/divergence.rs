//! The divergences of probability vectors: KL, its normalised and generalised forms,
//! cross-entropy, entropy, Jeffreys and Jensen–Shannon.
//!
//! Each function walks the pairs once, computes every term in double-double from the exact
//! split of `p` and `q` (see `pair.rs`), and sums in an exponent-carrying double-double
//! (`dd::Ext`). For pairs within a factor 2, the KL term is split as
//! `[p·ln(p/q) − p + q] + (p − q)`: a non-negative series plus an exact difference, so
//! near-identical inputs lose nothing to cancellation; pairs further apart use `p·ln(p/q)`
//! directly (its logarithm from the split exponents), which cannot cancel against `q`.

use crate::Element;
use crate::dd::{Dd, Ext, LN2, split};
use crate::log::{ln_split, psi_near};
use crate::pair::Pair;

/// A probability outside the domain: negative, NaN or infinite.
#[inline]
pub(crate) fn bad(x: f64) -> bool {
    !(0.0..f64::INFINITY).contains(&x)
}

/// Sums over the pairs, or a special value:
/// `g` = Σ[p·ln(p/q) − p + q] over p > 0 (all terms ≥ 0), `q0` = Σ q over p = 0, and
/// `kl` = Σ p·ln(p/q) split as Bregman terms of the pairs within a factor 2 (`kl`, ≥ 0)
/// plus their exact differences p − q and the far pairs' p·ln(p/q) (`d`).
struct Parts {
    g: Ext,
    q0: Ext,
    kl: Ext,
    d: Ext,
}

fn bregman_parts<T: Element>(p: &[T], q: &[T], dp: i32, dq: i32) -> Result<Parts, f64> {
    let (mut g, mut d, mut q0, mut kl) = (Ext::ZERO, Ext::ZERO, Ext::ZERO, Ext::ZERO);
    let mut inf = false;
    for (&a, &b) in p.iter().zip(q) {
        let (a, b) = (a.to_f64(), b.to_f64());
        if bad(a) || bad(b) {
            return Err(f64::NAN);
        }
        if a == 0.0 {
            if b != 0.0 {
                let (m, e) = split(b);
                q0.add(Dd::from(m), e + dq);
            }
            continue;
        }
        if b == 0.0 {
            inf = true;
            continue;
        }
        let pr = Pair::new(a, b, dp, dq);
        if pr.near() {
            // KL term = Bregman term + (x − y), with x − y exact.
            let bt = pr.bregman();
            g.add(bt, pr.e);
            kl.add(bt, pr.e);
            d.add(Dd::from(pr.x - pr.y), pr.e);
        } else {
            // Far apart: x·ln(x/y) directly (the Bregman split would cancel when q ≫ p).
            let l = pr.ln_ratio();
            g.add(pr.bregman_far(l), pr.e);
            let (t, e) = pr.kl_term_far(l);
            d.add(t, e);
        }
    }
    if inf {
        Err(f64::INFINITY)
    } else {
        Ok(Parts { g, q0, kl, d })
    }
}

pub(crate) fn kl_ext<T: Element>(p: &[T], q: &[T]) -> Ext {
    match bregman_parts(p, q, 0, 0) {
        Ok(Parts { mut kl, d, .. }) => {
            kl.add_ext(d);
            kl
        }
        Err(s) => Ext::special(s),
    }
}

pub(crate) fn generalized_kl_ext<T: Element>(p: &[T], q: &[T]) -> Ext {
    match bregman_parts(p, q, 0, 0) {
        Ok(Parts { mut g, q0, .. }) => {
            g.add_ext(q0);
            g
        }
        Err(s) => Ext::special(s),
    }
}

/// Σ x as an exponent-carrying double-double, or `Err(NaN)` on a value outside the domain.
fn total<T: Element>(v: &[T]) -> Result<Ext, f64> {
    let mut s = Ext::ZERO;
    for &x in v {
        let x = x.to_f64();
        if bad(x) {
            return Err(f64::NAN);
        }
        if x != 0.0 {
            let (m, e) = split(x);
            s.add(Dd::from(m), e);
        }
    }
    Ok(s.normalized())
}

pub(crate) fn kl_normalized_ext<T: Element>(p: &[T], q: &[T]) -> Ext {
    let n = p.len().min(q.len());
    let (p, q) = (&p[..n], &q[..n]);
    let (sp, sq) = match (total(p), total(q)) {
        (Ok(a), Ok(b)) => (a, b),
        _ => return Ext::special(f64::NAN),
    };
    if sp.v.hi == 0.0 {
        return Ext::special(f64::NAN);
    }
    // Scale p by 2^-a and q by 2^-b (as exponents, exactly) so that Σp, Σq ∈ [1, 2).
    let (a, b) = (sp.e, sq.e);
    let (g, q0) = match bregman_parts(p, q, -a, -b) {
        Ok(Parts { g, q0, .. }) => (g, q0),
        Err(s) => return Ext::special(s),
    };
    // KL(p/P ‖ q/Q) = Σ[p ln(p/q) − p + q]/P + Σ_{p=0} q/P + ln(Q/P) − (Q − P)/P, where the last
    // three terms are −(r − 1 − ln r) with r = P/Q... written with w = (Q−P)/(Q+P):
    // ln(Q/P) − (Q−P)/P = −2 Σ_{k≥2} c_k w^k (≤ 0), a series since Q/P ∈ (½, 2).
    let (pp, qq) = (sp.v, sq.v);
    let w = qq.sub(pp).div(qq.add(pp));
    let mut r = g;
    r.add_ext(q0);
    let mut r = r.div_dd(pp);
    r.add(psi_near(w).mul_f64(-2.0), 0);
    // The exact value is ≥ 0 (Gibbs' inequality): a negative rounding residue is clamped.
    if r.v.hi < 0.0 { Ext::ZERO } else { r }
}

pub(crate) fn cross_entropy_ext<T: Element>(p: &[T], q: &[T]) -> Ext {
    let mut s = Ext::ZERO;
    let mut inf = false;
    for (&a, &b) in p.iter().zip(q) {
        let (a, b) = (a.to_f64(), b.to_f64());
        if bad(a) || bad(b) {
            return Ext::special(f64::NAN);
        }
        if a == 0.0 {
            continue;
        }
        if b == 0.0 {
            inf = true;
            continue;
        }
        let (ma, ea) = split(a);
        let (mb, eb) = split(b);
        s.add(ln_split(mb, eb).mul_f64(-ma), ea);
    }
    if inf { Ext::special(f64::INFINITY) } else { s }
}

pub(crate) fn entropy_ext<T: Element>(p: &[T]) -> Ext {
    let mut s = Ext::ZERO;
    for &a in p {
        let a = a.to_f64();
        if bad(a) {
            return Ext::special(f64::NAN);
        }
        if a != 0.0 {
            let (m, e) = split(a);
            s.add(ln_split(m, e).mul_f64(-m), e);
        }
    }
    s
}

pub(crate) fn jeffreys_ext<T: Element>(p: &[T], q: &[T]) -> Ext {
    let mut s = Ext::ZERO;
    let mut inf = false;
    for (&a, &b) in p.iter().zip(q) {
        let (a, b) = (a.to_f64(), b.to_f64());
        if bad(a) || bad(b) {
            return Ext::special(f64::NAN);
        }
        if a == 0.0 && b == 0.0 {
            continue;
        }
        if a == 0.0 || b == 0.0 {
            inf = true;
            continue;
        }
        let pr = Pair::new(a, b, 0, 0);
        s.add(pr.jeffreys(), pr.e);
    }
    if inf { Ext::special(f64::INFINITY) } else { s }
}

pub(crate) fn js_ext<T: Element>(p: &[T], q: &[T]) -> Ext {
    let (mut s, mut sp, mut sq) = (Ext::ZERO, Ext::ZERO, Ext::ZERO);
    for (&a, &b) in p.iter().zip(q) {
        let (a, b) = (a.to_f64(), b.to_f64());
        if bad(a) || bad(b) {
            return Ext::special(f64::NAN);
        }
        if a != 0.0 {
            let (m, e) = split(a);
            sp.add(Dd::from(m), e);
        }
        if b != 0.0 {
            let (m, e) = split(b);
            sq.add(Dd::from(m), e);
        }
        if a == 0.0 && b == 0.0 {
            continue;
        }
        if a == 0.0 || b == 0.0 {
            // ½·x·ln 2 for the side that is present.
            let (m, e) = split(a + b);
            s.add(LN2.mul_f64(0.5 * m), e);
            continue;
        }
        let pr = Pair::new(a, b, 0, 0);
        s.add(pr.js(), pr.e);
    }
    // JS ≤ ½(Σp + Σq)·ln 2; when both sums are at most 1 the exact value is at most ln 2.
    let one = |x: Ext| x.to_f64() <= 1.0;
    if one(sp) && one(sq) && s.to_f64() > LN2.hi {
        Ext::new(Dd::from(LN2.hi), 0)
    } else {
        s
    }
}
