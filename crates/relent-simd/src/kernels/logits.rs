//! KL between softmaxes of logits, fused: `KL(softmax(a/t) ‖ softmax(b/t))` without
//! materialising a probability.
//!
//! Per chunk, two passes: the maxima `ma = max a/t`, `mb = max b/t`, then
//! `W = Σ e^(a/t − ma)·(a − b)/t`, `Sa = Σ e^(a/t − ma)`, `Sb = Σ e^(b/t − mb)`, and
//! `KL = W/Sa − (ma − mb) + ln(Sb/Sa)` (in [`crate::Partial::finish`]). Chunks are combined as
//! in online softmax (sums rescaled to the larger maximum). `a − b` is exact where the logits
//! are within a factor 2. Masked logits (−∞) are zero probability: `a = −∞` contributes 0,
//! `b = −∞ < a` gives +∞.

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

/// One chunk of `kl_logits`; `inv_t = 1/temperature`.
#[inline(always)]
pub(crate) fn run_chunk<L: Lanes, T: Load>(l: L, a: &[T], b: &[T], inv_t: f64) -> Partial {
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
    let mut out = Partial::new(Func::KlLogits);
    out.invalid = l.any(l.not(ok));
    let it = l.splat(inv_t);
    let ma = lanes_max(l, va) * inv_t;
    let mb = lanes_max(l, vb) * inv_t;
    out.m = [ma, mb];
    // Shifts: a chunk with every logit masked has no mass; any finite shift then gives 0 sums.
    let sa = l.splat(if ma == f64::NEG_INFINITY { 0.0 } else { ma });
    let sb = l.splat(if mb == f64::NEG_INFINITY { 0.0 } else { mb });
    let (mut w_hi, mut w_lo, mut a_hi, mut a_lo, mut b_hi, mut b_lo) =
        (zero, zero, zero, zero, zero, zero);
    let mut v = 0;
    while v < nv {
        let end = (v + BLOCK).min(nv);
        let (mut bw, mut ba, mut bb) = (zero, zero, zero);
        while v < end {
            let (x, y) = (load_at(l, a, v), load_at(l, b, v));
            let ea = exp(l, l.fma(x, it, l.sub(zero, sa)));
            let eb = exp(l, l.fma(y, it, l.sub(zero, sb)));
            let t = l.mul(ea, l.mul(l.sub(x, y), it));
            let t = l.select(l.eq(y, ninf), inf, t);
            let t = l.select(l.eq(x, ninf), zero, t);
            bw = l.add(bw, t);
            ba = l.add(ba, ea);
            bb = l.add(bb, eb);
            v += 1;
        }
        two_sum_acc(l, &mut w_hi, &mut w_lo, bw);
        two_sum_acc(l, &mut a_hi, &mut a_lo, ba);
        two_sum_acc(l, &mut b_hi, &mut b_lo, bb);
    }
    out.s = [
        reduce(l, w_hi, w_lo),
        reduce(l, a_hi, a_lo),
        reduce(l, b_hi, b_lo),
    ];
    out
}

/// The whole input, chunk by chunk.
#[inline(always)]
pub(crate) fn run_all<L: Lanes, T: Load>(l: L, a: &[T], b: &[T], inv_t: f64) -> Partial {
    let n = a.len();
    let mut acc = Partial::new(Func::KlLogits);
    let mut start = 0;
    loop {
        let end = (start + crate::CHUNK).min(n);
        acc = acc.combine(run_chunk(l, &a[start..end], &b[start..end], inv_t));
        start = end;
        if start >= n {
            return acc;
        }
    }
}
