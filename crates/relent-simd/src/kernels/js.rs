//! Jensen–Shannon divergence: `JS = ½ Σ [g(p, m) + g(q, m)]`, `m = (p + q)/2`.
//!
//! The two `−p + m` / `−q + m` parts of `g` cancel exactly in the exact sum, so this is the
//! definition; written with `g` every term is ≥ 0 and relative-accurate (no cancellation for
//! near-identical inputs). The rounding of `m` enters only at second order, because the sum is
//! stationary in `m` at `m = (p + q)/2`.

use crate::chunked::{Domain, Func, Term};
use crate::lanes::Lanes;
use crate::math::ln::g;

/// Stream a = g(p, m) + g(q, m) (halved in `finish`).
pub(crate) struct JsDivergence;
impl Term for JsDivergence {
    const FUNC: Func = Func::JsDivergence;
    const ARITY: usize = 2;
    const DOMAIN: [Domain; 4] = [Domain::Prob; 4];
    const PAD: [f64; 4] = [0.0; 4];
    const USE_B: bool = false;
    const USE_C: bool = false;
    #[inline(always)]
    fn term<L: Lanes>(l: L, x: [L::V; 4], _aux: L::V) -> [L::V; 3] {
        let [p, q, ..] = x;
        let zero = l.splat(0.0);
        let m = l.mul(l.add(p, q), l.splat(0.5));
        [l.add(g(l, p, m), g(l, q, m)), zero, zero]
    }
}
