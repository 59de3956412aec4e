//! | card | |
//! |---|---|
//! | functions | `cross_entropy`, `entropy` |
//! | path, ISAs | `F64Term` on every backend (and the per-chunk fallback of `F32Ratio`) |
//! | documented bound | 2^-49 relative for probabilities (q ≤ 1); 2^-21 for narrow types at the default precision |
//! | measured worst | 2^-52.0 (f64, AVX2) (Sapphire Rapids; `cargo test -p relent-simd -- --nocapture` prints them) |
//! | fallback | none: takes every chunk |
//! | tests | harness (`every_backend_every_function`, `special_values`, `invalid_inputs_are_flagged`) |
//! | bench | `cross_entropy/<backend>-f64`, `entropy/<backend>-f64` (`cargo bench -p relent-benches --bench kernels`) |
//!
//! Cross-entropy `−Σ p·ln q` and entropy `−Σ p·ln p`: one vector logarithm per element.

use crate::driver::Term;
use crate::func::Func;
use crate::lanes::Lanes;
use crate::math::ln::ln;

/// −Σ p·ln q (p = 0 terms are 0, q = 0 < p gives +∞).
pub(crate) struct CrossEntropy;
impl Term for CrossEntropy {
    const FUNC: Func = Func::CrossEntropy;
    #[inline(always)]
    fn term<L: Lanes>(l: L, x: [L::V; 4], _aux: L::V) -> [L::V; 3] {
        let [p, q, ..] = x;
        let zero = l.splat(0.0);
        let t = l.mul(p, l.sub(zero, ln(l, q)));
        let t = l.select(l.eq(q, zero), l.splat(f64::INFINITY), t);
        [l.select(l.eq(p, zero), zero, t), zero, zero]
    }
}

/// −Σ p·ln p (p = 0 terms are 0).
pub(crate) struct Entropy;
impl Term for Entropy {
    const FUNC: Func = Func::Entropy;
    #[inline(always)]
    fn term<L: Lanes>(l: L, x: [L::V; 4], _aux: L::V) -> [L::V; 3] {
        let p = x[0];
        let zero = l.splat(0.0);
        let t = l.mul(p, l.sub(zero, ln(l, p)));
        [l.select(l.eq(p, zero), zero, t), zero, zero]
    }
}
