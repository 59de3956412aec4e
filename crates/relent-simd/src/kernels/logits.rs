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

use crate::chunked::{BLOCK, Func, Partial, reduce};
use crate::lanes::{Lanes, Load};
use crate::math::exp::exp;

#[inline(always)]
fn two_sum_acc<L: Lanes>(l: L, hi: &mut L::V, lo: &mut L::V, x: L::V) {
    let s = l.add(*hi, x);
    let bb = l.sub(s, *hi);
    let e = l.add(l.sub(*hi, l.sub(s, bb)), l.sub(x, bb));
    *hi = s;
    *lo = l.add(*lo, e);
}

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
pub(crate) fn run_chunk<L: Lanes, T: Load>(l: L, a: &[T], b: &[T], temp: f64) -> Partial {
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
    let ma = lanes_max(l, va);
    let mb = lanes_max(l, vb);
    out.m = [ma, mb];
    // Shifts: a row with every logit masked has no mass; any finite shift then gives 0 sums.
    // (A NaN maximum only occurs with `invalid` set.)
    let sa = l.splat(if ma == f64::NEG_INFINITY { 0.0 } else { ma });
    let sb = l.splat(if mb == f64::NEG_INFINITY { 0.0 } else { mb });
    let dm = l.sub(sa, sb);
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
            let al = l.div(l.sub(x, sa), tv);
            let be = l.div(l.sub(y, sb), tv);
            let ea = exp(l, al);
            let eb = exp(l, be);
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
            let c1 = l.div(l.sub(l.sub(x, y), dm), tv);
            let xy = l.sub(x, y);
            let e1 = l.add(l.max(xy, l.sub(zero, xy)), l.max(dm, l.sub(zero, dm)));
            let (xa, yb) = (l.sub(x, sa), l.sub(y, sb));
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
            crate::chunked::Dd::new(f64::INFINITY, 0.0)
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
pub(crate) fn run_all<L: Lanes, T: Load>(l: L, a: &[T], b: &[T], temp: f64) -> Partial {
    let n = a.len();
    let mut acc = Partial::new(Func::KlLogits);
    let mut start = 0;
    loop {
        let end = (start + crate::CHUNK).min(n);
        acc = acc.combine(run_chunk(l, &a[start..end], &b[start..end], temp));
        start = end;
        if start >= n {
            return acc;
        }
    }
}
