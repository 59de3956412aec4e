//! | card | |
//! |---|---|
//! | functions | `kl`, `generalized_kl`, `kl_normalized` |
//! | path, ISAs | `F64Term` on every backend (and the per-chunk fallback of `F64Divided`, `F32Ratio`) |
//! | documented bound | 2^-49 of the scale (KL: Σg + |KL| + 2^-90·Σ(p + q); the others: the value); `f32`/`f16`/`bf16` at the default precision 2^-21 |
//! | measured worst | f64: 2^-51.4 (KL, normalised KL, AVX2), 2^-50.4 (generalised KL); f16 generalised KL 2^-49.8 (Sapphire Rapids; `cargo test -p relent-simd -- --nocapture` prints them) |
//! | fallback | none: takes every chunk |
//! | tests | harness (`every_backend_every_function`, `special_values`, `invalid_inputs_are_flagged`); `harness::kl_normalized_far_totals`; `math::ln::tests::g_matches_definition` |
//! | bench | `kl_f64/avx2`, `kl_normalized/<backend>-f64`, `generalized_kl/<backend>-f64` (`cargo bench -p relent-benches --bench kernels`) |
//!
//! KL divergence, generalised KL and normalised KL: all built on
//! `g(p, q) = p·ln(p/q) − p + q ≥ 0` (see [`crate::math::ln::g`]).
//!
//! `KL = Σ g + Σ (p − q)`: the first sum has only non-negative terms (relative error of the
//! terms bounds that of the sum — no cancellation even when KL ≈ 1e-9), the second is summed
//! exactly (each `p − q` is exact where `p`, `q` are within a factor 2; elsewhere its rounding is
//! below 5·2^-53·g).

use crate::driver::{Domain, Term};
use crate::func::Func;
use crate::lanes::Lanes;
use crate::math::ln::g;

const PROB2: [Domain; 4] = [Domain::Prob, Domain::Prob, Domain::Prob, Domain::Prob];

/// Σ p·ln(p/q): stream a = g(p, q), stream b = p − q.
pub(crate) struct Kl;
impl Term for Kl {
    const FUNC: Func = Func::Kl;
    const DOMAIN: [Domain; 4] = PROB2;
    const USE_B: bool = true;
    #[inline(always)]
    fn term<L: Lanes>(l: L, x: [L::V; 4], _aux: L::V) -> [L::V; 3] {
        let [p, q, ..] = x;
        // A term with p = 0 is exactly 0: drop it from both streams (else Σg would carry its
        // q and Σ(p − q) its −q, and their rounding would leave KL(0, q) ≠ 0).
        let zero = l.splat(0.0);
        let z = l.eq(p, zero);
        [
            l.select(z, zero, g(l, p, q)),
            l.select(z, zero, l.sub(p, q)),
            zero,
        ]
    }
}

/// Σ p·ln(p/q) − p + q: stream a = g(p, q).
pub(crate) struct GeneralizedKl;
impl Term for GeneralizedKl {
    const FUNC: Func = Func::GeneralizedKl;
    const DOMAIN: [Domain; 4] = PROB2;
    #[inline(always)]
    fn term<L: Lanes>(l: L, x: [L::V; 4], _aux: L::V) -> [L::V; 3] {
        let zero = l.splat(0.0);
        [g(l, x[0], x[1]), zero, zero]
    }
}

/// KL(p/Σp ‖ q/Σq): stream a = g(p, q), b = p, c = q (finished in [`crate::Partial::finish`]).
pub(crate) struct KlNormalized;
impl Term for KlNormalized {
    const FUNC: Func = Func::KlNormalized;
    const DOMAIN: [Domain; 4] = PROB2;
    const USE_B: bool = true;
    const USE_C: bool = true;
    #[inline(always)]
    fn term<L: Lanes>(l: L, x: [L::V; 4], _aux: L::V) -> [L::V; 3] {
        let [p, q, ..] = x;
        [g(l, p, q), p, q]
    }
}
