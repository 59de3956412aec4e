//! KL between diagonal Gaussians, per dimension
//! `ln(σq²/σp²) + (σp² + (μp − μq)²)/σq² − 1`, halved at the end.
//!
//! The variance part is `g(σq², σp²)/σq²` (see [`crate::math::ln::g`]): non-negative and
//! relative-accurate even for nearly equal variances. With log-variances it is
//! `e^δ − 1 − δ` (δ = lvp − lvq, [`crate::math::exp::expm1mx`]) plus `(μp − μq)²·e^(−lvq)`.

use crate::chunked::{Domain, Func, Term};
use crate::lanes::Lanes;
use crate::math::exp::{exp, expm1mx};
use crate::math::ln::g;

/// Inputs μp, σp², μq, σq².
pub(crate) struct GaussianKlDiag;
impl Term for GaussianKlDiag {
    const FUNC: Func = Func::GaussianKlDiag;
    const ARITY: usize = 4;
    const DOMAIN: [Domain; 4] = [Domain::Real, Domain::Pos, Domain::Real, Domain::Pos];
    const PAD: [f64; 4] = [0.0, 1.0, 0.0, 1.0];
    const USE_B: bool = false;
    const USE_C: bool = false;
    #[inline(always)]
    fn term<L: Lanes>(l: L, x: [L::V; 4], _aux: L::V) -> [L::V; 3] {
        let [mp, vp, mq, vq] = x;
        let zero = l.splat(0.0);
        let d = l.sub(mp, mq);
        [l.div(l.fma(d, d, g(l, vq, vp)), vq), zero, zero]
    }
}

/// Inputs μp, ln σp², μq, ln σq².
pub(crate) struct GaussianKlDiagLogvar;
impl Term for GaussianKlDiagLogvar {
    const FUNC: Func = Func::GaussianKlDiagLogvar;
    const ARITY: usize = 4;
    const DOMAIN: [Domain; 4] = [Domain::Real; 4];
    const PAD: [f64; 4] = [0.0; 4];
    const USE_B: bool = false;
    const USE_C: bool = false;
    #[inline(always)]
    fn term<L: Lanes>(l: L, x: [L::V; 4], _aux: L::V) -> [L::V; 3] {
        let [mp, lp, mq, lq] = x;
        let zero = l.splat(0.0);
        let d = l.sub(mp, mq);
        let v = l.fma(
            l.mul(d, d),
            exp(l, l.sub(zero, lq)),
            expm1mx(l, l.sub(lp, lq)),
        );
        [v, zero, zero]
    }
}
