//! One pair of positive numbers `(p, q)` brought to a common power of two.
//!
//! `p = mₚ·2^eₚ` and `q = m_q·2^e_q` are split exactly (subnormals included), optionally shifted
//! by integer exponents (used to normalise by Σp and Σq without rounding), and rewritten as
//! `x·2^e`, `y·2^e` with the larger of `x`, `y` in [1, 2). Every per-element term of the
//! divergences is homogeneous of degree 1 in `(p, q)`, so it is computed on `(x, y)` and carries
//! the exponent `e` to the accumulator: nothing overflows, nothing is lost to underflow, and
//! the result depends on the two exponents only through their difference.

use crate::dd::{Dd, scalbn, split};
use crate::log::{bregman_near, js_near, ln_ratio_near, ln_ratio_split, ln_split};

pub(crate) struct Pair {
    pub x: f64,
    pub y: f64,
    pub e: i32,
    mx: f64,
    ex: i32,
    my: f64,
    ey: i32,
}

impl Pair {
    /// `p·2^dp` and `q·2^dq` for positive finite `p`, `q`.
    #[inline]
    pub(crate) fn new(p: f64, q: f64, dp: i32, dq: i32) -> Pair {
        let (mx, ex) = split(p);
        let (my, ey) = split(q);
        let (ex, ey) = (ex + dp, ey + dq);
        let e = ex.max(ey);
        Pair {
            x: scalbn(mx, ex - e),
            y: scalbn(my, ey - e),
            e,
            mx,
            ex,
            my,
            ey,
        }
    }

    /// `x` and `y` within a factor 2: `x − y` is exact and `|s| ≤ ⅓`.
    #[inline]
    pub(crate) fn near(&self) -> bool {
        self.x <= 2.0 * self.y && self.y <= 2.0 * self.x
    }

    /// `s = (x − y)/(x + y)` (for near pairs).
    #[inline]
    fn s(&self) -> Dd {
        Dd::from(self.x - self.y).div(Dd::sum(self.x, self.y))
    }

    /// `ln(p/q)`, never formed by dividing.
    #[inline]
    pub(crate) fn ln_ratio(&self) -> Dd {
        if self.near() {
            ln_ratio_near(self.s())
        } else {
            ln_ratio_split(self.mx, self.ex, self.my, self.ey)
        }
    }

    /// For a far pair with `l = ln(p/q)`: `p·ln(p/q)` as a mantissa and exponent of p's own
    /// scale (exact even when `x` underflows).
    #[inline]
    pub(crate) fn kl_term_far(&self, l: Dd) -> (Dd, i32) {
        (Dd::from(self.mx).mul(l), self.ex)
    }

    /// For a far pair with `l = ln(p/q)`: `x·l − x + y` (times 2^e).
    #[inline]
    pub(crate) fn bregman_far(&self, l: Dd) -> Dd {
        Dd::from(self.x)
            .mul(l)
            .sub(Dd::from(self.x))
            .add_f64(self.y)
    }

    /// `x·ln(x/y) − x + y ≥ 0` (times 2^e).
    #[inline]
    pub(crate) fn bregman(&self) -> Dd {
        if self.near() {
            Dd::sum(self.x, self.y).mul(bregman_near(self.s()))
        } else {
            self.bregman_far(self.ln_ratio())
        }
    }

    /// `(x − y)·ln(x/y) ≥ 0` (times 2^e).
    #[inline]
    pub(crate) fn jeffreys(&self) -> Dd {
        if self.near() {
            Dd::from(self.x - self.y).mul(self.ln_ratio())
        } else {
            Dd::sum(self.x, -self.y).mul(self.ln_ratio())
        }
    }

    /// `½[x·ln(2x/(x+y)) + y·ln(2y/(x+y))] ≥ 0` (times 2^e).
    #[inline]
    pub(crate) fn js(&self) -> Dd {
        let m = Dd::sum(self.x, self.y);
        if self.near() {
            m.mul(js_near(self.s())).mul_f64(0.25)
        } else {
            // ln(x+y) relative to 2^e; x + y ∈ [1, 4).
            let lm = crate::log::ln_dd(m);
            let lx = ln_split(self.mx, self.ex - self.e);
            let ly = ln_split(self.my, self.ey - self.e);
            let l2 = crate::dd::LN2;
            let tx = Dd::from(self.x).mul(l2.add(lx).sub(lm));
            let ty = Dd::from(self.y).mul(l2.add(ly).sub(lm));
            tx.add(ty).mul_f64(0.5)
        }
    }
}
