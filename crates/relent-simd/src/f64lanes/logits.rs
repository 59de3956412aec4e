//! | card | |
//! |---|---|
//! | functions | `kl_logits` |
//! | path, ISAs | `F64Logits` (shifts recovered: `f64`, `Precision::High`) and `F64LogitsShort` (`f16`/`bf16`, and `f32` on portable/scalar, at the default precision), every backend; the per-chunk fallback of `F32Logits` |
//! | documented bound | 2^-49 (`F64Logits`) or 2^-21 (`F64LogitsShort`) of Σ pa·|la − lb| + |lse(a/t)| + |lse(b/t)| |
//! | measured worst | 2^-52.9 (f64, AVX2); 2^-30.7 (f16/bf16, short) (Sapphire Rapids; `cargo test -p relent-simd -- --nocapture` prints them) |
//! | fallback | none: takes every chunk |
//! | tests | harness (`every_backend_every_function`, `special_values`, `invalid_inputs_are_flagged`); `harness::kl_logits_extremes` |
//! | bench | `kl_logits/<backend>-f64` (`cargo bench -p relent-benches --bench kernels`) |
//!
//! KL between softmaxes of logits, fused: `KL(softmax(a/t) ‖ softmax(b/t))` without
//! materialising a probability.
//!
//! Per chunk, two passes: the maxima `ma = max a`, `mb = max b`, then with the shifted logits
//! `α = (a − ma)/t`, `β = (b − mb)/t` (shifted before the division, so that neither a tiny
//! temperature nor logits near `f64::MAX` overflow), `W = Σ e^α·(α − β)`, `Sa = Σ e^α`,
//! `Sb = Σ e^β`, `D = Σ (e^α − e^β)` (= Sa − Sb, summed per element: in `Sa` and `Sb` a
//! row's dominant e^0 = 1 absorbs the small terms, and Sb − Sa from them would lose what
//! ln(Sb/Sa) is made of when both rows are peaked), and `KL = W/Sa + ln(1 − D/Sa)` (in
//! [`crate::Partial::finish`]). Chunks are combined as in online softmax (sums rescaled to
//! the larger maximum). Masked logits (−∞), and
//! shifted logits that are −∞ in `f64`, are zero probability: `α = −∞` contributes 0,
//! `α` finite with `β = −∞` gives +∞ (even when `e^α` underflows).
//!
//! For the 2^-49 bound (`f64` inputs, `Precision::High`) the rounding of `α` and `β` is
//! recovered exactly and applied to `e^α`, `e^β` ([`shift_fix`]): a rounded shifted logit
//! makes `e^α` off by up to |α|·2^-53 relative, which terms far in a peaked row's tail can
//! carry into the result. `f32`, `f16` and `bf16` inputs at `Precision::Default` (2^-21) skip
//! it, and take the shifted logits by multiplying with `1/t` (instead of three divisions per
//! vector) and `e^α` from a degree-4 polynomial ([`exp_short`], 2^-27): together ≤ 2^-26
//! relative per term, well inside the bound.

use crate::dd::{reduce, two_sum_acc};
use crate::driver::BLOCK;
use crate::func::{Func, Partial};
use crate::lanes::{Lanes, Load};
use crate::math::exp::{exp, exp_short};

#[inline(always)]
fn lanes_max<L: Lanes>(l: L, v: L::V) -> f64 {
    let mut h = [0.0f64; 16];
    l.store(v, &mut h);
    h[..L::W].iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x))
}

/// Loads vector `v` of `s` (padded with −∞ past the end).
#[inline(always)]
fn load_at<L: Lanes, T: Load>(l: L, s: &[T], v: usize) -> L::V {
    let w = L::W;
    let off = v * w;
    if off + w <= s.len() {
        T::load(l, &s[off..off + w])
    } else {
        let mut buf = [T::from_f64(f64::NEG_INFINITY); 16];
        buf[..s.len() - off].copy_from_slice(&s[off..]);
        T::load(l, &buf)
    }
}

/// What [`shift_fix`] needs, per row: `−m` (the row's shift), `t` split into halves for
/// Dekker's product (backends whose `fma` is not fused), `1/t` and the largest plausible
/// correction. A subnormal `t` is scaled by 2^54 (`sub`): the division's remainder is exact
/// for normal divisors only, and `d·2^54 − α·(t·2^54)` is exact wherever `e^α` matters
/// (there `|d| = |α|·t < 2^-1000`, so `d·2^54` cannot overflow; elsewhere the correction is
/// non-finite or implausible and dropped).
struct Fix<V> {
    nm: V,
    t_hi: V,
    t_lo: V,
    inv: V,
    lim: V,
    nlim: V,
    sub: bool,
    ts: V,
    scale: V,
}

impl<V: Copy> Fix<V> {
    #[inline(always)]
    fn new<L: Lanes<V = V>>(l: L, m: f64, t: f64) -> Self {
        let sub = t < f64::MIN_POSITIVE;
        let scale = if sub { 2f64.powi(54) } else { 1.0 };
        let ts = t * scale;
        let c = 134_217_729.0 * ts;
        let t_hi = c - (c - ts);
        // |δ| ≤ |α|·2^-52 with |α| < 1100 where e^α matters; anything larger (an overflow
        // in the residual's arithmetic, where e^α is 0 anyway) is dropped.
        let lim = 2f64.powi(-40);
        Fix {
            nm: l.splat(-m),
            t_hi: l.splat(t_hi),
            t_lo: l.splat(ts - t_hi),
            inv: l.splat(1.0 / ts),
            lim: l.splat(lim),
            nlim: l.splat(-lim),
            sub,
            ts: l.splat(ts),
            scale: l.splat(scale),
        }
    }
}

/// `e·(1 + δ)` for `e = e^α`, with `δ = (x − m)/t − α` the rounding error of the shifted
/// logit `α = fl(fl(x − m)/t)`, recovered exactly: `x − m = d + e_s` (TwoSum, `d` the
/// rounded difference) and `d = α·t + r` (the division's remainder, exact: by an FMA, or by
/// Dekker's product where `fma` is not fused), so `δ = (r + e_s)/t` (taken as `(r + e_s)·(1/t)`:
/// δ's own relative error does not matter).
///
/// Without it `e^α` is off by up to |α|·2^-53 relative (2^-43.5 at α ≈ −745), which a term
/// `p·ln(p/q)` whose `ln q` is huge (a tiny temperature, huge logits), or terms that
/// dominate the scale S because every row is peaked, carry into the result.
#[inline(always)]
fn shift_fix<L: Lanes>(l: L, f: &Fix<L::V>, x: L::V, d: L::V, al: L::V, tv: L::V, e: L::V) -> L::V {
    let zero = l.splat(0.0);
    let bb = l.sub(d, x);
    let es = l.add(l.sub(x, l.sub(d, bb)), l.sub(f.nm, bb));
    // A subnormal temperature: the same remainder in units 2^54 times larger (exact).
    let (d, es, tv) = if f.sub {
        (l.mul(d, f.scale), l.mul(es, f.scale), f.ts)
    } else {
        (d, es, tv)
    };
    let r = if L::FUSED_FMA {
        l.fma(l.sub(zero, al), tv, d)
    } else {
        // α·t = p + pe exactly (Dekker), then d − p is exact (Sterbenz) and so is r.
        let p = l.mul(al, tv);
        let c = l.mul(al, l.splat(134_217_729.0));
        let a_hi = l.sub(c, l.sub(c, al));
        let a_lo = l.sub(al, a_hi);
        let pe = l.sub(l.mul(a_hi, f.t_hi), p);
        let pe = l.add(pe, l.mul(a_hi, f.t_lo));
        let pe = l.add(pe, l.mul(a_lo, f.t_hi));
        let pe = l.add(pe, l.mul(a_lo, f.t_lo));
        l.sub(l.sub(d, p), pe)
    };
    let delta = l.mul(l.add(r, es), f.inv);
    // NaN (masked logits: −∞ − m) and implausible values give no correction.
    let ok = l.and(l.lt(delta, f.lim), l.lt(f.nlim, delta));
    l.fma(e, l.select(ok, delta, zero), e)
}

/// [`run_all`] or [`run_chunk`], with or without [`shift_fix`].
#[inline(always)]
pub(crate) fn run<L: Lanes, T: Load>(
    l: L,
    a: &[T],
    b: &[T],
    temp: f64,
    whole: bool,
    exact: bool,
) -> Partial {
    match (whole, exact) {
        (true, true) => run_all::<L, T, true>(l, a, b, temp),
        (true, false) => run_all::<L, T, false>(l, a, b, temp),
        (false, true) => run_chunk::<L, T, true>(l, a, b, temp),
        (false, false) => run_chunk::<L, T, false>(l, a, b, temp),
    }
}

/// One chunk of `kl_logits` at temperature `temp > 0`.
///
/// With the chunk's largest logits `ma`, `mb`, the shifted logits are `α = (x − ma)/temp`,
/// `β = (y − mb)/temp` (shift first, then divide: both are ≤ 0 and never overflow, whatever
/// the temperature or the magnitude of the logits). A shifted value that is −∞ in `f64` is
/// zero probability. Sums: `W = Σ e^α·(α − β)` over the entries with `α` finite,
/// `Sa = Σ e^α`, `Sb = Σ e^β`; an entry with `α` finite and `β = −∞` (p > 0, q = 0, even
/// when `e^α` underflows), or with a finite logit `x` against a masked `y = −∞` (p > 0
/// mathematically even when `α` is −∞ in `f64`), makes `W = +∞`. `α − β ≥ α`, so the negative terms are bounded by
/// `|α|·e^α` and `W` never meets `∞ − ∞`.
#[inline(always)]
pub(crate) fn run_chunk<L: Lanes, T: Load, const EXACT: bool>(
    l: L,
    a: &[T],
    b: &[T],
    temp: f64,
) -> Partial {
    let n = a.len();
    let b = &b[..n];
    let w = L::W;
    let nv = n.div_ceil(w);
    let ninf = l.splat(f64::NEG_INFINITY);
    let inf = l.splat(f64::INFINITY);
    let zero = l.splat(0.0);
    let (mut va, mut vb) = (ninf, ninf);
    let mut ok = l.eq(zero, zero);
    for v in 0..nv {
        let (x, y) = (load_at(l, a, v), load_at(l, b, v));
        ok = l.and(ok, l.and(l.lt(x, inf), l.lt(y, inf)));
        va = l.max(x, va);
        vb = l.max(y, vb);
    }
    let mut out = Partial::filled(Func::KlLogits);
    out.invalid = l.any(l.not(ok));
    out.t = temp;
    let tv = l.splat(temp);
    // Without the exact shift, the default bound (2^-21) allows multiplying by 1/t (one more
    // rounding of α: e^α off by ≤ 2·745·2^-53 = 2^-42.4 more) instead of three divisions
    // per vector — unless 1/t overflows (a subnormal temperature).
    let by_mul = !EXACT && (1.0 / temp).is_finite();
    let inv = l.splat(1.0 / temp);
    let ma = lanes_max(l, va);
    let mb = lanes_max(l, vb);
    out.m = [ma, mb];
    // Shifts: a row with every logit masked has no mass; any finite shift then gives 0 sums.
    // (A NaN maximum only occurs with `invalid` set.)
    let sa = l.splat(if ma == f64::NEG_INFINITY { 0.0 } else { ma });
    let sb = l.splat(if mb == f64::NEG_INFINITY { 0.0 } else { mb });
    let dm = l.sub(sa, sb);
    let fix_a = Fix::new(l, if ma == f64::NEG_INFINITY { 0.0 } else { ma }, temp);
    let fix_b = Fix::new(l, if mb == f64::NEG_INFINITY { 0.0 } else { mb }, temp);
    let (mut w_hi, mut w_lo, mut a_hi, mut a_lo, mut b_hi, mut b_lo) =
        (zero, zero, zero, zero, zero, zero);
    let (mut d_hi, mut d_lo) = (zero, zero);
    let mut w_inf = l.lt(zero, zero);
    let mut v = 0;
    while v < nv {
        let end = (v + BLOCK).min(nv);
        let (mut bw, mut ba, mut bb, mut bd) = (zero, zero, zero, zero);
        while v < end {
            let (x, y) = (load_at(l, a, v), load_at(l, b, v));
            // x − m is −∞ only for x = −∞ (m finite): then α = −∞.
            let (xa, yb) = (l.sub(x, sa), l.sub(y, sb));
            let (al, be) = if by_mul {
                (l.mul(xa, inv), l.mul(yb, inv))
            } else {
                (l.div(xa, tv), l.div(yb, tv))
            };
            let (mut ea, mut eb) = if EXACT {
                (exp(l, al), exp(l, be))
            } else {
                (exp_short(l, al), exp_short(l, be))
            };
            if EXACT {
                ea = shift_fix(l, &fix_a, x, xa, al, tv, ea);
                eb = shift_fix(l, &fix_b, y, yb, be, tv, eb);
            }
            let p_pos = l.lt(ninf, al);
            let q_zero = l.eq(be, ninf);
            // +∞: a finite logit against a masked one (p > 0 even when α underflows to −∞),
            // or a finite α against β = −∞.
            let masked = l.and(l.lt(ninf, x), l.eq(y, ninf));
            w_inf = l.or(w_inf, l.or(masked, l.and(p_pos, q_zero)));
            // ln(p/q) + (LA − LB) = α − β, preferably as ((x − y) − (ma − mb))/t: the
            // differences are exact within a factor 2, so for near-identical logits the error
            // is relative to |x − y| and |ma − mb|, not to the shifted logits. Where that
            // overflows (huge logits of opposite signs, a tiny t), α − β, which is finite:
            // both are ≤ 0.
            // That form is exact only while x, y (and ma, mb) are close: its error is
            // ~u·(|x − y| + |ma − mb|), against ~u·(|x − ma| + |y − mb|) for α − β, so it is
            // taken only where it is the smaller (the fuzzer found x = 8e36 against y = −0.6
            // at t = 4e-309, where x − y absorbs y and the form gave 0 for a KL near 1e308).
            let c1 = l.sub(l.sub(x, y), dm);
            let c1 = if by_mul {
                l.mul(c1, inv)
            } else {
                l.div(c1, tv)
            };
            let xy = l.sub(x, y);
            let e1 = l.add(l.max(xy, l.sub(zero, xy)), l.max(dm, l.sub(zero, dm)));
            let e2 = l.add(l.max(xa, l.sub(zero, xa)), l.max(yb, l.sub(zero, yb)));
            let c1_ok = l.and(l.and(l.lt(c1, inf), l.lt(ninf, c1)), l.le(e1, e2));
            let c = l.select(c1_ok, c1, l.sub(al, be));
            let t = l.mul(ea, c);
            let t = l.select(l.and(p_pos, l.not(q_zero)), t, zero);
            bw = l.add(bw, t);
            ba = l.add(ba, ea);
            bb = l.add(bb, eb);
            bd = l.add(bd, l.sub(ea, eb));
            v += 1;
        }
        two_sum_acc(l, &mut w_hi, &mut w_lo, bw);
        two_sum_acc(l, &mut a_hi, &mut a_lo, ba);
        two_sum_acc(l, &mut b_hi, &mut b_lo, bb);
        two_sum_acc(l, &mut d_hi, &mut d_lo, bd);
    }
    out.s = [
        if l.any(w_inf) {
            crate::dd::Dd::new(f64::INFINITY, 0.0)
        } else {
            reduce(l, w_hi, w_lo)
        },
        reduce(l, a_hi, a_lo),
        reduce(l, b_hi, b_lo),
        reduce(l, d_hi, d_lo),
    ];
    out
}

/// The whole input, chunk by chunk.
#[inline(always)]
pub(crate) fn run_all<L: Lanes, T: Load, const EXACT: bool>(
    l: L,
    a: &[T],
    b: &[T],
    temp: f64,
) -> Partial {
    let n = a.len();
    let mut acc = Partial::new(Func::KlLogits);
    let mut start = 0;
    loop {
        let end = (start + crate::CHUNK).min(n);
        acc = acc.combine(run_chunk::<L, T, EXACT>(
            l,
            &a[start..end],
            &b[start..end],
            temp,
        ));
        start = end;
        if start >= n {
            return acc;
        }
    }
}
