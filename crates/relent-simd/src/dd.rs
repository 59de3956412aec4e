//! Double-double arithmetic, the one copy every kernel uses: the scalar [`Dd`] and
//! [`two_sum`], TwoSum accumulation into per-lane double-doubles for `f64` lanes
//! ([`two_sum_acc`]) and `f32` lanes ([`two_sum_acc32`]), and the lane-order reduction
//! ([`reduce`]).

use crate::lanes::Lanes;
use crate::lanes32::Lanes32;

/// A scalar double-double `hi + lo`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Dd {
    pub hi: f64,
    pub lo: f64,
}

#[inline]
pub(crate) fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

impl Dd {
    pub(crate) fn new(hi: f64, lo: f64) -> Dd {
        if hi.is_finite() {
            Dd { hi, lo }
        } else {
            Dd { hi, lo: 0.0 }
        }
    }
    /// Accurate double-double addition (infinities and NaN propagate through `hi`).
    pub(crate) fn add(self, o: Dd) -> Dd {
        let (s, e) = two_sum(self.hi, o.hi);
        if !s.is_finite() {
            return Dd { hi: s, lo: 0.0 };
        }
        let (t, f) = two_sum(self.lo, o.lo);
        let (s, e) = two_sum(s, e + t);
        let (s, e) = two_sum(s, e + f);
        Dd { hi: s, lo: e }
    }
    pub(crate) fn neg(self) -> Dd {
        Dd {
            hi: -self.hi,
            lo: -self.lo,
        }
    }
    pub(crate) fn scale(self, x: f64) -> Dd {
        Dd::new(self.hi * x, self.lo * x)
    }
    pub(crate) fn value(self) -> f64 {
        self.hi + self.lo
    }
}

/// Adds `x` to the per-lane double-double `(hi, lo)`: `hi + x` by TwoSum, its error into `lo`.
#[inline(always)]
pub(crate) fn two_sum_acc<L: Lanes>(l: L, hi: &mut L::V, lo: &mut L::V, x: L::V) {
    let s = l.add(*hi, x);
    let bb = l.sub(s, *hi);
    let e = l.add(l.sub(*hi, l.sub(s, bb)), l.sub(x, bb));
    *hi = s;
    *lo = l.add(*lo, e);
}

/// Lanes of a per-lane double-double, combined in lane order: a compensated (TwoSum) sum of
/// the `hi` lanes with the errors and the `lo` lanes gathered in one correction term
/// (error ≤ W·2^-106 relative to the sum of magnitudes, far below the kernels' bounds).
#[inline(always)]
pub(crate) fn reduce<L: Lanes>(l: L, hi: L::V, lo: L::V) -> Dd {
    let mut h = [0.0f64; 16];
    let mut o = [0.0f64; 16];
    l.store(hi, &mut h);
    l.store(lo, &mut o);
    let (mut s, mut c) = (h[0], o[0]);
    for i in 1..L::W {
        let (t, e) = two_sum(s, h[i]);
        s = t;
        c += e + o[i];
    }
    if !s.is_finite() {
        return Dd { hi: s, lo: 0.0 };
    }
    let (t, e) = two_sum(s, c);
    Dd { hi: t, lo: e }
}

/// [`two_sum_acc`] on `f32` lanes (the same operations in the same order).
#[inline(always)]
pub(crate) fn two_sum_acc32<L: Lanes32>(l: L, hi: &mut L::V, lo: &mut L::V, x: L::V) {
    let s = l.add(*hi, x);
    let bb = l.sub(s, *hi);
    let e = l.add(l.sub(*hi, l.sub(s, bb)), l.sub(x, bb));
    *hi = s;
    *lo = l.add(*lo, e);
}
