//! | card | |
//! |---|---|
//! | functions | `jeffreys` |
//! | path, ISAs | `F64Term` on every backend (and the per-chunk fallback of `F32Ratio`) |
//! | documented bound | 2^-49 relative; 2^-21 for narrow types at the default precision |
//! | measured worst | 2^-52.0 (f64, AVX2) (Sapphire Rapids; `cargo test -p relent-simd -- --nocapture` prints them) |
//! | fallback | none: takes every chunk |
//! | tests | harness (`every_backend_every_function`, `special_values`, `invalid_inputs_are_flagged`) |
//! | bench | `jeffreys/<backend>-f64` (`cargo bench -p relent-benches --bench kernels`) |
//!
//! Jeffreys divergence `Σ (p − q)·ln(p/q)`: every term is ≥ 0, so the relative error of the
//! terms (a few ulp: `p − q` exact within a factor 2, `ln(p/q)` relative-accurate from the
//! log-ratio core) bounds that of the sum.

use crate::driver::Term;
use crate::func::Func;
use crate::lanes::Lanes;
use crate::math::ln::log_ratio;

/// Σ (p − q)·ln(p/q); a term with exactly one of p, q zero is +∞, with both zero 0.
pub(crate) struct Jeffreys;
impl Term for Jeffreys {
    const FUNC: Func = Func::Jeffreys;
    #[inline(always)]
    fn term<L: Lanes>(l: L, x: [L::V; 4], _aux: L::V) -> [L::V; 3] {
        let [p, q, ..] = x;
        let zero = l.splat(0.0);
        let t = l.mul(l.sub(p, q), log_ratio(l, p, q).ln);
        let (pz, qz) = (l.eq(p, zero), l.eq(q, zero));
        let t = l.select(l.or(pz, qz), l.splat(f64::INFINITY), t);
        [l.select(l.and(pz, qz), zero, t), zero, zero]
    }
}
