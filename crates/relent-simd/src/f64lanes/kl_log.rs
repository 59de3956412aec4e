//! | card | |
//! |---|---|
//! | functions | `kl_log` |
//! | path, ISAs | `F64Term` on every backend (and the per-chunk fallback of `F32Exp`) |
//! | documented bound | 2^-49 of Σ e^lp·|lp − lq|; 2^-21 for narrow types at the default precision |
//! | measured worst | 2^-51.9 (f64, AVX2) (Sapphire Rapids; `cargo test -p relent-simd -- --nocapture` prints them) |
//! | fallback | none: takes every chunk |
//! | tests | harness (`every_backend_every_function`, `special_values`, `invalid_inputs_are_flagged`); `harness::kl_log_tiny_probabilities` |
//! | bench | `kl_log/<backend>-f64` (`cargo bench -p relent-benches --bench kernels`) |
//!
//! KL from natural-log probabilities: `Σ e^lp·(lp − lq)`.
//!
//! `lp − lq` is exact where the two are within a factor 2 (Sterbenz); `e^lp` carries ≤ 1 ulp.
//! The terms have both signs, so the error bound is relative to `Σ e^lp·|lp − lq|`.
//!
//! Where `lp < −700` (`e^lp` near or below the subnormal range) the term is computed by
//! [`exp_mul_tiny`], which never rounds `e^lp` on its own: rounding a subnormal `e^lp` to the
//! 2^-1074 grid before multiplying by `lp − lq` (≥ 700 in magnitude there) would multiply its
//! absolute error by `|lp − lq|` (−745 against 0: ×745). Such a term is within ~2^-51 of itself
//! plus 1.5·2^-1074 absolute. The branch is taken per vector only when a lane needs it, and
//! each lane's value does not depend on its neighbours.

use crate::driver::{Domain, Term};
use crate::func::Func;
use crate::lanes::Lanes;
use crate::math::exp::{exp, exp_mul_tiny};

/// Below this `lp`, `e^lp` is computed with the product ([`exp_mul_tiny`]): e^-700 is still
/// normal (≈ 9.9e-305), and `exp_mul_tiny` is accurate for any `lp ≥ −1500`.
const TINY: f64 = -700.0;
/// Below this `lp` every term rounds to 0 (|lp − lq| < e^710, and e^-1500·e^710 is far below
/// the subnormal range): the fast path's `e^lp = 0` times `lp − lq` is right there (and
/// masked lanes, −∞, never take the slow branch).
const NONE: f64 = -1500.0;

/// Stream a = e^lp·(lp − lq); lp = −∞ gives 0, lq = −∞ < lp gives +∞.
pub(crate) struct KlLog;
impl Term for KlLog {
    const FUNC: Func = Func::KlLog;
    const DOMAIN: [Domain; 4] = [Domain::Log; 4];
    const PAD: [f64; 4] = [f64::NEG_INFINITY; 4];
    #[inline(always)]
    fn term<L: Lanes>(l: L, x: [L::V; 4], _aux: L::V) -> [L::V; 3] {
        let [a, b, ..] = x;
        let zero = l.splat(0.0);
        let ninf = l.splat(f64::NEG_INFINITY);
        let d = l.sub(a, b);
        // Lanes in [NONE, TINY): the careful product. Masked (−∞) and very negative lp
        // (e.g. −1e9 used as a mask) stay on the fast path, where e^lp = 0 is exact enough.
        let small = l.and(l.lt(a, l.splat(TINY)), l.le(l.splat(NONE), a));
        let t = if l.any(small) {
            l.select(small, exp_mul_tiny(l, a, d), l.mul(exp(l, a), d))
        } else {
            l.mul(exp(l, a), d)
        };
        let t = l.select(l.eq(b, ninf), l.splat(f64::INFINITY), t);
        [l.select(l.eq(a, ninf), zero, t), zero, zero]
    }
}
