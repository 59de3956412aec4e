//! KL from natural-log probabilities: `Σ e^lp·(lp − lq)`.
//!
//! `lp − lq` is exact where the two are within a factor 2 (Sterbenz); `e^lp` carries ≤ 1 ulp.
//! The terms have both signs, so the error bound is relative to `Σ e^lp·|lp − lq|`.

use crate::chunked::{Domain, Func, Term};
use crate::lanes::Lanes;
use crate::math::exp::exp;

/// Stream a = e^lp·(lp − lq); lp = −∞ gives 0, lq = −∞ < lp gives +∞.
pub(crate) struct KlLog;
impl Term for KlLog {
    const FUNC: Func = Func::KlLog;
    const ARITY: usize = 2;
    const DOMAIN: [Domain; 4] = [Domain::Log; 4];
    const PAD: [f64; 4] = [f64::NEG_INFINITY; 4];
    const USE_B: bool = false;
    const USE_C: bool = false;
    #[inline(always)]
    fn term<L: Lanes>(l: L, x: [L::V; 4], _aux: L::V) -> [L::V; 3] {
        let [a, b, ..] = x;
        let zero = l.splat(0.0);
        let ninf = l.splat(f64::NEG_INFINITY);
        let t = l.mul(exp(l, a), l.sub(a, b));
        let t = l.select(l.eq(b, ninf), l.splat(f64::INFINITY), t);
        [l.select(l.eq(a, ninf), zero, t), zero, zero]
    }
}
