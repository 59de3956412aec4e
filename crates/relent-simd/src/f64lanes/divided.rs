//! | card | |
//! |---|---|
//! | functions | `kl`, `generalized_kl`, `kl_normalized`, `js_divergence` of `f64` |
//! | path, ISAs | `F64Divided`: AVX-512 only (needs `vgetexppd`'s exact split of subnormals: `Lanes::FREXP_SUBNORMAL`) |
//! | documented bound | 2^-49 (as the generic kernel: the value, KL: Σg + |KL|) |
//! | measured worst | 2^-53.0 (KL), 2^-52.3 (normalised KL), 2^-52.0 (generalised KL, JS); single JS terms 7.6·2^-53 (Sapphire Rapids; `cargo test -p relent-simd -- --nocapture` prints them) |
//! | fallback | per chunk, to `F64Term` (see `# Range`) |
//! | tests | `f64lanes::divided::tests` (single terms at the band edges, −0.0, JS terms/vectors/invalid elements, the dispatch takes this path, the polynomial) and the harness |
//! | bench | `kl_f64/avx512`, `js_divergence/avx512-f64` (`cargo bench -p relent-benches --bench kernels`) |
//!
//! The AVX-512 path for `f64` inputs of KL, generalised KL, normalised KL and Jensen–Shannon
//! (see `# Jensen–Shannon` for the last): the method of
//! [`crate::f32lanes::ratio`] (one quotient per lane, a wide band, merge-masked operands) in `f64`
//! lanes, with a longer polynomial and a true division, in place of the generic kernel's
//! `√2`-band logarithm ([`crate::math::ln`]), whose mantissa adjustment and narrower band cost
//! about a third more instructions per vector.
//!
//! # Method
//! Per element, with `d = p − q`, `m = min(p, q)`:
//! - **band** `|d| ≤ m` (`p/q ∈ [1/2, 2]`): `S = d/(p + q)` (`d` exact by Sterbenz,
//!   `|S| ≤ 1/3`) and the cancellation-free `g = (p + q)·(S² + S³P·(1 + S))`, where
//!   `atanh(S) = S + S³·P(S²)`;
//! - **outside**: `ln(p/q)/2 = k·ln2/2 + atanh(s)` with `p = mp·2^ep`, `q = mq·2^eq`
//!   (`vgetmantpd`/`vgetexppd`, subnormals split exactly), `k = ep − eq`,
//!   `s = (mp − mq)/(mp + mq)` (`|s| < 1/3`, numerator exact), and `g = 2p·(ln(p/q)/2) − d`
//!   with one rounding; there `g ≥ 0.19·p` and `|2p·ln(p/q)/2| ≤ 3.6·g` bounds the
//!   cancellation.
//!
//! Numerator and denominator are chosen per lane by merge-masked instructions; one correctly
//! rounded `vdivpd` gives `s`. `P` is a degree-9 minimax polynomial in `z = s² ∈ [0, 1/9]`
//! (relative error 2^-52.2 with these `f64` coefficients, `poly_matches_series`), entering `g`
//! with a weight ≤ 0.16 and `atanh` with a weight ≤ 0.04.
//!
//! # Accuracy
//! Per term (u = 2^-53), relative to the term: in the band ≤ ~5u (`S` carries the division's
//! 0.5u and the rounding of `p + q`, which also multiplies `g` and so enters once; `S²` 1u;
//! four more roundings); outside, `s` carries ≤ 1.5u (the rounding of `mp + mq` and the
//! division), `atanh(s)` ≤ 2.1u of itself, `ln(p/q)/2` ≤ 2.6u of itself (`|atanh| ≤
//! |ln(p/q)/2|` outside the band; 0.5u for the FMA with `ln2/2` rounded to `f64`, whose own
//! error is 2^-54·|k·ln2/2| ≤ 0.5u·|ln(p/q)/2|), times the cancellation ≤ 3.6, plus the final
//! FMA: ≤ ~10u for KL (the rounding of `p − q` cancels between the two streams) and ≤ ~11.5u
//! for generalised/normalised KL. The `g` terms of four consecutive vectors are added pairwise
//! (≤ 2u), then TwoSum-compensated per lane; the exact streams take every vector by TwoSum.
//! Every function stays within the `f64` bound of 2^-49 (16u) of its scale; the harness
//! measures the largest errors (`cargo test -p relent-simd -- --nocapture`).
//!
//! # Jensen–Shannon
//! The term `a = g(x, m) + g(y, m)` (`JS = ½ Σ a`), with `x = max(p, q)`, `y = min(p, q)`,
//! `d = x − y`, `m = (x + y)/2`, is a sum of two non-negative `g`, each taken with the KL
//! machinery above and with the *exact* `m` wherever it matters, so that there is neither the
//! cancellation of `p·ln(p/m) + q·ln(q/m)` nor the second-order error of a rounded `m`, which
//! (≈ `m·u²`) swamps a near-identical term `≈ d²/(4m)` (the generic kernel needs a separate
//! series there). Two quotients per element, both `|t| ≤ 1/3` with the same `P`:
//! - `g(x, m)`, always in the band (`x/m ∈ [1, 2]`): `S = (x − m)/(x + m) = d/(3x + y)` and
//!   `2g = (3x + y)·(S² + S³P·(1 + S))` — `3x + y` one FMA;
//! - `g(y, m)` in the band `d ≤ 2y` (`x ≤ 3y`): `S = (y − m)/(y + m) = −d/(x + 3y)`,
//!   `|S| ≤ 1/3`, `2g = (x + 3y)·(S² + S³P·(1 + S))`;
//! - `g(y, m)` outside (`y/m < 1/2`): the KL outside formula `2g = 4y·(ln(y/m)/2) + d` with
//!   `ln(y/m) ≈ ln(2y/s) = (e₂y − es)·ln2 + 2·atanh(t)` from the mantissas of `2y` and of
//!   `s = fl(x + y)` (no halving, so subnormal sums stay exact), `t = (m₂y − ms)/(m₂y + ms)`.
//!
//! The quotients share two `vdivpd` per vector (the second one's operands merge-masked; its
//! sign flipped so that the band numerator is `d` itself), with `G(S) = S² + S³P·(1 + S)`
//! written `z + z·P·(S + z)`; the lanes hold `2a = fma(3x + y, G(S₁), 2g(y, m))` and each
//! chunk's sum is halved. `y = 0` (also `x = 0`) gives `2a = 2x·ln2` by a masked multiply. No
//! scan for invalid elements: `max(p, q)` and `min(q, p)` pass a NaN `q`, `p` on to `x`, `y`
//! (`vmaxpd`/`vminpd` return their second operand then), and NaN, ∞ or an overflow of
//! `3x + y` or `x + 3y` (which bound `p + q`) make `S₁` or a band `2g` NaN (`∞/∞`, `∞·0`),
//! which reaches the stream; negatives are seen by the running `min`.
//!
//! Accuracy, relative to the term (`u = 2^-53`): each band `2g` ≤ ~6u (KL's band ≤ ~5u, plus
//! 0.5u for `d`, which is exact by Sterbenz when `x ≤ 2y`; the rounding of `3x + y` or `x + 3y`
//! enters `S` and the prefactor alike and so once); the outside `2g(y, m)` ≤ ~8u of itself
//! (KL's outside analysis with `q = m`: `ln(y/m)/2` ≤ 2.6u, weight ≤ 2.26 at `y/m = 1/2`, `d`
//! 0.5u with weight ≤ 1.6, one FMA) plus the substitution of `fl(x + y)` for `2m`, which
//! shifts `ln` by ≤ u absolute, i.e. `2g(y, m)` by ≤ `2y·u` ≤ 1.9u of `2a` (at `x = 3y`, where
//! `2a ≥ 1.05y`). With the final FMA: ≤ ~10.5u per term, no cancellation between the two
//! `g`; measured 7.6u at worst (`js_single_terms`, at `x/y ≈ 3`, the band edge), then the
//! pairwise group sum (≤ 2u) — within 2^-49 (16u).
//!
//! # Range
//! A chunk falls back to the generic kernel (decided from the chunk's own values, so results
//! stay independent of threads and alignment) on any invalid element (negative — by a running
//! `min(p, q)` —, NaN or ∞, which reach a stream as NaN or ∞: KL's `p − q`, or `q·0` where
//! `p = 0`; the others' `g`, `p`, `q`), any non-finite intermediate (an overflow of `p + q` or
//! `2p·ln(p/q)`, `p > 0` against `q = 0`), or `Σ g < 2^-900` (where the terms' underflow
//! would differ from the generic kernel's; this also covers `KL(p, p) = 0`).

use crate::dd::{reduce, two_sum_acc};
use crate::driver::{Term, fold_chunks, or_term};
use crate::func::{Func, Partial};
use crate::lanes::Lanes;

/// `P(z) ≈ (atanh(s) − s)/s³`, `z = s² ∈ [0, 1/9]`, degree 9, minimax for the relative error
/// (Remez, mpmath at 60 digits): ≤ 2^-52.2 with these `f64` coefficients.
const P: [f64; 10] = [
    0.333_333_333_333_333_3,
    0.200_000_000_000_074_1,
    0.142_857_142_835_262_85,
    0.111_111_113_613_218_39,
    0.090_908_945_968_901_23,
    0.076_927_881_933_703_3,
    0.066_570_236_941_222_13,
    0.060_009_683_595_716_824,
    0.043_982_914_547_409_276,
    0.080_861_861_750_422,
];
/// ln(2)/2 rounded to `f64` (relative error ≤ 2^-54); `fma(k, LN2H, at)` forms `k·LN2H`
/// exactly.
const LN2H: f64 = 0.346_573_590_279_972_64;
/// Below this `Σ g` a chunk is recomputed by the generic kernel.
const TINY: f64 = 1.491_668_146_240_041_3e-271; // 2^-900
/// Vectors whose `g` terms are added (pairwise) before the compensated accumulation.
const GROUP: usize = 4;

// The function is the kernel's type parameter `F` (the `f64`-lane term of the same function,
// which is also the per-chunk fallback): KL: Σ g + Σ (p − q) over `p > 0`; generalised KL:
// Σ g with `g(0, q) = q`; normalised KL: Σ g, Σ p, Σ q; Jensen–Shannon: Σ [g(p, m) + g(q, m)],
// `m = (p + q)/2` (one stream, terms ≥ 0; the lanes hold twice each term and the chunk's sum is
// halved, so the partial is the generic kernel's).

#[inline(always)]
fn terms<L: Lanes, F: Term>(l: L, p: L::V, q: L::V) -> ([L::V; 3], L::V) {
    let zero = l.splat(0.0);
    let one = l.splat(1.0);
    if F::FUNC == Func::JsDivergence {
        let (a, y) = js_term(l, p, q);
        return ([a, zero, zero], y);
    }
    let m = l.min(p, q);
    let sum = l.add(p, q);
    let d = l.sub(p, q);
    // Outside the band (ordered: a NaN lane is "band" and fails later anyway).
    let out = l.lt(m, l.abs(d));
    let (mp, ep) = l.frexp(p);
    let (mq, eq) = l.frexp(q);
    let k = l.sub(ep, eq);
    let num = l.mask_sub(d, out, mp, mq);
    let den = l.mask_add(sum, out, mp, mq);
    let s = l.div(num, den);
    let z = l.mul(s, s);
    let mut pz = l.splat(P[9]);
    for c in P[..9].iter().rev() {
        pz = l.fma(pz, z, l.splat(*c));
    }
    let szp = l.mul(l.mul(s, z), pz);
    let at = l.add(s, szp);
    // Band: g = (p + q)·(S² + S³P·(1 + S)) (`den` is `p + q` in the band lanes).
    let gb = l.mul(den, l.fma(szp, l.add(one, s), z));
    // Outside: ln(p/q)/2 = k·ln2/2 + atanh(s); g = 2p·(ln(p/q)/2) − (p − q).
    let lh = l.fma(k, l.splat(LN2H), at);
    let go = l.fms(l.add(p, p), lh, d);
    let g = l.select(out, go, gb);
    // p = 0: KL drops the term from both streams (`q·0` is 0, or NaN for q = ∞ or NaN, which
    // the finiteness check sees); the generalised term is q.
    let p0 = l.eq(p, zero);
    let t = match F::FUNC {
        Func::Kl => [l.select(p0, zero, g), l.mask_mul(d, p0, q, zero), zero],
        Func::GeneralizedKl => [l.select(p0, q, g), zero, zero],
        Func::KlNormalized => [l.select(p0, q, g), p, q],
        Func::JsDivergence => unreachable!("returned above"),
        Func::CrossEntropy
        | Func::Entropy
        | Func::Jeffreys
        | Func::KlLog
        | Func::KlLogits
        | Func::GaussianKlDiag
        | Func::GaussianKlDiagLogvar => unreachable!("not routed to f64lanes/divided.rs"),
    };
    (t, m)
}

/// `(t², P(t²))`, `P` as above (`atanh(t) = t + t³·P(t²)` for `|t| ≤ 1/3`).
#[inline(always)]
fn atanh_poly<L: Lanes>(l: L, t: L::V) -> (L::V, L::V) {
    let z = l.mul(t, t);
    let mut pz = l.splat(P[9]);
    for c in P[..9].iter().rev() {
        pz = l.fma(pz, z, l.splat(*c));
    }
    (z, pz)
}

/// Twice the Jensen–Shannon term, `2·[g(x, m) + g(y, m)]` with `x = max(p, q)`,
/// `y = min(p, q)`, `m = (x + y)/2` (see the module's `# Jensen–Shannon`), and `y` for the
/// sign check. NaN where `p` or `q` is NaN or ∞ or `p + q` overflows, so that the chunk falls
/// back.
#[inline(always)]
fn js_term<L: Lanes>(l: L, p: L::V, q: L::V) -> (L::V, L::V) {
    let zero = l.splat(0.0);
    // Operand order: `vmaxpd`/`vminpd` return the second operand when either is NaN, so a NaN
    // `q` reaches `x` and a NaN `p` reaches `y`; from there it reaches `S₁` (`d` or `3x + y`).
    // An ∞ makes `S₁ = ∞/∞`, an overflowing `3x + y` (or `x + 3y`) makes `0·∞` below: NaN.
    let x = l.max(p, q);
    let y = l.min(q, p);
    let sum = l.add(p, q);
    let d = l.sub(x, y);
    // g(x, m): S = (x − m)/(x + m) = d/(3x + y) ∈ [0, 1/3], 2g = (3x + y)·G(S) with
    // G(S) = S² + S³P·(1 + S) = z + z·P·(S + z).
    let den1 = l.fma(x, l.splat(3.0), y);
    let t1 = l.div(d, den1);
    let (z1, p1) = atanh_poly(l, t1);
    let g1 = l.fma(l.mul(p1, l.add(t1, z1)), z1, z1);
    // g(y, m), with t = −S: in the band (d ≤ 2y, so x ≤ 3y) t = d/(x + 3y) ≤ 1/3 and
    // 2g = (x + 3y)·G(−t); outside from the mantissas of 2y and of s = fl(x + y):
    // ln(y/m)/2 ≈ ln(2y/s)/2 = (e₂y − es)·ln2/2 − atanh(t), t = (ms − m₂y)/(m₂y + ms), and
    // 2g = 4y·ln(y/m)/2 + d.
    let y2 = l.add(y, y);
    let out = l.lt(y2, d);
    let (my, ey) = l.frexp(y2);
    let (ms, es) = l.frexp(sum);
    let num2 = l.mask_sub(d, out, ms, my);
    let den2 = l.mask_add(l.fma(y, l.splat(3.0), x), out, my, ms);
    let t2 = l.div(num2, den2);
    let (z2, p2) = atanh_poly(l, t2);
    let gb = l.mul(den2, l.fma(l.mul(p2, l.sub(z2, t2)), z2, z2));
    let at = l.fma(l.mul(t2, z2), p2, t2);
    let lh = l.fms(l.sub(ey, es), l.splat(LN2H), at);
    let go = l.fma(l.add(y2, y2), lh, d);
    let a = l.fma(den1, g1, l.select(out, go, gb));
    // y = 0 (also −0.0, and x = 0): the term is 2x·ln2 (`ln 0` and 0/0 above are dropped).
    let a = l.mask_mul(a, l.eq(y, zero), x, l.splat(2.0 * core::f64::consts::LN_2));
    (a, y)
}

/// One chunk of `F`, or `None` where the generic kernel must compute it (see `# Range`).
/// Only for lanes whose [`Lanes::frexp`] splits subnormals exactly.
#[inline(always)]
pub(crate) fn chunk<L: Lanes, F: Term>(l: L, p: &[f64], q: &[f64]) -> Option<Partial> {
    const {
        assert!(
            L::FREXP_SUBNORMAL,
            "f64lanes/divided.rs needs an exact split of subnormals"
        )
    };
    let n = p.len();
    assert_eq!(n, q.len(), "inputs must have equal lengths");
    let w = L::W;
    let zero = l.splat(0.0);
    let (mut ah, mut al, mut bh, mut bl, mut ch, mut cl) = (zero, zero, zero, zero, zero, zero);
    let mut neg = zero;
    let nv = n / w;
    let rest = n - nv * w;
    macro_rules! exact {
        ($t:expr) => {{
            if matches!(F::FUNC, Func::Kl | Func::KlNormalized) {
                two_sum_acc(l, &mut bh, &mut bl, $t[1]);
            }
            if F::FUNC == Func::KlNormalized {
                two_sum_acc(l, &mut ch, &mut cl, $t[2]);
            }
        }};
    }
    let mut v = 0;
    while v + GROUP <= nv {
        let off = v * w;
        let ld = |i: usize| {
            (
                &p[off + i * w..off + (i + 1) * w],
                &q[off + i * w..off + (i + 1) * w],
            )
        };
        let (p1, q1) = ld(0);
        let (t1, m1) = terms::<L, F>(l, l.load_f64(p1), l.load_f64(q1));
        let (p2, q2) = ld(1);
        let (t2, m2) = terms::<L, F>(l, l.load_f64(p2), l.load_f64(q2));
        let (p3, q3) = ld(2);
        let (t3, m3) = terms::<L, F>(l, l.load_f64(p3), l.load_f64(q3));
        let (p4, q4) = ld(3);
        let (t4, m4) = terms::<L, F>(l, l.load_f64(p4), l.load_f64(q4));
        neg = l.min(neg, l.min(l.min(m1, m2), l.min(m3, m4)));
        let g = l.add(l.add(t1[0], t2[0]), l.add(t3[0], t4[0]));
        two_sum_acc(l, &mut ah, &mut al, g);
        exact!(t1);
        exact!(t2);
        exact!(t3);
        exact!(t4);
        v += GROUP;
    }
    while v < nv {
        let off = v * w;
        let (t, m) = terms::<L, F>(
            l,
            l.load_f64(&p[off..off + w]),
            l.load_f64(&q[off..off + w]),
        );
        neg = l.min(neg, m);
        two_sum_acc(l, &mut ah, &mut al, t[0]);
        exact!(t);
        v += 1;
    }
    if rest > 0 {
        // Zero padding contributes exactly 0 to every stream.
        let mut bp = [0.0f64; 16];
        let mut bq = [0.0f64; 16];
        bp[..rest].copy_from_slice(&p[nv * w..]);
        bq[..rest].copy_from_slice(&q[nv * w..]);
        let (t, m) = terms::<L, F>(l, l.load_f64(&bp), l.load_f64(&bq));
        neg = l.min(neg, m);
        two_sum_acc(l, &mut ah, &mut al, t[0]);
        exact!(t);
    }
    if l.any(l.lt(neg, zero)) {
        return None;
    }
    let mut out = Partial::filled(F::FUNC);
    out.s[0] = reduce(l, ah, al);
    if F::FUNC == Func::JsDivergence {
        // The lanes held 2·[g(p, m) + g(q, m)]: halving is exact (a subnormal `lo` aside,
        // negligible against the 2^-900 floor below).
        out.s[0] = out.s[0].scale(0.5);
    }
    if matches!(F::FUNC, Func::Kl | Func::KlNormalized) {
        out.s[1] = reduce(l, bh, bl);
    }
    if F::FUNC == Func::KlNormalized {
        out.s[2] = reduce(l, ch, cl);
    }
    let ok = out.s.iter().all(|x| x.hi.is_finite() && x.lo.is_finite());
    if !ok || out.s[0].hi.abs() < TINY {
        return None;
    }
    Some(out)
}

/// [`crate::route::Path::F64Divided`]: the chunks of `p`, `q` by [`chunk`], each falling back
/// to the `f64`-lane term `F` where it returns `None`.
#[inline(always)]
pub(crate) fn run<L: Lanes, F: Term>(l: L, p: &[f64], q: &[f64], whole: bool) -> Partial {
    fold_chunks!(F::FUNC, p.len(), whole, |r| {
        let (pc, qc) = (&p[r.clone()], &q[r]);
        or_term!(chunk::<L, F>(l, pc, qc), L, l, f64, F, [pc, qc, pc, pc])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::f64lanes::{GeneralizedKl, JsDivergence, Kl, KlNormalized};

    /// One term at a time (`n = 1`), against the reference, for ratios `p/q` log-uniform in
    /// `[2^-8, 2^8]` and clustered within 1e-3 of the band edges 1/2 and 2, of 1/4 and 4, and
    /// of 1; `p` log-uniform in `[2^-1060, 2^100]` (subnormals included). The error against
    /// each function's scale (`g + |KL term|` for KL, the value for generalised KL) must stay
    /// within the documented 2^-49.
    #[test]
    fn single_terms_at_the_band_edges() {
        let Some(t) = crate::testutil::avx512("f64 divided single terms") else {
            return;
        };
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut unif = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut worst = [(0.0f64, 0.0f64, 0.0f64); 2];
        for i in 0..200_000 {
            let p = 2f64.powf(-1060.0 + 1160.0 * unif());
            let centre: f64 = [1.0, 0.5, 2.0, 0.25, 4.0][i % 5];
            let r = if i % 10 < 5 {
                2f64.powf(16.0 * unif() - 8.0)
            } else {
                centre * (1.0 + 2e-3 * (unif() - 0.5))
            };
            let q = p * r;
            if q <= 0.0 || !q.is_finite() || p <= 0.0 {
                continue;
            }
            let (pp, qq) = ([p], [q]);
            let h = relent_scalar::kl(&pp, &qq);
            let g = relent_scalar::generalized_kl(&pp, &qq);
            let cases = [
                (chunk::<_, Kl>(t, &pp, &qq), h, g + h.abs()),
                (chunk::<_, GeneralizedKl>(t, &pp, &qq), g, g),
            ];
            for (j, (part, want, scale)) in cases.into_iter().enumerate() {
                // `None`: the generic kernel takes the chunk (tiny or non-finite sums).
                let Some(part) = part else { continue };
                let e = (part.finish().value - want).abs() / scale;
                if e > worst[j].0 {
                    worst[j] = (e, p, q);
                }
            }
        }
        for (j, (e, p, q)) in worst.iter().enumerate() {
            let name = ["KL", "generalised KL"][j];
            println!(
                "f64 lanes, single {name} terms: max error {:.2}·2^-53 of the scale (at p = {p:e}, q = {q:e})",
                e * 2f64.powi(53)
            );
            assert!(
                *e <= crate::bounds::HIGH,
                "{name} term off by 2^{:.2}",
                e.log2()
            );
        }
    }

    /// `−0.0` is `+0.0`: replacing any zero of `p` or `q` by `−0.0` (every lane position,
    /// against powers of two) leaves every mode's result unchanged, bit for bit.
    #[test]
    fn negative_zero_is_zero() {
        let Some(t) = crate::testutil::avx512("f64 divided −0.0") else {
            return;
        };
        for ([p, q, np, nq], case) in crate::testutil::negative_zero_cases() {
            macro_rules! same {
                ($f:ty) => {{
                    let a = chunk::<_, $f>(t, &p, &q).map(|x| x.finish().value);
                    let b = chunk::<_, $f>(t, &np, &nq).map(|x| x.finish().value);
                    let (a, b) = (a.map(f64::to_bits), b.map(f64::to_bits));
                    assert_eq!(a, b, "{:?}: {case}", <$f as Term>::FUNC);
                }};
            }
            same!(Kl);
            same!(GeneralizedKl);
            same!(KlNormalized);
            same!(JsDivergence);
        }
    }

    /// Jensen–Shannon one term at a time (`n = 1`), against the reference, relative to the
    /// term (all terms are ≥ 0): ratios `x/y` log-uniform in `[1, 2^60]` and clustered within
    /// 1e-3 of 1, 2, 3 (the band edge `d = 2y`), 4 and 1 ± 2^-30 (near-identical), in both
    /// orders; `p` log-uniform in `[2^-1074, 2^1000]` (subnormals included); plus one zero
    /// (`p` or `q`). Must stay within the documented 2^-49.
    #[test]
    fn js_single_terms() {
        let Some(t) = crate::testutil::avx512("f64 divided JS single terms") else {
            return;
        };
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut unif = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut worst, mut at, mut taken) = (0.0f64, (0.0, 0.0), 0);
        for i in 0..300_000 {
            let p = 2f64.powf(-1074.0 + 2074.0 * unif());
            let r = match i % 8 {
                0 | 1 => 2f64.powf(60.0 * unif()),
                2 => 1.0 + 2f64.powi(-30) * unif(),
                k => [1.0, 2.0, 3.0, 4.0, 3.0][k - 3] * (1.0 + 2e-3 * (unif() - 0.5)),
            };
            let (p, q) = match i % 3 {
                0 => (p, p * r),
                1 => (p * r, p),
                _ if i % 2 == 0 => (0.0, p),
                _ => (p, 0.0),
            };
            if !(p.is_finite() && q.is_finite()) {
                continue;
            }
            let (pp, qq) = ([p], [q]);
            let want = relent_scalar::js_divergence(&pp, &qq);
            // `None`: the generic kernel takes the chunk (tiny or non-finite sums).
            let Some(part) = chunk::<_, JsDivergence>(t, &pp, &qq) else {
                continue;
            };
            taken += 1;
            let e = (part.finish().value - want).abs() / want;
            if e > worst {
                (worst, at) = (e, (p, q));
            }
        }
        println!(
            "f64 lanes, single JS terms ({taken} on the fast path): max error {:.2}·2^-53 of the term (at p = {:e}, q = {:e})",
            worst * 2f64.powi(53),
            at.0,
            at.1
        );
        assert!(taken > 200_000, "only {taken} terms took the fast path");
        assert!(
            worst <= crate::bounds::HIGH,
            "JS term off by 2^{:.2}",
            worst.log2()
        );
    }

    /// Every invalid element (NaN, ±∞, negative), in any lane position (the groups of four
    /// vectors, the single vectors, the tail), also against 0, sends a JS chunk to the generic
    /// kernel (which reports it); so does an overflow (`f64::MAX`), which the fast path cannot
    /// represent.
    #[test]
    fn js_invalid_elements_leave_the_fast_path() {
        let Some(t) = crate::testutil::avx512("f64 divided JS invalid elements") else {
            return;
        };
        let n = 45;
        let base: Vec<f64> = (0..n).map(|i| 1.0 / (i + 2) as f64).collect();
        let bad = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -1.0,
            -1e-300,
            -f64::MIN_POSITIVE / 8.0,
            f64::MAX,
        ];
        for pos in 0..n {
            for &b in &bad {
                for (pv, qv) in [(0.0, b), (b, 0.5), (0.5, b), (b, 0.0), (b, b), (b, 1e-300)] {
                    let (mut p, mut q) = (base.clone(), base.clone());
                    q[(pos + 7) % n] *= 3.0;
                    p[pos] = pv;
                    q[pos] = qv;
                    let r = chunk::<_, JsDivergence>(t, &p, &q);
                    if b == f64::MAX {
                        // Valid: kept only with a finite result.
                        if let Some(part) = r {
                            assert!(part.finish().value.is_finite(), "{pv} vs {qv} at {pos}");
                        }
                    } else {
                        assert!(r.is_none(), "{pv} vs {qv} at {pos} stayed on the fast path");
                    }
                }
            }
        }
    }

    /// Near-identical and long inputs against the reference: every length up to 70 (groups,
    /// single vectors and tails) with `q = p·(1 + ε)`, `ε` down to 2^-52, and random pairs
    /// with zeros and subnormals mixed in; error relative to the value.
    #[test]
    fn js_vectors_match_the_reference() {
        let Some(t) = crate::testutil::avx512("f64 divided JS vectors") else {
            return;
        };
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut unif = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut worst = 0.0f64;
        for n in 1..=70 {
            for kind in 0..4 {
                let p: Vec<f64> = (0..n)
                    .map(|i| match (kind, i % 7) {
                        (3, 0) => 0.0,
                        (3, 1) => 1e-310 * unif(),
                        _ => unif(),
                    })
                    .collect();
                let q: Vec<f64> = p
                    .iter()
                    .enumerate()
                    .map(|(i, &x)| match kind {
                        0 => x * (1.0 + 2f64.powi(-52) * f64::from((i % 3) as u8)),
                        1 => x * (1.0 + 1e-9 * (unif() - 0.5)),
                        2 => x * 2f64.powf(8.0 * (unif() - 0.5)),
                        _ if i % 5 == 0 => 0.0,
                        _ => unif(),
                    })
                    .collect();
                let want = relent_scalar::js_divergence(&p, &q);
                let Some(part) = chunk::<_, JsDivergence>(t, &p, &q) else {
                    continue;
                };
                let got = part.finish().value;
                let e = (got - want).abs() / want;
                assert!(
                    e <= crate::bounds::HIGH,
                    "n = {n}, kind {kind}: {got} vs {want}"
                );
                worst = worst.max(e);
            }
        }
        println!(
            "f64 lanes, JS vectors: max error {:.2}·2^-53",
            worst * 2f64.powi(53)
        );
    }

    /// The dispatcher sends `f64` JS on AVX-512 here: the backend's result (several chunks)
    /// is the fold of this path's chunks, bit for bit, over 20 random inputs — on which the
    /// generic kernel (the AVX2 backend) differs in the last bits at least once, so the test
    /// tells the two paths apart.
    #[test]
    fn js_dispatch_takes_the_fast_path() {
        let Some(t) = crate::testutil::avx512("f64 divided JS dispatch") else {
            return;
        };
        let k = crate::for_backend(crate::Backend::Avx512).expect("AVX-512 detected");
        let generic = crate::for_backend(crate::Backend::Avx2);
        let mut seed = 0x0123_4567_89AB_CDEFu64;
        let mut unif = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut differs = 0;
        for round in 0..20 {
            let n = 3 * crate::CHUNK + 77 + round;
            let p: Vec<f64> = (0..n).map(|_| unif() * unif()).collect();
            let q: Vec<f64> = p.iter().map(|&x| x * (0.5 + 3.0 * unif())).collect();
            let mut acc = Partial::new(Func::JsDivergence);
            for (pc, qc) in p.chunks(crate::CHUNK).zip(q.chunks(crate::CHUNK)) {
                acc = acc.combine(chunk::<_, JsDivergence>(t, pc, qc).expect("fast path"));
            }
            let want = acc.finish().value;
            let got = k.js_divergence(&p, &q, crate::Precision::High);
            assert!(!got.invalid);
            assert_eq!(got.value.to_bits(), want.to_bits(), "round {round}");
            if let Some(g) = &generic {
                let v = g.js_divergence(&p, &q, crate::Precision::High).value;
                differs += usize::from(v.to_bits() != want.to_bits());
            }
        }
        println!("f64 divided JS dispatch: the generic kernel differed on {differs} of 20 inputs");
        if generic.is_some() {
            assert!(differs > 0, "inputs do not tell the paths apart");
        }
    }

    /// `P` (its `f64` coefficients, evaluated in double-double) against the series
    /// `Σ_{k≥0} z^k/(2k + 3)` over `z ∈ [0, 1/9]`: the documented 2^-52.2 (asserted ≤ 2^-52).
    #[test]
    fn poly_matches_series() {
        use crate::testutil::{Dd, add, div, mul};
        let mut worst = 0.0f64;
        for i in 0..=20_000 {
            let z = (1.0 / 9.0) * f64::from(i) / 20_000.0;
            let zd: Dd = (z, 0.0);
            // The series in double-double: 60 terms leave a tail below (1/9)^60.
            let mut want: Dd = (0.0, 0.0);
            for k in (0..60).rev() {
                want = add(mul(want, zd), div((1.0, 0.0), (f64::from(2 * k + 3), 0.0)));
            }
            let mut got: Dd = (0.0, 0.0);
            for c in P.iter().rev() {
                got = add(mul(got, zd), (*c, 0.0));
            }
            let e = ((got.0 - want.0) + (got.1 - want.1)).abs() / want.0;
            worst = worst.max(e);
        }
        println!(
            "f64 divided polynomial P: max relative error 2^{:.2}",
            worst.log2()
        );
        assert!(worst <= 2f64.powi(-52), "P off by 2^{:.2}", worst.log2());
    }
}
