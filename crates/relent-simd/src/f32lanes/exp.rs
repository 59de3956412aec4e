//! | card | |
//! |---|---|
//! | functions | `kl_log`, `gaussian_kl_diag_logvar` (`F32Exp`) and `kl_logits` (`F32Logits`) of `f32` at the default precision |
//! | path, ISAs | `F32Exp`, `F32Logits`: AVX-512, AVX2 |
//! | documented bound | 2^-21 of the scale (`kl_log`: Σ e^lp·|lp − lq|; `kl_logits`: Σ pa·|la − lb| + |lse(a/t)| + |lse(b/t)|; Gaussian: the value) |
//! | measured worst | 2^-23.8 (`kl_log`), 2^-23.5 (Gaussian), 2^-24.5 (`kl_logits`; chunks 2^-26.0 of the scale) (Sapphire Rapids; `cargo test -p relent-simd -- --nocapture` prints them) |
//! | fallback | per chunk, to `F64Term` (`F32Exp`) or `F64LogitsShort` (`F32Logits`) (see `# Range`) |
//! | tests | `f32lanes::exp::tests` (polynomials, single terms against `f64`, unusual elements leave the path, `logits_chunk_against_exact`) and the harness |
//! | bench | `kl_log/<backend>-f32`, `kl_logits/<backend>-f32`, `gaussian_kl_diag_logvar/<backend>-f32` (`cargo bench -p relent-benches --bench kernels`) |
//!
//! The default-precision path for `f32` inputs of the exponential-based functions — KL from
//! log-probabilities, KL between softmaxes of logits ([`logits_chunk`]) and the
//! diagonal-Gaussian KL from log-variances — in `f32` lanes (16 per AVX-512 vector instead of
//! 8 `f64`), with the sums kept exact enough that the result meets the `f32` default bound of
//! 2^-21 relative to the function's scale.
//!
//! # Method
//! `e^x = 2^k·(1 + r + r²·Q(r))`: `k = round(x·log2 e)` by the add-a-magic-constant trick in
//! one FMA, `r = x − k·ln2` by Cody–Waite (`LN2_HI` has 9 significant bits, so `k·LN2_HI` and
//! `x − k·LN2_HI` are exact for the `|k| ≤ 127` used here; the second step rounds once),
//! `|r| ≤ ln2/2 + 2^-17`, and `Q` a degree-4 minimax polynomial: `1 + r + r²Q(r)` is within
//! 2^-28 of `e^r`, relative, with these `f32` coefficients (`exp_poly_matches`). The
//! power of two is applied last (`vscalefps`, or the exponent bits on AVX2), after the factor
//! the term multiplies `e^x` by, so that `1 + p` is never rounded on its own:
//! - **KL from log-probabilities**: the term `e^lp·(lp − lq)` is `2^k·fma(d, p, d)` with
//!   `d = lp − lq` (rounded in `f32`) and `p = r + r²Q(r)`.
//! - **Gaussian KL from log-variances**: `(μp − μq)²·e^(−lvq)` is `2^k·fma(d², p, d²)`, and
//!   `e^δ − 1 − δ` (`δ = lvp − lvq`, ≥ 0) is `δ²·E(δ)` for `δ ∈ [−1, 2]` (`E` a degree-9
//!   minimax polynomial for `(e^δ − 1 − δ)/δ²`, relative error 2^-25.8 with these `f32`
//!   coefficients, `expm1mx_poly_matches`) and `e^δ − (1 + δ)` outside, where the cancellation
//!   is at most a factor 1.7 (at `δ = 2`).
//! - **KL between softmaxes**: the sums of `kernels::logits` (`W = Σ e^α·(α − β)`, `Σ e^α`,
//!   `Σ e^β`, `Σ (e^α − e^β)`), with the shifted logits `α = (x − max)/t` carried as pairs of
//!   `f32` (a rounded `f32` `α` would put `|α|·2^-24` into `e^α`), `W`'s terms as
//!   `2^k·fma(α − β, p, α − β)`; measured ≤ 2^-24.5 of the scale (`Σ pa·|la − lb| + |lse(a/t)| +
//!   |lse(b/t)|`) in the harness, 2^-26.3 in `logits_chunk_against_exact`.
//!
//! # Accuracy
//! Per term (u = 2^-24), relative to the term: `r` carries ≤ 2^-26 absolute (0.25u of `e^r`),
//! the polynomial 2^-28, `p = r + r²Q` ≤ 0.36u of `1 + p`; `d` ≤ 1u; the FMA 1u: ≤ ~3u for
//! KL from log-probabilities (relative to `e^lp·|lp − lq|`), ≤ ~4.5u for the mean part of the
//! Gaussian KL (`d²` adds 2u) and ≤ ~5u for `e^δ − 1 − δ` (outside the band: `e^δ` 1.6u of
//! itself times the cancellation ≤ 1.7, plus two roundings), plus 1u for their sum. Two
//! consecutive vectors' terms are added (≤ 1u of the sum of their magnitudes), then
//! TwoSum-compensated per lane and folded into `f64` double-doubles at the end of the chunk:
//! every function stays within 2^-21 (8u) of its scale with ~2u to spare.
//!
//! # Range
//! A chunk falls back to the `f64` kernel (decided from the chunk's own values, so results
//! stay independent of threads and alignment) where `f32` would not do: any NaN or ∞ (they
//! reach the sum as NaN or ∞; a `lp = −∞` lane, whose term is 0, has its `lq` checked for NaN
//! and +∞ separately), a finite `lp` (or `−lvq`, `δ`) outside `[−87, 88]` (where `e^x` leaves
//! the normal range), `0 < |μp − μq| < 2^-60` (where `d²` could underflow while
//! `d²·e^(−lvq)` matters), an overflow, or a chunk sum below 2^-100 in magnitude (where the
//! underflow of single terms, ≤ 2^-150 each, could matter relative to the result; this also
//! covers `KL(p, p) = 0`).

#![allow(clippy::excessive_precision)]

use crate::dd::{Dd, two_sum_acc32};
use crate::driver::{Term, fold_chunks, or_term};
use crate::func::{Func, Partial};
use crate::lanes::Lanes;
use crate::lanes32::Lanes32;

/// `Q(r) ≈ (e^r − 1 − r)/r²` on `|r| ≤ ln2/2 + 10^-4`, degree 4, minimax for the relative error
/// of `1 + r + r²Q(r)` against `e^r`: 2^-28.0 with these `f32` coefficients.
const Q: [f32; 5] = [
    0.499_999_94,
    0.166_665_21,
    0.041_668_39,
    0.008_368_731,
    0.001_381_457_1,
];
/// `E(δ) ≈ (e^δ − 1 − δ)/δ²` on `δ ∈ [−1, 2]`, degree 9, minimax for the relative error:
/// 2^-25.8 with these `f32` coefficients (rounding them costs most of that).
const E: [f32; 10] = [
    0.5,
    0.166_666_67,
    0.041_666_675,
    0.008_333_332,
    0.001_388_858_1,
    0.000_198_424_43,
    2.484_178_2e-5,
    2.732_44e-6,
    2.607_001_5e-7,
    3.840_911e-8,
];
const LOG2E: f32 = core::f32::consts::LOG2_E;
/// 1.5·2^23: adding it rounds a value of magnitude below 2^22 to an integer.
const MAGIC: f32 = 12_582_912.0;
/// `ln 2` to 9 significant bits (0x1.63p-1) and the rest.
const LN2_HI: f32 = 0.693_359_375;
const LN2_LO: f32 = -2.121_944_4e-4;
/// The range of arguments `e^x` is computed for in `f32` (results normal, `k ∈ [−126, 127]`).
const LO: f32 = -87.0;
const HI: f32 = 88.0;
/// Below this `|μp − μq|` (and above 0) a chunk goes to the `f64` kernel.
const TINY_D: f32 = 8.673_617e-19; // 2^-60
/// Below this chunk sum (in magnitude) a chunk goes to the `f64` kernel.
const TINY: f64 = 7.888_609_052_210_118e-31; // 2^-100
/// Software prefetch distance in elements.
const PF: usize = 512;

/// `(k, p)` with `e^x = 2^k·(1 + p)`, for `x ∈ [LO, HI]` (other lanes: unspecified, NaN
/// propagates into `p`).
#[inline(always)]
fn exp_parts<L: Lanes32>(l: L, x: L::V) -> (L::V, L::V) {
    let (k, r) = exp_reduce(l, x);
    (k, exp_poly(l, r))
}

/// `(k, r)`: `k = round(x·log2 e)`, `r = x − k·ln2` (Cody–Waite, see the module docs).
#[inline(always)]
fn exp_reduce<L: Lanes32>(l: L, x: L::V) -> (L::V, L::V) {
    let magic = l.splat(MAGIC);
    let k = l.sub(l.fma(x, l.splat(LOG2E), magic), magic);
    let r = l.fnma(k, l.splat(LN2_HI), x);
    (k, l.fnma(k, l.splat(LN2_LO), r))
}

/// `p = r + r²·Q(r)` (`e^r ≈ 1 + p`).
#[inline(always)]
fn exp_poly<L: Lanes32>(l: L, r: L::V) -> L::V {
    let r2 = l.mul(r, r);
    let mut q = l.splat(Q[4]);
    for &c in Q[..4].iter().rev() {
        q = l.fma(q, r, l.splat(c));
    }
    l.fma(r2, q, r)
}

/// `e^δ − 1 − δ` (≥ 0) for `δ ≤ HI`; NaN propagates.
#[inline(always)]
fn expm1mx<L: Lanes32>(l: L, dl: L::V) -> L::V {
    let d2 = l.mul(dl, dl);
    let mut e = l.splat(E[9]);
    for &c in E[..9].iter().rev() {
        e = l.fma(e, dl, l.splat(c));
    }
    let band = l.mul(d2, e);
    let one = l.splat(1.0);
    // Outside the band: δ < −87 has e^δ below 2^-125, negligible against 1 + δ (< −86), so
    // the clamp changes nothing there; `max(LO, δ)` keeps a NaN δ.
    let (k, p) = exp_parts(l, l.max(l.splat(LO), dl));
    let outside = l.sub(l.scale2(l.add(one, p), k), l.add(one, dl));
    // δ ∈ [−1, 2] (to within the rounding of δ − 1/2, which moves the edges by ≤ 2^-23).
    let inside = l.le(l.abs(l.sub(dl, l.splat(0.5))), l.splat(1.5));
    l.select(inside, band, outside)
}

/// Accumulator of one stream: per-lane TwoSum of pair-added terms.
struct Acc<V> {
    hi: V,
    lo: V,
}

fn finish<L: Lanes32>(l: L, func: Func, acc: Acc<L::V>) -> Option<Partial> {
    let (s, c) = l.fold(acc.hi, acc.lo);
    let v = Dd::new(s, 0.0).add(Dd::new(c, 0.0));
    if !(v.hi.is_finite() && v.lo.is_finite()) || v.hi.abs() < TINY {
        return None;
    }
    let mut out = Partial::filled(func);
    out.s[0] = v;
    Some(out)
}

/// The range checks of KL from log-probabilities (see the module's `# Range`).
struct LogState<V, M> {
    /// Running minimum of the finite `lp`.
    amin: V,
    /// Running maximum of `lp`.
    amax: V,
    /// Lanes that saw a NaN or +∞ `lq`.
    bad: M,
}

/// One vector of terms `e^lp·(lp − lq)` (a function, not a closure: closures do not inherit
/// the caller's target features).
#[inline(always)]
fn kl_log_term<L: Lanes32>(l: L, st: &mut LogState<L::V, L::M>, a: L::V, b: L::V) -> L::V {
    let live = l.lt(l.splat(f32::NEG_INFINITY), a);
    st.amin = l.mask_min(st.amin, live, st.amin, a);
    st.amax = l.max(st.amax, a);
    st.bad = l.mor(st.bad, l.nlt(b, l.splat(f32::INFINITY)));
    // lp = −∞ lanes: d = 0, and the clamp keeps `p` finite, so the term is exactly 0.
    let d = l.maskz_sub(live, a, b);
    let (k, p) = exp_parts(l, l.max(l.splat(LO), a));
    l.scale2(l.fma(d, p, d), k)
}

/// The range checks of the Gaussian KL from log-variances.
struct VarState<V> {
    /// Running minimum of `−lvq`.
    xmin: V,
    /// Running maximum of `−lvq` and `δ`.
    xmax: V,
    /// Running minimum of `|μp − μq|` over the lanes where it is not 0.
    dmin: V,
}

/// One vector of terms `(μp − μq)²·e^(−lvq) + e^δ − 1 − δ`.
#[inline(always)]
fn logvar_term<L: Lanes32>(l: L, st: &mut VarState<L::V>, x: [L::V; 4]) -> L::V {
    let zero = l.splat(0.0);
    let [mp, lvp, mq, lvq] = x;
    let d = l.sub(mp, mq);
    let dl = l.sub(lvp, lvq);
    let nl = l.sub(zero, lvq);
    st.xmin = l.min(st.xmin, nl);
    st.xmax = l.max(st.xmax, l.max(nl, dl));
    st.dmin = l.mask_min(st.dmin, l.ne(d, zero), st.dmin, l.abs(d));
    let (k, p) = exp_parts(l, nl);
    let d2 = l.mul(d, d);
    let mean = l.scale2(l.fma(d2, p, d2), k);
    l.add(mean, expm1mx(l, dl))
}

#[inline(always)]
fn load<L: Lanes32>(l: L, ins: [&[f32]; 4], off: usize) -> [L::V; 4] {
    let w = L::W;
    [
        l.load(&ins[0][off..off + w]),
        l.load(&ins[1][off..off + w]),
        l.load(&ins[2][off..off + w]),
        l.load(&ins[3][off..off + w]),
    ]
}

/// KL from log-probabilities, one chunk: `Σ e^lp·(lp − lq)`, or `None` where the chunk must be
/// recomputed by the `f64` kernel (see the module's `# Range`).
#[inline(always)]
pub(crate) fn kl_log_chunk<L: Lanes32>(l: L, lp: &[f32], lq: &[f32]) -> Option<Partial> {
    let n = lp.len();
    assert_eq!(n, lq.len(), "inputs must have equal lengths");
    let w = L::W;
    let zero = l.splat(0.0);
    let inf = l.splat(f32::INFINITY);
    let lo = l.splat(LO);
    let mut acc = Acc { hi: zero, lo: zero };
    let mut st = LogState {
        amin: zero,
        amax: zero,
        bad: l.lt(inf, zero),
    };
    let nv = n / w;
    let mut v = 0;
    while v + 2 <= nv {
        let off = v * w;
        l.prefetch(lp, off + PF);
        l.prefetch(lq, off + PF);
        l.prefetch(lp, off + PF + w);
        l.prefetch(lq, off + PF + w);
        let t1 = kl_log_term(
            l,
            &mut st,
            l.load(&lp[off..off + w]),
            l.load(&lq[off..off + w]),
        );
        let off = off + w;
        let t2 = kl_log_term(
            l,
            &mut st,
            l.load(&lp[off..off + w]),
            l.load(&lq[off..off + w]),
        );
        two_sum_acc32(l, &mut acc.hi, &mut acc.lo, l.add(t1, t2));
        v += 2;
    }
    while v * w < n {
        // The last whole vector, then the tail padded with −∞ (zero probability: exactly 0).
        let off = v * w;
        let mut ba = [f32::NEG_INFINITY; 16];
        let mut bb = [f32::NEG_INFINITY; 16];
        let m = (n - off).min(w);
        ba[..m].copy_from_slice(&lp[off..off + m]);
        bb[..m].copy_from_slice(&lq[off..off + m]);
        let t = kl_log_term(l, &mut st, l.load(&ba), l.load(&bb));
        two_sum_acc32(l, &mut acc.hi, &mut acc.lo, t);
        v += 1;
    }
    if l.any(l.lt(st.amin, lo)) || l.any(l.nlt(st.amax, l.splat(HI))) || l.any(st.bad) {
        return None;
    }
    finish(l, Func::KlLog, acc)
}

/// The diagonal-Gaussian KL from log-variances, one chunk: `Σ (μp − μq)²·e^(−lvq) + e^δ − 1 −
/// δ`, `δ = lvp − lvq` (halved in `finish`), or `None` where the chunk must be recomputed by
/// the `f64` kernel (see the module's `# Range`).
#[inline(always)]
pub(crate) fn logvar_chunk<L: Lanes32>(l: L, ins: [&[f32]; 4]) -> Option<Partial> {
    let n = ins[0].len();
    for s in &ins[1..] {
        assert_eq!(n, s.len(), "inputs must have equal lengths");
    }
    let w = L::W;
    let zero = l.splat(0.0);
    let lo = l.splat(LO);
    let mut acc = Acc { hi: zero, lo: zero };
    // Running extremes of −lvq and δ (NaN lanes reach the sum as NaN anyway), and of |d| over
    // d ≠ 0.
    let mut st = VarState {
        xmin: zero,
        xmax: zero,
        dmin: l.splat(1.0),
    };
    let nv = n / w;
    let mut v = 0;
    while v + 2 <= nv {
        let off = v * w;
        for s in ins {
            l.prefetch(s, off + PF);
        }
        let t1 = logvar_term(l, &mut st, load(l, ins, off));
        let t2 = logvar_term(l, &mut st, load(l, ins, off + w));
        two_sum_acc32(l, &mut acc.hi, &mut acc.lo, l.add(t1, t2));
        v += 2;
    }
    while v * w < n {
        // Zero padding contributes exactly 0.
        let off = v * w;
        let m = (n - off).min(w);
        let mut b = [[0.0f32; 16]; 4];
        for (b, s) in b.iter_mut().zip(ins) {
            b[..m].copy_from_slice(&s[off..off + m]);
        }
        let t = logvar_term(l, &mut st, load(l, [&b[0], &b[1], &b[2], &b[3]], 0));
        two_sum_acc32(l, &mut acc.hi, &mut acc.lo, t);
        v += 1;
    }
    let out_of_range = l.any(l.lt(st.xmin, lo)) || l.any(l.nlt(st.xmax, l.splat(HI)));
    if out_of_range || l.any(l.lt(st.dmin, l.splat(TINY_D))) {
        return None;
    }
    finish(l, Func::GaussianKlDiagLogvar, acc)
}

/// Lanes whose shifted logit (`(x − m)/t`, natural-log units, as rounded in `f32`) is below
/// this are masked (`x = −∞`: exactly 0) — a chunk with a finite shifted logit below
/// [`SHIFT_MIN`] never reaches the loop, so no finite lane is dropped.
const LOGIT_LO: f32 = -87.0;
/// A chunk whose smallest finite shifted logit `(min x − ma)/t` or `(min y − mb)/t` is below
/// this goes to the `f64` kernel: `e^α` would leave the normal `f32` range, and however small,
/// such a term can matter against the scale `Σ pa·|la − lb| + |lse(a/t)| + |lse(b/t)|`, which
/// is tiny where both rows put all their mass on logits near 0 (the fuzzer found `e^-500`
/// dropped from a result of 7e-218). The margin to [`LOGIT_LO`] covers the `f32` rounding.
const SHIFT_MIN: f64 = -86.5;

/// `(x − m)·(1/t)` as `hi + lo` (`lo` within ~2^-46 of `|hi|`): `x − m` by TwoSum (`nm = −m`),
/// `1/t = ih + il`, the product's rounding by an FMA.
/// `UNIT`: `t = 1`, where the difference is the result.
#[inline(always)]
fn shifted<L: Lanes32, const UNIT: bool>(
    l: L,
    x: L::V,
    nm: L::V,
    ih: L::V,
    il: L::V,
) -> (L::V, L::V) {
    let sh = l.add(x, nm);
    let bb = l.sub(sh, x);
    let sl = l.add(l.sub(x, l.sub(sh, bb)), l.sub(nm, bb));
    if UNIT {
        return (sh, sl);
    }
    let hi = l.mul(sh, ih);
    let e = l.fms(sh, ih, hi);
    (hi, l.fma(sh, il, l.fma(sl, ih, e)))
}

/// [`exp_parts`] of `x + corr` for `x ∈ [LO, 0]` and a small correction (`|corr| ≤ 2^-16`).
#[inline(always)]
fn exp_parts_corr<L: Lanes32>(l: L, x: L::V, corr: L::V) -> (L::V, L::V) {
    let (k, r) = exp_reduce(l, x);
    (k, exp_poly(l, l.add(r, corr)))
}

/// The four sums of `kl_logits` (see `kernels::logits`): `W = Σ e^α·(α − β)`, `Sa = Σ e^α`,
/// `Sb = Σ e^β`, `D = Σ (e^α − e^β)`.
struct LogitSums<V> {
    s: [Acc<V>; 4],
}

/// One vector of `kl_logits` terms: `[e^α·(α − β), e^α, e^β, e^α − e^β]`.
#[inline(always)]
fn logit_terms<L: Lanes32, const UNIT: bool>(
    l: L,
    c: &LogitConsts<L::V>,
    x: L::V,
    y: L::V,
) -> [L::V; 4] {
    let zero = l.splat(0.0);
    let one = l.splat(1.0);
    let (ah, al) = shifted::<L, UNIT>(l, x, c.nma, c.ih, c.il);
    let (bh, bl) = shifted::<L, UNIT>(l, y, c.nmb, c.ih, c.il);
    // Live lanes: α ≥ LOGIT_LO (false for NaN: masked x = −∞); the others are 0, with
    // their exponent inputs clamped and corrections zeroed so that nothing is NaN.
    let la = l.le(c.lo, ah);
    let lb = l.le(c.lo, bh);
    let (ka, pa) = exp_parts_corr(l, l.max(ah, c.lo), l.maskz_sub(la, al, zero));
    let (kb, pb) = exp_parts_corr(l, l.max(bh, c.lo), l.maskz_sub(lb, bl, zero));
    // α − β = (αh − βh) + (αl − βl): the first difference is exact where they are close.
    let d = l.maskz_sub(la, l.sub(ah, bh), l.sub(bl, al));
    let w = l.scale2(l.fma(d, pa, d), ka);
    let ea = l.scale2(l.mask_add(zero, la, one, pa), ka);
    let eb = l.scale2(l.mask_add(zero, lb, one, pb), kb);
    [w, ea, eb, l.sub(ea, eb)]
}

/// Per-chunk constants of [`logit_terms`].
struct LogitConsts<V> {
    nma: V,
    nmb: V,
    ih: V,
    il: V,
    lo: V,
}

#[inline(always)]
fn lanes_fold<L: Lanes32>(l: L, v: L::V, max: bool) -> f32 {
    let mut h = [0.0f32; 16];
    l.store(v, &mut h);
    let h = &h[..L::W];
    if max {
        h.iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x))
    } else {
        h.iter().fold(f32::INFINITY, |m, &x| m.min(x))
    }
}

/// The sums of one chunk (see [`logits_chunk`]).
#[inline(always)]
fn logit_sums<L: Lanes32, const UNIT: bool>(
    l: L,
    c: &LogitConsts<L::V>,
    a: &[f32],
    b: &[f32],
) -> LogitSums<L::V> {
    let (n, w) = (a.len(), L::W);
    let pad = |s: &[f32], off: usize| {
        let mut buf = [f32::NEG_INFINITY; 16];
        let m = (s.len() - off).min(w);
        buf[..m].copy_from_slice(&s[off..off + m]);
        buf
    };
    let zero = l.splat(0.0);
    let mut sums = LogitSums {
        s: [(); 4].map(|_| Acc { hi: zero, lo: zero }),
    };
    let nw = n / w;
    let mut v = 0;
    // Four vectors per step: their terms are added pairwise (≤ 2u of the sum of their
    // magnitudes), then TwoSum-accumulated.
    while v + 4 <= nw {
        let off = v * w;
        l.prefetch(a, off + PF);
        l.prefetch(b, off + PF);
        l.prefetch(a, off + PF + 2 * w);
        l.prefetch(b, off + PF + 2 * w);
        // (Four calls, not a closure: closures do not inherit the target features.)
        let (o1, o2, o3) = (off + w, off + 2 * w, off + 3 * w);
        let t = [
            logit_terms::<L, UNIT>(l, c, l.load(&a[off..o1]), l.load(&b[off..o1])),
            logit_terms::<L, UNIT>(l, c, l.load(&a[o1..o2]), l.load(&b[o1..o2])),
            logit_terms::<L, UNIT>(l, c, l.load(&a[o2..o3]), l.load(&b[o2..o3])),
            logit_terms::<L, UNIT>(l, c, l.load(&a[o3..o3 + w]), l.load(&b[o3..o3 + w])),
        ];
        for (i, acc) in sums.s.iter_mut().enumerate() {
            let s = l.add(l.add(t[0][i], t[1][i]), l.add(t[2][i], t[3][i]));
            two_sum_acc32(l, &mut acc.hi, &mut acc.lo, s);
        }
        v += 4;
    }
    while v * w < n {
        let off = v * w;
        let t = logit_terms::<L, UNIT>(l, c, l.load(&pad(a, off)), l.load(&pad(b, off)));
        for (acc, t) in sums.s.iter_mut().zip(t) {
            two_sum_acc32(l, &mut acc.hi, &mut acc.lo, t);
        }
        v += 1;
    }
    sums
}

/// `kl_logits` at `Precision::Default`, one chunk, or `None` where the chunk must be
/// recomputed by the `f64` kernel: any NaN or +∞, a row with every logit masked, a finite `x`
/// against a masked `y` (+∞), a finite shifted logit below [`SHIFT_MIN`], a temperature
/// outside `[2^-60, 2^60]`, or a non-finite sum. The shifted logits are carried as `f32` pairs
/// ([`shifted`]: `α` within ~2^-46 relative), so `e^α` is not off by `|α|·2^-24` as a rounded
/// `f32` `α` would make it; `e^α = 2^k·(1 + p)` as in [`exp_parts`], with `α`'s low part added
/// to the reduced argument.
#[inline(always)]
pub(crate) fn logits_chunk<L: Lanes32>(l: L, a: &[f32], b: &[f32], temp: f64) -> Option<Partial> {
    let n = a.len();
    assert_eq!(n, b.len(), "inputs must have equal lengths");
    if !(2f64.powi(-60)..=2f64.powi(60)).contains(&temp) || n == 0 {
        return None;
    }
    let w = L::W;
    let ninf = l.splat(f32::NEG_INFINITY);
    let inf = l.splat(f32::INFINITY);
    let pad = |s: &[f32], off: usize| {
        let mut buf = [f32::NEG_INFINITY; 16];
        let m = (s.len() - off).min(w);
        buf[..m].copy_from_slice(&s[off..off + m]);
        buf
    };
    // Pass 1: maxima, validity, and min y over the lanes with x > −∞.
    let (mut va, mut vb, mut ymin) = (ninf, ninf, inf);
    let (mut xlo, mut ylo) = (inf, inf);
    let mut bad = l.lt(inf, ninf);
    let nv = n.div_ceil(w);
    for v in 0..nv {
        let off = v * w;
        let (x, y) = if off + w <= n {
            (l.load(&a[off..off + w]), l.load(&b[off..off + w]))
        } else {
            (l.load(&pad(a, off)), l.load(&pad(b, off)))
        };
        va = l.max(va, x);
        vb = l.max(vb, y);
        bad = l.mor(bad, l.mor(l.nlt(x, inf), l.nlt(y, inf)));
        let (xl, yl) = (l.lt(ninf, x), l.lt(ninf, y));
        ymin = l.mask_min(ymin, xl, ymin, y);
        xlo = l.mask_min(xlo, xl, xlo, x);
        ylo = l.mask_min(ylo, yl, ylo, y);
    }
    let (ma, mb) = (lanes_fold(l, va, true), lanes_fold(l, vb, true));
    let ymin = lanes_fold(l, ymin, false);
    if l.any(bad) || ma == f32::NEG_INFINITY || ymin == f32::NEG_INFINITY {
        return None;
    }
    let (xlo, ylo) = (lanes_fold(l, xlo, false), lanes_fold(l, ylo, false));
    let shift_lo = |lo: f32, m: f32| (f64::from(lo) - f64::from(m)) / temp;
    if shift_lo(xlo, ma) < SHIFT_MIN || shift_lo(ylo, mb) < SHIFT_MIN {
        return None;
    }
    let inv = 1.0 / temp;
    let ih = inv as f32;
    let c = LogitConsts {
        nma: l.splat(-ma),
        nmb: l.splat(-mb),
        ih: l.splat(ih),
        il: l.splat((inv - f64::from(ih)) as f32),
        lo: l.splat(LOGIT_LO),
    };
    let sums = if temp == 1.0 {
        logit_sums::<L, true>(l, &c, a, b)
    } else {
        logit_sums::<L, false>(l, &c, a, b)
    };
    let mut out = Partial::filled(Func::KlLogits);
    out.t = temp;
    out.m = [f64::from(ma), f64::from(mb)];
    for (slot, acc) in out.s.iter_mut().zip(sums.s) {
        let (s, c) = l.fold(acc.hi, acc.lo);
        let v = Dd::new(s, 0.0).add(Dd::new(c, 0.0));
        if !(v.hi.is_finite() && v.lo.is_finite()) {
            return None;
        }
        *slot = v;
    }
    Some(out)
}

/// [`crate::route::Path::F32Exp`]: KL from log-probabilities ([`kl_log_chunk`]) or the
/// Gaussian KL from log-variances ([`logvar_chunk`]) chunk by chunk, each falling back to the
/// `f64`-lane term `F` where it returns `None`.
#[inline(always)]
pub(crate) fn run<L: Lanes + Lanes32, F: Term>(l: L, ins: [&[f32]; 4], whole: bool) -> Partial {
    fold_chunks!(F::FUNC, ins[0].len(), whole, |r| {
        let c = ins.map(|s| &s[r.clone()]);
        let fast = match F::FUNC {
            Func::KlLog => kl_log_chunk(l, c[0], c[1]),
            Func::GaussianKlDiagLogvar => logvar_chunk(l, c),
            Func::Kl
            | Func::KlNormalized
            | Func::CrossEntropy
            | Func::Entropy
            | Func::GeneralizedKl
            | Func::Jeffreys
            | Func::JsDivergence
            | Func::KlLogits
            | Func::GaussianKlDiag => unreachable!("not routed to f32lanes/exp.rs's run"),
        };
        or_term!(fast, L, l, f32, F, c)
    })
}

/// [`crate::route::Path::F32Logits`]: KL from logits chunk by chunk ([`logits_chunk`]), each
/// falling back to the `f64`-lane logits kernel without shift recovery
/// ([`crate::route::Path::F64LogitsShort`]) where it returns `None`.
#[inline(always)]
pub(crate) fn run_logits<L: Lanes + Lanes32>(
    l: L,
    a: &[f32],
    b: &[f32],
    temp: f64,
    whole: bool,
) -> Partial {
    fold_chunks!(Func::KlLogits, a.len(), whole, |r| {
        let (ac, bc) = (&a[r.clone()], &b[r]);
        match logits_chunk(l, ac, bc, temp) {
            Some(part) => part,
            None => crate::f64lanes::logits::run_chunk::<L, f32, false>(l, ac, bc, temp),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poly(c: &[f32], x: f64) -> f64 {
        c.iter().rev().fold(0.0, |acc, &c| acc * x + f64::from(c))
    }

    /// `1 + r + r²Q(r)` (`f32` coefficients, evaluated in `f64`) against `e^r` on
    /// `|r| ≤ ln2/2 + 10^-4`: the documented 2^-28 (asserted ≤ 2^-27.5).
    #[test]
    fn exp_poly_matches() {
        let h = core::f64::consts::LN_2 / 2.0 + 1e-4;
        let mut worst = 0.0f64;
        for i in 0..=200_000 {
            let r = -h + 2.0 * h * f64::from(i) / 200_000.0;
            // e^r − 1 − r = Σ_{j≥2} r^j/j!.
            let (mut t, mut want) = (r * r / 2.0, 0.0);
            for j in 2..40 {
                want += t;
                t *= r / f64::from(j + 1);
            }
            let got = r * r * poly(&Q, r);
            worst = worst.max(((got - want) / r.exp()).abs());
        }
        println!("exp polynomial Q: max relative error 2^{:.2}", worst.log2());
        assert!(worst <= 2f64.powf(-27.5), "Q off by 2^{:.2}", worst.log2());
    }

    /// `E(δ)` against `(e^δ − 1 − δ)/δ²` on `[−1, 2]`: the documented 2^-25.8 (asserted
    /// ≤ 2^-25.5).
    #[test]
    fn expm1mx_poly_matches() {
        let mut worst = 0.0f64;
        for i in 0..=300_000 {
            let x = -1.0 + 3.0 * f64::from(i) / 300_000.0;
            // Σ_{j≥0} x^j/(j + 2)!.
            let mut term = 0.5;
            let mut want = 0.0;
            for j in 0..60 {
                want += term;
                term *= x / f64::from(j + 3);
            }
            worst = worst.max(((poly(&E, x) - want) / want).abs());
        }
        println!(
            "expm1mx polynomial E: max relative error 2^{:.2}",
            worst.log2()
        );
        assert!(worst <= 2f64.powf(-25.5), "E off by 2^{:.2}", worst.log2());
    }

    type LogChunk<'a> = dyn Fn(&[f32], &[f32]) -> Option<Partial> + 'a;
    type LogitsChunk<'a> = dyn Fn(&[f32], &[f32], f64) -> Option<Partial> + 'a;
    type VarChunk<'a> = dyn Fn([&[f32]; 4]) -> Option<Partial> + 'a;

    /// Runs `f` with the chunk functions of every `f32`-lane backend this CPU has.
    fn on_each(f: fn(&LogChunk<'_>, &VarChunk<'_>)) {
        crate::testutil::on_each_isa!("f32-lane exp", |t, _name| f(
            &|a, b| kl_log_chunk(t, a, b),
            &|x| logvar_chunk(t, x)
        ));
    }

    /// `e^δ − 1 − δ` in `f64`, relative error ~2^-50 (series where `expm1(δ) − δ` cancels).
    fn view(v: &[Vec<f32>; 4]) -> [&[f32]; 4] {
        [&v[0][..], &v[1][..], &v[2][..], &v[3][..]]
    }

    fn expm1mx_ref(x: f64) -> f64 {
        if x.abs() < 0.5 {
            let (mut t, mut s) = (x * x / 2.0, 0.0);
            for j in 2..40 {
                s += t;
                t *= x / f64::from(j + 1);
            }
            s
        } else {
            x.exp_m1() - x
        }
    }

    /// Single terms over the whole range the fast path takes, each against its `f64` value:
    /// KL from log-probabilities within the documented ~3u of `e^lp·|lp − lq|`, the Gaussian
    /// term within ~6u (the mean part 4.5u or `e^δ − 1 − δ` 5u, plus their sum); asserted
    /// with those bounds (u = 2^-24).
    #[test]
    fn single_terms_against_f64() {
        on_each(|kl_log, logvar| {
            use rand::{RngExt, SeedableRng};
            let mut rng = rand::rngs::StdRng::seed_from_u64(7);
            let u = 2f64.powi(-24);
            let (mut worst_log, mut worst_var, mut fast, mut missed) = (0.0f64, 0.0f64, 0, 0);
            for i in 0..200_000 {
                let a: f32 = rng.random_range(-87.0..88.0);
                // lq − lp over 2^-30 … 2^7, either sign; every 7th pair from the band edges.
                let mag = 2f32.powf(rng.random_range(-30.0..7.0));
                let b = if i % 2 == 0 { a + mag } else { a - mag };
                let want = f64::from(a).exp() * (f64::from(a) - f64::from(b));
                if let Some(part) = kl_log(&[a], &[b]) {
                    let got = part.finish().value;
                    worst_log = worst_log.max(((got - want) / want).abs() / u);
                    fast += 1;
                } else if (2f64.powi(-99)..2f64.powi(126)).contains(&want.abs()) {
                    missed += 1;
                }
                let mp: f32 = rng.random_range(-4.0..4.0);
                let mq = mp + 2f32.powf(rng.random_range(-40.0..10.0));
                let lvq: f32 = rng.random_range(-80.0..80.0);
                let dl = if i % 3 == 0 {
                    rng.random_range(-1.5f32..2.5)
                } else {
                    rng.random_range(-60.0f32..60.0)
                };
                let lvp = lvq + dl;
                let d = f64::from(mp) - f64::from(mq);
                let dl = f64::from(lvp) - f64::from(lvq);
                let want = 0.5 * (d * d * (-f64::from(lvq)).exp() + expm1mx_ref(dl));
                if let Some(part) = logvar([&[mp], &[lvp], &[mq], &[lvq]]) {
                    let got = part.finish().value;
                    worst_var = worst_var.max(((got - want) / want).abs() / u);
                    fast += 1;
                } else if (2f64.powi(-99)..2f64.powi(126)).contains(&want) && dl <= 87.0 {
                    missed += 1;
                }
            }
            println!(
                "single terms: KL from log-probabilities {worst_log:.2}u, Gaussian (log-variance) \
                 {worst_var:.2}u ({fast} of 400000 on the fast path)"
            );
            // Terms in [2^-99, 2^126] with arguments in range must all stay on the fast path.
            assert_eq!(missed, 0, "{missed} single terms left the fast path");
            assert!(worst_log <= 3.0, "kl_log term off by {worst_log}u");
            assert!(worst_var <= 6.0, "Gaussian term off by {worst_var}u");
        });
    }

    /// Every invalid element (NaN, ±∞ where invalid), and every valid value the `f32` path
    /// cannot take, in any lane position (paired vectors, the odd vector, the tail), also
    /// against a masked `lp = −∞`, sends the chunk to the `f64` kernel (which reports it).
    #[test]
    fn unusual_elements_leave_the_fast_path() {
        on_each(|kl_log, logvar| {
            let n = 53;
            let lp: Vec<f32> = (0..n).map(|i| -1.0 - (i as f32) / 8.0).collect();
            let lq: Vec<f32> = (0..n).map(|i| -1.5 - (i as f32) / 9.0).collect();
            let (ninf, inf, nan) = (f32::NEG_INFINITY, f32::INFINITY, f32::NAN);
            let cases = [
                (nan, -1.0),
                (-1.0, nan),
                (ninf, nan),
                (inf, -1.0),
                (-1.0, inf),
                (ninf, inf),
                (-1.0, ninf),
                (100.0, -1.0),
                (-87.5, -1.0),
                (-1e30, -1.0),
            ];
            assert!(kl_log(&lp, &lq).is_some());
            for pos in 0..n {
                for (a, b) in cases {
                    let (mut x, mut y) = (lp.clone(), lq.clone());
                    x[pos] = a;
                    y[pos] = b;
                    assert!(kl_log(&x, &y).is_none(), "{a} vs {b} at {pos} stayed");
                }
            }
            let ins: [Vec<f32>; 4] = [0.1, 0.2, -0.3, 0.4]
                .map(|c| (0..n).map(|i| c + (i as f32) / 16.0).collect::<Vec<f32>>());
            assert!(logvar(view(&ins)).is_some());
            for pos in 0..n {
                for which in 0..4 {
                    for bad in [nan, inf, ninf] {
                        let mut v = ins.clone();
                        v[which][pos] = bad;
                        assert!(logvar(view(&v)).is_none(), "{bad} in {which} at {pos}");
                    }
                }
                // −lvq or δ beyond the f32 exponential; μp − μq tiny but not 0.
                for (which, x) in [(3, 90.0), (3, -89.0), (1, 100.0)] {
                    let mut v = ins.clone();
                    v[which][pos] = x;
                    assert!(logvar(view(&v)).is_none(), "{x} in {which} at {pos}");
                }
                let mut v = ins.clone();
                v[0][pos] = 1e-19;
                v[2][pos] = 2e-19;
                assert!(logvar(view(&v)).is_none(), "tiny mean difference at {pos}");
            }
        });
    }

    /// `kl_logits`' fast chunk against the exact value (the harness's double-double reference)
    /// over temperatures from 2^-6 to 2^6 and rows with masked entries (in `a`,
    /// in both), within the documented 2^-21 of the scale `Σ pa·|la − lb| + |lse(a/t)| +
    /// |lse(b/t)|`; and every unusual element (NaN, +∞, a masked `y` against a finite `x`, a
    /// temperature out of range) in any lane position sends the chunk to the `f64` kernel.
    #[test]
    fn logits_chunk_against_exact() {
        fn chunk_value(p: Partial) -> f64 {
            Partial::new(Func::KlLogits).combine(p).finish().value
        }
        let mut worst = 0.0f64;
        let mut check = |lanes: &str, fast: &LogitsChunk<'_>| {
            use rand::{RngExt, SeedableRng};
            let mut rng = rand::rngs::StdRng::seed_from_u64(11);
            let mut fallbacks = 0;
            for case in 0..300usize {
                let n = 1 + case % 131;
                let temp = 2f64.powi((case % 13) as i32 - 6);
                let spread: f32 = rng.random_range(0.1..30.0);
                let a: Vec<f32> = (0..n).map(|_| rng.random_range(-spread..spread)).collect();
                let mut b: Vec<f32> = a
                    .iter()
                    .map(|&x| {
                        x + rng.random_range(-1.0f32..1.0) * spread / 10f32.powi((case % 5) as i32)
                    })
                    .collect();
                let mut a = a;
                if case % 3 == 0 {
                    a[case % n] = f32::NEG_INFINITY;
                }
                if case % 4 == 0 {
                    a[(case + 1) % n] = f32::NEG_INFINITY;
                    b[(case + 1) % n] = f32::NEG_INFINITY;
                }
                let Some(part) = fast(&a, &b, temp) else {
                    // Only a fully masked row or one whose smallest finite shifted logit is
                    // below SHIFT_MIN may leave the fast path here.
                    let lo = |v: &[f32]| {
                        let m = v.iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x));
                        let min = v.iter().filter(|x| x.is_finite()).fold(m, |s, &x| s.min(x));
                        (f64::from(min) - f64::from(m)) / temp
                    };
                    let masked = a.iter().all(|&x| x == f32::NEG_INFINITY);
                    assert!(
                        masked || lo(&a).min(lo(&b)) < SHIFT_MIN,
                        "case {case} fell back"
                    );
                    fallbacks += 1;
                    continue;
                };
                let got = chunk_value(part);
                let wide = |v: &[f32]| v.iter().map(|&x| f64::from(x)).collect::<Vec<f64>>();
                let (want, scale) =
                    crate::harness::reference(Func::KlLogits, &[wide(&a), wide(&b)], temp);
                worst = worst.max((got - want).abs() / scale);
                assert!(
                    (got - want).abs() <= crate::bounds::DEFAULT_NARROW * scale,
                    "{lanes} case {case}: {got} vs {want} (scale {scale})"
                );
            }
            assert!(
                fallbacks < 200,
                "{lanes}: {fallbacks} of 300 rows fell back"
            );
            // A shifted logit below SHIFT_MIN leaves the fast path: e^-500 against a result
            // of 7e-218 (fuzzer; the f64 kernel keeps it).
            let (a, b) = (
                [-6.0f32, f32::NEG_INFINITY, 0.0],
                [-0.5f32, f32::NEG_INFINITY, 0.0],
            );
            assert!(fast(&a, &b, 0.001).is_none());
            let v = crate::kl_logits(&a, &b, 0.001, crate::Precision::Default).value;
            let want = (-500f64).exp().ln_1p();
            assert!(
                (v - want).abs() <= crate::bounds::DEFAULT_NARROW * want,
                "{v} vs {want}"
            );
            let n = 37;
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin() * 5.0).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.41).cos() * 5.0).collect();
            let (nan, inf, ninf) = (f32::NAN, f32::INFINITY, f32::NEG_INFINITY);
            assert!(fast(&a, &b, 1.0).is_some());
            for t in [0.0, 1e-30, 1e30, f64::INFINITY, f64::NAN] {
                assert!(fast(&a, &b, t).is_none(), "temperature {t}");
            }
            for pos in 0..n {
                for (x, y) in [(nan, 1.0), (1.0, nan), (inf, 1.0), (1.0, inf), (1.0, ninf)] {
                    let (mut a2, mut b2) = (a.clone(), b.clone());
                    a2[pos] = x;
                    b2[pos] = y;
                    assert!(fast(&a2, &b2, 1.0).is_none(), "{x} vs {y} at {pos}");
                }
            }
        };
        crate::testutil::on_each_isa!("kl_logits f32 chunks", |t, name| check(
            name,
            &|a, b, temp| logits_chunk(t, a, b, temp)
        ));
        println!(
            "kl_logits f32 chunks: max error 2^{:.2} of the scale",
            worst.log2()
        );
    }
}
