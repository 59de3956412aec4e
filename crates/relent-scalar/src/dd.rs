//! Double-double arithmetic: a value is the unevaluated sum `hi + lo` of two `f64`s with
//! `|lo| ≤ ½ ulp(hi)`, about 106 bits of precision. Error-free transformations (TwoSum, and
//! TwoProd through a fused multiply-add) make every operation accurate to a few units of 2^-106.
//!
//! Double-doubles have the exponent range of `f64` but lose their low part near the subnormal
//! range, so the sums of this crate carry an explicit power-of-two exponent beside the
//! double-double ([`Ext`]) and keep the mantissas near 1.

/// A double-double number `hi + lo`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Dd {
    pub hi: f64,
    pub lo: f64,
}

/// ln 2 as a double-double (hi = `LN_2`, lo = the next 53 bits).
pub(crate) const LN2: Dd = Dd {
    hi: core::f64::consts::LN_2,
    lo: 2.319_046_813_846_299_6e-17,
};

/// `s + e = a + b` exactly (Knuth's TwoSum).
#[inline]
pub(crate) fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// `s + e = a + b` exactly, provided `|a| ≥ |b|` or `a = 0`.
#[inline]
fn quick_two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    (s, b - (s - a))
}

/// `p + e = a·b` exactly (barring underflow), using a fused multiply-add.
#[inline]
fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

impl Dd {
    pub(crate) const ZERO: Dd = Dd { hi: 0.0, lo: 0.0 };
    pub(crate) const ONE: Dd = Dd { hi: 1.0, lo: 0.0 };

    /// The exact double-double of one `f64`.
    #[inline]
    pub(crate) const fn from(x: f64) -> Dd {
        Dd { hi: x, lo: 0.0 }
    }

    /// `a + b` exactly.
    #[inline]
    pub(crate) fn sum(a: f64, b: f64) -> Dd {
        let (hi, lo) = two_sum(a, b);
        Dd { hi, lo }
    }

    /// `a · b` exactly (barring underflow).
    #[inline]
    pub(crate) fn prod(a: f64, b: f64) -> Dd {
        let (hi, lo) = two_prod(a, b);
        Dd { hi, lo }
    }

    #[inline]
    pub(crate) fn neg(self) -> Dd {
        Dd {
            hi: -self.hi,
            lo: -self.lo,
        }
    }

    /// Accurate addition (relative error ≤ 3·2^-106 of the result).
    #[inline]
    pub(crate) fn add(self, o: Dd) -> Dd {
        let (s, e) = two_sum(self.hi, o.hi);
        let (t, f) = two_sum(self.lo, o.lo);
        let (s, e) = quick_two_sum(s, e + t);
        let (hi, lo) = quick_two_sum(s, e + f);
        Dd { hi, lo }
    }

    #[inline]
    pub(crate) fn sub(self, o: Dd) -> Dd {
        self.add(o.neg())
    }

    #[inline]
    pub(crate) fn add_f64(self, b: f64) -> Dd {
        self.add(Dd::from(b))
    }

    #[inline]
    pub(crate) fn mul(self, o: Dd) -> Dd {
        let (p, e) = two_prod(self.hi, o.hi);
        let (hi, lo) = quick_two_sum(p, e + (self.hi * o.lo + self.lo * o.hi));
        Dd { hi, lo }
    }

    #[inline]
    pub(crate) fn mul_f64(self, b: f64) -> Dd {
        let (p, e) = two_prod(self.hi, b);
        let (hi, lo) = quick_two_sum(p, e + self.lo * b);
        Dd { hi, lo }
    }

    /// Division by long division with three partial quotients.
    #[inline]
    pub(crate) fn div(self, o: Dd) -> Dd {
        let q1 = self.hi / o.hi;
        let r = self.sub(o.mul_f64(q1));
        let q2 = r.hi / o.hi;
        let r = r.sub(o.mul_f64(q2));
        let q3 = r.hi / o.hi;
        let (hi, lo) = quick_two_sum(q1, q2);
        Dd { hi, lo }.add_f64(q3)
    }

    /// `self · 2^n` (exact unless a part leaves the normal range).
    #[inline]
    pub(crate) fn scale(self, n: i32) -> Dd {
        Dd {
            hi: scalbn(self.hi, n),
            lo: scalbn(self.lo, n),
        }
    }

    /// √self for self ≥ 0, one Newton correction on the `f64` root.
    pub(crate) fn sqrt_f64(self) -> f64 {
        if self.hi <= 0.0 {
            return self.hi.max(0.0);
        }
        let s = self.hi.sqrt();
        let r = self.sub(Dd::prod(s, s));
        s + r.hi / (2.0 * s)
    }
}

/// `x · 2^n`, correctly rounded (musl's `scalbn`).
pub(crate) fn scalbn(mut x: f64, mut n: i32) -> f64 {
    let p1023 = f64::from_bits(0x7fe0_0000_0000_0000);
    let m969 = f64::from_bits(0x0360_0000_0000_0000); // 2^-1022 · 2^53
    if n > 1023 {
        x *= p1023;
        n -= 1023;
        if n > 1023 {
            x *= p1023;
            n -= 1023;
            n = n.min(1023);
        }
    } else if n < -1022 {
        x *= m969;
        n += 1022 - 53;
        if n < -1022 {
            x *= m969;
            n += 1022 - 53;
            n = n.max(-1022);
        }
    }
    x * f64::from_bits(((0x3ff + n) as u64) << 52)
}

/// Splits a positive finite `x` (subnormals included) into `m · 2^e` with `m ∈ [1, 2)`, exactly.
#[inline]
pub(crate) fn split(x: f64) -> (f64, i32) {
    let mut bits = x.to_bits();
    let mut adj = 0;
    if (bits >> 52) & 0x7ff == 0 {
        bits = (x * f64::from_bits(0x4350_0000_0000_0000)).to_bits(); // 2^54
        adj = -54;
    }
    let e = ((bits >> 52) & 0x7ff) as i32 - 1023 + adj;
    let m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    (m, e)
}

/// `a − b` exactly, as `(d, k)` with `a − b = d · 2^k` and `|d.hi| ∈ [1, 2)` (or `d = 0`).
///
/// Log-probabilities, log-variances and means may be any finite numbers: `a − b` can exceed
/// the `f64` range (both near ±`f64::MAX`), and a product such as `e^a · (a − b)` can be tiny
/// while `a − b` is huge (`a = −f64::MAX`). Halving large operands (exact) and moving the
/// difference's exponent into `k` keeps products of `d` with mantissas near 1 far from
/// overflow, so they never turn into ∞ or NaN.
#[inline]
pub(crate) fn diff_split(a: f64, b: f64) -> (Dd, i32) {
    const BIG: f64 = 1e300;
    let (d, e0) = if a.abs() > BIG || b.abs() > BIG {
        (Dd::sum(a * 0.5, -b * 0.5), 1)
    } else {
        (Dd::sum(a, -b), 0)
    };
    if d.hi == 0.0 {
        return (d, 0);
    }
    let (_, k) = split(d.hi.abs());
    (d.scale(-k), e0 + k)
}

/// Above this magnitude [`Ext::add`] renormalises mantissas (2^600: far from overflow, far
/// from making the low part underflow when rescaled).
const ACC_BIG: f64 = 4.149515568880993e180;

/// A double-double with its own power-of-two exponent: the value is `v · 2^e`.
///
/// Used as the accumulator of every sum: terms arrive as a mantissa near 1 and an exponent,
/// the accumulator rescales to the largest exponent seen, so tiny and subnormal inputs keep
/// their full relative precision and huge ones never overflow. A non-finite `v.hi` carries a
/// special result (+∞ or NaN) through unchanged.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ext {
    pub v: Dd,
    pub e: i32,
}

impl Ext {
    pub(crate) const ZERO: Ext = Ext { v: Dd::ZERO, e: 0 };

    pub(crate) const fn special(x: f64) -> Ext {
        Ext {
            v: Dd::from(x),
            e: 0,
        }
    }

    pub(crate) fn new(v: Dd, e: i32) -> Ext {
        Ext { v, e }
    }

    /// Adds `t · 2^e`. Depends only on exponent differences, so scaling every input by the same
    /// power of two scales the result exactly.
    #[inline]
    pub(crate) fn add(&mut self, t: Dd, e: i32) {
        if t.hi == 0.0 {
            return;
        }
        // Mantissas stay far from overflow: a term given as a large value at a small exponent
        // (e.g. −(1 + c) with c near −f64::MAX) is renormalised first, and so is the
        // accumulator once it has grown large. Both are exact power-of-two rescalings, so
        // ordinary sums are unaffected; without them, forty terms near f64::MAX summed to
        // ∞ − ∞ = NaN inside the double-double.
        let (t, e) = if t.hi.abs() > ACC_BIG && t.hi.is_finite() {
            let (_, k) = split(t.hi.abs());
            (t.scale(-k), e + k)
        } else {
            (t, e)
        };
        self.add_unchecked(t, e);
        if self.v.hi.abs() > ACC_BIG && self.v.hi.is_finite() {
            *self = self.normalized();
        }
    }

    #[inline]
    fn add_unchecked(&mut self, t: Dd, e: i32) {
        if self.v.hi == 0.0 {
            *self = Ext { v: t, e };
        } else if e > self.e {
            self.v = self.v.scale(self.e - e).add(t);
            self.e = e;
        } else {
            self.v = self.v.add(t.scale(e - self.e));
        }
    }

    #[inline]
    pub(crate) fn add_ext(&mut self, o: Ext) {
        self.add(o.v, o.e);
    }

    /// The value with a mantissa in [1, 2) (zero stays zero).
    pub(crate) fn normalized(self) -> Ext {
        if self.v.hi == 0.0 || !self.v.hi.is_finite() {
            return self;
        }
        let (_, k) = split(self.v.hi.abs());
        Ext {
            v: self.v.scale(-k),
            e: self.e + k,
        }
    }

    pub(crate) fn is_finite(self) -> bool {
        self.v.hi.is_finite()
    }

    /// `self · d`. The mantissa is normalised first, so that a value near the top of the
    /// `f64` range with a small exponent does not overflow (or turn into NaN) in the product.
    pub(crate) fn mul_dd(self, d: Dd) -> Ext {
        if !self.is_finite() {
            return self;
        }
        let n = self.normalized();
        Ext {
            v: n.v.mul(d),
            e: n.e,
        }
        .normalized()
    }

    /// `self / d`, normalised first like [`Ext::mul_dd`]: without it a finite sum near
    /// `f64::MAX` divided by ln 2 overflowed inside the double-double division and gave NaN.
    pub(crate) fn div_dd(self, d: Dd) -> Ext {
        if !self.is_finite() {
            return self;
        }
        let n = self.normalized();
        Ext {
            v: n.v.div(d),
            e: n.e,
        }
        .normalized()
    }

    /// Rounds to the nearest `f64` (saturating to ±∞, flushing gradually to subnormals).
    pub(crate) fn to_f64(self) -> f64 {
        if !self.is_finite() {
            return self.v.hi;
        }
        let n = self.normalized();
        scalbn(n.v.hi + n.v.lo, n.e)
    }

    /// √value, accurate to about one rounding.
    pub(crate) fn sqrt_f64(self) -> f64 {
        if !self.is_finite() || self.v.hi <= 0.0 {
            return self.to_f64().sqrt();
        }
        let n = self.normalized();
        // Make the exponent even so that it halves exactly.
        let (v, e) = if n.e % 2 != 0 {
            (n.v.scale(1), n.e - 1)
        } else {
            (n.v, n.e)
        };
        scalbn(v.sqrt_f64(), e / 2)
    }
}
