//! | card | |
//! |---|---|
//! | functions | `js_divergence` |
//! | path, ISAs | `F64Term` on every backend but AVX-512 for `f64` (and the per-chunk fallback of `F64Divided`, `F32Ratio`) |
//! | documented bound | 2^-49 relative; 2^-21 for narrow types at the default precision |
//! | measured worst | 2^-52.0 (f64, AVX2), 2^-51.2 (portable) (Sapphire Rapids; `cargo test -p relent-simd -- --nocapture` prints them) |
//! | fallback | none: takes every chunk |
//! | tests | harness (`every_backend_every_function`, `special_values`, `invalid_inputs_are_flagged`); `harness::js_near_identical_regression` |
//! | bench | `js_divergence/<backend>-f64` (`cargo bench -p relent-benches --bench kernels`) |
//!
//! Jensen–Shannon divergence: `JS = ½ Σ [g(p, m) + g(q, m)]`, `m = (p + q)/2`.
//!
//! The two `−p + m` / `−q + m` parts of `g` cancel exactly in the exact sum, so this is the
//! definition; written with `g` every term is ≥ 0 and relative-accurate (no cancellation for
//! near-identical inputs). The rounding of `m` enters only at second order, because the sum is
//! stationary in `m` at `m = (p + q)/2` — but that second-order error, `≈ m·2^-106`, is not
//! small against the term itself (`≈ (p − q)²/(4m)`) when `|p − q|/(p + q)` is below ~2^-27.
//! So where `r = (p − q)/(p + q)` has `|r| ≤ 1/16` the term is taken from `r` instead:
//! `g(p, m) + g(q, m) = p·ln(1 + r) + q·ln(1 − r) = ½(p − q)·r·H(r²)`,
//! `H(x) = Σ_{k≥1} x^(k−1)/(k(2k − 1)) = 1 + x/6 + x²/15 + …` (8 terms: the next is below
//! 2^-64 of the first). `p − q` is exact there (Sterbenz), so the term carries a few roundings
//! of relative error and no cancellation.

use crate::driver::Term;
use crate::func::Func;
use crate::lanes::Lanes;
use crate::math::ln::g;

/// Stream a = g(p, m) + g(q, m) (halved in `finish`).
pub(crate) struct JsDivergence;
impl Term for JsDivergence {
    const FUNC: Func = Func::JsDivergence;
    #[inline(always)]
    fn term<L: Lanes>(l: L, x: [L::V; 4], _aux: L::V) -> [L::V; 3] {
        let [p, q, ..] = x;
        let zero = l.splat(0.0);
        let s = l.add(p, q);
        let m = l.mul(s, l.splat(0.5));
        let direct = l.add(g(l, p, m), g(l, q, m));
        let d = l.sub(p, q);
        let r = l.div(d, s);
        let x = l.mul(r, r);
        // H(x), Horner from the smallest coefficient 1/(k(2k − 1)), k = 8 … 1.
        let mut h = l.splat(1.0 / 120.0);
        for k in (1..8).rev() {
            let c = 1.0 / ((k * (2 * k - 1)) as f64);
            h = l.fma(h, x, l.splat(c));
        }
        let series = l.mul(l.mul(l.mul(d, l.splat(0.5)), r), h);
        // |r| ≤ 1/16 with p + q finite (false for p = q = 0: r is NaN, `direct` gives 0).
        let near = l.and(
            l.le(x, l.splat(1.0 / 256.0)),
            l.lt(s, l.splat(f64::INFINITY)),
        );
        [l.select(near, series, direct), zero, zero]
    }
}
