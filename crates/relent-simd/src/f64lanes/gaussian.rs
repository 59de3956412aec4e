//! | card | |
//! |---|---|
//! | functions | `gaussian_kl_diag`, `gaussian_kl_diag_logvar` |
//! | path, ISAs | `F64Term` on every backend (and the per-chunk fallback of `F32Gaussian`, `F32Exp`) |
//! | documented bound | 2^-49 relative; 2^-21 for narrow types at the default precision |
//! | measured worst | 2^-51.5 (variances), 2^-51.9 (log-variances), f64 on AVX2 (Sapphire Rapids; `cargo test -p relent-simd -- --nocapture` prints them) |
//! | fallback | none: takes every chunk |
//! | tests | harness (`every_backend_every_function`, `special_values`, `invalid_inputs_are_flagged`); `math::exp::tests::expm1mx_small_and_large` |
//! | bench | `gaussian_kl_diag/<backend>-f64`, `gaussian_kl_diag_logvar/<backend>-f64` (`cargo bench -p relent-benches --bench kernels`) |
//!
//! KL between diagonal Gaussians, per dimension
//! `ln(σq²/σp²) + (σp² + (μp − μq)²)/σq² − 1`, halved at the end.
//!
//! The variance part is `g(σq², σp²)/σq²` (see [`crate::math::ln::g`]): non-negative and
//! relative-accurate even for nearly equal variances. With log-variances it is
//! `e^δ − 1 − δ` (δ = lvp − lvq, [`crate::math::exp::expm1mx`]) plus `(μp − μq)²·e^(−lvq)`.

use crate::driver::{Domain, Term};
use crate::func::Func;
use crate::lanes::Lanes;
use crate::math::exp::{exp, expm1mx};
use crate::math::ln::{g, g_from, log_ratio_raw};

/// |μp − μq| below this: d² may underflow (2^-500).
const TINY_D: f64 = 3.054_936_363_499_605e-151;
/// A variance below this is scaled by [`SCALE`] for `g` (2^-600).
const TINY_V: f64 = 2.409_919_865_102_884e-181;
/// 2^600.
const SCALE: f64 = 4.149_515_568_880_993e180;

/// Inputs μp, σp², μq, σq².
pub(crate) struct GaussianKlDiag;
impl Term for GaussianKlDiag {
    const FUNC: Func = Func::GaussianKlDiag;
    const DOMAIN: [Domain; 4] = [Domain::Real, Domain::Pos, Domain::Real, Domain::Pos];
    const PAD: [f64; 4] = [0.0, 1.0, 0.0, 1.0];
    #[inline(always)]
    fn term<L: Lanes>(l: L, x: [L::V; 4], _aux: L::V) -> [L::V; 3] {
        let [mp, vp, mq, vq] = x;
        let zero = l.splat(0.0);
        let d = l.sub(mp, mq);
        let ad = l.abs(d);
        // Intermediate underflow (the fuzzer found both): d² below 2^-1000 while d²/σq² is
        // normal, or variances so small that g's own intermediates are subnormal. Such lanes
        // take d·(d/σq²) and g of the variances scaled by 2^600 (g is homogeneous of degree 1,
        // so g(c·σq², c·σp²)/(c·σq²) is the same ratio; the scaled values cannot overflow).
        let risky = l.or(
            l.and(l.lt(zero, ad), l.lt(ad, l.splat(TINY_D))),
            l.lt(l.min(vp, vq), l.splat(TINY_V)),
        );
        if l.any(risky) {
            let small = l.lt(l.min(vp, vq), l.splat(TINY_V));
            let c = l.select(small, l.splat(SCALE), l.splat(1.0));
            let (sp, sq) = (l.mul(vp, c), l.mul(vq, c));
            let var = l.div(g(l, sq, sp), sq);
            let mean = l.mul(d, l.div(d, vq));
            return [l.add(mean, var), zero, zero];
        }
        // Here both variances are normal, ≥ 2^-600 (or NaN/∞, reported invalid by the domain
        // check): `g` without its zero-argument selects or subnormal pre-scaling.
        let gv = g_from(l, vq, vp, &log_ratio_raw::<L, false>(l, vq, vp));
        [l.div(l.fma(d, d, gv), vq), zero, zero]
    }
}

/// Inputs μp, ln σp², μq, ln σq².
pub(crate) struct GaussianKlDiagLogvar;
impl Term for GaussianKlDiagLogvar {
    const FUNC: Func = Func::GaussianKlDiagLogvar;
    const DOMAIN: [Domain; 4] = [Domain::Real; 4];
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
