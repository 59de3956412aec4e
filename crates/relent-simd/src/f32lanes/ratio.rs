//! | card | |
//! |---|---|
//! | functions | `kl`, `generalized_kl`, `kl_normalized`, `jeffreys`, `cross_entropy`, `entropy`, `js_divergence` of `f32` at the default precision |
//! | path, ISAs | `F32Ratio`: AVX-512, AVX2 |
//! | documented bound | 2^-21 of the scale (as the `f64`-lane kernel's) |
//! | measured worst | 2^-22.6 (JS), 2^-23.6 (Jeffreys), 2^-24.2 (KL); single terms ≤ 5.08·2^-24 (Sapphire Rapids; `cargo test -p relent-simd -- --nocapture` prints them) |
//! | fallback | per chunk, to `F64Term` (see `# Range`) |
//! | tests | `f32lanes::ratio::tests` (single terms at the band edges, invalid elements in every lane, −0.0, the fold, the `f32` `ln` sweep, the JS polynomial) and the harness |
//! | bench | `kl_f32/<backend>`, `<function>/<backend>-f32` (`cargo bench -p relent-benches --bench kernels`) |
//!
//! The default-precision path for `f32` inputs of KL, generalised KL, normalised KL, Jeffreys,
//! cross-entropy and entropy: the algorithms of [`crate::math::ln`], computed in `f32` lanes
//! (16 per AVX-512 vector instead of 8 `f64`) without a division instruction, with the sums
//! kept exact enough that the result meets the `f32` default bound of 2^-21 relative.
//! Jensen–Shannon has its own term (see `js_term`); the Gaussian KL with variances reuses `g`
//! in [`crate::f32lanes::gaussian`]; the log/logit functions and the log-variance Gaussian have their
//! own path in [`crate::f32lanes::exp`].
//!
//! Jeffreys reuses the ratio machinery below: `(p − q)·ln(p/q) = 2d·atanh(S)` in the band and
//! `2d·(k·ln2/2 + atanh(s))` outside — a product of an exact and a relative-accurate factor.
//! Cross-entropy and entropy use `ln x = e·ln2 + 2·atanh((m − 1)/(m + 1))`, `m ∈ [1/√2, √2)`,
//! with the same quotient and polynomial (≤ ~1.5u), times `p`.
//!
//! # Method
//! Per element, with `d = p − q`, `m = min(p, q)`:
//! - **band** `|d| ≤ m` (`p/q ∈ [1/2, 2]`): `S = d/(p + q)` (`d` exact by Sterbenz, `|S| ≤ 1/3`)
//!   and the cancellation-free `g = (p + q)·S²·(1 + S(1 + S)·P(S²))`, where
//!   `atanh(S) = S + S³·P(S²)`;
//! - **outside**: `ln(p/q) = k·ln 2 + 2·atanh(s)` with `p = mp·2^ep`, `q = mq·2^eq` (`vgetmantps`,
//!   `vgetexpps`: subnormals split exactly, the ratio is never formed), `k = ep − eq`,
//!   `s = (mp − mq)/(mp + mq)` (`|s| < 1/3`, numerator exact), and `g = 2p·(ln(p/q)/2) − d` with
//!   one rounding; there `g ≥ 0.19·p` (at `p/q = 2`) and `|2p·ln(p/q)/2| ≤ 3.6·g` bounds the
//!   cancellation.
//!
//! Both branches share one quotient, with numerator and denominator chosen per lane by
//! merge-masked instructions (`vsubps`/`vaddps` with a mask: one instruction each): `vrcp14ps`
//! (≤ 2^-14) and the residual `num − s0·den − s0·derr` by two FMAs, which makes `s0 + r·x0` exact
//! to ~2^-28. Outside the band `derr` is the exact rounding error of `mp + mq` (Fast2Sum: both in
//! `[1, 2)`); in the band it is 0: the rounding of `p + q` (factor `1 + δ`) divides `S` and
//! multiplies `(p + q)` in `g = (p + q)·S²·…`, so it enters `g` once (`(1 + δ)/(1 + δ)²`), as
//! `δ ≤ u`. `P` is a degree-4 minimax polynomial in `z = s²` on `[0, 1/9]` (relative error
//! 2^-25 with `f32` coefficients), entering `g` with a weight ≤ 0.16; `atanh(s) = s0 + fl(r·x0
//! + s³P)` rounds twice (≤ 0.6u). `k·ln2/2 + atanh(s)` is one FMA with `ln2/2` rounded to
//! `f32` (`k·LN2H` is exact inside the FMA; the constant's own error is 0.046u of `k·ln2/2`).
//!
//! # Accuracy
//! Per term (u = 2^-24), relative to the term: inside the band ≤ ~4.5u (`S` 0.5u and the
//! rounding of `p + q` once, `S²` 1u, then four roundings); outside ≤ ~5u for KL (`ln(p/q)/2`
//! within 1.2u of itself — 0.6u of `atanh`, at most as large as the result, 0.1u from the
//! constant, 0.5u for the FMA — scaled by the cancellation ≤ 3.6 at `p/q = 2`, plus the final
//! FMA; the rounding of `p − q` cancels between the two streams) and ≤ ~6.5u for generalised/
//! normalised KL (plus that rounding, 1.3u); Jeffreys ≤ ~4u; cross-entropy and entropy ≤ ~2.5u
//! (`ln` measured ≤ 1.31u over every 61st `f32`, `ln32_strided_sweep`; the every-`f32` sweep is
//! `#[ignore]`d). Single terms measured at the band edges (`single_terms_at_the_band_edges`):
//! KL 1.2u of its scale, generalised KL 5.0u, Jeffreys 2.9u, JS 5.1u. The `g` terms of two
//! consecutive vectors are added (≤ 0.5u), then TwoSum-compensated per lane in `f32` (error ~u²
//! per chunk) and folded into `f64` double-doubles at the end of each chunk. Every function thus
//! stays within 2^-21 (8u) of its scale — the scale of the `f64` path's bound — with ~1u to 3u
//! to spare; the harness measures 2^-22.6 at worst (JS; `cargo test -p relent-simd --
//! --nocapture`).
//!
//! # Range
//! Intermediate values live in `f32`; a chunk whose computation leaves the safe range falls
//! back to the `f64` kernel for that chunk (decided from the chunk's own values, so results
//! stay independent of threads and alignment): any invalid element (negative — by a running
//! `min(p, q)` —, NaN or ∞ — which reach a stream as NaN or ∞ in the KL family, and through a
//! scan of `p + q` in the logarithm-based modes; the `f64` kernel then reports it), any
//! non-finite intermediate (an overflow of `p + q` or `2p·ln(p/q)`,
//! a `p > 0` against `q = 0`, a subnormal denominator), or `Σ g < 2^-100` (where the absolute
//! underflow of the terms, ≤ 2^-134 per chunk, could matter relative to the result; this also
//! covers `KL(p, p) = 0`).

#![allow(clippy::excessive_precision)]

use crate::dd::{Dd, two_sum_acc32};
use crate::driver::{Term, fold_chunks, or_term};
use crate::func::{Func, Partial};
use crate::lanes::Lanes;
use crate::lanes32::Lanes32;

/// Minimax `P(z) ≈ (atanh(s) − s)/s³`, `z = s² ∈ [0, 1/9]`, relative error ≤ 2^-25.
const P: [f32; 5] = [
    0.333_333_343_267_440_8,
    0.199_998_512_864_112_85,
    0.142_962_515_354_156_5,
    0.108_522_564_172_744_75,
    0.116_167_701_780_796_05,
];
/// ln(2)/2 rounded to `f32` (relative error 2^-28.4 = 0.046u): `fma(k, LN2H, at)` forms
/// `k·LN2H` exactly and rounds once, so `k·ln2/2 + atanh(s)` carries 0.5u plus `0.046u·|k·ln2/2|`
/// — at most 0.1u of the result outside the band (`|k·ln2/2| ≤ 2·|ln(p/q)/2|` there).
pub(crate) const LN2H: f32 = 0.346_573_591_232_299_8;
/// Minimax `H(z) ≈ φ(S)/S²`, `z = S² ∈ [0, 0.49]`, `φ(S) = (1 + S)·ln(1 + S) + (1 − S)·ln(1 − S)`
/// (`= Σ_{k≥1} z^k/(k(2k − 1))`), degree 7, relative error ≤ 2^-26.5 with these `f32`
/// coefficients (fitted and checked with mpmath; `js_poly_matches_series` re-checks it).
const H: [f32; 8] = [
    1.0,
    0.166_668_01,
    0.066_609_01,
    0.036_617_644,
    0.015_464_641,
    0.041_651_506,
    -0.043_074_46,
    0.057_343_777,
];
/// JS terms with `S² ≤` this take the series `H` (`|S| ≤ 0.7`, `p/q ∈ [0.18, 5.7]`).
const JS_BAND: f32 = 0.49;
/// Software prefetch distance in elements (2 KiB of each stream ahead).
pub(crate) const PF: usize = 512;
/// Below this `Σ g` a chunk is recomputed in `f64` (see the module's `# Range`).
const TINY: f64 = 7.888_609_052_210_118e-31; // 2^-100

// The function is the kernel's type parameter `F` (the `f64`-lane term of the same function,
// which is also the per-chunk fallback), so the streams follow from `F::FUNC`:
// KL: `Σ g`, `Σ (p − q)` (`p = 0` terms dropped); generalised KL: `Σ g`; normalised KL: `Σ g`,
// `Σ p`, `Σ q`; Jeffreys `Σ (p − q)·ln(p/q)` (one stream, terms ≥ 0); cross-entropy `−Σ p·ln q`
// (one stream; terms ≥ 0 where q ≤ 1); entropy `−Σ p·ln p` (one stream; `q` is `p`);
// Jensen–Shannon: `Σ [g(p, m) + g(q, m)]`, `m = (p + q)/2` (one stream, terms ≥ 0; halved when
// the partial is finished).

/// The quotient and the atanh both paths share.
pub(crate) struct Atanh<V> {
    /// `s = num/(den + derr)`, rounded.
    pub s: V,
    /// `s²`.
    pub z: V,
    /// `s³·P(z)`, so that `atanh(s) = s + s³·P(z)`.
    pub szp: V,
    /// `atanh(s)`.
    pub at: V,
}

/// `s = num/(den + derr)` (`derr` the exact rounding error of `den`, or 0) by `vrcp14ps`
/// (`x0`, ≤ 2^-14 relative) and the residual `r = num − s0·den − s0·derr` (to ~2^-38 by two
/// FMAs), so that `s0 + r·x0` is within ~2^-28 of the quotient: `s = fl(s0 + r·x0)` and
/// `atanh(s) = s0 + fl(r·x0 + s³P)` with two roundings (≤ 0.5u + ~0.1u), for `|s| ≤ 1/3`.
#[inline(always)]
pub(crate) fn atanh<L: Lanes32>(l: L, num: L::V, den: L::V, derr: L::V) -> Atanh<L::V> {
    let x0 = l.rcp(den);
    let s0 = l.mul(num, x0);
    let r = l.fnma(s0, derr, l.fnma(s0, den, num));
    let s = l.fma(r, x0, s0);
    let z = l.mul(s, s);
    let mut pz = l.splat(P[4]);
    for c in P[..4].iter().rev() {
        pz = l.fma(pz, z, l.splat(*c));
    }
    let szp = l.mul(l.mul(s, z), pz);
    let at = l.add(s0, l.fma(r, x0, szp));
    Atanh { s, z, szp, at }
}

/// The terms of one vector of `p`, `q`: `[a, b, c]` of the mode's streams, plus `min(p, q)`
/// and `p + q` for validation.
#[inline(always)]
fn terms<L: Lanes32, F: Term>(l: L, p: L::V, q: L::V) -> ([L::V; 3], L::V, L::V) {
    let zero = l.splat(0.0);
    let one = l.splat(1.0);
    let m = l.min(p, q);
    let sum = l.add(p, q);
    if matches!(F::FUNC, Func::CrossEntropy | Func::Entropy) {
        // −p·ln q with p = 0 terms exactly 0 (q = 0 < p gives +∞ through ln 0 = −∞, left to
        // the f64 fallback by the non-finite check).
        let t = l.mul(p, ln(l, q));
        let t = l.select(l.eq(p, zero), zero, l.sub(zero, t));
        return ([t, zero, zero], m, sum);
    }
    if F::FUNC == Func::JsDivergence {
        return (js_term(l, p, q), m, sum);
    }
    let d = l.sub(p, q);
    // Outside the band (ordered: a NaN lane is "band" and fails later anyway).
    let out = l.lt(m, l.abs(d));
    let mp = l.mantissa(p);
    let mq = l.mantissa(q);
    let k = l.sub(l.exponent(p), l.exponent(q));
    // Band: d/(p + q); outside: (mp − mq)/(mp + mq) (merge-masked, one instruction each).
    let num = l.mask_sub(d, out, mp, mq);
    let den = l.mask_add(sum, out, mp, mq);
    // Outside, the exact rounding error of mp + mq (Fast2Sum: mp, mq ∈ [1, 2) share a
    // binade); in the band 0 — the rounding of p + q enters `S` and `p + q` alike and cancels
    // to first order in `g = (p + q)·S²·…` (see the module's `# Accuracy`).
    let derr = l.maskz_sub(out, mq, l.sub(den, mp));
    let Atanh { s, z, szp, at } = atanh(l, num, den, derr);
    // Band: g = (p + q)·(S² + S³P·(1 + S)) (`den` is `p + q` in the band lanes).
    let gb = l.mul(den, l.fma(szp, l.add(one, s), z));
    // Outside: ln(p/q)/2 = k·ln2/2 + atanh(s); g = 2p·(ln(p/q)/2) − (p − q).
    let lh = l.fma(k, l.splat(LN2H), at);
    if F::FUNC == Func::Jeffreys {
        // (p − q)·ln(p/q) = 2d·(ln(p/q)/2): atanh(S) in the band, k·ln2/2 + atanh(s) outside;
        // both factors exact or relative-accurate, no cancellation. p = q = 0 gives 0; one
        // zero against a positive gives +∞ (ln 0) for the fallback.
        let half = l.select(out, lh, at);
        let t = l.mul(l.add(d, d), half);
        // (Not `den`: outside the band it is `mp + mq`, which is 0 for `p = −0.0` against a
        // power of two, as `vgetmantps` keeps the sign of −0.0.)
        return ([l.select(l.eq(sum, zero), zero, t), zero, zero], m, sum);
    }
    let go = l.fms(l.add(p, p), lh, d);
    let g = l.select(out, go, gb);
    // p = 0: KL drops the term from both streams (it contributes exactly 0; `q·0` is 0, or
    // NaN for q = ∞ or NaN, which the finiteness check then sees — so KL needs no scan); the
    // generalised term is q.
    let p0 = l.eq(p, zero);
    let t = match F::FUNC {
        Func::Kl => [l.select(p0, zero, g), l.mask_mul(d, p0, q, zero), zero],
        Func::GeneralizedKl => [l.select(p0, q, g), zero, zero],
        Func::KlNormalized => [l.select(p0, q, g), p, q],
        Func::CrossEntropy | Func::Entropy | Func::Jeffreys | Func::JsDivergence => {
            unreachable!("returned above")
        }
        Func::KlLog | Func::KlLogits | Func::GaussianKlDiag | Func::GaussianKlDiagLogvar => {
            unreachable!("not routed to f32lanes/ratio.rs")
        }
    };
    (t, m, sum)
}

/// `a = g(p, m) + g(q, m)` of Jensen–Shannon (`JS = ½ Σ a`), with `s = p + q`,
/// `S = (p − q)/s` and `φ(S) = (1 + S)·ln(1 + S) + (1 − S)·ln(1 − S)`, so that `a = (s/2)·φ(S)`.
/// - `|S| ≤ 0.7`: `a = (s/2)·S²·H(S²)`; `p − q` and `p + q` are kept as exact pairs (TwoSum) and
///   `S` is their quotient by `vrcp14ps` and the residual (≤ ~0.5u + 2^-28), so
///   `a` carries ~1u (`S²`) + 1.5u (products) + 0.7u (`H` in `f32`) ≈ 3.5u.
/// - outside: `a = p·ln(p/m̃) + q·ln(q/m̃) − e` with `m̃ = fl(p + q)/2` and `e` the rounding
///   error of `p + q` (the linear parts `2m̃ − p − q` of the two `g`, exactly), each logarithm
///   of a ratio by the mantissa split (`ln(x/m̃)/2 = k·ln2/2 + atanh(s)`, ≤ 1.5u); the two
///   products have opposite signs and their magnitudes sum to at most 2.33·a (at `|S| = 0.7`),
///   so `a` carries ≤ ~5u. A zero `p` or `q` drops its product (0·ln 0 = 0). The rounding of
///   `m̃` itself enters only at second order (the sum of the two `g` is stationary in `m`).
#[inline(always)]
fn js_term<L: Lanes32>(l: L, p: L::V, q: L::V) -> [L::V; 3] {
    let zero = l.splat(0.0);
    // p + q = s + se and p − q = d + de, exactly (TwoSum).
    let s = l.add(p, q);
    let bb = l.sub(s, p);
    let se = l.add(l.sub(p, l.sub(s, bb)), l.sub(q, bb));
    let nq = l.sub(zero, q);
    let d = l.sub(p, q);
    let bd = l.sub(d, p);
    let de = l.add(l.sub(p, l.sub(d, bd)), l.sub(nq, bd));
    // S = (d + de)/(s + se): `vrcp14ps` (2^-14), then the residual (exact to ~2^-38) makes
    // `s0 + r·x0` exact to ~2^-28, rounded once.
    let x0 = l.rcp(s);
    let s0 = l.mul(d, x0);
    let r = l.add(l.fnma(s0, se, l.fnma(s0, s, d)), de);
    let sv = l.fma(r, x0, s0);
    let z = l.mul(sv, sv);
    let mut h = l.splat(H[7]);
    for c in H[..7].iter().rev() {
        h = l.fma(h, z, l.splat(*c));
    }
    let half = l.mul(s, l.splat(0.5));
    let band = l.mul(l.mul(half, z), h);
    // Outside: ln(p/m̃)/2 and ln(q/m̃)/2 from the mantissas (both in [1, 2): ratio in (½, 2)).
    let mm = l.mantissa(half);
    let em = l.exponent(half);
    let tq = l.mul(l.add(q, q), ln_half_ratio(l, q, mm, em));
    let tq = l.select(l.eq(q, zero), zero, tq);
    let tp = l.add(p, p);
    let out = l.fma(tp, ln_half_ratio(l, p, mm, em), l.sub(tq, se));
    let out = l.select(l.eq(p, zero), l.sub(tq, se), out);
    [l.select(l.le(z, l.splat(JS_BAND)), band, out), zero, zero]
}

/// `ln(x/y)/2 = k·ln2/2 + atanh(s)` from the mantissa split of `x` and of `y = mm·2^em` (a
/// function, not a closure: a closure would not inherit the caller's target features and its
/// intrinsics would not inline).
#[inline(always)]
fn ln_half_ratio<L: Lanes32>(l: L, x: L::V, mm: L::V, em: L::V) -> L::V {
    let mx = l.mantissa(x);
    let num = l.sub(mx, mm);
    let den = l.add(mx, mm);
    let big = l.select(l.lt(mx, mm), mm, mx);
    let small = l.select(l.lt(mx, mm), mx, mm);
    let derr = l.sub(small, l.sub(den, big));
    let k = l.sub(l.exponent(x), em);
    let at = atanh(l, num, den, derr).at;
    l.fma(k, l.splat(LN2H), at)
}

/// `ln x` for positive finite lanes (subnormals included; `ln 0 = −∞`): `x = m·2^e` with
/// `m ∈ [1/√2, √2)`, `ln m = 2·atanh(s)`, `s = (m − 1)/(m + 1)` (`|s| ≤ 0.1716`, numerator
/// exact), the same quotient and polynomial as the ratio path; ≤ ~2u relative.
#[inline(always)]
fn ln<L: Lanes32>(l: L, x: L::V) -> L::V {
    let one = l.splat(1.0);
    let m = l.mantissa(x);
    let e = l.exponent(x);
    let big = l.lt(l.splat(core::f32::consts::SQRT_2), m);
    let m = l.select(big, l.mul(m, l.splat(0.5)), m);
    let e = l.select(big, l.add(e, one), e);
    let num = l.sub(m, one);
    let den = l.add(m, one);
    // m + 1 ∈ [1.7, 2.5): its rounding error, exactly (Fast2Sum with 1 as the larger-exponent
    // operand: m ∈ [1/√2, √2)).
    let derr = l.sub(m, l.sub(den, one));
    let at = atanh(l, num, den, derr).at;
    // ln x = e·ln2 + 2·atanh(s) = 2·(e·ln2/2 + atanh(s)).
    let h = l.fma(e, l.splat(LN2H), at);
    l.add(h, h)
}

/// Lanes of an `f32` (hi, lo) accumulator, combined in a fixed pairwise tree into an `f64`
/// double-double: each lane is exact in `f64`, each pair sum is a TwoSum with the errors and
/// the `lo` lanes gathered in the second word (error ≤ ~16·2^-106 of the sum of magnitudes).
#[inline(always)]
pub(crate) fn reduce<L: Lanes32>(l: L, hi: L::V, lo: L::V) -> Dd {
    let (s, c) = l.fold(hi, lo);
    Dd::new(s, 0.0).add(Dd::new(c, 0.0))
}

/// One chunk of `F` on `f32` lanes, or `None` where the chunk must be recomputed by the
/// `f64` kernel (see the module's `# Range`).
#[inline(always)]
pub(crate) fn chunk<L: Lanes32, F: Term>(l: L, p: &[f32], q: &[f32]) -> Option<Partial> {
    let n = p.len();
    assert_eq!(n, q.len(), "inputs must have equal lengths");
    let w = L::W;
    let zero = l.splat(0.0);
    // The KL family needs no scan for NaN/∞: a NaN or ∞ in `p` or `q` reaches a stream as a
    // NaN or ∞ (KL: `p − q`, or `q·0` where `p = 0`; the others: `g`, or `p`, `q` themselves;
    // a `p = 0` lane takes `q` itself), which the finiteness check below sees; an overflowing
    // `p + q` makes `g` non-finite. The logarithm-based modes select zeros over `ln q` and must
    // scan `p + q`.
    let scan = matches!(
        F::FUNC,
        Func::CrossEntropy | Func::Entropy | Func::JsDivergence
    );
    let (mut ah, mut al, mut bh, mut bl, mut ch, mut cl) = (zero, zero, zero, zero, zero, zero);
    let (mut neg, mut nf) = (zero, zero);
    let nv = n / w;
    let rest = n - nv * w;
    macro_rules! acc {
        ($pv:expr, $qv:expr) => {{
            let (t, m, sum) = terms::<L, F>(l, $pv, $qv);
            neg = l.min(neg, m);
            if scan {
                // NaN/∞ in p or q (and an overflowing p + q, left to the f64 fallback) make
                // this NaN.
                nf = l.fma(sum, zero, nf);
            }
            two_sum_acc32(l, &mut ah, &mut al, t[0]);
            if matches!(F::FUNC, Func::Kl | Func::KlNormalized) {
                two_sum_acc32(l, &mut bh, &mut bl, t[1]);
            }
            if F::FUNC == Func::KlNormalized {
                two_sum_acc32(l, &mut ch, &mut cl, t[2]);
            }
        }};
    }
    // Two vectors per step: their `g` terms (≥ 0) are added first (one rounding, ≤ 2^-24
    // relative), then TwoSum-accumulated; the exact streams take every vector.
    let mut v = 0;
    while v + 2 <= nv {
        let off = v * w;
        // Out of cache the loop waits on memory: ask for both streams PF elements ahead.
        l.prefetch(p, off + PF);
        l.prefetch(q, off + PF);
        l.prefetch(p, off + PF + w);
        l.prefetch(q, off + PF + w);
        let (t1, m1, s1) = terms::<L, F>(l, l.load(&p[off..off + w]), l.load(&q[off..off + w]));
        let off = off + w;
        let (t2, m2, s2) = terms::<L, F>(l, l.load(&p[off..off + w]), l.load(&q[off..off + w]));
        neg = l.min(neg, l.min(m1, m2));
        if scan {
            nf = l.fma(l.add(s1, s2), zero, nf);
        }
        two_sum_acc32(l, &mut ah, &mut al, l.add(t1[0], t2[0]));
        if matches!(F::FUNC, Func::Kl | Func::KlNormalized) {
            two_sum_acc32(l, &mut bh, &mut bl, t1[1]);
            two_sum_acc32(l, &mut bh, &mut bl, t2[1]);
        }
        if F::FUNC == Func::KlNormalized {
            two_sum_acc32(l, &mut ch, &mut cl, t1[2]);
            two_sum_acc32(l, &mut ch, &mut cl, t2[2]);
        }
        v += 2;
    }
    if v < nv {
        let off = v * w;
        acc!(l.load(&p[off..off + w]), l.load(&q[off..off + w]));
    }
    if rest > 0 {
        // Zero padding contributes exactly 0 to every stream.
        let mut bp = [0.0f32; 16];
        let mut bq = [0.0f32; 16];
        bp[..rest].copy_from_slice(&p[nv * w..]);
        bq[..rest].copy_from_slice(&q[nv * w..]);
        acc!(l.load(&bp), l.load(&bq));
    }
    if l.any(l.lt(neg, zero)) || l.any(l.nan(nf)) {
        return None;
    }
    let mut out = Partial::filled(F::FUNC);
    out.s[0] = reduce(l, ah, al);
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

/// [`crate::route::Path::F32Ratio`]: the chunks of `p`, `q` by [`chunk`], each falling back to
/// the `f64`-lane term `F` where it returns `None`.
#[inline(always)]
pub(crate) fn run<L: Lanes + Lanes32, F: Term>(l: L, p: &[f32], q: &[f32], whole: bool) -> Partial {
    fold_chunks!(F::FUNC, p.len(), whole, |r| {
        let (pc, qc) = (&p[r.clone()], &q[r]);
        or_term!(chunk::<L, F>(l, pc, qc), L, l, f32, F, [pc, qc, pc, pc])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::f64lanes::{CrossEntropy, GeneralizedKl, Jeffreys, JsDivergence, Kl, KlNormalized};

    /// The JS series polynomial `H` (its `f32` coefficients, evaluated in `f64`) against
    /// `Σ_{k≥1} z^(k−1)/(k(2k − 1))` (200 terms: the tail at z = 0.49 is below 2^-200) over
    /// `z ∈ [0, 0.49]`: the documented 2^-26.5 (asserted ≤ 2^-26).
    #[test]
    fn js_poly_matches_series() {
        let mut worst = 0.0f64;
        for i in 0..=20_000 {
            let z = f64::from(JS_BAND) * f64::from(i) / 20_000.0;
            let want: f64 = (1..=200)
                .rev()
                .fold(0.0, |acc, k| acc * z + 1.0 / f64::from(k * (2 * k - 1)));
            let got = H.iter().rev().fold(0.0, |acc, &c| acc * z + f64::from(c));
            worst = worst.max(((got - want) / want).abs());
        }
        println!("JS polynomial H: max relative error 2^{:.2}", worst.log2());
        assert!(worst <= 2f64.powi(-26), "H off by 2^{:.2}", worst.log2());
    }

    /// Max relative error (in units of 2^-24) of the `f32`-lane `ln` over every `step`-th
    /// positive finite `f32` (subnormals included), against `f64::ln` (≤ 2^-52 relative, far
    /// below what is measured). `None` without AVX-512.
    fn sweep(step: u32) -> Option<(f64, f32)> {
        let t = crate::testutil::avx512("f32-lane ln")?;
        let mut worst = (0.0f64, 0.0f32);
        let mut xs = [0.0f32; 16];
        let mut out = [0.0f32; 16];
        let mut k = 0;
        let mut b: u32 = 1;
        let mut flush = |xs: &[f32; 16], k: usize, worst: &mut (f64, f32)| {
            Lanes32::store(t, ln(t, Lanes32::load(t, xs)), &mut out);
            for i in 0..k {
                let want = f64::from(xs[i]).ln();
                if want != 0.0 {
                    let e = ((f64::from(out[i]) - want) / want).abs() * 2f64.powi(24);
                    if e > worst.0 {
                        *worst = (e, xs[i]);
                    }
                }
            }
        };
        while b < 0x7F80_0000 {
            xs[k] = f32::from_bits(b);
            k += 1;
            if k == 16 {
                flush(&xs, k, &mut worst);
                k = 0;
            }
            b = b.saturating_add(step);
        }
        flush(&xs, k, &mut worst);
        Some(worst)
    }

    /// One term at a time (`n = 1`; the zero padding adds exactly 0), against the reference,
    /// for ratios `p/q` log-uniform in `[2^-8, 2^8]` and clustered within 1e-3 of the band edges
    /// (`p/q` near 1/2 and 2, where the cancellation in `g` is largest), of 1/4 and 4 (where `k`
    /// changes by 2 with the mantissas a factor 2 apart), and of 1; `p` log-uniform in
    /// `[2^-120, 2^8]`. The error is measured against each function's scale (`g + |KL term|` for
    /// KL, the value for the others) and must stay within the documented 2^-21.
    #[test]
    fn single_terms_at_the_band_edges() {
        crate::testutil::on_each_isa!("single terms", |t, name| single_terms_on(t, name));
    }

    fn single_terms_on<L: Lanes32>(t: L, backend: &str) {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut unif = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut worst = [(0.0f64, 0.0f32, 0.0f32); 5];
        let names = ["KL", "generalised KL", "Jeffreys", "JS", "normalised KL"];
        for i in 0..200_000 {
            let p = (2f64.powf(-120.0 + 128.0 * unif())) as f32;
            let centre: f64 = [1.0, 0.5, 2.0, 0.25, 4.0][i % 5];
            let r = if i % 10 < 5 {
                2f64.powf(16.0 * unif() - 8.0)
            } else {
                centre * (1.0 + 2e-3 * (unif() - 0.5))
            };
            let q = (f64::from(p) * r) as f32;
            if !(q.is_normal() || q > 0.0) {
                continue;
            }
            let (pp, qq) = ([p], [q]);
            let cases: [(Option<Partial>, f64, f64); 5] = {
                let h = relent_scalar::kl(&pp, &qq);
                let g = relent_scalar::generalized_kl(&pp, &qq);
                [
                    (chunk::<L, Kl>(t, &pp, &qq), h, g + h.abs()),
                    (chunk::<L, GeneralizedKl>(t, &pp, &qq), g, g),
                    (
                        chunk::<L, Jeffreys>(t, &pp, &qq),
                        relent_scalar::jeffreys(&pp, &qq),
                        0.0,
                    ),
                    (
                        chunk::<L, JsDivergence>(t, &pp, &qq),
                        relent_scalar::js_divergence(&pp, &qq),
                        0.0,
                    ),
                    (
                        chunk::<L, KlNormalized>(t, &pp, &qq),
                        relent_scalar::kl_normalized(&pp, &qq),
                        0.0,
                    ),
                ]
            };
            for (j, (part, want, scale)) in cases.into_iter().enumerate() {
                // `None`: the chunk goes to the f64 kernel (tiny or non-finite sums).
                let Some(part) = part else { continue };
                let got = part.finish().value;
                let scale = if scale == 0.0 { want.abs() } else { scale };
                if j == 4 {
                    // One element normalises to KL = 0 exactly: the scale is the absolute
                    // 2^-90·Σ(p + q)/Σp floor plus g/p (see `relent::kl_normalized`).
                    let floor = relent_scalar::generalized_kl(&pp, &qq) / f64::from(p);
                    assert!(
                        (got - want).abs()
                            <= crate::bounds::DEFAULT_NARROW * floor.max(1e-300) + 1e-300
                    );
                    continue;
                }
                let e = (got - want).abs() / scale;
                if e > worst[j].0 {
                    worst[j] = (e, p, q);
                }
            }
        }
        for (j, (e, p, q)) in worst.iter().enumerate().take(4) {
            println!(
                "{backend} f32 lanes, single {} terms: max error {:.2}·2^-24 of the scale (at p = {p:e}, q = {q:e})",
                names[j],
                e * 2f64.powi(24)
            );
            assert!(
                *e <= crate::bounds::DEFAULT_NARROW,
                "{} term off by 2^{:.2}",
                names[j],
                e.log2()
            );
        }
    }

    /// Every invalid element, in any lane position (paired vectors, the odd vector, the tail),
    /// also against `p = 0`, sends the chunk to the `f64` kernel (which reports it): the KL
    /// family relies on NaN/∞ reaching a stream instead of scanning `p + q`.
    #[test]
    fn invalid_elements_leave_the_fast_path() {
        crate::testutil::on_each_isa!("invalid elements", |t, _name| invalid_elements_on(t));
    }

    fn invalid_elements_on<L: Lanes32>(t: L) {
        let n = 53;
        let base: Vec<f32> = (0..n).map(|i| 1.0 / (i + 2) as f32).collect();
        let bad = [
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            -1.0,
            -1e-30,
            f32::MAX,
        ];
        for pos in 0..n {
            for &b in &bad {
                for (pv, qv) in [(0.0, b), (b, 0.5), (0.5, b), (b, 0.0), (b, b)] {
                    let (mut p, mut q) = (base.clone(), base.clone());
                    q[(pos + 7) % n] *= 3.0; // some KL > 0 everywhere
                    p[pos] = pv;
                    q[pos] = qv;
                    let overflow_only = b == f32::MAX;
                    let results = [
                        chunk::<L, Kl>(t, &p, &q),
                        chunk::<L, GeneralizedKl>(t, &p, &q),
                        chunk::<L, KlNormalized>(t, &p, &q),
                        chunk::<L, Jeffreys>(t, &p, &q),
                        chunk::<L, CrossEntropy>(t, &p, &q),
                        chunk::<L, JsDivergence>(t, &p, &q),
                    ];
                    for (j, r) in results.iter().enumerate() {
                        if overflow_only {
                            // f32::MAX is valid: the fast path may keep it only with a finite,
                            // accurate result (checked against the reference elsewhere);
                            // here only that nothing non-finite escapes.
                            if let Some(part) = r {
                                assert!(
                                    part.finish().value.is_finite(),
                                    "mode {j}, {pv} vs {qv} at {pos}"
                                );
                            }
                        } else {
                            assert!(
                                r.is_none(),
                                "mode {j}: {pv} vs {qv} at {pos} stayed on the f32 path"
                            );
                        }
                    }
                }
            }
        }
    }

    /// `−0.0` is `+0.0`: replacing any zero of `p` or `q` by `−0.0` (every lane position,
    /// against powers of two, whose mantissa `1.0` cancels `−0.0`'s `−1.0`) leaves every
    /// mode's result unchanged. (The fuzzer found Jeffreys of `−0.0` against `1.0` finite.)
    #[test]
    fn negative_zero_is_zero() {
        crate::testutil::on_each_isa!("−0.0", |t, _name| negative_zero_on(t));
    }

    fn negative_zero_on<L: Lanes32>(t: L) {
        for (v, case) in crate::testutil::negative_zero_cases() {
            let [p, q, np, nq] = v.map(|x| x.iter().map(|&x| x as f32).collect::<Vec<f32>>());
            macro_rules! same {
                ($f:ty) => {{
                    let a = chunk::<L, $f>(t, &p, &q).map(|x| x.finish().value);
                    let b = chunk::<L, $f>(t, &np, &nq).map(|x| x.finish().value);
                    let (a, b) = (a.map(f64::to_bits), b.map(f64::to_bits));
                    assert_eq!(a, b, "{:?}: {case}", <$f as Term>::FUNC);
                }};
            }
            same!(Kl);
            same!(GeneralizedKl);
            same!(KlNormalized);
            same!(Jeffreys);
            same!(CrossEntropy);
            same!(JsDivergence);
        }
    }

    /// The AVX-512 fold gives the bits of the trait's scalar tree.
    #[test]
    fn fold_matches_scalar_tree() {
        let Some(t) = crate::testutil::avx512("fold") else {
            return;
        };
        let mut seed = 7u64;
        let mut next = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            let e = ((seed >> 40) % 60) as i32 - 30;
            let m = (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            (m * 2f64.powi(e)) as f32
        };
        for _ in 0..2000 {
            let mut h = [0.0f32; 16];
            let mut o = [0.0f32; 16];
            for i in 0..16 {
                h[i] = next();
                o[i] = next() * 1e-8;
            }
            let (hv, ov) = (t.load(&h), t.load(&o));
            // The default (scalar) tree, spelled out.
            let mut s: Vec<f64> = h.iter().map(|&x| f64::from(x)).collect();
            let mut c: Vec<f64> = o.iter().map(|&x| f64::from(x)).collect();
            let mut w = 16;
            while w > 1 {
                w /= 2;
                for i in 0..w {
                    let (a, e) = crate::dd::two_sum(s[i], s[i + w]);
                    s[i] = a;
                    c[i] = c[i] + c[i + w] + e;
                }
            }
            let (a, b) = t.fold(hv, ov);
            assert_eq!((a.to_bits(), b.to_bits()), (s[0].to_bits(), c[0].to_bits()));
        }
    }

    #[test]
    fn ln32_strided_sweep() {
        if let Some((e, at)) = sweep(61) {
            println!("f32-lane ln, every 61st f32: max error {e:.3}·2^-24 relative at {at:e}");
            assert!(e <= 2.0);
        }
    }

    #[test]
    #[ignore = "slow: every positive f32 (~2^31 values)"]
    fn ln32_every_f32() {
        if let Some((e, at)) = sweep(1) {
            println!("f32-lane ln, every f32: max error {e:.3}·2^-24 relative at {at:e}");
            assert!(e <= 2.0);
        }
    }
}
